"""The `verify` command: dispatch, verdict display, exit codes and JSON lines on every path."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from verify import cli, parallel
from verify.ui import EXIT_FAIL, EXIT_INCONCLUSIVE, EXIT_OK, EXIT_USAGE

ROOT = Path(__file__).resolve().parents[2]
CI = ["--profile", "ci", "--no-progress"]


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def json_lines(out: str) -> list[dict]:
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert lines, "no JSON output"
    return lines


def test_result_passes_and_shows_every_check(capsys, fake_registry):
    code, out, _ = run(capsys, "cost-bounds", *CI)
    assert code == EXIT_OK
    assert "PROVED" in out and "cost-bounds/ce-grad-upper" in out
    assert "instances attacked" in out and "seed 0" in out and "rtol = 1e-12" in out
    assert "REFUTED AS EXPECTED" in out and "verdict: PASS" in out


def test_bound_scale_half_fails_with_counterexample(capsys, fake_registry):
    code, out, _ = run(capsys, "cost-bounds", "--bound-scale", "0.5", *CI)
    assert code == EXIT_FAIL
    assert "z := [" in out and "hypotheses that held" in out and "✗" in out
    assert "50-digit re-evaluation" in out and "confirmed genuine" in out
    assert "verify cost-bounds/ce-grad-upper --seed 0 --profile ci --bound-scale 0.5" in out


def test_unknown_id_names_close_ids(capsys, fake_registry):
    code, _, err = run(capsys, "cost-bound", *CI)
    assert code == EXIT_USAGE and "cost-bounds" in err and "did you mean" in err


def test_single_check_id(capsys, fake_registry):
    code, out, _ = run(capsys, "cost-bounds/ce-hessian", "--seed", "4", *CI)
    assert code == EXIT_OK and "cost-bounds/ce-hessian" in out and "ce-grad-upper" not in out
    assert "seed 4" in out


def test_a_loose_check_states_its_declared_factor_and_reason(capsys):
    """Beside the run's own worst ratio, the report prints what the check declares: the measured factor and why."""
    code, out, _ = run(capsys, "ce-global-convergence/block-dw2", *CI)
    assert code == EXIT_OK
    assert "would not be detected" in out
    assert "declared loose, measured worst ratio 0.76: " in out and "|σ| < 1" in out


@pytest.mark.parametrize("argv, code", [
    (["cost-bounds"], EXIT_OK),
    (["cost-bounds", "--bound-scale", "0.5"], EXIT_FAIL),
    (["cost-bounds", "--bound-scale", "-1"], EXIT_USAGE),
    (["cost-bounds", "--seed", "x"], EXIT_USAGE),
    (["cost-bounds", "--teeth", "--bound-scale", "0.9"], EXIT_USAGE),
    (["cost-bounds", "extra-word"], EXIT_USAGE),
    (["no-such-id"], EXIT_USAGE),
    (["list"], EXIT_OK),
    (["explain", "toy-proved"], EXIT_OK),
    ([], EXIT_USAGE),
])
def test_json_lines_parse_on_every_path(capsys, fake_registry, argv, code):
    got, out, _ = run(capsys, *argv, "--json", *CI)
    assert got == code
    lines = json_lines(out)
    if code == EXIT_USAGE:
        assert lines[-1]["verdict"] == "ERROR" and lines[-1]["message"]
    elif argv[0] == "cost-bounds":
        (line,) = lines
        assert {"id", "verdict", "provenance", "instances", "worst_ratio", "seed", "checks", "obligations",
                "tolerance", "reproduce"} <= set(line)
        assert line["verdict"] == ("PASS" if code == EXIT_OK else "FAIL")


