"""R5 first-layer-conditioning checks: mp agrees on chosen cases; the identity does not depend on V.

Pass/teeth (worst deviation < RTOL), the N > d control's refutation (σ_min = 0 exactly): test_all_checks.py.
"""

import numpy as np
from check_assertions import assert_mp_agrees

from numerics.checks import first_layer_conditioning as flc

CHECK = {c.id.split("/")[1]: c for c in flc.CHECKS}
CASE = {"N": 3, "extra_d": 2, "m": 2, "log10_scale_X": -5.0, "log10_cond": 4.0, "log10_scale_V": 5.0, "seed": 9}


def test_mp_agrees():
    assert_mp_agrees(CHECK["identity"], CASE)
    assert_mp_agrees(CHECK["n-gt-d-control"], {"d": 2, "extra_N": 1, "m": 2, "log10_scale_X": 3.0,
                                               "log10_scale_V": 0.0, "seed": 2})


def test_identity_does_not_depend_on_V():
    a = CHECK["identity"].evaluate(CASE, 8)
    b = CHECK["identity"].evaluate(dict(CASE, log10_scale_V=-5.0), 8)
    np.testing.assert_allclose(a.lhs, b.lhs, rtol=1e-12)
    np.testing.assert_allclose(a.lhs, a.rhs, rtol=flc.RTOL)
