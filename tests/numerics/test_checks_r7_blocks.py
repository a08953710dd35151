"""R7 block-bound checks: exact derivatives, witnesses of the tight bounds, and why e2 is loose.

Pass/teeth (tight ones FAIL at 0.99×, loose ones declared), 50-digit agreement: test_all_checks.py.
"""

import numpy as np
import pytest
from check_assertions import assert_mp_matches_float64

from numerics.checks import r7_blocks as rb

CHECK = {c.id.split("/block-")[1]: c for c in rb.CHECKS}
BASE = {"seed": 3, "N": 3, "K": 2, "m": 3, "activation": "tanh", "c": 0.8, "log10_eps": -1.0, "log10_r": 0.5,
        "log10_spread": -1.0, "log10_h": 0.0, "rank1": 0.5, "align1": 0.5, "perp1": False, "align2": 0.5,
        "ones": False}


def test_one_check_per_block_bound_of_beta():
    assert {rb.SPEC[k][0] for k in CHECK} == {"a", "e1", "e2", "bWW", "bHW", "bHH"}
    for key, check in CHECK.items():
        assert check.worst_case is not None and check.result_id == "ce-global-convergence", key


def test_block_net_at_identity_input_is_the_block_with_H_as_parameters():
    """V·I_N = V: the first layer's parameters are H, so R(x) = H + α Ŵ₂ σ(Ŵ₁ BN_ε(H)) by hand."""
    arch, net, x, _ = rb.block_instances(BASE, 3)
    K, N, m = arch["K"], arch["N"], arch["m"]
    sl = rb._slices(K, N, m)
    H, W1, W2 = x[:, sl["H"]].reshape(3, K, N), x[:, sl["W1"]].reshape(3, m, K), x[:, sl["W2"]].reshape(3, K, m)
    C = H - H.mean(-1, keepdims=True)
    B = C / np.sqrt((C * C).mean(-1, keepdims=True) + arch["eps"])
    unit = lambda W: W / np.linalg.norm(W, axis=-1, keepdims=True)  # noqa: E731
    R = H + arch["alpha"] * unit(W2) @ np.tanh(unit(W1) @ B)
    np.testing.assert_allclose(net.forward(x, np.eye(N)), R, rtol=1e-13, atol=1e-13)


def test_second_derivative_block_matches_central_differences_of_the_jacobian():
    arch, net, x, _ = rb.block_instances(BASE, 2)
    N, sl = arch["N"], rb._slices(arch["K"], arch["N"], arch["m"])
    T = rb.second_derivative_block(net, x, N, sl["H"], sl["W"])
    j = 4  # one W direction
    e = np.zeros(x.shape[-1])
    e[sl["W"].start + j] = 1.0
    h = 1e-6
    fd = (net.param_jacobian(x + h * e, np.eye(N)) - net.param_jacobian(x - h * e, np.eye(N))) / (2 * h)
    np.testing.assert_allclose(T[..., j], fd[..., sl["H"]], rtol=1e-6, atol=1e-6 * np.abs(T).max())


def test_trilinear_sup_is_attained_and_exact_for_a_matrix():
    """O = 1: sup cᵀT[a, b] is the top singular value; the returned vectors attain the returned value."""
    rng = np.random.default_rng(0)
    T = rng.standard_normal((5, 1, 4, 6))
    val, a, b, c = rb.trilinear_sup(T, rng)
    np.testing.assert_allclose(val, np.linalg.svd(T[:, 0], compute_uv=False)[:, 0], rtol=1e-10)
    T = rng.standard_normal((5, 3, 4, 4))
    val, a, b, c = rb.trilinear_sup(T, rng)
    np.testing.assert_allclose(val, np.einsum("noab,no,na,nb->n", T, c, a, b), rtol=1e-12)
    for v in (a, b, c):
        np.testing.assert_allclose(np.linalg.norm(v, axis=-1), 1.0, rtol=1e-12)


def test_dh_reaches_one_plus_c_on_its_witness():
    """tanh, Ŵ₁ rows = 1_K/√K, Ŵ₂ rows = 1_m/√m, H = 1_K⊗h with var ≪ ε: ‖D_H R‖ = 1 + c (c = 0.9 here, so the
    identity alone gives only 1/1.9 of the bound)."""
    case = dict(BASE, c=0.9, ones=True, perp1=False, rank1=1.0, align1=1.0, align2=1.0, log10_h=-4.0)
    b = CHECK["dh"].evaluate(case, 32)
    assert np.max(b.lhs / b.rhs) > 1 - 1e-6
    assert np.all(b.lhs <= b.rhs * (1 + rb.RTOL))


