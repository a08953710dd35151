"""Activation functions as sympy expressions and their sup constants sup|σ′|, sup|σ″|, computed by sympy.

* tanh, sigmoid = 1/(1 + e^{−x}), softplus = log(1 + e^x): every derivative is a polynomial in
  u = tanh(x) (resp. u = sigmoid(x)); sympy substitutes x = atanh(u) (resp. x = log(u/(1 − u))),
  checks the result is a polynomial, solves p′(u) = 0 exactly on the open range of u and takes the max
  of |p| over the critical points and the range's end points (the limits x → ±∞). Exact values.
* gelu (TANH APPROXIMATION, exactly what the numeric layer uses):
  0.5·x·(1 + tanh(√(2/π)(x + 0.044715 x³))). Critical points of σ^(k) by a sign scan of σ^(k+1) on
  [−12, 12] then mpmath-backed nsolve at 30 digits, limits at ±∞ by sympy.limit; the value is a
  high-precision number (DERIVED numerically; the method is in the evidence).
* relu: sup|σ′| = 1, σ″ is not a bounded function (a Dirac mass at 0): sup|σ″| = inf, "not applicable".

API: ``activation_expr(name, x)``, ``activation_constants(name) -> (sup_d1, sup_d2)`` (floats, cached),
``activation_at_zero(name) -> |σ(0)|``, ``sup_derivative(name, order) -> ObligationOutcome``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import mpmath
import numpy as np
import sympy

from theorems.result import ObligationOutcome, Status

X = sympy.Symbol("x", real=True)
NAMES = ("tanh", "sigmoid", "softplus", "gelu", "relu")
GELU_C = sympy.Float("0.044715", 30)
SCAN = (-12.0, 12.0, 24001)  # grid for the gelu critical-point scan
U = sympy.Symbol("u", real=True)

# reparametrisation x = inverse(u), with u ranging over the open interval (lo, hi)
_REPARAM = {
    "tanh": (sympy.atanh(U), -1, 1, "u = tanh(x), x = atanh(u), u ∈ (−1, 1)"),
    "sigmoid": (sympy.log(U / (1 - U)), 0, 1, "u = sigmoid(x), x = log(u/(1 − u)), u ∈ (0, 1)"),
    "softplus": (sympy.log(U / (1 - U)), 0, 1, "u = sigmoid(x) = softplus′(x), x = log(u/(1 − u)), u ∈ (0, 1)"),
}


def _check_name(name: str) -> str:
    if name not in NAMES:
        raise KeyError(f"unknown activation {name!r}: use one of {', '.join(NAMES)}")
    return name


def activation_expr(name: str, x: sympy.Symbol = X) -> sympy.Expr:
    """σ(x) as a sympy expression."""
    _check_name(name)
    if name == "tanh":
        return sympy.tanh(x)
    if name == "sigmoid":
        return 1 / (1 + sympy.exp(-x))
    if name == "softplus":
        return sympy.log(1 + sympy.exp(x))
    if name == "gelu":
        return x * (1 + sympy.tanh(sympy.sqrt(2 / sympy.pi) * (x + GELU_C * x**3))) / 2
    return sympy.Max(0, x)


def _sup_by_reparam(name: str, order: int) -> ObligationOutcome:
    inv, lo, hi, how = _REPARAM[name]
    f = sympy.diff(activation_expr(name), X, order)
    p = sympy.expand(sympy.simplify(f.subs(X, inv)))
    if not p.is_polynomial(U):
        return ObligationOutcome(Status.UNDECIDED, f"{how}: σ^({order}) became {p}, not a polynomial in u")
    crit = [r for r in sympy.solve(sympy.diff(p, U), U) if r.is_real and lo < r < hi]
    cands = {f"u = {r}": sympy.simplify(sympy.Abs(p.subs(U, r))) for r in crit}
    cands[f"u → {lo} (x → −∞)"] = sympy.Abs(p.subs(U, lo))
    cands[f"u → {hi} (x → +∞)"] = sympy.Abs(p.subs(U, hi))
    where, best = max(cands.items(), key=lambda kv: sympy.N(kv[1], 30))
    best = sympy.nsimplify(sympy.radsimp(best))
    text = (f"{how}; σ^({order}) = {p} (polynomial in u); critical points of p on the range: {crit}; "
            f"|p| at critical points and end points: {dict((k, str(v)) for k, v in cands.items())}; "
            f"sup attained/approached at {where}: {best} ≈ {sympy.N(best, 15)} (exact)")
    return ObligationOutcome(Status.DERIVED, text, best)


def _sup_numeric(name: str, order: int) -> ObligationOutcome:
    f = sympy.diff(activation_expr(name), X, order)
    fp = sympy.diff(f, X)
    grid = np.linspace(*SCAN)
    vals = sympy.lambdify(X, fp, "numpy")(grid)
    starts = grid[:-1][np.sign(vals[:-1]) != np.sign(vals[1:])]
    f_mp = sympy.lambdify(X, f, "mpmath")
    fp_mp = sympy.lambdify(X, fp, "mpmath")
    crit = []
    with mpmath.workdps(30):
        for s0 in starts:
            root = mpmath.findroot(fp_mp, mpmath.mpf(float(s0) + (SCAN[1] - SCAN[0]) / (SCAN[2] - 1) / 2))
            if all(abs(root - c) > mpmath.mpf("1e-20") for c in crit):
                crit.append(root)
        cands = {f"x = {mpmath.nstr(c, 20)}": abs(f_mp(c)) for c in crit}
    for side in (sympy.oo, -sympy.oo):
        lim = sympy.limit(f, X, side)
        cands[f"x → {side}"] = mpmath.mpf(str(sympy.N(sympy.Abs(lim), 30)))
    where, best = max(cands.items(), key=lambda kv: kv[1])
    with mpmath.workdps(30):
        best_text = mpmath.nstr(best, 25)
    text = (f"numeric: sign scan of σ^({order + 1}) on [{SCAN[0]}, {SCAN[1]}] ({SCAN[2]} points), "
            f"roots refined by mpmath findroot at 30 digits: {[mpmath.nstr(c, 12) for c in crit]}; limits at ±∞ "
            f"by sympy.limit; |σ^({order})| candidates {dict((k, mpmath.nstr(v, 15)) for k, v in cands.items())}; "
            f"sup at {where} = {best_text} (DERIVED numerically, 30-digit arithmetic)")
    return ObligationOutcome(Status.DERIVED, text, sympy.Float(mpmath.nstr(best, 30, strip_zeros=False), 30))


@lru_cache(maxsize=None)
def sup_derivative(name: str, order: int) -> ObligationOutcome:
    """sup_x |σ^(order)(x)| as an ObligationOutcome (DERIVED with value, exact or 30-digit)."""
    _check_name(name)
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order}")
    if name == "relu":
        if order == 1:
            return ObligationOutcome(Status.DERIVED, "relu′ ∈ {0, 1} (undefined at 0): sup|σ′| = 1", sympy.Integer(1))
        return ObligationOutcome(Status.DERIVED, "relu″ is not a bounded function (Dirac mass at 0): "
                                 "sup|σ″| = ∞, relu is outside the theorems' smooth class", sympy.oo)
    if name in _REPARAM:
        return _sup_by_reparam(name, order)
    return _sup_numeric(name, order)


@lru_cache(maxsize=None)
def activation_constants(name: str) -> tuple[float, float]:
    """(sup|σ′|, sup|σ″|) as floats; relu gives (1.0, inf)."""
    return tuple(float(sup_derivative(name, k).value) for k in (1, 2))  # type: ignore[return-value]


@lru_cache(maxsize=None)
def activation_at_zero(name: str) -> float:
    """|σ(0)|, used with sup|σ′| to bound |σ(z)| ≤ |σ(0)| + sup|σ′|·|z| (R7)."""
    return float(abs(activation_expr(name).subs(X, 0)))


def is_smooth(name: str) -> bool:
    return math.isfinite(activation_constants(name)[1])
