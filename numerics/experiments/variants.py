"""F_v = head ∘ block2_v ∘ block1_v ∘ stem, v ∈ {a, b, c}: the dense analogue of the authors' MNIST net.

    stem    Dense(d → w1)
    block1  [BN → ReLU → Dense(w1→w1) → BN → ReLU → Dense(w1→w1)]  + identity      ((a): no identity)
    block2  [BN → ReLU → Dense(w1→w2) → BN → ReLU → Dense(w2→w2)]  + shortcut_v(H)
            shortcut_a = none, shortcut_b = P H (learned projection, no bias),
            shortcut_c = P H + E H with E a fixed isometry (ZeroPad when w2 > w1, √s·AvgPool_s when w1 = s·w2)
    head    BN(w2) → ReLU → Dense(w2 → K)

Shapes: X (d, N) -> Z (K, N); the post-stem Jacobian J is (K·N, w1·N). docs/theory.md#experiments, docs/theory.md#r8.
The networks are numerics.architectures.skip_mechanism_net; identical initial weights come from drawing
variant (c) (which has every parameter) and copying by (layer, name) with architectures.share_params.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numerics.architectures import share_params, skip_mechanism_net
from numerics.network import Network

VARIANT_KEYS = ("a", "b", "c")
BN_EPS = 1e-5  # the PyTorch BatchNorm default the authors used
FIXED_MAPS = ("pad", "pool")


@dataclass(frozen=True)
class Widths:
    """d input features, w1 stem/block1 width, w2 block2 width, K classes."""

    d: int = 64
    w1: int = 16
    w2: int = 32
    K: int = 10


def default_widths(fixed: str = "pad", d: int = 64, K: int = 10) -> Widths:
    """pad: w1 = 16 → w2 = 32 (ZeroPad); pool: w1 = 64 → w2 = 32 (√2·AvgPool_2).

    Why these: J has K·N = 320 rows, so w1·N ≥ 320; and the head's BN→ReLU (w2 wide, shared by all
    variants) keeps only about half of its w2·N entries active, which caps the rank of J at ≈ w2·N/2 in
    every variant: w2 = 32 leaves ≈ 512 > 320, w2 = 16 would cap all three variants at ≈ 256 alike.
    """
    if fixed == "pad":
        return Widths(d, 16, 32, K)
    if fixed == "pool":
        return Widths(d, 64, 32, K)
    raise ValueError(f"unknown fixed map {fixed!r}: use one of {', '.join(FIXED_MAPS)}")


@dataclass
class Variant:
    """One variant: its Network and its post-stem sub-network (layers[1:], the same parameters minus the stem)."""

    key: str
    net: Network
    post_stem: Network

    @property
    def stem_size(self) -> int:
        return self.net.param_slices[0].stop

    def stem_output(self, p, X):
        """H₀ = stem(X): (..., w1, N)."""
        return self.net.layers[0].forward(self.net.unflatten(p)[0], X)[0]

    def post_stem_jacobian(self, p, X):
        """J = D_{H₀}(F after the stem) at H₀ = stem(X): (..., K·N, w1·N), C order of Z and H₀."""
        return self.post_stem.input_jacobian(np.asarray(p)[..., self.stem_size:], self.stem_output(p, X))


def build(key: str, widths: Widths = Widths()) -> Variant:
    """Variant ``key`` ∈ {"a", "b", "c"} at the given widths."""
    net = skip_mechanism_net(key, widths.d, widths.K, widths.w1, widths.w2, eps=BN_EPS, activation="relu")
    return Variant(key, net, Network(net.layers[1:]))


def build_all(widths: Widths = Widths()) -> dict[str, Variant]:
    return {k: build(k, widths) for k in VARIANT_KEYS}


def trial_seed(seed: int, trial: int) -> int:
    """An independent 32-bit seed for trial ``trial`` (the same whatever the number of trials)."""
    return int(np.random.SeedSequence([seed, trial]).generate_state(1)[0])


def initial_weights(variants: dict[str, Variant], seed: int, trials) -> dict[str, np.ndarray]:
    """p_v of shape (T, P_v): trial t draws variant (c) with trial_seed(seed, t) and copies it by name.

    ``trials``: a count T (trials 0 … T−1) or a sequence of trial indices (a subset of a run's trials,
    with the same weights as in the whole run).
    """
    full = variants["c"]
    ids = range(trials) if isinstance(trials, (int, np.integer)) else trials
    p_c = np.stack([full.net.init(trial_seed(seed, int(t))) for t in ids])
    return {k: (p_c.copy() if k == "c" else share_params(p_c, full.net, v.net)) for k, v in variants.items()}
