"""Shared fixtures: problems each family's contract tests run on.

Later families add a factory to ``CONTRACT_PROBLEMS`` so the contract test in
``test_contract.py`` covers their methods automatically.
"""

from __future__ import annotations

import numpy as np
import pytest


class Counter:
    """Wraps a callable and counts its calls (the independent count)."""

    def __init__(self, fn):
        self.fn = fn
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.fn(*args, **kwargs)


def random_spd(d, kappa, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    eig = np.logspace(0, np.log10(kappa), d)
    return (Q * eig) @ Q.T, rng.standard_normal(d)


def quadratic_callables(d=6, kappa=50.0, seed=0):
    """fun, jac, hess, hessp of 1/2 x'Ax - b'x, each wrapped in a Counter, and x*."""
    A, b = random_spd(d, kappa, seed)
    fun = Counter(lambda x: 0.5 * x @ A @ x - b @ x)
    jac = Counter(lambda x: A @ x - b)
    hess = Counter(lambda x: A.copy())
    hessp = Counter(lambda x, p: A @ p)
    return dict(fun=fun, jac=jac, hess=hess, hessp=hessp, x_star=np.linalg.solve(A, b),
                x0=np.ones(d),
                counters={"nfev": fun, "njev": jac, "nhev": hess, "nhvp": hessp})


#: family -> factory of the contract problem (see ``tests/test_contract.py::_run``
#: for the keys: ``problem`` or smooth callables, ``x0``, ``x_star`` or
#: ``check(res)``, ``counters``, optional ``options`` and ``tol``).
def composite_l1_quadratic(d=6, kappa=20.0, seed=1, alpha=0.3):
    """1/2 x'Ax - b'x + alpha ||x||_1 through counted callables (coordinate methods).

    The check is the Lasso KKT system: |g_i| <= alpha where x_i = 0 and
    g_i = -alpha sign(x_i) elsewhere (g = Ax - b), to 1e-8.
    """
    from optkit.problems import CompositeProblem, SmoothProblem
    from optkit.problems.composite import L1

    p = quadratic_callables(d, kappa, seed)
    A, b = random_spd(d, kappa, seed)
    smooth = SmoothProblem(p["fun"], grad=p["jac"], hess=p["hess"], hessp=p["hessp"])

    def check(res):
        g = A @ res.x - b
        nz = res.x != 0
        assert np.all(np.abs(g[~nz]) <= alpha + 1e-8)
        np.testing.assert_allclose(g[nz], -alpha * np.sign(res.x[nz]), atol=1e-8)

    return dict(problem=CompositeProblem(smooth, L1(alpha)), x0=np.ones(d), check=check,
                counters=p["counters"], options={"updates_per_step": 1})


def ot_small(n=7, m=5, reg=0.5, seed=3):
    """Entropic OT between random histograms (methods of the "ot" family).

    The check compares the plan with POT's ``ot.bregman.sinkhorn_log`` run to
    a marginal error of 1e-14, to 1e-9. Every step advances one iteration
    (``check_every=1``). The OT oracle calls compiled kernels, not problem
    callables, so there is no independent counter (``counters`` is empty).
    """
    import ot as pot

    from optkit.problems.ot import OTProblem

    rng = np.random.default_rng(seed)
    a, b = rng.random(n) + 0.1, rng.random(m) + 0.1
    a, b = a / a.sum(), b / b.sum()
    M = rng.random((n, m))
    P_ref = pot.bregman.sinkhorn_log(a, b, M, reg, numItermax=100_000, stopThr=1e-15)

    def check(res):
        np.testing.assert_allclose(res.plan, P_ref, rtol=0, atol=1e-9)

    # mirror-sinkhorn: O(log t / sqrt t) method for the unregularized cost; its
    # certificate (a duality gap, see its docstring) reaches 0.05 in ~1000 iterations
    w_emd = pot.emd2(a, b, M)

    def check_mirror(res):
        T, Mmax = res.nit, M.max()
        bound = Mmax * (np.log(min(n, m)) + 0.5 * (1 + np.log(T))) / (2 * (np.sqrt(T + 1) - 1))
        assert -2 * Mmax * res.marginal_err <= res.transport_cost - w_emd <= bound
        assert res.transport_cost - w_emd <= res.gap
        assert res.marginal_err <= 0.05

    return dict(problem=OTProblem(a, b, M, reg), x0=np.zeros(n + m), check=check,
                counters={}, options={"check_every": 1},
                overrides={"mirror-sinkhorn": {"tol": 0.05, "check": check_mirror}})


def lmo_quadratic_l1(d=4, kappa=5.0, seed=3):
    """Frank-Wolfe family: a strongly convex quadratic over the unit l1 ball, minimizer
    inside; fun, jac and the lmo wrapped in Counters. The tolerance is loose enough
    for the zeroth-order method (its accuracy is tested in tests/solvers/frank_wolfe)."""
    from optkit.problems import LMOProblem
    from optkit.problems.sets import L1Ball

    A, _ = random_spd(d, kappa, seed)
    c = np.linspace(0.2, -0.1, d)
    b = A @ c
    fun = Counter(lambda x: 0.5 * x @ A @ x - b @ x)
    jac = Counter(lambda x: A @ x - b)
    lmo = Counter(L1Ball(1.0).lmo)
    f_star = fun.fn(c)

    def check(res):
        assert np.abs(res.x).sum() <= 1.0 + 1e-12
        if res.method == "zo-fw":
            assert fun.fn(res.x) - f_star <= 0.05
        else:                                   # the FW gap bounds f - f*
            assert fun.fn(res.x) - f_star <= res.certificate + 1e-12

    problem = LMOProblem(fun, jac, lmo)
    return dict(problem=problem, x0=np.eye(d)[0], check=check, tol=0.05,
                counters={"nfev": fun, "njev": jac, "nlmo": lmo})


def fractional_concave(d=5, kappa=10.0, seed=2, alpha=0.2):
    """(1/2 x'Ax - b'x + k + alpha ||x||_1) / (4 - |x|^2 / 2) with counted fun/jac
    (methods of the "fractional" family), k making the numerator >= 1.

    The denominator is concave, so critical points are global minimizers
    (Yuan 2023); the check is the critical-point condition
    x = prox_h(x - (Ax - b) + F(x) grad g(x)) to 1e-8, computed from A and b.
    """
    from optkit.problems import SmoothProblem
    from optkit.problems.composite import L1
    from optkit.problems.fractional import FractionalProblem, QuadraticDenominator

    A, b = random_spd(d, kappa, seed)
    b = 0.3 * b
    k = 0.5 * b @ np.linalg.solve(A, b) + 1.0
    fun = Counter(lambda x: 0.5 * x @ A @ x - b @ x + k)
    jac = Counter(lambda x: A @ x - b)
    den = QuadraticDenominator(-np.eye(d), beta=4.0)
    problem = FractionalProblem(SmoothProblem(fun, grad=jac), den, L1(alpha),
                                lipschitz=np.diag(A))

    def check(res):
        x = res.x
        g = 4.0 - 0.5 * x @ x
        F = (fun.fn(x) + alpha * np.abs(x).sum()) / g
        v = x - (A @ x - b) + F * (-x)
        prox = np.sign(v) * np.maximum(np.abs(v) - alpha, 0.0)
        assert np.max(np.abs(x - prox)) <= 1e-8
        assert abs(res.fun - F) <= 1e-12 * max(1.0, abs(F))

    return dict(problem=problem, x0=np.zeros(d), check=check,
                counters={"nfev": fun, "njev": jac}, options={"updates_per_step": 1})


CONTRACT_PROBLEMS = {
    "smooth": quadratic_callables,
    "ot": ot_small,
    "composite": composite_l1_quadratic,
    "lmo": lmo_quadratic_l1,
    "fractional": fractional_concave,
}


@pytest.fixture
def data_dir():
    """The LIBSVM folder from $OPTKIT_DATA_DIR, or skip."""
    import os

    path = os.environ.get("OPTKIT_DATA_DIR")
    if not path or not os.path.isdir(path):
        pytest.skip("OPTKIT_DATA_DIR is not set to a folder of LIBSVM data sets")
    return path
