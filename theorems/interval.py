"""Ball arithmetic (python-flint ``arb``): sympy expressions evaluated with rigorous enclosures, and a
branch-and-bound certificate for sup_{x ∈ [lo, hi]} |f(x)|.

* ``compile_arb(expr, symbols)``: a callable that evaluates ``expr`` on arb balls. Every operation (+, ×, ÷,
  integer and half-integer powers, tanh, exp, log, atanh, |·|, max, π) is arb's, which returns a ball
  containing the exact result for every point of the input balls (the interval extension of ``expr``).
* ``sup_abs(f, df, lo, hi)``: enclosure [L, U] of sup |f| on [lo, hi], best-first branch and bound. A box X
  with midpoint c is bounded above by min(|f(X)|, |f(c) + f′(X)(X − c)|) (natural and mean-value
  extensions), below by |f(c)| at its midpoint; boxes whose upper bound is below the best lower bound are
  discarded; the search stops when the largest remaining upper bound is within ``rel_tol`` of the best
  lower bound (keys are floats, so the final U is the max over all remaining boxes, within an ulp of the
  best). L is a value of |f| at a point (a witness), U bounds every point of [lo, hi].
* ``upper_float(ball)``: the smallest float ≥ every point of the ball (rounded up, not to nearest).
* ``interval(lo, hi)``: a ball containing [lo, hi]; ``spectral_norm_ball(X)``: ‖X‖₂ enclosed.

Precision: ``PREC`` bits (arb's radius tracks every rounding). Source: the INTERVAL status of the toolkit
(R7's activation constants and β).
"""

from __future__ import annotations

import heapq
import math
from typing import Callable

import sympy
from flint import arb, ctx

PREC = 128
ctx.prec = max(ctx.prec, PREC)


def interval(lo, hi) -> arb:
    """A ball containing [lo, hi] (lo, hi floats, ints or arbs): midpoint (lo + hi)/2, radius (hi − lo)/2
    rounded up by arb."""
    lo, hi = arb(lo), arb(hi)
    return arb((lo + hi) / 2, (hi - lo) / 2)


def upper_float(x: arb) -> float:
    """The smallest float that is ≥ every point of the ball x (inf when x is not finite)."""
    if not x.is_finite():
        return math.inf
    up = x.upper()
    f = float(up)
    while arb(f) < up:  # float() rounds to nearest: step up until the float is above the ball
        f = math.nextafter(f, math.inf)
    return f


def lower_float(x: arb) -> float:
    """The largest float that is ≤ every point of the ball x."""
    return -upper_float(-x)


def spectral_norm_ball(X) -> arb:
    """‖X‖₂ as a ball: √ of the largest eigenvalue of the Gram matrix XᵀX (or XXᵀ, the smaller one), both formed
    and diagonalised by arb (``arb_mat.eig``, rigorous enclosures of every eigenvalue); X a 2-D float array."""
    from flint import arb_mat

    rows = [[arb(float(v)) for v in row] for row in X.tolist()]
    A = arb_mat(rows)
    G = A.transpose() * A if A.ncols() <= A.nrows() else A * A.transpose()
    top = None
    for ev in G.eig():
        re = ev.real
        top = re if top is None else arb.max(top, re)
    return arb.max(top, arb(0)).sqrt()


