"""Elementwise activations σ with their derivatives σ′ side by side."""

from __future__ import annotations

from numerics import ops
from numerics.layers.base import Layer


# derivatives in product forms (σ(x)σ(−x) rather than σ(1 − σ)) keep relative precision when σ saturates
def _tanh(x):
    return ops.tanh(x), ops.tanh_grad(x)


def _sigmoid(x):
    return ops.sigmoid(x), ops.sigmoid_grad(x)


def _softplus(x):
    return ops.softplus(x), ops.sigmoid(x)


def _gelu(x):
    return ops.gelu(x), ops.gelu_grad(x)


def _relu(x):
    return ops.relu(x), ops.heaviside(x)


# name -> x ↦ (σ(x), σ′(x))
ACTIVATIONS = {"tanh": _tanh, "sigmoid": _sigmoid, "softplus": _softplus, "gelu": _gelu, "relu": _relu}


class Activation(Layer):
    """f(H) = σ(H) elementwise, σ ∈ {tanh, sigmoid, softplus, gelu, relu}.

    gelu is the tanh APPROXIMATION 0.5·x·(1 + tanh(√(2/π)(x + 0.044715 x³))), not the erf form
    x·Φ(x) (it is analytic and needs no erf in numpy); softplus(x) = log(1 + eˣ), computed stably.
    relu is not differentiable at 0 (we use σ′(0) = 0) and not analytic: the theorems (docs/theory.md#framework)
    assume smooth σ with bounded σ′, σ″; relu serves the R8 experiment only.
    Shapes: H (..., n, N) -> (..., n, N). Backward: dH = G ⊙ σ′(H).
    """

    def __init__(self, name: str = "tanh"):
        if name not in ACTIVATIONS:
            raise ValueError(f"unknown activation {name!r}: use one of {', '.join(ACTIVATIONS)}")
        self.name = name
        self.param_shapes = {}

    def __repr__(self):
        return f"Activation({self.name!r})"

    def forward(self, params, H):
        out, slope = ACTIVATIONS[self.name](H)
        return out, slope

    def vjp(self, params, slope, G):
        return G * slope, {}
