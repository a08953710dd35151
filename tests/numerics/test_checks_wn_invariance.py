"""R6 wn-invariance checks: each passes (ci profile), has teeth, the control refutes, and mpmath agrees with float64."""

import mpmath
import numpy as np
import pytest
from hypothesis import Phase, given, settings

from numerics.attack.engine import CONFIRMED, FAIL, PASS, REFUTED, run_check, run_teeth
from numerics.checks import wn_invariance

SEED = 0
MP_VS_FLOAT_RTOL = 1e-8  # float64 sides against their 50-digit re-evaluation on one instance
BOUNDS = [c for c in wn_invariance.CHECKS if c.expect == "holds"]
CONTROLS = [c for c in wn_invariance.CHECKS if c.expect == "refuted"]


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


@pytest.mark.parametrize("check", BOUNDS, ids=_ids(BOUNDS))
def test_bound_passes_and_has_teeth(check):
    """PASS at rhs × 1; FAIL (confirmed at 50 digits) once rhs is scaled just below the worst ratio
    (identities: rhs × (1 − 1e-6))."""
    teeth = run_teeth(check, seed=SEED, profile="ci")
    assert teeth.base.verdict == PASS, teeth.base.message
    assert teeth.verdict == "has teeth", teeth.message
    assert teeth.strengthened.verdict == FAIL
    assert teeth.strengthened.counterexample.confirmation == CONFIRMED


@pytest.mark.parametrize("check", CONTROLS, ids=_ids(CONTROLS))
def test_control_refutes_with_a_genuine_witness(check):
    report = run_check(check, seed=SEED, profile="ci")
    assert report.verdict == REFUTED, report.message
    cex = report.counterexample
    assert cex.confirmation == CONFIRMED
    assert float(cex.variables["growth"]) > 1.0  # the Hessian grew when the rows were scaled up


@pytest.mark.parametrize("check", wn_invariance.CHECKS, ids=_ids(wn_invariance.CHECKS))
def test_mp_reevaluation_agrees_with_float64(check):
    batch = check.evaluate(some_case(check), 2)
    with mpmath.workdps(50):
        lhs, rhs = check.evaluate_mp(batch.instance(0))
    assert float(lhs) == pytest.approx(float(batch.lhs[0]), rel=MP_VS_FLOAT_RTOL, abs=1e-300)
    assert float(rhs) == pytest.approx(float(batch.rhs[0]), rel=MP_VS_FLOAT_RTOL)


def test_without_wn_the_hessian_grows_without_bound():
    """The control's growth is not a fluke: ‖∇²ℓ(cp)‖/‖∇²ℓ(p)‖ increases with c for the net without WN,
    while for the WN net it never exceeds 1."""
    case = {"seed": 5, "d": 2, "N": 3, "K": 2, "m": 2, "blocks": 1, "activation": "softplus", "cost": "square",
            "alpha": 0.5, "log10_eps": 0.0, "log10_v": 0.0}
    growth = {}
    for wn in (True, False):
        growth[wn] = [float(np.median(wn_invariance._hessian_norms(
            case | {"log10_c_lo": u, "log10_c_hi": u}, 8, wn=wn).variables["growth"])) for u in (1.0, 2.0, 3.0)]
    assert growth[False][0] > 10 and growth[False][1] > 10 * growth[False][0] and growth[False][2] > 10 * growth[False][1]
    assert max(growth[True]) <= 1 + 1e-9


def test_saturated_instances_excluded_in_float64_still_satisfy_the_identity_at_50_digits():
    """Instances outside SATURATION_FLOOR are excluded because float64 cannot resolve them, not because the
    identity fails: at 50 digits the Hessian-scaling identity holds there to ~1e-40."""
    check = next(c for c in wn_invariance.CHECKS if c.id.endswith("hessian-scaling"))
    case = {"seed": 3, "d": 2, "N": 2, "K": 2, "m": 2, "blocks": 1, "activation": "tanh", "cost": "ce", "alpha": 0.5,
            "log10_eps": 0.0, "log10_v": 2.0, "log10_c_lo": -3.0, "log10_c_hi": 3.0}
    batch = check.evaluate(case, 16)
    saturated = np.flatnonzero(~batch.valid)
    assert saturated.size > 0
    with mpmath.workdps(50):
        lhs, rhs = check.evaluate_mp(batch.instance(int(saturated[0])))
        assert abs(lhs - rhs) <= mpmath.mpf("1e-35") * abs(rhs)
