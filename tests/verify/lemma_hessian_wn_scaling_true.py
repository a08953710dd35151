"""A TRUE lemma, the companion of examples/lemma_false_hessian_wn_scaling.py:
vᵀ∇²ℓ(V, cW)v · c² = vᵀ∇²ℓ(V, W)v for c > 0 and v on the weight-normalised coordinates W (R7 net).

Why it holds: weight normalisation makes ℓ(V, cW) = ℓ(V, W) (R6 `wn-invariance`); differentiate twice in W.
The same instances and quantities as the false example (loaded from it); only the power of c differs.
"""

from dataclasses import replace
from pathlib import Path

import sympy

from verify.lemma import load

_FALSE = load(str(Path(__file__).resolve().parents[2] / "examples" / "lemma_false_hessian_wn_scaling.py"))

LEMMA = replace(
    _FALSE, name="hessian-wn-scaling-c2",
    statement="vᵀ∇²ℓ(V, cW)v · c² = vᵀ∇²ℓ(V, W)v on the weight-normalised coordinates (R7 net, cross-entropy)",
    lhs=_FALSE.lhs * sympy.Symbol("c", positive=True),
)
