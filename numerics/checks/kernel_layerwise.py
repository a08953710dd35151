"""Numeric checks of R3 `kernel-layerwise` (reconstructed): λ_min of the tangent kernel from the layers.

docs/theory.md#r3. With J_l = (D_H f_L ⋯ D_H f_{l+1}) D_{p_l} f_l, K = Σ_l J_l J_lᵀ and

    B(p) := Σ_l σ_min(D_{p_l} f_l)² Π_{k>l} σ_min(D_H f_k)²  ≤  λ_min(K(p))

(σ_min per §1: the m-th singular value of an m×n matrix, 0 when m > n, i.e. when the map is not onto).

* kernel-layerwise/bound   B(p) ≤ λ_min(K(p)) on the R7 net residual_ce_net(d, K, m, L, α, ε, σ) with
  N ≤ d (so the first-layer term σ_N(X)²Π σ_min(I + D_H g_k)² is positive) and on plain Dense/σ chains.
  Every factor is computed exactly from net.layer_jacobians (SVD of each D_{p_l} f_l and D_H f_l);
  λ_min(K) = σ_min(D_pF)² from the SVD of net.param_jacobian (relatively accurate even when tiny). V and X at scales 10^[−3, 3], α ∈ 10^[−6, 0]
  (c < 1 is NOT needed for R3). The slack is lhs/rhs (the engine's worst ratio); it → 1 as α → 0,
  where K ≈ J_1J_1ᵀ and the bound is σ_N(X)², the exact λ_min of J_1J_1ᵀ.
  Sizes: d ≤ 5, N, K, m ≤ 3, 1–2 layers in the default profile; the thorough profile draws ``wide_cases``
  (WIDE_SIZES: up to 4 layers, m ≤ 8, K ≤ 5, N ≤ 6, d ≤ 9).
* kernel-layerwise/no-skip-control (expect refuted)  μ₀ = σ_N(X)²Π_k(1 − c_k)² ≤ B(p) for the CHAIN
  net chain_ce_net (identity shortcuts DROPPED, c_k < 1): BN_ε annihilates each feature's constant
  direction, so σ_min(D_H g_k) = 0 and every term before the last block vanishes — the skip-based
  floor of R4/R7 collapses.

Normalisation: both sides ÷ λ_max(K) (does not change lhs/rhs; makes ATOL a round-off level relative
to ‖K‖). Tolerances: RTOL = 1e-9; ATOL = 1e-12 (squared singular values of ≤ 30-row Jacobians carry an
absolute error ≲ 2·30·eps·σ·σ_max ≤ 1.4e-14·λ_max; the layer Jacobians' round-off ≲ 100·eps).
"""

from __future__ import annotations

import json

import numpy as np
from hypothesis import strategies as st

from numerics.architectures import chain_ce_net, residual_ce_net
from numerics.attack.check import Batch, NumericCheck, identity, known, loose, tight
from numerics.checks._instances import (
    ACTIVATIONS,
    SEEDS,
    alpha_for_c,
    dense_net,
    log10_scales,
    rng_for,
    sigma_min,
    sigma_min_mp,
    spectral_norm_mp,
)
from numerics.ops import to_mp

RESULT = "kernel-layerwise"
RTOL = 1e-9
ATOL = 1e-12
FAMILIES = ("residual", "dense")


SIZES = {"N": 3, "extra_d": 2, "K": 3, "width": 3, "depth": 2}  # upper ends of the default profile's sizes
WIDE_SIZES = {"N": 6, "extra_d": 3, "K": 5, "width": 8, "depth": 4}  # the thorough profile's (wide_cases)


def bound_cases(sizes=None):
    z = sizes or SIZES
    return st.fixed_dictionaries({
        "family": st.sampled_from(FAMILIES), "N": st.integers(1, z["N"]), "extra_d": st.integers(0, z["extra_d"]),
        "K": st.integers(1, z["K"]), "width": st.integers(1, z["width"]), "depth": st.integers(1, z["depth"]),
        "activation": st.sampled_from(ACTIVATIONS), "log10_alpha": st.floats(-6.0, 0.0),
        "log10_eps": st.floats(-2.0, 1.0), "log10_scale_p": log10_scales(-3.0, 3.0),
        "log10_scale_X": log10_scales(-3.0, 3.0), "seed": SEEDS,
    })


