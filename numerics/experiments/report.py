"""mean ± std over trials of σ_min, σ_p10, σ_median(J) and the loss; the observed ordering of (a), (b), (c).

Shapes: ``sigmas[v]`` is ``(T, S+1, r)`` (trials × steps 0…S × the r singular values of the post-stem
batch Jacobian J, descending), ``losses[v]`` is ``(T, S+1)``; ``v`` runs over the variant keys
("a" no skip, "b" projection shortcut, "c" projection plus a fixed isometric map).

R8's prediction (docs/theory.md#r8, docs/theory.md#experiments): from identical initial weights, c ≥ b ≥ a in the
singular values of J and in early training speed (so c ≤ b ≤ a in the loss). The report states what was
observed, per criterion, and whether the prediction held; a prediction that does not hold on some data
is a finding, reported as such, never an error.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

VARIANTS = ("a", "b", "c")
VARIANT_LABELS = {"a": "(a) no skip", "b": "(b) projection shortcut", "c": "(c) projection + isometric map"}
SHORT_LABELS = {"a": "(a) no skip", "b": "(b) proj.", "c": "(c) proj.+iso."}
REPORT_STEPS = (0, 10, 30)
SIGMA_WINDOW = 10  # the authors' histograms average over the first 10 steps (docs/theory.md#experiments)
# Means closer than this (relative) are reported as ties; ties agree with a "≥" prediction.
TIE_RTOL = 1e-12


# Singular values below ZERO_RTOL·σ_max are zero to round-off (LAPACK's own rank tolerance is
# max(m, n)·eps·σ_max ≈ 1.1e-13·σ_max for 320 × 512); they are reported as 0, so that orderings are never
# decided by round-off.
ZERO_RTOL = 1e-12


def numerically_zeroed(sig: np.ndarray) -> np.ndarray:
    """σ with the values below ZERO_RTOL·σ_max (per spectrum, last axis) set to exactly 0."""
    sig = np.asarray(sig, dtype=float)
    return np.where(sig < ZERO_RTOL * np.max(sig, axis=-1, keepdims=True), 0.0, sig)


def spectrum_stats(sig: np.ndarray) -> dict[str, np.ndarray]:
    """σ_min, 10th percentile and median over the last axis (the r singular values); shapes (...).
    Round-off-level values count as 0 (numerically_zeroed)."""
    sig = numerically_zeroed(sig)
    return {"sigma_min": np.min(sig, axis=-1), "sigma_p10": np.percentile(sig, 10, axis=-1),
            "sigma_median": np.median(sig, axis=-1)}


def mean_std(values: np.ndarray) -> tuple[float, float]:
    """Mean and population standard deviation (ddof = 0) over trials (axis 0)."""
    values = np.asarray(values, dtype=float)
    return float(np.mean(values)), float(np.std(values))


def reported_steps(num_steps: int, wanted: tuple[int, ...] = REPORT_STEPS) -> list[int]:
    """The wanted steps that exist (0 … num_steps), plus the last step if it is not among them."""
    steps = sorted({s for s in wanted if s <= num_steps} | {num_steps})
    return steps


def observed_order(values: dict[str, float], higher_is_better: bool = True) -> str:
    """The variants sorted best first, e.g. "c > b > a" or "b = c > a" (ties within TIE_RTOL)."""
    keys = sorted(values, key=lambda k: (-values[k] if higher_is_better else values[k], k))
    text = keys[0]
    for prev, key in itertools.pairwise(keys):
        a, b = values[prev], values[key]
        tie = abs(a - b) <= TIE_RTOL * max(abs(a), abs(b))
        text += (" = " if tie else (" > " if higher_is_better else " < ")) + key
    return text


def better_or_equal(x: float, y: float, higher_is_better: bool) -> bool:
    """x is at least as good as y (ties within TIE_RTOL count as equal)."""
    if abs(x - y) <= TIE_RTOL * max(abs(x), abs(y)):
        return True
    return x > y if higher_is_better else x < y


def prediction_holds(values: dict[str, float], higher_is_better: bool = True) -> bool:
    """R8's prediction c ≥ b ≥ a ("≥" meaning "at least as good": ≤ for a loss)."""
    return (better_or_equal(values["c"], values["b"], higher_is_better)
            and better_or_equal(values["b"], values["a"], higher_is_better))


