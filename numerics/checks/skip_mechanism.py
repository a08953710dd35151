"""Numeric checks of R8 `skip-mechanism`: fixed isometric shortcuts, and how an identity path lifts σ_min.

docs/theory.md#r8 (reconstructed), docs/theory.md#experiments:

* isometry-singular-values:  σ_k(E) = 1 for every k, E = √s·AvgPool_s (co-isometry, EEᵀ = I) or
  E = ZeroPad (isometric embedding, EᵀE = I), as computed by numerics.layers (E = f(I)).   (identity)
* identity-lifts-sigma-min:  1 − ‖A‖₂ ≤ σ_min(I + A) when ‖A‖₂ < 1 (Weyl).                 (bound)
  control: 1 − ‖A‖₂ ≤ σ_min(A) (the identity path dropped) must be refuted: σ_min(A) can be ≈ 0.
* isometric-shortcut-lifts-sigma-min:  1 − ‖P‖₂ ≤ σ_min(P + E) for a width-changing shortcut, the
  learned projection P plus the fixed isometry E of variant (c), when ‖P‖₂ < 1
  (σ_min over the min(n_in, n_out) singular values).                                       (bound)
  control: 1 − ‖P‖₂ ≤ σ_min(P) (projection-only shortcut, variant (b)) must be refuted.

A = c·U + λ·(−uuᵀ) with U_ij ~ U(−1/√m, 1/√m) (the R8 random-matrix law at scale c) and u a random
unit vector: λ → 1, c → 0 is the equality case σ_min(I + A) = 1 − ‖A‖₂, so the worst ratio shows the
bound is sharp. With ``normalise`` the instance is rescaled to ‖A‖₂ = ρ, ρ ~ U(0, 1), so every
instance meets the hypothesis. P is built the same way with −λ·E uuᵀ (padding) or −λ·vvᵀE (pooling).

Tolerances (named, printed with every verdict):
* ISOMETRY_RTOL = 1e-12: LAPACK's singular values of a 0/1 or 1/√s matrix of size ≤ 96 are exact to a
  few eps·√n (≈ 1e-15).
* RTOL = 1e-12 and ATOL = 16·eps ≈ 3.6e-15: σ_min and ‖A‖₂ each carry an absolute error of about
  eps·(1 + ‖A‖₂); in the equality case both sides agree to that.
"""

from __future__ import annotations

import mpmath
import numpy as np
from hypothesis import strategies as st

from numerics import ops
from numerics.attack.check import Batch, NumericCheck, identity, known, loose, tight
from numerics.layers import AvgPool, ZeroPad

_R = "skip-mechanism"
EPS = float(np.finfo(float).eps)
ISOMETRY_RTOL = 1e-12
RTOL = 1e-12
ATOL = 16 * EPS
SEEDS = st.integers(0, 2**32 - 1)
KINDS = ("pad", "pool")


# --- the fixed isometric maps ---------------------------------------------------------------------
def isometry_layer(case):
    """ZeroPad(n_in → n_in + extra) or √s·AvgPool_s(s·n_out → n_out), from the case."""
    if case["kind"] == "pad":
        return ZeroPad(case["n_in"], case["n_in"] + case["extra"])
    return AvgPool(case["s"] * case["n_out"], case["s"])


def layer_matrix(layer, like=None) -> np.ndarray:
    """E = f(I): the (n_out, n_in) matrix of a fixed linear layer, computed by its own forward."""
    n = layer.in_features
    eye = np.eye(n) if like is None else like
    return layer.forward({}, eye)[0]


def isometry_cases():
    return st.one_of(
        st.fixed_dictionaries({"kind": st.just("pad"), "n_in": st.integers(1, 48),
                               "extra": st.integers(1, 48), "seed": SEEDS}),
        st.fixed_dictionaries({"kind": st.just("pool"), "s": st.integers(1, 8),
                               "n_out": st.integers(1, 12), "seed": SEEDS}),
    )


