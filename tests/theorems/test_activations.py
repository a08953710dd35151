"""Activation sup constants: sympy's values match the known closed forms and a brute-force numpy sup."""

import math

import numpy as np
import pytest
import sympy

from theorems.activations import (NAMES, SCAN, T, X, _sup_numeric, activation_at_zero, activation_constants,
                                  activation_expr, split_tanh, sup_derivative)
from theorems.result import Status

GRID = np.linspace(-30.0, 30.0, 600_001)  # step 1e-4
GRID_TOL = 1e-6  # the grid max may undershoot the sup by O(step²·|σ‴|); it must never exceed it


def test_closed_forms():
    assert sup_derivative("tanh", 1).value == 1
    assert sympy.simplify(sup_derivative("tanh", 2).value - 4 / (3 * sympy.sqrt(3))) == 0
    assert sympy.simplify(sup_derivative("sigmoid", 1).value - sympy.Rational(1, 4)) == 0
    assert sympy.simplify(sup_derivative("sigmoid", 2).value - sympy.sqrt(3) / 18) == 0
    assert sup_derivative("softplus", 1).value == 1 and sup_derivative("softplus", 2).value == sympy.Rational(1, 4)
    for name in ("tanh", "sigmoid", "softplus"):
        assert "(exact)" in sup_derivative(name, 2).evidence


def test_gelu_is_numeric_and_says_so():
    for k in (1, 2):
        o = sup_derivative("gelu", k)
        assert o.status is Status.DERIVED and "numerically" in o.evidence and "findroot" in o.evidence
        assert "30 digits" in o.evidence and "at ±∞" in o.evidence and "tails |x| ≥ R = 12" in o.evidence
        assert "sympy.limit" not in o.evidence  # the limits come from split_tanh + the sech² bound now
    # gelu″(0) = √(2/π) for the tanh approximation
    assert abs(float(sup_derivative("gelu", 2).value) - math.sqrt(2 / math.pi)) < 1e-25


@pytest.mark.parametrize("order", [1, 2, 3])
def test_split_tanh_rebuilds_sympys_derivative(order):
    """a + b·tanh(s) + sech²(s)·Q(x, tanh(s)) must equal sympy's σ^(k) at 30 digits (gelu)."""
    (th,) = activation_expr("gelu").atoms(sympy.tanh)
    f = sympy.diff(activation_expr("gelu"), X, order)
    a, b, q = split_tanh(f, th.args[0])
    rebuilt = (a + b * T + (1 - T**2) * q).subs(T, th)
    assert order > 1 or (a, b) == (sympy.Rational(1, 2), sympy.Rational(1, 2))  # σ′ → 1 at +∞, 0 at −∞
    for x0 in ("-7.3", "-1.1", "0.4", "2.9", "15"):
        assert abs(sympy.N((f - rebuilt).subs(X, sympy.Rational(x0)), 30)) < 1e-25
    assert split_tanh(f + X, th.args[0]) is None  # a remainder depending on x has no tail argument


@pytest.mark.parametrize("order, derived_from", [(1, 2.0), (2, 3.5)])
def test_gelu_window_too_small_is_undecided(order, derived_from):
    """Teeth for the tail bound: a scan window that misses the maximiser or where the bound is too weak must
    not be DERIVED; once the window is wide enough the same value comes out as with the default window."""
    full = sup_derivative("gelu", order).value
    for w in (1.0, 1.3, derived_from - 0.5):
        o = _sup_numeric("gelu", order, (-w, w, int(2000 * w) + 1))
        assert o.status is Status.UNDECIDED and o.value is None and "not established" in o.evidence, (w, o)
    o = _sup_numeric("gelu", order, (-derived_from, derived_from, int(2000 * derived_from) + 1))
    assert o.status is Status.DERIVED and abs(o.value - full) < 1e-25
    assert SCAN[1] > derived_from  # the default window has slack


def test_gelu_expression_is_the_tanh_approximation():
    e = activation_expr("gelu")
    f = sympy.lambdify(X, e, "numpy")
    x = np.array([-3.0, -0.5, 0.7, 2.5])
    ref = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(f(x), ref, rtol=1e-14)


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softplus", "gelu"])
def test_brute_force_grid(name):
    d1, d2 = activation_constants(name)
    for k, sup in ((1, d1), (2, d2)):
        vals = np.abs(sympy.lambdify(X, sympy.diff(activation_expr(name), X, k), "numpy")(GRID))
        assert np.all(np.isfinite(vals))
        grid_max = vals.max()
        assert grid_max <= sup * (1 + 1e-12), (name, k, grid_max, sup)
        assert grid_max >= sup - GRID_TOL, (name, k, grid_max, sup)  # teeth: an inflated constant fails


def test_relu_has_no_bounded_second_derivative():
    d1, d2 = activation_constants("relu")
    assert d1 == 1.0 and math.isinf(d2)
    assert "not" in sup_derivative("relu", 2).evidence


def test_values_at_zero_and_errors():
    assert activation_at_zero("tanh") == 0 and activation_at_zero("sigmoid") == 0.5
    assert abs(activation_at_zero("softplus") - math.log(2)) < 1e-15
    with pytest.raises(KeyError, match="unknown activation"):
        activation_constants("swish")
    assert set(NAMES) >= {"tanh", "sigmoid", "softplus", "gelu", "relu"}


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softplus", "gelu"])
def test_certificate_encloses_sympy_value_and_code_float_is_its_upper_end(name):
    from flint import arb

    from theorems.activations import certificate_outcome, certified_sup
    from theorems.result import Status

    for k, used in zip((1, 2), activation_constants(name)):
        cert = certified_sup(name, k)
        exact = arb(str(sympy.N(sup_derivative(name, k).value, 40)))
        assert cert["lower"] <= exact + arb("1e-30") and exact - arb("1e-30") <= cert["upper"]
        assert arb(used) >= cert["upper"] and used == cert["float"]
        assert cert["upper"] - cert["lower"] < arb("1e-15")
    assert certificate_outcome(name).status is Status.INTERVAL
    refuted = certificate_outcome(name, mutant=True)  # the claimed constants 1 % too small
    assert refuted.status is Status.FAILED and "refuted" in refuted.evidence
