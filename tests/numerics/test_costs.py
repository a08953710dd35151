"""Costs: gradients against finite differences and sympy, stability at logits ±1e4, instance axes."""

import warnings

import mpmath
import numpy as np
import pytest
import sympy

from numerics import costs, ops

FD_STEP = 1e-6
FD_RTOL = 1e-6
FD_ATOL = 1e-9
ROUNDOFF_RTOL = 1e-12
HUGE = 1e4


def _fd_grad(f, Z, h=FD_STEP):
    E = h * np.eye(Z.size).reshape((Z.size,) + Z.shape)
    return ((f(Z + E) - f(Z - E)) / (2 * h)).reshape(Z.shape)


@pytest.mark.parametrize("cost", costs.COSTS)
def test_cost_grad_matches_finite_differences(cost):
    rng = np.random.default_rng(0)
    Z = 3 * rng.standard_normal((4, 5))
    y = rng.integers(0, 4, 5) if cost == "ce" else rng.standard_normal((4, 5))
    np.testing.assert_allclose(costs.cost_grad(Z, y, cost), _fd_grad(lambda W: costs.cost_value(W, y, cost), Z),
                               rtol=FD_RTOL, atol=FD_ATOL)


@pytest.mark.parametrize("cost", costs.COSTS)
def test_cost_grad_equals_sympy_diff(cost):
    K, N = 3, 2
    zs = np.array(sympy.symbols(f"z0:{K * N}", real=True), dtype=object).reshape(K, N)
    rng = np.random.default_rng(1)
    y = rng.integers(0, K, N) if cost == "ce" else rng.standard_normal((K, N))
    C = costs.cost_value(zs, y, cost)
    grad = sympy.lambdify(list(zs.reshape(-1)), [sympy.diff(C, z) for z in zs.reshape(-1)], "numpy")
    Z = rng.standard_normal((K, N))
    np.testing.assert_allclose(costs.cost_grad(Z, y, cost), np.reshape(grad(*Z.reshape(-1)), (K, N)),
                               rtol=ROUNDOFF_RTOL, atol=1e-15)


def test_huge_logits_give_exact_finite_values_without_warnings():
    """R2: |z| up to 1e4 — stable log-sum-exp, no overflow, no NaN, exact values."""
    Z = np.array([[HUGE, -HUGE, 0.0], [-HUGE, HUGE, HUGE]])
    y = np.array([1, 1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is benign
            per = costs.ce_per_sample(Z, y)
            C = costs.cost_value(Z, y, "ce")
            G = costs.cost_grad(Z, y, "ce")
            Gc = costs.cost_grad(Z + 1e-20j * np.ones_like(Z), y, "ce")  # complex step (HVPs)
    np.testing.assert_allclose(per, [2 * HUGE, 0.0, HUGE], rtol=ROUNDOFF_RTOL)
    np.testing.assert_allclose(C, HUGE, rtol=ROUNDOFF_RTOL)
    np.testing.assert_allclose(G, np.array([[1, 0, -1], [-1, 0, 1]]) / 3, atol=1e-15)
    assert np.all(np.isfinite(Gc))


def test_softmax_rows_and_ce_gradient_structure():
    rng = np.random.default_rng(2)
    Z = rng.standard_normal((2, 4, 6)) * 50
    y = rng.integers(0, 4, 6)
    np.testing.assert_allclose(np.sum(costs.softmax(Z), axis=-2), 1, rtol=ROUNDOFF_RTOL)
    np.testing.assert_allclose(np.sum(costs.cost_grad(Z, y, "ce"), axis=-2), 0, atol=1e-15)
    np.testing.assert_allclose(costs.log_softmax(Z), np.log(costs.softmax(Z) + 1e-300), rtol=1e-9, atol=1e-12)


def test_square_gradient_norm_identity():
    """R2: ‖∇C‖² = (2/N) C for the square cost."""
    rng = np.random.default_rng(3)
    Z, Y = rng.standard_normal((5, 3, 4)), rng.standard_normal((3, 4))
    G = costs.cost_grad(Z, Y, "square")
    np.testing.assert_allclose(np.sum(G * G, axis=(-2, -1)), 2 / 4 * costs.cost_value(Z, Y, "square"), rtol=1e-13)


def test_instance_axes_broadcast():
    rng = np.random.default_rng(4)
    Z, y = rng.standard_normal((2, 3, 4, 5)), rng.integers(0, 4, 5)
    C = costs.cost_value(Z, y, "ce")
    assert C.shape == (2, 3)
    np.testing.assert_allclose(C[1, 2], costs.cost_value(Z[1, 2], y, "ce"), rtol=ROUNDOFF_RTOL)


def test_mpmath_cost_agrees_with_float64():
    rng = np.random.default_rng(5)
    Z, y = rng.standard_normal((3, 4)) * 10, rng.integers(0, 3, 4)
    with mpmath.workdps(50):
        Cm = costs.cost_value(ops.to_mp(Z), y, "ce")
        Gm = costs.cost_grad(ops.to_mp(Z), y, "ce")
    np.testing.assert_allclose(float(Cm), costs.cost_value(Z, y, "ce"), rtol=1e-13)
    np.testing.assert_allclose(Gm.astype(float), costs.cost_grad(Z, y, "ce"), rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("call, match", [
    (lambda: costs.cost_value(np.zeros((2, 3)), np.array([0, 1, 2]), "ce"), "lie in 0"),
    (lambda: costs.cost_value(np.zeros((2, 3)), np.array([0.0, 1.0, 1.0]), "ce"), "integer"),
    (lambda: costs.cost_value(np.zeros((2, 3)), np.zeros((2, 3)), "l1"), "unknown cost"),
])
def test_bad_cost_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_tiny_cross_entropy_stays_positive_and_accurate():
    """Margins past ~37 used to round the loss to exactly 0 (log(1 + tiny)); log1p/expm1 keep it and ∇C."""
    import mpmath

    from numerics import costs
    from numerics.ops import to_mp

    Z = np.array([[60.0, 600.0], [0.0, -5.0], [-3.0, 1.0]])
    y = np.array([0, 0])
    with mpmath.workdps(50):
        exact_c = costs.ce_per_sample(to_mp(Z), y)
        exact_g = costs.cost_grad(to_mp(Z), y, "ce")
    c = costs.ce_per_sample(Z, y)
    g = costs.cost_grad(Z, y, "ce")
    assert np.all(c > 0)
    rtol = 1e-13  # a few ulps: no cancellation left in the formula
    for got, want in zip(c, exact_c):
        assert abs(got - float(want)) <= rtol * float(want)
    for got, want in zip(g.ravel(), exact_g.ravel()):
        assert abs(got - float(want)) <= rtol * abs(float(want)) + 1e-300
