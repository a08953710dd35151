"""R0 pl-descent: ℓ(p − η∇ℓ) ≤ ℓ(p) − η(1 − βη/2)‖∇ℓ‖²; with PL, the factor 1 − 2μη(1 − βη/2).

Shapes: p ∈ ℝ^P, ∇ℓ β-Lipschitz on the segments. Source: docs/theory.md#r0 (reconstructed: the standard
chain of estimates the paper builds on). Sympy proves the descent lemma for any β-smooth ℓ through the
integral form of Taylor's theorem (the chain rule along the segment cited), derives the optimal step
η = 1/β, the factor 1 − μ/β, the step-size window 0 < η < 2/β, and shows the lemma is an equality on
ℓ(p) = (β/2)p².
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from theorems.result import Bound, Hypothesis, Obligation, ObligationOutcome, Result, Status
from theorems.sympy_checks import all_of, cited, derived, identity, mutated, nonnegative

eta = sympy.Symbol("eta", positive=True)
beta, mu = sympy.symbols("beta mu", positive=True)
gap, gnorm2 = sympy.symbols("Delta g2", nonnegative=True)  # ℓ_t − ℓ*, ‖∇ℓ_t‖²
FACTOR = 1 - 2 * mu * eta * (1 - beta * eta / 2)


@lru_cache(maxsize=None)
def descent_lemma(mutant: bool = False) -> ObligationOutcome:
    """ℓ(p + d) ≤ ℓ(p) + ⟨∇ℓ(p), d⟩ + (β/2)‖d‖² for any ℓ with β-Lipschitz gradient on the segment, any P.

    φ(t) = ℓ(p + td) is a function of one variable: sympy proves the integral form of Taylor's theorem
    φ(1) − φ(0) − φ′(0) − B/2 = ∫₀¹ (φ′(t) − φ′(0) − Bt) dt for an undetermined φ (B = β‖d‖²), Cauchy–Schwarz
    from the inner-product axioms alone (no dimension), and the algebra at d = −η∇ℓ. Mutant: B/2 → B/4.
    """
    t = sympy.Symbol("t", real=True)
    B = sympy.Symbol("B", nonnegative=True)  # β‖d‖²
    phi = sympy.Function("phi")
    dphi0 = sympy.Subs(sympy.diff(phi(t), t), t, 0).doit()
    half = sympy.Rational(1, 4) if mutant else sympy.Rational(1, 2)
    taylor = identity(sympy.integrate(sympy.diff(phi(t), t) - dphi0 - B * t, (t, 0, 1)),
                      phi(1) - phi(0) - dphi0 - half * B,
                      note="∫₀¹(φ′(t) − φ′(0) − Bt)dt vs φ(1) − φ(0) − φ′(0) − B/2 (undetermined φ):")
    aa, bb = sympy.symbols("aa bb", positive=True)  # ⟨x,x⟩, ⟨y,y⟩
    ab = sympy.Symbol("ab", real=True)                # ⟨x,y⟩
    s = ab / bb
    schwarz = identity(bb * (aa - 2 * s * ab + s**2 * bb), aa * bb - ab**2,
                       note="Cauchy–Schwarz: ⟨y,y⟩·⟨x − sy, x − sy⟩ at s = ⟨x,y⟩/⟨y,y⟩ (bilinearity only) vs "
                            "⟨x,x⟩⟨y,y⟩ − ⟨x,y⟩²; it is ≥ 0 by ⟨z,z⟩ ≥ 0, in every dimension:")
    chain = cited("φ′(t) = ⟨∇ℓ(p + td), d⟩ (chain rule along the segment), so by Cauchy–Schwarz and the "
                  "Lipschitz gradient φ′(t) − φ′(0) ≤ ‖∇ℓ(p + td) − ∇ℓ(p)‖‖d‖ ≤ βt‖d‖² = Bt; the integrand above "
                  "is ≤ 0, hence so is its integral (monotonicity of the integral)",
                  "Nesterov, Lectures on Convex Optimization (2018), Lemma 1.2.3")
    ell, g2 = sympy.symbols("ell g2", real=True)
    at_step = identity(ell + (-eta * g2) + (beta * eta**2 * g2) / 2, ell - eta * (1 - beta * eta / 2) * g2,
                       note="d = −ηg: ℓ + ⟨g, d⟩ + (β/2)‖d‖² vs ℓ − η(1 − βη/2)‖g‖²:")
    return all_of(taylor, schwarz, chain, at_step, conclusion=(
        "ℓ(p − ηg) ≤ ℓ(p) − η(1 − βη/2)‖g‖² for every β-smooth ℓ on ℝ^P, any P (the descent lemma)"))


@lru_cache(maxsize=None)
def optimal_step(mutant: bool = False) -> ObligationOutcome:
    crit = sympy.solve(sympy.diff(FACTOR, eta), eta)
    curv = sympy.diff(FACTOR, eta, 2)
    if len(crit) != 1:
        return derived(crit, [1 / beta], evidence=f"sympy.solve(dρ/dη = 0) = {crit}")
    step = derived(crit[0], 1 / beta, evidence=f"sympy.solve(d/dη[1 − 2μη(1 − βη/2)] = 0, η) = {crit}")
    convex = nonnegative(curv, note="d²ρ/dη² =")
    stated = 1 - mu / (2 * beta) if mutant else 1 - mu / beta  # mutant: the rate 1 − μ/(2β)
    value = derived(sympy.simplify(FACTOR.subs(eta, crit[0])), stated,
                    evidence="factor at η = 1/β")
    out = all_of(step, convex, value, conclusion="η = 1/β minimises the factor, giving 1 − μ/β")
    status = Status.DERIVED if out.status is Status.PROVED else out.status
    return ObligationOutcome(status, out.evidence, {"eta_opt": crit[0], "factor": value.value})


@lru_cache(maxsize=None)
def step_window(mutant: bool = False) -> ObligationOutcome:
    e = sympy.Symbol("eta", real=True)
    sol = sympy.solve_univariate_inequality(e * (1 - beta * e / 2) > 0, e, relational=False)
    return derived(sol, sympy.Interval.open(0, (1 if mutant else 2) / beta),  # mutant: window 0 < η < 1/β
                   evidence=f"sympy: η(1 − βη/2) > 0 ⟺ η ∈ {sol}")


@lru_cache(maxsize=None)
def quadratic_equality(mutant: bool = False) -> ObligationOutcome:
    p = sympy.Symbol("p", real=True)
    ell = beta * p**2 / 2
    g = sympy.diff(ell, p)
    factor = (1 - beta * eta) if mutant else (1 - beta * eta / 2)  # mutant: βη instead of βη/2
    return identity(ell.subs(p, p - eta * g), ell - eta * factor * g**2,
                    note="ℓ = βp²/2: ℓ(p − ηℓ′) vs ℓ − η(1 − βη/2)ℓ′² (the lemma is tight):")


@lru_cache(maxsize=None)
def pl_contraction(mutant: bool = False) -> ObligationOutcome:
    """ℓ_{t+1} − ℓ* ≤ Δ − η(1 − βη/2)g2 with g2 ≥ 2μΔ gives FACTOR·Δ (for η in the window)."""
    after = gap - eta * (1 - beta * eta / 2) * (1 if mutant else 2) * mu * gap  # mutant: PL with μ, not 2μ
    return identity(after, FACTOR * gap, note="Δ − η(1 − βη/2)·2μΔ vs (1 − 2μη(1 − βη/2))Δ:")


RESULT = Result(
    id="pl-descent",
    title="Descent lemma and linear convergence under a PL inequality",
    provenance="reconstructed",
    section="docs/theory.md#r0",
    statement=("If ∇ℓ is β-Lipschitz on the segments [p_t, p_{t+1}] and 0 < η < 2/β, then "
               "ℓ(p_{t+1}) ≤ ℓ(p_t) − η(1 − βη/2)‖∇ℓ(p_t)‖². If moreover ‖∇ℓ‖² ≥ 2μ(ℓ − ℓ*), then "
               "ℓ_{t+1} − ℓ* ≤ (1 − 2μη(1 − βη/2))(ℓ_t − ℓ*); η = 1/β minimises the factor, giving 1 − μ/β."),
    latex=(r"\ell_{t+1}\le\ell_t-\eta(1-\tfrac{\beta\eta}{2})\|\nabla\ell_t\|^2,\quad "
           r"\ell_{t+1}-\ell^*\le\big(1-2\mu\eta(1-\tfrac{\beta\eta}2)\big)(\ell_t-\ell^*)"),
    hypotheses=(
        Hypothesis("∇ℓ is β-Lipschitz on every segment [p_t, p_{t+1}]",
                   "the descent lemma integrates ∇ℓ along the segment; outside it no curvature control"),
        Hypothesis("0 < η < 2/β", "η(1 − βη/2) > 0 only in this window; beyond it the step may increase ℓ"),
        Hypothesis("‖∇ℓ‖² ≥ 2μ(ℓ − ℓ*) (PL), μ > 0", "turns the guaranteed decrease into a contraction of ℓ − ℓ*"),
    ),
    symbols={"eta": eta, "beta": beta, "mu": mu},
    bounds=(Bound("descent", sympy.Symbol("ℓ(p_next)"), sympy.Symbol("ℓ(p)") - eta * (1 - beta * eta / 2) * gnorm2),
            Bound("pl-rate", sympy.Symbol("ℓ(p_next) − ℓ*"), FACTOR * gap)),
    obligations=(
        Obligation("descent-lemma", "ℓ(p − ηg) ≤ ℓ(p) − η(1 − βη/2)‖g‖² for any β-smooth ℓ (integral Taylor)",
                   descent_lemma, mutated(descent_lemma), "β‖d‖²/4 instead of β‖d‖²/2 in Taylor's remainder"),
        Obligation("optimal-step", "argmin_η of 1 − 2μη(1 − βη/2) and its value", optimal_step,
                   mutated(optimal_step), "stated rate 1 − μ/(2β) instead of 1 − μ/β"),
        Obligation("step-window", "η(1 − βη/2) > 0 ⟺ 0 < η < 2/β", step_window,
                   mutated(step_window), "window 0 < η < 1/β instead of 2/β"),
        Obligation("quadratic-equality", "equality in the descent lemma for ℓ = βp²/2", quadratic_equality,
                   mutated(quadratic_equality), "factor 1 − βη instead of 1 − βη/2"),
        Obligation("pl-contraction", "descent + PL gives the factor 1 − 2μη(1 − βη/2)", pl_contraction,
                   mutated(pl_contraction), "PL inequality with μ instead of 2μ"),
    ),
    derivation=(
        "Descent lemma, any β-smooth ℓ: φ(t) = ℓ(p + td) has φ(1) − φ(0) − φ′(0) − β‖d‖²/2 = ∫₀¹(φ′(t) − φ′(0) − "
        "βt‖d‖²)dt (sympy, undetermined φ) and φ′(t) − φ′(0) = ⟨∇ℓ(p + td) − ∇ℓ(p), d⟩ ≤ βt‖d‖² (chain rule and "
        "Cauchy–Schwarz; cited, Nesterov Lemma 1.2.3), so ℓ(p − ηg) ≤ ℓ(p) − η‖g‖² + (β/2)η²‖g‖² = "
        "ℓ(p) − η(1 − βη/2)‖g‖²; sympy shows equality for ℓ = βp²/2.",
        "PL: subtract ℓ* and use ‖g‖² ≥ 2μ(ℓ − ℓ*): factor ρ(η) = 1 − 2μη(1 − βη/2) (sympy identity).",
        "sympy: dρ/dη = −2μ + 2μβη = 0 ⇒ η = 1/β; d²ρ/dη² = 2μβ > 0 (minimum); ρ(1/β) = 1 − μ/β.",
        "sympy.solve_univariate_inequality: η(1 − βη/2) > 0 ⟺ 0 < η < 2/β.",
    ),
)
