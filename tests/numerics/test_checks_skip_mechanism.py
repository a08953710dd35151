"""R8 numeric checks: registration, sharpness (equality is attained), a wrongly scaled pool is caught,
50-digit agreement on chosen cases, and the skip lifts σ_min where the plain map does not.

Pass/teeth of every check and the controls' refutation: test_all_checks.py.
"""

import dataclasses

import mpmath
import numpy as np
import pytest
from check_assertions import assert_mp_matches_float64

from numerics.attack.engine import FAIL, run_check
from numerics.checks import skip_mechanism as sm

BY_ID = {c.id: c for c in sm.CHECKS}
CONTROLS = [c for c in sm.CHECKS if c.expect == "refuted"]


def test_registered_under_r8():
    assert {c.result_id for c in sm.CHECKS} == {"skip-mechanism"}
    assert {"skip-mechanism/isometry-singular-values", "skip-mechanism/identity-lifts-sigma-min"} <= set(BY_ID)
    assert all(c.control_of in BY_ID for c in CONTROLS)


def test_isometry_fails_just_below_one():
    check = BY_ID["skip-mechanism/isometry-singular-values"]
    assert run_check(check, seed=1, profile="ci", bound_scale=1 - 1e-6).verdict == FAIL
    assert run_check(check, seed=1, profile="ci", bound_scale=1 + 1e-6).verdict == FAIL


@pytest.mark.parametrize("cid", ["skip-mechanism/identity-lifts-sigma-min",
                                 "skip-mechanism/isometric-shortcut-lifts-sigma-min"])
def test_lift_bounds_are_sharp_and_fail_just_below_the_worst_ratio(cid):
    check = BY_ID[cid]
    base = run_check(check, seed=2, profile="ci")
    # the aligned family A = −λuuᵀ attains equality: the worst ratio reaches 1 (to round-off)
    assert base.worst_ratio == pytest.approx(1.0, abs=1e-9)
    strengthened = run_check(check, seed=2, profile="ci", bound_scale=base.critical_scale * (1 - 1e-6))
    assert strengthened.verdict == FAIL
    assert strengthened.counterexample.confirmation == "confirmed genuine"


def test_a_wrongly_scaled_pool_is_caught():
    """Plain AvgPool_s (no √s) has singular values 1/√s: the identity check must fail on it."""
    def evaluate(case, n):
        batch = sm._isometry(case, n)
        if case["kind"] == "pool":
            batch.lhs = batch.lhs / np.sqrt(case["s"])
        return batch

    def evaluate_mp(inst):
        lhs, rhs = sm._isometry_mp(inst)
        n_out, n_in = (int(v) for v in inst["shape"])
        return (lhs / mpmath.sqrt(n_in // n_out) if str(inst["kind"]) == "pool" else lhs), rhs

    wrong = dataclasses.replace(BY_ID["skip-mechanism/isometry-singular-values"], evaluate=evaluate,
                                evaluate_mp=evaluate_mp)
    report = run_check(wrong, seed=0, profile="ci")
    assert report.verdict == FAIL and report.counterexample.confirmation == "confirmed genuine"
    assert report.counterexample.case["kind"] == "pool" and report.counterexample.case["s"] >= 2


@pytest.mark.parametrize("cid, case", [
    ("skip-mechanism/isometry-singular-values", {"kind": "pool", "s": 3, "n_out": 4, "seed": 5}),
    ("skip-mechanism/isometry-singular-values", {"kind": "pad", "n_in": 3, "extra": 2, "seed": 5}),
    ("skip-mechanism/identity-lifts-sigma-min", {"m": 4, "scale": 0.5, "aligned": 0.3, "normalise": False,
                                                 "seed": 5}),
    ("skip-mechanism/isometric-shortcut-lifts-sigma-min", {"kind": "pool", "s": 2, "n_out": 3, "scale": 0.4,
                                                           "aligned": 0.5, "normalise": True, "seed": 5}),
    ("skip-mechanism/projection-only-sigma-min-control", {"kind": "pad", "n_in": 2, "extra": 3, "scale": 0.4,
                                                          "aligned": 0.5, "normalise": False, "seed": 5}),
])
def test_fifty_digit_evaluator_agrees_with_float64(cid, case):
    tol = {"rel": 1e-12, "abs": 1e-14}
    assert_mp_matches_float64(BY_ID[cid], case, 3, range(3), lhs_tol=tol, rhs_tol=tol)


def test_no_skip_sigma_min_can_be_near_zero_while_the_skip_lifts_it():
    case = {"m": 12, "scale": 0.8, "aligned": 0.0, "normalise": False, "seed": 0}
    plain = BY_ID["skip-mechanism/no-skip-sigma-min-control"].evaluate(case, 64)
    lifted = BY_ID["skip-mechanism/identity-lifts-sigma-min"].evaluate(case, 64)
    assert plain.rhs.min() < 0.02 < lifted.rhs.min()


def test_subnormal_scales_do_not_overflow_the_normalisation():
    """Regression (thorough profile, seed 7): a case with ‖A‖ ≈ 1e-308 made ρ/‖A‖ overflow (ERROR)."""
    from numerics.checks.skip_mechanism import CHECKS

    cases = {
        "skip-mechanism/identity-lifts-sigma-min":
            {"m": 1, "scale": 1.1125369292536007e-308, "aligned": 0.0, "normalise": True, "seed": 0},
        "skip-mechanism/isometric-shortcut-lifts-sigma-min":
            {"kind": "pad", "n_in": 1, "extra": 1, "scale": 0.0, "aligned": 5e-324, "normalise": True, "seed": 0},
    }
    for check in CHECKS:
        if check.id in cases:
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                batch = check.evaluate(cases[check.id], 8)
            assert np.all(np.isfinite(batch.lhs)) and np.all(np.isfinite(batch.rhs))
            assert np.all(batch.lhs[batch.valid] <= batch.rhs[batch.valid] * (1 + check.rtol) + check.atol)
