"""Tests of optkit.problems.glm: oracles against finite differences, dense vs
sparse, curvature models against explicit formulas, minimizers against
scikit-learn and closed forms, Lipschitz bounds, input validation, numerics."""

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.sparse.linalg import LinearOperator

from optkit.problems import glm
from optkit.problems.base import SmoothProblem
from optkit.problems.glm import (
    HESS_DENSE_MAX_DIM,
    LeastSquares,
    LogisticRegression,
    SoftmaxRegression,
    from_libsvm,
)

N, D, K = 40, 6, 3


# ---------------------------------------------------------------------------
# data and helpers
# ---------------------------------------------------------------------------
def _data(seed, n=N, d=D, density=0.5):
    """Random sparse-ish matrix, as dense ndarray and as CSR (same values)."""
    rng = np.random.default_rng(seed)
    A = sp.random(n, d, density=density, random_state=rng, format="csr",
                  data_rvs=rng.standard_normal)
    A = A.toarray()
    A[:, 0] += rng.standard_normal(n)  # one dense column so no row is empty
    return A, sp.csr_matrix(A)


def _make(kind, sparse, seed=0, mu=0.1):
    Xd, Xs = _data(seed)
    X = Xs if sparse else Xd
    rng = np.random.default_rng(seed + 100)
    if kind == "logistic":
        return LogisticRegression(X, rng.choice([-1.0, 1.0], N), mu)
    if kind == "logistic-intercept":
        return LogisticRegression(X, rng.choice([-1.0, 1.0], N), mu, fit_intercept=True)
    if kind == "softmax":
        return SoftmaxRegression(X, rng.integers(0, K, N), mu)
    if kind == "least-squares":
        return LeastSquares(X, rng.standard_normal(N), mu)
    raise AssertionError(kind)


KINDS = ["logistic", "logistic-intercept", "softmax", "least-squares"]


def _point(prob, seed=1):
    return 0.5 * np.random.default_rng(seed).standard_normal(prob.dim)


def _fd_grad(f, x, h=1e-5):
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def _fd_jac(g, x, h=1e-5):
    J = np.empty((x.size, x.size))
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        J[:, i] = (g(x + e) - g(x - e)) / (2 * h)
    return J


def _rel(a, b):
    return np.linalg.norm(np.asarray(a) - np.asarray(b)) / max(np.linalg.norm(b), 1e-300)


def _dense(M):
    if isinstance(M, LinearOperator):
        return M @ np.eye(M.shape[1])
    return np.asarray(M)


# ---------------------------------------------------------------------------
# derivatives against finite differences
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("kind", KINDS)
def test_gradient_matches_finite_differences(kind, sparse):
    prob = _make(kind, sparse)
    for seed in (1, 2):
        x = _point(prob, seed)
        assert _rel(prob.grad(x), _fd_grad(prob.fun, x)) < 1e-6


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("kind", KINDS)
def test_hessian_matches_finite_differences(kind, sparse):
    prob = _make(kind, sparse)
    x = _point(prob)
    H = prob.hess(x)
    assert isinstance(H, np.ndarray) and H.shape == (prob.dim, prob.dim)
    assert _rel(H, _fd_jac(prob.grad, x)) < 1e-6
    np.testing.assert_array_equal(H, H.T)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("kind", KINDS)
