"""R4 skip-sigma-min: σ_min(I + D_H g) ≥ 1 − ‖D_H g‖ (Weyl); blocks compose to Π_k (1 − c_k).

Shapes: D_H g is an n×n operator on the flattened batch ℝ^{K·N}. Source: docs/theory.md#r4
(reconstructed — the paper has a result of this kind; the wording is ours).
Sympy proves the reverse-triangle step (via the Lagrange identity) for symbolic 2-vectors, the bound
exactly on the symbolic family A = t·Rot(θ), exact rational instances (one block, a product of two
blocks), and the negative control: without the skip, σ_min can be exactly 0.
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from theorems.result import Bound, Hypothesis, Obligation, ObligationOutcome, Result, Status
from theorems.sympy_checks import all_of, identity, nonnegative, norm2

cs = sympy.symbols("c_2:6", nonnegative=True)


def sigma_min_exact(M: sympy.Matrix) -> sympy.Expr:
    return sympy.sqrt(min((M.T * M).eigenvals(), key=lambda e: sympy.N(e, 30)))


def norm_exact(M: sympy.Matrix) -> sympy.Expr:
    return sympy.sqrt(max((M.T * M).eigenvals(), key=lambda e: sympy.N(e, 30)))


@lru_cache(maxsize=None)
def reverse_triangle() -> ObligationOutcome:
    """‖v + w‖² − (‖v‖ − ‖w‖)² = 2(⟨v,w⟩ + ‖v‖‖w‖) ≥ 0 since ‖v‖²‖w‖² − ⟨v,w⟩² = (v1w2 − v2w1)²."""
    v = sympy.Matrix(sympy.symbols("v1 v2", real=True))
    w = sympy.Matrix(sympy.symbols("w1 w2", real=True))
    dot = (v.T * w)[0]
    lagrange = identity(norm2(v) * norm2(w) - dot**2, (v[0] * w[1] - v[1] * w[0]) ** 2,
                        note="Lagrange ‖v‖²‖w‖² − ⟨v,w⟩² = (v1w2 − v2w1)²:")
    nv, nw = sympy.sqrt(norm2(v)), sympy.sqrt(norm2(w))
    expand = identity(norm2(v + w) - (nv - nw) ** 2, 2 * (dot + nv * nw),
                      note="‖v + w‖² − (‖v‖ − ‖w‖)² = 2(⟨v,w⟩ + ‖v‖‖w‖):")
    return all_of(lagrange, expand, conclusion=(
        "|⟨v,w⟩| ≤ ‖v‖‖w‖, so ‖v + Av‖ ≥ ‖v‖ − ‖Av‖ ≥ (1 − ‖A‖)‖v‖ for every v (w = Av), i.e. "
        "σ_min(I + A) ≥ 1 − ‖A‖ (Weyl for singular values)"))


@lru_cache(maxsize=None)
def rotation_family() -> ObligationOutcome:
    """A = t·Rot(θ), 0 ≤ t: (I+A)ᵀ(I+A) = (1 + t² + 2t cos θ) I, and 1 + t² + 2t cosθ − (1 − t)² = 2t(1 + cosθ)."""
    t = sympy.Symbol("t", nonnegative=True)
    th = sympy.Symbol("theta", real=True)
    R = sympy.Matrix([[sympy.cos(th), -sympy.sin(th)], [sympy.sin(th), sympy.cos(th)]])
    M = sympy.eye(2) + t * R
    gram = identity(M.T * M, (1 + t**2 + 2 * t * sympy.cos(th)) * sympy.eye(2), note="(I + tR)ᵀ(I + tR):")
    normA = identity((t * R).T * (t * R), t**2 * sympy.eye(2), note="‖tR‖ = t since (tR)ᵀ(tR) = t²I:")
    gap = identity(1 + t**2 + 2 * t * sympy.cos(th) - (1 - t) ** 2, 4 * t * sympy.cos(th / 2) ** 2,
                   note="σ_min(I+A)² − (1 − ‖A‖)² = 4t cos²(θ/2):")
    sign = nonnegative(4 * t * sympy.cos(th / 2) ** 2)
    return all_of(gram, normA, gap, sign, conclusion="σ_min(I + tR(θ)) ≥ |1 − t| ≥ 1 − ‖A‖ for all t ≥ 0, θ")


@lru_cache(maxsize=None)
def exact_instances() -> ObligationOutcome:
    """Exact rational blocks: one block and a product of two, with sympy's exact singular values."""
    A1 = sympy.Matrix([[0, sympy.Rational(1, 3)], [-sympy.Rational(1, 4), sympy.Rational(1, 5)]])
    A2 = sympy.Matrix([[sympy.Rational(1, 6), 0], [sympy.Rational(1, 7), -sympy.Rational(1, 8)]])
    I2 = sympy.eye(2)
    one = nonnegative(sigma_min_exact(I2 + A1) - (1 - norm_exact(A1)), simplifier=lambda e: sympy.N(e, 40),
                      note="σ_min(I+A1) − (1 − ‖A1‖) at 40 digits =")
    prod = (I2 + A2) * (I2 + A1)
    two = nonnegative(sigma_min_exact(prod) - (1 - norm_exact(A1)) * (1 - norm_exact(A2)),
                      simplifier=lambda e: sympy.N(e, 40),
                      note="σ_min((I+A2)(I+A1)) − (1 − ‖A1‖)(1 − ‖A2‖) at 40 digits =")
    return all_of(one, two, conclusion="the bound and its two-block product hold on exact instances")


