"""`verify`: check the paper's results symbolically (sympy) and numerically (hypothesis attacks).

The first word picks what to do (see ``EPILOG``); everything goes through verify.ui so that exit codes,
``--json`` lines, NO_COLOR and progress behave the same on every path.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from numerics.attack.engine import DEFAULT_PROFILE, PROFILES
from numerics.attack.seeds import seeds_label
from numerics.checks import discovery_errors
from verify import parallel, registry
from verify.exits import EXIT_CODES_HELP, guarded
from verify.report import ObligationRecord, Outcome, detail, exit_code, list_table, summary_table, teeth_table
from numerics.blas import blas_single_thread
from verify.ui import (
    EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UI, ArgumentParser, UsageError, positive_float, positive_int, seed_int,
    wants_json,
)

SUBCOMMANDS = ("train", "experiment")  # written elsewhere: verify/commands/<name>.py, main(argv, ui)

EPILOG = f"""\
targets:
  all                     every result: sympy obligations + numeric checks, summary table
  list                    result ids, titles, provenance, number of numeric checks
  explain ID              statement, hypotheses (and why), derivation, checks, a live example
  RESULT-ID               one result in detail, e.g. `verify cost-bounds`
  CHECK-ID                one numeric check, e.g. `verify cost-bounds/ce-grad-upper`
  path/to/lemma.py        a lemma of your own (see verify/lemma.py and examples/)
  train …, experiment …   the trainer and the experiments (their own --help)

verdicts:
  PASS                 N instances attacked, none violated the bound; worst ratio shown. Not a proof.
  FAIL                 a shrunk counterexample (re-evaluated at 50 digits: "confirmed genuine", or
                       "not confirmed at high precision" when the check has no 50-digit evaluator);
                       an obligation sympy refuted; a control that stopped refuting; NO TEETH.
  UNDECIDED            sympy could not decide (its None is never a pass); the budget ended with float64
                       artefacts only (violations 50 digits do not confirm; listed); a result with no
                       numeric check yet.
  GAVE UP              too few instances met the check's hypotheses.
  ERROR                NaN/inf, a floating-point overflow, a crash inside a check, or quantities that
                       are not precision-consistent (50 digits differ from float64 by > 1e-6 relative).
  REFUTED AS EXPECTED  a negative control found its counterexample (counts as passing).
  A result takes the worst of its parts: ERROR > FAIL > GAVE UP > UNDECIDED > PASS.

symbolic obligations (sympy), counted per result as "3 proved · 2 exact · 1 cited":
  PROVED     a symbolic argument in the claim's full generality (symbolic sizes, or a stated finite
             reduction that is itself checked)
  EXACT      exact arithmetic at a fixed size or on fixed instances (a 2×2 case, one rational instance)
  CITED      a standard textbook fact used as a step, named with its source (Weyl, Courant–Fischer, …)
  DERIVED    a constant sympy computed and compared with an independently stated value
  INTERVAL   a bound certified by rigorous ball (interval) arithmetic
  UNDECIDED  sympy could not decide (never a pass);  FAILED  sympy refuted it
  A chain of steps is as strong as its weakest step. `--mutants` runs each obligation with one wrong
  ingredient: REFUTED (sympy says FAILED) shows the obligation could fail; SURVIVED is a defect
  (exit 1 when any mutant survived).

{EXIT_CODES_HELP}
profiles (hypothesis examples × instances per example):
  {", ".join(f"{p.name} {p.max_examples}×{p.instances}" for p in PROFILES.values())}

