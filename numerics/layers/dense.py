"""Linear layers: Dense (W H + b), WeightNormDense (Ŵ H, rows ŵ_j = w_j/‖w_j‖) and Scale (α H)."""

from __future__ import annotations

import numpy as np

from numerics import ops
from numerics.layers.base import Layer, T


class Dense(Layer):
    """f(W, b; H) = W H + b 1ᵀ.

    Shapes: W (..., n_out, n_in), b (..., n_out), H (..., n_in, N) -> (..., n_out, N).
    Without bias it is the first layer V X of R7 and the learned projection shortcut of R8; the
    parameter Jacobian V' ↦ V' X is the object of R5 (first-layer-conditioning).
    init: "lecun" (W ~ N(0, 1/n_in), b = 0) or "torch" (PyTorch's default: W, b ~ U(±1/√n_in)).
    """

    INITS = ("lecun", "torch")

    def __init__(self, n_in: int, n_out: int, bias: bool = True, init: str = "lecun"):
        if n_in < 1 or n_out < 1:
            raise ValueError(f"Dense needs positive widths, got n_in={n_in}, n_out={n_out}")
        if init not in self.INITS:
            raise ValueError(f"unknown Dense init {init!r}: use one of {', '.join(self.INITS)}")
        self.init_scheme = init
        self.in_features, self.n_out, self.bias = int(n_in), int(n_out), bool(bias)
        self.param_shapes = {"W": (self.n_out, self.in_features)}
        if bias:
            self.param_shapes["b"] = (self.n_out,)

    def __repr__(self):
        extra = ("" if self.bias else ", bias=False") + ("" if self.init_scheme == "lecun" else f", init={self.init_scheme!r}")
        return f"Dense({self.in_features}, {self.n_out}{extra})"

    def out_features(self, n_in):
        super().out_features(n_in)
        return self.n_out

    def init(self, rng, lead=()):
        if self.init_scheme == "torch":
            bound = 1.0 / np.sqrt(self.in_features)
            p = {"W": rng.uniform(-bound, bound, tuple(lead) + (self.n_out, self.in_features))}
            if self.bias:
                p["b"] = rng.uniform(-bound, bound, tuple(lead) + (self.n_out,))
            return p
        # LeCun normal: unit-variance pre-activations for unit-variance inputs
        p = {"W": rng.standard_normal(tuple(lead) + (self.n_out, self.in_features)) / np.sqrt(self.in_features)}
        if self.bias:
            p["b"] = np.zeros(tuple(lead) + (self.n_out,))
        return p

    def forward(self, params, H):
        self._check_input(H)
        out = params["W"] @ H
        if self.bias:
            out = out + params["b"][..., :, None]
        return out, H

    def vjp(self, params, H, G):
        grads = {"W": G @ T(H)}
        if self.bias:
            grads["b"] = np.sum(G, axis=-1)
        return T(params["W"]) @ G, grads

    def vjp_input(self, params, H, G):
        return T(params["W"]) @ G


def wn_rows(W):
    """(Ŵ, ‖w_j‖): rows ŵ_j = w_j/‖w_j‖, norms of shape (..., rows, 1). Analytic: √(Σ w²), no abs."""
    norms = ops.sqrt(np.sum(W * W, axis=-1, keepdims=True))
    return W / norms, norms


class WeightNormDense(Layer):
    """f(W; H) = Ŵ H with rows ŵ_j = w_j/‖w_j‖ (no bias, no gain); the raw W are the parameters.

    Shapes: W (..., n_out, n_in), H (..., n_in, N) -> (..., n_out, N).
    Derivative of a row: Dŵ = (I − ŵŵᵀ)/‖w‖, so ∂/∂w_j = (g_j − ŵ_j⟨ŵ_j, g_j⟩)/‖w_j‖ for the cotangent
    g_j of ŵ_j. Serves R6 (wn-invariance) and the R7 residual blocks (docs/theory.md#framework, #r6, #r7).
    """

    def __init__(self, n_in: int, n_out: int):
        if n_in < 1 or n_out < 1:
            raise ValueError(f"WeightNormDense needs positive widths, got n_in={n_in}, n_out={n_out}")
        self.in_features, self.n_out = int(n_in), int(n_out)
        self.param_shapes = {"W": (self.n_out, self.in_features)}

    def __repr__(self):
        return f"WeightNormDense({self.in_features}, {self.n_out})"

    def out_features(self, n_in):
        super().out_features(n_in)
        return self.n_out

    def init(self, rng, lead=()):
        return {"W": rng.standard_normal(tuple(lead) + (self.n_out, self.in_features))}

    def forward(self, params, H):
        self._check_input(H)
        What, norms = wn_rows(params["W"])
        return What @ H, (H, What, norms)

    def vjp(self, params, cache, G):
        H, What, norms = cache
        gW = G @ T(H)  # cotangent of Ŵ
        dW = (gW - What * np.sum(What * gW, axis=-1, keepdims=True)) / norms
        return T(What) @ G, {"W": dW}


class Scale(Layer):
    """f(H) = α H with a fixed scalar α (not a parameter): the gain α_k of the R7 residual branches.

    Shapes: H (..., n, N) -> (..., n, N).
    """

    def __init__(self, alpha):
        self.alpha = alpha
        self.param_shapes = {}

    def __repr__(self):
        return f"Scale({self.alpha!r})"

    def forward(self, params, H):
        return self.alpha * H, None

    def vjp(self, params, cache, G):
        return self.alpha * G, {}
