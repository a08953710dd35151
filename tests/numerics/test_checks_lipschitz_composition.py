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


# The case the thorough profile (seed 0) shrank to when β's branch term was halved (bound scale 0.505):
# N = K = m = 2, tanh, c = 0.5, ε = 1e−3, r = 0.1, ‖X‖ = 1e−2; instance 237 has V putting both samples on a wrong
# class (the half of the instances that take the wrong-class family whatever the case says).
BRANCH_WITNESS = ({"seed": 0, "N": 2, "extra_d": 0, "K": 2, "m": 2, "blocks": 1, "activation": "tanh", "c": 0.5,
                   "log10_eps": -3.0, "log10_r": -1.0, "log10_spread": -3.0, "log10_v": 1.0, "log10_x": -2.0,
                   "log10_cond": 0.0, "wrong": False, "noise": 0.0}, 256, 237)


def test_branch_regime_is_all_branch_term():
    """In loss-hessian-beta-branch's domain β's linear term ‖X‖²Π(1 + c_k)²/(2N) is < 1 % of β, so a ratio r
    there says the branch terms are at most 1/r loose (measured at the domain's corners: c = 0.99,
    ε = r = ‖X‖ = 0.1)."""
    from numerics.checks import get_check

    check = get_check("lipschitz-composition/loss-hessian-beta-branch")
    for act in ("tanh", "sigmoid", "gelu", "softplus"):
        case = dict(BRANCH_WITNESS[0], activation=act, K=3, m=3, N=3, blocks=2, c=0.99, log10_eps=-1.0,
                    log10_x=-1.0, log10_v=0.0, wrong=False)
        b = check.evaluate(case, 8)
        assert np.all(b.variables["branch_share"] > 0.99), act
        assert np.all(b.lhs <= b.rhs)


def test_halving_betas_branch_term_fails_on_the_branch_witness():
    """β_half = β_lin + (β − β_lin)/2 (the branch terms halved) is violated at the witness, confirmed at 50 digits,
    while β holds: β is between 1× and 2× loose there (lhs/β = 0.506), and the check declares that factor."""
    import mpmath

    from numerics.attack.engine import MP_DPS
    from numerics.checks import get_check

    check = get_check("lipschitz-composition/loss-hessian-beta-branch")
    case, n, i = BRANCH_WITNESS
    b = check.evaluate(case, n)
    share = b.variables["branch_share"][i]
    beta_half = b.rhs[i] * (1 - share / 2)
    assert share > 0.9999 and b.lhs[i] > beta_half * (1 + 1e-3)
    assert np.all(b.lhs <= b.rhs * (1 + lc.RTOL_HESS))
    with mpmath.workdps(MP_DPS):
        lhs_mp, beta_mp = check.evaluate_mp(b.instance(i))
        assert lhs_mp > beta_mp * (1 - mpmath.mpf(float(share)) / 2)
    assert check.worst_case.kind == "loose" and check.worst_case.sup >= b.lhs[i] / b.rhs[i] - 0.01
