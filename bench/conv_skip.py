"""Benchmark: the conv R8 run (verify experiment skip-mechanism --arch conv), CPU and wall time.

    python bench/conv_skip.py [--trials T] [--full] [--quick]

Times one Jacobian step (all three variants, T trials: 3·T Jacobians of 320 × 23040, 320 backward passes
each) and one training step, then extrapolates the default run (31 training steps, Jacobians at 11
steps) and --quick (3 trials, Jacobians at 2 steps). CPU time (process_time) is reported beside wall
time: on a shared machine the wall time can be many times the CPU time, and the load average is printed.
--quick / --full run those configurations for real (no extrapolation). Peak memory: ru_maxrss.
One BLAS thread, as in every verify command.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from numerics.blas import blas_single_thread
from numerics.experiments import conv_skip
from numerics.experiments.data import load_digits_28
from numerics.experiments.variants import initial_weights


def timed(fn):
    c, w = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c, time.perf_counter() - w


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="run --quick for real")
    ap.add_argument("--full", action="store_true", help="run the default configuration for real")
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()}  (2 cores)")
    X, y = load_digits_28(32, 0)
    variants = conv_skip.build_conv_variants()
    p = initial_weights(variants, 0, args.trials)
    chunk = conv_skip.chunk_size(320, args.trials, 32, 784)
    with blas_single_thread():
        _, c_train, w_train = timed(lambda: [v.net.loss_and_grad(p[k], X, y) for k, v in variants.items()])
        _, c_jac, w_jac = timed(lambda: [conv_skip.singular_values(conv_skip.post_stem_jacobian(v, p[k], X, chunk))
                                         for k, v in variants.items()])
    print(f"T = {args.trials}, chunk {chunk}: one training step (3 variants) cpu {c_train:.2f} s, wall {w_train:.2f} s;"
          f" one Jacobian step (3 variants) cpu {c_jac:.1f} s, wall {w_jac:.1f} s "
          f"({c_jac / (3 * args.trials):.2f} s cpu per Jacobian)")
    per_trial = c_jac / args.trials
    est_default = 31 * c_train * 10 / args.trials + 11 * per_trial * 10
    est_quick = 31 * c_train * 3 / args.trials + 2 * per_trial * 3
    print(f"extrapolated cpu time: default (10 trials, 11 Jacobian steps) ≈ {est_default:.0f} s; "
          f"--quick (3 trials, 2 Jacobian steps) ≈ {est_quick:.0f} s")
    for flag, cfg in (("quick", conv_skip.ConvConfig(trials=3, jacobian_steps=(0, 30))),
                      ("full", conv_skip.ConvConfig())):
        if getattr(args, flag):
            res, c, w = timed(lambda cfg=cfg: conv_skip.run(cfg, X, y))
            print(f"{flag} run: cpu {c:.0f} s, wall {w:.0f} s (Jacobians {res.jacobian_seconds:.0f} s wall)")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; "
          f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
