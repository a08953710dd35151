"""A FALSE lemma about cross-entropy: ‖∇c(z)‖ ≤ 1 − s_y (the √2 of R2 `cost-bounds` dropped).

Run:  verify examples/lemma_false_ce_grad_no_sqrt2.py   (expected: FAIL, counterexample confirmed at 50 digits)

R2 proves ‖s − e_y‖ ≤ √2(1 − s_y); in fact ‖s − e_y‖² = (1 − s_y)² + Σ_{j≠y} s_j², so the bound
without √2 fails as soon as a rival class has any probability. Only numerics.costs is used.
"""

import numpy as np
import sympy
from hypothesis import strategies as st

from numerics import costs
from numerics.attack import quantities as q
from verify.lemma import Lemma

g, gap = sympy.symbols("grad_norm one_minus_s_y", nonnegative=True)


def sample(case, n, rng):
    K = case["K"]
    return {"z": case["scale"] * rng.uniform(-1, 1, size=(n, K)), "y": rng.integers(0, K, size=n)}


def quantities(x):
    Z = np.swapaxes(x["z"], -1, -2)  # costs works on columns: the n instances are n samples
    residual = costs.softmax(Z) - costs.one_hot(x["y"], Z.shape[-2])
    return {"grad_norm": q.norm(np.swapaxes(residual, -1, -2)),
            "one_minus_s_y": -np.sum(residual * costs.one_hot(x["y"], Z.shape[-2]), axis=-2)}


LEMMA = Lemma(
    name="ce-grad-no-sqrt2",
    statement="‖∇c(z)‖ = ‖s − e_y‖ ≤ 1 − s_y",
    lhs=g, relation="<=", rhs=gap,
    cases=st.fixed_dictionaries({"K": st.integers(2, 6), "scale": st.floats(1e-3, 10.0)}),
    sample=sample,
    quantities=quantities,
    rtol=1e-12, atol=4 * 2.0**-52,  # s_y − 1 carries ~1 ulp of 1 of absolute round-off
)
