"""Numeric checks of R1 `kernel-pl` (paper: Theorem 2.4, gist): the tangent kernel controls the gradient.

docs/theory.md#r1. ∇ℓ(p) = D_pFᵀ ∇C(F(p)), so with K = D_pF D_pFᵀ:

* kernel-pl/identity      ‖∇ℓ‖² = ⟨K ∇C, ∇C⟩                         (identity, both costs)
* kernel-pl/lambda-min    λ_min(K) ‖∇C‖² ≤ ‖∇ℓ‖²                      (both costs)
* kernel-pl/square-pl     (2 λ_min(K)/N) ℓ ≤ ‖∇ℓ‖²                     (square cost: ‖∇C‖² = 2ℓ/N)

Networks: the R7 net residual_ce_net(d, K, m, blocks, α, ε, σ) and plain chains Dense → σ → … → Dense
(numerics.checks._instances.dense_net), every parameter multiplied by 10^[−3, 3], inputs by 10^[−2, 2];
d, N ≤ 4, K ≤ 3 (K·N ≤ 12). ∇ℓ comes from net.grad (one backward pass of ∇C) and ∇C from
numerics.costs. In the identity, D_pF is built column by column in FORWARD mode — column k is the
complex step Im F(p + i t e_k)/t of the forward pass alone (50 digits: a central difference at doubled
precision) — so reverse-mode ∇ℓ, forward-mode D_pF and the cost's ∇C are three independent code paths;
the inequalities take K's spectrum from net.param_jacobian (reverse mode).
Steering (square cost): the target is Y = Z − N·v with v = (1 − a)·random + a·u_min(K), so ∇C = v is
pulled towards K's bottom eigenvector, where λ_min(K)‖∇C‖² = ‖∇ℓ‖² (ratio → 1).

Normalisation (why atol is meaningful across scales 1e−3 … 1e3): each check divides both sides by the
same positive number — ‖D_pF‖_F²‖∇C‖² for the identity, λ_max(K)‖∇C‖² for the inequalities — so the
sides are O(1) and their round-off is O(eps·P) in absolute terms. This does not change lhs/rhs.
∇C and ∇ℓ are first divided by max|∇C| (both sides are quadratic in ∇C), so ∇C ≈ 1e-160 from a
saturated softmax does not square into the subnormal range. Instances with max|∇C| < MIN_GRAD_C
= 1e-290 (∇C has underflowed: its entries carry no digits, or are 0 and the statement is 0 = 0) are
marked invalid.

λ_min(K), λ_max(K) are σ_min(D_pF)², σ_max(D_pF)² (SVD of the Jacobian: K = D_pF D_pFᵀ).
Tolerances: RTOL = 1e-9 (relative round-off of ≤ 48-parameter Jacobians through ≤ 5 layers);
ATOL = 1e-12 (absolute round-off of the normalised sides: the kernel's quadratic form and the
backward pass ≲ 100·eps·‖D_pF‖²‖∇C‖²).
"""

from __future__ import annotations

import json

import mpmath
import numpy as np
from hypothesis import strategies as st

from numerics import costs
from numerics.architectures import residual_ce_net
from numerics.attack.check import Batch, NumericCheck, identity, known, loose, tight
from numerics.checks._instances import (
    ACTIVATIONS,
    SEEDS,
    dense_net,
    log10_scales,
    rng_for,
    sigma_min,
    sigma_min_mp,
    spectral_norm_mp,
)
from numerics.ops import to_mp

RESULT = "kernel-pl"
RTOL = 1e-9
ATOL = 1e-12
FAMILIES = ("residual", "dense")
# max|∇C| below this: ∇C's entries are subnormal or nearly so and carry few digits (saturated
# cross-entropy gives e^{−|z|} with |z| up to ~1e3); such instances are marked invalid.
MIN_GRAD_C = 1e-290


