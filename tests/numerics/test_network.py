"""Network: composites against finite differences, the instance-axis convention, layer Jacobians,
parameter bookkeeping, 50-digit (mpmath) evaluation and input validation."""

import mpmath
import numpy as np
import pytest
from derivative_assertions import assert_derivatives_match_fd
from hypothesis import given, strategies as st

from numerics import ops
from numerics.layers import Activation, AvgPool, BatchNorm, Dense, Residual, Scale, WeightNormDense, ZeroPad
from numerics.network import Network

ROUNDOFF_RTOL = 1e-10   # two exact computations of the same quantity in float64
ROUNDOFF_ATOL = 1e-12
MP_DPS = 50
MP_VS_FLOAT_RTOL = 1e-11  # float64 forward vs 50-digit forward on a small net


def composite_net(act="tanh"):
    """Every layer kind in one net: BN coupling, WN, all shortcut kinds, width changes."""
    return Network([
        Dense(3, 4), BatchNorm(4, eps=0.1, affine=True), Activation(act), WeightNormDense(4, 4),
        Residual([BatchNorm(4, 0.1), WeightNormDense(4, 3), Activation("softplus"), WeightNormDense(3, 4), Scale(0.3)]),
        Residual([Activation("gelu"), Dense(4, 2)], shortcut=Dense(4, 2, bias=False), fixed=AvgPool(4, 2)),
        Residual([Dense(2, 3)], shortcut=Dense(2, 3, bias=False), fixed=ZeroPad(2, 3)),
        Residual([Activation("sigmoid"), Dense(3, 3)], shortcut=Dense(3, 3, bias=False)),
    ])


@pytest.mark.parametrize("act", ["tanh", "relu", "gelu"])
def test_composite_derivatives_match_finite_differences(act):
    assert_derivatives_match_fd(composite_net(act), seed=11, N=4)


