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

    def __post_init__(self) -> None:
        if self.relation not in ("le", "eq"):
            raise ValueError(f"{self.id}: relation must be 'le' or 'eq', not {self.relation!r}")
        if self.expect not in ("holds", "refuted"):
            raise ValueError(f"{self.id}: expect must be 'holds' or 'refuted', not {self.expect!r}")