def net_cases(costs_=("ce", "square")):
    return st.fixed_dictionaries({
        "family": st.sampled_from(FAMILIES), "cost": st.sampled_from(costs_),
        "d": st.integers(1, 4), "N": st.integers(1, 4), "K": st.integers(2, 3), "width": st.integers(1, 3),
        "depth": st.integers(1, 2), "activation": st.sampled_from(ACTIVATIONS),
        "log10_alpha": st.floats(-3.0, 0.0), "log10_eps": st.floats(-2.0, 1.0),
        "log10_scale_p": log10_scales(-3.0, 3.0), "log10_scale_X": log10_scales(-2.0, 2.0),
        "align": st.floats(0.0, 1.0), "seed": SEEDS,
    })


def spec_of(case) -> dict:
    keys = ("family", "d", "K", "width", "depth", "activation", "log10_alpha", "log10_eps")
    return {k: case[k] for k in keys}


def build(spec: dict):
    if spec["family"] == "residual":
        return residual_ce_net(spec["d"], spec["K"], spec["width"], spec["depth"], 10.0 ** spec["log10_alpha"],
                               10.0 ** spec["log10_eps"], spec["activation"])
    return dense_net(spec["d"], (spec["width"] + 1,) * spec["depth"], spec["K"], spec["activation"])


def setup(case, n):
    """Network, parameters, data, target, Z, D_pF, K and its eigen-decomposition for n instances."""
    rng = rng_for(case)
    spec = spec_of(case)
    net = build(spec)
    N, K = case["N"], case["K"]
    p = 10.0 ** case["log10_scale_p"] * net.init(int(rng.integers(2**31)), n=n)
    X = 10.0 ** case["log10_scale_X"] * rng.standard_normal((spec["d"], N))
    J = net.param_jacobian(p, X)  # (n, K·N, P)
    Z = net.forward(p, X)
    # spectrum of K = J Jᵀ from the SVD of J: λ = σ², relatively accurate even for tiny λ_min; with
    # full U, its last column spans K's bottom eigenvector (in Jᵀ's null space when K·N > P)
    U, s, _ = np.linalg.svd(J, full_matrices=True)
    smin = sigma_min(J)
    w = np.stack([smin * smin, s[..., 0] ** 2], axis=-1)
    if case["cost"] == "ce":
        y = rng.integers(0, K, size=N)
    else:
        r = rng.standard_normal((n, K * N))
        r /= np.linalg.norm(r, axis=-1, keepdims=True)
        v = (1 - case["align"]) * r + case["align"] * U[..., -1]
        y = Z - N * v.reshape(n, K, N)
    variables = {"net_spec": np.full(n, json.dumps(spec)), "cost": np.full(n, case["cost"]), "p": p,
                 "X": np.broadcast_to(X, (n,) + X.shape),
                 "y": np.broadcast_to(y, (n,) + np.shape(y)[-1:]) if case["cost"] == "ce" else y}
    return net, p, X, y, Z, J, w, variables


def _flat_grad_C(Z, y, cost):
    G = costs.cost_grad(Z, y, cost)
    return G.reshape(G.shape[:-2] + (-1,))


def _rescaled(g, gC):
    """(∇ℓ/a, ∇C/a, a), a = max|∇C|: squares of ∇C ≈ 1e-160 (saturated cross-entropy) would fall into
    float64's subnormal range and lose their digits; both sides are homogeneous of degree 2 in ∇C."""
    a = np.max(np.abs(gC), axis=-1)
    safe = np.where(a > 0, a, 1.0 + 0 * a)
    return g / safe[..., None], gC / safe[..., None], a


CS_STEP = 1e-20  # forward complex step: truncation O(t²) ≈ 1e-40 relative, no cancellation


