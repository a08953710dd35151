"""Numeric checks of R7 `ce-global-convergence` (reconstructed): short certified GD runs, checked per step.

A case is a small random R7 instance meeting the hypotheses (N ≤ d Gaussian unit-norm inputs,
c_k < 1, η = eta_frac·2/β with β from theorems.ce_convergence); ``evaluate(case, n)`` runs
n // STEPS independent trajectories of STEPS plain GD steps in one vectorised pass, and every
(trajectory, step) pair is one instance of each inequality (numerics.training.inequalities):

  ce-global-convergence/wn-monotone   ‖w_{t,j}‖² ≤ ‖w_{t+1,j}‖²              (1, R6)
  ce-global-convergence/descent       η(1 − βη/2)‖∇ℓ_t‖² ≤ ℓ_t − ℓ_{t+1}      (2, R0)
  ce-global-convergence/kernel        μ₀ ≤ λ_min(K(p_t))                        (3, R3–R5)
  ce-global-convergence/gradient      μ₀(1 − e^{−Nℓ_t})²/N³ ≤ ‖∇ℓ_t‖²         (3, R1, R2)
  ce-global-convergence/rate          1/b_t − 1/ℓ₀ ≤ 1/ℓ_t − 1/ℓ₀  (ℓ_t ≤ b_t, t ≥ 1)   (4)

Negative controls (expect="refuted"), each a hypothesis dropped and the conclusion λ_min(K) ≥ μ₀ refuted:

* no-skip:  the chain net (no identity shortcuts), μ₀ = σ_N(X)²Π(1 − c_k)² as if it had them;
  BN's mean direction makes D_H g singular, and every path carries a factor α, so λ_min(K) ≪ μ₀.
* c-ge-1:   one block with c ∈ [1.2, 3]: Ŵ₁ = 1_m uᵀ, Ŵ₂ = −1_K 1_mᵀ/√m (u = 1_K/√K) make the block
  act on H = u⊗h as h ↦ h − c√ε σ(√K BN(h/√K)·…); along H = s·u⊗h₀ (h₀ = ±1, centred) its slope is
  f(s) = 1 − c√ε σ′(b_s)√K·Kε/(s² + Kε)^{3/2}, with f(0) = 1 − c < 0 < f(∞) = 1, so D_H R is singular at
  the root s* and λ_min(K) ≈ 0 (WN rows of norm r = 1e3 make the W-part ~1e-6), while the formula
  gives μ₀ = σ_N(X)²(c − 1)² > 0. (With c < 1 the slope is ≥ 1 − c > 0: the hypothesis is exactly what
  prevents this.)
* n-gt-d:   N > d + 2m (so P = Kd + 2mK < KN): K(p) has rank ≤ P < KN, λ_min(K) = 0, while the
  first-layer bound with σ_min(X) = σ_d(X) (THEORY §1 convention for d < N) claims σ_d(X)²Π(1 − c_k)².
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np
from hypothesis import strategies as st

from numerics import trainer
from numerics.attack.check import Batch, NumericCheck, loose, tight
from numerics.checks._instances import ACTIVATIONS
from numerics.training import highprec as hp
from numerics.training import inequalities as ineq
from numerics.training.r7 import R7Instance, R7Monitor, alpha_for, make_data

RESULT = "ce-global-convergence"
STEPS = 200  # GD steps per trajectory at the certified step size (every step is one instance per run)
EXAMPLES_SCALE = 0.25  # a case is a 200-step run (~0.3–1 s): a quarter of the profile's examples, shared
# by the five checks through the trajectory cache (same seed → same first cases)
CONTROL_R = 1e3  # WN row norm in the c ≥ 1 control: suppresses the W-part of K by 1/r²

HYPOTHESES = (
    "X ∈ ℝ^{d×N}: N ≤ d linearly independent (Gaussian, unit-norm) columns",
    "c_k = α_k√(mK) sup|σ′|/√ε < 1 (σ ∈ tanh, sigmoid, softplus, gelu)",
    "0 < η < 2/β, β from theorems.ce_convergence on the shell S_r",
    "plain full-batch GD from WN rows of norm r",
)


def _log_uniform(lo: float, hi: float):
    return st.floats(np.log10(lo), np.log10(hi), allow_nan=False).map(lambda u: float(10.0 ** u))


def cases():
    """c ∈ [1e−4, 0.99], ε ∈ [1e−3, 1e2], r ∈ [1e−2, 1e2], η/(2/β) ∈ [1e−3, 0.95], all log-uniform; every
    smooth activation. μ₀ is approached as c → 0 and r → ∞; the descent bound as η → 0."""
    return st.fixed_dictionaries({
        "seed": st.integers(0, 2**16),
        "N": st.integers(2, 4), "extra_d": st.integers(0, 2), "K": st.integers(2, 3),
        "m": st.integers(2, 3), "blocks": st.integers(1, 2), "activation": st.sampled_from(ACTIVATIONS),
        "c": _log_uniform(1e-4, 0.99), "eps": _log_uniform(1e-3, 1e2),
        "r": _log_uniform(1e-2, 1e2), "eta_frac": _log_uniform(1e-3, 0.95),
    })


def instance(case) -> R7Instance:
    K, m, eps, act = case["K"], case["m"], case["eps"], case.get("activation", "tanh")
    alpha = alpha_for(case["c"], K, m, eps, act)
    return R7Instance(seed=case["seed"], d=case["N"] + case["extra_d"], N=case["N"], K=K, m=m,
                      blocks=case["blocks"], alphas=[alpha] * case["blocks"], eps=eps, r=case["r"],
                      activation=act, eta_fraction=case["eta_frac"])


@functools.lru_cache(maxsize=64)
def _trajectories(key: tuple, n: int):
    inst = instance(dict(key))
    runs = max(1, n // STEPS)
    mon, ps = R7Monitor(inst), []
    for rec in trainer.iterate(inst.net, inst.init(runs), inst.X, inst.y, lr=inst.lr, steps=STEPS,
                               kernel_every=1):
        mon.observe(rec)
        ps.append(rec["p"])
    return inst, mon, runs, np.stack(ps)  # ps: (STEPS + 1, runs, P)


def _evaluator(name: str):
    def evaluate(case, n: int) -> Batch:
        inst, mon, runs, ps = _trajectories(tuple(sorted(case.items())), n)
        steps, lhs, rhs = mon.arrays(name)  # (T,), (T, runs)
        steps, lhs, rhs = steps[:STEPS], lhs[:STEPS], rhs[:STEPS]
        T, n_out = len(steps), runs * len(steps)

        def at(idx):  # (runs·T, P), trajectory-major like lhs.T
            return np.swapaxes(ps[idx], 0, 1).reshape(n_out, -1)

        k = inst.consts
        return Batch(lhs=lhs.T.reshape(-1), rhs=rhs.T.reshape(-1), variables={
            "trajectory": np.repeat(np.arange(runs), T), "t": np.tile(steps, runs),
            "eta": np.full(n_out, inst.lr), "beta": np.full(n_out, float(k["beta"])),
            "mu0": np.full(n_out, float(k["mu0"])), "kappa": np.full(n_out, float(k["kappa"])),
            "p": at(steps), "p_next": at(np.minimum(steps + 1, STEPS)), "p0": at(np.zeros_like(steps)),
            **hp.arch_variables(inst, n_out),
        })

    return evaluate


def evaluate_mp(name: str, v):
    """One (trajectory, step) instance at working precision: the float64 iterates p_t, p_{t+1}, p_0 exactly,
    constants (η, β, μ₀, κ) as computed; only the network quantities are recomputed."""
    net, X, y = hp.rebuild(v)
    mpf = mpmath.mpf
    eta, beta, mu0, N = mpf(float(v["eta"])), mpf(float(v["beta"])), mpf(float(v["mu0"])), int(v["N"])
    if name == "wn-monotone":
        a, b = hp.row_norms_sq(net, v["p"]), hp.row_norms_sq(net, v["p_next"])
        j = max(range(len(a)), key=lambda i: a[i] / b[i])
        return a[j], b[j]
    if name == "kernel":
        return mu0, hp.lambda_min(net, v["p"], X)
    loss_t, g2 = hp.loss_grad_sq(net, v["p"], X, y)
    if name == "descent":
        return eta * (1 - beta * eta / 2) * g2, loss_t - hp.loss(net, v["p_next"], X, y)
    if name == "gradient":
        return mu0 * (1 - mpmath.exp(-N * loss_t)) ** 2 / N**3, g2
    loss0 = hp.loss(net, v["p0"], X, y)
    gam = (1 - mpmath.exp(-N * loss0)) / loss0
    return mpf(float(v["kappa"])) * gam**2 * int(v["t"]), 1 / loss_t - 1 / loss0


RUNS = ("Certified GD runs (200 steps each, max(1, n/200) trajectories evaluated together) on random R7 instances "
        "that meet the hypotheses (N ≤ d independent inputs, every c_k < 1, 0 < η < 2/β with β from "
        "theorems.ce_convergence); one instance = one (trajectory, step). ")


def _check(name: str, title: str, description: str, worst_case) -> NumericCheck:
    statement, rtol, atol, _ = ineq.INEQUALITIES[name]
    description = RUNS + description
    return NumericCheck(id=f"{RESULT}/{name}", result_id=RESULT, title=title, statement=statement,
                        relation="le", cases=cases, evaluate=_evaluator(name), hypotheses=HYPOTHESES,
                        evaluate_mp=functools.partial(evaluate_mp, name), rtol=rtol, atol=atol,
                        description=description, worst_case=worst_case, examples_scale=EXAMPLES_SCALE)


# --------------------------------------------------------------------------------------- controls
def _sigma(X, k):
    return float(np.linalg.svd(X, compute_uv=False)[k - 1])


def no_skip_cases():
    return st.fixed_dictionaries({
        "seed": st.integers(0, 2**16), "N": st.integers(2, 4), "extra_d": st.integers(0, 2),
        "K": st.integers(2, 3), "m": st.integers(2, 3), "blocks": st.integers(1, 2),
        "c": st.floats(0.05, 0.9), "eps": st.sampled_from([1.0, 4.0]), "r": st.sampled_from([1.0, 4.0]),
    })


def evaluate_no_skip(case, n: int) -> Batch:
    """μ₀ (residual formula) ≤ λ_min(K_chain(p)) at n random p of the chain net."""
    case = dict(case, eta_frac=0.5)
    res = instance(case)  # the residual twin: its μ₀ is the claim
    chain = R7Instance(**{**{k: getattr(res, k) for k in ("seed", "d", "N", "K", "m", "blocks", "alphas", "eps",
                                                        "r", "activation")}, "skip": False, "lr": res.lr})
    p = chain.init(n)
    lam = trainer.lambda_min_kernel(chain.net, p, chain.X)
    return _control_batch(chain, p, float(res.consts["mu0"]), lam)


def _control_batch(inst, p, claim: float, lam) -> Batch:
    n = len(lam)
    return Batch(lhs=np.full(n, claim), rhs=lam, variables={"lambda_min": lam, "claim": np.full(n, claim),
                                                            "p": p, **hp.arch_variables(inst, n)})


def control_mp(v):
    """The claimed bound as computed, against λ_min(K(p)) at working precision."""
    net, X, _ = hp.rebuild(v)
    return mpmath.mpf(float(v["claim"])), hp.lambda_min(net, v["p"], X)


def c_ge_1_cases():
    return st.fixed_dictionaries({
        "seed": st.integers(0, 2**16), "N": st.sampled_from([2, 4]), "extra_d": st.integers(0, 2),
        "K": st.integers(2, 3), "m": st.integers(2, 3), "c": st.floats(1.2, 3.0),
        "eps": st.sampled_from([1.0, 4.0]),
    })


def _slope(s, c, K, eps):
    b = np.sqrt(K) * s / np.sqrt(s * s + K * eps)
    return 1 - c * np.sqrt(eps) * (1 - np.tanh(b) ** 2) * np.sqrt(K) * K * eps / (s * s + K * eps) ** 1.5


def singular_scale(c, K, eps) -> float:
    """The root s* > 0 of the slope f(s) (bisection; f(0) = 1 − c < 0, f → 1)."""
    lo, hi = 0.0, 1.0
    while _slope(hi, c, K, eps) <= 0:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _slope(mid, c, K, eps) <= 0 else (lo, mid)
    return (lo + hi) / 2


def evaluate_c_ge_1(case, n: int) -> Batch:
    """σ_N(X)²(1 − c)² ≤ λ_min(K(p)) at p near the singular point s* (n scales s*(1 + δ), |δ| ≤ 1e-3)."""
    N, K, m, eps, c = case["N"], case["K"], case["m"], case["eps"], case["c"]
    d = N + case["extra_d"]
    alpha = alpha_for(c, K, m, eps, "tanh")
    inst = R7Instance(seed=case["seed"], d=d, N=N, K=K, m=m, blocks=1, alphas=[alpha], eps=eps, r=CONTROL_R,
                      activation="tanh", eta_fraction=0.5)
    rng = np.random.default_rng(case["seed"])
    h0 = rng.permutation(np.repeat([1.0, -1.0], N // 2))
    u = np.full(K, 1 / np.sqrt(K))
    s = singular_scale(c, K, eps) * (1 + np.linspace(-1e-3, 1e-3, n))
    V = s[:, None, None] * (u[:, None] * (h0 @ np.linalg.pinv(inst.X)))[None]  # (n, K, d): V X = s u⊗h₀
    W1 = CONTROL_R * np.tile(u, (m, 1))
    W2 = -CONTROL_R * np.full((K, m), 1 / np.sqrt(m))
    p = inst.net.flatten([{"W": V}, {"branch.1.W": np.broadcast_to(W1, (n, m, K)),
                                     "branch.3.W": np.broadcast_to(W2, (n, K, m))}])
    p = np.ascontiguousarray(p)
    lam = trainer.lambda_min_kernel(inst.net, p, inst.X)
    mu0_claim = inst.sigma_N**2 * (1 - float(inst.consts["c"][0])) ** 2  # theorems gives 0 for c ≥ 1
    batch = _control_batch(inst, p, mu0_claim, lam)
    batch.variables.update(s=s, c=np.full(n, float(inst.consts["c"][0])))
    return batch


def n_gt_d_cases():
    return st.fixed_dictionaries({
        "seed": st.integers(0, 2**16), "d": st.integers(1, 2), "extra_N": st.integers(1, 2),
        "K": st.integers(2, 3), "m": st.integers(1, 2), "c": st.floats(0.05, 0.9),
        "eps": st.sampled_from([1.0, 4.0]), "r": st.sampled_from([1.0, 4.0]),
    })


def evaluate_n_gt_d(case, n: int) -> Batch:
    """σ_d(X)²Π(1 − c_k)² ≤ λ_min(K(p)) with N = d + 2m + extra_N > d, at n random p."""
    d, K, m, eps = case["d"], case["K"], case["m"], case["eps"]
    N = d + 2 * m + case["extra_N"]
    alpha = alpha_for(case["c"], K, m, eps, "tanh")
    X, y = make_data(case["seed"], d, N, K)
    inst = R7Instance(seed=case["seed"], d=d, N=N, K=K, m=m, blocks=1, alphas=[alpha], eps=eps, r=case["r"],
                      activation="tanh", eta_fraction=0.5, X=X, y=y)
    p = inst.init(n)
    lam = trainer.lambda_min_kernel(inst.net, p, X)
    claim = _sigma(X, d) ** 2 * float(np.prod([(1 - float(c)) ** 2 for c in inst.consts["c"]]))
    return _control_batch(inst, p, claim, lam)


def _control(name, title, statement, cases_, evaluate, hypotheses, description):
    return NumericCheck(id=f"{RESULT}/{name}", result_id=RESULT, title=title, statement=statement, relation="le",
                        cases=cases_, evaluate=evaluate, hypotheses=hypotheses, rtol=1e-9, atol=0.0,
                        evaluate_mp=control_mp,
                        expect="refuted", control_of=f"{RESULT}/kernel", description=description)


CHECKS = [
    _check("wn-monotone", "WN row norms never decrease along GD (R7.1, R6)",
           "worst row per step; growth is η²‖∇_wℓ‖², so ratios sit just below 1",
           tight("late steps, where ∇_wℓ → 0 and a row grows by η²‖∇_wℓ‖² ≪ ‖w‖²")),
    _check("descent", "descent inequality with the composed β (R7.2, R0)",
           "guaranteed decrease over measured decrease; → 1 as η → 0 (first order: both sides ≈ η‖∇ℓ‖²)",
           tight("η/(2/β) → 1e−3: the second-order terms vanish")),
    _check("kernel", "λ_min(K(p_t)) ≥ μ₀ = σ_N(X)²Π(1 − c_k)² along GD (R7.3)",
           "exact eigvalsh of the K·N × K·N tangent kernel at every step",
           tight("c → 1e−4 and r → 1e2: D_H F → I and the Ŵ-part of K (∝ α²/r²) vanishes, "
                 "so λ_min(K) → σ_N(X)² = μ₀")),
    _check("gradient", "‖∇ℓ_t‖² ≥ μ₀(1 − e^{−Nℓ_t})²/N³ along GD (R7.3, R1, R2)",
           "the PL-type lower bound from μ₀ and the cross-entropy bound of R2 against the measured ‖∇ℓ_t‖²",
           loose(0.5, "the product of two bounds that are tight in different places: λ_min(K) ≥ μ₀ needs "
                       "∇C along K's bottom eigenvector, and the R2 bound (ratio ≤ (K−1)/K ≤ 2/3 for K ≤ 3) "
                       "needs tied rivals; GD's ∇C is aligned with neither")),
    _check("rate", "ℓ_t ≤ 1/(1/ℓ₀ + κγ²t) (R7.4)", "predicted gain in 1/ℓ over the measured gain",
           loose(0.2, "the telescoped rate uses the worst-case κ (μ₀, β and the smallest admissible γ) at every "
                       "step; a real run gains more in 1/ℓ than that")),
    _control("no-skip", "control: without skip connections λ_min(K) ≥ μ₀ fails",
             "μ₀ ≤ λ_min(K_chain(p))", no_skip_cases, evaluate_no_skip,
             HYPOTHESES[:1] + ("chain net: R_k replaced by g_k (identity shortcut DROPPED)",),
             "BN's mean direction makes D_H g singular; every path carries α"),
    _control("c-ge-1", "control: with c ≥ 1 the μ₀ formula fails",
             "σ_N(X)²(1 − c)² ≤ λ_min(K(p))", c_ge_1_cases, evaluate_c_ge_1,
             (HYPOTHESES[0], "c ∈ [1.2, 3] (c < 1 DROPPED)", "one block, WN rows of norm 1e3"),
             "p on the line H = s·u⊗h₀ at the root of the block's slope"),
    _control("n-gt-d", "control: with N > d the first-layer bound fails",
             "σ_min(X)²Π(1 − c_k)² ≤ λ_min(K(p))", n_gt_d_cases, evaluate_n_gt_d,
             ("N > d + 2m (N ≤ d DROPPED)", HYPOTHESES[1]),
             "P = Kd + 2mK < KN, so K(p) is singular for every p"),
]