Every failure prints a command that reproduces it (`verify ID --seed S`). NO_COLOR is respected.
"""


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog="verify", description=__doc__.splitlines()[0].split(": ", 1)[1],
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", nargs="?", help="all | list | explain ID | RESULT-ID | CHECK-ID | lemma.py")
    p.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    p.add_argument("--seed", type=seed_int, default=None, help="hypothesis seed: same seed, same cases (default 0)")
    p.add_argument("--seeds", type=parallel.seeds_arg, metavar="A:B|S1,S2,…",
                   help="attack every check under each seed (A:B is A … B−1); per check the worst over the seeds")
    p.add_argument("--jobs", type=positive_int, metavar="N",
                   help="worker processes (default $VERIFY_JOBS, else the number of cores; 1 = serial, in this process)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the tasks on a Dask cluster, e.g. tcp://127.0.0.1:8786 (extra: skipnorm-verify[cluster])")
    p.add_argument("--profile", choices=list(PROFILES), default=DEFAULT_PROFILE,
                   help="how hard to attack (default quick; thorough ≥ 10× the instances)")
    p.add_argument("--bound-scale", type=positive_float, default=1.0, metavar="F",
                   help="multiply every bound's rhs by F > 0 (F < 1 strengthens it: checks must then fail)")
    p.add_argument("--teeth", action="store_true",
                   help="also rerun each passing check with rhs × 0.99·(its declared sup): a tight check must "
                        "FAIL there (confirmed at 50 digits); a loose one reports what it cannot see")
    p.add_argument("--strict", action="store_true", help="exit 1 (not 3) on UNDECIDED or GAVE UP")
    p.add_argument("--mutants", action="store_true",
                   help="run each sympy obligation's mutant (one wrong ingredient) instead of the checks: every "
                        "one must be REFUTED (exit 1 if any SURVIVED)")
    p.add_argument("--json", action="store_true", help="one JSON object per result per line on stdout")
    p.add_argument("--html", metavar="FILE", type=Path, help="also write one self-contained HTML page of the run "
                   "(summary, statements, hypotheses, obligations, checks, reproduction commands, figures)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    return p


def main(argv: list[str] | None = None) -> int:
    with blas_single_thread():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ui = UI(json_mode=wants_json(argv))
    return guarded(lambda: _run(argv, ui), ui)  # verify.exits: one place maps what escapes to an exit code


def _run(argv: list[str], ui: UI) -> int:
    if argv and argv[0] in SUBCOMMANDS:
        return _delegate(argv[0], argv[1:], ui)
    parser = build_parser()
    if ui.json_mode and ("-h" in argv or "--help" in argv):
        ui.emit({"help": parser.format_help()})
        return EXIT_OK
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    return _dispatch(args, ui)


def _delegate(name: str, argv: list[str], ui: UI) -> int:
    module_name = f"verify.commands.{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise UsageError(f"`verify {name}` is not available in this installation ({module_name} is missing)") from None
        raise
    return int(module.main(argv, ui))


def _dispatch(args: argparse.Namespace, ui: UI) -> int:
    target = args.target
    if target is None:
        raise UsageError("missing target: try `verify all`, `verify list` or `verify --help`")
    parallel.check_options(args)
    args.seed = parallel.seeds_of(args)[0]
    if target == "explain":
        if len(args.rest) != 1:
            raise UsageError("`verify explain` needs exactly one result or check id, e.g. `verify explain cost-bounds`")
        from verify import explain

        return explain.main(args.rest[0], ui, seed=args.seed)
    if args.rest:
        raise UsageError(f"unexpected extra argument(s) {' '.join(args.rest)!r} after {target!r}")
    if args.html is not None:
        if target in ("list", "explain"):
            raise UsageError(f"--html writes the report of a run: use it with `verify all` or `verify ID`, not {target!r}")
        from verify.html_report import check_writable

        check_writable(args.html)  # before any work
    if args.teeth and args.bound_scale != 1.0:
        raise UsageError("--teeth measures the bound as stated: drop --bound-scale "
                         f"{args.bound_scale!r} or --teeth")
    if args.mutants:
        return _mutants(target, ui)
    if target == "list":
        return _list(ui)
    if target == "all":
        jobs = [(entry, entry.checks, "result") for entry in registry.entries()]
        outcomes, interrupted = run_jobs(jobs, args, ui)
        outcomes += [Outcome(id=m, kind="module", title="checks module failed to import", provenance="—",
                             error=err, seed=args.seed, profile=args.profile) for m, err in discovery_errors()]
        return _finish(outcomes, args, ui, interrupted, summary=True)
    if target.endswith(".py"):
        from verify import lemma

        lem = lemma.load(target)
        check = lem.to_check(target)
        entry = registry.Entry(check.id, check.title, "user lemma", statement=lem.statement)
        jobs = [(entry, [check], "lemma")]
        outcomes, interrupted = run_jobs(jobs, args, ui)
        for o in outcomes:
            o.target = target
        return _finish(outcomes, args, ui, interrupted, summary=False)
    else:
        entry, check = registry.resolve(target)
        jobs = [(entry, entry.checks if check is None else [check], "result" if check is None else "check")]
    outcomes, interrupted = run_jobs(jobs, args, ui)
    return _finish(outcomes, args, ui, interrupted, summary=False)


def _mutants(target: str, ui: UI) -> int:
    from verify import mutants

    if target == "all":
        results = [e.result for e in registry.entries() if e.result is not None]
    else:
        entry, check = registry.resolve(target)
        if check is not None or entry.result is None:
            raise UsageError(f"--mutants needs `all` or a result id with sympy obligations, not {target!r}")
        results = [entry.result]
    return mutants.run(results, ui)


def _list(ui: UI) -> int:
    from verify.paper_map import SPEC_LABELS

    rows = [{"id": e.id, "label": SPEC_LABELS.get(e.id), "title": e.title, "provenance": e.provenance,
             "checks": len(e.checks),
             "check_ids": [c.id for c in e.checks]} for e in registry.entries()]
    for row in rows:
        ui.emit(row)
    ui.print(list_table(rows))
    for module, err in discovery_errors():
        ui.error(f"{module} failed to import: {err}", kind="import")
    return EXIT_OK


def run_jobs(jobs, args: argparse.Namespace, ui: UI) -> tuple[list[Outcome], bool]:
    """Run each (entry, checks, kind): here, in --jobs worker processes or on a Dask cluster (verify.parallel).

    Ctrl-C stops the run and returns what finished."""
    return parallel.run_jobs(jobs, args, ui)


def obligation_records(result: Any) -> list[ObligationRecord]:
    outcomes = result.outcomes
    return [ObligationRecord(ob.name, ob.description, getattr(outcomes[ob.name].status, "value",
                                                                str(outcomes[ob.name].status)),
                             outcomes[ob.name].evidence, outcomes[ob.name].value)
            for ob in result.obligations]


def _finish(outcomes: list[Outcome], args, ui: UI, interrupted: bool, *, summary: bool) -> int:
    code = EXIT_INTERRUPTED if interrupted else exit_code(outcomes, strict=args.strict)
    for o in outcomes:
        ui.emit({**o.to_dict(), "exit_code": code})
    if summary:
        seeds = parallel.seeds_of(args)
        seed = f"seed {seeds[0]}" if len(seeds) == 1 else f"{len(seeds)} seeds {seeds_label(seeds)}"
        ui.print(summary_table(outcomes, title=f"verify all — {seed}, profile {args.profile}"))
        if args.teeth:
            ui.print(teeth_table(outcomes))
        for o in outcomes:
            if o.verdict != "PASS":
                ui.print(detail(o), soft_wrap=True)
    else:
        for o in outcomes:
            ui.print(detail(o), soft_wrap=True)
    if getattr(args, "html", None) is not None:
        _write_html(outcomes, args, ui, code, summary)
    if interrupted:
        ui.error(f"interrupted (Ctrl-C): the report above covers the {len(outcomes)} target(s) that finished",
                 kind="interrupted", finished=[o.id for o in outcomes])
    return code


def _write_html(outcomes: list[Outcome], args, ui: UI, code: int, summary: bool) -> None:
    from verify import html_report

    seeds = parallel.seeds_of(args)
    seed = f"seed {seeds[0]}" if len(seeds) == 1 else f"{len(seeds)} seeds {seeds_label(seeds)}"
    what = "all" if summary else " ".join(o.target or o.id for o in outcomes)
    title = f"verify {what} — {seed}, profile {args.profile}"
    command = "verify " + " ".join(sys.argv[1:]) if sys.argv[1:] else "verify"
    page = html_report.render([o.to_dict() for o in outcomes], title=title, command=command, exit_code=code)
    try:
        args.html.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--html {str(args.html)!r}: cannot write ({exc.strerror})") from None
    ui.err.print(f"wrote {args.html} ({len(page) // 1024} KiB, self-contained)", markup=False, soft_wrap=True)
