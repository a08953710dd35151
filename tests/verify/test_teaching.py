"""Teaching views: live examples that show the effect they explain, readable obligations, R numbers."""

import json
import re

import numpy as np

from verify import cli


def explain(capsys, target: str) -> dict:
    assert cli.main(["explain", target, "--json"]) == 0
    return json.loads(capsys.readouterr().out.splitlines()[-1])


def _array(text: str) -> np.ndarray:
    return np.array([float(x) for x in re.findall(r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?", text)])


def test_wn_scale_invariance_example_actually_rescales(capsys):
    """ℓ(c·w) = ℓ(w) shown with c ≠ 1: the live example's scale vector C is not all ones."""
    info = explain(capsys, "wn-invariance/scale-invariance")
    live = info["checks"][0]["live_example"]
    C = _array(live["variables"]["C"])
    assert C.size > 1 and not np.all(C == 1)
    assert live["ratio"] < 1e-12  # and the identity holds on it


def test_control_live_example_shows_the_violation(capsys):
    """A negative control exists to exhibit a counterexample: its live example must not show ratio 1."""
    info = explain(capsys, "wn-invariance/no-wn-hessian-growth-control")
    live = info["checks"][0]["live_example"]
    assert live["ratio"] > 1 and live["lhs"] > live["rhs"]


def test_mu0_obligation_is_printed_factored_not_expanded():
    from theorems.catalogue import RESULTS

    evidence = RESULTS["ce-global-convergence"].outcomes["mu0"].evidence
    stated = evidence.split("equals the stated ", 1)[1]
    assert stated.startswith("sigma_N**2*(") and stated.count("sigma_N") == 1 and len(stated) < 160
