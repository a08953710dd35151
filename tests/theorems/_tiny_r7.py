"""A tiny numpy forward pass of the R7 network (independent of numerics/) and a finite-difference Hessian,
used only to attack theorems.ce_convergence's β from the outside."""

import numpy as np


def _bn(H, eps):
    u = H - H.mean(-1, keepdims=True)
    return u / np.sqrt((u * u).mean(-1, keepdims=True) + eps)


def _wn(W):
    return W / np.sqrt((W * W).sum(-1, keepdims=True))


def unpack(p, K, d, m, L):
    lead = p.shape[:-1]
    V, off, blocks = p[..., : K * d].reshape(lead + (K, d)), K * d, []
    for _ in range(L - 1):
        W1 = p[..., off: off + m * K].reshape(lead + (m, K))
        W2 = p[..., off + m * K: off + 2 * m * K].reshape(lead + (K, m))
        blocks.append((W1, W2))
        off += 2 * m * K
    return V, blocks


def loss(p, X, y, K, m, L, alphas, eps):
    """Mean CE of R_L∘…∘R_2(VX), R_k(H) = H + α_k Ŵ2 tanh(Ŵ1 BN_ε(H)); p has leading instance axes."""
    V, blocks = unpack(p, K, X.shape[0], m, L)
    H = V @ X
    for (W1, W2), a in zip(blocks, alphas):
        H = H + a * _wn(W2) @ np.tanh(_wn(W1) @ _bn(H, eps))
    Zs = H - H.max(-2, keepdims=True)
    lse = np.log(np.exp(Zs).sum(-2))
    picked = np.take_along_axis(Zs, np.broadcast_to(y, Zs.shape[:-2] + (1, y.size)), -2)[..., 0, :]
    return (lse - picked).mean(-1)


def hessian(f, p, h):
    """Central second differences, all entries at once (vectorised over the P² stencils)."""
    E = np.eye(p.size) * h
    a, b = E[:, None, :], E[None, :, :]
    H = (f(p + a + b) - f(p + a - b) - f(p - a + b) + f(p - a - b)) / (4 * h * h)
    return (H + H.T) / 2
