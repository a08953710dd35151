"""X ∈ ℝ^{d×N}, y ∈ {0,…,9}^N: the N training images of the skip-mechanism experiment (docs/theory.md#experiments).

Shapes: X is ``(d, N)`` float64 (samples are columns), y is ``(N,)`` int64.

* ``synthetic`` (default, no extra needed): 10 Gaussian class centres in ℝ^64 with unit-variance noise,
  labels balanced (i mod 10, shuffled), features standardised over the batch.
* ``digits`` (the ``data`` extra): N images drawn without replacement from scikit-learn's bundled 8×8
  digits (1797 images, ``sklearn.datasets.load_digits``, no download), pixels scaled to [0, 1] and then
  standardised over the batch like the synthetic data.

Both are fully determined by ``seed``.
"""

from __future__ import annotations

import numpy as np

DATASETS = ("synthetic", "digits")
NUM_CLASSES = 10
DIGITS_DIM = 64


class MissingExtraError(RuntimeError):
    """An optional dependency is not installed; the message says which extra to install."""


def _standardise(X: np.ndarray) -> np.ndarray:
    """Per-feature zero mean, unit variance over the batch (constant features stay 0)."""
    mu = X.mean(axis=-1, keepdims=True)
    sd = X.std(axis=-1, keepdims=True)
    return (X - mu) / np.where(sd > 0, sd, 1.0)


def synthetic(n: int, seed: int, d: int = DIGITS_DIM, classes: int = NUM_CLASSES,
              separation: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """x_i = separation·μ_{y_i} + ε_i with μ_k, ε_i ~ N(0, I_d); returns (X (d, n), y (n,))."""
    rng = np.random.default_rng([seed, 0x5EED])
    means = rng.standard_normal((classes, d))
    y = rng.permutation(np.arange(n) % classes).astype(np.int64)
    X = separation * means[y] + rng.standard_normal((n, d))
    return _standardise(X.T.astype(np.float64)), y


def load_digits_subset(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n of scikit-learn's 1797 bundled 8×8 digits, chosen by ``seed``; returns (X (64, n), y (n,))."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise MissingExtraError(
            "--data digits needs scikit-learn, which is not installed: "
            "run `pip install \".[data]\"` (or `pip install scikit-learn`), or use --data synthetic"
        ) from None
    bunch = load_digits()
    images, labels = np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.int64)
    if not 1 <= n <= len(labels):
        raise ValueError(f"N = {n} images requested, the digits data set has {len(labels)}")
    idx = np.random.default_rng([seed, 0xD161]).choice(len(labels), size=n, replace=False)
    return _standardise(images[idx].T / 16.0), labels[idx]


def _digits(n: int, seed: int):
    """(images (n, 8, 8) in 0…16, labels, indices): the same n digits as load_digits_subset for this seed."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise MissingExtraError(
            "the digits data need scikit-learn, which is not installed: "
            "run `pip install \".[data]\"` (or `pip install scikit-learn`)"
        ) from None
    bunch = load_digits()
    labels = np.asarray(bunch.target, dtype=np.int64)
    if not 1 <= n <= len(labels):
        raise ValueError(f"N = {n} images requested, the digits data set has {len(labels)}")
    idx = np.random.default_rng([seed, 0xD161]).choice(len(labels), size=n, replace=False)
    return np.asarray(bunch.images, dtype=np.float64)[idx], labels[idx]


MNIST_LIKE_SIDE = 28


def load_digits_28(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n digits made MNIST-like: each 8×8 image upsampled by a 3×3 block (np.kron) to 24×24, zero-padded by 2
    to 28×28, pixels /16 into [0, 1] (not standardised). Returns (X (784, n), y (n,)): the batch matrix of
    1×28×28 images (numerics.layers.conv layout). The same n images as load_digits_subset(n, seed)."""
    images, labels = _digits(n, seed)
    big = np.stack([np.pad(np.kron(img, np.ones((3, 3))), 2) for img in images]) / 16.0  # (n, 28, 28)
    return np.ascontiguousarray(big.reshape(n, -1).T), labels


def load(name: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The data set ``name`` ∈ DATASETS with n samples; raises MissingExtraError / ValueError."""
    if name == "synthetic":
        return synthetic(n, seed)
    if name == "digits":
        return load_digits_subset(n, seed)
    raise ValueError(f"unknown data set {name!r}: use one of {', '.join(DATASETS)}")
