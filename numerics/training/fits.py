"""Least-squares fits that describe "the optimum is at infinity" (R7 conclusion 5).

* loss against t, log-log:   log ℓ_t ≈ a + b log t   (b ≈ −1 for cross-entropy on separable data:
  ℓ_t ~ 1/t up to log factors; b < 0 says the loss keeps falling towards inf ℓ = 0);
* ‖V‖ against log t:          ‖V_t‖ ≈ a + b log t     (b > 0: the first layer runs to infinity, slowly).

Fits use the second half of the run (t ≥ T/2, t ≥ 1), where the asymptotic regime dominates.
Quality is R² of the fitted line. Shapes: 1-D arrays of equal length. Spec: docs/theory.md#r7.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class LineFit:
    """y ≈ intercept + slope·x over ``points`` points, with coefficient of determination ``r2``."""

    what: str
    slope: float
    intercept: float
    r2: float
    points: int

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.what}: slope {self.slope:+.3g} (R² = {self.r2:.4f}, {self.points} points)"


def fit_line(x, y, what: str) -> LineFit:
    """Ordinary least squares y = a + b x (numpy.polynomial), R² = 1 − SS_res/SS_tot."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 3 or np.ptp(x) == 0:
        return LineFit(what, float("nan"), float("nan"), float("nan"), int(x.size))
    b, a = np.polynomial.polynomial.polyfit(x, y, 1)[::-1]
    resid = y - (a + b * x)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else 1.0
    return LineFit(what, float(b), float(a), r2, int(x.size))


def tail(step) -> np.ndarray:
    """Mask of the fitted tail: t ≥ max(1, T/2)."""
    step = np.asarray(step)
    return step >= max(1, step[-1] / 2) if step.size else step.astype(bool)


def loss_exponent(step, loss) -> LineFit:
    """log ℓ against log t on the tail: the slope is the empirical exponent of ℓ_t ~ t^b."""
    loss = np.asarray(loss, float)
    m = tail(step) & (loss > 0)  # a loss rounded to 0.0 in float64 has no logarithm
    return fit_line(np.log(np.asarray(step)[m]), np.log(loss[m]), "log loss vs log t")


def v_growth(step, v_norm) -> LineFit:
    """‖V‖ against log t on the tail: the slope is the growth per e-fold of t."""
    m = tail(step)
    return fit_line(np.log(np.asarray(step)[m]), np.asarray(v_norm)[m], "‖V‖ vs log t")
