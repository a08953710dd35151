"""The conv R8 run: the chunked post-stem Jacobian, its singular values, the data, the report's counting."""

import numpy as np
import pytest

from numerics.experiments import conv_report, conv_skip
from numerics.experiments.data import load_digits_28, load_digits_subset
from numerics.experiments.variants import initial_weights


@pytest.fixture(scope="module")
def variants():
    return conv_skip.build_conv_variants()


@pytest.mark.parametrize("key", ["a", "c"])
def test_chunked_jacobian_equals_the_network_input_jacobian(variants, key):
    """Chunks of 7 cotangents (not a divisor of K·N = 20) through vjp_input = the one-pass D_X of Network."""
    X, y = load_digits_28(2, 0)
    p = initial_weights(variants, 3, 2)[key]  # two trials on the instance axis
    v = variants[key]
    J = conv_skip.post_stem_jacobian(v, p, X, chunk=7)
    ref = v.post_stem.input_jacobian(p[..., v.stem_size:], v.stem_output(p, X))
    assert J.shape == ref.shape == (2, 20, 720 * 2)
    np.testing.assert_allclose(J, ref, rtol=1e-12, atol=1e-13)


def test_singular_values_match_lapack_also_when_ill_conditioned():
    """Gram eigenvalues for well-conditioned spectra; the QR fallback keeps tiny singular values exact."""
    rng = np.random.default_rng(0)
    U, _ = np.linalg.qr(rng.standard_normal((30, 30)))
    V, _ = np.linalg.qr(rng.standard_normal((200, 30)))
    for spectrum in (np.linspace(1.0, 2.0, 30), np.geomspace(1e-10, 1.0, 30)):
        J = (U * spectrum) @ V.T
        s = conv_skip.singular_values(J[None])[0]
        np.testing.assert_allclose(s, np.sort(spectrum)[::-1], rtol=1e-6, atol=1e-15)
    with pytest.raises(FloatingPointError):
        conv_skip.singular_values(np.full((1, 2, 3), np.nan))


def test_jacobian_steps_parse_and_defaults():
    assert conv_skip.parse_jacobian_steps("0-9,30") == tuple(range(10)) + (30,)
    assert conv_skip.parse_jacobian_steps("none") == ()
    assert conv_skip.default_jacobian_steps(30) == tuple(range(10)) + (30,)
    assert conv_skip.default_jacobian_steps(3) == (0, 1, 2, 3)
    assert conv_skip.quick_jacobian_steps(30) == (0, 30)
    for bad in ("x", "3-1", "-2", "1,,2"):
        with pytest.raises(ValueError):
            conv_skip.parse_jacobian_steps(bad)
    with pytest.raises(ValueError, match="beyond"):
        conv_skip.ConvConfig(steps=5, jacobian_steps=(0, 6))


def test_digits_are_made_mnist_like():
    """8×8 digits → 3×3 blocks (24×24) → 2 zero pixels of border (28×28) → /16; the dense run's images."""
    X, y = load_digits_28(5, 1)
    X64, y64 = load_digits_subset(5, 1)
    np.testing.assert_array_equal(y, y64)
    imgs = X.T.reshape(5, 28, 28)
    assert X.shape == (784, 5) and imgs.min() == 0 and imgs.max() <= 1
    assert np.all(imgs[:, :2] == 0) and np.all(imgs[:, -2:] == 0) and np.all(imgs[:, :, :2] == 0)
    small = imgs[:, 2:26:3, 2:26:3]  # one pixel per block
    np.testing.assert_array_equal(np.kron(small[0], np.ones((3, 3))), imgs[0, 2:26, 2:26])
    from sklearn.datasets import load_digits
    raw = load_digits().images
    assert any(np.array_equal(small[0] * 16, r) for r in raw[:1797])


def test_tiny_run_records_losses_and_spectra(variants):
    X, y = load_digits_28(4, 0)
    cfg = conv_skip.ConvConfig(n=4, trials=2, steps=2, jacobian_steps=(0, 2))
    res = conv_skip.run(cfg, X, y)
    assert res.completed_steps == 2 and not res.interrupted and res.recorded_jacobian_steps == (0, 2)
    p0 = initial_weights(variants, 0, 2)
    for k in "abc":
        assert res.losses[k].shape == (2, 3) and res.sigmas[k].shape == (2, 2, 40)
        np.testing.assert_allclose(res.losses[k][:, 0], variants[k].net.loss(p0[k], X, y), rtol=1e-13)
        assert np.all(res.losses[k][:, -1] < res.losses[k][:, 0])
        assert np.all(np.diff(res.sigmas[k], axis=-1) <= 1e-12)  # descending
    s = conv_report.summarise(res.losses, res.sigmas, res.recorded_jacobian_steps)
    assert [r["at"] for r in s["wins"]["rows"]] == ["step 2", "whole curve"]
    assert "Finding." in conv_report.markdown(s)


def _fake(T=8, S=30, shift=0.0, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    base = np.exp(-np.arange(S + 1) / 10.0)[None] * (1 + 0.1 * rng.standard_normal((T, 1)))
    out = {"a": base + 0.2, "b": base.copy(), "c": base + shift + noise * rng.standard_normal((T, S + 1))}
    return out


def test_win_counts_and_the_verdict_can_go_every_way():
    """c below b by a clear margin: HELD; above: DID NOT HOLD; pure noise: NOT RESOLVED."""
    held = conv_report.compare_losses(_fake(shift=-0.05))
    assert held["speed"] == "HELD" and all(r["c<b"] == 8 and r["b<a"] == 8 for r in held["rows"])
    assert [r["at"] for r in held["rows"]] == ["step 10", "step 20", "step 30", "whole curve"]
    worse = conv_report.compare_losses(_fake(shift=+0.05))
    assert worse["speed"] == "DID NOT HOLD" and all(r["c<b"] == 0 for r in worse["rows"])
    noise = conv_report.compare_losses(_fake(noise=0.05, seed=3))
    assert noise["speed"] == "NOT RESOLVED" and 0 < noise["rows"][-1]["c<b"] < 8


def test_sigma_stats():
    st = conv_report.sigma_stats(np.array([[4.0, 3.0, 2.0, 1.0, 0.5]]))
    assert st["min"][0] == 0.5 and st["max"][0] == 4.0 and st["median"][0] == 2.0 and st["min/max"][0] == 0.125