def forward_jacobian(net, p, X):
    """D_pF (..., K·N, P) column by column in forward mode: column k = Im F(p + i·t·e_k)/t (complex step).

    Uses net.forward only (no vjp), on P perturbed copies of p in one batched call. For object arrays of
    mpmath numbers (one instance, p (P,)): a central difference (F(p + t e_k) − F(p − t e_k))/(2t) at twice
    the working precision with t = 10^−dps, which leaves dps correct digits (real arithmetic only)."""
    P = net.num_params
    if np.asarray(p).dtype == object:
        dps = mpmath.mp.dps
        with mpmath.workdps(2 * dps):
            t = mpmath.mpf(10) ** (-dps)
            E = np.eye(P, dtype=int).astype(object) * t
            p2 = to_mp(np.asarray(p, dtype=object))
            cols = (net.forward(p2[None, :] + E, X) - net.forward(p2[None, :] - E, X)) / (2 * t)
            cols = cols.reshape(P, -1)
        return np.vectorize(lambda v: +v, otypes=[object])(cols.T)  # rounded back to dps digits
    p = np.asarray(p, dtype=float)
    lead = p.shape[:-1]
    E = np.eye(P).reshape((P,) + (1,) * len(lead) + (P,))
    Z = net.forward(p[None, ...] + 1j * CS_STEP * E, X)  # (P, ..., K, N)
    cols = (Z.imag / CS_STEP).reshape((P,) + lead + (-1,))
    return np.moveaxis(cols, 0, -1)


def _identity_sides(net, p, X, y, cost, Z, J):
    g, gC, a = _rescaled(net.grad(p, X, y, cost), _flat_grad_C(Z, y, cost))
    # ⟨K v, v⟩ = ‖D_pFᵀ v‖² (K = D_pF D_pFᵀ): the assembled form vᵀKv would carry round-off
    # eps·‖K‖‖v‖² even where ⟨Kv, v⟩ is tiny; ‖D_pFᵀv‖² is accurate relative to itself.
    JTv = np.einsum("...ij,...i->...j", J, gC)
    quad = np.sum(JTv * JTv, axis=-1)
    norm = np.sum(J * J, axis=(-2, -1)) * np.sum(gC * gC, axis=-1)
    return np.sum(g * g, axis=-1), quad, norm * (a > MIN_GRAD_C)


def _normalised(a, b, norm):
    ok = norm > 0
    safe = np.where(ok, norm, 1.0)
    return a / safe, b / safe, ok


def _identity(case, n):
    net, p, X, y, Z, _, _, var = setup(case, n)
    lhs, rhs, norm = _identity_sides(net, p, X, y, case["cost"], Z, forward_jacobian(net, p, X))
    lhs, rhs, ok = _normalised(lhs, rhs, norm)
    return Batch(lhs, rhs, ok, var)


def _mp_inputs(v):
    spec = json.loads(str(v["net_spec"]))
    net, cost = build(spec), str(v["cost"])
    y = np.asarray(v["y"])
    y = y.astype(int) if cost == "ce" else to_mp(y)
    p, X = to_mp(v["p"]), to_mp(v["X"])
    J = net.param_jacobian(p, X)
    return net, cost, p, X, y, net.forward(p, X), J


def _identity_mp(v):
    net, cost, p, X, y, Z, _ = _mp_inputs(v)
    lhs, rhs, norm = _identity_sides(net, p, X, y, cost, Z, forward_jacobian(net, p, X))
    return lhs / norm, rhs / norm


def _lambda_sides(net, p, X, y, cost, Z, lam_min, lam_max):
    g, gC, a = _rescaled(net.grad(p, X, y, cost), _flat_grad_C(Z, y, cost))
    gC2 = np.sum(gC * gC, axis=-1)
    return lam_min * gC2, np.sum(g * g, axis=-1), lam_max * gC2 * (a > MIN_GRAD_C)


def _lambda_min(case, n):
    net, p, X, y, Z, _, w, var = setup(case, n)
    lhs, rhs, norm = _lambda_sides(net, p, X, y, case["cost"], Z, w[..., 0], w[..., -1])
    lhs, rhs, ok = _normalised(lhs, rhs, norm)
    return Batch(lhs, rhs, ok, {**var, "lambda_min": w[..., 0], "lambda_max": w[..., -1]})


def _kernel_extremes_mp(J):
    return sigma_min_mp(J) ** 2, spectral_norm_mp(J) ** 2


def _lambda_min_mp(v):
    net, cost, p, X, y, Z, J = _mp_inputs(v)
    lo, hi = _kernel_extremes_mp(J)
    lhs, rhs, norm = _lambda_sides(net, p, X, y, cost, Z, lo, hi)
    return lhs / norm, rhs / norm


