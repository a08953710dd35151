"""numerics.training.plan: the fast GD step gives the reference Network path's numbers (docs/theory.md#r7)."""

import mpmath
import numpy as np
import pytest
from threadpoolctl import threadpool_info

from numerics import trainer
from numerics.architectures import chain_ce_net, residual_ce_net, skip_mechanism_net
from numerics.training.plan import StepPlan
from numerics.training.r7 import R7Instance, alpha_for, make_data

ACTIVATIONS = ("tanh", "sigmoid", "softplus", "gelu")
BUILDERS = (residual_ce_net, chain_ce_net)


def rel(a, b):
    return float(np.linalg.norm(np.ravel(a - b)) / np.linalg.norm(np.ravel(b)))


@pytest.mark.parametrize("build", BUILDERS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_fast_gradient_agrees_with_the_generic_network(build, activation):
    net = build(12, 4, 8, 3, 0.4, 0.5, activation)
    X, y = make_data(1, 12, 10, 4)
    plan = StepPlan.build(net, X, y)
    assert plan is not None
    for seed, scale in ((0, 1.0), (1, 30.0)):  # scale 30: pre-activations deep in saturation
        p = trainer.set_wn_row_norms(net, net.init(seed), 3.0)
        p[: net.layers[0].num_params] *= scale
        loss, g = plan.loss_and_grad(p)
        loss_ref, g_ref = net.loss_and_grad(p, X, y)
        assert rel(g, g_ref) <= 1e-14
        assert abs(loss - loss_ref) <= 1e-14 * abs(loss_ref)
        assert np.array_equal(plan.wn_rows(), trainer.wn_row_norms(net, p)) or \
            rel(plan.wn_rows(), trainer.wn_row_norms(net, p)) <= 1e-15
        assert plan.v_norm() == pytest.approx(float(trainer.v_norm(net, p)), rel=1e-15)
    # the comparison can fail: a gradient of a slightly different p is far beyond 1e-14
    _, g_other = net.loss_and_grad(p * (1 + 1e-9), X, y)
    assert rel(g, g_other) > 1e-12


def test_square_cost_and_bias_layers_agree():
    from numerics.layers import Activation, Dense
    from numerics.network import Network

    net = Network([Dense(5, 7), Activation("tanh"), Dense(7, 3)])
    X = np.random.default_rng(0).standard_normal((5, 6))
    Y = np.random.default_rng(1).standard_normal((3, 6))
    p = net.init(2)
    plan = StepPlan.build(net, X, Y, "square")
    loss, g = plan.loss_and_grad(p)
    loss_ref, g_ref = net.loss_and_grad(p, X, Y, "square")
    assert rel(g, g_ref) <= 1e-14 and loss == pytest.approx(float(loss_ref), rel=1e-15)
    assert plan.ops[1].overwrite_input and plan.ops[1].overwrite_cotangent  # in place at the top level too


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activations_that_overwrite_their_buffers_and_those_that_must_not(activation):
    """Between two linear layers σ is computed over its input buffer and σ′ ⊙ G over G; first or last in a
    branch (after BN, whose output its backward still reads, or before the residual sum) it must not be."""
    from numerics.layers import Activation, BatchNorm, Dense, Residual
    from numerics.network import Network

    net = Network([Dense(5, 4), Residual([Dense(4, 6), Activation(activation), Dense(6, 4)]),
                   Residual([BatchNorm(4), Activation(activation), Dense(4, 4, bias=False), Activation(activation)]),
                   Dense(4, 3)])
    X, y = np.random.default_rng(0).standard_normal((5, 7)), np.array([0, 1, 2, 0, 1, 2, 0])
    plan = StepPlan.build(net, X, y)
    for seed in range(3):  # repeated calls: buffers overwritten in one step must not leak into the next
        p = 3.0 * net.init(seed)
        loss, g = plan.loss_and_grad(p)
        loss_ref, g_ref = net.loss_and_grad(p, X, y)
        assert rel(g, g_ref) <= 1e-14 and loss == pytest.approx(float(loss_ref), rel=1e-14)
    acts = [op for block in plan.ops[1:3] for op in block.ops if hasattr(op, "overwrite_input")]
    assert [a.overwrite_input for a in acts] == [activation == "tanh", False, False]
    assert [a.overwrite_cotangent for a in acts] == [True, True, False]  # G of a Dense: its own dH buffer


@pytest.mark.parametrize("activation,skip", [(a, True) for a in ACTIVATIONS] + [("tanh", False)])
def test_trajectories_agree_over_1000_steps(activation, skip):
    a = alpha_for(0.3, 3, 3, 16.0, activation)
    inst = R7Instance(seed=0, d=6, N=4, K=3, m=3, blocks=2, alphas=[a, a], eps=16.0, r=4.0,
                      activation=activation, skip=skip)
    runs, p0 = {}, inst.init()
    for fast in (True, False):
        recs = list(trainer.iterate(inst.net, p0, inst.X, inst.y, lr=inst.lr, steps=1000, fast=fast))
        runs[fast] = (np.array([r["loss"] for r in recs]), np.array([r["grad_norm"] for r in recs]), recs[-1]["p"])
    (l1, g1, p1), (l2, g2, p2) = runs[True], runs[False]
    assert l2[-1] < l2[0] and rel(p2, p0) > 1e-2  # the run went somewhere
    assert np.max(np.abs(l1 - l2) / l2) <= 1e-13
    assert np.max(np.abs(g1 - g2) / g2) <= 1e-12
    assert rel(p1, p2) <= 1e-13


def test_sech2_is_accurate_where_tanh_saturates():
    from numerics.layers import Activation

    x = np.array([[0.0, 1e-8, 0.5, 3.0, 20.0, -40.0, 300.0, 700.0, -711.0, 1e5]])
    from numerics.training.plan import _ActivationOp

    act = _ActivationOp(Activation("tanh"), 1, x.shape[1], need_dH=True)
    with np.errstate(all="raise"):  # cosh overflow is silenced on purpose, nothing else may warn
        act.forward(x)
    with mpmath.workdps(50):
        exact = np.array([float(mpmath.sech(mpmath.mpf(float(v))) ** 2) for v in x[0]])
    big = exact > 0
    assert np.all(np.abs(act.slope[0][big] - exact[big]) <= 4e-16 * exact[big])
    assert np.all(act.slope[0][~big] == 0)
    # the rejected alternative (1 − t)(1 + t) loses everything where tanh rounds to ±1
    t = np.tanh(x[0])
    alt = (1 - t) * (1 + t)
    assert np.max(np.abs(alt[big] - exact[big]) / exact[big]) == pytest.approx(1.0)


def test_unsupported_networks_and_instance_axes_use_the_generic_path():
    net = skip_mechanism_net("b", 6, 3, 8, 4)
    X, y = make_data(0, 6, 5, 3)
    assert StepPlan.build(net, X, y) is None
    _, h = trainer.gradient_descent(net, net.init(0), X, y, lr=0.1, steps=2)  # falls back, still runs
    assert len(h) == 3 and np.all(np.isfinite(h.loss))
    r7 = residual_ce_net(6, 3, 4, 1, 0.2, 1.0)
    assert StepPlan.build(r7, X.astype(complex), y) is None
    P = r7.init(0, n=2)
    recs = list(trainer.iterate(r7, P, X, y, lr=0.1, steps=1))
    assert recs[-1]["loss"].shape == (2,)


def test_gradient_descent_runs_with_one_blas_thread_by_default():
    net = residual_ce_net(5, 3, 2, 1, 0.2, 4.0)
    X, y = make_data(0, 5, 4, 3)
    seen = {}

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    outside = blas_threads()
    trainer.gradient_descent(net, net.init(0), X, y, lr=0.1, steps=1,
                             callback=lambda rec: seen.setdefault("default", blas_threads()))
    trainer.gradient_descent(net, net.init(0), X, y, lr=0.1, steps=1, threads=None,
                             callback=lambda rec: seen.setdefault("none", blas_threads()))
    assert seen["default"] and set(seen["default"]) == {1}
    assert seen["none"] == outside
    assert blas_threads() == outside  # restored after the run
    with pytest.raises(ValueError, match="BLAS threads"):
        trainer.gradient_descent(net, net.init(0), X, y, lr=0.1, steps=1, threads=0)
