"""Image layers (numerics.layers.conv): derivatives against central finite differences and sympy, forwards
against independent references (scipy's correlate2d, explicit loops, hand formulas), and convolutions that
reduce to dense layers (1×1 kernel; a kernel as large as the image)."""

import zlib

import numpy as np
import pytest
import scipy.signal
import sympy
from derivative_assertions import assert_derivatives_match_fd

from numerics.layers import (
    Activation, AvgPool2d, BatchNorm, BatchNorm2d, ChannelPad, Conv2d, Dense, Flatten, Residual, Scale,
    Sequential, batch_to_images, images_to_batch,
)
from numerics.network import Network

SYMPY_RTOL, SYMPY_ATOL = 1e-9, 1e-11

LAYERS = {
    "conv-3x3": lambda: Conv2d(2, 3, 3, (4, 4)),
    "conv-stride2-pad1": lambda: Conv2d(2, 2, 3, (5, 5), stride=2, padding=1),
    "conv-5x5-pad2-nobias": lambda: Conv2d(1, 2, 5, (4, 3), padding=2, bias=False),
    "conv-1x1-stride3": lambda: Conv2d(2, 3, 1, (4, 4), stride=3),
    "conv-same-pad1": lambda: Conv2d(2, 2, 3, (4, 3), padding=1),  # backward by im2col of the cotangent
    "avgpool2d-2": lambda: AvgPool2d((2, 4, 4), 2),
    "avgpool2d-3-ragged": lambda: AvgPool2d((1, 7, 5), 3),
    "batchnorm2d": lambda: BatchNorm2d((2, 2, 3), eps=0.1),
    "batchnorm2d-affine": lambda: BatchNorm2d((2, 2, 2), eps=1e-3, affine=True),
    "channelpad": lambda: ChannelPad((2, 2, 2), 1, 2),
    "flatten": lambda: Flatten((2, 2, 2)),
    "sequential-pool-pad": lambda: Sequential([AvgPool2d((2, 3, 3), 3), Scale(3.0), ChannelPad((2, 1, 1), 1, 1)]),
    "residual-conv-projection-pool": lambda: Residual(
        [BatchNorm2d((2, 6, 6), 0.1), Activation("tanh"), Conv2d(2, 3, 3, (6, 6), stride=2, padding=1),
         Conv2d(3, 4, 2, (3, 3))],
        shortcut=Conv2d(2, 4, 1, (6, 6), stride=3),
        fixed=Sequential([AvgPool2d((2, 6, 6), 3), Scale(3.0), ChannelPad((2, 2, 2), 1, 1)])),
}


def one_layer_net(layer):
    return Network([layer], d=layer.in_features)


@pytest.mark.parametrize("name", LAYERS)
def test_image_layer_derivatives_match_finite_differences(name):
    assert_derivatives_match_fd(one_layer_net(LAYERS[name]()), seed=zlib.crc32(name.encode()))


@pytest.mark.parametrize("name", LAYERS)
def test_vjp_input_equals_the_input_part_of_vjp(name):
    """The input-only backward pass (used by the R8 Jacobian) is the dH of the full vjp, with extra cotangent axes."""
    layer = LAYERS[name]()
    rng = np.random.default_rng(1)
    lead = (2,)
    params = layer.init(rng, lead)
    H = rng.standard_normal(lead + (layer.in_features, 3))
    out, cache = layer.forward(params, H)
    G = rng.standard_normal((4,) + out.shape)  # 4 cotangents on an extra leading axis
    np.testing.assert_allclose(layer.vjp_input(params, cache, G), layer.vjp(params, cache, G)[0],
                               rtol=1e-14, atol=1e-14)
    assert repr(layer).startswith(type(layer).__name__ + "(")


@pytest.mark.parametrize("stride", [1, 2])
def test_fd_comparison_catches_a_wrong_conv_backward(monkeypatch, stride):
    """Teeth: a backward pass with the kernel flipped the wrong way (convolution for correlation) is caught."""
    layer = Conv2d(1, 2, 3, (5, 5), stride=stride, padding=1)
    right = Conv2d._input_cotangent

    def wrong(self, params, Gm, N):
        return right(self, {**params, "W": params["W"][..., ::-1, ::-1]}, Gm, N)

    monkeypatch.setattr(Conv2d, "_input_cotangent", wrong)
    with pytest.raises(AssertionError):
        assert_derivatives_match_fd(one_layer_net(layer))


