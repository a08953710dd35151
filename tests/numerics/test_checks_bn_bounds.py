"""R6b bn-bounds checks: each passes (ci profile), has teeth, the control refutes, and mpmath agrees with float64."""

import mpmath
import numpy as np
import pytest
from hypothesis import Phase, given, settings

from numerics.attack.engine import CONFIRMED, FAIL, PASS, REFUTED, run_check, run_teeth
from numerics.checks import bn_bounds

SEED = 0
MP_VS_FLOAT_RTOL = 1e-9  # the float64 sides against their 50-digit re-evaluation on one instance
BOUNDS = [c for c in bn_bounds.CHECKS if c.expect == "holds"]
CONTROLS = [c for c in bn_bounds.CHECKS if c.expect == "refuted"]


def _ids(checks):
    return [c.id for c in checks]


@pytest.mark.parametrize("check", BOUNDS, ids=_ids(BOUNDS))
def test_bound_passes_and_has_teeth(check):
    """PASS at rhs × 1; FAIL (confirmed at 50 digits) once rhs is scaled just below the worst ratio."""
    teeth = run_teeth(check, seed=SEED, profile="ci")
    assert teeth.base.verdict == PASS, teeth.base.message
    assert teeth.base.instances >= 15 * 32
    assert teeth.verdict == "has teeth", teeth.message
    assert teeth.strengthened.verdict == FAIL
    assert teeth.strengthened.counterexample.confirmation == CONFIRMED


@pytest.mark.parametrize("check", CONTROLS, ids=_ids(CONTROLS))
def test_control_refutes_with_a_genuine_witness(check):
    report = run_check(check, seed=SEED, profile="ci")
    assert report.verdict == REFUTED, report.message
    assert report.counterexample.confirmation == CONFIRMED
    assert report.counterexample.lhs > report.counterexample.rhs


def some_case(check, k: int = 3):
    """The k-th case hypothesis generates for the check, deterministically."""
    seen = []

    @settings(max_examples=k, database=None, derandomize=True, phases=[Phase.generate], deadline=None)
    @given(check.cases())
    def grab(case):
        seen.append(case)

    grab()
    return seen[-1]


@pytest.mark.parametrize("check", bn_bounds.CHECKS, ids=_ids(bn_bounds.CHECKS))
def test_mp_reevaluation_agrees_with_float64(check):
    case = some_case(check)
    batch = check.evaluate(case, 4)
    with mpmath.workdps(50):
        lhs, rhs = check.evaluate_mp(batch.instance(0))
    assert float(lhs) == pytest.approx(float(batch.lhs[0]), rel=MP_VS_FLOAT_RTOL, abs=1e-300)
    assert float(rhs) == pytest.approx(float(batch.rhs[0]), rel=MP_VS_FLOAT_RTOL)


def test_d2bn_peak_is_found_and_below_the_derived_constant():
    """At var = ε/4 (ρ² = 1/5) the attack reaches ≈ 0.8587/(√N ε) = 0.535 × the sympy-derived 1.605/(√N ε)."""
    rng = np.random.default_rng(3)
    h = rng.standard_normal(5)
    h -= h.mean()
    h *= 0.5 / np.sqrt(np.mean(h * h))  # population std 1/2 with ε = 1
    val, *_ = bn_bounds._d2_norm(h[None, None, :], 1.0, rng)
    ratio = val[0] * np.sqrt(5) * 1.0 / bn_bounds._d2_constant("derived")
    assert 0.53 < ratio < 0.54


def test_without_bn_the_parameter_derivative_grows_with_the_input_scale():
    """‖D_{W₁}g‖ / (α K √N sup|σ′|/r₁): stays ≤ 1 with BN at every input scale, grows ∝ ‖H‖ without BN."""
    case = {"seed": 2, "K": 2, "m": 3, "N": 3, "activation": "softplus", "log10_eps": 0.0, "log10_r": 0.0,
            "alpha": 0.5}
    ratios = {}
    for bn in (True, False):
        ratios[bn] = []
        for u in (0.0, 2.0, 4.0):
            b = bn_bounds._branch_batch(case | {"log10_scale": u}, 16, bn=bn)
            ratios[bn].append(float(np.median(b.lhs / b.rhs)))
    assert max(ratios[True]) <= 1.0
    assert ratios[False][1] > 30 * ratios[False][0] and ratios[False][2] > 30 * ratios[False][1]
    assert ratios[False][2] > 1e3