def build(spec: dict):
    if spec["family"] == "residual":
        return residual_ce_net(spec["d"], spec["K"], spec["width"], spec["depth"], spec["alphas"],
                               spec["eps"], spec["activation"])
    if spec["family"] == "chain":
        return chain_ce_net(spec["d"], spec["K"], spec["width"], spec["depth"], spec["alphas"],
                            spec["eps"], spec["activation"])
    return dense_net(spec["d"], (spec["width"] + 1,) * spec["depth"], spec["K"], spec["activation"])


def layerwise_bound(layer_jacobians, smin=sigma_min):
    """Σ_l σ_min(D_{p_l} f_l)² Π_{k>l} σ_min(D_H f_k)², and the list of per-layer terms."""
    later = None  # Π_{k>l} σ_min(D_H f_k)², accumulated from the last layer down
    terms = []
    for lj in reversed(layer_jacobians):
        if lj.param is not None:
            s = smin(lj.param)
            terms.append(s * s if later is None else s * s * later)
        s_in = smin(lj.input)
        later = s_in * s_in if later is None else later * s_in * s_in
    terms.reverse()
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total, terms


def _sides(net, p, X):
    """(B(p), λ_min(K), λ_max(K)); λ(K) = σ(D_pF)² from the SVD of D_pF (K = D_pF D_pFᵀ), which keeps
    the relative accuracy of small eigenvalues that eigvalsh of the assembled K would lose."""
    J = net.param_jacobian(p, X)
    s = np.linalg.svd(J, compute_uv=False)
    lo = sigma_min(J)
    bound, _ = layerwise_bound(net.layer_jacobians(p, X))
    return bound, lo * lo, s[..., 0] ** 2


def _spec(case):
    K = case["K"]
    spec = {"family": case["family"], "d": case["N"] + case["extra_d"], "K": K, "width": case["width"],
            "depth": case["depth"], "activation": case["activation"]}
    if case["family"] != "dense":
        spec["alphas"] = [10.0 ** case["log10_alpha"]] * case["depth"]
        spec["eps"] = 10.0 ** case["log10_eps"]
    return spec


def _bound(case, n):
    rng = rng_for(case)
    spec = _spec(case)
    net = build(spec)
    p = 10.0 ** case["log10_scale_p"] * net.init(int(rng.integers(2**31)), n=n)
    X = 10.0 ** case["log10_scale_X"] * rng.standard_normal((n, spec["d"], case["N"]))
    bound, lo, hi = _sides(net, p, X)
    ok = hi > 0
    safe = np.where(ok, hi, 1.0)
    return Batch(bound / safe, lo / safe, ok, {
        "net_spec": np.full(n, json.dumps(spec)), "p": p, "X": X, "bound": bound, "lambda_min": lo,
        "lambda_max": hi})


def _bound_mp(v):
    net = build(json.loads(str(v["net_spec"])))
    p, X = to_mp(v["p"]), to_mp(v["X"])
    J = net.param_jacobian(p, X)
    lo, hi = sigma_min_mp(J) ** 2, spectral_norm_mp(J) ** 2
    bound, _ = layerwise_bound(net.layer_jacobians(p, X), smin=sigma_min_mp)
    return bound / hi, lo / hi


# -------------------------------------------------------------------------------------- control
def control_cases():
    # N ≥ 2: with one sample BN_ε outputs 0 and the chain net is constant — a true but degenerate witness
    return st.fixed_dictionaries({
        "N": st.integers(2, 3), "extra_d": st.integers(0, 2), "K": st.integers(1, 3), "width": st.integers(1, 3),
        "depth": st.integers(1, 2), "activation": st.sampled_from(ACTIVATIONS), "c": st.floats(1e-3, 0.99),
        "log10_eps": st.floats(-2.0, 1.0), "log10_scale_p": log10_scales(-3.0, 3.0),
        "log10_scale_X": log10_scales(-3.0, 3.0), "seed": SEEDS,
    })


