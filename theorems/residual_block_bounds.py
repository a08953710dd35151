"""‖DR‖, ‖D²R‖ of one residual block R(H) = H + α Ŵ₂ σ(Ŵ₁ BN_ε(H)), derived by the product rule (R7).

Shapes: H ∈ ℝ^{K×N}, W₁ ∈ ℝ^{m×K}, W₂ ∈ ℝ^{K×m} (raw, every row of norm ≥ r: the shell S_r), Ŵ row-wise
weight-normalised, BN_ε row-wise over the N samples, σ elementwise. Source: R7 (our reconstruction), with the
R6 (weight normalisation) and R6b (batch normalisation) constants.

Method. Along a line p(t) = p + t·(E₁, E₂, U) every factor becomes a function of t: Ŵ₁(t), Ŵ₂(t), B(t) =
BN_ε(H + tU), H(t) = H + tU (affine: H″ = 0) and σ, σ′, σ″ (sympy Functions whose derivative is the next
one). sympy differentiates R(t) once and twice (product and chain rule, PROVED by sympy.diff), expands, and
bounds every monomial by the product of its factors' norm bounds (``factor_bounds``):

  ‖Ŵ₁‖ ≤ √m, ‖Ŵ₂‖ ≤ √K           unit rows: ‖Ŵ‖₂ ≤ ‖Ŵ‖_F = √rows
  ‖Ŵ′‖ ≤ x/r, ‖Ŵ″‖ ≤ κ_w x²/r²     R6 on S_r, x = ‖E‖; κ_w = 2/√3 sharp (3 the looser stated constant)
  ‖B‖ ≤ √(KN), ‖B′‖ ≤ u/√ε          R6b: ‖BN(h)‖² < N per row, ‖DBN‖ ≤ 1/√ε, u = ‖U‖
  ‖B″‖ ≤ κ_b u²/(√N ε)              R6b; κ_b = 48/(25√5) exact (6 the looser stated constant)
  ‖σ(Z)‖ ≤ √(mN)s0 + s1‖Z‖          |σ(z)| ≤ |σ(0)| + sup|σ′|·|z|, with ‖Z‖ ≤ ‖Ŵ₁‖‖B‖
  σ′(Z), σ″(Z) as Hadamard factors ≤ s1, s2 (sup norms of σ′, σ″)

CITED steps (not proved by sympy): submultiplicativity ‖AB‖_F ≤ ‖A‖_F‖B‖_F and ‖a⊙b‖_F ≤ ‖a‖_max‖b‖_F ≤
‖a‖_F‖b‖_F; the triangle inequality over the monomials. The scalar (commutative) expansion is valid for the
matrix expression because the Leibniz rule (fg)′ = f′g + fg′ holds for every bilinear product (matrix,
Hadamard) with the factor order kept, so each matrix term has exactly the factors of one scalar monomial and
the same multiplicity; only the factor norms enter the bound.

The first derivative gives P(x₁, x₂, u) = a·u + e1·x₁ + e2·x₂, the second a quadratic form
Q = [x₁ x₂ u] M [x₁ x₂ u]ᵀ with non-negative M. With w² = x₁² + x₂²:
  (W,W)  M₁₁x₁² + 2M₁₂x₁x₂ + M₂₂x₂² ≤ λ_max[[M₁₁, M₁₂], [M₁₂, M₂₂]]·w²          (Rayleigh quotient, CITED)
  (H,W)  2(M₁₃x₁ + M₂₃x₂)u ≤ 2√(M₁₃² + M₂₃²)·w·u                                 (Cauchy–Schwarz, CITED)
  (H,H)  M₃₃u²
λ_max of a symmetric 2×2 matrix is ``lam2(p, q, c) = (p + q)/2 + √(((p − q)/2)² + c²)`` (obligation
quadratic-form-sup of R7 proves it is the sup of the form on the unit circle).
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from theorems.bn_bounds import BN_D2_EXACT
from theorems.wn_invariance import WN_D2_SHARP

N, K, m, eps, r = sympy.symbols("N K m epsilon r", positive=True)
s0 = sympy.Symbol("s0", nonnegative=True)
s1, s2 = sympy.symbols("s1 s2", positive=True)
al = sympy.Symbol("alpha", positive=True)
# norms of the direction's components: x1 = ‖E₁‖, x2 = ‖E₂‖, u = ‖U‖ (H-slot)
x1, x2, u = sympy.symbols("x1 x2 u", nonnegative=True)
t = sympy.Symbol("t", real=True)

WN_D2_SPEC = sympy.Integer(3)  # R6's stated constant in ‖D²ŵ‖ ≤ 3/‖w‖² (named comparison only)
BN_D2_SPEC = sympy.Integer(6)  # R6b's stated constant in ‖D²BN‖ ≤ 6/(√N ε) (named comparison only)


def _twice_differentiable(name: str) -> tuple[type, type, type]:
    """Undefined sympy functions f, f1, f2 with f′ = f1 and f1′ = f2 (f2's own derivative is never needed:
    R is differentiated twice), so sympy's chain rule writes the derivatives of R in these names."""
    second = type(f"{name}2", (sympy.Function,), {})
    first = type(f"{name}1", (sympy.Function,), {"fdiff": lambda self, argindex=1: second(self.args[0])})
    func = type(name, (sympy.Function,), {"fdiff": lambda self, argindex=1: first(self.args[0])})
    return func, first, second


