"""R7's per-step inequalities, each normalised to ``lhs ≤ rhs`` with rhs > 0 when it holds.

Writing a guarantee as "guaranteed progress ≤ measured progress" makes ``lhs/rhs`` say how much of the
measured progress the theorem accounts for, and multiplying rhs by F < 1 (``--bound-scale``) makes
every bound strictly stronger, so a check with teeth fails once F drops below the worst ratio.

  id            lhs                                   rhs                        conclusion (docs/theory.md#r7)
  wn-monotone   ‖w_{t,j}‖²                            ‖w_{t+1,j}‖²  (worst row)   1, R6
  descent       η(1 − βη/2)‖∇ℓ_t‖²                    ℓ_t − ℓ_{t+1}               2, R0
  kernel        μ₀                                    λ_min(K(p_t))               3, R1–R5
  gradient      μ₀(1 − e^{−Nℓ_t})²/N³                 ‖∇ℓ_t‖²                     3, R1, R2
  rate          κγ²t = 1/b_t − 1/ℓ₀                  1/ℓ_t − 1/ℓ₀  (t ≥ 1)      4: ℓ_t ≤ b_t

Arrays broadcast: step axis last, instance axes in front.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# name -> (statement, rtol, atol, why the tolerance). lhs ≤ rhs·(1 + rtol) + atol counts as holding.
INEQUALITIES: dict[str, tuple[str, float, float, str]] = {
    "wn-monotone": ("‖w_{t,j}‖ ≤ ‖w_{t+1,j}‖ for every WN row j", 1e-12, 0.0,
                    "row norms are sums of K or m squares: relative round-off ≲ 1e-15"),
    "descent": ("η(1 − βη/2)‖∇ℓ_t‖² ≤ ℓ_t − ℓ_{t+1}", 1e-9, 1e-14,
                "ℓ_t − ℓ_{t+1} is a difference of O(1) losses: absolute round-off ≈ 1e-16"),
    "kernel": ("μ₀ ≤ λ_min(K(p_t))", 1e-9, 0.0, "eigvalsh of a small symmetric matrix: relative 1e-12"),
    "gradient": ("μ₀(1 − e^{−Nℓ_t})²/N³ ≤ ‖∇ℓ_t‖²", 1e-9, 0.0, "sums of squares: relative round-off"),
    "rate": ("ℓ_t ≤ 1/(1/ℓ₀ + κγ²t), as κγ²t ≤ 1/ℓ_t − 1/ℓ₀", 1e-9, 1e-12,
             "1/ℓ_t − 1/ℓ₀ loses ≈ 1e-16/ℓ to cancellation"),
    # not a per-step monitor check: evaluated after the run at every k-th iterate and segment midpoint
    # (numerics.training.path_curvature); the full Hessian's eigvalsh is exact to relative round-off
    "hessian": ("‖∇²ℓ(p)‖₂ ≤ β at p_t and at (p_t + p_{t+1})/2", 1e-9, 0.0,
                "eigvalsh of the exact (complex-step) Hessian: relative round-off ≲ 1e-12"),
}
NAMES = ("wn-monotone", "descent", "kernel", "gradient", "rate")  # checked at every step by the monitor
SHORT = {"wn-monotone": "1  ‖w_t‖ ≤ ‖w_{t+1}‖ (WN rows)", "descent": "2  ℓ_{t+1} ≤ ℓ_t − η(1−βη/2)‖∇ℓ_t‖²",
         "kernel": "3a λ_min(K_t) ≥ μ₀", "gradient": "3b ‖∇ℓ_t‖² ≥ μ₀(1−e^{−Nℓ_t})²/N³",
         "rate": "4  ℓ_t ≤ 1/(1/ℓ₀ + κγ²t)", "hessian": "β  ‖∇²ℓ‖ ≤ β (iterates, midpoints)"}


def wn_pair(rows_t, rows_next):
    """The worst row's (‖w_{t,j}‖², ‖w_{t+1,j}‖²): rows (..., R) -> two arrays (...)."""
    a, b = np.asarray(rows_t) ** 2, np.asarray(rows_next) ** 2
    j = np.argmax(a / b, axis=-1)[..., None]
    return np.take_along_axis(a, j, -1)[..., 0], np.take_along_axis(b, j, -1)[..., 0]


