"""Fractional coordinate descent kernels against NumPy / scipy references."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from optkit.kernels import fractional as K
from optkit.solvers.coordinate.fractional_cd import solve_1d_reference


def _phi(t, a, b, c, lam, mu, xi, lo, hi, P, R, S, sqrt_den):
    z = xi + t
    D = 0.5 * P * t * t + R * t + S
    if z < lo or z > hi or not D > 0:
        return np.inf
    num = 0.5 * a * t * t + b * t + c + lam * abs(z) + 0.5 * mu * z * z
    return num / (np.sqrt(D) if sqrt_den else D)


def _grid_min(args, T=30.0, n=100_001):
    """Global minimum of phi by a dense grid on [-T, T] (clipped to the box), then a
    bounded scalar search around the best grid point; also checks the kink/box ends."""
    a, b, c, lam, mu, xi, lo, hi, P, R, S, sqrt_den = args
    tlo, thi = max(-T, lo - xi), min(T, hi - xi)
    grid = np.linspace(tlo, thi, n)
    z = xi + grid
    D = 0.5 * P * grid ** 2 + R * grid + S
    num = 0.5 * a * grid ** 2 + b * grid + c + lam * np.abs(z) + 0.5 * mu * z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        vals = np.where(D > 0, num / (np.sqrt(np.maximum(D, 0)) if sqrt_den else D), np.inf)
    k = int(np.argmin(vals))
    h = grid[1] - grid[0]
    res = minimize_scalar(lambda t: _phi(t, *args), bounds=(max(tlo, grid[k] - h),
                          min(thi, grid[k] + h)), method="bounded",
                          options={"xatol": 1e-13})
    best = min(vals[k], res.fun, *(_phi(t, *args) for t in (tlo, thi, -xi, 0.0)))
    return best


def _random_case(rng, sqrt_den, with_l1, with_box):
    a = rng.uniform(0.1, 3.0)
    mu = rng.choice([0.0, rng.uniform(0, 1)])
    xi = rng.normal()
    b = rng.normal()
    c = rng.uniform(0.5, 3.0) + b * b / a          # numerator > 0
    lam = rng.uniform(0.05, 1.0) if with_l1 else 0.0
    lo, hi = (-np.inf, np.inf)
    if with_box:
        lo, hi = xi - rng.uniform(0.1, 2), xi + rng.uniform(0.1, 2)
    if sqrt_den:
        P = rng.choice([rng.uniform(0.5, 3.0), 0.0, -rng.uniform(0.1, 1.0)])
    else:
        P = rng.choice([0.0, -rng.uniform(0.1, 2.0)])
    S = rng.uniform(0.5, 3.0)
    R = rng.normal()
    if P > 0:   # keep D > 0 on the line (a norm-type denominator)
        R = np.clip(R, -0.9 * np.sqrt(P * S), 0.9 * np.sqrt(P * S))
    return (a, b, c, lam, mu, xi, lo, hi, P, R, S, sqrt_den)


@pytest.mark.parametrize("sqrt_den", [False, True])
@pytest.mark.parametrize("with_l1,with_box", [(False, False), (True, False), (True, True)])
def test_solve_1d_is_global(sqrt_den, with_l1, with_box):
    """Kernel == NumPy reference (np.roots) == dense grid + bounded search, to 1e-8."""
    rng = np.random.default_rng(10 * sqrt_den + 3 * with_l1 + with_box)
    for _ in range(20):
        args = _random_case(rng, sqrt_den, with_l1, with_box)
        t, delta = K.solve_1d(*args)
        val = _phi(t, *args)
        t_ref, v_ref = solve_1d_reference(*args)
        g_ref = _grid_min(args)
        assert abs(val - v_ref) <= 1e-10 * max(1.0, abs(v_ref))
        assert val <= g_ref + 1e-8 * max(1.0, abs(g_ref))
        assert abs(delta - (val - _phi(0.0, *args))) <= 1e-10 * max(1.0, abs(val))
        if abs(val - v_ref) <= 1e-13 and abs(t - t_ref) > 1e-6:
            # ties between separate minimizers are allowed only with equal values
            assert abs(_phi(t_ref, *args) - val) <= 1e-10


def test_delta_resolves_tiny_steps():
    """phi(t) - phi(0) for t ~ 1e-9 is accurate where a plain difference is noise."""
    args = (2.0, 1e-9, 1.0, 0.0, 0.0, 0.3, -np.inf, np.inf, -1.0, 0.2, 2.0, True)
    t, delta = K.solve_1d(*args)
    assert t != 0.0 and delta < 0.0
    # stationarity of the true 1-D function at t (central difference of phi)
    h = 1e-5
    slope = (_phi(t + h, *args) - _phi(t - h, *args)) / (2 * h)
    assert abs(slope) <= 1e-9


@pytest.mark.parametrize("sqrt_den", [False, True])
def test_quad_fcd_epoch_matches_python_loop(sqrt_den):
    rng = np.random.default_rng(5)
    d = 7
    M = rng.standard_normal((12, d))
    Q = M.T @ M / 12
    cvec = rng.standard_normal(d)
    kconst = 0.5 * cvec @ np.linalg.solve(Q, cvec) + 1.0
    if sqrt_den:
        G = rng.standard_normal((d, d))
        B, w, beta = 2 * G.T @ G, np.zeros(d), 1.0
    else:
        B, w, beta = -np.eye(d), 0.1 * rng.standard_normal(d), 5.0
    l1 = np.full(d, 0.1)
    l2 = np.zeros(d)
    lo = np.full(d, -np.inf)
    hi = np.full(d, np.inf)
    Lc = np.diag(Q).copy()
    theta = 1e-6
    x0 = 0.3 * rng.standard_normal(d)
    order = np.array([3, 0, 6, 1, 1, 5, 2, 4, 0], dtype=np.int64)

    # reference: sequential global steps with everything recomputed from scratch
    x = x0.copy()
    for i in order:
        grad = Q @ x - cvec
        f = 0.5 * x @ Q @ x - cvec @ x + kconst
        h = 0.1 * np.abs(x).sum()
        D = 0.5 * x @ B @ x + w @ x + beta
        u = B @ x + w
        t, _ = solve_1d_reference(Lc[i] + theta, grad[i], f + h - 0.1 * abs(x[i]), 0.1, 0.0,
                                  x[i], -np.inf, np.inf, B[i, i], u[i], D, sqrt_den)
        x[i] += t

    xk = x0.copy()
    grad = Q @ xk - cvec
    u = B @ xk + w
    state = np.array([0.5 * xk @ Q @ xk - cvec @ xk + kconst, 0.1 * np.abs(xk).sum(),
                      0.5 * xk @ B @ xk + w @ xk + beta])
    K.quad_fcd(Q, cvec, xk, grad, B, u, l1, l2, lo, hi, Lc, theta, sqrt_den, order, state)
    np.testing.assert_allclose(xk, x, rtol=0, atol=1e-10)
    np.testing.assert_allclose(grad, Q @ xk - cvec, rtol=0, atol=1e-10)
    np.testing.assert_allclose(u, B @ xk + w, rtol=0, atol=1e-10)
    np.testing.assert_allclose(state, [0.5 * xk @ Q @ xk - cvec @ xk + kconst,
                                       0.1 * np.abs(xk).sum(), 0.5 * xk @ B @ xk + w @ xk + beta],
                               rtol=1e-12, atol=1e-12)
