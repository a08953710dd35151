"""Histograms of singular values (terminal text and PNG) and loss curves (mean ± std over trials).

Terminal output needs only rich; PNG output needs matplotlib (the ``plots`` extra) and says so clearly
when it is missing. docs/theory.md#experiments (the authors' figures: singular-value histograms per variant,
averaged over trials and the first 10 steps; loss curves; the A versus I + A illustration), docs/theory.md#r8.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.table import Table

from numerics.experiments.data import MissingExtraError
from numerics.experiments.report import SHORT_LABELS, SIGMA_WINDOW, VARIANT_LABELS, VARIANTS

BAR_WIDTH = 14
SPARK = "▁▂▃▄▅▆▇█"
LOG_FLOOR = 1e-6  # singular values below this (exact zeros to round-off) share the first bin


def require_matplotlib():
    """pyplot with the non-interactive Agg backend, or MissingExtraError naming the extra to install."""
    try:
        import matplotlib
    except ImportError:
        raise MissingExtraError(
            "--plot needs matplotlib, which is not installed: run `pip install \".[plots]\"` "
            "(or `pip install matplotlib`), or leave out --plot"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def log_edges(values: list[np.ndarray], bins: int = 14) -> np.ndarray:
    """Shared log-spaced bin edges covering all values ≥ LOG_FLOOR; the first edge is 0."""
    flat = np.concatenate([np.ravel(v) for v in values])
    hi = max(float(flat.max()), LOG_FLOOR * 10)
    lo = max(float(flat[flat > LOG_FLOOR].min()) if np.any(flat > LOG_FLOOR) else LOG_FLOOR, LOG_FLOOR)
    edges = np.logspace(np.floor(np.log10(lo) * 2) / 2, np.ceil(np.log10(hi) * 2) / 2, bins)
    return np.concatenate([[0.0], edges])


def histogram_counts(values: np.ndarray, edges: np.ndarray, per: int) -> np.ndarray:
    """Counts per bin divided by ``per`` (the number of spectra pooled: the average spectrum's histogram)."""
    counts, _ = np.histogram(np.ravel(values), bins=edges)
    counts[-1] += int(np.sum(np.ravel(values) > edges[-1]))
    return counts / max(per, 1)


def _bar(x: float, top: float) -> str:
    n = 0 if top <= 0 else round(BAR_WIDTH * x / top)
    return "█" * n


def histogram_table(title: str, columns: dict[str, np.ndarray], edges: np.ndarray,
                    per: dict[str, int]) -> Table:
    """A text histogram: one row per bin, one bar column per spectrum set (shared edges, shared scale)."""
    counts = {name: histogram_counts(v, edges, per[name]) for name, v in columns.items()}
    top = max(float(c.max()) for c in counts.values())
    table = Table(title=title, show_edge=False, pad_edge=False)
    table.add_column("σ bin", justify="left", no_wrap=True)
    for name in columns:
        table.add_column(name, no_wrap=True)
    for i in range(len(edges) - 1):
        label = f"< {edges[1]:.2g}" if i == 0 and edges[0] == 0 else f"≥ {edges[i]:.2g}"
        table.add_row(label, *(f"{_bar(counts[n][i], top)} {counts[n][i]:.1f}" for n in columns))
    return table


def sigma_window(sigmas: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], int]:
    """The singular values of steps 0 … min(10, S+1) − 1, per variant, and the window length."""
    steps = sigmas["a"].shape[1]
    window = max(1, min(SIGMA_WINDOW, steps))
    return {v: sigmas[v][:, :window] for v in VARIANTS}, window


def skip_histogram_table(sigmas: dict[str, np.ndarray], steps_label: str | None = None) -> Table:
    """steps_label names the recorded steps along axis 1 (default: "0–w", consecutive from 0)."""
    win, window = sigma_window(sigmas)
    edges = log_edges(list(win.values()))
    per = {SHORT_LABELS[v]: win[v].shape[0] * window for v in VARIANTS}
    title = (f"σ(J) histogram, average spectrum over {win['a'].shape[0]} trial(s) × steps "
             f"{steps_label or f'0–{window - 1}'} "
             f"(counts per spectrum of {win['a'].shape[2]})")
    return histogram_table(title, {SHORT_LABELS[v]: win[v] for v in VARIANTS}, edges, per)


