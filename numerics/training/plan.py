"""The fast training step: ℓ(p) = C(F(p, X)) and ∇ℓ(p) = D_pFᵀ ∇C with work buffers reused across steps.

    plan = StepPlan.build(net, X, y, cost)      # None when the network or the arrays are not supported
    loss, g = plan.loss_and_grad(p)             # p (P,) float64 -> float, (P,) (g is plan's buffer)

The same mathematics as ``Network.loss_and_grad`` (the reference, which every test compares with), for
one float64 trajectory with fixed data, arranged for speed:

* a *plan* per (network, X, y): every activation, cotangent and gradient array is allocated once, and
  the parameter/gradient views into the flat vectors are cut once, so a step allocates (almost) nothing
  (large temporaries freed and re-faulted by malloc on every step cost more than the arithmetic);
* tanh′ = sech² = 1/cosh² (one transcendental; cosh overflows to inf for |x| > 710, where sech² = 0 is the
  correctly rounded value, so that overflow is ignored). The generic path keeps 4σ(2x)σ(−2x), which also
  serves complex-step and mpmath/sympy object arrays; both are exact to round-off in float64;
* an activation between two linear layers writes σ(H) over its input buffer and σ′ ⊙ G over its
  cotangent (both are buffers their owners no longer read), so a block touches fewer distinct m×N arrays
  and the step's working set stays in cache (1.7× faster at m = 1024, bench/trainer.py);
* no input gradient for the first layer (nobody needs D_XF in training), one log-softmax per step that
  gives the loss and ∇C together, and one forward plus one backward pass.

Supported: Dense (with or without bias), WeightNormDense, BatchNorm (affine=False), Activation, Scale and
Residual blocks whose shortcut is the identity or absent (skip=False) — the R7 networks residual_ce_net
and chain_ce_net, for every activation. Anything else (the R8 variants, instance axes, complex or
object arrays) is left to the generic Network path. docs/theory.md#r7 (the trainer), §1 (the multilayer).
"""

from __future__ import annotations

import numpy as np

from numerics import costs, ops
from numerics.layers import Activation, BatchNorm, Dense, Residual, Scale, WeightNormDense


_sum = np.add.reduce  # np.sum without its Python wrapper: the step makes ~100 small reductions


class Unsupported(Exception):
    """A layer or an array the fast step does not handle (the caller falls back to the generic path)."""


# ------------------------------------------------------------------------------------------ layers
class _Op:
    """One layer with its buffers: forward(H) -> out buffer, backward(G) -> dH buffer (or None)."""

    def bind(self, p: np.ndarray, g: np.ndarray) -> None:  # views into the plan's flat p and ∇ℓ
        pass

    def wn_norms(self) -> list:
        return []


class _LinearOp(_Op):
    """out = W H with W (n_out, n_in) the parameters from ``start``: buffers and views shared by Dense and WN."""

    # A linear layer's weight gradient is G Hᵀ. With Hᵀ a transposed view BLAS runs about 2× slower than
    # with a contiguous (N, n_in) copy; the copy is kept when it is cheap (few input rows, i.e. the WN
    # layer after batch norm) or made once (the fixed data X of the first layer).
    CONTIGUOUS_HT_MAX_ROWS = 32

    def __init__(self, n_out: int, start: int, n_in: int, N: int, need_dH: bool):
        self.n_in, self.n_out, self.start, self.need_dH = n_in, n_out, start, need_dH
        self.out = np.empty((n_out, N))
        self.dH = np.empty((n_in, N)) if need_dH else None
        self.Ht = np.empty((N, n_in)) if n_in <= self.CONTIGUOUS_HT_MAX_ROWS else None
        self.Ht_fixed = False

    def _keep_transpose(self, H):
        if self.Ht is None:
            return H.T
        if not self.Ht_fixed:
            np.copyto(self.Ht, H.T)
        return self.Ht

    def fix_input(self, X):
        """The input is the plan's fixed X: its contiguous transpose is made once."""
        self.Ht, self.Ht_fixed = np.ascontiguousarray(X.T), True

    def bind(self, p, g):
        a, b = self.start, self.start + self.n_out * self.n_in
        self.W, self.gW = p[a:b].reshape(self.n_out, self.n_in), g[a:b].reshape(self.n_out, self.n_in)


