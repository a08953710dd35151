"""A multilayer F(p, X) = f_L(p_L, … f_1(p_1, X)) with one flat parameter vector and exact derivatives.

Every method broadcasts over leading instance axes: p of shape (..., P) and X of shape (d, N) or
(..., d, N) give Z of shape (..., K, N), losses (...), gradients (..., P), Jacobians (..., K·N, ·).
Derivatives come from the layers' vector-Jacobian products (reverse mode); a whole Jacobian is one
backward pass of identity cotangents carried on an extra leading axis. docs/theory.md#framework (multilayer, tangent
kernel), R1 (∇ℓ = D_pFᵀ ∇C), R3 (layer-wise Jacobians), R6c (Hessian-vector products).

NaN or inf in p or X are not rejected: they propagate to the outputs so that callers can detect and
report them (docs/theory.md#verdicts: NaN/inf are errors, never passes).
"""

from __future__ import annotations

from typing import NamedTuple

import mpmath
import numpy as np

from numerics import costs, ops
from numerics.layers.base import (
    chain_in_features, concat_parts, flatten_params, run_vjp,
)

HVP_STEP = 1e-20  # complex-step size: the truncation error is O(h²) relative, i.e. ~1e-40


class LayerJacobian(NamedTuple):
    """D_{p_l} f_l as (out·N, P_l) (None for a parameter-free layer) and D_H f_l as (out·N, in·N),
    both with the instance axes in front; rows/columns in C order of the (features, N) matrices."""

    param: np.ndarray | None
    input: np.ndarray


class Tape(NamedTuple):
    params: list  # one dict per layer
    caches: list
    inputs: list  # H_0 = X, …, H_{L−1}: the input of each layer
    instance_shape: tuple