sigma, sigma1, sigma2 = _twice_differentiable("sigma")  # σ, σ′, σ″
# BN_ε(H): its t-derivatives are DBN[H′] = bn1·H′ and D²BN[H′, H′] + DBN[H″] = bn2·H′² + bn1·H″
bn, bn1, bn2 = _twice_differentiable("bn")
cost, cost1, cost2 = _twice_differentiable("cost")  # C, ∇C, D²C (the cost's Hessian)


W1, W2, H = (sympy.Function(n)(t) for n in ("W1hat", "W2hat", "H"))
B = bn(H)
Z = W1 * B
# layer step: H = G_{k−1}(p(t)) with ‖G′‖ ≤ A·u, ‖G″‖ ≤ B·u² (u = norm of the earlier parameters' component)
A_prev, B_prev = sympy.symbols("A_prev B_prev", nonnegative=True)
LIP_GRAD_C = 1 / (2 * N)  # R2: Lip(∇C) of mean cross-entropy
GRAD_C = sympy.sqrt(2 / N)  # R2: ‖∇C‖


def block_map() -> sympy.Expr:
    """R(t) = H(t) + α Ŵ₂(t) σ(Ŵ₁(t) BN(H(t))) with scalar stand-ins for the matrix factors."""
    return H + al * W2 * sigma(Z)


def factor_bounds(kappa_w=WN_D2_SHARP, kappa_b=BN_D2_EXACT, overrides: tuple = (), layer: bool = False) -> dict:
    """Factor -> bound on its norm (module docstring). ``layer``: H = G_{k−1}(p(t)) (‖H′‖ ≤ A_prev·u,
    ‖H″‖ ≤ B_prev·u²) instead of the affine H + tU. ``overrides`` ((factor, bound), …) replaces entries
    (mutants: one wrong ingredient)."""
    d = sympy.Derivative
    z_bound = sympy.sqrt(m) * sympy.sqrt(K * N)
    table = {
        W1: sympy.sqrt(m), d(W1, t): x1 / r, d(W1, (t, 2)): kappa_w * x1**2 / r**2,
        W2: sympy.sqrt(K), d(W2, t): x2 / r, d(W2, (t, 2)): kappa_w * x2**2 / r**2,
        B: sympy.sqrt(K * N), bn1(H): 1 / sympy.sqrt(eps), bn2(H): kappa_b / (sympy.sqrt(N) * eps),
        d(H, t): A_prev * u if layer else u, d(H, (t, 2)): B_prev * u**2 if layer else sympy.Integer(0),
        sigma(Z): s0 * sympy.sqrt(m * N) + s1 * z_bound, sigma1(Z): s1, sigma2(Z): s2,
    }
    table.update(dict(overrides))
    return table


