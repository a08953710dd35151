"""The conv run's report: loss at steps 10/20/30, paired per-trial win counts, σ(J) statistics, the finding.

Inputs: ``losses[v]`` (T, S+1) and ``sigmas[v]`` (T, J, r) at ``jacobian_steps`` (J of them). Paired win
counts compare variants trial by trial (same initial weights): "c < b" counts the trials whose loss of (c)
is strictly below that of (b). "Whole curve" is the mean loss over steps 1…S (the area under the curve).
The prediction tested (R8, the paper's MNIST and CIFAR claim): (c) trains faster than (b). It is decided on the
whole-curve paired difference c − b: HELD if it is negative by more than 2 standard errors, DID NOT HOLD if
positive by more than 2 s.e., otherwise NOT RESOLVED (within the trial-to-trial noise).
"""

from __future__ import annotations

import numpy as np

from numerics.experiments.report import VARIANT_LABELS, VARIANTS, fmt_ms, mean_std, paired_difference

LOSS_STEPS = (10, 20, 30)
SIGMA_WINDOW = 10
STAT_NAMES = ("min", "p10", "median", "max", "min/max")


def sigma_stats(sig: np.ndarray) -> dict[str, np.ndarray]:
    """min, 10th percentile, median, max and min/max over the last axis."""
    lo, hi = np.min(sig, axis=-1), np.max(sig, axis=-1)
    return {"min": lo, "p10": np.percentile(sig, 10, axis=-1), "median": np.median(sig, axis=-1), "max": hi,
            "min/max": lo / hi}


def loss_steps(num_steps: int) -> list[int]:
    return sorted({s for s in LOSS_STEPS if s <= num_steps} | {num_steps})


def curve_mean(losses: np.ndarray) -> np.ndarray:
    """Mean loss over steps 1…S per trial (step 0 is shared by all variants up to the architecture)."""
    return losses[:, 1:].mean(axis=1) if losses.shape[1] > 1 else losses[:, 0]


def wins(x: np.ndarray, y: np.ndarray) -> int:
    return int(np.sum(np.asarray(x) < np.asarray(y)))


def speed_verdict(c_minus_b: dict) -> str:
    if not c_minus_b["resolved"]:
        return "NOT RESOLVED"
    return "HELD" if c_minus_b["mean"] < 0 else "DID NOT HOLD"


def compare_losses(losses: dict[str, np.ndarray]) -> dict:
    """Win counts c < b and b < a at the loss steps and over the whole curve, and the paired differences."""
    num_steps = losses["a"].shape[1] - 1
    rows = {}
    for s in loss_steps(num_steps):
        rows[f"step {s}"] = {v: losses[v][:, s] for v in VARIANTS}
    rows["whole curve"] = {v: curve_mean(losses[v]) for v in VARIANTS}
    out = {"trials": int(losses["a"].shape[0]), "rows": []}
    for name, vals in rows.items():
        out["rows"].append({"at": name, "c<b": wins(vals["c"], vals["b"]), "b<a": wins(vals["b"], vals["a"]),
                            "c-b": paired_difference(vals["c"], vals["b"]),
                            "b-a": paired_difference(vals["b"], vals["a"])})
    out["speed"] = speed_verdict(out["rows"][-1]["c-b"])
    return out


def summarise(losses: dict[str, np.ndarray], sigmas: dict[str, np.ndarray], jacobian_steps) -> dict:
    for v in VARIANTS:
        if not (np.all(np.isfinite(losses[v])) and np.all(np.isfinite(sigmas[v]))):
            raise FloatingPointError(f"variant {v}: non-finite singular values or losses (NaN/inf)")
    jacobian_steps = list(jacobian_steps)
    num_steps = losses["a"].shape[1] - 1
    loss_table = [{"variant": v, "step": s, "loss": mean_std(losses[v][:, s])}
                  for v in VARIANTS for s in loss_steps(num_steps)]
    sigma_table = []
    window = [i for i, s in enumerate(jacobian_steps) if s < SIGMA_WINDOW]
    for v in VARIANTS:
        if 0 in jacobian_steps:
            st = sigma_stats(sigmas[v][:, jacobian_steps.index(0)])
            sigma_table.append({"variant": v, "at": "step 0", **{k: mean_std(st[k]) for k in STAT_NAMES}})
        if window:
            pooled = sigma_stats(sigmas[v][:, window].reshape(-1))
            sigma_table.append({"variant": v, "at": f"pooled, steps {steps_text([jacobian_steps[i] for i in window])}",
                                **{k: (float(pooled[k]), 0.0) for k in STAT_NAMES}})
    comparison = compare_losses(losses)
    return {"trials": int(losses["a"].shape[0]), "steps": num_steps, "jacobian_steps": jacobian_steps,
            "num_singular_values": int(sigmas["a"].shape[-1]), "loss_table": loss_table,
            "sigma_table": sigma_table, "wins": comparison,
            "prediction": {"c_faster_than_b": comparison["speed"]}}


