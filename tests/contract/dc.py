"""The 'dc' family's contract problem (keys: ``tests/contract/__init__.py``)."""

from __future__ import annotations

import numpy as np

from conftest import Counter


def l1_l2_least_squares(m=20, d=6, alpha=0.05, seed=4):
    """(1/2m)||Ax - b||^2 + alpha ||x||_1 - alpha ||x||_2 with every user callable
    counted (methods of the "dc" family): g is a CompositeProblem of a generic
    SmoothProblem (counted fun/jac) and L1, so the inner ``bcd`` solves call the
    user's f and its gradient; h has a counted value and subgradient.

    The check is the criticality of the DC program computed from A and b only:
    x = prox_{alpha |.|_1}(x - (grad f(x) - alpha x / ||x||)) to 1e-7 (a fixed point
    of the DCA map, partial g(x) and partial h(x) intersect), and res.fun = phi(x).
    """
    from optkit.problems import SmoothProblem
    from optkit.problems.composite import CompositeProblem, L1
    from optkit.problems.dc import ConvexFunction, DCProblem

    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, d))
    b = A @ np.array([1.5, 0, 0, -1.0, 0, 0.5][:d]) + 0.05 * rng.standard_normal(m)
    fun = Counter(lambda x: 0.5 * np.sum((A @ x - b) ** 2) / m)
    jac = Counter(lambda x: A.T @ (A @ x - b) / m)
    hfun = Counter(lambda x: alpha * float(np.linalg.norm(x)))
    hsub = Counter(lambda x: alpha * x / np.linalg.norm(x) if np.any(x) else 0.0 * x)
    lip = np.sum(A * A, axis=0) / m
    g = CompositeProblem(SmoothProblem(fun, grad=jac, x0=np.zeros(d)), L1(alpha))
    problem = DCProblem(g, ConvexFunction(hfun, hsub), lipschitz=lip)

    def check(res):
        x = res.x
        y = alpha * x / np.linalg.norm(x)
        v = x - (A.T @ (A @ x - b) / m - y)
        prox = np.sign(v) * np.maximum(np.abs(v) - alpha, 0.0)
        assert np.max(np.abs(x - prox)) <= 1e-7
        phi = 0.5 * np.sum((A @ x - b) ** 2) / m + alpha * (np.abs(x).sum() - np.linalg.norm(x))
        assert abs(res.fun - phi) <= 1e-12 * max(1.0, abs(phi))

    return dict(problem=problem, x0=np.ones(d), check=check,
                counters={"nfev": fun, "njev": jac, "nh": hfun, "nsubgrad": hsub})


problem = l1_l2_least_squares
