"""Curvature tools shared by the R6/R6b/R6c checks: exact Hessians, second-derivative tensors, bilinear norms.

* ``hessian_matrix``: ∇²ℓ(p) as P Hessian-vector products (net.hvp, exact complex step) in one batched
  call; shape (..., P, P). Exact to round-off (relative to the unsaturated scale: with a saturated
  softmax, 1 − max s ≪ 1, the float64 HVP loses ~eps/(1 − max s) relative accuracy), so its spectral
  norm is not an estimate.
* ``spectral_norm_sym`` / ``top_eigenvector``: ‖H‖ of symmetric stacks (eigvalsh), and the eigenvector
  for one instance (batched eigh is far slower than eigvalsh). For operators known only through
  products use numerics.checks._instances.power_iteration.
* ``second_derivative_tensor``: T[..., i, j, k] = ∂²f_i/∂x_j∂x_k from a Jacobian function by complex
  step in each coordinate direction (or a chosen few), J(x + i t e_k).imag / t = T[..., :, :, k].
* ``bilinear_norm``: sup over unit a, b of ‖T[a, b]‖ by alternating maximisation (higher-order power
  method) from several starts; a *lower* estimate of the norm of the bilinear map, with its maximisers.
* ``mp_imag``: imaginary parts of object arrays (complex steps at 50 digits through layers);
  ``mp_hvp``: Hessian-vector products at 50 digits (Network.hvp on mpmath arrays).

docs/theory.md#r6 (Hessian scaling under WN), R6b (D²BN), R6c (Lip(∇ℓ) ≤ β), §3 (numeric verification).
"""

from __future__ import annotations

import mpmath
import numpy as np

CS_STEP = 1e-20  # complex-step size (float64): truncation O(t²) ≈ 1e-40 relative, below round-off
MP_CS_STEP = mpmath.mpf("1e-60")  # complex-step size at 50 digits: truncation ≈ 1e-120 relative


def hessian_matrix(net, p, X, y, cost: str) -> np.ndarray:
    """∇²ℓ(p): p (..., P) -> (..., P, P), symmetrised (the complex step gives it to round-off)."""
    p = np.asarray(p, dtype=float)
    P = net.num_params
    lead = p.shape[:-1]
    E = np.eye(P).reshape((P,) + (1,) * len(lead) + (P,))
    E = np.broadcast_to(E, (P,) + lead + (P,))
    cols = net.hvp(np.broadcast_to(p, (P,) + p.shape), X, y, cost, E)  # (P, ..., P): column k = H e_k
    H = np.moveaxis(cols, 0, -1)
    return 0.5 * (H + np.swapaxes(H, -1, -2))


def spectral_norm_sym(H) -> np.ndarray:
    """‖H‖ of symmetric H (..., P, P): the largest |eigenvalue| (eigvalsh: batched eigh is far slower)."""
    w = np.linalg.eigvalsh(H)
    return np.maximum(np.abs(w[..., 0]), np.abs(w[..., -1]))


def top_eigenvector(H) -> tuple[np.ndarray, np.ndarray]:
    """(‖H‖, unit eigenvector of the largest |eigenvalue|) of one symmetric H or a stack."""
    w, V = np.linalg.eigh(H)
    k = np.argmax(np.abs(w), axis=-1)
    lam = np.take_along_axis(np.abs(w), k[..., None], axis=-1)[..., 0]
    v = np.take_along_axis(V, k[..., None, None], axis=-1)[..., 0]
    return lam, v


def second_derivative_tensor(jacobian, x, step: float = CS_STEP, directions=None) -> np.ndarray:
    """T (..., M_out, M_J, D) for x of shape (..., M) and ``jacobian(x) -> (..., M_out, M_J)``.

    One call with the complex-shifted copies of x on a new leading axis, one per direction: every coordinate
    (D = M) or the coordinates ``directions`` (indices into x's last axis); T[..., :, :, k] = D²f[·, e_k].
    """
    x = np.asarray(x, dtype=float)
    M = x.shape[-1]
    idx = np.arange(M) if directions is None else np.arange(M)[directions]
    E = np.zeros((len(idx),) + (1,) * (x.ndim - 1) + (M,))
    E[np.arange(len(idx)), ..., idx] = 1.0
    Jc = jacobian(x[None] + 1j * step * E)  # (D, ..., M_out, M_J)
    T = np.imag(Jc) / step
    return np.moveaxis(T, 0, -1)


def bilinear_norm(T, rng: np.random.Generator, restarts: int = 4, iters: int = 30):
    """sup_{‖a‖=‖b‖=1} ‖T[a, b]‖ for T (..., M_out, M, M) with T[i, j, k] symmetric in (j, k).

    Alternating maximisation of cᵀT[a, b] over unit c, a, b (each step is the exact maximiser in one
    argument, so the value never decreases) from ``restarts`` random starts (half with a = b).
    Returns (value, a, b, c) of the best start: a LOWER estimate of the norm (the max of a non-convex
    problem), attained by the returned unit vectors: value = cᵀT[a, b].
    """
    T = np.asarray(T, dtype=float)
    lead, M = T.shape[:-3], T.shape[-1]
    R = restarts
    a = rng.standard_normal((R,) + lead + (M,))
    b = a.copy()  # symmetric starts: for symmetric bilinear maps the sup is often at a = b
    b[1::2] = rng.standard_normal(b[1::2].shape)

    def unit(v):
        n = np.linalg.norm(v, axis=-1, keepdims=True)
        return v / np.where(n > 0, n, 1.0)

    a, b = unit(a), unit(b)
    for _ in range(iters):
        c = unit(np.einsum("...ijk,...j,...k->...i", T, a, b))
        a = unit(np.einsum("...ijk,...i,...k->...j", T, c, b))
        b = unit(np.einsum("...ijk,...i,...j->...k", T, c, a))
    c = unit(np.einsum("...ijk,...j,...k->...i", T, a, b))
    val = np.einsum("...ijk,...i,...j,...k->...", T, c, a, b)  # = ‖T[a, b]‖ ≥ 0
    best = np.argmax(val, axis=0)

    def pick(arr):
        return np.take_along_axis(arr, best[None, ..., None], axis=0)[0]

    return np.take_along_axis(val, best[None], axis=0)[0], pick(a), pick(b), pick(c)


# --------------------------------------------------------------------------------- 50-digit tools
def mp_imag(z) -> np.ndarray:
    """Imaginary parts of an object array of mpmath numbers (numpy's .imag gives 0 on object arrays)."""
    return np.vectorize(lambda v: mpmath.im(v), otypes=[object])(np.asarray(z, dtype=object))


def mp_hvp(net, p_mp, X_mp, y, cost: str, v) -> np.ndarray:
    """∇²ℓ(p) v to the working mpmath precision: ``net.hvp`` on object arrays (one shared implementation,
    a central difference at doubled precision; see numerics.network.Network.hvp_mp)."""
    return net.hvp_mp(p_mp, X_mp, y, cost, v)


def mp_norm(v) -> mpmath.mpf:
    return mpmath.sqrt(mpmath.fsum(t * t for t in np.asarray(v, dtype=object).reshape(-1)))
