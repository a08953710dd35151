"""R6c lipschitz-composition checks: each passes (ci profile), has teeth, and mpmath agrees with float64."""

import mpmath
import numpy as np
import pytest
from hypothesis import Phase, given, settings

from numerics.attack.engine import CONFIRMED, FAIL, PASS, run_teeth
from numerics.checks import lipschitz_composition as lc

SEED = 0
MP_VS_FLOAT_RTOL = 1e-8  # float64 sides against their 50-digit re-evaluation on one instance


def _ids(checks):
    return [c.id for c in checks]


def some_case(check, k: int = 3):
    """The k-th case hypothesis generates for the check, deterministically."""
    seen = []

    @settings(max_examples=k, database=None, derandomize=True, phases=[Phase.generate], deadline=None)
    @given(check.cases())
    def grab(case):
        seen.append(case)

    grab()
    return seen[-1]


@pytest.mark.parametrize("check", lc.CHECKS, ids=_ids(lc.CHECKS))
def test_bound_passes_and_has_teeth(check):
    """PASS at rhs × 1; FAIL (confirmed at 50 digits) once rhs is scaled just below the worst ratio."""
    teeth = run_teeth(check, seed=SEED, profile="ci")
    assert teeth.base.verdict == PASS, teeth.base.message
    assert teeth.verdict == "has teeth", teeth.message
    assert teeth.strengthened.verdict == FAIL
    assert teeth.strengthened.counterexample.confirmation == CONFIRMED


@pytest.mark.parametrize("check", lc.CHECKS, ids=_ids(lc.CHECKS))
def test_mp_reevaluation_agrees_with_float64(check):
    batch = check.evaluate(some_case(check), 2)
    with mpmath.workdps(50):
        lhs, rhs = check.evaluate_mp(batch.instance(0))
    assert float(lhs) == pytest.approx(float(batch.lhs[0]), rel=MP_VS_FLOAT_RTOL, abs=1e-300)
    assert float(rhs) == pytest.approx(float(batch.rhs[0]), rel=MP_VS_FLOAT_RTOL)


def test_composition_rule_is_attained_for_sigma_after_affine():
    """h = tanh∘(s·x): |h″| reaches b_tanh·s² at tanh″'s argmax x* = atanh(1/√3)/s, so the rule is tight."""
    s = 7.0
    chain = [("affine", s, 0.0), ("tanh",)]
    x = np.array([np.arctanh(1 / np.sqrt(3)) / s])
    _, b = lc.composed_constants(chain)
    assert abs(lc.chain_curvature(chain, x)[0]) == pytest.approx(b, rel=1e-12)


def test_chain_curvature_matches_central_differences():
    chain = [("affine", 0.3, 0.2), ("softplus",), ("gelu",), ("affine", -2.0, 1.0), ("sigmoid",)]
    x, h = np.array([0.7, -1.3]), 1e-5
    fd = (lc.chain_slope(chain, x + h) - lc.chain_slope(chain, x - h)) / (2 * h)
    np.testing.assert_allclose(lc.chain_curvature(chain, x), fd, rtol=1e-7)
