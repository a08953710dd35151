"""Shared sympy deciders: turn "lhs = rhs" / "expr ≥ 0" into an honest ObligationOutcome.

* identity(lhs, rhs): PROVED iff sympy simplifies lhs − rhs to exactly 0 (entrywise for matrices).
  Otherwise the residue is evaluated at seeded random exact points that respect the symbols'
  assumptions; a residue that is clearly non-zero there is FAILED (with the point), else UNDECIDED.
* nonnegative(expr): PROVED iff sympy's assumption system says ``is_nonnegative is True`` after
  simplification; ``False`` or a negative value at a sampled admissible point is FAILED; ``None`` is
  UNDECIDED. Sympy's None is never a pass.
* derived(value, expected): DERIVED(value) iff simplify(value − expected) == 0, else FAILED.
"""

from __future__ import annotations

import random
from typing import Callable, Iterable

import sympy

from theorems.result import ObligationOutcome, Status

FAIL_THRESHOLD = sympy.Rational(1, 10**12)  # a sampled residue above this (at 30 digits) refutes


def _name(fn) -> str:
    name = getattr(fn, "__name__", "simplify")
    return "simplify" if name == "<lambda>" else name


def _entries(expr) -> list:
    if isinstance(expr, sympy.MatrixBase):
        return list(expr)
    return [sympy.sympify(expr)]


def _sample_point(symbols: Iterable[sympy.Symbol], rng: random.Random) -> dict:
    point = {}
    for s in sorted(symbols, key=str):
        num = rng.randint(1, 29)
        if s.is_positive:
            point[s] = sympy.Rational(num, 7)
        elif s.is_nonnegative:
            point[s] = sympy.Rational(num - 1, 7)
        elif s.is_negative:
            point[s] = -sympy.Rational(num, 7)
        else:
            point[s] = sympy.Rational(rng.randint(-29, 29), 7)
    return point


def _refute(residues: list, admissible: Callable[[dict], bool] | None, sign: str, seed: int = 0):
    """Look for a sampled point where a residue is non-zero (sign='zero') or negative (sign='nonneg')."""
    rng = random.Random(seed)
    syms = set().union(*(r.free_symbols for r in residues)) if residues else set()
    for _ in range(12):
        point = _sample_point(syms, rng)
        if admissible is not None and not admissible(point):
            continue
        for r in residues:
            val = sympy.N(r.subs(point), 30)
            if not val.is_real:
                continue
            if (sign == "zero" and abs(val) > FAIL_THRESHOLD) or (sign == "nonneg" and val < -FAIL_THRESHOLD):
                shown = ", ".join(f"{k} := {v}" for k, v in point.items())
                return f"at {shown}: residue = {sympy.N(val, 15)}"
    return None


def identity(lhs, rhs, *, simplifier: Callable = sympy.simplify, note: str = "",
             admissible: Callable[[dict], bool] | None = None, expand: bool = True) -> ObligationOutcome:
    diff = (lhs - rhs) if isinstance(lhs, sympy.MatrixBase) else sympy.sympify(lhs) - sympy.sympify(rhs)
    residues = [simplifier(sympy.expand(e) if expand else e) for e in _entries(diff)]
    nonzero = [r for r in residues if r != 0]
    prefix = f"{note} " if note else ""
    if not nonzero:
        return ObligationOutcome(Status.PROVED, f"{prefix}sympy: {_name(simplifier)}(lhs − rhs) = 0"
                                 f" ({len(residues)} entr{'y' if len(residues) == 1 else 'ies'})")
    witness = _refute(nonzero, admissible, "zero")
    if witness is not None:
        return ObligationOutcome(Status.FAILED, f"{prefix}lhs − rhs simplifies to {nonzero[0]}; false {witness}")
    return ObligationOutcome(Status.UNDECIDED,
                             f"{prefix}sympy left a residue it could not reduce to 0: {nonzero[0]}")


