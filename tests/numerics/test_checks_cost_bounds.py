"""R2 cost-bounds numeric checks: discovery, a genuine counterexample at half scale, huge logits are clean,
50-digit agreement on moderate cases, small named tolerances.

Pass/teeth on the ci profile and the control's refutation: test_all_checks.py.
"""

import mpmath
import numpy as np
import pytest
from check_assertions import assert_mp_matches_float64

from numerics.attack.engine import FAIL, run_check
from numerics.checks import all_checks, checks_for, get_check
from numerics.checks.cost_bounds import CHECKS, draw_logits, one_sample


def test_discovery_finds_every_cost_bounds_check_once():
    ids = [c.id for c in all_checks()]
    assert len(ids) == len(set(ids))
    assert [c.id for c in checks_for("cost-bounds")] == [c.id for c in CHECKS]
    assert get_check("cost-bounds/ce-hessian") is CHECKS[5]
    assert {"cost-bounds/square-identity", "cost-bounds/ce-grad-upper", "cost-bounds/ce-hessian",
            "cost-bounds/mean-ce-lower", "cost-bounds/ce-one-sample-lower"} <= set(ids)


def test_grad_upper_at_half_scale_fails_with_genuine_counterexample():
    r = run_check(get_check("cost-bounds/ce-grad-upper"), seed=3, profile="ci", bound_scale=0.5)
    assert r.verdict == FAIL
    cex = r.counterexample
    assert set(cex.variables) >= {"z", "y", "1 - s_y", "c"}
    assert mpmath.mpf(cex.lhs_mp) > mpmath.mpf(cex.rhs_mp) / 2


@pytest.mark.parametrize("pattern", ["random", "tied", "one-rival"])
@pytest.mark.parametrize("label_logit", [-1.0, 0.0, 1.0])
def test_huge_logits_stay_finite_without_warnings(pattern, label_logit):
    case = {"K": 5, "N": 3, "log10_scale": 4.0, "label_logit": label_logit, "pattern": pattern, "seed": 1}
    with np.errstate(all="raise", under="ignore"):
        z, y = draw_logits(case, 32)
        residual, gap, c = one_sample(z, y)
        batches = [chk.evaluate(case, 32) for chk in CHECKS]
    assert np.abs(z).max() <= 1e4
    assert np.all(np.isfinite(residual)) and np.all(np.isfinite(gap)) and np.all(np.isfinite(c))
    assert batches and all(np.all(np.isfinite(b.lhs)) and np.all(np.isfinite(b.rhs)) for b in batches)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_mp_evaluator_agrees_with_float64_on_moderate_cases(check):
    case = {"K": 3, "N": 2, "log10_scale": 0.0, "label_logit": 0.3, "pattern": "random", "seed": 5}
    tol = {"rel": 1e-12, "abs": 1e-15}
    assert_mp_matches_float64(check, case, 4, range(4), lhs_tol=tol, rhs_tol=tol)


def test_tolerances_are_named_and_small():
    for c in CHECKS:
        assert c.rtol <= 1e-12 and c.atol <= 1e-15, c.id
