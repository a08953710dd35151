"""Benchmark: the conv R8 run (verify experiment skip-mechanism --arch conv), wall time serial and in workers.

    python bench/conv_skip.py [--quick] [--full] [--chunks] [--jobs N] [--smoke]

--quick runs `--quick` (3 trials, Jacobians at steps 0 and 30) for real, --full the default run (10 trials,
Jacobians at steps 0–9 and 30), each twice in this one run: serially in this process (`--jobs 1`) and with
the trials spread over N worker processes (`--jobs N`, default 2), and checks that both give the same
numbers bit for bit. --chunks times one Jacobian step (3 variants, one trial) at several chunk sizes, the
evidence for conv_skip.JACOBIAN_MEMORY. --smoke is a seconds-long run of the machinery (tests use it).
The load average is printed before and after each run: on a shared machine wall times are only
comparable at equal load. One BLAS thread per process, as in every verify command.
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
from verify.commands.experiment import run_conv_trials


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def compare_runs(name: str, config: conv_skip.ConvConfig, X, y, jobs: int) -> None:
    """The same configuration serially and in ``jobs`` workers: wall times, their ratio, same numbers?"""
    before = load()
    w = time.perf_counter()
    serial = conv_skip.run(config, X, y)
    w_serial = time.perf_counter() - w
    mid = load()
    w = time.perf_counter()
    workers = run_conv_trials(config, X, y, jobs, lambda: None)
    w_par = time.perf_counter() - w
    same = all(np.array_equal(serial.losses[k], workers.losses[k]) and
               np.array_equal(serial.sigmas[k], workers.sigmas[k]) for k in conv_skip.VARIANT_KEYS)
    print(f"{name} ({config.trials} trials, Jacobians at {len(config.jacobian_steps)} steps, chunk {serial.chunk}): "
          f"--jobs 1 {w_serial:.1f} s wall (load {before}), --jobs {jobs} {w_par:.1f} s wall (load {mid} → {load()}), "
          f"ratio {w_serial / w_par:.2f}×; the tasks' own time {serial.work_seconds:.1f} s serially, "
          f"{workers.work_seconds:.1f} s in workers ({workers.work_seconds / w_par:.2f} running at once on average); "
          f"same numbers: {'yes' if same else 'NO'}", flush=True)
    if not same:
        raise SystemExit(f"{name}: the worker run differs from the serial run")


def time_chunks(X, y, chunks: list[int]) -> None:
    """CPU time of one Jacobian step (3 variants, one trial) per chunk size: best of 3."""
    variants = conv_skip.build_conv_variants()
    p = initial_weights(variants, 0, 1)
    with blas_single_thread():
        for chunk in chunks:
            best = np.inf
            for _ in range(3):
                c = time.process_time()
                for k, v in variants.items():
                    conv_skip.post_stem_jacobian(v, p[k], X, chunk)
                best = min(best, time.process_time() - c)
            print(f"chunk {chunk:4d}: one Jacobian step (3 variants, 1 trial) {best:.2f} s cpu (load {load()})",
                  flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="time --quick serially and in workers")
    ap.add_argument("--full", action="store_true", help="time the default run serially and in workers")
    ap.add_argument("--chunks", action="store_true", help="time one Jacobian step at several chunk sizes")
    ap.add_argument("--smoke", action="store_true", help="a tiny run (2 trials, 4 digits, 2 steps)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2, the cores of the target machine)")
    args = ap.parse_args()
    print(f"load average at start: {load()} (1/5/15 min); {os.cpu_count()} cores", flush=True)
    if args.smoke:
        X, y = load_digits_28(4, 0)
        compare_runs("smoke", conv_skip.ConvConfig(n=4, trials=2, steps=2, jacobian_steps=(0, 2)), X, y, args.jobs)
    X, y = load_digits_28(32, 0)
    print(f"default chunk: {conv_skip.chunk_size(320, 1, 32, 784)} cotangents", flush=True)
    if args.chunks:
        time_chunks(X, y, [4, 8, conv_skip.chunk_size(320, 1, 32, 784), 32, 111])
    if args.quick:
        compare_runs("--quick", conv_skip.ConvConfig(trials=conv_skip.QUICK_TRIALS,
                                                     jacobian_steps=conv_skip.quick_jacobian_steps(30)), X, y, args.jobs)
    if args.full:
        compare_runs("default", conv_skip.ConvConfig(), X, y, args.jobs)
    print(f"peak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; "
          f"load average at end: {load()}")


if __name__ == "__main__":
    main()
