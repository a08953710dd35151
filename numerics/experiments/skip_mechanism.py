"""σ(J_t) and ℓ(p_t) along p_{t+1} = p_t − η ∇ℓ(p_t), for the three R8 variants from identical initial weights.

J_t = D_{H₀}(F after the stem) at H₀ = stem(X), the batch Jacobian of shape (K·N, w1·N) = (320, 512) by
default; all r = min(K·N, w1·N) singular values are recorded at steps 0 … S, together with the loss.
Shapes: ``sigmas[v]`` (T, S+1, r) descending, ``losses[v]`` (T, S+1); T trials are run at once on a
leading instance axis (p of shape (T, P)), the variants in lockstep, so an interrupted run still holds
every trial and variant up to the last completed step.

docs/theory.md#experiments (dense analogue of the authors' MNIST experiment, §1), docs/theory.md#r8.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from numerics.experiments import data as datasets
from numerics.experiments import report
from numerics.blas import blas_single_thread
from numerics.experiments.variants import Variant, build_all, default_widths, initial_weights

DEFAULTS = {"data": "synthetic", "n": 32, "trials": 10, "steps": 30, "lr": 0.1, "seed": 0, "fixed": "pad"}


@dataclass
class Config:
    """The experiment's settings (defaults: docs/theory.md#experiments)."""

    data: str = DEFAULTS["data"]
    n: int = DEFAULTS["n"]
    trials: int = DEFAULTS["trials"]
    steps: int = DEFAULTS["steps"]
    lr: float = DEFAULTS["lr"]
    seed: int = DEFAULTS["seed"]
    fixed: str = DEFAULTS["fixed"]

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class SkipMechanismResult:
    """Per variant: singular values (T, S'+1, r) and losses (T, S'+1) for the S' steps completed."""

    config: Config
    widths: dict
    sigmas: dict[str, np.ndarray] = field(default_factory=dict)
    losses: dict[str, np.ndarray] = field(default_factory=dict)
    completed_steps: int = -1  # last step recorded for every variant; -1 = nothing recorded
    interrupted: bool = False
    seconds: float = 0.0

    @property
    def has_data(self) -> bool:
        return self.completed_steps >= 0

    def summary(self) -> dict:
        out = {"experiment": "skip-mechanism", "config": self.config.to_json(), "widths": self.widths,
               "interrupted": self.interrupted, "completed_steps": self.completed_steps,
               "seconds": round(self.seconds, 2)}
        if self.has_data:
            out.update(report.summarise(self.sigmas, self.losses))
        return out


def singular_values(J) -> np.ndarray:
    """All singular values of J (..., m, n), descending; raises on NaN/inf."""
    if not np.all(np.isfinite(J)):
        raise FloatingPointError("the post-stem Jacobian contains NaN or inf")
    return np.linalg.svd(J, compute_uv=False)


def finite_loss_and_grad(net, p, X, y, label: str) -> tuple[np.ndarray, np.ndarray]:
    """(ℓ (T,), ∇ℓ (T, P)) of mean cross-entropy at p (T, P); FloatingPointError naming ``label`` on NaN/inf."""
    loss, grad = net.loss_and_grad(p, X, y, "ce")
    if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))):
        raise FloatingPointError(f"{label}: the loss or its gradient is NaN or inf")
    return loss, grad


def record(variant: Variant, p, X, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(σ(J) (T, r), ℓ (T,), ∇ℓ (T, P)) at the current weights p (T, P)."""
    loss, grad = finite_loss_and_grad(variant.net, p, X, y, f"variant ({variant.key})")
    return singular_values(variant.post_stem_jacobian(p, X)), np.asarray(loss), grad


def run(config: Config | None = None, on_step: Callable[[str, int], None] | None = None,
        X: np.ndarray | None = None, y: np.ndarray | None = None) -> SkipMechanismResult:
    """Run the experiment; Ctrl-C returns the steps completed so far with ``interrupted=True``.

    X, y override the data set (tests); on_step(variant, step) is called after each record.
    """
    start = time.perf_counter()
    config = Config() if config is None else config
    if X is None:
        X, y = datasets.load(config.data, config.n, config.seed)
    widths = default_widths(config.fixed, d=X.shape[0], K=datasets.NUM_CLASSES)
    variants = build_all(widths)
    result = SkipMechanismResult(config, widths.__dict__)
    params = initial_weights(variants, config.seed, config.trials)
    T, S = config.trials, config.steps
    r = min(widths.K, widths.w1) * X.shape[1]
    sig = {k: np.full((T, S + 1, r), np.nan) for k in variants}
    los = {k: np.full((T, S + 1), np.nan) for k in variants}
    try:
        with blas_single_thread():
            for step in range(S + 1):
                for key, variant in variants.items():
                    s, loss, grad = record(variant, params[key], X, y)
                    sig[key][:, step], los[key][:, step] = s[..., :r], loss
                    if step < S:
                        params[key] = params[key] - config.lr * grad
                    if on_step is not None:
                        on_step(key, step)
                result.completed_steps = step
    except KeyboardInterrupt:
        result.interrupted = True
    done = result.completed_steps + 1
    result.sigmas = {k: v[:, :done] for k, v in sig.items()}
    result.losses = {k: v[:, :done] for k, v in los.items()}
    result.seconds = time.perf_counter() - start
    return result


def save_arrays(result: SkipMechanismResult, path) -> None:
    """All recorded singular values and losses as a compressed .npz (keys sigma_a, loss_a, …)."""
    arrays = {f"sigma_{k}": v for k, v in result.sigmas.items()}
    arrays.update({f"loss_{k}": v for k, v in result.losses.items()})
    np.savez_compressed(path, **arrays)
