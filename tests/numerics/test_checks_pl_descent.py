"""R0 pl-descent checks: 50-digit re-evaluation agrees with float64 on chosen cases, and the bounds are tight.

Pass/teeth on the ci profile (with steering reaching worst ratio > 0.99), the control's refutation (f went
up) and mp agreement on a drawn case: test_all_checks.py.
"""

import numpy as np
from check_assertions import assert_mp_agrees

from numerics.checks import pl_descent

CHECK = {c.id.split("/")[1]: c for c in pl_descent.CHECKS}
NET_CASE = {"N": 3, "extra_d": 1, "K": 2, "log10_scale_X": 1.0, "log10_cond": 1.5, "log10_scale_V": -1.0,
            "eta_frac": 0.7, "align": 0.5, "seed": 8}
CASE = {"P": 4, "spectrum": "indefinite", "log10_beta": 3.0, "log10_grad": -4.0, "eta_frac": 0.9, "align": 0.3,
        "seed": 5}


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


def test_start_at_the_minimiser_is_invalid_not_an_error():
    """Regression (thorough profile, seed 0): with P = 1 and align = ½, p₀ can be exactly p* and f₀ = 0."""
    from numerics.checks import get_check

    case = {"P": 1, "log10_beta": 0.0, "log10_cond": 0.0, "log10_p": 0.0, "eta_frac": 0.5, "align": 0.5, "seed": 0}
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        batch = get_check("pl-descent/linear-rate").evaluate(case, 256)
    assert 0 < batch.valid.sum() < 256
    assert np.all(np.isfinite(batch.lhs[batch.valid]))
