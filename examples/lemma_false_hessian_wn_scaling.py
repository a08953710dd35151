"""A subtly FALSE lemma: the loss Hessian on weight-normalised coordinates scales like 1/c, i.e.
vᵀ∇²ℓ(V, cW)v · c = vᵀ∇²ℓ(V, W)v for every c > 0 and every direction v on the WN coordinates W.

Run:  verify examples/lemma_false_hessian_wn_scaling.py   (expected: FAIL, counterexample confirmed at 50 digits)

Why it is false: weight normalisation makes ℓ(V, cW) = ℓ(V, W) (R6 `wn-invariance`); differentiating twice
in W gives c²·∇²_W ℓ(V, cW) = ∇²_W ℓ(V, W), so the true factor is c², not c (the companion
tests/verify/lemma_hessian_wn_scaling_true.py states it and passes). The two agree only at c = 1.
Instances: the R7 residual network (numerics.architectures.residual_ce_net, each smooth activation), mean
cross-entropy, the Hessian-vector products from `Network.hvp` — which the 50-digit confirmation re-runs on
mpmath arrays.
"""

import numpy as np
import sympy
from hypothesis import strategies as st

from numerics.architectures import residual_ce_net
from verify.lemma import Lemma

D, CLASSES, WIDTH = 3, 2, 3
ACTIVATIONS = ("tanh", "sigmoid", "softplus", "gelu")

h_scaled, h = sympy.symbols("vHv_at_cW vHv_at_W", real=True)
c = sympy.Symbol("c", positive=True)


def _net(blocks: int, act: int):
    return residual_ce_net(d=D, K=CLASSES, m=WIDTH, blocks=blocks, alpha=0.1, eps=1.0, activation=ACTIVATIONS[act])


def sample(case, n, rng):
    net = _net(case["blocks"], case["act"])
    P, N = net.num_params, case["N"]
    wn = np.arange(P) >= net.param_slices[0].stop  # every parameter after V is a WN weight in R7
    v = rng.standard_normal((n, P)) * wn
    return {
        "p": case["scale"] * rng.standard_normal((n, P)),
        "X": rng.standard_normal((n, D, N)),
        "y": np.broadcast_to(rng.integers(0, CLASSES, size=N), (n, N)).copy(),
        "v": v / np.sqrt(np.sum(v * v, axis=-1, keepdims=True)),
        "c": np.exp(rng.uniform(np.log(0.1), np.log(10.0), n)),
        "blocks": np.full(n, case["blocks"]),
        "act": np.full(n, case["act"]),
    }


def quantities(x):
    net = _net(int(x["blocks"].reshape(-1)[0]), int(x["act"].reshape(-1)[0]))
    p, X, v, cc = x["p"], x["X"], x["v"], x["c"]
    y = np.asarray(x["y"]).reshape(-1, x["y"].shape[-1])[0]  # one label vector per case
    wn = np.arange(net.num_params) >= net.param_slices[0].stop
    p_scaled = np.where(wn, cc[..., None] * p, p)  # (V, cW)
    return {
        "vHv_at_cW": np.sum(v * net.hvp(p_scaled, X, y, "ce", v), axis=-1),
        "vHv_at_W": np.sum(v * net.hvp(p, X, y, "ce", v), axis=-1),
        "c": cc,
    }


LEMMA = Lemma(
    name="hessian-wn-scaling-c",
    statement="vᵀ∇²ℓ(V, cW)v · c = vᵀ∇²ℓ(V, W)v on the weight-normalised coordinates (R7 net, cross-entropy)",
    lhs=h_scaled * c, relation="=", rhs=h,
    cases=st.fixed_dictionaries({
        "blocks": st.integers(1, 2),
        "act": st.integers(0, len(ACTIVATIONS) - 1),
        "N": st.integers(1, 3),
        "scale": st.floats(0.3, 3.0),
    }),
    sample=sample,
    quantities=quantities,
    # both sides are complex-step HVPs (exact to round-off) contracted with a unit v: ~1e-15 of ‖∇²ℓ‖;
    # vᵀ∇²ℓv can cancel to ~0, hence the absolute floor
    rtol=1e-8, atol=1e-12,
)
