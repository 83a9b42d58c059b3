"""Bilevel problems: closed forms, oracles against finite differences, the exact
hypergradient against finite differences of the value function, scikit-learn
as the reference of the L2 lower level, and bad input."""

from __future__ import annotations

import os

import numpy as np
import pytest
from scipy.optimize import approx_fprime, minimize as sp_minimize

import optkit
from optkit.problems.bilevel import BilevelIterate, BilevelProblem, quadratic_bilevel
from optkit.problems.bilevel_data import (HyperCleaning, L2HyperOpt, corrupt_labels,
                                          hyper_cleaning_digits)


def _fd_check(fun, grad, x, atol):
    np.testing.assert_allclose(grad, approx_fprime(x, fun, 1e-7), rtol=0, atol=atol)


# -- the quadratic family ---------------------------------------------------------------
def test_quadratic_closed_form_x_star_matches_scipy_on_the_value_function():
    p = quadratic_bilevel(3, 4, cond=20.0, seed=3)
    ref = sp_minimize(p.value, np.zeros(3), jac=p.hypergradient, method="BFGS",
                      options={"gtol": 1e-12})
    np.testing.assert_allclose(p.x_star, ref.x, rtol=0, atol=1e-7)
    assert np.linalg.norm(p.hypergradient(p.x_star)) < 1e-10
    assert p.F_star == pytest.approx(ref.fun, abs=1e-12)


def test_quadratic_hypergradient_equals_finite_differences_of_the_value_function():
    p = quadratic_bilevel(3, 5, cond=10.0, seed=4)
    x = np.random.default_rng(0).standard_normal(3)
    _fd_check(p.value, p.hypergradient(x), x, 1e-5)
    # the generic implicit-differentiation route (lower_solve + dense Hessian) agrees
    generic = BilevelProblem.exact_hypergradient(p, x, y=p.y_star(x))
    np.testing.assert_allclose(generic, p.hypergradient(x), rtol=0, atol=1e-12)


def test_quadratic_oracles_match_finite_differences_full_and_minibatch():
    p = quadratic_bilevel(2, 3, seed=5, n_terms=7, noise=0.3)
    rng = np.random.default_rng(1)
    x, y, v = rng.standard_normal(2), rng.standard_normal(3), rng.standard_normal(3)
    for idx in (None, np.array([0, 3, 4])):
        for fun, grad in ((p.upper, p.upper_grad), (p.lower, p.lower_grad)):
            gx, gy = grad(x, y, idx)
            _fd_check(lambda t: fun(t, y, idx), gx, x, 1e-6)
            _fd_check(lambda t: fun(x, t, idx), gy, y, 1e-6)
    # minibatch gradients are unbiased: the average over all single terms is the full one
    singles = [p.lower_grad(x, y, np.array([i]))[1] for i in range(7)]
    np.testing.assert_allclose(np.mean(singles, axis=0), p.lower_grad(x, y)[1], atol=1e-13)
    _fd_check(lambda t: p.lower_grad(t, y)[1] @ v, p.lower_cross(x, y, v), x, 1e-6)


def test_singular_quadratic_has_optimistic_solution_and_no_x_star():
    p = quadratic_bilevel(2, 4, seed=1, singular=1)
    assert p.lower_mu == 0 and not p.lower_strongly_convex and p.x_star is None
    assert not p.provides("hypergradient")
    x, y = p.optimistic_solution()
    np.testing.assert_allclose(p.H @ y, p.J @ x + p.h, atol=1e-10)       # y solves the lower
    # and minimizes f over x and the lower solution set, parametrized independently as
    # y = H^+ (J x + h) + N t (N: a basis of null(H)), by BFGS
    Hp = np.linalg.pinv(p.H)
    w, V = np.linalg.eigh(p.H)
    N = V[:, np.abs(w) < 1e-9]
    ref = sp_minimize(lambda u: p.upper(u[:2], Hp @ (p.J @ u[:2] + p.h) + N @ u[2:]),
                      np.zeros(2 + N.shape[1]), method="BFGS", options={"gtol": 1e-12})
    np.testing.assert_allclose(x, ref.x[:2], atol=1e-5)


# -- hyper-cleaning -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_cleaning():
    """30 training / 20 validation examples, 5 features, 3 classes (dim_y = 18)."""
    rng = np.random.default_rng(0)
    X, Xv = rng.standard_normal((30, 5)), rng.standard_normal((20, 5))
    b, bv = rng.integers(0, 3, 30), rng.integers(0, 3, 20)
    noisy, corrupted = corrupt_labels(b, 0.3, 3, seed=1)
    return HyperCleaning(X, noisy, Xv, bv, mu=1e-2, n_classes=3, corrupted=corrupted)


