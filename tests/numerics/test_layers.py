"""Every layer type on its own: exact derivatives against float64 central finite differences.

Each layer is wrapped in a one-layer Network so that gradient (both costs), parameter and input
Jacobians and HVPs all go through the public API. The finite-difference comparison itself lives in
derivative_assertions.py (shared with test_network.py and test_architectures.py).
"""

import zlib

import numpy as np
import pytest
from derivative_assertions import assert_derivatives_match_fd

from numerics.layers import (
    Activation, AvgPool, BatchNorm, Dense, Residual, Scale, WeightNormDense, ZeroPad, wn_rows,
)
from numerics.network import Network


def _r7_branch(K=3, m=2):
    return [BatchNorm(K, 0.1), WeightNormDense(K, m), Activation("tanh"), WeightNormDense(m, K), Scale(0.3)]


LAYERS = {
    "dense": lambda: Dense(3, 2),
    "dense-nobias": lambda: Dense(3, 2, bias=False),
    "weightnorm": lambda: WeightNormDense(3, 2),
    "batchnorm": lambda: BatchNorm(3, eps=0.1),
    "batchnorm-small-eps": lambda: BatchNorm(3, eps=1e-3),
    "batchnorm-affine": lambda: BatchNorm(3, eps=0.1, affine=True),
    "scale": lambda: Scale(-0.7),
    "zeropad": lambda: ZeroPad(2, 4),
    "avgpool": lambda: AvgPool(4, 2),
    **{f"act-{a}": (lambda a=a: Activation(a)) for a in ("tanh", "sigmoid", "softplus", "gelu", "relu")},
    "residual-identity": lambda: Residual(_r7_branch()),
    "residual-noskip": lambda: Residual(_r7_branch(), skip=False),
    "residual-projection": lambda: Residual([Activation("gelu"), Dense(3, 2)], shortcut=Dense(3, 2, bias=False)),
    "residual-proj-zeropad": lambda: Residual([Dense(2, 4), Activation("softplus")],
                                              shortcut=Dense(2, 4, bias=False), fixed=ZeroPad(2, 4)),
    "residual-proj-avgpool": lambda: Residual([BatchNorm(4, 0.1, affine=True), Dense(4, 2)],
                                              shortcut=Dense(4, 2, bias=False), fixed=AvgPool(4, 2)),
}


def one_layer_net(layer):
    return Network([layer], d=layer.in_features or 3)


@pytest.mark.parametrize("name", LAYERS)
def test_layer_derivatives_match_finite_differences(name):
    assert_derivatives_match_fd(one_layer_net(LAYERS[name]()), seed=zlib.crc32(name.encode()))


@pytest.mark.parametrize("name", ["batchnorm", "act-softplus", "act-sigmoid", "act-gelu", "weightnorm"])
def test_layer_derivatives_at_large_scale(name):
    # large weights / pre-activations (saturated activations, large WN rows) stay exact
    assert_derivatives_match_fd(one_layer_net(LAYERS[name]()), seed=1, scale=30.0)


@pytest.mark.parametrize("name", LAYERS)
def test_layer_has_readable_repr(name):
    layer = LAYERS[name]()
    text = repr(layer)
    assert text.startswith(type(layer).__name__ + "(") and "object at" not in text


def test_fd_comparison_catches_a_wrong_derivative(monkeypatch):
    """The derivative check has teeth: drop the projection term of the WN backward pass and it fails."""
    def wrong_vjp(self, params, cache, G):
        H, What, norms = cache
        return np.swapaxes(What, -1, -2) @ G, {"W": (G @ np.swapaxes(H, -1, -2)) / norms}

    monkeypatch.setattr(WeightNormDense, "vjp", wrong_vjp)
    with pytest.raises(AssertionError):
        assert_derivatives_match_fd(one_layer_net(WeightNormDense(3, 2)))


def test_weightnorm_is_scale_invariant_and_gradient_orthogonal_to_rows():
    """R6: ℓ(cW) = ℓ(W) per row, ⟨∇_{w_j} ℓ, w_j⟩ = 0, ∇ℓ(cW) = ∇ℓ(W)/c."""
    rng = np.random.default_rng(3)
    net = Network([WeightNormDense(3, 2), Activation("tanh"), WeightNormDense(2, 2)])
    p, X, y = rng.standard_normal(net.num_params), rng.standard_normal((3, 4)), np.array([0, 1, 1, 0])
    g = net.grad(p, X, y, "ce")
    for W, gW in zip(net.unflatten(p)[::2], net.unflatten(g)[::2]):
        np.testing.assert_allclose(np.sum(W["W"] * gW["W"], axis=-1), 0, atol=1e-14)
    np.testing.assert_allclose(net.loss(7.5 * p, X, y, "ce"), net.loss(p, X, y, "ce"), rtol=1e-13)
    np.testing.assert_allclose(net.grad(7.5 * p, X, y, "ce"), g / 7.5, rtol=1e-10, atol=1e-15)


