"""bcd on Lasso / elastic net / box problems against scikit-learn and cvxpy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import optkit
from optkit.problems import CompositeProblem
from optkit.problems.composite import Box, L1, NonNegative
from optkit.problems.glm import LeastSquares
from optkit.problems.composite import ElasticNet, Lasso

sklm = pytest.importorskip("sklearn.linear_model")


def _data(sparse, seed=0, n=60, d=30):
    rng = np.random.default_rng(seed)
    if sparse:
        X = sp.random(n, d, density=0.3, random_state=seed, format="csr",
                      data_rvs=rng.standard_normal)
    else:
        X = rng.standard_normal((n, d))
    w = np.zeros(d)
    w[:4] = [3.0, -2.0, 1.5, 1.0]
    y = np.asarray(X @ w) + 0.1 * rng.standard_normal(n)
    return X, y


RULE_OPTIONS = [
    {},                                                     # cyclic, residual kernel
    {"rule": "random", "seed": 3},
    {"rule": "gs-s"},                                       # Gram kernel
    {"rule": "gs-r"},
    {"rule": "gs-q"},
    {"rule": "gs", "gram": False},                          # greedy on the residual kernel
    {"blocks": "variable", "update": "matrix", "rule": "gs-s"},   # working set
    {"blocks": "contiguous", "block_size": 4, "rule": "gsq", "update": "matrix"},
    {"certificate": "gap"},
]


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("opts", RULE_OPTIONS, ids=lambda o: "-".join(map(str, o.values()))
                         or "default")
def test_lasso_equals_sklearn(sparse, opts):
    X, y = _data(sparse)
    alpha = 0.05
    ref = sklm.Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=200_000).fit(X, y)
    res = optkit.minimize(Lasso(X, y, alpha), method="bcd", tol=1e-12,
                          options=dict(opts, maxiter=500_000))
    assert res.success, res.message
    np.testing.assert_allclose(res.x, ref.coef_, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(res.x != 0, ref.coef_ != 0)
    assert res.nnz == np.count_nonzero(ref.coef_)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_elastic_net_equals_sklearn(sparse):
    X, y = _data(sparse, seed=1)
    ref = sklm.ElasticNet(alpha=0.1, l1_ratio=0.3, fit_intercept=False, tol=1e-14,
                          max_iter=200_000).fit(X, y)
    for opts in ({}, {"rule": "gs-q"}, {"certificate": "gap"}):
        res = optkit.minimize(ElasticNet(X, y, 0.1, 0.3), method="bcd", tol=1e-12,
                              options=opts)
        assert res.success
        np.testing.assert_allclose(res.x, ref.coef_, rtol=0, atol=1e-8)
        np.testing.assert_array_equal(res.x != 0, ref.coef_ != 0)


def test_lasso_and_box_equal_cvxpy():
    cp = pytest.importorskip("cvxpy")
    X, y = _data(False, seed=2, n=40, d=15)
    n, d = X.shape
    w = cp.Variable(d)
    data = cp.sum_squares(X @ w - y) / (2 * n)
    ref = cp.Problem(cp.Minimize(data + 0.1 * cp.norm1(w))).solve(
        solver=cp.CLARABEL, tol_gap_abs=1e-13, tol_gap_rel=1e-13, tol_feas=1e-13)
    assert ref is not None
    res = optkit.minimize(Lasso(X, y, 0.1), method="bcd", tol=1e-12)
    np.testing.assert_allclose(res.x, w.value, atol=1e-7)
    assert abs(res.fun - ref) <= 1e-10
    # box [-0.5, 1] plus nonnegativity (their sum is the box [0, 1])
    box = Box(-0.5, 1.0) + NonNegative()
    prob = CompositeProblem(LeastSquares(X, y), box)
    ref = cp.Problem(cp.Minimize(data), [w >= 0, w <= 1]).solve(
        solver=cp.CLARABEL, tol_gap_abs=1e-13, tol_gap_rel=1e-13, tol_feas=1e-13)
    for opts in ({}, {"rule": "gs-r"}):
        res = optkit.minimize(prob, method="bcd", tol=1e-11, options=opts)
        assert res.success
        np.testing.assert_allclose(res.x, w.value, atol=1e-7)
        assert abs(res.fun - ref) <= 1e-10
        assert res.x.min() >= 0 and res.x.max() <= 1


def test_duality_gap_bounds_suboptimality():
    X, y = _data(False, seed=4)
    prob = Lasso(X, y, 0.02)
    best = optkit.minimize(prob, method="bcd", tol=1e-13).fun
    for maxiter in (30, 90, 300):
        res = optkit.minimize(prob, method="bcd",
                              options={"certificate": "gap", "maxiter": maxiter})
        assert res.gap >= res.fun - best - 1e-14
        assert res.gap >= 0


def test_alpha_max_gives_zero_and_active_set_is_reported():
    X, y = _data(False, seed=5)
    prob = Lasso(X, y, 1.0)
    zero = optkit.minimize(Lasso(X, y, prob.alpha_max() * (1 + 1e-9)), method="bcd")
    assert zero.nnz == 0
    res = optkit.minimize(Lasso(X, y, 0.05), method="bcd", tol=1e-12,
                          options={"updates_per_step": 5})
    at = res.active_set_identified_at
    nnz = res.trace["nnz"]
    nit = res.trace["nit"]
    assert 0 < at < res.nit
    assert np.all(nnz[nit >= at] == res.nnz)


def test_bad_input_messages():
    X, y = _data(False)
    with pytest.raises(ValueError, match="alpha"):
        Lasso(X, y, -1.0)
    with pytest.raises(ValueError, match="l1_ratio"):
        ElasticNet(X, y, 0.1, 1.5)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="`X`"):
        Lasso(Xn, y, 0.1)
    yn = y.copy()
    yn[0] = np.inf
    with pytest.raises(ValueError, match="`y`"):
        Lasso(X, yn, 0.1)
    prob = Lasso(X, y, 0.1)
    with pytest.raises(ValueError, match="rule.*'cyclic'.*'gsq'"):
        optkit.minimize(prob, method="bcd", options={"rule": "best"})
    with pytest.raises(ValueError, match="update.*'lipschitz'.*'newton'"):
        optkit.minimize(prob, method="bcd", options={"update": "exact"})
    with pytest.raises(ValueError, match="blocks.*'coordinates'.*'variable'"):
        optkit.minimize(prob, method="bcd", options={"blocks": "rows"})
    d = X.shape[1]
    bad = [np.arange(0, 10), np.arange(9, d)]          # 9 twice
    with pytest.raises(ValueError, match="partition.*exactly once"):
        optkit.minimize(prob, method="bcd", options={"blocks": "partition", "partition": bad})
    with pytest.raises(ValueError, match="partition.*exactly once"):
        optkit.minimize(prob, method="bcd", options={"blocks": "partition",
                                                     "partition": [np.arange(d - 1)]})
    with pytest.raises(ValueError, match="certificate='gap'"):
        optkit.minimize(CompositeProblem(LeastSquares(X, y), NonNegative()), method="bcd",
                        options={"certificate": "gap"})
    with pytest.raises(ValueError, match="alpha"):
        L1(-0.5)


def test_partition_solves_lasso():
    X, y = _data(True, seed=6)
    d = X.shape[1]
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, size=d)
    ref = sklm.Lasso(alpha=0.05, fit_intercept=False, tol=1e-14, max_iter=200_000).fit(X, y)
    for opts in ({"rule": "gsl"}, {"rule": "cyclic", "update": "diagonal"},
                 {"rule": "lipschitz-sampling", "seed": 1, "update": "matrix"}):
        res = optkit.minimize(Lasso(X, y, 0.05), method="bcd", tol=1e-12,
                              options=dict(opts, blocks="partition", partition=labels))
        assert res.success, (opts, res.message)
        np.testing.assert_allclose(res.x, ref.coef_, atol=1e-8)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_l1_logistic_equals_sklearn(sparse):
    from optkit.problems.composite import L1LogisticRegression

    rng = np.random.default_rng(7)
    n, d = 120, 15
    X = rng.standard_normal((n, d))
    if sparse:
        X[rng.random((n, d)) < 0.5] = 0.0
        X = sp.csr_matrix(X)
    w = np.zeros(d)
    w[:3] = [2.0, -1.5, 1.0]
    y = np.where(np.asarray(X @ w) + 0.3 * rng.standard_normal(n) > 0, 1.0, -1.0)
    alpha = 0.02
    ref = sklm.LogisticRegression(l1_ratio=1.0, C=1.0 / (alpha * n), solver="liblinear",
                                  fit_intercept=False, tol=1e-12, max_iter=100_000).fit(X, y)
    ref_w = ref.coef_.ravel()
    prob = L1LogisticRegression(X, y, alpha)
    for opts in ({"update": "newton"}, {}, {"rule": "gs-q"},
                 {"blocks": "variable", "rule": "gs-s", "update": "newton"}):
        res = optkit.minimize(prob, method="bcd", tol=1e-10, options=opts)
        assert res.success, (opts, res.message)
        # liblinear's own accuracy limits the comparison: 1e-6 on w, support identical,
        # and optkit's objective no worse than liblinear's
        np.testing.assert_allclose(res.x, ref_w, atol=1e-6)
        np.testing.assert_array_equal(res.x != 0, ref_w != 0)
        assert res.fun <= prob.fun(ref_w) + 1e-12