def test_hessp_and_curvature_products_match_matrices(kind, sparse):
    prob = _make(kind, sparse)
    x = _point(prob)
    rng = np.random.default_rng(5)
    H, GN, F = prob.hess(x), prob.gauss_newton(x), prob.fisher(x)
    for _ in range(3):
        v = rng.standard_normal(prob.dim)
        assert _rel(prob.hessp(x, v), H @ v) < 1e-12
        assert _rel(prob.gauss_newton_p(x, v), GN @ v) < 1e-12
        assert _rel(prob.fisher_p(x, v), F @ v) < 1e-12
    # the GGN of a GLM (loss composed with a linear map) is the exact Hessian
    np.testing.assert_allclose(GN, H, rtol=1e-14, atol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_dense_and_csr_agree(kind):
    pd, ps = _make(kind, False), _make(kind, True)
    x = _point(pd)
    v = np.random.default_rng(7).standard_normal(pd.dim)
    assert abs(pd.fun(x) - ps.fun(x)) <= 1e-12 * abs(pd.fun(x))
    assert _rel(ps.grad(x), pd.grad(x)) < 1e-12
    assert _rel(ps.hess(x), pd.hess(x)) < 1e-12
    assert _rel(ps.hessp(x, v), pd.hessp(x, v)) < 1e-12
    assert _rel(ps.fisher(x), pd.fisher(x)) < 1e-12
    assert abs(ps.lipschitz() - pd.lipschitz()) <= 1e-9 * pd.lipschitz()


def _per_sample_gradients(prob, x):
    """g_i, the gradient of the i-th (unregularized) loss term, as rows."""
    X = _dense(prob.X.toarray() if sp.issparse(prob.X) else prob.X)
    rows = []
    for i in range(prob.n_samples):
        if isinstance(prob, SoftmaxRegression):
            one = SoftmaxRegression(X[i:i + 1], prob.Y[i:i + 1], n_classes=prob.n_classes)
        elif isinstance(prob, LeastSquares):
            one = LeastSquares(X[i:i + 1], prob.b[i:i + 1])
        else:
            one = LogisticRegression(X[i:i + 1], prob.y[i:i + 1],
                                     fit_intercept=prob.fit_intercept)
        rows.append(one.grad(x))
    return np.array(rows)


@pytest.mark.parametrize("kind", KINDS)
def test_empirical_fisher_is_mean_outer_product_of_sample_gradients(kind):
    prob = _make(kind, True)
    x = _point(prob)
    G = _per_sample_gradients(prob, x)
    ref = G.T @ G / prob.n_samples
    penalized = np.ones(prob.dim)
    if getattr(prob, "fit_intercept", False):
        penalized[-1] = 0.0  # the intercept is not penalized
    ref += np.diag(prob.mu * penalized)
    assert _rel(prob.fisher(x), ref) < 1e-12
    # consistency: the mean of the g_i is the gradient of the data term
    assert _rel(G.mean(axis=0) + prob.mu * penalized * x, prob.grad(x)) < 1e-12


def test_large_dimension_returns_linear_operators():
    rng = np.random.default_rng(3)
    d = HESS_DENSE_MAX_DIM + 10
    X = sp.random(30, d, density=0.01, random_state=rng, format="csr")
    prob = LogisticRegression(X, rng.choice([-1, 1], 30), mu=0.5)
    x = 0.1 * rng.standard_normal(d)
    v = rng.standard_normal(d)
    for mat, prod in ((prob.hess, prob.hessp), (prob.gauss_newton, prob.gauss_newton_p),
                      (prob.fisher, prob.fisher_p)):
        op = mat(x)
        assert isinstance(op, LinearOperator) and op.shape == (d, d)
        np.testing.assert_allclose(op @ v, prod(x, v), rtol=1e-13)
        np.testing.assert_allclose(op.matvec(v[:, None]).ravel(), prod(x, v), rtol=1e-13)
    # the operator keeps the point it was made at, whatever is called after it
    op = prob.hess(x)
    before = op @ v
    prob.fun(x + 1.0)
    np.testing.assert_array_equal(op @ v, before)
    # softmax: d * K above the threshold
    Xs = sp.random(20, 700, density=0.02, random_state=rng, format="csr")
    sm = SoftmaxRegression(Xs, rng.integers(0, 3, 20), mu=0.1)
    assert sm.dim == 2100
    w = 0.1 * rng.standard_normal(sm.dim)
    u = rng.standard_normal(sm.dim)
    assert isinstance(sm.hess(w), LinearOperator)
    np.testing.assert_allclose(sm.hess(w) @ u, sm.hessp(w, u), rtol=1e-13)


# ---------------------------------------------------------------------------
# protocol, cache
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_protocol(kind):
    prob = _make(kind, False)
    assert isinstance(prob, SmoothProblem)
    assert prob.capabilities == {"fun", "grad", "fun_and_grad", "hess", "hessp"}
    np.testing.assert_array_equal(prob.x0, np.zeros(prob.dim))
    assert prob.n_samples == N and prob.n_features == D
    expected_dim = {"logistic": D, "logistic-intercept": D + 1, "softmax": D * K,
                    "least-squares": D}[kind]
    assert prob.dim == expected_dim
    f, g = prob.fun_and_grad(_point(prob))
    assert isinstance(f, float) and g.shape == (prob.dim,)


class _CountingMatrix:
    """Wraps a matrix and counts the products X @ v."""

    def __init__(self, X):
        self.X, self.calls = X, 0
        self.shape = X.shape

    def __matmul__(self, v):
        self.calls += 1
        return self.X @ v


@pytest.mark.parametrize("kind", KINDS)
def test_cache_shares_the_product_and_survives_in_place_mutation(kind):
    prob = _make(kind, True)
    ref = _make(kind, True)
    counter = _CountingMatrix(prob.X)
    prob._X = counter
    x = _point(prob)
    f, g = prob.fun_and_grad(x)
    assert counter.calls == 1  # fun_and_grad computes X @ w once
    assert prob.fun(x) == f and np.array_equal(prob.grad(x), g)
    assert counter.calls == 1  # fun then grad at the same point: cached
    x[0] += 0.3  # the caller mutates the same array in place
    assert prob.fun(x) == pytest.approx(ref.fun(x), rel=1e-14)
    assert counter.calls == 2
    np.testing.assert_allclose(prob.grad(x), ref.grad(x), rtol=1e-14)
    assert counter.calls == 2
    # hessp at the cached point needs only the product X @ v
    prob.hessp(x, np.ones(prob.dim))
    assert counter.calls == 3


# ---------------------------------------------------------------------------
# minimizers against independent references
# ---------------------------------------------------------------------------
def _argmin(prob, method="trust-exact"):
    curvature = {"hess": prob.hess} if method == "trust-exact" else {"hessp": prob.hessp}
    res = minimize(prob.fun, prob.x0, jac=prob.grad, method=method,
                   options={"gtol": 1e-13, "maxiter": 500}, **curvature)
    assert np.linalg.norm(prob.grad(res.x)) < 1e-9, res.message
    return res.x


def _breast_cancer():
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_logistic_minimizer_matches_sklearn_breast_cancer(fit_intercept):
    from sklearn.linear_model import LogisticRegression as SkLogistic

    X, y = _breast_cancer()  # labels {0, 1}
    n, mu = X.shape[0], 1e-3
    prob = LogisticRegression(X, y, mu, fit_intercept=fit_intercept)
    w = _argmin(prob)
    # newton-cg: sklearn's default lbfgs stops on its ftol near 1e-6 here
    sk = SkLogistic(C=1.0 / (n * mu), fit_intercept=fit_intercept, tol=1e-12,
                    max_iter=10000, solver="newton-cg").fit(X, y)
    coef = np.append(sk.coef_.ravel(), sk.intercept_) if fit_intercept else sk.coef_.ravel()
    np.testing.assert_allclose(w, coef, rtol=0, atol=1e-6)


def _data_file(name):
    root = os.environ.get("OPTKIT_DATA_DIR")
    if not root:
        pytest.skip("OPTKIT_DATA_DIR is not set: LIBSVM data sets are unavailable")
    path = Path(root) / name
    if not path.exists():
        pytest.skip(f"{path} not found")
    return path


def test_logistic_minimizer_matches_sklearn_a1a():
    from sklearn.datasets import load_svmlight_file
    from sklearn.linear_model import LogisticRegression as SkLogistic

    X, y = load_svmlight_file(str(_data_file("a1a")), n_features=123)
    n, mu = X.shape[0], 1e-3
    prob = LogisticRegression(X, y, mu)
    assert prob.is_sparse
    w = _argmin(prob)
    sk = SkLogistic(C=1.0 / (n * mu), fit_intercept=False, tol=1e-12, max_iter=10000,
                    solver="newton-cg").fit(X, y)
    np.testing.assert_allclose(w, sk.coef_.ravel(), rtol=0, atol=1e-6)


def test_softmax_minimizer_matches_sklearn_digits():
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression as SkLogistic
    from sklearn.preprocessing import StandardScaler

    X, Y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    n, mu = X.shape[0], 1e-2
    prob = SoftmaxRegression(X, Y, mu)
    assert prob.n_classes == 10 and prob.dim == 640
    W = _argmin(prob, "trust-ncg").reshape(prob.n_features, prob.n_classes)  # row-major layout
    sk = SkLogistic(C=1.0 / (n * mu), fit_intercept=False, tol=1e-12, max_iter=10000,
                    solver="newton-cg").fit(X, Y)
    # both over-parametrized with K columns; the ridge term picks the same
    # unique minimizer, whose class weights sum to zero feature by feature
    np.testing.assert_allclose(W.sum(axis=1), 0.0, atol=1e-10)
    np.testing.assert_allclose(sk.coef_.sum(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(W, sk.coef_.T, rtol=0, atol=1e-5)
    Z = X @ W
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(P, sk.predict_proba(X), rtol=0, atol=1e-6)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("mu", [0.0, 0.3])
def test_least_squares_minimizer_matches_normal_equations(mu, sparse):
    Ad, As = _data(11, n=60, d=8)
    b = np.random.default_rng(12).standard_normal(60)
    prob = LeastSquares(As if sparse else Ad, b, mu)
    n = Ad.shape[0]
    x_ref = np.linalg.solve(Ad.T @ Ad / n + mu * np.eye(8), Ad.T @ b / n)
    if mu == 0:
        np.testing.assert_allclose(x_ref, np.linalg.lstsq(Ad, b, rcond=None)[0], rtol=1e-10)
    np.testing.assert_allclose(_argmin(prob), x_ref, rtol=1e-9, atol=1e-12)
    r = Ad @ x_ref - b
    assert prob.fun(x_ref) == pytest.approx(r @ r / (2 * n) + mu / 2 * x_ref @ x_ref, rel=1e-13)
    np.testing.assert_allclose(prob.hess(np.zeros(8)), Ad.T @ Ad / n + mu * np.eye(8),
                               rtol=1e-13)


# ---------------------------------------------------------------------------
# Lipschitz bounds
# ---------------------------------------------------------------------------
def _lambda_max(prob, x):
    return np.linalg.eigvalsh(_dense(prob.hess(x)))[-1]


@pytest.mark.parametrize("d", [5, 60])  # Gram path (d <= 32) and Lanczos path
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("kind", KINDS)
def test_lipschitz_bounds_the_hessian(kind, sparse, d):
    rng = np.random.default_rng(21)
    n = 80
    A = rng.standard_normal((n, d)) * rng.uniform(0.1, 3.0, d)
    if sparse:
        A[rng.random((n, d)) < 0.6] = 0.0
    X = sp.csr_matrix(A) if sparse else A
    mu = 0.05
    if kind.startswith("logistic"):
        prob = LogisticRegression(X, rng.choice([-1, 1], n), mu,
                                  fit_intercept=kind == "logistic-intercept")
    elif kind == "softmax":
        prob = SoftmaxRegression(X, rng.integers(0, K, n), mu)
    else:
        prob = LeastSquares(X, rng.standard_normal(n), mu)
    L = prob.lipschitz()
    assert prob.lipschitz() == L  # cached
    lam0 = _lambda_max(prob, np.zeros(prob.dim))
    assert L >= lam0
    for seed in range(3):
        assert L >= _lambda_max(prob, rng.standard_normal(prob.dim) / np.sqrt(d))
    if kind == "softmax":
        # at W = 0 the Hessian is (X^T X) kron (I/K - 11^T/K^2) / n + mu I
        assert L <= K / 2 * lam0 * (1 + 1e-5)
    else:
        # logistic (sigma' <= 1/4, attained at 0) and least squares: exact norms
        assert L <= 2 * lam0
        # with an intercept, the bound adds mu to the unpenalized direction too
        slack = mu if kind == "logistic-intercept" else 0.0
        assert L <= lam0 * (1 + 1e-5) + slack


# ---------------------------------------------------------------------------
# numerics
# ---------------------------------------------------------------------------
def test_huge_margins_no_overflow_no_warnings():
    X = np.array([[1e4, 0.0], [-1e4, 0.0], [0.0, 3e3], [0.0, -800.0]])
    y = np.array([1.0, 1.0, -1.0, 1.0])
    w = np.array([1.0, 1.0])  # margins +1e4, -1e4, -3e3, -800
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            for Xm in (X, sp.csr_matrix(X)):
                prob = LogisticRegression(Xm, y, mu=0.0)
                f, g = prob.fun_and_grad(w)
                assert f == pytest.approx((0.0 + 1e4 + 3e3 + 800.0) / 4, rel=1e-15)
                # gradient: -(1/n) sum_i y_i sigma(-m_i) x_i
                g_ref = -(np.array([0, 1, 1, 1.0]) * y) @ X / 4
                np.testing.assert_allclose(g, g_ref, rtol=1e-15)
                H = prob.hess(w)
                assert np.all(np.isfinite(H)) and np.all(np.isfinite(prob.fisher(w)))
                assert np.all(np.isfinite(prob.hessp(w, np.ones(2))))
                # softmax with logits of size 1e4
                sm = SoftmaxRegression(Xm, [0, 1, 1, 0], n_classes=2)
                W = np.array([[1.0, -1.0], [0.5, 0.0]]).ravel()
                fs, gs = sm.fun_and_grad(W)
                # logits (1e4,-1e4), (-1e4,1e4), (1500,0), (-400,0): losses 0, 0, 1500, 400
                assert fs == pytest.approx((1500.0 + 400.0) / 4, rel=1e-15)
                assert np.all(np.isfinite(gs)) and np.all(np.isfinite(sm.hess(W)))


def test_labels_zero_one_are_mapped():
    Xd, _ = _data(4)
    y01 = np.random.default_rng(4).integers(0, 2, N)
    p01 = LogisticRegression(Xd, y01, 0.1)
    ppm = LogisticRegression(Xd, 2.0 * y01 - 1, 0.1)
    np.testing.assert_array_equal(p01.y, ppm.y)
    x = _point(p01)
    assert p01.fun(x) == ppm.fun(x)
    assert LogisticRegression(Xd, y01.astype(bool), 0.1).fun(x) == ppm.fun(x)


def test_logistic_value_at_zero_and_known_point():
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -1.0]])
    y = np.array([1, -1, 1])
    prob = LogisticRegression(X, y, mu=0.2)
    assert prob.fun(np.zeros(2)) == pytest.approx(np.log(2), rel=1e-15)
    w = np.array([0.3, -0.7])
    ref = np.mean(np.log1p(np.exp(-y * (X @ w)))) + 0.1 * w @ w
    assert prob.fun(w) == pytest.approx(ref, rel=1e-14)