@pytest.mark.parametrize("c_in,c_out,k,hw,stride,padding", [
    (5, 5, 5, (12, 12), 1, 2), (5, 20, 3, (12, 12), 2, 1), (20, 20, 3, (6, 6), 1, 0), (2, 3, 4, (7, 9), 2, 1),
    (3, 2, 2, (5, 5), 3, 0), (1, 2, 3, (4, 4), 1, 3),
])
def test_both_transposed_convolution_methods_agree(c_in, c_out, k, hw, stride, padding):
    """The backward pass has three methods (col2im; im2col of the dilated cotangent; row-Toeplitz matmuls for
    stride 1), chosen by speed: all three agree."""
    layer = Conv2d(c_in, c_out, k, hw, stride=stride, padding=padding)
    rng = np.random.default_rng(k * stride)
    params = layer.init(rng, (2,))
    G = rng.standard_normal((3, 2, layer.n_out, 4))
    Gm = layer._gm(G)
    a = layer._input_cotangent_col2im(params, Gm, 4)
    b = layer._input_cotangent_im2col(params, Gm, 4)
    assert a.shape == b.shape == (3, 2, layer.in_features, 4)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    if stride == 1 and padding < k:
        np.testing.assert_allclose(layer._input_cotangent_rows(params, Gm, 4), a, rtol=1e-12, atol=1e-12)
        single = {k_: v[0] for k_, v in params.items()}  # one weight instance, cotangents on extra axes
        np.testing.assert_allclose(layer._input_cotangent_rows(single, Gm, 4),
                                   layer._input_cotangent_col2im(single, Gm, 4), rtol=1e-12, atol=1e-12)
    assert np.max(np.abs(a)) > 0.1


def _reference_conv(x, W, b, stride, padding):
    """scipy.signal.correlate2d per (output, input) channel pair, then strided subsampling: (C_out, H', W')."""
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    out = np.stack([sum(scipy.signal.correlate2d(xp[c], W[o, c], mode="valid") for c in range(x.shape[0]))
                    for o in range(W.shape[0])])
    return out[:, ::stride, ::stride] + b[:, None, None]


@pytest.mark.parametrize("c_in,c_out,k,hw,stride,padding", [
    (1, 5, 5, (28, 28), 1, 0), (5, 5, 5, (12, 12), 1, 2), (5, 20, 3, (12, 12), 2, 1), (20, 20, 3, (6, 6), 1, 0),
    (5, 20, 1, (12, 12), 3, 0), (2, 3, 4, (7, 9), 2, 1),
])
def test_conv_forward_matches_scipy_correlate2d(c_in, c_out, k, hw, stride, padding):
    """The authors' shapes (stem, block 1, block 2, projection) and a ragged one, against scipy."""
    layer = Conv2d(c_in, c_out, k, hw, stride=stride, padding=padding)
    rng = np.random.default_rng(k + c_out)
    p = layer.init(rng)
    imgs = rng.standard_normal((3, c_in) + hw)  # (N, C, H, W)
    out = batch_to_images(layer.forward(p, images_to_batch(imgs))[0], layer.out_shape)
    ref = np.stack([_reference_conv(img, p["W"], p["b"], stride, padding) for img in imgs])
    assert out.shape == ref.shape == (3,) + layer.out_shape
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)


def test_conv_init_is_pytorch_default_uniform():
    """W, b ~ U(±1/√fan_in), fan_in = C_in·k²: within the bound, and filling it (not a narrower law)."""
    layer = Conv2d(5, 20, 3, (12, 12), stride=2, padding=1)
    p = layer.init(np.random.default_rng(0), (200,))
    bound = 1 / np.sqrt(45)
    for a in (p["W"], p["b"]):
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.99 * bound
        np.testing.assert_allclose(np.var(a), bound**2 / 3, rtol=0.05)  # variance of U(−a, a) is a²/3
    d = Dense(320, 10, init="torch").init(np.random.default_rng(1), (50,))
    assert np.abs(d["W"]).max() <= 1 / np.sqrt(320) and np.abs(d["b"]).max() > 0.9 / np.sqrt(320)