def _isometry(case, n: int) -> Batch:
    """n instances = singular values of E picked at random (the extreme two always included)."""
    E = layer_matrix(isometry_layer(case))
    sigma = np.linalg.svd(E, compute_uv=False)
    rng = np.random.default_rng(case["seed"])
    idx = rng.integers(0, len(sigma), size=n)
    idx[: min(n, 2)] = [0, len(sigma) - 1][: min(n, 2)]
    shape = np.broadcast_to(np.array(E.shape), (n, 2))
    return Batch(lhs=sigma[idx], rhs=np.ones(n),
                 variables={"kind": np.full(n, case["kind"]), "shape": shape, "k": idx})


def _isometry_mp(inst):
    kind, (n_out, n_in), k = str(inst["kind"]), [int(v) for v in inst["shape"]], int(inst["k"])
    case = ({"kind": "pad", "n_in": n_in, "extra": n_out - n_in} if kind == "pad"
            else {"kind": "pool", "s": n_in // n_out, "n_out": n_out})
    layer = isometry_layer(case)
    E = layer_matrix(layer, ops.to_mp(np.eye(n_in)))
    sigma = sorted(mpmath.svd_r(mpmath.matrix(E.tolist()), compute_uv=False), reverse=True)
    return sigma[k], mpmath.mpf(1)


# --- σ_min(I + A) ≥ 1 − ‖A‖ -------------------------------------------------------------------------
def lift_cases(max_m: int = 12):
    return st.fixed_dictionaries({
        "m": st.integers(1, max_m),
        "scale": st.floats(0.0, 1.0, allow_nan=False),
        "aligned": st.floats(0.0, 0.999, allow_nan=False),
        "normalise": st.booleans(),
        "seed": SEEDS,
    })


def random_lift_cases(max_m: int = 12):
    """The controls' cases: genuinely random A (m ≥ 2, scale ≥ 0.3, no aligned part), so that a
    refutation shows a random layer Jacobian, not the trivial A = 0."""
    return st.fixed_dictionaries({
        "m": st.integers(2, max_m),
        "scale": st.floats(0.3, 1.0, allow_nan=False),
        "aligned": st.just(0.0),
        "normalise": st.booleans(),
        "seed": SEEDS,
    })


def _unit(rng, n: int, m: int) -> np.ndarray:
    u = rng.standard_normal((n, m))
    return u / np.linalg.norm(u, axis=-1, keepdims=True)


def _to_random_norm(M: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """M·ρ/‖M‖₂ with ρ ~ U(0, 1) per instance (0 where M = 0). Divides M by its norm first: ρ/‖M‖ alone
    overflows for subnormal ‖M‖ (the thorough profile draws scales down to 1e-308), while |M_ij|/‖M‖ ≤ 1."""
    norm = np.linalg.svd(M, compute_uv=False)[:, 0]
    rho = rng.uniform(0.0, 1.0, size=len(M))
    safe = np.where(norm > 0, norm, 1.0)[:, None, None]
    return (M / safe) * rho[:, None, None]


def draw_A(case, n: int) -> np.ndarray:
    """A = c·U + λ·(−uuᵀ) (n, m, m); rescaled to ‖A‖₂ = ρ ~ U(0, 1) when ``normalise``."""
    rng = np.random.default_rng(case["seed"])
    m = case["m"]
    U = rng.uniform(-1.0, 1.0, size=(n, m, m)) / np.sqrt(m)
    u = _unit(rng, n, m)
    A = case["scale"] * U - case["aligned"] * u[:, :, None] * u[:, None, :]
    if case["normalise"]:
        A = _to_random_norm(A, rng)
    return A


def _lift(case, n: int, with_identity: bool = True) -> Batch:
    A = draw_A(case, n)
    norm = np.linalg.svd(A, compute_uv=False)[:, 0]
    M = A + np.eye(case["m"]) if with_identity else A
    smin = np.linalg.svd(M, compute_uv=False)[:, -1]
    return Batch(lhs=1.0 - norm, rhs=smin, valid=norm < 1.0, variables={"A": A, "norm_A": norm})


def _no_identity(case, n: int) -> Batch:
    return _lift(case, n, with_identity=False)


def _svals_mp(M):
    return [mpmath.mpf(v) for v in mpmath.svd_r(mpmath.matrix(M.tolist()), compute_uv=False)]


def _lift_mp(inst, with_identity: bool = True):
    A = ops.to_mp(inst["A"])
    norm = max(_svals_mp(A))
    M = A + ops.to_mp(np.eye(A.shape[0])) if with_identity else A
    return 1 - norm, min(_svals_mp(M))


def _no_identity_mp(inst):
    return _lift_mp(inst, with_identity=False)


# --- σ_min(P + E) ≥ 1 − ‖P‖ for the width-changing shortcut -------------------------------------------
def shortcut_cases(controls: bool = False):
    """Padding or pooling shortcuts; for the control (``controls``) a genuinely random P (see random_lift_cases)."""
    base = {"scale": st.floats(0.3 if controls else 0.0, 1.0, allow_nan=False),
            "aligned": st.just(0.0) if controls else st.floats(0.0, 0.999, allow_nan=False),
            "normalise": st.booleans(), "seed": SEEDS}
    lo = 2 if controls else 1
    return st.one_of(
        st.fixed_dictionaries({"kind": st.just("pad"), "n_in": st.integers(lo, 10), "extra": st.integers(1, 10),
                               **base}),
        st.fixed_dictionaries({"kind": st.just("pool"), "s": st.integers(lo, 4), "n_out": st.integers(lo, 6),
                               **base}),
    )


def random_shortcut_cases():
    return shortcut_cases(controls=True)


def draw_P(case, E: np.ndarray, n: int) -> np.ndarray:
    """P = c·U + λ·(−E uuᵀ) (padding) or λ·(−vvᵀE) (pooling); (n, n_out, n_in)."""
    rng = np.random.default_rng(case["seed"])
    n_out, n_in = E.shape
    U = rng.uniform(-1.0, 1.0, size=(n, n_out, n_in)) / np.sqrt(n_in)
    if n_out >= n_in:
        u = _unit(rng, n, n_in)
        aligned = E @ (u[:, :, None] * u[:, None, :])
    else:
        v = _unit(rng, n, n_out)
        aligned = (v[:, :, None] * v[:, None, :]) @ E
    P = case["scale"] * U - case["aligned"] * aligned
    if case["normalise"]:
        P = _to_random_norm(P, rng)
    return P


def _shortcut(case, n: int, with_isometry: bool = True) -> Batch:
    E = layer_matrix(isometry_layer(case))
    P = draw_P(case, E, n)
    norm = np.linalg.svd(P, compute_uv=False)[:, 0]
    smin = np.linalg.svd(P + E if with_isometry else P, compute_uv=False)[:, -1]
    return Batch(lhs=1.0 - norm, rhs=smin, valid=norm < 1.0,
                 variables={"P": P, "E": np.broadcast_to(E, P.shape), "norm_P": norm})


def _projection_only(case, n: int) -> Batch:
    return _shortcut(case, n, with_isometry=False)


def _shortcut_mp(inst, with_isometry: bool = True):
    P, E = ops.to_mp(inst["P"]), ops.to_mp(inst["E"])
    norm = max(_svals_mp(P))
    return 1 - norm, min(_svals_mp(P + E if with_isometry else P))


def _projection_only_mp(inst):
    return _shortcut_mp(inst, with_isometry=False)


_LIFT_HYP = ("A ∈ ℝ^{m×m}, m ≤ 12", "‖A‖₂ < 1")
_SHORTCUT_HYP = ("E = ZeroPad or √s·AvgPool_s (numerics.layers), P ∈ ℝ^{n_out×n_in}", "‖P‖₂ < 1")

CHECKS = [
    NumericCheck(
        id=f"{_R}/isometry-singular-values", worst_case=identity(),
        result_id=_R,
        title="√s·AvgPool_s and zero-padding have all singular values 1",
        statement="σ_k(E) = 1 for all k, E ∈ {√s·AvgPool_s, ZeroPad}", relation="eq",
        cases=isometry_cases, evaluate=_isometry, evaluate_mp=_isometry_mp,
        hypotheses=("E = f(I) for f = numerics.layers.AvgPool(s·n_out, s) or ZeroPad(n_in, n_out)",),
        rtol=ISOMETRY_RTOL, atol=0.0,
        description="The fixed path of variant (c): AvgPool's rows are orthonormal (EEᵀ = I), ZeroPad's "
                    "columns are (EᵀE = I). Instances are singular values picked at random, the extremes always.",
    ),
    NumericCheck(
        id=f"{_R}/identity-lifts-sigma-min", worst_case=tight("A = −λuuᵀ"),
        result_id=_R,
        title="an identity path lifts σ_min: 1 − ‖A‖₂ ≤ σ_min(I + A)",
        statement="1 − ‖A‖₂ ≤ σ_min(I + A)   (‖A‖₂ < 1)", relation="le",
        cases=lift_cases, evaluate=_lift, evaluate_mp=_lift_mp, hypotheses=_LIFT_HYP, rtol=RTOL, atol=ATOL,
        description="Weyl: ‖(I + A)x‖ ≥ ‖x‖ − ‖Ax‖. Equality for A = −λuuᵀ, so the worst ratio nears 1.",
    ),
    NumericCheck(
        id=f"{_R}/no-skip-sigma-min-control", result_id=_R,
        title="control: without the identity, 1 − ‖A‖₂ ≤ σ_min(A) must be refuted",
        statement="1 − ‖A‖₂ ≤ σ_min(A)   (‖A‖₂ < 1; the identity path dropped)", relation="le",
        cases=random_lift_cases, evaluate=_no_identity, evaluate_mp=_no_identity_mp, hypotheses=_LIFT_HYP,
        rtol=RTOL, atol=ATOL, expect="refuted", control_of=f"{_R}/identity-lifts-sigma-min",
        description="σ_min of a random layer Jacobian A reaches ≈ 0 (R8's random-matrix illustration).",
    ),
    NumericCheck(
        id=f"{_R}/isometric-shortcut-lifts-sigma-min", worst_case=tight("P = −λ·(the isometry) on one direction"),
        result_id=_R,
        title="a fixed isometric path lifts the width-changing shortcut: 1 − ‖P‖₂ ≤ σ_min(P + E)",
        statement="1 − ‖P‖₂ ≤ σ_min(P + E)   (‖P‖₂ < 1, E isometric or co-isometric)", relation="le",
        cases=shortcut_cases, evaluate=_shortcut, evaluate_mp=_shortcut_mp, hypotheses=_SHORTCUT_HYP,
        rtol=RTOL, atol=ATOL,
        description="‖(P + E)x‖ ≥ ‖Ex‖ − ‖Px‖ = ‖x‖ − ‖Px‖ (padding), the same for (P + E)ᵀ (pooling); "
                    "equality for P = −λEuuᵀ or −λvvᵀE.",
    ),
    NumericCheck(
        id=f"{_R}/projection-only-sigma-min-control", result_id=_R,
        title="control: a projection-only shortcut, 1 − ‖P‖₂ ≤ σ_min(P), must be refuted",
        statement="1 − ‖P‖₂ ≤ σ_min(P)   (‖P‖₂ < 1; the isometric path dropped)", relation="le",
        cases=random_shortcut_cases, evaluate=_projection_only, evaluate_mp=_projection_only_mp,
        hypotheses=_SHORTCUT_HYP, rtol=RTOL, atol=ATOL, expect="refuted",
        control_of=f"{_R}/isometric-shortcut-lifts-sigma-min",
        description="Variant (b)'s shortcut has no identity part: its σ_min is not bounded below by 1 − ‖P‖₂.",
    ),
]
