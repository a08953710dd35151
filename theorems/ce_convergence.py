"""R7 ce-global-convergence: ℓ_t ≤ 1/(1/ℓ₀ + κγ²t) for GD on mean cross-entropy (our formulation).

Network (batch matrices, samples are columns): H_1 = VX (V ∈ ℝ^{K×d} raw, X ∈ ℝ^{d×N} fixed),
H_k = R_k(H_{k−1}) = H_{k−1} + α_k Ŵ_{k,2} σ(Ŵ_{k,1} BN_ε(H_{k−1})), k = 2..L, Ŵ_{k,1} ∈ ℝ^{m×K},
Ŵ_{k,2} ∈ ℝ^{K×m} row-weight-normalised; ℓ = C_CE(H_L). Source: THEORY.md §2, R7 (reconstructed: the
paper's headline application; every constant below is ours, none is the paper's).

Constants (s0 = |σ(0)|, s1 = sup|σ′|, s2 = sup|σ″| from theorems.activations; d2 = 6/(√N ε) from R6b):
  c_k   = α_k √(mK) s1/√ε                   ≥ ‖D_H(R_k − I)‖   (‖Ŵ‖ ≤ ‖Ŵ‖_F = √rows, ‖DBN‖ ≤ 1/√ε)
  μ₀    = σ_N(X)² Π_k (1 − c_k)²            ≤ λ_min(K(p)) for every p    (0 if some c_k ≥ 1)
  κ     = η(1 − βη/2) μ₀/N³,   γ = (1 − e^{−Nℓ₀})/ℓ₀,   ℓ_t ≤ 1/(1/ℓ₀ + κγ²t).

β (curvature of ℓ on the shell S_r = {every WN row norm ≥ r}, all parameters jointly, every V):
per block, on S_r (‖DŴ‖ ≤ 1/r, ‖D²Ŵ‖ ≤ 3/r² per R6; ‖BN‖_F ≤ √(KN), ‖σ(Z)‖_F ≤ S := √(mN)(s0 + s1√K)):
  a_k  = 1 + c_k                                   ≥ ‖D_H R_k‖
  e1_k = α_k K s1 √N / r                           ≥ ‖D_{W_{k,1}} R_k‖
  e2_k = α_k S / r                                 ≥ ‖D_{W_{k,2}} R_k‖
  z1   = √(KN)/r + √m/√ε,   z2 = 3√(KN)/r² + 2/(r√ε) + √m d2        (bounds on ‖Z′‖, ‖Z″‖, Z = Ŵ_1 BN(H))
  b_k  = α_k [3S/r² + 2 s1 z1/r + √K (s2 z1² + s1 z2)]  ≥ sup_{‖v‖=1} ‖D²R_k[v, v]‖ jointly in (W_1, W_2, H)
R6c composition through the layers (G_k = H_k as a function of all parameters p; A_k ≥ ‖DG_k‖,
B_k ≥ sup_{‖u‖=1} ‖D²G_k[u,u]‖):
  A_1² = ‖X‖₂²,  B_1 = 0   (G_1 = VX is linear in V with derivative V′ ↦ V′X)
  A_k² = e1_k² + e2_k² + a_k² A_{k−1}²
  B_k  = b_k · max(1, A_{k−1}²) + a_k B_{k−1}
  β    = Lip(∇C) A_L² + ‖∇C‖ B_L = A_L²/(2N) + √(2/N) · B_L.
This is the R6c rule Lip(D(f∘g)) ≤ b_f a_g² + a_f b_g with f = R_k on (W_k, H) and
g = (W_k, G_{k−1}): ‖Dg·u‖² = ‖u_k‖² + ‖DG_{k−1}u‖² ≤ max(1, A_{k−1}²), and D²g lives in the H-slot
only, where ‖D_H R_k‖ ≤ a_k. V enters only through H_1, which every later block reads through BN, and
all BN bounds are uniform in H: β does not depend on V.

Numeric API (used by numerics.trainer and the R7 checks):
  numeric_constants(*, sigma_N, x_norm, N, K, m, alphas, eps, activation, r, eta=None) -> dict with
  "c" (list over blocks), "mu0", "beta", "eta_max" (= 2/β), "kappa" (only when eta is given),
  "A_L", "B_L", "hypotheses_ok" (all c_k < 1), "eta_ok" (0 < η < 2/β, when eta is given).
  gamma(loss0, N) = (1 − e^{−N ℓ₀})/ℓ₀;  rate_bound(loss0, kappa, N, t) = 1/(1/ℓ₀ + κγ²t), vectorised.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import sympy

from theorems.activations import activation_at_zero, activation_constants

N, K, m, eps, r = sympy.symbols("N K m epsilon r", positive=True)
s0 = sympy.Symbol("s0", nonnegative=True)
s1, s2 = sympy.symbols("s1 s2", positive=True)
x_norm, sigma_N, eta, beta, loss0, t = sympy.symbols("x_norm sigma_N eta beta ell_0 t", positive=True)
D2_BN = 6 / (sympy.sqrt(N) * eps)  # R6b, spec constant


def alpha(k: int) -> sympy.Symbol:
    return sympy.Symbol(f"alpha_{k}", positive=True)


def c_expr(k: int) -> sympy.Expr:
    return alpha(k) * sympy.sqrt(m * K) * s1 / sympy.sqrt(eps)


def block_constants(k: int) -> dict[str, sympy.Expr]:
    """Per-block sympy constants a, e1, e2, b of R_k (see module docstring)."""
    a_k = alpha(k)
    S = sympy.sqrt(m * N) * (s0 + s1 * sympy.sqrt(K))
    z1 = sympy.sqrt(K * N) / r + sympy.sqrt(m) / sympy.sqrt(eps)
    z2 = 3 * sympy.sqrt(K * N) / r**2 + 2 / (r * sympy.sqrt(eps)) + sympy.sqrt(m) * D2_BN
    return {
        "a": 1 + c_expr(k),
        "e1": a_k * K * s1 * sympy.sqrt(N) / r,
        "e2": a_k * S / r,
        "b": a_k * (3 * S / r**2 + 2 * s1 * z1 / r + sympy.sqrt(K) * (s2 * z1**2 + s1 * z2)),
    }


@lru_cache(maxsize=None)
def beta_expr(L: int) -> sympy.Expr:
    """β for L layers (blocks k = 2..L) as one sympy expression (max(1, ·) kept as sympy.Max)."""
    A2, B = x_norm**2, sympy.Integer(0)
    for k in range(2, L + 1):
        bc = block_constants(k)
        B = bc["b"] * sympy.Max(1, A2) + bc["a"] * B
        A2 = bc["e1"] ** 2 + bc["e2"] ** 2 + bc["a"] ** 2 * A2
    return A2 / (2 * N) + sympy.sqrt(2 / N) * B


def mu0_expr(L: int) -> sympy.Expr:
    return sigma_N**2 * sympy.Mul(*[(1 - c_expr(k)) ** 2 for k in range(2, L + 1)])


def kappa_expr(L: int) -> sympy.Expr:
    return eta * (1 - beta * eta / 2) * mu0_expr(L) / N**3


GAMMA = (1 - sympy.exp(-N * loss0)) / loss0
KAPPA = sympy.Symbol("kappa", positive=True)
RATE = 1 / (1 / loss0 + KAPPA * GAMMA**2 * t)


def _check_positive(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite positive number, got {value!r}")
    return value


@lru_cache(maxsize=1)
def _block_floats():
    """block_constants(2) (and c_2) lambdified: one source of truth for the sympy and the float β."""
    bc = block_constants(2)
    args = (alpha(2), N, K, m, eps, r, s0, s1, s2)
    return sympy.lambdify(args, [c_expr(2), bc["a"], bc["e1"], bc["e2"], bc["b"]], modules="math")


def numeric_constants(*, sigma_N: float, x_norm: float, N: int, K: int, m: int, alphas, eps: float,
                      activation: str, r: float, eta: float | None = None) -> dict:
    """Float values of c_k, μ₀, β, 2/β (and κ when eta is given); formulas in the module docstring."""
    Nf, Kf, mf = (_check_positive(n, v) for n, v in (("N", N), ("K", K), ("m", m)))
    epsf, rf, xn = _check_positive("eps", eps), _check_positive("r", r), _check_positive("x_norm", x_norm)
    if float(sigma_N) < 0:
        raise ValueError(f"sigma_N must be ≥ 0, got {sigma_N!r}")
    alphas = [_check_positive("alpha", a) for a in alphas]
    d1, d2s = activation_constants(activation)
    if not math.isfinite(d2s):
        raise ValueError(f"activation {activation!r} has unbounded σ″; use tanh, softplus, sigmoid or gelu")
    z0 = activation_at_zero(activation)
    cs, A2, B = [], xn**2, 0.0
    for a_k in alphas:
        c, a, e1, e2, b = _block_floats()(a_k, Nf, Kf, mf, epsf, rf, z0, d1, d2s)
        cs.append(c)
        B = b * max(1.0, A2) + a * B
        A2 = e1**2 + e2**2 + a**2 * A2
    beta_v = A2 / (2 * Nf) + math.sqrt(2 / Nf) * B
    ok = all(c < 1 for c in cs)
    mu0 = float(sigma_N) ** 2 * math.prod((1 - c) ** 2 for c in cs) if ok else 0.0
    out = {"c": cs, "mu0": mu0, "beta": beta_v, "eta_max": 2 / beta_v, "A_L": math.sqrt(A2), "B_L": B,
           "hypotheses_ok": ok}
    if eta is not None:
        etaf = _check_positive("eta", eta)
        out["kappa"] = etaf * (1 - beta_v * etaf / 2) * mu0 / Nf**3
        out["eta_ok"] = etaf < 2 / beta_v
    return out


def gamma(loss0: float, N: int) -> float:
    """γ = (1 − e^{−Nℓ₀})/ℓ₀ (expm1 for accuracy at small Nℓ₀)."""
    loss0 = _check_positive("loss0", loss0)
    return -math.expm1(-N * loss0) / loss0


def rate_bound(loss0: float, kappa: float, N: int, t) -> np.ndarray:
    """1/(1/ℓ₀ + κγ²t), vectorised over t."""
    g = gamma(loss0, N)
    return 1.0 / (1.0 / loss0 + kappa * g**2 * np.asarray(t, dtype=float))


# ---------------------------------------------------------------------------------------------------
# The Result record: obligations sympy discharges

from theorems.result import Bound, Hypothesis, Obligation, ObligationOutcome, Result, Status  # noqa: E402
from theorems.sympy_checks import all_of, derived, identity, nonnegative, nonnegative_from_zero  # noqa: E402

_L_DEMO = 3  # blocks k = 2, 3


@lru_cache(maxsize=None)
def branch_constant() -> ObligationOutcome:
    th = sympy.symbols("theta1 theta2", real=True)
    W = sympy.Matrix([[sympy.cos(th[0]), sympy.sin(th[0])], [sympy.cos(th[1]), sympy.sin(th[1])]])
    frob = identity(sum(e**2 for e in W), 2, note="unit rows: ‖Ŵ‖_F² = rows (2×2, symbolic angles):")
    prod = derived(alpha(2) * sympy.sqrt(K) * s1 * sympy.sqrt(m) * (1 / sympy.sqrt(eps)), c_expr(2),
                   evidence="‖D_H(R_k − I)‖ ≤ α_k‖Ŵ_{k,2}‖·sup|σ′|·‖Ŵ_{k,1}‖·‖DBN‖ ≤ α_k√K·s1·√m/√ε")
    return all_of(frob, prod, conclusion="c_k = α_k√(mK) sup|σ′|/√ε bounds ‖D_H(R_k − I)‖ globally")


@lru_cache(maxsize=None)
def mu0_value() -> ObligationOutcome:
    lower = sigma_N * sympy.Mul(*[(1 - c_expr(k)) for k in range(2, _L_DEMO + 1)])
    return derived(sympy.expand(lower**2), sympy.expand(mu0_expr(_L_DEMO)), evidence=(
        "λ_min(K) ≥ σ_min(D_V F)² (R3, V-block term) ≥ (σ_N(X)·Π_k(1 − c_k))² (R5 first layer, R4 blocks), L = 3"))


@lru_cache(maxsize=None)
def beta_value() -> ObligationOutcome:
    """β for L = 3 as a sympy expression, plus: the A-recursion unrolls to the closed form (L = 4)."""
    L = 4
    A2 = x_norm**2
    for k in range(2, L + 1):
        bc = block_constants(k)
        A2 = bc["e1"] ** 2 + bc["e2"] ** 2 + bc["a"] ** 2 * A2
    a = {k: block_constants(k)["a"] for k in range(2, L + 1)}
    closed = x_norm**2 * sympy.Mul(*[a[k] ** 2 for k in a]) + sum(
        (block_constants(j)["e1"] ** 2 + block_constants(j)["e2"] ** 2) * sympy.Mul(*[a[i] ** 2 for i in a if i > j])
        for j in a)
    unroll = identity(A2, closed, simplifier=sympy.expand, expand=False,
                      note="A_L² = ‖X‖²Π a_k² + Σ_j(e1_j² + e2_j²)Π_{i>j}a_i² (L = 4):")
    value = derived(beta_expr(_L_DEMO), evidence=f"β (L = {_L_DEMO}) = {beta_expr(_L_DEMO)}")
    return ObligationOutcome(Status.DERIVED if unroll.status is Status.PROVED else unroll.status,
                             f"[{unroll.status.value}] {unroll.evidence}; {value.evidence}", value.value)


@lru_cache(maxsize=None)
def beta_independent_of_V() -> ObligationOutcome:
    allowed = {N, K, m, eps, r, s0, s1, s2, x_norm} | {alpha(k) for k in range(2, 6)}
    extra = beta_expr(5).free_symbols - allowed
    return ObligationOutcome(Status.PROVED if not extra else Status.FAILED,
                             f"free symbols of β (L = 5): {sorted(map(str, beta_expr(5).free_symbols))}; "
                             f"outside the layer constants: {sorted(map(str, extra)) or 'none'} — no V, no H, no raw "
                             "weight norm beyond the shell radius r")


@lru_cache(maxsize=None)
def gamma_monotone() -> ObligationOutcome:
    ell = sympy.Symbol("ell", positive=True)
    u = sympy.Symbol("u", nonnegative=True)
    phi = (1 - sympy.exp(-N * ell)) / ell
    deriv = identity(sympy.diff(phi, ell), -sympy.exp(-N * ell) * (sympy.exp(N * ell) - 1 - N * ell) / ell**2,
                     note="d/dℓ (1 − e^{−Nℓ})/ℓ = −e^{−Nℓ}(e^{Nℓ} − 1 − Nℓ)/ℓ²:")
    sign = nonnegative_from_zero(sympy.exp(u) - 1 - u, u, note="e^u − 1 − u ≥ 0 (u = Nℓ):")
    return all_of(deriv, sign, conclusion="(1 − e^{−Nℓ})/ℓ is non-increasing, so 1 − e^{−Nℓ} ≥ γℓ for ℓ ≤ ℓ₀")


@lru_cache(maxsize=None)
def recursion_step() -> ObligationOutcome:
    """ℓ_{t+1} ≤ ℓ_t(1 − q), q = κγ²ℓ_t, 0 < 1 − q (ℓ_{t+1} > 0) ⇒ 1/ℓ_{t+1} ≥ 1/ℓ_t + κγ²."""
    x, q, w = sympy.symbols("ell_t q w", positive=True)  # w = 1 − q > 0
    gap = 1 / (x * (1 - q)) - 1 / x - q / x  # κγ² = q/ℓ_t
    form = identity(gap, q**2 / (x * (1 - q)), note="1/(ℓ(1−q)) − 1/ℓ − q/ℓ = q²/(ℓ(1−q)):")
    sign = nonnegative(q**2 / (x * w), note="with w = 1 − q > 0:")
    chain = identity(x * (1 - q), x - (q / x) * x**2, note="ℓ − κγ²ℓ² = ℓ(1 − q) with κγ² = q/ℓ:")
    return all_of(form, sign, chain, conclusion="1/ℓ_{t+1} ≥ 1/(ℓ_t(1 − q)) ≥ 1/ℓ_t + κγ²")


@lru_cache(maxsize=None)
def rate_unrolled() -> ObligationOutcome:
    j, T = sympy.symbols("j T", integer=True, nonnegative=True)
    inc = sympy.Symbol("kg2", positive=True)
    total = identity(sympy.summation(inc, (j, 0, T - 1)), inc * T, note="Σ_{j<T} κγ² = κγ²T:")
    lim = sympy.limit(RATE, t, sympy.oo)
    to_zero = ObligationOutcome(Status.PROVED if lim == 0 else Status.UNDECIDED,
                                f"sympy.limit(1/(1/ℓ₀ + κγ²t), t → ∞) = {lim}")
    return all_of(total, to_zero, conclusion="ℓ_t ≤ 1/(1/ℓ₀ + κγ²t) → 0 = inf ℓ")


@lru_cache(maxsize=None)
def kappa_sign() -> ObligationOutcome:
    e = sympy.Symbol("eta", real=True)
    sol = sympy.solve_univariate_inequality(e * (1 - beta * e / 2) > 0, e, relational=False)
    return derived(sol, sympy.Interval.open(0, 2 / beta),
                   evidence=f"sympy: η(1 − βη/2) > 0 ⟺ η ∈ {sol} (κ > 0 needs 0 < η < 2/β and μ₀ > 0)")


RESULT = Result(
    id="ce-global-convergence",
    title="GD on mean cross-entropy through normalised residual blocks reaches inf ℓ = 0 at rate O(1/t)",
    provenance="reconstructed",
    section="THEORY.md §2, R7",
    statement=("For F(p) = R_L∘…∘R_2(VX) with WN residual branches after BN, if N ≤ d inputs are linearly "
               "independent, c_k = α_k√(mK) sup|σ′|/√ε < 1 and 0 < η < 2/β (β = our curvature bound on the "
               "shell S_r), then WN row norms never decrease, ℓ_{t+1} ≤ ℓ_t − η(1 − βη/2)‖∇ℓ_t‖², "
               "λ_min(K) ≥ μ₀ = σ_N(X)²Π(1 − c_k)², and ℓ_t ≤ 1/(1/ℓ₀ + κγ²t) → 0 with κ = η(1 − βη/2)μ₀/N³, "
               "γ = (1 − e^{−Nℓ₀})/ℓ₀; the infimum is reached only as ‖V_t‖ → ∞. Constants are ours."),
    latex=r"\ell_t\le\Big(\frac1{\ell_0}+\kappa\gamma^2 t\Big)^{-1},\ \kappa=\frac{\eta(1-\beta\eta/2)\mu_0}{N^3},\ \mu_0=\sigma_N(X)^2\prod_k(1-c_k)^2",
    hypotheses=(
        Hypothesis("X has N ≤ d linearly independent columns", "σ_N(X) > 0 is the first-layer factor of μ₀ (R5)"),
        Hypothesis("c_k < 1 for every block", "‖D_H(R_k − I)‖ ≤ c_k < 1 keeps σ_min(D_H R_k) ≥ 1 − c_k > 0 (R4)"),
        Hypothesis("all WN row norms ≥ r at t = 0", "WN curvature constants 1/r, 3/r² hold on the shell S_r (R6)"),
        Hypothesis("0 < η < 2/β", "the descent lemma (R0) needs η(1 − βη/2) > 0"),
        Hypothesis("ε > 0 and σ smooth with bounded σ′, σ″", "BN and activation constants enter c_k and β"),
    ),
    symbols={"N": N, "K": K, "m": m, "epsilon": eps, "r": r, "s0": s0, "s1": s1, "s2": s2, "x_norm": x_norm,
             "sigma_N": sigma_N, "eta": eta, "beta": beta, "ell_0": loss0, "t": t, "kappa": KAPPA},
    bounds=(Bound("rate", sympy.Symbol("ell_t"), RATE, "<="),
            Bound("mu0", sympy.Symbol("lambda_min_K"), mu0_expr(_L_DEMO), ">="),
            Bound("beta", sympy.Symbol("hessian_norm"), beta_expr(_L_DEMO), "<=")),
    obligations=(
        Obligation("branch-constant", "c_k bounds ‖D_H(R_k − I)‖; ‖Ŵ‖_F² = rows", branch_constant),
        Obligation("mu0", "μ₀ = σ_N(X)²Π(1 − c_k)² from R3, R4, R5", mu0_value),
        Obligation("beta", "β from the R6c composition; A-recursion unrolled", beta_value),
        Obligation("beta-independent-of-V", "β's free symbols are layer constants only (no V)", beta_independent_of_V),
        Obligation("gamma-monotone", "(1 − e^{−Nℓ})/ℓ is non-increasing", gamma_monotone),
        Obligation("recursion-step", "1/ℓ_{t+1} ≥ 1/ℓ_t + κγ²", recursion_step),
        Obligation("rate-unrolled", "1/ℓ_t ≥ 1/ℓ₀ + κγ²t and the bound → 0", rate_unrolled),
        Obligation("kappa-sign", "η(1 − βη/2) > 0 ⟺ 0 < η < 2/β", kappa_sign),
    ),
    derivation=(
        "R6: GD keeps ⟨∇_w ℓ, w⟩ = 0, so ‖w_{t+1}‖² = ‖w_t‖² + η²‖∇‖² ≥ ‖w_t‖²: trajectory and segments stay in S_r.",
        "Per block on S_r: ‖DŴ‖ ≤ 1/r, ‖D²Ŵ‖ ≤ 3/r² (R6), ‖BN‖_F ≤ √(KN), ‖DBN‖ ≤ 1/√ε, ‖D²BN‖ ≤ 6/(√N ε) (R6b), "
        "‖Ŵ_1‖ ≤ √m, ‖Ŵ_2‖ ≤ √K, ‖σ(Z)‖_F ≤ √(mN)(|σ(0)| + s1√K).",
        "Product rule on α Ŵ_2 σ(Ŵ_1 BN(H)) gives a_k = 1 + c_k, e1_k, e2_k, b_k (module docstring; each term a "
        "product of the norms above, triangle inequality, unit direction components ≤ 1).",
        "R6c through the layers: A_k² = e1_k² + e2_k² + a_k²A_{k−1}², B_k = b_k max(1, A_{k−1}²) + a_k B_{k−1}, "
        "A_1 = ‖X‖₂, B_1 = 0 (VX is linear in V).",
        "Loss: ‖D²ℓ‖ ≤ Lip(∇C)A_L² + ‖∇C‖B_L with 1/(2N) and √(2/N) (R6c, R2): β = A_L²/(2N) + √(2/N)B_L; no V "
        "appears (BN absorbs the scale of H_1 = VX).",
        "R3+R4+R5: λ_min(K) ≥ σ_min(D_V F)² ≥ σ_N(X)²Π(1 − c_k)² = μ₀ for every p.",
        "R0+R1+R2: ℓ_{t+1} ≤ ℓ_t − η(1 − βη/2)μ₀(1 − e^{−Nℓ_t})²/N³ ≤ ℓ_t − κγ²ℓ_t² (φ(ℓ) = (1 − e^{−Nℓ})/ℓ "
        "non-increasing and ℓ_t ≤ ℓ₀).",
        "sympy: 1/(ℓ(1 − q)) − 1/ℓ − q/ℓ = q²/(ℓ(1 − q)) ≥ 0 with q = κγ²ℓ_t, so 1/ℓ_{t+1} ≥ 1/ℓ_t + κγ²; summing, "
        "ℓ_t ≤ 1/(1/ℓ₀ + κγ²t) → 0.",
        "inf ℓ = 0 is not attained (CE > 0); logits are VX + O(1) since each branch is bounded, so ‖V_t‖ → ∞.",
    ),
)
