"""numerics.training.kernel: matrix-free λ_min(K) agrees with eigvalsh, is checked, and falls back (docs/theory.md#r7)."""

import numpy as np
import pytest

from numerics import trainer
from numerics.architectures import chain_ce_net, residual_ce_net
from numerics.training import kernel
from numerics.training.plan import StepPlan
from numerics.training.r7 import alpha_for, make_data


def instance(build=residual_ce_net, c=0.5, N=40, K=5, m=8, blocks=2, seed=0):
    net = build(N, K, m, blocks, alpha_for(c, K, m, 1.0, "tanh"), 1.0)
    X, y = make_data(seed, N, N, K)
    return net, X, y, trainer.set_wn_row_norms(net, net.init(seed), 4.0)


def test_jvp_and_vjp_are_the_jacobian():
    for build in (residual_ce_net, chain_ce_net):
        net, X, y, p = instance(build, N=6, K=3, m=4)
        plan = StepPlan.build(net, X, y)
        plan.forward(p)
        J = net.param_jacobian(p, X)
        rng = np.random.default_rng(0)
        U, G = rng.standard_normal((3, net.num_params)), rng.standard_normal((3, 3, 6))
        assert np.allclose(plan.jvp(U).reshape(3, -1), U @ J.T, rtol=0, atol=1e-14 * np.abs(J).max() * 10)
        assert np.allclose(plan.vjp(G), G.reshape(3, -1) @ J, rtol=0, atol=1e-14 * np.abs(J).max() * 10)


@pytest.mark.parametrize("c,seed", [(0.2, 1), (0.5, 0), (0.9, 3)])
def test_matrix_free_agrees_with_exact_in_the_r7_regime(c, seed):
    net, X, _, p = instance(c=c, seed=seed)
    exact = float(kernel.exact_lambda_min(net, p, X))
    est = kernel.matrix_free_lambda_min(net, p, X, seed=seed)
    assert est is not None and est.method == "matrix-free" and est.matvecs > 0
    assert abs(est.value - exact) <= 1e-8 * exact
    assert est.bound <= 1e-10 * est.value
    # the Rayleigh quotient is an upper bound of λ_min (up to eigvalsh's own round-off ε‖K‖)
    lam_max = np.linalg.eigvalsh(net.tangent_kernel(p, X))[-1]
    assert est.value >= exact - 1e-13 * lam_max


def test_unconverged_or_unchecked_results_fall_back_to_exact(monkeypatch):
    net, X, _, p = instance()
    exact = float(kernel.exact_lambda_min(net, p, X))
    assert kernel.matrix_free_lambda_min(net, p, X, maxiter=2) is None  # the residual check refuses it
    assert kernel.matrix_free_lambda_min(net, p, X, rtol=1e-40) is None  # a bound it cannot certify
    monkeypatch.setattr(kernel, "MAXITER", 2)
    est = kernel.kernel_lambda_min(net, p, X, exact_max=10)
    assert est.method == "exact" and est.value == exact


def test_dispatch_by_size_and_instance_axes():
    net, X, _, p = instance()
    assert kernel.kernel_lambda_min(net, p, X).method == "exact"  # K·N = 200 ≤ EXACT_MAX
    assert kernel.kernel_lambda_min(net, p, X, exact_max=100).method == "matrix-free"
    P = np.stack([p, p])
    assert trainer.lambda_min_kernel(net, P, X).shape == (2,)


def test_trainer_uses_matrix_free_above_the_threshold(monkeypatch):
    net, X, y, p = instance()
    monkeypatch.setattr(kernel, "EXACT_MAX", 100)
    lam = trainer.lambda_min_kernel(net, p, X)
    assert lam == pytest.approx(float(kernel.exact_lambda_min(net, p, X)), rel=1e-8)


@pytest.mark.parametrize("c,seed", [(2.0, 5), (4.0, 2)])
def test_outside_the_r7_regime_the_answer_is_still_right(c, seed):
    """c_k > 1: the preconditioner is poor and LOBPCG may stall; then the check refuses and eigvalsh runs."""
    net, X, _, p = instance(c=c, seed=seed)
    exact = float(kernel.exact_lambda_min(net, p, X))
    est = kernel.kernel_lambda_min(net, p, X, exact_max=100)
    assert abs(est.value - exact) <= 1e-8 * exact
