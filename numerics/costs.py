"""Costs C(Z) on a logit/output matrix Z of shape (..., K, N) and their gradients ∇C (same shape).

* square:        C(Z) = (1/(2N)) ‖Z − Y‖_F²,             ∇C = (Z − Y)/N          (THEORY.md §1, R2)
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
    """log softmax over the class axis (-2), stable for huge logits."""
    Z = np.asarray(Z)
    if ops.is_exact(Z):
        shifted = Z
    else:
        shifted = Z - np.max(ops.real_part(Z), axis=-2, keepdims=True)
    return shifted - ops.log(np.sum(ops.exp(shifted), axis=-2, keepdims=True))


def softmax(Z):
    return ops.exp(log_softmax(Z))


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
        return (softmax(Z) - one_hot(y, Z.shape[-2])) / N
    return (Z - np.asarray(y)) / N
