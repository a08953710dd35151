"""Benchmark: full-batch GD steps per second for the R7 network (numerics.trainer), 2-core laptop sizes.

    python bench/trainer.py [--steps S] [--kernel]

Sizes: branch width m ∈ {8, 64, 256} × N ∈ {32, 256}, with d = N (independent inputs), K = 10 classes,
2 residual blocks. A step is one forward + backward (net.loss_and_grad) and the update, plus the per-step
records (‖V‖, WN row norms). "overhead" estimates the fixed Python cost per step by timing the tiniest
R7 net (d = N = K = m = 2), where the arithmetic is negligible: its share of a step says how much of the
time is spent outside BLAS. --kernel also times λ_min(K) (eigvalsh of the K·N × K·N tangent kernel) for
N = 32. Also times the R7 numeric checks in the quick profile. Spec: docs/theory.md#r7 (ratios taken in one run, never in timed tests).

On a busy 2-core machine a multi-threaded OpenBLAS can slow these small matrix products down by 10×
or more (threads fight for the cores); compare with OPENBLAS_NUM_THREADS=1.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from rich.console import Console
from rich.table import Table

from numerics import trainer
from numerics.architectures import residual_ce_net
from numerics.training.r7 import make_data


def time_steps(m: int, N: int, K: int = 10, blocks: int = 2, steps: int = 20, kernel_every: int = 0) -> float:
    """Seconds per GD step (median of 3 runs of ``steps`` steps)."""
    net = residual_ce_net(N, K, m, blocks, 0.1, 16.0)
    X, y = make_data(0, N, N, K)
    p0 = trainer.set_wn_row_norms(net, net.init(0), 4.0)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        for _rec in trainer.iterate(net, p0, X, y, lr=0.1, steps=steps - 1, kernel_every=kernel_every):
            pass
        runs.append((time.perf_counter() - t0) / steps)
    return float(np.median(runs))


def time_checks() -> float:
    from numerics.attack.engine import run_check
    from numerics.checks import ce_convergence

    t0 = time.perf_counter()
    for chk in ce_convergence.CHECKS:
        run_check(chk, seed=0, profile="quick")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--kernel", action="store_true")
    args = ap.parse_args()
    con = Console()
    overhead = time_steps(2, 2, K=2, steps=200)
    tab = Table(title=f"GD on the R7 net (K = 10, 2 blocks, d = N); Python overhead ≈ {overhead * 1e3:.2f} ms/step")
    for col in ("width m", "N", "P", "ms / step", "steps / s", "overhead share"):
        tab.add_column(col, justify="right")
    for N in (32, 256):
        for m in (8, 64, 256):
            s = time_steps(m, N, steps=args.steps)
            P = residual_ce_net(N, 10, m, 2, 0.1, 16.0).num_params
            tab.add_row(str(m), str(N), str(P), f"{s * 1e3:.2f}", f"{1 / s:.0f}", f"{min(1.0, overhead / s):.0%}")
    con.print(tab)
    con.print(f"OPENBLAS_NUM_THREADS = {os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.kernel:
        kt = Table(title="GD step + exact λ_min(K) every step (N = 32, K·N = 320)")
        for col in ("width m", "ms / step"):
            kt.add_column(col, justify="right")
        for m in (8, 64, 256):
            kt.add_row(str(m), f"{time_steps(m, 32, steps=5, kernel_every=1) * 1e3:.1f}")
        con.print(kt)
    con.print(f"R7 numeric checks (5 checks + 3 controls), quick profile: {time_checks():.2f} s")


if __name__ == "__main__":
    main()
