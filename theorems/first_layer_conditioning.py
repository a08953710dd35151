"""R5 first-layer-conditioning: the map V′ ↦ V′X has σ_min = σ_N(X) (N ≤ d, rank X = N), for every V.

Shapes: V ∈ ℝ^{m×d}, X ∈ ℝ^{d×N}; with row-major vec, vec(V′X) = (I_m ⊗ Xᵀ) vec(V′), an mN × md matrix
whose Gram is I_m ⊗ XᵀX: its singular values are those of X, each m times. Source: docs/theory.md#r5
(reconstructed). Sympy builds the map's matrix by differentiating vec(VX), on a symbolic X of fixed size
(m = 2, d = 3, N = 2: EXACT; the general identity vec(VX) = (I_m ⊗ Xᵀ)vec(V) is the standard vec rule).
"""

from __future__ import annotations

from functools import lru_cache

import sympy
from sympy.physics.quantum import TensorProduct

from theorems.result import Bound, Hypothesis, Obligation, ObligationOutcome, Result, Status
from theorems.sympy_checks import all_of, cited, exact, identity, mutated

m_, d_, N_ = 2, 3, 2


def _map_matrix(d: int, n: int):
    X = sympy.Matrix(d, n, lambda i, j: sympy.Symbol(f"x{i + 1}{j + 1}", real=True))
    V = sympy.Matrix(m_, d, lambda i, j: sympy.Symbol(f"v{i + 1}{j + 1}", real=True))
    out = (V * X).reshape(m_ * n, 1)  # row-major vec
    return X, V, out.jacobian(V.reshape(m_ * d, 1))


@lru_cache(maxsize=None)
def kronecker_form(mutant: bool = False) -> ObligationOutcome:
    X, V, M = _map_matrix(d_, N_)
    kron = identity(M, TensorProduct(sympy.eye(m_), (2 if mutant else 1) * X.T),  # mutant: I ⊗ 2Xᵀ
                    note="D_V vec(VX) vs I_m ⊗ Xᵀ (m=2, d=3, N=2):")
    gram = identity(M * M.T, TensorProduct(sympy.eye(m_), X.T * X), note="its Gram vs I_m ⊗ XᵀX:")
    free = M.free_symbols & set(V)
    indep = ObligationOutcome(Status.PROVED if not free else Status.FAILED,
                              f"V-symbols in the map's matrix: {sorted(map(str, free)) or 'none'}")
    rule = cited("vec(AXB) = (Bᵀ ⊗ A)vec(X) (column-major; the row-major form used here is vec(VX) = "
                 "(I ⊗ Xᵀ)vec(V)) in every size", "Horn & Johnson, Topics in Matrix Analysis (1991), Lemma 4.3.1")
    return all_of(exact(all_of(kron, gram, indep, conclusion="the map is I ⊗ Xᵀ with Gram I ⊗ XᵀX, no V"),
                        "m = 2, d = 3, N = 2"), rule, conclusion=(
        "spectrum of MMᵀ = spectrum of XᵀX (×m), σ_min = σ_N(X), independent of V"))


@lru_cache(maxsize=None)
def eigen_match(mutant: bool = False) -> ObligationOutcome:
    """Characteristic polynomial of MMᵀ equals that of XᵀX to the power m (symbolic X, m = 2)."""
    X, _, M = _map_matrix(d_, N_)
    lam = sympy.Symbol("lambda")
    power = m_ + 1 if mutant else m_  # mutant: exponent m + 1
    return exact(identity((M * M.T).charpoly(lam).as_expr(), (X.T * X).charpoly(lam).as_expr() ** power,
                          simplifier=sympy.expand, note="charpoly(MMᵀ) vs charpoly(XᵀX)^m:"), "m = 2, d = 3, N = 2")


@lru_cache(maxsize=None)
def wide_batch_degenerate(mutant: bool = False) -> ObligationOutcome:
    """N > d: XᵀX (3×3) has rank ≤ 2, det = 0 identically, so σ_min of the map is 0."""
    d = 3 if mutant else 2  # mutant: d = N = 3, where the degeneracy must not appear
    X = sympy.Matrix(d, 3, lambda i, j: sympy.Symbol(f"x{i + 1}{j + 1}", real=True))
    return exact(identity((X.T * X).det(), 0, note=f"det(XᵀX) for symbolic X ∈ ℝ^{{{d}×3}} (N = 3, d = {d}):"),
                 "d = 2, N = 3")


sN = sympy.Symbol("sigma_N", nonnegative=True)
RESULT = Result(
    id="first-layer-conditioning",
    title="The first linear layer's parameter-Jacobian is conditioned by the data alone",
    provenance="reconstructed",
    section="docs/theory.md#r5",
    statement=("For f_1(V, X) = VX with V ∈ ℝ^{m×d}: the map V′ ↦ V′X has σ_min = σ_N(X) when N ≤ d and rank X = N, "
               "independent of V; it is 0 when N > d."),
    latex=r"\sigma_{\min}(V'\mapsto V'X)=\sigma_N(X)\quad(N\le d,\ \mathrm{rank}\,X=N)",
    hypotheses=(
        Hypothesis("N ≤ d and rank X = N (linearly independent inputs)",
                   "otherwise XᵀX is singular and the map is not onto ℝ^{m×N}: σ_min = 0"),
    ),
    symbols={"sigma_N": sN},
    bounds=(Bound("first-layer", sympy.Symbol("σ_min(V′ ↦ V′X)"), sN, "="),),
    obligations=(
        Obligation("kronecker-form", "D_V vec(VX) = I ⊗ Xᵀ with Gram I ⊗ XᵀX, no V", kronecker_form,
                   mutated(kronecker_form), "I ⊗ 2Xᵀ"),
        Obligation("eigen-match", "charpoly(MMᵀ) = charpoly(XᵀX)^m", eigen_match, mutated(eigen_match),
                   "exponent m + 1"),
        Obligation("wide-batch-degenerate", "N > d ⇒ det(XᵀX) = 0", wide_batch_degenerate,
                   mutated(wide_batch_degenerate), "d = N = 3 (the hypothesis N > d dropped)"),
    ),
    derivation=(
        "sympy differentiates vec(VX) (row-major) with respect to vec(V): the matrix is I_m ⊗ Xᵀ and contains no V.",
        "Its Gram (I ⊗ Xᵀ)(I ⊗ X) = I ⊗ XᵀX, so the singular values are those of X repeated m times "
        "(sympy: charpoly(MMᵀ) = charpoly(XᵀX)^m); the smallest of the mN is σ_N(X).",
        "If N > d, XᵀX (N×N) has rank ≤ d < N: det = 0 identically (sympy), so the map is not onto and σ_min = 0.",
    ),
)
