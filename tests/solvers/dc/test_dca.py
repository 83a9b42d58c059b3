"""Continuous DC methods (dca, boosted-dca) against independent references: a
convex-concave procedure written with cvxpy, a global enumeration of the
capped-l1 regions, DCCP when it runs, and the DC criticality condition."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

import optkit
from optkit.problems import SmoothProblem
from optkit.problems.dc import (CappedL1Excess, ConvexFunction, DCProblem, L2Norm,
                                sparse_regression)


def _data(m=25, d=6, seed=1):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, d))
    w = np.zeros(d)
    w[[0, 2, d - 1]] = [2.0, -1.0, 1.0]
    return A, A @ w + 0.1 * rng.standard_normal(m)


def _phi_l1l2(A, b, alpha, x):
    m = A.shape[0]
    return 0.5 * np.sum((A @ x - b) ** 2) / m + alpha * (np.abs(x).sum() - np.linalg.norm(x))


def _ccp_cvxpy(A, b, alpha, x0, iters=500):
    """The convex-concave procedure with cvxpy subproblems (an independent DCA)."""
    import cvxpy as cp
    m, d = A.shape
    x = cp.Variable(d)
    y = cp.Parameter(d)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b) / (2 * m)
                                  + alpha * cp.norm1(x) - y @ x))
    xk = np.array(x0, dtype=float)
    for _ in range(iters):
        nrm = np.linalg.norm(xk)
        y.value = alpha * xk / nrm if nrm > 0 else np.zeros(d)
        prob.solve(solver="CLARABEL")
        xn = np.asarray(x.value)
        if np.linalg.norm(xn - xk) <= 1e-10:
            xk = xn
            break
        xk = xn
    return xk


@pytest.mark.parametrize("seed", [1, 2])
def test_l1_l2_matches_a_cvxpy_convex_concave_procedure(seed):
    """Per start, DCA (bcd subproblems) reaches the fixed point the cvxpy CCP reaches;
    the best over starts agrees to 1e-7."""
    A, b = _data(seed=seed)
    alpha = 0.1
    prob = sparse_regression(A, b, alpha)
    rng = np.random.default_rng(seed)
    ours, ref = [], []
    for x0 in [np.zeros(6)] + [rng.standard_normal(6) for _ in range(3)]:
        res = optkit.minimize(prob, x0, method="dca", tol=1e-10)
        assert res.success
        xr = _ccp_cvxpy(A, b, alpha, x0)
        np.testing.assert_allclose(res.x, xr, atol=1e-5)
        ours.append(res.fun)
        ref.append(_phi_l1l2(A, b, alpha, xr))
    assert abs(min(ours) - min(ref)) <= 1e-7


def test_l1_l2_against_dccp_multistart():
    """The best of DCA from 8 starts is no worse than the best of 8 DCCP runs."""
    dccp = pytest.importorskip("dccp")
    import cvxpy as cp
    A, b = _data(seed=3)
    alpha, m, d = 0.1, A.shape[0], A.shape[1]
    rng = np.random.default_rng(0)
    starts = [rng.standard_normal(d) for _ in range(8)]
    best_dccp = np.inf
    for x0 in starts:
        x, t = cp.Variable(d), cp.Variable()
        p = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b) / (2 * m) + alpha * cp.norm1(x) - t),
                       [t <= alpha * cp.norm(x, 2)])
        x.value, t.value = x0, alpha * np.linalg.norm(x0)
        try:
            dccp.dccp(p, max_iter=200)
        except Exception as exc:           # dccp 1.1.1 fails on its own example with cvxpy 1.9
            pytest.skip(f"dccp does not run here: {exc}")
        best_dccp = min(best_dccp, _phi_l1l2(A, b, alpha, np.asarray(x.value)))
    prob = sparse_regression(A, b, alpha)
    best = min(optkit.minimize(prob, x0, method="dca", tol=1e-9).fun for x0 in starts)
    assert best <= best_dccp + 1e-6


def test_capped_l1_equals_global_enumeration():
    """phi = LS + alpha sum min(|x_i|, theta): on each of the 3^d regions
    {|x_i| <= theta} / {x_i >= theta} / {x_i <= -theta} it is convex (solved by
    cvxpy); the global minimum is the best region. Multi-start DCA and BDCA reach it."""
    import cvxpy as cp
    A, b = _data(m=20, d=4, seed=5)
    m, d = A.shape
    alpha, theta = 0.3, 0.4
    x = cp.Variable(d)
    best = np.inf
    for regions in itertools.product((0, 1, -1), repeat=d):
        pen, cons = 0, []
        for i, r in enumerate(regions):
            if r == 0:
                pen += alpha * cp.abs(x[i])
                cons.append(cp.abs(x[i]) <= theta)
            else:
                pen += alpha * theta
                cons.append(r * x[i] >= theta)
        p = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b) / (2 * m) + pen), cons)
        p.solve(solver="CLARABEL")
        if p.status == "optimal":
            best = min(best, p.value)
    prob = sparse_regression(A, b, alpha, penalty="capped-l1", theta=theta)
    rng = np.random.default_rng(0)
    starts = [np.zeros(d)] + [2 * rng.standard_normal(d) for _ in range(7)]
    for method in ("dca", "boosted-dca"):
        vals = [optkit.minimize(prob, x0, method=method, tol=1e-10).fun for x0 in starts]
        assert min(vals) <= best + 1e-7 and min(vals) >= best - 1e-7, method


@pytest.mark.parametrize("penalty", ["l1-l2", "capped-l1"])
def test_dca_decreases_phi_monotonically(penalty):
    A, b = _data(m=40, d=10, seed=7)
    kw = {"theta": 0.3} if penalty == "capped-l1" else {}
    prob = sparse_regression(A, b, 0.05, penalty=penalty, **kw)
    for method in ("dca", "boosted-dca"):
        res = optkit.minimize(prob, np.ones(10), method=method, tol=1e-10)
        f = res.trace["fun"]
        assert res.success
        assert np.all(np.diff(f) <= 1e-12 * np.abs(f[:-1]).max()), method
        assert np.all(res.trace["decrease"][1:] >= -1e-12)


def _smooth_dc(d=8, seed=0):
    """g = 1/2 x'Qx - c'x (strongly convex, smooth), h = sum log(1 + exp(x_i)) (smooth):
    the setting of Aragon Artacho, Fleming & Vuong (2018), where d is a descent direction."""
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((d, d))
    Q = M @ M.T / d + np.eye(d)
    c = rng.standard_normal(d)
    g = SmoothProblem(lambda x: 0.5 * x @ Q @ x - c @ x, grad=lambda x: Q @ x - c,
                      hess=lambda x: Q, x0=np.zeros(d))
    h = ConvexFunction(lambda x: 3.0 * float(np.logaddexp(0, x).sum()),
                       lambda x: 3.0 / (1 + np.exp(-x)))
    return DCProblem(g, h), Q, c


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_boosted_dca_takes_no_more_iterations_than_dca(seed):
    """Same start and tolerance, on the paper's setting (g and h smooth, g strongly
    convex: d_k is a descent direction at z_k, AAFV 2018 Prop. 3); margin 0.
    Observed: BDCA needs 40-50% fewer iterations on these (e.g. 27 -> 18). Not
    asserted on the l1 - l2 regression, where g is not differentiable and BDCA
    took more iterations on some seeds (7 -> 11 at seed 2): there only the
    objective reached is compared. Also the fixed point: Qx - c = grad h(x)."""
    prob, Q, c = _smooth_dc(seed=seed)
    x0 = np.full(8, 2.0)
    dca = optkit.minimize(prob, x0, method="dca", tol=1e-8)
    bdca = optkit.minimize(prob, x0, method="boosted-dca", tol=1e-8)
    assert dca.success and bdca.success
    assert bdca.nit <= dca.nit
    for res in (dca, bdca):
        assert np.max(np.abs(Q @ res.x - c - 3.0 / (1 + np.exp(-res.x)))) <= 1e-6
    sparse = sparse_regression(*_data(m=40, d=10, seed=seed), 0.05)
    a = optkit.minimize(sparse, np.ones(10), method="dca", tol=1e-8)
    b = optkit.minimize(sparse, np.ones(10), method="boosted-dca", tol=1e-8)
    assert abs(b.fun - a.fun) <= 1e-9


def test_cvxpy_g_equals_composite_g():
    cp = pytest.importorskip("cvxpy")
    A, b = _data(seed=4)
    m, d = A.shape
    alpha = 0.1
    x = cp.Variable(d)
    g = cp.sum_squares(A @ x - b) / (2 * m) + alpha * cp.norm1(x)
    res_cvx = optkit.minimize(DCProblem(g, L2Norm(alpha)), np.ones(d), method="dca", tol=1e-8)
    res = optkit.minimize(sparse_regression(A, b, alpha), np.ones(d), method="dca", tol=1e-10)
    assert res_cvx.success and res_cvx.nsub >= res_cvx.nit
    np.testing.assert_allclose(res_cvx.x, res.x, atol=1e-5)
    assert abs(res_cvx.fun - res.fun) <= 1e-7


def test_result_fields_and_counts():
    prob, Q, c = _smooth_dc()
    res = optkit.minimize(prob, np.ones(8), method="dca", tol=1e-8)
    y = 3.0 / (1 + np.exp(-res.x))
    np.testing.assert_allclose(res.subgradient, y, atol=1e-6)
    assert res.nsubgrad == res.nit + 1 and res.nsub >= res.nit + 1
    assert res.ninner > 0 and res.nfev >= res.nsub


def test_libsvm_regression(data_dir):
    from optkit.problems import libsvm
    X, y = libsvm.load("housing_scale", data_dir=data_dir, download=False)
    y = (y - y.mean()) / y.std()
    for penalty, kw in (("l1-l2", {}), ("capped-l1", {"theta": 0.2})):
        prob = sparse_regression(X, y, 0.01, penalty=penalty, **kw)
        res = optkit.minimize(prob, method="boosted-dca", tol=1e-7)
        assert res.success
        assert res.fun <= prob.fun(np.zeros(X.shape[1])) - 0.1


# -- bad input -------------------------------------------------------------------

def test_h_without_subgradient_is_an_error_naming_h():
    g = SmoothProblem(lambda x: x @ x, grad=lambda x: 2 * x, x0=np.zeros(2))

    class NoSub:
        def fun(self, x):
            return 0.0
    with pytest.raises(TypeError, match="`h` must provide a subgradient"):
        DCProblem(g, NoSub())
    with pytest.raises(TypeError, match="`h` must provide a subgradient"):
        DCProblem(g, lambda x: 0.0)
    with pytest.raises(TypeError, match="`subgradient` must be callable"):
        ConvexFunction(lambda x: 0.0, None)


def test_bad_g_and_penalty_arguments():
    with pytest.raises(TypeError, match="`g` must be"):
        DCProblem(lambda x: 0.0, L2Norm(1.0))
    A, b = _data()
    with pytest.raises(ValueError, match="`theta`"):
        sparse_regression(A, b, 0.1, penalty="capped-l1")
    with pytest.raises(ValueError, match="`penalty`"):
        sparse_regression(A, b, 0.1, penalty="scad")
    with pytest.raises(ValueError, match="`alpha`"):
        sparse_regression(A, b, -1.0)
    with pytest.raises(ValueError, match="`theta`"):
        CappedL1Excess(1.0, 0.0)
    prob = sparse_regression(A, b, 0.1)
    with pytest.raises(ValueError, match="`x0` must have shape"):
        optkit.minimize(prob, np.zeros(3), method="dca")


def test_nonfinite_subgradient_stops_with_status_3():
    g = SmoothProblem(lambda x: x @ x, grad=lambda x: 2 * x, x0=np.ones(2))
    h = ConvexFunction(lambda x: 0.0, lambda x: np.full(2, np.nan))
    res = optkit.minimize(DCProblem(g, h), method="dca")
    assert res.status == 3 and "subgradient" in res.message
