"""Tests of optkit.problems.synthetic (seeded instance generators).

References: numpy.linalg (eigvalsh, svd, solve) and closed forms.
"""

import math

import numpy as np
import pytest

from optkit.problems import synthetic as syn
from optkit.problems.base import SmoothProblem


# -- quadratics ----------------------------------------------------------------
@pytest.mark.parametrize("kind", ["uniform", "log", "clustered", "outliers"])
def test_quadratic_spectrum_kinds(kind):
    d, kappa, mu = 60, 1e3, 0.5
    p = syn.quadratic(d, kappa=kappa, mu=mu, kind=kind, seed=1)
    assert isinstance(p, SmoothProblem) and p.family == "smooth"
    lam = p.eigenvalues
    assert lam.shape == (d,) and np.all(np.diff(lam) >= 0)
    np.testing.assert_allclose(np.linalg.eigvalsh(p.A), lam, rtol=1e-10, atol=1e-10 * mu)
    assert p.strong_convexity() == pytest.approx(mu, rel=1e-14)
    assert p.lipschitz() == pytest.approx(kappa * mu, rel=1e-14)
    assert p.condition_number == pytest.approx(kappa, rel=1e-12)
    np.testing.assert_array_equal(p.spectrum, lam)


def test_quadratic_spectrum_shapes():
    d, kappa = 40, 1e4
    np.testing.assert_allclose(syn.quadratic(d, kappa=kappa, kind="uniform", seed=0).eigenvalues,
                               np.linspace(1.0, kappa, d), rtol=1e-14)
    np.testing.assert_allclose(syn.quadratic(d, kappa=kappa, kind="log", seed=0).eigenvalues,
                               np.geomspace(1.0, kappa, d), rtol=1e-12)
    # outliers: flat bulk in [1, 2] and k outliers well above it
    lam = syn.quadratic(d, kappa=kappa, kind="outliers", n_outliers=4, seed=0).eigenvalues
    assert np.all(lam[:-4] <= 2.0) and np.all(lam[-4:] >= math.sqrt(2.0 * kappa) - 1e-9)
    # clustered: 3 clusters, each of relative width << gap between clusters
    lam = syn.quadratic(30, kappa=100.0, kind="clustered", n_clusters=3, seed=0).eigenvalues
    centers = np.array([1.0, 10.0, 100.0])
    labels = np.argmin(np.abs(np.log(lam[:, None] / centers[None, :])), axis=1)
    assert np.bincount(labels).tolist() == [10, 10, 10]
    assert np.max(np.abs(lam / centers[labels] - 1.0)) <= 0.1


