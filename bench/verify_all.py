"""Benchmark: wall time and instances per second of every numeric check, and of `verify all` as a whole.

    python bench/verify_all.py [--profile quick|thorough|ci] [--seed S] [--top K]

Runs each registered check once through the attack engine (numerics.attack.engine.run_check) and the
sympy obligations of every result once, then prints a table sorted by time, slowest first, with
instances/s, so a slow check is easy to spot. `verify all` must stay well under a minute on 2 cores with
the default profile (the project's speed rule: ratios taken in one run, never in timed tests); timings belong here, not in tests.
"""

from __future__ import annotations

import argparse
import sys
import time

from rich.console import Console
from rich.table import Table

from numerics.attack.engine import run_check
from numerics.checks import all_checks
from theorems.catalogue import RESULTS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick", choices=["ci", "quick", "thorough"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top", type=int, default=0, help="show only the K slowest checks (0: all)")
    args = parser.parse_args()
    console = Console(width=None if sys.stdout.isatty() else 140)  # piped output: no truncated ids

    t0 = time.perf_counter()
    for result in RESULTS.values():
        _ = result.outcomes  # sympy work, cached per process as in `verify all`
    t_sympy = time.perf_counter() - t0

    rows = []
    for check in all_checks():
        report = run_check(check, seed=args.seed, profile=args.profile)
        rows.append((report.elapsed, check.id, report.verdict, report.instances))
    rows.sort(reverse=True)
    t_numeric = sum(r[0] for r in rows)

    table = Table(title=f"numeric checks, profile {args.profile}, seed {args.seed}")
    for col, justify in (("check", "left"), ("verdict", "left"), ("instances", "right"), ("time", "right"),
                         ("instances/s", "right")):
        table.add_column(col, justify=justify, no_wrap=True)
    for elapsed, cid, verdict, n in rows[: args.top or None]:
        table.add_row(cid, verdict, f"{n:,}", f"{elapsed:.2f}s", f"{n / max(elapsed, 1e-9):,.0f}")
    console.print(table)
    console.print(f"sympy obligations: {t_sympy:.1f}s · numeric checks: {t_numeric:.1f}s "
                  f"({len(rows)} checks) · total {t_sympy + t_numeric:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