class _DenseOp(_LinearOp):
    def __init__(self, layer: Dense, start: int, n_in: int, N: int, need_dH: bool):
        super().__init__(layer.n_out, start, n_in, N, need_dH)
        self.bias = layer.bias

    def bind(self, p, g):
        super().bind(p, g)
        b = self.start + self.n_out * self.n_in
        if self.bias:
            self.b, self.gb = p[b:b + self.n_out, None], g[b:b + self.n_out]

    def forward(self, H):
        self.H, self.HT = H, self._keep_transpose(H)
        np.matmul(self.W, H, out=self.out)
        if self.bias:
            self.out += self.b
        return self.out

    def backward(self, G):
        np.matmul(G, self.HT, out=self.gW)
        if self.bias:
            _sum(G, axis=-1, out=self.gb)
        if self.need_dH:
            np.matmul(self.W.T, G, out=self.dH)
        return self.dH

    def tangent(self, U, dH):
        a, b = self.start, self.start + self.n_out * self.n_in
        dZ = U[:, a:b].reshape(-1, self.n_out, self.n_in) @ self.H
        if self.bias:
            dZ += U[:, b:b + self.n_out, None]
        if dH is not None:
            dZ += self.W @ dH
        return dZ

    def cotangent(self, G, out):
        a, b = self.start, self.start + self.n_out * self.n_in
        out[:, a:b].reshape(-1, self.n_out, self.n_in)[...] = G @ self.H.T
        if self.bias:
            out[:, b:b + self.n_out] = np.sum(G, axis=-1)
        return self.W.T @ G if self.need_dH else None


class _WeightNormOp(_LinearOp):
    """Ŵ = W/‖rows‖, out = Ŵ H; ∂/∂w_j = (g_j − ŵ_j⟨ŵ_j, g_j⟩)/‖w_j‖ with g = G Hᵀ."""

    def __init__(self, layer: WeightNormDense, start: int, n_in: int, N: int, need_dH: bool):
        super().__init__(layer.n_out, start, n_in, N, need_dH)
        shape = (self.n_out, n_in)
        self.What, self.tmp, self.gWhat = np.empty(shape), np.empty(shape), np.empty(shape)
        self.norms, self.dots = np.empty((self.n_out, 1)), np.empty((self.n_out, 1))

    def wn_norms(self):
        return [self.norms]

    def forward(self, H):
        self.H, self.HT = H, self._keep_transpose(H)
        np.multiply(self.W, self.W, out=self.tmp)
        _sum(self.tmp, axis=-1, keepdims=True, out=self.norms)
        np.sqrt(self.norms, out=self.norms)
        np.divide(self.W, self.norms, out=self.What)
        np.matmul(self.What, H, out=self.out)
        return self.out

    def backward(self, G):
        np.matmul(G, self.HT, out=self.gWhat)
        np.multiply(self.What, self.gWhat, out=self.tmp)
        _sum(self.tmp, axis=-1, keepdims=True, out=self.dots)
        np.multiply(self.What, self.dots, out=self.tmp)
        np.subtract(self.gWhat, self.tmp, out=self.gW)
        self.gW /= self.norms
        if self.need_dH:
            np.matmul(self.What.T, G, out=self.dH)
        return self.dH

    def tangent(self, U, dH):
        a, b = self.start, self.start + self.n_out * self.n_in
        dW = U[:, a:b].reshape(-1, self.n_out, self.n_in)
        dWhat = (dW - self.What * np.sum(self.What * dW, axis=-1, keepdims=True)) / self.norms
        dZ = dWhat @ self.H
        if dH is not None:
            dZ += self.What @ dH
        return dZ

    def cotangent(self, G, out):
        a, b = self.start, self.start + self.n_out * self.n_in
        gWhat = G @ self.H.T
        out[:, a:b].reshape(-1, self.n_out, self.n_in)[...] = (
            gWhat - self.What * np.sum(self.What * gWhat, axis=-1, keepdims=True)) / self.norms
        return self.What.T @ G if self.need_dH else None


