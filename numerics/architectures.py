"""Networks the results talk about: the R7 residual net, its no-skip control, and the R8 experiment variants."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from numerics.layers import (
    Activation, AvgPool, AvgPool2d, BatchNorm, BatchNorm2d, ChannelPad, Conv2d, Dense, Flatten, Residual, Scale,
    Sequential, WeightNormDense, ZeroPad,
)
from numerics.network import Network


def _alphas(alpha, blocks: int) -> list:
    if isinstance(alpha, Sequence) or np.ndim(alpha) == 1:
        alphas = list(alpha)
        if len(alphas) != blocks:
            raise ValueError(f"alpha has {len(alphas)} entries but there are blocks = {blocks} residual blocks")
        return alphas
    return [alpha] * blocks


def _r7_branch(K: int, m: int, alpha, eps: float, activation: str) -> list:
    return [BatchNorm(K, eps), WeightNormDense(K, m), Activation(activation), WeightNormDense(m, K), Scale(alpha)]


def _check_r7(d, K, m, blocks, eps, alpha=1.0):
    """ValueError naming the first bad argument: sizes are whole numbers (2.5 is not silently 2), ε, α finite."""
    for name, v, low in (("d", d, 1), ("K", K, 1), ("m", m, 1), ("blocks", blocks, 0)):
        if not (isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= low):
            raise ValueError(f"{name} must be a whole number ≥ {low}, got {name}={v!r}")
    if not (isinstance(eps, (int, float, np.floating)) and np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be > 0 and finite (batch norm), got eps={eps!r}")
    if not np.all(np.isfinite(np.asarray(alpha, dtype=float))):
        raise ValueError(f"alpha must be finite, got alpha={alpha!r}")


def residual_ce_net(d: int, K: int, m: int, blocks: int, alpha, eps: float, activation: str = "tanh") -> Network:
    """F(p) = R_L ∘ … ∘ R_2 (V X), R_k(H) = H + α_k Ŵ_{k,2} σ(Ŵ_{k,1} BN_ε(H)) — the R7 network.

    V ∈ ℝ^{K×d} (Dense without bias), Ŵ_{k,1} ∈ ℝ^{m×K}, Ŵ_{k,2} ∈ ℝ^{K×m} weight-normalised row-wise;
    alpha a scalar or one value per block. Layers: [Dense(d, K, bias=False), Residual(branch_k) …];
    parameter order V, then per block branch.1.W (Ŵ₁), branch.3.W (Ŵ₂). X (d, N) -> Z (K, N).
    docs/theory.md#r7 (ce-global-convergence); c_k = α_k √(mK) sup|σ′| / √ε must be < 1 for its hypotheses.
    """
    _check_r7(d, K, m, blocks, eps, alpha)
    alphas = _alphas(alpha, blocks)
    layers = [Dense(d, K, bias=False)] + [Residual(_r7_branch(K, m, a, eps, activation)) for a in alphas]
    net = Network(layers, description=f"residual_ce_net(d={d}, K={K}, m={m}, blocks={blocks}, alpha={alpha!r}, "
                                      f"eps={eps!r}, activation={activation!r})")
    net.architecture = dict(kind="residual", d=d, K=K, m=m, blocks=blocks, alphas=alphas, eps=eps, activation=activation)
    return net


def chain_ce_net(d: int, K: int, m: int, blocks: int, alpha, eps: float, activation: str = "tanh") -> Network:
    """F(p) = g_L ∘ … ∘ g_2 (V X), g_k(H) = α_k Ŵ_{k,2} σ(Ŵ_{k,1} BN_ε(H)) — R7's net without identity shortcuts.

    The same layers and the same flat parameter layout as residual_ce_net (each block is
    Residual(branch, skip=False)), so one p evaluates both; per-block layer Jacobians are D_H g_k.
    Negative control for R3/R4/R7: σ_min(D_H g_k) can be 0, so the μ₀ bound collapses.
    """
    _check_r7(d, K, m, blocks, eps, alpha)
    alphas = _alphas(alpha, blocks)
    layers = [Dense(d, K, bias=False)] + [Residual(_r7_branch(K, m, a, eps, activation), skip=False) for a in alphas]
    net = Network(layers, description=f"chain_ce_net(d={d}, K={K}, m={m}, blocks={blocks}, alpha={alpha!r}, "
                                      f"eps={eps!r}, activation={activation!r})")
    net.architecture = dict(kind="chain", d=d, K=K, m=m, blocks=blocks, alphas=alphas, eps=eps, activation=activation)
    return net


SKIP_VARIANTS = ("a", "b", "c")  # (a) no skips, (b) projection shortcut, (c) projection + fixed isometry


def skip_mechanism_net(variant: str, d: int, K: int, width: int, width2: int, eps: float = 1e-5,
                       activation: str = "relu") -> Network:
    """Dense analogue of the authors' MNIST net (docs/theory.md#experiments), R8 variant (a), (b) or (c).

    stem Dense(d, w) → pre-activation block [BN, σ, Dense(w, w), BN, σ, Dense(w, w)] (+ identity in b, c)
    → width-changing block [BN, σ, Dense(w, w2), BN, σ, Dense(w2, w2)] with shortcut (a) none,
    (b) Dense(w, w2, bias=False), (c) that projection + ZeroPad(w, w2) if w2 > w, else √s·AvgPool_s
    (w = s·w2; the identity when w = w2) → BN(w2) → σ → Dense(w2, K). Parameter names agree across variants (use share_params to
    start all three from the same weights). The R8 Jacobian is that of layers[1:] w.r.t. the stem output.
    """
    if variant not in SKIP_VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: use one of {', '.join(SKIP_VARIANTS)}")
    w, w2 = int(width), int(width2)
    if w2 != w and w2 < w and w % w2:
        raise ValueError(f"narrowing needs width divisible by width2 (√s·AvgPool_s), got {w} and {w2}")
    skip = variant != "a"

    def pre(n_in, n_out):
        return [BatchNorm(n_in, eps), Activation(activation), Dense(n_in, n_out),
                BatchNorm(n_out, eps), Activation(activation), Dense(n_out, n_out)]

    if variant == "a":
        block2 = Residual(pre(w, w2), skip=False)
    else:
        fixed = None
        if variant == "c":
            # equal widths: AvgPool_1 is the identity, the trivial isometry
            fixed = ZeroPad(w, w2) if w2 > w else AvgPool(w, w // w2)
        shortcut = Dense(w, w2, bias=False)
        block2 = Residual(pre(w, w2), shortcut=shortcut, fixed=fixed)
    layers = [Dense(d, w), Residual(pre(w, w), skip=skip), block2,
              BatchNorm(w2, eps), Activation(activation), Dense(w2, K)]
    net = Network(layers, description=f"skip_mechanism_net({variant!r}, d={d}, K={K}, width={w}, width2={w2})")
    net.architecture = dict(kind=f"skip-{variant}", d=d, K=K, width=w, width2=w2, eps=eps, activation=activation)
    return net


CONV_INPUT = (1, 28, 28)  # the authors' MNIST images (C, H, W)


def conv_skip_mechanism_net(variant: str, eps: float = 1e-5) -> Network:
    """The authors' small pre-activation ResNet for MNIST (1×28×28 -> 10 logits), R8 variant (a), (b) or (c).

        0 stem    Sequential[Conv2d(1→5, 5×5, bias), AvgPool2d(2)]                    1×28×28 -> 5×12×12
        1 block1  [BN2d → ReLU → Conv2d(5→5, 5×5, pad 2) → BN2d → ReLU → Conv2d(5→5, 5×5, pad 2)] + x
        2-3       u = ReLU(BN2d(x))
        4 block2  [Conv2d(5→20, 3×3, stride 2, pad 1) → BN2d → ReLU → Conv2d(20→20, 3×3)]    -> 20×4×4
                  + shortcut(u): (a) none, (b) Conv2d(5→20, 1×1, stride 3),
                  (c) that projection + ChannelPad(7 before, 8 after)(3·AvgPool2d(3)(u))
        5-8 head  Flatten (C, H, W order, 320) → BatchNorm1d(320) → ReLU → Linear(320→10)

    Variant (a) also drops block 1's identity. Batch norm in training mode, affine-free (γ = 1, β = 0 fixed),
    biased variance, ε = eps; every convolution and the linear layer have biases; init is PyTorch's default
    U(±1/√fan_in). Parameter names agree across variants: variant (c) has every parameter, and share_params
    copies them to (a) and (b). Input: batch matrices (784, N) of 1×28×28 images (numerics.layers.conv).
    The R8 Jacobian is that of layers[1:] w.r.t. the stem output (5·12·12 = 720 features per sample).
    """
    if variant not in SKIP_VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: use one of {', '.join(SKIP_VARIANTS)}")
    if not eps > 0:
        raise ValueError(f"eps must be > 0 (batch norm), got eps={eps!r}")
    relu = Activation("relu")
    stem = Sequential([Conv2d(1, 5, 5, (28, 28)), AvgPool2d((5, 24, 24), 2)])
    s12 = (5, 12, 12)
    block1 = Residual([BatchNorm2d(s12, eps), relu, Conv2d(5, 5, 5, (12, 12), padding=2),
                       BatchNorm2d(s12, eps), relu, Conv2d(5, 5, 5, (12, 12), padding=2)], skip=variant != "a")
    branch2 = [Conv2d(5, 20, 3, (12, 12), stride=2, padding=1), BatchNorm2d((20, 6, 6), eps), relu,
               Conv2d(20, 20, 3, (6, 6))]
    if variant == "a":
        block2 = Residual(branch2, skip=False)
    else:
        fixed = None
        if variant == "c":  # 3·AvgPool2d(3) has orthonormal rows; zero channels embed isometrically
            fixed = Sequential([AvgPool2d(s12, 3), Scale(3), ChannelPad((5, 4, 4), 7, 8)])
        block2 = Residual(branch2, shortcut=Conv2d(5, 20, 1, (12, 12), stride=3), fixed=fixed)
    layers = [stem, block1, BatchNorm2d(s12, eps), relu, block2, Flatten((20, 4, 4)), BatchNorm(320, eps), relu,
              Dense(320, 10, init="torch")]
    net = Network(layers, description=f"conv_skip_mechanism_net({variant!r}, eps={eps!r})")
    net.architecture = dict(kind=f"conv-skip-{variant}", input=CONV_INPUT, eps=eps)
    return net


def share_params(p_src, src: Network, dst: Network) -> np.ndarray:
    """dst's parameters copied by name (layer index, key) from src's p_src (..., P_src) -> (..., P_dst).

    Raises ValueError naming any parameter dst has and src lacks (or whose shape differs).
    """
    src_dicts = src.unflatten(p_src)
    out = []
    for i, layer in enumerate(dst.layers):
        d = {}
        for name, shape in layer.param_shapes.items():
            if i >= len(src_dicts) or name not in src_dicts[i]:
                raise ValueError(f"source network has no parameter {name!r} in layer {i} ({layer!r})")
            d[name] = src_dicts[i][name]
            if d[name].shape[d[name].ndim - len(shape):] != tuple(shape):
                raise ValueError(f"parameter {name!r} of layer {i}: shape {d[name].shape} does not end in {shape}")
        out.append(d)
    return np.array(dst.flatten(out))
