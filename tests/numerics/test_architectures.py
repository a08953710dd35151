"""R7 and R8 networks: structure, forward against an independent numpy formula, exact derivatives,
shared parameter layouts."""

import numpy as np
import pytest
from derivative_assertions import assert_derivatives_match_fd

from numerics.architectures import chain_ce_net, residual_ce_net, share_params, skip_mechanism_net
from numerics.layers import AvgPool, Dense, Residual, ZeroPad
from numerics.network import Network

FORMULA_RTOL = 1e-12  # our forward vs the hand-written R7 formula (same float64 operations, reordered)


def r7_by_hand(p, X, d, K, m, alphas, eps, skip=True):
    """F(p) = R_L ∘ … ∘ R_2(V X), R_k(H) = H + α_k Ŵ₂ tanh(Ŵ₁ BN_ε(H)), written directly in numpy."""
    V, rest = p[: K * d].reshape(K, d), p[K * d:]
    H = V @ X
    for a in alphas:
        W1, W2, rest = rest[: m * K].reshape(m, K), rest[m * K: 2 * m * K].reshape(K, m), rest[2 * m * K:]
        W1 = W1 / np.linalg.norm(W1, axis=1, keepdims=True)
        W2 = W2 / np.linalg.norm(W2, axis=1, keepdims=True)
        B = (H - H.mean(axis=1, keepdims=True)) / np.sqrt(H.var(axis=1, keepdims=True) + eps)
        G = a * W2 @ np.tanh(W1 @ B)
        H = H + G if skip else G
    return H


@pytest.mark.parametrize("alpha", [0.3, (0.2, -0.5)])
def test_r7_nets_match_the_formula_and_share_a_layout(alpha):
    d, K, m, eps = 4, 3, 2, 0.1
    res, chain = residual_ce_net(d, K, m, 2, alpha, eps), chain_ce_net(d, K, m, 2, alpha, eps)
    assert res.num_params == chain.num_params == K * d + 2 * 2 * m * K
    assert isinstance(res.layers[0], Dense) and not res.layers[0].bias
    assert all(isinstance(l, Residual) for l in res.layers[1:]) and res.architecture["blocks"] == 2
    rng = np.random.default_rng(0)
    p, X = rng.standard_normal(res.num_params), rng.standard_normal((d, 3))
    alphas = [alpha] * 2 if np.ndim(alpha) == 0 else list(alpha)
    np.testing.assert_allclose(res.forward(p, X), r7_by_hand(p, X, d, K, m, alphas, eps), rtol=FORMULA_RTOL)
    np.testing.assert_allclose(chain.forward(p, X), r7_by_hand(p, X, d, K, m, alphas, eps, skip=False),
                               rtol=FORMULA_RTOL)
    assert np.max(np.abs(res.forward(p, X) - chain.forward(p, X))) > 1e-3  # the skips matter


@pytest.mark.parametrize("make", [residual_ce_net, chain_ce_net])
def test_r7_derivatives_match_finite_differences(make):
    assert_derivatives_match_fd(make(3, 3, 2, 2, 0.4, 0.2, activation="softplus"), seed=5, N=3)


