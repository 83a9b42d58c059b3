"""Counted oracle: counts, cache, finite differences, shape checks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import approx_fprime, rosen, rosen_der, rosen_hess

from optkit._core.oracle import CountedSmoothOracle
from optkit.problems import SmoothProblem

from conftest import Counter


def test_fun_and_grad_problem_is_called_once_per_point():
    calls = Counter(lambda x: (rosen(x), rosen_der(x)))
    oracle = CountedSmoothOracle(SmoothProblem(fun_and_grad=calls), 2)
    x = np.array([0.3, -0.2])
    f = oracle.fun(x)
    g = oracle.grad(x)          # cached: no second call (scipy's jac=True memo)
    f2, g2 = oracle.fun_and_grad(x)
    assert calls.calls == 1
    assert (oracle.nfev, oracle.njev) == (1, 1)
    assert f == f2 == rosen(x)
    np.testing.assert_array_equal(g, rosen_der(x))
    x2 = x + 1.0
    oracle.grad(x2)
    assert calls.calls == 2 and (oracle.nfev, oracle.njev) == (2, 2)


def test_separate_fun_and_grad_are_counted_separately_and_cached():
    fun, jac = Counter(rosen), Counter(rosen_der)
    oracle = CountedSmoothOracle(SmoothProblem(fun, jac), 2)
    x = np.array([1.5, 0.5])
    oracle.fun(x); oracle.fun(x); oracle.grad(x); oracle.fun_and_grad(x)
    assert (fun.calls, jac.calls) == (1, 1)
    assert oracle.counts() == (1, 1, 0, 0)


def test_cache_survives_caller_mutating_x():
    fun = Counter(lambda x: float(x @ x))
    oracle = CountedSmoothOracle(SmoothProblem(fun, lambda x: 2 * x), 3)
    x = np.ones(3)
    assert oracle.fun(x) == 3.0
    x[0] = 2.0                  # same array object, new point
    assert oracle.fun(x) == 6.0
    assert fun.calls == 2


@pytest.mark.parametrize("scheme, rtol", [("2-point", 1e-6), ("3-point", 1e-9)])
def test_finite_differences_are_accurate_and_counted(scheme, rtol):
    fun = Counter(rosen)
    oracle = CountedSmoothOracle(SmoothProblem(fun, scheme), 5)
    x = np.array([0.9, 1.1, 0.7, -0.3, 2.0])
    g = oracle.grad(x)
    np.testing.assert_allclose(g, rosen_der(x), rtol=rtol, atol=rtol)
    expected_calls = 5 + 1 if scheme == "2-point" else 10
    assert fun.calls == oracle.nfev == expected_calls
    assert oracle.njev == 0


def test_finite_difference_matches_scipy_approx_fprime():
    oracle = CountedSmoothOracle(SmoothProblem(rosen), 3)
    x = np.array([1.2, 1.0, 0.8])
    eps = np.sqrt(np.finfo(float).eps)
    np.testing.assert_allclose(oracle.grad(x), approx_fprime(x, rosen, eps * np.maximum(1, abs(x))),
                               rtol=1e-12)


def test_hessp_from_hess_uses_one_hessian_per_point():
    hess = Counter(rosen_hess)
    oracle = CountedSmoothOracle(SmoothProblem(rosen, rosen_der, hess=hess), 2)
    x = np.array([0.5, 0.5])
    v1, v2 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    np.testing.assert_allclose(oracle.hessp(x, v1), rosen_hess(x) @ v1)
    np.testing.assert_allclose(oracle.hessp(x, v2), rosen_hess(x) @ v2)
    assert hess.calls == 1 and oracle.nhev == 1 and oracle.nhvp == 0


def test_native_hessp_counts_nhvp():
    hessp = Counter(lambda x, p: rosen_hess(x) @ p)
    oracle = CountedSmoothOracle(SmoothProblem(rosen, rosen_der, hessp=hessp), 2)
    oracle.hessp(np.zeros(2), np.ones(2))
    assert oracle.nhvp == 1 and hessp.calls == 1 and oracle.nhev == 0


def test_wrong_gradient_shape_names_jac():
    oracle = CountedSmoothOracle(SmoothProblem(rosen, lambda x: np.zeros(3)), 2)
    with pytest.raises(ValueError, match=r"`jac`.*shape \(3,\).*expected \(2,\)"):
        oracle.grad(np.zeros(2))


def test_non_scalar_fun_names_fun():
    oracle = CountedSmoothOracle(SmoothProblem(lambda x: x, lambda x: x), 2)
    with pytest.raises(ValueError, match="`fun` must return a scalar"):
        oracle.fun(np.zeros(2))


def test_wrong_hessian_shape_names_hess():
    oracle = CountedSmoothOracle(SmoothProblem(rosen, rosen_der, hess=lambda x: np.eye(3)), 2)
    with pytest.raises(ValueError, match="`hess` returned"):
        oracle.hess(np.zeros(2))


def test_problem_capabilities():
    p = SmoothProblem(rosen, rosen_der)
    assert p.capabilities == {"fun", "grad", "fun_and_grad"}
    p = SmoothProblem(fun_and_grad=lambda x: (rosen(x), rosen_der(x)), hess=rosen_hess)
    assert p.capabilities == {"fun", "grad", "fun_and_grad", "hess", "hessp"}
    assert not p.implements("fun") and p.implements("fun_and_grad")

    class Sub(SmoothProblem):
        def fun(self, x):
            return rosen(x)

        def grad(self, x):
            return rosen_der(x)

    assert Sub().capabilities == {"fun", "grad", "fun_and_grad"}


def test_problem_construction_errors():
    with pytest.raises(TypeError, match="needs `fun`"):
        SmoothProblem()
    with pytest.raises(TypeError, match="`hess` must be callable"):
        SmoothProblem(rosen, rosen_der, hess=np.eye(2))
    with pytest.raises(ValueError, match="`grad` must be a callable or one of"):
        SmoothProblem(rosen, "5-point")
