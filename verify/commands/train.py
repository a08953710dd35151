"""`verify train`: gradient descent on an R7 instance, checking the theorem's conclusions at every step.

    verify train [--mode certified|practical] [--steps T] [--lr η] [--seed S] [--save DIR] [--plot FILE.png]
                 [--N N] [--d d] [--K K] [--m m] [--blocks L] [--c c | --alpha α] [--eps ε] [--r r]
                 [--kernel-every k] [--momentum μ] [--weight-decay λ] [--json]

certified (default): every hypothesis of R7 must hold (N ≤ d independent inputs, c_k < 1, η < 2/β with β
from theorems.ce_convergence — also checked in ball arithmetic, whose enclosure of β is printed —, plain GD);
a failed inequality is a VIOLATION. practical: η (and momentum,
weight decay) may leave the theorem; the same quantities are recorded, each inequality is labelled
guaranteed or not, and only a guaranteed one can be violated.

Exit codes: 0 every checked (guaranteed) inequality held at every step; 1 a violation; 2 bad usage (e.g.
--lr ≥ 2/β in certified mode, a flag so extreme that the constants overflow, an unwritable --save/--plot: all
refused before training) or a NaN/inf/overflow during the run (ERROR; the report is still printed); 130 Ctrl-C
(the partial report is printed and saved). Shared with every command: verify/exits.py.
docs/theory.md#r7; docs/tutorial.md explains how to read the output.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

import numpy as np
from rich.table import Table

from numerics import trainer
from numerics.training import fits, plots
from numerics.training.inequalities import SHORT
from numerics.training.path_curvature import PathCurvature
from numerics.training.r7 import R7Instance, R7Monitor, alpha_for
from verify.ui import (
    EXIT_FAIL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    UI,
    ArgumentParser,
    UsageError,
    positive_float,
    positive_int,
    seed_int,
)

# Small d ≥ N, K, m, small c, large ε and WN rows of norm r = 16 keep β ≈ 0.85 (blocks = 2), so the certified
# η = 1/β still shows the loss falling by orders of magnitude in 2000 steps (~3 s on 2 cores).
DEFAULTS = {"steps": 2000, "seed": 0, "N": 4, "d": 6, "K": 3, "m": 3, "blocks": 2, "c": 0.2, "eps": 16.0,
            "r": 16.0, "activation": "tanh"}
PRACTICAL_FACTOR = 8.0  # practical mode's default η = 8/β: four times the certified limit 2/β


EPILOG = """\
checked at every step (lhs ≤ rhs; the table shows the worst lhs/rhs and its step):
  1  WN row norms never decrease         3a λ_min(K(p_t)) ≥ μ₀ = σ_N(X)²Π(1 − c_k)²
  2  ℓ_{t+1} ≤ ℓ_t − η(1 − βη/2)‖∇ℓ_t‖²   3b ‖∇ℓ_t‖² ≥ μ₀(1 − e^{−Nℓ_t})²/N³
  4  ℓ_t ≤ 1/(1/ℓ₀ + κγ²t)                5  fitted: log ℓ vs log t, ‖V‖ vs log t
  β  ‖∇²ℓ(p)‖ ≤ β at every (steps/50)-th iterate and the midpoint of the segment after it
     (full Hessian from HVPs for P ≤ 200, Lanczos on HVPs above)
status: HELD / VIOLATED (hypotheses held) · held / did not hold / vacuous (not guaranteed)
exit codes: 0 all guaranteed inequalities held · 1 a violation · 2 bad usage or NaN/inf (ERROR)
            (e.g. --lr ≥ 2/β in certified mode) · 130 Ctrl-C (partial report printed and saved)
