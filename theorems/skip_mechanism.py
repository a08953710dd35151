"""R8 skip-mechanism: skips raise Π σ_min(D_H f_k)²; isometric shortcuts at width changes.

* 1-D: P = √s·AvgPool_s (kernel = stride = s) as an (n/s) × n matrix has PPᵀ = I, so all its singular
  values are exactly 1; 2-D: s·AvgPool_s (s×s windows) likewise; zero-padding channels E = [I; 0] has
  EᵀE = I (an isometric embedding).
* Random-matrix illustration (numeric, see numerics/experiments): A ∈ ℝ^{n×n}, entries U(−a, a),
  a = 1/√n: entry variance a²/3, so ‖A‖ ≈ 2√n·a/√3 = 2/√3 ≈ 1.155 (Bai–Yin edge) — R4's Weyl bound
  1 − ‖A‖ is then vacuous; σ_min(I + A) ≈ 0.3 and σ(I + A) ⊂ [0.3, 1.9] are experimental facts, not
  theorems here; σ(I + A) ⊂ [max(0, 1 − ‖A‖), 1 + ‖A‖] is the only bound we state.
Source: docs/theory.md#r8 (reconstructed: the causal mechanism; experiments from the authors' code).
"""

from __future__ import annotations

from functools import lru_cache

import sympy
from sympy.physics.quantum import TensorProduct

from theorems.result import Bound, Hypothesis, Obligation, ObligationOutcome, Result
from theorems.sympy_checks import all_of, exact, identity, mutated

n_sym, a_sym = sympy.symbols("n a", positive=True)
OP_NORM_ESTIMATE = 2 * sympy.sqrt(n_sym) * a_sym / sympy.sqrt(3)  # Bai–Yin: 2√n × entry std