def test_hyper_cleaning_oracles_match_finite_differences(small_cleaning):
    p = small_cleaning
    rng = np.random.default_rng(0)
    x, y, v = (rng.standard_normal(p.dim_x), 0.1 * rng.standard_normal(p.dim_y),
               rng.standard_normal(p.dim_y))
    for idx in (None, np.array([1, 5, 7])):
        gx, gy = p.lower_grad(x, y, idx)
        _fd_check(lambda t: p.lower(t, y, idx), gx, x, 1e-6)
        _fd_check(lambda t: p.lower(x, t, idx), gy, y, 1e-6)
        _fd_check(lambda t: p.lower_grad(t, y, idx)[1] @ v, p.lower_cross(x, y, v, idx), x,
                  1e-6)
        hv = (p.lower_grad(x, y + 1e-6 * v, idx)[1] - p.lower_grad(x, y - 1e-6 * v, idx)[1]) / 2e-6
        np.testing.assert_allclose(p.lower_hvp(x, y, v, idx), hv, atol=1e-7)
    fx, fy = p.upper_grad(x, y)
    assert not fx.any()
    _fd_check(lambda t: p.upper(x, t), fy, y, 1e-6)


def test_hyper_cleaning_exact_hypergradient_equals_finite_differences(small_cleaning):
    p = small_cleaning
    x = np.random.default_rng(2).standard_normal(p.dim_x)
    g = p.exact_hypergradient(x)
    h = 1e-4
    for i in (0, 7, 21):
        e = np.zeros(p.dim_x)
        e[i] = h
        fd = (p.upper(x + e, p.lower_solve(x + e)) - p.upper(x - e, p.lower_solve(x - e))) / (2 * h)
        assert g[i] == pytest.approx(fd, rel=1e-5, abs=1e-10)


def test_hyper_cleaning_lower_solution_matches_scikit_learn(small_cleaning):
    from sklearn.linear_model import LogisticRegression

    p = small_cleaning
    w = p.lower_solve(np.zeros(p.dim_x)).reshape(p.p, p.K)
    # weights sigma(0) = 1/2: g = (1/2n) sum CE + mu/2 |W|^2 (intercept column included)
    # <=> C sum CE + 1/2 |W|^2 with C = 1/(2 n mu); sklearn's multinomial coefficients are
    # W up to a per-feature constant shift across classes, removed on both sides
    clf = LogisticRegression(C=1.0 / (2 * p.n * p.mu), fit_intercept=False, tol=1e-12,
                             max_iter=20000).fit(p.Xt, p.bt)
    np.testing.assert_allclose(clf.coef_.T - clf.coef_.T.mean(axis=1, keepdims=True),
                               w - w.mean(axis=1, keepdims=True), atol=1e-6)
    # the digits builder: 64 pixels in [0, 1] plus the intercept, 10 classes
    d = hyper_cleaning_digits(0.2, n_train=50, n_val=20)
    assert d.p == 65 and d.K == 10 and d.dim_y == 650 and d.corrupted.sum() == 10
    assert 0 <= d.Xt.min() and d.Xt.max() <= 1


def test_corrupt_labels_rate_and_always_wrong():
    b = np.arange(200) % 10
    noisy, corrupted = corrupt_labels(b, 0.3, 10, seed=3)
    assert corrupted.sum() == 60
    assert np.all(noisy[corrupted] != b[corrupted]) and np.all(noisy[~corrupted] == b[~corrupted])
    with pytest.raises(ValueError, match="fraction"):
        corrupt_labels(b, 1.0, 10)


# -- L2 hyperparameter optimization -------------------------------------------------------------
def _binary_data(n=80, d=6, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d))
    b = np.sign(A @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n))
    return A, b


@pytest.mark.parametrize("per_feature", [False, True])
def test_l2_hyperopt_oracles_and_scikit_learn_lower_solution(per_feature):
    from sklearn.linear_model import LogisticRegression

    A, b = _binary_data()
    p = L2HyperOpt(A[:50], b[:50], A[50:], b[50:], per_feature=per_feature)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(p.dim_x) - 1.0
    y, v = rng.standard_normal(p.dim_y), rng.standard_normal(p.dim_y)
    gx, gy = p.lower_grad(x, y)
    _fd_check(lambda t: p.lower(t, y), gx, x, 1e-6)
    _fd_check(lambda t: p.lower(x, t), gy, y, 1e-6)
    _fd_check(lambda t: p.lower_grad(t, y)[1] @ v, p.lower_cross(x, y, v), x, 1e-6)
    _fd_check(lambda t: p.upper(x, t), p.upper_grad(x, y)[1], y, 1e-6)
    if not per_feature:
        # e^x = 1 / (C n): the same lower problem as scikit-learn's
        w = p.lower_solve(x)
        clf = LogisticRegression(C=1.0 / (np.exp(x[0]) * p.n), fit_intercept=False,
                                 tol=1e-12, max_iter=10000).fit(A[:50], b[:50])
        np.testing.assert_allclose(w, clf.coef_.ravel(), atol=1e-6)
    g = p.exact_hypergradient(x)
    F = lambda t: p.upper(t, p.lower_solve(t))                   # noqa: E731
    np.testing.assert_allclose(g, approx_fprime(x, F, 1e-6), rtol=1e-4, atol=1e-8)


