"""numerics.trainer: plain GD bookkeeping, instance axes, Ctrl-C, NaN, save/load (docs/theory.md#r7)."""

import json

import numpy as np
import pytest

from numerics import trainer
from numerics.architectures import residual_ce_net
from numerics.training.history import History
from numerics.training.r7 import make_data


@pytest.fixture(scope="module")
def setup():
    net = residual_ce_net(5, 3, 2, 2, 0.2, 4.0)
    X, y = make_data(3, 5, 4, 3)
    return net, X, y, trainer.set_wn_row_norms(net, net.init(1), 2.0)


def test_records_match_direct_evaluation(setup):
    net, X, y, p0 = setup
    _, h = trainer.gradient_descent(net, p0, X, y, lr=0.3, steps=5, kernel_every=2)
    assert len(h) == 6 and list(h.step) == [0, 1, 2, 3, 4, 5]
    assert h.loss[0] == pytest.approx(float(net.loss(p0, X, y)), rel=1e-14)
    g0 = net.grad(p0, X, y)
    assert h.grad_norm[0] == pytest.approx(np.linalg.norm(g0), rel=1e-14)
    p1 = p0 - 0.3 * g0
    assert h.loss[1] == pytest.approx(float(net.loss(p1, X, y)), rel=1e-13)
    assert h.v_norm[0] == pytest.approx(np.linalg.norm(net.unflatten(p0)[0]["W"]), rel=1e-14)
    assert h.wn_min[0] == pytest.approx(2.0, rel=1e-14)
    lam = np.linalg.eigvalsh(net.tangent_kernel(p0, X))[0]
    assert h.lambda_min[0] == pytest.approx(lam, rel=1e-12)
    assert np.isnan(h.lambda_min[1]) and np.isfinite(h.lambda_min[2])
    assert np.all(np.diff(h.loss) < 0)


def test_wn_rescaling_keeps_loss_and_sets_norms(setup):
    net, X, y, _ = setup
    p = net.init(5)
    q = trainer.set_wn_row_norms(net, p, 7.0)
    assert net.loss(q, X, y) == pytest.approx(float(net.loss(p, X, y)), rel=1e-13)
    assert np.allclose(trainer.wn_row_norms(net, q), 7.0, rtol=1e-14)
    assert trainer.wn_keys(net) == [(1, "branch.1.W"), (1, "branch.3.W"), (2, "branch.1.W"), (2, "branch.3.W")]
    assert trainer.wn_row_norms(net, q).shape == (2 * (2 + 3),)


def test_instance_axes_run_independent_trajectories(setup):
    net, X, y, _ = setup
    P = trainer.set_wn_row_norms(net, net.init(2, n=3), 2.0)
    recs = list(trainer.iterate(net, P, X, y, lr=0.3, steps=4))
    _, h = trainer.gradient_descent(net, P[1], X, y, lr=0.3, steps=4)
    assert np.allclose([r["loss"][1] for r in recs], h.loss, rtol=1e-13, atol=0)
    assert recs[-1]["wn_rows"].shape == (3, 10)


def test_log_every_callback_and_stop(setup):
    net, X, y, p0 = setup
    seen = []
    _, h = trainer.gradient_descent(net, p0, X, y, lr=0.1, steps=10, log_every=4,
                                    callback=lambda r: seen.append(r["step"]))
    assert list(h.step) == [0, 4, 8, 10] and seen == [0, 4, 8, 10]
    _, h = trainer.gradient_descent(net, p0, X, y, lr=0.1, steps=10, callback=lambda r: r["step"] == 3)
    assert h.step[-1] == 3 and not h.interrupted


def test_ctrl_c_returns_partial_history(setup):
    net, X, y, p0 = setup

    def cb(rec):
        if rec["step"] == 6:
            raise KeyboardInterrupt

    p, h = trainer.gradient_descent(net, p0, X, y, lr=0.1, steps=50, callback=cb)
    assert h.interrupted and h.step[-1] in (5, 6) and len(h) >= 6
    assert np.all(np.isfinite(p))


def test_overflow_raises_by_default_and_is_recorded_on_request(setup):
    net, X, y, p0 = setup
    with pytest.raises(FloatingPointError, match="non-finite .* lr = 1e\\+300"):
        trainer.gradient_descent(net, p0, X, y, lr=1e300, steps=5)
    p, h = trainer.gradient_descent(net, p0, X, y, lr=1e300, steps=5, nonfinite="record")
    assert h.error and "non-finite" in h.error and len(h) >= 1 and np.isfinite(h.loss).all()


@pytest.mark.parametrize("change, name", [
    (dict(lr=1e309), "lr"), (dict(lr=0.0), "lr"), (dict(steps=2.5), "steps"), (dict(steps=-1), "steps"),
    (dict(kernel_every=-1), "kernel_every"), (dict(log_every=0), "log_every"), (dict(momentum=np.nan), "momentum"),
    (dict(nonfinite="ignore"), "nonfinite"), (dict(steps=True), "steps"),
])
def test_bad_argument_is_a_value_error_naming_it(setup, change, name):
    net, X, y, p0 = setup
    kw = dict(lr=0.1, steps=3, **{k: v for k, v in change.items() if k not in ("lr", "steps")})
    kw.update({k: v for k, v in change.items() if k in ("lr", "steps")})
    with pytest.raises(ValueError, match=f"^{name} must"):
        trainer.gradient_descent(net, p0, X, y, **kw)


@pytest.mark.parametrize("where", ["p0", "X"])
def test_nan_input_is_a_value_error_naming_it(setup, where):
    net, X, y, p0 = setup
    args = {"p0": p0.copy(), "X": X.copy()}
    args[where].flat[0] = np.nan
    with pytest.raises(ValueError, match=f"^{where} must be finite numbers, got 1 NaN/inf"):
        trainer.gradient_descent(net, args["p0"], args["X"], y, lr=0.1, steps=3)


def test_bad_arguments(setup):
    net, X, y, p0 = setup
    with pytest.raises(ValueError, match="lr"):
        trainer.gradient_descent(net, p0, X, y, lr=-1.0, steps=3)
    with pytest.raises(ValueError, match="one trajectory"):
        trainer.gradient_descent(net, np.stack([p0, p0]), X, y, lr=0.1, steps=3)


def test_momentum_is_marked_outside_the_theorem(setup):
    net, X, y, p0 = setup
    _, h = trainer.gradient_descent(net, p0, X, y, lr=0.1, steps=3, momentum=0.9)
    assert "outside_theorem" in h.meta
    _, h = trainer.gradient_descent(net, p0, X, y, lr=0.1, steps=3)
    assert "outside_theorem" not in h.meta


def test_save_and_load_round_trip(setup, tmp_path):
    net, X, y, p0 = setup
    _, h = trainer.gradient_descent(net, p0, X, y, lr=0.2, steps=7, kernel_every=3, meta={"seed": 1})
    _, js = h.save(tmp_path / "run", extra_arrays={"extra": np.arange(3)}, extra_summary={"verdict": "PASS"})
    back = History.load(tmp_path / "run")
    for name in ("step", "loss", "grad_norm", "v_norm", "wn_min", "lambda_min"):
        np.testing.assert_array_equal(getattr(back, name), getattr(h, name))
    assert back.meta["seed"] == 1 and back.meta["lr"] == 0.2
    summary = json.loads(js.read_text())  # strict JSON: no bare NaN
    assert summary["verdict"] == "PASS" and summary["lambda_min"]["last"] == "nan"  # step 7: no kernel
    assert summary["lambda_min"]["min"] == pytest.approx(np.nanmin(h.lambda_min))
