"""Residual blocks and the fixed isometric shortcut maps of R8."""

from __future__ import annotations

import numpy as np

from numerics import ops
from numerics.layers.base import (
    Layer, chain_in_features, chain_out_features, run_forward, run_vjp, run_vjp_input, split_prefixed,
)


class ZeroPad(Layer):
    """f(H) = E H with E = [I; 0] ∈ ℝ^{n_out×n_in}: appends n_out − n_in zero channels.

    An isometric embedding (EᵀE = I, all singular values 1). Shapes: (..., n_in, N) -> (..., n_out, N).
    Serves R8 (skip-mechanism): the fixed identity-like path of a widening shortcut.
    """

    def __init__(self, n_in: int, n_out: int):
        if not 0 < n_in < n_out:
            raise ValueError(f"ZeroPad needs 0 < n_in < n_out, got n_in={n_in}, n_out={n_out}")
        self.in_features, self.n_out = int(n_in), int(n_out)
        self.param_shapes = {}

    def __repr__(self):
        return f"ZeroPad({self.in_features}, {self.n_out})"

    def out_features(self, n_in):
        super().out_features(n_in)
        return self.n_out

    def isometry_matrix(self) -> np.ndarray:
        return np.eye(self.n_out, self.in_features)

    def forward(self, params, H):
        self._check_input(H)
        pad = np.zeros(H.shape[:-2] + (self.n_out - self.in_features, H.shape[-1]), dtype=H.dtype)
        return np.concatenate([H, pad], axis=-2), None

    def vjp(self, params, cache, G):
        return G[..., : self.in_features, :], {}


class AvgPool(Layer):
    """f(H) = √s · AvgPool_s(H) along features: out_j = (1/√s) Σ_{k<s} h_{js+k} (kernel = stride = s).

    Its matrix has orthonormal rows, so all n_out singular values are exactly 1.
    Shapes: (..., s·n_out, N) -> (..., n_out, N). Serves R8: the fixed path of a narrowing shortcut.
    """

    def __init__(self, n_in: int, s: int):
        if s < 1 or n_in < 1 or n_in % s:
            raise ValueError(f"AvgPool needs n_in divisible by the stride s ≥ 1, got n_in={n_in}, s={s}")
        self.in_features, self.s, self.n_out = int(n_in), int(s), int(n_in) // int(s)
        self.param_shapes = {}

    def __repr__(self):
        return f"AvgPool({self.in_features}, s={self.s})"

    def out_features(self, n_in):
        super().out_features(n_in)
        return self.n_out

    def isometry_matrix(self) -> np.ndarray:
        return np.kron(np.eye(self.n_out), np.ones((1, self.s))) / np.sqrt(self.s)

    def forward(self, params, H):
        self._check_input(H)
        blocks = H.reshape(H.shape[:-2] + (self.n_out, self.s, H.shape[-1]))
        return np.sum(blocks, axis=-2) / ops.sqrt_int(self.s, H), None

    def vjp(self, params, cache, G):
        return np.repeat(G, self.s, axis=-2) / ops.sqrt_int(self.s, G), {}


class _PrefixedPaths(Layer):
    """A layer made of sub-layers whose parameters carry a prefix per path (``self.paths``: (prefix, layer))."""

    paths: list

    def init(self, rng, lead=()):
        return {prefix + k: v for prefix, layer in self.paths for k, v in layer.init(rng, lead).items()}

    def _split(self, params):
        return [split_prefixed(params, prefix, layer) for prefix, layer in self.paths]


