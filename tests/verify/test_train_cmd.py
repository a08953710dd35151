"""`verify train`: exit codes, JSON lines on every path, --save, --plot fallback, Ctrl-C (docs/theory.md#r7)."""

import json

import numpy as np
import pytest

from numerics.training import plots
from numerics.training.history import History
from verify.commands import train
from verify.ui import UI


def run(argv, capsys):
    code = train.main(list(argv), UI(json_mode="--json" in argv))
    out, err = capsys.readouterr()
    return code, out, err


def lines(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_certified_run_passes_with_loss_falling_and_v_growing(capsys):
    code, out, _ = run(["--steps", "300", "--json"], capsys)
    assert code == 0
    objs = lines(out)
    assert objs[0]["event"] == "start" and all(h["held"] for h in objs[0]["hypotheses"])
    res = objs[-1]
    assert res["event"] == "result" and res["verdict"] == "PASS"
    assert res["loss"][1] < 0.2 * res["loss"][0] and res["v_norm"][1] > 2 * res["v_norm"][0]
    assert {i["inequality"]: i["status"] for i in res["inequalities"]} == dict.fromkeys(
        ["wn-monotone", "descent", "kernel", "gradient", "rate", "hessian"], "HELD")
    per_step = [i for i in res["inequalities"] if i["inequality"] != "hessian"]
    assert all(i["steps_checked"] >= 300 for i in per_step)
    (hess,) = [i for i in res["inequalities"] if i["inequality"] == "hessian"]
    # every 6th iterate (300 // 50) and the midpoint after it: 51 + 50 points, worst ‖∇²ℓ‖/β in (0, 1]
    assert hess["steps_checked"] == 101 and 0 < hess["worst_ratio"] <= 1 and hess["guaranteed"]
    assert res["fits"]["loss_vs_t"]["slope"] < 0 < res["fits"]["v_vs_log_t"]["slope"]
    assert any(o.get("event") == "step" for o in objs)


def test_human_report(capsys):
    code, out, _ = run(["--steps", "100"], capsys)
    assert code == 0
    assert "verdict: PASS" in out and "HELD" in out and "verify train --mode certified" in out


def test_lr_above_limit_is_usage_error_naming_value_and_limit(capsys):
    code, out, err = run(["--lr", "50", "--json"], capsys)
    assert code == 2
    (obj,) = lines(out)
    assert obj["verdict"] == "ERROR" and obj["error"] == "usage"
    assert "η = 50" in obj["message"] and "2/β = " in obj["message"] and "--mode practical" in obj["message"]
    code, out, err = run(["--lr", "50"], capsys)
    assert code == 2 and "--mode practical" in err and out == ""


@pytest.mark.parametrize("argv", [["--steps", "0"], ["--mode", "fast"], ["--c", "1.5"], ["--N", "9"],
                                  ["--momentum", "0.9"], ["--plot", "x.pdf"], ["--c", "0.2", "--alpha", "0.1"]])
def test_bad_usage_exits_2_with_a_json_error(argv, capsys):
    code, out, _ = run(argv + ["--json"], capsys)
    assert code == 2
    (obj,) = lines(out)
    assert obj["verdict"] == "ERROR" and obj["message"]


def test_practical_mode_labels_guarantees(capsys):
    code, out, _ = run(["--mode", "practical", "--steps", "200", "--json"], capsys)
    assert code == 0
    res = lines(out)[-1]
    assert res["verdict"] == "DONE"
    st = {i["inequality"]: i for i in res["inequalities"]}
    assert not st["descent"]["guaranteed"] and "2/β" in st["descent"]["why_not_guaranteed"]
    assert "not guaranteed" in st["descent"]["status"] and "not guaranteed" in st["rate"]["status"]
    assert st["kernel"]["status"] == "HELD"  # its hypotheses do not involve η
    assert all(i["status"] != "VIOLATED" for i in res["inequalities"])


def test_practical_with_momentum_is_outside_the_theorem(capsys):
    code, out, _ = run(["--mode", "practical", "--momentum", "0.5", "--steps", "50"], capsys)
    assert code == 0 and "OUTSIDE THE THEOREM" in out


def test_save_and_plot_fallback(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(plots, "have_matplotlib", lambda: False)
    code, out, err = run(["--steps", "60", "--save", str(tmp_path / "run"), "--plot", str(tmp_path / "f.png")],
                         capsys)
    assert code == 0 and "matplotlib" in err and "▁" in out
    h = History.load(tmp_path / "run")
    assert len(h) == 61 and h.meta["mode"] == "certified"
    with np.load(tmp_path / "run" / "history.npz") as z:
        assert z["descent.lhs"].shape == (60,) and z["kernel.rhs"].shape == (61,)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["verdict"] == "PASS" and summary["reproduce"].startswith("verify train")


@pytest.mark.skipif(not plots.have_matplotlib(), reason="needs the plots extra (matplotlib)")
def test_plot_writes_png(tmp_path, capsys):
    code, _, _ = run(["--steps", "40", "--plot", str(tmp_path / "f.png")], capsys)
    assert code == 0 and (tmp_path / "f.png").stat().st_size > 1000


def test_ctrl_c_saves_and_prints_partial_report(tmp_path, capsys, monkeypatch):
    from numerics import trainer

    real = trainer.lambda_min_kernel
    calls = {"n": 0}

    def interrupt_at_50(net, p, X):
        calls["n"] += 1
        if calls["n"] == 50:
            raise KeyboardInterrupt
        return real(net, p, X)

    monkeypatch.setattr(trainer, "lambda_min_kernel", interrupt_at_50)
    code, out, _ = run(["--steps", "500", "--save", str(tmp_path), "--json"], capsys)
    assert code == 130
    res = lines(out)[-1]
    assert res["verdict"] == "INTERRUPTED" and res["interrupted"] and res["steps_done"] == 48
    assert History.load(tmp_path).interrupted


def test_help_in_json_mode(capsys):
    code, out, _ = run(["--help", "--json"], capsys)
    assert code == 0 and "--mode" in lines(out)[0]["help"]


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_practical_huge_step_rounds_loss_to_zero_without_warnings(capsys):
    code, out, _ = run(["--mode", "practical", "--lr", "1e4", "--steps", "20"], capsys)
    assert code == 0 and "rounds to 0.0 in float64" in out and "VIOLATED" not in out