def test_one_by_one_conv_is_a_dense_layer_per_pixel():
    """Conv2d(C_in, C_out, 1) = Dense(C_in, C_out) on every pixel: forward, D_p F and D_X F."""
    conv = Network([Conv2d(3, 2, 1, (1, 1))])
    dense = Network([Dense(3, 2)])
    rng = np.random.default_rng(2)
    p, X = conv.init(3), rng.standard_normal((3, 4))  # a 1×1 image: the batch matrix is (C, N)
    for f in ("forward", "param_jacobian", "input_jacobian"):
        np.testing.assert_allclose(getattr(conv, f)(p, X), getattr(dense, f)(p, X), rtol=1e-14, atol=1e-14)
    big = Conv2d(3, 2, 1, (2, 3))
    imgs = rng.standard_normal((4, 3, 2, 3))
    out = batch_to_images(big.forward(conv.unflatten(p)[0], images_to_batch(imgs))[0], (2, 2, 3))
    W, b = conv.unflatten(p)[0]["W"][:, :, 0, 0], conv.unflatten(p)[0]["b"]
    np.testing.assert_allclose(out, np.einsum("oc,nchw->nohw", W, imgs) + b[:, None, None], rtol=1e-14, atol=1e-14)


def test_full_size_kernel_conv_is_a_dense_layer_on_the_flattened_image():
    """Conv2d(C, K, k = H = W) without padding = Dense(C·H·W, K) with W reshaped: values and all derivatives."""
    conv = Network([Conv2d(2, 3, 3, (3, 3))])
    dense = Network([Dense(18, 3)])
    rng = np.random.default_rng(4)
    p, X = conv.init(5), rng.standard_normal((18, 5))
    labels = rng.integers(0, 3, 5)
    for f in ("forward", "param_jacobian", "input_jacobian"):
        np.testing.assert_allclose(getattr(conv, f)(p, X), getattr(dense, f)(p, X), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(conv.grad(p, X, labels), dense.grad(p, X, labels), rtol=1e-13, atol=1e-14)


def test_avgpool2d_matches_a_loop_and_k_times_it_has_orthonormal_rows():
    layer = AvgPool2d((2, 7, 6), 3)
    imgs = np.random.default_rng(6).standard_normal((3, 2, 7, 6))
    out = batch_to_images(layer.forward({}, images_to_batch(imgs))[0], layer.out_shape)
    ref = np.array([[[[imgs[n, c, 3 * i:3 * i + 3, 3 * j:3 * j + 3].mean() for j in range(2)] for i in range(2)]
                     for c in range(2)] for n in range(3)])
    np.testing.assert_allclose(out, ref, rtol=1e-14)
    M = 3 * Network([layer]).input_jacobian(np.zeros(0), np.zeros((layer.in_features, 1)))
    np.testing.assert_allclose(M @ M.T, np.eye(layer.n_out), atol=1e-14)


def test_r8_fixed_path_is_a_partial_isometry_with_unit_singular_values():
    """R8 (c): ChannelPad(7, 8) ∘ 3·AvgPool2d(3) on 5×12×12: 80 singular values exactly 1, the rest 0."""
    fixed = Sequential([AvgPool2d((5, 12, 12), 3), Scale(3.0), ChannelPad((5, 4, 4), 7, 8)])
    M = Network([fixed]).input_jacobian(np.zeros(0), np.zeros((720, 1)))
    assert M.shape == (320, 720)
    s = np.linalg.svd(M, compute_uv=False)
    np.testing.assert_allclose(s[:80], 1.0, atol=1e-14)
    np.testing.assert_allclose(s[80:], 0.0, atol=1e-14)
    x = np.random.default_rng(7).standard_normal((720, 2))
    out = Network([fixed]).forward(np.zeros(0), x).reshape(20, 4, 4, 2)
    assert np.all(out[:7] == 0) and np.all(out[12:] == 0) and np.any(out[7:12] != 0)


def test_batchnorm2d_normalises_each_channel_over_samples_and_pixels():
    """Per channel, over N·H·W values: mean 0 and mean square var/(var + ε) (biased var); equals BatchNorm on
    the (C, N·H·W) rearrangement — and differs from per-pixel BatchNorm (the statistics are really pooled)."""
    rng = np.random.default_rng(8)
    imgs = rng.standard_normal((4, 3, 2, 5)) * np.array([1e-2, 1.0, 30.0])[None, :, None, None] + 2.0
    layer = BatchNorm2d((3, 2, 5), eps=1e-5)
    out = batch_to_images(layer.forward({}, images_to_batch(imgs))[0], (3, 2, 5))
    var = imgs.var(axis=(0, 2, 3))
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose((out**2).mean(axis=(0, 2, 3)), var / (var + 1e-5), rtol=1e-12)
    pooled = np.moveaxis(imgs, 1, 0).reshape(3, -1)
    ref = (pooled - pooled.mean(1, keepdims=True)) / np.sqrt(pooled.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(np.moveaxis(out, 1, 0).reshape(3, -1), ref, rtol=1e-12, atol=1e-12)
    per_pixel = BatchNorm(30).forward({}, images_to_batch(imgs))[0]
    assert np.max(np.abs(per_pixel - images_to_batch(out))) > 0.1


def test_flatten_is_pytorch_flatten_in_chw_order():
    imgs = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)  # (N, C, H, W)
    X = images_to_batch(imgs)
    out = Flatten((3, 2, 2)).forward({}, X)[0]
    np.testing.assert_array_equal(out.T, imgs.reshape(2, -1))  # column n = x[n].flatten()
    np.testing.assert_array_equal(batch_to_images(X, (3, 2, 2)), imgs)


TINY = {
    "conv-pad-stride": lambda: Network([Conv2d(1, 2, 2, (3, 3), stride=2, padding=1), Activation("tanh"),
                                        Flatten((2, 2, 2)), Dense(8, 2)]),
    "bn2d-pool-pad": lambda: Network([Conv2d(1, 1, 2, (3, 3), bias=False), BatchNorm2d((1, 2, 2), 0.5),
                                      AvgPool2d((1, 2, 2), 2), ChannelPad((1, 1, 1), 1, 0), Flatten((2, 1, 1)),
                                      Dense(2, 2)]),
}


@pytest.mark.parametrize("name", TINY)
def test_conv_derivatives_equal_sympy_diff(name):
    """Symbolic p (and, without batch norm, symbolic X): sympy's Jacobian of the symbolic forward against
    our D_pF and D_XF (the gradient is D_pFᵀ∇C, checked against sympy in test_network_sympy) (BN2d's D_X is covered by finite differences: symbolic X makes sympy too slow)."""
    net = TINY[name]()
    P, d, N = net.num_params, net.in_features, 2
    ps = np.array(sympy.symbols(f"p0:{P}", real=True), dtype=object)
    xs = np.array(sympy.symbols(f"x0:{d * N}", real=True), dtype=object).reshape(d, N)
    rng = np.random.default_rng(len(name))
    p, X = rng.standard_normal(P), rng.standard_normal((d, N))
    zflat = sympy.Matrix(list(net.forward(ps, X).reshape(-1)))
    Z_ref, Jp_ref = sympy.lambdify(list(ps), [zflat, zflat.jacobian(list(ps))], "numpy")(*p)
    close = dict(rtol=SYMPY_RTOL, atol=SYMPY_ATOL)
    np.testing.assert_allclose(net.forward(p, X).reshape(-1), np.asarray(Z_ref, float).reshape(-1), **close)
    np.testing.assert_allclose(net.param_jacobian(p, X), np.asarray(Jp_ref, float), **close)
    if any(isinstance(layer, BatchNorm2d) for layer in net.layers):
        return
    zx = sympy.Matrix(list(net.forward(p, xs).reshape(-1)))
    JX_ref = sympy.lambdify(list(xs.reshape(-1)), zx.jacobian(list(xs.reshape(-1))), "numpy")(*X.reshape(-1))
    np.testing.assert_allclose(net.input_jacobian(p, X), np.asarray(JX_ref, float), **close)


@pytest.mark.parametrize("bad", [
    lambda: Conv2d(0, 2, 3, (4, 4)), lambda: Conv2d(1, 2, 5, (4, 4)), lambda: Conv2d(1, 2, 3, (4, 4), stride=0),
    lambda: Conv2d(1, 2, 3, (4, 4), padding=-1), lambda: AvgPool2d((1, 2, 2), 3), lambda: BatchNorm2d((0, 2, 2)),
    lambda: ChannelPad((2, 2, 2), -1, 0), lambda: Flatten((2, 2)), lambda: Dense(2, 2, init="xavier"),
    lambda: Sequential([]), lambda: Sequential([Conv2d(1, 2, 3, (4, 4)), Flatten((2, 3, 3))]),
    lambda: batch_to_images(np.zeros((5, 2)), (1, 2, 2)),
])
def test_bad_image_layer_construction_raises_value_error(bad):
    with pytest.raises(ValueError):
        bad()


def test_image_layer_rejects_wrong_input_width():
    with pytest.raises(ValueError, match="expects 16 input features"):
        Conv2d(1, 1, 3, (4, 4)).forward({"W": np.zeros((1, 1, 3, 3)), "b": np.zeros(1)}, np.zeros((15, 2)))
