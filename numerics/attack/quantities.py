"""Named quantities a lemma can bound: norms, singular values and eigenvalues, batched or at 50 digits.

Every function takes arrays with leading instance axes — float64 (numpy, vectorised) or object arrays
of mpmath numbers (numerics.ops.to_mp; looped per instance with mpmath's own SVD/eigensolver) — and
returns one value per instance. Matrices are the last two axes; vectors the last axis.

=====================  ==================================================================
norm(v)                ‖v‖₂ over the last axis
fro(A)                 ‖A‖_F over the last two axes
spectral(A)            ‖A‖₂ = σ_max(A)
singular_values(A)     σ_1 ≥ … ≥ σ_min(m,n) (last axis)
sigma_min(A)           the min(m, n)-th singular value (docs/theory.md#framework: 0 if a wide A is not onto)
eigvalsh(S)            eigenvalues of a symmetric S, ascending (last axis)
lambda_min(S)          smallest eigenvalue of a symmetric S (e.g. a tangent kernel, R1)
lambda_max(S)          largest eigenvalue of a symmetric S
=====================  ==================================================================
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import ops


def _is_mp(x) -> bool:
    return np.asarray(x).dtype == object


def _per_matrix(A, fn, k: int) -> np.ndarray:
    """Apply fn (mpmath matrix -> list of k mpf) to each trailing matrix of an object array."""
    A = np.asarray(A)
    lead = A.shape[:-2]
    out = np.empty(lead + (k,), dtype=object)
    for idx in np.ndindex(*lead):
        out[idx] = fn(mpmath.matrix(A[idx].tolist()))
    return out


def norm(v):
    v = np.asarray(v)
    return ops.sqrt(np.sum(v * v, axis=-1))


def fro(A):
    A = np.asarray(A)
    return ops.sqrt(np.sum(A * A, axis=(-2, -1)))


def singular_values(A):
    A = np.asarray(A)
    if not _is_mp(A):
        return np.linalg.svd(A, compute_uv=False)
    k = min(A.shape[-2:])
    return _per_matrix(A, lambda M: sorted(mpmath.svd_r(M, compute_uv=False), reverse=True), k)


def spectral(A):
    return singular_values(A)[..., 0]


def sigma_min(A):
    return singular_values(A)[..., -1]


def eigvalsh(S):
    S = np.asarray(S)
    if not _is_mp(S):
        return np.linalg.eigvalsh(S)
    return _per_matrix(S, lambda M: sorted(mpmath.eigsy(M, eigvals_only=True)), S.shape[-1])


def lambda_min(S):
    return eigvalsh(S)[..., 0]


def lambda_max(S):
    return eigvalsh(S)[..., -1]


QUANTITIES = {f.__name__: f for f in (norm, fro, spectral, singular_values, sigma_min, eigvalsh,
                                      lambda_min, lambda_max)}
