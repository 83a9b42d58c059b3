"""ws-lasso (working sets + gap-safe screening) against scikit-learn."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import optkit
from optkit.problems import CompositeProblem
from optkit.problems.composite import L1, NonNegative
from optkit.problems.glm import LeastSquares, SoftmaxRegression
from optkit.problems.composite import ElasticNet, Lasso
from optkit.problems.synthetic import QuadraticProblem

sklm = pytest.importorskip("sklearn.linear_model")

WS = {}


def _data(fmt, seed=0, n=80, d=200, k=6):
    """Sparse-solution regression data (d > n); fmt in {'dense', 'csr', 'csc'}."""
    rng = np.random.default_rng(seed)
    if fmt == "dense":
        X = rng.standard_normal((n, d))
    else:
        X = sp.random(n, d, density=0.2, random_state=seed, format=fmt,
                      data_rvs=rng.standard_normal)
    w = np.zeros(d)
    w[:k] = rng.uniform(1.0, 3.0, k) * rng.choice([-1.0, 1.0], k)
    y = np.asarray(X @ w) + 0.1 * rng.standard_normal(n)
    return X, y


def _sklearn(model, X, y):
    Xs = X.tocsc() if sp.issparse(X) else X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(Xs, y).coef_


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("frac", [0.3, 0.05])
def test_lasso_working_set_equals_sklearn(fmt, frac):
    X, y = _data(fmt)
    prob = Lasso(X, y, 1.0)
    alpha = frac * prob.alpha_max()
    res = optkit.minimize(Lasso(X, y, alpha), method="ws-lasso", tol=1e-14, options=WS)
    ref = _sklearn(sklm.Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=200_000),
                   X, y)
    assert res.success
    np.testing.assert_allclose(res.x, ref, atol=1e-8)
    np.testing.assert_array_equal(res.x != 0, ref != 0)
    assert res.gap <= 1e-14


@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_elastic_net_working_set_equals_sklearn(fmt):
    X, y = _data(fmt, seed=1)
    alpha = 0.05 * Lasso(X, y, 1.0).alpha_max()
    res = optkit.minimize(ElasticNet(X, y, alpha, l1_ratio=0.7), method="ws-lasso", tol=1e-14,
                          options=WS)
    ref = _sklearn(sklm.ElasticNet(alpha=alpha, l1_ratio=0.7, fit_intercept=False,
                                   tol=1e-14, max_iter=200_000), X, y)
    assert res.success
    # both stop at a per-sample gap ~1e-14: the objective agrees to rounding, and the
    # ridge part (strong convexity l2 = 0.3 alpha) bounds ||w - w*||^2 <= 2 gap / l2
    prob = ElasticNet(X, y, alpha, l1_ratio=0.7)
    assert prob.fun(res.x) == pytest.approx(prob.fun(ref), rel=1e-13)
    assert np.max(np.abs(res.x - ref)) <= 2 * np.sqrt(2 * 2e-14 / (0.3 * alpha))


@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_screened_coordinates_are_zero_at_the_optimum(fmt):
    X, y = _data(fmt, seed=2)
    alpha = 0.1 * Lasso(X, y, 1.0).alpha_max()
    prob = Lasso(X, y, alpha)
    res = optkit.minimize(prob, method="ws-lasso", tol=1e-10, options=WS)
    # the screening state of the solver that produced res
    solver = optkit.solvers.coordinate.WorkingSetLasso()
    oracle = solver.make_oracle(prob, X.shape[1])
    state = solver.init(oracle, np.zeros(X.shape[1]), 1e-10)
    while state.gap > 1e-10:
        state = solver.step(state, 1)
    screened = state.run.active == 0
    assert screened.sum() == res.n_screened > X.shape[1] // 2
    ref = _sklearn(sklm.Lasso(alpha=alpha, fit_intercept=False, tol=1e-15,
                              max_iter=500_000), X, y)
    assert np.all(ref[screened] == 0)               # safe: never discards a nonzero
    # and the full KKT conditions hold there with room to spare
    grad = np.asarray(X.T @ (X @ ref - y)).ravel() / X.shape[0]
    assert np.all(np.abs(grad[screened]) < alpha)


def test_gap_is_a_true_bound_at_every_iteration():
    X, y = _data("dense", seed=3)
    prob = Lasso(X, y, 0.05 * Lasso(X, y, 1.0).alpha_max())
    best = optkit.minimize(prob, method="ws-lasso", tol=1e-13, options=WS).fun
    res = optkit.minimize(prob, method="ws-lasso", tol=1e-12, options=WS)
    assert res.nit >= 2
    for k in range(1, res.nit + 1):
        r = optkit.minimize(prob, method="ws-lasso", options=dict(WS, maxiter=k))
        assert r.gap >= 0
        assert r.gap >= r.fun - best - 1e-13
        assert r.fun == pytest.approx(prob.fun(r.x), rel=1e-12, abs=1e-14)


def test_without_screening_and_with_a_ridge_term():
    X, y = _data("csr", seed=4)
    alpha = 0.1 * Lasso(X, y, 1.0).alpha_max()
    a = optkit.minimize(Lasso(X, y, alpha), method="ws-lasso", tol=1e-13,
                        options=dict(WS, screening="none"))
    b = optkit.minimize(Lasso(X, y, alpha), method="bcd", tol=1e-13)
    assert a.n_screened == 0
    np.testing.assert_allclose(a.x, b.x, atol=1e-8)
    # least squares with mu > 0 plus an L1 penalty is an elastic net
    from optkit.problems.composite import L1
    prob = CompositeProblem(LeastSquares(X, y, mu=0.3), L1(alpha))
    c = optkit.minimize(prob, method="ws-lasso", tol=1e-13, options=WS)
    rho = alpha / (alpha + 0.3)
    ref = _sklearn(sklm.ElasticNet(alpha=alpha + 0.3, l1_ratio=rho, fit_intercept=False,
                                   tol=1e-15, max_iter=200_000), X, y)
    assert c.gap <= 1e-13
    # F is 0.3-strongly convex: ||w - w*||^2 <= 2 gap / 0.3
    assert np.max(np.abs(c.x - ref)) <= np.sqrt(2 * 1e-13 / 0.3)
    assert prob.fun(c.x) == pytest.approx(prob.fun(ref), rel=1e-13)


def test_problem_cache_reuses_layouts():
    X, y = _data("csr", seed=5)
    Xc = X.tocsc()
    prob = Lasso(Xc, y, 0.1)
    # a CSC input is used as given: no copy, and no CSR conversion for a working-set solve
    assert prob.smooth.csc() is Xc
    r1 = optkit.minimize(prob, method="ws-lasso", tol=1e-10, options=WS)
    assert prob.alpha_max() == pytest.approx(np.max(np.abs(X.T @ y)) / X.shape[0], rel=1e-14)
    assert not prob.smooth.has_row_copy
    from optkit.solvers.coordinate._models import coord_cache
    cached = dict(coord_cache(prob))
    assert "_bcd_cache" not in vars(prob)           # nothing stored on the user's object
    r2 = optkit.minimize(prob, method="ws-lasso", tol=1e-10, options=WS)
    assert coord_cache(prob)["colsq"] is cached["colsq"]
    np.testing.assert_array_equal(r1.x, r2.x)
    # the CSR copy is made on demand and gives the same objective
    assert prob.smooth.X.format == "csr"
    ref = optkit.minimize(Lasso(X, y, 0.1), method="ws-lasso", tol=1e-10, options=WS)
    np.testing.assert_allclose(r1.x, ref.x, atol=1e-12)
    assert prob.fun(r1.x) == pytest.approx(ref.fun, rel=1e-12)


def test_working_set_bad_input():
    X, y = _data("dense")
    labels = np.random.default_rng(0).integers(0, 3, X.shape[0])
    with pytest.raises(ValueError, match="ws-lasso"):
        optkit.minimize(CompositeProblem(SoftmaxRegression(X, labels), L1(0.01)),
                        method="ws-lasso", options=WS)
    with pytest.raises(ValueError, match="ws-lasso"):
        optkit.minimize(CompositeProblem(QuadraticProblem(np.eye(3), np.ones(3)), L1(0.1)),
                        method="ws-lasso", options=WS)
    with pytest.raises(ValueError, match="ws-lasso"):
        optkit.minimize(CompositeProblem(LeastSquares(X, y), NonNegative()), method="ws-lasso",
                        options=WS)
    with pytest.raises(ValueError, match="screening.*'gap-safe'"):
        optkit.minimize(Lasso(X, y, 0.1), method="ws-lasso",
                        options=dict(WS, screening="strong"))


def test_nonzero_start_on_an_empty_column_goes_to_zero():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 8))
    X[:, 3] = 0.0
    y = X[:, :2] @ [1.0, -2.0] + 0.1 * rng.standard_normal(40)
    x0 = np.zeros(8)
    x0[3] = 0.5
    res = optkit.minimize(Lasso(X, y, 0.05), x0, method="ws-lasso", tol=1e-10,
                          options=dict(WS, screening="none", maxiter=200))
    assert res.success and res.x[3] == 0.0
    ref = _sklearn(sklm.Lasso(alpha=0.05, fit_intercept=False, tol=1e-14, max_iter=100_000),
                   X, y)
    np.testing.assert_allclose(res.x, ref, atol=1e-7)


def test_unreachable_tol_stops_with_a_clear_failure():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 50)) * 30
    y = X @ rng.standard_normal(50) * 10
    res = optkit.minimize(Lasso(X, y, 0.01), method="ws-lasso", tol=1e-17, options=WS)
    assert res.status == 5 and "rounding floor" in res.message
    assert res.nit < 100 and np.isfinite(res.gap) and res.gap < 1e-6


def test_anderson_option_and_csc_access_bad_input():
    X, y = _data("dense")
    with pytest.raises(ValueError, match="anderson"):
        optkit.minimize(Lasso(X, y, 0.1), method="ws-lasso", options=dict(WS, anderson=-1))
    with pytest.raises(ValueError, match="csc"):
        LeastSquares(X, y).csc()
    # anderson=0 (plain cyclic CD in the inner solves) reaches the same solution
    a = optkit.minimize(Lasso(X, y, 0.1), method="ws-lasso", tol=1e-12, options=dict(WS, anderson=0))
    b = optkit.minimize(Lasso(X, y, 0.1), method="ws-lasso", tol=1e-12, options=WS)
    np.testing.assert_allclose(a.x, b.x, atol=1e-8)
