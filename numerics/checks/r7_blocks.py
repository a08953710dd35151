"""Numeric checks of R7's per-block bounds (ce-global-convergence): each constant β is assembled from, attacked alone.

One residual block R(H) = H + α Ŵ₂ σ(Ŵ₁ BN_ε(H)) on H ∈ ℝ^{K×N}, Ŵ₁ ∈ ℝ^{m×K}, Ŵ₂ ∈ ℝ^{K×m} weight-normalised
row-wise with every raw row norm ≥ r (the shell S_r). The constants are theorems.ce_convergence.block_constants
(derived by the product rule in theorems.residual_block_bounds); r is the instance's smallest raw row norm:

  ce-global-convergence/block-dh     ‖D_H R‖                 ≤ a   = 1 + c
  ce-global-convergence/block-dw1    ‖D_{W₁} R‖              ≤ e1  = α K s1 √N / r
  ce-global-convergence/block-dw2    ‖D_{W₂} R‖              ≤ e2  = α √(mN)(s0 + s1√K) / r
  ce-global-convergence/block-d2ww   sup ‖D²_{WW} R[w, w]‖   ≤ bWW (w = (E₁, E₂) unit)
  ce-global-convergence/block-d2hw   sup ‖D²_{HW} R[u, w]‖   ≤ bHW (u, w unit)
  ce-global-convergence/block-d2hh   sup ‖D²_{HH} R[u, u]‖   ≤ bHH (u unit)

Exact derivatives, one code path: the block is evaluated as residual_ce_net(d=N, K, m, 1 block) at X = I_N, so
its first layer V·I_N = V *is* H and every slot (H, W₁, W₂) is a parameter: D R is Network.param_jacobian
(reverse mode, exact), D²R is the complex step of that Jacobian in each needed coordinate direction
(numerics.checks._curvature.second_derivative_tensor: exact to round-off). First-order lhs: the largest singular
value of the slot's Jacobian block (exact). Second-order lhs: sup over unit c, a, b of cᵀ D²R[a, b] by alternating
maximisation (c ← D²R[a, b]/‖·‖, (a, b) ← top singular pair of Σ c_i D²R_i, from the top left singular vector of
the unfolded tensor and random starts): a LOWER estimate of the norm, attained by the returned unit vectors, so
a violation it finds is real and the 50-digit evaluator recomputes exactly that contraction (cᵀ J a through
Network.vjp; cᵀ D²R[a, b] as a central difference of vjp at doubled precision).

Cases steer towards the witnesses (hypothesis targets the worst ratio): H = scale·(ρ s⊗h + (1 − ρ) G) (s a sign
vector, h a centred row, G Gaussian) at scales 10^[−4, 4]·√ε (var ≪ ε: BN is linear, ‖DBN‖ → 1/√ε; var ≫ ε:
‖BN(H)‖_F → √(KN)); Ŵ₁ rows pulled towards one direction along s or orthogonal to s, Ŵ₂ rows towards one
direction; row norms r·(1 + 10^spread·U). c ∈ [0.3, 0.99] so that 1 + c is not reached by the identity alone.

Tolerances: RTOL = 1e-9 (reverse-mode Jacobians and complex-step second derivatives are exact to round-off).
"""

from __future__ import annotations

import functools
import json

import mpmath
import numpy as np
import sympy
from hypothesis import strategies as st

from numerics import ops
from numerics.architectures import residual_ce_net
from numerics.attack.check import Batch, NumericCheck, loose, tight
from numerics.checks import _curvature as curv
from numerics.checks import _instances as inst

R = "ce-global-convergence"
RTOL = 1e-9
ALT_ITERS = 15  # power-method sweeps (c, a, b each updated once per sweep)
RESTARTS = 1  # random starts besides the unfoldings' top singular vectors
SECOND_ORDER_EXAMPLES = 0.5  # a second-order case is ~|W| complex-shifted Jacobians: half the profile's cases


# ------------------------------------------------------------------------------------------- constants
@functools.cache
def _constant_fn(key: str, mp: bool):
    """block_constants(2)[key] as a function of (α, N, K, m, ε, r, s0, s1, s2) (math or mpmath)."""
    from theorems.ce_convergence import alpha, block_constants
    from theorems.residual_block_bounds import K, N, eps, m, r, s0, s1, s2

    expr = block_constants(2)[key]
    return sympy.lambdify((alpha(2), N, K, m, eps, r, s0, s1, s2), expr, modules="mpmath" if mp else "math")


