"""One BLAS thread while the toolkit computes (threadpoolctl).

Why: the toolkit's matrices are small and its work is batched; on a busy 2-core machine OpenBLAS's
spinning worker threads made batched SVDs 10–20× slower (a default skip-mechanism run took 520 s with the
default threads, 44 s with one), while one thread costs little on an idle machine. `verify` wraps every
command in this; library users may use it too.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits


def blas_single_thread():
    """A context manager limiting BLAS to one thread."""
    return threadpool_limits(limits=1, user_api="blas")
