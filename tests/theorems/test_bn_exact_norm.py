"""R6b: sup_h ‖D²BN_ε(h)‖ = 48/(25√5)/(√N ε) exactly (obligation d2-exact-norm, BN_D2_EXACT), checked three ways:
the obligation's status and honest evidence, sympy's exact maximisation, and an independent float64 attack on the
layer code (complex step of net.input_jacobian) that must never exceed the constant and must reach it at ρ² = 1/5.

The per-ρ profile tested numerically is the one the obligation derives: sup over unit a of √N ε‖D²BN[a,a]‖ is
3ρ(1 − ρ²)² for ρ² ≤ 1/3 (or any ρ when N = 2) and (2/√3)(1 − ρ²) for ρ² ≥ 1/3, N ≥ 3.
"""

import numpy as np
import pytest
import sympy

from numerics.checks import _curvature as curv
from numerics.checks import bn_bounds as nb
from theorems import bn_bounds
from theorems.result import Status
from theorems.sympy_checks import derived

NEVER_ABOVE_RTOL = 1e-9  # float64 complex-step D²BN against the exact sup: round-off only
REACH_RTOL = 1e-3  # the sampled + refined max must come this close to the exact per-ρ profile
SEED = 20261127
N_VALUES = (2, 3, 4, 5, 6)
KAPPA = float(bn_bounds.BN_D2_EXACT)


# ------------------------------------------------------------------------------------------- sympy
def test_obligation_is_derived_with_the_exact_value_and_names_its_stated_steps():
    out = bn_bounds.RESULT.outcomes["d2-exact-norm"]
    assert out.status is Status.CITED, out.evidence  # the bilinear-norm step is the spectral theorem, cited
    assert sympy.simplify(out.value - 48 * sympy.sqrt(5) / 125) == 0
    assert "[FAILED]" not in out.evidence and "[UNDECIDED]" not in out.evidence
    assert "sympy's steps PROVED, given the stated reduction" in out.evidence
    assert "STATED, not by sympy" in out.evidence and "spectral theorem, stated, not by sympy" in out.evidence
    assert "Cauchy–Schwarz" in out.evidence and "symbolic N" in out.evidence


def test_exact_constant_equals_the_attained_lower_bound_and_is_derived():
    assert sympy.simplify(bn_bounds.BN_D2_EXACT - bn_bounds.BN_D2_LOWER) == 0
    assert bn_bounds.BN_D2_EXACT == bn_bounds.d2_exact_constant()
    _, interior, _, unresolved, arg, best = bn_bounds._exact_profile()
    assert interior == [] and unresolved == []
    assert arg == (sympy.Rational(1, 5), 1) and best == sympy.Rational(2304, 3125)
    assert 0.8586 < KAPPA < 0.8587
    bounds = {b.name: b for b in bn_bounds.RESULT.bounds}
    assert bounds["D2-exact"].relation == "="
    assert sympy.simplify(bounds["D2-exact"].rhs - bn_bounds.D2_BOUND_LOWER) == 0
    assert bounds["D2-spec"].rhs == bn_bounds.D2_BOUND_SPEC  # the spec's bound is kept


def test_a_wrong_exact_constant_would_be_failed():
    assert derived(bn_bounds.d2_exact_constant(), sympy.Rational(12, 5) * 5 ** sympy.Rational(-1, 4),
                   evidence="teeth").status is Status.FAILED


def test_colleagues_second_branch_has_no_factor_rho():
    """For ρ² ≥ 1/3 the sup over a is (2/√3)(1 − ρ²), not (2/√3)(1 − ρ²)ρ: sympy's vertex value 4/(3ρ²)."""
    outcome, text = bn_bounds._fixed_rho_profile()
    assert outcome.status is Status.PROVED, outcome.evidence
    assert "(2/√3)(1 − ρ²) for ρ² ≥ 1/3" in text


def test_result_text_states_the_exact_value_and_the_looseness():
    text = " ".join(bn_bounds.RESULT.derivation) + bn_bounds.__doc__ + bn_bounds.RESULT.statement
    assert "BN_D2_EXACT" in text and "≈ 7.0× loose" in text and "48/(25√5)/(√N ε)" in text


# ------------------------------------------------------------------------------- float64, layer code
def _profile(r2, N):
    """Exact per-ρ sup of √N ε‖D²BN[a,a]‖ over unit a (from the obligation's derivation)."""
    rho = np.sqrt(r2)
    low = 3 * rho * (1 - r2) ** 2
    return np.where((r2 <= 1 / 3) | (N == 2), low, 2 / np.sqrt(3) * (1 - r2))


def _rows(rng, N, r2, eps):
    """h (n, 1, N) with population variance r2·ε/(1 − r2) (so ρ² = r2) and a mean offset."""
    u = rng.standard_normal((r2.size, N))
    u -= u.mean(axis=-1, keepdims=True)
    u *= np.sqrt(r2 * eps / (1 - r2))[:, None] / np.sqrt(np.mean(u * u, axis=-1, keepdims=True))
    return (u + rng.standard_normal((r2.size, 1)) * 5 * np.sqrt(eps)[:, None])[:, None, :]


