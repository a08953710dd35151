"""Shared samplers and spectral helpers for the numeric checks (not a checks module: no CHECKS here).

* hypothesis pieces: ``SEEDS``, ``log10_scales(lo, hi)`` (log10 of a scale, drawn as a float),
  ``rng_for(case, *salt)`` (the numpy generator of a case, reproducible from its "seed").
* data: ``gaussian(rng, shape, scale)``, ``conditioned_columns(rng, n, d, N, scale, log10_cond)``
  (n stacked d×N matrices with N ≤ d independent columns and σ_1/σ_N = 10^log10_cond),
  ``ce_labels``, ``aligned_rows`` (matrices whose rows are pulled towards one common direction).
* networks: ``dense_net`` (plain Dense/activation stack), ``r7_block`` (one R7 residual block
  H + α Ŵ₂ σ(Ŵ₁ BN_ε(H)) as a Network on K×N inputs, or its branch alone with skip=False),
  ``scaled_params`` (net.init rescaled by a per-instance factor).
* spectra, vectorised over leading axes: ``sigma_min`` (docs/theory.md#framework convention: the m-th singular
  value of an m×n matrix with m ≤ n, 0 when m > n), ``spectral_norm``, ``lambda_min``/``lambda_max``
  (symmetric), ``power_iteration`` (batched, for operators given only as matvecs, e.g. HVPs).
* 50-digit versions for one instance: ``sigma_min_mp``, ``spectral_norm_mp``, ``lambda_min_mp``,
  ``lambda_max_mp`` (mpmath svd_r / eigsy on object arrays; call inside mpmath.workdps).
* constants: ``sup_abs_dsigma(name)`` = sup|σ′| from theorems.activations (sympy), never typed in.
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np
from hypothesis import strategies as st

from numerics.layers import Activation, Dense
from numerics.network import Network

SEEDS = st.integers(0, 2**32 - 1)
ACTIVATIONS = ("tanh", "softplus", "gelu", "sigmoid")  # smooth, bounded σ′ (docs/theory.md#framework)


def log10_scales(lo: float = -6.0, hi: float = 6.0):
    """log10 of a scale, a bounded float (scales 10^lo … 10^hi)."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def rng_for(case, *salt: int) -> np.random.Generator:
    """The case's generator; ``salt`` separates independent streams of one case."""
    return np.random.default_rng([int(case["seed"]), *salt])


# ------------------------------------------------------------------------------------------ data
def gaussian(rng, shape, scale=1.0) -> np.ndarray:
    """Standard normal of ``shape`` times ``scale`` (a scalar, or one value per leading index (shape[0],))."""
    scale = np.asarray(scale, dtype=float)
    if scale.ndim:
        scale = scale.reshape((-1,) + (1,) * (len(shape) - 1))
    return scale * rng.standard_normal(shape)


def random_orthogonal(rng, n: int, k: int, lead=()) -> np.ndarray:
    """Stacks of n×k matrices with orthonormal columns, shape lead + (n, k), k ≤ n (QR of Gaussians)."""
    Q, R = np.linalg.qr(rng.standard_normal(tuple(lead) + (n, k)))
    return Q * np.sign(np.diagonal(R, axis1=-2, axis2=-1))[..., None, :]


def conditioned_columns(rng, n: int, d: int, N: int, scale=1.0, log10_cond=0.0) -> np.ndarray:
    """n matrices X = scale·U diag(s) Wᵀ of shape (n, d, N), N ≤ d: rank N, σ_1 = scale, σ_1/σ_N = 10^log10_cond.

    Singular values are geometric from 1 down to 10^−log10_cond (exact up to round-off), U (d×N) and
    W (N×N) Haar-like; ``scale`` and ``log10_cond`` may be scalars or arrays of shape (n,).
    """
    if N > d:
        raise ValueError(f"conditioned_columns needs N ≤ d, got N={N}, d={d}")
    t = np.linspace(0.0, 1.0, N) if N > 1 else np.zeros(1)
    s = 10.0 ** (-np.asarray(log10_cond, dtype=float)[..., None] * t)  # (n?, N)
    s = np.broadcast_to(s, (n, N))
    U = random_orthogonal(rng, d, N, (n,))
    W = random_orthogonal(rng, N, N, (n,))
    X = (U * s[:, None, :]) @ np.swapaxes(W, -1, -2)
    return np.asarray(scale, dtype=float).reshape(-1, 1, 1) * X


def ce_labels(rng, N: int, K: int) -> np.ndarray:
    """Labels (N,) shared by all instances (numerics.costs takes one label vector)."""
    return rng.integers(0, K, size=N)


def aligned_rows(rng, lead, rows: int, cols: int, align) -> np.ndarray:
    """Gaussian rows pulled towards one common unit direction: (1 − a)·g_j + a·u; a = 1 gives rank 1."""
    a = np.asarray(align, dtype=float).reshape(np.shape(align) + (1, 1))
    u = rng.standard_normal(tuple(lead) + (1, cols))
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    g = rng.standard_normal(tuple(lead) + (rows, cols)) / np.sqrt(cols)
    return (1 - a) * g + a * u


