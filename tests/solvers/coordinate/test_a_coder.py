"""a-coder: accelerated cyclic coordinate dual averaging with extrapolation."""

from __future__ import annotations

import numpy as np
import pytest

import optkit
from optkit.problems.composite import CompositeProblem, L1, L1LogisticRegression, Lasso
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
    """Condition number 1e4: fewer epochs than cyclic proximal CD (bcd) to a 1e-8
    certificate (at condition 1e3 the two are even: 1301 vs 1375 epochs)."""
    prob, xs = _ill_conditioned(decades=4)
    d = xs.size
    opts = {"maxiter": d * 20000}
    acc = optkit.minimize(prob, np.zeros(d), method="a-coder", tol=1e-8, options=opts)
    cd = optkit.minimize(prob, np.zeros(d), method="bcd", tol=1e-8,
                         options={**opts, "rule": "cyclic"})
    assert acc.success and cd.success
    np.testing.assert_allclose(acc.x, xs, atol=1e-4)
    assert acc.nit < 0.6 * cd.nit, (acc.nit / d, cd.nit / d)


def test_rate_without_restart_is_one_over_k_squared():
    """Paper claim, F(y_k) - F* = O(L ||x0 - x*||^2 / k^2): with a_k^2 = 0.4 A_k / L,
    A_k >= 0.1 k^2 / L, so F(y_k) - F* <= R^2 / (2 A_k) gives k^2 (F - F*) <= 5 L R^2.
    Checked for every epoch k <= 3000 (restart='none'); F - F* also decays."""
    prob, xs = _ill_conditioned(decades=3)
    A, b = prob.smooth.A, prob.smooth.b
    d = xs.size
    Fs = 0.5 * xs @ A @ xs - b @ xs
    L = float(np.linalg.eigvalsh(A)[-1])
    res = optkit.minimize(prob, np.zeros(d), method="a-coder", tol=1e-300,
                          options={"restart": "none", "maxiter": 3000 * d})
    k = np.asarray(res.trace["epoch"], dtype=float)[1:]
    gap = np.asarray(res.trace["fun"])[1:] - Fs
    assert k[-1] == 3000 and res.restarts == 0
    bound = 5.0 * L * float(xs @ xs)
    assert np.max(k * k * gap) <= bound, np.max(k * k * gap) / bound
    assert gap[-1] < 1e-3 * gap[99]


def test_scaling_blocks_on_badly_scaled_columns():
    """scaling='blocks' (diagonal preconditioning) on columns scaled over 4 decades."""
    from sklearn.linear_model import Lasso as SkLasso

    X, y = _lasso_data()
    X = X * np.logspace(-2, 2, X.shape[1])
    sk = SkLasso(alpha=1.0, fit_intercept=False, tol=1e-14, max_iter=1_000_000).fit(X, y)
    res = optkit.minimize(Lasso(X, y, 1.0), method="a-coder", tol=1e-9,
                          options={"scaling": "blocks"})
    assert res.success
    np.testing.assert_allclose(res.x, sk.coef_, rtol=0, atol=1e-6)
    plain = optkit.minimize(Lasso(X, y, 1.0), method="a-coder", tol=1e-9,
                            options={"maxiter": 4 * res.nit})
    assert not plain.success          # the Euclidean prox term suffers from the scaling


def test_elastic_net_uses_strong_convexity():
    """gamma = alpha (1 - rho) from the penalty: matches sklearn, and beats gamma = 0."""
    from sklearn.linear_model import ElasticNet as SkEnet

    from optkit.problems.composite import ElasticNet

    X, y = _lasso_data()
    sk = SkEnet(alpha=2.0, l1_ratio=0.5, fit_intercept=False, tol=1e-14,
                max_iter=100_000).fit(X, y)
    prob = ElasticNet(X, y, 2.0, 0.5)
    opts = {"restart": "none", "maxiter": 40 * 3000}
    res = optkit.minimize(prob, method="a-coder", tol=1e-10, options=opts)
    flat = optkit.minimize(prob, method="a-coder", tol=1e-10,
                           options={**opts, "strong_convexity": 0.0})
    assert res.success
    np.testing.assert_allclose(res.x, sk.coef_, rtol=0, atol=1e-8)
    assert res.nit < flat.nit


def test_generic_oracle_matches_compiled_quadratic():
    """The NumPy path (a smooth problem given by callables) gives the kernel's iterates."""
    from optkit.problems import SmoothProblem

    prob, xs = _ill_conditioned(d=12)
    A, b = prob.smooth.A, prob.smooth.b
    gen = CompositeProblem(SmoothProblem(lambda x: 0.5 * x @ A @ x - b @ x,
                                         grad=lambda x: A @ x - b, x0=np.zeros(12)),
                           L1(0.01))
    quad = CompositeProblem(QuadraticProblem(A, b), L1(0.01))
    L = float(np.linalg.eigvalsh(A)[-1])
    opts = {"maxiter": 12 * 50, "cyclic_lipschitz": L, "block_size": 5}
    r1 = optkit.minimize(gen, np.zeros(12), method="a-coder",
                         options={**opts, "lipschitz": np.diag(A)})
    r2 = optkit.minimize(quad, np.zeros(12), method="a-coder", options=opts)
    np.testing.assert_allclose(r1.x, r2.x, rtol=0, atol=1e-12)
    assert r1.njev > 0 and r2.njev == 0


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
                                        ("cyclic_lipschitz", -1.0), ("scaling", "diag"),
                                        ("strong_convexity", -1.0),
                                        ("updates_per_step", 0)])
def test_bad_options_name_the_option(opt, value):
    X, y = _lasso_data()
    with pytest.raises(ValueError, match=opt):
        optkit.minimize(Lasso(X, y, 1.0), method="a-coder", options={opt: value})