def _compile(e: sympy.Expr, index: dict) -> Callable:
    if e in index:
        i = index[e]
        return lambda v: v[i]
    if e.is_Integer:
        c = arb(int(e))
        return lambda v: c
    if e.is_Rational:
        c = arb(int(e.p)) / int(e.q)
        return lambda v: c
    if e == sympy.pi:
        c = arb.pi()
        return lambda v: c
    if e == sympy.E:
        c = arb(1).exp()
        return lambda v: c
    args = [_compile(a, index) for a in e.args]
    if e.is_Add:
        def add(v):
            total = args[0](v)
            for a in args[1:]:
                total = total + a(v)
            return total
        return add
    if e.is_Mul:
        def mul(v):
            prod = args[0](v)
            for a in args[1:]:
                prod = prod * a(v)
            return prod
        return mul
    if e.is_Pow:
        base, ex = args[0], e.args[1]
        if ex.is_Integer:
            n = int(ex)
            return (lambda v: base(v) ** n) if n >= 0 else (lambda v: 1 / base(v) ** (-n))
        if ex.is_Rational and ex.q == 2:
            n = int(ex.p)
            return (lambda v: base(v).sqrt() ** n) if n > 0 else (lambda v: base(v).rsqrt() ** (-n))
        raise ValueError(f"compile_arb: exponent {ex} not supported")
    unary = {sympy.tanh: arb.tanh, sympy.exp: arb.exp, sympy.log: arb.log, sympy.atanh: arb.atanh,
             sympy.Abs: lambda x: abs(x)}
    if e.func in unary and len(args) == 1:
        fn, a = unary[e.func], args[0]
        return lambda v: fn(a(v))
    if e.func in (sympy.Max, sympy.Min):
        pick = arb.max if e.func is sympy.Max else arb.min

        def extreme(v):
            out = args[0](v)
            for a in args[1:]:
                out = pick(out, a(v))
            return out
        return extreme
    raise ValueError(f"compile_arb: {e.func.__name__} not supported ({e})")


def compile_arb(expr, symbols) -> Callable:
    """f(*balls) evaluating ``expr`` with ``symbols`` bound to arb balls (or floats/ints, taken exactly)."""
    index = {s: i for i, s in enumerate(symbols)}
    body = _compile(sympy.sympify(expr), index)

    def f(*values):
        return body([v if isinstance(v, arb) else arb(v) for v in values])
    return f


def _box_upper(f, df, a: arb, b: arb) -> tuple[arb, arb]:
    """(upper bound of |f| on [a, b] — +inf when arb's enclosure is not finite, as for wide boxes in
    mid-radius form —, |f(midpoint)| as a ball)."""
    X, c = interval(a, b), (a + b) / 2
    fc = f(c)
    ups = [e.abs_upper() for e in (fc + df(X) * (X - c), f(X)) if e.is_finite()]
    return (min(ups) if ups else arb.pos_inf()), abs(fc)


def _key(up: arb) -> float:
    return -float(up.upper()) if up.is_finite() else -math.inf


def sup_abs(f: Callable, df: Callable, lo, hi, *, rel_tol: float = 2.0**-60, max_boxes: int = 200_000) -> dict:
    """Certified enclosure of sup_{x ∈ [lo, hi]} |f(x)| (module docstring). Returns a dict with "lower", "upper"
    (arb balls whose lower/upper ends are the enclosure), "witness" (a point with |f| ≥ lower), "boxes"."""
    a0, b0 = arb(lo), arb(hi)
    best, witness = abs(f(a0)).abs_lower(), a0
    for p in (b0,):
        val = abs(f(p)).abs_lower()
        if val > best:
            best, witness = val, p
    up, mid = _box_upper(f, df, a0, b0)
    heap, count, tick = [(_key(up), 0, up, a0, b0)], 1, 1
    top = up
    while heap:
        _, _, up, a, b = heap[0]
        top = up
        if up <= best or up - best <= best * rel_tol:
            break
        heapq.heappop(heap)
        c = (a + b) / 2
        for lo_, hi_ in ((a, c), (c, b)):
            u_, m_ = _box_upper(f, df, lo_, hi_)
            count += 1
            if m_.abs_lower() > best:
                best, witness = m_.abs_lower(), (lo_ + hi_) / 2
            if u_ > best:
                tick += 1
                heapq.heappush(heap, (_key(u_), tick, u_, lo_, hi_))
        if count > max_boxes:
            raise RuntimeError(f"sup_abs: no certificate within {max_boxes} boxes (gap {top - best})")
    # the heap is ordered by float keys (ties within an ulp): the upper end is the max over every remaining box
    upper = best
    for _, _, u_, _, _ in heap:
        upper = max(upper, u_)
    return {"lower": best, "upper": upper, "witness": witness, "boxes": count}
