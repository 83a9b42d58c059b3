"""Coordinate descent for fractional minimization (method="fractional-cd").

References: Dinkelbach's method with cvxpy (concave / affine denominators: the
global optimum) or scipy L-BFGS-B (convex denominators: a critical point of
the nonconvex problem); dense grids and scipy's bounded scalar search for
coordinate-wise stationarity and for brute force on d = 2.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar

import optkit
from optkit.problems import SmoothProblem
from optkit.problems.composite import L1, Box, L2Squared
from optkit.problems.fractional import (Affine, FractionalProblem, Norm2,
                                        QuadraticDenominator)
from optkit.problems.glm import LeastSquares


def _ls_data(n, d, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d))
    x_true = np.zeros(d)
    x_true[: max(1, d // 3)] = rng.standard_normal(max(1, d // 3))
    b = A @ x_true + 0.1 * rng.standard_normal(n)
    return A, b


def _dinkelbach_cvxpy(A, b, lam, B, w, beta, lower=None, upper=None, iters=60):
    """Dinkelbach for (||Ax - b||^2/(2n) + lam ||x||_1) / (x'Bx/2 + w'x + beta), B <= 0:
    each parametric problem min N - alpha g is convex (solved by cvxpy/Clarabel)."""
    import cvxpy as cp

    n, d = A.shape
    x = cp.Variable(d)
    alpha = cp.Parameter(nonneg=True)
    N = cp.sum_squares(A @ x - b) / (2 * n) + lam * cp.norm1(x)
    negB = -0.5 * (B + B.T) if B is not None else np.zeros((d, d))
    gneg = 0.5 * cp.quad_form(x, cp.psd_wrap(negB)) - w @ x - beta     # = -g(x)
    cons = []
    if lower is not None:
        cons = [x >= lower, x <= upper]
    prob = cp.Problem(cp.Minimize(N + alpha * gneg), cons)

    def F(v):
        g = (0.5 * v @ B @ v if B is not None else 0.0) + w @ v + beta
        return (np.sum((A @ v - b) ** 2) / (2 * n) + lam * np.abs(v).sum()) / g

    alpha.value = 0.0
    val = np.inf
    for _ in range(iters):
        prob.solve(solver="CLARABEL")
        v = x.value
        new = F(v)
        if abs(new - val) <= 1e-13 * max(1.0, abs(new)):
            break
        val = new
        alpha.value = max(new, 0.0)
    return v, F(v)


def _dinkelbach_scipy(A, b, lam, beta, x0, iters=100):
    """Dinkelbach for (||Ax - b||^2/(2n) + lam ||x||_1) / sqrt(||x||^2 + beta): each
    parametric problem (nonconvex) by L-BFGS-B on x = p - q, p, q >= 0, warm started."""
    n, d = A.shape

    def F(v):
        return (np.sum((A @ v - b) ** 2) / (2 * n) + lam * np.abs(v).sum()) \
            / np.sqrt(v @ v + beta)

    v = x0.copy()
    alpha = F(v)
    for _ in range(iters):
        def obj(pq):
            p, q = pq[:d], pq[d:]
            xx = p - q
            r = A @ xx - b
            g = np.sqrt(xx @ xx + beta)
            val = r @ r / (2 * n) + lam * pq.sum() - alpha * g
            gx = A.T @ r / n - alpha * xx / g
            return val, np.concatenate([gx + lam, -gx + lam])

        pq0 = np.concatenate([np.maximum(v, 0), np.maximum(-v, 0)])
        res = minimize(obj, pq0, jac=True, method="L-BFGS-B", bounds=[(0, None)] * (2 * d),
                       options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-12})
        v = res.x[:d] - res.x[d:]
        new = F(v)
        if abs(new - alpha) <= 1e-14 * max(1.0, abs(new)):
            break
        alpha = new
    return v, F(v)


def _F_batch(A, b, lam, den, X):
    """F at the rows of X for (||Ax - b||^2/(2n) + lam ||x||_1) / g(x), from A, b and
    g written out (inf outside the domain)."""
    n = A.shape[0]
    N = np.sum((X @ A.T - b) ** 2, axis=1) / (2 * n) + lam * np.abs(X).sum(1)
    D = (0.5 * np.einsum("ij,jk,ik->i", X, den.B, X) if den.B is not None else 0.0) \
        + X @ den.w + den.beta
    with np.errstate(invalid="ignore", divide="ignore"):
        g = np.sqrt(np.maximum(D, 0)) if den.sqrt else D
        return np.where(D > 0, N / g, np.inf)


def _assert_cw_stationary(prob, x, A, b, lam, tol=1e-9):
    """No coordinate move lowers F (dense grid + bounded search on each coordinate)."""
    F0 = prob.fun(x)
    grid = np.linspace(-5, 5, 4001)
    for i in range(x.size):
        def Fi(t):
            y = x.copy()
            y[i] += t
            return prob.fun(y)
        Y = np.repeat(x[None, :], grid.size, axis=0)
        Y[:, i] += grid
        vals = _F_batch(A, b, lam, prob.denominator, Y)
        k = int(np.argmin(vals))
        r = minimize_scalar(Fi, bounds=(grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]),
                            method="bounded", options={"xatol": 1e-12})
        assert min(vals[k], r.fun) >= F0 - tol * max(1.0, abs(F0)), (i, F0, vals[k], r.fun)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_convex_norm_denominator_beats_dinkelbach(seed):
    """g = sqrt(||x||^2 + beta) (convex): CD reaches a coordinate-wise stationary point,
    which is critical, with F <= Dinkelbach's (scipy) + 1e-6 from the same start."""
    A, b = _ls_data(30, 8, seed)
    lam, beta = 0.05, 0.5
    prob = FractionalProblem(LeastSquares(A, b), Norm2(dim=8, beta=beta), L1(lam))
    x0 = np.full(8, 0.5)
    res = optkit.minimize(prob, x0, method="fractional-cd", tol=1e-12)
    assert res.success and res.certificate <= 1e-12
    assert prob.critical_residual(res.x) <= 1e-9
    assert res.critical_residual <= 1e-9
    assert abs(res.fun - prob.fun(res.x)) <= 1e-12 * abs(res.fun)
    _assert_cw_stationary(prob, res.x, A, b, lam)
    _, F_dk = _dinkelbach_scipy(A, b, lam, beta, x0)
    assert res.fun <= F_dk + 1e-6
    assert res.curvature == "convex"


