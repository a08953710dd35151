"""Exact, copy-pasteable text for cases and counterexample variables (floats as shortest round-trip repr)."""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_ELEMENTS = 64  # larger arrays are summarised (shape, min, max) rather than printed in full


def format_value(value: Any) -> str:
    """A float as ``repr`` (round-trips exactly); arrays element by element, or summarised when huge."""
    arr = np.asarray(value)
    if arr.dtype == object:
        return str(value)
    if arr.ndim == 0:
        item = arr.item()
        return repr(float(item)) if isinstance(item, float) else repr(item)
    if arr.size > MAX_ELEMENTS:
        return f"array{arr.shape} with entries in [{arr.min()!r}, {arr.max()!r}]"
    if np.issubdtype(arr.dtype, np.floating):
        return np.array2string(arr, separator=", ", floatmode="unique", max_line_width=120, threshold=MAX_ELEMENTS)
    return np.array2string(arr, separator=", ", max_line_width=120, threshold=MAX_ELEMENTS)


def format_case(case: Any) -> str:
    if isinstance(case, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in case.items()) + "}"
    return format_value(case)
