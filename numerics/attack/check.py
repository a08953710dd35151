"""What a numeric check is: a bound normalised to ``lhs ≤ rhs`` (or an identity), attacked in batches.

A lower bound ``q ≥ b`` is written ``b ≤ q`` so that one convention serves every check:
the ratio ``lhs / rhs`` must stay ≤ 1, and ``--bound-scale F`` multiplies ``rhs`` by ``F``
(F < 1 makes the bound stronger; a check with teeth must then fail).

A check draws a *case* (dimensions, scales, a numpy seed …) from a bounded hypothesis strategy and
evaluates many weight/data instances of that case in one vectorised call. Negative controls
(``expect="refuted"``) state the conclusion with a hypothesis dropped; they succeed when the attack
finds a violation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

Case = dict[str, Any]

TIGHT, KNOWN, LOOSE, IDENTITY = "tight", "known", "loose", "identity"
BITE_FRACTION = 0.99  # a check must FAIL once its rhs is scaled to 0.99 × the declared supremum


@dataclass(frozen=True)
class WorstCase:
    """What is known about sup lhs/rhs over the check's domain, declared with the check.

    kind "tight":    sup = 1; ``note`` names the witness family that approaches it.
    kind "known":    sup = ``sup`` < 1 is known exactly (e.g. a constant proved larger than needed);
                     ``note`` names the witness family.
    kind "identity": lhs = rhs everywhere (sup lhs/rhs = 1; the worst ratio reported is a deviation).
    kind "loose":    the supremum is not reached by the attack; ``sup`` is the measured worst ratio
                     (the looseness factor is 1/sup) and ``note`` says why: an error in the bound smaller
                     than that factor would not be detected.

    The teeth test (numerics.attack.engine.run_teeth) runs the check with rhs × ``bite_scale``
    (0.99 × sup for tight, known and identity) and requires a FAIL confirmed at 50 digits.
    """

    kind: str
    value: float | Callable[[], float]  # a zero-argument callable defers a sympy-derived constant
    note: str

    def __post_init__(self) -> None:
        if self.kind not in (TIGHT, KNOWN, LOOSE, IDENTITY):
            raise ValueError(f"worst case kind must be tight, known, loose or identity, not {self.kind!r}")
        if self.kind in (TIGHT, IDENTITY) and self.value != 1:
            raise ValueError(f"a {self.kind} check has sup 1, not {self.value!r}")
        if not callable(self.value) and not (0 < self.value <= 1):
            raise ValueError(f"declared sup must lie in (0, 1], got {self.value!r}")
        if not self.note.strip():
            raise ValueError("a worst case names its witness family (or, when loose, its reason)")

    @property
    def sup(self) -> float:
        """The declared sup of lhs/rhs (for a loose check: the measured worst ratio)."""
        return float(self.value()) if callable(self.value) else float(self.value)

    @property
    def bite_scale(self) -> float | None:
        """The bound scale at which the check must FAIL (None for a loose check)."""
        return None if self.kind == LOOSE else BITE_FRACTION * self.sup

    @property
    def declared_sup(self) -> float | None:
        return None if self.kind == LOOSE else self.sup

    def text(self) -> str:
        if self.kind == LOOSE:
            return loose_text(self.sup) + f" ({self.note})"
        head = {TIGHT: "tight: sup lhs/rhs = 1", IDENTITY: "identity: lhs = rhs",
                KNOWN: f"known sup lhs/rhs = {self.sup:.6g}"}[self.kind]
        return f"{head}, approached by {self.note}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "declared_sup": self.declared_sup,
                "measured_factor": self.sup if self.kind == LOOSE else None, "note": self.note}


def tight(witness: str) -> WorstCase:
    return WorstCase(TIGHT, 1.0, witness)


def known(sup: float | Callable[[], float], witness: str) -> WorstCase:
    return WorstCase(KNOWN, sup if callable(sup) else float(sup), witness)


def identity(note: str = "every instance (an identity)") -> WorstCase:
    return WorstCase(IDENTITY, 1.0, note)


def loose(measured: float, reason: str) -> WorstCase:
    return WorstCase(LOOSE, float(measured), reason)


def loose_text(worst: float) -> str:
    """How blind a loose check is, in the words every report uses."""
    return (f"loose: worst ratio {worst:.3g} — an error smaller than 1/{worst:.3g} = {1 / worst:.3g}× "
            "in this bound would not be detected")


@dataclass
class Batch:
    """The outcome of evaluating ``n`` instances of one case.

    lhs, rhs:  arrays of shape (n,), float64.
    valid:     bool mask (n,) of instances that meet the hypotheses (None = all); the others are ignored,
               and a case with no valid instance counts towards GAVE UP.
    variables: name -> array with leading axis n; shown as ``name := value`` in a counterexample and
               passed (one instance at a time) to ``NumericCheck.evaluate_mp``.
    """

    lhs: np.ndarray
    rhs: np.ndarray
    valid: np.ndarray | None = None
    variables: dict[str, np.ndarray] = field(default_factory=dict)

    def instance(self, i: int) -> dict[str, Any]:
        return {name: np.asarray(v)[i] for name, v in self.variables.items()}


@dataclass
class NumericCheck:
    """One numeric attack on one bound of one result.

    id:          "<result-id>/<short-name>", e.g. "cost-bounds/ce-lower".
    relation:    "le" (lhs ≤ rhs·(1+rtol) + atol) or "eq" (|lhs − rhs| ≤ rtol·|rhs| + atol).
    cases:       zero-argument factory of a bounded hypothesis strategy yielding a Case (must include
                 "seed" for the numpy generator so that a case is reproducible on its own).
    evaluate:    (case, n) -> Batch, vectorised over the n instances.
    evaluate_mp: optional (one instance's variables) -> (lhs, rhs) as mpmath numbers, computed at the
                 working precision set by the caller (50 digits); confirms a counterexample.
    expect:      "holds" for a check, "refuted" for a negative control.
    reproduce_as: what to put after ``verify`` in a reproduction command (default: the check id;
                 a user lemma uses its file path).
    examples_scale: fraction of the profile's hypothesis examples this check draws (< 1 for checks whose
                 cases are expensive, e.g. 200-step training runs; never fewer than 4 examples).
    worst_case:  what is known of sup lhs/rhs (WorstCase: tight, known, identity or loose); required for
                 every registered check that must hold (None: undeclared, e.g. a user lemma).
    wide_cases:  optional zero-argument factory of a wider strategy (larger widths, depths) that the
                 thorough profile draws from instead of ``cases``, so that the default profile stays fast.
    """

    id: str
    result_id: str
    title: str
    statement: str
    relation: str
    cases: Callable[[], Any]
    evaluate: Callable[[Case, int], Batch]
    hypotheses: tuple[str, ...] = ()
    evaluate_mp: Callable[[dict[str, Any]], tuple[Any, Any]] | None = None
    rtol: float = 1e-9
    atol: float = 0.0
    expect: str = "holds"
    control_of: str | None = None
    description: str = ""
    reproduce_as: str | None = None
    worst_case: WorstCase | None = None
    examples_scale: float = 1.0
    wide_cases: Callable[[], Any] | None = None

    def __post_init__(self) -> None:
        if self.relation not in ("le", "eq"):
            raise ValueError(f"{self.id}: relation must be 'le' or 'eq', not {self.relation!r}")
        if self.expect not in ("holds", "refuted"):
            raise ValueError(f"{self.id}: expect must be 'holds' or 'refuted', not {self.expect!r}")