"""


def nonneg_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number ≥ 0")
    return value


def build_parser() -> ArgumentParser:
    d = DEFAULTS
    p = ArgumentParser(prog="verify train", description="GD on cross-entropy for the R7 network, with R7's "
                       "conclusions checked at every step (docs/theory.md#r7; docs/tutorial.md).", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=("certified", "practical"), default="certified",
                   help="certified: all hypotheses must hold (default); practical: larger η allowed, "
                        "guarantees labelled honestly")
    p.add_argument("--steps", type=positive_int, default=d["steps"], help=f"GD steps (default {d['steps']})")
    p.add_argument("--lr", type=positive_float, help="step size η (default 1/β certified, 8/β practical)")
    p.add_argument("--seed", type=seed_int, default=d["seed"], help="seed of data and weights (default 0)")
    for name, kind, help_ in (("N", positive_int, "samples"), ("d", positive_int, "input dimension"),
                              ("K", positive_int, "classes"), ("m", positive_int, "branch width"),
                              ("blocks", positive_int, "residual blocks"), ("eps", positive_float, "BN ε"),
                              ("r", positive_float, "initial norm of every WN row")):
        p.add_argument(f"--{name}", type=kind, default=d[name], help=f"{help_} (default {d[name]})")
    gain = p.add_mutually_exclusive_group()
    gain.add_argument("--c", type=positive_float, default=None,
                      help=f"target c_k = α√(mK)sup|σ′|/√ε, sets α (default {d['c']})")
    gain.add_argument("--alpha", type=positive_float, default=None, help="branch gain α directly")
    p.add_argument("--kernel-every", type=positive_int, default=1, metavar="k",
                   help="compute λ_min(K) every k steps (default 1: every step). Exact eigvalsh of the K·N × K·N "
                        "kernel for K·N ≤ 512; above, matrix-free LOBPCG accepted only with a Kato–Temple "
                        "error bound ≤ 1e-10 relative (else exact). Raise k when K·N is large: λ_min costs "
                        "many GD steps")
    p.add_argument("--momentum", type=nonneg_float, default=0.0, help="heavy-ball momentum (practical only; "
                   "OUTSIDE THE THEOREM)")
    p.add_argument("--weight-decay", type=nonneg_float, default=0.0, help="weight decay (practical only; "
                   "OUTSIDE THE THEOREM)")
    p.add_argument("--save", metavar="DIR", type=Path, help="write history.npz and summary.json to DIR")
    p.add_argument("--plot", metavar="FILE.png", type=Path, help="loss/‖V‖/λ_min figure (needs matplotlib)")
    p.add_argument("--json", action="store_true", help="JSON lines on stdout")
    return p


def _build_instance(args) -> R7Instance:
    alpha = args.alpha if args.alpha is not None else alpha_for(args.c if args.c is not None else DEFAULTS["c"],
                                                               args.K, args.m, args.eps, DEFAULTS["activation"])
    inst = R7Instance(seed=args.seed, d=args.d, N=args.N, K=args.K, m=args.m, blocks=args.blocks,
                      alphas=[alpha] * args.blocks, eps=args.eps, r=args.r, activation=DEFAULTS["activation"],
                      eta_fraction=0.5 if args.mode == "certified" else PRACTICAL_FACTOR / 2,
                      lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    k = inst.consts
    finite = [*np.ravel(np.asarray(k["c"], float)), *(float(k[n]) for n in ("beta", "eta_max", "mu0"))]
    if not (np.all(np.isfinite(finite)) and float(k["eta_max"]) > 0 and math.isfinite(inst.lr)):
        raise OverflowError("the R7 constants are not finite numbers (β = {:.3g}, 2/β = {:.3g})".format(
            float(k["beta"]), float(k["eta_max"])))
    return inst


# flags whose extreme values can overflow the constants (or underflow them to 0), with their defaults
_SCALE_FLAGS = {"lr": None, "alpha": None, "c": None, "r": DEFAULTS["r"], "eps": DEFAULTS["eps"]}


def _blame(args, exc: Exception) -> UsageError:
    """Which flag made the constants overflow: the one whose reset to its default makes them finite."""
    given = [f for f, default in _SCALE_FLAGS.items() if getattr(args, f) != default]
    culprits = []
    for flag in given:
        trial = argparse.Namespace(**{**vars(args), flag: _SCALE_FLAGS[flag]})
        try:
            _build_instance(trial)
        except (ArithmeticError, ValueError):
            continue
        culprits.append(flag)
    named = culprits or given or ["--r", "--eps"]
    flags = ", ".join(f"--{f.lstrip('-').replace('_', '-')} {getattr(args, f.lstrip('-'))!r}" for f in named)
    return UsageError(f"{flags}: out of range — the R7 constants overflow or divide by zero in float64 "
                      f"({type(exc).__name__}: {exc}); use a value nearer the default")


def make_instance(args) -> R7Instance:
    try:
        inst = _build_instance(args)
    except (ArithmeticError, ValueError) as exc:  # ZeroDivisionError, OverflowError, FloatingPointError
        raise _blame(args, exc) from None
    if args.mode == "certified":
        unmet = [h for h in inst.hypotheses if not h.held]
        if unmet:
            h = unmet[0]
            hint = {"eta": f"pass --lr below {float(inst.consts['eta_max']):.6g}",
                    "c": "lower --c/--alpha or raise --eps", "data": "use --N ≤ --d",
                    "gd": "drop --momentum/--weight-decay"}[h.key]
            raise UsageError(f"certified mode needs {h.text}, but {h.detail}: {hint}, or use --mode practical")
        inst.certificate = certify_step(inst)
        if not inst.certificate["certified"]:
            lo, hi = inst.certificate["beta_enclosure"]
            raise UsageError(f"certified mode needs η < 2/β rigorously, but η = {inst.lr!r} and β ∈ [{lo!r}, {hi!r}] "
                             f"(ball arithmetic): pass --lr below {2 / hi:.6g}, or use --mode practical")
    return inst


def certify_step(inst) -> dict:
    """β and η·β in ball arithmetic (theorems.ce_convergence.beta_ball; ‖X‖₂ and the activation constants
    enclosed): the step-size hypothesis η < 2/β holds rigorously iff the ball η·β lies below 2."""
    from flint import arb

    from theorems.ce_convergence import beta_ball
    from theorems.interval import upper_float

    ball = beta_ball(x_norm=inst.x_norm, N=inst.N, K=inst.K, m=inst.m, alphas=inst.alphas, eps=inst.eps,
                     activation=inst.activation, r=inst.r, X=inst.X)
    prod = arb(inst.lr) * ball["beta"]
    return {"beta_enclosure": list(ball["beta_interval"]), "eta": inst.lr, "eta_beta_upper": upper_float(prod),
            "certified": bool(prod < 2)}


def _reproduce(args, inst) -> str:
    cmd = f"verify train --mode {args.mode} --steps {args.steps} --seed {args.seed} --lr {inst.lr!r}"
    for name in ("N", "d", "K", "m", "blocks", "eps", "r"):
        if getattr(args, name) != DEFAULTS[name]:
            cmd += f" --{name} {getattr(args, name)}"
    cmd += f" --alpha {inst.alphas[0]!r}"
    for flag, v in (("--momentum", args.momentum), ("--weight-decay", args.weight_decay)):
        if v:
            cmd += f" {flag} {v}"
    return cmd


def _prepare_outputs(args) -> None:
    """Create --save DIR and the directory of --plot FILE.png now, or refuse (exit 2) before any training."""
    targets = [("--save", args.save, args.save)] if args.save is not None else []
    if args.plot is not None:
        targets.append(("--plot", args.plot, args.plot.parent))
        if args.plot.is_dir():
            raise UsageError(f"--plot {str(args.plot)!r} is a directory; give a FILE.png")
    for flag, given, directory in targets:
        if directory.exists() and not directory.is_dir():
            raise UsageError(f"--{flag.lstrip('-')} {str(given)!r}: {str(directory)!r} exists and is not a "
                             "directory; pass a new or existing DIR")
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"{flag} {str(given)!r}: cannot create the directory {str(directory)!r} "
                             f"({exc.strerror}); pass a writable DIR") from None
        if not os.access(directory, os.W_OK):
            raise UsageError(f"{flag} {str(given)!r}: the directory {str(directory)!r} is not writable")


def main(argv: list[str], ui: UI) -> int:
    """Entry point from verify/cli.py: argv is everything after `train`."""
    if "--json" in argv:
        ui.json_mode = True
    parser = build_parser()
    if "-h" in argv or "--help" in argv:
        if ui.json_mode:
            ui.emit({"help": parser.format_help()})
        else:
            ui.out.print(parser.format_help(), markup=False, highlight=False)
        return EXIT_OK
    try:
        args = parser.parse_args(argv)
        if args.plot is not None and args.plot.suffix.lower() != ".png":
            raise UsageError(f"--plot {str(args.plot)!r}: the figure is a PNG, give a FILE.png")
        inst = make_instance(args)
        _prepare_outputs(args)  # before training: a bad --save/--plot must not cost the run
    except UsageError as exc:
        ui.error(str(exc), kind="usage")
        return EXIT_USAGE
    return run(args, inst, ui)


def run(args, inst: R7Instance, ui: UI) -> int:
    mon = R7Monitor(inst)
    path = PathCurvature(inst.net, inst.X, inst.y, float(inst.consts["beta"]), every=max(1, args.steps // 50))
    desc = inst.describe()
    ui.emit({"event": "start", "mode": args.mode, "instance": desc,
             "hypotheses": [vars(h) for h in inst.hypotheses], "reproduce": _reproduce(args, inst),
             "beta_certificate": getattr(inst, "certificate", None)})
    every = max(1, args.steps // 50)
    with ui.progress() as bar:
        task = bar.add_task("training", total=args.steps)

        def callback(rec):
            t = int(rec["step"])
            bar.update(task, completed=t, description=f"ℓ {float(rec['loss']):.3e}  ‖V‖ {float(rec['v_norm']):.3f}  "
                                                      f"bound {float(mon.last_bound):.3e}")
            if t % every == 0 or t == args.steps:
                ui.emit({"event": "step", "step": t, "loss": rec["loss"], "v_norm": rec["v_norm"],
                         "bound": mon.last_bound, "grad_norm": rec["grad_norm"], "lambda_min": rec["lambda_min"]})

        class Live:
            """Forward to the monitor; report a guaranteed inequality's first failure at once."""

            def observe(self, rec):
                path.observe(rec)
                for name in mon.observe(rec):
                    o = {o.name: o for o in mon.outcomes()}[name]
                    ui.err.print(f"FAIL: {name} violated at step {o.first_failure} ({o.as_dict()['statement']})",
                                 markup=False)
                    ui.emit({"event": "violation", "inequality": name, "step": o.first_failure})

        _, hist = trainer.gradient_descent(inst.net, inst.init(), inst.X, inst.y, lr=inst.lr, steps=args.steps,
                                           callback=callback, kernel_every=args.kernel_every,
                                           momentum=args.momentum, weight_decay=args.weight_decay,
                                           monitor=Live(), meta={"mode": args.mode, **desc},
                                           nonfinite="record")  # reported as ERROR below, with the report
    return report(args, inst, mon, hist, ui, path)


