"""R1 kernel-pl: ∇ℓ = D_pFᵀ ∇C(F)  ⇒  ‖∇ℓ‖² = ⟨K ∇C, ∇C⟩ ≥ λ_min(K) ‖∇C‖²,  K = D_pF D_pFᵀ.

Shapes: F: ℝ^P → ℝ^{K×N} (flattened, KN outputs), K is KN × KN PSD.
Source: docs/theory.md#r1 — the paper's Theorem 2.4 (gist confirmed; provenance "paper").
Sympy checks the chain rule on an explicit small network (exact), the kernel identity for a Jacobian of
symbolic size (proved), the Rayleigh step from the spectral theorem (cited) and on a symbolic symmetric 2×2
kernel (exact), the square-cost PL identity (N = 2, exact) and ∇C ≠ 0 for any number of classes (proved).
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from theorems.result import Bound, Hypothesis, Obligation, ObligationOutcome, Result, Status
from theorems.sympy_checks import all_of, cited, exact, identity, matrix_identity, mutated, nonnegative, norm2

J = sympy.Matrix(2, 3, lambda i, k: sympy.Symbol(f"j{i + 1}{k + 1}", real=True))
G = sympy.Matrix(sympy.symbols("g1:3", real=True))
a, b, c = sympy.symbols("a b c", real=True)
N = sympy.Symbol("N", positive=True)
lam = sympy.Symbol("lambda_min", nonnegative=True)


@lru_cache(maxsize=None)
def chain_rule(mutant: bool = False) -> ObligationOutcome:
    """On F(p) = (p1 tanh(p2 x1), p1 p3 x2) with square cost: sympy's gradient of ℓ equals D_pFᵀ ∇C."""
    p = sympy.symbols("p1:4", real=True)
    x1, x2, y1, y2 = sympy.symbols("x1 x2 y1 y2", real=True)
    z = sympy.symbols("z1 z2", real=True)
    F = sympy.Matrix([p[0] * sympy.tanh(p[1] * x1), p[0] * p[2] * x2])
    C = ((z[0] - y1) ** 2 + (z[1] - y2) ** 2) / 4  # N = 2 samples of a scalar output
    ell = C.subs(dict(zip(z, F)))
    grad_ell = sympy.Matrix([sympy.diff(ell, q) for q in p])
    gradC = sympy.Matrix([sympy.diff(C, zz) for zz in z]).subs(dict(zip(z, F)))
    gradC = 2 * gradC if mutant else gradC  # mutant: ∇C doubled
    return exact(identity(grad_ell, F.jacobian(p).T * gradC, note="∇ℓ (sympy.diff of ℓ) vs D_pFᵀ∇C:"),
                 "one explicit network F(p) = (p1 tanh(p2 x1), p1 p3 x2), square cost")


_m, _P = sympy.symbols("m P", integer=True, positive=True)


@lru_cache(maxsize=None)
def kernel_identity(mutant: bool = False) -> ObligationOutcome:
    Jm, g = sympy.MatrixSymbol("J", _m, _P), sympy.MatrixSymbol("g", _m, 1)
    K = (2 if mutant else 1) * Jm * Jm.T  # mutant: 2JJᵀ
    return matrix_identity((Jm.T * g).T * (Jm.T * g), g.T * K * g, dims={_m: 2, _P: 3},
                           note="‖Jᵀg‖² vs ⟨JJᵀg, g⟩ for J ∈ ℝ^{m×P}, symbolic m, P:")


def _lambda_min_2x2():
    K = sympy.Matrix([[a, b], [b, c]])
    lmin = (a + c - sympy.sqrt((a - c) ** 2 + 4 * b**2)) / 2
    return K, lmin


@lru_cache(maxsize=None)
def rayleigh_step(mutant: bool = False) -> ObligationOutcome:
    """⟨Kg, g⟩ ≥ λ_min(K)‖g‖² for symmetric K of any size: spectral theorem (cited), then a sum of n terms."""
    spectral = cited("a real symmetric K is QΛQᵀ with Q orthogonal; with c = Qᵀg, ⟨Kg, g⟩ = Σ_i λ_i c_i² and "
                     "‖g‖² = Σ_i c_i²", "spectral theorem; Horn & Johnson, Matrix Analysis (2013), Thm 2.5.6, "
                     "and the Rayleigh quotient, Thm 4.2.2")
    lam_i, c_i = sympy.Symbol("lambda_i", real=True), sympy.Symbol("c_i", real=True)
    delta = sympy.Symbol("delta", nonnegative=True)
    # term i: λ_i = λ_min + δ_i (δ_i ≥ 0); mutant: compare with λ_max = λ_i + δ_i instead
    ref = lam_i + delta if mutant else lam_i - delta
    term = nonnegative((lam_i * c_i**2 - ref * c_i**2), note="term i: λ_i c_i² − λ_min c_i² with λ_i − λ_min = δ ≥ 0:")
    n, i = sympy.Symbol("n", integer=True, positive=True), sympy.Symbol("i", integer=True)
    d, c = sympy.IndexedBase("delta", nonnegative=True), sympy.IndexedBase("c", real=True)
    total = nonnegative(sympy.Sum(d[i] * c[i] ** 2, (i, 1, n)), note="Σ_{i=1}^n δ_i c_i², symbolic n:")
    return all_of(spectral, term, total, conclusion="⟨Kg, g⟩ − λ_min‖g‖² = Σ_i (λ_i − λ_min)c_i² ≥ 0, any size")