def bound_terms(expr: sympy.Expr, table: dict) -> sympy.Expr:
    """Σ over the monomials of expand(expr) of |coefficient|·Π(factor bound)^power; KeyError for a factor with no
    bound (the derivation then stops rather than guess)."""
    total = sympy.Integer(0)
    for term in sympy.Add.make_args(sympy.expand(expr)):
        coeff, factors = term.as_coeff_mul()
        bound = abs(coeff)
        for f in factors:
            base, power = f.as_base_exp()
            if base in table:
                bound *= table[base] ** power
            elif base.free_symbols <= {al} and not base.has(t):
                bound *= abs(f)  # α and numbers: positive constants
            else:
                raise KeyError(f"no norm bound for the factor {f}")
        total += bound
    return sympy.expand(total)


def lam2(p, q, c):
    """λ_max of [[p, c], [c, q]]: (p + q)/2 + √(((p − q)/2)² + c²)."""
    return (p + q) / 2 + sympy.sqrt(((p - q) / 2) ** 2 + c**2)


@lru_cache(maxsize=None)
def derive(kappa_w=WN_D2_SHARP, kappa_b=BN_D2_EXACT, overrides: tuple = (), layer: bool = False) -> dict:
    """The block's constants from the product rule: keys P, Q (the bounding polynomials), M (3×3 form),
    a, e1, e2 (first derivative in H, W₁, W₂), bWW, bHW, bHH (second derivative blocks), in α = ``al``.
    With ``layer`` the H-slot is G_{k−1} (factor_bounds): a·A_prev, bHW·A_prev, bHH·A_prev² + a·B_prev."""
    R = block_map()
    table = factor_bounds(kappa_w, kappa_b, overrides, layer)
    P = bound_terms(sympy.diff(R, t), table)
    Q = bound_terms(sympy.diff(R, t, 2), table)
    gens = (x1, x2, u)
    pp, qq = sympy.Poly(P, *gens), sympy.Poly(Q, *gens)
    if not (pp.is_homogeneous and pp.total_degree() == 1 and qq.is_homogeneous and qq.total_degree() == 2):
        raise ValueError(f"bounds are not a linear and a quadratic form in (x1, x2, u): {P}; {Q}")

    def c(poly, *mono):
        return poly.coeff_monomial(sympy.Mul(*mono))

    M = sympy.Matrix(3, 3, lambda i, j: c(qq, gens[i] ** 2) if i == j else c(qq, gens[i], gens[j]) / 2)
    return {"P": P, "Q": Q, "M": M, "a": c(pp, u), "e1": c(pp, x1), "e2": c(pp, x2),
            "bWW": lam2(M[0, 0], M[1, 1], M[0, 1]), "bHW": sympy.sqrt(M[0, 2] ** 2 + M[1, 2] ** 2),
            "bHH": M[2, 2]}


@lru_cache(maxsize=None)
def derive_loss(overrides: tuple = ()) -> dict:
    """ℓ(t) = C(G(t)) with ‖G′‖ ≤ A_prev, ‖G″‖ ≤ B_prev (unit direction) and R2's ‖∇C‖ ≤ √(2/N),
    Lip(∇C) ≤ 1/(2N): sympy's chain rule and the same term-by-term bound give the loss curvature bound."""
    G = H
    table = {cost1(G): GRAD_C, cost2(G): LIP_GRAD_C, sympy.Derivative(G, t): A_prev,
             sympy.Derivative(G, (t, 2)): B_prev}
    table.update(dict(overrides))
    return {"first": bound_terms(sympy.diff(cost(G), t), table), "second": bound_terms(sympy.diff(cost(G), t, 2), table)}