def report(args, inst, mon, hist, ui, path=None) -> int:
    outcomes = mon.outcomes()
    if path is not None and not hist.error:  # ‖∇²ℓ‖ ≤ β on the path: on the shell while WN rows never shrink
        outcomes.append(path.outcome(*inst.guarantees()["wn-monotone"]))
    loss_fit, v_fit = fits.loss_exponent(hist.step, hist.loss), fits.v_growth(hist.step, hist.v_norm)
    bound = [float(inst.rate_bound(hist.loss[0], t)) for t in hist.step] if len(hist) else []
    violated = any(o.violated for o in outcomes)
    verdict = ("ERROR" if hist.error else "FAIL" if violated else "INTERRUPTED" if hist.interrupted else
               "PASS" if args.mode == "certified" else "DONE")
    summary = {"event": "result", "verdict": verdict, "mode": args.mode,
               "steps_done": int(hist.step[-1]) if len(hist) else 0,
               "interrupted": hist.interrupted, "error": hist.error,
               "loss": [float(hist.loss[0]), float(hist.loss[-1])] if len(hist) else None,
               "v_norm": [float(hist.v_norm[0]), float(hist.v_norm[-1])] if len(hist) else None,
               "fits": {"loss_vs_t": loss_fit.as_dict(), "v_vs_log_t": v_fit.as_dict()},
               "inequalities": [o.as_dict() for o in outcomes], "reproduce": _reproduce(args, inst)}
    if args.save is not None:
        try:
            extra = {}
            for o in outcomes:
                extra.update({f"{o.name}.step": o.steps, f"{o.name}.lhs": o.lhs, f"{o.name}.rhs": o.rhs})
            extra["bound"] = bound
            npz, js = hist.save(args.save, extra, {**summary, "hypotheses": [vars(h) for h in inst.hypotheses]})
            summary["saved"] = [str(npz), str(js)]
        except OSError as exc:
            verdict = summary["verdict"] = "ERROR"
            summary["error"] = f"--save {str(args.save)!r}: cannot write ({exc.strerror})"
    plot_note = None
    if args.plot is not None:
        if plots.have_matplotlib():
            try:
                plots.plot_run(args.plot, hist.step, hist.loss, bound, hist.v_norm, hist.lambda_min,
                               float(inst.consts["mu0"]), title=f"R7 run ({args.mode}, η = {inst.lr:.4g})")
                summary["plot"] = str(args.plot)
            except (OSError, ValueError) as exc:  # the text report below is printed all the same
                verdict = summary["verdict"] = "ERROR"
                summary["error"] = f"--plot {str(args.plot)!r}: cannot write the figure ({exc})"
                summary["plot"] = None
        else:
            plot_note = ("--plot needs matplotlib, which is not installed (pip install '.[plots]'); "
                         "showing terminal sparklines instead")
            ui.err.print(f"note: {plot_note}", markup=False)
            summary["plot"] = None
    ui.emit(summary)
    _print_report(ui, args, inst, hist, outcomes, loss_fit, v_fit, verdict)
    if summary["error"] and summary["error"] != hist.error:  # --save/--plot failed after the run
        ui.err.print(f"error: {summary['error']}", markup=False, soft_wrap=True)
    if verdict in ("PASS", "DONE"):
        return EXIT_OK
    return {"INTERRUPTED": EXIT_INTERRUPTED, "ERROR": EXIT_USAGE}.get(verdict, EXIT_FAIL)


