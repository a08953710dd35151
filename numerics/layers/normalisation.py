"""Batch normalisation over the samples of a batch matrix."""

from __future__ import annotations

import numpy as np

from numerics import ops
from numerics.layers.base import Layer


class BatchNorm(Layer):
    """BN_ε(h) = (h − h̄)/√(var(h) + ε) per feature (row) over the N samples; var = (1/N)Σ(h − h̄)².

    With affine=True: γ ⊙ BN_ε(h) + β (γ, β per feature; the theorems use affine=False).
    Shapes: H (..., features, N) -> (..., features, N); gamma, beta (..., features).
    Backward, per row with x̂ = BN_ε(h), s = √(var + ε):  dh = (g − mean(g) − x̂·mean(g x̂))/s
    (couples the samples). Serves R6b (bn-bounds) and the R7 residual branches (docs/theory.md#framework, #r6b, #r7).
    """

    def __init__(self, features: int, eps: float = 1e-5, affine: bool = False):
        if features < 1:
            raise ValueError(f"BatchNorm needs a positive feature count, got {features}")
        if not eps > 0:
            raise ValueError(f"BatchNorm needs eps > 0, got eps={eps!r}")
        self.in_features, self.eps, self.affine = int(features), eps, bool(affine)
        self.param_shapes = {"gamma": (self.in_features,), "beta": (self.in_features,)} if affine else {}

    def __repr__(self):
        return f"BatchNorm({self.in_features}, eps={self.eps!r}{', affine=True' if self.affine else ''})"

    def init(self, rng, lead=()):
        if not self.affine:
            return {}
        lead = tuple(lead)
        return {"gamma": np.ones(lead + (self.in_features,)), "beta": np.zeros(lead + (self.in_features,))}

    def forward(self, params, H):
        self._check_input(H)
        N = H.shape[-1]
        C = H - np.sum(H, axis=-1, keepdims=True) / N
        s = ops.sqrt(np.sum(C * C, axis=-1, keepdims=True) / N + self.eps)
        xhat = C / s
        out = xhat
        if self.affine:
            out = params["gamma"][..., :, None] * xhat + params["beta"][..., :, None]
        return out, (xhat, s)

    def vjp(self, params, cache, G):
        xhat, s = cache
        N = xhat.shape[-1]
        grads = {}
        if self.affine:
            grads = {"gamma": np.sum(G * xhat, axis=-1), "beta": np.sum(G, axis=-1)}
            G = params["gamma"][..., :, None] * G
        mean_g = np.sum(G, axis=-1, keepdims=True) / N
        mean_gx = np.sum(G * xhat, axis=-1, keepdims=True) / N
        return (G - mean_g - xhat * mean_gx) / s, grads
