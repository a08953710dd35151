"""Shared sympy deciders: turn "lhs = rhs" / "expr ≥ 0" into an honest ObligationOutcome.

* identity(lhs, rhs): PROVED iff sympy simplifies lhs − rhs to exactly 0 (entrywise for matrices).
  Otherwise the residue is evaluated at seeded random exact points that respect the symbols'
  assumptions; a residue that is clearly non-zero there is FAILED (with the point), else UNDECIDED.
* nonnegative(expr): PROVED iff sympy's assumption system says ``is_nonnegative is True`` after
  simplification; ``False`` or a negative value at a sampled admissible point is FAILED; ``None`` is
  UNDECIDED. Sympy's None is never a pass.
* derived(value, expected): DERIVED(value) iff simplify(value − expected) == 0, else FAILED.
* exact(outcome): the same decision on a fixed size or instance — a PROVED becomes EXACT.
* cited(fact, source): a textbook step used, not re-proved: CITED, with its source.
* matrix_identity(lhs, rhs, dims): identities between sympy MatrixSymbols of symbolic sizes (PROVED in every
  dimension); a residue is refuted on random rational matrices of the sizes ``dims``.
* all_of(...): a chain is as strong as its weakest step: FAILED > UNDECIDED > EXACT > CITED > INTERVAL >
  PROVED/DERIVED (a chain of PROVED and DERIVED steps is PROVED).

Mutants: an obligation function takes ``mutant=False``; with ``mutant=True`` it runs the same computation with
one wrong ingredient, which these deciders must come out FAILED on (``mutated(fn)`` builds the callable).
"""

from __future__ import annotations

import functools
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


def _refute(residues: list, admissible: Callable[[dict], bool] | None, sign: str, seed: int = 0, tries: int = 12):
    """Look for a sampled point where a residue is non-zero (sign='zero') or negative (sign='nonneg')."""
    rng = random.Random(seed)
    syms = set().union(*(r.free_symbols for r in residues)) if residues else set()
    for _ in range(tries):
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
    prefix = f"{note} " if note else ""
    # a cheap look first: a residue clearly non-zero at a sampled exact point is FAILED without simplifying
    # (simplify is slow on expressions that are not zero); a true identity only pays one evaluation per entry
    raw = [e for e in _entries(diff) if e != 0]
    early = _refute(raw, admissible, "zero", tries=1) if raw else None
    if early is not None:
        return ObligationOutcome(Status.FAILED, f"{prefix}lhs − rhs is not 0: false {early}")
    residues = [simplifier(sympy.expand(e) if expand else e) for e in _entries(diff)]
    nonzero = [r for r in residues if r != 0]
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


# strength of an established step: a chain takes the weakest (DERIVED counts as PROVED inside a chain)
_STRENGTH = {Status.PROVED: 4, Status.DERIVED: 4, Status.INTERVAL: 3, Status.CITED: 2, Status.EXACT: 1}


def all_of(*outcomes: ObligationOutcome, conclusion: str) -> ObligationOutcome:
    """Chain sub-steps; the weakest wins: FAILED, UNDECIDED, then EXACT, CITED, INTERVAL; else PROVED."""
    text = "; ".join(f"[{o.status.value}] {o.evidence}" for o in outcomes)
    for bad in (Status.FAILED, Status.UNDECIDED):
        if any(o.status is bad for o in outcomes):
            return ObligationOutcome(bad, f"{text} ⇒ not established: {conclusion}")
    weakest = min((o.status for o in outcomes), key=_STRENGTH.__getitem__, default=Status.PROVED)
    status = Status.PROVED if weakest is Status.DERIVED else weakest
    return ObligationOutcome(status, f"{text} ⇒ {conclusion}")


def exact(outcome: ObligationOutcome, size: str = "") -> ObligationOutcome:
    """The outcome of a check run at a fixed size or on fixed instances: PROVED/DERIVED there is EXACT."""
    if outcome.status in (Status.PROVED, Status.DERIVED):
        where = f" ({size})" if size else ""
        return ObligationOutcome(Status.EXACT, f"exact at a fixed size{where}: {outcome.evidence}", outcome.value)
    return outcome


def cited(fact: str, source: str) -> ObligationOutcome:
    """A standard fact used as a step and not re-proved by sympy; named with its source."""
    return ObligationOutcome(Status.CITED, f"cited: {fact} [{source}]")