def test_quadratic_explicit_spectrum_and_optimum():
    spectrum = np.array([5.0, 1e-2, 3.0, 7.5, 0.25])
    p = syn.quadratic(5, spectrum=spectrum, seed=3)
    np.testing.assert_allclose(np.linalg.eigvalsh(p.A), np.sort(spectrum), rtol=1e-10)
    # x_star solves A x = b; f_star = fun(x_star); gradient vanishes there
    np.testing.assert_allclose(p.A @ p.x_star, p.b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(p.x_star, np.linalg.solve(p.A, p.b), rtol=1e-8)
    assert p.f_star == pytest.approx(p.fun(p.x_star), rel=1e-12)
    assert np.linalg.norm(p.grad(p.x_star)) <= 1e-10 * np.linalg.norm(p.b)
    # oracles
    x = np.arange(5.0)
    f, g = p.fun_and_grad(x)
    assert f == pytest.approx(0.5 * x @ p.A @ x - p.b @ x)
    np.testing.assert_allclose(g, p.A @ x - p.b)
    np.testing.assert_allclose(p.hessp(x, x), p.A @ x)
    assert p.hess(x) is p.A
    assert p.capabilities == {"fun", "grad", "fun_and_grad", "hess", "hessp"}
    # f is above f_star everywhere
    assert p.fun(x) >= p.f_star


def test_quadratic_reproducible():
    a = syn.quadratic(20, kappa=50.0, kind="log", seed=7)
    b = syn.quadratic(20, kappa=50.0, kind="log", seed=7)
    c = syn.quadratic(20, kappa=50.0, kind="log", seed=8)
    np.testing.assert_array_equal(a.A, b.A)
    np.testing.assert_array_equal(a.b, b.b)
    assert not np.allclose(a.A, c.A)
    g = np.random.default_rng(5)
    d = syn.quadratic(20, kappa=50.0, seed=g)
    e = syn.quadratic(20, kappa=50.0, seed=g)      # the generator advances
    assert not np.allclose(d.A, e.A)


def test_quadratic_problem_direct():
    p = syn.QuadraticProblem(np.diag([1.0, 4.0]), np.array([1.0, 2.0]))
    np.testing.assert_allclose(p.x_star, [1.0, 0.5])
    assert p.f_star == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="positive definite"):
        syn.QuadraticProblem(np.diag([1.0, -1.0]), np.zeros(2))
    with pytest.raises(ValueError, match="symmetric"):
        syn.QuadraticProblem(np.array([[1.0, 2.0], [0.0, 1.0]]), np.zeros(2))
    with pytest.raises(ValueError, match="`b`"):
        syn.QuadraticProblem(np.eye(2), np.zeros(3))


def test_least_squares_spectrum():
    s = np.array([10.0, 3.0, 1.0, 0.1])
    A, b = syn.least_squares_spectrum(30, 4, s, seed=0)
    assert A.shape == (30, 4) and b.shape == (30,)
    np.testing.assert_allclose(np.linalg.svd(A, compute_uv=False), s, rtol=1e-12)
    A2, b2 = syn.least_squares_spectrum(30, 4, s, seed=0)
    np.testing.assert_array_equal(A, A2)
    np.testing.assert_array_equal(b, b2)
    # wide matrix: min(n, d) singular values
    A, _ = syn.least_squares_spectrum(3, 8, [2.0, 1.0, 0.5], seed=1)
    np.testing.assert_allclose(np.linalg.svd(A, compute_uv=False), [2.0, 1.0, 0.5], rtol=1e-12)
    with pytest.raises(ValueError, match="singular_values"):
        syn.least_squares_spectrum(30, 4, [1.0, 2.0], seed=0)
    with pytest.raises(ValueError, match="singular_values"):
        syn.least_squares_spectrum(3, 2, [1.0, -2.0], seed=0)


# -- sparse regression ------------------------------------------------------------
def test_sparse_regression():
    X, y, w = syn.sparse_regression(200, 50, 7, snr=5.0, correlation=0.5, seed=0)
    assert X.shape == (200, 50) and y.shape == (200,) and w.shape == (50,)
    assert np.count_nonzero(w) == 7
    assert np.all((np.abs(w[w != 0]) >= 1.0) & (np.abs(w[w != 0]) <= 2.0))
    # noiseless data are exactly linear
    X0, y0, w0 = syn.sparse_regression(50, 20, 3, snr=np.inf, seed=1)
    np.testing.assert_allclose(y0, X0 @ w0)
    # neighbouring features correlate at about rho (statistical tolerance)
    Xc, _, _ = syn.sparse_regression(20000, 4, 1, correlation=0.6, seed=2)
    corr = np.corrcoef(Xc, rowvar=False)
    assert corr[0, 1] == pytest.approx(0.6, abs=0.03)
    assert corr[0, 2] == pytest.approx(0.36, abs=0.03)
    # SNR: residual variance ~ signal variance / snr
    Xs, ys, ws = syn.sparse_regression(20000, 10, 4, snr=4.0, seed=3)
    signal, resid = np.var(Xs @ ws), np.var(ys - Xs @ ws)
    assert signal / resid == pytest.approx(4.0, rel=0.1)
    # reproducible
    a = syn.sparse_regression(30, 10, 2, seed=9)
    b = syn.sparse_regression(30, 10, 2, seed=9)
    c = syn.sparse_regression(30, 10, 2, seed=10)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.allclose(a[0], c[0])


