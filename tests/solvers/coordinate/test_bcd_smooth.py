"""bcd on smooth problems (penalty-free CompositeProblem): rules, blocks, updates."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp

import optkit
from optkit.problems import CompositeProblem, SmoothProblem
from optkit.problems.glm import LeastSquares, LogisticRegression, SoftmaxRegression
from optkit.problems.synthetic import QuadraticProblem


def _scaled_quadratic(seed, d=40, k=4):
    """SPD quadratic whose blocks of k coordinates have very unequal Lipschitz constants."""
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((d, d))
    A = M @ M.T / d + 0.5 * np.eye(d)
    s = np.repeat(np.exp(rng.uniform(-1.5, 1.5, d // k)), k)
    A = s[:, None] * A * s[None, :]
    return CompositeProblem(QuadraticProblem(A, rng.standard_normal(d)))


def test_greedy_rules_progress_ordering():
    """Nutini et al.: iterations to 1e-8, GSQ <= GSD <= GSL <= GS < random (5 seeds)."""
    pairs = {"random": ("random", "lipschitz"), "gs": ("gs", "lipschitz"),
             "gsl": ("gsl", "lipschitz"), "gsd": ("gsd", "diagonal"), "gsq": ("gsq", "matrix")}
    its = {k: [] for k in pairs}
    for seed in range(5):
        prob = _scaled_quadratic(seed)
        for key, (rule, update) in pairs.items():
            res = optkit.minimize(prob, method="bcd", tol=1e-8, options=dict(
                rule=rule, update=update, blocks="contiguous", block_size=4, seed=seed,
                updates_per_step=1, trace=False, maxiter=100_000))
            assert res.success
            np.testing.assert_allclose(res.x, prob.smooth.x_star, atol=1e-6)
            its[key].append(res.nit)
    m = {k: np.mean(v) for k, v in its.items()}
    assert m["gsq"] <= m["gsd"] <= m["gsl"] <= m["gs"] < m["random"], m


@pytest.mark.parametrize("opts", [
    {"rule": "cyclic"}, {"rule": "gsq", "blocks": "variable", "block_size": 5,
                         "update": "matrix"},
    {"rule": "gsd", "blocks": "variable", "block_size": 3, "update": "diagonal"},
    {"rule": "gs", "blocks": "variable", "block_size": 3},
    {"rule": "lipschitz-sampling", "seed": 0}, {"rule": "gsl", "blocks": "contiguous",
                                                "block_size": 3, "update": "newton"},
])
def test_least_squares_matches_lstsq(opts):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((60, 12)) * np.exp(rng.uniform(-1, 1, 12))
    b = rng.standard_normal(60)
    ref = np.linalg.lstsq(A, b, rcond=None)[0]
    for X in (A, sp.csr_matrix(A)):
        res = optkit.minimize(CompositeProblem(LeastSquares(X, b)), method="bcd", tol=1e-11,
                              options=dict(opts, maxiter=2_000_000))
        assert res.success, res.message
        np.testing.assert_allclose(res.x, ref, atol=1e-7)


def _scipy_reference(prob, d):
    return scipy.optimize.minimize(prob.fun, np.zeros(d), jac=prob.grad, hess=prob.hess,
                                   method="trust-exact", options={"gtol": 1e-13}).x


@pytest.mark.parametrize("opts", [{}, {"update": "newton"}, {"rule": "gsq"},
                                  {"rule": "gs", "blocks": "variable", "update": "newton",
                                   "block_size": 4}])
def test_logistic_matches_scipy(opts):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((80, 8))
    y = np.where(X @ rng.standard_normal(8) + 0.5 * rng.standard_normal(80) > 0, 1, -1)
    for fit_intercept in (False, True):
        smooth = LogisticRegression(X, y, mu=0.05, fit_intercept=fit_intercept)
        ref = _scipy_reference(smooth, smooth.dim)
        res = optkit.minimize(CompositeProblem(smooth), method="bcd", tol=1e-10, options=opts)
        assert res.success, res.message
        np.testing.assert_allclose(res.x, ref, atol=1e-7)


def test_softmax_matches_sklearn():
    sklm = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(3)
    X = rng.standard_normal((90, 4))
    Y = rng.integers(0, 3, size=90)
    mu = 0.1
    smooth = SoftmaxRegression(X, Y, mu=mu)
    ref = sklm.LogisticRegression(C=1.0 / (mu * 90), fit_intercept=False, tol=1e-14,
                                  max_iter=10_000).fit(X, Y).coef_.T
    # sklearn's multinomial W is unique up to the (penalized, hence zero) row shift
    for opts in ({"rule": "cyclic"}, {"rule": "gsl", "blocks": "contiguous", "block_size": 3},
                 {"rule": "gsq", "blocks": "contiguous", "block_size": 3, "update": "newton"}):
        res = optkit.minimize(CompositeProblem(smooth), method="bcd", tol=1e-11, options=opts)
        assert res.success, res.message
        np.testing.assert_allclose(res.x, ref.ravel(), atol=1e-7)


def test_gsq_without_hessian_is_refused():
    A = np.diag([1.0, 4.0, 9.0])
    prob = CompositeProblem(SmoothProblem(lambda x: 0.5 * x @ A @ x, grad=lambda x: A @ x,
                                          x0=np.ones(3)))
    for opts in ({"rule": "gsq"}, {"update": "matrix"}, {"update": "newton"}):
        with pytest.raises(ValueError, match="block Hessians.*no `hess`"):
            optkit.minimize(prob, method="bcd", options=opts)
    res = optkit.minimize(prob, method="bcd", tol=1e-10, options={"rule": "gsl",
                                                                  "lipschitz": [1, 4, 9]})
    np.testing.assert_allclose(res.x, 0, atol=1e-9)


def test_variable_blocks_need_a_greedy_rule():
    prob = _scaled_quadratic(0)
    with pytest.raises(ValueError, match="greedy rule"):
        optkit.minimize(prob, method="bcd", options={"blocks": "variable", "rule": "cyclic"})