class Residual(_PrefixedPaths):
    """f(p; H) = branch(H) + shortcut(H) [+ fixed(H)].

    branch:   list of layers (its parameters appear as "branch.<i>.<name>", i the list index).
    shortcut: None = identity H (if ``fixed`` is None) or no learned path (if ``fixed`` is given);
              otherwise a layer, typically the learned projection Dense(n_in, n_out, bias=False)
              ("shortcut.W").
    fixed:    an optional fixed isometric map added to the shortcut (ZeroPad or AvgPool), R8 variant (c).
    skip:     False gives the branch alone (no shortcut at all) under the same parameter names: the
              no-skip control (chain_ce_net, R8 variant (a)) then shares the residual net's layout.
    Shapes: (..., n_in, N) -> (..., n_out, N). Backward: sum of the paths' vector-Jacobian products.
    The R7 block is Residual([BatchNorm, WeightNormDense, Activation, WeightNormDense, Scale(α)]):
    H + α Ŵ₂ σ(Ŵ₁ BN_ε(H)) (docs/theory.md#r4, R7, R8).
    """

    def __init__(self, branch, shortcut: Layer | None = None, fixed: Layer | None = None, skip: bool = True):
        self.branch = list(branch)
        if not self.branch:
            raise ValueError("Residual needs a non-empty branch (a list of layers)")
        if not skip and (shortcut is not None or fixed is not None):
            raise ValueError("Residual(skip=False) is the branch alone: do not pass shortcut or fixed")
        self.shortcut, self.fixed, self.skip = shortcut, fixed, bool(skip)
        self.paths = [(f"branch.{i}.", layer) for i, layer in enumerate(self.branch)]
        if shortcut is not None:
            self.paths.append(("shortcut.", shortcut))
        if fixed is not None:
            self.paths.append(("fixed.", fixed))
        self.param_shapes = {prefix + k: s for prefix, layer in self.paths for k, s in layer.param_shapes.items()}
        self.identity = self.skip and shortcut is None and fixed is None
        self.in_features = next((l.in_features for l in self.branch if l.in_features is not None), None)
        if self.in_features is None:
            self.in_features = next((l.in_features for l in (shortcut, fixed) if l is not None
                                     and l.in_features is not None), None)
        if self.in_features is not None:
            self.out_features(self.in_features)  # fail early on mismatched paths

    def __repr__(self):
        inner = ", ".join(map(repr, self.branch))
        parts = [f"[{inner}]"]
        if self.shortcut is not None:
            parts.append(f"shortcut={self.shortcut!r}")
        if self.fixed is not None:
            parts.append(f"fixed={self.fixed!r}")
        if not self.skip:
            parts.append("skip=False")
        return f"Residual({', '.join(parts)})"

    def out_features(self, n_in):
        super().out_features(n_in)
        n_out = chain_out_features(self.branch, n_in)
        sides = [layer.out_features(n_in) for layer in (self.shortcut, self.fixed) if layer is not None]
        if self.identity:
            sides = [n_in]
        if any(w != n_out for w in sides):
            raise ValueError(f"{self!r}: branch gives {n_out} features but the shortcut gives {sides}")
        return n_out

    def forward(self, params, H):
        self._check_input(H)
        sub = self._split(params)
        nb = len(self.branch)
        out, caches = run_forward(self.branch, sub[:nb], H)
        for (_prefix, layer), p in zip(self.paths[nb:], sub[nb:]):
            o, c = layer.forward(p, H)
            out = out + o
            caches.append(c)
        if self.identity:
            out = out + H
        return out, caches

    def vjp(self, params, caches, G):
        sub = self._split(params)
        nb = len(self.branch)
        dH, grads = run_vjp(self.branch, sub[:nb], caches[:nb], G)
        for (_prefix, layer), p, c in zip(self.paths[nb:], sub[nb:], caches[nb:]):
            d, g = layer.vjp(p, c, G)
            dH = dH + d
            grads.append(g)
        if self.identity:
            dH = dH + G
        flat = {prefix + k: v for (prefix, _), g in zip(self.paths, grads) for k, v in g.items()}
        return dH, flat

    def vjp_input(self, params, caches, G):
        sub = self._split(params)
        nb = len(self.branch)
        dH = run_vjp_input(self.branch, sub[:nb], caches[:nb], G)
        for (_prefix, layer), p, c in zip(self.paths[nb:], sub[nb:], caches[nb:]):
            dH = dH + layer.vjp_input(p, c, G)
        if self.identity:
            dH = dH + G
        return dH


class Sequential(_PrefixedPaths):
    """f = f_m ∘ … ∘ f_1 as one layer (parameters named "<i>.<name>", i the list index).

    Shapes: those of the chain. Used where one slot takes one layer, e.g. R8 (c)'s fixed path
    ChannelPad ∘ 3·AvgPool2d(3) as a Residual's ``fixed`` map.
    """

    def __init__(self, layers):
        self.layers = list(layers)
        if not self.layers:
            raise ValueError("Sequential needs a non-empty list of layers")
        self.paths = [(f"{i}.", layer) for i, layer in enumerate(self.layers)]
        self.param_shapes = {prefix + k: s for prefix, layer in self.paths for k, s in layer.param_shapes.items()}
        self.in_features = chain_in_features(self.layers)
        if self.in_features is not None:
            self.out_features(self.in_features)  # fail early on mismatched widths

    def __repr__(self):
        return f"Sequential([{', '.join(map(repr, self.layers))}])"

    def out_features(self, n_in):
        super().out_features(n_in)
        return chain_out_features(self.layers, n_in)

    def forward(self, params, H):
        self._check_input(H)
        return run_forward(self.layers, self._split(params), H)

    def vjp(self, params, caches, G):
        dH, grads = run_vjp(self.layers, self._split(params), caches, G)
        return dH, {prefix + k: v for (prefix, _), g in zip(self.paths, grads) for k, v in g.items()}

    def vjp_input(self, params, caches, G):
        return run_vjp_input(self.layers, self._split(params), caches, G)