def nonnegative(expr, *, simplifier: Callable = sympy.simplify, note: str = "",
                admissible: Callable[[dict], bool] | None = None) -> ObligationOutcome:
    e = simplifier(sympy.sympify(expr))
    prefix = f"{note} " if note else ""
    verdict = e.is_nonnegative
    if verdict is True:
        return ObligationOutcome(Status.PROVED, f"{prefix}sympy: ({e}).is_nonnegative is True")
    witness = _refute([e], admissible, "nonneg")
    if verdict is False or witness is not None:
        return ObligationOutcome(Status.FAILED, f"{prefix}sympy: {e} is negative {witness or '(is_nonnegative False)'}")
    return ObligationOutcome(Status.UNDECIDED, f"{prefix}sympy: ({e}).is_nonnegative is None")


def derived(value, expected=None, *, evidence: str) -> ObligationOutcome:
    if expected is not None:
        if isinstance(value, sympy.Set) or isinstance(expected, sympy.Set):
            same = value == expected
            residue = "sets differ"
        else:
            residue = sympy.simplify(sympy.sympify(value) - sympy.sympify(expected))
            same = residue == 0
        if not same:
            return ObligationOutcome(Status.FAILED, f"{evidence}; derived {short(value)} ≠ stated {short(expected)}"
                                     f" (difference {short(residue)})", value)
        evidence = f"{evidence}; equals the stated {short(expected)}"
    return ObligationOutcome(Status.DERIVED, evidence, value)


def all_of(*outcomes: ObligationOutcome, conclusion: str) -> ObligationOutcome:
    """Chain sub-steps: PROVED only if every step is PROVED (or DERIVED); the worst status wins."""
    text = "; ".join(f"[{o.status.value}] {o.evidence}" for o in outcomes)
    for bad in (Status.FAILED, Status.UNDECIDED):
        if any(o.status is bad for o in outcomes):
            return ObligationOutcome(bad, f"{text} ⇒ not established: {conclusion}")
    return ObligationOutcome(Status.PROVED, f"{text} ⇒ {conclusion}")


def short(expr, limit: int = 160) -> str:
    text = str(expr)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def norm2(v) -> sympy.Expr:
    """Squared Euclidean/Frobenius norm of a sympy matrix."""
    return sum((e**2 for e in v), sympy.Integer(0))


def nonnegative_from_zero(g, var: sympy.Symbol, *, note: str = "") -> ObligationOutcome:
    """g ≥ 0 on [0, ∞) by Taylor/monotonicity: g(0) = g'(0) = … = g^(n−1)(0) = 0 and g^(n) ≥ 0 there.

    Sympy decides the values at 0 and the sign of the n-th derivative (var must be declared
    nonnegative); the step "g^(n) ≥ 0 ⇒ g^(n−1) non-decreasing from 0 ⇒ … ⇒ g ≥ 0" is the mean value
    theorem, stated in the evidence rather than proved by sympy.
    """
    steps, d = [], g
    for order in range(6):
        sign = sympy.simplify(d).is_nonnegative
        if sign is True:
            steps.append(f"g^({order}) = {sympy.simplify(d)} is ≥ 0 for {var} ≥ 0 (sympy is_nonnegative)")
            return ObligationOutcome(Status.PROVED, f"{note} " * bool(note) + "; ".join(steps)
                                     + "; by the mean value theorem each lower derivative is non-decreasing "
                                     "from 0, so g ≥ 0 on [0, ∞)")
        at0 = sympy.simplify(d.subs(var, 0))
        if at0 != 0:
            verdict = Status.FAILED if at0.is_negative else Status.UNDECIDED
            return ObligationOutcome(verdict, f"{note} " * bool(note) + "; ".join(steps)
                                     + f"; g^({order})(0) = {at0} ≠ 0, the argument stops")
        steps.append(f"g^({order})(0) = 0")
        d = sympy.diff(d, var)
    return ObligationOutcome(Status.UNDECIDED, f"{note} " * bool(note) + "; ".join(steps) + "; no sign found")
