"""Live R7 checks (numerics.training.r7): a certified run holds everything; the monitor catches violations;
practical mode labels guarantees honestly (docs/theory.md#r7)."""

import numpy as np
import pytest

from numerics import trainer
from numerics.training import fits
from numerics.training import inequalities as ineq
from numerics.training.r7 import R7Instance, R7Monitor, alpha_for


def certified(**kw):
    args = {"seed": 0, "d": 6, "N": 4, "K": 3, "m": 3, "blocks": 2, "eps": 16.0, "r": 4.0, "activation": "tanh"}
    args.update(kw)
    args.setdefault("alphas", [alpha_for(0.3, args["K"], args["m"], args["eps"], "tanh")] * args["blocks"])
    return R7Instance(**args)


def run(inst, steps, **kw):
    mon = R7Monitor(inst)
    _, h = trainer.gradient_descent(inst.net, inst.init(), inst.X, inst.y, lr=inst.lr, steps=steps,
                                    kernel_every=1, monitor=mon, momentum=inst.momentum,
                                    weight_decay=inst.weight_decay, **kw)
    return mon, h


@pytest.fixture(scope="module")
def certified_run():
    inst = certified()
    return (inst, *run(inst, 400))


def test_hypotheses_hold_and_constants_come_from_theorems(certified_run):
    inst, _, _ = certified_run
    assert inst.certified()
    assert max(float(c) for c in inst.consts["c"]) == pytest.approx(0.3)
    assert 0 < inst.lr < float(inst.consts["eta_max"])
    assert float(inst.consts["mu0"]) > 0 and float(inst.consts["beta"]) > 0


def test_certified_run_holds_every_inequality_at_every_step(certified_run):
    inst, mon, h = certified_run
    for o in mon.outcomes():
        assert o.guaranteed and o.status == "HELD", o.as_dict()
        assert len(o.steps) >= 400
        w, _ = o.worst
        assert 0 < w <= 1
    assert h.loss[-1] < 0.1 * h.loss[0] and h.v_norm[-1] > 2 * h.v_norm[0]
    assert np.nanmin(h.lambda_min) >= float(inst.consts["mu0"])


def test_optimum_at_infinity_fits(certified_run):
    _, _, h = certified_run
    lf, vf = fits.loss_exponent(h.step, h.loss), fits.v_growth(h.step, h.v_norm)
    assert -1.5 < lf.slope < -0.5 and lf.r2 > 0.99
    assert vf.slope > 0 and vf.r2 > 0.99


def test_monitor_reports_a_too_strong_bound_as_violation_with_its_step(certified_run):
    """Teeth of the live check: μ₀ just above the smallest measured λ_min must be caught, at that step."""
    inst, _, h = certified_run
    mon = R7Monitor(inst)
    lam = h.lambda_min
    mon.mu0 = float(np.nanmin(lam)) * (1 + 1e-8)  # above rtol = 1e-9, below the gap to the next-smallest
    first = []
    for t in range(len(h)):
        rec = {"step": h.step[t], "loss": h.loss[t], "grad_norm": h.grad_norm[t], "lambda_min": lam[t],
               "wn_rows": np.array([h.wn_min[t]])}
        first += [(n, t) for n in mon.observe(rec)]
    kern = {o.name: o for o in mon.outcomes()}["kernel"]
    assert kern.status == "VIOLATED" and kern.first_failure == int(np.nanargmin(lam))
    assert ("kernel", int(np.nanargmin(lam))) in first


def test_descent_violation_is_detected_when_beta_is_too_small(certified_run):
    inst, _, h = certified_run
    lhs, rhs = ineq.descent_pair(h.loss[:-1], h.loss[1:], h.grad_norm[:-1], inst.lr, float(inst.consts["beta"]))
    assert np.all(ineq.holds("descent", lhs, rhs))
    worst = float(np.max(ineq.ratio(lhs, rhs)))
    assert not np.all(ineq.holds("descent", lhs, rhs, scale=worst * (1 - 1e-6)))


def test_practical_mode_labels_guarantees_and_never_calls_violation():
    inst = certified(eta_fraction=4.0)  # η = 8/β: four times the certified limit
    assert not inst.certified()
    g = inst.guarantees()
    assert not g["descent"][0] and not g["rate"][0] and "2/β" in g["descent"][1]
    assert g["wn-monotone"][0] and g["kernel"][0] and g["gradient"][0]  # these do not need η < 2/β
    mon, h = run(inst, 200)
    assert np.all(np.isfinite(h.loss)) and h.loss[-1] < h.loss[0]
    for o in mon.outcomes():
        assert o.status != "VIOLATED", o.as_dict()
        if not o.guaranteed:
            assert "not guaranteed" in o.status


def test_momentum_voids_the_update_rule_guarantees():
    inst = certified(momentum=0.9)
    g = inst.guarantees()
    assert not g["wn-monotone"][0] and not g["descent"][0] and g["kernel"][0]
    mon, _ = run(inst, 50)
    assert not any(o.violated for o in mon.outcomes())


def test_no_skip_instance_reports_the_c_hypothesis_as_failed():
    inst = certified(skip=False, lr=0.1)
    assert not {h.key: h.held for h in inst.hypotheses}["c"]
    assert not inst.guarantees()["kernel"][0]


def test_ratio_and_tolerances():
    assert ineq.ratio(1.0, 0.0) == np.inf and ineq.ratio(0.0, 0.0) == 0.0 and ineq.ratio(1.0, 2.0) == 0.5
    assert ineq.holds("descent", 1.0 + 5e-15, 1.0) and not ineq.holds("descent", 1.0 + 1e-6, 1.0)
    assert not ineq.holds("kernel", np.nan, 1.0)
