"""The values the obligations derive are the right ones (not just 'some DERIVED value')."""

import sympy

from theorems import bn_bounds, ce_convergence, kernel_layerwise, pl_descent, wn_invariance


def test_optimal_step_and_factor():
    v = pl_descent.optimal_step().value
    assert sympy.simplify(v["eta_opt"] - 1 / pl_descent.beta) == 0
    assert sympy.simplify(v["factor"] - (1 - pl_descent.mu / pl_descent.beta)) == 0
    assert pl_descent.step_window().value == sympy.Interval.open(0, 2 / pl_descent.beta)


def test_bn_constants():
    assert sympy.N(bn_bounds.D2_BOUND_TIGHT.subs({bn_bounds.Nsym: 1, bn_bounds.eps: 1})) == sympy.N(
        sympy.Rational(12, 5) * 5 ** sympy.Rational(-1, 4))
    assert abs(float(bn_bounds.D2_BOUND_TIGHT.subs({bn_bounds.Nsym: 1, bn_bounds.eps: 1})) - 1.60498) < 1e-4
    assert bn_bounds.D2_BOUND_SPEC.subs({bn_bounds.Nsym: 4, bn_bounds.eps: 1}) == 3


def test_wn_sharp_quadratic_constant():
    assert "2*sqrt(3)/3" in wn_invariance.second_derivative().evidence


def test_layerwise_slack_at_least_one():
    assert float(kernel_layerwise.two_layer_instance().value) >= 1


def test_mu0_value_is_product():
    v = ce_convergence.mu0_value().value
    c2, c3 = ce_convergence.c_expr(2), ce_convergence.c_expr(3)
    assert sympy.expand(v - ce_convergence.sigma_N**2 * (1 - c2) ** 2 * (1 - c3) ** 2) == 0
