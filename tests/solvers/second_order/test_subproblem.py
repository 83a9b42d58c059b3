"""The cubic subproblem solvers against the optimality conditions, random trial
points, scipy's minimize of the model, and closed forms (hard case, g = 0)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize as scipy_minimize

from optkit.solvers.second_order._subproblem import (eig_of, solve_cubic_eig,
                                                     solve_cubic_krylov)


def model(A, g, M, h):
    return g @ h + 0.5 * h @ A @ h + M / 6 * np.linalg.norm(h) ** 3


def random_sym(d, rng, shift=0.0):
    B = rng.standard_normal((d, d))
    return 0.5 * (B + B.T) + shift * np.eye(d)


def check_optimality(A, g, M, step, rtol=1e-10):
    h, r = step.h, step.r
    d = g.size
    assert abs(np.linalg.norm(h) - r) <= rtol * max(1.0, r)
    assert abs(step.shift - M * r / 2) <= rtol * max(1.0, step.shift)
    residual = (A + step.shift * np.eye(d)) @ h + g
    assert np.linalg.norm(residual) <= rtol * max(1.0, np.linalg.norm(g), np.linalg.norm(A) * r)
    assert np.linalg.eigvalsh(A + step.shift * np.eye(d))[0] >= -1e-10 * max(1.0, np.abs(A).max())
    assert abs(step.model - model(A, g, M, h)) <= 1e-10 * max(1.0, abs(step.model))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("shift", [-2.0, 0.0, 5.0])      # indefinite ... positive definite
def test_random_problems_meet_the_optimality_conditions(seed, shift):
    rng = np.random.default_rng(seed)
    d = 8
    A = random_sym(d, rng, shift)
    g = rng.standard_normal(d) * 10.0 ** rng.uniform(-3, 2)
    M = 10.0 ** rng.uniform(-2, 2)
    step = solve_cubic_eig(eig_of(A), g, M)
    check_optimality(A, g, M, step)
    assert not step.hard_case
    # no random trial point (around the scale of the step) has a smaller model value
    scale = max(step.r, 1e-3)
    trials = rng.standard_normal((10_000, d)) * scale * rng.uniform(0.01, 3.0, (10_000, 1))
    trials = np.vstack([trials, step.h + 1e-3 * scale * rng.standard_normal((100, d))])
    vals = (trials @ g + 0.5 * np.einsum("ij,jk,ik->i", trials, A, trials)
            + M / 6 * np.linalg.norm(trials, axis=1) ** 3)
    assert step.model <= vals.min() + 1e-12 * max(1.0, abs(step.model))
    # nor does a local solver started at several points
    for x0 in (np.zeros(d), rng.standard_normal(d) * scale, -step.h):
        ref = scipy_minimize(lambda h: model(A, g, M, h), x0, method="BFGS",
                             jac=lambda h: g + A @ h + M / 2 * np.linalg.norm(h) * h,
                             options={"gtol": 1e-12})
        assert step.model <= ref.fun + 1e-9 * max(1.0, abs(ref.fun))


def test_hard_case_closed_form():
    # g orthogonal to the eigenvector of lambda_min = -2: r* = 2|lambda_min|/M
    lam = np.array([-2.0, 1.0, 3.0])
    Q = np.linalg.qr(np.random.default_rng(1).standard_normal((3, 3)))[0]
    A = (Q * lam) @ Q.T
    g = Q @ np.array([0.0, 0.3, -0.6])
    M = 4.0
    step = solve_cubic_eig(eig_of(A), g, M)
    assert step.hard_case
    check_optimality(A, g, M, step)
    s = 2.0                                        # shift = -lambda_min
    np.testing.assert_allclose(step.shift, s, rtol=1e-14)
    y = Q.T @ step.h
    np.testing.assert_allclose(y[1:], -np.array([0.3, -0.6]) / (lam[1:] + s), rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(step.h), 2 * s / M, rtol=1e-12)
    # both signs of the free component are global minimizers: same model value
    h_other = step.h - 2 * y[0] * Q[:, 0]
    np.testing.assert_allclose(model(A, g, M, h_other), step.model, rtol=1e-12)


def test_g_zero_saddle_moves_along_negative_curvature():
    A = np.diag([3.0, -0.5, 1.0])
    step = solve_cubic_eig(eig_of(A), np.zeros(3), 2.0)
    assert step.hard_case
    np.testing.assert_allclose(np.abs(step.h), [0.0, 2 * 0.5 / 2.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(step.model, -0.5 * 0.5 ** 2 / 2 + 2.0 / 6 * 0.5 ** 3, rtol=1e-14)


def test_g_zero_convex_gives_zero_step():
    step = solve_cubic_eig(eig_of(np.diag([1.0, 2.0])), np.zeros(2), 1.0)
    assert step.r == 0.0 and step.model == 0.0 and not np.any(step.h)


def test_convex_one_dimensional_closed_form():
    # m(h) = g h + a h^2/2 + M|h|^3/6: h* = -(a + sqrt(a^2 + 2 M |g|)) ... solved in r
    a, g, M = 2.0, 3.0, 5.0
    r = (-a + np.sqrt(a * a + 2 * M * g)) / M     # root of M r^2/2 + a r - |g| = 0
    step = solve_cubic_eig(eig_of(np.array([[a]])), np.array([g]), M)
    np.testing.assert_allclose(step.h, [-r], rtol=1e-14)


@pytest.mark.parametrize("seed", range(4))
def test_krylov_matches_eigen_route(seed):
    rng = np.random.default_rng(10 + seed)
    d = 60
    A = random_sym(d, rng, shift=-1.0 if seed % 2 else 8.0)
    g = rng.standard_normal(d)
    M = 10.0 ** rng.uniform(-1, 1)
    exact = solve_cubic_eig(eig_of(A), g, M)
    kry = solve_cubic_krylov(lambda v: A @ v, g, M, tol=1e-12, maxiter=d)
    np.testing.assert_allclose(kry.h, exact.h, rtol=0, atol=1e-8 * max(1.0, exact.r))
    np.testing.assert_allclose(kry.model, exact.model, rtol=1e-10)


def test_krylov_g_zero_escapes_saddle():
    A = np.diag(np.r_[-1.0, np.linspace(1, 2, 19)])
    step = solve_cubic_krylov(lambda v: A @ v, np.zeros(20), 1.0, maxiter=20)
    np.testing.assert_allclose(np.abs(step.h[0]), 2.0, rtol=1e-8)
    np.testing.assert_allclose(step.h[1:], 0.0, atol=1e-7)