def test_teeth_on_cost_bounds(capsys, fake_registry):
    """Default profile: every cost bound reaches 0.99 of its declared sup and fails, confirmed, at 0.99·sup."""
    code, out, _ = run(capsys, "cost-bounds", "--teeth", "--json", "--no-progress")
    assert code == EXIT_OK
    (line,) = json_lines(out)
    teeth = {t["check"]: t for t in line["teeth"]}
    assert teeth.pop("cost-bounds/ce-grad-no-sqrt2-control")["verdict"] == "n/a"
    assert {t["verdict"] for t in teeth.values()} == {"has teeth"} and len(teeth) == 7
    for t in teeth.values():
        assert t["confirmed"] and t["strengthened_verdict"] == "FAIL"
        assert t["worst_ratio"] >= 0.99 * t["declared_sup"] or t["kind"] == "identity"
        assert t["scale"] == pytest.approx(0.99 * t["declared_sup"])


def test_all_summary_not_yet_and_undecided(capsys, fake_registry):
    code, out, _ = run(capsys, "all", *CI)
    assert code == EXIT_INCONCLUSIVE  # UNDECIDED is neither a failure nor a pass: exit 3 …
    assert "not yet" in out and "UNDECIDED" in out and "toy-empty" in out
    code, _, _ = run(capsys, "all", "--strict", *CI)
    assert code == EXIT_FAIL  # … or 1 with --strict
    code, out, _ = run(capsys, "all", "--json", *CI)
    assert {line["exit_code"] for line in json_lines(out)} == {EXIT_INCONCLUSIVE}
    verdicts = {line["id"]: line["verdict"] for line in json_lines(out)}
    assert verdicts == {"cost-bounds": "PASS", "toy-proved": "PASS", "toy-undecided": "UNDECIDED",
                        "toy-empty": "UNDECIDED"}


def test_broken_checks_module_is_an_error_row(capsys, fake_registry, monkeypatch):
    monkeypatch.setattr(cli, "discovery_errors", lambda: [("numerics.checks.broken", "SyntaxError: oops")])
    code, out, _ = run(capsys, "all", "--json", *CI)
    assert code == EXIT_USAGE
    broken = [line for line in json_lines(out) if line["id"] == "numerics.checks.broken"]
    assert broken and broken[0]["verdict"] == "ERROR" and "SyntaxError" in broken[0]["error"]


def test_ctrl_c_leaves_a_partial_report(capsys, fake_registry, monkeypatch):
    real = parallel.run_check
    calls = []

    def interrupt_second(check, **kw):
        calls.append(check.id)
        if len(calls) == 9:  # cost-bounds has 8 checks: interrupt the first check of toy-proved
            raise KeyboardInterrupt
        return real(check, **kw)

    monkeypatch.setattr(parallel, "run_check", interrupt_second)
    code, out, err = run(capsys, "all", *CI)
    assert code == cli.EXIT_INTERRUPTED
    assert "cost-bounds" in out and "toy-undecided" not in out
    # the interrupted result is shown with what finished (its obligation), as UNDECIDED, never PASS
    assert "interrupted (Ctrl-C) after 0 of 1 checks" in out
    assert "toy-proved" in out and "verdict: UNDECIDED" in out
    assert "interrupted" in err and "Traceback" not in err + out


def test_missing_subcommand_module_is_a_clear_usage_error(capsys, monkeypatch):
    def missing(name):
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr(cli.importlib, "import_module", missing)
    code, _, err = run(capsys, "train", "--epochs", "3")
    assert code == EXIT_USAGE and "verify train" in err and "missing" in err


def test_subcommand_gets_the_rest_of_argv(capsys, monkeypatch):
    seen = {}

    class Fake:
        @staticmethod
        def main(argv, ui):
            seen["argv"] = argv
            return 0

    monkeypatch.setattr(cli.importlib, "import_module", lambda name: Fake)
    assert cli.main(["experiment", "random-matrix", "--seed", "2"]) == 0
    assert seen["argv"] == ["random-matrix", "--seed", "2"]


def test_explain_shows_hypotheses_derivation_and_live_example(capsys, fake_registry):
    code, out, _ = run(capsys, "explain", "cost-bounds")
    assert code == EXIT_OK
    for text in ("why: needed for the bound", "derivation", "1. step one", "PROVED", "live example",
                 "lhs = ", "cost-bounds/mean-ce-lower"):
        assert text in out


