"""Benchmark: ms per full-batch GD step of the R7 network, fast path vs generic path (vs PyTorch if installed).

    python bench/trainer.py [--steps S] [--repeats R] [--quick]

One run, interleaved: for every size the paths take turns (R rounds of S steps each) and the median per
path is reported, so that a busy machine slows all of them alike and the *ratios* are meaningful
(absolute times on a shared machine are not). A step is one record of numerics.trainer.iterate (loss,
gradient, ‖∇ℓ‖, ‖V‖, WN row norms) plus the update, kernel_every = 0; "fast" is the StepPlan path,
"generic" the reference Network path (fast=False). PyTorch (float64, its default threads, the same
network and loss) is timed only when it happens to be importable — it is never a dependency — twice:
with its default thread count and with one thread (our paths use one core; on a shared machine PyTorch's
default threads also compete with the other load, so the one-thread column is the like-for-like one).

Sizes d/K/m/L/N: 16/4/8/2/16, 64/10/64/3/64, 256/10/256/3/256, and a width sweep m ∈ {32 … 1024} at
d = N = 256, K = 10, L = 3. GFLOP/s counts the matrix products of a step only (forward V X and the two
WN products per block, backward their weight and input cotangents: 4KdN + 12·L·mKN flops) and is compared
with the machine's float64 matmul throughput on one core (a 512 × 512 product, measured in this run).
Our paths run with one BLAS thread (numerics.blas). Source: R7 (the trainer).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's packages, not an installed copy

import numpy as np
from rich.console import Console
from rich.table import Table

from numerics import trainer
from numerics.architectures import residual_ce_net
from numerics.blas import blas_single_thread
from numerics.training.r7 import make_data

SIZES = [(16, 4, 8, 2, 16), (64, 10, 64, 3, 64), (256, 10, 256, 3, 256)]
SWEEP = [32, 64, 128, 256, 512, 1024]


def flops(d, K, m, L, N) -> float:
    return 4.0 * K * d * N + 12.0 * L * m * K * N


def matmul_gflops(n: int = 512, repeats: int = 5) -> float:
    """Best float64 GFLOP/s of an n×n matmul on one BLAS thread."""
    A, B = np.random.default_rng(0).standard_normal((2, n, n))
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        A @ B
        best = min(best, time.perf_counter() - t)
    return 2.0 * n**3 / best / 1e9


def problem(d, K, m, L, N):
    net = residual_ce_net(d, K, m, L, 0.1, 16.0)
    X, y = make_data(0, d, N, K)
    return net, X, y, trainer.set_wn_row_norms(net, net.init(0), 4.0)


def ours(net, X, y, p0, fast: bool):
    def run(steps):
        for _ in trainer.iterate(net, p0, X, y, lr=0.01, steps=steps - 1, fast=fast):
            pass
    return run


def torch_loop(net, X, y, p0, d, K, m, L, N, threads: int):
    """The same network and loss in PyTorch float64 on ``threads`` threads (only called when torch imports)."""
    import torch

    prm = [torch.tensor(v, dtype=torch.float64, requires_grad=True)
           for v in (net.unflatten(p0)[0]["W"], *[net.unflatten(p0)[i][k] for i in range(1, L + 1)
                                                   for k in ("branch.1.W", "branch.3.W")])]
    Xt, yt = torch.tensor(X), torch.tensor(y)
    alpha, eps = 0.1, 16.0

    def step(update: bool = True):
        H = prm[0] @ Xt
        for k in range(L):
            W1, W2 = prm[1 + 2 * k], prm[2 + 2 * k]
            C = H - H.mean(dim=1, keepdim=True)
            B = C / torch.sqrt((C * C).mean(dim=1, keepdim=True) + eps)
            A = torch.tanh((W1 / W1.norm(dim=1, keepdim=True)) @ B)
            H = H + alpha * ((W2 / W2.norm(dim=1, keepdim=True)) @ A)
        loss = torch.nn.functional.cross_entropy(H.T, yt)
        if not update:
            return float(loss.detach()), torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, prm)]).numpy()
        grads = torch.autograd.grad(loss, prm)
        with torch.no_grad():
            for q, g in zip(prm, grads):
                q -= 0.01 * g
        return float(loss.detach())

    def run(steps):
        torch.set_num_threads(threads)  # global in torch: set on every turn, the two loops alternate
        for _ in range(steps):
            step()
    run.loss_and_grad = lambda: step(update=False)  # at p0, before any run: the same numbers as ours?
    return run


def interleaved(runners: dict, steps: int, repeats: int) -> dict[str, float]:
    """Median seconds per step of each runner, the runners taking turns."""
    times = {name: [] for name in runners}
    for name, run in runners.items():  # warm-up (plan building, first-touch of buffers)
        run(2)
    for _ in range(repeats):
        for name, run in runners.items():
            t = time.perf_counter()
            run(steps)
            times[name].append((time.perf_counter() - t) / steps)
    return {name: float(np.median(v)) for name, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20, help="steps per timed round (default 20)")
    ap.add_argument("--repeats", type=int, default=5, help="interleaved rounds per size (default 5)")
    ap.add_argument("--quick", action="store_true", help="fewer steps and a shorter sweep (a smoke run)")
    args = ap.parse_args()
    if args.steps < 1 or args.repeats < 1:
        ap.error(f"--steps and --repeats must be ≥ 1, got {args.steps} and {args.repeats}")
    steps, repeats = (3, 2) if args.quick else (args.steps, args.repeats)
    try:
        import torch
        have_torch, torch_default = True, torch.get_num_threads()
    except ImportError:
        have_torch = False
    con = Console(width=None if sys.stdout.isatty() else 170)  # piped output: no truncated labels
    with blas_single_thread():
        peak = matmul_gflops()
        tab = Table(title=f"GD step of the R7 net, ms/step (median of {repeats} interleaved rounds of {steps} "
                          "steps); % of matmul: of the best float64 matmul GFLOP/s on one core seen in this run")
        cols = ["d/K/m/L/N", "P", "fast", "generic", "generic/fast"]
        cols += [f"torch {torch_default}t", f"fast/torch {torch_default}t", "torch 1t", "fast/torch 1t"] if have_torch else []
        cols += ["fast GFLOP/s", "% of matmul"]
        for c in cols:
            tab.add_column(c, justify="right")
        sweep = SWEEP[:3] if args.quick else SWEEP
        rows = [(s, False) for s in SIZES] + [((256, 10, m, 3, 256), True) for m in sweep]
        base, done, agree = None, [], 0.0
        for (d, K, m, L, N), in_sweep in rows:
            net, X, y, p0 = problem(d, K, m, L, N)
            runners = {"fast": ours(net, X, y, p0, True), "generic": ours(net, X, y, p0, False)}
            if have_torch:
                runners["torch"] = torch_loop(net, X, y, p0, d, K, m, L, N, torch_default)
                runners["torch1"] = torch_loop(net, X, y, p0, d, K, m, L, N, 1)
                loss_t, g_t = runners["torch"].loss_and_grad()
                loss_o, g_o = net.loss_and_grad(p0, X, y)
                agree = max(agree, abs(loss_t - loss_o) / abs(loss_o),
                            float(np.max(np.abs(g_t - g_o)) / np.max(np.abs(g_o))))
            n_steps = max(1, steps // 4) if m >= 512 else steps
            t = interleaved(runners, n_steps, repeats)
            peak = max(peak, matmul_gflops())  # the best seen in this run: a busy machine lowers every number
            gf = flops(d, K, m, L, N) / t["fast"] / 1e9
            row = [f"{d}/{K}/{m}/{L}/{N}" + (" (sweep)" if in_sweep else ""), str(net.num_params),
                   f"{t['fast'] * 1e3:.3f}", f"{t['generic'] * 1e3:.3f}", f"{t['generic'] / t['fast']:.1f}×"]
            if have_torch:
                row += [f"{t['torch'] * 1e3:.3f}", f"{t['fast'] / t['torch']:.2f}",
                        f"{t['torch1'] * 1e3:.3f}", f"{t['fast'] / t['torch1']:.2f}"]
            row.append(f"{gf:.2f}")
            done.append((row, gf))
            if in_sweep:
                per_flop = t["fast"] / flops(d, K, m, L, N)
                base = base or per_flop
                con.print(f"  sweep m = {m:4d}: time/FLOP relative to m = {SWEEP[0]}: {per_flop / base:.2f}",
                          style="dim")
    for row, gf in done:
        tab.add_row(*row, f"{gf / peak:.0%}")
    con.print(tab)
    con.print(f"best float64 matmul on one core in this run: {peak:.1f} GFLOP/s (512 × 512, best of 5 per size)")
    if have_torch:
        con.print(f"PyTorch computes the same step: loss and gradient at p₀ agree with ours to {agree:.1e} "
                  "(relative, worst over sizes)")
    con.print((f"PyTorch {torch.__version__}: timed with its default {torch_default} threads and with 1 thread"
               if have_torch else
               "PyTorch: not installed — not timed (never a dependency)") +
              f"; OPENBLAS_NUM_THREADS = {os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machines: compare ratios, not times)")


if __name__ == "__main__":
    main()
