"""Activation functions as sympy expressions and their sup constants sup|σ′|, sup|σ″|, computed by sympy.

* tanh, sigmoid = 1/(1 + e^{−x}), softplus = log(1 + e^x): every derivative is a polynomial in
  u = tanh(x) (resp. u = sigmoid(x)); sympy substitutes x = atanh(u) (resp. x = log(u/(1 − u))),
  checks the result is a polynomial, solves p′(u) = 0 exactly on the open range of u and takes the max
  of |p| over the critical points and the range's end points (the limits x → ±∞). Exact values.
* gelu (TANH APPROXIMATION, exactly what the numeric layer uses):
  0.5·x·(1 + tanh(s)), s = √(2/π)(x + 0.044715 x³) (0.044715 an exact sympy Rational). Sympy writes
  σ^(k) = a + b·T + (1 − T²)·Q(x, T) and σ^(k+1) = (1 − T²)·Q₁(x, T) with T = tanh(s) (``split_tanh``).
  Critical points: sign scan of Q₁ (same sign as σ^(k+1), no underflow) on [−12, 12], each bracket refined
  by mpmath findroot (anderson) at 30 digits. ±∞ and |x| ≥ 12: 1 − T² = sech²(s) ≤ 4e^(−2|s|) and s odd,
  increasing, so |σ^(k) − (a ± b)| ≤ 4e^(−2s(12))·Σ|q_ij|12^i there and σ^(k) → a ± b. The value is a
  high-precision number (DERIVED numerically; the method is in the evidence); UNDECIDED if the tail
  bound does not stay below the best candidate.
* relu: sup|σ′| = 1, σ″ is not a bounded function (a Dirac mass at 0): sup|σ″| = inf, "not applicable".

* CERTIFIED (ball arithmetic, theorems.interval; ``certified_sup``): for tanh, sigmoid, softplus a branch and
  bound of |p(u)| on the closed range of u (x ↦ u maps ℝ onto the open range, so the tails x → ±∞ are its
  ends); for gelu a branch and bound on [−12, 12] plus the tail bound above evaluated in arb. The result is an
  enclosure [L, U] (L attained at a witness, U ≥ |σ^(k)| everywhere), width < 1e-15. ``activation_constants``
  returns U rounded up to a float: the constants β and c_k use are proved upper bounds (status INTERVAL,
  obligations activation-* of R7), and sympy's exact or scanned value is checked to lie in [L, U].

API: ``activation_expr(name, x)``, ``activation_constants(name) -> (sup_d1, sup_d2)`` (floats, cached),
``activation_at_zero(name) -> |σ(0)|``, ``sup_derivative(name, order) -> ObligationOutcome``,
``certified_sup(name, order) -> dict`` (enclosure), ``certificate_outcome(name) -> ObligationOutcome``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import mpmath
import numpy as np
import sympy

from theorems.interval import PREC
from theorems.result import ObligationOutcome, Status

X = sympy.Symbol("x", real=True)
NAMES = ("tanh", "sigmoid", "softplus", "gelu", "relu")
GELU_C = sympy.Rational("0.044715")  # exact decimal: no float residue in the symbolic algebra
SCAN = (-12.0, 12.0, 24001)  # grid for the gelu critical-point scan
U = sympy.Symbol("u", real=True)
T = sympy.Symbol("T", real=True)  # stands for tanh(s(x)) in the gelu tail argument
DPS = 30  # mpmath working precision for the gelu roots and values

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


def _odd_increasing_tanh_argument(name: str) -> tuple[sympy.Expr, str]:
    """s with σ built on tanh(s(x)); reason is non-empty when s is not an odd polynomial with s′ ≥ s′(0) > 0."""
    (th,) = activation_expr(name).atoms(sympy.tanh)
    s = th.args[0]
    sp = sympy.diff(s, X)
    if not s.is_polynomial(X) or sympy.expand(s.subs(X, -X) + s) != 0:
        return s, f"tanh argument {s} is not an odd polynomial"
    # s′ even with non-negative coefficients ⇒ s′(x) ≥ s′(0); that is what makes the tails monotone
    if any(i % 2 or not c.is_nonnegative for (i,), c in sympy.Poly(sp, X).terms()) or not sp.subs(X, 0).is_positive:
        return s, f"s′ = {sp} is not an even polynomial with non-negative coefficients and s′(0) > 0"
    return s, ""


def split_tanh(f: sympy.Expr, s: sympy.Expr):
    """(a, b, Q) with f = a + b·T + (1 − T²)·Q(x, T), T = tanh(s(x)), a and b constants; None if f has no such form.

    Sympy replaces every tanh(s(x)) in f by T, checks a polynomial in x and T remains and divides it by
    1 − T² in T; the remainder must not depend on x.
    """
    atoms = f.atoms(sympy.tanh)
    if any(sympy.expand(t.args[0] - s) != 0 for t in atoms):
        return None
    p = sympy.expand(f.xreplace({t: T for t in atoms}))
    if not p.is_polynomial(X, T):
        return None
    q, rem = sympy.div(sympy.Poly(p, T), sympy.Poly(1 - T**2, T))
    a, b = rem.as_expr().coeff(T, 0), rem.as_expr().coeff(T, 1)
    if a.has(X) or b.has(X):
        return None
    return a, b, q.as_expr()


def _mp(e: sympy.Expr) -> mpmath.mpf:
    return mpmath.mpf(str(sympy.N(e, DPS + 5)))


def _sup_numeric(name: str, order: int, scan: tuple[float, float, int] = SCAN) -> ObligationOutcome:
    """sup|σ^(k)| for σ = σ(x, tanh(s(x))): roots of σ^(k+1) on a window by scan + findroot, tails by a bound.

    σ^(k) = a + b·T + (1 − T²)·Q and σ^(k+1) = (1 − T²)·Q₁ (sympy, split_tanh). 1 − T² = sech²(s) > 0, so
    σ^(k+1) has the sign of Q₁ (a float scan of Q₁ does not underflow where sech² does). For |x| ≥ R:
    |σ^(k)(±x)| ≤ |a ± b| + 4e^(−2s(R))·Σ|q_ij|R^i, since sech²(s) ≤ 4e^(−2|s|), |T| ≤ 1 and each
    x^i e^(−2s(x)) decreases for x > i/(2 s′(0)); the same bound gives σ^(k) → a ± b at ±∞.
    """
    s, reason = _odd_increasing_tanh_argument(name)
    f = sympy.diff(activation_expr(name), X, order)
    parts, parts1 = split_tanh(f, s), split_tanh(sympy.diff(f, X), s)
    if reason or parts is None or parts1 is None or parts1[:2] != (0, 0):
        return ObligationOutcome(Status.UNDECIDED, f"no tail argument for {name}: "
                                 f"{reason or 'σ^(k) or σ^(k+1) is not of the form a + bT + (1 − T²)Q(x, T)'}")
    (a, b, q), q1 = parts, parts1[2]
    q1_x = q1.subs(T, sympy.tanh(s))
    lo, hi, n = scan
    grid = np.linspace(lo, hi, n)
    vals = sympy.lambdify(X, q1_x, "numpy")(grid) * np.ones_like(grid)
    if not np.all(np.isfinite(vals)):
        return ObligationOutcome(Status.UNDECIDED, f"Q₁ is not finite on the scan grid [{lo}, {hi}]")
    change = np.flatnonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)
    f_mp, q1_mp = sympy.lambdify(X, f, "mpmath"), sympy.lambdify(X, q1_x, "mpmath")
    with mpmath.workdps(DPS):
        # a grid point where Q₁ is 0 in floats is a candidate too (an extra candidate can only lower-bound sup)
        crit = [mpmath.mpf(float(x)) for x in grid[vals == 0]]
        for i in change:
            bracket = (mpmath.mpf(float(grid[i])), mpmath.mpf(float(grid[i + 1])))
            root = mpmath.findroot(q1_mp, bracket, solver="anderson")
            if not bracket[0] <= root <= bracket[1]:
                return ObligationOutcome(Status.UNDECIDED, f"findroot left the bracket {bracket}: got {root}")
            crit.append(root)
        residual = max((abs(q1_mp(c)) for c in crit), default=mpmath.mpf(0))
        cands = {f"x = {mpmath.nstr(c, 20)}": abs(f_mp(c)) for c in crit}
        cands["x → +∞"], cands["x → −∞"] = abs(_mp(a + b)), abs(_mp(a - b))
        where, best = max(cands.items(), key=lambda kv: kv[1])
        R = mpmath.mpf(min(-lo, hi))
        terms = sympy.Poly(q, X, T).terms()
        decay = 4 * mpmath.exp(-2 * _mp(s.subs(X, R))) * sum(abs(_mp(c)) * R**i for (i, _), c in terms)
        monotone = all(R > mpmath.mpf(i) / (2 * _mp(sympy.diff(s, X).subs(X, 0))) for (i, _), _c in terms)
        tail = max(cands["x → +∞"], cands["x → −∞"]) + decay
        text = (f"numeric: σ^({order}) = {a} + ({b})·T + (1 − T²)·Q, σ^({order + 1}) = (1 − T²)·Q₁ with "
                f"T = tanh(s(x)), s = {s} (sympy); sign scan of Q₁ (the sign of σ^({order + 1})) on [{lo}, {hi}] "
                f"({n} points), each sign change refined by mpmath findroot (anderson, bracketing) at {DPS} "
                f"digits, max |Q₁(root)| = {mpmath.nstr(residual, 3)}: roots {[mpmath.nstr(c, 12) for c in crit]}; "
                f"at ±∞: σ^({order}) → a ± b = {a + b}, {a - b} because (1 − T²)·|Q| ≤ 4e^(−2|s|)·Σ|q_ij||x|^i → 0; "
                f"tails |x| ≥ R = {mpmath.nstr(R, 6)} (each |x|^i e^(−2s) decreasing there: {monotone}): "
                f"|σ^({order})| ≤ max|a ± b| + 4e^(−2s(R))·Σ|q_ij|R^i = {mpmath.nstr(tail, 15)} (decay term "
                f"{mpmath.nstr(decay, 3)}); |σ^({order})| candidates "
                f"{dict((k, mpmath.nstr(v, 15)) for k, v in cands.items())}")
        best_text = mpmath.nstr(best, 25)
    if not monotone or tail >= best:
        return ObligationOutcome(Status.UNDECIDED, f"{text}; the tail bound does not exclude a larger value "
                                 f"outside [{lo}, {hi}]: sup not established")
    text += f"; sup at {where} = {best_text} (DERIVED numerically, {DPS}-digit arithmetic)"
    return ObligationOutcome(Status.DERIVED, text, sympy.Float(mpmath.nstr(best, DPS, strip_zeros=False), DPS))


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
    """(sup|σ′|, sup|σ″|) as floats: the upper ends of the ball-arithmetic certificates (certified_sup), rounded
    up, so each is a proved upper bound within an ulp of the sup; relu gives (1.0, inf)."""
    if _check_name(name) == "relu":
        return tuple(float(sup_derivative(name, k).value) for k in (1, 2))  # type: ignore[return-value]
    return tuple(certified_sup(name, k)["float"] for k in (1, 2))  # type: ignore[return-value]


@lru_cache(maxsize=None)
def activation_at_zero(name: str) -> float:
    """|σ(0)|, used with sup|σ′| to bound |σ(z)| ≤ |σ(0)| + sup|σ′|·|z| (R7)."""
    return float(abs(activation_expr(name).subs(X, 0)))


def is_smooth(name: str) -> bool:
    return math.isfinite(activation_constants(name)[1])


# ---------------------------------------------------------------------------------------------------
# Certified constants: ball arithmetic (theorems.interval) over the whole real line

CERT_R = 12  # gelu: branch and bound on [−R, R], proved tail bound outside
CERT_CLAIM_RTOL = 1e-12  # a claimed constant must be ≥ the certified upper end and within this of it


def _tail_bound_gelu(order: int):
    """(bound on |σ^(k)| for |x| ≥ R as an arb, the limits |a ± b| at ±∞ as arbs, text) for gelu (module docstring:
    σ^(k) = a + bT + (1 − T²)Q(x, T); sech²(s) ≤ 4e^(−2|s|), |T| ≤ 1, x^i e^(−2s(x)) decreasing for x ≥ R)."""
    from theorems.interval import compile_arb

    s, reason = _odd_increasing_tanh_argument("gelu")
    f = sympy.diff(activation_expr("gelu"), X, order)
    parts = split_tanh(f, s)
    if reason or parts is None:
        raise ValueError(f"no tail argument for gelu: {reason or 'σ^(k) is not a + bT + (1 − T²)Q'}")
    a, b, q = parts
    terms = sympy.Poly(q, X, T).terms()
    sp0 = sympy.diff(s, X).subs(X, 0)
    monotone = all(sympy.Integer(CERT_R) > sympy.Integer(i) / (2 * sp0) for (i, _), _c in terms)
    if not monotone:
        raise ValueError(f"R = {CERT_R} is too small for the monotone tail argument")
    R = sympy.Integer(CERT_R)
    tR = sympy.tanh(s.subs(X, R))
    decay = 4 * sympy.exp(-2 * s.subs(X, R)) * sum(abs(c) * R**i for (i, _), c in terms)
    # |a + bT| on T ∈ [tanh s(R), 1] (x ≥ R) and T ∈ [−1, −tanh s(R)] (x ≤ −R): linear in T, max at an end
    ends = [sympy.Abs(a + b * v) for v in (tR, 1, -tR, -1)]
    tail = compile_arb(sympy.Max(*ends) + decay, [])()
    limits = [compile_arb(sympy.Abs(a + b), [])(), compile_arb(sympy.Abs(a - b), [])()]
    text = (f"tail |x| ≥ {CERT_R}: σ^({order}) = {a} + ({b})·T + (1 − T²)·Q(x, T), T = tanh(s), s = {s}; "
            f"|σ^({order})| ≤ max|a + bT| + 4e^(−2s(R))·Σ|q_ij|R^i = {tail.str(10)} (each x^i e^(−2s) decreasing for "
            f"x ≥ R since s′ ≥ s′(0) = {sp0}); limits at ±∞: |a ± b| = {sympy.Abs(a + b)}, {sympy.Abs(a - b)}")
    return tail, limits, text


@lru_cache(maxsize=None)
def certified_sup(name: str, order: int) -> dict:
    """Ball-arithmetic enclosure of sup_x |σ^(order)(x)| over ℝ: {"lower", "upper" (arb), "float" (upper end
    rounded up), "witness", "evidence"}.

    tanh, sigmoid, softplus: σ^(k)(x) = p(u) with u = tanh(x) or sigmoid(x) (sympy, as in sup_derivative), and
    x ↦ u maps ℝ onto the open interval (lo, hi); |p| is continuous on [lo, hi], so sup over ℝ = max of |p| on
    [lo, hi] — the tails x → ±∞ are the ends u → lo, hi. Branch and bound on [lo, hi].
    gelu: branch and bound on [−R, R] plus the proved tail bound of _tail_bound_gelu; the sup is the larger of
    the two, and the limits |a ± b| at ±∞ are lower bounds.
    """
    from theorems.interval import compile_arb, interval, sup_abs, upper_float

    _check_name(name)
    if name == "relu" or order not in (1, 2):
        raise ValueError(f"no certificate for {name!r} order {order} (smooth activations, orders 1 and 2)")
    if name in _REPARAM:
        inv, lo, hi, how = _REPARAM[name]
        p = sympy.expand(sympy.simplify(sympy.diff(activation_expr(name), X, order).subs(X, inv)))
        if not p.is_polynomial(U):
            raise ValueError(f"{how}: σ^({order}) is not a polynomial in u")
        out = sup_abs(compile_arb(p, [U]), compile_arb(sympy.diff(p, U), [U]), lo, hi)
        lower, upper = out["lower"], out["upper"]
        text = (f"{how}; σ^({order}) = p(u) = {p} (sympy); x ↦ u maps ℝ onto ({lo}, {hi}), so sup over ℝ = max |p| "
                f"on [{lo}, {hi}] (the ends are the limits x → ±∞); branch and bound on u ∈ [{lo}, {hi}]: "
                f"{out['boxes']} boxes, witness u = {out['witness'].str(12)}")
    else:
        f = sympy.diff(activation_expr(name), X, order)
        out = sup_abs(compile_arb(f, [X]), compile_arb(sympy.diff(f, X), [X]), -CERT_R, CERT_R)
        tail, limits, tail_text = _tail_bound_gelu(order)
        lower, upper = max([out["lower"], *[v.abs_lower() for v in limits]]), max(out["upper"], tail.abs_upper())
        text = (f"branch and bound on x ∈ [−{CERT_R}, {CERT_R}]: {out['boxes']} boxes, sup there in "
                f"[{out['lower'].str(20, radius=False)}, {out['upper'].str(20, radius=False)}], witness x = "
                f"{out['witness'].str(12)}; {tail_text}")
    enclosure = f"[{lower.str(20, radius=False)}, {upper.str(20, radius=False)}]"
    text = f"{text}; certified ({PREC}-bit arb balls): sup|σ^({order})| ∈ {enclosure}"
    return {"lower": lower, "upper": upper, "float": upper_float(upper), "witness": out["witness"],
            "evidence": text, "enclosure": enclosure, "ball": interval(lower, upper)}


def certified_sup_ball(name: str, order: int):
    """The certified enclosure of sup|σ^(order)| as one arb ball (for ball evaluations of β)."""
    return certified_sup(name, order)["ball"]


def certificate_outcome(name: str, mutant: bool = False) -> ObligationOutcome:
    """INTERVAL iff each constant the code uses (activation_constants) is the upper end of the certified
    enclosure of sup|σ′|, sup|σ″| (a valid upper bound within CERT_CLAIM_RTOL of the sup), and sympy's exact
    or scanned value (sup_derivative) lies inside it; FAILED with the certificate's witness otherwise.
    ``mutant``: the claimed constants 1 % too small."""
    from flint import arb

    parts, status = [], Status.INTERVAL
    for order, claim in zip((1, 2), activation_constants(name)):
        cert = certified_sup(name, order)
        claim = claim * 0.99 if mutant else claim
        lo, up = cert["lower"], cert["upper"]
        ref = sup_derivative(name, order).value
        ref_in = lo <= arb(str(sympy.N(ref, 40))) + arb("1e-35") and arb(str(sympy.N(ref, 40))) - arb("1e-35") <= up
        if not arb(claim) >= up:
            status = Status.FAILED
            verdict = (f"claimed sup|σ^({order})| = {claim!r} is below the certified value: |σ^({order})| ≥ "
                       f"{lo.str(15, radius=False)} at {cert['witness'].str(12)} (refuted)")
        elif not arb(claim) <= up * (1 + arb(CERT_CLAIM_RTOL)):
            status = Status.FAILED
            verdict = f"claimed {claim!r} is a bound but not the sup (> upper end · (1 + {CERT_CLAIM_RTOL:g}))"
        elif not ref_in:
            status = Status.FAILED
            verdict = f"sympy's value {sympy.N(ref, 20)} (sup_derivative) lies outside the enclosure"
        else:
            verdict = (f"the code's {claim!r} is the upper end rounded up; sympy's {sympy.N(ref, 20)} "
                       "(sup_derivative) lies inside")
        parts.append(f"σ^({order}): {cert['evidence']}; {verdict}")
    return ObligationOutcome(status, " | ".join(parts), activation_constants(name))