def _square_pl_sides(net, p, X, Y, lam_min, lam_max):
    N = X.shape[-1]
    loss, g = net.loss_and_grad(p, X, Y, "square")
    return 2 * lam_min * loss / N, np.sum(g * g, axis=-1), 2 * lam_max * loss / N


def _square_pl(case, n):
    net, p, X, Y, _, _, w, var = setup(case, n)
    lhs, rhs, norm = _square_pl_sides(net, p, X, Y, w[..., 0], w[..., -1])
    lhs, rhs, ok = _normalised(lhs, rhs, norm)
    return Batch(lhs, rhs, ok, {**var, "lambda_min": w[..., 0], "lambda_max": w[..., -1]})


def _square_pl_mp(v):
    net, _, p, X, Y, _, J = _mp_inputs(v)
    lo, hi = _kernel_extremes_mp(J)
    lhs, rhs, norm = _square_pl_sides(net, p, X, Y, lo, hi)
    return lhs / norm, rhs / norm


_HYP = ("F: residual_ce_net (R7 blocks, 1–2 blocks) or a Dense/σ chain (1–2 hidden layers), d, N ≤ 4, K ≤ 3",
        "parameters ×10^[−3, 3], inputs ×10^[−2, 2], σ ∈ {tanh, softplus, gelu, sigmoid}",
        "C: mean cross-entropy (labels y) or square cost (targets Y)")

CHECKS = [
    NumericCheck(
        id=f"{RESULT}/identity", worst_case=identity(),
        result_id=RESULT, title="‖∇ℓ‖² = ⟨K∇C, ∇C⟩ (∇ℓ = D_pFᵀ∇C)",
        statement="‖∇ℓ(p)‖² = ⟨K(p)∇C(F(p)), ∇C(F(p))⟩   (both sides ÷ ‖D_pF‖_F²‖∇C‖²)", relation="eq",
        cases=net_cases, evaluate=_identity, evaluate_mp=_identity_mp, hypotheses=_HYP, rtol=RTOL, atol=ATOL,
        description="net.grad (reverse mode: one backward pass of the cotangent ∇C) against ⟨K∇C, ∇C⟩ = "
                    "‖D_pFᵀ∇C‖² with D_pF built column by column in forward mode (complex step of the forward "
                    "pass in each parameter direction, never Network.vjp); equal up to round-off.",
    ),
    NumericCheck(
        id=f"{RESULT}/lambda-min", worst_case=tight("∇C along K's bottom eigenvector (square cost: the target steers it there)"),
        result_id=RESULT, title="λ_min(K)‖∇C‖² ≤ ‖∇ℓ‖²",
        statement="λ_min(K(p))·‖∇C(F(p))‖² ≤ ‖∇ℓ(p)‖²   (both sides ÷ λ_max(K)‖∇C‖²)", relation="le",
        cases=net_cases, evaluate=_lambda_min, evaluate_mp=_lambda_min_mp, hypotheses=_HYP,
        rtol=RTOL, atol=ATOL,
        description="Rayleigh quotient of K at ∇C. Square cost: the target steers ∇C to K's bottom "
                    "eigenvector (ratio → 1); cross-entropy: ∇C = (softmax − E_y)/N as it comes.",
    ),
    NumericCheck(
        id=f"{RESULT}/square-pl", worst_case=tight("the residual along K's bottom eigenvector"),
        result_id=RESULT, title="square cost PL: (2λ_min(K)/N)ℓ ≤ ‖∇ℓ‖²",
        statement="(2 λ_min(K(p))/N)·ℓ(p) ≤ ‖∇ℓ(p)‖²   (both sides ÷ 2λ_max(K)ℓ/N)", relation="le",
        cases=lambda: net_cases(("square",)), evaluate=_square_pl, evaluate_mp=_square_pl_mp,
        hypotheses=_HYP[:2] + ("C = square cost, ℓ = ‖F(p) − Y‖_F²/(2N)",), rtol=RTOL, atol=ATOL,
        description="ℓ from net.loss and ∇ℓ from net.grad (so the R2 identity ‖∇C‖² = 2ℓ/N is used, not "
                    "assumed); steering as in kernel-pl/lambda-min.",
    ),
]
