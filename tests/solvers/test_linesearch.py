"""The shared step-size searches (optkit.solvers._linesearch) against closed
forms and hand-computed sequences, and the driver's rollback on cubic-newton."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.sparse.linalg import aslinearoperator

import optkit
from optkit._core.oracle import CountedSmoothOracle
from optkit.problems.base import SmoothProblem
from optkit.solvers._linesearch import (AdaptiveShortStep, ArmijoSearch, ExactQuadraticStep,
                                        ShortStep, adaptive_L, doubling_search)


def _quadratic(A, b=None, hessp=True):
    b = np.zeros(len(A)) if b is None else b
    prob = SmoothProblem(lambda x: 0.5 * x @ A @ x - b @ x, grad=lambda x: A @ x - b,
                         hessp=(lambda x, p: A @ p) if hessp else None)
    return CountedSmoothOracle(prob, len(A))


def _gradient_model(oracle, x, curv_calls=None):
    """The gradient method's upper model at x: x+ = x - g/L, decrease |g|^2/(2L)."""
    f, g = oracle.fun_and_grad(x)
    gg = float(g @ g)

    def trial(L):
        x_new = x - g / L
        return x_new, oracle.fun(x_new), f, gg / (2 * L)

    def curvature(x_new, L):
        if curv_calls is not None:
            curv_calls.append(L)
        g_new = oracle.grad(x_new)
        d = x_new - x
        return g_new if float((g_new - g) @ d) <= L * float(d @ d) else None

    return trial, curvature


def test_adaptive_L_doubles_from_a_small_guess_to_within_a_factor_2_of_L():
    A = np.diag([1.0, 10.0])           # the step is along the top eigenvector: L = 10
    oracle = _quadratic(A)
    trial, curvature = _gradient_model(oracle, np.array([0.0, 1.0]))
    res = adaptive_L(trial, curvature, 1e-3, max_doublings=60)
    assert res.ok and res.failure is None
    assert 10.0 <= res.L <= 20.0
    # the first of 1e-3 * 2^k at or above 10: k = 14
    assert res.L == 1e-3 * 2 ** 14 and res.n_trials == 15
    np.testing.assert_allclose(res.x, [0.0, 1.0 - 10.0 / res.L], rtol=0, atol=1e-15)


def test_adaptive_L_keeps_a_large_guess_and_gm_halves_it():
    A = np.diag([1.0, 10.0])
    oracle = _quadratic(A)
    trial, curvature = _gradient_model(oracle, np.array([1.0, 1.0]))
    res = adaptive_L(trial, curvature, 1e4, max_doublings=60)
    assert res.ok and res.L == 1e4 and res.n_trials == 1
    # gm starts each step at L/2: from L = 1e4 the accepted estimates halve
    # (every trial accepted) until they reach the curvature scale
    out = optkit.minimize(lambda x: 0.5 * x @ A @ x, np.ones(2), "gm", jac=lambda x: A @ x,
                          tol=1e-300, options={"L": 1e4, "maxiter": 8, "trace": True})
    L_trace = np.asarray(out.trace["L"])[1:]
    np.testing.assert_array_equal(L_trace, 1e4 / 2.0 ** np.arange(8))


def test_adaptive_L_cap_fails_with_a_clear_message():
    calls = []

    def trial(L):
        calls.append(L)
        return np.zeros(1), 2.0, 1.0, 1.0        # f grows: the model never holds

    res = adaptive_L(trial, lambda x, L: None, 1.0, max_doublings=5)
    assert not res.ok and res.n_trials == 6 and calls == [2.0 ** k for k in range(6)]
    assert res.L == 2.0 ** 6
    assert "after 5 doublings" in res.failure and "L = 64" in res.failure
    # non-finite f at every trial: no failure message (the driver's guard reports f)
    res = adaptive_L(lambda L: (np.zeros(1), math.nan, 1.0, 1.0), lambda x, L: None, 1.0, 3)
    assert not res.ok and res.failure is None and math.isnan(res.fun)


