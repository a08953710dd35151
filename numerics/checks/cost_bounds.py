"""Numeric checks of R2 `cost-bounds` (derived): the cost facts every PL argument of the paper uses.

docs/theory.md#r2, with s = softmax(z), c = −log s_y:

* square:  ‖∇C(Z)‖_F² = (2/N) C(Z)                                  (identity)
* one sample:  1 − e^{−c} ≤ ‖s − e_y‖,  c/(1 + c) ≤ 1 − e^{−c}
*              ‖s − e_y‖ ≤ √2 (1 − s_y) ≤ √2,  λ_max(diag(s) − ssᵀ) ≤ 1/2
* mean cross-entropy:  (1 − e^{−N C})² / N³ ≤ ‖∇C‖_F²
* control: ‖s − e_y‖ ≤ 1 − s_y (the √2 dropped) must be refuted.

Logits are drawn as scale·U(−1, 1) with scale = 10^u, u ∈ [−6, 4] (so |z| ≤ 1e4), the label's logit
steered by a case parameter, and three patterns: i.i.d. rivals, all rivals tied, one rival (the others
pushed down to −scale). The number of classes K is log-uniform in [2, 1000] and the batch size N
log-uniform in [1, 64]: the lower bounds are tight only as K → ∞ with tied rivals (their ratio is
√((K−1)/K), resp. (K−1)/K), so capping K at 8 or 16 would hide an error of 6–13 %. Large K·N cases
evaluate fewer instances (at most MAX_ENTRIES logits per case) so that a case stays cheap. Everything goes through numerics.costs (stable log-sum-exp); the 50-digit
re-evaluation runs the same code on mpmath object arrays (numerics.ops.to_mp).

Tolerances (named, printed with every verdict):
* RTOL = 1e-12: relative round-off of softmax, log-sum-exp and norms over ≤ 16 classes (≈ 1e3·eps).
* ATOL_GAP = 4·eps ≈ 8.9e-16: when s_y rounds near 1, s_y − 1 and log-sum-exp carry an absolute
  error of about one ulp of 1, so 1 − s_y and ‖s − e_y‖ are only known to ± a few eps.
* ATOL_GAP_SQ = (8·eps)² ≈ 3.2e-30: the same round-off for squared gradient norms.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
from hypothesis import strategies as st

from numerics import costs, ops
from numerics.attack.check import Batch, NumericCheck, identity, known, tight

EPS = float(np.finfo(float).eps)
RTOL = 1e-12
ATOL_GAP = 4 * EPS
ATOL_GAP_SQ = (8 * EPS) ** 2
PATTERNS = ("random", "tied", "one-rival")
SEEDS = st.integers(0, 2**32 - 1)
LOG10_SCALES = st.floats(-6.0, 4.0, allow_nan=False)
MAX_CLASSES = 1000  # K log-uniform in [2, MAX_CLASSES]
MAX_BATCH = 64  # N log-uniform in [1, MAX_BATCH]
MAX_ENTRIES = 2**17  # logits evaluated per case: n·K·N is capped by dropping instances (at least 2 remain)
HESSIAN_MAX_CLASSES = 16  # eigvalsh of K×K per instance; the Hessian bound is tight at K = 2


def log_uniform_int(lo: int, hi: int):
    """An integer in [lo, hi] whose log is uniform (hypothesis draws the exponent as a float)."""
    return st.floats(math.log(lo), math.log(hi), allow_nan=False).map(
        lambda u: int(min(hi, max(lo, round(math.exp(u))))))


def instances_for(n: int, *dims: int) -> int:
    """How many of the requested n instances a case of this size evaluates (≤ MAX_ENTRIES logits)."""
    return int(max(2, min(n, MAX_ENTRIES // math.prod(dims))))


def logit_cases(max_classes: int = MAX_CLASSES):
    return st.fixed_dictionaries({
        "K": log_uniform_int(2, max_classes),
        "log10_scale": LOG10_SCALES,
        "label_logit": st.floats(-1.0, 1.0, allow_nan=False),
        "pattern": st.sampled_from(PATTERNS),
        "seed": SEEDS,
    })


def draw_logits(case, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(z, y): logits of shape (n, K) with |z| ≤ 10^log10_scale, labels of shape (n,)."""
    rng = np.random.default_rng(case["seed"])
    K, scale = case["K"], 10.0 ** case["log10_scale"]
    n = instances_for(n, K)
    z = scale * rng.uniform(-1.0, 1.0, size=(n, K))
    y = rng.integers(0, K, size=n)
    rows = np.arange(n)
    if case["pattern"] == "tied":
        z[:] = z[:, :1]
    elif case["pattern"] == "one-rival":
        rival = (y + 1 + rng.integers(0, K - 1, size=n)) % K
        keep = z[rows, rival]
        z[:] = -scale
        z[rows, rival] = keep
    z[rows, y] = scale * case["label_logit"]
    return z, y


