"""R1 kernel-pl: ∇ℓ = D_pFᵀ ∇C(F)  ⇒  ‖∇ℓ‖² = ⟨K ∇C, ∇C⟩ ≥ λ_min(K) ‖∇C‖²,  K = D_pF D_pFᵀ.

Shapes: F: ℝ^P → ℝ^{K×N} (flattened, KN outputs), K is KN × KN PSD.
Source: docs/theory.md#r1 — the paper's Theorem 2.4 (gist confirmed; provenance "paper").
Sympy checks the chain rule on an explicit small network, the kernel identity on a symbolic 2×3
Jacobian, the Rayleigh step for a symbolic symmetric 2×2 kernel, and the square-cost PL identity.
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from theorems.result import Bound, Hypothesis, Obligation, ObligationOutcome, Result, Status
from theorems.sympy_checks import all_of, identity, nonnegative, norm2

J = sympy.Matrix(2, 3, lambda i, k: sympy.Symbol(f"j{i + 1}{k + 1}", real=True))
G = sympy.Matrix(sympy.symbols("g1:3", real=True))
a, b, c = sympy.symbols("a b c", real=True)
N = sympy.Symbol("N", positive=True)
lam = sympy.Symbol("lambda_min", nonnegative=True)


@lru_cache(maxsize=None)
def chain_rule() -> ObligationOutcome:
    """On F(p) = (p1 tanh(p2 x1), p1 p3 x2) with square cost: sympy's gradient of ℓ equals D_pFᵀ ∇C."""
    p = sympy.symbols("p1:4", real=True)
    x1, x2, y1, y2 = sympy.symbols("x1 x2 y1 y2", real=True)
    z = sympy.symbols("z1 z2", real=True)
    F = sympy.Matrix([p[0] * sympy.tanh(p[1] * x1), p[0] * p[2] * x2])
    C = ((z[0] - y1) ** 2 + (z[1] - y2) ** 2) / 4  # N = 2 samples of a scalar output
    ell = C.subs(dict(zip(z, F)))
    grad_ell = sympy.Matrix([sympy.diff(ell, q) for q in p])
    gradC = sympy.Matrix([sympy.diff(C, zz) for zz in z]).subs(dict(zip(z, F)))
    return identity(grad_ell, F.jacobian(p).T * gradC, note="∇ℓ (sympy.diff of ℓ) vs D_pFᵀ∇C:")


@lru_cache(maxsize=None)
def kernel_identity() -> ObligationOutcome:
    grad = J.T * G
    return identity(norm2(grad), (G.T * (J * J.T) * G)[0], note="‖Jᵀg‖² vs ⟨JJᵀg, g⟩ for symbolic 2×3 J:")


def _lambda_min_2x2():
    K = sympy.Matrix([[a, b], [b, c]])
    lmin = (a + c - sympy.sqrt((a - c) ** 2 + 4 * b**2)) / 2
    return K, lmin


@lru_cache(maxsize=None)
def rayleigh_step() -> ObligationOutcome:
    """K − λ_min I ⪰ 0 for symmetric 2×2 K: its determinant is 0 and its trace is ≥ 0."""
    K, lmin = _lambda_min_2x2()
    M = K - lmin * sympy.eye(2)
    det0 = identity(M.det(), 0, note="det(K − λ_min I):")
    tr = nonnegative(M.trace(), note="trace(K − λ_min I) =")
    return all_of(det0, tr, conclusion="K − λ_min I has eigenvalues 0 and tr ≥ 0, so it is PSD and "
                  "⟨Kg, g⟩ ≥ λ_min ‖g‖² (a 2×2 symmetric matrix with det 0 and trace ≥ 0 is PSD)")


