"""The skip-mechanism experiment: Jacobian singular values vs finite differences, identical initial
weights across variants, lockstep records, Ctrl-C, and the data sets. Tiny sizes only."""

import numpy as np
import pytest

from numerics.experiments import data as datasets
from numerics.experiments import skip_mechanism as skip
from numerics.experiments.variants import Widths, build_all, default_widths, initial_weights, trial_seed

TINY = Widths(d=5, w1=3, w2=6, K=3)
TINY_POOL = Widths(d=5, w1=6, w2=3, K=3)
FD_STEP = 1e-6
FD_RTOL = 1e-6  # central differences: O(h²) truncation, O(eps/h) round-off ≈ 1e-10 relative


def _tiny_data(n=4, d=5, K=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((d, n)), np.arange(n) % K


def _fd_jacobian(variant, p, X):
    """Central differences of H₀ ↦ F_after_stem(H₀), column by column: (K·N, w1·N)."""
    post, q = variant.post_stem, p[variant.stem_size:]
    H0 = variant.stem_output(p, X)
    cols = []
    for j in range(H0.size):
        e = np.zeros(H0.size)
        e[j] = FD_STEP
        e = e.reshape(H0.shape)
        cols.append((post.forward(q, H0 + e) - post.forward(q, H0 - e)).reshape(-1) / (2 * FD_STEP))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("widths", [TINY, TINY_POOL], ids=["pad", "pool"])
@pytest.mark.parametrize("key", ["a", "b", "c"])
def test_jacobian_and_singular_values_match_finite_differences(widths, key):
    variants = build_all(widths)
    p = initial_weights(variants, seed=3, trials=1)[key][0]
    X, _ = _tiny_data()
    J = variants[key].post_stem_jacobian(p, X)
    J_fd = _fd_jacobian(variants[key], p, X)
    assert J.shape == (widths.K * 4, widths.w1 * 4)
    np.testing.assert_allclose(J, J_fd, rtol=FD_RTOL, atol=FD_RTOL * np.abs(J_fd).max())
    s, s_fd = skip.singular_values(J), np.linalg.svd(J_fd, compute_uv=False)
    np.testing.assert_allclose(s, s_fd, rtol=0, atol=FD_RTOL * s_fd[0])


def test_identical_initial_weights_across_variants():
    variants = build_all(TINY)
    p = initial_weights(variants, seed=7, trials=3)
    # b and c have the same parameters (c adds a fixed map only): identical vectors
    np.testing.assert_array_equal(p["b"], p["c"])
    # a lacks only the projection: every other parameter, layer by layer, is the same array
    da, dc = variants["a"].net.unflatten(p["a"]), variants["c"].net.unflatten(p["c"])
    shared = 0
    for la, lc in zip(da, dc):
        for name, value in la.items():
            np.testing.assert_array_equal(value, lc[name])
            shared += value[0].size
    assert shared == variants["a"].net.num_params
    assert variants["c"].net.num_params - shared == TINY.w1 * TINY.w2  # the projection P
    # same stem output and hence the same Jacobian input point in every variant
    X, _ = _tiny_data()
    H = [variants[k].stem_output(p[k], X) for k in "abc"]
    np.testing.assert_array_equal(H[0], H[1])
    np.testing.assert_array_equal(H[0], H[2])


def test_trials_differ_and_do_not_depend_on_the_number_of_trials():
    variants = build_all(TINY)
    p3, p5 = initial_weights(variants, 0, 3), initial_weights(variants, 0, 5)
    np.testing.assert_array_equal(p3["c"], p5["c"][:3])
    assert not np.array_equal(p5["c"][0], p5["c"][1])
    assert trial_seed(0, 1) != trial_seed(1, 0)


def test_run_records_lockstep_and_matches_a_direct_computation():
    X, y = _tiny_data(n=6, d=64, K=10)
    config = skip.Config(trials=2, steps=2, n=6)
    result = skip.run(config, X=X, y=y)
    assert not result.interrupted and result.completed_steps == 2
    r = min(10, 16) * 6
    for k in "abc":
        assert result.sigmas[k].shape == (2, 3, r) and result.losses[k].shape == (2, 3)
        assert np.all(np.diff(result.sigmas[k], axis=-1) <= 0)  # descending
    # step 0 equals the singular values at the shared initial weights
    variants = build_all(default_widths("pad", d=64))
    p0 = initial_weights(variants, config.seed, 2)
    for k in "abc":
        s0 = np.linalg.svd(variants[k].post_stem_jacobian(p0[k], X), compute_uv=False)
        np.testing.assert_allclose(result.sigmas[k][:, 0], s0, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(result.losses[k][:, 0], variants[k].net.loss(p0[k], X, y, "ce"), rtol=1e-12)
        # one GD step with lr 0.1 lowers the loss at this scale
        assert np.all(result.losses[k][:, 1] < result.losses[k][:, 0])
    summary = result.summary()
    assert summary["trials"] == 2 and summary["steps"] == 2 and len(summary["criteria"]) >= 3


def test_ctrl_c_returns_the_completed_steps():
    X, y = _tiny_data(n=6, d=64, K=10)
    calls = []

    def on_step(variant, step):
        calls.append((variant, step))
        if step == 1 and variant == "b":
            raise KeyboardInterrupt

    result = skip.run(skip.Config(trials=1, steps=5, n=6), on_step=on_step, X=X, y=y)
    assert result.interrupted and result.completed_steps == 0
    assert all(result.sigmas[k].shape[1] == 1 and result.losses[k].shape == (1, 1) for k in "abc")
    assert result.summary()["interrupted"] is True


def test_synthetic_data_is_deterministic_balanced_and_standardised():
    X, y = datasets.synthetic(32, seed=4)
    X2, y2 = datasets.synthetic(32, seed=4)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert X.shape == (64, 32) and y.dtype == np.int64
    assert np.bincount(y, minlength=10).min() == 3
    np.testing.assert_allclose(X.mean(axis=1), 0, atol=1e-12)
    assert not np.array_equal(X, datasets.synthetic(32, seed=5)[0])


def test_digits_without_scikit_learn_is_a_clear_error(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(datasets.MissingExtraError, match=r"pip install \"\.\[data\]\""):
        datasets.load("digits", 32, 0)


def test_digits_subset():
    pytest.importorskip("sklearn")
    X, y = datasets.load("digits", 32, seed=0)
    assert X.shape == (64, 32) and y.shape == (32,) and set(y) <= set(range(10))
    np.testing.assert_array_equal(X, datasets.load("digits", 32, seed=0)[0])


def test_unknown_data_set():
    with pytest.raises(ValueError, match="synthetic, digits"):
        datasets.load("mnist", 32, 0)