def one_sample(z, y):
    """s − e_y (K, n), s_y (n,), c (n,) for n independent samples: costs works on columns Z = zᵀ."""
    Z = np.swapaxes(np.asarray(z), -1, -2)
    residual = costs.softmax(Z) - costs.one_hot(y, Z.shape[-2])
    c = costs.ce_per_sample(Z, y)
    return residual, -ops.expm1(-c), c


def _norm(residual):
    return ops.sqrt(np.sum(residual * residual, axis=-2))


def _one_sample_mp(variables):
    z = ops.to_mp(np.asarray(variables["z"])[None, :])
    y = np.asarray([int(variables["y"])])
    residual, gap, c = one_sample(z, y)
    return residual, gap[0], c[0]


def _logit_variables(z, y, gap, c):
    return {"z": z, "y": y, "1 - s_y": gap, "c": c}


# ----------------------------------------------------------------------------- one-sample checks
def _ce_lower(case, n):
    z, y = draw_logits(case, n)
    residual, gap, c = one_sample(z, y)
    return Batch(gap, _norm(residual), None, _logit_variables(z, y, gap, c))


def _ce_lower_mp(v):
    residual, gap, _ = _one_sample_mp(v)
    return gap, _norm(residual)[0]


def _ce_log(case, n):
    z, y = draw_logits(case, n)
    _, gap, c = one_sample(z, y)
    return Batch(c / (1 + c), gap, None, _logit_variables(z, y, gap, c))


def _ce_log_mp(v):
    _, gap, c = _one_sample_mp(v)
    return c / (1 + c), gap


def _ce_upper(case, n):
    z, y = draw_logits(case, n)
    residual, gap, c = one_sample(z, y)
    return Batch(_norm(residual), math.sqrt(2) * gap, None, _logit_variables(z, y, gap, c))


def _ce_upper_mp(v):
    residual, gap, _ = _one_sample_mp(v)
    return _norm(residual)[0], mpmath.sqrt(2) * gap


def _ce_no_sqrt2(case, n):
    z, y = draw_logits(case, n)
    residual, gap, c = one_sample(z, y)
    return Batch(_norm(residual), gap, None, _logit_variables(z, y, gap, c))


def _ce_no_sqrt2_mp(v):
    residual, gap, _ = _one_sample_mp(v)
    return _norm(residual)[0], gap


def _ce_bounded(case, n):
    z, y = draw_logits(case, n)
    residual, gap, c = one_sample(z, y)
    return Batch(_norm(residual), np.full(len(z), math.sqrt(2)), None, _logit_variables(z, y, gap, c))


def _ce_bounded_mp(v):
    residual, _, _ = _one_sample_mp(v)
    return _norm(residual)[0], mpmath.sqrt(2)


def _hessian(s):
    """diag(s) − ssᵀ for s of shape (..., K)."""
    eye = np.eye(s.shape[-1], dtype=s.dtype)
    return s[..., :, None] * eye - s[..., :, None] * s[..., None, :]


def _ce_hessian(case, n):
    z, _ = draw_logits(case, n)
    s = np.swapaxes(costs.softmax(np.swapaxes(z, -1, -2)), -1, -2)
    lam = np.linalg.eigvalsh(_hessian(s))[..., -1]
    return Batch(lam, np.full(len(z), 0.5), None, {"z": z, "s": s, "lambda_max": lam})


def _ce_hessian_mp(v):
    z = ops.to_mp(np.asarray(v["z"]))
    s = costs.softmax(z[:, None])[:, 0]
    eigenvalues, _ = mpmath.eigsy(mpmath.matrix(_hessian(s).tolist()))
    return max(eigenvalues), mpmath.mpf(1) / 2


# ---------------------------------------------------------------------------- square and mean CE
def _batch_cases(max_classes: int = 8):
    return st.fixed_dictionaries({
        "K": st.integers(1, max_classes),
        "N": st.integers(1, 6),
        "log10_scale": LOG10_SCALES,
        "seed": SEEDS,
    })


def _square(case, n):
    rng = np.random.default_rng(case["seed"])
    scale = 10.0 ** case["log10_scale"]
    Z = scale * rng.uniform(-1, 1, size=(n, case["K"], case["N"]))
    Y = scale * rng.uniform(-1, 1, size=(n, case["K"], case["N"]))
    return Batch(*_square_sides(Z, Y), None, {"Z": Z, "Y": Y})


