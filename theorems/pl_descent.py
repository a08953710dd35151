"""R0 pl-descent: ℓ(p − η∇ℓ) ≤ ℓ(p) − η(1 − βη/2)‖∇ℓ‖²; with PL, the factor 1 − 2μη(1 − βη/2).

Shapes: p ∈ ℝ^P, ∇ℓ β-Lipschitz on the segments. Source: docs/theory.md#r0 (reconstructed: the standard
chain of estimates the paper builds on). Sympy derives the optimal step η = 1/β, the factor 1 − μ/β,
the step-size window 0 < η < 2/β, and shows the descent lemma is an equality on ℓ(p) = (β/2)p².
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from theorems.result import Bound, Hypothesis, Obligation, ObligationOutcome, Result, Status
from theorems.sympy_checks import all_of, derived, identity, nonnegative

eta = sympy.Symbol("eta", positive=True)
beta, mu = sympy.symbols("beta mu", positive=True)
gap, gnorm2 = sympy.symbols("Delta g2", nonnegative=True)  # ℓ_t − ℓ*, ‖∇ℓ_t‖²
FACTOR = 1 - 2 * mu * eta * (1 - beta * eta / 2)


@lru_cache(maxsize=None)
def optimal_step() -> ObligationOutcome:
    crit = sympy.solve(sympy.diff(FACTOR, eta), eta)
    curv = sympy.diff(FACTOR, eta, 2)
    if len(crit) != 1:
        return derived(crit, [1 / beta], evidence=f"sympy.solve(dρ/dη = 0) = {crit}")
    step = derived(crit[0], 1 / beta, evidence=f"sympy.solve(d/dη[1 − 2μη(1 − βη/2)] = 0, η) = {crit}")
    convex = nonnegative(curv, note="d²ρ/dη² =")
    value = derived(sympy.simplify(FACTOR.subs(eta, crit[0])), 1 - mu / beta,
                    evidence="factor at η = 1/β")
    out = all_of(step, convex, value, conclusion="η = 1/β minimises the factor, giving 1 − μ/β")
    status = Status.DERIVED if out.status is Status.PROVED else out.status
    return ObligationOutcome(status, out.evidence, {"eta_opt": crit[0], "factor": value.value})


@lru_cache(maxsize=None)
def step_window() -> ObligationOutcome:
    e = sympy.Symbol("eta", real=True)
    sol = sympy.solve_univariate_inequality(e * (1 - beta * e / 2) > 0, e, relational=False)
    return derived(sol, sympy.Interval.open(0, 2 / beta),
                   evidence=f"sympy: η(1 − βη/2) > 0 ⟺ η ∈ {sol}")


@lru_cache(maxsize=None)
def quadratic_equality() -> ObligationOutcome:
    p = sympy.Symbol("p", real=True)
    ell = beta * p**2 / 2
    g = sympy.diff(ell, p)
    return identity(ell.subs(p, p - eta * g), ell - eta * (1 - beta * eta / 2) * g**2,
                    note="ℓ = βp²/2: ℓ(p − ηℓ′) vs ℓ − η(1 − βη/2)ℓ′² (the lemma is tight):")


@lru_cache(maxsize=None)
def pl_contraction() -> ObligationOutcome:
    """ℓ_{t+1} − ℓ* ≤ Δ − η(1 − βη/2)g2 with g2 ≥ 2μΔ gives FACTOR·Δ (for η in the window)."""
    after = gap - eta * (1 - beta * eta / 2) * 2 * mu * gap
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
    bounds=(Bound("descent", sympy.Symbol("ell_next"), sympy.Symbol("ell") - eta * (1 - beta * eta / 2) * gnorm2),
            Bound("pl-rate", sympy.Symbol("gap_next"), FACTOR * gap)),
    obligations=(
        Obligation("optimal-step", "argmin_η of 1 − 2μη(1 − βη/2) and its value", optimal_step),
        Obligation("step-window", "η(1 − βη/2) > 0 ⟺ 0 < η < 2/β", step_window),
        Obligation("quadratic-equality", "equality in the descent lemma for ℓ = βp²/2", quadratic_equality),
        Obligation("pl-contraction", "descent + PL gives the factor 1 − 2μη(1 − βη/2)", pl_contraction),
    ),
    derivation=(
        "Descent lemma: ℓ(p − η g) ≤ ℓ(p) − η‖g‖² + (β/2)η²‖g‖² = ℓ(p) − η(1 − βη/2)‖g‖² (Lipschitz gradient, "
        "integrated along the segment); sympy shows equality for ℓ = βp²/2.",
        "PL: subtract ℓ* and use ‖g‖² ≥ 2μ(ℓ − ℓ*): factor ρ(η) = 1 − 2μη(1 − βη/2) (sympy identity).",
        "sympy: dρ/dη = −2μ + 2μβη = 0 ⇒ η = 1/β; d²ρ/dη² = 2μβ > 0 (minimum); ρ(1/β) = 1 − μ/β.",
        "sympy.solve_univariate_inequality: η(1 − βη/2) > 0 ⟺ 0 < η < 2/β.",
    ),
)