# -- starts and bad input ------------------------------------------------------------------------
def test_as_start_forms_and_errors():
    p = quadratic_bilevel(2, 3, seed=0)
    s = p.as_start([1.0, 2.0])
    assert isinstance(s, BilevelIterate) and s.y.shape == (3,) and np.array_equal(s.y, s.z)
    s = p.as_start((np.ones(2), np.ones(3)))
    assert np.array_equal(s.z, np.ones(3)) and s.z is not s.y
    with pytest.raises(ValueError, match="dim_x = 2"):
        p.as_start(np.zeros(3))
    with pytest.raises(ValueError, match="`y` must have length dim_y = 3"):
        p.as_start((np.zeros(2), np.zeros(4)))
    with pytest.raises(ValueError, match="NaN"):
        p.as_start((np.zeros(2), np.array([0.0, np.nan, 0.0])))


def test_shape_mismatches_between_levels_are_named():
    p = quadratic_bilevel(2, 3, seed=0)
    with pytest.raises(ValueError, match="`J` must be \\(dim_y, dim_x\\)"):
        type(p)(p.A, p.a, p.B, p.c, p.H, p.J.T, p.h)
    with pytest.raises(ValueError, match="`B` must be"):
        type(p)(p.A, p.a, np.eye(2), p.c, p.H, p.J, p.h)
    with pytest.raises(ValueError, match="X_val"):
        HyperCleaning(np.ones((5, 3)), np.zeros(5), np.ones((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="labels_train"):
        HyperCleaning(np.ones((5, 3)), np.zeros(4), np.ones((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="`y0` must have length dim_y = 3"):
        BilevelProblem(p.upper, p.lower, upper_grad=p.upper_grad, lower_grad=p.lower_grad,
                       dim_x=2, dim_y=3, y0=np.zeros(2))
    # a user gradient of the wrong shape: the oracle names it and the expected length
    bad = BilevelProblem(p.upper, p.lower, upper_grad=lambda x, y: (p.upper_grad(x, y)[0],
                                                                    np.zeros(2)),
                         lower_grad=p.lower_grad, dim_x=2, dim_y=3, lower_L=p.lower_L)
    with pytest.raises(ValueError, match=r"upper_grad\[1\] .*length dim_y.*expected \(3,\)"):
        optkit.minimize(bad, np.zeros(2), method="f2sa", options={"maxiter": 3})


def test_bad_constructor_arguments():
    f = lambda x, y: 0.0                                           # noqa: E731
    gr = lambda x, y: (np.zeros(1), np.zeros(1))                   # noqa: E731
    with pytest.raises(TypeError, match="`upper_grad` must be callable"):
        BilevelProblem(f, f, upper_grad=3, lower_grad=gr, dim_x=1, dim_y=1)
    with pytest.raises(TypeError, match="needs `lower_grad`"):
        BilevelProblem(f, f, upper_grad=gr, dim_x=1, dim_y=1)
    with pytest.raises(ValueError, match="`dim_y` must be a positive integer"):
        BilevelProblem(f, f, upper_grad=gr, lower_grad=gr, dim_x=1, dim_y=0)
    with pytest.raises(ValueError, match="`lower_mu`"):
        BilevelProblem(f, f, upper_grad=gr, lower_grad=gr, dim_x=1, dim_y=1, lower_mu=-1.0)
    with pytest.raises(ValueError, match="samplers"):
        BilevelProblem(f, f, upper_grad=gr, lower_grad=gr, dim_x=1, dim_y=1,
                       samplers={"middle": 3})
    with pytest.raises(ValueError, match="`H` \\(the lower Hessian\\) must be positive"):
        quadratic_bilevel(2, 2).__class__(np.eye(2), np.zeros(2), np.eye(2), np.zeros(2),
                                          -np.eye(2), np.eye(2), np.zeros(2))


# -- LIBSVM data (skipped without the shared folder) ---------------------------------------
needs_data = pytest.mark.skipif(not os.environ.get("OPTKIT_DATA_DIR"),
                                reason="OPTKIT_DATA_DIR is not set (LIBSVM files)")


@needs_data
def test_libsvm_builders():
    from optkit.problems.bilevel_data import hyper_cleaning_libsvm, l2_hyperopt_libsvm

    p = hyper_cleaning_libsvm("heart_scale", 0.2, n_train=100, n_val=50)
    assert p.K == 2 and p.dim_x == 100 and p.corrupted.sum() == 20
    q = l2_hyperopt_libsvm("heart_scale", per_feature=True)
    assert q.dim_x == q.dim_y == 13
