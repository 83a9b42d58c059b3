"""The 'lmo' family's contract problem (keys: ``tests/contract/__init__.py``)."""

from __future__ import annotations

import numpy as np

from conftest import Counter, random_spd


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


problem = lmo_quadratic_l1