def steps_text(steps: list[int]) -> str:
    if len(steps) > 1 and steps == list(range(steps[0], steps[-1] + 1)):
        return f"{steps[0]}–{steps[-1]}"
    return ",".join(map(str, steps))


def finding(summary: dict, dense: dict | None) -> str:
    """The one-sentence finding: did (c) train faster than (b), and how does the dense analogue compare."""
    row = summary["wins"]["rows"][-1]
    d, T = row["c-b"], summary["wins"]["trials"]
    verdict = summary["wins"]["speed"]
    text = {"HELD": "held", "DID NOT HOLD": "did not hold", "NOT RESOLVED": "was not resolved"}[verdict]
    s = (f"The prediction that (c) trains faster than (b) {text} on this data ({verdict}): over the whole curve "
         f"loss(c) < loss(b) in {row['c<b']}/{T} trials, paired mean c − b = {d['mean']:+.3g} ± {d['se']:.2g} (s.e.)")
    if dense is not None:
        dd = dense["wins"]["rows"][-1]
        s += (f"; the dense analogue on the same {dense['n']} digits gives {dense['wins']['speed']} "
              f"(c < b in {dd['c<b']}/{T}, c − b = {dd['c-b']['mean']:+.3g} ± {dd['c-b']['se']:.2g})")
    return s + "."


def markdown(summary: dict, dense: dict | None = None) -> str:
    """Tables and the finding as GitHub markdown (README / docs / --save)."""
    steps = loss_steps(summary["steps"])
    lines = ["| variant | " + " | ".join(f"loss @ {s}" for s in steps) + " |",
             "|---|" + "---:|" * len(steps)]
    by = {(r["variant"], r["step"]): r["loss"] for r in summary["loss_table"]}
    for v in VARIANTS:
        lines.append(f"| {VARIANT_LABELS[v]} | " + " | ".join(fmt_ms(by[(v, s)]) for s in steps) + " |")
    T = summary["wins"]["trials"]
    lines += ["", f"Paired wins over {T} trials (same initial weights; strict <), paired mean difference ± s.e.:", "",
              "| at | c < b | b < a | c − b | b − a |", "|---|---:|---:|---:|---:|"]
    for r in summary["wins"]["rows"]:
        lines.append(f"| {r['at']} | {r['c<b']}/{T} | {r['b<a']}/{T} | {_pd(r['c-b'])} | {_pd(r['b-a'])} |")
    lines += ["", f"σ of the post-stem batch Jacobian J ({summary['num_singular_values']} values; step 0: mean ± std "
                  "over trials of each spectrum's statistic; pooled: over all trials and steps):", "",
              "| variant | at | σ_min | σ_p10 | σ_median | σ_max | σ_min/σ_max |", "|---|---|---:|---:|---:|---:|---:|"]
    for r in summary["sigma_table"]:
        cells = [fmt_ms(r[k]) if r["at"] == "step 0" else f"{r[k][0]:.3g}" for k in STAT_NAMES]
        lines.append(f"| {VARIANT_LABELS[r['variant']]} | {r['at']} | " + " | ".join(cells) + " |")
    lines += ["", "**Finding.** " + finding(summary, dense)]
    return "\n".join(lines) + "\n"


def _pd(d: dict) -> str:
    if d["se"] != d["se"]:  # one trial: no standard error
        return f"{d['mean']:+.3g}"
    return f"{d['mean']:+.3g} ± {d['se']:.2g}" + ("" if d["resolved"] else " (noise)")