def _print_report(ui, args, inst, hist, outcomes, loss_fit, v_fit, verdict) -> None:
    k = inst.consts
    hyp = Table(title=f"R7 hypotheses ({args.mode} mode)", show_lines=False)
    for col in ("hypothesis", "holds", "detail"):
        hyp.add_column(col)
    for h in inst.hypotheses:
        hyp.add_row(h.text, "yes" if h.held else "NO", h.detail)
    ui.print(hyp)
    ui.print(f"constants (theorems.ce_convergence): c = {[round(float(v), 4) for v in k['c']]}, "
             f"μ₀ = {float(k['mu0']):.4g}, β = {float(k['beta']):.4g}, 2/β = {float(k['eta_max']):.4g}, "
             f"η = {inst.lr:.4g}, κ = {float(k.get('kappa', float('nan'))):.4g}")
    cert = getattr(inst, "certificate", None)
    if cert is not None:
        lo, hi = cert["beta_enclosure"]
        ui.print(f"ball arithmetic (python-flint): β ∈ [{lo!r}, {hi!r}], η·β ≤ {cert['eta_beta_upper']!r} < 2: "
                 "η < 2/β holds rigorously")
    tab = Table(title=f"R7 conclusions, checked at every step ({len(hist)} records, "
                      f"steps 0…{int(hist.step[-1]) if len(hist) else 0})")
    for col in ("inequality", "status", "steps", "worst lhs/rhs", "at step", "first failure"):
        tab.add_column(col, overflow="fold")  # 80 columns: wrap, never cut a formula short
    for o in outcomes:
        d = o.as_dict()
        tab.add_row(SHORT[o.name], d["status"], str(d["steps_checked"]),
                    _fmt_ratio(d["worst_ratio"]),
                    str(d["worst_step"]), "-" if d["first_failure_step"] is None else str(d["first_failure_step"]))
    ui.print(tab)
    if len(hist):
        ui.print(f"loss  {hist.loss[0]:.4g} → {hist.loss[-1]:.4g}   {plots.sparkline(hist.loss, log=True)}  "
                 "(log scale)")
        ui.print(f"‖V‖   {hist.v_norm[0]:.4g} → {hist.v_norm[-1]:.4g}   {plots.sparkline(hist.v_norm)}")
        lam = hist.lambda_min[np.isfinite(hist.lambda_min)]
        ui.print(f"λ_min {plots.sparkline(lam)}  min {lam.min() if lam.size else float('nan'):.4g} "
                 f"vs μ₀ = {float(k['mu0']):.4g}")
        ui.print(f"optimum at infinity (R7.5): {loss_fit}; {v_fit}")
    zero = np.flatnonzero(hist.loss == 0) if len(hist) else []
    if len(zero):
        ui.print(f"note: the loss rounds to 0.0 in float64 from step {int(hist.step[zero[0]])} on (every margin "
                 "≳ 37); inf ℓ = 0 is still not attained — steps after that carry no information")
    if inst.momentum or inst.weight_decay:
        ui.print("momentum / weight decay are OUTSIDE THE THEOREM: guarantees that depend on the update are void")
    if hist.interrupted:
        ui.print(f"INTERRUPTED (Ctrl-C) after step {int(hist.step[-1]) if len(hist) else 0}: partial report")
    if hist.error:
        ui.print(f"ERROR: {hist.error}")
    ui.print(f"verdict: {verdict}   reproduce: {_reproduce(args, inst)}")


def _fmt_ratio(r) -> str:
    """Ratios just below 1 (the WN norms grow by η²‖∇_wℓ‖²) are shown as 1 − δ so they do not read as 1."""
    if r is None or math.isnan(r):
        return "-"
    return f"1 − {1 - r:.3g}" if 0.999 < r < 1 else f"{r:.6g}"
