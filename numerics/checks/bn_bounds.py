"""Numeric checks of R6b `bn-bounds` (derived): batch norm is bounded, with bounded derivatives, at any input scale.

docs/theory.md#r6b, per feature (row) over N samples, BN_ε(h) = (h − h̄)/√(var + ε):

  bn-bounds/norm-identity      ‖BN_ε(H)‖² = Σ_rows N var/(var + ε)                 (identity)
  bn-bounds/norm-bound         ‖BN_ε(H)‖² ≤ K·N                                    (tight as var ≫ ε)
  bn-bounds/jacobian-var       ‖D BN_ε(H)‖ ≤ 1/√(min_rows var + ε)                 (equality for N ≥ 3)
  bn-bounds/jacobian-eps       ‖D BN_ε(H)‖ ≤ 1/√ε                                  (tight as var ≪ ε)
  bn-bounds/hessian-spec       ‖D² BN_ε(H)‖ ≤ 6/(√N ε)                             (spec constant)
  bn-bounds/hessian-derived    ‖D² BN_ε(H)‖ ≤ (12/5)5^{−1/4}/(√N ε)                (theorems.bn_bounds)
  bn-bounds/hessian-lower-witness  ‖D²BN_ε(H)[û, û]‖ = 48/(25√5)/(√N ε) at var = ε/4  (identity: the attained
                               lower bound BN_D2_LOWER; û along h − h̄ of one row)
  bn-bounds/hessian-exact      ‖D² BN_ε(H)‖ ≤ 48/(25√5)/(√N ε)                     (BN_D2_EXACT: the exact sup,
                               so the worst ratio → 1)
  bn-bounds/branch-param-derivative   ‖D_{W₁} g(H)‖ ≤ α K √N sup|σ′| / r₁,  g(H) = α Ŵ₂ σ(Ŵ₁ BN_ε(H))
  bn-bounds/no-bn-param-derivative-control   the same bound for g without BN: refuted at large ‖H‖

Inputs H ∈ ℝ^{K×N} are drawn as 10^u·(Z + o·μ1ᵀ) (Z Gaussian, μ a random per-row mean, o ≤ 10) with u the
case's log10-scale in [−6, 6] jittered by ±1 decade per instance; ε = 10^e, e ∈ [−6, 2]. Derivatives are
those of the layer code: D BN from net.input_jacobian (reverse mode), D² BN as the complex step of that
Jacobian in each input direction (exact to round-off), and ‖D²BN‖ = sup_{‖a‖=‖b‖=1} ‖D²BN[a, b]‖ is
estimated from below by alternating maximisation (numerics.checks._curvature.bilinear_norm): the attack
can only under-estimate the left side, which the report states.

The derivative bound of the branch: D_{W₁}g[Δ] = α Ŵ₂ (σ′(Ŵ₁B) ⊙ (DŴ₁[Δ] B)) with B = BN_ε(H), so
‖D_{W₁}g‖ ≤ α ‖Ŵ₂‖ sup|σ′| ‖DŴ₁‖ ‖B‖ ≤ α √K · sup|σ′| · (1/r₁) · √(KN)  (‖Ŵ₂‖ ≤ ‖Ŵ₂‖_F = √K rows,
‖DŴ₁[Δ]‖_F ≤ ‖Δ‖_F / min_j ‖w_{1,j}‖ (R6), ‖B‖₂ ≤ ‖B‖_F < √(KN) (R6b)), whatever the scale of H. This
is e1 of theorems.ce_convergence. Without BN, B = H and the bound grows with ‖H‖ (σ = softplus or gelu,
whose σ′ does not vanish at +∞): the control must find ‖D_{W₁}g‖ above the BN bound.

Tolerances: RTOL = 1e-12 (a few hundred ulps: sums over ≤ 12 entries, one square root), RTOL_DERIV =
1e-10 (Jacobian / complex-step second derivative through the layer's reverse mode, spectral norms).
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np
from hypothesis import strategies as st

from numerics import ops
from numerics.attack.check import Batch, NumericCheck, identity, known, loose, tight
from numerics.checks import _curvature as curv
from numerics.checks import _instances as inst
from numerics.layers import Activation, BatchNorm, Scale, WeightNormDense
from numerics.network import Network

R = "bn-bounds"
RTOL = 1e-12
RTOL_DERIV = 1e-10
JITTER = 1.0  # ± decades of per-instance scale jitter around the case's scale


def _d2_constant(which: str, mp: bool = False):
    """The D²BN constant κ of κ/(√N ε), from theorems.bn_bounds: "spec" (6), "derived" (the proved
    (12/5)5^{−1/4}) or "exact" (48/(25√5), the sup, sympy's d2-exact-norm)."""
    # sympy-backed: the constants are derived there, never typed in
    from theorems import bn_bounds as tb

    bound = {"spec": tb.D2_BOUND_SPEC, "derived": tb.D2_BOUND_TIGHT, "exact": tb.D2_BOUND_EXACT}[which]
    expr = bound.subs({tb.Nsym: 1, tb.eps: 1})
    return mpmath.mpf(str(expr.evalf(60))) if mp else float(expr)


def bn_cases():
    return st.fixed_dictionaries({
        "seed": inst.SEEDS, "K": st.integers(1, 2), "N": st.integers(2, 6),
        "log10_scale": inst.log10_scales(-6.0, 6.0), "log10_eps": inst.log10_scales(-6.0, 2.0),
        "log10_offset": inst.log10_scales(-3.0, 1.0),
    })


def draw_inputs(case, n: int) -> np.ndarray:
    """H (n, K, N) at scales 10^(u ± JITTER), with a per-row mean offset up to 10× the spread."""
    rng = inst.rng_for(case)
    K, N = case["K"], case["N"]
    u = case["log10_scale"] + rng.uniform(-JITTER, JITTER, size=n)
    mu = rng.standard_normal((n, K, 1)) * 10.0 ** case["log10_offset"]
    return (10.0 ** u)[:, None, None] * (rng.standard_normal((n, K, N)) + mu)


@functools.lru_cache(maxsize=32)
def bn_net(K: int, eps: float) -> Network:
    return Network([BatchNorm(K, eps)])


def _no_params(H):
    return np.zeros(np.shape(H)[:-2] + (0,), dtype=float)


def _variance(H):
    """Population variance per row, two-pass (independent of the layer code)."""
    C = H - np.sum(H, axis=-1, keepdims=True) / H.shape[-1]
    return np.sum(C * C, axis=-1) / H.shape[-1]


def _variables(H, eps):
    return {"H": H, "eps": np.full(H.shape[0], eps), "var": _variance(H)}


# ----------------------------------------------------------------------------------- the norm
def _norm_sq(H, eps):
    B = bn_net(H.shape[-2], eps).forward(_no_params(H), H)
    return np.sum(B * B, axis=(-2, -1))


def _norm_identity_rhs(H, eps):
    var = _variance(H)
    return np.sum(H.shape[-1] * var / (var + eps), axis=-1)


def _norm_identity(case, n):
    eps, H = 10.0 ** case["log10_eps"], draw_inputs(case, n)
    return Batch(_norm_sq(H, eps), _norm_identity_rhs(H, eps), None, _variables(H, eps))


def _norm_identity_mp(v):
    H, eps = ops.to_mp(v["H"][None]), mpmath.mpf(float(v["eps"]))
    return _norm_sq_mp(H, eps), _norm_identity_rhs(H, eps)[0]


def _norm_sq_mp(H, eps):
    B = BatchNorm(H.shape[-2], eps).forward({}, H)[0]
    return np.sum(B * B, axis=(-2, -1))[0]


def _norm_bound(case, n):
    eps, H = 10.0 ** case["log10_eps"], draw_inputs(case, n)
    K, N = H.shape[-2:]
    return Batch(_norm_sq(H, eps), np.full(n, float(K * N)), None, _variables(H, eps))


def _norm_bound_mp(v):
    H, eps = ops.to_mp(v["H"][None]), mpmath.mpf(float(v["eps"]))
    K, N = H.shape[-2:]
    return _norm_sq_mp(H, eps), mpmath.mpf(K * N)


# ------------------------------------------------------------------------------- first derivative
def _jacobian(H, eps):
    return bn_net(H.shape[-2], eps).input_jacobian(_no_params(H), H)


def _jac_norm(H, eps):
    return inst.spectral_norm(_jacobian(H, eps))


def _jac_var(case, n):
    eps, H = 10.0 ** case["log10_eps"], draw_inputs(case, n)
    rhs = 1 / np.sqrt(np.min(_variance(H), axis=-1) + eps)
    return Batch(_jac_norm(H, eps), rhs, None, _variables(H, eps))


def _jac_eps(case, n):
    eps, H = 10.0 ** case["log10_eps"], draw_inputs(case, n)
    return Batch(_jac_norm(H, eps), np.full(n, 1 / np.sqrt(eps)), None, _variables(H, eps))


def _jac_norm_mp(H, eps):
    net = Network([BatchNorm(H.shape[-2], eps)])
    J = net.input_jacobian(np.zeros((0,), dtype=object), H)
    return inst.spectral_norm_mp(J)


def _jac_var_mp(v):
    H, eps = ops.to_mp(v["H"]), mpmath.mpf(float(v["eps"]))
    var = _variance(H)
    return _jac_norm_mp(H, eps), 1 / mpmath.sqrt(min(var) + eps)


def _jac_eps_mp(v):
    H, eps = ops.to_mp(v["H"]), mpmath.mpf(float(v["eps"]))
    return _jac_norm_mp(H, eps), 1 / mpmath.sqrt(eps)


# ------------------------------------------------------------------------------ second derivative
def _d2_norm(H, eps, rng):
    """Lower estimate of ‖D²BN_ε(H)‖ and its maximisers (a, b, c): value = cᵀ D²BN[a, b]."""
    K, N = H.shape[-2:]
    net = bn_net(K, eps)

    def jac(x):  # x (..., K·N) -> (..., K·N, K·N)
        X = x.reshape(x.shape[:-1] + (K, N))
        return net.input_jacobian(_no_params(X), X)

    T = curv.second_derivative_tensor(jac, H.reshape(H.shape[0], K * N))
    return curv.bilinear_norm(T, rng)


def _hessian_evaluator(which: str):
    const = _d2_constant(which)

    def evaluate(case, n):
        eps, H = 10.0 ** case["log10_eps"], draw_inputs(case, n)
        val, a, b, c = _d2_norm(H, eps, inst.rng_for(case, 1))
        rhs = np.full(n, const / (np.sqrt(H.shape[-1]) * eps))
        return Batch(val, rhs, None, {**_variables(H, eps), "a": a, "b": b, "c": c})

    def evaluate_mp(v):
        H, eps = ops.to_mp(v["H"]), mpmath.mpf(float(v["eps"]))
        K, N = H.shape
        a, b, c = (ops.to_mp(v[k]).reshape(K, N) for k in ("a", "b", "c"))
        a, b, c = (x / curv.mp_norm(x) for x in (a, b, c))
        # cᵀ D²BN[a, b] = Im(cᵀ D BN(H + i t b) a)/t: one complex forward/backward pass at 50 digits
        layer = BatchNorm(K, eps)
        _, cache = layer.forward({}, H + mpmath.mpc(0, 1) * curv.MP_CS_STEP * b)
        dH, _ = layer.vjp({}, cache, c)
        lhs = abs(mpmath.fsum(curv.mp_imag(dH * a).reshape(-1)) / curv.MP_CS_STEP)
        return lhs, _d2_constant(which, mp=True) / (mpmath.sqrt(N) * eps)

    return evaluate, evaluate_mp


_hess_spec, _hess_spec_mp = _hessian_evaluator("spec")
_hess_derived, _hess_derived_mp = _hessian_evaluator("derived")


# ------------------------------------------------------------------ the attained lower bound on D²BN
@functools.lru_cache(maxsize=2)
def d2_lower_constant(mp: bool = False):
    """κ_low = 48/(25√5) of the witness ‖D²BN[û,û]‖ = κ_low/(√N ε), from theorems.bn_bounds.BN_D2_LOWER (sympy)."""
    from theorems.bn_bounds import BN_D2_LOWER

    return mpmath.mpf(str(BN_D2_LOWER.evalf(60))) if mp else float(BN_D2_LOWER)


def witness_cases():
    return st.fixed_dictionaries({
        "seed": inst.SEEDS, "K": st.integers(1, 2), "N": st.integers(2, 6),
        "log10_eps": inst.log10_scales(-6.0, 2.0), "log10_offset": inst.log10_scales(-3.0, 1.0),
    })


def draw_witness(case, n: int):
    """(H (n, K, N) with every row's population variance ε/4 plus a mean offset, û (n, K, N) unit along one row's h − h̄)."""
    rng = inst.rng_for(case)
    K, N, eps = case["K"], case["N"], 10.0 ** case["log10_eps"]
    U = rng.standard_normal((n, K, N))
    U -= np.mean(U, axis=-1, keepdims=True)
    U *= (np.sqrt(eps) / 2) / np.sqrt(np.mean(U * U, axis=-1, keepdims=True))  # var = ε/4: ρ² = 1/5
    H = U + rng.standard_normal((n, K, 1)) * 10.0 ** case["log10_offset"] * np.sqrt(eps)
    row = rng.integers(K, size=n)
    a = np.where(np.arange(K)[None, :, None] == row[:, None, None], U, 0.0)
    return H, a / np.linalg.norm(a, axis=(-2, -1), keepdims=True), row


def _d2_along(H, eps, a):
    """D²BN_ε(H)[a, a] (n, K·N): complex step of the layer's input Jacobian along a, applied to a."""
    K, N = H.shape[-2:]
    Hc = H + 1j * curv.CS_STEP * a
    J = bn_net(K, eps).input_jacobian(np.zeros(H.shape[:-2] + (0,), dtype=complex), Hc)
    return np.einsum("...ij,...j->...i", np.imag(J) / curv.CS_STEP, a.reshape(a.shape[:-2] + (K * N,)))


def _lower_witness(case, n):
    eps = 10.0 ** case["log10_eps"]
    H, a, row = draw_witness(case, n)
    lhs = np.linalg.norm(_d2_along(H, eps, a), axis=-1)
    rhs = np.full(n, d2_lower_constant() / (np.sqrt(H.shape[-1]) * eps))
    return Batch(lhs, rhs, None, {**_variables(H, eps), "a": a, "row": row})


def _lower_witness_mp(v):
    H, eps = ops.to_mp(v["H"]), mpmath.mpf(float(v["eps"]))
    K, N = H.shape
    a = ops.to_mp(v["a"])
    a = a / curv.mp_norm(a)
    net = Network([BatchNorm(K, eps)])
    J = net.input_jacobian(np.zeros((0,), dtype=object), H + mpmath.mpc(0, 1) * curv.MP_CS_STEP * a)
    d2 = (curv.mp_imag(J) / curv.MP_CS_STEP) @ a.reshape(-1)
    return curv.mp_norm(d2), d2_lower_constant(mp=True) / (mpmath.sqrt(N) * eps)


# ------------------------------------------------------------- the branch's parameter derivative
def branch_cases():
    return st.fixed_dictionaries({
        "seed": inst.SEEDS, "K": st.integers(2, 3), "m": st.integers(2, 3), "N": st.integers(2, 4),
        "activation": st.sampled_from(("tanh", "softplus", "gelu", "sigmoid")),
        "log10_scale": inst.log10_scales(-6.0, 6.0), "log10_eps": inst.log10_scales(-4.0, 2.0),
        "log10_r": inst.log10_scales(-2.0, 2.0), "alpha": st.floats(0.01, 2.0),
        "align": st.one_of(st.just(1.0), st.floats(0.0, 1.0)),  # 1.0: the witness family itself
    })


def control_cases():
    return st.fixed_dictionaries({
        "seed": inst.SEEDS, "K": st.integers(2, 3), "m": st.integers(2, 3), "N": st.integers(2, 4),
        "activation": st.sampled_from(("softplus", "gelu")),
        "log10_scale": inst.log10_scales(-6.0, 6.0), "log10_eps": inst.log10_scales(-4.0, 2.0),
        "log10_r": inst.log10_scales(-2.0, 2.0), "alpha": st.floats(0.01, 2.0),
    })


@functools.lru_cache(maxsize=64)
def branch_net(K: int, m: int, alpha: float, eps: float, activation: str, bn: bool) -> Network:
    """g(W₁, W₂; H) = α Ŵ₂ σ(Ŵ₁ BN_ε(H)) (bn=True, the R7 branch) or α Ŵ₂ σ(Ŵ₁ H) (bn=False)."""
    layers = [WeightNormDense(K, m), Activation(activation), WeightNormDense(m, K), Scale(alpha)]
    return Network(([BatchNorm(K, eps)] if bn else []) + layers)


def _branch_inputs(case, rng, n):
    K, N = case["K"], case["N"]
    u = case["log10_scale"] + rng.uniform(-JITTER, JITTER, size=n)
    return (10.0 ** u)[:, None, None] * rng.standard_normal((n, K, N))


def _branch_rhs(alpha, K, N, sup_d1, r1):
    return alpha * K * np.sqrt(N) * sup_d1 / r1


def _branch_batch(case, n, bn: bool) -> Batch:
    rng = inst.rng_for(case)
    K, m, N, act, alpha = case["K"], case["m"], case["N"], case["activation"], case["alpha"]
    eps, r = 10.0 ** case["log10_eps"], 10.0 ** case["log10_r"]
    net = branch_net(K, m, alpha, eps, act, bn)
    # Steering (align → 1) towards the witness of equality: H = s⊗h (BN(H) of rank one, ‖BN(H)‖_F → √(KN)),
    # rows of W₁ orthogonal to s (pre-activations 0, where σ′ = sup for tanh and sigmoid) and of equal norm,
    # rows of Ŵ₂ equal (‖Ŵ₂‖₂ = √K). align = 0 is the unsteered random draw.
    a = float(case.get("align", 0.0))
    s_dir = rng.choice([-1.0, 1.0], size=(n, K, 1))
    H = _branch_inputs(case, rng, n)
    H = (1 - a) * H + a * s_dir * (np.linalg.norm(H, axis=(-2, -1), keepdims=True) / np.sqrt(K * N)) \
        * rng.standard_normal((n, 1, N))
    # rows of W₁ on the shell: norms r·10^(U(0,1)·(1 − a)), the smallest of them r₁ ≥ r
    W1 = rng.standard_normal((n, m, K))
    common = rng.standard_normal((n, 1, K))
    common -= np.sum(common * s_dir.swapaxes(-1, -2), axis=-1, keepdims=True) * s_dir.swapaxes(-1, -2) / K
    W1 = (1 - a) * W1 + a * common
    W1 *= r * 10.0 ** ((1 - a) * rng.uniform(0, 1, size=(n, m, 1))) / np.linalg.norm(W1, axis=-1, keepdims=True)
    W2 = inst.aligned_rows(rng, (n,), K, m, a)
    p = net.flatten(([{}] if bn else []) + [{"W": W1}, {}, {"W": W2}, {}])
    lhs = inst.spectral_norm(net.param_jacobian(p, H)[..., : m * K])  # columns of W₁
    r1 = np.min(np.linalg.norm(W1, axis=-1), axis=-1)
    rhs = _branch_rhs(alpha, K, N, inst.sup_abs_dsigma(act), r1)
    return Batch(lhs, rhs, None, {
        "W1": W1, "W2": W2, "H": H, "r1": r1, "eps": np.full(n, eps), "alpha": np.full(n, alpha),
        "activation": np.full(n, act), "H_scale": np.linalg.norm(H, axis=(-2, -1)),
    })


def _branch_bn(case, n):
    return _branch_batch(case, n, bn=True)


def _branch_no_bn(case, n):
    return _branch_batch(case, n, bn=False)


def sup_d1_mp(name: str):
    """sup|σ′| at the working precision from theorems.activations (exact, or 30 digits for gelu)."""
    from theorems.activations import sup_derivative

    return mpmath.mpf(str(sup_derivative(str(name), 1).value.evalf(60)))


def _branch_mp_evaluator(bn: bool):
    def evaluate_mp(v):
        W1, W2, H = (ops.to_mp(v[k]) for k in ("W1", "W2", "H"))
        m, K = W1.shape
        N = H.shape[-1]
        alpha, act = float(v["alpha"]), str(v["activation"])
        layers = [WeightNormDense(K, m), Activation(act), WeightNormDense(m, K), Scale(alpha)]
        net = Network(([BatchNorm(K, mpmath.mpf(float(v["eps"])))] if bn else []) + layers)
        p = net.flatten(([{}] if bn else []) + [{"W": W1}, {}, {"W": W2}, {}])
        lhs = inst.spectral_norm_mp(net.param_jacobian(p, H)[:, : m * K])
        r1 = min(curv.mp_norm(W1[j]) for j in range(m))
        return lhs, _branch_rhs(mpmath.mpf(alpha), K, mpmath.mpf(N), sup_d1_mp(act), r1)

    return evaluate_mp


# ------------------------------------------------------------------------------------ the list
_H_HYP = ("H ∈ ℝ^{K×N}, K ≤ 2, 2 ≤ N ≤ 6, entries at scales 1e−6 … 1e6 (mean offsets up to 10× the spread)",
          "ε ∈ [1e−6, 1e2]", "population variance per row, no affine parameters")
_BR_HYP = ("g(H) = α Ŵ₂ σ(Ŵ₁ B): Ŵ₁ ∈ ℝ^{m×K}, Ŵ₂ ∈ ℝ^{K×m} row-normalised, α ∈ [0.01, 2]",
           "every row of W₁ has norm ≥ r₁ (r₁ = the smallest; r ∈ [1e−2, 1e2])",
           "H ∈ ℝ^{K×N} at scales 1e−6 … 1e6, ε ∈ [1e−4, 1e2]", "sup|σ′| from theorems.activations (sympy)")
_D2_DESC = ("D²BN is the complex step of the layer's input Jacobian in each of the K·N input directions "
            "(exact to round-off); its norm sup_{‖a‖=‖b‖=1} ‖D²BN[a, b]‖ is estimated by alternating "
            "maximisation over unit (c, a, b) from 4 starts — a LOWER estimate of the norm (the attack can "
            "only under-state the left side). The 50-digit re-evaluation recomputes cᵀD²BN[a, b] at the "
            "maximisers. Sharpest at var = ε/4 (ρ² = 1/5), where ≈ 0.8587/(√N ε) is attained.")

CHECKS = [
    NumericCheck(
        id=f"{R}/norm-identity", worst_case=identity(),
        result_id=R, title="‖BN_ε(H)‖² = Σ N var/(var + ε)",
        statement="‖BN_ε(H)‖_F² = Σ_rows N·var/(var + ε)", relation="eq",
        cases=bn_cases, evaluate=_norm_identity, evaluate_mp=_norm_identity_mp, hypotheses=_H_HYP,
        rtol=RTOL, description="BN output from the layer code against the variance computed separately "
                               "(two-pass), inputs at scales 1e−6 … 1e6 and ε from 1e−6 to 1e2.",
    ),
    NumericCheck(
        id=f"{R}/norm-bound", worst_case=tight("var ≫ ε (large input scale, small ε): ratio 1 − ε/(var + ε)"),
        result_id=R, title="‖BN_ε(H)‖² ≤ K·N",
        statement="‖BN_ε(H)‖_F² ≤ K·N", relation="le",
        cases=bn_cases, evaluate=_norm_bound, evaluate_mp=_norm_bound_mp, hypotheses=_H_HYP, rtol=RTOL,
        description="Tight as var ≫ ε (ratio 1 − ε/(var + ε)); hypothesis steers the scale up and ε down.",
    ),
    NumericCheck(
        id=f"{R}/jacobian-var", worst_case=tight("N ≥ 3 with a direction orthogonal to 1 and to the centred row"),
        result_id=R, title="‖D BN_ε(H)‖ ≤ 1/√(var + ε)",
        statement="‖D BN_ε(H)‖₂ ≤ 1/√(min_rows var + ε)", relation="le",
        cases=bn_cases, evaluate=_jac_var, evaluate_mp=_jac_var_mp, hypotheses=_H_HYP, rtol=RTOL_DERIV,
        description="Spectral norm of net.input_jacobian (reverse mode through the layer). Equality for N ≥ 3 "
                    "(eigenvalue 1 of √(var+ε)·D BN on the directions ⊥ 1 and h − h̄); for N = 2 the norm is "
                    "ε/(var + ε)^{3/2}.",
    ),
    NumericCheck(
        id=f"{R}/jacobian-eps", worst_case=tight("var ≪ ε (tiny input scales)"),
        result_id=R, title="‖D BN_ε(H)‖ ≤ 1/√ε",
        statement="‖D BN_ε(H)‖₂ ≤ 1/√ε", relation="le",
        cases=bn_cases, evaluate=_jac_eps, evaluate_mp=_jac_eps_mp, hypotheses=_H_HYP, rtol=RTOL_DERIV,
        description="The input-independent bound; tight as var ≪ ε (tiny input scales).",
    ),
    NumericCheck(
        id=f"{R}/hessian-spec", worst_case=known(lambda: _d2_constant("exact") / _d2_constant("spec"), "the attained witness of hessian-exact (var = ε/4 along û); the spec's 6 is ≈ 7× the exact constant"),
        result_id=R, title="‖D² BN_ε(H)‖ ≤ 6/(√N ε) (spec constant)",
        statement="sup_{‖a‖=‖b‖=1} ‖D²BN_ε(H)[a, b]‖ ≤ 6/(√N ε)", relation="le",
        cases=bn_cases, evaluate=_hess_spec, evaluate_mp=_hess_spec_mp, hypotheses=_H_HYP, rtol=RTOL_DERIV,
        description=_D2_DESC + " The spec's 6 is loose by a factor ≈ 7.",
    ),
    NumericCheck(
        id=f"{R}/hessian-derived", worst_case=known(lambda: _d2_constant("exact") / _d2_constant("derived"), "the attained witness of hessian-exact; the derived constant is ≈ 1.87× the exact one"),
        result_id=R, title="‖D² BN_ε(H)‖ ≤ (12/5)5^{−1/4}/(√N ε) (derived constant)",
        statement="sup_{‖a‖=‖b‖=1} ‖D²BN_ε(H)[a, b]‖ ≤ (12/5)·5^{−1/4}/(√N ε) ≈ 1.605/(√N ε)", relation="le",
        cases=bn_cases, evaluate=_hess_derived, evaluate_mp=_hess_derived_mp, hypotheses=_H_HYP,
        rtol=RTOL_DERIV,
        description=_D2_DESC + " The constant is theorems.bn_bounds.D2_BOUND_TIGHT (sympy); the attack "
                               "reaches ≈ 0.535 of it.",
    ),
    NumericCheck(
        id=f"{R}/hessian-lower-witness", worst_case=identity("the witness var = ε/4 along û"),
        result_id=R,
        title="‖D²BN_ε(H)[û, û]‖ = 48/(25√5)/(√N ε) at var = ε/4 (the attained lower bound)",
        statement="‖D²BN_ε(H)[û, û]‖ = 48/(25√5)/(√N ε),  var = ε/4 in the row of û = (h − h̄)/‖h − h̄‖",
        relation="eq", cases=witness_cases, evaluate=_lower_witness, evaluate_mp=_lower_witness_mp,
        hypotheses=(("H ∈ ℝ^{K×N}, K ≤ 2, 2 ≤ N ≤ 6, every row with population variance ε/4 (ρ² = 1/5) and a "
                     "mean offset up to 10√ε"), "ε ∈ [1e−6, 1e2]",
                    "û: unit, supported on one row, along that row's h − h̄"),
        rtol=RTOL_DERIV,
        description="The witness of theorems.bn_bounds.d2_lower_witness: D²BN[û, û] by complex step of the "
                    "layer's input Jacobian along û, against BN_D2_LOWER/(√N ε) (sympy). With the proved "
                    "D2_BOUND_TIGHT it brackets the best constant: 48/(25√5) ≈ 0.8587 ≤ κ ≤ 1.6050.",
    ),
    NumericCheck(
        id=f"{R}/branch-param-derivative", worst_case=tight("Ŵ₂ rows equal, BN(H) of rank one with var ≫ ε, Ŵ₁ rows orthogonal to it (σ′ at its sup)"),
        result_id=R,
        title="‖D_{W₁} α Ŵ₂σ(Ŵ₁BN_ε(H))‖ ≤ α K √N sup|σ′|/r₁ at every input scale",
        statement="‖D_{W₁} g(H)‖₂ ≤ α·K·√N·sup|σ′| / r₁,  g(H) = α Ŵ₂ σ(Ŵ₁ BN_ε(H))", relation="le",
        cases=branch_cases, evaluate=_branch_bn, evaluate_mp=_branch_mp_evaluator(True), hypotheses=_BR_HYP,
        rtol=RTOL_DERIV,
        description="Spectral norm of the W₁-columns of net.param_jacobian of the R7 branch (Frobenius norms on "
                    "both sides) against ‖Ŵ₂‖_F·sup|σ′|·‖DŴ₁‖·‖BN(H)‖_F ≤ α√K·sup|σ′|·(1/r₁)·√(KN); inputs at "
                    "scales 1e−6 … 1e6: the bound does not see the input scale because BN bounds its output.",
    ),
    NumericCheck(
        id=f"{R}/no-bn-param-derivative-control", result_id=R,
        title="control: without BN, ‖D_{W₁} α Ŵ₂σ(Ŵ₁H)‖ ≤ α K √N sup|σ′|/r₁ (refuted at large ‖H‖)",
        statement="‖D_{W₁} g(H)‖₂ ≤ α·K·√N·sup|σ′| / r₁,  g(H) = α Ŵ₂ σ(Ŵ₁ H) (no BN)", relation="le",
        cases=control_cases, evaluate=_branch_no_bn, evaluate_mp=_branch_mp_evaluator(False),
        hypotheses=_BR_HYP[:2] + ("H ∈ ℝ^{K×N} at scales 1e−6 … 1e6", "σ ∈ {softplus, gelu}"),
        rtol=RTOL_DERIV, expect="refuted", control_of=f"{R}/branch-param-derivative",
        description="The same bound with the BN layer dropped: D_{W₁}g carries a factor ‖H‖ (σ′ → 1 at +∞ for "
                    "softplus/gelu), so large inputs break it; the attack must find such an input.",
    ),
]


# ---------------------------------------------------- the exact norm of D²BN (closes the bracket; appended)
def d2_exact_constant(mp: bool = False):
    """κ = 48/(25√5) of sup_h ‖D²BN_ε(h)‖ = κ/(√N ε), from theorems.bn_bounds (sympy, d2-exact-norm)."""
    return _d2_constant("exact", mp)


_hess_exact, _hess_exact_mp = _hessian_evaluator("exact")


CHECKS.append(NumericCheck(
    id=f"{R}/hessian-exact", worst_case=tight("var = ε/4 along û (theorems.bn_bounds.d2_lower_witness)"),
        result_id=R, title="‖D² BN_ε(H)‖ ≤ 48/(25√5)/(√N ε) (the exact norm, attained)",
    statement="sup_{‖a‖=‖b‖=1} ‖D²BN_ε(H)[a, b]‖ ≤ 48/(25√5)/(√N ε) ≈ 0.8587/(√N ε)", relation="le",
    cases=bn_cases, evaluate=_hess_exact, evaluate_mp=_hess_exact_mp, hypotheses=_H_HYP, rtol=RTOL_DERIV,
    description=_D2_DESC + " The constant is theorems.bn_bounds.BN_D2_EXACT (sympy, d2-exact-norm: the sup over h, "
                           "equal to the attained BN_D2_LOWER), so the worst ratio tends to 1 and nothing smaller "
                           "holds.",
))