class _BatchNormOp(_Op):
    """x̂ = (h − h̄)/s, s = √(var + ε) per row; dh = (g − mean g − x̂ mean(g x̂))/s."""

    def __init__(self, layer: BatchNorm, n: int, N: int, need_dH: bool):
        self.eps, self.N, self.need_dH = layer.eps, N, need_dH
        self.xhat, self.tmp = np.empty((n, N)), np.empty((n, N))
        self.mean, self.s, self.mean_gx = np.empty((n, 1)), np.empty((n, 1)), np.empty((n, 1))
        self.dH = np.empty((n, N)) if need_dH else None

    def forward(self, H):
        _sum(H, axis=-1, keepdims=True, out=self.mean)
        self.mean /= self.N
        np.subtract(H, self.mean, out=self.xhat)  # C = H − h̄, normalised in place below
        np.multiply(self.xhat, self.xhat, out=self.tmp)
        _sum(self.tmp, axis=-1, keepdims=True, out=self.s)
        self.s /= self.N
        self.s += self.eps
        np.sqrt(self.s, out=self.s)
        self.xhat /= self.s
        return self.xhat

    def backward(self, G):
        if not self.need_dH:
            return None
        mean_g, mean_gx = self.mean, self.mean_gx  # the forward's h̄ is no longer needed
        _sum(G, axis=-1, keepdims=True, out=mean_g)
        mean_g /= self.N
        np.multiply(G, self.xhat, out=self.tmp)
        _sum(self.tmp, axis=-1, keepdims=True, out=mean_gx)
        mean_gx /= self.N
        np.multiply(self.xhat, mean_gx, out=self.tmp)
        np.subtract(G, mean_g, out=self.dH)
        self.dH -= self.tmp
        self.dH /= self.s
        return self.dH

    def tangent(self, U, dH):  # dx̂ = (dC − x̂ mean(x̂ dC))/s, dC = dH − mean(dH): the map is symmetric
        return self.cotangent(dH, None)

    def cotangent(self, G, out):
        N = self.N
        return (G - np.sum(G, axis=-1, keepdims=True) / N
                - self.xhat * (np.sum(G * self.xhat, axis=-1, keepdims=True) / N)) / self.s


