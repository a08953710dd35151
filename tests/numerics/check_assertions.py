"""Shared assertions for numeric checks (numerics.checks): pass with teeth, controls refute, mpmath agrees.

A plain helper module, not a test file: test files in this directory import it by name (pytest's default
``prepend`` import mode puts tests/numerics on sys.path, as there is no __init__.py). test_all_checks.py
applies these to every registered check; the per-module test files use ``assert_mp_agrees`` and
``assert_mp_matches_float64`` on hand-chosen cases.
"""

from __future__ import annotations

import mpmath
import pytest
from hypothesis import Phase, given, settings

from numerics.attack.engine import (
    CONFIRMED,
    FAIL,
    MP_DPS,
    PASS,
    REFUTED,
    run_check,
    run_teeth,
)

SEED = 0
PROFILE = "ci"
MIN_INSTANCES = 64  # the ci profile's min_valid: fewer valid instances would be GAVE UP, not PASS
MP_AGREE_RTOL = 1e-8  # float64 sides vs 50-digit sides of one instance, relative to the larger side
# The teeth test: the default profile, at a seed no check was tuned on (checks were tuned and measured on
# seeds 0, 1, 2), must reach 0.99 of the declared sup and FAIL at rhs × 0.99·sup. Stated here rather than
# imported from the engine so that weakening the engine's bite fails these tests.
TEETH_SEED = 5
TEETH_PROFILE = "quick"
BITE = 0.99


def some_case(check, k: int = 3):
    """The k-th case hypothesis generates for the check, deterministically (no database, derandomized)."""
    seen = []

    @settings(max_examples=k, database=None, derandomize=True, phases=[Phase.generate], deadline=None)
    @given(check.cases())
    def grab(case):
        seen.append(case)

    grab()
    return seen[-1]


def assert_passes_with_teeth(check, *, seed=TEETH_SEED, profile=TEETH_PROFILE, min_instances=MIN_INSTANCES):
    """PASS at ``seed``; then, by the check's declared worst case:

    * tight / known / identity: the passing run reaches 0.99 × the declared sup (tolerance-adjusted), and the
      run with rhs × 0.99·sup FAILs with a counterexample confirmed at 50 digits (when there is an evaluator);
    * loose: the worst ratio stays below 0.99 (else the check should be declared tight) and the report says
      which errors it cannot see.

    Returns the TeethReport (``.base`` is the passing run)."""
    wc = check.worst_case
    assert wc is not None, f"{check.id}: no declared worst case (tight, known, identity or loose)"
    teeth = run_teeth(check, seed=seed, profile=profile)
    base = teeth.base
    assert base.verdict == PASS, f"{check.id}: {base.verdict}: {base.message}"
    assert base.instances >= min_instances, f"{check.id}: only {base.instances} instances"
    assert base.tolerance == {"rtol": check.rtol, "atol": check.atol}
    if wc.kind == "loose":
        assert teeth.verdict == "loose", teeth.message
        assert base.worst_ratio < BITE * 1.0, f"{check.id}: reaches {base.worst_ratio}: declare it tight"
        assert "would not be detected" in base.looseness and "would not be detected" in teeth.message
        return teeth
    assert teeth.verdict == "has teeth", f"{check.id}: {teeth.message}"
    assert teeth.scale == pytest.approx(BITE * wc.sup, rel=1e-12)
    assert teeth.strengthened.verdict == FAIL
    if check.relation == "le":
        assert base.critical_scale >= BITE * wc.sup, (check.id, base.critical_scale, wc.sup)
    if check.evaluate_mp is not None:
        assert teeth.strengthened.counterexample.confirmation == CONFIRMED, teeth.strengthened.message
    return teeth


def assert_refutes(check, *, seed=SEED, profile=PROFILE):
    """A control is REFUTED AS EXPECTED; its witness violates the bound in float64 and, where the check
    has a 50-digit evaluator, is confirmed genuine at 50 digits. Returns the CheckReport."""
    report = run_check(check, seed=seed, profile=profile)
    assert report.verdict == REFUTED, f"{check.id}: {report.verdict}: {report.message}"
    cex = report.counterexample
    assert cex is not None
    if check.relation == "le":
        assert cex.lhs > cex.rhs, (cex.lhs, cex.rhs)
    if check.evaluate_mp is not None:
        assert cex.confirmation == CONFIRMED, report.message
        if check.relation == "le":
            assert mpmath.mpf(cex.lhs_mp) > mpmath.mpf(cex.rhs_mp), (cex.lhs_mp, cex.rhs_mp)
    return report


def mp_sides(check, batch, index):
    """evaluate_mp of one instance of a batch at 50 digits, as floats."""
    with mpmath.workdps(MP_DPS):
        lhs, rhs = check.evaluate_mp(batch.instance(index))
        return float(lhs), float(rhs)


def assert_mp_agrees(check, case, n=4, index=0, atol=0.0):
    """evaluate(case, n)[index] in float64 against evaluate_mp of the same instance at 50 digits:
    each side within MP_AGREE_RTOL × (the larger 50-digit side) + atol."""
    batch = check.evaluate(case, n)
    lhs_mp, rhs_mp = mp_sides(check, batch, index)
    lhs, rhs = float(batch.lhs[index]), float(batch.rhs[index])
    size = max(abs(lhs_mp), abs(rhs_mp))
    assert abs(lhs - lhs_mp) <= MP_AGREE_RTOL * size + atol, (lhs, lhs_mp)
    assert abs(rhs - rhs_mp) <= MP_AGREE_RTOL * size + atol, (rhs, rhs_mp)
    return batch


def assert_mp_matches_float64(check, case, n, indices, *, lhs_tol, rhs_tol):
    """Each side of each listed instance against its own float64 value: ``pytest.approx(float64, **tol)``
    with tol a dict of rel/abs (pytest.approx semantics: abs defaults to 1e-12 when only rel is given)."""
    batch = check.evaluate(case, n)
    for i in indices:
        lhs_mp, rhs_mp = mp_sides(check, batch, i)
        assert lhs_mp == pytest.approx(float(batch.lhs[i]), **lhs_tol), (check.id, i, "lhs")
        assert rhs_mp == pytest.approx(float(batch.rhs[i]), **rhs_tol), (check.id, i, "rhs")
    return batch