def _square_sides(Z, Y):
    g = costs.cost_grad(Z, Y, "square")
    return np.sum(g * g, axis=(-2, -1)), 2 * costs.cost_value(Z, Y, "square") / Z.shape[-1]


def _square_mp(v):
    return _square_sides(ops.to_mp(v["Z"]), ops.to_mp(v["Y"]))


def _mean_ce_cases():
    return st.fixed_dictionaries({
        "K": log_uniform_int(2, MAX_CLASSES),
        "N": log_uniform_int(1, MAX_BATCH),
        "log10_scale": LOG10_SCALES,
        "label_logit": st.floats(-1.0, 1.0, allow_nan=False),
        "pattern": st.sampled_from(PATTERNS),
        "seed": SEEDS,
    })


def _mean_ce_sides(Z, y):
    N = Z.shape[-1]
    g = costs.cost_grad(Z, y, "ce")
    C = costs.cost_value(Z, y, "ce")
    gap = -ops.expm1(-N * C)
    return gap * gap / N**3, np.sum(g * g, axis=(-2, -1)), C


def _mean_ce(case, n):
    """Columns drawn like draw_logits (i.i.d., tied or one-rival rivals); the worst case is tied rivals, K
    large and a small loss spread evenly over the samples (ratio → (K−1)/K)."""
    rng = np.random.default_rng(case["seed"])
    K, N, scale = case["K"], case["N"], 10.0 ** case["log10_scale"]
    n = instances_for(n, K, N)
    y = rng.integers(0, K, size=N)  # labels shared by the instances: costs takes one label vector
    cols = np.arange(N)
    Z = scale * rng.uniform(-1, 1, size=(n, K, N))
    if case.get("pattern") == "tied":
        Z[:] = Z[:, :1, :]
    elif case.get("pattern") == "one-rival":
        rival = (y + 1 + rng.integers(0, K - 1, size=N)) % K if K > 1 else y
        keep = Z[:, rival, cols]
        Z[:] = -scale
        Z[:, rival, cols] = keep
    Z[:, y, cols] = scale * case["label_logit"]
    lhs, rhs, C = _mean_ce_sides(Z, y)
    return Batch(lhs, rhs, None, {"Z": Z, "y": np.broadcast_to(y, (n, N)), "C": C})


def _mean_ce_mp(v):
    lhs, rhs, _ = _mean_ce_sides(ops.to_mp(v["Z"]), np.asarray(v["y"]))
    return lhs, rhs


# ------------------------------------------------------------------------------------ the list
_S_HYP = ("z ∈ ℝ^K, 2 ≤ K ≤ 1000, |z| ≤ 1e4", "y ∈ {0, …, K−1}", "s = softmax(z), c = −log s_y")
_R = "cost-bounds"

