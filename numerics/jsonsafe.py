"""Plain JSON from numerical results: numpy scalars and arrays become lists and numbers, NaN/inf strings.

    jsonable({"x": np.float64(1.5), "v": np.array([1.0, np.inf])})  ->  {"x": 1.5, "v": [1.0, "inf"]}
    json_text(obj, indent=None)  ->  one strict JSON text (allow_nan=False: never a bare NaN token)

It lives in numerics, the lowest layer that writes files (numerics.training.History.save), and serves the
CLI's ``--json`` lines (verify.ui) as well, so both write the same JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any


def jsonable(obj: Any) -> Any:
    """Numpy scalars/arrays and non-finite floats become plain JSON (NaN/inf as their repr strings)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):
        return jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


def json_text(obj: Any, indent: int | None = None, ensure_ascii: bool = True) -> str:
    """``obj`` as strict JSON (see ``jsonable``); one line when indent is None; ensure_ascii=False keeps
    non-ASCII text (σ, ≤) as it is, for files people read."""
    return json.dumps(jsonable(obj), allow_nan=False, sort_keys=False, indent=indent, ensure_ascii=ensure_ascii)


__all__ = ["json_text", "jsonable"]
