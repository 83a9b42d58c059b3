"""GM and FGM against independent references: closed forms and scipy's rosen."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize as scipy_minimize
from scipy.optimize import rosen, rosen_der

import optkit

from conftest import random_spd

FGM_VARIANTS = [
    ("fgm", {}),
    ("fgm", {"restart": None}),
    ("fgm", {"restart": "function"}),
    ("fgm", {"mu": 1.0}),
]
ALL_VARIANTS = [("gm", {}), ("gm", {"step": "constant", "L": 100.0})] + FGM_VARIANTS


@pytest.mark.parametrize("method, opts", ALL_VARIANTS)
def test_strongly_convex_quadratic_closed_form(method, opts):
    A, b = random_spd(20, 100.0, seed=11)          # eigenvalues in [1, 100]
    x_star = np.linalg.solve(A, b)
    res = optkit.minimize(lambda x: 0.5 * x @ A @ x - b @ x, np.zeros(20), method,
                          jac=lambda x: A @ x - b, tol=1e-10,
                          options={"maxiter": 50_000, **opts})
    assert res.status == 0, res.message
    np.testing.assert_allclose(res.x, x_star, rtol=0, atol=1e-8)
    assert np.linalg.norm(A @ res.x - b) <= 1e-10


@pytest.mark.parametrize("method, opts", [("gm", {}), ("fgm", {}), ("fgm", {"restart": "function"})])
def test_rosenbrock_from_scipy_start(method, opts):
    ref = scipy_minimize(rosen, [-1.2, 1.0], jac=rosen_der, method="BFGS", tol=1e-12).x
    res = optkit.minimize(rosen, [-1.2, 1.0], method, jac=rosen_der, tol=1e-9,
                          options={"maxiter": 100_000, **opts})
    assert res.success, res.message
    np.testing.assert_allclose(res.x, ref, atol=1e-6)
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-6)


def test_rosenbrock_higher_dimension_with_jac_true():
    x0 = np.array([1.3, 0.7, 0.8, 1.9, 1.2])
    res = optkit.minimize(lambda x: (rosen(x), rosen_der(x)), x0, "fgm", jac=True, tol=1e-8)
    assert res.success
    np.testing.assert_allclose(res.x, np.ones(5), atol=1e-6)
    assert res.nfev == res.njev        # one call of fun gives both


def test_fgm_needs_ten_times_fewer_iterations_than_gm_at_kappa_1e4():
    A, b = random_spd(50, 1e4, seed=3)
    tol = 1e-4 * np.linalg.norm(b)
    runs = {m: optkit.minimize(lambda x: 0.5 * x @ A @ x - b @ x, np.zeros(50), m,
                               jac=lambda x: A @ x - b, tol=tol,
                               options={"maxiter": 200_000, "trace": False})
            for m in ("gm", "fgm")}
    assert runs["gm"].success and runs["fgm"].success
    assert runs["gm"].nit >= 10 * runs["fgm"].nit, (runs["gm"].nit, runs["fgm"].nit)


def test_gm_constant_step_is_exactly_x_minus_g_over_L():
    A, b = random_spd(4, 10.0, seed=2)
    res = optkit.minimize(lambda x: 0.5 * x @ A @ x - b @ x, np.ones(4), "gm",
                          jac=lambda x: A @ x - b,
                          options={"step": "constant", "L": 10.0, "maxiter": 3})
    x = np.ones(4)
    for _ in range(3):
        x = x - (A @ x - b) / 10.0
    np.testing.assert_allclose(res.x, x, rtol=1e-15, atol=1e-15)


def test_adaptive_gm_finds_the_lipschitz_constant_scale():
    """Started from a tiny L0 the estimate ends within a factor 2 of lambda_max."""
    d = np.array([1.0, 4.0, 250.0])
    res = optkit.minimize(lambda x: 0.5 * np.sum(d * x**2), np.ones(3), "gm",
                          jac=lambda x: d * x, options={"L": 1e-3, "maxiter": 200})
    L_used = res.trace["L"][1:]
    assert L_used.max() <= 2 * 2 * d.max()
    assert np.median(L_used) >= d.max() / 4


def test_fgm_trace_records_restarts_and_L():
    res = optkit.minimize(rosen, [-1.2, 1.0], "fgm", jac=rosen_der, tol=1e-8)
    assert res.restarts == res.trace["restarts"][-1] > 0
    assert res.L == res.trace["L"][-1]