# ---------------------------------------------------------------------------
# input validation
# ---------------------------------------------------------------------------
def test_bad_inputs():
    Xd, Xs = _data(0)
    y = np.where(np.arange(N) % 2, 1.0, -1.0)
    Y = np.arange(N) % K
    b = np.ones(N)
    with pytest.raises(ValueError, match=r"`X` and `y`.*inconsistent"):
        LogisticRegression(Xd, y[:-1])
    with pytest.raises(ValueError, match=r"`X` and `Y`"):
        SoftmaxRegression(Xd, Y[:-2])
    with pytest.raises(ValueError, match=r"`A` and `b`"):
        LeastSquares(Xs, b[:-1])
    for bad_mu in (-1e-3, np.nan, np.inf):
        for make in (lambda m: LogisticRegression(Xd, y, m), lambda m: SoftmaxRegression(Xd, Y, m),
                     lambda m: LeastSquares(Xd, b, m)):
            with pytest.raises(ValueError, match="`mu`"):
                make(bad_mu)
    with pytest.raises(TypeError, match="`mu`"):
        LogisticRegression(Xd, y, "0.1")
    Xnan = Xd.copy()
    Xnan[3, 2] = np.nan
    with pytest.raises(ValueError, match="`X` contains NaN"):
        LogisticRegression(Xnan, y)
    Xinf = Xs.copy()
    Xinf.data[0] = np.inf
    with pytest.raises(ValueError, match="`X` contains NaN"):
        SoftmaxRegression(Xinf, Y)
    with pytest.raises(ValueError, match="`A` contains NaN"):
        LeastSquares(Xnan, b)
    y_inf = y.copy()
    y_inf[0] = np.inf
    with pytest.raises(ValueError, match="`y` contains NaN"):
        LogisticRegression(Xd, y_inf)
    b_nan = b.copy()
    b_nan[1] = np.nan
    with pytest.raises(ValueError, match="`b` contains NaN"):
        LeastSquares(Xd, b_nan)
    with pytest.raises(ValueError, match=r"`y` must be binary"):
        LogisticRegression(Xd, np.arange(N) % 3)
    with pytest.raises(ValueError, match=r"`y` must be binary"):
        LogisticRegression(Xd, 1 + np.arange(N) % 2)  # {1, 2}
    with pytest.raises(ValueError, match=r"`Y` labels must be in 0\.\.2"):
        SoftmaxRegression(Xd, np.arange(N) % 4, n_classes=3)
    with pytest.raises(ValueError, match=r"`Y` labels must be in 0\.\.K-1"):
        SoftmaxRegression(Xd, Y - 1)
    with pytest.raises(ValueError, match=r"`Y` must hold integer"):
        SoftmaxRegression(Xd, Y + 0.5)
    with pytest.raises(ValueError, match="at least 2 classes"):
        SoftmaxRegression(Xd, np.zeros(N, dtype=int))
    with pytest.raises(ValueError, match="`X` must be 2-D"):
        LogisticRegression(np.ones(N), y)
    with pytest.raises(ValueError, match="`y` must be 1-D"):
        LogisticRegression(Xd, y[:, None])
    for prob in (LogisticRegression(Xd, y), LogisticRegression(Xd, y, fit_intercept=True),
                 SoftmaxRegression(Xs, Y), LeastSquares(Xd, b)):
        wrong = np.zeros(prob.dim + 1)
        for call in (prob.fun, prob.grad, prob.fun_and_grad, prob.hess, prob.fisher):
            with pytest.raises(ValueError, match=rf"`x` must be a 1-D array of length {prob.dim}"):
                call(wrong)
        with pytest.raises(ValueError, match="`x`"):
            prob.fun(np.zeros((prob.dim, 1)))
        with pytest.raises(ValueError, match="`v`"):
            prob.hessp(np.zeros(prob.dim), wrong)
    with pytest.raises(ValueError, match="`kind`"):
        from_libsvm("a1a", 1e-3, kind="svm")


