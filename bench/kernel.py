"""Benchmark: λ_min of the tangent kernel K = D_pF D_pFᵀ, exact (eigvalsh) vs matrix-free (LOBPCG), by K·N.

    python bench/kernel.py [--repeats R] [--quick]

The R7 network residual_ce_net(d = N, K = 10, m = 64, L = 2, c = 0.5, ε = 1) at K·N ∈ {160, 320, 640,
1280}; one BLAS thread; the two methods take turns (R rounds, median reported) so the speed-up is a ratio
taken in one run. "exact" assembles the K·N × K·N kernel from the full Jacobian and calls eigvalsh
(numerics.training.kernel.exact_lambda_min); "matrix-free" is LOBPCG on v ↦ D_pF(D_pFᵀ v) with JVP/VJP
pairs (matrix_free_lambda_min), accepted only with its Kato–Temple error bound ≤ 1e-10 relative. The
agreement column is |matrix-free − exact|/exact; the run fails (exit 1) if it exceeds 1e-8. Source: R7.
"""

from __future__ import annotations

import argparse
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
from numerics.training import kernel
from numerics.training.r7 import alpha_for, make_data

K, M_WIDTH, BLOCKS, C, EPS = 10, 64, 2, 0.5, 1.0
AGREE = 1e-8


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds per size (default 3)")
    ap.add_argument("--quick", action="store_true", help="K·N ∈ {160, 320} only, one round (a smoke run)")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error(f"--repeats must be ≥ 1, got {args.repeats}")
    Ns, repeats = ((16, 32), 1) if args.quick else ((16, 32, 64, 128), args.repeats)
    con = Console(width=None if sys.stdout.isatty() else 140)  # piped output: no truncated labels
    tab = Table(title=f"λ_min(K) of residual_ce_net(d = N, K = {K}, m = {M_WIDTH}, L = {BLOCKS}, c = {C}, ε = {EPS}), "
                      f"median of {repeats} interleaved rounds, one BLAS thread")
    for col in ("K·N", "P", "exact s", "matrix-free s", "speed-up", "mat-vecs", "agreement", "error bound"):
        tab.add_column(col, justify="right")
    worst = 0.0
    with blas_single_thread():
        for N in Ns:
            net = residual_ce_net(N, K, M_WIDTH, BLOCKS, alpha_for(C, K, M_WIDTH, EPS, "tanh"), EPS)
            X, _ = make_data(0, N, N, K)
            p = trainer.set_wn_row_norms(net, net.init(0), 4.0)
            te, tm = [], []
            for _ in range(repeats):
                t = time.perf_counter()
                exact = float(kernel.exact_lambda_min(net, p, X))
                te.append(time.perf_counter() - t)
                t = time.perf_counter()
                est = kernel.matrix_free_lambda_min(net, p, X)
                tm.append(time.perf_counter() - t)
            if est is None:
                tab.add_row(str(K * N), str(net.num_params), f"{np.median(te):.3f}", "-", "-", "-",
                            "check refused: exact path used", "-")
                continue
            agree = abs(est.value - exact) / exact
            worst = max(worst, agree)
            tab.add_row(str(K * N), str(net.num_params), f"{np.median(te):.3f}", f"{np.median(tm):.3f}",
                        f"{np.median(te) / np.median(tm):.1f}×", str(est.matvecs), f"{agree:.1e}",
                        f"{est.bound / est.value:.1e}")
    con.print(tab)
    con.print(f"exact path used by the trainer for K·N ≤ {kernel.EXACT_MAX}; agreement limit {AGREE:g} relative: "
              + ("met" if worst <= AGREE else "EXCEEDED"))
    return 0 if worst <= AGREE else 1


if __name__ == "__main__":
    sys.exit(main())
