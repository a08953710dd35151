"""Every obligation of the registry has teeth: it carries a mutant (the same sympy computation with one wrong
ingredient) and sympy refutes the mutant (outcome FAILED). Iterates over the whole catalogue, so an obligation
added later is covered without touching this file."""

import pytest

from theorems.catalogue import RESULTS
from theorems.result import Status

OBLIGATIONS = [(rid, ob) for rid, r in RESULTS.items() for ob in r.obligations]


@pytest.mark.parametrize("rid,ob", OBLIGATIONS, ids=[f"{rid}/{ob.name}" for rid, ob in OBLIGATIONS])
def test_every_mutant_is_refuted(rid, ob):
    assert ob.mutant is not None, f"{rid}/{ob.name} has no mutant"
    assert ob.mutant_description, f"{rid}/{ob.name}: say what the mutant gets wrong"
    verdict, out = ob.run_mutant()
    assert verdict == "REFUTED" and out.status is Status.FAILED, (rid, ob.name, out)
    # the obligation itself still holds: the mutant differs from it by the wrong ingredient only
    assert RESULTS[rid].outcomes[ob.name].status is not Status.FAILED


def test_a_mutant_that_does_not_fail_is_reported_survived():
    from theorems.result import Obligation, ObligationOutcome

    ok = ObligationOutcome(Status.PROVED, "x")
    ob = Obligation("x", "x", lambda: ok, mutant=lambda: ok, mutant_description="nothing wrong")
    assert ob.run_mutant()[0] == "SURVIVED"
    crash = Obligation("y", "y", lambda: ok, mutant=lambda: 1 / 0, mutant_description="crashes")
    assert crash.run_mutant()[0] == "SURVIVED"  # a crash did not refute anything
    assert Obligation("z", "z", lambda: ok).run_mutant() == ("NO MUTANT", None)