# -------------------------------------------------------------------------------------- networks
def dense_net(d: int, hidden: tuple[int, ...], K: int, activation: str = "tanh", bias: bool = True) -> Network:
    """Dense(d, h₁) → σ → … → Dense(h_last, K): a plain chain network (no skips, no normalisation)."""
    layers, n_in = [], d
    for h in hidden:
        layers += [Dense(n_in, h, bias=bias), Activation(activation)]
        n_in = h
    layers.append(Dense(n_in, K, bias=bias))
    return Network(layers, description=f"dense_net(d={d}, hidden={tuple(hidden)}, K={K}, {activation!r})")


def r7_block(K: int, m: int, alpha, eps: float, activation: str = "tanh", skip: bool = True, blocks: int = 1
             ) -> Network:
    """``blocks`` R7 residual blocks R(H) = H + α Ŵ₂ σ(Ŵ₁ BN_ε(H)) as a Network on H ∈ ℝ^{K×N}.

    The blocks are taken from numerics.architectures (residual_ce_net / chain_ce_net), so they are the
    R7 blocks exactly; skip=False gives the branches alone, g(H) = α Ŵ₂ σ(Ŵ₁ BN_ε(H)).
    """
    from numerics.architectures import chain_ce_net, residual_ce_net

    build = residual_ce_net if skip else chain_ce_net
    full = build(K, K, m, blocks, alpha, eps, activation)
    net = Network(full.layers[1:], d=K,
                  description=f"r7_block(K={K}, m={m}, alpha={alpha!r}, eps={eps!r}, {activation!r}, skip={skip}, "
                              f"blocks={blocks})")
    return net


def scaled_params(net: Network, seed: int, n: int, scale) -> np.ndarray:
    """net.init(seed, n) times a scalar or a per-instance scale (n,): (n, P)."""
    p = net.init(seed, n=n)
    return p * np.asarray(scale, dtype=float).reshape(-1, 1)


# --------------------------------------------------------------------------------------- spectra
def sigma_min(A) -> np.ndarray:
    """σ_min of (…, m, n) stacks: the m-th singular value if m ≤ n, else 0 (docs/theory.md#framework)."""
    A = np.asarray(A)
    m, n = A.shape[-2:]
    if m > n:
        return np.zeros(A.shape[:-2])
    return np.linalg.svd(A, compute_uv=False)[..., m - 1]


def spectral_norm(A) -> np.ndarray:
    return np.linalg.svd(np.asarray(A), compute_uv=False)[..., 0]


def lambda_min(S) -> np.ndarray:
    return np.linalg.eigvalsh(S)[..., 0]


def lambda_max(S) -> np.ndarray:
    return np.linalg.eigvalsh(S)[..., -1]


def power_iteration(matvec, v0, iters: int = 50):
    """Largest |eigenvalue| of symmetric operators given by a batched matvec: v (…, P) -> (…, P).

    Returns (estimate (…,), unit vector (…, P)). The Rayleigh quotient |vᵀAv| with v the last iterate
    is a LOWER estimate of ‖A‖₂ (never above it, up to round-off); use it where under-estimation is
    the safe direction, or iterate until converged.
    """
    v = np.asarray(v0, dtype=float)
    v = v / np.linalg.norm(v, axis=-1, keepdims=True)
    for _ in range(iters):
        w = matvec(v)
        nrm = np.linalg.norm(w, axis=-1, keepdims=True)
        v = w / np.where(nrm > 0, nrm, 1.0)
    return np.abs(np.sum(v * matvec(v), axis=-1)), v


# -------------------------------------------------------------------------- 50 digits, one instance
def _mp_matrix(A):
    return mpmath.matrix(np.asarray(A, dtype=object).tolist())


def singular_values_mp(A) -> list:
    """All min(m, n) singular values, descending, at the working mpmath precision."""
    s = mpmath.svd_r(_mp_matrix(A), compute_uv=False)
    return sorted((s[i] for i in range(s.rows)), reverse=True)


def sigma_min_mp(A):
    m, n = np.shape(A)
    if m > n:
        return mpmath.mpf(0)
    return singular_values_mp(A)[m - 1]


def spectral_norm_mp(A):
    return singular_values_mp(A)[0]


def _eig_mp(S) -> list:
    E = mpmath.eigsy(_mp_matrix(S), eigvals_only=True)
    return sorted(E[i] for i in range(E.rows))


def lambda_min_mp(S):
    return _eig_mp(S)[0]


def lambda_max_mp(S):
    return _eig_mp(S)[-1]


# ------------------------------------------------------------------------------------- constants
@functools.cache
def sup_abs_dsigma(name: str) -> float:
    """sup_x |σ′(x)| for a smooth activation, computed by sympy in theorems.activations."""
    from theorems.activations import (
        activation_constants,  # sympy-backed, imported on first use
    )

    sup_d1, _ = activation_constants(name)  # (sup|σ′|, sup|σ″|)
    return float(sup_d1)


def branch_constant(alpha, m: int, K: int, eps: float, activation: str):
    """c = α √(mK) sup|σ′| / √ε: the global bound on ‖D_H g‖ of an R7 branch (docs/theory.md#r4, R7)."""
    return np.asarray(alpha) * np.sqrt(m * K) * sup_abs_dsigma(activation) / np.sqrt(eps)


def alpha_for_c(c, m: int, K: int, eps: float, activation: str):
    """The gain α giving branch constant c (c is linear in α)."""
    return np.asarray(c) * np.sqrt(eps) / (np.sqrt(m * K) * sup_abs_dsigma(activation))
