"""A subtly FALSE lemma: σ_min(I + A) ≥ 1 − ‖A‖_F / 2.

Run:  verify examples/lemma_false_skip_frobenius.py   (expected: FAIL, counterexample confirmed at 50 digits)

The true statement (Weyl, R4 `skip-sigma-min`) is σ_min(I + A) ≥ 1 − ‖A‖₂ ≥ 1 − ‖A‖_F. Halving the
Frobenius norm looks harmless because ‖A‖_F is usually much larger than ‖A‖₂ — but for a rank-one
A = −t·uuᵀ both equal t, σ_min(I + A) = 1 − t, and 1 − t < 1 − t/2. Hypothesis has to find such
nearly rank-one, negatively aligned matrices; the `rank_one` case parameter gives it a knob to steer.
"""

import numpy as np
import sympy
from hypothesis import strategies as st

from numerics.attack import quantities as q
from verify.lemma import Lemma

a, s = sympy.symbols("fro_A sigma_min_I_plus_A", nonnegative=True)


def sample(case, n, rng):
    m = case["m"]
    A = rng.uniform(-1, 1, size=(n, m, m))
    u = rng.standard_normal((n, m, 1))
    u /= np.sqrt(np.sum(u * u, axis=-2, keepdims=True))
    # mix a random matrix with a rank-one −uuᵀ; rank_one = 1 is the pure (refuting) direction
    A = (1 - case["rank_one"]) * A - case["rank_one"] * (u @ np.swapaxes(u, -1, -2))
    return {"A": case["scale"] * A}


def quantities(x):
    A = x["A"]
    return {"fro_A": q.fro(A), "sigma_min_I_plus_A": q.sigma_min(np.eye(A.shape[-1]) + A)}


LEMMA = Lemma(
    name="skip-frobenius-half",
    statement="σ_min(I + A) ≥ 1 − ‖A‖_F/2",
    lhs=s, relation=">=", rhs=1 - a / 2,
    hypotheses=(a < 1,),  # the regime where a skip connection is supposed to help
    cases=st.fixed_dictionaries({
        "m": st.integers(1, 4),
        "scale": st.floats(1e-3, 1.0),
        "rank_one": st.floats(0.0, 1.0),
    }),
    sample=sample,
    quantities=quantities,
    rtol=1e-12, atol=1e-15,
)
