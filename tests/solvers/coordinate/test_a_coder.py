"""a-coder: accelerated cyclic coordinate dual averaging with extrapolation."""

from __future__ import annotations

import numpy as np
import pytest

import optkit
from optkit.problems.composite import CompositeProblem, L1LogisticRegression, Lasso
from optkit.problems.synthetic import QuadraticProblem


def _lasso_data():
    from sklearn.datasets import make_regression

    X, y = make_regression(200, 40, n_informative=8, noise=1.0, random_state=0)
    X = (X - X.mean(0)) / X.std(0)
    return X, y - y.mean()


def test_lasso_equals_sklearn():
    from sklearn.linear_model import Lasso as SkLasso

    X, y = _lasso_data()
    sk = SkLasso(alpha=1.0, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(X, y)
    res = optkit.minimize(Lasso(X, y, 1.0), method="a-coder", tol=1e-10)
    assert res.success
    np.testing.assert_allclose(res.x, sk.coef_, rtol=0, atol=1e-7)
    assert np.array_equal(res.x != 0, sk.coef_ != 0)


def test_lasso_blocks_equal_sklearn():
    from sklearn.linear_model import Lasso as SkLasso

    X, y = _lasso_data()
    sk = SkLasso(alpha=1.0, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(X, y)
    res = optkit.minimize(Lasso(X, y, 1.0), method="a-coder", tol=1e-10,
                          options={"block_size": 7})
    assert res.success
    np.testing.assert_allclose(res.x, sk.coef_, rtol=0, atol=1e-7)


def test_l1_logistic_equals_liblinear():
    import warnings

    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression as SkLR

    X, y = make_classification(300, 20, n_informative=6, random_state=0)
    X = (X - X.mean(0)) / X.std(0)
    y = 2.0 * y - 1.0
    alpha = 0.02
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ll = SkLR(penalty="l1", C=1.0 / (alpha * X.shape[0]), solver="liblinear",
                  fit_intercept=False, tol=1e-12, max_iter=100_000).fit(X, y)
    res = optkit.minimize(L1LogisticRegression(X, y, alpha), method="a-coder", tol=1e-10)
    assert res.success
    np.testing.assert_allclose(res.x, ll.coef_.ravel(), rtol=0, atol=1e-6)


def _ill_conditioned(d=30, decades=3, seed=0):
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((d, d)))[0]
    A = U @ np.diag(np.logspace(0, -decades, d)) @ U.T
    b = rng.standard_normal(d)
    return CompositeProblem(QuadraticProblem(A, b)), np.linalg.solve(A, b)


def test_acceleration_over_cyclic_cd():
    """Fewer epochs than cyclic proximal CD (bcd) to a 1e-8 certificate."""
    prob, xs = _ill_conditioned()
    d = xs.size
    opts = {"maxiter": d * 5000}
    acc = optkit.minimize(prob, np.zeros(d), method="a-coder", tol=1e-8, options=opts)
    cd = optkit.minimize(prob, np.zeros(d), method="bcd", tol=1e-8,
                         options={**opts, "rule": "cyclic"})
    assert acc.success and cd.success
    np.testing.assert_allclose(acc.x, xs, atol=1e-5)
    assert acc.nit < 0.75 * cd.nit, (acc.nit / d, cd.nit / d)


def test_one_update_per_step_matches_epochs():
    X, y = _lasso_data()
    prob = Lasso(X, y, 1.0)
    a = optkit.minimize(prob, method="a-coder", options={"maxiter": 40 * 9})
    b = optkit.minimize(prob, method="a-coder", options={"maxiter": 40 * 9,
                                                          "updates_per_step": 1})
    c = optkit.minimize(prob, method="a-coder", options={"maxiter": 40 * 9,
                                                          "updates_per_step": 13})
    np.testing.assert_allclose(a.x, b.x, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.x, c.x, rtol=0, atol=1e-12)
    assert a.restarts == b.restarts == c.restarts


@pytest.mark.parametrize("opt, value", [("step", 0.0), ("restart", "sometimes"),
                                        ("restart_ratio", 1.5), ("block_size", 0),
                                        ("cyclic_lipschitz", -1.0),
                                        ("updates_per_step", 0)])
def test_bad_options_name_the_option(opt, value):
    X, y = _lasso_data()
    with pytest.raises(ValueError, match=opt):
        optkit.minimize(Lasso(X, y, 1.0), method="a-coder", options={opt: value})
