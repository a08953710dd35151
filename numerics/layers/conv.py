"""Image layers on batch matrices: Conv2d, AvgPool2d, BatchNorm2d, ChannelPad, Flatten (R8's conv network).

Image layout. A batch of N images with C channels of H×W pixels is the batch matrix
``X = images.reshape(C·H·W, N)`` of an array ``images`` of shape (C, H, W, N): features × N like every
other layer (samples are columns), the feature index running over (c, h, w) in C order. Instance axes
lead as usual: (..., C·H·W, N). Inside a layer the batch matrix is viewed — without copying — as
(..., C, H, W, N); per sample, column n is PyTorch's ``x[n].flatten()`` of an (N, C, H, W) tensor, so
``Flatten`` (C, H, W order, 320 features for 20×4×4) is the identity on the data, and images enter or
leave the layout only through ``images_to_batch`` / ``batch_to_images``.

Each layer knows its input image shape (C, H, W), so Network widths and parameter layouts stay the
plain integers of numerics.layers.base. Derivatives: forward and vector-Jacobian product side by
side; ``vjp_input`` (the input cotangent alone) skips the weight gradients where they are costly (the
R8 Jacobian needs only D_H). Analytic operations only: float64, complex128, mpmath and sympy arrays.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from numerics.layers.base import Layer
from numerics.layers.normalisation import BatchNorm


def images_to_batch(images):
    """PyTorch-layout images (..., N, C, H, W) -> batch matrix (..., C·H·W, N)."""
    images = np.asarray(images)
    if images.ndim < 4:
        raise ValueError(f"images must have shape (..., N, C, H, W), got {images.shape}")
    moved = np.moveaxis(images, -4, -1)  # (..., C, H, W, N)
    return np.ascontiguousarray(moved).reshape(moved.shape[:-4] + (-1, moved.shape[-1]))


def batch_to_images(X, shape: tuple[int, int, int]):
    """Batch matrix (..., C·H·W, N) -> images (..., N, C, H, W) (inverse of images_to_batch)."""
    X = np.asarray(X)
    C, H, W = shape
    if X.ndim < 2 or X.shape[-2] != C * H * W:
        raise ValueError(f"batch matrix of shape {X.shape} does not hold C·H·W = {C}·{H}·{W} features per column")
    return np.moveaxis(X.reshape(X.shape[:-2] + (C, H, W, X.shape[-1])), -1, -4)


def _image_shape(shape, name: str) -> tuple[int, int, int]:
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"{name} needs an image shape (C, H, W) of positive integers, got {shape}")
    return shape


class _ImageLayer(Layer):
    """Common part: the input image shape, the output image shape, and the batch-matrix views."""

    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]

    def _set_shapes(self, in_shape, out_shape):
        self.in_shape, self.out_shape = tuple(in_shape), tuple(out_shape)
        self.in_features = int(np.prod(self.in_shape))
        self.n_out = int(np.prod(self.out_shape))

    def out_features(self, n_in):
        super().out_features(n_in)
        return self.n_out

    @staticmethod
    def _images(H, shape):
        """(..., C·H·W, N) -> view (..., C, H, W, N)."""
        return H.reshape(H.shape[:-2] + tuple(shape) + (H.shape[-1],))

    @staticmethod
    def _batch(A):
        """(..., C, H, W, N) -> (..., C·H·W, N)."""
        return A.reshape(A.shape[:-4] + (-1, A.shape[-1]))


def _zeros(shape, like):
    return np.zeros(shape, dtype=np.result_type(like.dtype, np.float64) if like.dtype != object else object)


class Conv2d(_ImageLayer):
    """f(W, b; x)[o, i, j] = b_o + Σ_{c,u,v} W[o, c, u, v] · x̃[c, s·i + u, s·j + v], x̃ = x zero-padded by p.

    Shapes: W (..., C_out, C_in, k, k), b (..., C_out); input image (C_in, H, W) -> output
    (C_out, ⌊(H + 2p − k)/s⌋ + 1, ⌊(W + 2p − k)/s⌋ + 1), as batch matrices (see the module docstring).
    Forward: im2col (sliding_window_view, one copy) and one matmul. Backward: dW = G colsᵀ, db = Σ G,
    dx = the transposed convolution (col2im of Wᵀ G, or im2col of the dilated G and one matmul). Init: PyTorch's default, W and b ~ U(±1/√fan_in),
    fan_in = C_in·k². R8 (the authors' MNIST network).
    """

    def __init__(self, c_in: int, c_out: int, kernel: int, in_hw: tuple[int, int], stride: int = 1,
                 padding: int = 0, bias: bool = True):
        c_in, c_out, k, s, p = int(c_in), int(c_out), int(kernel), int(stride), int(padding)
        if c_in < 1 or c_out < 1 or k < 1 or s < 1 or p < 0:
            raise ValueError(f"Conv2d needs positive channels, kernel and stride and padding ≥ 0, got c_in={c_in}, "
                             f"c_out={c_out}, kernel={k}, stride={s}, padding={p}")
        H, W = _image_shape((c_in,) + tuple(in_hw), "Conv2d")[1:]
        if H + 2 * p < k or W + 2 * p < k:
            raise ValueError(f"Conv2d kernel {k} is larger than the padded {H + 2 * p}×{W + 2 * p} image")
        self.c_in, self.c_out, self.k, self.stride, self.padding, self.bias = c_in, c_out, k, s, p, bool(bias)
        out_hw = ((H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1)
        self._set_shapes((c_in, H, W), (c_out,) + out_hw)
        self.param_shapes = {"W": (c_out, c_in, k, k)}
        if self.bias:
            self.param_shapes["b"] = (c_out,)
        # the backward pass by a second im2col copies C_out·k²·H·W values per sample, col2im writes
        # C_in·k²·H'·W' (then adds them in k² strided passes, which are slower per value)
        self.transpose_by_im2col = c_out * H * W <= c_in * out_hw[0] * out_hw[1]
        # stride 1: the row-Toeplitz product costs 2·H·(C_in·W)·(k·C_out·(W + 2p')) flops per sample, col2im
        # about 150 flops' time per value it writes (timed on the R8 shapes, 13 cotangents at once: the 5→5
        # 5×5 convolutions are ~5× faster by rows, the 20→20 3×3 one 1.6× faster by col2im)
        p_rows = k - 1 - p
        rows_flops = 2 * H * c_in * W * k * c_out * (out_hw[1] + 2 * p_rows)
        self.transpose_by_rows = s == 1 and p_rows >= 0 and rows_flops < 150 * c_in * k * k * out_hw[0] * out_hw[1]

    def __repr__(self):
        extra = "" if self.bias else ", bias=False"
        return (f"Conv2d({self.c_in}, {self.c_out}, kernel={self.k}, in_hw={self.in_shape[1:]}, "
                f"stride={self.stride}, padding={self.padding}{extra})")

    @property
    def fan_in(self) -> int:
        return self.c_in * self.k * self.k

    def init(self, rng, lead=()):
        bound = 1.0 / np.sqrt(self.fan_in)
        lead = tuple(lead)
        p = {"W": rng.uniform(-bound, bound, lead + self.param_shapes["W"])}
        if self.bias:
            p["b"] = rng.uniform(-bound, bound, lead + (self.c_out,))
        return p

    def _cols(self, H):
        """im2col: (..., C·H·W, N) -> (..., C_in·k·k, H'·W'·N), rows in (c, u, v) order."""
        x = self._images(H, self.in_shape)
        p, k, s = self.padding, self.k, self.stride
        if p:
            padded = _zeros(x.shape[:-3] + (x.shape[-3] + 2 * p, x.shape[-2] + 2 * p, x.shape[-1]), x)
            padded[..., p:-p, p:-p, :] = x
            x = padded
        win = sliding_window_view(x, (k, k), axis=(-3, -2))[..., ::s, ::s, :, :, :]  # (..., C, H', W', N, k, k)
        win = np.moveaxis(win, (-2, -1), (-5, -4))  # (..., C, k, k, H', W', N)
        lead = win.shape[:-6]
        return win.reshape(lead + (self.fan_in, -1))  # the one copy

    def forward(self, params, H):
        self._check_input(H)
        cols = self._cols(H)
        Wm = params["W"].reshape(params["W"].shape[:-4] + (self.c_out, self.fan_in))
        out = Wm @ cols  # (..., C_out, H'·W'·N)
        if self.bias:
            out = out + params["b"][..., :, None]
        N = H.shape[-1]
        return out.reshape(out.shape[:-2] + (self.n_out, N)), cols

    def _input_cotangent(self, params, Gm, N):
        """dx from Gm (*, C_out, H'·W'·N), by whichever of the equivalent methods moves less data."""
        if self.transpose_by_rows and Gm.ndim - 2 >= params["W"].ndim - 4:
            return self._input_cotangent_rows(params, Gm, N)  # the fastest of the three on the experiment's shapes; all three agree in the tests
        if self.transpose_by_im2col:
            return self._input_cotangent_im2col(params, Gm, N)
        return self._input_cotangent_col2im(params, Gm, N)

    def _input_cotangent_rows(self, params, Gm, N):
        """dx for stride 1: the correlation of the (k−1−p)-padded cotangent with the flipped, channel-transposed
        kernel (see _input_cotangent_im2col), done by _correlate_rows: no k²-fold copy, large matmuls."""
        _, Ho, Wo = self.out_shape
        Wf = params["W"][..., ::-1, ::-1]
        kernel = np.swapaxes(Wf, -3, -4)  # (..., C_in, C_out, k, k)
        q = kernel.ndim - 4
        inst = np.broadcast_shapes(Gm.shape[Gm.ndim - 2 - q:-2], kernel.shape[:-4])
        extra = Gm.shape[:Gm.ndim - 2 - q]
        g = np.broadcast_to(Gm, extra + inst + Gm.shape[-2:]).reshape((-1,) + inst + (self.c_out, Ho, Wo, N))
        kernel = np.broadcast_to(kernel, inst + kernel.shape[-4:])
        dx = _correlate_rows(g, kernel, self.k - 1 - self.padding)  # (E, *inst, C_in, H, W, N)
        return dx.reshape(extra + inst + (self.in_features, N))

    def _input_cotangent_col2im(self, params, Gm, N):
        """dx = col2im(Wᵀ Gm): k² strided adds of the windows' cotangents, cropped to the unpadded image."""
        Wm = params["W"].reshape(params["W"].shape[:-4] + (self.c_out, self.fan_in))
        dcols = np.swapaxes(Wm, -1, -2) @ Gm  # (*, C_in·k·k, H'·W'·N)
        C, H, W = self.in_shape
        _, Ho, Wo = self.out_shape
        k, s, p = self.k, self.stride, self.padding
        dcols = dcols.reshape(dcols.shape[:-2] + (C, k, k, Ho, Wo, N))
        dx = _zeros(dcols.shape[:-6] + (C, H + 2 * p, W + 2 * p, N), dcols)
        for u in range(k):
            for v in range(k):
                dx[..., u:u + s * (Ho - 1) + 1:s, v:v + s * (Wo - 1) + 1:s, :] += dcols[..., :, u, v, :, :, :]
        if p:
            dx = dx[..., p:-p, p:-p, :]
        return self._batch(dx)

    def _input_cotangent_im2col(self, params, Gm, N):
        """dx from Gm (*, C_out, H'·W'·N): the transposed convolution.

        dx̃[j] = Σ_u W[u] g[i] over s·i + u = j is a stride-1 correlation of the stride-dilated cotangent,
        placed at offset k − 1 in a zero frame ("full"), with the flipped kernel: dx̃[j] = Σ_u' W[k−1−u'] full[j + u'];
        dx = dx̃ without its padding, i.e. windows from full[p:]. So it is im2col and one matmul again (with the
        channel-transposed kernel), several times faster than adding k² strided windows (col2im).
        """
        C, H, W = self.in_shape
        _, Ho, Wo = self.out_shape
        k, s, p = self.k, self.stride, self.padding
        g = Gm.reshape(Gm.shape[:-1] + (Ho, Wo, N))
        full = _zeros(g.shape[:-3] + (H + 2 * p + k - 1, W + 2 * p + k - 1, N), g)
        full[..., k - 1:k + (Ho - 1) * s:s, k - 1:k + (Wo - 1) * s:s, :] = g
        win = sliding_window_view(full[..., p:, p:, :], (k, k), axis=(-3, -2))[..., :H, :W, :, :, :]
        win = np.moveaxis(win, (-2, -1), (-5, -4))  # (*, C_out, k, k, H, W, N)
        cols = win.reshape(win.shape[:-6] + (self.c_out * k * k, H * W * N))  # the one copy
        Wf = params["W"][..., ::-1, ::-1]
        Wt = np.moveaxis(Wf, -3, -4).reshape(Wf.shape[:-4] + (C, self.c_out * k * k))  # (ci; co, u', v')
        dx = Wt @ cols  # (*, C_in, H·W·N)
        return dx.reshape(dx.shape[:-2] + (self.in_features, N))

    def _gm(self, G):
        return G.reshape(G.shape[:-2] + (self.c_out, -1))

    def vjp(self, params, cols, G):
        Gm = self._gm(G)
        dW = Gm @ np.swapaxes(cols, -1, -2)
        grads = {"W": dW.reshape(dW.shape[:-2] + self.param_shapes["W"])}
        if self.bias:
            grads["b"] = np.sum(Gm, axis=-1)
        return self._input_cotangent(params, Gm, G.shape[-1]), grads

    def vjp_input(self, params, cols, G):
        return self._input_cotangent(params, self._gm(G), G.shape[-1])


def _correlate_rows(x, kernel, pad: int):
    """y[e, …, o, i, j, n] = Σ_{c,u,v} K[…, o, c, u, v] x̃[e, …, c, i + u, j + v, n] (stride 1, x̃ = x padded by pad).

    Shapes: x (E, *L, C, H, W, N), kernel (*L, O, C, k, k) -> (E, *L, O, H + 2pad − k + 1, W + 2pad − k + 1, N).
    Row-Toeplitz form: with the image stored as (H, C, W, E·N), the k input rows that one output row reads
    are one contiguous (k·C·W̃) × (E·N) block, and output row i is T @ block_i with
    T[(o, j), (u, c, j + v)] = K[o, c, u, v]. The blocks of all rows are one strided view (no im2col
    copy) and the matmuls are large (the E cotangents ride along with the N samples). T holds (W̃/k)× more
    entries than the kernel: worth it for small channel counts, where im2col is limited by memory traffic.
    """
    E, L = x.shape[0], x.shape[1:-4]
    C, H, W, N = x.shape[-4:]
    O, k = kernel.shape[-4], kernel.shape[-1]
    Hp, Wp = H + 2 * pad, W + 2 * pad
    Ho, Wo = Hp - k + 1, Wp - k + 1
    xt = _zeros(L + (Hp, C, Wp, E, N), x)
    xt[..., pad:pad + H, :, pad:pad + W, :, :] = np.swapaxes(np.moveaxis(x, 0, -2), -5, -4)  # (*L, H, C, W, E, N)
    xt = xt.reshape(L + (Hp, C, Wp, E * N))
    blocks = np.moveaxis(sliding_window_view(xt, k, axis=-4), -1, -4)  # (*L, Ho, k, C, Wp, E·N), a view
    blocks = blocks.reshape(L + (Ho, k * C * Wp, E * N))
    T = _zeros(L + (O, Wo, k, C, Wp), kernel)
    ku = np.swapaxes(kernel, -3, -2)  # (*L, O, k(u), C, k(v))
    for j in range(Wo):
        T[..., :, j, :, :, j:j + k] = ku
    T = T.reshape(L + (1, O * Wo, k * C * Wp))
    y = (T @ blocks).reshape(L + (Ho, O, Wo, E, N))
    return np.moveaxis(np.swapaxes(y, -5, -4), -2, 0)  # (E, *L, O, Ho, Wo, N)


class AvgPool2d(_ImageLayer):
    """f(x)[c, i, j] = (1/k²) Σ_{u,v<k} x[c, k·i + u, k·j + v]  (PyTorch AvgPool2d(k): stride k, no padding).

    Shapes: (C, H, W) -> (C, ⌊H/k⌋, ⌊W/k⌋) as batch matrices; trailing rows/columns that do not fill a
    window are dropped (as in PyTorch). k·AvgPool2d(k) has orthonormal rows: the fixed path of R8 (c).
    """

    def __init__(self, in_shape: tuple[int, int, int], kernel: int):
        C, H, W = _image_shape(in_shape, "AvgPool2d")
        k = int(kernel)
        if k < 1 or k > H or k > W:
            raise ValueError(f"AvgPool2d needs 1 ≤ kernel ≤ min(H, W), got kernel={kernel} for {H}×{W}")
        self.k = k
        self._set_shapes((C, H, W), (C, H // k, W // k))
        self.param_shapes = {}

    def __repr__(self):
        return f"AvgPool2d({self.in_shape}, kernel={self.k})"

    def forward(self, params, H):
        self._check_input(H)
        C, Ho, Wo = self.out_shape
        k = self.k
        x = self._images(H, self.in_shape)[..., : Ho * k, : Wo * k, :]
        blocks = x.reshape(x.shape[:-3] + (Ho, k, Wo, k, x.shape[-1]))
        return self._batch(np.sum(blocks, axis=(-4, -2)) / (k * k)), None

    def vjp(self, params, cache, G):
        return self.vjp_input(params, cache, G), {}

    def vjp_input(self, params, cache, G):
        C, H, W = self.in_shape
        _, Ho, Wo = self.out_shape
        k, N = self.k, G.shape[-1]
        g = self._images(G, self.out_shape) / (k * k)
        g = np.broadcast_to(g[..., :, None, :, None, :], g.shape[:-3] + (Ho, k, Wo, k, N))
        g = g.reshape(g.shape[:-5] + (Ho * k, Wo * k, N))
        if (Ho * k, Wo * k) != (H, W):
            full = _zeros(g.shape[:-3] + (H, W, N), g)
            full[..., : Ho * k, : Wo * k, :] = g
            g = full
        return self._batch(np.ascontiguousarray(g))


class BatchNorm2d(_ImageLayer):
    """BN_ε per channel c over its N·H·W values: (x − mean)/√(var + ε), var biased (1/(NHW)) — training mode.

    With affine=True: γ_c ⊙ · + β_c. Shapes: (C, H, W) -> (C, H, W) as batch matrices; gamma, beta (..., C).
    It is BatchNorm (numerics.layers.normalisation) on the free view (..., C, H·W·N) of the batch
    matrix, so forward and backward are that layer's. R8 (PyTorch BatchNorm2d in training mode, ε = 1e−5).
    """

    def __init__(self, in_shape: tuple[int, int, int], eps: float = 1e-5, affine: bool = False):
        shape = _image_shape(in_shape, "BatchNorm2d")
        self._bn = BatchNorm(shape[0], eps, affine)
        self.eps, self.affine = eps, bool(affine)
        self._set_shapes(shape, shape)
        self.param_shapes = dict(self._bn.param_shapes)

    def __repr__(self):
        return f"BatchNorm2d({self.in_shape}, eps={self.eps!r}{', affine=True' if self.affine else ''})"

    def init(self, rng, lead=()):
        return self._bn.init(rng, lead)

    def _channels(self, A):
        return A.reshape(A.shape[:-2] + (self.in_shape[0], -1))

    def forward(self, params, H):
        self._check_input(H)
        out, cache = self._bn.forward(params, self._channels(H))
        return out.reshape(out.shape[:-2] + H.shape[-2:]), cache

    def vjp(self, params, cache, G):
        dH, grads = self._bn.vjp(params, cache, self._channels(G))
        return dH.reshape(dH.shape[:-2] + G.shape[-2:]), grads

    def vjp_input(self, params, cache, G):
        """dh = (g − mean(g) − x̂·mean(g x̂))/s per channel, as BatchNorm.vjp, with fewer passes over G.

        The R8 Jacobian sends hundreds of cotangents (a leading axis of G) through here: the inner products
        mean(g x̂) are matrix products (no G-sized product array) and the result is built in place, so G
        is read about three times instead of seven. Same value to round-off (tests/numerics/test_layers_conv.py).
        """
        xhat, s = cache
        if self.affine or G.dtype == object or xhat.dtype == object:
            return self.vjp(params, cache, G)[0]
        g = self._channels(G)  # (..., C, H·W·N), a view
        M = g.shape[-1]
        mean_g = np.sum(g, axis=-1, keepdims=True) / M
        mean_gx = np.matmul(g[..., None, :], xhat[..., :, None])[..., 0] / M  # per channel ⟨g, x̂⟩: (..., C, 1)
        out = g - mean_g
        out -= xhat * mean_gx
        out /= s
        return out.reshape(G.shape)


class ChannelPad(_ImageLayer):
    """f(x) = [0_{before}; x; 0_{after}] along channels: (C, H, W) -> (before + C + after, H, W).

    An isometric embedding (all singular values 1). R8 (c): 5 → 20 channels with 7 before and 8 after.
    """

    def __init__(self, in_shape: tuple[int, int, int], before: int, after: int):
        C, H, W = _image_shape(in_shape, "ChannelPad")
        before, after = int(before), int(after)
        if before < 0 or after < 0:
            raise ValueError(f"ChannelPad needs before, after ≥ 0, got before={before}, after={after}")
        self.before, self.after = before, after
        self._set_shapes((C, H, W), (before + C + after, H, W))
        self.param_shapes = {}

    def __repr__(self):
        return f"ChannelPad({self.in_shape}, before={self.before}, after={self.after})"

    def forward(self, params, H):
        self._check_input(H)
        per = self.in_features // self.in_shape[0]  # H·W rows per channel
        z0 = _zeros(H.shape[:-2] + (self.before * per, H.shape[-1]), H)
        z1 = _zeros(H.shape[:-2] + (self.after * per, H.shape[-1]), H)
        return np.concatenate([z0, H, z1], axis=-2), None

    def vjp(self, params, cache, G):
        return self.vjp_input(params, cache, G), {}

    def vjp_input(self, params, cache, G):
        per = self.in_features // self.in_shape[0]
        start = self.before * per
        return G[..., start:start + self.in_features, :]


class Flatten(_ImageLayer):
    """f(x) = x.flatten() in (C, H, W) order per sample: (C, H, W) -> C·H·W features.

    In this layout (module docstring) images already are batch matrices with features in (c, h, w)
    order, so the data pass through unchanged; the layer marks the boundary between the image layers
    and the dense head, and checks that the widths agree. R8: 20×4×4 -> 320 before BatchNorm1d(320).
    """

    def __init__(self, in_shape: tuple[int, int, int]):
        shape = _image_shape(in_shape, "Flatten")
        self._set_shapes(shape, (int(np.prod(shape)),))
        self.param_shapes = {}

    def __repr__(self):
        return f"Flatten({self.in_shape})"

    def forward(self, params, H):
        self._check_input(H)
        return H, None

    def vjp(self, params, cache, G):
        return G, {}