@functools.cache
def _activation(act: str):
    from theorems.activations import activation_at_zero, activation_constants

    s1, s2 = activation_constants(act)
    return activation_at_zero(act), s1, s2


def block_constant(key: str, arch: dict, r, mp: bool = False):
    """The block bound ``key`` (a, e1, e2, bWW, bHW, bHH) at the instance's r; floats, or mpmath at 50 digits."""
    s0, s1, s2 = _activation(arch["activation"])
    conv = (lambda v: mpmath.mpf(float(v))) if mp else float
    args = [conv(v) for v in (arch["alpha"], arch["N"], arch["K"], arch["m"], arch["eps"], r, s0, s1, s2)]
    return _constant_fn(key, mp)(*args)


# --------------------------------------------------------------------------------------------- instances
def cases():
    return st.fixed_dictionaries({
        "seed": inst.SEEDS, "N": st.integers(2, 4), "K": st.integers(2, 3), "m": st.integers(2, 3),
        "activation": st.sampled_from(inst.ACTIVATIONS), "c": st.floats(0.3, 0.99),
        "log10_eps": inst.log10_scales(-3.0, 2.0), "log10_r": inst.log10_scales(-2.0, 2.0),
        "log10_spread": inst.log10_scales(-4.0, 0.0),
        "log10_h": inst.log10_scales(-4.0, 4.0),  # scale of H over √ε
        "rank1": st.floats(0.0, 1.0),  # ρ: H = ρ s⊗h + (1 − ρ) G
        "align1": st.floats(0.0, 1.0), "perp1": st.booleans(),  # Ŵ₁ rows towards u ⊥ s (or u = s/√K)
        "align2": st.floats(0.0, 1.0),
        "ones": st.booleans(),  # s = 1_K and Ŵ₂ rows towards 1_m/√m (the D_H witness) instead of random
    })


@functools.lru_cache(maxsize=64)
def block_net(N: int, K: int, m: int, alpha: float, eps: float, activation: str):
    """R as a Network of (H, W₁, W₂): residual_ce_net(d=N, …, 1 block), evaluated at X = I_N (V·I = H)."""
    return residual_ce_net(N, K, m, 1, alpha, eps, activation)


def _slices(K: int, N: int, m: int) -> dict[str, slice]:
    KN, mK = K * N, m * K
    return {"H": slice(0, KN), "W1": slice(KN, KN + mK), "W2": slice(KN + mK, KN + 2 * mK),
            "W": slice(KN, KN + 2 * mK)}


def _rows(rng, n, rows, cols, align, u):
    """Unit rows (1 − a)g + a·u (u (n, cols) unit, a (n, 1, 1)), then normalised."""
    g = rng.standard_normal((n, rows, cols)) / np.sqrt(cols)
    W = (1 - align) * g + align * u[:, None, :]
    return W / np.linalg.norm(W, axis=-1, keepdims=True)


def _per_instance(rng, n, value, snap):
    """The case's value for each instance, snapped to ``snap`` in half of them (so every case carries the
    witness family's extreme configuration as well as the value hypothesis steers)."""
    return np.where(rng.uniform(size=n) < 0.5, snap, value)