# -- optimal transport ---------------------------------------------------------------
@pytest.mark.parametrize("weights", ["uniform", "random"])
def test_ot_point_clouds(weights):
    a, b, M = syn.ot_point_clouds(40, 30, dim=3, weights=weights, seed=0)
    assert a.shape == (40,) and b.shape == (30,) and M.shape == (40, 30)
    assert a.sum() == pytest.approx(1.0, abs=1e-14) and b.sum() == pytest.approx(1.0, abs=1e-14)
    assert np.all(a > 0) and np.all(b > 0)
    assert np.all(M >= 0) and M.max() == pytest.approx(1.0)
    a, b, M, X, Y = syn.ot_point_clouds(40, 30, dim=3, weights=weights, seed=0,
                                        return_points=True)
    D = ((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    np.testing.assert_allclose(M, D / D.max(), rtol=1e-10, atol=1e-14)


def test_ot_point_clouds_same_support_and_seed():
    a, b, M = syn.ot_point_clouds(25, 25, same_support=True, seed=4)
    assert np.all(np.diag(M) == 0.0) and np.all(M >= 0)
    np.testing.assert_array_equal(M, M.T)
    r1 = syn.ot_point_clouds(10, 12, weights="random", seed=5)
    r2 = syn.ot_point_clouds(10, 12, weights="random", seed=5)
    r3 = syn.ot_point_clouds(10, 12, weights="random", seed=6)
    for u, v in zip(r1, r2):
        np.testing.assert_array_equal(u, v)
    assert not np.allclose(r1[2], r3[2])
    with pytest.raises(ValueError, match="same_support"):
        syn.ot_point_clouds(5, 6, same_support=True)
    with pytest.raises(ValueError, match="weights"):
        syn.ot_point_clouds(5, 6, weights="gaussian")


def test_ot_histograms_1d():
    a, b, M = syn.ot_histograms_1d(120, seed=0)
    assert a.shape == b.shape == (120,) and M.shape == (120, 120)
    assert a.sum() == pytest.approx(1.0, abs=1e-14) and b.sum() == pytest.approx(1.0, abs=1e-14)
    assert np.all(a > 0) and np.all(b > 0)
    i = np.arange(120.0)
    np.testing.assert_allclose(M, (i[:, None] - i[None, :]) ** 2 / 119.0 ** 2)
    assert np.all(np.diag(M) == 0) and np.all(M >= 0)
    _, _, M_raw = syn.ot_histograms_1d(10, normalize=False, seed=0)
    assert M_raw[0, 9] == 81.0
    a2, b2, _ = syn.ot_histograms_1d(120, seed=0)
    a3, _, _ = syn.ot_histograms_1d(120, seed=1)
    np.testing.assert_array_equal(a, a2)
    np.testing.assert_array_equal(b, b2)
    assert not np.allclose(a, a3)


# -- low rank -----------------------------------------------------------------------
@pytest.mark.parametrize("spacing", ["linear", "log"])
def test_low_rank_matrix_condition_number(spacing):
    M, U, S, V = syn.low_rank_matrix(40, 25, 5, kappa=20.0, seed=0, spacing=spacing)
    assert M.shape == (40, 25) and U.shape == (40, 5) and S.shape == (5,) and V.shape == (25, 5)
    s = np.linalg.svd(M, compute_uv=False)
    assert s[0] / s[4] == pytest.approx(20.0, rel=1e-8)
    assert np.all(s[5:] <= 1e-12)
    np.testing.assert_allclose(s[:5], S, rtol=1e-10)
    np.testing.assert_allclose(U.T @ U, np.eye(5), atol=1e-12)
    np.testing.assert_allclose(V.T @ V, np.eye(5), atol=1e-12)
    np.testing.assert_allclose(M, (U * S) @ V.T, atol=1e-14)


def test_low_rank_symmetric_and_seed():
    M, U, S, V = syn.low_rank_matrix(15, 15, 3, kappa=4.0, seed=1, symmetric=True)
    np.testing.assert_array_equal(M, M.T)
    assert np.all(np.linalg.eigvalsh(M) >= -1e-12)
    a = syn.low_rank_matrix(10, 8, 2, kappa=3.0, seed=2)[0]
    b = syn.low_rank_matrix(10, 8, 2, kappa=3.0, seed=2)[0]
    c = syn.low_rank_matrix(10, 8, 2, kappa=3.0, seed=3)[0]
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_matrix_completion_density():
    n1, n2, p = 300, 200, 0.2
    rows, cols, vals, M_star = syn.matrix_completion(n1, n2, 4, kappa=5.0, p=p, seed=0)
    N = n1 * n2
    # Binomial(N, p): 5 standard deviations
    assert abs(rows.size - p * N) <= 5 * math.sqrt(N * p * (1 - p))
    np.testing.assert_array_equal(vals, M_star[rows, cols])
    s = np.linalg.svd(M_star, compute_uv=False)
    assert s[0] / s[3] == pytest.approx(5.0, rel=1e-8)
    inst = syn.matrix_completion(n1, n2, 4, kappa=5.0, p=p, seed=0)
    assert inst.shape == (n1, n2) and inst.mask.sum() == rows.size
    assert len(set(zip(rows.tolist(), cols.tolist()))) == rows.size   # no duplicates
    full = syn.matrix_completion(20, 10, 2, kappa=2.0, p=1.0, seed=1)
    assert full.rows.size == 200
    noisy = syn.matrix_completion(50, 40, 2, kappa=2.0, p=0.5, seed=2, noise=0.1)
    resid = noisy.vals - noisy.M_star[noisy.rows, noisy.cols]
    assert np.std(resid) == pytest.approx(0.1, rel=0.15)


@pytest.mark.parametrize("symmetric", [False, True])
def test_matrix_sensing_adjoint(symmetric):
    n1, n2 = (9, 9) if symmetric else (9, 7)
    op, y, M_star = syn.matrix_sensing(n1, n2, 2, kappa=3.0, m=150, seed=0, symmetric=symmetric)
    assert op.matrices.shape == (150, n1 * n2) and y.shape == (150,)
    np.testing.assert_allclose(op.forward(M_star), y)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n1, n2))
    z = rng.standard_normal(150)
    lhs = op.forward(X) @ z
    rhs = np.sum(X * op.adjoint(z))
    assert lhs == pytest.approx(rhs, rel=1e-12)
    if symmetric:
        np.testing.assert_array_equal(M_star, M_star.T)
        A0 = op.matrices[0].reshape(n1, n2)
        np.testing.assert_allclose(A0, A0.T)
        assert np.all(np.linalg.eigvalsh(M_star) >= -1e-12)
    s = np.linalg.svd(M_star, compute_uv=False)
    assert s[0] / s[1] == pytest.approx(3.0, rel=1e-8)


