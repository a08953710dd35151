"""R7 numeric API: c_k, μ₀, β, κ, γ and the rate bound; β attacked with finite-difference Hessians."""

import inspect
import math

import numpy as np
import pytest
import sympy

from theorems import ce_convergence as ce
from theorems.activations import activation_at_zero, activation_constants

from _tiny_r7 import hessian, loss, unpack

BASE = dict(sigma_N=0.8, x_norm=1.5, N=4, K=3, m=5, alphas=[0.01, 0.02], eps=1.0, activation="tanh", r=1.0)
HESSIAN_SEED = 20261127
FD_REL_TOL = 1e-3  # finite-difference Hessian error allowance in the ratio test


def test_keys_and_basic_sanity():
    out = ce.numeric_constants(**BASE, eta=0.1)
    assert set(out) >= {"c", "mu0", "beta", "eta_max", "kappa", "hypotheses_ok", "eta_ok"}
    assert len(out["c"]) == 2 and all(0 < c < 1 for c in out["c"]) and out["hypotheses_ok"]
    assert math.isfinite(out["beta"]) and out["beta"] > 0
    assert out["eta_max"] == pytest.approx(2 / out["beta"])
    assert out["mu0"] == pytest.approx(0.64 * math.prod((1 - c) ** 2 for c in out["c"]))
    c_expected = 0.01 * math.sqrt(15) * 1.0 / 1.0
    assert out["c"][0] == pytest.approx(c_expected, rel=1e-14)
    eta = 0.1
    assert out["kappa"] == pytest.approx(eta * (1 - out["beta"] * eta / 2) * out["mu0"] / 4**3)
    assert out["eta_ok"] == (eta < 2 / out["beta"])


def test_matches_the_sympy_expression():
    L = 3
    d1, d2 = activation_constants("tanh")
    subs = {ce.N: BASE["N"], ce.K: BASE["K"], ce.m: BASE["m"], ce.eps: BASE["eps"], ce.r: BASE["r"],
            ce.s0: activation_at_zero("tanh"), ce.s1: d1, ce.s2: d2, ce.x_norm: BASE["x_norm"],
            ce.alpha(2): BASE["alphas"][0], ce.alpha(3): BASE["alphas"][1]}
    sym_beta = float(ce.beta_expr(L).subs(subs))
    assert ce.numeric_constants(**BASE)["beta"] == pytest.approx(sym_beta, rel=1e-12)


def test_beta_does_not_depend_on_V():
    assert "V" not in inspect.signature(ce.numeric_constants).parameters
    names = {str(s) for s in ce.beta_expr(4).free_symbols}
    assert not any(n.startswith("v") or n.startswith("V") for n in names), names


def test_c_at_least_one_voids_mu0_and_bad_input_is_rejected():
    big = ce.numeric_constants(**{**BASE, "alphas": [0.01, 1.0]})
    assert not big["hypotheses_ok"] and big["mu0"] == 0.0
    with pytest.raises(ValueError, match="eps"):
        ce.numeric_constants(**{**BASE, "eps": 0.0})
    with pytest.raises(ValueError, match="unbounded"):
        ce.numeric_constants(**{**BASE, "activation": "relu"})
    too_big = ce.numeric_constants(**BASE, eta=3 * ce.numeric_constants(**BASE)["eta_max"])
    assert not too_big["eta_ok"] and too_big["kappa"] < 0


def test_gamma_and_rate_bound():
    assert ce.gamma(0.5, 4) == pytest.approx((1 - math.exp(-2)) / 0.5)
    t = np.arange(5)
    b = ce.rate_bound(0.5, 0.2, 4, t)
    assert b[0] == pytest.approx(0.5) and np.all(np.diff(b) < 0)
    assert b[3] == pytest.approx(1 / (2 + 0.2 * ce.gamma(0.5, 4) ** 2 * 3))
    lam = sympy.lambdify((ce.loss0, ce.KAPPA, ce.N, ce.t), ce.RATE)
    assert b[4] == pytest.approx(lam(0.5, 0.2, 4, 4))


