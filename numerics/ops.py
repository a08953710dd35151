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
log1p = _elementwise(np.log1p, mpmath.log1p, lambda v: sympy.log(1 + v))
expm1 = _elementwise(np.expm1, mpmath.expm1, lambda v: sympy.exp(v) - 1)
# ReLU is not analytic; on object arrays it compares the value (sympy needs numeric arguments then).
relu = _elementwise(_np_relu, lambda v: v if v > 0 else 0 * v, lambda v: sympy.Max(v, 0))
heaviside = _elementwise(
    lambda x: (np.real(x) > 0).astype(float), lambda v: mpmath.mpf(1) if v > 0 else mpmath.mpf(0),
    lambda v: sympy.Heaviside(v, 0),
)


def real_part(x):
    """The real part: float64 for numeric dtypes, mpmath.re elementwise for object arrays (mpc → mpf)."""
    x = np.asarray(x)
    if x.dtype == object:
        return np.vectorize(lambda v: mpmath.re(v) if isinstance(v, mpmath.mpc) else v, otypes=[object])(x)
    return np.real(x)


def is_exact(x) -> bool:
    """True for object arrays (mpmath / sympy), where no max-shift or float tricks apply."""
    return np.asarray(x).dtype == object


def to_mp(x, dps: int = 50):
    """A float array as an object array of mpmath numbers (exact binary values, no rounding)."""
    with mpmath.workdps(dps):
        return np.vectorize(lambda v: mpmath.mpf(float(v)), otypes=[object])(np.asarray(x, dtype=float))


# --- smooth activations and their derivatives -------------------------------------------------------
# Numeric branch choice looks at the real part only, so each branch is analytic and the complex-step
# derivative stays exact; e = exp(−|Re x|·…) never overflows, so huge |x| gives no warnings.


def _np_sigmoid(x):
    sgn = np.where(np.real(x) >= 0, 1.0, -1.0)
    e = np.exp(-sgn * x)  # Re(−sgn·x) ≤ 0: no overflow
    return np.where(sgn > 0, 1 / (1 + e), e / (1 + e))


def _np_softplus(x):
    sgn = np.where(np.real(x) >= 0, 1.0, -1.0)
    e = np.exp(-sgn * x)
    # x + log1p(e^{−x}) = log1p(e^{x}): the same analytic function on both branches
    return np.where(sgn > 0, x, 0 * x) + np.log1p(e)


sigmoid = _elementwise(_np_sigmoid, lambda v: 1 / (1 + mpmath.exp(-v)), lambda v: 1 / (1 + sympy.exp(-v)))
softplus = _elementwise(
    _np_softplus, lambda v: mpmath.log1p(mpmath.exp(v)), lambda v: sympy.log(1 + sympy.exp(v))
)


def _gelu_constants(x):
    """(√(2/π), 0.044715) in the number type of x: exact for sympy, 50-digit for mpmath, float64 else."""
    kind = number_kind(x)
    if kind == "sympy":
        return sympy.sqrt(2 / sympy.pi), sympy.Rational(44715, 10**6)
    if kind == "mpmath":
        return mpmath.sqrt(2 / mpmath.pi), mpmath.mpf("0.044715")
    return np.sqrt(2 / np.pi), 0.044715


def gelu(x):
    """GELU, tanh approximation: 0.5·x·(1 + tanh(u)) = x·sigmoid(2u), u = √(2/π)(x + 0.044715 x³).

    The sigmoid form keeps full relative precision where 1 + tanh(u) would cancel (large negative x).
    """
    x = np.asarray(x)
    c, a = _gelu_constants(x)
    return x * sigmoid(2 * c * (x + a * x * x * x))


def gelu_grad(x):
    """d/dx gelu = σ(2u) + 2x·σ(2u)σ(−2u)·√(2/π)(1 + 3·0.044715 x²), u as in gelu (σ = sigmoid)."""
    x = np.asarray(x)
    c, a = _gelu_constants(x)
    u2 = 2 * c * (x + a * x * x * x)
    s = sigmoid(u2)
    return s + 2 * x * s * sigmoid(-u2) * c * (1 + 3 * a * x * x)


def tanh_grad(x):
    """tanh′(x) = 1 − tanh² = 4σ(2x)σ(−2x): the product form keeps relative precision when tanh saturates."""
    x = np.asarray(x)
    return 4 * sigmoid(2 * x) * sigmoid(-2 * x)


def sigmoid_grad(x):
    """σ′(x) = σ(x)(1 − σ(x)) = σ(x)σ(−x), the latter without cancellation for large x."""
    x = np.asarray(x)
    return sigmoid(x) * sigmoid(-x)


def sqrt_int(n: int, like):
    """√n in the number type of ``like`` (exact sympy sqrt, mpmath at working precision, or float64)."""
    kind = number_kind(like)
    if kind == "sympy":
        return sympy.sqrt(n)
    if kind == "mpmath":
        return mpmath.sqrt(n)
    return np.sqrt(float(n))


def number_kind(x) -> str:
    """"sympy" if any element is a sympy expression, "mpmath" for other object arrays, else "numpy"."""
    x = np.asarray(x)
    if x.dtype != object:
        return "numpy"
    return "sympy" if any(isinstance(v, sympy.Basic) for v in x.flat) else "mpmath"
