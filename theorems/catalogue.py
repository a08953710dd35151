"""RESULTS: every result R0–R8 of docs/theory.md#results as a Result record, in spec order.

``get(result_id)`` raises KeyError naming close matches; ``ids()`` lists the ids.
"""

from __future__ import annotations

import difflib

from theorems import (bn_bounds, ce_convergence, cost_bounds, first_layer_conditioning, kernel_layerwise,
                      kernel_pl, lipschitz_composition, pl_descent, skip_mechanism, skip_sigma_min,
                      wn_invariance)
from theorems.result import Result

_MODULES = (pl_descent, kernel_pl, cost_bounds, kernel_layerwise, skip_sigma_min, first_layer_conditioning,
            wn_invariance, bn_bounds, lipschitz_composition, ce_convergence, skip_mechanism)

RESULTS: dict[str, Result] = {m.RESULT.id: m.RESULT for m in _MODULES}


def ids() -> list[str]:
    return list(RESULTS)


def get(result_id: str) -> Result:
    try:
        return RESULTS[result_id]
    except KeyError:
        close = difflib.get_close_matches(result_id, RESULTS, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known ids: {', '.join(RESULTS)}"
        raise KeyError(f"unknown result id {result_id!r}{hint}") from None
