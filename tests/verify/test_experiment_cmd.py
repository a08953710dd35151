"""`verify experiment …`: JSON lines on every path, exit codes, saved files, missing extras, Ctrl-C."""

import json
import sys

import pytest

from numerics.experiments import skip_mechanism as skip
from verify.commands import experiment
from verify.ui import UI

TINY = ["--trials", "2", "--steps", "2", "--n", "6"]


def run(argv, capsys, json_mode=None):
    ui = UI(json_mode="--json" in argv if json_mode is None else json_mode)
    code = experiment.main(argv, ui)
    out, err = capsys.readouterr()
    return code, out, err


def json_lines(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_random_matrix_json(capsys):
    code, out, _ = run(["random-matrix", "--size", "60", "--json"], capsys)
    assert code == 0
    (obj,) = json_lines(out)
    assert obj["experiment"] == "random-matrix" and obj["size"] == 60
    assert obj["summary"]["I+A"]["min"] > obj["summary"]["A"]["min"]
    assert len(obj["findings"]) == 3


def test_random_matrix_default_size_matches_r8(capsys, tmp_path):
    code, out, _ = run(["random-matrix", "--save", str(tmp_path), "--json"], capsys)
    obj = json_lines(out)[0]
    assert code == 0 and obj["size"] == 500
    # R8: σ_min(A) ≈ 0, σ_min(I + A) ≈ 0.3, σ(I + A) roughly in [0.3, 1.9]
    assert obj["summary"]["A"]["min"] < 0.01
    assert 0.25 < obj["summary"]["I+A"]["min"] < 0.35 and 1.8 < obj["summary"]["I+A"]["max"] < 2.0
    assert json.loads((tmp_path / "random-matrix.json").read_text())["size"] == 500


def test_skip_mechanism_json_and_saved_files(capsys, tmp_path):
    code, out, _ = run(["skip-mechanism", *TINY, "--json", "--save", str(tmp_path)], capsys)
    assert code == 0
    (obj,) = json_lines(out)
    assert obj["experiment"] == "skip-mechanism" and obj["interrupted"] is False
    assert obj["trials"] == 2 and obj["steps"] == 2 and isinstance(obj["prediction"]["held"], bool)
    assert {"a", "b", "c"} == {row["variant"] for row in obj["table"]}
    saved = json.loads((tmp_path / "skip-mechanism.json").read_text())
    assert saved["table"] == obj["table"]
    assert (tmp_path / "skip-mechanism.npz").stat().st_size > 0
    assert "verify experiment skip-mechanism --trials 2 --steps 2 --n 6" in (tmp_path / "skip-mechanism.md").read_text()


def test_skip_mechanism_human_report(capsys):
    code, out, _ = run(["skip-mechanism", *TINY], capsys)
    assert code == 0
    assert "σ_median" in out and "prediction" in out and "(c) proj.+iso." in out


def test_bad_usage_is_exit_2_with_a_json_error(capsys):
    code, out, _ = run(["skip-mechanism", "--lr", "0", "--json"], capsys)
    assert code == 2
    (obj,) = json_lines(out)
    assert obj["verdict"] == "ERROR" and "--lr" in obj["message"]
    code, out, _ = run(["nonsense", "--json"], capsys)
    assert code == 2 and json_lines(out)[0]["error"] == "usage"


def test_help_in_json_mode_is_json(capsys):
    code, out, _ = run(["skip-mechanism", "--help", "--json"], capsys)
    assert code == 0 and "--trials" in json_lines(out)[0]["help"]


def test_missing_matplotlib_is_a_clear_exit_2(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, out, _ = run(["random-matrix", "--plot", str(tmp_path), "--json"], capsys)
    assert code == 2
    obj = json_lines(out)[0]
    assert obj["error"] == "missing-extra" and "matplotlib" in obj["message"] and ".[plots]" in obj["message"]


def test_missing_scikit_learn_is_a_clear_exit_2(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    code, out, _ = run(["skip-mechanism", "--data", "digits", "--json"], capsys)
    assert code == 2 and "scikit-learn" in json_lines(out)[0]["message"]


def test_plots_are_written(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    code, _, _ = run(["skip-mechanism", *TINY, "--plot", str(tmp_path)], capsys)
    assert code == 0 and (tmp_path / "skip-mechanism.png").read_bytes()[:4] == b"\x89PNG"
    code, _, _ = run(["random-matrix", "--size", "40", "--plot", str(tmp_path)], capsys)
    assert code == 0 and (tmp_path / "random-matrix.png").read_bytes()[:4] == b"\x89PNG"


def test_ctrl_c_gives_a_partial_report_not_a_traceback(capsys, monkeypatch, tmp_path):
    real, calls = skip.record, []

    def interrupting(*args):
        calls.append(1)
        if len(calls) == 5:  # step 1, variant b
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(skip, "record", interrupting)
    code, out, err = run(["skip-mechanism", *TINY, "--json", "--save", str(tmp_path)], capsys)
    assert code == experiment.EXIT_INTERRUPTED
    (obj,) = json_lines(out)
    assert obj["interrupted"] is True and obj["completed_steps"] == 0 and obj["steps"] == 0
    assert "Traceback" not in err
    assert "Interrupted" in (tmp_path / "skip-mechanism.md").read_text()