def test_wn_rows_have_unit_norm():
    What, norms = wn_rows(np.random.default_rng(0).standard_normal((5, 4, 3)) * 1e3)
    np.testing.assert_allclose(np.sum(What * What, axis=-1), 1, rtol=1e-14)


def test_batchnorm_output_statistics_and_shift_invariance():
    """Rows of BN_ε(H) have mean 0 and ‖row‖² = N var/(var + ε) (R6b); D BN kills the all-ones direction."""
    rng = np.random.default_rng(4)
    eps, N = 0.1, 5
    bn = BatchNorm(3, eps)
    H = rng.standard_normal((3, N)) * np.array([[1e-3], [1.0], [1e3]])
    out, cache = bn.forward({}, H)
    var = np.var(H, axis=-1)
    np.testing.assert_allclose(np.sum(out, axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(np.sum(out * out, axis=-1), N * var / (var + eps), rtol=1e-12)
    dH, _ = bn.vjp({}, cache, rng.standard_normal((3, N)))
    np.testing.assert_allclose(np.sum(dH, axis=-1), 0, atol=1e-12)


@pytest.mark.parametrize("layer", [ZeroPad(2, 5), AvgPool(6, 3), AvgPool(4, 4), AvgPool(3, 1)], ids=repr)
def test_isometries_have_unit_singular_values_and_match_their_matrix(layer):
    """R8: the fixed shortcut maps are isometric (all singular values exactly 1, to round-off)."""
    M = layer.isometry_matrix()
    assert M.shape == (layer.out_features(layer.in_features), layer.in_features)
    np.testing.assert_allclose(np.linalg.svd(M, compute_uv=False), 1.0, atol=1e-14)
    H = np.random.default_rng(5).standard_normal((2, layer.in_features, 4))
    np.testing.assert_allclose(layer.forward({}, H)[0], M @ H, atol=1e-15)
    J = Network([layer]).input_jacobian(np.zeros(0), H[0])
    np.testing.assert_allclose(J, np.kron(M, np.eye(4)), atol=1e-15)


def test_projection_shortcut_alone_is_not_isometric():
    """Negative control for the isometry test: a learned projection has spread singular values."""
    W = Network([Dense(4, 2, bias=False)]).unflatten(Network([Dense(4, 2, bias=False)]).init(0))[0]["W"]
    s = np.linalg.svd(W, compute_uv=False)
    assert np.max(np.abs(s - 1)) > 1e-3


@pytest.mark.parametrize("bad", [
    lambda: Activation("swish"), lambda: BatchNorm(3, eps=0.0), lambda: AvgPool(5, 2), lambda: ZeroPad(4, 2),
    lambda: Dense(0, 2), lambda: Residual([Dense(3, 2)]), lambda: Residual([]),
    lambda: Residual([Dense(3, 2)], shortcut=Dense(3, 4, bias=False)),
    lambda: Residual([Dense(3, 3)], shortcut=Dense(3, 3), skip=False),
])
def test_bad_layer_construction_raises_value_error(bad):
    with pytest.raises(ValueError):
        bad()


def test_layer_rejects_wrong_input_width():
    with pytest.raises(ValueError, match="expects 3 input features"):
        Dense(3, 2).forward({"W": np.zeros((2, 3)), "b": np.zeros(2)}, np.zeros((4, 5)))


COMPLEX_STEP = 1e-20
COMPLEX_STEP_RTOL = 1e-13  # complex step of the forward vs our σ′: both exact to round-off


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softplus", "gelu", "relu"])
def test_activation_is_analytic_and_stable_at_extreme_inputs(name):
    """σ(x + ih).imag/h = σ′(x) (so complex-step HVPs are exact) at |x| up to 1e4, without warnings."""
    import warnings

    x = np.array([[-1e4, -800.0, -30.0, -2.5, -0.3, 0.7, 3.0, 30.0, 800.0, 1e4]])
    layer = Activation(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is benign
            out, slope = layer.forward({}, x)
            out_c, _ = layer.forward({}, x + 1j * COMPLEX_STEP)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(slope))
    np.testing.assert_allclose(out_c.imag / COMPLEX_STEP, slope, rtol=COMPLEX_STEP_RTOL, atol=1e-300)
    np.testing.assert_allclose(out_c.real, out, rtol=1e-15, atol=1e-15)  # numpy complex log1p is absolute-accurate only
    reference = {  # direct formulas, safe on the moderate inputs used below
        "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "softplus": lambda v: np.log1p(np.exp(v)),
        "gelu": lambda v: 0.5 * v * (1 + np.tanh(np.sqrt(2 / np.pi) * (v + 0.044715 * v**3))),
        "relu": lambda v: np.maximum(v, 0),
    }[name]
    moderate = np.abs(x) <= 30
    np.testing.assert_allclose(out[moderate], reference(x[moderate]), rtol=1e-13, atol=1e-300)
    if name == "softplus":
        np.testing.assert_allclose(out[0, [0, -1]], [0.0, 1e4], atol=1e-300)
