"""`verify experiment NAME`: the R8 experiments (docs/theory.md#experiments, docs/theory.md#r8).

    verify experiment skip-mechanism [--arch dense|conv] [--trials T] [--steps S] [--lr η] [--n N] [--seed S]
                                     [--data synthetic|digits] [--fixed pad|pool]            (dense only)
                                     [--jacobian-steps 0-9,30] [--quick] [--jobs N]           (conv only)
                                     [--save DIR] [--plot DIR] [--json]
    verify experiment random-matrix  [--size M] [--seed S] [--save DIR] [--plot DIR] [--json]

Exit codes: 0 the experiment ran to the end (whatever it found: a prediction that does not hold is a
finding, not a failure); 1 a worker process of --jobs died twice; 2 bad usage, NaN/inf met (ERROR) or a
missing optional extra (matplotlib for --plot, scikit-learn for --data digits); 130 interrupted (Ctrl-C: the
partial report is printed, and saved when --save/--plot were given, marked INTERRUPTED), as for the rest of
`verify`. The conv run's partial report holds the trials that finished.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from rich.table import Table
from rich.text import Text

from numerics.experiments import data as datasets
from numerics.experiments import conv_report, figures, random_matrix, report
from numerics.experiments import conv_skip
from numerics.experiments import skip_mechanism as skip
from numerics.experiments.variants import FIXED_MAPS
from numerics.jsonsafe import json_text
from verify import parallel
from verify.ui import (
    EXIT_FAIL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    UI,
    ArgumentParser,
    UsageError,
    json_line,
    positive_float,
    positive_int,
    seed_int,
)

NAMES = ("skip-mechanism", "random-matrix")
ARCHS = ("dense", "conv")


def nonneg_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number ≥ 0")
    return value


def build_parser() -> tuple[ArgumentParser, dict[str, ArgumentParser]]:
    parser = ArgumentParser(prog="verify experiment", description="Run an R8 experiment (docs/theory.md#experiments).")
    sub = parser.add_subparsers(dest="name", metavar="NAME", required=True)
    sm = sub.add_parser("skip-mechanism", help="σ of the post-stem Jacobian and loss of variants (a), (b), (c)")
    d = skip.DEFAULTS
    sm.add_argument("--arch", choices=ARCHS, default="dense",
                    help="dense: the dense analogue (default); conv: the authors' convolutional ResNet on 28×28 digits")
    sm.add_argument("--data", choices=datasets.DATASETS, default=d["data"],
                    help="synthetic (default) or scikit-learn's 8×8 digits (needs the `data` extra)")
    sm.add_argument("--trials", type=positive_int, default=d["trials"], help=f"trials (default {d['trials']})")
    sm.add_argument("--steps", type=nonneg_int, default=d["steps"], help=f"GD steps (default {d['steps']})")
    sm.add_argument("--lr", type=positive_float, default=d["lr"], help=f"learning rate (default {d['lr']})")
    sm.add_argument("--n", type=positive_int, default=d["n"], help=f"batch size N (default {d['n']})")
    sm.add_argument("--fixed", choices=FIXED_MAPS, default=d["fixed"],
                    help="variant (c)'s fixed isometry: pad (widen 16→32, default) or pool (narrow 64→32)")
    sm.add_argument("--seed", type=seed_int, default=d["seed"], help="seed of data and weights (default 0)")
    sm.add_argument("--jacobian-steps", metavar="STEPS", default=None,
                    help="conv: steps whose 320 Jacobian singular values are recorded, e.g. 0-9,30 or none "
                         "(default 0-9 and the last step)")
    sm.add_argument("--quick", action="store_true",
                    help=f"conv: {conv_skip.QUICK_TRIALS} trials, Jacobians at step 0 and the last step only")
    sm.add_argument("--jobs", type=positive_int, metavar="N",
                    help="conv: worker processes, each running whole trials with one BLAS thread (default "
                         "$VERIFY_JOBS, else the number of cores; 1 = in this process); same numbers for every N")
    rm = sub.add_parser("random-matrix", help="singular values of A versus I + A")
    rm.add_argument("--size", type=positive_int, default=random_matrix.DEFAULT_SIZE, help="m (default 500)")
    rm.add_argument("--seed", type=seed_int, default=0, help="seed of A (default 0)")
    for p in (sm, rm):
        p.add_argument("--save", metavar="DIR", type=Path, help="write the JSON summary (and raw arrays) to DIR")
        p.add_argument("--plot", metavar="DIR", type=Path, help="write PNG figures to DIR (needs matplotlib)")
        p.add_argument("--json", action="store_true", help="JSON lines on stdout")
    return parser, {"skip-mechanism": sm, "random-matrix": rm}


def _prepare_dir(path: Path | None, flag: str) -> Path | None:
    if path is None:
        return None
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{flag} {str(path)!r}: cannot create the directory ({exc.strerror}); pass a writable DIR") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {str(path)!r}: the directory is not writable; pass a writable DIR")
    return path


def main(argv: list[str], ui: UI) -> int:
    """Entry point from verify/cli.py: argv is everything after `experiment`."""
    if "--json" in argv:
        ui.json_mode = True
    try:
        parser, subs = build_parser()
        if "-h" in argv or "--help" in argv:
            which = subs.get(argv[0], parser) if argv else parser
            if ui.json_mode:
                ui.emit({"help": which.format_help()})
            else:
                ui.out.print(which.format_help(), markup=False, highlight=False)
            return EXIT_OK
        args = parser.parse_args(argv)
        conv = _conv_config(args, argv) if args.name == "skip-mechanism" else None
        save, plot = _prepare_dir(args.save, "--save"), _prepare_dir(args.plot, "--plot")
        if plot is not None:
            figures.require_matplotlib()
        if args.name == "random-matrix":
            return run_random_matrix(args, ui, save, plot)
        if conv is not None:
            return run_conv(args, conv, ui, save, plot)
        return run_skip_mechanism(args, ui, save, plot)
    except UsageError as exc:
        ui.error(str(exc), kind="usage")
        return EXIT_USAGE
    except datasets.MissingExtraError as exc:
        ui.error(str(exc), kind="missing-extra")
        return EXIT_USAGE
    except FloatingPointError as exc:
        ui.error(f"{exc}; try a smaller --lr", kind="non-finite")
        return EXIT_USAGE
    except KeyboardInterrupt:
        ui.error("interrupted (Ctrl-C) outside the training loop: no report", kind="interrupted")
        return EXIT_INTERRUPTED


# --- random-matrix --------------------------------------------------------------------------------
def run_random_matrix(args, ui: UI, save: Path | None, plot: Path | None) -> int:
    with ui.progress() as progress:
        progress.add_task(f"SVD of two {args.size}×{args.size} matrices", total=None)
        result = random_matrix.run(args.size, args.seed)
    summary = result.to_json()
    summary["findings"] = random_matrix.findings(result)
    files = []
    if save is not None:
        path = save / "random-matrix.json"
        path.write_text(json_line(summary) + "\n")
        files.append(str(path))
    if plot is not None:
        files.append(str(figures.save_random_matrix_figure(result.sigma_a, result.sigma_i_plus_a,
                                                           plot / "random-matrix.png")))
    summary["files"] = files
    ui.emit(summary)
    table = Table(title=f"A ∈ ℝ^{args.size}×{args.size}, A_ij ~ U(−1/√m, 1/√m), seed {args.seed}")
    for col in ("matrix", "σ_min", "σ_p10", "median", "σ_max"):
        table.add_column(col, justify="right")
    for name, s in result.summary.items():
        table.add_row(name, f"{s['min']:.4g}", f"{s['p10']:.4g}", f"{s['median']:.4g}", f"{s['max']:.4g}")
    ui.print(table)
    ui.print(figures.random_matrix_table(result.sigma_a, result.sigma_i_plus_a))
    for line in summary["findings"]:
        ui.print(Text(f"• {line}"))
    for f in files:
        ui.print(f"wrote {f}")
    return EXIT_OK


# --- skip-mechanism, conv -------------------------------------------------------------------------
def _conv_config(args, argv: list[str]) -> conv_skip.ConvConfig | None:
    """The conv run's settings, or None for --arch dense; UsageError for flags of the other architecture."""
    if args.arch == "dense":
        for flag in ("--jacobian-steps", "--quick", "--jobs"):
            if any(a == flag or a.startswith(flag + "=") for a in argv):
                raise UsageError(f"{flag} applies to --arch conv only (the dense analogue is cheap: its trials "
                                 "run at once in this process)")
        return None
    for flag in ("--data", "--fixed"):
        if any(a == flag or a.startswith(flag + "=") for a in argv):
            raise UsageError(f"{flag} applies to --arch dense only (the conv run uses scikit-learn's digits "
                             "made 28×28, and its own shortcut)")
    trials = args.trials
    if args.quick and not any(a == "--trials" or a.startswith("--trials=") for a in argv):
        trials = conv_skip.QUICK_TRIALS
    try:
        if args.jacobian_steps is not None:
            jsteps = conv_skip.parse_jacobian_steps(args.jacobian_steps)
        elif args.quick:
            jsteps = conv_skip.quick_jacobian_steps(args.steps)
        else:
            jsteps = conv_skip.default_jacobian_steps(args.steps)
    except ValueError as exc:
        raise UsageError(f"--jacobian-steps {args.jacobian_steps!r}: {exc}") from None
    if jsteps and jsteps[-1] > args.steps:
        raise UsageError(f"--jacobian-steps: step {jsteps[-1]} is beyond --steps {args.steps}; "
                         f"use steps 0…{args.steps} or raise --steps")
    args.jobs = args.jobs or parallel.default_jobs()  # a bad $VERIFY_JOBS is a usage error here, before any work
    return conv_skip.ConvConfig(n=args.n, trials=trials, steps=args.steps, lr=args.lr, seed=args.seed,
                                jacobian_steps=jsteps)