def avgpool_1d(s: int, n_out: int, scale=None) -> sympy.Matrix:
    """√s·AvgPool_s as a matrix (scale overrides √s, e.g. for a negative control)."""
    scale = sympy.sqrt(s) if scale is None else sympy.sympify(scale)
    return sympy.Matrix(n_out, n_out * s, lambda i, j: scale / sympy.Integer(s) if j // s == i else 0)


@lru_cache(maxsize=None)
def avgpool_1d_isometry(mutant: bool = False) -> ObligationOutcome:
    pool = (lambda s, k: avgpool_1d(s, k, scale=1)) if mutant else avgpool_1d  # mutant: plain AvgPool_s, no √s
    outs = [identity(pool(s, k) * pool(s, k).T, sympy.eye(k), note=f"s = {s}, n = {s * k}:")
            for s in (2, 3, 4) for k in (2, 3)]
    sym = sympy.Symbol("s", positive=True, integer=True)
    row = identity(sym * (sympy.sqrt(sym) / sym) ** 2, 1, note="symbolic s: a row has s entries √s/s, ‖row‖² =")
    return all_of(exact(all_of(*outs, conclusion="PPᵀ = I"), "s = 2, 3, 4; 2 and 3 windows"), row,
                  conclusion="√s·AvgPool_s has orthonormal rows (disjoint windows): all singular values 1")


@lru_cache(maxsize=None)
def avgpool_2d_isometry(mutant: bool = False) -> ObligationOutcome:
    outs = []
    for s in (2, 3):
        P1 = avgpool_1d(s, 2, scale=1)  # plain AvgPool_s in 1-D
        P2 = (sympy.sqrt(s) if mutant else s) * TensorProduct(P1, P1)  # mutant: √s·AvgPool_s (the 1-D scale)
        outs.append(identity(P2 * P2.T, sympy.eye(4), note=f"2-D s = {s}, 2×2 output:"))
    return exact(all_of(*outs, conclusion="s·AvgPool_s (s×s windows) has orthonormal rows: all singular values 1"),
                 "s = 2, 3; 2×2 output")


@lru_cache(maxsize=None)
def zero_padding_isometry(mutant: bool = False) -> ObligationOutcome:
    pad = sympy.ones if mutant else sympy.zeros  # mutant: pad with ones, E = [I; 1]
    outs = [identity(sympy.eye(c).col_join(pad(extra, c)).T * sympy.eye(c).col_join(pad(extra, c)),
                     sympy.eye(c), note=f"{c} → {c + extra} channels:") for c, extra in ((2, 1), (3, 3))]
    return exact(all_of(*outs, conclusion="zero-padding E = [I; 0] is an isometric embedding (EᵀE = I)"),
                 "2 → 3 and 3 → 6 channels")


@lru_cache(maxsize=None)
def random_matrix_norm(mutant: bool = False) -> ObligationOutcome:
    var = sympy.integrate(sympy.Symbol("x") ** 2 / (2 * a_sym), (sympy.Symbol("x"), -a_sym, a_sym))
    entry_var = identity(var, a_sym**2 / (2 if mutant else 3), note="Var U(−a, a) = a²/3:")  # mutant: a²/2
    est = identity(OP_NORM_ESTIMATE.subs(a_sym, 1 / sympy.sqrt(n_sym)), 2 / sympy.sqrt(3),
                   note="2√n·a/√3 at a = 1/√n:")
    return all_of(entry_var, est, conclusion=(
        f"‖A‖ ≈ 2/√3 ≈ {sympy.N(2 / sympy.sqrt(3), 4)} > 1 (asymptotic estimate, not a bound): R4's 1 − ‖A‖ is "
        "vacuous here; σ_min(I + A) ≈ 0.3 is measured in the experiment"))


RESULT = Result(
    id="skip-mechanism",
    title="Skip connections raise the smallest singular values of the layers' input-Jacobians",
    provenance="reconstructed",
    section="docs/theory.md#r8",
    statement=("The PL constant of R1/R3 contains Π σ_min(D_H f_k)². A skip replaces D_H g (spectrum reaching ≈ 0) by "
               "I + D_H g (spectrum clustered around 1). At a width change, √s·AvgPool_s (1-D) or s·AvgPool_s (2-D) "
               "have all singular values exactly 1 and zero-padding is isometric, so an identity-like shortcut exists. "
               "Random-matrix and training-speed claims are experimental (numerics/experiments)."),
    latex=r"P=\sqrt{s}\,\mathrm{AvgPool}_s:\ PP^\top=I,\qquad E=\begin{bmatrix}I\\0\end{bmatrix}:\ E^\top E=I",
    hypotheses=(
        Hypothesis("kernel = stride = s and the length divisible by s", "the pooling windows are then disjoint, so "
                   "the rows are orthogonal"),
        Hypothesis("the random-matrix statements are asymptotic/empirical", "they are checked by experiment, not by sympy"),
    ),
    symbols={"n": n_sym, "a": a_sym},
    bounds=(Bound("random-norm-estimate", sympy.Symbol("‖A‖"), OP_NORM_ESTIMATE, "="),
            Bound("skip-lower", sympy.Symbol("σ_min(I + A)"), sympy.Max(0, 1 - sympy.Symbol("‖A‖")), ">=")),
    obligations=(
        Obligation("avgpool-1d-isometry", "√s·AvgPool_s has PPᵀ = I", avgpool_1d_isometry,
                   mutated(avgpool_1d_isometry), "plain AvgPool_s (the √s dropped)"),
        Obligation("avgpool-2d-isometry", "s·AvgPool_s (2-D) has PPᵀ = I", avgpool_2d_isometry,
                   mutated(avgpool_2d_isometry), "√s·AvgPool_s in 2-D (the 1-D scale)"),
        Obligation("zero-padding-isometry", "EᵀE = I for zero-padding", zero_padding_isometry,
                   mutated(zero_padding_isometry), "padding with ones instead of zeros"),
        Obligation("random-matrix-norm", "entry variance and the 2/√3 norm estimate", random_matrix_norm,
                   mutated(random_matrix_norm), "Var U(−a, a) = a²/2"),
    ),
    derivation=(
        "√s·AvgPool_s: row i has s entries √s/s on window i; windows are disjoint, so rows are orthogonal with "
        "‖row‖² = s·(1/s) = 1 (sympy, s = 2, 3, 4 and symbolic s).",
        "2-D: s·AvgPool_s = s·(P₁ ⊗ P₁) with P₁ the 1-D average; sympy checks PPᵀ = I.",
        "Zero-padding E = [I; 0]: EᵀE = I (sympy); an isometric embedding, singular values 1.",
        "U(−a, a) has variance a²/3 (sympy integral); at a = 1/√n the Bai–Yin estimate 2√n·a/√3 = 2/√3 > 1, so "
        "only the experiment shows σ_min(I + A) ≈ 0.3.",
    ),
)
