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
# "Slightly too strong", stated here rather than imported from the engine so that loosening the engine's
# teeth margin fails these tests: rhs × (critical scale)·(1 − 1e-3), identities rhs × (1 − max(1e-6, 10·rtol)).
TEETH_LE_MARGIN = 1e-3
TEETH_EQ_OFFSET = 1e-6


def some_case(check, k: int = 3):
    """The k-th case hypothesis generates for the check, deterministically (no database, derandomized)."""
    seen = []

    @settings(max_examples=k, database=None, derandomize=True, phases=[Phase.generate], deadline=None)
    @given(check.cases())
    def grab(case):
        seen.append(case)

    grab()
    return seen[-1]


def assert_passes_with_teeth(check, *, seed=SEED, profile=PROFILE, min_instances=MIN_INSTANCES):
    """PASS, then FAIL once rhs is scaled just below the worst ratio — (critical scale)·(1 − 1e-3) for
    inequalities, 1 − max(1e-6, 10·rtol) for identities — with the failure confirmed at 50 digits when
    the check has a 50-digit evaluator. Returns the TeethReport (``.base`` is the passing run)."""
    teeth = run_teeth(check, seed=seed, profile=profile)
    base = teeth.base
    assert base.verdict == PASS, f"{check.id}: {base.verdict}: {base.message}"
    assert base.instances >= min_instances, f"{check.id}: only {base.instances} instances"
    assert base.tolerance == {"rtol": check.rtol, "atol": check.atol}
    assert teeth.verdict == "has teeth", f"{check.id}: {teeth.message}"
    assert teeth.strengthened.verdict == FAIL and teeth.scale < 1
    if check.relation == "le":
        # the strengthened bound sits just below the worst observed (tolerance-adjusted) ratio
        assert teeth.scale == pytest.approx(base.critical_scale * (1 - TEETH_LE_MARGIN))
    else:
        assert teeth.scale == 1 - max(TEETH_EQ_OFFSET, 10 * check.rtol)
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
