"""Full-batch gradient descent p_{t+1} = p_t − η ∇ℓ(p_t) with per-step records (docs/theory.md#framework, R7).

    p, history = gradient_descent(net, p0, X, y, lr=η, steps=T)

Shapes: p0 (P,) or (..., P) (instance axes run independent trajectories in one vectorised pass);
X (d, N); y labels (N,) for "ce". Per step t = 0 … T it records ℓ_t, ‖∇ℓ_t‖, ‖V_t‖_F (the unnormalised
first layer), min_j ‖w_j‖ over all weight-normalised rows, and every ``kernel_every`` steps
λ_min(K(p_t)) of the tangent kernel (lambda_min_kernel: exact eigvalsh of the K·N × K·N matrix up to
K·N = 512, matrix-free LOBPCG with a residual/gap check above; numerics.training.kernel).

Plain GD is the algorithm of the theorem. ``momentum`` (heavy ball: v ← μv + ∇ℓ, p ← p − ηv) and
``weight_decay`` (∇ℓ + λp) are offered for experiments only and are OUTSIDE THE THEOREM: a run that
uses them records ``meta["outside_theorem"]`` and every R7 guarantee that depends on the update rule is
reported as not guaranteed (see numerics.training.r7).

Ctrl-C during a run is caught: the run stops after the step in progress and returns what it has,
with ``history.interrupted = True``. A non-finite loss or gradient stops the run with ``history.error``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from numerics.blas import blas_threads
from numerics.layers import Residual, WeightNormDense
from numerics.training.history import History
from numerics.training.kernel import EXACT_MAX, exact_lambda_min, kernel_lambda_min
from numerics.training.plan import StepPlan


# ------------------------------------------------------------------------------ network read-outs
def wn_keys(net) -> list[tuple[int, str]]:
    """(layer index, parameter key) of every weight-normalised matrix, e.g. (1, "branch.1.W")."""
    keys = []
    for i, layer in enumerate(net.layers):
        if isinstance(layer, WeightNormDense):
            keys.append((i, "W"))
        elif isinstance(layer, Residual):
            keys += [(i, prefix + "W") for prefix, sub in layer.paths if isinstance(sub, WeightNormDense)]
    return keys


def wn_row_norms(net, p, params=None) -> np.ndarray:
    """‖w_j‖ for every WN row j of every WN layer: p (..., P) -> (..., R); R = 0 without WN layers.
    ``params``: net.unflatten(p) when the caller already has it (saves a pass per GD step)."""
    params = net.unflatten(p) if params is None else params
    parts = [np.sqrt(np.sum(params[i][k] ** 2, axis=-1)) for i, k in wn_keys(net)]
    if not parts:
        return np.zeros(np.shape(p)[:-1] + (0,))
    return np.concatenate(parts, axis=-1)


def v_norm(net, p, params=None) -> np.ndarray:
    """‖V‖_F of the first layer's raw weight (R7's V ∈ ℝ^{K×d}): p (..., P) -> (...)."""
    V = (net.unflatten(p) if params is None else params)[0]["W"]
    return np.sqrt(np.sum(V * V, axis=(-2, -1)))


def set_wn_row_norms(net, p, r: float) -> np.ndarray:
    """A copy of p with every WN row rescaled to norm r (directions kept, so ℓ is unchanged — R6)."""
    p = np.array(p, dtype=float)
    params = net.unflatten(p)  # views into p: scaling them in place rescales p
    for i, k in wn_keys(net):
        W = params[i][k]
        W *= r / np.sqrt(np.sum(W * W, axis=-1, keepdims=True))
    return p


def lambda_min_kernel(net, p, X) -> np.ndarray:
    """λ_min(D_pF D_pFᵀ): p (..., P) -> (...). Exact (LAPACK eigvalsh) for instance axes and K·N ≤ 512;
    one instance with K·N > 512 uses the matrix-free LOBPCG of numerics.training.kernel, accepted only
    when its Kato–Temple error bound is ≤ 1e-10 relative (else the exact path runs)."""
    if np.ndim(p) == 1:
        return np.float64(kernel_lambda_min(net, p, X).value)
    return exact_lambda_min(net, p, X)


# ----------------------------------------------------------------------------------- the iteration
def iterate(net, p0, X, y, *, lr: float, steps: int, cost: str = "ce", kernel_every: int = 0,
            momentum: float = 0.0, weight_decay: float = 0.0, fast: bool = True) -> Iterator[dict[str, Any]]:
    """Yield one record per step t = 0 … steps, *before* the update at t; arrays carry instance axes.

    Record keys: step, p, loss, grad_norm, v_norm, wn_rows (…, R), wn_min, lambda_min (NaN when skipped).
    fast: one float64 trajectory on a supported network runs numerics.training.plan.StepPlan (the same
    numbers to round-off, buffers reused across steps); fast=False, instance axes or other layers use the
    generic Network.loss_and_grad, the reference.
    """
    p = np.array(p0, dtype=float)
    vel = np.zeros_like(p)
    plan = StepPlan.build(net, X, y, cost) if fast and p.ndim == 1 else None
    for t in range(steps + 1):
        if plan is not None:
            loss, g = plan.loss_and_grad(p)
            rows, vn = plan.wn_rows(), plan.v_norm()
        else:
            loss, g = net.loss_and_grad(p, X, y, cost)
            params = net.unflatten(p)
            rows, vn = wn_row_norms(net, p, params), v_norm(net, p, params)
        lam = (lambda_min_kernel(net, p, X) if kernel_every and t % kernel_every == 0
               else np.full(np.shape(loss), np.nan))
        yield {"step": t, "p": p, "loss": loss, "grad_norm": np.sqrt(np.sum(g * g, axis=-1)),
               "v_norm": vn, "wn_rows": rows,
               "wn_min": rows.min(axis=-1) if rows.shape[-1] else np.full(np.shape(loss), np.nan),
               "lambda_min": lam}
        if t == steps:
            return
        if weight_decay:
            g = g + weight_decay * p
        if momentum:
            vel = momentum * vel + g
            g = vel
        p = p - lr * g  # a new array: records keep their own p (g may be the plan's buffer)


def gradient_descent(net, p0, X, y, *, lr: float, steps: int, cost: str = "ce",
                     callback: Callable[[dict[str, Any]], Any] | None = None, log_every: int = 1,
                     kernel_every: int = 0, momentum: float = 0.0, weight_decay: float = 0.0,
                     monitor=None, meta: dict[str, Any] | None = None, fast: bool = True,
                     threads: int | None = 1, nonfinite: str = "raise") -> tuple[np.ndarray, History]:
    """Run ``steps`` GD updates from p0 (P,); return (p_T, History).

    log_every: keep every k-th record (and the last) in the history and call ``callback(record)`` on
    those; a truthy return value stops the run. monitor: an object with ``observe(record)`` that sees
    EVERY step (e.g. numerics.training.r7.R7Monitor, the live R7 checks). fast: see ``iterate``.
    threads: BLAS threads during the run, 1 by default (numerics.blas explains why; None leaves BLAS as
    it is, e.g. to use every core on an idle machine for large networks). nonfinite: what a NaN/inf
    loss, gradient or ‖V‖ does (a step size too large overflows) — "raise" (default) a FloatingPointError
    naming the step; "record" stops the run and returns the finished steps with ``history.error`` set
    (`verify train` reports it as an ERROR). Bad arguments raise ValueError naming the argument.
    Source: R7 (docs/theory.md#r7).
    """
    _check_arguments(p0, X, y, lr=lr, steps=steps, log_every=log_every, kernel_every=kernel_every,
                     momentum=momentum, weight_decay=weight_decay, nonfinite=nonfinite)
    meta = dict(meta or {})
    meta.update(lr=lr, steps=steps, cost=cost, kernel_every=kernel_every, momentum=momentum,
                weight_decay=weight_decay, algorithm="full-batch gradient descent")
    if kernel_every:
        M = net.out_features * np.shape(X)[-1]
        meta["lambda_min_method"] = ("exact (eigvalsh)" if M <= EXACT_MAX else
                                     "matrix-free (LOBPCG, Kato–Temple bound ≤ 1e-10 relative, else exact)")
    if momentum or weight_decay:
        meta["outside_theorem"] = "momentum/weight decay: not the algorithm of the theorem"
    rows: list[dict[str, float]] = []
    p, interrupted, error, last = np.array(p0, dtype=float), False, None, None
    it = iterate(net, p0, X, y, lr=lr, steps=steps, cost=cost, kernel_every=kernel_every,
                 momentum=momentum, weight_decay=weight_decay, fast=fast)
    # one BLAS thread by default (numerics.blas); a non-finite record is detected below, loudly
    with blas_threads(threads), np.errstate(over="ignore", invalid="ignore"):
        try:
            for rec in it:
                last, p = rec, rec["p"]
                if not (np.isfinite(rec["loss"]) and np.isfinite(rec["grad_norm"]) and np.isfinite(rec["v_norm"])):
                    error = (f"non-finite loss, gradient or ‖V‖ at step {rec['step']} (loss = {float(rec['loss'])!r}, "
                             f"‖∇ℓ‖ = {float(rec['grad_norm'])!r}, ‖V‖ = {float(rec['v_norm'])!r}): lr = {lr!r} "
                             "overflows float64")
                    if nonfinite == "raise":
                        raise FloatingPointError(error)
                    break
                stop = False
                if monitor is not None:
                    monitor.observe(rec)
                if rec["step"] % log_every == 0 or rec["step"] == steps:
                    rows.append(_row(rec))
                    if callback is not None:
                        stop = bool(callback(rec))
                if stop:
                    break
        except KeyboardInterrupt:
            interrupted = True
        finally:
            it.close()
    if last is not None and (not rows or rows[-1]["step"] != last["step"]) and error is None:
        rows.append(_row(last))
    return p, History.from_rows(rows, meta=meta, interrupted=interrupted, error=error)


def _is_whole(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _check_arguments(p0, X, y, *, lr, steps, log_every, kernel_every, momentum, weight_decay, nonfinite) -> None:
    """ValueError naming the first bad argument (bad input must never run, nor silently round)."""
    if not (isinstance(lr, (int, float, np.floating)) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got lr={lr!r}")
    for name, v, low in (("steps", steps, 0), ("log_every", log_every, 1), ("kernel_every", kernel_every, 0)):
        if not (_is_whole(v) and v >= low):
            raise ValueError(f"{name} must be a whole number ≥ {low}, got {name}={v!r}")
    for name, v in (("momentum", momentum), ("weight_decay", weight_decay)):
        if not (isinstance(v, (int, float, np.floating)) and np.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be a finite number ≥ 0, got {name}={v!r}")
    if nonfinite not in ("raise", "record"):
        raise ValueError(f"nonfinite must be 'raise' or 'record', got nonfinite={nonfinite!r}")
    if np.ndim(p0) != 1:
        raise ValueError(f"gradient_descent runs one trajectory: p0 must have shape (P,), got {np.shape(p0)}; "
                         "use numerics.trainer.iterate for instance axes")
    for name, v in (("p0", p0), ("X", X)):
        a = np.asarray(v)
        if not np.issubdtype(a.dtype, np.number) or not np.all(np.isfinite(a)):
            bad = "not numeric" if not np.issubdtype(a.dtype, np.number) else \
                f"{int(np.size(a) - np.count_nonzero(np.isfinite(a)))} NaN/inf entries"
            raise ValueError(f"{name} must be finite numbers, got {bad}")


def _row(rec: dict[str, Any]) -> dict[str, float]:
    return {k: float(rec[k]) if k != "step" else int(rec[k])
            for k in ("step", "loss", "grad_norm", "v_norm", "wn_min", "lambda_min")}
