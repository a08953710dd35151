"""--jobs, --seeds: the same report whoever runs the tasks; bad values are usage errors; Ctrl-C and dead workers."""

import json
import re
from pathlib import Path

import pytest

from verify import cli, parallel, registry
from verify.ui import EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from worker_faults import dying_task, one_check_plan

ROOT = Path(__file__).resolve().parents[2]
CI = ["--profile", "ci", "--no-progress"]
SMALL = ("kernel-layerwise", "first-layer-conditioning")  # real results with few, fast checks


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def without_timing(lines: list[dict]) -> list[dict]:
    for line in lines:
        line.pop("elapsed", None)
        for check in line.get("checks", []):
            check.pop("elapsed", None)
    return lines


def without_layout(text: str) -> str:
    """Times and table layout removed (a wider time cell may re-wrap a row); words and numbers kept, in order."""
    return re.sub(r"\d+\.\d+s|[\s│┃━─┏┓┗┛┡┩└┘╇┳┻┼╋┬┴├┤]+", "", text)


@pytest.fixture
def small_registry(monkeypatch):
    """`verify all` over two real results (workers resolve the ids in their own, full registry)."""
    real = {e.id: e for e in registry.entries()}
    monkeypatch.setattr(registry, "entries", lambda: [real[rid] for rid in SMALL])


