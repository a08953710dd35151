"""Costs C(Z) on a logit/output matrix Z of shape (..., K, N) and their gradients ∇C (same shape).

* square:        C(Z) = (1/(2N)) ‖Z − Y‖_F²,             ∇C = (Z − Y)/N          (docs/theory.md#framework, R2)
* cross-entropy: C(Z) = (1/N) Σ_i [lse(z_i) − z_{y_i,i}],  ∇C = (softmax(Z) − E_y)/N

Cross-entropy uses a log-sum-exp shifted by the column maximum, so logits of ±1e4 give a finite loss
and gradient without warnings. The shift uses the real part of the maximum only: log-sum-exp is
exactly shift-invariant, which keeps the complex-step derivative exact. Object arrays (mpmath, sympy)
are evaluated without a shift.
"""

from __future__ import annotations

import numpy as np

from numerics import ops

COSTS = ("ce", "square")


def check_cost(cost: str) -> str:
    if cost not in COSTS:
        raise ValueError(f"unknown cost {cost!r}: use one of {', '.join(COSTS)}")
    return cost


def one_hot(y, K: int) -> np.ndarray:
    """E_y of shape (K, N): column i is the unit vector e_{y_i}."""
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"cross-entropy labels must be a 1-D integer array, got dtype {y.dtype}, shape {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= K):
        raise ValueError(f"labels must lie in 0 … {K - 1}, got range {y.min()} … {y.max()}")
    return (np.arange(K)[:, None] == y[None, :]).astype(float)


def log_softmax(Z):
    """log softmax over the class axis (-2), stable and accurate for huge logits.

    log softmax(z)_j = (z_j − z_max) − log1p(Σ_{i≠max} e^{z_i − z_max}). The log1p keeps a tiny loss
    tiny (c = e^{−margin} rather than log(1 + e^{−margin}) = 0 once the margin passes ~37), so the
    loss approaches its infimum 0 without reaching it in float64. z_max is the entry at the argmax of
    the real part, taken with its imaginary part, which keeps the complex step exact.
    """
    Z = np.asarray(Z)
    if ops.number_kind(Z) == "sympy":  # symbolic: no argmax to take
        return Z - ops.log(np.sum(ops.exp(Z), axis=-2, keepdims=True))
    idx = np.argmax(ops.real_part(Z), axis=-2)[..., None, :]
    D = Z - np.take_along_axis(Z, idx, axis=-2)
    is_max = np.arange(Z.shape[-2])[:, None] == idx
    others = np.sum(np.where(is_max, 0 * D, ops.exp(D)), axis=-2, keepdims=True)
    return D - ops.log1p(others)


def softmax(Z):
    return ops.exp(log_softmax(Z))


def softmax_minus_onehot(Z, E):
    """softmax(Z) − E with E one-hot: expm1 on the labelled entries keeps s_y − 1 accurate near 0."""
    L = log_softmax(Z)
    return np.where(E > 0, ops.expm1(L), ops.exp(L))


def ce_per_sample(Z, y):
    """c(z_i, y_i) = −log softmax(z_i)_{y_i}, shape (..., N)."""
    Z = np.asarray(Z)
    E = one_hot(y, Z.shape[-2])
    return -np.sum(log_softmax(Z) * E, axis=-2)


def cost_value(Z, y, cost: str):
    """C(Z), shape (...)."""
    Z = np.asarray(Z)
    N = Z.shape[-1]
    if check_cost(cost) == "ce":
        return np.sum(ce_per_sample(Z, y), axis=-1) / N
    R = Z - np.asarray(y)
    return np.sum(R * R, axis=(-2, -1)) / (2 * N)


def cost_grad(Z, y, cost: str):
    """∇C(Z), same shape as Z."""
    Z = np.asarray(Z)
    N = Z.shape[-1]
    if check_cost(cost) == "ce":
        return softmax_minus_onehot(Z, one_hot(y, Z.shape[-2])) / N
    return (Z - np.asarray(y)) / N
