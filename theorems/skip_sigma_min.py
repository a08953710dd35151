"""R4 skip-sigma-min: σ_min(I + D_H g) ≥ 1 − ‖D_H g‖ (Weyl); blocks compose to Π_k (1 − c_k).

Shapes: D_H g is an n×n operator on the flattened batch ℝ^{K·N}. Source: docs/theory.md#r4
(reconstructed — the paper has a result of this kind; the wording is ours).
Sympy proves the reverse-triangle step from the inner-product axioms (any dimension; the variational
characterisation of σ_min is cited), the bound on the symbolic family A = t·Rot(θ), the product over any
number L of blocks (induction step with symbolic L; σ_min(MN) ≥ σ_min(M)σ_min(N) from the cited
characterisation), checks exact rational instances (one block, a product of two blocks), and the negative
control: without the skip, σ_min can be exactly 0.
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from theorems.result import Bound, Hypothesis, Obligation, ObligationOutcome, Result, Status
from theorems.sympy_checks import all_of, cited, exact, exact_sign, identity, mutated, nonnegative

cs = sympy.symbols("c_2:6", nonnegative=True)  # the displayed bound uses four blocks


def sigma_min_exact(M: sympy.Matrix) -> sympy.Expr:
    return sympy.sqrt(min((M.T * M).eigenvals(), key=lambda e: sympy.N(e, 30)))


def norm_exact(M: sympy.Matrix) -> sympy.Expr:
    return sympy.sqrt(max((M.T * M).eigenvals(), key=lambda e: sympy.N(e, 30)))


SIGMA_MIN_CHARACTERISATION = cited(
    "for square M, σ_min(M) = min_(‖v‖=1) ‖Mv‖, and ‖Av‖ ≤ ‖A‖‖v‖ (operator norm)",
    "Courant–Fischer for singular values; Horn & Johnson, Matrix Analysis (2013), Thm 7.3.8")


@lru_cache(maxsize=None)
def reverse_triangle(mutant: bool = False) -> ObligationOutcome:
    """‖v + w‖² − (‖v‖ − ‖w‖)² = 2(⟨v,w⟩ + ‖v‖‖w‖) ≥ 0, from bilinearity and Cauchy–Schwarz: any dimension."""
    vv, ww = sympy.symbols("vv ww", positive=True)  # ⟨v,v⟩, ⟨w,w⟩ (v, w ≠ 0; the zero cases are trivial)
    vw = sympy.Symbol("vw", real=True)               # ⟨v,w⟩
    s = vw / ww
    schwarz = identity(ww * (vv - 2 * s * vw + s**2 * ww), vv * ww - vw**2,
                       note="Cauchy–Schwarz: ⟨w,w⟩⟨v − sw, v − sw⟩ at s = ⟨v,w⟩/⟨w,w⟩ (bilinearity only) vs "
                            "⟨v,v⟩⟨w,w⟩ − ⟨v,w⟩² (≥ 0 as ⟨z,z⟩ ≥ 0), so ⟨v,w⟩ ≥ −‖v‖‖w‖:")
    nv, nw = sympy.sqrt(vv), sympy.sqrt(ww)
    sign = -1 if mutant else 1  # mutant: 2(⟨v,w⟩ − ‖v‖‖w‖)
    expand = identity((vv + 2 * vw + ww) - (nv - nw) ** 2, 2 * (vw + sign * nv * nw),
                      note="‖v + w‖² − (‖v‖ − ‖w‖)² = 2(⟨v,w⟩ + ‖v‖‖w‖), ‖v + w‖² = ⟨v,v⟩ + 2⟨v,w⟩ + ⟨w,w⟩:")
    return all_of(schwarz, expand, SIGMA_MIN_CHARACTERISATION, conclusion=(
        "‖v + Av‖ ≥ ‖v‖ − ‖Av‖ ≥ (1 − ‖A‖)‖v‖ for every v (w = Av), in any dimension, i.e. "
        "σ_min(I + A) ≥ 1 − ‖A‖ (Weyl for singular values)"))


@lru_cache(maxsize=None)
def rotation_family(mutant: bool = False) -> ObligationOutcome:
    """A = t·Rot(θ), 0 ≤ t: (I+A)ᵀ(I+A) = (1 + t² + 2t cos θ) I, and 1 + t² + 2t cosθ − (1 − t)² = 2t(1 + cosθ)."""
    t = sympy.Symbol("t", nonnegative=True)
    th = sympy.Symbol("theta", real=True)
    R = sympy.Matrix([[sympy.cos(th), -sympy.sin(th)], [sympy.sin(th), sympy.cos(th)]])
    M = sympy.eye(2) + t * R
    gram = identity(M.T * M, (1 + t**2 + 2 * t * sympy.cos(th)) * sympy.eye(2), note="(I + tR)ᵀ(I + tR):")
    normA = identity((t * R).T * (t * R), t**2 * sympy.eye(2), note="‖tR‖ = t since (tR)ᵀ(tR) = t²I:")
    k = 2 if mutant else 4  # mutant: 2t cos²(θ/2)
    gap = identity(1 + t**2 + 2 * t * sympy.cos(th) - (1 - t) ** 2, k * t * sympy.cos(th / 2) ** 2,
                   note="σ_min(I+A)² − (1 − ‖A‖)² = 4t cos²(θ/2):")
    sign = nonnegative(4 * t * sympy.cos(th / 2) ** 2)
    return all_of(gram, normA, gap, sign, conclusion="σ_min(I + tR(θ)) ≥ |1 − t| ≥ 1 − ‖A‖ for all t ≥ 0, θ")


@lru_cache(maxsize=None)
def exact_instances(mutant: bool = False) -> ObligationOutcome:
    """Exact rational blocks: one block and a product of two, with sympy's exact singular values."""
    A1 = sympy.Matrix([[0, sympy.Rational(1, 3)], [-sympy.Rational(1, 4), sympy.Rational(1, 5)]])
    A2 = sympy.Matrix([[sympy.Rational(1, 6), 0], [sympy.Rational(1, 7), -sympy.Rational(1, 8)]])
    I2 = sympy.eye(2)
    sgn = 1 if mutant else -1  # mutant: 1 + ‖A‖ instead of 1 − ‖A‖
    one = exact_sign(sigma_min_exact(I2 + A1) - (1 + sgn * norm_exact(A1)), note="σ_min(I+A1) − (1 − ‖A1‖) =")
    prod = (I2 + A2) * (I2 + A1)
    two = exact_sign(sigma_min_exact(prod) - (1 + sgn * norm_exact(A1)) * (1 + sgn * norm_exact(A2)),
                     note="σ_min((I+A2)(I+A1)) − (1 − ‖A1‖)(1 − ‖A2‖) =")
    return all_of(one, two, conclusion="the bound and its two-block product hold on exact rational 2×2 instances")


