"""A TRUE lemma (R1 `kernel-pl`, the paper's Theorem 2.4 in gist): ‖∇ℓ(p)‖² ≥ λ_min(K(p)) ‖∇C(F(p))‖².

Run:  verify examples/lemma_kernel_pl_true.py        (expected: PASS, exit 0)

Why it holds: ∇ℓ = D_pFᵀ ∇C, so ‖∇ℓ‖² = ⟨K ∇C, ∇C⟩ ≥ λ_min(K) ‖∇C‖² with K = D_pF D_pFᵀ.
Instances: the R7 residual network (numerics.architectures.residual_ce_net) with random weights at
scales 0.1 … 10, random inputs and labels, mean cross-entropy cost.
"""

import numpy as np
import sympy
from hypothesis import strategies as st

from numerics import costs
from numerics.architectures import residual_ce_net
from numerics.attack import quantities as q
from verify.lemma import Lemma

g2, c2 = sympy.symbols("grad_loss_sq grad_cost_sq", nonnegative=True)
lam = sympy.Symbol("lambda_min_K", real=True)  # round-off can make a singular kernel's λ_min ≈ −1e-17

D, CLASSES, WIDTH = 3, 2, 3


def _net(case):
    return residual_ce_net(d=D, K=CLASSES, m=WIDTH, blocks=case["blocks"], alpha=0.1, eps=1.0)


def sample(case, n, rng):
    net = _net(case)
    N = case["N"]
    return {
        "p": case["scale"] * rng.standard_normal((n, net.num_params)),
        "X": rng.standard_normal((n, D, N)),
        "y": np.broadcast_to(rng.integers(0, CLASSES, size=N), (n, N)).copy(),
        "blocks": np.full(n, case["blocks"]),
    }


def quantities(x):
    net = residual_ce_net(d=D, K=CLASSES, m=WIDTH, blocks=int(x["blocks"].reshape(-1)[0]), alpha=0.1, eps=1.0)
    p, X, y = x["p"], x["X"], np.asarray(x["y"]).reshape(-1, x["y"].shape[-1])[0]  # one label vector
    grad_loss = net.grad(p, X, y, "ce")
    grad_cost = costs.cost_grad(net.forward(p, X), y, "ce")
    return {
        "grad_loss_sq": np.sum(grad_loss * grad_loss, axis=-1),
        "grad_cost_sq": np.sum(grad_cost * grad_cost, axis=(-2, -1)),
        "lambda_min_K": q.lambda_min(net.tangent_kernel(p, X)),
    }


LEMMA = Lemma(
    name="kernel-pl-residual",
    statement="‖∇ℓ(p)‖² ≥ λ_min(K(p))·‖∇C(F(p))‖²  (R7 residual net, mean cross-entropy)",
    lhs=g2, relation=">=", rhs=lam * c2,
    cases=st.fixed_dictionaries({
        "blocks": st.integers(0, 2),
        "N": st.integers(1, 3),
        "scale": st.floats(0.1, 10.0),
    }),
    sample=sample,
    quantities=quantities,
    # both sides come out of float64 matrix products and an eigensolver: ~1e3·eps relative,
    # and λ_min of a singular kernel is only known to ~eps·λ_max in absolute terms
    rtol=1e-10, atol=1e-14,
)
