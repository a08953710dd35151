"""Activation sup constants: sympy's values match the known closed forms and a brute-force numpy sup."""

import math

import numpy as np
import pytest
import sympy

from theorems.activations import (NAMES, X, activation_at_zero, activation_constants, activation_expr,
                                  sup_derivative)
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
    # gelu″(0) = √(2/π) for the tanh approximation
    assert abs(float(sup_derivative("gelu", 2).value) - math.sqrt(2 / math.pi)) < 1e-25


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
