"""One BLAS thread while the toolkit computes (threadpoolctl).

Why: the toolkit's matrices are small and its work is batched; on a busy 2-core machine OpenBLAS's
spinning worker threads made batched SVDs 10–20× slower (a default skip-mechanism run took 520 s with the
default threads, 44 s with one), and a GD step of the R7 net 3–16× slower, while one thread costs little
on an idle machine (at most ~14 % on a GD step). `verify` wraps every command in this; the library does
the same where it computes in loops — ``numerics.trainer.gradient_descent(threads=1)`` and
``numerics.attack.engine.run_check`` — and library users may use it too. Pass ``threads=None`` to
``gradient_descent`` (or leave this context) to keep BLAS's own default.
"""

from __future__ import annotations

from contextlib import nullcontext

from threadpoolctl import threadpool_limits


def blas_single_thread():
    """A context manager limiting BLAS to one thread."""
    return threadpool_limits(limits=1, user_api="blas")


def blas_threads(n: int | None = 1):
    """A context manager limiting BLAS to ``n`` threads; ``None`` leaves the current setting alone."""
    if n is None:
        return nullcontext()
    if int(n) < 1:
        raise ValueError(f"BLAS threads must be ≥ 1 (or None for BLAS's default), got {n!r}")
    return threadpool_limits(limits=int(n), user_api="blas")