def run_conv_trials(config: conv_skip.ConvConfig, X, y, workers: int, advance) -> conv_skip.ConvResult:
    """conv_skip.run, with the trials' variants spread over ``workers`` processes (verify.parallel.map_local).

    One task per (trial, variant) — 3·T tasks balance 2 workers better than T (--quick: 3 trials) — each
    conv_skip.run_trial restricted to that variant, so the numbers are the serial run's. Ctrl-C stops the
    workers and returns the trials whose three variants finished, ``interrupted=True``.
    """
    start = time.perf_counter()
    done: list[conv_skip.TrialResult] = []
    interrupted = False

    def finished(_i, trial):
        done.append(trial)
        advance()

    try:
        calls = [(config, X, y, t, None, None, (k,)) for t in range(config.trials) for k in conv_skip.VARIANT_KEYS]
        parallel.map_local(conv_skip.run_trial, calls, workers, finished)
    except KeyboardInterrupt:
        interrupted = True
    return conv_skip.collect(config, done, interrupted, time.perf_counter() - start)


def run_conv(args, config: conv_skip.ConvConfig, ui: UI, save: Path | None, plot: Path | None) -> int:
    try:
        X, y = datasets.load_digits_28(config.n, config.seed)
        X64, _ = datasets.load("digits", config.n, config.seed)
    except ValueError as exc:
        raise UsageError(f"--n {config.n}: {exc}") from None
    workers = min(args.jobs, 3 * config.trials)  # one task per trial and variant
    with ui.progress() as progress:
        what = f"conv skip-mechanism, {len(config.jacobian_steps)} Jacobian step(s), {config.trials} trial(s)"
        try:
            if workers == 1:
                task = progress.add_task(what + " one after another", total=3 * (config.steps + 1) * config.trials)
                result = conv_skip.run(config, X, y, on_step=lambda v, s: progress.advance(task))
            else:
                task = progress.add_task(what + f" in {workers} worker processes (a task per trial and variant)",
                                         total=3 * config.trials)
                result = run_conv_trials(config, X, y, workers, lambda: progress.advance(task))
        except RuntimeError as exc:  # a worker died twice (e.g. killed for memory)
            ui.error(str(exc), kind="worker-died")
            return EXIT_FAIL
    if not result.has_data:
        ui.error("interrupted before the first trial finished: no partial report", kind="interrupted")
        return EXIT_INTERRUPTED
    jsteps = result.recorded_jacobian_steps
    summary = conv_report.summarise(result.losses, result.sigmas, jsteps)
    dense = None
    if not result.interrupted:
        dense_cfg = conv_skip.ConvConfig(n=config.n, trials=config.trials, steps=config.steps, lr=config.lr,
                                         seed=config.seed, jacobian_steps=())
        dense = {"n": config.n, "wins": conv_report.compare_losses(conv_skip.dense_comparison(dense_cfg, X64, y))}
    summary.update({"experiment": "skip-mechanism", "arch": "conv", "config": config.to_json(),
                    "interrupted": result.interrupted, "completed_steps": result.completed_steps,
                    "trials_done": list(result.trials_done), "jobs": workers,
                    "seconds": round(result.seconds, 2), "jacobian_seconds": round(result.jacobian_seconds, 2),
                    "jacobian_chunk": result.chunk, "dense_analogue": dense,
                    "finding": conv_report.finding(summary, dense)})
    files = []
    if save is not None:
        (save / "skip-mechanism-conv.json").write_text(json_text(summary, indent=1, ensure_ascii=False) + "\n")
        head = f"Produced by `{_conv_command_line(args, config)}` ({summary['seconds']} s).\n\n"
        if result.interrupted:
            head += f"**Interrupted**: {_trials_done_text(result)}.\n\n"
        (save / "skip-mechanism-conv.md").write_text(head + conv_report.markdown(summary, dense))
        conv_skip.save_arrays(result, save / "skip-mechanism-conv.npz")
        files += [str(save / f"skip-mechanism-conv.{e}") for e in ("json", "md", "npz")]
    window = [i for i, s in enumerate(jsteps) if s < conv_report.SIGMA_WINDOW]
    sig_window = {v: result.sigmas[v][:, window] for v in result.sigmas}
    steps_label = conv_report.steps_text([jsteps[i] for i in window])
    if plot is not None and window:
        title = (f"the authors' conv net, {config.n} digits (28×28), {len(result.losses['a'])} trial(s), lr {config.lr}"
                 + (" (INTERRUPTED: partial)" if result.interrupted else ""))
        files.append(str(figures.save_skip_figure(sig_window, result.losses, plot / "skip-mechanism-conv.png", title,
                                                  steps_label=steps_label)))
    summary["files"] = files
    ui.emit(summary)
    _print_conv_report(ui, summary, result, (sig_window, steps_label) if window else None, files)
    return EXIT_INTERRUPTED if result.interrupted else EXIT_OK


