"""R6 wn-invariance: without WN the Hessian grows without bound; saturated instances excluded in float64 still
satisfy the identity at 50 digits.

Pass/teeth, the control's refutation (and that its witness shows growth > 1) and mp agreement of every
wn-invariance check: test_all_checks.py.
"""

import mpmath
import numpy as np

from numerics.checks import wn_invariance


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
