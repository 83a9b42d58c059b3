"""Every bilevel method on quadratic bilevel problems with closed-form x*
(deterministic and stochastic), the projected penalty method against scipy on
the value function, lower levels that are not strongly convex against the
optimistic KKT solution, and bad input (missing oracles, NaN from user
oracles, schedules violating a method's condition)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import OptimizeWarning, minimize as sp_minimize

import optkit
from optkit.problems.bilevel import BilevelProblem, quadratic_bilevel
from optkit.problems.sets import Box

METHODS = ["f2sa", "bilevel-penalty", "aid-cg", "bo-rep", "sl-bamm"]

#: options per method and the distance to x* its rate allows after `maxiter` steps:
#: aid-cg is gradient descent on F with exact inner solves (linear, to rounding); F2SA
#: has an O(1/lambda_k) bias (lambda ~ k^(1/3)), the penalty method an O(sigma) bias,
#: BO-REP normalized steps of length eta_k = 0.1 / sqrt(k+1), sl-BAMM an O(mu_k) bias.
CASES = {
    "aid-cg": ({"x_step": 0.3}, 300, 1e-8),
    "f2sa": ({"x_step": 0.3, "lam0": 20.0}, 2000, 3e-3),
    "bilevel-penalty": ({"x_step": 0.3, "sigma": 1e-3, "inner_steps": 20}, 300, 3e-3),
    "bo-rep": ({"x_step": 0.1, "x_step_decay": 0.5}, 2000, 2e-2),
    "sl-bamm": ({"x_step": 0.3, "mu_rate": 1.0, "theta_rate": 1.0}, 2000, 3e-3),
}


@pytest.fixture(scope="module")
def quad():
    return quadratic_bilevel(3, 4, cond=5.0, seed=11)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_reaches_the_closed_form_x_star(method, quad):
    opts, maxiter, atol = CASES[method]
    res = optkit.minimize(quad, np.zeros(3), method=method, tol=1e-12,
                          options={"maxiter": maxiter, **opts})
    assert res.status in (0, 1)
    err = np.abs(res.x - quad.x_star).max()
    assert err <= atol, (method, err)
    # the certificate is the exact hypergradient norm (cheap here)
    assert res.certificate == pytest.approx(np.linalg.norm(quad.hypergradient(res.x)))
    # the trace carries both losses
    assert {"upper", "lower", "hypergrad_est"} <= set(res.trace.columns)
    assert res.trace["upper"][-1] == res.upper == res.fun
    if method in ("f2sa", "bilevel-penalty"):
        assert res.nhvp == 0                       # first order only
        # z tracks the lower-only minimizer y*(x)
        np.testing.assert_allclose(res.z, quad.y_star(res.x), atol=10 * atol)
    else:
        assert res.nhvp > 0


#: stochastic runs: minibatches of 5 of 40 terms; a distance to x* reached in expectation
STOCH = {
    "f2sa": {"x_step": 0.2, "lam0": 5.0},
    "bilevel-penalty": {"x_step": 0.2, "sigma": 0.05, "inner_steps": 5},
    "aid-cg": {"x_step": 0.2, "inner_steps": 5, "neumann_terms": 10},
    "bo-rep": {"x_step": 0.05, "x_step_decay": 0.5},
    "sl-bamm": {"x_step": 0.2, "mu_rate": 1.0, "theta_rate": 1.0},
}


@pytest.mark.parametrize("method", METHODS)
def test_stochastic_runs_are_reproducible_and_approach_x_star(method):
    q = quadratic_bilevel(3, 4, cond=5.0, seed=11, n_terms=40, noise=0.2)
    opts = {"maxiter": 400, "batch_size": 5, "seed": 3, **STOCH[method]}
    r1 = optkit.minimize(q, np.zeros(3), method=method, tol=1e-300, options=opts)
    r2 = optkit.minimize(q, np.zeros(3), method=method, tol=1e-300, options=opts)
    for part in ("x", "y", "z"):
        np.testing.assert_array_equal(r1[part], r2[part])
    assert np.linalg.norm(r1.x - q.x_star) < 0.15 * np.linalg.norm(q.x_star), method
    other = optkit.minimize(q, np.zeros(3), method=method, tol=1e-300,
                            options={**opts, "seed": 4, "maxiter": 5})
    same = optkit.minimize(q, np.zeros(3), method=method, tol=1e-300,
                           options={**opts, "maxiter": 5})
    assert not np.array_equal(other.x, same.x)


def test_aid_cg_neumann_solver_matches_cg_in_the_deterministic_case(quad):
    cg = optkit.minimize(quad, np.zeros(3), method="aid-cg", tol=1e-12,
                         options={"maxiter": 300, "x_step": 0.3})
    ne = optkit.minimize(quad, np.zeros(3), method="aid-cg", tol=1e-12,
                         options={"maxiter": 300, "x_step": 0.3, "linear_solver": "neumann",
                                  "neumann_terms": 200})
    np.testing.assert_allclose(ne.x, cg.x, atol=1e-8)


def test_projected_penalty_method_matches_scipy_with_bounds(quad):
    box = Box(np.full(3, -0.5), np.full(3, 0.5))
    lo, hi = -0.5, 0.5
    assert np.any(np.abs(quad.x_star) > 0.5)                  # the constraint is active
    from optkit.problems.bilevel import QuadraticBilevel

    q = QuadraticBilevel(quad.A, quad.a, quad.B, quad.c, quad.H, quad.J, quad.h)
    q.x_set = box
    ref = sp_minimize(quad.value, np.zeros(3), jac=quad.hypergradient, method="L-BFGS-B",
                      bounds=[(lo, hi)] * 3, options={"gtol": 1e-12, "ftol": 1e-15})
    res = optkit.minimize(q, np.zeros(3), method="bilevel-penalty", tol=1e-6,
                          options={"maxiter": 2000, "x_step": 0.3, "sigma": 1e-4,
                                   "inner_steps": 30})
    assert np.all(res.x >= lo) and np.all(res.x <= hi)
    np.testing.assert_allclose(res.x, ref.x, atol=2e-3)
    # the other methods refuse constrained levels, naming the one that projects
    with pytest.raises(ValueError, match="bilevel-penalty"):
        optkit.minimize(q, np.zeros(3), method="f2sa")


def test_lower_level_without_strong_convexity():
    q = quadratic_bilevel(2, 4, cond=3.0, seed=1, singular=1)
    x_opt, y_opt = q.optimistic_solution()
    for method in ("f2sa", "bo-rep", "aid-cg"):
        with pytest.raises(ValueError, match="requires a strongly convex lower level.*"
                                             "'bilevel-penalty', 'sl-bamm'"):
            optkit.minimize(q, np.zeros(2), method=method)
    pen = optkit.minimize(q, np.zeros(2), method="bilevel-penalty", tol=1e-300,
                          options={"maxiter": 400, "sigma": 1e-3, "x_step": 0.3,
                                   "inner_steps": 20})
    np.testing.assert_allclose(pen.x, x_opt, atol=1e-3)
    bamm = optkit.minimize(q, np.zeros(2), method="sl-bamm", tol=1e-300,
                           options={"maxiter": 1500, "x_step": 0.3})
    np.testing.assert_allclose(bamm.x, x_opt, atol=5e-3)
    # the averaged y step selects the lower solution that is best for f
    np.testing.assert_allclose(bamm.y, y_opt, atol=2e-2)


def _problem_from(q, **over):
    kw = dict(upper_grad=q.upper_grad, lower_grad=q.lower_grad, lower_hvp=q.lower_hvp,
              lower_cross=q.lower_cross, dim_x=q.dim_x, dim_y=q.dim_y, lower_mu=q.lower_mu,
              lower_L=q.lower_L, upper_L=q.upper_L)
    kw.update(over)
    return BilevelProblem(q.upper, q.lower, **{k: v for k, v in kw.items() if v is not None})


@pytest.mark.parametrize("method", ["aid-cg", "bo-rep", "sl-bamm"])
def test_hessian_vector_methods_need_the_second_order_oracles(method, quad):
    p = _problem_from(quad, lower_hvp=None)
    with pytest.raises(ValueError, match=f"{method!r} needs `lower_hvp`"):
        optkit.minimize(p, np.zeros(3), method=method)
    # the first-order methods run on it
    optkit.minimize(p, np.zeros(3), method="f2sa", options={"maxiter": 3})


@pytest.mark.parametrize("method", METHODS)
def test_nan_from_a_user_oracle_stops_with_status_3(method, quad):
    calls = {"n": 0}

    def lower_grad(x, y):
        calls["n"] += 1
        gx, gy = quad.lower_grad(x, y)
        return (gx, gy * np.nan) if calls["n"] > 40 else (gx, gy)

    p = _problem_from(quad, lower_grad=lower_grad)
    opts = {"maxiter": 200, **CASES[method][0]}
    res = optkit.minimize(p, np.zeros(3), method=method, tol=1e-300, options=opts)
    assert res.status == 3, res.message
    assert "NaN" in res.message or "non-finite" in res.message
    assert np.all(np.isfinite(res.x)) and np.all(np.isfinite(res.y))
    calls["n"] = -10 ** 9                                   # never NaN: the run stopped before
    stopped = optkit.minimize(p, np.zeros(3), method=method, tol=1e-300,
                              options={**opts, "maxiter": res.nit})
    np.testing.assert_array_equal(res.x, stopped.x)


def test_schedule_and_step_conditions_warn(quad):
    with pytest.warns(OptimizeWarning, match=r"y_step \(l_g \+ sigma l_f\) <= 1"):
        optkit.minimize(quad, np.zeros(3), method="bilevel-penalty",
                        options={"maxiter": 2, "y_step": 10.0})
    with pytest.warns(OptimizeWarning, match=r"neumann_step \* lower_L <= 1"):
        optkit.minimize(quad, np.zeros(3), method="aid-cg",
                        options={"maxiter": 2, "linear_solver": "neumann",
                                 "neumann_step": 10.0})
    with pytest.warns(OptimizeWarning, match=r"v_step \* lower_L <= 1"):
        optkit.minimize(quad, np.zeros(3), method="bo-rep", options={"maxiter": 2,
                                                                     "v_step": 10.0})
    with pytest.warns(OptimizeWarning, match=r"y_step \(l_f \+ l_g\) <= 1"):
        optkit.minimize(quad, np.zeros(3), method="sl-bamm", options={"maxiter": 2,
                                                                      "y_step": 10.0})
    with pytest.raises(ValueError, match="Option `mu_rate`"):
        optkit.minimize(quad, np.zeros(3), method="sl-bamm", options={"mu_rate": 0.0})


def test_exact_certificate_needs_a_problem_that_computes_it(quad):
    p = _problem_from(quad)
    with pytest.raises(ValueError, match="certificate='exact'"):
        optkit.minimize(p, np.zeros(3), method="f2sa", options={"certificate": "exact"})
    # 'estimate' on a problem that could be exact: the method's own estimate
    res = optkit.minimize(quad, np.zeros(3), method="aid-cg", tol=1e-300,
                          options={"maxiter": 5, "certificate": "estimate", "x_step": 0.3})
    assert res.certificate == res.hypergrad_est
    assert res.trace["certificate"][0] == np.finfo(float).max      # no estimate at the start