def test_dw1_reaches_e1_on_its_witness():
    """tanh, H rows one centred pattern with var ≫ ε, Ŵ₁ rows ⊥ the sign vector (Z = 0: σ′ = 1), Ŵ₂ rows equal,
    every row norm r: ‖D_{W₁} R‖ → α K √N / r."""
    case = dict(BASE, perp1=True, rank1=1.0, align1=1.0, align2=1.0, log10_h=4.0, log10_spread=-6.0)
    b = CHECK["dw1"].evaluate(case, 32)
    assert np.max(b.lhs / b.rhs) > 1 - 1e-4
    assert np.all(b.lhs <= b.rhs * (1 + rb.RTOL))


@pytest.mark.parametrize("K", [2, 3])
def test_dw2_is_loose_by_at_least_sqrt_K_for_tanh(K):
    """Why e2 is loose: ‖D_{W₂} R‖ ≤ α‖σ(Z)‖₂/r and |tanh| < 1 give ‖σ(Z)‖₂ < √(mN), while e2 = α√(mKN)/r for
    tanh (s0 = 0, s1 = 1): lhs/rhs < 1/√K on every instance, whatever the search does."""
    worst = 0.0
    for seed in range(4):
        for log10_h in (-2.0, 0.0, 2.0, 4.0):
            case = dict(BASE, K=K, seed=seed, log10_h=log10_h, rank1=1.0, align1=1.0, align2=1.0)
            b = CHECK["dw2"].evaluate(case, 32)
            worst = max(worst, np.max(b.lhs / b.rhs))
    assert worst < 1 / np.sqrt(K)
    assert worst > 0.5 / np.sqrt(K)  # and not vacuous


def test_second_order_mp_agrees_with_float64():
    for key in ("d2ww", "d2hw", "d2hh", "dw2"):
        assert_mp_matches_float64(CHECK[key], BASE, 3, [0, 2], lhs_tol={"rel": 1e-7}, rhs_tol={"rel": 1e-12})


# A directed hill-climb over (H, W₁, W₂) (sigmoid, N = K = m = 2, ε = 1, unit rows) found this point: H's first row
# has var ≈ ε/4 (where ‖D²BN‖ peaks), Ŵ₁ rows ±e₁, Ŵ₂ rows one ±1 pattern. block-d2hh declares its ratio.
D2HH_WITNESS = ({"N": 2, "K": 2, "m": 2, "alpha": 1.0, "eps": 1.0, "activation": "sigmoid"},
                [0.04871201241636475, -0.8746080991008085, -3.011732631479027, 2.874747357386152, 0.998601554624964,
                 -0.05286714575806976, -0.9996478127859083, 0.02653771641173719, -0.6913298377495207,
                 0.7225393106518299, -0.7260605638021783, 0.6876307567955806])


def test_d2hh_witness_reaches_the_declared_looseness():
    """sup‖D²_H R[u, u]‖ ≥ 0.57·bHH at the witness (confirmed at 50 digits), below 1: bHH is at most 1/0.57 ≈ 1.75×
    loose, and the declared factor is what was reached."""
    import json

    import mpmath

    from numerics.attack.engine import MP_DPS

    arch, x = D2HH_WITNESS
    net = rb.block_net(arch["N"], arch["K"], arch["m"], arch["alpha"], arch["eps"], arch["activation"])
    x = np.array([x])
    sl = rb._slices(arch["K"], arch["N"], arch["m"])
    val, a, b, c = rb.trilinear_sup(rb.second_derivative_block(net, x, arch["N"], sl["H"], sl["H"]),
                                    np.random.default_rng(0))
    r_min = float(min(np.linalg.norm(x[0, sl[k]].reshape(2, 2), axis=-1).min() for k in ("W1", "W2")))
    ratio = val[0] / rb.block_constant("bHH", arch, r_min)
    assert 0.57 < ratio < 1
    assert CHECK["d2hh"].worst_case.sup == pytest.approx(ratio, abs=0.01)
    P = x.shape[-1]
    v = {"x": x[0], "a": rb._embed(a, P, sl["H"])[0], "b": rb._embed(b, P, sl["H"])[0], "c": c[0], "r_min": r_min,
         "arch": json.dumps(arch)}
    with mpmath.workdps(MP_DPS):
        lhs, rhs = CHECK["d2hh"].evaluate_mp(v)
        assert lhs / rhs > mpmath.mpf("0.57")
