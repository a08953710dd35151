"""R7's registered numeric checks (docs/theory.md#r7, §3): registration, teeth by hand on a fixed case, 50-digit
agreement on that case, and why the c ≥ 1 and N > d controls are singular.

Pass/teeth on the ci profile and the controls' refutation: test_all_checks.py.
"""

import numpy as np
import pytest
from check_assertions import assert_mp_matches_float64

from numerics.attack.engine import violations
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
    assert lhs.shape == rhs.shape == (cc.STEPS,) and np.all(np.isfinite(lhs)) and np.all(rhs > 0)
    assert not violations(lhs, rhs, "le", 1.0, chk.rtol, chk.atol).any()
    worst = float(np.max(lhs / rhs))
    assert 0 < worst <= 1
    F = (worst - chk.atol / rhs[np.argmax(lhs / rhs)]) / (1 + chk.rtol) * (1 - 1e-6)
    assert violations(lhs, rhs, "le", F, chk.rtol, chk.atol).any()
    assert set(b.variables) >= {"trajectory", "t"}


@pytest.mark.parametrize("name", INEQ)
def test_50_digit_evaluator_agrees_with_float64(name):
    assert_mp_matches_float64(CHECKS[name], CASE, 32, (0, 17, cc.STEPS - 1),
                              lhs_tol={"rel": 1e-7, "abs": 1e-15}, rhs_tol={"rel": 1e-6, "abs": 1e-14})


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