class _ActivationOp(_Op):
    """σ(H) and σ′(H) into preallocated buffers; dH = G ⊙ σ′(H)."""

    def __init__(self, layer: Activation, n: int, N: int, need_dH: bool,
                 overwrite_input: bool = False, overwrite_cotangent: bool = False):
        # overwrite_input: H is a buffer its producer no longer needs (a Dense/WN output), so σ(H) is
        # written over it; overwrite_cotangent: G is the next layer's own dH buffer, so G ⊙ σ′ goes in
        # place. Fewer distinct m×N arrays per block keep the step's working set in cache.
        self.name, self.need_dH = layer.name, need_dH
        self.overwrite_input = overwrite_input and self.name == "tanh"
        self.overwrite_cotangent = overwrite_cotangent and need_dH
        self.out = None if self.overwrite_input else np.empty((n, N))
        self.slope = np.empty((n, N))
        self.e = None if self.name == "tanh" else np.empty((n, N))
        self.dH = np.empty((n, N)) if need_dH and not self.overwrite_cotangent else None

    def forward(self, H):
        out, slope, e = self.out, self.slope, self.e
        if self.name == "tanh":
            with np.errstate(over="ignore"):  # cosh(|x| > 710) = inf gives sech² = 0, its correct rounding
                np.cosh(H, out=slope)
                np.multiply(slope, slope, out=slope)
            np.divide(1.0, slope, out=slope)
            return np.tanh(H, out=H if self.overwrite_input else out)
        elif self.name in ("sigmoid", "softplus"):
            np.abs(H, out=e)
            np.negative(e, out=e)
            np.exp(e, out=e)  # e = exp(−|x|) ≤ 1: no overflow
            if self.name == "sigmoid":
                np.add(e, 1.0, out=slope)
                np.divide(1.0, slope, out=out)  # a = σ(|x|) = 1/(1 + e)
                np.multiply(out, e, out=slope)  # b = σ(−|x|) = e/(1 + e)
                np.multiply(out, slope, out=e)  # σ′ = σ(x)σ(−x) = ab (the generic product form)
                np.copyto(out, slope, where=H < 0)  # σ(x) = a for x ≥ 0, b for x < 0
                np.copyto(slope, e)
                return out
            np.log1p(e, out=out)  # softplus = max(x, 0) + log1p(e^{−|x|}); σ′ = sigmoid(x)
            np.add(out, H, out=out, where=H >= 0)
            np.add(e, 1.0, out=slope)
            np.divide(e, slope, out=slope)
            np.subtract(1.0, slope, out=slope, where=H >= 0)
        else:  # gelu, relu: the generic formulas (float64 in, float64 out)
            np.copyto(out, ACT_VALUE[self.name](H))
            np.copyto(slope, ACT_SLOPE[self.name](H))
        return out

    def backward(self, G):
        if not self.need_dH:
            return None
        return np.multiply(G, self.slope, out=G if self.overwrite_cotangent else self.dH)

    def tangent(self, U, dH):
        return dH * self.slope

    def cotangent(self, G, out):
        return G * self.slope


ACT_VALUE = {"gelu": ops.gelu, "relu": ops.relu}
ACT_SLOPE = {"gelu": ops.gelu_grad, "relu": ops.heaviside}


class _ScaleOp(_Op):
    def __init__(self, layer: Scale, n: int, N: int, need_dH: bool):
        self.alpha, self.need_dH = layer.alpha, need_dH
        self.out = np.empty((n, N))
        self.dH = np.empty((n, N)) if need_dH else None

    def forward(self, H):
        np.multiply(H, self.alpha, out=self.out)
        return self.out

    def backward(self, G):
        if not self.need_dH:
            return None
        np.multiply(G, self.alpha, out=self.dH)
        return self.dH

    def tangent(self, U, dH):
        return dH * self.alpha

    def cotangent(self, G, out):
        return G * self.alpha


class _ResidualOp(_Op):
    """branch(H) [+ H]; backward: the branch's dH [+ G]."""

    def __init__(self, layer: Residual, start: int, n_in: int, N: int, need_dH: bool):
        if not (layer.identity or (layer.shortcut is None and layer.fixed is None)):
            raise Unsupported("a residual block with a learned or fixed shortcut")
        self.identity, self.need_dH = layer.identity, need_dH
        offsets = {}
        off = start
        for name, shape in layer.param_shapes.items():
            offsets[name] = off
            off += int(np.prod(shape, dtype=int))
        starts = [min((offsets[f"branch.{i}.{k}"] for k in sub.param_shapes), default=start)
                  for i, sub in enumerate(layer.branch)]
        self.ops, width = _compile_sequence(layer.branch, starts, n_in, N, need_dH)
        self.out = np.empty((width, N)) if self.identity else None
        self.dH = np.empty((n_in, N)) if (need_dH and self.identity) else None

    def bind(self, p, g):
        for op in self.ops:
            op.bind(p, g)

    def wn_norms(self):
        return [n for op in self.ops for n in op.wn_norms()]

    def forward(self, H):
        h = H
        for op in self.ops:
            h = op.forward(h)
        if not self.identity:
            return h
        np.add(h, H, out=self.out)
        return self.out

    def backward(self, G):
        g = G
        for op in reversed(self.ops):
            g = op.backward(g)
        if not self.need_dH:
            return None
        if not self.identity:
            return g
        np.add(g, G, out=self.dH)
        return self.dH

    def tangent(self, U, dH):
        h = dH
        for op in self.ops:
            h = op.tangent(U, h)
        return h + dH if self.identity else h

    def cotangent(self, G, out):
        g = G
        for op in reversed(self.ops):
            g = op.cotangent(g, out)
        if not self.need_dH:
            return None
        return g + G if self.identity else g


