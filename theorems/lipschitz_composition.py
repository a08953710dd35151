"""R6c lipschitz-composition: ‖D(f∘g)‖ ≤ a_f a_g,  Lip(D(f∘g)) ≤ b_f a_g² + a_f b_g.

Unrolled for h = f_L∘…∘f_1 with ‖Df_l‖ ≤ a_l, Lip(Df_l) ≤ b_l:
  ‖Dh‖ ≤ Π_l a_l,   Lip(Dh) ≤ Σ_l b_l Π_{k<l} a_k² Π_{k>l} a_k.
Loss: Lip(∇ℓ) ≤ Lip(∇C)‖DF‖² + ‖∇C‖ Lip(DF); mean cross-entropy: ‖∇C‖ ≤ √(2/N), Lip(∇C) ≤ 1/(2N).
Source: docs/theory.md#r6c (derived — the framework's curvature calculus, our constants).
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from theorems.result import Bound, Hypothesis, Obligation, ObligationOutcome, Result, Status
from theorems.sympy_checks import all_of, exact, identity, mutated, nonnegative

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
def chain_rule_1d(mutant: bool = False) -> ObligationOutcome:
    x = sympy.Symbol("x", real=True)
    F, G = sympy.Function("f"), sympy.Function("g")
    lhs = sympy.diff(F(G(x)), x, 2)
    rhs = sympy.Subs(sympy.diff(F(x), x, 2), x, G(x)).doit() * sympy.diff(G(x), x) ** (1 if mutant else 2) \
        + sympy.Subs(sympy.diff(F(x), x), x, G(x)).doit() * sympy.diff(G(x), x, 2)  # mutant: g′ not squared
    out = identity(lhs, rhs, expand=False, note="(f∘g)″ vs f″(g)g′² + f′(g)g″ (generic f, g):")
    if out.status is Status.PROVED:
        return out
    # generic functions cannot be sampled: refute on f = sin, g = x³ + x at x = 1/2
    val = (lhs - rhs).subs({F: sympy.Lambda(x, sympy.sin(x)), G: sympy.Lambda(x, x**3 + x)}).doit().subs(x, sympy.Rational(1, 2))
    if sympy.N(val, 30) != 0:
        return ObligationOutcome(Status.FAILED, f"{out.evidence}; at f := sin, g := x³ + x, x := 1/2 the residue is "
                                 f"{sympy.N(val, 15)}")
    return out


def _chain_residue(n: int, m: int, f, gs, mutant: bool) -> sympy.Expr:
    """D²(f∘g)[u,u] − (D²f[Dg u, Dg u] + Df·D²g[u,u]) for g: ℝⁿ → ℝᵐ, f: ℝᵐ → ℝ, as partial derivatives at x."""
    x = sympy.symbols(f"x1:{n + 1}", real=True)
    u = sympy.Matrix(sympy.symbols(f"u1:{n + 1}", real=True))
    y = sympy.symbols(f"y1:{m + 1}", real=True)
    G = [g(*x) for g in gs]
    lhs = (u.T * sympy.hessian(f(*G), x) * u)[0]  # D²h[u,u] = uᵀ∇²h u
    at_g = dict(zip(y, G))
    Hf = sympy.hessian(f(*y), y).subs(at_g)
    Df = sympy.Matrix([[sympy.diff(f(*y), yi) for yi in y]]).subs(at_g)
    Dg = sympy.Matrix(G).jacobian(x)
    D2g = sympy.Matrix([(u.T * sympy.hessian(gi, x) * u)[0] for gi in G])
    rhs = ((Dg * u).T * Hf * (Dg * u))[0] + (2 if mutant else 1) * (Df * D2g)[0]  # mutant: 2·Df·D²g[u,u]
    return sympy.expand(lhs - rhs), x, u


@lru_cache(maxsize=None)
def chain_rule_multivariate(mutant: bool = False) -> ObligationOutcome:
    """D²(f∘g)[u,u] = D²f[Dg·u, Dg·u] + Df·D²g[u,u] for undetermined g: ℝⁿ → ℝᵐ and f: ℝᵐ → ℝ.

    Checked for n = m = 2 with sympy Functions. Both sides are sums over index tuples (i, l outer; j, k inner) of
    products of partial derivatives and u_j u_k whose coefficients depend only on which indices coincide; n = m = 2
    already contains every coincidence pattern (j = k, j ≠ k, i = l, i ≠ l), so this size decides every size (a
    stated reduction; the size itself is checked)."""
    outs = []
    for n, m in ((2, 2),):
        f = sympy.Function("f")
        gs = [sympy.Function(f"g{i + 1}") for i in range(m)]
        residue, x, u = _chain_residue(n, m, f, gs, mutant)
        if residue == 0:
            outs.append(ObligationOutcome(Status.PROVED, f"g: ℝ^{n} → ℝ^{m}, f: ℝ^{m} → ℝ undetermined: "
                                          "expand(lhs − rhs) = 0"))
            continue
        # generic functions cannot be sampled: evaluate the same residue on polynomials at a rational point
        y = sympy.symbols(f"y1:{m + 1}", real=True)
        fc = sympy.Lambda(y, y[0] ** 2 * y[-1] + y[-1] ** 3 + y[0])
        gcs = [sympy.Lambda(x, sum((i + k + 1) * xk ** (k + 2) for k, xk in enumerate(x)) + x[0] * x[-1])
               for i in range(m)]
        wit, xw, uw = _chain_residue(n, m, fc, gcs, mutant)
        point = {**{xi: sympy.Rational(i + 1, 3) for i, xi in enumerate(xw)}, **{ui: 1 for ui in uw}}
        val = wit.subs(point)
        status = Status.FAILED if val != 0 else Status.UNDECIDED
        outs.append(ObligationOutcome(status, f"g: ℝ^{n} → ℝ^{m}: residue ≠ 0; on polynomial f, g at x = (1/3, 2/3, …), "
                                      f"u = (1, …, 1) it is {val}"))
    return all_of(*outs, conclusion=(
        "D²(f∘g)[u,u] = D²f[Dg u, Dg u] + Df[D²g[u,u]] for vector-valued g (any sizes, by the stated index-pattern "
        "reduction); with ‖Df‖ ≤ a_f, ‖D²f‖ ≤ b_f, ‖Dg‖ ≤ a_g, ‖D²g‖ ≤ b_g it gives Lip(D(f∘g)) ≤ b_f a_g² + a_f b_g"))


@lru_cache(maxsize=None)
def unrolled(mutant: bool = False) -> ObligationOutcome:
    wrong = (lambda L: closed_form(L) + (b[0] * a[1] - b[0] * a[1] ** 2 if L == 2 else 0)) if mutant else closed_form
    outs = [identity(recursion(L)[1], wrong(L), simplifier=sympy.expand, note=f"L = {L}:")  # mutant: a_2 for a_2²
            for L in range(1, MAX_L + 1)]
    prods = [identity(recursion(L)[0], sympy.Mul(*a[:L]), note=f"‖Dh‖, L = {L}:") for L in (3, MAX_L)]
    return exact(all_of(*outs, *prods, conclusion=(
        "Lip(D(f_L∘…∘f_1)) ≤ Σ_l b_l Π_{k<l} a_k² Π_{k>l} a_k for L = 1..6; for general L by induction, the "
        "step L → L+1 being the recursion itself (b_{L+1}(Πa_k)² + a_{L+1}·closed_L = closed_{L+1})")), "L = 1..6")


@lru_cache(maxsize=None)
def induction_step(mutant: bool = False) -> ObligationOutcome:
    """closed_{L+1} = b_{L+1} (Π_{k≤L} a_k)² + a_{L+1} closed_L, checked for L = 1..5."""
    outs = [identity(closed_form(L + 1), b[L] * sympy.Mul(*a[:L]) ** (1 if mutant else 2) + a[L] * closed_form(L),
                     simplifier=sympy.expand, note=f"L = {L}:") for L in range(1, MAX_L)]  # mutant: (Πa_k)¹
    return exact(all_of(*outs, conclusion="the closed form satisfies the recursion"), "L = 1..5")


@lru_cache(maxsize=None)
def ce_constants(mutant: bool = False) -> ObligationOutcome:
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
    # ‖∇C‖² = (1/N²)Σ_i‖s_i − e_i‖² ≤ (1/N²)Σ_i 2g_i² with g_i = 1 − s_{y_i} ∈ [0, 1] (R2): the gap to 2/N is
    # (2/N²)Σ_i(1 − g_i²); each term is ≥ 0 because g_i ≤ 1: the symbol below IS 1 − g_i, not a fresh name
    Nn = sympy.Symbol("N", positive=True)
    g_i = sympy.Symbol("g_i", nonnegative=True)
    slack = sympy.Symbol("delta_i", nonnegative=True)  # 1 − g_i ≥ 0, so g_i = 1 − δ_i with δ_i ∈ [0, 1]
    term = 2 * (1 - g_i**2) / Nn**2
    linked = term.subs(g_i, 1 - slack)
    factor = identity(linked, 2 * slack * (2 - slack) / Nn**2,
                      note="per-sample gap (2/N²)(1 − g_i²) at g_i = 1 − δ_i vs (2/N²)δ_i(2 − δ_i):")
    # δ_i ≤ 1: write 2 − δ_i = 1 + (1 − δ_i) = 1 + s_i with s_i = g_i ≥ 0
    sign = nonnegative((2 * slack * (1 + g_i) / Nn**2) if not mutant else (2 * slack * (g_i - 1) / Nn**2),
                       note="(2/N²)δ_i(1 + g_i) with δ_i = 1 − g_i ≥ 0, g_i ≥ 0:")  # mutant: (g_i − 1) for (1 + g_i)
    link = identity((2 - slack).subs(slack, 1 - g_i), 1 + g_i, note="2 − δ_i at δ_i = 1 − g_i vs 1 + g_i:")
    total = identity(Nn * 2 / Nn**2, sympy.Rational(2, 1) / Nn, note="N samples × 2/N² vs 2/N:")
    grad = all_of(factor, link, sign, total, conclusion="‖∇C‖² = 2/N − Σ_i (2/N²)(1 − g_i²) ≤ 2/N, any N")
    return all_of(exact(hess, "N = K = 2"), grad, conclusion=(
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
    bounds=(Bound("composition-L3", sympy.Symbol("Lip(Dh)"), closed_form(3)),
            Bound("ce-grad", sympy.Symbol("‖∇C‖"), sympy.sqrt(2 / N)),
            Bound("ce-lip", sympy.Symbol("Lip(∇C)"), 1 / (2 * N))),
    obligations=(
        Obligation("chain-rule-1d", "(f∘g)″ = f″(g)g′² + f′(g)g″", chain_rule_1d, mutated(chain_rule_1d),
                   "f″(g)g′ instead of f″(g)g′²"),
        Obligation("chain-rule-multivariate", "D²(f∘g)[u,u] = D²f[Dg·u, Dg·u] + Df·D²g[u,u], undetermined vector "
                   "g: ℝⁿ → ℝᵐ, f: ℝᵐ → ℝ", chain_rule_multivariate, mutated(chain_rule_multivariate),
                   "2·Df·D²g[u,u]"),
        Obligation("unrolled", "recursion = closed form, L = 1..6", unrolled, mutated(unrolled),
                   "a_2 instead of a_2² in the closed form at L = 2"),
        Obligation("induction-step", "closed form satisfies the recursion, L = 1..5", induction_step,
                   mutated(induction_step), "(Π a_k) instead of (Π a_k)² in the new term"),
        Obligation("ce-constants", "mean-CE Hessian structure and ‖∇C‖² ≤ 2/N", ce_constants, mutated(ce_constants),
                   "(g_i − 1) instead of (1 + g_i) in the per-sample gap"),
    ),
    derivation=(
        "D²(f∘g)[u,u] = D²f[Dg u, Dg u] + Df[D²g[u,u]] (sympy, undetermined f, g: in 1-D and for vector-valued g: "
        "ℝ²→ℝ²→ℝ, which contains every index pattern); norms give b_f a_g² + a_f b_g.",
        "Recursion A_l = a_l A_{l−1}, B_l = b_l A_{l−1}² + a_l B_{l−1}; sympy expands it for L = 1..6 and matches "
        "Σ_l b_l Π_{k<l}a_k² Π_{k>l}a_k; the closed form satisfies the same recursion (induction).",
        "Loss: ℓ = C∘F, the same rule with a_C = ‖∇C‖, b_C = Lip(∇C) in the outer slot.",
        "Mean CE: ∇²C = (1/N)blockdiag(diag(s_i) − s_is_iᵀ) (sympy.hessian, N = K = 2), λ_max ≤ 1/(2N) by R2; "
        "‖∇C‖² ≤ 2/N by R2.",
    ),
)
