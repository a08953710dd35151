"""R4 skip-sigma-min checks: mp agrees on chosen cases, the branch bound and Weyl bound are tight.

Pass/teeth and the no-skip control's refutation (σ_min(D_H g) = 0 at 50 digits): test_all_checks.py.
"""

import numpy as np
from check_assertions import assert_mp_agrees

from numerics.checks import skip_sigma_min as ssm

CHECK = {c.id.split("/")[1]: c for c in ssm.CHECKS}
BLOCK = {"K": 2, "N": 3, "m": 2, "activation": "tanh", "log10_eps": -1.0, "log10_scale_H": 2.0, "log10_wn": 1.0,
         "align": 0.4, "seed": 4}


def test_mp_agrees():
    assert_mp_agrees(CHECK["weyl-matrix"], {"n": 3, "log10_norm": -0.1, "align": 0.5, "seed": 1})
    assert_mp_agrees(CHECK["weyl-block"], dict(BLOCK, log10_alpha=-0.5), atol=ssm.ATOL)
    assert_mp_agrees(CHECK["branch-bound"], dict(BLOCK, log10_alpha=-0.5))
    assert_mp_agrees(CHECK["block-product"], dict(BLOCK, cs=[0.3, 0.6]), atol=ssm.ATOL)


def test_branch_bound_is_tight_in_the_aligned_small_input_limit():
    """Rows of Ŵ₁ equal, rows of Ŵ₂ = 1_m/√m, H → 0, σ = tanh: ‖D_H g‖ → c (ratio → 1 from below)."""
    b = CHECK["branch-bound"].evaluate(dict(BLOCK, align=1.0, log10_scale_H=-6.0, log10_alpha=-1.0), 8)
    np.testing.assert_allclose(b.lhs / b.rhs, 1.0, rtol=1e-8)
    assert np.all(b.lhs <= b.rhs * (1 + ssm.RTOL))


def test_weyl_matrix_is_tight_for_multiples_of_minus_identity():
    b = CHECK["weyl-matrix"].evaluate({"n": 4, "log10_norm": -0.5, "align": 1.0, "seed": 0}, 4)
    np.testing.assert_allclose(b.lhs, b.rhs, rtol=1e-13)


def test_zero_matrix_is_invalid_not_an_error():
    """Regression (thorough profile, seed 3): with n = 1 and align = ½, A = 0 had no norm to rescale."""
    from numerics.checks import get_check

    case = {"n": 1, "log10_norm": 0.0, "align": 0.5, "seed": 0}
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        batch = get_check("skip-sigma-min/weyl-matrix").evaluate(case, 256)
    assert 0 < batch.valid.sum() < 256
    assert np.all(np.isfinite(batch.lhs[batch.valid]))