@lru_cache(maxsize=None)
def square_cost_pl() -> ObligationOutcome:
    """‖∇ℓ‖² − (2λ/N)ℓ = ⟨(K − λI)∇C, ∇C⟩ once ‖∇C‖² = (2/N)C (R2), with ∇C = (Z − Y)/N, N = 2."""
    z = sympy.Matrix(sympy.symbols("z1 z2", real=True))
    y = sympy.Matrix(sympy.symbols("y1 y2", real=True))
    n = 2
    C = norm2(z - y) / (2 * n)
    gradC = sympy.Matrix([sympy.diff(C, zz) for zz in z])
    Kmat = J * J.T
    lhs = norm2(J.T * gradC) - 2 * lam / n * C
    rhs = (gradC.T * (Kmat - lam * sympy.eye(2)) * gradC)[0]
    return identity(lhs, rhs, note="‖Jᵀ∇C‖² − (2λ/N)C vs ⟨(K − λI)∇C,∇C⟩ (N = 2, symbolic J, z, y):")


@lru_cache(maxsize=None)
def ce_gradient_nonzero() -> ObligationOutcome:
    """For softmax s of symbolic logits (K = 3): the label component of ∇c is s_y − 1 < 0, so ∇C ≠ 0."""
    z = sympy.symbols("z1:4", real=True)
    s_y = sympy.exp(z[0]) / sum(sympy.exp(t) for t in z)
    e = sympy.simplify(1 - s_y)
    verdict = e.is_positive
    status = Status.PROVED if verdict is True else Status.FAILED if verdict is False else Status.UNDECIDED
    return ObligationOutcome(status, f"sympy: 1 − s_y = {e}; is_positive = {verdict}")


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
    bounds=(Bound("kernel-pl", sympy.Symbol("gradl_sq"), lam * sympy.Symbol("gradC_sq"), ">="),
            Bound("square-pl", sympy.Symbol("gradl_sq"), 2 * lam / N * sympy.Symbol("loss"), ">=")),
    obligations=(
        Obligation("chain-rule", "sympy gradient of ℓ = D_pFᵀ∇C on an explicit small network", chain_rule),
        Obligation("kernel-identity", "‖Jᵀg‖² = ⟨JJᵀg, g⟩ for a symbolic 2×3 Jacobian", kernel_identity),
        Obligation("rayleigh-step", "K − λ_min(K) I ⪰ 0 for a symbolic symmetric 2×2 K", rayleigh_step),
        Obligation("square-cost-pl", "‖∇ℓ‖² − (2λ/N)ℓ = ⟨(K−λI)∇C, ∇C⟩ for the square cost", square_cost_pl),
        Obligation("ce-gradient-nonzero", "the label entry of ∇c is s_y − 1 < 0", ce_gradient_nonzero),
    ),
    derivation=(
        "Chain rule: ℓ = C∘F, so Dℓ = DC·D_pF and ∇ℓ = D_pFᵀ∇C (sympy: diff of ℓ vs Jacobianᵀ·∇C, residue 0).",
        "‖∇ℓ‖² = ∇Cᵀ D_pF D_pFᵀ ∇C = ⟨K∇C, ∇C⟩ (sympy expands both sides for a symbolic 2×3 J).",
        "Rayleigh: K − λ_min I is PSD (sympy: det = 0 and trace = √((a−c)²+4b²) ≥ 0 for K = [[a,b],[b,c]]), "
        "so ⟨K g, g⟩ ≥ λ_min‖g‖².",
        "Square cost: ‖∇C‖² = (2/N)C (R2), so ‖∇ℓ‖² − (2λ/N)ℓ = ⟨(K − λI)∇C, ∇C⟩ ≥ 0 (sympy identity).",
        "Critical point with K ≻ 0: 0 = ‖∇ℓ‖² ≥ λ_min‖∇C‖² forces ∇C = 0, a global minimum of convex C.",
        "Cross-entropy: the y-entry of s − e_y is −(1 − s_y) = −Σ_{j≠y}e^{z_j}/Σ_j e^{z_j} < 0 (sympy "
        "is_positive), so ∇C ≠ 0 and ℓ has no critical point where K ≻ 0.",
    ),
)