@pytest.mark.parametrize("kind", ["concave", "affine", "concave-box"])
def test_concave_denominator_global_optimum(kind):
    """Concave or affine g: CD converges to the global minimum (Dinkelbach + cvxpy)."""
    A, b = _ls_data(25, 6, 7)
    d = 6
    lam = 0.05
    rng = np.random.default_rng(3)
    lower = upper = None
    penalty = L1(lam)
    if kind.startswith("concave"):
        M = rng.standard_normal((d, d))
        B, w, beta = -(M @ M.T / d + np.eye(d)), 0.2 * rng.standard_normal(d), 3.0
        den = QuadraticDenominator(B, w, beta)
        if kind == "concave-box":
            lower, upper = -0.2, 0.3
            penalty = L1(lam) + Box(lower, upper)
    else:
        B, w, beta = None, rng.uniform(0.1, 1.0, d), 1.0
        den = Affine(w, beta)
    prob = FractionalProblem(LeastSquares(A, b), den, penalty)
    res = optkit.minimize(prob, np.zeros(d), method="fractional-cd", tol=1e-12)
    assert res.success
    x_ref, F_ref = _dinkelbach_cvxpy(A, b, lam, B, w, beta, lower, upper)
    assert abs(res.fun - F_ref) <= 1e-6 * max(1.0, abs(F_ref))
    np.testing.assert_allclose(res.x, x_ref, atol=1e-4)
    assert res.curvature == ("concave" if B is not None else "affine")


def test_brute_force_global_on_d2():
    """d = 2, concave g: the CD point equals the global minimum of a dense 2-D grid
    (refined by Nelder-Mead); with the convex norm denominator, CD's F is no worse
    than the best of 20 random Nelder-Mead starts."""
    A = np.array([[1.0, 0.3], [0.2, 1.0], [1.0, -1.0]])
    b = np.array([1.0, -0.5, 0.8])
    lam = 0.1
    for den in (QuadraticDenominator(-np.eye(2), np.array([0.3, -0.2]), 2.0),
                Norm2(dim=2, beta=0.3)):
        prob = FractionalProblem(LeastSquares(A, b), den, L1(lam))
        res = optkit.minimize(prob, np.zeros(2) + 0.1, method="fractional-cd", tol=1e-12)
        g1 = np.linspace(-2, 2, 801)
        X, Y = np.meshgrid(g1, g1)
        P = np.column_stack([X.ravel(), Y.ravel()])
        vals = _F_batch(A, b, lam, den, P)
        k = int(np.argmin(vals))
        ref = minimize(prob.fun, P[k], method="Nelder-Mead",
                       options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 5000})
        F_grid = min(vals[k], ref.fun)
        if den.curvature == "concave":
            assert abs(res.fun - F_grid) <= 1e-8
        else:
            rng = np.random.default_rng(0)
            starts = [minimize(prob.fun, rng.uniform(-2, 2, 2), method="Nelder-Mead",
                               options={"xatol": 1e-12, "fatol": 1e-15}).fun
                      for _ in range(20)]
            assert res.fun <= min(starts) + 1e-8
            assert res.fun >= F_grid - 1e-8


