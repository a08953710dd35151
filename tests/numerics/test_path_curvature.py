"""‖∇²ℓ‖ along a GD path against β (numerics.training.path_curvature): the dense and Lanczos norms agree with
an independent Hessian, midpoints are where they should be, and a β below the measured worst is VIOLATED."""

import numpy as np
import pytest

from numerics import trainer
from numerics.checks._curvature import hessian_matrix, spectral_norm_sym
from numerics.training import path_curvature as pc
from numerics.training.r7 import R7Instance, alpha_for


def _instance():
    return R7Instance(seed=1, d=4, N=3, K=3, m=2, blocks=1, alphas=[alpha_for(0.5, 3, 2, 1.0, "tanh")], eps=1.0,
                      r=1.0, activation="tanh", eta_fraction=0.5)


def test_dense_and_lanczos_norms_agree_with_eigvalsh_of_the_hessian(monkeypatch):
    inst = _instance()
    p = inst.init(1)[0]
    exact = float(spectral_norm_sym(hessian_matrix(inst.net, p, inst.X, inst.y, "ce")))
    assert pc.hessian_norm(inst.net, p, inst.X, inst.y) == pytest.approx(exact, rel=1e-12)
    monkeypatch.setattr(pc, "DENSE_MAX", 0)  # force the Lanczos path on the same point
    assert pc.hessian_norm(inst.net, p, inst.X, inst.y) == pytest.approx(exact, rel=1e-8)


def test_path_points_and_teeth():
    inst = _instance()
    beta = float(inst.consts["beta"])
    path = pc.PathCurvature(inst.net, inst.X, inst.y, beta, every=5)
    ps = []
    for rec in trainer.iterate(inst.net, inst.init(), inst.X, inst.y, lr=inst.lr, steps=12):
        path.observe(rec)
        ps.append(np.array(rec["p"]))
    out = path.outcome(True)
    assert list(out.steps) == [0, 0.5, 5, 5.5, 10, 10.5, 12]
    assert np.allclose(path.points[1][1], (ps[0] + ps[1]) / 2)
    worst, where = out.worst
    assert 0 < worst <= 1 and out.status == "HELD"
    strong = pc.PathCurvature(inst.net, inst.X, inst.y, 0.99 * worst * beta, every=5)
    strong.points = path.points
    bad = strong.outcome(True)
    assert bad.violated and bad.status == "VIOLATED" and bad.first_failure <= where