def paired_difference(x: np.ndarray, y: np.ndarray) -> dict[str, float | bool]:
    """Mean of x_t − y_t over trials t (same initial weights), its standard error, and whether
    |mean| > 2·s.e. ("resolved": the ordering is not within the trial-to-trial noise; needs ≥ 2 trials)."""
    d = np.asarray(x, dtype=float) - np.asarray(y, dtype=float)
    se = float(np.std(d, ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
    mean = float(np.mean(d))
    return {"mean": mean, "se": se, "resolved": bool(len(d) > 1 and abs(mean) > 2 * se)}


@dataclass
class Criterion:
    """One comparison of the three variants: per-trial values (T,) per variant, and which way is better."""

    name: str
    per_trial: dict[str, np.ndarray]
    higher_is_better: bool

    def to_json(self) -> dict:
        means = {v: float(np.mean(self.per_trial[v])) for v in VARIANTS}
        stds = {v: float(np.std(self.per_trial[v])) for v in VARIANTS}
        trials = len(self.per_trial["a"])
        paired = {
            "c_vs_b": int(sum(better_or_equal(c, b, self.higher_is_better)
                              for c, b in zip(self.per_trial["c"], self.per_trial["b"]))),
            "b_vs_a": int(sum(better_or_equal(b, a, self.higher_is_better)
                              for b, a in zip(self.per_trial["b"], self.per_trial["a"]))),
            "trials": trials,
        }
        return {"criterion": self.name, "better": "higher" if self.higher_is_better else "lower",
                "mean": means, "std": stds, "observed": observed_order(means, self.higher_is_better),
                "paired_difference": {"c-b": paired_difference(self.per_trial["c"], self.per_trial["b"]),
                                      "b-a": paired_difference(self.per_trial["b"], self.per_trial["a"])},
                "predicted": "c ≥ b ≥ a" if self.higher_is_better else "c ≤ b ≤ a (lower loss)",
                "held": prediction_holds(means, self.higher_is_better), "paired_trials": paired}


def criteria(sigmas: dict[str, np.ndarray], losses: dict[str, np.ndarray]) -> list[Criterion]:
    """The comparisons the report decides the prediction on.

    * singular values: median and σ_p10 of J averaged over steps 0 … min(SIGMA_WINDOW, S) − 1 (the window
      of the authors' histograms; just step 0 when S = 0);
    * early training speed: the loss at step min(10, S) and at the last step S.
    """
    num_steps = losses["a"].shape[1] - 1
    window = max(1, min(SIGMA_WINDOW, num_steps))
    stats = {v: spectrum_stats(sigmas[v][:, :window]) for v in VARIANTS}
    early = min(10, num_steps)
    out = [
        Criterion(f"median σ(J), steps 0–{window - 1}",
                  {v: stats[v]["sigma_median"].mean(axis=1) for v in VARIANTS}, True),
        Criterion(f"10th-percentile σ(J), steps 0–{window - 1}",
                  {v: stats[v]["sigma_p10"].mean(axis=1) for v in VARIANTS}, True),
        Criterion(f"loss at step {early}", {v: losses[v][:, early] for v in VARIANTS}, False),
    ]
    if num_steps != early:
        out.append(Criterion(f"loss at step {num_steps}", {v: losses[v][:, num_steps] for v in VARIANTS},
                             False))
    return out


def summarise(sigmas: dict[str, np.ndarray], losses: dict[str, np.ndarray],
              wanted_steps: tuple[int, ...] = REPORT_STEPS) -> dict:
    """The JSON-able summary: the per-step table, the criteria, and the plain-language verdict."""
    for v in VARIANTS:
        if sigmas[v].ndim != 3 or losses[v].ndim != 2 or sigmas[v].shape[:2] != losses[v].shape:
            raise ValueError(f"variant {v}: sigmas {sigmas[v].shape} and losses {losses[v].shape} disagree")
        if not (np.all(np.isfinite(sigmas[v])) and np.all(np.isfinite(losses[v]))):
            raise FloatingPointError(f"variant {v}: non-finite singular values or losses (NaN/inf)")
    trials, num_steps = losses["a"].shape[0], losses["a"].shape[1] - 1
    steps = reported_steps(num_steps, wanted_steps)
    table = []
    for v in VARIANTS:
        stats = spectrum_stats(sigmas[v])
        for s in steps:
            row = {"variant": v, "step": s}
            for key in ("sigma_min", "sigma_p10", "sigma_median"):
                row[key] = mean_std(stats[key][:, s])
            row["loss"] = mean_std(losses[v][:, s])
            table.append(row)
    crits = [c.to_json() for c in criteria(sigmas, losses)]
    sigma_held = all(c["held"] for c in crits if c["better"] == "higher")
    speed_held = all(c["held"] for c in crits if c["better"] == "lower")
    return {"trials": trials, "steps": num_steps, "num_singular_values": int(sigmas["a"].shape[2]),
            "table": table, "criteria": crits,
            "prediction": {"singular_values": sigma_held, "training_speed": speed_held,
                           "held": sigma_held and speed_held},
            "verdict": verdict_sentences(crits, trials)}


def verdict_sentences(crits: list[dict], trials: int) -> list[str]:
    """One plain sentence per criterion, then the overall statement."""
    lines = []
    for c in crits:
        p = c["paired_trials"]
        better = "≥" if c["better"] == "higher" else "≤"
        diffs = "; ".join(
            f"{name} = {d['mean']:+.3g} ± {d['se']:.2g}" + ("" if d["resolved"] else " (within noise)")
            for name, d in c["paired_difference"].items()) if trials > 1 else ""
        lines.append(
            f"{c['criterion']}: observed {c['observed']} (means over {trials} trial(s)); "
            f"prediction {c['predicted']} {'HELD' if c['held'] else 'DID NOT HOLD'}; "
            f"per trial c {better} b in {p['c_vs_b']}/{p['trials']}, b {better} a in {p['b_vs_a']}/{p['trials']}"
            + (f"; paired differences (mean ± s.e.) {diffs}." if diffs else "."))
    held = [c["held"] for c in crits]
    if all(held):
        lines.append("On this data the prediction c ≥ b ≥ a held on every criterion.")
    elif not any(held):
        lines.append("On this data the prediction c ≥ b ≥ a did not hold on any criterion "
                     "(a finding about this data and scale, not a failure of the toolkit).")
    else:
        failed = ", ".join(c["criterion"] for c in crits if not c["held"])
        lines.append(f"On this data the prediction c ≥ b ≥ a held only in part: it did not hold for {failed} "
                     "(a finding about this data and scale, not a failure of the toolkit).")
    return lines


def fmt_ms(pair) -> str:
    """"mean ± std" with 3 significant digits."""
    mean, std = pair
    return f"{mean:.3g} ± {std:.2g}"


def markdown_table(summary: dict) -> str:
    """The per-step table and the verdict as GitHub markdown (for the README snippet and --save)."""
    lines = ["| variant | step | σ_min | σ_p10 | σ_median | loss |", "|---|---:|---:|---:|---:|---:|"]
    for row in summary["table"]:
        lines.append(f"| {VARIANT_LABELS[row['variant']]} | {row['step']} | {fmt_ms(row['sigma_min'])} | "
                     f"{fmt_ms(row['sigma_p10'])} | {fmt_ms(row['sigma_median'])} | {fmt_ms(row['loss'])} |")
    lines.append("")
    lines.append(f"Mean ± std (ddof = 0) over {summary['trials']} trial(s); σ over all "
                 f"{summary['num_singular_values']} singular values of the post-stem batch Jacobian J; "
                 f"values below {ZERO_RTOL:g}·σ_max are zero to round-off and shown as 0.")
    lines.append("")
    lines += [f"* {s}" for s in summary["verdict"]]
    return "\n".join(lines) + "\n"