def _control(case, n):
    rng = rng_for(case)
    K, m, eps, L = case["K"], case["width"], 10.0 ** case["log10_eps"], case["depth"]
    alpha = float(alpha_for_c(case["c"], m, K, eps, case["activation"]))
    spec = {"family": "chain", "d": case["N"] + case["extra_d"], "K": K, "width": m, "depth": L,
            "activation": case["activation"], "alphas": [alpha] * L, "eps": eps}
    net = build(spec)
    p = 10.0 ** case["log10_scale_p"] * net.init(int(rng.integers(2**31)), n=n)
    X = 10.0 ** case["log10_scale_X"] * rng.standard_normal((n, spec["d"], case["N"]))
    sN = np.linalg.svd(X, compute_uv=False)[..., case["N"] - 1]
    mu0 = sN * sN * (1 - case["c"]) ** (2 * L)
    bound, _ = layerwise_bound(net.layer_jacobians(p, X))
    return Batch(mu0, bound, None, {"net_spec": np.full(n, json.dumps(spec)), "p": p, "X": X,
                                    "c": np.full(n, case["c"]), "mu0": mu0, "bound": bound})


def _control_mp(v):
    import mpmath

    from numerics.checks._instances import singular_values_mp

    spec = json.loads(str(v["net_spec"]))
    net = build(spec)
    p, X = to_mp(v["p"]), to_mp(v["X"])
    sN = singular_values_mp(X)[np.shape(X)[-1] - 1]
    mu0 = sN * sN * (1 - mpmath.mpf(float(v["c"]))) ** (2 * spec["depth"])
    bound, _ = layerwise_bound(net.layer_jacobians(p, X), smin=sigma_min_mp)
    return mu0, bound


CHECKS = [
    NumericCheck(
        id=f"{RESULT}/bound", worst_case=tight("a single layer (the bound is then λ_min(K) = σ_min(D_pf)²)"),
        result_id=RESULT, title="λ_min(K) ≥ Σ_l σ_min(D_{p_l}f_l)² Π_{k>l} σ_min(D_H f_k)²",
        statement="Σ_l σ_min(D_{p_l} f_l)² Π_{k>l} σ_min(D_H f_k)² ≤ λ_min(K(p))   (both sides ÷ λ_max(K))",
        relation="le", cases=bound_cases, evaluate=_bound, evaluate_mp=_bound_mp,
        wide_cases=lambda: bound_cases(WIDE_SIZES),
        hypotheses=("F: residual_ce_net (N ≤ d, 1–2 blocks, α ∈ [1e−6, 1], ε ∈ [1e−2, 10]) or a Dense/σ chain",
                    "d ≤ 5, N ≤ 3, K ≤ 3, m ≤ 3; parameters ×10^[−3, 3], X ×10^[−3, 3]",
                    "thorough profile: up to 4 blocks/layers, d ≤ 9, N ≤ 6, K ≤ 5, m ≤ 8",
                    "σ ∈ {tanh, softplus, gelu, sigmoid}"),
        rtol=RTOL, atol=ATOL,
        description="All factors exact: SVDs of each layer's parameter and input Jacobian "
                    "(net.layer_jacobians), λ_min(K) = σ_min(D_pF)². The worst ratio is "
                    "the bound's best case (→ 1 as α → 0); the typical slack is much larger.",
    ),
    NumericCheck(
        id=f"{RESULT}/no-skip-control", result_id=RESULT,
        title="control: without skips the layer-wise bound falls below σ_N(X)²Π(1 − c_k)²",
        statement="σ_N(X)² Π_k (1 − c_k)² ≤ Σ_l σ_min(D_{p_l} f_l)² Π_{k>l} σ_min(D_H f_k)²", relation="le",
        cases=control_cases, evaluate=_control, evaluate_mp=_control_mp,
        hypotheses=("chain_ce_net: R7 blocks WITHOUT identity shortcuts (skip DROPPED)",
                    "2 ≤ N ≤ d, c_k = α√(mK) sup|σ′|/√ε ∈ [1e−3, 0.99]"),
        rtol=RTOL, atol=0.0, expect="refuted", control_of=f"{RESULT}/bound",
        description="σ_min(D_H g_k) = 0 (BN_ε's constant direction), so only the last block's parameter "
                    "term survives; it is O(α²) and falls below μ₀.",
    ),
]