def test_rounding_level_test_triggers_at_the_floor_and_not_before():
    A = np.diag([1.0, 4.0])
    c = 1e8                            # |f| large: its rounding error is about 1e-8
    prob = SmoothProblem(lambda x: c + 0.5 * x @ A @ x, grad=lambda x: A @ x)
    oracle = CountedSmoothOracle(prob, 2)
    far = []
    trial, curvature = _gradient_model(oracle, np.array([1.0, 1.0]), far)
    res = adaptive_L(trial, curvature, 1.0, 60)
    # decrease |g|^2/(2L) = 17/(2L) >> 1e3 eps |f| = 2.2e-5: value test only
    assert res.ok and far == []
    near = []
    x = np.array([1e-4, 1e-4])         # |g|^2/(2L) ~ 1e-8 < 2.2e-5: value test is noise
    trial, curvature = _gradient_model(oracle, x, near)
    res = adaptive_L(trial, curvature, 1.0, 60)
    assert res.ok and near != [] and res.grad is not None
    # the gradient test accepts exactly the L >= curvature along g
    g = A @ x
    curv = float(g @ A @ g) / float(g @ g)
    assert curv <= res.L <= 2 * curv


def test_doubling_search_halving():
    ok, value, payload, n = doubling_search(lambda v: (v <= 0.1, v), 1.0, 10, 0.5)
    assert ok and value == 0.0625 and payload == 0.0625 and n == 5


def test_armijo_matches_a_hand_computed_backtracking_sequence():
    A = np.diag([1.0, 50.0])
    oracle = _quadratic(A)
    x = np.array([1.0, 1.0])
    f, g = oracle.fun_and_grad(x)
    d = -g
    c, beta = 0.3, 0.5
    res = ArmijoSearch(oracle, c=c, beta=beta)(x, f, g, d, t0=1.0)
    # by hand: phi(t) = f(x + t d) = 0.5(1 - t)^2 + 25 (1 - 50 t)^2, slope = -2501
    slope = float(g @ d)
    phi = lambda t: 0.5 * (1 - t) ** 2 + 25 * (1 - 50 * t) ** 2
    t, seq = 1.0, []
    while phi(t) > f + c * t * slope:
        seq.append(t)
        t *= beta
    assert res.ok and res.step == t and res.n_trials == len(seq) + 1
    assert res.fun <= f + c * res.step * slope                 # sufficient decrease
    assert phi(2 * res.step) > f + c * 2 * res.step * slope    # the previous trial failed
    np.testing.assert_allclose(res.fun, phi(res.step), rtol=1e-14)
    with pytest.raises(ValueError, match="0 < c < 1"):
        ArmijoSearch(oracle, c=1.5)
    assert not ArmijoSearch(oracle)(x, f, g, -d).ok          # ascent direction


@pytest.mark.parametrize("hessp", [True, False])
def test_exact_quadratic_step_equals_the_closed_form(hessp):
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    A = (Q * np.linspace(1, 20, 5)) @ Q.T
    b = rng.standard_normal(5)
    oracle = _quadratic(A, b, hessp=hessp)
    x = rng.standard_normal(5)
    f, g = oracle.fun_and_grad(x)
    d = -g + 0.1 * rng.standard_normal(5)
    slope = -float(g @ d)
    exact = ExactQuadraticStep(oracle, hessp)
    closed = slope / float(d @ A @ d)
    np.testing.assert_allclose(exact.gamma(x, f, d, slope, 10.0), closed, rtol=1e-10)
    assert exact.gamma(x, f, d, slope, 0.5 * closed) == 0.5 * closed      # clipped
    res = exact(x, f, g, d, slope, 10.0)
    np.testing.assert_allclose(res.fun, oracle.problem.fun(x + closed * d), rtol=1e-12)


