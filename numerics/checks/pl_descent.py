"""Numeric checks of R0 `pl-descent` (reconstructed): the descent lemma and the linear rate under PL.

docs/theory.md#r0. On quadratics f(p) = ½pᵀAp + bᵀp (∇f = Ap + b, ∇f is β-Lipschitz with β = ‖A‖₂
exactly, so the hypotheses hold globally and can be checked without estimation):

* pl-descent/descent-lemma   η(1 − βη/2)‖∇f(p)‖² ≤ f(p) − f(p − η∇f(p)),   0 < η < 2/β,
  A symmetric, possibly indefinite. Tight when ∇f(p) is an eigenvector of A for the eigenvalue +β:
  the case parameter ``align`` mixes the gradient towards the top eigenvector of A.
* pl-descent/linear-rate     f(p₁) − f* ≤ (1 − 2μη(1 − βη/2))(f(p₀) − f*),   A ≻ 0, μ = λ_min(A):
  one GD step p₁ = p₀ − η∇f(p₀) on f(p) = ½pᵀAp (minimiser 0, f* = 0; b = 0 loses no generality
  since the statement is invariant under translating p). Tight when A ∝ I (β = μ).
* pl-descent/linear-net-rate  the same rate for GD on a network: the first layer F(V) = VX of R7
  (Network([Dense(d, K, bias=False)])) with the square cost ℓ(V) = ‖VX − Y‖²/(2N), N ≤ d, rank X = N.
  Here β = σ₁(X)²/N exactly (∇²ℓ = XXᵀ/N ⊗ I) and PL holds with μ = σ_N(X)²/N, ℓ* = 0 (R1 with
  λ_min(K) = σ_N(X)², R5); ℓ and ∇ℓ come from net.loss_and_grad. Steering: the residual VX − Y is
  pulled towards the σ_N singular direction of X; the rate is an equality when σ₁ = σ_N.
* pl-descent/descent-lemma-r7  the same lemma on the R7 network (mean cross-entropy) with its GLOBAL β from
  theorems.ce_convergence: random points of the shell S_r (WN rows of norm r), every activation,
  c ∈ [1e−4, 0.99], ε ∈ [1e−3, 1e2], r ∈ [1e−2, 1e2], η/(2/β) ∈ [1e−3, 0.95] (log-uniform). The segment
  [p, p − η∇ℓ] stays in S_r (a GD step never shrinks a WN row, R6), where β bounds ∇²ℓ. Tight as η → 0
  (both sides ≈ η‖∇ℓ‖²); how much of β the Hessian uses is lipschitz-composition/loss-hessian-beta's question.
* pl-descent/large-step-control (expect refuted)  f(p − η∇f(p)) ≤ f(p) with η ∈ (2/β, 4/β)
  (the hypothesis η < 2/β DROPPED): along the top eigenvector f increases by η‖g‖²(βη/2 − 1) > 0.

Sides are the function values themselves (f evaluated at both points and subtracted, as the lemma
states). To keep that subtraction meaningful, p is drawn with ‖p‖ ≈ ‖∇f‖/β, where f(p) and the
decrease have the same size; scales of A and of ∇f range over 1e−6 … 1e6 independently.

The linear rate is checked divided by f(p₀) − f* > 0, i.e. as (f(p₁) − f*)/(f(p₀) − f*) ≤ ρ with
ρ = 1 − 2μη(1 − βη/2) ∈ [0, 1): at μ = β, η = 1/β both sides are 0 up to round-off, which only an
absolute tolerance can judge.

Tolerances: RTOL = 1e-9 (the cancellation in f(p) − f(p − η∇f) costs ≈ eps·|f|/decrease ≤ 1e3·eps
for η ≤ 0.999·2/β, times the ≤ 8-term dot products; μ from eigh carries a relative error up to
eps·β/μ ≤ 2e-10); ATOL = 0 for the descent lemma (both sides scale together); RATE_ATOL = 1e-13 for
the normalised rate (ρ and 1 − ημ are differences of O(1) numbers: absolute error ≈ 10–100·eps).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from numerics.attack.check import Batch, NumericCheck, identity, known, loose, tight
from numerics.checks._instances import (
    SEEDS,
    conditioned_columns,
    log10_scales,
    rng_for,
    singular_values_mp,
)
from numerics.layers import Dense
from numerics.network import Network
from numerics.ops import to_mp

RESULT = "pl-descent"
RTOL = 1e-9
ATOL = 0.0
RATE_ATOL = 1e-13
SPECTRA = ("psd", "indefinite")


def quadratic_cases():
    return st.fixed_dictionaries({
        "P": st.integers(1, 8),
        "spectrum": st.sampled_from(SPECTRA),
        "log10_beta": log10_scales(),
        "log10_grad": log10_scales(),
        "eta_frac": st.floats(1e-3, 0.999),  # η = eta_frac · 2/β
        "align": st.floats(0.0, 1.0),
        "seed": SEEDS,
    })


def _f(A, b, p):
    """f(p) = ½pᵀAp + bᵀp for stacks A (…, P, P), b, p (…, P); works on mpmath object arrays."""
    Ap = np.einsum("...ij,...j->...i", A, p)
    return np.sum(p * Ap, axis=-1) / 2 + np.sum(b * p, axis=-1)


def _grad(A, b, p):
    return np.einsum("...ij,...j->...i", A, p) + b


def random_symmetric(rng, n: int, P: int, beta, spectrum: str):
    """(A, β, top eigenvector of the largest eigenvalue) with ‖A‖₂ = β exactly up to round-off."""
    Q = np.linalg.qr(rng.standard_normal((n, P, P)))[0]
    lam = rng.uniform(0.0 if spectrum == "psd" else -1.0, 1.0, size=(n, P))
    # the largest |eigenvalue| is ±1: the top one is +1 with probability ½ for "indefinite"
    k = rng.integers(0, P, size=n)
    sign = np.where((spectrum == "psd") | (rng.uniform(size=n) < 0.5), 1.0, -1.0)
    lam[np.arange(n), k] = sign
    A = (Q * (beta * lam)[:, None, :]) @ np.swapaxes(Q, -1, -2)
    A = (A + np.swapaxes(A, -1, -2)) / 2
    w, V = np.linalg.eigh(A)
    norm = np.max(np.abs(w), axis=-1)
    return A, norm, V[..., -1]


def _draw(case, n):
    rng = rng_for(case)
    P = case["P"]
    beta0 = 10.0 ** case["log10_beta"]
    A, beta, top = random_symmetric(rng, n, P, beta0, case["spectrum"])
    gsize = 10.0 ** case["log10_grad"]
    rand = rng.standard_normal((n, P))
    rand /= np.linalg.norm(rand, axis=-1, keepdims=True)
    a = case["align"]
    mix = (1 - a) * rand + a * top
    norm = np.linalg.norm(mix, axis=-1, keepdims=True)  # 0 only if rand = −top exactly at a = ½
    g = gsize * np.where(norm > 0, mix / np.where(norm > 0, norm, 1.0), top)
    # ‖p‖ ≈ ‖g‖/β: f(p) is then as large as the decrease, so f(p) − f(p − ηg) keeps its digits
    p = (gsize / beta)[:, None] * rng.standard_normal((n, P))
    b = g - np.einsum("...ij,...j->...i", A, p)  # so that ∇f(p) = g
    return A, b, p, beta, rng


def _descent_sides(A, b, p, eta, beta):
    g = _grad(A, b, p)
    gg = np.sum(g * g, axis=-1)
    lhs = eta * (1 - beta * eta / 2) * gg
    rhs = _f(A, b, p) - _f(A, b, p - eta[..., None] * g)
    return lhs, rhs


def _descent(case, n):
    A, b, p, beta, _ = _draw(case, n)
    eta = case["eta_frac"] * 2 / beta
    lhs, rhs = _descent_sides(A, b, p, eta, beta)
    return Batch(lhs, rhs, None, {"A": A, "b": b, "p": p, "eta": eta, "beta": beta})


def _beta_mp(A):
    from numerics.checks._instances import lambda_max_mp, lambda_min_mp

    return max(abs(lambda_max_mp(A)), abs(lambda_min_mp(A)))


def _descent_mp(v):
    A, b, p, eta = to_mp(v["A"]), to_mp(v["b"]), to_mp(v["p"]), to_mp(v["eta"])
    lhs, rhs = _descent_sides(A, b, p, eta, _beta_mp(A))
    return lhs, rhs


# --------------------------------------------------------------------------------- linear rate
def rate_cases():
    return st.fixed_dictionaries({
        "P": st.integers(1, 8),
        "log10_beta": log10_scales(),
        "log10_cond": st.floats(0.0, 6.0),  # β/μ = 10^log10_cond
        "log10_p": log10_scales(),
        "eta_frac": st.floats(1e-3, 0.999),
        "align": st.floats(0.0, 1.0),  # pull p₀ towards the μ-eigenvector (the slowest direction)
        "seed": SEEDS,
    })


def _rate_sides(A, p0, eta, mu, beta):
    """((f(p₁) − f*)/(f(p₀) − f*), 1 − 2μη(1 − βη/2)): the rate statement divided by f(p₀) − f* > 0."""
    zero = 0 * p0
    g = _grad(A, zero, p0)
    p1 = p0 - eta[..., None] * g
    f0 = _f(A, zero, p0)  # f* = 0 at p* = 0; f0 = 0 only at p₀ = p* (marked invalid by the caller)
    return _f(A, zero, p1) / np.where(f0 > 0, f0, 1), 1 - 2 * mu * eta * (1 - beta * eta / 2)


def _rate(case, n):
    rng = rng_for(case)
    P = case["P"]
    beta0 = 10.0 ** case["log10_beta"]
    Q = np.linalg.qr(rng.standard_normal((n, P, P)))[0]
    lam = 10.0 ** (-case["log10_cond"] * rng.uniform(size=(n, P)))
    lam[:, 0], lam[:, -1] = 1.0, 10.0 ** -case["log10_cond"]
    if P == 1:
        lam[:, 0] = 1.0
    A = (Q * (beta0 * lam)[:, None, :]) @ np.swapaxes(Q, -1, -2)
    A = (A + np.swapaxes(A, -1, -2)) / 2
    w, V = np.linalg.eigh(A)
    mu, beta = w[:, 0], w[:, -1]
    rand = rng.standard_normal((n, P))
    rand /= np.linalg.norm(rand, axis=-1, keepdims=True)
    p0 = 10.0 ** case["log10_p"] * ((1 - case["align"]) * rand + case["align"] * V[..., 0])
    eta = case["eta_frac"] * 2 / beta
    lhs, rhs = _rate_sides(A, p0, eta, mu, beta)
    # p₀ = p* happens when the random and the aligned parts cancel (P = 1, align = ½): nothing to contract
    valid = (mu > 0) & (_f(A, 0 * p0, p0) > 0)
    return Batch(lhs, rhs, valid, {"A": A, "p0": p0, "eta": eta, "mu": mu, "beta": beta, "rate": rhs})


def _rate_mp(v):
    from numerics.checks._instances import lambda_max_mp, lambda_min_mp

    A, p0, eta = to_mp(v["A"]), to_mp(v["p0"]), to_mp(v["eta"])
    return _rate_sides(A, p0, eta, lambda_min_mp(A), lambda_max_mp(A))


# ----------------------------------------------------------------------- a network: the first layer
def linear_net(d: int, K: int) -> Network:
    return Network([Dense(d, K, bias=False)], description=f"first layer V X, V ∈ ℝ^{{{K}×{d}}}")


def linear_net_cases():
    return st.fixed_dictionaries({
        "N": st.integers(1, 4), "extra_d": st.integers(0, 2), "K": st.integers(1, 3),
        "log10_scale_X": log10_scales(-3.0, 3.0), "log10_cond": st.floats(0.0, 3.0),
        "log10_scale_V": log10_scales(-3.0, 3.0), "eta_frac": st.floats(1e-3, 0.999),
        "align": st.floats(0.0, 1.0), "seed": SEEDS,
    })


def _linear_net_sides(net, V, X, Y, eta, mu, beta):
    """(ℓ(V₁)/ℓ(V₀), 1 − 2μη(1 − βη/2)) after one GD step V₁ = V₀ − η∇ℓ(V₀); ℓ* = 0."""
    loss0, g = net.loss_and_grad(V, X, Y, "square")
    loss1 = net.loss(V - eta[..., None] * g, X, Y, "square")
    return loss1 / loss0, 1 - 2 * mu * eta * (1 - beta * eta / 2)


def _linear_net(case, n):
    rng = rng_for(case)
    N, K = case["N"], case["K"]
    d = N + case["extra_d"]
    X = conditioned_columns(rng, n, d, N, 10.0 ** case["log10_scale_X"], case["log10_cond"])
    _, s, Wt = np.linalg.svd(X, full_matrices=False)
    net = linear_net(d, K)
    V = 10.0 ** case["log10_scale_V"] * rng.standard_normal((n, net.num_params))
    Z = net.forward(V, X)
    # residual R = VX − Y of the size of VX, rows mixed towards the σ_N right singular vector of X
    R = (1 - case["align"]) * rng.standard_normal((n, K, N)) + case["align"] * (
        rng.standard_normal((n, K, 1)) * Wt[:, None, N - 1, :])
    R *= (np.linalg.norm(Z, axis=(-2, -1)) / np.linalg.norm(R, axis=(-2, -1)))[:, None, None]
    Y = Z - R
    beta, mu = s[:, 0] ** 2 / N, s[:, N - 1] ** 2 / N
    eta = case["eta_frac"] * 2 / beta
    lhs, rhs = _linear_net_sides(net, V, X, Y, eta, mu, beta)
    return Batch(lhs, rhs, None, {"X": X, "V": V, "Y": Y, "eta": eta, "mu": mu, "beta": beta})


def _linear_net_mp(v):
    X, V, Y = to_mp(v["X"]), to_mp(v["V"]), to_mp(v["Y"])
    d, N = X.shape
    s = singular_values_mp(X)
    net = linear_net(d, Y.shape[0])
    return _linear_net_sides(net, V, X, Y, to_mp(v["eta"]), s[N - 1] ** 2 / N, s[0] ** 2 / N)


# ------------------------------------------------------------------------------------- control
def large_step_cases():
    return st.fixed_dictionaries({
        "P": st.integers(1, 8),
        "spectrum": st.sampled_from(SPECTRA),
        "log10_beta": log10_scales(),
        "log10_grad": log10_scales(),
        "eta_frac": st.floats(1.001, 1.999),  # η = eta_frac · 2/β ∈ (2/β, 4/β)
        "align": st.floats(0.0, 1.0),
        "seed": SEEDS,
    })


def _large_step_sides(A, b, p, eta):
    g = _grad(A, b, p)
    return _f(A, b, p - eta[..., None] * g), _f(A, b, p)


def _large_step(case, n):
    A, b, p, beta, _ = _draw(case, n)
    eta = case["eta_frac"] * 2 / beta
    lhs, rhs = _large_step_sides(A, b, p, eta)
    return Batch(lhs, rhs, None, {"A": A, "b": b, "p": p, "eta": eta, "beta": beta})


def _large_step_mp(v):
    return _large_step_sides(to_mp(v["A"]), to_mp(v["b"]), to_mp(v["p"]), to_mp(v["eta"]))


# ------------------------------------------------------------------- the descent lemma on the R7 net
def _r7_descent(case, n):
    from numerics.checks import ce_convergence as r7  # the R7 instance family of the R7 checks
    from numerics.training import highprec as hp

    inst = r7.instance(case)
    p = inst.init(n)
    loss, g = inst.net.loss_and_grad(p, inst.X, inst.y, "ce")
    beta, eta = float(inst.consts["beta"]), inst.lr
    p_next = p - eta * g
    lhs = eta * (1 - beta * eta / 2) * np.sum(g * g, axis=-1)
    rhs = loss - inst.net.loss(p_next, inst.X, inst.y, "ce")
    return Batch(lhs, rhs, None, {"p": p, "p_next": p_next, "eta": np.full(n, eta), "beta": np.full(n, beta),
                                  **hp.arch_variables(inst, n)})


def _r7_descent_mp(v):
    """The float64 points p, p − η∇ℓ taken as exact; ℓ and ‖∇ℓ‖² at 50 digits."""
    import mpmath

    from numerics.training import highprec as hp

    net, X, y = hp.rebuild(v)
    eta, beta = mpmath.mpf(float(v["eta"])), mpmath.mpf(float(v["beta"]))
    loss_t, g2 = hp.loss_grad_sq(net, v["p"], X, y)
    return eta * (1 - beta * eta / 2) * g2, loss_t - hp.loss(net, v["p_next"], X, y)


def _r7_cases():
    from numerics.checks import ce_convergence as r7

    return r7.cases()


R7_RTOL, R7_ATOL = 1e-9, 1e-14  # as the per-step descent check along R7 runs: ℓ_t − ℓ_{t+1} of O(1) losses
_QUAD_HYP = ("f(p) = ½pᵀAp + bᵀp, A symmetric (P ≤ 8), β = ‖A‖₂ ∈ [1e−6, 1e6] (∇f is β-Lipschitz)",
             "‖∇f(p)‖ ∈ [1e−6, 1e6]")

CHECKS = [
    NumericCheck(
        id=f"{RESULT}/descent-lemma", worst_case=tight("gradient along the +β eigenvector of a quadratic"),
        result_id=RESULT, title="descent lemma on quadratics",
        statement="η(1 − βη/2)‖∇f(p)‖² ≤ f(p) − f(p − η∇f(p))", relation="le",
        cases=quadratic_cases, evaluate=_descent, evaluate_mp=_descent_mp,
        hypotheses=_QUAD_HYP + ("0 < η < 2/β (η = eta_frac·2/β, eta_frac ∈ [1e−3, 0.999])",
                                "A positive semidefinite or indefinite"),
        rtol=RTOL, atol=ATOL,
        description="Random symmetric A with ‖A‖₂ = β (top |eigenvalue| ±β), gradient g mixed towards "
                    "the top eigenvector by `align`, b chosen so that ∇f(p) = g at p with ‖p‖ ≈ ‖g‖/β. "
                    "The decrease equals η‖g‖² − (η²/2)gᵀAg, so the ratio is "
                    "(1 − βη/2)/(1 − ηgᵀAg/(2‖g‖²)) ≤ 1, equal to 1 when Ag = βg: steering drives "
                    "`align` → 1 and the worst ratio → 1.",
    ),
    NumericCheck(
        id=f"{RESULT}/descent-lemma-r7", worst_case=tight("η/(2/β) → 1e−3: both sides ≈ η‖∇ℓ‖²"),
        result_id=RESULT, title="descent lemma on the R7 network with its global β",
        statement="η(1 − βη/2)‖∇ℓ(p)‖² ≤ ℓ(p) − ℓ(p − η∇ℓ(p)),  β from theorems.ce_convergence", relation="le",
        cases=_r7_cases, evaluate=_r7_descent, evaluate_mp=_r7_descent_mp,
        hypotheses=("ℓ: mean cross-entropy of the R7 network (1–2 blocks, σ ∈ tanh, sigmoid, softplus, gelu)",
                    "p on the shell S_r: every WN row of norm r ∈ [1e−2, 1e2]; c ∈ [1e−4, 0.99], ε ∈ [1e−3, 1e2]",
                    "0 < η < 2/β (η = eta_frac·2/β, eta_frac ∈ [1e−3, 0.95])"),
        rtol=R7_RTOL, atol=R7_ATOL,
        description="One GD step from random shell points of random R7 instances; ℓ and ∇ℓ from "
                    "net.loss_and_grad, β from theorems.ce_convergence (the composed curvature bound).",
    ),
    NumericCheck(
        id=f"{RESULT}/linear-rate", worst_case=tight("p₀ − p* along the μ-eigenvector"),
        result_id=RESULT, title="linear rate under PL on positive-definite quadratics",
        statement="f(p₁) − f* ≤ (1 − 2μη(1 − βη/2))·(f(p₀) − f*),  p₁ = p₀ − η∇f(p₀)   (÷ (f(p₀) − f*))",
        relation="le",
        cases=rate_cases, evaluate=_rate, evaluate_mp=_rate_mp,
        hypotheses=("f(p) = ½pᵀAp, A ≻ 0 (P ≤ 8), μ = λ_min(A), β = λ_max(A) ∈ [1e−6, 1e6], β/μ ≤ 1e6",
                    "PL: ‖∇f‖² ≥ 2μ(f − f*) holds for such f", "0 < η < 2/β (eta_frac ∈ [1e−3, 0.999])"),
        rtol=RTOL, atol=RATE_ATOL,
        description="One GD step from p₀ (mixed towards the μ-eigenvector by `align`). Along the "
                    "μ-eigenvector the ratio is (1 − ημ)²/(1 − 2ημ + μβη²) ≤ 1, = 1 iff μ = β: steering "
                    "drives log10_cond → 0.",
    ),
    NumericCheck(
        id=f"{RESULT}/linear-net-rate", worst_case=tight("the residual along X's σ_N singular direction"),
        result_id=RESULT, title="linear rate of GD on the first layer VX (square cost)",
        statement="ℓ(V₁) ≤ (1 − 2μη(1 − βη/2))·ℓ(V₀),  μ = σ_N(X)²/N, β = σ₁(X)²/N   (÷ ℓ(V₀))",
        relation="le", cases=linear_net_cases, evaluate=_linear_net, evaluate_mp=_linear_net_mp,
        hypotheses=("F(V) = VX (Network([Dense(d, K, bias=False)])), ℓ = ‖VX − Y‖²/(2N), ℓ* = 0",
                    "X ∈ ℝ^{d×N}: N ≤ d ≤ 6, rank N, σ₁ ∈ [1e−3, 1e3], σ₁/σ_N ≤ 1e3; V ×10^[−3, 3]",
                    "0 < η < 2/β (eta_frac ∈ [1e−3, 0.999])"),
        rtol=RTOL, atol=RATE_ATOL,
        description="One GD step with net.loss_and_grad. The residual shrinks as R(I − ηXᵀX/N); along the "
                    "σ_N direction ℓ₁/ℓ₀ = (1 − ημ)² ≤ 1 − 2μη + μβη², equality iff σ₁ = σ_N.",
    ),
    NumericCheck(
        id=f"{RESULT}/large-step-control", result_id=RESULT, title="control: with η > 2/β a GD step can increase f",
        statement="f(p − η∇f(p)) ≤ f(p)", relation="le",
        cases=large_step_cases, evaluate=_large_step, evaluate_mp=_large_step_mp,
        hypotheses=_QUAD_HYP + ("η ∈ (2/β, 4/β) (η < 2/β DROPPED)",),
        rtol=RTOL, atol=ATOL, expect="refuted", control_of=f"{RESULT}/descent-lemma",
        description="With the gradient along the +β eigenvector, f(p − ηg) − f(p) = η‖g‖²(βη/2 − 1) > 0: "
                    "the step overshoots the minimum along that direction.",
    ),
]
