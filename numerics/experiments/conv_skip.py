"""R8 with the authors' own network: the small convolutional pre-activation ResNet on 32 MNIST-like digits.

Variants (a) no skips, (b) projection shortcut, (c) projection + ChannelPad(3·AvgPool2d(3)) — see
numerics.architectures.conv_skip_mechanism_net — start from identical initial weights in each trial and
are trained by full-batch GD on mean cross-entropy. Every step records the loss; the chosen Jacobian steps
record all K·N = 320 singular values of J = D_{H₀}(everything after the stem) at H₀ = stem(X), a
320 × 23040 matrix (720 stem features × 32 samples). Each trial is an independent unit (``run_trial``): the
trials run one after another here (``run``) or in worker processes (``verify experiment … --jobs N``),
with the same numbers either way.

Shapes: ``losses[v]`` (T, S+1); ``sigmas[v]`` (T, J, 320) for the J Jacobian steps, descending. The 320 backward passes are batched along a leading axis in
chunks sized to a memory budget (JACOBIAN_MEMORY). Result R8 (skip-mechanism).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from numerics.architectures import conv_skip_mechanism_net
from numerics.blas import blas_single_thread
from numerics.layers.base import run_vjp_input
from numerics.network import Network
from numerics.experiments.skip_mechanism import finite_loss_and_grad
from numerics.experiments.variants import Variant, initial_weights

VARIANT_KEYS = ("a", "b", "c")
DEFAULTS = {"n": 32, "trials": 10, "steps": 30, "lr": 0.1, "seed": 0}
QUICK_TRIALS = 3
LOSS_STEPS = (10, 20, 30)
SIGMA_WINDOW = 10  # steps 0–9, as in the authors' histograms
# bytes for the intermediates of one chunk of backward passes (J itself is extra): 32 MiB, ~13 cotangents of
# one trial, so that a chunk's arrays (~3 MB each) stay in cache — 8 to 16 rows were ~20 % faster than 111
# (256 MiB) in bench/conv_skip.py; below 8 the per-chunk Python overhead shows
JACOBIAN_MEMORY = 1 << 25
# Gram eigenvalues λ = σ² are accurate to ~r·eps·σ_max²; a spectrum whose σ_min/σ_max falls below this is
# recomputed from a QR factorisation (backward stable) so that small singular values are never round-off.
GRAM_MIN_RATIO = 1e-3


def default_jacobian_steps(steps: int) -> tuple[int, ...]:
    """Steps 0–9 and the last step (the authors': 0–9 and 30), those that exist."""
    return tuple(sorted(set(range(min(SIGMA_WINDOW - 1, steps) + 1)) | {steps}))


def quick_jacobian_steps(steps: int) -> tuple[int, ...]:
    return tuple(sorted({0, steps}))


def parse_jacobian_steps(text: str) -> tuple[int, ...]:
    """"0-9,30" -> (0, 1, …, 9, 30); "none" -> (). Raises ValueError on anything else."""
    text = text.strip()
    if text.lower() in ("none", ""):
        return ()
    steps: set[int] = set()
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        try:
            a, b = int(lo), int(hi) if hi else int(lo)
        except ValueError:
            raise ValueError(f"{part.strip()!r} is not a step or a range a-b") from None
        if a < 0 or b < a:
            raise ValueError(f"{part.strip()!r}: steps are whole numbers ≥ 0, ranges a-b with a ≤ b")
        steps.update(range(a, b + 1))
    return tuple(sorted(steps))


@dataclass
class ConvConfig:
    n: int = DEFAULTS["n"]
    trials: int = DEFAULTS["trials"]
    steps: int = DEFAULTS["steps"]
    lr: float = DEFAULTS["lr"]
    seed: int = DEFAULTS["seed"]
    jacobian_steps: tuple[int, ...] | None = None  # None: default_jacobian_steps(steps)

    def __post_init__(self):
        if self.jacobian_steps is None:
            self.jacobian_steps = default_jacobian_steps(self.steps)
        self.jacobian_steps = tuple(sorted(set(self.jacobian_steps)))
        if self.jacobian_steps and self.jacobian_steps[-1] > self.steps:
            raise ValueError(f"Jacobian step {self.jacobian_steps[-1]} is beyond the last step {self.steps}")

    def to_json(self) -> dict:
        return {**self.__dict__, "jacobian_steps": list(self.jacobian_steps)}


@dataclass
class TrialResult:
    """One trial (or some of its variants): ``losses[v]`` (S+1,), ``sigmas[v]`` (J, 320) per Jacobian step, descending."""

    trial: int
    losses: dict[str, np.ndarray]
    sigmas: dict[str, np.ndarray]
    seconds: float = 0.0
    jacobian_seconds: float = 0.0
    chunk: int = 0


@dataclass
class ConvResult:
    """The finished trials, stacked in trial order: ``losses[v]`` (T', S+1), ``sigmas[v]`` (T', J', 320).

    ``trials_done`` are their indices (all of 0 … T−1 unless Ctrl-C stopped the run: ``interrupted``).
    ``seconds`` is the run's wall time; ``work_seconds`` and ``jacobian_seconds`` add up the trials' own
    (in-process wall) times, in all and in Jacobians: work_seconds / seconds is the parallelism achieved.
    """

    config: ConvConfig
    losses: dict[str, np.ndarray] = field(default_factory=dict)
    sigmas: dict[str, np.ndarray] = field(default_factory=dict)
    trials_done: tuple[int, ...] = ()
    interrupted: bool = False
    seconds: float = 0.0
    work_seconds: float = 0.0
    jacobian_seconds: float = 0.0
    chunk: int = 0

    @property
    def has_data(self) -> bool:
        return bool(self.trials_done)

    @property
    def completed_steps(self) -> int:
        """Every finished trial ran all steps; −1 if none finished."""
        return self.config.steps if self.has_data else -1

    @property
    def recorded_jacobian_steps(self) -> tuple[int, ...]:
        return self.config.jacobian_steps if self.has_data else ()


def build_conv_variants() -> dict[str, Variant]:
    """The three networks and their post-stem sub-networks (layers[1:]; the stem is layers[0])."""
    out = {}
    for key in VARIANT_KEYS:
        net = conv_skip_mechanism_net(key)
        out[key] = Variant(key, net, Network(net.layers[1:]))
    return out


def chunk_size(num_rows: int, instances: int, n: int, width: int, budget: int = JACOBIAN_MEMORY) -> int:
    """Cotangents per backward chunk: about 12 live arrays of width·N doubles per cotangent and instance."""
    per = 12 * 8 * max(instances, 1) * n * width
    return int(max(1, min(num_rows, budget // per)))


def post_stem_jacobian(variant: Variant, p, X, chunk: int | None = None) -> np.ndarray:
    """J = D_{H₀}(F after the stem) at H₀ = stem(X): (..., K·N, w·N), rows/columns in C order of Z and H₀.

    The same matrix as ``variant.post_stem.input_jacobian`` (tested), but the K·N identity cotangents go
    backward in chunks of ``chunk`` along a leading axis, through the layers' input-only vjp.
    """
    p = np.asarray(p)
    H0 = variant.stem_output(p, X)
    Z, tape = variant.post_stem.forward_with_caches(p[..., variant.stem_size:], H0)
    inst, (K, N), w = tape.instance_shape, Z.shape[-2:], H0.shape[-2]
    M = K * N
    chunk = chunk or chunk_size(M, int(np.prod(inst, dtype=int)), N, max(variant.net.widths))
    J = np.empty(inst + (M, w * N))
    for start in range(0, M, chunk):
        rows = np.arange(start, min(M, start + chunk))
        G = np.zeros((len(rows),) + inst + (K, N))
        G[(np.arange(len(rows)), Ellipsis, rows // N, rows % N)] = 1.0
        dH = run_vjp_input(variant.post_stem.layers, tape.params, tape.caches, G)
        dH = np.broadcast_to(dH, (len(rows),) + inst + (w, N))
        J[..., start:start + len(rows), :] = np.moveaxis(dH.reshape((len(rows),) + inst + (w * N,)), 0, -2)
    return J


def singular_values(J) -> np.ndarray:
    """All min(m, n) singular values of J (..., m, n) with m ≤ n, descending; raises on NaN/inf.

    From the eigenvalues of J Jᵀ (one symmetric product: fast), except for spectra with
    σ_min/σ_max < GRAM_MIN_RATIO, which are recomputed as the singular values of R in Jᵀ = QR.
    """
    if not np.all(np.isfinite(J)):
        raise FloatingPointError("the post-stem Jacobian contains NaN or inf")
    lead, (m, n) = J.shape[:-2], J.shape[-2:]
    flat = J.reshape((-1, m, n))
    out = np.empty((flat.shape[0], min(m, n)))
    for i, Ji in enumerate(flat):
        lam = np.linalg.eigvalsh(Ji @ Ji.T)[::-1]
        sig = np.sqrt(np.clip(lam, 0.0, None))[: min(m, n)]
        if sig[-1] < GRAM_MIN_RATIO * sig[0]:
            sig = np.linalg.svd(np.linalg.qr(Ji.T, mode="r"), compute_uv=False)
        out[i] = sig
    return out.reshape(lead + (min(m, n),))


@lru_cache(maxsize=1)
def _variants() -> dict[str, Variant]:
    return build_conv_variants()  # built once per process: a worker runs several trials


def run_trial(config: ConvConfig, X: np.ndarray, y: np.ndarray, trial: int,
              on_step: Callable[[str, int], None] | None = None, chunk: int | None = None,
              keys: tuple[str, ...] = VARIANT_KEYS) -> TrialResult:
    """Trial ``trial`` of the run: the variants ``keys`` from its initial weights, trained in lockstep, one BLAS thread.

    The variants of a trial share only their initial weights, so a trial, or one variant of it, depends only
    on (config, X, y, trial, key): the parts may run in any order and in any process with the same numbers
    (tests/verify/test_experiment_conv_cmd.py compares --jobs 1 and 2).
    """
    start = time.perf_counter()
    variants = _variants()
    params = initial_weights(variants, config.seed, [trial])  # (1, P): one instance
    S, jsteps = config.steps, config.jacobian_steps
    r = 10 * X.shape[-1]
    chunk = chunk or chunk_size(r, 1, X.shape[-1], max(variants["c"].net.widths))
    variants = {k: variants[k] for k in keys}
    out = TrialResult(trial, {k: np.empty(S + 1) for k in variants}, {k: np.empty((len(jsteps), r)) for k in variants},
                      chunk=chunk)
    with blas_single_thread():
        for step in range(S + 1):
            for key, variant in variants.items():
                loss, grad = finite_loss_and_grad(variant.net, params[key], X, y,
                                                  f"variant ({key}), trial {trial}")
                out.losses[key][step] = loss[0]
                if step in jsteps:
                    t0 = time.perf_counter()
                    out.sigmas[key][jsteps.index(step)] = singular_values(
                        post_stem_jacobian(variant, params[key], X, out.chunk))[0]
                    out.jacobian_seconds += time.perf_counter() - t0
                if step < S:
                    params[key] = params[key] - config.lr * grad
                if on_step is not None:
                    on_step(key, step)
    out.seconds = time.perf_counter() - start
    return out


def collect(config: ConvConfig, parts: list[TrialResult], interrupted: bool = False,
            seconds: float = 0.0) -> ConvResult:
    """The finished trials stacked in trial order into one ConvResult: ``parts`` (any order) are whole trials
    or single variants of them; a trial counts once all its variants are there."""
    merged: dict[int, TrialResult] = {}
    for part in parts:
        t = merged.setdefault(part.trial, TrialResult(part.trial, {}, {}, chunk=part.chunk))
        t.losses.update(part.losses)
        t.sigmas.update(part.sigmas)
        t.seconds += part.seconds
        t.jacobian_seconds += part.jacobian_seconds
    trials = [merged[i] for i in sorted(merged) if all(k in merged[i].losses for k in VARIANT_KEYS)]
    r = 10 * config.n
    result = ConvResult(config, trials_done=tuple(t.trial for t in trials), interrupted=interrupted,
                        seconds=seconds, work_seconds=sum(t.seconds for t in trials),
                        jacobian_seconds=sum(t.jacobian_seconds for t in trials),
                        chunk=trials[0].chunk if trials else 0)
    J = len(config.jacobian_steps)
    for k in VARIANT_KEYS:
        result.losses[k] = np.array([t.losses[k] for t in trials]).reshape(len(trials), config.steps + 1)
        result.sigmas[k] = np.array([t.sigmas[k] for t in trials]).reshape(len(trials), J, r)
    return result


def run(config: ConvConfig, X: np.ndarray, y: np.ndarray, on_step: Callable[[str, int], None] | None = None,
        chunk: int | None = None) -> ConvResult:
    """The trials one after another in this process; Ctrl-C returns the finished ones with ``interrupted=True``.

    (verify experiment … --jobs N runs the same run_trial calls in N worker processes.)
    """
    start = time.perf_counter()
    done: list[TrialResult] = []
    interrupted = False
    try:
        for t in range(config.trials):
            done.append(run_trial(config, X, y, t, on_step, chunk))
    except KeyboardInterrupt:
        interrupted = True
    return collect(config, done, interrupted, time.perf_counter() - start)


def save_arrays(result: ConvResult, path) -> None:
    """Losses (T, S+1), singular values (T, J, 320) and the Jacobian steps as a compressed .npz."""
    arrays = {f"loss_{k}": v for k, v in result.losses.items()}
    arrays.update({f"sigma_{k}": v for k, v in result.sigmas.items()})
    arrays["jacobian_steps"] = np.array(result.recorded_jacobian_steps, dtype=np.int64)
    np.savez_compressed(path, **arrays)


def dense_comparison(config: ConvConfig, X64: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Loss curves (T, S+1) of the dense analogue (numerics.experiments.variants, zero-padding shortcut) on
    the same digits as 64 standardised features, same trials, seeds, steps and lr: no Jacobians (cheap)."""
    from numerics.experiments.variants import build_all, default_widths

    variants = build_all(default_widths("pad", d=X64.shape[0], K=10))
    params = initial_weights(variants, config.seed, config.trials)
    losses = {k: np.empty((config.trials, config.steps + 1)) for k in variants}
    with blas_single_thread():
        for step in range(config.steps + 1):
            for key, variant in variants.items():
                loss, grad = finite_loss_and_grad(variant.net, params[key], X64, y, f"dense variant ({key})")
                losses[key][:, step] = loss
                params[key] = params[key] - config.lr * grad
    return losses
