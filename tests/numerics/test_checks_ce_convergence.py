"""R7's registered numeric checks: they pass, have teeth, and the controls refute (THEORY.md R7, §3)."""

import mpmath
import numpy as np
import pytest

from numerics.attack.engine import CONFIRMED, FAIL, PASS, REFUTED, run_check, run_teeth, violations
from numerics.checks import ce_convergence as cc

CASE = {"seed": 3, "N": 3, "extra_d": 1, "K": 3, "m": 2, "blocks": 2, "c": 0.6, "eps": 4.0, "r": 2.0,
        "eta_frac": 0.9}
CHECKS = {c.id.split("/")[1]: c for c in cc.CHECKS}
INEQ = ("wn-monotone", "descent", "kernel", "gradient", "rate")


def test_registered_with_the_result_id():
    assert all(c.result_id == "ce-global-convergence" for c in cc.CHECKS)
    assert set(CHECKS) == set(INEQ) | {"no-skip", "c-ge-1", "n-gt-d"}
    assert [c.expect for c in cc.CHECKS].count("refuted") == 3


@pytest.mark.parametrize("name", INEQ)
def test_fixed_case_holds_and_fails_just_below_its_worst_ratio(name):
    """Teeth, by hand: rerun evaluate and scale rhs by F just below the worst lhs/rhs: it must fail."""
    chk = CHECKS[name]
    b = chk.evaluate(CASE, 64)
    lhs, rhs = np.asarray(b.lhs), np.asarray(b.rhs)
    assert lhs.shape == rhs.shape == (64,) and np.all(np.isfinite(lhs)) and np.all(rhs > 0)
    assert not violations(lhs, rhs, "le", 1.0, chk.rtol, chk.atol).any()
    worst = float(np.max(lhs / rhs))
    assert 0 < worst <= 1
    F = (worst - chk.atol / rhs[np.argmax(lhs / rhs)]) / (1 + chk.rtol) * (1 - 1e-6)
    assert violations(lhs, rhs, "le", F, chk.rtol, chk.atol).any()
    assert set(b.variables) >= {"trajectory", "t"}


@pytest.mark.parametrize("name", INEQ)
def test_50_digit_evaluator_agrees_with_float64(name):
    chk = CHECKS[name]
    b = chk.evaluate(CASE, 32)
    for i in (0, 17, 31):
        with mpmath.workdps(50):
            lhs, rhs = chk.evaluate_mp(b.instance(i))
        assert float(lhs) == pytest.approx(b.lhs[i], rel=1e-7, abs=1e-15)
        assert float(rhs) == pytest.approx(b.rhs[i], rel=1e-6, abs=1e-14)


@pytest.mark.parametrize("name", INEQ)
def test_engine_passes_and_teeth_bite(name):
    teeth = run_teeth(CHECKS[name], seed=1, profile="ci")
    assert teeth.base.verdict == PASS, teeth.base.message
    assert teeth.verdict == "has teeth" and teeth.strengthened.verdict == FAIL, teeth.message
    assert teeth.strengthened.counterexample.confirmation == CONFIRMED


@pytest.mark.parametrize("name", ["no-skip", "c-ge-1", "n-gt-d"])
def test_controls_refute(name):
    rep = run_check(CHECKS[name], seed=1, profile="ci")
    assert rep.verdict == REFUTED, rep.message
    assert rep.counterexample.confirmation == CONFIRMED  # λ_min re-evaluated at 50 digits


def test_c_ge_1_construction_is_singular_only_because_c_exceeds_1():
    """The slope along the constructed line is 1 − c at s = 0 and has a root only when c > 1."""
    for c in (1.2, 2.0, 3.0):
        s = cc.singular_scale(c, 3, 4.0)
        assert abs(cc._slope(s, c, 3, 4.0)) < 1e-12 and cc._slope(0.0, c, 3, 4.0) == pytest.approx(1 - c)
    s = np.linspace(0, 50, 2001)
    assert np.all(cc._slope(s, 0.9, 3, 4.0) >= 0.1 - 1e-12)
    b = cc.evaluate_c_ge_1({"seed": 0, "N": 4, "extra_d": 1, "K": 3, "m": 2, "c": 2.0, "eps": 4.0}, 33)
    assert np.min(b.rhs) < 1e-6 * b.lhs[0]  # λ_min collapses near s*, far below the claimed μ₀


def test_n_gt_d_kernel_is_singular():
    b = cc.evaluate_n_gt_d({"seed": 0, "d": 2, "extra_N": 1, "K": 2, "m": 2, "c": 0.5, "eps": 1.0, "r": 1.0}, 8)
    assert np.all(np.abs(b.rhs) < 1e-12) and np.all(b.lhs > 1e-3)
