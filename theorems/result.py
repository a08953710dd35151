"""What a result is: statement, provenance, symbols, bound, and the symbolic obligations sympy discharges.

An obligation is a function that runs sympy and returns an ``ObligationOutcome``:
PROVED (sympy confirmed an identity/inequality), DERIVED (sympy computed a constant; ``value`` holds it),
UNDECIDED (sympy returned None or could not simplify — never a pass), FAILED (sympy found it false).
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
    DERIVED = "DERIVED"
    UNDECIDED = "UNDECIDED"
    FAILED = "FAILED"


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
