"""R3 kernel-layerwise checks: mp agrees on residual and dense nets, and the bound's first-layer term on the
R7 net is σ_N(X)²Π σ_min(D_H R_k)² > 0 (N ≤ d).

Pass/teeth and the chain-net control's refutation (with a positive claimed bound): test_all_checks.py.
"""

import numpy as np
from check_assertions import assert_mp_agrees

from numerics.checks import kernel_layerwise as kl

CHECK = {c.id.split("/")[1]: c for c in kl.CHECKS}
CASE = {"family": "residual", "N": 2, "extra_d": 1, "K": 2, "width": 2, "depth": 2, "activation": "tanh",
        "log10_alpha": -0.5, "log10_eps": 0.0, "log10_scale_p": 0.5, "log10_scale_X": 0.0, "seed": 3}


def test_mp_agrees():
    assert_mp_agrees(CHECK["bound"], CASE, n=2, atol=kl.ATOL)
    assert_mp_agrees(CHECK["bound"], dict(CASE, family="dense"), n=2, atol=kl.ATOL)


def test_bound_is_positive_and_tends_to_one_as_alpha_vanishes():
    """Residual net, N ≤ d: B > 0 always; with α = 1e-6, K ≈ J₁J₁ᵀ and B/λ_min(K) → 1."""
    b = CHECK["bound"].evaluate(CASE, 16)
    assert np.all(b.lhs > 0) and np.all(b.lhs <= b.rhs * (1 + kl.RTOL))
    tiny = CHECK["bound"].evaluate(dict(CASE, log10_alpha=-6.0), 16)
    np.testing.assert_allclose(tiny.lhs / tiny.rhs, 1.0, atol=1e-4)


def test_wide_cases_reach_larger_widths_and_depths_and_the_bound_holds_there():
    """The thorough profile's strategy (wide_cases) draws up to 4 layers, m ≤ 8, K ≤ 5, N ≤ 6; the default stays small."""
    from check_assertions import some_case
    from hypothesis import given, settings

    check = CHECK["bound"]
    assert max(some_case(check, k)["width"] for k in range(1, 30)) <= kl.SIZES["width"]
    seen = []

    @settings(max_examples=60, database=None, derandomize=True, deadline=None)
    @given(check.wide_cases())
    def grab(case):
        seen.append(case)

    grab()
    assert max(c["width"] for c in seen) > kl.SIZES["width"] and max(c["depth"] for c in seen) > kl.SIZES["depth"]
    for family in ("residual", "dense"):
        case = dict(CASE, family=family, N=5, extra_d=2, K=4, width=7, depth=4)
        b = check.evaluate(case, 8)
        assert np.all(b.lhs <= b.rhs * (1 + kl.RTOL) + kl.ATOL)
        if family == "residual":  # N ≤ d: the first-layer term σ_N(X)²Π σ_min(D_H R_k)² is positive
            assert np.all(b.lhs > 0)
    assert_mp_agrees(check, dict(CASE, N=3, extra_d=1, K=3, width=5, depth=3), n=2, atol=kl.ATOL)

