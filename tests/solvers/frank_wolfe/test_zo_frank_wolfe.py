"""Zeroth-order Frank-Wolfe against the first-order method: the rate's tolerance,
query counts, seeding, stochastic objectives."""

from __future__ import annotations

import numpy as np
import pytest

import optkit
from optkit.problems import LMOProblem
from optkit.problems.sets import L1Ball

D = 10


@pytest.fixture(scope="module")
def l1_regression():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((2 * D, D)) / np.sqrt(2 * D)
    x_true = np.zeros(D)
    x_true[:3] = [0.5, -0.3, 0.2]
    b = A @ x_true + 0.05 * rng.standard_normal(2 * D)
    fun = lambda x: 0.5 * np.sum((A @ x - b) ** 2)     # noqa: E731
    jac = lambda x: A.T @ (A @ x - b)                   # noqa: E731
    cset = L1Ball(0.8, n=D)
    ref = optkit.minimize(LMOProblem(fun, jac, cset), method="fw-pairwise", tol=1e-12)
    assert ref.success
    return fun, cset, ref.fun, A, b


@pytest.mark.parametrize("estimator, queries", [("kwsa", D + 1), ("rdsa", 2), ("i-rdsa", 11)])
def test_zo_fw_reaches_first_order_value_within_the_rate(estimator, queries, l1_regression):
    fun, cset, f_star, _, _ = l1_regression
    T = 1000
    res = optkit.minimize(LMOProblem(fun, None, cset), method="zo-fw", tol=1e-12,
                          options={"maxiter": T, "estimator": estimator})
    assert res.status == 1 and res.nit == T
    # d + 1, 2 or m + 1 function queries per iteration, never a gradient
    assert res.nfev == (T + 1) * queries and res.njev == 0 and res.nlmo == T + 1
    assert cset.contains(res.x)
    # the O((d/T)^(1/3)) rate with the theorem's leading constant 9^(1/3) (f(x0) - f*)
    f0_gap = fun(cset.vertex()) - f_star
    bound = 9 ** (1 / 3) * f0_gap * (D / (T + 9)) ** (1 / 3)
    assert 0 <= fun(res.x) - f_star <= bound
    # and the run is far below it in practice (measured: 4e-3, 4e-3, 2.5e-4)
    assert fun(res.x) - f_star <= 0.15 * bound


def test_zo_fw_is_reproducible_under_a_seed(l1_regression):
    fun, cset, _, _, _ = l1_regression
    runs = [optkit.minimize(LMOProblem(fun, None, cset), method="zo-fw",
                            options={"maxiter": 200, "estimator": "rdsa", "seed": seed})
            for seed in (3, 3, 4)]
    np.testing.assert_array_equal(runs[0].x, runs[1].x)
    np.testing.assert_array_equal(runs[0].trace["fun"], runs[1].trace["fun"])
    assert not np.array_equal(runs[0].x, runs[2].x)


def test_zo_fw_on_a_stochastic_objective(l1_regression):
    fun, cset, f_star, A, b = l1_regression
    sigma = 0.3
    calls = []

    def F(x, y):                # E_y F(x; y) = f(x): an unbiased noisy linear term
        calls.append(1)
        return fun(x) + y @ x

    def sample(rng):
        return sigma * rng.standard_normal(D)

    problem = LMOProblem(F, None, cset, sample=sample)
    assert problem.stochastic
    T = 3000
    res = optkit.minimize(problem, method="zo-fw", options={"maxiter": T, "estimator": "i-rdsa"})
    again = optkit.minimize(problem, method="zo-fw",
                            options={"maxiter": T, "estimator": "i-rdsa"})
    np.testing.assert_array_equal(res.x, again.x)          # samples drawn from the seed too
    assert res.nfev == len(calls) // 2
    f0_gap = fun(cset.vertex()) - f_star
    assert fun(res.x) - f_star <= 9 ** (1 / 3) * f0_gap * (D / (T + 9)) ** (1 / 3)
    assert fun(res.x) - f_star <= 0.02


def test_zo_fw_certificate_waits_for_a_window_and_stops_on_tol(l1_regression):
    fun, cset, f_star, _, _ = l1_regression
    res = optkit.minimize(LMOProblem(fun, None, cset), method="zo-fw", tol=5e-3,
                          options={"maxiter": 5000, "window": 30})
    assert res.status == 0 and res.nit >= 29
    cert = res.trace["certificate"]
    assert np.all(cert[:29] == np.finfo(float).max)
    assert res.certificate <= 5e-3
    assert fun(res.x) - f_star <= 0.02


def test_zo_fw_bad_options():
    with pytest.raises(ValueError, match="`estimator`"):
        optkit.minimize(lambda x: x @ x, [1.0, 0.0], method="zo-fw",
                        options={"lmo": L1Ball(), "estimator": "spsa"})
    with pytest.raises(ValueError, match="`m`"):
        optkit.minimize(lambda x: x @ x, [1.0, 0.0], method="zo-fw",
                        options={"lmo": L1Ball(), "m": 0})
