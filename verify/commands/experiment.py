"""`verify experiment NAME`: the R8 experiments (docs/theory.md#experiments, docs/theory.md#r8).

    verify experiment skip-mechanism [--data synthetic|digits] [--trials T] [--steps S] [--lr η]
                                     [--n N] [--fixed pad|pool] [--seed S] [--save DIR] [--plot DIR] [--json]
    verify experiment random-matrix  [--size M] [--seed S] [--save DIR] [--plot DIR] [--json]

Exit codes: 0 the experiment ran to the end (whatever it found: a prediction that does not hold is a
finding, not a failure); 2 bad usage, NaN/inf met (ERROR) or a missing optional extra (matplotlib for --plot,
scikit-learn for --data digits); 130 interrupted (Ctrl-C: the partial report is printed, and saved
when --save/--plot were given, marked INTERRUPTED), as for the rest of `verify`.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table
from rich.text import Text

from numerics.experiments import data as datasets
from numerics.experiments import figures, random_matrix, report
from numerics.experiments import skip_mechanism as skip
from numerics.experiments.variants import FIXED_MAPS
from verify.ui import (
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


def build_parser() -> tuple[ArgumentParser, dict[str, ArgumentParser]]:
    parser = ArgumentParser(prog="verify experiment", description="Run an R8 experiment (docs/theory.md#experiments).")
    sub = parser.add_subparsers(dest="name", metavar="NAME", required=True)
    sm = sub.add_parser("skip-mechanism", help="σ of the post-stem Jacobian and loss of variants (a), (b), (c)")
    d = skip.DEFAULTS
    sm.add_argument("--data", choices=datasets.DATASETS, default=d["data"],
                    help="synthetic (default) or scikit-learn's 8×8 digits (needs the `data` extra)")
    sm.add_argument("--trials", type=positive_int, default=d["trials"], help=f"trials (default {d['trials']})")
    sm.add_argument("--steps", type=positive_int, default=d["steps"], help=f"GD steps (default {d['steps']})")
    sm.add_argument("--lr", type=positive_float, default=d["lr"], help=f"learning rate (default {d['lr']})")
    sm.add_argument("--n", type=positive_int, default=d["n"], help=f"batch size N (default {d['n']})")
    sm.add_argument("--fixed", choices=FIXED_MAPS, default=d["fixed"],
                    help="variant (c)'s fixed isometry: pad (widen 16→32, default) or pool (narrow 64→32)")
    sm.add_argument("--seed", type=seed_int, default=d["seed"], help="seed of data and weights (default 0)")
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
        save, plot = _prepare_dir(args.save, "--save"), _prepare_dir(args.plot, "--plot")
        if plot is not None:
            figures.require_matplotlib()
        if args.name == "random-matrix":
            return run_random_matrix(args, ui, save, plot)
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
        (save / "skip-mechanism.json").write_text(json.dumps(json.loads(json_line(summary)), indent=1,
                                                             ensure_ascii=False) + "\n")
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