CHECKS = [
    NumericCheck(
        id=f"{_R}/square-identity", result_id=_R, title="square cost: ‖∇C‖² = (2/N) C",
        statement="‖∇C(Z)‖_F² = (2/N)·C(Z),  C(Z) = ‖Z − Y‖_F²/(2N)", relation="eq",
        cases=_batch_cases, evaluate=_square, evaluate_mp=_square_mp, worst_case=identity(),
        hypotheses=("Z, Y ∈ ℝ^{K×N}, entries up to 1e4 in size",), rtol=RTOL, atol=0.0,
        description="Random Z, Y at scales 1e−6 … 1e4; both sides from numerics.costs.",
    ),
    NumericCheck(
        id=f"{_R}/ce-one-sample-lower", result_id=_R, title="CE gradient lower bound 1 − e^{−c} ≤ ‖s − e_y‖",
        statement="1 − e^{−c} ≤ ‖s − e_y‖", relation="le",
        cases=logit_cases, evaluate=_ce_lower, evaluate_mp=_ce_lower_mp, hypotheses=_S_HYP,
        worst_case=known(math.sqrt((MAX_CLASSES - 1) / MAX_CLASSES), f"tied rivals, K → {MAX_CLASSES}: ratio √((K−1)/K)"),
        rtol=RTOL, atol=ATOL_GAP,
        description="1 − e^{−c} = 1 − s_y is the label component of s − e_y, so the bound holds with "
                    "slack Σ_{j≠y} s_j²; tied rivals and many classes make it tight.",
    ),
    NumericCheck(
        id=f"{_R}/ce-log-lower", result_id=_R, title="c/(1 + c) ≤ 1 − e^{−c}",
        statement="c/(1 + c) ≤ 1 − e^{−c}   (c ≥ 0)", relation="le",
        cases=logit_cases, evaluate=_ce_log, evaluate_mp=_ce_log_mp, hypotheses=_S_HYP,
        worst_case=tight("c → 0 (the label logit dominant)"),
        rtol=RTOL, atol=ATOL_GAP,
        description="Equivalent to e^c ≥ 1 + c; tight as c → 0 (label logit dominant).",
    ),
    NumericCheck(
        id=f"{_R}/ce-grad-upper", result_id=_R, title="CE gradient upper bound ‖s − e_y‖ ≤ √2(1 − s_y)",
        statement="‖∇c(z)‖ = ‖s − e_y‖ ≤ √2·(1 − s_y)", relation="le",
        cases=logit_cases, evaluate=_ce_upper, evaluate_mp=_ce_upper_mp, hypotheses=_S_HYP,
        worst_case=tight("one rival holding all of 1 − s_y (K = 2, or the others pushed down)"),
        rtol=RTOL, atol=ATOL_GAP,
        description="Σ_{j≠y} s_j² ≤ (Σ_{j≠y} s_j)² = (1 − s_y)²; equality with one rival (K = 2).",
    ),
    NumericCheck(
        id=f"{_R}/ce-grad-bounded", result_id=_R, title="CE gradient norm ≤ √2",
        statement="‖s − e_y‖ ≤ √2", relation="le",
        cases=logit_cases, evaluate=_ce_bounded, evaluate_mp=_ce_bounded_mp, hypotheses=_S_HYP,
        worst_case=tight("one rival taking all the mass, s → e_j (j ≠ y)"),
        rtol=RTOL, atol=0.0,
        description="Tight when one rival takes all the mass (s → e_j, j ≠ y).",
    ),
    NumericCheck(
        id=f"{_R}/ce-hessian", result_id=_R, title="CE Hessian λ_max(diag(s) − ssᵀ) ≤ 1/2",
        statement="λ_max(∇²c) = λ_max(diag(s) − ssᵀ) ≤ 1/2", relation="le",
        cases=lambda: logit_cases(HESSIAN_MAX_CLASSES), evaluate=_ce_hessian, evaluate_mp=_ce_hessian_mp, hypotheses=_S_HYP,
        worst_case=tight("two classes sharing the mass equally, s = (1/2, 1/2, 0, …)"),
        rtol=RTOL, atol=0.0,
        description="vᵀ∇²c v is the variance of v under s, at most (range v)²/4 ≤ ‖v‖²/2; "
                    "equality for two classes with s = (1/2, 1/2). Eigenvalues by numpy eigvalsh / mpmath eigsy.",
    ),
    NumericCheck(
        id=f"{_R}/mean-ce-lower", result_id=_R, title="mean CE: (1 − e^{−NC})²/N³ ≤ ‖∇C‖_F²",
        statement="(1 − e^{−N·C})² / N³ ≤ ‖∇C(Z)‖_F²", relation="le",
        cases=_mean_ce_cases, evaluate=_mean_ce, evaluate_mp=_mean_ce_mp,
        hypotheses=("Z ∈ ℝ^{K×N}, 2 ≤ K ≤ 1000, 1 ≤ N ≤ 64, |Z| ≤ 1e4", "labels y ∈ {0, …, K−1}^N",
                    "C = mean cross-entropy"),
        rtol=RTOL, atol=ATOL_GAP_SQ,
        description="c_i ≤ N·C, concavity of 1 − e^{−c}, then Cauchy–Schwarz. The ratio is at most (K−1)/K "
                    "(‖s − e_y‖² ≥ (1 − s_y)²·K/(K−1)), attained with tied rivals and N = 1 or a small loss "
                    "spread evenly over the samples (docs/theory.md#r2).",
        worst_case=known((MAX_CLASSES - 1) / MAX_CLASSES,
                         f"tied rivals, K → {MAX_CLASSES} classes, N = 1 or equal small per-sample losses"),
    ),
    NumericCheck(
        id=f"{_R}/ce-grad-no-sqrt2-control", result_id=_R, title="control: ‖s − e_y‖ ≤ 1 − s_y (√2 dropped)",
        statement="‖s − e_y‖ ≤ 1 − s_y", relation="le",
        cases=logit_cases, evaluate=_ce_no_sqrt2, evaluate_mp=_ce_no_sqrt2_mp, hypotheses=_S_HYP,
        rtol=RTOL, atol=ATOL_GAP, expect="refuted", control_of=f"{_R}/ce-grad-upper",
        description="Without the √2 the upper bound is false whenever a rival has mass: must be refuted.",
    ),
]
