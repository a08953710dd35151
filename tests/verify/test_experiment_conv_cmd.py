"""`verify experiment skip-mechanism --arch conv`: a tiny run end to end, and every bad input refused first."""

import json

import numpy as np
import pytest

from numerics.experiments import conv_skip
from verify.commands import experiment
from verify.ui import UI

TINY = ["skip-mechanism", "--arch", "conv", "--trials", "2", "--steps", "2", "--n", "2", "--jacobian-steps", "0,2"]


def run(argv, capsys):
    code = experiment.main(argv, UI(json_mode="--json" in argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_tiny_conv_run_json_and_files(capsys, tmp_path):
    code, out, _ = run([*TINY, "--json", "--save", str(tmp_path), "--plot", str(tmp_path)], capsys)
    assert code == 0
    (obj,) = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert obj["arch"] == "conv" and obj["trials"] == 2 and obj["jacobian_steps"] == [0, 2]
    assert obj["num_singular_values"] == 20 and obj["prediction"]["c_faster_than_b"] in (
        "HELD", "DID NOT HOLD", "NOT RESOLVED")
    assert [r["at"] for r in obj["wins"]["rows"]] == ["step 2", "whole curve"]
    assert obj["dense_analogue"]["wins"]["trials"] == 2 and obj["finding"].startswith("The prediction")
    for ext in ("json", "md", "npz", "png"):
        assert (tmp_path / f"skip-mechanism-conv.{ext}").stat().st_size > 0
    md = (tmp_path / "skip-mechanism-conv.md").read_text()
    assert "--arch conv --trials 2 --steps 2 --n 2 --jacobian-steps 0,2" in md and "Finding." in md


@pytest.mark.parametrize("extra,needle", [
    (["--trials", "0"], "--trials"), (["--steps", "-1"], "--steps"), (["--lr", "0"], "--lr"),
    (["--lr", "nan"], "--lr"), (["--lr", "inf"], "--lr"), (["--lr", "-0.1"], "--lr"),
    (["--jacobian-steps", "0,31"], "beyond --steps 30"), (["--jacobian-steps", "x"], "--jacobian-steps"),
    (["--steps", "5", "--jacobian-steps", "0-9"], "beyond --steps 5"), (["--data", "synthetic"], "--data"),
    (["--fixed", "pool"], "--fixed"), (["--n", "5000"], "--n"), (["--jobs", "0"], "--jobs"),
])
def test_bad_conv_input_is_refused_before_any_work(capsys, monkeypatch, extra, needle):
    monkeypatch.setattr(conv_skip, "run", lambda *a, **k: pytest.fail("the experiment ran"))
    code, out, err = run(["skip-mechanism", "--arch", "conv", *extra], capsys)
    assert code == 2
    text = (out + err).strip()
    assert needle in text and "Traceback" not in text and len(text.splitlines()) <= 3


@pytest.mark.parametrize("argv,needle", [
    (["skip-mechanism", "--arch", "cnn"], "--arch"),
    (["skip-mechanism", "--quick"], "--arch conv only"),
    (["skip-mechanism", "--jacobian-steps", "0"], "--arch conv only"),
    (["skip-mechanism", "--jobs", "2"], "--arch conv only"),
])
def test_bad_arch_flags_exit_2(capsys, argv, needle):
    code, out, err = run(argv, capsys)
    assert code == 2 and needle in out + err


@pytest.mark.parametrize("flag", ["--save", "--plot"])
def test_unwritable_output_directory_is_refused_before_any_work(capsys, monkeypatch, tmp_path, flag):
    monkeypatch.setattr(conv_skip, "run", lambda *a, **k: pytest.fail("the experiment ran"))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run(["skip-mechanism", "--arch", "conv", flag, str(blocker / "sub")], capsys)
    assert code == 2 and flag in out + err and "Traceback" not in out + err


def test_quick_means_three_trials_and_two_jacobian_steps(capsys, monkeypatch):
    seen = {}

    def fake_run(config, X, y, on_step=None):
        seen.update(trials=config.trials, jsteps=config.jacobian_steps, steps=config.steps)
        raise KeyboardInterrupt

    monkeypatch.setattr(conv_skip, "run", fake_run)
    code, _, _ = run(["skip-mechanism", "--arch", "conv", "--quick", "--jobs", "1"], capsys)
    assert code == 130
    assert seen == {"trials": 3, "jsteps": (0, 30), "steps": 30}


def test_bad_verify_jobs_is_refused_before_any_work(capsys, monkeypatch):
    monkeypatch.setattr(conv_skip, "run", lambda *a, **k: pytest.fail("the experiment ran"))
    monkeypatch.setenv("VERIFY_JOBS", "many")
    code, out, err = run(["skip-mechanism", "--arch", "conv", "--json"], capsys)
    assert code == 2 and "VERIFY_JOBS" in out + err
    assert json.loads(out.splitlines()[0])["verdict"] == "ERROR"


def test_worker_processes_give_the_serial_numbers(capsys, tmp_path):
    """Trials' variants spread over 2 processes (9 tasks) = the serial run (lockstep in one process), bit for bit."""
    arrays = {}
    for jobs in ("1", "2"):
        code, out, _ = run([*TINY, "--trials", "3", "--json", "--jobs", jobs, "--save", str(tmp_path / jobs)], capsys)
        (obj,) = [json.loads(line) for line in out.splitlines() if line.strip()]
        assert code == 0 and obj["jobs"] == int(jobs) and obj["trials_done"] == [0, 1, 2]
        arrays[jobs] = np.load(tmp_path / jobs / "skip-mechanism-conv.npz")
    assert sorted(arrays["1"].files) == sorted(arrays["2"].files)
    for key in arrays["1"].files:
        np.testing.assert_array_equal(arrays["1"][key], arrays["2"][key], err_msg=key)
    assert np.all(np.isfinite(arrays["1"]["sigma_c"])) and arrays["1"]["loss_a"].shape == (3, 3)


def test_ctrl_c_in_worker_mode_reports_the_finished_trials(capsys, monkeypatch, tmp_path):
    from verify import parallel

    real = parallel.as_completed

    def only_trial_one_then_ctrl_c(futures):
        """Tasks are (trial, variant) in order: hand back trial 1's three variants (and one of trial 0), then Ctrl-C."""
        finished = list(real(futures))
        yield from (f for f in finished if futures[f] in (0, 3, 4, 5))
        raise KeyboardInterrupt

    monkeypatch.setattr(parallel, "as_completed", only_trial_one_then_ctrl_c)
    code, out, err = run([*TINY, "--trials", "3", "--json", "--jobs", "2", "--save", str(tmp_path)], capsys)
    assert code == 130 and "Traceback" not in out + err
    (obj,) = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert obj["interrupted"] is True and obj["trials"] == 1 and obj["trials_done"] == [1]
    assert obj["dense_analogue"] is None
    assert "**Interrupted**: 1 of 3 trials finished (trial 1)" in (tmp_path / "skip-mechanism-conv.md").read_text()


def test_ctrl_c_before_a_whole_trial_finished_exits_130_without_a_report(capsys, monkeypatch):
    from verify import parallel

    real = parallel.as_completed

    def ctrl_c_after_one_variant(futures):
        yield next(iter(real(futures)))
        raise KeyboardInterrupt

    monkeypatch.setattr(parallel, "as_completed", ctrl_c_after_one_variant)
    code, out, err = run([*TINY, "--json", "--jobs", "2"], capsys)
    assert code == 130 and "Traceback" not in out + err
    (obj,) = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert obj["error"] == "interrupted" and "before the first trial finished" in obj["message"]


def test_ctrl_c_in_serial_mode_reports_the_finished_trials(capsys, monkeypatch):
    real = conv_skip.run_trial

    def interrupt_second(config, X, y, trial, *a, **k):
        if trial == 1:
            raise KeyboardInterrupt
        return real(config, X, y, trial, *a, **k)

    monkeypatch.setattr(conv_skip, "run_trial", interrupt_second)
    code, out, err = run([*TINY, "--jobs", "1"], capsys)
    assert code == 130 and "INTERRUPTED" in out and "1 of 2 trials finished (trial 0)" in out
    assert "Traceback" not in out + err
    code, out, err = run([*TINY, "--jobs", "1", "--trials", "1", "--seed", "5", "--json"], capsys)
    assert code == 0  # trial 0 alone is not interrupted
