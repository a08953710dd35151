"""R5 first-layer-conditioning checks: identity passes with teeth, N > d control refutes, mp agrees."""

import numpy as np
from test_checks_pl_descent import (
    assert_mp_agrees,
    assert_passes_with_teeth,
    assert_refutes,
)

from numerics.checks import first_layer_conditioning as flc

CHECK = {c.id.split("/")[1]: c for c in flc.CHECKS}
CASE = {"N": 3, "extra_d": 2, "m": 2, "log10_scale_X": -5.0, "log10_cond": 4.0, "log10_scale_V": 5.0, "seed": 9}


def test_identity_passes_and_has_teeth():
    base = assert_passes_with_teeth(CHECK["identity"])
    assert base.worst_ratio < flc.RTOL


def test_n_gt_d_control_refutes():
    report = assert_refutes(CHECK["n-gt-d-control"])
    assert float(report.counterexample.rhs) == 0.0 < report.counterexample.lhs


def test_mp_agrees():
    assert_mp_agrees(CHECK["identity"], CASE)
    assert_mp_agrees(CHECK["n-gt-d-control"], {"d": 2, "extra_N": 1, "m": 2, "log10_scale_X": 3.0,
                                               "log10_scale_V": 0.0, "seed": 2})


def test_identity_does_not_depend_on_V():
    a = CHECK["identity"].evaluate(CASE, 8)
    b = CHECK["identity"].evaluate(dict(CASE, log10_scale_V=-5.0), 8)
    np.testing.assert_allclose(a.lhs, b.lhs, rtol=1e-12)
    np.testing.assert_allclose(a.lhs, a.rhs, rtol=flc.RTOL)
