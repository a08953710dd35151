"""The same layer code on sympy object arrays: a symbolic forward, differentiated by sympy.diff, checks
our vjp-based gradient and Jacobians; hand-written sympy formulas check the BN and WN forwards, so the
forward is not checked only against itself. Tiny networks (2–3 units, N = 2–3) keep sympy fast."""

import numpy as np
import pytest
import sympy

from numerics.layers import Activation, AvgPool, BatchNorm, Dense, Residual, Scale, WeightNormDense, ZeroPad
from numerics.network import Network

SYMPY_RTOL = 1e-9    # sympy-lambdified derivative vs our float64 derivative: both exact up to round-off
SYMPY_ATOL = 1e-11
FORMULA_DIGITS = 30  # hand formula vs our symbolic forward, evaluated at this precision
FORMULA_TOL = 1e-25


def symbols_like(name, shape):
    n = int(np.prod(shape))
    return np.array(sympy.symbols(f"{name}0:{n}", real=True), dtype=object).reshape(shape)


TINY_NETS = {
    "dense-tanh-dense": lambda: Network([Dense(2, 2), Activation("tanh"), Dense(2, 2)]),
    "bn-affine-sigmoid": lambda: Network([Dense(2, 2, bias=False), BatchNorm(2, 0.5, affine=True),
                                          Activation("sigmoid"), Dense(2, 2)]),
    "wn-softplus-wn": lambda: Network([WeightNormDense(2, 2), Activation("softplus"), WeightNormDense(2, 2)]),
    "r7-block-tanh": lambda: Network([Dense(2, 2, bias=False), Residual([
        BatchNorm(2, 0.25), WeightNormDense(2, 2), Activation("tanh"), WeightNormDense(2, 2), Scale(0.5)])]),
    "projection-zeropad": lambda: Network([Residual([Dense(2, 3), Activation("tanh")],
                                                    shortcut=Dense(2, 3, bias=False), fixed=ZeroPad(2, 3))]),
    "projection-avgpool": lambda: Network([Residual([Activation("tanh"), Dense(2, 1)],
                                                    shortcut=Dense(2, 1, bias=False), fixed=AvgPool(2, 2))]),
}


def _close(ours, ref):
    np.testing.assert_allclose(ours, np.asarray(ref, dtype=float).reshape(np.shape(ours)),
                               rtol=SYMPY_RTOL, atol=SYMPY_ATOL)


@pytest.mark.parametrize("name", TINY_NETS)
@pytest.mark.parametrize("cost", ["ce", "square"])
def test_vjp_derivatives_equal_sympy_diff_of_symbolic_forward(name, cost):
    """Symbolic p, numeric X: sympy.diff of the loss and of Z against our gradient and D_pF."""
    net = TINY_NETS[name]()
    P, d, K, N = net.num_params, net.in_features, net.out_features, 2
    ps = symbols_like("p", (P,))
    rng = np.random.default_rng(len(name))
    p, X = rng.standard_normal(P), rng.standard_normal((d, N))
    y = rng.integers(0, K, N) if cost == "ce" else rng.standard_normal((K, N))

    Zs = net.forward(ps, X)
    loss = net.loss(ps, X, y, cost)
    assert isinstance(loss, sympy.Expr) and Zs.dtype == object
    zflat = sympy.Matrix(list(Zs.reshape(-1)))
    exact = sympy.lambdify(list(ps), [zflat, [sympy.diff(loss, s) for s in ps], zflat.jacobian(list(ps))], "numpy")
    Z_ref, g_ref, Jp_ref = exact(*p)
    _close(net.forward(p, X), Z_ref)
    _close(net.grad(p, X, y, cost), g_ref)
    _close(net.param_jacobian(p, X), Jp_ref)
    if cost == "square" and name != "r7-block-tanh":  # our backward pass run symbolically too (object arrays), then evaluated
        sym_grad = sympy.lambdify(list(ps), list(net.grad(ps, X, y, cost)), "numpy")
        _close(np.array(sym_grad(*p), dtype=float), g_ref)


