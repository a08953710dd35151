"""A gradient-descent run's per-step records, saved as ``.npz`` (arrays) plus a JSON summary.

Rows are steps t = 0, …, T (T updates give T + 1 rows; with ``log_every`` k only every k-th row and the
last are kept). λ_min(K) is NaN on the steps where the kernel was not computed. Spec: docs/theory.md#r7.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from numerics.jsonsafe import json_text

ARRAYS = ("step", "loss", "grad_norm", "v_norm", "wn_min", "lambda_min")


@dataclass
class History:
    """step (T,) int; loss ℓ_t, grad_norm ‖∇ℓ_t‖, v_norm ‖V_t‖_F, wn_min min_j ‖w_j‖ over all WN rows,
    lambda_min λ_min(K(p_t)) (NaN if not computed): float64 (T,). ``meta`` is the run's JSON-able set-up
    (seed, lr, mode, constants …); ``interrupted`` / ``error`` say why a run stopped early."""

    step: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    v_norm: np.ndarray
    wn_min: np.ndarray
    lambda_min: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False
    error: str | None = None

    @classmethod
    def from_rows(cls, rows: list[dict[str, float]], **kw) -> History:
        cols = {name: np.array([r[name] for r in rows], dtype=int if name == "step" else float)
                for name in ARRAYS}
        if not rows:
            cols = {name: np.zeros(0, dtype=int if name == "step" else float) for name in ARRAYS}
        return cls(**cols, **kw)

    def __len__(self) -> int:
        return len(self.step)

    def __repr__(self) -> str:
        if not len(self):
            return "History(empty)"
        return (f"History(steps {self.step[0]}…{self.step[-1]}, loss {self.loss[0]:.4g} -> {self.loss[-1]:.4g}, "
                f"‖V‖ {self.v_norm[0]:.4g} -> {self.v_norm[-1]:.4g}{', interrupted' if self.interrupted else ''})")

    def summary(self) -> dict[str, Any]:
        """A small JSON-able digest: first/last values, run status, the set-up."""
        out: dict[str, Any] = {"rows": len(self), "interrupted": self.interrupted, "error": self.error}
        if len(self):
            for name in ARRAYS[1:]:
                col = getattr(self, name)
                finite = col[np.isfinite(col)]
                out[name] = {"first": float(col[0]), "last": float(col[-1]),
                             "min": float(finite.min()) if finite.size else None,
                             "max": float(finite.max()) if finite.size else None}
            out["steps"] = int(self.step[-1])
        out["meta"] = self.meta
        return out

    def save(self, directory: str | Path, extra_arrays: dict[str, np.ndarray] | None = None,
             extra_summary: dict[str, Any] | None = None) -> tuple[Path, Path]:
        """Write ``history.npz`` and ``summary.json`` into ``directory`` (created); returns both paths."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        arrays = {name: getattr(self, name) for name in ARRAYS}
        arrays.update(extra_arrays or {})
        npz = d / "history.npz"
        np.savez_compressed(npz, **arrays)
        summary = {**self.summary(), **(extra_summary or {})}
        js = d / "summary.json"
        js.write_text(json_text(summary, indent=2) + "\n")
        return npz, js

    @classmethod
    def load(cls, directory: str | Path) -> History:
        """Read a run saved by ``save`` (arrays and meta; extra arrays are ignored)."""
        d = Path(directory)
        with np.load(d / "history.npz") as z:
            cols = {name: z[name] for name in ARRAYS}
        summary = json.loads((d / "summary.json").read_text())
        return cls(**cols, meta=summary.get("meta", {}), interrupted=bool(summary.get("interrupted")),
                   error=summary.get("error"))


__all__ = ["ARRAYS", "History"]
