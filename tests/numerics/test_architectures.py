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
