"""Benchmark: serial versus worker processes versus Dask, measured within one run (ratios, not absolutes).

    python bench/parallel.py [--repeat 2] [--seeds-target cost-bounds] [--seeds 0:8] [--profile quick]
                             [--tasks 200] [--skip all,seeds,dask]

1. `verify all` (default profile) with --jobs 1 and --jobs 2, alternating, as subprocesses (wall time);
2. `verify TARGET --seeds A:B --profile P` with --jobs 1 and --jobs 2 (how the seeds scale with workers);
3. Dask per-task overhead: N no-op tasks through verify.parallel.run_dask on a LocalCluster of 2 worker
   processes (amortised per task), and the round trip of one task at a time (latency).

The machine may be shared: the load average is printed before and after, and each comparison alternates
its two variants so that both see the same load. With psutil installed the CPU time of the whole process
tree is printed too: on a machine whose scheduler shares the CPU per session (Linux autogroup), a busy
machine gives a session the same share however many processes it runs, and only the CPU times compare.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def wall(argv: list[str]) -> tuple[float, float | None, int]:
    """Wall time, CPU time of the whole process tree (sampled with psutil, if installed), exit code."""
    cmd = [sys.executable, "-m", "verify", *argv, "--no-progress"]
    start = time.perf_counter()
    try:
        import psutil
    except ImportError:
        code = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        return time.perf_counter() - start, None, code
    proc = psutil.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu: dict[int, float] = {}
    while proc.poll() is None:  # the workers are grandchildren of a fork server: sample the tree
        try:
            tree = [proc, *proc.children(recursive=True)]
        except psutil.Error:
            tree = []
        for p in tree:
            try:
                t = p.cpu_times()
                cpu[p.pid] = t.user + t.system
            except psutil.Error:
                pass
        time.sleep(0.1)
    return time.perf_counter() - start, sum(cpu.values()), proc.returncode


def compare(name: str, argv: list[str], repeat: int) -> None:
    times: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(repeat):
        for jobs in (1, 2):
            t, cpu, code = wall([*argv, "--jobs", str(jobs)])
            if code != 0:
                print(f"  {' '.join(argv)} --jobs {jobs} exited {code}")
            times[jobs].append(t)
            if cpu is not None:
                cpus[jobs].append(cpu)
    best = {j: min(ts) for j, ts in times.items()}
    print(f"{name}: wall --jobs 1 {', '.join(f'{t:.1f}' for t in times[1])} s · --jobs 2 "
          f"{', '.join(f'{t:.1f}' for t in times[2])} s · speed-up (best of each) {best[1] / best[2]:.2f}×"
          f"  [load {load()}]")
    if cpus[1] and cpus[2]:
        print(f"  CPU time of the process tree: --jobs 1 {', '.join(f'{c:.1f}' for c in cpus[1])} s · --jobs 2 "
              f"{', '.join(f'{c:.1f}' for c in cpus[2])} s (the pool's extra work: fork server, worker start-up)")


def noop(task):
    from verify.parallel import TaskResult

    return TaskResult(task.index)


def dask_overhead(n: int) -> None:
    from distributed import LocalCluster

    from verify.parallel import Plan, Task, run_dask

    plan = Plan(tasks=[Task(index=i, kind="check", target="noop") for i in range(n)])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            cluster.get_client() as client:
        run_dask(Plan(tasks=plan.tasks[:4]), lambda r: None, lambda *a, **k: None, client, fn=noop)  # warm up
        start = time.perf_counter()
        done: list = []
        run_dask(plan, done.append, lambda *a, **k: None, client, fn=noop)
        batch = time.perf_counter() - start
        assert len(done) == n
        start = time.perf_counter()
        for task in plan.tasks[:20]:
            run_dask(Plan(tasks=[task]), lambda r: None, lambda *a, **k: None, client, fn=noop)
        latency = (time.perf_counter() - start) / 20
    print(f"dask: {n} no-op tasks on 2 worker processes in {batch:.2f} s = {1000 * batch / n:.1f} ms per task "
          f"amortised; one task at a time: {1000 * latency:.0f} ms round trip  [load {load()}]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seeds-target", default="cost-bounds")
    parser.add_argument("--seeds", default="0:8")
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--skip", default="", help="comma-separated: all, seeds, dask")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    print(f"{os.cpu_count()} cores · load average (1, 5, 15 min) at start: {load()}")
    if "all" not in skip:
        compare("verify all", ["all"], args.repeat)
    if "seeds" not in skip:
        compare(f"verify {args.seeds_target} --seeds {args.seeds} --profile {args.profile}",
                [args.seeds_target, "--seeds", args.seeds, "--profile", args.profile], args.repeat)
    if "dask" not in skip:
        dask_overhead(args.tasks)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
