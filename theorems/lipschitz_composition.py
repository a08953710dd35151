"""R6c lipschitz-composition: ‖D(f∘g)‖ ≤ a_f a_g,  Lip(D(f∘g)) ≤ b_f a_g² + a_f b_g.

Unrolled for h = f_L∘…∘f_1 with ‖Df_l‖ ≤ a_l, Lip(Df_l) ≤ b_l:
  ‖Dh‖ ≤ Π_l a_l,   Lip(Dh) ≤ Σ_l b_l Π_{k<l} a_k² Π_{k>l} a_k.
Loss: Lip(∇ℓ) ≤ Lip(∇C)‖DF‖² + ‖∇C‖ Lip(DF); mean cross-entropy: ‖∇C‖ ≤ √(2/N), Lip(∇C) ≤ 1/(2N).
Source: docs/theory.md#r6c (derived — the framework's curvature calculus, our constants).
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from theorems.result import Bound, Hypothesis, Obligation, ObligationOutcome, Result
from theorems.sympy_checks import all_of, identity, nonnegative

MAX_L = 6
a = sympy.symbols(f"a_1:{MAX_L + 1}", positive=True)
b = sympy.symbols(f"b_1:{MAX_L + 1}", nonnegative=True)
N = sympy.Symbol("N", positive=True)


def recursion(L: int) -> tuple[sympy.Expr, sympy.Expr]:
    """(A_L, B_L) from A_1 = a_1, B_1 = b_1, A_l = a_l A_{l−1}, B_l = b_l A_{l−1}² + a_l B_{l−1}."""
    A, B = a[0], b[0]
    for l in range(1, L):
        A, B = a[l] * A, b[l] * A**2 + a[l] * B
    return A, B


def closed_form(L: int) -> sympy.Expr:
    return sum(b[l] * sympy.Mul(*[a[k] ** 2 for k in range(l)]) * sympy.Mul(*[a[k] for k in range(l + 1, L)])
               for l in range(L))


@lru_cache(maxsize=None)
def chain_rule_1d() -> ObligationOutcome:
    x = sympy.Symbol("x", real=True)
    F, G = sympy.Function("f"), sympy.Function("g")
    lhs = sympy.diff(F(G(x)), x, 2)
    rhs = sympy.Subs(sympy.diff(F(x), x, 2), x, G(x)).doit() * sympy.diff(G(x), x) ** 2 \
        + sympy.Subs(sympy.diff(F(x), x), x, G(x)).doit() * sympy.diff(G(x), x, 2)
    return identity(lhs, rhs, expand=False, note="(f∘g)″ vs f″(g)g′² + f′(g)g″ (generic f, g):")


@lru_cache(maxsize=None)
def unrolled() -> ObligationOutcome:
    outs = [identity(recursion(L)[1], closed_form(L), simplifier=sympy.expand, note=f"L = {L}:")
            for L in range(1, MAX_L + 1)]
    prods = [identity(recursion(L)[0], sympy.Mul(*a[:L]), note=f"‖Dh‖, L = {L}:") for L in (3, MAX_L)]
    return all_of(*outs, *prods, conclusion=(
        "Lip(D(f_L∘…∘f_1)) ≤ Σ_l b_l Π_{k<l} a_k² Π_{k>l} a_k for L = 1..6; for general L by induction, the "
        "step L → L+1 being the recursion itself (b_{L+1}(Πa_k)² + a_{L+1}·closed_L = closed_{L+1})"))


@lru_cache(maxsize=None)
def induction_step() -> ObligationOutcome:
    """closed_{L+1} = b_{L+1} (Π_{k≤L} a_k)² + a_{L+1} closed_L, checked for L = 1..5."""
    outs = [identity(closed_form(L + 1), b[L] * sympy.Mul(*a[:L]) ** 2 + a[L] * closed_form(L),
                     simplifier=sympy.expand, note=f"L = {L}:") for L in range(1, MAX_L)]
    return all_of(*outs, conclusion="the closed form satisfies the recursion")


@lru_cache(maxsize=None)
def ce_constants() -> ObligationOutcome:
    """Mean CE, N = 2 samples, K = 2: ∇²C = (1/N) blockdiag(diag(s_i) − s_is_iᵀ); ‖∇C‖² ≤ 2/N."""
    Z = sympy.Matrix(2, 2, lambda i, j: sympy.Symbol(f"z{i + 1}{j + 1}", real=True))
    n = 2
    col = lambda j: [Z[0, j], Z[1, j]]  # noqa: E731
    cost = sum(-sympy.log(sympy.exp(Z[0, j]) / (sympy.exp(Z[0, j]) + sympy.exp(Z[1, j]))) for j in range(n)) / n
    flat = col(0) + col(1)
    H = sympy.hessian(cost, flat)
    blocks = []
    for j in range(n):
        s = sympy.Matrix([sympy.exp(t) / sum(sympy.exp(u) for u in col(j)) for t in col(j)])
        blocks.append(sympy.diag(*s) - s * s.T)
    hess = identity(H, sympy.diag(*blocks) / n, note="sympy.hessian of mean CE vs (1/N)·blockdiag(diag(s_i) − s_is_iᵀ):")
    g, w = sympy.symbols("g w", nonnegative=True)  # g_i = 1 − s_{y_i} ∈ [0, 1], w = 1 − g² ≥ 0
    form = identity(sympy.Rational(2, n) - n * 2 * g**2 / n**2, sympy.Rational(2, n) * (1 - g**2),
                    note="2/N − (1/N²)·N·2g² = (2/N)(1 − g²), N = 2:")
    sign = nonnegative(sympy.Rational(2, n) * w, note="with w = 1 − g² ≥ 0 (g ≤ 1):")
    grad = all_of(form, sign, conclusion="‖∇C‖² ≤ 2/N")
    return all_of(hess, grad, conclusion=(
        "Lip(∇C) = max λ(∇²C) ≤ (1/N)·(1/2) (R2 per-sample λ_max ≤ 1/2); ‖∇C‖² = (1/N²)Σ‖s_i − e_i‖² ≤ "
        "(1/N²)·N·2 = 2/N (R2: ‖s − e_y‖² ≤ 2(1 − s_y)² ≤ 2)"))


RESULT = Result(
    id="lipschitz-composition",
    title="Curvature calculus: composing derivative and Lipschitz-derivative bounds",
    provenance="derived",
    section="docs/theory.md#r6c",
    statement=("If ‖Df‖ ≤ a_f, Lip(Df) ≤ b_f and likewise for g, then ‖D(f∘g)‖ ≤ a_f a_g and Lip(D(f∘g)) ≤ b_f a_g² + "
               "a_f b_g; unrolled, Lip(D(f_L∘…∘f_1)) ≤ Σ_l b_l Π_{k<l} a_k² Π_{k>l} a_k. For the loss: Lip(∇ℓ) ≤ "
               "Lip(∇C)‖DF‖² + ‖∇C‖Lip(DF), with ‖∇C‖ ≤ √(2/N), Lip(∇C) ≤ 1/(2N) for mean cross-entropy."),
    latex=(r"\mathrm{Lip}(D(f\circ g))\le b_f a_g^2+a_f b_g,\quad \mathrm{Lip}(Dh)\le\sum_l b_l\prod_{k<l}a_k^2"
           r"\prod_{k>l}a_k"),
    hypotheses=(
        Hypothesis("the constants hold on a set containing g's image (resp. the segments used)",
                   "the chain rule bound is pointwise; global constants give a global Lipschitz bound"),
        Hypothesis("C is the mean cross-entropy for the CE constants", "its Hessian is (1/N)·blockdiag(diag(s) − ssᵀ)"),
    ),
    symbols={**{f"a_{i + 1}": s for i, s in enumerate(a)}, **{f"b_{i + 1}": s for i, s in enumerate(b)}, "N": N},
    bounds=(Bound("composition-L3", sympy.Symbol("Lip_Dh"), closed_form(3)),
            Bound("ce-grad", sympy.Symbol("gradC_norm"), sympy.sqrt(2 / N)),
            Bound("ce-lip", sympy.Symbol("Lip_gradC"), 1 / (2 * N))),
    obligations=(
        Obligation("chain-rule-1d", "(f∘g)″ = f″(g)g′² + f′(g)g″", chain_rule_1d),
        Obligation("unrolled", "recursion = closed form, L = 1..6", unrolled),
        Obligation("induction-step", "closed form satisfies the recursion", induction_step),
        Obligation("ce-constants", "mean-CE Hessian structure and ‖∇C‖² ≤ 2/N", ce_constants),
    ),
    derivation=(
        "D²(f∘g)[u,u] = D²f[Dg u, Dg u] + Df[D²g[u,u]] (sympy, 1-D generic f, g); norms give b_f a_g² + a_f b_g.",
        "Recursion A_l = a_l A_{l−1}, B_l = b_l A_{l−1}² + a_l B_{l−1}; sympy expands it for L = 1..6 and matches "
        "Σ_l b_l Π_{k<l}a_k² Π_{k>l}a_k; the closed form satisfies the same recursion (induction).",
        "Loss: ℓ = C∘F, the same rule with a_C = ‖∇C‖, b_C = Lip(∇C) in the outer slot.",
        "Mean CE: ∇²C = (1/N)blockdiag(diag(s_i) − s_is_iᵀ) (sympy.hessian, N = K = 2), λ_max ≤ 1/(2N) by R2; "
        "‖∇C‖² ≤ 2/N by R2.",
    ),
)
