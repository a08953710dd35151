"""Elementwise functions that work on every number type the toolkit computes with.

* float64 / complex128 arrays: numpy (complex128 is used by the complex-step Hessian-vector product);
* object arrays of mpmath numbers: mpmath at the current ``mpmath.mp.dps`` (counterexample confirmation);
* object arrays of sympy expressions: sympy (derivative tests against ``sympy.diff``).

Layers and costs call these instead of ``np.tanh`` etc., so one piece of code serves all four.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy


def _elementwise(np_fn, mp_fn, sp_fn):
    def apply(x):
        x = np.asarray(x)
        if x.dtype != object:
            return np_fn(x)
        out = np.empty(x.shape, dtype=object)
        for idx, v in np.ndenumerate(x):
            out[idx] = sp_fn(v) if isinstance(v, sympy.Basic) else mp_fn(v)
        return out

    return apply


def _np_relu(x):
    return np.where(np.real(x) > 0, x, 0 * x)


exp = _elementwise(np.exp, mpmath.exp, sympy.exp)
log = _elementwise(np.log, mpmath.log, sympy.log)
sqrt = _elementwise(np.sqrt, mpmath.sqrt, sympy.sqrt)
tanh = _elementwise(np.tanh, mpmath.tanh, sympy.tanh)
log1p = _elementwise(np.log1p, lambda v: mpmath.log(1 + v), lambda v: sympy.log(1 + v))
expm1 = _elementwise(np.expm1, mpmath.expm1, lambda v: sympy.exp(v) - 1)
# ReLU is not analytic; on object arrays it compares the value (sympy needs numeric arguments then).
relu = _elementwise(_np_relu, lambda v: v if v > 0 else 0 * v, lambda v: sympy.Max(v, 0))
heaviside = _elementwise(
    lambda x: (np.real(x) > 0).astype(float), lambda v: mpmath.mpf(1) if v > 0 else mpmath.mpf(0),
    lambda v: sympy.Heaviside(v, 0),
)


def real_part(x):
    """The real part, as float64 for numeric dtypes (used to shift log-sum-exp)."""
    x = np.asarray(x)
    if x.dtype == object:
        return x
    return np.real(x)


def is_exact(x) -> bool:
    """True for object arrays (mpmath / sympy), where no max-shift or float tricks apply."""
    return np.asarray(x).dtype == object


def to_mp(x, dps: int = 50):
    """A float array as an object array of mpmath numbers (exact binary values, no rounding)."""
    with mpmath.workdps(dps):
        return np.vectorize(lambda v: mpmath.mpf(float(v)), otypes=[object])(np.asarray(x, dtype=float))
