"""A tiny fake catalogue for CLI tests, so they do not depend on the real theorems modules being ready."""

import numpy as np
import pytest
from hypothesis import strategies as st

from numerics.attack.check import Batch, NumericCheck
from numerics.checks import checks_for
from theorems.result import Hypothesis, Obligation, ObligationOutcome, Result, Status
from verify import registry


def _proved():
    return ObligationOutcome(Status.PROVED, "sympy: simplify(lhs − rhs) = 0")


def _undecided():
    return ObligationOutcome(Status.UNDECIDED, "sympy returned None")


def fake_result(rid: str, *obligations) -> Result:
    return Result(id=rid, title=f"fake {rid}", provenance="derived", section="test", statement=f"{rid} holds",
                  latex="x \\le 1", hypotheses=(Hypothesis("x ≤ 1", "needed for the bound"),),
                  obligations=obligations, derivation=("step one", "step two"))


def toy_check(rid: str) -> NumericCheck:
    def evaluate(case, n):
        x = np.random.default_rng(case["seed"]).uniform(0, 1, n)
        return Batch(x, np.ones(n), None, {"x": x})

    return NumericCheck(id=f"{rid}/toy", result_id=rid, title="x ≤ 1", statement="x ≤ 1", relation="le",
                        cases=lambda: st.fixed_dictionaries({"seed": st.integers(0, 2**32 - 1)}),
                        evaluate=evaluate)


@pytest.fixture
def fake_registry(monkeypatch):
    """cost-bounds (real checks, fake record), toy-proved (PASS), toy-undecided (UNDECIDED), toy-empty (no checks)."""
    entries = [
        registry.Entry("cost-bounds", "fake cost bounds", "derived",
                       fake_result("cost-bounds", Obligation("id", "an identity", _proved)),
                       checks_for("cost-bounds"), "cost facts"),
        registry.Entry("toy-proved", "toy", "derived", fake_result("toy-proved", Obligation("a", "a", _proved)),
                       [toy_check("toy-proved")], "x ≤ 1"),
        registry.Entry("toy-undecided", "toy", "reconstructed",
                       fake_result("toy-undecided", Obligation("b", "b", _undecided)),
                       [toy_check("toy-undecided")], "x ≤ 1"),
        registry.Entry("toy-empty", "toy without checks", "paper",
                       fake_result("toy-empty", Obligation("c", "c", _proved)), [], "nothing numeric yet"),
    ]
    monkeypatch.setattr(registry, "entries", lambda: entries)
    return entries