class Network:
    """F(p, X) = f_L ∘ … ∘ f_1 on batch matrices X ∈ ℝ^{d×N} -> Z ∈ ℝ^{K×N}; p ∈ ℝ^P flat.

    layers: list of numerics.layers objects; d: the input width, needed only when no layer fixes it.
    ``description`` is free text (architectures.py records the construction there).
    """

    def __init__(self, layers, d: int | None = None, description: str = ""):
        self.layers = list(layers)
        if not self.layers:
            raise ValueError("Network needs at least one layer")
        d = chain_in_features(self.layers) if d is None else int(d)
        if d is None:
            raise ValueError("no layer fixes the input width: pass d= to Network")
        self.in_features = d
        self.widths = [d]
        for layer in self.layers:
            self.widths.append(layer.out_features(self.widths[-1]))
        self.out_features = self.widths[-1]
        self.description = description
        sizes = [layer.num_params for layer in self.layers]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.param_slices = [slice(int(a), int(b)) for a, b in zip(offsets[:-1], offsets[1:])]
        self.num_params = int(offsets[-1])

    def __repr__(self):
        inner = ",\n  ".join(map(repr, self.layers))
        return f"Network([\n  {inner},\n])  # d={self.in_features}, K={self.out_features}, P={self.num_params}"

    # --- parameters -------------------------------------------------------------------------------
    def init(self, seed: int = 0, n: int | None = None) -> np.ndarray:
        """Initial parameters: float64 (P,), or (n, P) for n independent instances."""
        rng = np.random.default_rng(seed)
        lead = () if n is None else (int(n),)
        return self.flatten([layer.init(rng, lead) for layer in self.layers])

    def unflatten(self, p) -> list[dict[str, np.ndarray]]:
        """p (..., P) -> one dict per layer of views of shape (..., *param_shape)."""
        p = self._check_p(p)
        out = []
        for layer, sl in zip(self.layers, self.param_slices):
            d, start = {}, sl.start
            for name, shape in layer.param_shapes.items():
                size = int(np.prod(shape, dtype=int))
                d[name] = p[..., start:start + size].reshape(p.shape[:-1] + tuple(shape))
                start += size
            out.append(d)
        return out

    def flatten(self, params_list) -> np.ndarray:
        """Inverse of unflatten: list of per-layer dicts -> p (..., P)."""
        if len(params_list) != len(self.layers):
            raise ValueError(f"expected {len(self.layers)} parameter dicts (one per layer), got {len(params_list)}")
        parts = []
        for layer, params in zip(self.layers, params_list):
            parts += flatten_params(layer.param_shapes, params)
        return concat_parts(parts)

    # --- forward / backward -----------------------------------------------------------------------
    def forward_with_caches(self, p, X) -> tuple[np.ndarray, Tape]:
        params, X = self.unflatten(p), self._check_X(X)
        inst = np.broadcast_shapes(np.shape(p)[:-1], X.shape[:-2])
        inputs, caches, H = [], [], X
        for layer, prm in zip(self.layers, params):
            inputs.append(H)
            H, cache = layer.forward(prm, H)
            caches.append(cache)
        if H.shape[:-2] != inst:  # parameter-free nets: still one output per instance
            H = np.array(np.broadcast_to(H, inst + H.shape[-2:]))
        return H, Tape(params, caches, inputs, inst)

    def forward(self, p, X):
        """Z = F(p, X): (..., K, N)."""
        return self.forward_with_caches(p, X)[0]

    def vjp(self, tape: Tape, G):
        """(dX, dp) for a cotangent G of Z, shape (*extra, ..., K, N) -> (*extra, ..., d, N), (*extra, ..., P)."""
        dX, grads = run_vjp(self.layers, tape.params, tape.caches, G)
        parts = []
        for layer, g in zip(self.layers, grads):
            parts += flatten_params(layer.param_shapes, g)
        lead = np.shape(G)[:-2]
        dp = concat_parts(parts, lead)
        dp = np.broadcast_to(dp, np.broadcast_shapes(dp.shape[:-1], lead) + dp.shape[-1:])
        dX = np.broadcast_to(dX, lead + tape.inputs[0].shape[-2:])
        return dX, dp

    # --- cost -------------------------------------------------------------------------------------
    def loss(self, p, X, y, cost: str = "ce"):
        """ℓ(p) = C(F(p, X)): shape (...). cost "ce" (y labels (N,)) or "square" (y targets (K, N))."""
        Z = self.forward(p, X)
        return costs.cost_value(Z, self._check_y(y, cost, Z), cost)

    def loss_and_grad(self, p, X, y, cost: str = "ce"):
        Z, tape = self.forward_with_caches(p, X)
        y = self._check_y(y, cost, Z)
        _, dp = self.vjp(tape, costs.cost_grad(Z, y, cost))
        return costs.cost_value(Z, y, cost), np.array(dp)

    def grad(self, p, X, y, cost: str = "ce"):
        """∇ℓ(p) = D_pFᵀ ∇C(F(p)) (R1), one backward pass: shape (..., P)."""
        return self.loss_and_grad(p, X, y, cost)[1]

    # --- Jacobians --------------------------------------------------------------------------------
    def _identity_backward(self, p, X):
        Z, tape = self.forward_with_caches(p, X)
        K, N = Z.shape[-2:]
        M = K * N
        G = np.broadcast_to(np.eye(M).reshape((M,) + (1,) * len(tape.instance_shape) + (K, N)),
                            (M,) + tape.instance_shape + (K, N))
        return self.vjp(tape, G)

    def param_jacobian(self, p, X):
        """D_pF: shape (..., K·N, P), rows in C order of Z.reshape(-1)."""
        _, dp = self._identity_backward(p, X)
        return np.moveaxis(dp, 0, -2)

    def input_jacobian(self, p, X):
        """D_XF: shape (..., K·N, d·N), rows/columns in C order of Z.reshape(-1) / X.reshape(-1)."""
        dX, _ = self._identity_backward(p, X)
        return np.moveaxis(dX.reshape(dX.shape[:-2] + (-1,)), 0, -2)

    def tangent_kernel(self, p, X):
        """K(p) = D_pF D_pFᵀ: shape (..., K·N, K·N) (docs/theory.md#framework, R1, R3)."""
        J = self.param_jacobian(p, X)
        return J @ np.swapaxes(J, -1, -2)

    def layer_jacobians(self, p, X) -> list[LayerJacobian]:
        """Per layer l, along the forward pass at (p, X): D_{p_l} f_l (out·N, P_l) or None, D_H f_l (out·N, in·N).

        Each is one backward pass of identity cotangents through that layer alone. Used by R3:
        λ_min(K) ≥ Σ_l σ_min(D_{p_l} f_l)² Π_{k>l} σ_min(D_H f_k)².
        """
        _, tape = self.forward_with_caches(p, X)
        inst, out = tape.instance_shape, []
        for layer, prm, cache, H, n_out in zip(self.layers, tape.params, tape.caches, tape.inputs, self.widths[1:]):
            N = H.shape[-1]
            M = n_out * N
            G = np.broadcast_to(np.eye(M).reshape((M,) + (1,) * len(inst) + (n_out, N)), (M,) + inst + (n_out, N))
            dH, g = layer.vjp(prm, cache, G)
            dH = np.broadcast_to(dH, (M,) + inst + H.shape[-2:])
            JH = np.moveaxis(dH.reshape((M,) + inst + (-1,)), 0, -2)
            Jp = None
            if layer.num_params:
                dp = concat_parts(flatten_params(layer.param_shapes, g))
                Jp = np.moveaxis(np.broadcast_to(dp, (M,) + inst + dp.shape[-1:]), 0, -2)
            out.append(LayerJacobian(Jp, JH))
        return out

    def hvp(self, p, X, y, cost: str, v, h: float = HVP_STEP):
        """∇²ℓ(p) v: shape (..., P). float64: complex step; mpmath object arrays: central difference.

        float64 (p, X, v real numeric arrays): Im ∇ℓ(p + i h v̂)/h · ‖v‖, v̂ = v/‖v‖. Exact to round-off:
        ∇ℓ is real-analytic in p (layers and costs use analytic operations only), so
        ∇ℓ(p + ihv̂) = ∇ℓ(p) + ih∇²ℓ v̂ − (h²/2)D³ℓ[v̂,v̂] − i(h³/6)D⁴ℓ[v̂,v̂,v̂] + …; the imaginary part
        over h is ∇²ℓ v̂ + O(h²), and with h = 1e-20 the O(h²) term is ~1e-40 relative, far below
        round-off. Unlike finite differences there is no subtraction, hence no cancellation.

        mpmath (any of p, X, v an object array): the value to the working precision mpmath.mp.dps (e.g.
        50 digits), by ``hvp_mp`` — a central difference at doubled precision (``h`` is not used).
        sympy expressions are refused (no step size makes sense symbolically).
        (relu is not analytic at 0: its second derivative is taken as 0 there.) R6, R6c.
        """
        p = self._check_p(p)
        if any(np.asarray(a).dtype == object for a in (p, X, v)):
            return self.hvp_mp(p, X, y, cost, v)
        v = np.asarray(v)
        if v.dtype.kind not in "biuf":
            raise ValueError(f"Network.hvp: direction v must be a real array, got dtype {v.dtype}")
        v = v.astype(float)
        self._check_v(v)
        if np.iscomplexobj(p) or np.iscomplexobj(X):
            raise ValueError("Network.hvp needs real p and X (it uses the imaginary part for the complex step)")
        norm = np.sqrt(np.sum(v * v, axis=-1, keepdims=True))
        vhat = v / np.where(norm > 0, norm, 1.0)
        g = self.grad(p + 1j * h * vhat, X, y, cost)
        return g.imag / h * norm

    def hvp_mp(self, p, X, y, cost: str, v):
        """∇²ℓ(p) v to the working mpmath precision (dps digits) on object arrays: shape (..., P), mpf entries.

        (∇ℓ(p + t v̂) − ∇ℓ(p − t v̂))/(2t) · ‖v‖ at 2·dps digits with t = 10^−dps and v̂ = v/‖v‖: the
        truncation error is O(t²) = 10^−2dps relative and the cancellation costs dps of the 2·dps
        digits, leaving dps correct digits. Real arithmetic only: the costs pick the log-sum-exp shift
        by comparing entries, which complex mpmath numbers do not support. float64 inputs are
        converted exactly (every float64 is an mpf); sympy expressions are refused. R6, R6c.
        """
        p = self._check_p(p)
        parts = []
        for name, a in (("p", p), ("X", X), ("v", v)):
            a = np.asarray(a)
            if ops.number_kind(a) == "sympy":
                raise ValueError(f"Network.hvp: {name} holds sympy expressions; hvp works on float64 or "
                                 "mpmath numbers only (differentiate net.grad symbolically instead)")
            if a.dtype.kind == "c" or (a.dtype == object and any(isinstance(t, (complex, mpmath.mpc))
                                                                 for t in a.flat)):
                raise ValueError(f"Network.hvp: {name} must be real (got complex entries)")
            parts.append(a if a.dtype == object else ops.to_mp(a, mpmath.mp.dps))
        p, X, v = parts
        self._check_v(v)
        dps = mpmath.mp.dps
        with mpmath.workdps(2 * dps):
            norm = ops.sqrt(np.sum(v * v, axis=-1, keepdims=True))
            vhat = v / np.where(norm > 0, norm, mpmath.mpf(1))
            t = mpmath.mpf(10) ** (-dps)
            g_plus = self.grad(p + t * vhat, X, y, cost)
            g_minus = self.grad(p - t * vhat, X, y, cost)
            out = (g_plus - g_minus) / (2 * t) * norm
        return np.vectorize(lambda z: +z, otypes=[object])(out)  # unary + rounds to the caller's precision

    def _check_v(self, v):
        if np.ndim(v) == 0 or np.shape(v)[-1] != self.num_params:
            raise ValueError(f"direction v has shape {np.shape(v)}; its last axis must have length "
                             f"P = {self.num_params}")

    # --- validation -------------------------------------------------------------------------------
    def _check_p(self, p):
        p = np.asarray(p)
        if p.dtype.kind in "biu":
            p = p.astype(float)
        if p.ndim == 0 or p.shape[-1] != self.num_params:
            raise ValueError(f"parameter vector p has shape {p.shape}, but this network has P = {self.num_params} "
                             f"parameters: pass p of shape (P,) or (..., P) (e.g. from net.init(seed))")
        return p

    def _check_X(self, X):
        X = np.asarray(X)
        if X.dtype.kind in "biu":
            X = X.astype(float)
        if X.ndim < 2 or X.shape[-2] != self.in_features or X.shape[-1] < 1:
            raise ValueError(f"input X has shape {X.shape}; expected (d, N) or (..., d, N) with d = "
                             f"{self.in_features} features (rows) and N ≥ 1 samples (columns)")
        return X

    def _check_y(self, y, cost, Z):
        costs.check_cost(cost)
        K, N = Z.shape[-2:]
        y = np.asarray(y)
        if cost == "ce":
            if y.shape != (N,) or not np.issubdtype(y.dtype, np.integer):
                raise ValueError(f"cross-entropy labels y must be an integer array of shape (N,) = ({N},), got "
                                 f"dtype {y.dtype}, shape {y.shape}")
            if N and (y.min() < 0 or y.max() >= K):
                raise ValueError(f"labels y must lie in 0 … {K - 1} (K = {K} classes), got range {y.min()} … {y.max()}")
        elif y.ndim < 2 or y.shape[-2:] != (K, N):
            raise ValueError(f"square-cost target y has shape {y.shape}; expected (K, N) = ({K}, {N})")
        return y
