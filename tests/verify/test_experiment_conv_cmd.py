"""`verify experiment skip-mechanism --arch conv`: a tiny run end to end, and every bad input refused first."""

import json

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
    (["--fixed", "pool"], "--fixed"), (["--n", "5000"], "--n"),
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
    code, _, _ = run(["skip-mechanism", "--arch", "conv", "--quick"], capsys)
    assert code == 130
    assert seen == {"trials": 3, "jsteps": (0, 30), "steps": 30}
