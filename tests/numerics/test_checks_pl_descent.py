"""R0 pl-descent checks: pass on the ci profile, fail when strengthened (teeth), the control refutes,
50-digit re-evaluation agrees with float64, and steering reaches the tight case.

The helpers at the top are shared by the other test_checks_* files (imported like test_layers' helpers).
"""

import mpmath
import numpy as np
import pytest

from numerics.attack.engine import CONFIRMED, FAIL, PASS, REFUTED, run_check, run_teeth
from numerics.checks import pl_descent

SEED = 0
PROFILE = "ci"
MP_AGREE_RTOL = 1e-8  # float64 sides vs 50-digit sides of one instance (checks' rtol ≤ 1e-8)


def assert_passes_with_teeth(check):
    """PASS on the ci profile, then FAIL with rhs × (critical scale · (1 − 1e-3)) — or × (1 − 1e-6) for identities."""
    base = run_check(check, seed=SEED, profile=PROFILE)
    assert base.verdict == PASS, f"{check.id}: {base.verdict}: {base.message}"
    assert base.instances >= 64
    teeth = run_teeth(check, seed=SEED, profile=PROFILE, base=base)
    assert teeth.verdict == "has teeth", f"{check.id}: {teeth.message}"
    assert teeth.strengthened.verdict == FAIL and teeth.scale < 1
    if check.relation == "le":
        # the strengthened bound sits just below the worst observed (tolerance-adjusted) ratio
        assert teeth.scale == pytest.approx(base.critical_scale * (1 - 1e-3))
    return base


def assert_refutes(check):
    report = run_check(check, seed=SEED, profile=PROFILE)
    assert report.verdict == REFUTED, f"{check.id}: {report.verdict}: {report.message}"
    assert report.counterexample is not None and report.counterexample.confirmation == CONFIRMED
    return report


def assert_mp_agrees(check, case, n=4, index=0, atol=0.0):
    """evaluate(case, n)[index] in float64 against evaluate_mp of the same instance at 50 digits."""
    batch = check.evaluate(case, n)
    with mpmath.workdps(50):
        lhs_mp, rhs_mp = check.evaluate_mp(batch.instance(index))
        lhs_mp, rhs_mp = float(lhs_mp), float(rhs_mp)
    lhs, rhs = float(batch.lhs[index]), float(batch.rhs[index])
    size = max(abs(lhs_mp), abs(rhs_mp))
    assert abs(lhs - lhs_mp) <= MP_AGREE_RTOL * size + atol, (lhs, lhs_mp)
    assert abs(rhs - rhs_mp) <= MP_AGREE_RTOL * size + atol, (rhs, rhs_mp)
    return batch


CHECK = {c.id.split("/")[1]: c for c in pl_descent.CHECKS}
NET_CASE = {"N": 3, "extra_d": 1, "K": 2, "log10_scale_X": 1.0, "log10_cond": 1.5, "log10_scale_V": -1.0,
            "eta_frac": 0.7, "align": 0.5, "seed": 8}
CASE = {"P": 4, "spectrum": "indefinite", "log10_beta": 3.0, "log10_grad": -4.0, "eta_frac": 0.9, "align": 0.3,
        "seed": 5}


@pytest.mark.parametrize("name", ["descent-lemma", "linear-rate", "linear-net-rate"])
def test_passes_and_has_teeth(name):
    base = assert_passes_with_teeth(CHECK[name])
    assert base.worst_ratio > 0.99  # steering finds the (near-)tight case


def test_large_step_control_refutes():
    report = assert_refutes(CHECK["large-step-control"])
    cex = report.counterexample
    assert cex.lhs > cex.rhs  # f went up


def test_mp_agrees():
    assert_mp_agrees(CHECK["descent-lemma"], CASE)
    assert_mp_agrees(CHECK["linear-rate"], {"P": 3, "log10_beta": -2.0, "log10_cond": 2.0, "log10_p": 4.0,
                                            "eta_frac": 0.5, "align": 0.5, "seed": 3})
    assert_mp_agrees(CHECK["large-step-control"], dict(CASE, eta_frac=1.5))
    assert_mp_agrees(CHECK["linear-net-rate"], NET_CASE, atol=pl_descent.RATE_ATOL)


def test_descent_lemma_is_tight_along_the_top_eigenvector():
    """align = 1 and a PSD A: ∇f is a +β eigenvector, so the lemma holds with equality."""
    b = CHECK["descent-lemma"].evaluate(dict(CASE, spectrum="psd", align=1.0), 16)
    np.testing.assert_allclose(b.lhs / b.rhs, 1.0, rtol=1e-9)


def test_linear_rate_is_tight_for_isotropic_quadratics():
    b = CHECK["linear-rate"].evaluate({"P": 3, "log10_beta": 1.0, "log10_cond": 0.0, "log10_p": 0.0,
                                       "eta_frac": 0.4, "align": 0.0, "seed": 1}, 8)
    np.testing.assert_allclose(b.lhs / b.rhs, 1.0, rtol=1e-12)


def test_gd_on_the_first_layer_contracts_at_the_predicted_rate_and_is_tight_for_isometric_data():
    b = CHECK["linear-net-rate"].evaluate(NET_CASE, 16)
    assert np.all(b.lhs <= b.rhs * (1 + pl_descent.RTOL) + pl_descent.RATE_ATOL)
    # σ₁(X) = σ_N(X) and the residual along the σ_N direction: equality (1 − ημ)² = 1 − 2μη + μβη²
    tight = CHECK["linear-net-rate"].evaluate(dict(NET_CASE, log10_cond=0.0, align=1.0), 16)
    np.testing.assert_allclose(tight.lhs, tight.rhs, rtol=1e-10)