def exact_sign(expr, *, note: str = "") -> ObligationOutcome:
    """expr ≥ 0 for an expression without free symbols (exact algebraic numbers): EXACT, FAILED or UNDECIDED.

    sympy decides the sign of the exact number (no rounding to a float first); the value is shown to 15 digits.
    """
    e = sympy.nsimplify(expr) if isinstance(expr, sympy.Float) else sympy.sympify(expr)
    if e.free_symbols:
        raise ValueError(f"exact_sign needs a number, got free symbols {e.free_symbols}")
    prefix = f"{note} " if note else ""
    verdict = e.is_nonnegative
    shown = sympy.N(e, 15)
    if verdict is True:
        return ObligationOutcome(Status.EXACT, f"{prefix}{shown} ≥ 0 (sympy, exact algebraic number)", e)
    if verdict is False:
        return ObligationOutcome(Status.FAILED, f"{prefix}{shown} < 0 (sympy, exact algebraic number)", e)
    return ObligationOutcome(Status.UNDECIDED, f"{prefix}sympy could not decide the sign of {short(e)}", e)


def matrix_identity(lhs, rhs, *, dims: dict, note: str = "", seed: int = 0) -> ObligationOutcome:
    """lhs = rhs for MatrixSymbol expressions of symbolic sizes: PROVED iff sympy reduces lhs − rhs to 0 (every
    size at once); otherwise lhs − rhs is evaluated on random rational matrices of the sizes ``dims`` (a dict
    size-symbol → int), a non-zero entry is FAILED (with the sizes), else UNDECIDED."""
    prefix = f"{note} " if note else ""
    diff = sympy.simplify(sympy.expand(lhs - rhs).doit())
    if diff == 0 or getattr(diff, "is_ZeroMatrix", False):
        return ObligationOutcome(Status.PROVED, f"{prefix}sympy: simplify(lhs − rhs) = 0 for symbolic sizes")
    rng = random.Random(seed)
    concrete = diff.subs(dims)
    mats = {m: sympy.Matrix(*[int(d) for d in m.subs(dims).shape],
                            lambda i, j: sympy.Rational(rng.randint(-9, 9), rng.randint(1, 5)))
            for m in concrete.atoms(sympy.MatrixSymbol)}
    scalars = {x: sympy.Rational(rng.randint(1, 29), 7) for x in concrete.free_symbols
               if isinstance(x, sympy.Symbol) and x not in dims}
    value = sympy.Matrix(concrete.subs(mats).subs(scalars).doit())
    if any(v != 0 for v in value):
        sizes = ", ".join(f"{k} := {v}" for k, v in dims.items())
        return ObligationOutcome(Status.FAILED, f"{prefix}lhs − rhs = {short(diff)} ≠ 0: at {sizes} on random "
                                 f"rational matrices an entry is {next(v for v in value if v != 0)}")
    return ObligationOutcome(Status.UNDECIDED, f"{prefix}sympy left a residue it could not reduce: {short(diff)}")


def mutated(fn: Callable[..., ObligationOutcome]) -> Callable[[], ObligationOutcome]:
    """The obligation function with its one wrong ingredient switched on."""
    return functools.partial(fn, mutant=True)


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
    theorem, a textbook step that sympy does not prove: the outcome is therefore CITED, not PROVED.
    """
    steps, d = [], g
    for order in range(6):
        sign = sympy.simplify(d).is_nonnegative
        if sign is True:
            steps.append(f"g^({order}) = {sympy.simplify(d)} is ≥ 0 for {var} ≥ 0 (sympy is_nonnegative)")
            return ObligationOutcome(Status.CITED, f"{note} " * bool(note) + "; ".join(steps)
                                     + "; cited: by the mean value theorem (f′ ≥ 0 ⇒ f non-decreasing) each lower "
                                     "derivative is non-decreasing from 0, so g ≥ 0 on [0, ∞) "
                                     "[Rudin, Principles of Mathematical Analysis, Thm 5.11]")
        at0 = sympy.simplify(d.subs(var, 0))
        if at0 != 0:
            verdict = Status.FAILED if at0.is_negative else Status.UNDECIDED
            return ObligationOutcome(verdict, f"{note} " * bool(note) + "; ".join(steps)
                                     + f"; g^({order})(0) = {at0} ≠ 0, the argument stops")
        steps.append(f"g^({order})(0) = 0")
        d = sympy.diff(d, var)
    return ObligationOutcome(Status.UNDECIDED, f"{note} " * bool(note) + "; ".join(steps) + "; no sign found")