@lru_cache(maxsize=None)
def rayleigh_2x2(mutant: bool = False) -> ObligationOutcome:
    """K − λ_min I ⪰ 0 for symmetric 2×2 K: its determinant is 0 and its trace is ≥ 0."""
    K, lmin = _lambda_min_2x2()
    if mutant:  # λ_max in place of λ_min
        lmin = (a + c + sympy.sqrt((a - c) ** 2 + 4 * b**2)) / 2
    M = K - lmin * sympy.eye(2)
    det0 = identity(M.det(), 0, note="det(K − λ_min I):")
    tr = nonnegative(M.trace(), note="trace(K − λ_min I) =")
    return exact(all_of(det0, tr, conclusion="K − λ_min I has eigenvalues 0 and tr ≥ 0, so it is PSD and "
                        "⟨Kg, g⟩ ≥ λ_min ‖g‖² (a 2×2 symmetric matrix with det 0 and trace ≥ 0 is PSD)"),
                 "K = [[a, b], [b, c]], symbolic entries")


@lru_cache(maxsize=None)
def square_cost_pl(mutant: bool = False) -> ObligationOutcome:
    """‖∇ℓ‖² − (2λ/N)ℓ = ⟨(K − λI)∇C, ∇C⟩ once ‖∇C‖² = (2/N)C (R2), with ∇C = (Z − Y)/N, N = 2."""
    z = sympy.Matrix(sympy.symbols("z1 z2", real=True))
    y = sympy.Matrix(sympy.symbols("y1 y2", real=True))
    n = 2
    C = norm2(z - y) / (2 * n)
    gradC = sympy.Matrix([sympy.diff(C, zz) for zz in z])
    Kmat = J * J.T
    lhs = norm2(J.T * gradC) - (1 if mutant else 2) * lam / n * C  # mutant: λ/N instead of 2λ/N
    rhs = (gradC.T * (Kmat - lam * sympy.eye(2)) * gradC)[0]
    return exact(identity(lhs, rhs, note="‖Jᵀ∇C‖² − (2λ/N)C vs ⟨(K − λI)∇C,∇C⟩ (N = 2, symbolic J, z, y):"),
                 "N = 2 samples, J ∈ ℝ^{2×3}")


@lru_cache(maxsize=None)
def ce_gradient_nonzero(mutant: bool = False) -> ObligationOutcome:
    """For softmax s of any number K ≥ 2 of classes: the label entry of ∇c is s_y − 1 < 0, so ∇C ≠ 0.

    s_y = e^{z_y}/(e^{z_y} + S), S = Σ_{j=1}^{K−1} e^{z_j} over the other classes (a symbolic sum, K − 1 ≥ 1)."""
    m, j = sympy.Symbol("M", integer=True, positive=True), sympy.Symbol("j", integer=True)
    z, zy = sympy.IndexedBase("z", real=True), sympy.Symbol("z_y", real=True)
    S = sympy.Sum(sympy.exp(z[j]), (j, 1, m))
    s_y = sympy.exp(zy) / (sympy.exp(zy) + S)
    e = sympy.simplify((1 - 2 * s_y) if mutant else (1 - s_y))  # mutant: 1 − 2s_y
    verdict = e.is_positive
    evidence = f"sympy: 1 − s_y = {e} with S = Σ_(j=1)^(K−1) e^(z_j), K − 1 ≥ 1 symbolic; is_positive = {verdict}"
    if verdict is True:
        return ObligationOutcome(Status.PROVED, evidence)
    if verdict is None:  # look for a sign change with S replaced by a positive number
        spos = sympy.Symbol("S", positive=True)
        return nonnegative(-e.subs(S, spos), note=f"{evidence}; − (1 − s_y) with S > 0 =")
    return ObligationOutcome(Status.FAILED, evidence)