def _data(net, B=(), N=4, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.standard_normal(tuple(B) + (net.num_params,))
    X = rng.standard_normal((net.in_features, N))
    return p, X, rng.integers(0, net.out_features, N), rng


def test_batched_instances_equal_stacked_single_instances():
    """p of shape (B, P) gives (B, …) results equal to a loop over instances, for every method."""
    net = composite_net()
    p, X, y, rng = _data(net, B=(5,))
    v = rng.standard_normal(p.shape)
    single = {
        "forward": lambda q, w: net.forward(q, X), "loss": lambda q, w: net.loss(q, X, y, "ce"),
        "grad": lambda q, w: net.grad(q, X, y, "ce"), "param_jacobian": lambda q, w: net.param_jacobian(q, X),
        "input_jacobian": lambda q, w: net.input_jacobian(q, X), "tangent_kernel": lambda q, w: net.tangent_kernel(q, X),
        "hvp": lambda q, w: net.hvp(q, X, y, "ce", w),
    }
    K, N, P, d = net.out_features, X.shape[1], net.num_params, net.in_features
    shapes = {"forward": (K, N), "loss": (), "grad": (P,), "param_jacobian": (K * N, P),
              "input_jacobian": (K * N, d * N), "tangent_kernel": (K * N, K * N), "hvp": (P,)}
    for name, f in single.items():
        batched = f(p, v)
        assert batched.shape == (5,) + shapes[name], name
        stacked = np.stack([f(p[i], v[i]) for i in range(5)])
        np.testing.assert_allclose(batched, stacked, rtol=ROUNDOFF_RTOL, atol=ROUNDOFF_ATOL, err_msg=name)
    LJ = net.layer_jacobians(p, X)
    for i in range(5):
        for (bp, bh), (sp, sh) in zip(LJ, net.layer_jacobians(p[i], X)):
            np.testing.assert_allclose(bh[i], sh, rtol=ROUNDOFF_RTOL, atol=ROUNDOFF_ATOL)
            assert (bp is None) == (sp is None)
            if bp is not None:
                np.testing.assert_allclose(bp[i], sp, rtol=ROUNDOFF_RTOL, atol=ROUNDOFF_ATOL)


def test_instance_axes_on_data_and_two_leading_axes():
    net = composite_net()
    p, X, y, rng = _data(net, B=(2, 3))
    Xs = rng.standard_normal((3, net.in_features, 4))
    Z = net.forward(p, Xs)  # (2, 3) params broadcast against (3,) data instances
    assert Z.shape == (2, 3, net.out_features, 4)
    np.testing.assert_allclose(Z[1, 2], net.forward(p[1, 2], Xs[2]), rtol=ROUNDOFF_RTOL)
    g = net.grad(p[0, 0], Xs, y, "ce")  # one p, three data sets: one gradient per data set
    assert g.shape == (3, net.num_params)
    np.testing.assert_allclose(g[1], net.grad(p[0, 0], Xs[1], y, "ce"), rtol=ROUNDOFF_RTOL, atol=ROUNDOFF_ATOL)
    JX = net.input_jacobian(p, Xs)
    np.testing.assert_allclose(JX[0, 1], net.input_jacobian(p[0, 1], Xs[1]), rtol=ROUNDOFF_RTOL, atol=ROUNDOFF_ATOL)


def test_layer_jacobians_compose_to_the_network_jacobians():
    """Chain rule (R3): D_pF = [J_1 … J_L], J_l = (D_H f_L ⋯ D_H f_{l+1}) D_{p_l} f_l; D_XF = Π D_H f_l."""
    net = composite_net()
    p, X, _, _ = _data(net, B=(2,))
    LJ = net.layer_jacobians(p, X)
    assert len(LJ) == len(net.layers)
    blocks, after = [None] * len(LJ), None
    for l in range(len(LJ) - 1, -1, -1):
        Jp, JH = LJ[l]
        if Jp is not None:
            assert Jp.shape[-1] == net.layers[l].num_params
            blocks[l] = Jp if after is None else after @ Jp
        after = JH if after is None else after @ JH
    J = np.concatenate([b for b in blocks if b is not None], axis=-1)
    np.testing.assert_allclose(J, net.param_jacobian(p, X), rtol=ROUNDOFF_RTOL, atol=ROUNDOFF_ATOL)
    np.testing.assert_allclose(after, net.input_jacobian(p, X), rtol=ROUNDOFF_RTOL, atol=ROUNDOFF_ATOL)
    assert [Jp is None for Jp, _ in LJ] == [l.num_params == 0 for l in net.layers]


@given(d=st.integers(1, 3), width=st.integers(1, 3), N=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_random_small_bn_wn_nets_match_finite_differences(d, width, N, seed):
    net = Network([Dense(d, width), BatchNorm(width, 0.5), Activation("tanh"), WeightNormDense(width, 2),
                   Residual([BatchNorm(2, 0.5), WeightNormDense(2, width), Activation("gelu"),
                             WeightNormDense(width, 2), Scale(0.2)])])
    assert_derivatives_match_fd(net, seed=seed, N=N)


def test_hvp_is_symmetric_and_linear():
    """⟨u, H v⟩ = ⟨v, H u⟩ and H(2u − v) = 2Hu − Hv, to round-off (complex step is exact)."""
    net = composite_net()
    p, X, y, rng = _data(net)
    u, v = rng.standard_normal((2, net.num_params))
    Hu, Hv = net.hvp(p, X, y, "ce", u), net.hvp(p, X, y, "ce", v)
    np.testing.assert_allclose(u @ Hv, v @ Hu, rtol=1e-9)
    np.testing.assert_allclose(net.hvp(p, X, y, "ce", 2 * u - v), 2 * Hu - Hv, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(net.hvp(p, X, y, "ce", 0 * u), 0)


def test_init_flatten_unflatten_roundtrip_and_residual_keys():
    net = composite_net()
    p = net.init(seed=3)
    assert p.shape == (net.num_params,) and p.dtype == np.float64
    assert net.init(seed=3, n=4).shape == (4, net.num_params)
    np.testing.assert_array_equal(net.init(seed=3), p)
    dicts = net.unflatten(p)
    assert set(dicts[0]) == {"W", "b"} and set(dicts[1]) == {"gamma", "beta"} and dicts[2] == {}
    assert set(dicts[4]) == {"branch.1.W", "branch.3.W"}
    assert set(dicts[5]) == {"branch.1.W", "branch.1.b", "shortcut.W"}
    assert dicts[4]["branch.1.W"].shape == (3, 4)
    np.testing.assert_array_equal(net.flatten(dicts), p)
    pb = net.init(seed=1, n=3)
    np.testing.assert_array_equal(net.flatten(net.unflatten(pb)), pb)
    assert net.param_slices[-1].stop == net.num_params


def test_object_arrays_of_mpmath_numbers_agree_with_float64():
    """The same code at 50 digits (counterexample confirmation) agrees with float64 to round-off."""
    net = composite_net("softplus")
    p, X, y, _ = _data(net)
    with mpmath.workdps(MP_DPS):
        pm, Xm = ops.to_mp(p, MP_DPS), ops.to_mp(X, MP_DPS)
        Zm = net.forward(pm, Xm)
        assert Zm.dtype == object and isinstance(Zm.flat[0], mpmath.mpf)
        gm = net.grad(pm, Xm, y, "ce")
        lm = net.loss(pm, Xm, y, "ce")
        assert isinstance(lm, mpmath.mpf)
    np.testing.assert_allclose(Zm.astype(float), net.forward(p, X), rtol=MP_VS_FLOAT_RTOL, atol=1e-13)
    np.testing.assert_allclose(gm.astype(float), net.grad(p, X, y, "ce"), rtol=MP_VS_FLOAT_RTOL, atol=1e-13)
    np.testing.assert_allclose(float(lm), net.loss(p, X, y, "ce"), rtol=MP_VS_FLOAT_RTOL)


def test_nan_inputs_propagate_rather_than_pass():
    net = composite_net()
    p, X, y, _ = _data(net)
    X[0, 0] = np.nan
    with np.errstate(invalid="ignore"):
        assert np.isnan(net.loss(p, X, y, "ce"))


@pytest.mark.parametrize("call, match", [
    (lambda n, p, X, y: n.forward(p[:-1], X), r"P = \d+"),
    (lambda n, p, X, y: n.forward(p, X[:-1]), "d = 3"),
    (lambda n, p, X, y: n.forward(p, X[0]), "expected"),
    (lambda n, p, X, y: n.loss(p, X, y + 10, "ce"), "lie in 0"),
    (lambda n, p, X, y: n.loss(p, X, y.astype(float), "ce"), "integer"),
    (lambda n, p, X, y: n.loss(p, X, y[:-1], "ce"), "shape"),
    (lambda n, p, X, y: n.loss(p, X, np.zeros((2, 2)), "square"), "expected"),
    (lambda n, p, X, y: n.loss(p, X, y, "hinge"), "unknown cost"),
    (lambda n, p, X, y: n.hvp(p, X, y, "ce", p[:-1]), "direction v"),
    (lambda n, p, X, y: n.flatten([{}]), "parameter dicts"),
    (lambda n, p, X, y: Network([Dense(3, 4), Dense(3, 2)]), "expects 3 input features"),
    (lambda n, p, X, y: Network([Activation("tanh")]), "pass d="),
])
def test_bad_input_raises_value_error_naming_it(call, match):
    net = composite_net()
    p, X, y, _ = _data(net)
    with pytest.raises(ValueError, match=match):
        call(net, p, X, y)


def test_repr_lists_layers_and_sizes():
    text = repr(composite_net())
    assert "WeightNormDense(4, 3)" in text and "AvgPool(4, s=2)" in text and "P = " not in text and "P=" in text