@lru_cache(maxsize=None)
def no_skip_control(mutant: bool = False) -> ObligationOutcome:
    """Without the skip: A = [[1,1],[1,1]]/2 has σ_min(A) = 0 exactly while σ_min(I + A) = 1."""
    A = sympy.Matrix([[1, 1], [1, 1]]) / 2
    smin, smin_skip = sigma_min_exact(A), sigma_min_exact(sympy.eye(2) + A)
    stated = sympy.Rational(1, 2) if mutant else 1  # mutant: σ_min(I + A) stated as 1/2
    ok = smin == 0 and smin_skip == stated
    return ObligationOutcome(Status.EXACT if ok else Status.FAILED,
                             f"sympy exact, one instance: σ_min(A) = {smin}, σ_min(I + A) = {smin_skip} "
                             f"(stated {stated}), ‖A‖ = {norm_exact(A)}")


@lru_cache(maxsize=None)
def product_of_blocks(mutant: bool = False) -> ObligationOutcome:
    """σ_min(D_{L+1}·M_L) ≥ (1 − c_{L+1})·Π_{k≤L}(1 − c_k) from the step for L blocks: induction, symbolic L.

    s_L = σ_min(M_L) for the product M_L of L block Jacobians, σ = σ_min(D_{L+1}), Π_L = Π_{k≤L}(1 − c_k).
    Slacks: s_{L+1} = σ s_L + e1 (‖D M v‖ ≥ σ‖Mv‖ ≥ σ s_L‖v‖, cited characterisation), s_L = Π_L + e2 (induction
    hypothesis), σ = (1 − c_{L+1}) + e3 (the one-block bound), all e ≥ 0."""
    sig, sL, PiL, c1, e1, e2, e3 = sympy.symbols("sigma s_L Pi_L c e1 e2 e3", nonnegative=True)
    s_next = sig * (PiL + e2) + e1
    sig_v = (1 - c1) + e3
    claim = (1 - c1) ** (2 if mutant else 1) * PiL  # mutant: (1 − c)² per block
    step = identity(s_next.subs(sig, sig_v) - claim, e1 + sig_v * e2 + e3 * PiL,
                    note="s_{L+1} − (1 − c_{L+1})Π_L vs e1 + σe2 + e3Π_L (symbolic L):")
    sign = nonnegative(e1 + sig * e2 + e3 * PiL, note="e1 + σe2 + e3Π_L =")
    return all_of(SIGMA_MIN_CHARACTERISATION, step, sign, conclusion=(
        "σ_min(Π_k D_H R_k) ≥ Π_k (1 − c_k) for any number of blocks with each c_k ≤ 1 (induction on L; "
        "σ_min(MN) ≥ σ_min(M)σ_min(N) for square M, N from the cited characterisation)"))


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
    bounds=(Bound("weyl", sympy.Symbol("σ_min(I + A)"), 1 - sympy.Symbol("‖A‖"), ">="),
            Bound("blocks", sympy.Symbol("σ_min(Π_k D_H R_k)"), sympy.Mul(*[(1 - x) for x in cs]), ">=")),
    obligations=(
        Obligation("reverse-triangle", "‖v + Av‖ ≥ ‖v‖ − ‖Av‖ from Cauchy–Schwarz, any dimension", reverse_triangle,
                   mutated(reverse_triangle), "2(⟨v,w⟩ − ‖v‖‖w‖) in the expansion"),
        Obligation("rotation-family", "the bound on the family A = t·Rot(θ), symbolic t, θ", rotation_family,
                   mutated(rotation_family), "gap 2t cos²(θ/2) instead of 4t cos²(θ/2)"),
        Obligation("exact-instances", "rational 2×2 blocks, one and a product of two (exact)", exact_instances,
                   mutated(exact_instances), "1 + ‖A‖ instead of 1 − ‖A‖"),
        Obligation("no-skip-control", "σ_min(A) = 0 without the skip, 1 with it", no_skip_control,
                   mutated(no_skip_control), "σ_min(I + A) stated as 1/2"),
        Obligation("product-of-blocks", "Π_k(1 − c_k) for any number of blocks (induction, symbolic L)",
                   product_of_blocks, mutated(product_of_blocks), "(1 − c_k)² per block"),
    ),
    derivation=(
        "‖(I + A)v‖ ≥ ‖v‖ − ‖Av‖: sympy expands ‖v + w‖² − (‖v‖ − ‖w‖)² = 2(⟨v,w⟩ + ‖v‖‖w‖) from bilinearity, and "
        "Cauchy–Schwarz (sympy, from the inner-product axioms: any dimension) gives ⟨v,w⟩ ≥ −‖v‖‖w‖.",
        "Hence ‖(I + A)v‖ ≥ (1 − ‖A‖)‖v‖, i.e. σ_min(I + A) ≥ 1 − ‖A‖ (Weyl's inequality for singular values; "
        "σ_min = min over unit v of ‖Mv‖ is cited: Horn & Johnson Thm 7.3.8).",
        "Check on the family A = tR(θ): (I+A)ᵀ(I+A) = (1 + t² + 2t cosθ)I, and the gap to (1 − t)² factors as "
        "2t(1 + cosθ) ≥ 0 (sympy).",
        "Blocks: ‖MNv‖ ≥ σ_min(M)‖Nv‖ ≥ σ_min(M)σ_min(N)‖v‖ for square factors; sympy proves the induction step "
        "L → L + 1 with slack variables (symbolic L), so Π_k(1 − c_k) holds for any number of blocks.",
        "Negative control: A = [[1,1],[1,1]]/2 has σ_min(A) = 0 while σ_min(I + A) = 1 (sympy, exact).",
    ),
)