def test_help_explains_verdicts_and_exit_codes(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == EXIT_OK
    for text in ("REFUTED AS EXPECTED", "GAVE UP", "exit codes", "--bound-scale", "--teeth", "thorough"):
        assert text in out


COLOUR = ("\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[1;31m")


@pytest.mark.parametrize("no_color", [False, True])
def test_no_color_is_respected_even_when_colour_is_forced(capsys, fake_registry, monkeypatch, no_color):
    monkeypatch.setenv("FORCE_COLOR", "1")
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    _, out, _ = run(capsys, "cost-bounds/ce-grad-upper", "--bound-scale", "0.5", *CI)
    assert any(code in out for code in COLOUR) is not no_color


def _verify(*argv, env_extra=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "verify", *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_exit_codes_in_a_real_process():
    fail = _verify("cost-bounds/ce-grad-upper", "--bound-scale", "0.5", *CI)
    assert fail.returncode == 1 and "confirmed genuine" in fail.stdout
    unknown = _verify("no-such-id", "--json")
    assert unknown.returncode == 2 and "known results" in unknown.stderr
    assert json.loads(unknown.stdout.strip().splitlines()[-1])["verdict"] == "ERROR"


# ------------------------------------------------------------------------------------------- --mutants
def _with_mutants(fake_registry, survive: bool):
    from theorems.result import Obligation, ObligationOutcome, Status

    failed = lambda: ObligationOutcome(Status.FAILED, "sympy: residue 1 at x := 2")  # noqa: E731
    proved = lambda: ObligationOutcome(Status.PROVED, "sympy: 0")  # noqa: E731
    for e in fake_registry:
        e.result.obligations = tuple(Obligation(o.name, o.description, o.run, mutant=failed,
                                                mutant_description="factor 2") for o in e.result.obligations)
    if survive:
        r = fake_registry[1].result
        r.obligations = (Obligation("a", "a", proved, mutant=proved, mutant_description="nothing wrong"),)


def test_mutants_all_refuted_exit_0_with_json(capsys, fake_registry):
    _with_mutants(fake_registry, survive=False)
    code, out, _ = run(capsys, "all", "--mutants", "--no-progress")
    assert code == EXIT_OK
    assert "REFUTED" in out and "SURVIVED" not in out and "4 of 4 mutants refuted" in out
    code, out, _ = run(capsys, "all", "--mutants", "--json")
    lines = json_lines(out)
    rows = [r for r in lines if r.get("kind") == "mutant"]
    assert code == EXIT_OK and len(rows) == 4 and all(r["verdict"] == "REFUTED" for r in rows)
    assert lines[-1]["kind"] == "mutants-summary" and lines[-1]["ok"] is True


def test_a_surviving_mutant_exits_1(capsys, fake_registry):
    _with_mutants(fake_registry, survive=True)
    code, out, _ = run(capsys, "toy-proved", "--mutants", "--no-progress")
    assert code == EXIT_FAIL and "SURVIVED" in out and "nothing wrong" in out
    code, out, _ = run(capsys, "all", "--mutants", "--json")
    assert code == EXIT_FAIL and json_lines(out)[-1]["survived"] == 1


def test_mutants_of_a_check_id_is_a_usage_error(capsys, fake_registry):
    code, _, err = run(capsys, "cost-bounds/ce-grad-upper", "--mutants")
    assert code == EXIT_USAGE and "--mutants" in err


def test_json_counts_every_kind_of_obligation(capsys, fake_registry):
    code, out, _ = run(capsys, "toy-proved", *CI, "--json")
    row = json_lines(out)[0]
    assert row["symbolic_counts"] == {"proved": 1, "exact": 0, "cited": 0, "derived": 0, "interval": 0,
                                      "undecided": 0, "failed": 0}
    assert row["symbolic"] == "1 proved"