@pytest.mark.parametrize("bad, match", [
    (lambda: residual_ce_net(3, 2, 2, 2, (0.1, 0.2, 0.3), 0.1), "alpha has 3 entries"),
    (lambda: residual_ce_net(3, 2, 2, 1, 0.1, 0.0), "eps must be > 0"),
    (lambda: chain_ce_net(0, 2, 2, 1, 0.1, 0.1), "d must be"),
    (lambda: residual_ce_net(3, 2, 2, 1, 0.1, 0.1, activation="swish"), "unknown activation"),
    (lambda: skip_mechanism_net("d", 4, 3, 4, 8), "unknown variant"),
    (lambda: skip_mechanism_net("c", 4, 3, 6, 4), "divisible"),
])
def test_bad_architecture_arguments_raise(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()


@pytest.mark.parametrize("width, width2, fixed_type", [(4, 6, ZeroPad), (6, 3, AvgPool), (4, 4, AvgPool)])
def test_skip_mechanism_variants_share_weights_and_differ_by_the_isometric_path(width, width2, fixed_type):
    """(c) − (b) at the width-changing block is exactly the fixed isometry applied to its input."""
    nets = {v: skip_mechanism_net(v, 5, 3, width, width2) for v in "abc"}
    assert isinstance(nets["c"].layers[2].fixed, fixed_type) and nets["b"].layers[2].fixed is None
    p_c = nets["c"].init(seed=2)
    p_b, p_a = share_params(p_c, nets["c"], nets["b"]), share_params(p_c, nets["c"], nets["a"])
    assert p_b.size == p_c.size and p_a.size < p_c.size
    X = np.random.default_rng(2).standard_normal((5, 4))
    upto = nets["c"].param_slices[2].stop
    head_b, head_c = (Network(nets[v].layers[:3]) for v in "bc")
    H1 = Network(nets["c"].layers[:2]).forward(p_c[: nets["c"].param_slices[1].stop], X)
    diff = head_c.forward(p_c[:upto], X) - head_b.forward(p_b[:upto], X)
    np.testing.assert_allclose(diff, nets["c"].layers[2].fixed.isometry_matrix() @ H1, atol=1e-12)
    for v in "abc":
        assert nets[v].forward(share_params(p_c, nets["c"], nets[v]), X).shape == (3, 4)


def test_share_params_names_the_missing_parameter():
    a, c = skip_mechanism_net("a", 5, 3, 4, 6), skip_mechanism_net("c", 5, 3, 4, 6)
    with pytest.raises(ValueError, match="shortcut.W"):
        share_params(a.init(0), a, c)


# --- the authors' convolutional network (R8 headline run) ----------------------------------------------
from numerics.architectures import conv_skip_mechanism_net  # noqa: E402


def _conv_nets():
    return {v: conv_skip_mechanism_net(v) for v in "abc"}


def test_conv_variants_share_one_parameter_vector_and_differ_by_the_isometric_path():
    """(a), (b), (c) from one draw of (c); (c)'s block-2 output is (b)'s plus ChannelPad(3·AvgPool2d(3)(u))."""
    nets = _conv_nets()
    assert nets["b"].num_params == nets["c"].num_params == nets["a"].num_params + 5 * 20 + 20
    p_c = nets["c"].init(0)
    p = {v: share_params(p_c, nets["c"], nets[v]) for v in "abc"}
    np.testing.assert_array_equal(p["b"], p_c)
    X = np.random.default_rng(0).uniform(0, 1, (784, 4))
    _, tape_b = nets["b"].forward_with_caches(p["b"], X)
    _, tape_c = nets["c"].forward_with_caches(p["c"], X)
    u = tape_c.inputs[4]  # ReLU(BN2d(x)), the input of block 2
    np.testing.assert_array_equal(u, tape_b.inputs[4])
    out_b = nets["b"].layers[4].forward(tape_b.params[4], u)[0]
    out_c = nets["c"].layers[4].forward(tape_c.params[4], u)[0]
    pooled = u.reshape(5, 4, 3, 4, 3, 4).mean(axis=(2, 4))  # AvgPool2d(3) by hand on (C, H, W, N)
    expect = np.concatenate([np.zeros((7, 4, 4, 4)), 3 * pooled, np.zeros((8, 4, 4, 4))]).reshape(320, 4)
    np.testing.assert_allclose(out_c - out_b, expect, rtol=1e-12, atol=1e-12)
    Z = {v: nets[v].forward(p[v], X) for v in "abc"}
    assert Z["a"].shape == (10, 4) and np.all(np.isfinite(Z["a"]))
    assert np.max(np.abs(Z["a"] - Z["b"])) > 1e-3 and np.max(np.abs(Z["c"] - Z["b"])) > 1e-3


def test_conv_variant_a_has_no_skips():
    a = conv_skip_mechanism_net("a")
    assert not a.layers[1].skip and not a.layers[4].skip and a.layers[4].shortcut is None
    assert conv_skip_mechanism_net("b").layers[1].identity and conv_skip_mechanism_net("b").layers[4].fixed is None


def test_conv_net_uses_pytorch_default_init():
    """Every convolution and the linear layer: W, b within ±1/√fan_in (fan_in = C_in·k² or 320)."""
    net = conv_skip_mechanism_net("c")
    found = []
    for prm in net.unflatten(net.init(3)):
        for name, W in prm.items():
            if name.endswith("W"):
                found.append((int(np.prod(W.shape[1:])), W, prm[name[:-1] + "b"]))
    assert sorted(f for f, _, _ in found) == [5, 25, 45, 125, 125, 180, 320]
    for fan_in, W, b in found:
        bound = 1 / np.sqrt(fan_in)
        assert np.abs(W).max() <= bound and np.abs(b).max() <= bound
        assert np.abs(W).max() > 0.5 * bound


@pytest.mark.parametrize("variant", ["a", "c"])
def test_conv_net_derivatives_match_directional_finite_differences(variant):
    """∇ℓ·v and D_XF·V against central differences along random unit directions (9k parameters: no full
    FD; unit directions and a small step keep the differences off the ReLU kinks)."""
    net = conv_skip_mechanism_net(variant)
    rng = np.random.default_rng(5)
    p, X, y = net.init(1), rng.uniform(0, 1, (784, 4)), np.array([0, 3, 3, 9])
    g = net.grad(p, X, y, "ce")
    Z, tape = net.forward_with_caches(p, X)
    h = 1e-6
    for _ in range(3):
        v, V = rng.standard_normal(net.num_params), rng.standard_normal(X.shape)
        v, V = v / np.linalg.norm(v), V / np.linalg.norm(V)
        fd = (net.loss(p + h * v, X, y) - net.loss(p - h * v, X, y)) / (2 * h)
        np.testing.assert_allclose(g @ v, fd, rtol=1e-5, atol=1e-8)
        W = rng.standard_normal(Z.shape)
        dX, _ = net.vjp(tape, W)
        fdZ = (net.forward(p, X + h * V) - net.forward(p, X - h * V)) / (2 * h)
        np.testing.assert_allclose(np.sum(dX * V), np.sum(W * fdZ), rtol=1e-5, atol=1e-8)


def test_conv_net_rejects_a_bad_variant():
    with pytest.raises(ValueError, match="unknown variant"):
        conv_skip_mechanism_net("d")