def _tensor(H, eps):
    """T (n, N, N, N): D²BN_ε(h) by complex step of Network([BatchNorm(1, ε)]).input_jacobian, per instance ε."""
    N = H.shape[-1]
    out = []
    for e in np.unique(eps):
        idx = np.flatnonzero(eps == e)
        net = nb.bn_net(1, float(e))

        def jac(x, net=net):
            X = x.reshape(x.shape[:-1] + (1, N))
            return net.input_jacobian(np.zeros(X.shape[:-2] + (0,)), X)

        out.append((idx, curv.second_derivative_tensor(jac, H[idx].reshape(idx.size, N))))
    T = np.empty((H.shape[0], N, N, N))
    for idx, t in out:
        T[idx] = t
    return T


def _quadratic_sup(T, rng, samples=3000, keep=8, iters=60):
    """max over unit a of ‖T[a,a]‖: random unit a, then alternating refinement from the best `keep` starts.

    Refinement: c = T[a,a]/‖T[a,a]‖, then a = the top-|eigenvalue| eigenvector of M_c = Σ c_i T_i (symmetric),
    each step the exact maximiser in one argument, so cᵀT[a,a] never decreases.
    """
    n, N = T.shape[0], T.shape[-1]
    A = rng.standard_normal((n, samples, N))
    A /= np.linalg.norm(A, axis=-1, keepdims=True)
    vals = np.linalg.norm(np.einsum("nijk,nsj,nsk->nsi", T, A, A), axis=-1)
    best = np.argsort(vals, axis=-1)[:, -keep:]
    a = np.take_along_axis(A, best[..., None], axis=1)  # (n, keep, N)
    for _ in range(iters):
        c = np.einsum("nijk,nsj,nsk->nsi", T, a, a)
        c /= np.linalg.norm(c, axis=-1, keepdims=True)
        M = np.einsum("nijk,nsi->nsjk", T, c)
        w, V = np.linalg.eigh(0.5 * (M + np.swapaxes(M, -1, -2)))
        k = np.argmax(np.abs(w), axis=-1)
        a = np.take_along_axis(V, k[..., None, None], axis=-1)[..., 0]
    refined = np.linalg.norm(np.einsum("nijk,nsj,nsk->nsi", T, a, a), axis=-1)
    return np.maximum(vals.max(axis=-1), refined.max(axis=-1))


@pytest.mark.parametrize("N", N_VALUES)
def test_attack_never_exceeds_the_exact_constant_and_reaches_the_profile(N):
    rng = np.random.default_rng([SEED, N])
    n = 40
    r2 = np.concatenate([np.full(8, 0.2), rng.uniform(0.01, 0.98, n - 8)])  # ρ² = 1/5 is the worst case
    eps = 10.0 ** rng.integers(-4, 3, size=n).astype(float)
    H = _rows(rng, N, r2, eps)
    T = _tensor(H, eps)
    scaled = _quadratic_sup(T, rng) * np.sqrt(N) * eps  # √N ε · sup_a ‖D²BN[a,a]‖
    assert np.all(np.isfinite(scaled))
    assert np.all(scaled <= KAPPA * (1 + NEVER_ABOVE_RTOL)), scaled.max() / KAPPA
    prof = _profile(r2, N)
    np.testing.assert_allclose(scaled, prof, rtol=REACH_RTOL)  # the per-ρ formula, both branches
    assert np.all(scaled <= prof * (1 + NEVER_ABOVE_RTOL))
    at_peak = scaled[:8] / KAPPA
    assert np.all(np.abs(at_peak - 1) < REACH_RTOL), at_peak
    # teeth: a constant 1e−3 below κ is violated at the peak
    assert np.any(scaled > KAPPA * (1 - REACH_RTOL))


@pytest.mark.parametrize("N", (2, 4, 6))
def test_bilinear_attack_agrees_with_the_quadratic_sup(N):
    """The a ≠ b attack (curv.bilinear_norm, a lower estimate of the bilinear norm) never exceeds the per-ρ
    profile and the exact constant: numerical support for the stated bilinear = quadratic step."""
    rng = np.random.default_rng([SEED, 100 + N])
    n = 30
    r2 = np.concatenate([np.full(6, 0.2), rng.uniform(0.01, 0.98, n - 6)])
    eps = 10.0 ** rng.integers(-4, 3, size=n).astype(float)
    T = _tensor(_rows(rng, N, r2, eps), eps)
    val, *_ = curv.bilinear_norm(T, rng, restarts=8, iters=60)
    scaled = val * np.sqrt(N) * eps
    assert np.all(scaled <= _profile(r2, N) * (1 + NEVER_ABOVE_RTOL)), (scaled / _profile(r2, N)).max()
    assert np.all(scaled <= KAPPA * (1 + NEVER_ABOVE_RTOL))
    assert np.all(scaled[:6] >= KAPPA * (1 - REACH_RTOL))