def test_matrix_sensing_isometry_and_seed():
    # E ||A(X)||^2 = ||X||_F^2 for the N(0, 1/m) scaling
    op, _, _ = syn.matrix_sensing(6, 5, 1, m=4000, seed=0)
    X = np.random.default_rng(2).standard_normal((6, 5))
    assert np.sum(op.forward(X) ** 2) == pytest.approx(np.sum(X ** 2), rel=0.1)
    a = syn.matrix_sensing(6, 5, 2, kappa=2.0, m=30, seed=3)
    b = syn.matrix_sensing(6, 5, 2, kappa=2.0, m=30, seed=3)
    c = syn.matrix_sensing(6, 5, 2, kappa=2.0, m=30, seed=4)
    np.testing.assert_array_equal(a.operator.matrices, b.operator.matrices)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.allclose(a.y, c.y)
    with pytest.raises(ValueError, match="`X`"):
        a.operator.forward(np.zeros((5, 6)))
    with pytest.raises(ValueError, match="`y`"):
        a.operator.adjoint(np.zeros(29))


# -- validation ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: syn.quadratic(0), "`d`"),
        (lambda: syn.quadratic(-3), "`d`"),
        (lambda: syn.quadratic(2.5), "`d`"),
        (lambda: syn.quadratic(5, kappa=0.5), "`kappa`"),
        (lambda: syn.quadratic(5, kappa=np.inf), "`kappa`"),
        (lambda: syn.quadratic(5, mu=0.0), "`mu`"),
        (lambda: syn.quadratic(5, kind="wide"), "`kind`"),
        (lambda: syn.quadratic(5, kind="outliers", n_outliers=5), "`n_outliers`"),
        (lambda: syn.quadratic(5, kind="clustered", n_clusters=6), "`n_clusters`"),
        (lambda: syn.quadratic(3, spectrum=[1.0, 2.0]), "`spectrum`"),
        (lambda: syn.quadratic(2, spectrum=[1.0, 0.0]), "`spectrum`"),
        (lambda: syn.quadratic(5, seed="abc"), "`seed`"),
        (lambda: syn.sparse_regression(10, 5, 6), "`k`"),
        (lambda: syn.sparse_regression(10, 5, 2, snr=0.0), "`snr`"),
        (lambda: syn.sparse_regression(10, 5, 2, correlation=1.0), "`correlation`"),
        (lambda: syn.ot_point_clouds(0, 3), "`n`"),
        (lambda: syn.ot_point_clouds(3, 3, dim=0), "`dim`"),
        (lambda: syn.ot_histograms_1d(1), "`n`"),
        (lambda: syn.low_rank_matrix(5, 4, 5), "`r`"),
        (lambda: syn.low_rank_matrix(5, 4, 2, kappa=0.9), "`kappa`"),
        (lambda: syn.low_rank_matrix(5, 4, 1, kappa=2.0), "`kappa`"),
        (lambda: syn.low_rank_matrix(5, 4, 2, spacing="cubic"), "`spacing`"),
        (lambda: syn.low_rank_matrix(5, 4, 2, symmetric=True), "symmetric"),
        (lambda: syn.matrix_completion(5, 4, 2, p=0.0), "`p`"),
        (lambda: syn.matrix_completion(5, 4, 2, p=1.5), "`p`"),
        (lambda: syn.matrix_completion(5, 4, 2, noise=-1.0), "`noise`"),
        (lambda: syn.matrix_sensing(5, 4, 2, m=0), "`m`"),
        (lambda: syn.matrix_sensing(5, 4, 2, symmetric=True), "symmetric"),
    ],
)
def test_bad_input_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_label_propagation_lattice():
    import scipy.sparse as sp

    from optkit.problems.synthetic import label_propagation

    smooth, x_star = label_propagation(6, 0.3, seed=0)
    assert sp.issparse(smooth.X) and smooth.dim == 36
    # x_star is the minimizer: the gradient vanishes, and a dense solve agrees
    assert np.abs(smooth.grad(x_star)).max() < 1e-12
    A = smooth.X.toarray()
    np.testing.assert_allclose(x_star, np.linalg.lstsq(A, smooth.b, rcond=None)[0],
                               atol=1e-10)
    # the Hessian's off-diagonal pattern is the lattice: 4 neighbours inside, 2 at corners
    H = A.T @ A
    degrees = (np.abs(H) > 1e-12).sum(axis=1) - 1
    assert degrees.max() == 4 and degrees.min() == 2
    with pytest.raises(ValueError, match="labelled"):
        label_propagation(5, 1.5)
    with pytest.raises(ValueError, match="`m`"):
        label_propagation(1)
