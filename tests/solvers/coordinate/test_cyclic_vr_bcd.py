"""cyclic-vr-bcd: cyclic proximal BCD with a SPIDER/SARAH estimator."""

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
    res = optkit.minimize(Lasso(X, y, 1.0), method="cyclic-vr-bcd", tol=1e-10,
                          options={"seed": 0, "batch_size": 50, "epoch_length": 5})
    assert res.success
    np.testing.assert_allclose(res.x, sk.coef_, rtol=0, atol=1e-7)
    assert np.array_equal(res.x != 0, sk.coef_ != 0)
    assert res.nnz == np.count_nonzero(sk.coef_)


def test_l1_logistic_equals_liblinear():
    import warnings

    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression as SkLR

    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    y = 2.0 * y - 1.0
    alpha = 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ll = SkLR(penalty="l1", C=1.0 / (alpha * X.shape[0]), solver="liblinear",
                  fit_intercept=False, tol=1e-12, max_iter=100_000).fit(X, y)
    res = optkit.minimize(L1LogisticRegression(X, y, alpha), method="cyclic-vr-bcd",
                          tol=1e-10, options={"seed": 1})
    assert res.success
    np.testing.assert_allclose(res.x, ll.coef_.ravel(), rtol=0, atol=1e-6)


def test_full_batch_is_cyclic_proximal_cd():
    """batch >= n: exact partial gradients, the iterates of proximal cyclic CD
    (a plain loop: x_j <- soft(x_j - g_j / L_j, alpha / L_j), L_j = ||X_j||^2 / n)."""
    X, y = _lasso_data()
    n, d = X.shape
    prob = Lasso(X, y, 1.0)
    vr = optkit.minimize(prob, method="cyclic-vr-bcd",
                         options={"batch_size": 10_000, "step": 1.0, "maxiter": 10 * d})
    x = np.zeros(d)
    L = (X * X).sum(0) / n
    for _ in range(10):
        for j in range(d):
            u = x[j] - X[:, j] @ (X @ x - y) / n / L[j]
            x[j] = np.sign(u) * max(abs(u) - 1.0 / L[j], 0.0)
    np.testing.assert_allclose(vr.x, x, rtol=0, atol=1e-10)


def test_seeded_reproducibility():
    X, y = _lasso_data()
    prob = Lasso(X, y, 1.0)
    opts = {"batch_size": 50, "epoch_length": 5, "maxiter": 40 * 30}
    a = optkit.minimize(prob, method="cyclic-vr-bcd", options={**opts, "seed": 3})
    b = optkit.minimize(prob, method="cyclic-vr-bcd", options={**opts, "seed": 3})
    c = optkit.minimize(prob, method="cyclic-vr-bcd", options={**opts, "seed": 4})
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.trace["certificate"], b.trace["certificate"])
    assert not np.array_equal(a.x, c.x)


def test_one_update_per_step_matches_epochs():
    """updates_per_step=1 (mid-epoch states) gives the epoch-step iterates."""
    X, y = _lasso_data()
    prob = Lasso(X, y, 1.0)
    opts = {"batch_size": 50, "epoch_length": 3, "seed": 0, "maxiter": 40 * 7}
    a = optkit.minimize(prob, method="cyclic-vr-bcd", options=opts)
    b = optkit.minimize(prob, method="cyclic-vr-bcd", options={**opts, "updates_per_step": 1})
    np.testing.assert_allclose(a.x, b.x, rtol=0, atol=1e-13)
    assert a.nit == b.nit == 280 and a.epoch == b.epoch == 7


def test_not_a_finite_sum_uses_exact_gradients():
    """A quadratic counts as one sample: converges to the KKT point (closed form)."""
    A = np.diag([1.0, 2.0, 4.0])
    b = np.array([3.0, 0.5, -8.0])
    res = optkit.minimize(CompositeProblem(QuadraticProblem(A, b), L1(1.0)), np.zeros(3),
                          method="cyclic-vr-bcd", tol=1e-12)
    # separable: x_i = soft(b_i, 1) / A_ii
    np.testing.assert_allclose(res.x, [2.0, 0.0, -1.75], atol=1e-12)