@lru_cache(maxsize=None)
def no_skip_control() -> ObligationOutcome:
    """Without the skip: A = [[1,1],[1,1]]/2 has σ_min(A) = 0 exactly while σ_min(I + A) = 1."""
    A = sympy.Matrix([[1, 1], [1, 1]]) / 2
    smin, smin_skip = sigma_min_exact(A), sigma_min_exact(sympy.eye(2) + A)
    ok = smin == 0 and smin_skip == 1
    return ObligationOutcome(Status.PROVED if ok else Status.FAILED,
                             f"sympy exact: σ_min(A) = {smin}, σ_min(I + A) = {smin_skip}, ‖A‖ = {norm_exact(A)}")


@lru_cache(maxsize=None)
def product_of_blocks() -> ObligationOutcome:
    """Unrolling s_k ≥ (1 − c_k) s_{k−1}, s_1 = 1, gives Π(1 − c_k) (sympy expands L = 2..5)."""
    outcomes = []
    for L in range(2, 6):
        s = sympy.Integer(1)
        for k in range(L - 1):
            s = (1 - cs[k]) * s
        outcomes.append(identity(s, sympy.Mul(*[(1 - cs[k]) for k in range(L - 1)]), note=f"L = {L}:"))
    return all_of(*outcomes, conclusion="σ_min(Π_k D_H R_k) ≥ Π_k (1 − c_k) when each c_k < 1 "
                  "(σ_min(MN) ≥ σ_min(M)σ_min(N) for square M, N)")


c = sympy.Symbol("c", nonnegative=True)
RESULT = Result(
    id="skip-sigma-min",
    title="Skip connections bound σ_min of a block's input-Jacobian away from zero",
    provenance="reconstructed",
    section="docs/theory.md#r4",
    statement=("For f(H) = H + g(H): σ_min(I + D_H g) ≥ 1 − ‖D_H g‖. If sup ‖D_H g‖ ≤ c < 1, the factor is "
               "bounded below by 1 − c everywhere; a product of blocks gives Π_k(1 − c_k). Without the skip, "
               "σ_min(D_H g) can be 0."),
    latex=r"\sigma_{\min}(I + D_Hg)\ \ge\ 1-\|D_Hg\|,\qquad \sigma_{\min}\Big(\prod_k D_HR_k\Big)\ge\prod_k(1-c_k)",
    hypotheses=(
        Hypothesis("f = identity + g with the same input and output space",
                   "the identity is what puts the spectrum near 1; a width change needs an isometric path (R8)"),
        Hypothesis("sup ‖D_H g‖ ≤ c < 1", "for c ≥ 1 the bound 1 − c is ≤ 0 and says nothing"),
    ),
    symbols={"c": c},
    bounds=(Bound("weyl", sympy.Symbol("sigma_min_I_plus_A"), 1 - sympy.Symbol("norm_A"), ">="),
            Bound("blocks", sympy.Symbol("sigma_min_product"), sympy.Mul(*[(1 - x) for x in cs]), ">=")),
    obligations=(
        Obligation("reverse-triangle", "‖v + Av‖ ≥ ‖v‖ − ‖Av‖ via the Lagrange identity", reverse_triangle),
        Obligation("rotation-family", "exact on A = t·Rot(θ), symbolic t, θ", rotation_family),
        Obligation("exact-instances", "rational 2×2 blocks, one and a product of two (40 digits)", exact_instances),
        Obligation("no-skip-control", "σ_min(A) = 0 without the skip, 1 with it", no_skip_control),
        Obligation("product-of-blocks", "unrolled product Π(1 − c_k), L = 2..5", product_of_blocks),
    ),
    derivation=(
        "‖(I + A)v‖ ≥ ‖v‖ − ‖Av‖: sympy expands ‖v + w‖² − (‖v‖ − ‖w‖)² = 2(⟨v,w⟩ + ‖v‖‖w‖) and the Lagrange "
        "identity ‖v‖²‖w‖² − ⟨v,w⟩² = (v1w2 − v2w1)² gives ⟨v,w⟩ ≥ −‖v‖‖w‖.",
        "Hence ‖(I + A)v‖ ≥ (1 − ‖A‖)‖v‖, i.e. σ_min(I + A) ≥ 1 − ‖A‖ (Weyl's inequality for singular values).",
        "Check on the family A = tR(θ): (I+A)ᵀ(I+A) = (1 + t² + 2t cosθ)I, and the gap to (1 − t)² factors as "
        "2t(1 + cosθ) ≥ 0 (sympy).",
        "Blocks: σ_min(MN) ≥ σ_min(M)σ_min(N) for square factors; sympy unrolls the recursion into Π_k(1 − c_k).",
        "Negative control: A = [[1,1],[1,1]]/2 has σ_min(A) = 0 while σ_min(I + A) = 1 (sympy, exact).",
    ),
)