# ---------------------------------------------------------------------------
# LIBSVM front door
# ---------------------------------------------------------------------------
def test_from_libsvm():
    _data_file("a1a")
    pytest.importorskip("optkit.problems.libsvm", reason="optkit.problems.libsvm not available")
    prob = from_libsvm("a1a", 1e-3)
    assert isinstance(prob, LogisticRegression) and prob.is_sparse
    assert prob.n_samples == 1605
    assert prob.fun(np.zeros(prob.dim)) == pytest.approx(np.log(2), rel=1e-14)
    assert prob.mu == 1e-3
    sm = from_libsvm("a1a", 1e-3, kind="softmax", data_dir=os.environ["OPTKIT_DATA_DIR"])
    assert isinstance(sm, SoftmaxRegression) and sm.n_classes == 2
    _data_file("housing_scale")
    ls = from_libsvm("housing_scale", 0.0, kind="least_squares")
    assert isinstance(ls, LeastSquares) and ls.n_samples == 506


def test_module_constant_documented():
    assert glm.HESS_DENSE_MAX_DIM == 2000
    assert "HESS_DENSE_MAX_DIM" in glm.__all__


def test_sparse_data_gram_uses_the_cheaper_storage_and_equals_the_dense_hessian():
    """A dense-ish sparse X is densified for Hessians (BLAS), a very sparse one is not;
    either way the Hessian equals the one built from the dense data (1e-12)."""
    import scipy.sparse as sp

    from optkit.problems.glm import LogisticRegression, _gram_operand

    rng = np.random.default_rng(3)
    dense_ish = sp.random(400, 30, density=0.4, random_state=1, format="csr")
    very_sparse = sp.random(400, 300, density=0.01, random_state=2, format="csr")
    assert isinstance(_gram_operand(dense_ish), np.ndarray)
    assert sp.issparse(_gram_operand(very_sparse))
    for X in (dense_ish, very_sparse):
        y = np.where(rng.random(X.shape[0]) < 0.5, -1.0, 1.0)
        x = rng.standard_normal(X.shape[1] + 1)
        H_sparse = LogisticRegression(X, y, mu=1e-3, fit_intercept=True).hess(x)
        H_dense = LogisticRegression(X.toarray(), y, mu=1e-3, fit_intercept=True).hess(x)
        np.testing.assert_allclose(H_sparse, H_dense, rtol=0, atol=1e-12)


@pytest.mark.parametrize("bad,exc", [(-0.1, ValueError), (float("nan"), ValueError),
                                     (float("inf"), ValueError), (True, TypeError),
                                     ("0.1", TypeError), (np.array([0.1, -1.0]), ValueError)])
def test_lasso_alpha_validation_names_the_argument(bad, exc):
    from optkit.problems.composite import Lasso

    X = np.eye(2)
    with pytest.raises(exc, match="alpha"):
        Lasso(X, np.ones(2), bad)
    assert Lasso(X, np.ones(2), np.float64(0.5)).alpha == 0.5
    assert Lasso(X, np.ones(2), 1).alpha == 1.0