@pytest.mark.parametrize("opt, value", [("step", 0.0), ("step", 2.5), ("batch_size", 0),
                                        ("epoch_length", 0), ("block_size", 0),
                                        ("updates_per_step", 0)])
def test_bad_options_name_the_option(opt, value):
    X, y = _lasso_data()
    with pytest.raises(ValueError, match=opt):
        optkit.minimize(Lasso(X, y, 1.0), method="cyclic-vr-bcd", options={opt: value})


def test_variance_reduction_needs_fewer_data_passes():
    """Paper claim (finite sums): the recursive estimator reaches the prox-gradient
    tolerance with fewer full-gradient equivalents than the exact cyclic method
    (batch >= n). Checked on a convex L1-logistic finite sum (n = 5000, d = 20); the
    paper states it for nonconvex f, which our finite-sum models do not cover.
    `passes` excludes the certificate's own gradient."""
    from sklearn.datasets import make_classification

    X, y = make_classification(5000, 20, n_informative=10, random_state=0)
    X = (X - X.mean(0)) / X.std(0)
    prob = L1LogisticRegression(X, 2.0 * y - 1.0, 1e-3)
    vr = optkit.minimize(prob, method="cyclic-vr-bcd", tol=1e-6, options={"seed": 0})
    ex = optkit.minimize(prob, method="cyclic-vr-bcd", tol=1e-6,
                         options={"batch_size": 10**9})
    assert vr.success and ex.success
    np.testing.assert_allclose(vr.x, ex.x, atol=1e-4)      # both at certificate 1e-6
    assert vr.passes < 0.25 * ex.passes, (vr.passes, ex.passes)


def test_numpy_path_matches_kernels(monkeypatch):
    """The NumPy loop (used for generic smooth parts) gives the compiled iterates,
    including estimator epochs and mid-epoch steps."""
    from sklearn.datasets import make_classification

    from optkit.solvers.coordinate._blocks import BlockOracle

    X, y = make_classification(300, 20, n_informative=6, random_state=0)
    X = (X - X.mean(0)) / X.std(0)
    opts = {"seed": 0, "batch_size": 40, "epoch_length": 3, "maxiter": 20 * 11,
            "updates_per_step": 7}
    for prob in (Lasso(X, y, 0.05), L1LogisticRegression(X, 2.0 * y - 1.0, 0.02)):
        a = optkit.minimize(prob, method="cyclic-vr-bcd", options=opts)
        with monkeypatch.context() as mp:
            mp.setattr(BlockOracle, "_kernel_args", lambda self: None)
            b = optkit.minimize(prob, method="cyclic-vr-bcd", options=opts)
        np.testing.assert_allclose(a.x, b.x, rtol=0, atol=1e-12)
        np.testing.assert_allclose(a.passes, b.passes, rtol=0.1)


def test_generic_oracle_matches_compiled_quadratic():
    """A smooth part given by callables (block gradients from `grad`) follows the
    compiled quadratic path."""
    from optkit.problems import SmoothProblem

    rng = np.random.default_rng(0)
    M = rng.standard_normal((12, 12))
    A = M @ M.T / 12 + np.eye(12)
    b = rng.standard_normal(12)
    gen = CompositeProblem(SmoothProblem(lambda x: 0.5 * x @ A @ x - b @ x,
                                         grad=lambda x: A @ x - b, x0=np.zeros(12)), L1(0.1))
    quad = CompositeProblem(QuadraticProblem(A, b), L1(0.1))
    opts = {"maxiter": 12 * 30, "block_size": 5}
    r1 = optkit.minimize(gen, np.zeros(12), method="cyclic-vr-bcd",
                         options={**opts, "lipschitz": np.diag(A)})
    r2 = optkit.minimize(quad, np.zeros(12), method="cyclic-vr-bcd", options=opts)
    np.testing.assert_allclose(r1.x, r2.x, rtol=0, atol=1e-12)
    assert r1.njev > 0 and r2.njev == 0