def _trials_done_text(result) -> str:
    done = result.trials_done
    return f"{len(done)} of {result.config.trials} trials finished (trial{'s' if len(done) != 1 else ''} " \
           f"{', '.join(map(str, done))})"


def _conv_command_line(args, config) -> str:
    parts = ["verify experiment skip-mechanism --arch conv"]
    d = conv_skip.DEFAULTS
    if args.quick:
        parts.append("--quick")
    for key in ("trials", "steps", "lr", "n", "seed"):
        if getattr(config, key) != d[key] and not (key == "trials" and args.quick and config.trials == conv_skip.QUICK_TRIALS):
            parts.append(f"--{key} {getattr(config, key)}")
    if args.jacobian_steps is not None:
        parts.append(f"--jacobian-steps {args.jacobian_steps}")
    for flag in ("save", "plot"):
        if getattr(args, flag) is not None:
            parts.append(f"--{flag} {getattr(args, flag)}")
    return " ".join(parts)


def _print_conv_report(ui: UI, summary: dict, result, sig_window, files: list[str]) -> None:
    c = summary["config"]
    ui.print(f"[bold]R8 skip-mechanism, the authors' conv net[/bold] — {c['n']} digits (28×28), lr {c['lr']}, "
             f"seed {c['seed']}, {summary['trials']} trial(s), steps 0–{summary['steps']}, Jacobians at steps "
             f"{summary['jacobian_steps']}, {summary['seconds']} s wall with {summary['jobs']} process(es) "
             f"(the trials spent {summary['jacobian_seconds']} s in Jacobians)")
    if result.interrupted:
        ui.print(f"[bold yellow]INTERRUPTED[/bold yellow]: partial report, {_trials_done_text(result)}")
    ui.print(Text(conv_report.markdown(summary, summary.get("dense_analogue"))))
    if sig_window is not None:
        ui.print(figures.skip_histogram_table(*sig_window))
    ui.print(figures.loss_curves_table(result.losses))
    for f in files:
        ui.print(f"wrote {f}")


