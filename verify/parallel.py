"""Run a `verify` target as independent tasks — in this process, in local worker processes, or on a Dask
cluster — and merge what they return into one report, in the same order, whoever ran them.

A *task* is plain data (``Task``): the sympy obligations of one result, or one numeric check under one
seed (with its teeth under ``--teeth``). A worker looks the id up in its own registry (or loads the
lemma file), runs it with one BLAS thread, and returns plain report objects (``TaskResult``). The
parent merges them per check over the seeds (``numerics.attack.seeds``) and per result into the same
``Outcome``s a serial run builds, so the table, the ``--json`` lines and the exit code are identical
between ``--jobs 1``, ``--jobs N`` and ``--scheduler`` apart from the timing fields.

* ``--jobs 1``: tasks run here, in order, with the per-example progress bar (the serial run).
* ``--jobs N`` (default ``$VERIFY_JOBS``, else the number of cores): a
  ``concurrent.futures.ProcessPoolExecutor`` with N workers forked from a fork server that has
  already imported the toolkit. Workers ignore SIGINT; on Ctrl-C the parent cancels what has not
  started and terminates the workers.
* ``--scheduler ADDRESS``: the tasks go to a running Dask distributed cluster and stream back as they
  finish (optional extra ``cluster``).

A task that returns no result — its worker died, or it raised outside the attack engine — is run once
more; if that fails too it is reported as ERROR, never as a pass. One task runs at a time per process
(a lock), because hypothesis, mpmath's working precision and threadpoolctl's limits are per process;
Dask workers with several threads therefore still run one attack at a time each.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable

from numerics.attack.engine import (
    DEFAULT_PROFILE, ERROR, CheckReport, TeethReport, get_profile, reproduce_command, run_check, run_teeth,
)
from numerics.attack.seeds import merge_reports, merge_teeth, seeds_label
from numerics.blas import blas_single_thread
from verify.report import Outcome
from verify.ui import UsageError

CONNECT_TIMEOUT = 5.0  # seconds to reach a Dask scheduler before `--scheduler` is a usage error
ATTEMPTS = 2  # a task is run at most twice: once, and once more if its worker died
MAX_SEEDS = 100_000
SEED_LIMIT = 2**32


# ------------------------------------------------------------------------------------- options
def seeds_arg(text: str) -> tuple[int, ...]:
    """``A:B`` (the seeds A, A+1, …, B−1) or ``S1,S2,…``: an argparse type."""
    fix = "use A:B (seeds A … B−1, e.g. 0:8) or a list like 0,3,11"
    if ":" in text:
        a, _, b = text.partition(":")
        try:
            start, stop = int(a), int(b)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a range of whole numbers; {fix}") from None
        if not 0 <= start < stop <= SEED_LIMIT:
            raise argparse.ArgumentTypeError(f"{text!r} needs 0 ≤ A < B ≤ 2**32; {fix}")
        seeds: tuple[int, ...] = tuple(range(start, min(stop, start + MAX_SEEDS + 1)))
    else:
        try:
            seeds = tuple(int(part) for part in text.split(","))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a list of whole numbers; {fix}") from None
        bad = [s for s in seeds if not 0 <= s < SEED_LIMIT]
        if bad:
            raise argparse.ArgumentTypeError(f"seed {bad[0]} in {text!r} is not in 0 … 2**32-1")
        if len(set(seeds)) != len(seeds):
            raise argparse.ArgumentTypeError(f"{text!r} names a seed twice; {fix}")
    if len(seeds) > MAX_SEEDS:
        raise argparse.ArgumentTypeError(f"{text!r} is more than {MAX_SEEDS:,} seeds: split the run")
    return seeds


def default_jobs() -> int:
    """$VERIFY_JOBS if set, else the number of cores this process may use."""
    env = os.environ.get("VERIFY_JOBS")
    if env is not None:
        try:
            jobs = int(env)
        except ValueError:
            jobs = 0
        if jobs < 1:
            raise UsageError(f"VERIFY_JOBS={env!r} must be a whole number > 0 (or unset it)")
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_options(args: argparse.Namespace) -> None:
    """Usage errors of --jobs/--seeds/--scheduler, before any work."""
    if args.seeds is not None and args.seed is not None:
        raise UsageError(f"give --seed {args.seed} or --seeds {seeds_label(args.seeds)}, not both")
    if args.scheduler is not None:
        if args.jobs is not None:
            raise UsageError(f"--jobs {args.jobs} sets local workers, but --scheduler sends the work to the "
                             "cluster's workers: drop one of them")
        if not args.scheduler.strip():
            raise UsageError("--scheduler needs an address such as tcp://127.0.0.1:8786")


def seeds_of(args: argparse.Namespace) -> tuple[int, ...]:
    if args.seeds is not None:
        return tuple(args.seeds)
    return (0 if args.seed is None else args.seed,)


# --------------------------------------------------------------------------------------- tasks
@dataclass(frozen=True)
class Task:
    """One unit of work, as plain data so that it pickles to any worker."""

    index: int  # its place in the report
    kind: str  # "obligations" (of result `target`) | "check" (check `target` under `seed`)
    target: str  # result id, check id, or a lemma path as typed
    seed: int = 0
    profile: str = DEFAULT_PROFILE
    bound_scale: float = 1.0
    teeth: bool = False
    lemma_path: str | None = None  # absolute path of a lemma file (workers may have another cwd)

    @property
    def label(self) -> str:
        return f"{self.target}: sympy obligations" if self.kind == "obligations" else f"{self.target} seed {self.seed}"


@dataclass
class TaskResult:
    index: int
    obligations: list | None = None  # list[verify.report.ObligationRecord]
    report: CheckReport | None = None
    teeth: TeethReport | None = None
    elapsed: float = 0.0
    error: str | None = None  # the task produced nothing (worker died, id unknown to the worker, …)


_ONE_AT_A_TIME = threading.Lock()  # see the module docstring


def run_task(task: Task, subject: Any = None, progress: Callable[[int, int], None] | None = None) -> TaskResult:
    """Run one task (in a worker: ``subject`` is looked up from the task's ids). One BLAS thread."""
    with _ONE_AT_A_TIME, blas_single_thread():
        if subject is None:
            subject = _resolve(task)
        start = time.perf_counter()
        if task.kind == "obligations":
            from verify.cli import obligation_records  # the parent's rendering of obligations

            return TaskResult(task.index, obligations=obligation_records(subject),
                              elapsed=time.perf_counter() - start)
        report = run_check(subject, seed=task.seed, profile=task.profile, bound_scale=task.bound_scale,
                           progress=progress)
        teeth = run_teeth(subject, seed=task.seed, profile=task.profile, base=report) if task.teeth else None
        return TaskResult(task.index, report=report, teeth=teeth, elapsed=time.perf_counter() - start)


def _resolve(task: Task) -> Any:
    from verify import lemma, registry

    try:
        if task.lemma_path is not None:
            return lemma.load(task.lemma_path).to_check(task.target)
        entry, check = registry.resolve(task.target)
    except UsageError as exc:
        raise LookupError(f"{exc} — on this worker; is the same version of skipnorm-verify installed on "
                          "every worker?") from None
    return entry.result if task.kind == "obligations" else check


def error_report(check: Any, task: Task, message: str) -> CheckReport:
    """The ERROR report of a check whose task returned nothing."""
    profile = get_profile(task.profile).name
    return CheckReport(
        id=check.id, result_id=check.result_id, title=check.title, expect=check.expect, relation=check.relation,
        verdict=ERROR, instances=0, worst_ratio=None, seed=task.seed, profile=profile, elapsed=0.0,
        tolerance={"rtol": check.rtol, "atol": check.atol}, bound_scale=task.bound_scale,
        reproduce=reproduce_command(check, task.seed, profile, task.bound_scale),
        message=f"no result: {message}")


@dataclass
class Plan:
    """The tasks of a run and where each goes in the report."""

    tasks: list[Task] = field(default_factory=list)
    subjects: dict[int, Any] = field(default_factory=dict)  # index → result / check, for in-process runs
    layout: list[tuple[int | None, list[list[int]]]] = field(default_factory=list)  # per job: ob, [check][seed]


def plan(jobs, args: argparse.Namespace, seeds: tuple[int, ...]) -> Plan:
    p = Plan()

    def add(subject: Any, **kw: Any) -> int:
        task = Task(index=len(p.tasks), profile=args.profile, bound_scale=args.bound_scale, **kw)
        p.tasks.append(task)
        p.subjects[task.index] = subject
        return task.index

    for entry, checks, kind in jobs:
        ob = add(entry.result, kind="obligations", target=entry.id) \
            if kind == "result" and entry.result is not None else None
        per_check = [[add(check, seed=s, teeth=bool(args.teeth), **_check_target(check, kind)) for s in seeds]
                     for check in checks]
        p.layout.append((ob, per_check))
    return p


def _check_target(check: Any, kind: str) -> dict[str, Any]:
    if kind == "lemma":  # a worker loads the file itself; its reproduction command keeps the path as typed
        typed = check.reproduce_as or check.id
        return {"kind": "check", "target": typed, "lemma_path": os.path.abspath(typed)}
    return {"kind": "check", "target": check.id}


# ------------------------------------------------------------------------------------- runners
Done = Callable[[TaskResult], None]
Step = Callable[..., None]


def run_here(p: Plan, done: Done, step: Step) -> None:
    """The serial run: in order, in this process, with per-example progress."""
    for task in p.tasks:
        def examples(k: int, total: int, label: str = task.label) -> None:
            step(f"{label}  (example {k}/{total})", advance=0)

        step(task.label, advance=0)
        try:
            result = run_task(task, p.subjects[task.index], progress=examples)
        except Exception as exc:  # noqa: BLE001 - reported as ERROR like a worker's failure
            result = TaskResult(task.index, error=f"{type(exc).__name__}: {exc}")
        done(result)


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops us


def _local_pool(workers: int, preload: tuple[str, ...] = ("verify._forkserver_preload",)) -> ProcessPoolExecutor:
    """``preload``: modules the fork server imports once (if this process has not started one already)."""
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(list(preload))
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers (Ctrl-C must not wait for a long attack)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python ≥ 3.14
    if terminate is not None:
        terminate()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.terminate()
    for proc in processes:
        proc.join(timeout=5)


def run_local(p: Plan, done: Done, step: Step, workers: int) -> None:
    """N worker processes; a task whose worker died is run once more in a fresh pool, then ERROR."""
    def as_error(i: int, exc: BaseException, died: bool) -> TaskResult:  # e.g. an id unknown to the worker
        return TaskResult(i, error=f"its worker process died twice ({exc})" if died else f"{type(exc).__name__}: {exc}")

    map_local(run_task, [(task,) for task in p.tasks], workers, lambda i, result: done(result),
              preload=("verify._forkserver_preload",), on_error=as_error)


def map_local(fn: Callable, calls: list[tuple], workers: int, done: Callable[[int, Any], None], *,
              preload: tuple[str, ...] | None = None,
              on_error: Callable[[int, BaseException, bool], Any] | None = None) -> None:
    """fn(*calls[i]) for every i in ``workers`` local processes (the pool above); done(i, result) as each finishes.

    ``fn`` must be a module-level function and its arguments picklable; it sets its own BLAS threads. The fork
    server preloads ``preload`` (default: fn's own module, not the whole registry). A call whose worker died
    is run once more in a fresh pool. A call that raised, or whose worker died twice, gives
    ``on_error(i, exception, died)`` to ``done``; without on_error the exception (RuntimeError for the
    deaths) stops the pool and is raised here. Ctrl-C stops the pool at once and raises KeyboardInterrupt
    (``done`` has seen whatever finished before).
    """
    pending, attempts = list(range(len(calls))), [0] * len(calls)
    while pending:
        pool = _local_pool(min(workers, len(pending)), preload=preload or (fn.__module__,))
        retry: list[int] = []
        try:
            futures = {pool.submit(fn, *calls[i]): i for i in pending}
            for future in as_completed(futures):
                i = futures[future]
                attempts[i] += 1
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    if attempts[i] < ATTEMPTS:
                        retry.append(i)
                        continue
                    if on_error is None:
                        raise RuntimeError(f"the worker process of call {i} died twice ({exc})") from None
                    result = on_error(i, exc, True)
                except Exception as exc:  # noqa: BLE001 - on_error decides; without it, re-raised
                    if on_error is None:
                        raise
                    result = on_error(i, exc, False)
                done(i, result)
        except BaseException:
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)
        pending = sorted(retry)


