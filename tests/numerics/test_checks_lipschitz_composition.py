"""R6c lipschitz-composition: the composition rule is attained, and chain curvature matches central differences.

Pass/teeth and mp agreement of every lipschitz-composition check: test_all_checks.py.
"""

import numpy as np
import pytest

from numerics.checks import lipschitz_composition as lc


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
