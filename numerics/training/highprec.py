"""50-digit re-evaluation of the R7 quantities at one float64 parameter point (confirms counterexamples).

The float64 values of p and X are taken as exact binary numbers (numerics.ops.to_mp) and pushed through
the same network code on mpmath object arrays; λ_min uses mpmath.eigsy. Call inside mpmath.workdps(50).
Shapes: p (P,), X (d, N). Spec: docs/theory.md#verdicts (a counterexample is confirmed at high precision).
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import ops, trainer
from numerics.architectures import chain_ce_net, residual_ce_net
from numerics.training.r7 import make_data

ARCH_KEYS = ("seed", "d", "N", "K", "m", "blocks", "alpha", "eps", "skip", "activation")


def arch_variables(inst, n: int) -> dict[str, np.ndarray]:
    """Per-instance copies of what rebuilds the network and data of an R7Instance (for Batch.variables)."""
    vals = {"seed": inst.seed, "d": inst.d, "N": inst.N, "K": inst.K, "m": inst.m, "blocks": inst.blocks,
            "alpha": float(inst.alphas[0]), "eps": inst.eps, "skip": inst.skip, "activation": inst.activation}
    return {k: np.full(n, vals[k]) for k in ARCH_KEYS}


def rebuild(v) -> tuple:
    """(net, X, y) from one instance's variables (equal gains α in every block)."""
    build = residual_ce_net if bool(v["skip"]) else chain_ce_net
    d, N, K, blocks = int(v["d"]), int(v["N"]), int(v["K"]), int(v["blocks"])
    net = build(d, K, int(v["m"]), blocks, [float(v["alpha"])] * blocks, float(v["eps"]),
                str(v["activation"]) if "activation" in v else "tanh")
    X, y = make_data(int(v["seed"]), d, N, K)
    return net, X, y


def loss_grad_sq(net, p, X, y):
    """(ℓ(p), ‖∇ℓ(p)‖²) as mpmath numbers."""
    loss, g = net.loss_and_grad(ops.to_mp(p, mpmath.mp.dps), ops.to_mp(X, mpmath.mp.dps), y)
    return mpmath.mpf(loss), mpmath.fsum(gi * gi for gi in g)


def loss(net, p, X, y):
    return mpmath.mpf(net.loss(ops.to_mp(p, mpmath.mp.dps), ops.to_mp(X, mpmath.mp.dps), y))


def lambda_min(net, p, X):
    """λ_min(D_pF D_pFᵀ) at working precision."""
    Km = net.tangent_kernel(ops.to_mp(p, mpmath.mp.dps), ops.to_mp(X, mpmath.mp.dps))
    return min(mpmath.eigsy(mpmath.matrix(Km.tolist()), eigvals_only=True))


def row_norms_sq(net, p):
    """‖w_j‖² of every WN row, as a list of mpmath numbers."""
    params = net.unflatten(ops.to_mp(p, mpmath.mp.dps))
    out = []
    for i, k in trainer.wn_keys(net):
        W = params[i][k]
        out += [mpmath.fsum(w * w for w in row) for row in W]
    return out