def test_generic_numerator_matches_quadratic_kernel():
    """Callables + lipschitz = diag(Q) run the same iteration as the compiled path."""
    A, b = _ls_data(20, 5, 4)
    n = A.shape[0]
    ls = LeastSquares(A, b)
    den = Norm2(dim=5, beta=1.0)
    fast = FractionalProblem(ls, den, L1(0.02) + L2Squared(0.1))
    slow = FractionalProblem(SmoothProblem(lambda x: np.sum((A @ x - b) ** 2) / (2 * n),
                                           grad=lambda x: A.T @ (A @ x - b) / n),
                             den, L1(0.02) + L2Squared(0.1), lipschitz=(A * A).sum(0) / n)
    x0 = np.full(5, 0.2)
    for opts in ({"maxiter": 15}, {"maxiter": 12, "rule": "random", "seed": 3}):
        r1 = optkit.minimize(fast, x0, method="fractional-cd", tol=1e-300, options=opts)
        r2 = optkit.minimize(slow, x0, method="fractional-cd", tol=1e-300, options=opts)
        np.testing.assert_allclose(r1.x, r2.x, rtol=0, atol=1e-12)
        assert r1.nit == r2.nit == opts["maxiter"]
        assert r2.njev == r2.nfev <= r2.nit + 1      # one f and grad per moving update
    r = optkit.minimize(slow, x0, method="fcd", tol=1e-11)
    assert r.success and slow.critical_residual(r.x) <= 1e-9


def test_monotone_and_random_rule():
    A, b = _ls_data(40, 10, 8)
    prob = FractionalProblem(LeastSquares(A, b), Norm2(dim=10, beta=0.1), L1(0.02))
    res = optkit.minimize(prob, np.full(10, 0.3), method="fractional-cd", tol=1e-10,
                          options={"rule": "random", "seed": 0, "updates_per_step": 3})
    assert res.success and res.nit % 3 == 0
    f = res.trace["fun"]
    assert np.all(np.diff(f) <= 1e-12 * np.abs(f[1:]))
    assert res.nsub >= res.nit
    assert prob.critical_residual(res.x) <= 1e-7


def test_default_method_and_x0():
    A, b = _ls_data(15, 4, 1)
    prob = FractionalProblem(LeastSquares(A, b), Norm2(dim=4, beta=1.0), L1(0.1))
    np.testing.assert_array_equal(prob.x0, np.zeros(4))
    res = optkit.minimize(prob)
    assert res.method == "fractional-cd" and res.success
    # beta = 0: zero is outside the domain, the default start is 1/sqrt(d)
    prob0 = FractionalProblem(LeastSquares(A, b), Norm2(dim=4), L1(0.1))
    np.testing.assert_allclose(prob0.x0, np.full(4, 0.5))


def test_bad_input():
    A, b = _ls_data(10, 3, 0)
    ls = LeastSquares(A, b)
    den = Norm2(dim=3, beta=1.0)
    with pytest.raises(TypeError, match="`numerator`"):
        FractionalProblem(lambda x: 0.0, den)
    with pytest.raises(TypeError, match="`denominator`"):
        FractionalProblem(ls, lambda x: 1.0)
    with pytest.raises(TypeError, match="`penalty`"):
        FractionalProblem(ls, den, penalty=0.1)
    with pytest.raises(ValueError, match="`lipschitz`"):
        FractionalProblem(SmoothProblem(lambda x: 0.0, grad=lambda x: 0 * x), den)
    with pytest.raises(ValueError, match="`lipschitz`"):
        FractionalProblem(ls, den, lipschitz=[1.0, 2.0])
    with pytest.raises(ValueError, match="`numerator`"):
        FractionalProblem(ls, Norm2(dim=4))
    with pytest.raises(ValueError, match="`x0`"):
        FractionalProblem(ls, den, x0=np.zeros(5))
    with pytest.raises(ValueError, match="`B`"):
        QuadraticDenominator(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="`B`"):
        QuadraticDenominator(np.eye(2), beta=1.0)          # convex quadratic, no sqrt
    with pytest.raises(ValueError, match="`w`"):
        QuadraticDenominator(-np.eye(2), w=np.ones(3))
    with pytest.raises(ValueError, match="`beta`"):
        Norm2(dim=2, beta=-1.0)
    with pytest.raises(ValueError, match="`beta`"):
        Affine(np.ones(2), beta=np.nan)
    with pytest.raises(ValueError, match="`dim`"):
        Norm2()
    with pytest.raises(ValueError, match="`l1`|penalty `l1`"):
        FractionalProblem(ls, den, L1(np.ones(4)))
    prob = FractionalProblem(ls, QuadraticDenominator(-np.eye(3), beta=1.0))
    with pytest.raises(ValueError, match="`x0`"):
        optkit.minimize(prob, np.full(3, 2.0), method="fractional-cd")
    with pytest.raises(ValueError, match="theta"):
        optkit.minimize(prob, np.zeros(3), method="fractional-cd", options={"theta": -1.0})
    with pytest.raises(ValueError, match="rule"):
        optkit.minimize(prob, np.zeros(3), method="fractional-cd", options={"rule": "gs"})
    with pytest.raises(ValueError, match="composite"):
        optkit.minimize(prob, np.zeros(3), method="bcd")
