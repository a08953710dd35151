"""‖∇²ℓ(p)‖ ≤ β along a GD path: R7's curvature bound where the run actually goes.

β (theorems.ce_convergence) bounds the loss Hessian on the shell S_r (every WN row of norm ≥ r); GD never
shrinks a WN row (R6), so the whole path — iterates and the segments between them, where the descent
lemma uses the bound — lies in S_r. ``PathCurvature`` keeps p_t at every k-th step and the midpoint of the
segment [p_t, p_{t+1}], then evaluates ‖∇²ℓ‖ there:

* P ≤ DENSE_MAX: the full Hessian from P complex-step Hessian-vector products (net.hvp, exact to
  round-off) in one batched call, symmetrised; its norm is the largest |eigenvalue| (eigvalsh) — exact.
* P > DENSE_MAX: Lanczos (scipy.sparse.linalg.eigsh on a LinearOperator of HVPs) for the eigenvalue of
  largest magnitude, to a relative tolerance LANCZOS_TOL — an estimate from below of the norm, which is
  the direction that cannot hide a violation of ‖∇²ℓ‖ ≤ β only up to that tolerance.

Shapes: p (P,), X (d, N), y (N,). Source: R7 (β), R6c (its composition), R0 (where the descent lemma uses it).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

from numerics.training import inequalities as ineq

DENSE_MAX = 200
LANCZOS_TOL = 1e-10


def hessian_norm(net, p, X, y, cost: str = "ce") -> float:
    """‖∇²ℓ(p)‖₂ = max |λ(∇²ℓ(p))| for one parameter vector p (P,)."""
    p = np.asarray(p, dtype=float)
    P = net.num_params
    if P <= DENSE_MAX:
        cols = net.hvp(np.broadcast_to(p, (P, P)), X, y, cost, np.eye(P))  # row k = H e_k
        H = 0.5 * (cols + cols.T)
        w = np.linalg.eigvalsh(H)
        return float(max(abs(w[0]), abs(w[-1])))
    op = LinearOperator((P, P), matvec=lambda v: net.hvp(p, X, y, cost, np.ravel(v)), dtype=float)
    (lam,) = eigsh(op, k=1, which="LM", tol=LANCZOS_TOL, return_eigenvectors=False)
    return float(abs(lam))


class PathCurvature:
    """Collects p_t (t a multiple of ``every``, and the last step) and the midpoints (p_t + p_{t+1})/2 of the
    segments that start there; ``outcome`` evaluates ‖∇²ℓ‖ at all of them against β.

    ``observe(record)`` takes the trainer's per-step record (it copies rec["p"], which the fast path
    reuses). Points are labelled by step: t for p_t, t + 1/2 for a midpoint.
    """

    def __init__(self, net, X, y, beta: float, every: int, cost: str = "ce"):
        self.net, self.X, self.y, self.beta, self.every, self.cost = net, X, y, float(beta), int(every), cost
        self.points: list[tuple[float, np.ndarray]] = []
        self._pending: tuple[int, np.ndarray] | None = None

    def observe(self, rec) -> None:
        t, p = int(rec["step"]), np.array(rec["p"], dtype=float)
        if p.ndim != 1:
            raise ValueError(f"PathCurvature follows one run: p has shape {p.shape}")
        if self._pending is not None and t == self._pending[0] + 1:
            self.points.append((t - 0.5, 0.5 * (self._pending[1] + p)))
        self._pending = None
        if t % self.every == 0:
            self.points.append((float(t), p))
            self._pending = (t, p)
        self._last = (float(t), p)

    def finish(self) -> None:
        """Include the last iterate if it was not a multiple of ``every``."""
        last = getattr(self, "_last", None)
        if last is not None and (not self.points or self.points[-1][0] < last[0]):
            self.points.append(last)

    def norms(self) -> tuple[np.ndarray, np.ndarray]:
        steps = np.array([s for s, _ in self.points], dtype=float)
        return steps, np.array([hessian_norm(self.net, p, self.X, self.y, self.cost) for _, p in self.points])

    def outcome(self, guaranteed: bool, why_not: str = "") -> ineq.Outcome:
        """The checked row "hessian": lhs = ‖∇²ℓ‖ at each point, rhs = β."""
        self.finish()
        steps, h = self.norms()
        return ineq.Outcome("hessian", steps, h, np.full(h.shape, self.beta), guaranteed, why_not)