def block_instances(case, n):
    """(arch, net, x (n, P) = (H, W₁, W₂) flat, r_min (n,)) of one case."""
    rng = inst.rng_for(case)
    K, m, N, act = case["K"], case["m"], case["N"], case["activation"]
    eps = 10.0 ** case["log10_eps"]
    alpha = float(inst.alpha_for_c(case["c"], m, K, eps, act))
    ones = np.where(rng.uniform(size=n) < 0.75, case["ones"], not case["ones"])
    perp = np.where(rng.uniform(size=n) < 0.75, case["perp1"], not case["perp1"])
    rho, a1, a2 = (_per_instance(rng, n, case[k], 1.0)[:, None, None] for k in ("rank1", "align1", "align2"))
    s = np.where(ones[:, None], 1.0, rng.choice([-1.0, 1.0], size=(n, K)))
    h = rng.standard_normal((n, N))
    h -= h.mean(axis=-1, keepdims=True)
    h /= np.linalg.norm(h, axis=-1, keepdims=True) / np.sqrt(N)
    G = rng.standard_normal((n, K, N))
    # a quarter of the instances at each end of the H scale (var ≪ ε and var ≫ ε are both witnesses)
    log_h = np.select([rng.uniform(size=n) < 0.25, rng.uniform(size=n) < 1 / 3], [-4.5, 4.5],
                      case["log10_h"] + rng.uniform(-0.5, 0.5, size=n))
    scale = np.sqrt(eps) * 10.0 ** log_h[:, None, None]
    H = scale * (rho * s[:, :, None] * h[:, None, :] + (1 - rho) * G)
    u1 = rng.standard_normal((n, K))
    u1 -= s * np.sum(u1 * s, axis=-1, keepdims=True) / K
    u1 = np.where(perp[:, None], u1, s)
    u1 /= np.linalg.norm(u1, axis=-1, keepdims=True)
    u2 = np.where(ones[:, None], 1.0, rng.standard_normal((n, m)))
    u2 /= np.linalg.norm(u2, axis=-1, keepdims=True)
    r = 10.0 ** case["log10_r"]

    def shell(W):
        return W * (r * (1 + 10.0 ** case["log10_spread"] * rng.uniform(0, 1, size=W.shape[:-1] + (1,))))

    W1 = shell(_rows(rng, n, m, K, a1, u1))
    W2 = shell(_rows(rng, n, K, m, a2, u2))
    net = block_net(N, K, m, alpha, eps, act)
    x = net.flatten([{"W": H}, {"branch.1.W": W1, "branch.3.W": W2}])
    r_min = np.minimum(np.linalg.norm(W1, axis=-1).min(axis=-1), np.linalg.norm(W2, axis=-1).min(axis=-1))
    arch = {"N": N, "K": K, "m": m, "alpha": alpha, "eps": eps, "activation": act}
    return arch, net, x, r_min


# ------------------------------------------------------------------------------------------- derivatives
def second_derivative_block(net, x, N: int, rows: slice, cols: slice) -> np.ndarray:
    """T[..., o, i, j] = ∂²R_o/∂x_{rows i}∂x_{cols j} (..., K·N, |rows|, |cols|): complex steps in the ``cols``
    directions of Network.param_jacobian (exact to round-off)."""
    I = np.eye(N)
    return curv.second_derivative_tensor(lambda z: net.param_jacobian(z, I)[..., rows], x, directions=cols)


def _unit(v):
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)


def trilinear_sup(T, rng):
    """sup over unit c, a, b of cᵀT[a, b] for T (n, O, A, B): a lower estimate with its maximisers (value, a, b, c).

    Higher-order power method (each step is the exact maximiser in one argument, so the value never decreases)
    from the top singular vectors of the three unfoldings of T (HOSVD) and ``RESTARTS`` random starts."""
    n, O, A, B = T.shape
    top = lambda M: np.linalg.svd(M, full_matrices=False)[0][..., 0]  # noqa: E731
    starts = [(top(T.reshape(n, O, A * B)), top(np.moveaxis(T, 2, 1).reshape(n, A, O * B)))]
    starts += [(_unit(rng.standard_normal((n, O))), _unit(rng.standard_normal((n, A)))) for _ in range(RESTARTS)]
    flat, rows = T.reshape(n, O, A * B), T.reshape(n, O * A, B)

    def t_ab(a, b):  # T[a, b]: (n, O)
        return ((rows @ b[..., None]).reshape(n, O, A) @ a[..., None])[..., 0]

    best = None
    for c, a in starts:
        for _ in range(ALT_ITERS):
            M = (c[:, None, :] @ flat).reshape(n, A, B)  # Σ_o c_o T_o
            b = _unit((a[:, None, :] @ M)[:, 0])
            a = _unit((M @ b[..., None])[..., 0])
            c = _unit(t_ab(a, b))
        val = np.sum(c * t_ab(a, b), axis=-1)
        if best is None:
            best = [val, a, b, c]
        else:
            better = val > best[0]
            for i, v in enumerate((val, a, b, c)):
                best[i] = np.where(better.reshape((n,) + (1,) * (v.ndim - 1)), v, best[i])
    return tuple(best)


def _embed(v, P, sl):
    out = np.zeros(v.shape[:-1] + (P,))
    out[..., sl] = v
    return out


# ------------------------------------------------------------------------------------------ evaluation
# check key -> (block constant, slot of a, slot of b or None for first order)
SPEC = {
    "dh": ("a", "H", None), "dw1": ("e1", "W1", None), "dw2": ("e2", "W2", None),
    "d2ww": ("bWW", "W", "W"), "d2hw": ("bHW", "H", "W"), "d2hh": ("bHH", "H", "H"),
}


