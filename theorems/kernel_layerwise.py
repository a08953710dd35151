"""R3 kernel-layerwise: K = Σ_l J_l J_lᵀ,  λ_min(K) ≥ Σ_l σ_min(D_{p_l}f_l)² Π_{k>l} σ_min(D_H f_k)².

J_l = (D_H f_L ⋯ D_H f_{l+1}) D_{p_l} f_l, an (outputs × |p_l|) matrix. Source: docs/theory.md#r3
(reconstructed: "regularity in terms of the constituent layers"; the formula is ours).
Sympy: the block identity and Weyl's split for matrices of symbolic size (proved; the Rayleigh step it
uses is cited), the product step ‖(AB)ᵀv‖ ≥ σ_min(B)σ_min(A)‖v‖ in any dimension (cited Rayleigh step plus a
proved chain), and — as EXACT instances, signs of exact algebraic numbers — the product step and the full
bound on a two-layer instance with a skip.
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from theorems.kernel_pl import rayleigh_step
from theorems.result import Bound, Hypothesis, Obligation, ObligationOutcome, Result
from theorems.sympy_checks import all_of, exact_sign, identity, matrix_identity, mutated, nonnegative

R = sympy.Rational


def lambda_min(M: sympy.Matrix) -> sympy.Expr:
    return min(M.eigenvals(), key=lambda e: sympy.N(e, 40))


_m, _p1, _p2 = sympy.symbols("m p1 p2", integer=True, positive=True)
_SIZES = {_m: 2, _p1: 2, _p2: 3}


@lru_cache(maxsize=None)
def block_kernel(mutant: bool = False) -> ObligationOutcome:
    J1, J2 = sympy.MatrixSymbol("J1", _m, _p1), sympy.MatrixSymbol("J2", _m, _p2)
    D = sympy.BlockMatrix([[J1, J2]])
    rhs = J1 * J1.T + (2 if mutant else 1) * J2 * J2.T  # mutant: 2J2J2ᵀ
    return matrix_identity(sympy.block_collapse(D * D.T), rhs, dims=_SIZES,
                           note="[J1 J2][J1 J2]ᵀ vs J1J1ᵀ + J2J2ᵀ, symbolic sizes:")


@lru_cache(maxsize=None)
def weyl_psd_sum(mutant: bool = False) -> ObligationOutcome:
    n = sympy.Symbol("n", integer=True, positive=True)
    A, B, v = sympy.MatrixSymbol("A", n, n), sympy.MatrixSymbol("B", n, n), sympy.MatrixSymbol("v", n, 1)
    lA, lB = sympy.symbols("lambda_A lambda_B", real=True)
    I = sympy.Identity(n)
    wrong = 2 if mutant else 1  # mutant: 2λ_B in one side
    split = matrix_identity(v.T * (A + B) * v - (lA + wrong * lB) * (v.T * v),
                            v.T * (A - lA * I) * v + v.T * (B - lB * I) * v, dims={n: 3},
                            note="vᵀ(A+B)v − (λ_A+λ_B)‖v‖² = vᵀ(A−λ_A I)v + vᵀ(B−λ_B I)v, symbolic n:")
    return all_of(split, rayleigh_step(), conclusion="each term ≥ 0 at λ = λ_min, so λ_min(A+B) ≥ λ_min(A) + λ_min(B)")


@lru_cache(maxsize=None)
def product_step(mutant: bool = False) -> ObligationOutcome:
    """‖(AB)ᵀv‖² ≥ σ_min(A)²σ_min(B)²‖v‖² for onto A (n×m), B (m×p), any sizes.

    (AB)ᵀv = Bᵀ(Aᵀv) (sympy, symbolic sizes); ‖Bᵀx‖² = ⟨BBᵀx, x⟩ ≥ λ_min(BBᵀ)‖x‖² = σ_min(B)²‖x‖² (R1's Rayleigh
    step, cited), likewise for A; the two inequalities chain (sympy, slack variables)."""
    n, m, p = sympy.symbols("n m p", integer=True, positive=True)
    A, B, v = sympy.MatrixSymbol("A", n, m), sympy.MatrixSymbol("B", m, p), sympy.MatrixSymbol("v", n, 1)
    transpose = matrix_identity((A * B).T * v, B.T * (A.T * v), dims={n: 2, m: 3, p: 4},
                                note="(AB)ᵀv vs Bᵀ(Aᵀv), symbolic sizes:")
    gram = matrix_identity((B.T * (A.T * v)).T * (B.T * (A.T * v)), (A.T * v).T * (B * B.T) * (A.T * v),
                           dims={n: 2, m: 3, p: 4}, note="‖Bᵀx‖² vs ⟨BBᵀx, x⟩ at x = Aᵀv:")
    # X = ‖(AB)ᵀv‖², Y = ‖Aᵀv‖², Z = ‖v‖²; slacks e1 = X − sB²Y ≥ 0, e2 = Y − sA²Z ≥ 0 (Rayleigh)
    sA, sB, Z, e1, e2 = sympy.symbols("sigma_A sigma_B Z e1 e2", nonnegative=True)
    Y = sA**2 * Z + e2
    X = sB**2 * Y + e1
    claim = sA**2 * sB**(1 if mutant else 2) * Z  # mutant: σ_min(B) not squared
    chain = identity(X - claim, e1 + sB**2 * e2, note="X − σ_A²σ_B²Z vs e1 + σ_B²e2 (X = σ_B²Y + e1, Y = σ_A²Z + e2):")
    sign = nonnegative(e1 + sB**2 * e2, note="e1 + σ_B²e2 =")
    return all_of(transpose, gram, rayleigh_step(), chain, sign, conclusion=(
        "‖(AB)ᵀv‖ ≥ σ_min(B)σ_min(A)‖v‖ for onto A, B of any sizes; applied factor by factor, λ_min(J_lJ_lᵀ) ≥ "
        "σ_min(D_{p_l}f_l)²Π_{k>l}σ_min(D_Hf_k)²"))


def _instance():
    A = sympy.Matrix([[1, R(1, 2), 0], [R(-1, 3), 1, R(1, 4)]])            # 2×3, onto
    B = sympy.diag(1, 2, R(1, 2)) * sympy.Matrix([[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1]])  # 3×4
    return A, B


@lru_cache(maxsize=None)
def product_step_instance(mutant: bool = False) -> ObligationOutcome:
    A, B = _instance()
    lab = lambda_min((A * B) * (A * B).T)
    lo = (5 if mutant else 1) * lambda_min(A * A.T) * lambda_min(B * B.T)  # mutant: bound × 5 (slack is ≈ 4.2)
    return exact_sign(lab - lo, note="rational A (2×3), B (3×4): λ_min((AB)(AB)ᵀ) − λ_min(AAᵀ)λ_min(BBᵀ) =")


@lru_cache(maxsize=None)
def two_layer_instance(mutant: bool = False) -> ObligationOutcome:
    """f_1 with D_{p1}f_1 = A (2×3); f_2(H) = H + g(H) + (param part) with D_H f_2 = I + G, D_{p2}f_2 = P2."""
    A, _ = _instance()
    G = sympy.Matrix([[R(1, 5), R(-1, 3)], [R(1, 4), R(1, 6)]])
    P2 = sympy.Matrix([[R(1, 2), 0], [R(1, 3), R(1, 3)]])
    Dh = sympy.eye(2) + G
    J1, J2 = Dh * A, P2
    Kmat = J1 * J1.T + J2 * J2.T
    lhs = lambda_min(Kmat)
    rhs = (R(5, 4) if mutant else 1) * (lambda_min(A * A.T) * lambda_min(Dh * Dh.T) + lambda_min(P2 * P2.T))
    out = exact_sign(lhs - rhs, note="two-layer instance: λ_min(K) − [σ_min(A)²σ_min(I+G)² + σ_min(P2)²] =")
    slack = sympy.N(lhs / rhs, 15)
    return ObligationOutcome(out.status, f"{out.evidence}; slack λ_min(K)/bound = {slack}", slack)


l_sym = sympy.Symbol("λ_min(K)", nonnegative=True)
RESULT = Result(
    id="kernel-layerwise",
    title="The tangent kernel's smallest eigenvalue from the layers' Jacobians",
    provenance="reconstructed",
    section="docs/theory.md#r3",
    statement=("With J_l = (D_H f_L ⋯ D_H f_{l+1}) D_{p_l} f_l: D_pF = [J_1 … J_L], K = Σ_l J_l J_lᵀ and "
               "λ_min(K) ≥ Σ_l σ_min(D_{p_l} f_l)² Π_{k>l} σ_min(D_H f_k)². Useful only when every later "
               "input-Jacobian is onto (square with skip connections)."),
    latex=r"\lambda_{\min}(K)\ \ge\ \sum_l \sigma_{\min}(D_{p_l}f_l)^2\prod_{k>l}\sigma_{\min}(D_Hf_k)^2",
    hypotheses=(
        Hypothesis("each D_H f_k (k > l) and D_{p_l} f_l is onto (σ_min is the rows-th singular value)",
                   "‖(AB)ᵀv‖ ≥ σ_min(B)σ_min(A)‖v‖ needs both factors onto; otherwise the factor is 0"),
        Hypothesis("parameters split into per-layer blocks p_l", "D_pF is then the row of blocks J_l"),
    ),
    symbols={"lambda_min_K": l_sym},
    bounds=(Bound("layerwise", l_sym, sympy.Symbol("Σ_l σ_min(D_p_l f_l)² Π_(k>l) σ_min(D_H f_k)²"), ">="),),
    obligations=(
        Obligation("block-kernel", "D_pF = [J1 J2] ⇒ K = J1J1ᵀ + J2J2ᵀ (symbolic sizes)", block_kernel,
                   mutated(block_kernel), "2J2J2ᵀ instead of J2J2ᵀ"),
        Obligation("weyl-psd-sum", "λ_min(A + B) ≥ λ_min(A) + λ_min(B), symbolic size", weyl_psd_sum,
                   mutated(weyl_psd_sum), "2λ_B on one side of the split"),
        Obligation("product-step", "‖(AB)ᵀv‖ ≥ σ_min(B)σ_min(A)‖v‖ for onto A, B of any sizes", product_step,
                   mutated(product_step), "σ_min(B) instead of σ_min(B)² in the chained bound"),
        Obligation("product-step-instance", "the product step on an exact rational instance", product_step_instance,
                   mutated(product_step_instance), "bound multiplied by 5 (the instance's slack is ≈ 4.2)"),
        Obligation("two-layer-instance", "the full bound on an exact two-layer instance (slack)", two_layer_instance,
                   mutated(two_layer_instance), "bound multiplied by 5/4 (the instance's slack is ≈ 1.14)"),
    ),
    derivation=(
        "D_pF[u] = Σ_l (D_H f_L ⋯ D_H f_{l+1}) D_{p_l}f_l u_l, so D_pF = [J_1 … J_L] and K = Σ_l J_lJ_lᵀ (sympy "
        "block identity).",
        "Weyl for PSD sums: vᵀ(ΣA_l)v = Σ vᵀA_lv ≥ Σ λ_min(A_l)‖v‖² (sympy splits the quadratic form; each "
        "A − λ_min I ⪰ 0 by the R1 Rayleigh step).",
        "λ_min(J_lJ_lᵀ) = min_v ‖J_lᵀv‖²/‖v‖² and ‖(AB)ᵀv‖ ≥ σ_min(B)‖Aᵀv‖ ≥ σ_min(B)σ_min(A)‖v‖ when A, B are "
        "onto; applied factor by factor this gives σ_min(D_{p_l}f_l)²Π_{k>l}σ_min(D_Hf_k)².",
        "The product step is proved for any sizes from (AB)ᵀv = Bᵀ(Aᵀv), ‖Bᵀx‖² = ⟨BBᵀx, x⟩ (sympy, symbolic sizes) "
        "and the cited Rayleigh step; both it and the full bound are also checked exactly (the sign of sympy's "
        "exact eigenvalues) on rational instances.",
    ),
)