def test_fw_short_step_equals_the_clipped_closed_form():
    oracle = _quadratic(np.eye(3))
    x, d = np.zeros(3), np.array([1.0, -2.0, 0.5])
    f, g = oracle.fun_and_grad(x)
    for L, gamma_max, slope in [(2.0, 1.0, 3.0), (0.1, 1.0, 3.0), (5.0, 0.01, 3.0)]:
        res = ShortStep(oracle, L)(x, f, g, d, slope, gamma_max, 0, L)
        assert res.step == min(gamma_max, slope / (L * float(d @ d))) and res.L == L
    assert ShortStep(oracle, 1.0)(x, f, g, np.zeros(3), 3.0, 1.0, 0, 1.0).step == 0.0


def _pedregosa(f, x, fx, d, slope, gamma_max, L, tau=2.0):
    """Pedregosa, Negiar, Askari & Jaggi (2020), Alg. 1 lines 5-9 (eta = 1, tau = 2)."""
    dd = float(d @ d)
    while True:
        gamma = min(slope / (L * dd), gamma_max)
        if f(x + gamma * d) <= fx - gamma * slope + 0.5 * gamma * gamma * L * dd:
            return gamma, L
        L *= tau


def test_fw_adaptive_step_matches_pedregosa_on_a_quadratic():
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    A = (Q * np.logspace(0, 2, 6)) @ Q.T
    b = rng.standard_normal(6)
    oracle = _quadratic(A, b)
    fun = oracle.problem.fun
    rule = AdaptiveShortStep(oracle, 60)
    for trial in range(5):
        x = rng.standard_normal(6)
        s = rng.standard_normal(6)
        f, g = oracle.fun_and_grad(x)
        d = s - x
        slope = -float(g @ d)
        if slope <= 0:
            d, slope = -d, -slope
        for L0 in (1e-3, 1.0, 1e3):
            res = rule(x, f, g, d, slope, 1.0, trial, L0)
            gamma, L = _pedregosa(fun, x, f, d, slope, 1.0, L0)
            assert res.ok and res.step == gamma and res.L == L
    # the first L of the rule: ||grad(x + eps d/|d|) - grad(x)|| / eps, exact for quadratics
    d = np.zeros(6)
    d[0] = 2.0
    np.testing.assert_allclose(rule.initial_L(np.zeros(6), oracle.grad(np.zeros(6)), d),
                               np.linalg.norm(A[:, 0]), rtol=1e-8)


def test_cubic_newton_rollback_with_a_linear_operator_hessian():
    """A non-finite f injected at iteration k returns the run stopped at k - 1
    (subproblem='auto' switches to the Krylov route on a LinearOperator Hessian;
    the route lives in the state)."""
    from scipy.optimize import rosen, rosen_der, rosen_hess, rosen_hess_prod

    x0 = np.array([-1.2, 1.0, -0.5, 0.8])
    k = 4

    def run(maxiter, poison_after=None):
        calls = [0]

        def fun(x):
            calls[0] += 1
            if poison_after is not None and calls[0] > poison_after:
                return math.nan
            return rosen(x)

        return optkit.minimize(fun, x0, "cubic-newton", jac=rosen_der,
                               hess=lambda x: aslinearoperator(rosen_hess(x)),
                               hessp=rosen_hess_prod, tol=1e-300,
                               options={"subproblem": "auto", "maxiter": maxiter})

    ref = run(k - 1)
    assert ref.nit == k - 1 and ref.nhvp > 0            # the Krylov route ran
    bad = run(k + 5, poison_after=ref.nfev)             # f is NaN from iteration k on
    assert bad.status == 3 and bad.nit == k - 1
    np.testing.assert_array_equal(bad.x, ref.x)
    assert bad.fun == ref.fun
    for name in ("M", "lambda_min", "second_order_measure", "n_factorizations"):
        assert bad[name] == ref[name] or (np.isnan(bad[name]) and np.isnan(ref[name])), name
