"""Support Newton steps of bcd (the superlinear phase after active-set identification)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sklm

import optkit
from optkit.problems.composite import L1LogisticRegression, Lasso
from optkit.solvers.coordinate._support_newton import _orthant_limit


def _data(seed=0, n=200, d=60, sparse=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * np.exp(rng.uniform(-2, 2, d))
    X[:, 1:10] += 3 * X[:, [0]]                       # ill-conditioned: slow plain CD
    y = X[:, :5] @ rng.standard_normal(5) + 0.1 * rng.standard_normal(n)
    if sparse:
        X[rng.random((n, d)) < 0.3] = 0.0
        X = sp.csr_matrix(X)
    return X, y


@pytest.mark.parametrize("sparse", [False, True])
def test_l1_logistic_newton_phase_matches_sklearn_with_far_fewer_updates(sparse):
    X, y = _data(sparse=sparse)
    yl = np.where(y > 0, 1.0, -1.0)
    alpha = 0.01
    prob = L1LogisticRegression(X, yl, alpha)
    on = optkit.minimize(prob, method="bcd", tol=1e-10, options={"support_newton": 2})
    assert on.success
    # superlinear phase: plain proximal CD with 3x the updates is still far from tol
    # (it needs ~90x: 490,800 vs 5,549 updates on the dense case)
    off = optkit.minimize(prob, method="bcd", tol=1e-10,
                          options={"support_newton": None, "maxiter": 3 * on.nit})
    assert off.status == 1 and off.certificate > 1e3 * 1e-10
    n = X.shape[0]
    ref = sklm.LogisticRegression(C=1.0 / (alpha * n), l1_ratio=1.0, solver="liblinear",
                                  fit_intercept=False, tol=1e-12, max_iter=100_000)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w_ref = ref.fit(X, yl).coef_.ravel()
    assert prob.fun(on.x) <= prob.fun(w_ref) + 1e-10
    np.testing.assert_allclose(on.x, w_ref, atol=1e-5)
    np.testing.assert_array_equal(on.x != 0, w_ref != 0)


def test_lasso_newton_step_is_exact_on_the_right_support():
    X, y = _data(seed=1)
    prob = Lasso(X, y, 0.05 * Lasso(X, y, 1.0).alpha_max())
    res = optkit.minimize(prob, method="bcd", tol=1e-13,
                          options={"support_newton": 1, "trace": True})
    ref = sklm.Lasso(alpha=prob.alpha, fit_intercept=False, tol=1e-15,
                     max_iter=1_000_000).fit(X, y).coef_
    assert res.success
    np.testing.assert_allclose(res.x, ref, atol=1e-9)
    # F never increases (Armijo on every Newton step, exact coordinate steps otherwise)
    assert np.all(np.diff(res.trace["fun"]) <= 1e-12)
    # after the first Newton step on the identified support, at most one more rule step
    # (which finds nothing to change) is needed: finite termination for a quadratic
    off = optkit.minimize(prob, method="bcd", tol=1e-13, options={"support_newton": None})
    assert res.nit < off.nit / 2


def test_smooth_problems_keep_plain_bcd_by_default():
    X, y = _data(seed=2)
    prob = optkit.problems.CompositeProblem(optkit.problems.glm.LeastSquares(X, y))
    a = optkit.minimize(prob, method="bcd", tol=1e-8, options={"maxiter": 100_000})
    b = optkit.minimize(prob, method="bcd", tol=1e-8,
                        options={"support_newton": None, "maxiter": 100_000})
    assert a.nit == b.nit


def test_orthant_limit_cuts_at_the_first_sign_change_or_bound():
    xs = np.array([1.0, -2.0, 0.5])
    d = np.array([-4.0, 1.0, 1.0])          # coordinate 0 reaches zero at t = 0.25
    lo = np.full(3, -np.inf)
    hi = np.array([np.inf, np.inf, 0.6])    # coordinate 2 reaches its bound at t = 0.1
    assert _orthant_limit(xs, d, lo, hi) == pytest.approx(0.1)
    assert _orthant_limit(xs, d, lo, np.full(3, np.inf)) == pytest.approx(0.25)
    assert _orthant_limit(xs, -d * 1e-3, lo, np.full(3, np.inf)) == 1.0


def test_support_newton_option_validation():
    X, y = _data()
    with pytest.raises(ValueError, match="support_newton"):
        optkit.minimize(Lasso(X, y, 0.1), method="bcd", options={"support_newton": 0})
    with pytest.raises((ValueError, TypeError), match="support_newton"):
        optkit.minimize(Lasso(X, y, 0.1), method="bcd", options={"support_newton": "always"})