@pytest.mark.parametrize("name", TINY_NETS)
def test_input_jacobian_equals_sympy_jacobian(name):
    """Numeric p, symbolic X: the Jacobian of the symbolic Z in X against our D_XF (BN couples samples)."""
    net = TINY_NETS[name]()
    d, N = net.in_features, 2
    xs = symbols_like("x", (d, N))
    rng = np.random.default_rng(len(name) + 1)
    p, X = rng.standard_normal(net.num_params), rng.standard_normal((d, N))
    zflat = sympy.Matrix(list(net.forward(p, xs).reshape(-1)))
    JX_ref = sympy.lambdify(list(xs.reshape(-1)), zflat.jacobian(list(xs.reshape(-1))), "numpy")(*X.reshape(-1))
    _close(net.input_jacobian(p, X), JX_ref)


def _assert_equal_expressions(ours, hand, symbols):
    rng = np.random.default_rng(0)
    for _ in range(2):
        vals = {s: sympy.Float(v, FORMULA_DIGITS) for s, v in zip(symbols, rng.standard_normal(len(symbols)))}
        for a, b in zip(np.asarray(ours).reshape(-1), np.asarray(hand).reshape(-1)):
            assert abs(sympy.N((a - b).subs(vals), FORMULA_DIGITS)) < FORMULA_TOL


def test_batchnorm_forward_equals_hand_written_formula():
    """BN_ε(h) = (h − h̄)/√(var + ε), var population variance, written with a centring matrix."""
    F, N, eps = 2, 3, sympy.Rational(1, 10)
    hs = symbols_like("h", (F, N))
    out, _ = BatchNorm(F, eps).forward({}, hs)
    C = sympy.eye(N) - sympy.ones(N, N) / N
    for j in range(F):
        h = sympy.Matrix(hs[j])
        c = C * h
        hand = c / sympy.sqrt((c.T * c)[0] / N + eps)
        _assert_equal_expressions(out[j], list(hand), list(hs.reshape(-1)))


def test_weightnorm_forward_equals_hand_written_formula():
    """Ŵ H with ŵ_j = w_j/‖w_j‖ via sympy's own Matrix.normalized()."""
    Ws, Hs = symbols_like("w", (2, 3)), symbols_like("h", (3, 2))
    out, _ = WeightNormDense(3, 2).forward({"W": Ws}, Hs)
    W_hat = sympy.Matrix.vstack(*[sympy.Matrix(Ws[j]).T.normalized() for j in range(2)])
    hand = W_hat * sympy.Matrix(Hs)
    _assert_equal_expressions(out, list(hand), list(Ws.reshape(-1)) + list(Hs.reshape(-1)))


def test_hand_formula_comparison_has_teeth():
    """A wrong BN (sample variance, N − 1) is caught by the same comparison."""
    hs = symbols_like("h", (1, 3))
    out, _ = BatchNorm(1, sympy.Rational(1, 10)).forward({}, hs)
    h = sympy.Matrix(hs[0])
    c = h - sympy.ones(3, 1) * sum(h) / 3
    wrong = c / sympy.sqrt((c.T * c)[0] / 2 + sympy.Rational(1, 10))
    with pytest.raises(AssertionError):
        _assert_equal_expressions(out[0], list(wrong), list(hs.reshape(-1)))


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softplus", "gelu"])
def test_activation_slope_equals_sympy_diff(name):
    x = sympy.Symbol("x", real=True)
    (val,), (slope,) = (a.reshape(-1) for a in Activation(name).forward({}, np.array([[x]], dtype=object)))
    if name == "gelu":  # the documented tanh approximation, written out by hand
        hand = x / 2 * (1 + sympy.tanh(sympy.sqrt(2 / sympy.pi) * (x + sympy.Rational(44715, 10**6) * x**3)))
        _assert_equal_expressions([val], [hand], [x])
    _assert_equal_expressions([slope], [sympy.diff(val, x)], [x])
