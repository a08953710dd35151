"""R1 kernel-pl checks: mp agrees (both costs, both families), square steering is tight.

Pass/teeth of every kernel-pl check: test_all_checks.py.
"""

import numpy as np
import pytest
from check_assertions import assert_mp_agrees

from numerics.checks import kernel_pl

CHECK = {c.id.split("/")[1]: c for c in kernel_pl.CHECKS}
CASE = {"family": "residual", "cost": "ce", "d": 3, "N": 2, "K": 2, "width": 2, "depth": 1, "activation": "tanh",
        "log10_alpha": -1.0, "log10_eps": 0.0, "log10_scale_p": 1.0, "log10_scale_X": 0.0, "align": 0.5,
        "seed": 7}


@pytest.mark.parametrize("family,cost", [("residual", "ce"), ("dense", "square")])
def test_mp_agrees(family, cost):
    case = dict(CASE, family=family, cost=cost)
    assert_mp_agrees(CHECK["identity"], case, n=2, atol=kernel_pl.ATOL)
    assert_mp_agrees(CHECK["lambda-min"], case, n=2, atol=kernel_pl.ATOL)


def test_square_cost_steering_reaches_equality():
    """align = 1: ∇C is K's bottom eigenvector, so λ_min(K)‖∇C‖² = ‖∇ℓ‖² (the ratio is 1)."""
    b = CHECK["lambda-min"].evaluate(dict(CASE, cost="square", align=1.0), 8)
    assert b.valid.all()
    np.testing.assert_allclose(b.lhs, b.rhs, rtol=1e-8, atol=kernel_pl.ATOL)