@contextmanager
def _quiet_dask_logs():
    import logging

    loggers = [logging.getLogger(name) for name in ("distributed", "tornado")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def connect(address: str, timeout: float | None = None):
    """A dask.distributed Client for ``address``; UsageError (exit 2) if dask is missing or nothing answers.

    The scheduler is asked for its identity first, within ``timeout`` seconds: a Client that fails
    half-way would otherwise linger and spend seconds closing itself at exit.
    """
    try:
        import distributed
    except ImportError:
        raise UsageError("--scheduler needs Dask distributed, which is not installed: "
                         "pip install 'skipnorm-verify[cluster]', or run without --scheduler") from None
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    try:
        with _quiet_dask_logs():
            kind = _identity(address, timeout).get("type")
    except Exception as exc:  # noqa: BLE001 - refused, timed out, bad address, not a Dask server …
        reason = (str(exc).splitlines() or [""])[0] or type(exc).__name__
        raise UsageError(f"cannot reach a Dask scheduler at {address!r} within {timeout:g} s ({reason}); "
                         "start one with `dask scheduler` and pass its tcp://HOST:PORT") from None
    if kind != "Scheduler":
        raise UsageError(f"{address!r} answers, but as a Dask {kind or 'server of unknown type'}, not a scheduler: "
                         "pass the scheduler's address (`dask scheduler` prints it)")
    with _quiet_dask_logs():
        return distributed.Client(address, timeout=timeout, set_as_default=False)


def _identity(address: str, timeout: float) -> dict:
    import asyncio

    from distributed.comm import connect as open_comm

    async def ask() -> dict:
        comm = await open_comm(address, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            await comm.close()

    reply = asyncio.run(asyncio.wait_for(ask(), timeout))
    return reply if isinstance(reply, dict) else {}


def run_dask(p: Plan, done: Done, step: Step, client, fn: Callable = run_task, timeout: float | None = None) -> None:
    """Submit every task to the cluster; results stream back as they finish. Retried once, then ERROR.

    ``timeout`` (seconds, default none) bounds the whole run: a TimeoutError instead of waiting for workers.
    """
    from distributed import as_completed as dask_completed

    token = uuid.uuid4().hex[:12]
    owner: dict[str, tuple[Task, int]] = {}

    def submit(task: Task, attempt: int):
        key = f"verify-{token}-{task.index}-{attempt}"
        owner[key] = (task, attempt)
        return client.submit(fn, task, key=key, pure=False)

    submitted = [submit(task, 1) for task in p.tasks]
    stream = dask_completed(submitted, loop=client.loop, timeout=timeout)
    try:
        for future in stream:
            task, attempt = owner[future.key]
            if future.status == "finished":
                result = future.result()
            else:
                exc = future.exception()
                if attempt < ATTEMPTS:
                    submitted.append(submit(task, attempt + 1))
                    stream.add(submitted[-1])
                    future.release()
                    continue
                result = TaskResult(task.index, error=f"failed twice on the cluster ({type(exc).__name__}: {exc})")
            future.release()
            done(result)
    except BaseException:
        with _quiet_dask_logs():
            client.cancel(submitted, force=True)
        raise


# ----------------------------------------------------------------------------------- the report
def run_jobs(jobs, args: argparse.Namespace, ui) -> tuple[list[Outcome], bool]:
    """Run each (entry, checks, kind) of ``jobs`` and return the Outcomes and whether Ctrl-C stopped it."""
    seeds = seeds_of(args)
    p = plan(jobs, args, seeds)
    client = connect(args.scheduler) if args.scheduler is not None else None  # fail fast, before any work
    workers = 1 if client is not None else min(args.jobs or default_jobs(), max(1, len(p.tasks)))
    results: dict[int, TaskResult] = {}
    progress = nullcontext(None) if (args.no_progress or ui.json_mode) else ui.progress()
    interrupted = False
    try:
        with progress as bar:
            task_id = bar.add_task("verify", total=len(p.tasks)) if bar is not None else None

            def step(description: str, advance: int = 1) -> None:
                if bar is not None:
                    bar.update(task_id, advance=advance, description=description)

            def done(result: TaskResult) -> None:
                results[result.index] = result
                step(f"{p.tasks[result.index].label} done")

            try:
                if client is not None:
                    run_dask(p, done, step, client)
                elif workers == 1:
                    run_here(p, done, step)
                else:
                    run_local(p, done, step, workers)
            except KeyboardInterrupt:
                interrupted = True
    finally:
        if client is not None:
            with _quiet_dask_logs():
                client.close()
    return assemble(jobs, p, results, args, seeds, interrupted), interrupted


def assemble(jobs, p: Plan, results: dict[int, TaskResult], args: argparse.Namespace,
             seeds: tuple[int, ...], interrupted: bool) -> list[Outcome]:
    """Outcomes in job order from whatever tasks finished; a check counts once all its seeds finished."""
    outcomes = []
    for (entry, checks, kind), (ob, per_check) in zip(jobs, p.layout):
        out = Outcome(id=checks[0].id if kind == "check" else entry.id, kind=kind, title=entry.title,
                      provenance=entry.provenance, statement=entry.statement, seed=seeds[0],
                      profile=args.profile, bound_scale=args.bound_scale, expected_checks=len(checks),
                      seeds=list(seeds))
        if kind == "check":
            out.title, out.statement = checks[0].title, checks[0].statement
        indices = ([ob] if ob is not None else []) + [i for idx in per_check for i in idx]
        finished = [results[i] for i in indices if i in results]
        if interrupted and not finished:
            continue
        if kind == "result" and entry.result is None:
            out.notes.append("no theorems record yet: no statement or symbolic obligations to show")
        if ob is not None and ob in results:
            if results[ob].error is not None:
                out.error = f"the sympy obligations returned nothing: {results[ob].error}"
            else:
                out.obligations = results[ob].obligations or []
        elif ob is not None:
            out.notes.append("symbolic obligations not run (interrupted)")
        for check, idx in zip(checks, per_check):
            if not all(i in results for i in idx):
                continue
            reports = [results[i].report or error_report(check, p.tasks[i], results[i].error or "?") for i in idx]
            merged = merge_reports(reports)
            out.checks.append(merged)
            teeth = [results[i].teeth for i in idx if results[i].teeth is not None]
            if teeth:
                out.teeth.append(merge_teeth(teeth, merged))  # type: ignore[arg-type]
        out.elapsed = sum(r.elapsed for r in finished)
        if len(seeds) > 1:  # reproduce the first check that did not pass, with its own seed
            out.seed = next((c.seed for c in out.checks if not c.ok), seeds[0])
        if interrupted and len(out.checks) < len(checks):
            out.notes.append(f"interrupted (Ctrl-C) after {len(out.checks)} of {len(checks)} checks")
        outcomes.append(out)
    return outcomes