def test_beta_bounds_finite_difference_hessians():
    """Random tiny instances on the shell (min WN row norm = r), V at any scale: ‖∇²ℓ‖ ≤ β."""
    rng = np.random.default_rng(HESSIAN_SEED)
    K, d, N, m, L = 2, 3, 2, 2, 3
    worst = 0.0
    for _ in range(40):
        X, y = rng.normal(size=(d, N)), rng.integers(0, K, size=N)
        eps, r = 10 ** rng.uniform(-1.5, 1), 10 ** rng.uniform(-0.5, 0.5)
        alphas = list(10 ** rng.uniform(-2, 0.3, size=L - 1))
        p = rng.normal(size=K * d + (L - 1) * 2 * m * K)
        p[: K * d] *= 10 ** rng.uniform(-2, 1)  # V at any scale
        _, blocks = unpack(p, K, d, m, L)
        p[K * d:] *= r / min(np.linalg.norm(W, axis=-1).min() for blk in blocks for W in blk)
        H = hessian(lambda q: loss(q, X, y, K, m, L, alphas, eps), p, 1e-4)
        hn = np.abs(np.linalg.eigvalsh(H)).max()
        beta = ce.numeric_constants(sigma_N=1.0, x_norm=np.linalg.norm(X, 2), N=N, K=K, m=m, alphas=alphas,
                                    eps=eps, activation="tanh", r=r)["beta"]
        assert np.isfinite(hn)
        worst = max(worst, hn / beta)
    print(f"40 instances, worst ‖∇²ℓ‖/β = {worst:.4g}, seed {HESSIAN_SEED}")
    assert worst <= 1 + FD_REL_TOL
    assert worst > 1e-3  # the attack reaches a non-trivial fraction of β (the check is not vacuous)


def test_beta_is_nearly_attained_in_the_linear_corner():
    """Teeth: at V = 0 (s_i uniform), K = 2, equal inputs and tiny α, ‖∇²ℓ‖ → ‖X‖²/(2N) = β's leading term,
    so β cannot be lowered by 5% — a check using 0.95·β would be refuted here."""
    K, d, N, m, L = 2, 3, 2, 1, 2
    X = np.array([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]])
    y = np.array([0, 1])
    alphas, eps, r = [1e-4], 10.0, 10.0
    p = np.concatenate([np.zeros(K * d), np.full(2 * m * K, r)])
    H = hessian(lambda q: loss(q, X, y, K, m, L, alphas, eps), p, 1e-4)
    hn = np.abs(np.linalg.eigvalsh(H)).max()
    beta = ce.numeric_constants(sigma_N=1.0, x_norm=np.linalg.norm(X, 2), N=N, K=K, m=m, alphas=alphas, eps=eps,
                                activation="tanh", r=r)["beta"]
    assert hn <= beta * (1 + FD_REL_TOL)
    assert hn > 0.95 * beta, (hn, beta)


def test_every_obligation_has_a_mutant_that_is_refuted():
    """Teeth: each obligation of R7 fails when one ingredient is wrong (registry-wide tests may repeat this)."""
    for ob in ce.RESULT.obligations:
        assert ob.mutant is not None and ob.mutant_description, ob.name
        assert ob.mutant().status is ce.Status.FAILED, (ob.name, ob.mutant().evidence[:300])


def test_sharp_constants_lower_beta_and_spec_constants_are_only_a_comparison():
    out = ce.numeric_constants(**BASE)
    assert out["beta"] < out["beta_spec"]
    spec = float(ce.beta_expr(3, ce.WN_D2_SPEC, ce.BN_D2_SPEC).subs(_subs()))
    assert out["beta_spec"] == pytest.approx(spec, rel=1e-12)


def _subs():
    d1, d2 = activation_constants("tanh")
    return {ce.N: BASE["N"], ce.K: BASE["K"], ce.m: BASE["m"], ce.eps: BASE["eps"], ce.r: BASE["r"],
            ce.s0: activation_at_zero("tanh"), ce.s1: d1, ce.s2: d2, ce.x_norm: BASE["x_norm"],
            ce.alpha(2): BASE["alphas"][0], ce.alpha(3): BASE["alphas"][1]}


def test_block_b_is_the_joint_sup_and_below_the_sum_of_the_form():
    """b = λ_max[[bWW, bHW], [bHW, bHH]] lies between λ_max(M) (the sharpest use of the form) and the sum of all
    entries of M (the previous b): checked numerically at BASE."""
    bc = ce.block_constants(2)
    subs = _subs()
    M = np.array(bc["M"].subs(subs).evalf(), dtype=float)
    b = float(bc["b"].subs(subs))
    assert np.linalg.eigvalsh(M).max() <= b * (1 + 1e-12)
    assert b < M.sum()


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus", "gelu"])
def test_beta_ball_encloses_the_float_beta(activation):
    kw = {k: v for k, v in BASE.items() if k != "sigma_N"} | {"activation": activation}
    ball = ce.beta_ball(**kw)
    lo, hi = ball["beta_interval"]
    beta = ce.numeric_constants(**BASE | {"activation": activation})["beta"]
    assert lo <= beta * (1 + 1e-14) and beta <= hi * (1 + 1e-14) and hi - lo < 1e-13 * beta
    X = np.diag([1.5, 1.0, 0.5])[:, :2]  # ‖X‖₂ = 1.5 exactly: the enclosure from X matches x_norm = 1.5
    with_x = ce.beta_ball(**kw | {"X": X})
    assert with_x["x_norm"].contains(1.5) and with_x["beta"].overlaps(ball["beta"])
