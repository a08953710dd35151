"""Exact derivatives of a Network against float64 central finite differences (shared by the layer, network
and architecture tests).

A plain helper module, not a test file: test files in this directory import it by name (pytest's default
``prepend`` import mode puts tests/numerics on sys.path, as there is no __init__.py). Finite differences
use the batched instance convention: all 2P perturbed parameter vectors go through one forward call.
"""

import numpy as np

FD_STEP = 1e-6      # central differences: truncation ~h² ≈ 1e-12, round-off ~1e-16/h ≈ 1e-10
FD_RTOL = 1e-5
FD_ATOL = 1e-7
N_SAMPLES = 3


def fd_derivative(f, x, h=FD_STEP):
    """Central differences of f at x along every coordinate of x, vectorised: shape (*f(x).shape, x.size)."""
    n = x.size
    if n == 0:
        return np.zeros(np.shape(f(x)) + (0,))
    E = (h * np.eye(n)).reshape((n,) + x.shape)
    diff = (f(x + E) - f(x - E)) / (2 * h)  # (n, *out)
    return np.moveaxis(diff.reshape(n, -1), 0, -1).reshape(np.shape(f(x)) + (n,))


def assert_derivatives_match_fd(net, seed=0, N=N_SAMPLES, scale=1.0):
    """grad (ce, square), param/input Jacobians, tangent kernel and HVP (both costs) against FD."""
    rng = np.random.default_rng(seed)
    P, d, K = net.num_params, net.in_features, net.out_features
    p = scale * rng.standard_normal(P)
    X = rng.standard_normal((d, N))
    labels = rng.integers(0, K, N)
    target = rng.standard_normal((K, N))

    J = net.param_jacobian(p, X)
    assert J.shape == (K * N, P)
    np.testing.assert_allclose(J, fd_derivative(lambda q: net.forward(q, X), p).reshape(K * N, P),
                               rtol=FD_RTOL, atol=FD_ATOL)
    JX = net.input_jacobian(p, X)
    assert JX.shape == (K * N, d * N)
    fdX = fd_derivative(lambda Y: net.forward(p, Y), X).reshape(K * N, d * N)
    np.testing.assert_allclose(JX, fdX, rtol=FD_RTOL, atol=FD_ATOL)
    np.testing.assert_allclose(net.tangent_kernel(p, X), J @ J.T, rtol=1e-12, atol=1e-12)

    for cost, y in (("ce", labels), ("square", target)):
        g = net.grad(p, X, y, cost)
        np.testing.assert_allclose(g, fd_derivative(lambda q, y=y, cost=cost: net.loss(q, X, y, cost), p),
                                   rtol=FD_RTOL, atol=FD_ATOL)
        if P:
            v = rng.standard_normal(P)
            hv = net.hvp(p, X, y, cost, v)
            fd_hv = (net.grad(p + FD_STEP * v, X, y, cost) - net.grad(p - FD_STEP * v, X, y, cost)) / (2 * FD_STEP)
            np.testing.assert_allclose(hv, fd_hv, rtol=FD_RTOL, atol=FD_ATOL)