def test_jobs_2_report_equals_the_serial_one(capsys, small_registry, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # no cell cut short by a narrow console: compare the full text
    serial = run(capsys, "all", "--json", "--jobs", "1", *CI)
    pooled = run(capsys, "all", "--json", "--jobs", "2", *CI)
    assert serial[0] == pooled[0] == EXIT_OK
    lines = without_timing(json_lines(serial[1]))
    assert [line["id"] for line in lines] == list(SMALL)
    assert lines == without_timing(json_lines(pooled[1]))
    human_serial = run(capsys, "all", "--jobs", "1", *CI)[1]
    human_pooled = run(capsys, "all", "--jobs", "2", *CI)[1]
    assert "kernel-layerwise" in human_serial and without_layout(human_serial) == without_layout(human_pooled)


def test_a_failing_run_is_identical_too_exit_code_included(capsys):
    argv = ("cost-bounds/ce-grad-upper", "--seeds", "0,1", "--bound-scale", "0.5", "--json", *CI)
    serial, pooled = run(capsys, *argv, "--jobs", "1"), run(capsys, *argv, "--jobs", "2")
    assert serial[0] == pooled[0] == EXIT_FAIL
    assert without_timing(json_lines(serial[1])) == without_timing(json_lines(pooled[1]))


@pytest.mark.parametrize("argv, says", [
    (["--seeds", "0:0"], "0 ≤ A < B"),
    (["--seeds", "5:2"], "0 ≤ A < B"),
    (["--seeds", "a:b"], "not a range"),
    (["--seeds", "1,x"], "not a list"),
    (["--seeds", "1,1"], "twice"),
    (["--seeds", "-1"], "not in 0"),
    (["--seeds", "0:99999999999"], "0 ≤ A < B"),
    (["--seeds", "0:3", "--seed", "2"], "not both"),
    (["--jobs", "0"], "> 0"),
    (["--jobs", "two"], "not a whole number"),
    (["--jobs", "2", "--scheduler", "tcp://127.0.0.1:1"], "drop one"),
])
def test_bad_values_are_one_line_usage_errors(capsys, argv, says):
    code, out, err = run(capsys, "cost-bounds/ce-grad-upper", *argv, *CI)
    assert code == EXIT_USAGE and out == ""
    assert err.count("error:") == 1 and says in " ".join(err.split()) and "Traceback" not in err


def test_bad_verify_jobs_variable_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.setenv("VERIFY_JOBS", "many")
    code, _, err = run(capsys, "cost-bounds", *CI)
    assert code == EXIT_USAGE and "VERIFY_JOBS='many'" in err


def test_seeds_report_the_worst_ratio_and_all_instances(capsys):
    check = "cost-bounds/ce-grad-upper"
    single = [json_lines(run(capsys, check, "--seed", str(s), "--json", *CI)[1])[0] for s in range(3)]
    code, out, _ = run(capsys, check, "--seeds", "0:3", "--json", *CI)
    (line,) = json_lines(out)
    assert code == EXIT_OK and line["verdict"] == "PASS" and line["seeds"] == [0, 1, 2]
    assert line["instances"] == sum(s["instances"] for s in single)
    worst = max(range(3), key=lambda s: single[s]["worst_ratio"])
    (merged,) = line["checks"]
    assert merged["worst_ratio"] == single[worst]["worst_ratio"] and merged["worst_seed"] == worst
    assert merged["seeds"] == [0, 1, 2] and merged["failing_seeds"] == []
    human = run(capsys, check, "--seeds", "0,1,2", *CI)[1]
    assert f"3 seeds 0:3, worst ratio at seed {worst}" in human


def test_a_seed_that_fails_is_reported_with_its_own_reproduction_command(capsys):
    """Bound scale between the seeds' critical scales: exactly the seed that came closest fails.

    A loose check, whose worst ratio differs clearly between seeds (tight ones agree to round-off)."""
    check = "ce-global-convergence/gradient"
    crit = {s: json_lines(run(capsys, check, "--seed", str(s), "--json", *CI)[1])[0]["checks"][0]["critical_scale"]
            for s in range(4)}
    top, runner_up = sorted(crit.values(), reverse=True)[:2]
    assert top > runner_up * (1 + 1e-6), crit
    bad_seed = max(crit, key=crit.get)
    scale = (top + runner_up) / 2
    code, out, _ = run(capsys, check, "--seeds", "0:4", "--bound-scale", repr(scale), "--json", *CI)
    (line,) = json_lines(out)
    (merged,) = line["checks"]
    assert code == EXIT_FAIL and merged["verdict"] == "FAIL" and merged["failing_seeds"] == [bad_seed]
    assert merged["counterexample"] is not None and f"--seed {bad_seed} " in merged["reproduce"]
    assert f"--seed {bad_seed} " in line["reproduce"]
    # the command reproduces it on its own
    again = merged["reproduce"].split()[1:]
    assert run(capsys, *again, "--no-progress")[0] == EXIT_FAIL


def test_ctrl_c_stops_the_workers_and_prints_the_partial_report(capsys, monkeypatch, small_registry):
    pools = []
    real_pool, real_completed = parallel._local_pool, parallel.as_completed

    def recording_pool(workers, **kw):
        pools.append(real_pool(workers, **kw))
        return pools[-1]

    def interrupt_after_first(futures):
        for k, future in enumerate(real_completed(futures)):
            if k == 1:
                pools.append(list(pools[0]._processes.values()))  # the live workers, to check they end
                raise KeyboardInterrupt
            yield future

    monkeypatch.setattr(parallel, "_local_pool", recording_pool)
    monkeypatch.setattr(parallel, "as_completed", interrupt_after_first)
    code, out, err = run(capsys, "all", "--jobs", "2", *CI)
    assert code == EXIT_INTERRUPTED
    assert "kernel-layerwise" in out and "interrupted (Ctrl-C)" in out and "verdict: PASS" not in out
    assert "interrupted" in err and "Traceback" not in out + err
    workers = pools[1]
    assert workers and not any(w.is_alive() for w in workers)


@pytest.mark.parametrize("dies", ["always", "once"])
def test_a_dead_worker_is_retried_once_then_error(tmp_path, monkeypatch, dies):
    jobs, args, plan = one_check_plan("cost-bounds/ce-grad-upper")
    fn = dying_task(dies, tmp_path)
    monkeypatch.setattr(parallel, "run_task", fn)  # what the pool submits
    results = {}
    parallel.run_local(plan, lambda r: results.__setitem__(r.index, r), lambda *a, **k: None, workers=2)
    (outcome,) = parallel.assemble(jobs, plan, results, args, (0,), interrupted=False)
    if dies == "always":
        assert outcome.verdict == "ERROR" and "died twice" in outcome.checks[0].message
    else:
        assert outcome.verdict == "PASS" and outcome.instances > 0


def test_a_lemma_file_runs_in_the_workers_too(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    lemma = "examples/lemma_false_skip_frobenius.py"  # relative: workers load it by absolute path
    argv = (lemma, "--seeds", "0,1", "--json", *CI)
    serial, pooled = run(capsys, *argv, "--jobs", "1"), run(capsys, *argv, "--jobs", "2")
    assert serial[0] == pooled[0] == EXIT_FAIL
    (line,) = without_timing(json_lines(pooled[1]))
    assert [line] == without_timing(json_lines(serial[1]))
    assert line["reproduce"].startswith(f"verify {lemma} --seed ")
