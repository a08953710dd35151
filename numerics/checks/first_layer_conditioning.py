"""Numeric checks of R5 `first-layer-conditioning` (reconstructed): σ_min of the map V′ ↦ V′X.

docs/theory.md#r5. The first layer f₁(V, X) = VX (V ∈ ℝ^{m×d}) has the parameter Jacobian
D_V f₁ : V′ ↦ V′X, an (m·N) × (m·d) matrix; σ_min per §1 (the m·N-th singular value, 0 if m·N > m·d).

* first-layer-conditioning/identity   σ_min(D_V f₁) = σ_N(X)  for N ≤ d, rank X = N, any V.
  D_V f₁ is taken from Network([Dense(d, m, bias=False)]).param_jacobian (the code the other checks
  use), not built by hand; σ_N(X) from numpy's SVD of X. X = scale·U diag(s) Wᵀ with scale
  10^[−6, 6] and σ₁/σ_N = 10^[0, 6]; V = 10^[−6, 6]·Gaussian (the map does not depend on V).
* first-layer-conditioning/n-gt-d-control (expect refuted)   σ_min(X)² ≤ σ_min(D_V f₁)² with N > d,
  σ_min(X) = σ_d(X) > 0 (the smallest non-zero singular value: the hypothesis N ≤ d DROPPED). The map
  has m·N rows and m·d < m·N columns, so it is not onto and σ_min(D_V f₁) = 0 (R5: "0 when N > d").

Tolerance of the identity: RTOL = 1e-8. Both sides are singular values from backward-stable SVDs, with
absolute error ≈ (dims)·eps·σ₁(X); relative to σ_N(X) that is ≤ 24·eps·1e6 ≈ 5e-9 at the largest
condition number drawn (1e6). ATOL = 0: both sides scale with X.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from numerics.attack.check import Batch, NumericCheck, identity, known, loose, tight
from numerics.checks._instances import (
    SEEDS,
    conditioned_columns,
    log10_scales,
    rng_for,
    sigma_min,
    sigma_min_mp,
    singular_values_mp,
)
from numerics.layers import Dense
from numerics.network import Network
from numerics.ops import to_mp

RESULT = "first-layer-conditioning"
RTOL = 1e-8
CONTROL_RTOL = 1e-9
CONTROL_ATOL = 1e-30  # the control's rhs is 0 up to round-off of order eps²·σ₁(X)² ≥ 1e-44


def linear_layer(d: int, m: int) -> Network:
    return Network([Dense(d, m, bias=False)], description=f"first layer V X, V ∈ ℝ^{{{m}×{d}}}")


def identity_cases():
    return st.fixed_dictionaries({
        "N": st.integers(1, 4), "extra_d": st.integers(0, 3), "m": st.integers(1, 3),
        "log10_scale_X": log10_scales(), "log10_cond": st.floats(0.0, 6.0),
        "log10_scale_V": log10_scales(), "seed": SEEDS,
    })


def _identity(case, n):
    rng = rng_for(case)
    N, m = case["N"], case["m"]
    d = N + case["extra_d"]
    X = conditioned_columns(rng, n, d, N, 10.0 ** case["log10_scale_X"], case["log10_cond"])
    net = linear_layer(d, m)
    V = 10.0 ** case["log10_scale_V"] * rng.standard_normal((n, net.num_params))
    J = net.param_jacobian(V, X)  # (n, m·N, m·d)
    lhs = sigma_min(J)
    rhs = np.linalg.svd(X, compute_uv=False)[..., N - 1]
    return Batch(lhs, rhs, None, {"X": X, "V": V, "sigma_min_DVf": lhs, "sigma_N_X": rhs})


def _identity_mp(v):
    X, V = np.asarray(v["X"]), np.asarray(v["V"])
    d, N = X.shape
    net = linear_layer(d, V.shape[-1] // d)
    J = net.param_jacobian(to_mp(V), to_mp(X))
    return sigma_min_mp(J), singular_values_mp(to_mp(X))[N - 1]


def control_cases():
    return st.fixed_dictionaries({
        "d": st.integers(1, 3), "extra_N": st.integers(1, 3), "m": st.integers(1, 3),
        "log10_scale_X": log10_scales(), "log10_scale_V": log10_scales(), "seed": SEEDS,
    })


def _control(case, n):
    rng = rng_for(case)
    d, m = case["d"], case["m"]
    N = d + case["extra_N"]
    X = 10.0 ** case["log10_scale_X"] * rng.standard_normal((n, d, N))
    net = linear_layer(d, m)
    V = 10.0 ** case["log10_scale_V"] * rng.standard_normal((n, net.num_params))
    s = np.linalg.svd(X, compute_uv=False)[..., d - 1]  # σ_min(X) = σ_d(X): the smallest of the d
    J = net.param_jacobian(V, X)
    smin = sigma_min(J)  # m·N rows > m·d columns: not onto, σ_min = 0 (§1); mp confirms λ_min(JJᵀ) = 0
    return Batch(s * s, smin * smin, None, {"X": X, "V": V, "sigma_d_X": s, "sigma_min_DVf": smin,
                                            "rows": np.full(n, m * N), "cols": np.full(n, m * d)})


def _control_mp(v):
    X, V = np.asarray(v["X"]), np.asarray(v["V"])
    d = X.shape[0]
    net = linear_layer(d, V.shape[-1] // d)
    J = net.param_jacobian(to_mp(V), to_mp(X))
    # σ_min of an onto-or-not map, computed as √λ_min(J Jᵀ) at 50 digits (J Jᵀ is (m·N)² and singular)
    from numerics.checks._instances import lambda_min_mp

    JJt = J @ np.swapaxes(J, -1, -2)
    s = singular_values_mp(to_mp(X))[d - 1]
    return s * s, max(lambda_min_mp(JJt), 0 * s)


CHECKS = [
    NumericCheck(
        id=f"{RESULT}/identity", worst_case=identity(),
        result_id=RESULT, title="σ_min(V′ ↦ V′X) = σ_N(X) for N ≤ d, any V",
        statement="σ_min(D_V f₁(V, X)) = σ_N(X)", relation="eq",
        cases=identity_cases, evaluate=_identity, evaluate_mp=_identity_mp,
        hypotheses=("X ∈ ℝ^{d×N}, N ≤ d ≤ 7, rank X = N, σ₁(X) ∈ [1e−6, 1e6], σ₁/σ_N ≤ 1e6",
                    "f₁(V, X) = VX, V ∈ ℝ^{m×d} arbitrary (entries up to 1e6)"),
        rtol=RTOL, atol=0.0,
        description="D_V f₁ = I_m ⊗ Xᵀ (in C order), whose singular values are those of X, each m times; "
                    "the check takes it from the network's param_jacobian and compares its (m·N)-th "
                    "singular value with σ_N(X).",
    ),
    NumericCheck(
        id=f"{RESULT}/n-gt-d-control", result_id=RESULT, title="control: with N > d the first layer is not onto",
        statement="σ_min(X)² ≤ σ_min(D_V f₁(V, X))²,  σ_min(X) = σ_d(X)", relation="le",
        cases=control_cases, evaluate=_control, evaluate_mp=_control_mp,
        hypotheses=("X ∈ ℝ^{d×N} Gaussian, N > d (N ≤ d DROPPED), scale 1e−6 … 1e6",
                    "f₁(V, X) = VX, V ∈ ℝ^{m×d} arbitrary"),
        rtol=CONTROL_RTOL, atol=CONTROL_ATOL, expect="refuted", control_of=f"{RESULT}/identity",
        description="V′ ↦ V′X maps ℝ^{m×d} into ℝ^{m×N}, N > d: it misses m(N − d) directions, so "
                    "λ_min(D_V f₁ D_V f₁ᵀ) = 0 (50-digit re-evaluation: λ_min of the Gram matrix).",
    ),
]
