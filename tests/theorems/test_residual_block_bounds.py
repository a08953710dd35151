"""theorems.residual_block_bounds: the product-rule bounds P (first derivative) and Q (second) of one block
R(H) = H + α Ŵ₂ tanh(Ŵ₁ BN_ε(H)) hold along random lines (finite differences), and the derivation stops on a
factor it has no bound for."""

import numpy as np
import pytest
import sympy

from theorems import residual_block_bounds as rbb
from theorems.activations import activation_at_zero, activation_constants

SEED = 20261130


def _bn(H, eps):
    u = H - H.mean(-1, keepdims=True)
    return u / np.sqrt((u * u).mean(-1, keepdims=True) + eps)


def _wn(W):
    return W / np.linalg.norm(W, axis=-1, keepdims=True)


def _block(H, W1, W2, alpha, eps):
    return H + alpha * _wn(W2) @ np.tanh(_wn(W1) @ _bn(H, eps))


def test_first_and_second_derivative_bounds_hold_on_random_lines():
    rng = np.random.default_rng(SEED)
    d = rbb.derive()
    s1v, s2v = activation_constants("tanh")
    args = (rbb.al, rbb.N, rbb.K, rbb.m, rbb.eps, rbb.r, rbb.s0, rbb.s1, rbb.s2, rbb.x1, rbb.x2, rbb.u)
    P, Q = (sympy.lambdify(args, d[k], "math") for k in ("P", "Q"))
    worst1 = worst2 = 0.0
    for _ in range(200):
        K, N, m = rng.integers(1, 4, size=3) + 1
        eps, r, alpha = 10 ** rng.uniform(-1, 1), 10 ** rng.uniform(-0.5, 0.5), 10 ** rng.uniform(-1, 0.5)
        H = rng.normal(size=(K, N)) * 10 ** rng.uniform(-1, 1)
        W1, W2 = rng.normal(size=(m, K)), rng.normal(size=(K, m))
        W1 *= r / np.linalg.norm(W1, axis=-1).min()
        W2 *= r / np.linalg.norm(W2, axis=-1).min()
        E1, E2, U = rng.normal(size=W1.shape), rng.normal(size=W2.shape), rng.normal(size=H.shape)
        scale = np.sqrt((E1**2).sum() + (E2**2).sum() + (U**2).sum())
        E1, E2, U = E1 / scale, E2 / scale, U / scale
        h = 1e-4

        def f(s):
            return _block(H + s * U, W1 + s * E1, W2 + s * E2, alpha, eps)

        d1 = np.linalg.norm((f(h) - f(-h)) / (2 * h))
        d2 = np.linalg.norm((f(h) - 2 * f(0) + f(-h)) / h**2)
        norms = (np.linalg.norm(E1), np.linalg.norm(E2), np.linalg.norm(U))
        consts = (alpha, N, K, m, eps, r, activation_at_zero("tanh"), s1v, s2v)
        worst1 = max(worst1, d1 / P(*consts, *norms))
        worst2 = max(worst2, d2 / Q(*consts, *norms))
    print(f"200 lines, worst ‖R′‖/P = {worst1:.3g}, worst ‖R″‖/Q = {worst2:.3g}, seed {SEED}")
    assert worst1 <= 1 + 1e-6 and worst2 <= 1 + 1e-3
    assert worst1 > 0.3 and worst2 > 1e-3  # the attack reaches a real fraction of the bounds


def test_a_factor_without_a_bound_stops_the_derivation():
    with pytest.raises(KeyError, match="no norm bound"):
        rbb.bound_terms(rbb.sigma1(rbb.H) * rbb.W1, rbb.factor_bounds())


def test_lam2_is_the_largest_eigenvalue():
    p, q, c = 3, 1, 2
    assert float(rbb.lam2(sympy.Integer(p), q, c)) == pytest.approx(np.linalg.eigvalsh([[p, c], [c, q]]).max())