# --- skip-mechanism -------------------------------------------------------------------------------
def run_skip_mechanism(args, ui: UI, save: Path | None, plot: Path | None) -> int:
    config = skip.Config(data=args.data, n=args.n, trials=args.trials, steps=args.steps, lr=args.lr,
                         seed=args.seed, fixed=args.fixed)
    try:
        X, y = datasets.load(config.data, config.n, config.seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    with ui.progress() as progress:
        task = progress.add_task(f"skip-mechanism, {config.trials} trial(s) at once",
                                 total=3 * (config.steps + 1))
        result = skip.run(config, on_step=lambda v, s: progress.advance(task), X=X, y=y)
    if not result.has_data:
        ui.error("interrupted before step 0 was recorded: no partial report", kind="interrupted")
        return EXIT_INTERRUPTED
    summary = result.summary()
    files = []
    if save is not None:
        (save / "skip-mechanism.json").write_text(json_text(summary, indent=1, ensure_ascii=False) + "\n")
        (save / "skip-mechanism.md").write_text(_markdown(summary, args))
        skip.save_arrays(result, save / "skip-mechanism.npz")
        files += [str(save / n) for n in ("skip-mechanism.json", "skip-mechanism.md", "skip-mechanism.npz")]
    if plot is not None:
        title = (f"dense R8 analogue, {config.data} data, N={config.n}, {len(result.losses['a'])} trial(s), "
                 f"lr {config.lr}" + (" (INTERRUPTED: partial)" if result.interrupted else ""))
        files.append(str(figures.save_skip_figure(result.sigmas, result.losses, plot / "skip-mechanism.png", title)))
    summary["files"] = files
    ui.emit(summary)
    _print_skip_report(ui, summary, result, files)
    return EXIT_INTERRUPTED if result.interrupted else EXIT_OK


def command_line(args) -> str:
    parts = ["verify experiment skip-mechanism"]
    d = skip.DEFAULTS
    for key in ("data", "trials", "steps", "lr", "n", "fixed", "seed"):
        if getattr(args, key) != d[key]:
            parts.append(f"--{key} {getattr(args, key)}")
    if args.save is not None:
        parts.append(f"--save {args.save}")
    if args.plot is not None:
        parts.append(f"--plot {args.plot}")
    return " ".join(parts)


def _markdown(summary: dict, args) -> str:
    head = f"Produced by `{command_line(args)}` ({summary['seconds']} s).\n\n"
    if summary["interrupted"]:
        head += f"**Interrupted**: steps 0–{summary['completed_steps']} only.\n\n"
    return head + report.markdown_table(summary)


def _print_skip_report(ui: UI, summary: dict, result, files: list[str]) -> None:
    c, w = summary["config"], summary["widths"]
    ui.print(f"[bold]R8 skip-mechanism[/bold] — {c['data']} data, N = {c['n']}, d = {w['d']}, "
             f"widths {w['w1']} → {w['w2']} ({'zero-padding' if w['w2'] > w['w1'] else '√s·AvgPool_s'}), "
             f"lr {c['lr']}, seed {c['seed']}, {summary['trials']} trial(s), steps 0–{summary['steps']}, "
             f"{summary['seconds']} s")
    if result.interrupted:
        ui.print(f"[bold yellow]INTERRUPTED[/bold yellow]: partial report, steps 0–{summary['completed_steps']} "
                 f"of {c['steps']}")
    table = Table(title=f"σ of the post-stem batch Jacobian J ({summary['num_singular_values']} values) and "
                        "loss: mean ± std over trials")
    for col in ("variant", "step", "σ_min", "σ_p10", "σ_median", "loss"):
        table.add_column(col, justify="right" if col != "variant" else "left")
    for row in summary["table"]:
        table.add_row(report.SHORT_LABELS[row["variant"]], str(row["step"]), report.fmt_ms(row["sigma_min"]),
                      report.fmt_ms(row["sigma_p10"]), report.fmt_ms(row["sigma_median"]),
                      report.fmt_ms(row["loss"]))
    ui.print(table)
    ui.print("  " + "; ".join(report.VARIANT_LABELS.values()))
    ui.print(figures.skip_histogram_table(result.sigmas))
    ui.print(figures.loss_curves_table(result.losses))
    for line in summary["verdict"]:
        ui.print(Text(f"• {line}"))
    for f in files:
        ui.print(f"wrote {f}")
