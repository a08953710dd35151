"""The layer protocol: f(params, H) on batch matrices, with its vector-Jacobian product beside it.

    out, cache    = layer.forward(params, H)        H: (..., n_in, N)  ->  out: (..., n_out, N)
    dH, dparams   = layer.vjp(params, cache, G)     G: (*extra, ..., n_out, N)

Leading axes ``...`` are instance axes (many weight/data instances at once); ``params[name]`` has shape
``(..., *param_shapes[name])``. The cotangent ``G`` may carry further leading axes ``*extra`` (e.g. an
identity of cotangents for a whole Jacobian in one backward pass); numpy broadcasting carries them
through, so ``dH`` has shape ``(*extra, ..., n_in, N)`` and ``dparams[name]`` ``(*extra, ..., *shape)``.

Layers use analytic operations only (see numerics.ops), so the same code runs on float64, on
complex128 (complex-step), and on object arrays of mpmath numbers or sympy expressions.
Serves docs/theory.md#framework (multilayer F = f_L ∘ … ∘ f_1) and the derivative checks of every result.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Params = dict[str, np.ndarray]


def T(A):
    """Transpose of the last two axes (no conjugation: complex-step needs the plain transpose)."""
    return np.swapaxes(A, -1, -2)


class Layer:
    """Base class. Subclasses set ``param_shapes`` and implement forward / vjp / out_features."""

    param_shapes: dict[str, tuple[int, ...]] = {}
    in_features: int | None = None  # None: any width (shape-preserving layers)

    @property
    def num_params(self) -> int:
        return int(sum(np.prod(s, dtype=int) for s in self.param_shapes.values()))

    def out_features(self, n_in: int) -> int:
        """Output width for input width n_in; raises ValueError when n_in does not fit."""
        if self.in_features is not None and n_in != self.in_features:
            raise ValueError(f"{self!r} expects {self.in_features} input features, got {n_in}")
        return n_in

    def init(self, rng: np.random.Generator, lead: tuple[int, ...] = ()) -> Params:
        """Initial parameters, each of shape lead + param_shapes[name]."""
        return {}

    def forward(self, params: Params, H) -> tuple[Any, Any]:
        raise NotImplementedError

    def vjp(self, params: Params, cache, G) -> tuple[Any, Params]:
        raise NotImplementedError

    def vjp_input(self, params: Params, cache, G):
        """dH alone (the input cotangent of vjp); layers whose parameter gradients are costly override it."""
        return self.vjp(params, cache, G)[0]

    def _check_input(self, H) -> None:
        if self.in_features is not None and H.shape[-2] != self.in_features:
            raise ValueError(f"{self!r} expects {self.in_features} input features, got input of shape {H.shape}")


def run_forward(layers, params_list, H):
    """Forward through a list of layers: (out, caches)."""
    caches = []
    for layer, params in zip(layers, params_list):
        H, cache = layer.forward(params, H)
        caches.append(cache)
    return H, caches


def run_vjp(layers, params_list, caches, G):
    """Backward through a list of layers: (dH, [dparams per layer])."""
    grads = [None] * len(layers)
    for i in range(len(layers) - 1, -1, -1):
        G, grads[i] = layers[i].vjp(params_list[i], caches[i], G)
    return G, grads


def run_vjp_input(layers, params_list, caches, G):
    """Backward through a list of layers, input cotangent only (no parameter gradients)."""
    for i in range(len(layers) - 1, -1, -1):
        G = layers[i].vjp_input(params_list[i], caches[i], G)
    return G


def chain_out_features(layers, n_in: int) -> int:
    for layer in layers:
        n_in = layer.out_features(n_in)
    return n_in


def chain_in_features(layers) -> int | None:
    """The input width fixed by the first layer that fixes one (shape-preserving layers pass it on)."""
    for layer in layers:
        if layer.in_features is not None:
            return layer.in_features
    return None


def split_prefixed(params: Params, prefix: str, layer: Layer) -> Params:
    return {k: params[f"{prefix}{k}"] for k in layer.param_shapes}


def flatten_params(param_shapes: dict[str, tuple[int, ...]], params: Params):
    """Concatenate params (each (..., *shape)) into (..., P) in param_shapes order."""
    parts = []
    for name, shape in param_shapes.items():
        if name not in params:
            raise ValueError(f"missing parameter {name!r}; expected keys {list(param_shapes)}")
        a = np.asarray(params[name])
        if a.shape[a.ndim - len(shape):] != tuple(shape) or a.ndim < len(shape):
            raise ValueError(f"parameter {name!r} has shape {a.shape}, expected (..., {', '.join(map(str, shape))})")
        parts.append(a.reshape(a.shape[: a.ndim - len(shape)] + (-1,)))
    return parts


def concat_parts(parts, lead_hint=()):
    """Concatenate along the last axis after broadcasting the leading (instance) axes."""
    if not parts:
        return np.zeros(tuple(lead_hint) + (0,))
    lead = np.broadcast_shapes(*(p.shape[:-1] for p in parts))
    return np.concatenate([np.broadcast_to(p, lead + p.shape[-1:]) for p in parts], axis=-1)
