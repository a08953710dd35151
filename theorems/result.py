"""What a result is: statement, provenance, symbols, bound, and the symbolic obligations sympy discharges.

An obligation is a function that runs sympy and returns an ``ObligationOutcome`` whose status says
exactly what kind of evidence it is:

* PROVED    a symbolic argument valid in the full generality of the claim (symbolic dimensions, or a
            stated finite reduction that is itself checked);
* EXACT     exact arithmetic at fixed sizes or instances (a 2×2 case, one rational instance);
* CITED     a standard textbook fact used as a step, named with its source (Weyl, Courant–Fischer, …);
* DERIVED   a constant computed by sympy and compared with an independently stated value;
* INTERVAL  a bound certified by rigorous ball (interval) arithmetic;
* UNDECIDED sympy returned None or could not simplify — never a pass;
* FAILED    sympy (or the certificate) found it false.

Every obligation may carry a ``mutant``: the same computation with one wrong ingredient (a constant off by
a factor, a dropped term, a flipped sign). The mutant is REFUTED when its outcome is FAILED; a mutant that
does not fail shows the obligation has no teeth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any, Callable

import sympy

PROVENANCES = ("paper", "reconstructed", "derived")


class Status(str, Enum):
    PROVED = "PROVED"
    EXACT = "EXACT"
    CITED = "CITED"
    DERIVED = "DERIVED"
    INTERVAL = "INTERVAL"
    UNDECIDED = "UNDECIDED"
    FAILED = "FAILED"


# Statuses that establish their claim (each in its own sense); UNDECIDED and FAILED do not.
ESTABLISHED = frozenset({Status.PROVED, Status.EXACT, Status.CITED, Status.DERIVED, Status.INTERVAL})


@dataclass(frozen=True)
class ObligationOutcome:
    status: Status
    evidence: str
    value: Any = None


@dataclass(frozen=True)
class Obligation:
    name: str
    description: str
    run: Callable[[], ObligationOutcome]
    # The same computation with one wrong ingredient; sympy must return FAILED for it (REFUTED).
    mutant: Callable[[], ObligationOutcome] | None = None
    mutant_description: str = ""

    def run_mutant(self) -> tuple[str, ObligationOutcome | None]:
        """("REFUTED", outcome) when the mutant comes out FAILED, ("SURVIVED", outcome) otherwise (a crash is a
        survival: it did not refute), ("NO MUTANT", None) when none is recorded."""
        if self.mutant is None:
            return "NO MUTANT", None
        try:
            out = self.mutant()
        except Exception as exc:  # noqa: BLE001 - a crashing mutant did not refute anything
            out = ObligationOutcome(Status.UNDECIDED, f"the mutant raised {type(exc).__name__}: {exc}")
        return ("REFUTED" if out.status is Status.FAILED else "SURVIVED"), out


@dataclass(frozen=True)
class Hypothesis:
    text: str
    why: str


@dataclass(frozen=True)
class Bound:
    """lhs (relation) rhs, as sympy expressions; relation is one of "<=", ">=", "="."""

    name: str
    lhs: sympy.Expr
    rhs: sympy.Expr
    relation: str = "<="


@dataclass(eq=False)
class Result:
    id: str
    title: str
    provenance: str
    section: str
    statement: str
    latex: str
    hypotheses: tuple[Hypothesis, ...] = ()
    symbols: dict[str, sympy.Symbol] = field(default_factory=dict)
    bounds: tuple[Bound, ...] = ()
    obligations: tuple[Obligation, ...] = ()
    derivation: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.provenance not in PROVENANCES:
            raise ValueError(f"{self.id}: provenance must be one of {PROVENANCES}, not {self.provenance!r}")

    @cached_property
    def outcomes(self) -> dict[str, ObligationOutcome]:
        """Each obligation run once (sympy can be slow); an exception is recorded, not raised."""
        out = {}
        for ob in self.obligations:
            try:
                out[ob.name] = ob.run()
            except Exception as exc:  # noqa: BLE001 - a crashing obligation is UNDECIDED with the reason
                out[ob.name] = ObligationOutcome(Status.UNDECIDED, f"sympy raised {type(exc).__name__}: {exc}")
        return out

    def __repr__(self) -> str:
        return f"Result({self.id!r}, {self.provenance}, {len(self.obligations)} obligations)"