def _compile_sequence(layers, starts, n_in: int, N: int, need_dH: bool) -> tuple[list[_Op], int]:
    """(ops, output width) of ``layers`` applied in order, layer i's parameters from starts[i]; the first
    computes its input cotangent only when need_dH. An activation strictly between two linear layers
    works in place: its input is the previous layer's output buffer (which that layer's backward does not
    read) and its cotangent is the next layer's dH buffer."""
    linear = (Dense, WeightNormDense)
    ops, width = [], n_in
    for i, (layer, start) in enumerate(zip(layers, starts)):
        need = need_dH or i > 0
        if type(layer) is Activation and 0 < i < len(layers) - 1:
            ops.append(_ActivationOp(layer, width, N, need, overwrite_input=type(layers[i - 1]) in linear,
                                     overwrite_cotangent=type(layers[i + 1]) in linear))
        else:
            ops.append(_compile(layer, start, width, N, need))
        width = layer.out_features(width)
    return ops, width


def _compile(layer, start: int, n_in: int, N: int, need_dH: bool) -> _Op:
    if type(layer) is Dense:
        return _DenseOp(layer, start, n_in, N, need_dH)
    if type(layer) is WeightNormDense:
        return _WeightNormOp(layer, start, n_in, N, need_dH)
    if type(layer) is BatchNorm and not layer.affine:
        return _BatchNormOp(layer, n_in, N, need_dH)
    if type(layer) is Activation:
        return _ActivationOp(layer, n_in, N, need_dH)
    if type(layer) is Scale and np.isscalar(layer.alpha) and np.isrealobj(layer.alpha):
        return _ScaleOp(layer, n_in, N, need_dH)
    if type(layer) is Residual:
        return _ResidualOp(layer, start, n_in, N, need_dH)
    raise Unsupported(f"layer {layer!r}")


