"""Numeric checks of R4 `skip-sigma-min` (reconstructed): skip connections keep σ_min(D_H f) away from 0.

docs/theory.md#r4 (and the branch constant of R7). A residual block f(H) = H + g(H) on H ∈ ℝ^{K×N};
for R7, g(H) = α Ŵ₂ σ(Ŵ₁ BN_ε(H)) and c = α√(mK) sup|σ′|/√ε (sup|σ′| from theorems.activations).

* skip-sigma-min/weyl-matrix     1 − ‖A‖₂ ≤ σ_min(I + A) for random square A (n ≤ 8), ‖A‖ ∈ 10^[−6, 6].
  Tight for A = −tI; the case's ``align`` mixes A towards −‖A‖·I.
* skip-sigma-min/weyl-block      1 − ‖D_H g(H)‖₂ ≤ σ_min(D_H f(H)) for one R7 block at inputs of scale
  10^[−6, 6], any WN row norms, α ∈ 10^[−3, 1], ε ∈ 10^[−3, 1]; D_H f = net.input_jacobian of the block,
  D_H g = D_H f − I. Both sides are divided by 1 + α√(mK/ε) (the scale of D_H g's terms) so that
  ATOL is a round-off level at every gain (the ratio is unchanged).
* skip-sigma-min/branch-bound    ‖D_H g(H)‖₂ ≤ c = α√(mK) sup|σ′|/√ε at any input and any WN row norms.
  Tight when H → 0 (so ‖D BN_ε‖ → 1/√ε and σ′ → σ′(0)), the rows of Ŵ₁ all equal and those of Ŵ₂
  all equal to 1_m/√m (‖Ŵ‖ = √rows): ``align`` pulls the rows there, ``log10_scale_H`` → −6.
* skip-sigma-min/block-product   Π_k (1 − c_k) ≤ σ_min(D_H(R_L ∘ … ∘ R_1)(H)) for 1–3 blocks with c_k < 1.
* skip-sigma-min/no-skip-control (expect refuted)   1 − c ≤ σ_min(D_H g(H)) with the skip DROPPED
  (c < 1): BN_ε annihilates each feature's constant direction, so D_H g[w 1ᵀ] = 0 and σ_min(D_H g) = 0.

Tolerances: RTOL = 1e-9 (singular values of ≤ 12×12 matrices assembled from ≤ 3 blocks of exact
vector-Jacobian products: round-off ≲ 1e-13 relative); ATOL = 1e-13 ≈ 500·eps, the absolute
round-off of a singular value of an O(1) matrix (block-product: c_k < 1; weyl-block: after ÷ (1 + s))
plus the 1 − ‖·‖ subtraction. Where both sides are ≈ 1e-13 (e.g. K = m = 1, α = ε = 1, H ≈ 1e-6,
where Weyl is an equality) the reported worst ratio can exceed 1 by ≈ 1e-3 inside ATOL; the
50-digit values agree to 15 digits there. The branch bound uses ATOL = 0 (both sides scale with α).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from numerics.attack.check import Batch, NumericCheck, identity, known, loose, tight
from numerics.checks._instances import (
    ACTIVATIONS,
    SEEDS,
    alpha_for_c,
    branch_constant,
    log10_scales,
    r7_block,
    rng_for,
    sigma_min,
    sigma_min_mp,
    spectral_norm,
    spectral_norm_mp,
)
from numerics.ops import to_mp

RESULT = "skip-sigma-min"
RTOL = 1e-9
ATOL = 1e-13
CONTROL_ATOL = 1e-12


# ------------------------------------------------------------------------------------ pure matrix
def matrix_cases():
    return st.fixed_dictionaries({
        "n": st.integers(1, 8), "log10_norm": log10_scales(), "align": st.floats(0.0, 1.0), "seed": SEEDS,
    })


def _weyl_matrix_sides(A):
    eye = np.eye(A.shape[-1])
    return 1 - spectral_norm(A), sigma_min(eye + A)


def _weyl_matrix(case, n):
    rng = rng_for(case)
    k = case["n"]
    G = rng.standard_normal((n, k, k))
    G /= spectral_norm(G)[:, None, None]
    A = (1 - case["align"]) * G - case["align"] * np.eye(k)
    # A = 0 when G = I and align = ½ (k = 1): such an instance has no norm to set and is invalid
    norm = spectral_norm(A)
    A *= (10.0 ** case["log10_norm"] / np.where(norm > 0, norm, 1.0))[:, None, None]
    lhs, rhs = _weyl_matrix_sides(A)
    return Batch(lhs, rhs, norm > 0, {"A": A, "norm_A": spectral_norm(A), "sigma_min_I_plus_A": rhs})


def _weyl_matrix_mp(v):
    A = to_mp(v["A"])
    I = to_mp(np.eye(A.shape[-1]))
    return 1 - spectral_norm_mp(A), sigma_min_mp(I + A)


# ----------------------------------------------------------------------------------- R7 blocks
def _block_case_fields():
    return {
        "K": st.integers(1, 3), "N": st.integers(2, 4), "m": st.integers(1, 3),
        "activation": st.sampled_from(ACTIVATIONS), "log10_eps": st.floats(-3.0, 1.0),
        "log10_scale_H": log10_scales(), "log10_wn": st.floats(-3.0, 3.0),
        "align": st.floats(0.0, 1.0), "seed": SEEDS,
    }


def _block_params(net, rng, n, case, blocks):
    """WN weights with rows pulled towards the tight configuration, each row then scaled by 10^log10_wn."""
    K, m, a = case["K"], case["m"], case["align"]
    dicts = []
    for _ in range(blocks):
        u = rng.standard_normal((n, 1, K))
        u /= np.linalg.norm(u, axis=-1, keepdims=True)
        W1 = (1 - a) * rng.standard_normal((n, m, K)) / np.sqrt(K) + a * u
        W2 = (1 - a) * rng.standard_normal((n, K, m)) / np.sqrt(m) + a * np.full((1, 1, m), 1 / np.sqrt(m))
        scale = 10.0 ** case["log10_wn"]
        dicts.append({"branch.1.W": scale * W1, "branch.3.W": scale * W2})
    return net.flatten(dicts)


def _inputs(rng, n, case):
    return 10.0 ** case["log10_scale_H"] * rng.standard_normal((n, case["K"], case["N"]))


def _block_variables(n, case, alphas, p, H):
    return {"H": H, "p": p, "alphas": np.broadcast_to(np.asarray(alphas, float), (n, len(alphas))),
            "K": np.full(n, case["K"]), "m": np.full(n, case["m"]), "eps": np.full(n, 10.0 ** case["log10_eps"]),
            "activation": np.full(n, case["activation"])}


def _net_from(v, skip=True):
    alphas = [float(a) for a in np.atleast_1d(v["alphas"])]
    return r7_block(int(v["K"]), int(v["m"]), alphas, float(v["eps"]), str(v["activation"]), skip=skip,
                    blocks=len(alphas))


def weyl_block_cases():
    return st.fixed_dictionaries({**_block_case_fields(), "log10_alpha": st.floats(-3.0, 1.0)})


def _weyl_block(case, n):
    rng = rng_for(case)
    alpha, eps = 10.0 ** case["log10_alpha"], 10.0 ** case["log10_eps"]
    net = r7_block(case["K"], case["m"], alpha, eps, case["activation"])
    p, H = _block_params(net, rng, n, case, 1), _inputs(rng, n, case)
    J = net.input_jacobian(p, H)
    gap, smin = 1 - spectral_norm(J - np.eye(J.shape[-1])), sigma_min(J)
    # ÷ (1 + s), s = α√(mK)/√ε: D_H g is a sum of terms of size up to s·sup|σ′| (≫ 1 for large α/√ε),
    # so its round-off is ≈ eps·(1 + s); dividing both sides by 1 + s keeps ATOL a round-off level
    # (lhs/rhs unchanged).
    scale = 1 + alpha * np.sqrt(case["m"] * case["K"] / eps)
    return Batch(gap / scale, smin / scale, None,
                 {**_block_variables(n, case, [alpha], p, H), "1 - |D_H g|": gap, "sigma_min(D_H f)": smin,
                  "scale": np.full(n, scale)})


def _weyl_block_mp(v):
    J = _net_from(v).input_jacobian(to_mp(v["p"]), to_mp(v["H"]))
    I = to_mp(np.eye(J.shape[-1]))
    scale = to_mp(v["scale"])[()]
    return (1 - spectral_norm_mp(J - I)) / scale, sigma_min_mp(J) / scale


def branch_cases():
    return st.fixed_dictionaries({**_block_case_fields(), "log10_alpha": st.floats(-3.0, 1.0)})


def _branch(case, n):
    rng = rng_for(case)
    alpha, eps = 10.0 ** case["log10_alpha"], 10.0 ** case["log10_eps"]
    net = r7_block(case["K"], case["m"], alpha, eps, case["activation"], skip=False)
    p, H = _block_params(net, rng, n, case, 1), _inputs(rng, n, case)
    lhs = spectral_norm(net.input_jacobian(p, H))
    c = float(branch_constant(alpha, case["m"], case["K"], eps, case["activation"]))
    return Batch(lhs, np.full(n, c), None, {**_block_variables(n, case, [alpha], p, H), "c": np.full(n, c)})


def _branch_mp(v):
    import mpmath

    from numerics.checks._instances import sup_abs_dsigma

    J = _net_from(v, skip=False).input_jacobian(to_mp(v["p"]), to_mp(v["H"]))
    # c at 50 digits from the float inputs; sup|σ′| is exact (1, 1/4) or a 30-digit number (gelu)
    c = (to_mp(np.atleast_1d(v["alphas"]))[0] * mpmath.sqrt(int(v["m"]) * int(v["K"]))
         * mpmath.mpf(sup_abs_dsigma(str(v["activation"]))) / mpmath.sqrt(to_mp(v["eps"])[()]))
    return spectral_norm_mp(J), c


def product_cases():
    return st.fixed_dictionaries({**_block_case_fields(),
                                  "cs": st.lists(st.floats(1e-3, 0.99), min_size=1, max_size=3)})


def _product(case, n):
    rng = rng_for(case)
    eps, L = 10.0 ** case["log10_eps"], len(case["cs"])
    alphas = [float(alpha_for_c(c, case["m"], case["K"], eps, case["activation"])) for c in case["cs"]]
    net = r7_block(case["K"], case["m"], alphas, eps, case["activation"], blocks=L)
    p, H = _block_params(net, rng, n, case, L), _inputs(rng, n, case)
    lhs = float(np.prod([1 - c for c in case["cs"]]))
    rhs = sigma_min(net.input_jacobian(p, H))
    return Batch(np.full(n, lhs), rhs, None,
                 {**_block_variables(n, case, alphas, p, H), "cs": np.broadcast_to(case["cs"], (n, L))})


def _product_mp(v):
    import mpmath

    J = _net_from(v).input_jacobian(to_mp(v["p"]), to_mp(v["H"]))
    lhs = mpmath.mpf(1)
    for c in np.atleast_1d(v["cs"]):
        lhs *= 1 - mpmath.mpf(float(c))
    return lhs, sigma_min_mp(J)


def no_skip_cases():
    return st.fixed_dictionaries({**_block_case_fields(), "c": st.floats(1e-3, 0.99)})


def _no_skip(case, n):
    rng = rng_for(case)
    eps = 10.0 ** case["log10_eps"]
    alpha = float(alpha_for_c(case["c"], case["m"], case["K"], eps, case["activation"]))
    net = r7_block(case["K"], case["m"], alpha, eps, case["activation"], skip=False)
    p, H = _block_params(net, rng, n, case, 1), _inputs(rng, n, case)
    rhs = sigma_min(net.input_jacobian(p, H))
    return Batch(np.full(n, 1 - case["c"]), rhs, None,
                 {**_block_variables(n, case, [alpha], p, H), "c": np.full(n, case["c"]), "sigma_min": rhs})


def _no_skip_mp(v):
    import mpmath

    J = _net_from(v, skip=False).input_jacobian(to_mp(v["p"]), to_mp(v["H"]))
    return 1 - mpmath.mpf(float(v["c"])), sigma_min_mp(J)


_BLOCK_HYP = ("H ∈ ℝ^{K×N}, K ≤ 3, 2 ≤ N ≤ 4, entries of scale 1e−6 … 1e6",
              ("g(H) = α Ŵ₂ σ(Ŵ₁ BN_ε(H)), Ŵ₁ ∈ ℝ^{m×K}, Ŵ₂ ∈ ℝ^{K×m} row-normalised (raw rows of any norm "
               "1e−3 … 1e3), m ≤ 3, ε ∈ [1e−3, 10], σ ∈ {tanh, softplus, gelu (tanh approx.), sigmoid}"))

CHECKS = [
    NumericCheck(
        id=f"{RESULT}/weyl-matrix", worst_case=tight("A = −tI"),
        result_id=RESULT, title="Weyl: σ_min(I + A) ≥ 1 − ‖A‖ (any square A)",
        statement="1 − ‖A‖₂ ≤ σ_min(I + A)", relation="le",
        cases=matrix_cases, evaluate=_weyl_matrix, evaluate_mp=_weyl_matrix_mp,
        hypotheses=("A ∈ ℝ^{n×n}, n ≤ 8, ‖A‖₂ ∈ [1e−6, 1e6]",), rtol=RTOL, atol=ATOL,
        description="A = (1 − a)G − aI rescaled to ‖A‖ = 10^u; a = 1 gives equality (σ_min(I − tI) = 1 − t), "
                    "so steering drives the worst ratio to 1.",
    ),
    NumericCheck(
        id=f"{RESULT}/weyl-block", worst_case=tight("D_H g ≈ −‖D_H g‖·I on one direction (rows of Ŵ aligned against the input)"),
        result_id=RESULT, title="Weyl on an R7 block: σ_min(D_H f) ≥ 1 − ‖D_H g‖",
        statement="1 − ‖D_H g(H)‖₂ ≤ σ_min(D_H f(H)),  f = I + g   (both sides ÷ (1 + α√(mK/ε)))", relation="le",
        cases=weyl_block_cases, evaluate=_weyl_block, evaluate_mp=_weyl_block_mp,
        hypotheses=_BLOCK_HYP + ("α ∈ [1e−3, 10] (c < 1 NOT assumed: the inequality is unconditional)",),
        rtol=RTOL, atol=ATOL,
        description="D_H f is the block's exact input Jacobian (KN × KN); D_H g = D_H f − I.",
    ),
    NumericCheck(
        id=f"{RESULT}/branch-bound", worst_case=tight("rows of Ŵ₁ equal, Ŵ₂ rows aligned, σ′ at its sup, var ≪ ε"),
        result_id=RESULT, title="global branch bound ‖D_H g‖ ≤ α√(mK)sup|σ′|/√ε",
        statement="‖D_H g(H)‖₂ ≤ c = α √(mK) sup|σ′| / √ε", relation="le",
        cases=branch_cases, evaluate=_branch, evaluate_mp=_branch_mp,
        hypotheses=_BLOCK_HYP + ("α ∈ [1e−3, 10]", "sup|σ′| from theorems.activations (sympy)"),
        rtol=RTOL, atol=0.0,
        description="‖Ŵ‖ ≤ ‖Ŵ‖_F = √rows, ‖diag σ′‖ ≤ sup|σ′|, ‖D BN_ε‖ ≤ 1/√ε. Steering: rows of Ŵ₁ equal, "
                    "rows of Ŵ₂ equal to 1_m/√m, H → 0; the ratio then → σ′(0)/sup|σ′| (1 for tanh, sigmoid).",
    ),
    NumericCheck(
        id=f"{RESULT}/block-product", worst_case=tight("one block, or blocks whose worst directions line up"),
        result_id=RESULT, title="product over blocks: σ_min ≥ Π(1 − c_k)",
        statement="Π_k (1 − c_k) ≤ σ_min(D_H(R_L ∘ … ∘ R_1)(H))", relation="le",
        cases=product_cases, evaluate=_product, evaluate_mp=_product_mp,
        hypotheses=_BLOCK_HYP + ("1 ≤ L ≤ 3 blocks, c_k ∈ [1e−3, 0.99] (α_k = c_k√ε/(√(mK) sup|σ′|))",),
        rtol=RTOL, atol=ATOL,
        description="σ_min(AB) ≥ σ_min(A)σ_min(B) for square A, B, and each factor ≥ 1 − c_k by Weyl and "
                    "the branch bound.",
    ),
    NumericCheck(
        id=f"{RESULT}/no-skip-control", result_id=RESULT, title="control: without the skip, σ_min(D_H g) ≥ 1 − c fails",
        statement="1 − c ≤ σ_min(D_H g(H))", relation="le",
        cases=no_skip_cases, evaluate=_no_skip, evaluate_mp=_no_skip_mp,
        hypotheses=_BLOCK_HYP + ("c ∈ [1e−3, 0.99]", "the identity shortcut DROPPED: the block is g alone"),
        rtol=RTOL, atol=CONTROL_ATOL, expect="refuted", control_of=f"{RESULT}/block-product",
        description="BN_ε maps H + w1ᵀ to the same output, so D_H g[w1ᵀ] = 0: σ_min(D_H g) = 0 at every H "
                    "(also K·N > m·N rank limits when m < K).",
    ),
]