def descent_pair(loss_t, loss_next, grad_norm_t, eta, beta):
    g2 = np.asarray(grad_norm_t) ** 2
    return eta * (1 - beta * eta / 2) * g2, np.asarray(loss_t) - np.asarray(loss_next)


def kernel_pair(lambda_min, mu0):
    lam = np.asarray(lambda_min, float)
    return np.broadcast_to(float(mu0), lam.shape).copy(), lam


def gradient_pair(loss_t, grad_norm_t, mu0, N):
    q = -np.expm1(-N * np.asarray(loss_t))
    return mu0 * q * q / N**3, np.asarray(grad_norm_t) ** 2


def rate_pair(loss_t, loss0, gain_t):
    """gain_t = κγ²t = 1/b_t − 1/ℓ₀ for the bound b_t = 1/(1/ℓ₀ + κγ²t) (κ, γ from theorems.ce_convergence)."""
    with np.errstate(divide="ignore"):  # ℓ_t rounded to 0.0 (margins ≳ 37): 1/ℓ_t = inf, the bound holds
        return np.asarray(gain_t, float), 1 / np.asarray(loss_t) - 1 / loss0


def holds(name: str, lhs, rhs, scale: float = 1.0):
    """lhs ≤ scale·rhs·(1 + rtol) + atol, elementwise; NaN counts as not holding."""
    _, rtol, atol, _ = INEQUALITIES[name]
    lhs, rhs = np.asarray(lhs, float), np.asarray(rhs, float)
    return lhs <= scale * rhs * (1 + rtol) + atol


def ratio(lhs, rhs):
    """lhs/rhs with rhs ≤ 0 mapped to +inf (0 when lhs ≤ 0 too: both sides vanish)."""
    lhs, rhs = np.asarray(lhs, float), np.asarray(rhs, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(rhs > 0, lhs / np.where(rhs > 0, rhs, 1.0), np.where(lhs > 0, np.inf, 0.0))
    return np.where(np.isnan(lhs) | np.isnan(rhs), np.nan, r)


def _step(s) -> int | float:
    """A step label: an int, or t + 1/2 for a segment midpoint (the hessian row)."""
    return int(s) if float(s).is_integer() else float(s)


@dataclass
class Outcome:
    """One inequality over a run: per-step lhs/rhs (steps where it was evaluated), and its verdict.

    guaranteed: the theorem's hypotheses for this inequality held in this run (then a failure is a
    VIOLATION); otherwise the measured outcome is reported as "held"/"did not hold", never as a violation.
    """

    name: str
    steps: np.ndarray
    lhs: np.ndarray
    rhs: np.ndarray
    guaranteed: bool
    why_not: str = ""

    @property
    def ok(self) -> np.ndarray:
        return holds(self.name, self.lhs, self.rhs)

    @property
    def worst(self) -> tuple[float, int | None]:
        """(max lhs/rhs, its step); (nan, None) when never evaluated."""
        if not len(self.steps):
            return float("nan"), None
        r = ratio(self.lhs, self.rhs)
        i = int(np.nanargmax(np.where(np.isnan(r), -np.inf, r)))
        return float(r[i]), _step(self.steps[i])

    @property
    def first_failure(self) -> int | None:
        bad = np.flatnonzero(~self.ok)
        return _step(self.steps[bad[0]]) if bad.size else None

    @property
    def status(self) -> str:
        if not len(self.steps):
            return "NOT CHECKED"
        if not self.guaranteed and np.all(np.asarray(self.lhs) <= 0):
            return "vacuous (not guaranteed: bound ≤ 0)"
        if self.first_failure is None:
            return "HELD" if self.guaranteed else "held (not guaranteed)"
        return "VIOLATED" if self.guaranteed else "did not hold (not guaranteed: no violation)"

    @property
    def violated(self) -> bool:
        return self.guaranteed and self.first_failure is not None

    def as_dict(self) -> dict:
        w, ws = self.worst
        _, rtol, atol, _ = INEQUALITIES[self.name]
        return {"inequality": self.name, "statement": INEQUALITIES[self.name][0], "status": self.status,
                "guaranteed": self.guaranteed, "why_not_guaranteed": self.why_not or None,
                "steps_checked": len(self.steps), "worst_ratio": w, "worst_step": ws,
                "first_failure_step": self.first_failure, "rtol": rtol, "atol": atol}
