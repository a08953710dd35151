"""R6b bn-bounds: the attack reaches the second-derivative peak, and without BN the parameter derivative grows.

Pass/teeth, the control's refutation and mp agreement of every bn-bounds check: test_all_checks.py.
"""

import numpy as np

from numerics.checks import bn_bounds


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