RESULT = Result(
    id="kernel-pl",
    title="Positive-definite tangent kernel ⇒ PL-type inequality (every critical point is global)",
    provenance="paper",
    section="docs/theory.md#r1 (paper Theorem 2.4, gist)",
    statement=("For any multilayer F and differentiable cost C, ∇ℓ(p) = D_pF(p)ᵀ∇C(F(p)), hence "
               "‖∇ℓ‖² = ⟨K∇C, ∇C⟩ ≥ λ_min(K)‖∇C‖² with K = D_pF D_pFᵀ. If K ≻ 0 and C is convex, every "
               "critical point of ℓ is a global minimum. Square cost: ‖∇ℓ‖² ≥ (2λ_min(K)/N)ℓ. "
               "Cross-entropy: ∇C never vanishes, so ℓ has no critical point where K ≻ 0."),
    latex=(r"\nabla\ell = D_pF^\top\nabla C,\quad \|\nabla\ell\|^2=\langle K\nabla C,\nabla C\rangle"
           r"\ge\lambda_{\min}(K)\,\|\nabla C\|^2"),
    hypotheses=(
        Hypothesis("F is differentiable in p and C is differentiable",
                   "the chain rule ∇ℓ = D_pFᵀ∇C needs both derivatives"),
        Hypothesis("K(p) ≻ 0 (λ_min > 0)", "otherwise ∇C can lie in ker D_pFᵀ and ∇ℓ = 0 away from a minimum"),
        Hypothesis("C convex (for the critical-point consequence)",
                   "∇C = 0 is then a global minimum of C, hence of ℓ"),
    ),
    symbols={"lambda_min": lam, "N": N},
    bounds=(Bound("kernel-pl", sympy.Symbol("‖∇ℓ‖²"), lam * sympy.Symbol("‖∇C‖²"), ">="),
            Bound("square-pl", sympy.Symbol("‖∇ℓ‖²"), 2 * lam / N * sympy.Symbol("ℓ"), ">=")),
    obligations=(
        Obligation("chain-rule", "sympy gradient of ℓ = D_pFᵀ∇C on an explicit small network", chain_rule,
                   mutated(chain_rule), "∇C doubled"),
        Obligation("kernel-identity", "‖Jᵀg‖² = ⟨JJᵀg, g⟩ for a Jacobian of symbolic size", kernel_identity,
                   mutated(kernel_identity), "2JJᵀ instead of JJᵀ"),
        Obligation("rayleigh-step", "⟨Kg, g⟩ ≥ λ_min(K)‖g‖², symmetric K of any size (spectral theorem)",
                   rayleigh_step, mutated(rayleigh_step), "λ_max in place of λ_min"),
        Obligation("rayleigh-2x2", "K − λ_min(K) I ⪰ 0 for a symbolic symmetric 2×2 K", rayleigh_2x2,
                   mutated(rayleigh_2x2), "λ_max in place of λ_min"),
        Obligation("square-cost-pl", "‖∇ℓ‖² − (2λ/N)ℓ = ⟨(K−λI)∇C, ∇C⟩ for the square cost", square_cost_pl,
                   mutated(square_cost_pl), "λ/N instead of 2λ/N"),
        Obligation("ce-gradient-nonzero", "the label entry of ∇c is s_y − 1 < 0, any K ≥ 2", ce_gradient_nonzero,
                   mutated(ce_gradient_nonzero), "1 − 2s_y > 0 claimed instead of 1 − s_y > 0"),
    ),
    derivation=(
        "Chain rule: ℓ = C∘F, so Dℓ = DC·D_pF and ∇ℓ = D_pFᵀ∇C (sympy: diff of ℓ vs Jacobianᵀ·∇C, residue 0).",
        "‖∇ℓ‖² = ∇Cᵀ D_pF D_pFᵀ ∇C = ⟨K∇C, ∇C⟩ (sympy expands both sides for a symbolic 2×3 J).",
        "Rayleigh: K = QΛQᵀ (spectral theorem, cited), so ⟨Kg, g⟩ − λ_min‖g‖² = Σ(λ_i − λ_min)c_i² ≥ 0 (sympy, "
        "symbolic n); exact 2×2 check: det(K − λ_min I) = 0 and trace = √((a−c)²+4b²) ≥ 0 for K = [[a,b],[b,c]].",
        "Square cost: ‖∇C‖² = (2/N)C (R2), so ‖∇ℓ‖² − (2λ/N)ℓ = ⟨(K − λI)∇C, ∇C⟩ ≥ 0 (sympy identity).",
        "Critical point with K ≻ 0: 0 = ‖∇ℓ‖² ≥ λ_min‖∇C‖² forces ∇C = 0, a global minimum of convex C.",
        "Cross-entropy: the y-entry of s − e_y is −(1 − s_y) = −Σ_{j≠y}e^{z_j}/Σ_j e^{z_j} < 0 (sympy "
        "is_positive), so ∇C ≠ 0 and ℓ has no critical point where K ≻ 0.",
    ),
)