def sparkline(values: np.ndarray) -> str:
    """A one-line curve; higher values give taller blocks."""
    v = np.asarray(values, dtype=float)
    lo, hi = float(v.min()), float(v.max())
    if hi <= lo:
        return SPARK[0] * len(v)
    return "".join(SPARK[round((x - lo) / (hi - lo) * (len(SPARK) - 1))] for x in v)


def loss_curves_table(losses: dict[str, np.ndarray]) -> Table:
    table = Table(title="loss curves (mean over trials; one block per step, shared scale)", show_edge=False)
    table.add_column("variant")
    table.add_column("curve", no_wrap=True)
    table.add_column("first → last", justify="right")
    means = {v: losses[v].mean(axis=0) for v in VARIANTS}
    lo = min(float(m.min()) for m in means.values())
    hi = max(float(m.max()) for m in means.values())
    for v in VARIANTS:
        m = means[v]
        padded = np.concatenate([[lo, hi], m])  # shared vertical scale across variants
        table.add_row(SHORT_LABELS[v], sparkline(padded)[2:], f"{m[0]:.4g} → {m[-1]:.4g}")
    return table


def random_matrix_table(sigma_a: np.ndarray, sigma_ia: np.ndarray, bins: int = 16) -> Table:
    edges = np.linspace(0.0, max(float(sigma_a.max()), float(sigma_ia.max())) * 1.0001, bins + 1)
    return histogram_table(f"singular values of A and I + A ({len(sigma_a)}×{len(sigma_a)})",
                           {"A": sigma_a, "I + A": sigma_ia}, edges, {"A": 1, "I + A": 1})


def save_skip_figure(sigmas: dict[str, np.ndarray], losses: dict[str, np.ndarray], path: Path,
                     title: str = "", steps_label: str | None = None) -> Path:
    """PNG: left, σ(J) histograms of the three variants (log axis); right, loss curves (mean ± std).
    steps_label names the recorded steps along axis 1 of sigmas (default: "0–w", consecutive from 0)."""
    plt = require_matplotlib()
    win, window = sigma_window(sigmas)
    edges = log_edges(list(win.values()), bins=30)
    edges[0] = LOG_FLOOR / 10  # zeros are drawn in the leftmost bin of the log axis
    fig, (ax_h, ax_l) = plt.subplots(1, 2, figsize=(11, 4.2))
    colours = {"a": "tab:red", "b": "tab:blue", "c": "tab:green"}
    for v in VARIANTS:
        vals = np.clip(np.ravel(win[v]), edges[0] * 1.0001, None)
        weights = np.full(vals.shape, 1.0 / (win[v].shape[0] * window))
        ax_h.hist(vals, bins=edges, weights=weights, histtype="step", lw=1.8, color=colours[v],
                  label=VARIANT_LABELS[v])
    ax_h.set_xscale("log")
    ax_h.set_xlabel(f"singular value of J (values < {LOG_FLOOR:g} in the leftmost bin)")
    ax_h.set_ylabel("count per spectrum")
    ax_h.set_title(f"σ(J), average over trials × steps {steps_label or f'0–{window - 1}'}")
    ax_h.legend(fontsize=8)
    steps = np.arange(losses["a"].shape[1])
    for v in VARIANTS:
        m, s = losses[v].mean(axis=0), losses[v].std(axis=0)
        ax_l.plot(steps, m, color=colours[v], label=VARIANT_LABELS[v])
        ax_l.fill_between(steps, m - s, m + s, color=colours[v], alpha=0.2)
    ax_l.set_yscale("log")
    ax_l.set_xlabel("full-batch GD step")
    ax_l.set_ylabel("cross-entropy loss (mean ± std)")
    ax_l.set_title("training loss")
    ax_l.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def save_random_matrix_figure(sigma_a: np.ndarray, sigma_ia: np.ndarray, path: Path) -> Path:
    """PNG: histograms of σ(A) and σ(I + A) on one linear axis."""
    plt = require_matplotlib()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    edges = np.linspace(0.0, max(float(sigma_a.max()), float(sigma_ia.max())) * 1.0001, 61)
    ax.hist(sigma_a, bins=edges, alpha=0.6, color="tab:red", label=f"A (σ_min = {sigma_a.min():.2g})")
    ax.hist(sigma_ia, bins=edges, alpha=0.6, color="tab:green", label=f"I + A (σ_min = {sigma_ia.min():.2g})")
    ax.set_xlabel("singular value")
    ax.set_ylabel("count")
    ax.set_title(f"{len(sigma_a)}×{len(sigma_a)}, A_ij ~ U(−1/√m, 1/√m)")
    ax.legend()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