def _evaluate(key: str, case, n: int) -> Batch:
    const, slot_a, slot_b = SPEC[key]
    arch, net, x, r_min = block_instances(case, n)
    K, N, m = arch["K"], arch["N"], arch["m"]
    sl, P = _slices(K, N, m), x.shape[-1]
    if slot_b is None:
        J = net.param_jacobian(x, np.eye(N))[..., sl[slot_a]]
        U, S, Vt = np.linalg.svd(J)
        lhs, c, a, b = S[..., 0], U[..., :, 0], Vt[..., 0, :], np.zeros((n, 0))
    else:
        T = second_derivative_block(net, x, N, sl[slot_a], sl[slot_b])
        lhs, a, b, c = trilinear_sup(T, inst.rng_for(case, 2))
        b = _embed(b, P, sl[slot_b])
    a = _embed(a, P, sl[slot_a])
    rhs = np.array([block_constant(const, arch, r) for r in r_min])
    return Batch(lhs, rhs, None, {"x": x, "a": a, "b": b, "c": c, "r_min": r_min,
                                  "arch": np.full(n, json.dumps(arch))})


def _vjp_dot(net, x, N, c, a):
    """aᵀ D_x R(x)ᵀ c = cᵀ D R[a] through Network.vjp (any number type)."""
    K = c.shape[-1] // N
    X = np.array([[mpmath.mpf(int(i == j)) for j in range(N)] for i in range(N)], dtype=object)
    _, tape = net.forward_with_caches(x, X)
    _, dp = net.vjp(tape, c.reshape(K, N))
    return mpmath.fsum(dp * a)


def _evaluate_mp(key: str, v):
    """cᵀ D R[a] (first order) or cᵀ D²R[a, b] (second order: central difference of the first-order contraction
    in direction b at doubled precision, t = 10^−dps) at the working precision; the constant in mpmath."""
    const, _, slot_b = SPEC[key]
    arch = json.loads(str(v["arch"]))
    net = block_net(arch["N"], arch["K"], arch["m"], arch["alpha"], arch["eps"], arch["activation"])
    x, a, c = (ops.to_mp(np.asarray(v[k], dtype=float)) for k in ("x", "a", "c"))
    N = arch["N"]
    if slot_b is None:
        lhs = abs(_vjp_dot(net, x, N, c, a))
    else:
        b = ops.to_mp(np.asarray(v["b"], dtype=float))
        dps = mpmath.mp.dps
        with mpmath.workdps(2 * dps):
            t = mpmath.mpf(10) ** (-dps)
            diff = (_vjp_dot(net, x + t * b, N, c, a) - _vjp_dot(net, x - t * b, N, c, a)) / (2 * t)
        lhs = abs(+diff)
    return lhs, block_constant(const, arch, float(v["r_min"]), mp=True)


# ------------------------------------------------------------------------------------------------ checks
_HYP = ("one R7 block R(H) = H + α Ŵ₂ σ(Ŵ₁ BN_ε(H)), N ∈ [2, 4], K, m ∈ {2, 3}, σ ∈ {tanh, sigmoid, softplus, gelu}",
        "c = α√(mK) sup|σ′|/√ε ∈ [0.3, 0.99], ε ∈ [1e−3, 1e2], H at 10^[−4.5, 4.5]·√ε",
        "every raw WN row norm ≥ r (r = the instance's smallest row norm, 10^[−2, 2])")


def _check(key, title, statement, worst_case, description) -> NumericCheck:
    second = SPEC[key][2] is not None
    return NumericCheck(examples_scale=SECOND_ORDER_EXAMPLES if second else 1.0,
        id=f"{R}/block-{key}", result_id=R, title=title, statement=statement, relation="le", cases=cases,
        evaluate=functools.partial(_evaluate, key), evaluate_mp=functools.partial(_evaluate_mp, key),
        hypotheses=_HYP, rtol=RTOL, worst_case=worst_case, description=description)


# What is known of each loose bound: measured worst ratios (thorough profile, seed 0, per activation; and a directed
# hill-climb over (H, W₁, W₂) at N, K, m ≤ 3), and why the product-rule bound cannot be reached.
E2_NOTE = ("measured: 0.76 (gelu), 0.70 (sigmoid), 0.63 (tanh) in the thorough profile, seed 0. "
           "‖σ(Z)‖ ≤ √(mN)|σ(0)| + sup|σ′|·‖Z‖_F with ‖Z‖_F ≤ √(mKN) ignores that σ bends or saturates on "
           "Z = Ŵ₁BN(H): for tanh |σ| < 1 gives ‖σ(Z)‖ < √(mN), so lhs/rhs < 1/√K always (test_checks_r7_blocks)")