# -------------------------------------------------------------------------------------------- plan
class StepPlan:
    """Preallocated forward/backward of one network on fixed data (X, y) for one float64 trajectory.

    Build with ``StepPlan.build(net, X, y, cost)`` (None when unsupported). ``loss_and_grad(p)`` copies p
    into the plan's own parameter buffer (its views are cut once) and returns (ℓ, ∇ℓ); the gradient is the
    plan's buffer, overwritten by the next call — copy it to keep it. After a call, ``wn_rows()`` and
    ``v_norm()`` read the row norms and ‖V‖_F of that p without another pass.
    """

    def __init__(self, net, X, y, cost: str = "ce"):
        X = np.asarray(X)
        if X.dtype != np.float64 or X.ndim != 2 or X.shape[0] != net.in_features:
            raise Unsupported(f"X of dtype {X.dtype}, shape {X.shape} (the fast step takes float64 (d, N))")
        costs.check_cost(cost)
        self.net, self.cost, self.N = net, cost, X.shape[1]
        self.X = np.ascontiguousarray(X)
        self.p, self.g = np.empty(net.num_params), np.empty(net.num_params)
        self.ops, _ = _compile_sequence(net.layers, [sl.start for sl in net.param_slices], net.in_features,
                                        self.N, need_dH=False)
        for op in self.ops:
            op.bind(self.p, self.g)
        if isinstance(self.ops[0], _LinearOp):
            self.ops[0].fix_input(self.X)
        K, N = net.out_features, self.N
        self.cols = np.arange(N)
        y = np.asarray(y)
        if cost == "ce":
            self.y = net._check_y(y, cost, np.empty((K, N)))
            self.D, self.E, self.G = np.empty((K, N)), np.empty((K, N)), np.empty((K, N))
        else:
            self.Y = np.array(net._check_y(y, cost, np.empty((K, N))), dtype=float)
            if self.Y.shape != (K, N):
                raise Unsupported("square-cost targets with instance axes")
            self.G = np.empty((K, N))
        self._norms = [n for op in self.ops for n in op.wn_norms()]
        first = net.layers[0]
        self._V = self.ops[0].W if type(first) is Dense else None

    @classmethod
    def build(cls, net, X, y, cost: str = "ce") -> StepPlan | None:
        """A plan, or None when some layer or array needs the generic path."""
        try:
            return cls(net, X, y, cost)
        except Unsupported:
            return None

    def loss_and_grad(self, p) -> tuple[float, np.ndarray]:
        """(ℓ(p), ∇ℓ(p)) for p (P,) float64; ∇ℓ is this plan's buffer (valid until the next call)."""
        np.copyto(self.p, p)
        Z = self.X
        for op in self.ops:
            Z = op.forward(Z)
        loss = self._cost(Z)
        G = self.G
        for op in reversed(self.ops):
            G = op.backward(G)
        return loss, self.g

    # --- the tangent kernel, matrix-free (numerics.training.kernel) ----------------------------
    def forward(self, p) -> np.ndarray:
        """Z = F(p, X) (the plan's buffer); keeps the caches that ``jvp`` and ``vjp`` linearise at."""
        np.copyto(self.p, p)
        Z = self.X
        for op in self.ops:
            Z = op.forward(Z)
        return Z

    def jvp(self, U) -> np.ndarray:
        """D_pF U for a block of tangents U (k, P) -> (k, K, N), at the p of the last ``forward``."""
        dZ = None
        for op in self.ops:
            dZ = op.tangent(U, dZ)
        return dZ

    def vjp(self, G) -> np.ndarray:
        """D_pFᵀ G for a block of cotangents G (k, K, N) -> (k, P), at the p of the last ``forward``."""
        out = np.zeros((G.shape[0], self.net.num_params))
        for op in reversed(self.ops):
            G = op.cotangent(G, out)
        return out

    def _cost(self, Z) -> float:
        """C(Z) and ∇C(Z) into self.G, from one log-softmax (see costs.log_softmax for the accuracy)."""
        N, cols = self.N, self.cols
        if self.cost == "square":
            np.subtract(Z, self.Y, out=self.G)
            loss = float(np.sum(self.G * self.G)) / (2 * N)
            self.G /= N
            return loss
        D, E, G = self.D, self.E, self.G
        idx = np.argmax(Z, axis=0)
        np.subtract(Z, Z[idx, cols], out=D)  # D = z − z_max ≤ 0
        np.exp(D, out=E)
        E[idx, cols] = 0.0
        others = _sum(E, axis=0)
        D -= np.log1p(others)  # D is now log softmax(Z)
        Ly = D[self.y, cols]
        loss = float(np.sum(-Ly)) / N
        np.exp(D, out=G)
        G[self.y, cols] = np.expm1(Ly)  # s_y − 1 without cancellation
        G /= N
        return loss

    def wn_rows(self) -> np.ndarray:
        """‖w_j‖ of every WN row at the last p, in numerics.trainer.wn_keys order: (R,)."""
        if not self._norms:
            return np.zeros(0)
        return np.concatenate([n[:, 0] for n in self._norms])

    def v_norm(self) -> float:
        """‖V‖_F of the first (Dense) layer's weight at the last p."""
        V = self._V if self._V is not None else self.net.unflatten(self.p)[0]["W"]
        return float(np.sqrt(np.sum(V * V)))
