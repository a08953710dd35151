"""σ(A) versus σ(I + A) for A ∈ ℝ^{m×m} with i.i.d. A_ij ~ U(−1/√m, 1/√m) (docs/theory.md#r8, docs/theory.md#experiments).

Shapes: A is ``(m, m)``, m = 500 by default; each spectrum is ``(m,)``, sorted descending.

The illustration of the skip mechanism: a random layer Jacobian A has singular values reaching down to
≈ 0, while the residual Jacobian I + A has them clustered around 1. Weyl's inequality gives
σ_min(I + A) ≥ 1 − ‖A‖₂ when ‖A‖₂ < 1 (checked in numerics/checks/skip_mechanism.py); here ‖A‖₂ ≈ 2/√3 > 1,
so the bound is vacuous and the experiment shows what actually happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from numerics.blas import blas_single_thread

DEFAULT_SIZE = 500
# R8 states these as rough expectations ("σ_min(A) below 1e−3", "σ_min(I + A) ≈ 0.3",
# "σ(I + A) roughly within [0.3, 1.9]"); the report compares them with the measured values.
SPEC_SIGMA_MIN_A_BELOW = 1e-3
SPEC_SIGMA_MIN_I_PLUS_A = 0.3
SPEC_I_PLUS_A_RANGE = (0.3, 1.9)


@dataclass
class RandomMatrixResult:
    """Singular values of A and I + A for one draw, with the summary numbers the report prints."""

    size: int
    seed: int
    sigma_a: np.ndarray
    sigma_i_plus_a: np.ndarray
    summary: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"experiment": "random-matrix", "size": self.size, "seed": self.seed,
                "summary": self.summary, "spec": {
                    "sigma_min_A_below": SPEC_SIGMA_MIN_A_BELOW,
                    "sigma_min_I_plus_A_approx": SPEC_SIGMA_MIN_I_PLUS_A,
                    "I_plus_A_range_roughly": list(SPEC_I_PLUS_A_RANGE)}}


def uniform_matrix(m: int, rng: np.random.Generator) -> np.ndarray:
    """A_ij ~ U(−1/√m, 1/√m) i.i.d., shape (m, m)."""
    bound = 1.0 / np.sqrt(m)
    return rng.uniform(-bound, bound, size=(m, m))


def spectrum_summary(sigma: np.ndarray) -> dict[str, float]:
    """σ_min, 10th percentile, median, σ_max of a spectrum."""
    return {"min": float(np.min(sigma)), "p10": float(np.percentile(sigma, 10)),
            "median": float(np.median(sigma)), "max": float(np.max(sigma))}


def run(size: int = DEFAULT_SIZE, seed: int = 0) -> RandomMatrixResult:
    """Draw A (seeded), return the singular values of A and of I + A and their summaries."""
    rng = np.random.default_rng(seed)
    A = uniform_matrix(size, rng)
    with blas_single_thread():
        sigma_a = np.linalg.svd(A, compute_uv=False)
        sigma_ia = np.linalg.svd(np.eye(size) + A, compute_uv=False)
    if not (np.all(np.isfinite(sigma_a)) and np.all(np.isfinite(sigma_ia))):
        raise FloatingPointError("non-finite singular values in the random-matrix experiment")
    result = RandomMatrixResult(size, seed, sigma_a, sigma_ia)
    result.summary = {"A": spectrum_summary(sigma_a), "I+A": spectrum_summary(sigma_ia)}
    result.summary["A"]["norm"] = result.summary["A"]["max"]
    return result


def typical_sigma_min(m: int) -> float:
    """1/(√3·m): the scale of σ_min of an m×m matrix with i.i.d. entries of standard deviation 1/√(3m)
    (U(−1/√m, 1/√m) has variance 1/(3m); σ_min of such a matrix is of order std/√m)."""
    return 1.0 / (np.sqrt(3.0) * m)


def findings(result: RandomMatrixResult) -> list[str]:
    """Plain sentences comparing the measurement with R8's rough expectations."""
    a, ia = result.summary["A"], result.summary["I+A"]
    lines = [
        (f"σ_min(A) = {a['min']:.3g} " + ("is" if a["min"] < SPEC_SIGMA_MIN_A_BELOW else "is NOT")
         + f" below {SPEC_SIGMA_MIN_A_BELOW:g} (R8: the spectrum of A reaches down to ≈ 0). Its typical size is "
         f"the entry standard deviation over √m, 1/(√3·m) = {typical_sigma_min(result.size):.2g}: R8's "
         "'below 1e−3' is an order of magnitude, true for some draws only (tests/numerics/test_random_matrix_spec.py)."),
        (f"σ_min(I + A) = {ia['min']:.3g} (R8: ≈ {SPEC_SIGMA_MIN_I_PLUS_A:g}); "
         f"σ(I + A) lies in [{ia['min']:.3g}, {ia['max']:.3g}] (R8: roughly "
         f"[{SPEC_I_PLUS_A_RANGE[0]:g}, {SPEC_I_PLUS_A_RANGE[1]:g}])."),
        (f"‖A‖₂ = {a['norm']:.3g}"
         + (" ≥ 1, so Weyl's bound σ_min(I + A) ≥ 1 − ‖A‖₂ is vacuous here: the lift comes from a random A "
            "having no direction that cancels the identity, not from a small norm." if a["norm"] >= 1 else
            f" < 1: Weyl gives σ_min(I + A) ≥ {1 - a['norm']:.3g}.")),
    ]
    return lines
