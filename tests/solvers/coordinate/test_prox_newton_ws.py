"""prox-newton-ws on L1 / elastic-net logistic regression (proximal Newton,
newGLMNET-type) against scikit-learn (liblinear, saga) and cvxpy (Clarabel)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import optkit
from optkit.problems import CompositeProblem
from optkit.problems.composite import L1, ElasticNetPenalty, NonNegative, SeparablePenalty
from optkit.problems.composite import L1LogisticRegression
from optkit.problems.glm import LogisticRegression, SoftmaxRegression

sklm = pytest.importorskip("sklearn.linear_model")

WS = {}


def _data(fmt, seed=0, n=120, d=40, k=5):
    """Binary classification data with a sparse true w; fmt in {'dense', 'csr', 'csc'}."""
    rng = np.random.default_rng(seed)
    if fmt == "dense":
        X = rng.standard_normal((n, d))
    else:
        X = sp.random(n, d, density=0.3, random_state=seed, format=fmt,
                      data_rvs=rng.standard_normal)
    w = np.zeros(d)
    w[:k] = rng.uniform(1.0, 2.0, k) * rng.choice([-1.0, 1.0], k)
    p = 1.0 / (1.0 + np.exp(-np.asarray(X @ w)))
    y = np.where(rng.random(n) < p, 1.0, -1.0)
    return X, y


def _sklearn(X, y, alpha, solver):
    n = X.shape[0]
    model = sklm.LogisticRegression(l1_ratio=1.0, C=1.0 / (alpha * n), solver=solver,
                                    fit_intercept=False, tol=1e-12, max_iter=100_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y).coef_.ravel()


def _cvxpy(X, y, l1, l2, *, intercept=False, nonneg=False):
    """argmin 1/n sum log(1 + exp(-y_i z_i)) + sum l1|w| + l2/2 w^2 (z = Xw (+ b))."""
    cp = pytest.importorskip("cvxpy")
    X = X.toarray() if sp.issparse(X) else X
    n, p = X.shape
    w = cp.Variable(p)
    z = X @ w
    b = None
    if intercept:
        b = cp.Variable()
        z = z + b
    obj = cp.sum(cp.logistic(-cp.multiply(y, z))) / n + cp.sum(cp.multiply(l1, cp.abs(w))) \
        + 0.5 * cp.sum(cp.multiply(l2, cp.square(w)))
    cons = [w >= 0] if nonneg else []
    prob = cp.Problem(cp.Minimize(obj), cons)
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12,
               max_iter=500)
    out = np.asarray(w.value).ravel()
    return np.append(out, float(b.value)) if intercept else out


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("frac", [0.5, 0.1])
def test_l1_logistic_working_set_equals_sklearn_and_cvxpy(fmt, frac):
    X, y = _data(fmt)
    n = X.shape[0]
    g0 = np.abs(np.asarray(X.T @ y).ravel()) / (2 * n)      # alpha_max = ||X'y||_inf / (2n)
    alpha = frac * float(g0.max())
    res = optkit.minimize(L1LogisticRegression(X, y, alpha), method="prox-newton-ws", tol=1e-12,
                          options=WS)
    assert res.success and res.gap <= 1e-12
    lib = _sklearn(X, y, alpha, "liblinear")
    np.testing.assert_allclose(res.x, lib, atol=1e-6)
    np.testing.assert_array_equal(res.x != 0, lib != 0)
    ref = _cvxpy(X, y, alpha, 0.0)
    np.testing.assert_allclose(res.x, ref, atol=1e-6)
    assert 0 < res.nnz < X.shape[1]


def test_l1_logistic_working_set_equals_saga():
    X, y = _data("csr", seed=3, n=80, d=20)
    alpha = 0.02
    res = optkit.minimize(L1LogisticRegression(X, y, alpha), method="prox-newton-ws", tol=1e-12,
                          options=WS)
    saga = _sklearn(X, y, alpha, "saga")
    np.testing.assert_allclose(res.x, saga, atol=1e-6)
    np.testing.assert_array_equal(res.x != 0, saga != 0)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_elastic_net_logistic_with_ridge_equals_cvxpy(fmt):
    # l1/l2 from the penalty (per-coordinate weights) plus the problem's mu
    X, y = _data(fmt, seed=1)
    d = X.shape[1]
    l1 = np.linspace(0.005, 0.03, d)
    pen = ElasticNetPenalty(0.02, l1_ratio=0.6) + SeparablePenalty(l1=l1)
    prob = CompositeProblem(LogisticRegression(X, y, mu=0.01), pen)
    res = optkit.minimize(prob, method="prox-newton-ws", tol=1e-12, options=WS)
    assert res.success
    l1_tot = 0.02 * 0.6 + l1
    l2_tot = 0.02 * 0.4 + 0.01
    ref = _cvxpy(X, y, l1_tot, np.full(d, l2_tot))
    np.testing.assert_allclose(res.x, ref, atol=1e-6)
    # the plain (non working-set) bcd agrees: the same problem
    plain = optkit.minimize(prob, method="bcd", tol=1e-10, options={"update": "newton"})
    np.testing.assert_allclose(res.x, plain.x, atol=1e-7)
    np.testing.assert_array_equal(res.x != 0, plain.x != 0)


def test_intercept_and_box_equal_cvxpy():
    X, y = _data("csr", seed=2, n=100, d=25)
    y = np.where(np.arange(100) < 70, 1.0, y)               # unbalanced: a real intercept
    d = X.shape[1]
    l1 = np.append(np.full(d, 0.01), 0.0)                    # intercept not penalized
    prob = CompositeProblem(LogisticRegression(X, y, fit_intercept=True), L1(l1))
    res = optkit.minimize(prob, method="prox-newton-ws", tol=1e-12, options=WS)
    ref = _cvxpy(X, y, l1[:-1], 0.0, intercept=True)
    np.testing.assert_allclose(res.x, ref, atol=1e-6)
    assert abs(res.x[-1]) > 0.1
    box = CompositeProblem(LogisticRegression(X, y), L1(0.005) + NonNegative())
    res = optkit.minimize(box, method="prox-newton-ws", tol=1e-12, options=WS)
    assert res.success and np.all(res.x >= 0)
    np.testing.assert_allclose(res.x, _cvxpy(X, y, 0.005, 0.0, nonneg=True), atol=1e-6)


def test_working_set_result_fields_and_warm_start():
    X, y = _data("dense", seed=4)
    prob = L1LogisticRegression(X, y, 0.02)
    res = optkit.minimize(prob, method="prox-newton-ws", tol=1e-10, options=WS)
    # the certificate is the prox-gradient mapping norm, recomputed here with NumPy
    g = prob.smooth.grad(res.x)
    v = res.x - g
    pgm = np.max(np.abs(res.x - np.sign(v) * np.maximum(np.abs(v) - 0.02, 0.0)))
    assert res.gap == pytest.approx(pgm, rel=1e-6, abs=1e-15) and res.gap <= 1e-10
    assert res.fun == pytest.approx(prob.fun(res.x), rel=1e-12)
    assert res.n_screened == 0 and res.nnz == np.count_nonzero(res.x)
    assert res.nit < 30                                   # Newton: few outer iterations
    again = optkit.minimize(prob, res.x, method="prox-newton-ws", tol=1e-10, options=WS)
    assert again.nit <= 1
    np.testing.assert_allclose(again.x, res.x, atol=1e-10)


def test_working_set_bad_input_names_the_option():
    X, y = _data("dense")
    rng = np.random.default_rng(0)
    soft = CompositeProblem(SoftmaxRegression(X, rng.integers(0, 3, X.shape[0])), L1(0.01))
    with pytest.raises(ValueError, match="prox-newton-ws.*logistic-regression"):
        optkit.minimize(soft, method="prox-newton-ws", options=WS)
    # bcd's former working-set mode points at the two methods
    with pytest.raises(ValueError, match="working_set.*ws-lasso.*prox-newton-ws"):
        optkit.minimize(L1LogisticRegression(X, y, 0.01), method="bcd",
                        options={"working_set": True})
    with pytest.raises(ValueError, match="inner_tol"):
        optkit.minimize(L1LogisticRegression(X, y, 0.01), method="prox-newton-ws",
                        options=dict(WS, inner_tol=0.0))


def test_unreachable_tol_stops_with_a_clear_failure():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 40))
    y = np.sign(X[:, 0] + 0.5 * rng.standard_normal(300))
    res = optkit.minimize(L1LogisticRegression(X, y, 0.01), method="prox-newton-ws", tol=1e-19,
                          options=WS)
    assert res.status == 5 and "rounding floor" in res.message and res.nit < 100
