"""The tight-constant checks: wn-invariance/d2what-norm-sharp (‖D²ŵ‖ ≤ (2/√3)/‖w‖², worst ratio → 1),
bn-bounds/hessian-lower-witness (the attained 48/(25√5)/(√N ε)) and bn-bounds/hessian-exact.
Passing, teeth and 50-digit agreement are covered for every check by test_all_checks.py; this file checks
that the sharp constants are reached, and that nothing below them holds."""

import numpy as np
import pytest

from numerics.attack.engine import CONFIRMED, FAIL, PASS, run_check
from numerics.checks import bn_bounds, get_check, wn_invariance

SEED = 0
SHARP_RATIO_FLOOR = 1 - 1e-9  # the sharp WN check must come this close to its bound (it is the exact norm)


def test_sharp_wn_check_is_tight():
    """The attack reaches the sharp constant: worst ratio within 1e-9 of 1 (and not above 1 beyond rtol)."""
    report = run_check(get_check("wn-invariance/d2what-norm-sharp"), seed=SEED, profile="ci")
    assert SHARP_RATIO_FLOOR <= report.worst_ratio <= 1 + wn_invariance.RTOL_D2


def test_sharp_wn_check_fails_with_the_constant_just_below():
    """A constant 1e-6 below 2/√3 is refuted (and confirmed at 50 digits): nothing smaller than WN_D2_SHARP holds."""
    report = run_check(get_check("wn-invariance/d2what-norm-sharp"), seed=SEED, profile="ci", bound_scale=1 - 1e-6)
    assert report.verdict == FAIL
    assert report.counterexample.confirmation == CONFIRMED


def test_spec_wn_check_unchanged():
    """d2what-norm keeps its 3/‖w‖² bound: its worst ratio is (2/√3)/3 ≈ 0.3849, as before."""
    report = run_check(get_check("wn-invariance/d2what-norm"), seed=SEED, profile="ci")
    assert report.verdict == PASS
    assert report.worst_ratio == pytest.approx(2 / np.sqrt(3) / 3, rel=1e-9)


def test_constants_come_from_sympy():
    from theorems.bn_bounds import BN_D2_LOWER
    from theorems.wn_invariance import WN_D2_SHARP

    assert wn_invariance.wn_d2_sharp() == float(WN_D2_SHARP) == pytest.approx(2 / np.sqrt(3), rel=1e-15)
    assert bn_bounds.d2_lower_constant() == float(BN_D2_LOWER) == pytest.approx(48 / (25 * np.sqrt(5)), rel=1e-15)


def test_witness_sits_inside_the_bracket_of_the_bilinear_attack():
    """At the witness point the bilinear-norm attack (lower estimate of ‖D²BN‖) finds at least BN_D2_LOWER/(√N ε)
    and at most the proved (12/5)5^{−1/4}/(√N ε)."""
    case = {"seed": 5, "K": 1, "N": 5, "log10_eps": -2.0, "log10_offset": 0.0}
    H, _, _ = bn_bounds.draw_witness(case, 8)
    eps = 10.0 ** case["log10_eps"]
    val, *_ = bn_bounds._d2_norm(H, eps, np.random.default_rng(1))
    scaled = val * np.sqrt(5) * eps
    assert np.all(scaled >= bn_bounds.d2_lower_constant() * (1 - 1e-9))
    assert np.all(scaled <= bn_bounds._d2_constant("derived"))


# ------------------------------------------------------- bn-bounds/hessian-exact (the exact sup of ‖D²BN‖)
EXACT_ID = "bn-bounds/hessian-exact"
EXACT_RATIO_FLOOR = 1 - 1e-3  # the bilinear attack (a lower estimate) must reach the exact constant this closely


def test_exact_bn_check_is_tight():
    report = run_check(get_check(EXACT_ID), seed=SEED, profile="ci")
    assert report.verdict == PASS, report.message
    assert EXACT_RATIO_FLOOR <= report.worst_ratio <= 1 + bn_bounds.RTOL_DERIV


def test_exact_bn_check_fails_with_the_constant_just_below():
    """A constant 1e−3 below 48/(25√5) is refuted and confirmed at 50 digits: nothing smaller than BN_D2_EXACT holds."""
    report = run_check(get_check(EXACT_ID), seed=SEED, profile="ci", bound_scale=EXACT_RATIO_FLOOR)
    assert report.verdict == FAIL
    assert report.counterexample.confirmation == CONFIRMED


def test_exact_bn_constant_comes_from_sympy_and_equals_the_witness():
    from theorems.bn_bounds import BN_D2_EXACT

    assert bn_bounds.d2_exact_constant() == float(BN_D2_EXACT) == bn_bounds.d2_lower_constant()
