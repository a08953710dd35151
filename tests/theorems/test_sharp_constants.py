"""The sharp D² constants are derived by sympy (not typed), have the right exact values, and the BN witness
is attained: WN_D2_SHARP = 2/√3 (R6), BN_D2_LOWER = 48/(25√5) ≤ κ ≤ (12/5)5^{−1/4} (R6b)."""

import numpy as np
import sympy

from theorems import bn_bounds, wn_invariance
from theorems.result import Status
from theorems.sympy_checks import derived

WITNESS_RTOL = 1e-12  # complex-step D²BN (exact to round-off) against the sympy constant


# ------------------------------------------------------------------------------------------ R6 (WN)
def test_wn_sharp_constant_is_the_derived_value():
    assert sympy.simplify(wn_invariance.WN_D2_SHARP - 2 / sympy.sqrt(3)) == 0
    assert wn_invariance.WN_D2_SHARP == wn_invariance.d2_sharp_constant()
    crit, best = wn_invariance._sharp_sup()
    assert crit == [sympy.Rational(1, 3)] and best == sympy.Rational(4, 3)


def test_wn_second_derivative_obligation_says_quadratic_and_bilinear():
    out = wn_invariance.second_derivative()
    assert out.status is Status.EXACT, out.evidence  # the formulas are checked in ℝ³; the bilinear step is cited
    assert "cited:" in out.evidence
    assert "QUADRATIC FORM" in out.evidence and "BILINEAR" in out.evidence
    assert "D²ŵ[a,b] = D²ŵ[b,a]" in out.evidence  # the symmetry the polarisation argument needs
    assert "spectral theorem, stated, not by sympy" in out.evidence  # the one step sympy does not do
    assert "[FAILED]" not in out.evidence and "[UNDECIDED]" not in out.evidence


def test_wn_sharp_constant_matches_a_grid_of_unit_directions():
    """Independent of sympy: max over unit a of ‖D²ŵ[a,a]‖ from the closed form, ‖w‖ = 1, on a fine grid."""
    w = np.array([1.0, 0.0, 0.0])
    th = np.linspace(0, np.pi, 200001)
    a = np.stack([np.cos(th), np.sin(th), 0 * th], axis=-1)
    x = a @ w
    Pa = a - x[:, None] * w
    d2 = -(2 * x[:, None] * Pa + np.sum(a * Pa, axis=-1)[:, None] * w)
    assert abs(np.max(np.linalg.norm(d2, axis=-1)) - float(wn_invariance.WN_D2_SHARP)) < 1e-9  # grid step² ≈ 2e-10


def test_a_wrong_wn_constant_would_be_failed():
    out = derived(wn_invariance.d2_sharp_constant(), 1, evidence="teeth")
    assert out.status is Status.FAILED


def test_wn_result_exposes_the_sharp_bound():
    bounds = {b.name: b for b in wn_invariance.RESULT.bounds}
    assert sympy.simplify(bounds["D2-sharp"].rhs * wn_invariance.W_NORM**2 - 2 / sympy.sqrt(3)) == 0
    assert bounds["D2"].rhs == 3 / wn_invariance.W_NORM**2  # the spec's bound is kept


# ------------------------------------------------------------------------------------------ R6b (BN)
def test_bn_lower_witness_is_derived_with_the_exact_value():
    out = bn_bounds.d2_lower_witness()
    assert out.status is Status.DERIVED, out.evidence
    assert sympy.simplify(out.value - 48 / (25 * sympy.sqrt(5))) == 0
    assert sympy.simplify(bn_bounds.BN_D2_LOWER - out.value) == 0
    assert "[FAILED]" not in out.evidence and "[UNDECIDED]" not in out.evidence
    assert "epsilon/4" in out.evidence  # var = ε/4 at the peak


def test_bn_lower_constant_is_computed_by_sympy():
    g, crit, best = bn_bounds._witness_profile()
    assert sympy.simplify(g - 3 * bn_bounds.rho * (1 - bn_bounds.rho**2) ** 2) == 0
    assert sympy.simplify(best - 48 / (25 * sympy.sqrt(5))) == 0
    assert any(sympy.simplify(r - 1 / sympy.sqrt(5)) == 0 for r in crit)


def test_bn_bracket_is_proved_and_stated():
    lo = bn_bounds.D2_BOUND_LOWER.subs({bn_bounds.Nsym: 1, bn_bounds.eps: 1})
    hi = bn_bounds.D2_BOUND_TIGHT.subs({bn_bounds.Nsym: 1, bn_bounds.eps: 1})
    assert sympy.simplify(lo - bn_bounds.BN_D2_LOWER) == 0
    assert sympy.simplify(lo / hi - 4 * 5 ** sympy.Rational(-5, 4)) == 0  # ≈ 0.535
    assert 0.858 < float(lo) < 0.859
    assert 1.604 < float(hi) < 1.606
    text = " ".join(bn_bounds.RESULT.derivation)
    assert "48/(25√5)" in text and "(12/5)5^{−1/4}" in text and "bracket" in text
    names = [o.name for o in bn_bounds.RESULT.obligations]
    assert "d2-lower-witness" in names
    assert bn_bounds.RESULT.outcomes["d2-lower-witness"].status is Status.DERIVED


def _bn_exact(vec, eps):
    n = len(vec)
    u = vec - sympy.ones(n, 1) * (sum(vec) / n)
    return u / sympy.sqrt(sum(e**2 for e in u) / n + eps)


def test_bn_witness_exact_in_sympy_for_n4():
    """h = (1, −1, 1, −1)/2, ε = 1 (var = 1/4 = ε/4), û = h (‖h‖ = 1, h̄ = 0): d²/dt² BN(h + tû) = −48√5/125/(√4·1)·û exactly."""
    t = sympy.Symbol("t", real=True)
    h = sympy.Matrix([1, -1, 1, -1]) / 2
    uhat = h
    d2 = _bn_exact(h + t * uhat, 1).diff(t, 2).subs(t, 0)
    expect = -bn_bounds.BN_D2_LOWER / sympy.sqrt(4) * uhat
    assert all(sympy.simplify(e) == 0 for e in d2 - expect)


def test_bn_witness_by_complex_step_along_the_family():
    """Layer code, complex step: along û, √N ε·D²BN[û,û] = −3ρ(1−ρ²)²·û for several ρ, N, ε; = −BN_D2_LOWER·û at ρ² = 1/5."""
    from numerics.checks import bn_bounds as nb

    rng = np.random.default_rng(7)
    for N in (2, 3, 5, 8):
        for eps in (1e-4, 1.0, 30.0):
            for r2 in (0.05, 0.2, 0.5, 0.9):
                u = rng.standard_normal(N)
                u -= u.mean()
                u *= np.sqrt(r2 * eps / (1 - r2)) / np.sqrt(np.mean(u * u))
                H = (u + 3.0 * np.sqrt(eps))[None, None, :]
                a = (u / np.linalg.norm(u))[None, None, :]
                d2 = nb._d2_along(H, eps, a)[0]
                g = 3 * np.sqrt(r2) * (1 - r2) ** 2
                np.testing.assert_allclose(d2 * np.sqrt(N) * eps, -g * a[0, 0], rtol=0, atol=WITNESS_RTOL * 10)
                if r2 == 0.2:
                    assert abs(np.linalg.norm(d2) * np.sqrt(N) * eps / float(bn_bounds.BN_D2_LOWER) - 1) < WITNESS_RTOL
