"""The 'fractional' family's contract problem (keys: ``tests/contract/__init__.py``)."""

from __future__ import annotations

import numpy as np

from conftest import Counter, random_spd


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


problem = fractional_concave
