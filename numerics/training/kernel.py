"""λ_min(K(p)) of the tangent kernel K = D_pF D_pFᵀ (K·N × K·N), exact when small and matrix-free when large.

    est = kernel_lambda_min(net, p, X)       # KernelEig(value, method, bound, matvecs)

* exact (K·N ≤ EXACT_MAX): LAPACK eigvalsh of the assembled kernel, as before;
* matrix-free (K·N > EXACT_MAX, one float64 instance, a network numerics.training.plan supports):
  scipy.sparse.linalg.lobpcg on the LinearOperator v ↦ D_pF(D_pFᵀ v) — one vector-Jacobian and one
  Jacobian-vector product per vector, in blocks, no Jacobian stored. Preconditioner: for a first layer
  V X the kernel's dominant part is G ↦ D_HR(D_HRᵀG · XᵀX) (R5), so G ↦ G (XᵀX + δI)⁻¹ makes the
  smallest eigenvalues well separated when the residual blocks are near-isometries (c_k < 1, R4/R7).

Check: the returned value is the Rayleigh quotient θ₁ = vᵀKv of the best vector (so θ₁ ≥ λ_min always).
With the residual r₁ = ‖Kv − θ₁v‖ recomputed here and the next Ritz pair (θ₂, r₂), the Kato–Temple bound
gives λ_min ≥ θ₁ − r₁²/(θ₂ − r₂ − θ₁) when θ₂ − r₂ > θ₁, else the weaker θ₁ − r₁. The estimate is
accepted only when that error bound is ≤ rtol·θ₁ (default 1e-10); otherwise the exact path runs. What
it cannot see: the bound assumes the two Ritz values belong to the two smallest eigenvalues, which the
iteration reaches from a random start in practice but does not prove; a smaller eigenvalue that the block
never touched would be missed. θ₁ is always an upper bound, so a *violation* of λ_min ≥ μ₀ it reports
is real. Source: docs/theory.md#framework (tangent kernel), #r3, #r7 (the live kernel check).
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
from scipy.sparse.linalg import LinearOperator, lobpcg

from numerics.training.plan import StepPlan

EXACT_MAX = 512  # K·N up to this: assemble K and use eigvalsh (bench/kernel.py measures the crossover)
BLOCK = 4  # LOBPCG block size
MAXITER = 300
RTOL = 1e-10


class KernelEig(NamedTuple):
    """λ_min(K) estimate: value, method ("exact" or "matrix-free"), the certified error bound (0 for
    exact: LAPACK's backward-stable result), matrix-vector products used (0 for exact)."""

    value: float
    method: str
    bound: float
    matvecs: int


def exact_lambda_min(net, p, X) -> np.ndarray:
    """λ_min(D_pF D_pFᵀ): p (..., P) -> (...). Exact symmetric eigensolver (LAPACK syevd)."""
    return np.linalg.eigvalsh(net.tangent_kernel(p, X))[..., 0]


def kernel_operator(plan: StepPlan, p) -> tuple[LinearOperator, list]:
    """The LinearOperator v ↦ D_pF(D_pFᵀ v) on ℝ^{K·N} (C order of Z) and a counter of products."""
    plan.forward(p)
    K, N = plan.net.out_features, plan.N
    M, count = K * N, [0]

    def matmat(V):
        V = np.asarray(V, dtype=float).reshape(M, -1)
        count[0] += V.shape[1]
        G = np.ascontiguousarray(V.T).reshape(-1, K, N)
        return plan.jvp(plan.vjp(G)).reshape(-1, M).T

    op = LinearOperator((M, M), matvec=lambda v: matmat(v)[:, 0], matmat=matmat, dtype=float)
    return op, count


def _preconditioner(plan: StepPlan) -> LinearOperator | None:
    """G ↦ G (XᵀX + δI)⁻¹ on ℝ^{K×N} (δ = 1e-10·‖X‖₂², for rank-deficient X)."""
    if plan.net.layers[0].__class__.__name__ != "Dense":
        return None
    K, N = plan.net.out_features, plan.N
    lam, Q = np.linalg.eigh(plan.X.T @ plan.X)
    inv = 1.0 / (np.maximum(lam, 0) + 1e-10 * max(lam[-1], 1e-300))

    def apply(V):
        V = np.asarray(V, dtype=float).reshape(K * N, -1)
        G = np.ascontiguousarray(V.T).reshape(-1, K, N)
        return (((G @ Q) * inv) @ Q.T).reshape(-1, K * N).T

    return LinearOperator((K * N, K * N), matvec=lambda v: apply(v)[:, 0], matmat=apply, dtype=float)


def matrix_free_lambda_min(net, p, X, *, rtol: float = RTOL, seed: int = 0, maxiter: int | None = None,
                           plan: StepPlan | None = None, y=None) -> KernelEig | None:
    """LOBPCG on the matrix-free kernel; None when the network is unsupported or the check fails."""
    N = np.shape(X)[-1]
    if plan is None:
        plan = StepPlan.build(net, X, np.arange(N) % net.out_features if y is None else y)
    if plan is None or np.ndim(p) != 1:
        return None
    op, count = kernel_operator(plan, p)
    M = op.shape[0]
    if M < 6 * BLOCK:  # LOBPCG needs room for its 3·BLOCK-dimensional search space
        return None
    X0 = np.random.default_rng(seed).standard_normal((M, BLOCK))
    with warnings.catch_warnings():  # non-convergence is judged below, by our own residual check
        warnings.simplefilter("ignore")
        theta, V = lobpcg(op, X0, M=_preconditioner(plan), largest=False, tol=rtol * 1e-2,
                            maxiter=MAXITER if maxiter is None else maxiter)
    order = np.argsort(theta)
    V = V[:, order[:2]]
    V /= np.linalg.norm(V, axis=0)
    KV = op.matmat(V)
    th = np.sum(V * KV, axis=0)  # Rayleigh quotients, recomputed
    r = np.linalg.norm(KV - V * th, axis=0)
    lower2 = th[1] - r[1]
    err = r[0] ** 2 / (lower2 - th[0]) if lower2 > th[0] else r[0]
    if not (np.isfinite(th[0]) and th[0] > 0 and err <= rtol * th[0]):
        return None
    return KernelEig(float(th[0]), "matrix-free", float(err), int(count[0]))


def kernel_lambda_min(net, p, X, *, exact_max: int | None = None, rtol: float = RTOL, y=None) -> KernelEig:
    """λ_min(K(p)) for one instance p (P,): exact for K·N ≤ exact_max, else matrix-free with exact fallback."""
    M = net.out_features * np.shape(X)[-1]
    if M > (EXACT_MAX if exact_max is None else exact_max) and np.ndim(p) == 1:
        est = matrix_free_lambda_min(net, p, X, rtol=rtol, y=y)
        if est is not None:
            return est
    return KernelEig(float(exact_lambda_min(net, p, X)), "exact", 0.0, 0)