BWW_NOTE = ("measured: 0.65 (sigmoid), 0.51 (tanh), 0.48 (softplus), 0.46 (gelu) in the thorough profile, seed 0 "
            "(a directed hill-climb also stops at 0.64). bWW adds the product-rule terms each at its own sup — σ″ "
            "(largest where σ′ is not; tanh″(0) = 0) and σ′, ‖x⊙x‖ ≤ ‖x‖² (needs one non-zero entry, while "
            "‖Ŵ₁′BN(H)‖ = √(KN)/r needs BN(H) of rank one spread over all N samples), κ_w = 2/√3 for D²ŵ — which no "
            "single point attains")
BHW_NOTE = ("measured: 0.53 (sigmoid), 0.34 (tanh), 0.30 (softplus), 0.17 (gelu) in the thorough profile, seed 0 "
            "(a directed hill-climb also stops at 0.53). Its terms peak in different regimes: those with "
            "‖DBN‖ = 1/√ε need var ≪ ε, where BN(H) → 0, and those with ‖BN(H)‖ = √(KN) need var ≫ ε, where "
            "‖DBN‖ → 0; σ″ and σ′ peak at different points")
BHH_NOTE = ("measured: 0.49 (sigmoid), 0.45 (tanh), 0.38 (gelu), 0.31 (softplus) in the thorough profile, seed 0; a "
            "directed hill-climb reaches 0.57 (sigmoid, N = K = m = 2; its witness is in test_checks_r7_blocks). "
            "The σ″ term s2·m/ε needs ‖(Ŵ₁DBN[u])^⊙2‖ = ‖Ŵ₁DBN[u]‖² (one non-zero entry) and ‖Ŵ₁‖ = √m (m equal rows) at once, which "
            "exclude each other for m ≥ 2; the σ′·D²BN term peaks at var = ε/4, where ‖DBN‖ < 1/√ε")

CHECKS = [
    _check("dh", "‖D_H R_k‖ ≤ a = 1 + c (R7 block)", "‖D_H R(H)‖₂ ≤ 1 + c,  c = α√(mK) sup|σ′|/√ε",
           tight("tanh/sigmoid, Ŵ₁ rows equal to u, Ŵ₂ rows equal, H = u⊗h with var ≪ ε (σ′ at its sup at 0)"),
           "Largest singular value of the exact Jacobian of R in H (KN × KN)."),
    _check("dw1", "‖D_{W₁} R_k‖ ≤ e1 = αK s1√N/r (R7 block)", "‖D_{W₁} R‖₂ ≤ α K sup|σ′| √N / r",
           tight("tanh/sigmoid, H rows one centred pattern with var ≫ ε, Ŵ₁ rows ⊥ that sign vector (Z = 0), "
                 "Ŵ₂ rows equal"),
           "Largest singular value of the exact Jacobian of R in the raw W₁ (KN × mK)."),
    _check("dw2", "‖D_{W₂} R_k‖ ≤ e2 = α√(mN)(s0 + s1√K)/r (R7 block)",
           "‖D_{W₂} R‖₂ ≤ α √(mN)(|σ(0)| + sup|σ′|√K) / r", loose(0.76, E2_NOTE),
           "Largest singular value of the exact Jacobian of R in the raw W₂ (KN × mK)."),
    _check("d2ww", "sup‖D²_{WW} R_k[w, w]‖ ≤ bWW (R7 block)", "‖D²_{(W₁,W₂)} R[w, w]‖ ≤ bWW ‖w‖²",
           loose(0.65, BWW_NOTE), "Second derivative of R in (W₁, W₂) jointly, by complex steps of the Jacobian."),
    _check("d2hw", "sup‖D²_{HW} R_k[u, w]‖ ≤ bHW (R7 block)", "‖D²_{H,(W₁,W₂)} R[u, w]‖ ≤ bHW ‖u‖‖w‖",
           loose(0.53, BHW_NOTE), "Mixed second derivative of R in H and (W₁, W₂)."),
    _check("d2hh", "sup‖D²_{HH} R_k[u, u]‖ ≤ bHH (R7 block)", "‖D²_H R[u, u]‖ ≤ bHH ‖u‖²",
           loose(0.57, BHH_NOTE), "Second derivative of R in H."),
]
