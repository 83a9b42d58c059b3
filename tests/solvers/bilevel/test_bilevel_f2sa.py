"""F2SA: the update equations against a hand-computed step and an independent
NumPy loop, the schedules and their conditions, momentum, stochastic runs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import OptimizeWarning

import optkit
from optkit.problems.bilevel import BilevelProblem, quadratic_bilevel


def scalar_problem():
    """f = (x-1)^2/2 + (y-2)^2/2, g = (y-x)^2/2: y*(x) = x, F = (x-1)^2/2 + (x-2)^2/2,
    x* = 1.5; l_f = l_g = 1."""
    return BilevelProblem(
        upper=lambda x, y: 0.5 * float((x - 1) @ (x - 1) + (y - 2) @ (y - 2)),
        lower=lambda x, y: 0.5 * float((y - x) @ (y - x)),
        upper_grad=lambda x, y: (x - 1, y - 2), lower_grad=lambda x, y: (x - y, y - x),
        dim_x=1, dim_y=1, lower_mu=1.0, lower_L=1.0, upper_L=1.0)


OPTS = {"lam0": 4.0, "x_step": 0.1, "inner_steps": 2, "y0": [0.5], "regime": "deterministic"}


def test_one_step_equals_the_hand_computed_step():
    # k = 0: lambda = 4, alpha = 1/(l_f + lambda l_g) = 0.2, gamma = 1/l_g = 1,
    # xi alpha = x_step = 0.1. From x = 0, y = z = 0.5, two inner steps:
    #   z: 0.5 - (0.5 - 0) = 0, then 0;    y: 0.5 - 0.2 (-1.5 + 4 * 0.5) = 0.4, then
    #   0.4 - 0.2 (-1.6 + 4 * 0.4) = 0.4;  h = (0 - 1) + 4 ((0 - 0.4) - (0 - 0)) = -2.6;
    #   x = 0 + 0.1 * 2.6 = 0.26;  lambda_1 = 4 * 2^(1/3) (b = 1/3, k0 = 1).
    res = optkit.minimize(scalar_problem(), [0.0], method="f2sa", options={**OPTS, "maxiter": 1})
    assert res.x[0] == pytest.approx(0.26, abs=1e-15)
    assert res.y[0] == pytest.approx(0.4, abs=1e-15)
    assert res.z[0] == pytest.approx(0.0, abs=1e-15)
    assert res.lam == pytest.approx(4 * 2 ** (1 / 3), rel=1e-15)
    assert res.hypergrad_est == pytest.approx(2.6, rel=1e-14)
    assert res.ngrad_upper == 2 + 1 + 1 and res.ngrad_lower == 2 * 2 + 2 + 2  # init + step
    assert res.nhvp == 0


def _reference_f2sa(q, x, y, z, K, lam0, x_step, T, a, b, c, k0=1.0):
    """An independent NumPy loop of the update equations (deterministic)."""
    alpha0 = 1.0 / (q.upper_L + lam0 * q.lower_L)
    gamma0 = 1.0 / q.lower_L
    for k in range(K):
        t = (k + k0) / k0
        lam, alpha, gamma = lam0 * t ** b, alpha0 * t ** -a, gamma0 * t ** -c
        for _ in range(T):
            z = z - gamma * (q.H @ z - q.J @ x - q.h)
            y = y - alpha * (q.B @ (y - q.c) + lam * (q.H @ y - q.J @ x - q.h))
        h = q.A @ x + q.a + lam * (-(q.J.T @ y) + q.J.T @ z)
        x = x - x_step * (alpha / alpha0) * h
    return x, y, z


@pytest.mark.parametrize("regime,T", [("deterministic", 1), ("stochastic", 3)])
def test_iterates_equal_an_independent_loop(regime, T):
    q = quadratic_bilevel(3, 4, cond=5.0, seed=2)
    from optkit.solvers.bilevel.f2sa import REGIME_RATES

    a, b, c = REGIME_RATES[regime]
    res = optkit.minimize(q, np.zeros(3), method="f2sa", tol=1e-300,
                          options={"maxiter": 25, "lam0": 5.0, "x_step": 0.2,
                                   "inner_steps": T, "regime": regime})
    x, y, z = _reference_f2sa(q, np.zeros(3), np.zeros(4), np.zeros(4), 25, 5.0, 0.2, T, a, b, c)
    np.testing.assert_allclose(res.x, x, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.y, y, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.z, z, rtol=0, atol=1e-12)


def test_deterministic_bias_shrinks_as_lambda_grows():
    """Deterministic rate: ||grad F|| ~ 1/lambda_k ~ k^(-1/3), so 8x the iterations
    should about halve it (observed: 0.0085 -> 0.0057, ratio 0.68: the decaying x step
    still dominates at these lengths)."""
    q = quadratic_bilevel(3, 4, cond=5.0, seed=2)
    errs = []
    for K in (250, 2000):
        res = optkit.minimize(q, np.zeros(3), method="f2sa", tol=1e-300,
                              options={"maxiter": K, "lam0": 5.0, "x_step": 0.2})
        errs.append(res.certificate)
    assert errs[1] < 0.75 * errs[0]          # 8^(-1/3) = 0.5 in the limit
    assert errs[1] < 7e-3


def test_momentum_is_plain_f2sa_in_the_deterministic_case():
    q = quadratic_bilevel(3, 4, cond=5.0, seed=2)
    opts = {"maxiter": 30, "lam0": 5.0, "x_step": 0.2}
    plain = optkit.minimize(q, np.zeros(3), method="f2sa", tol=1e-300, options=opts)
    mom = optkit.minimize(q, np.zeros(3), method="f2sa", tol=1e-300,
                          options={**opts, "momentum": True})
    np.testing.assert_array_equal(plain.x, mom.x)
    assert mom.ngrad_lower > plain.ngrad_lower     # the STORM correction costs gradients


def test_stochastic_runs_are_seeded_and_converge():
    q = quadratic_bilevel(3, 4, cond=5.0, seed=2, n_terms=50, noise=0.3)
    opts = {"maxiter": 600, "lam0": 5.0, "x_step": 0.2, "batch_size": 5, "seed": 7}
    r1 = optkit.minimize(q, np.zeros(3), method="f2sa", tol=1e-300, options=opts)
    r2 = optkit.minimize(q, np.zeros(3), method="f2sa", tol=1e-300, options=opts)
    r3 = optkit.minimize(q, np.zeros(3), method="f2sa", tol=1e-300,
                         options={**opts, "seed": 8, "maxiter": 20})
    r1_20 = optkit.minimize(q, np.zeros(3), method="f2sa", tol=1e-300,
                            options={**opts, "maxiter": 20})
    np.testing.assert_array_equal(r1.x, r2.x)
    assert not np.array_equal(r1_20.x, r3.x)
    assert r1.nsample < 600 * 10 * 50                  # minibatches, not full passes
    # E||grad F||^2 ~ k^(-2/7) with noise in both levels: far from x* at the start,
    # within 0.1 after 600 steps of 5 samples
    d0 = np.linalg.norm(q.x_star)
    assert np.linalg.norm(r1.x - q.x_star) < 0.1 * d0
    mom = optkit.minimize(q, np.zeros(3), method="f2sa", tol=1e-300,
                          options={**opts, "momentum": True})
    assert np.linalg.norm(mom.x - q.x_star) < 0.1 * d0


def test_schedule_conditions_warn_with_the_condition():
    p = scalar_problem()
    with pytest.warns(OptimizeWarning, match=r"a >= b"):
        optkit.minimize(p, [0.0], method="f2sa", options={"maxiter": 2, "lam_rate": 0.5,
                                                          "y_rate": 0.2})
    with pytest.warns(OptimizeWarning, match=r"alpha_0 \(l_f \+ lambda_0 l_g\) <= 1"):
        optkit.minimize(p, [0.0], method="f2sa", options={"maxiter": 2, "alpha0": 1.0})
    with pytest.warns(OptimizeWarning, match=r"gamma_0 l_g <= 1"):
        optkit.minimize(p, [0.0], method="f2sa", options={"maxiter": 2, "gamma0": 3.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # the defaults meet every condition
        optkit.minimize(p, [0.0], method="f2sa", options={"maxiter": 2})


def test_start_options_and_missing_constants():
    p = scalar_problem()
    res = optkit.minimize(p, [0.0], method="f2sa", options={"maxiter": 0, "y0": [3.0]})
    assert res.y[0] == 3.0 and res.z[0] == 3.0 and res.nit == 0
    res = optkit.minimize(p, [0.0], method="f2sa",
                          options={"maxiter": 0, "y0": [3.0], "z0": [-1.0]})
    assert res.z[0] == -1.0
    with pytest.raises(ValueError, match="`y0` must have length dim_y = 1"):
        optkit.minimize(p, [0.0], method="f2sa", options={"y0": [1.0, 2.0]})
    no_L = BilevelProblem(p.upper, p.lower, upper_grad=p.upper_grad, lower_grad=p.lower_grad,
                          dim_x=1, dim_y=1)
    with pytest.raises(ValueError, match="give option `alpha0`.*lower_L"):
        optkit.minimize(no_L, [0.0], method="f2sa")
    res = optkit.minimize(no_L, [0.0], method="f2sa", tol=1e-300,
                          options={"alpha0": 0.1, "gamma0": 0.5, "maxiter": 3000})
    assert abs(res.x[0] - 1.5) < 2e-2
