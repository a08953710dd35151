"""Pictures of an R7 run: a 3-panel PNG (matplotlib, the ``plots`` extra) or terminal sparklines.

Panels: loss ℓ_t with the predicted bound b_t (log-log); ‖V_t‖ against log t; λ_min(K(p_t)) with μ₀.
Spec: docs/theory.md#r7 (conclusions 3–5).
"""

from __future__ import annotations

import numpy as np

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values, width: int = 48, log: bool = False) -> str:
    """One line of block characters for a series (resampled to ``width``; log10 when ``log``)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if log:
        v = np.log10(v[v > 0])
    if v.size == 0:
        return "(no data)"
    v = v[np.linspace(0, v.size - 1, min(width, v.size)).round().astype(int)]
    lo, hi = float(v.min()), float(v.max())
    if hi == lo:
        return BARS[0] * len(v)
    idx = np.floor((v - lo) / (hi - lo) * (len(BARS) - 1) + 0.5).astype(int)
    return "".join(BARS[i] for i in idx)


def have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def plot_run(path, step, loss, bound, v_norm, lambda_min, mu0: float, title: str = "") -> None:
    """Write the 3-panel PNG to ``path`` (raises ImportError without matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    step = np.asarray(step)
    pos = step >= 1  # log axes: t = 0 is off the plot
    t = step[pos]
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.8))
    ax[0].loglog(t, np.asarray(loss)[pos], label="measured ℓ_t")
    if bound is not None and len(bound):
        ax[0].loglog(t, np.asarray(bound, float)[pos], "--", label="bound 1/(1/ℓ₀ + κγ²t)")
    ax[0].set(xlabel="step t", ylabel="loss", title="loss → 0 = inf ℓ")
    ax[0].legend()
    ax[1].semilogx(t, np.asarray(v_norm)[pos])
    ax[1].set(xlabel="step t (log)", ylabel="‖V_t‖_F", title="‖V‖ → ∞ (optimum at infinity)")
    lam = np.asarray(lambda_min, float)
    ok = np.isfinite(lam)
    ax[2].semilogy(step[ok], lam[ok], label="λ_min(K(p_t))")
    ax[2].axhline(mu0, color="k", ls="--", label="μ₀")
    ax[2].set(xlabel="step t", ylabel="λ_min", title="kernel stays above μ₀")
    ax[2].legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
