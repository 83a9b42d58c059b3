"""The 'lp' family's contract problem (keys: ``tests/contract/__init__.py``)."""

from __future__ import annotations

import numpy as np


def lp_small(seed=0):
    """A feasible, bounded LP with equality rows, inequality rows and mixed bounds.

    The check compares the objective with ``scipy.optimize.linprog`` (HiGHS)
    to 1e-8 relative and the primal point to 1e-6 (the optimum is a vertex;
    random costs make it unique), and re-evaluates the returned point's
    relative KKT error with :meth:`LPProblem.kkt`. Every step advances one
    iteration (``check_every=1``). The LP oracle calls compiled kernels, not
    problem callables, so there is no independent counter.
    """
    from scipy.optimize import linprog

    from optkit.problems.lp import LPProblem

    rng = np.random.default_rng(seed)
    n, m_eq, m_ub = 6, 2, 3
    A_eq = rng.standard_normal((m_eq, n))
    A_ub = rng.standard_normal((m_ub, n))
    x_feas = rng.random(n)
    b_eq = A_eq @ x_feas
    b_ub = A_ub @ x_feas + rng.random(m_ub)
    bounds = [(0, 2), (-1, None), (None, 3), (0, None), (-2, 2), (0, 1)]
    c = rng.standard_normal(n)
    ref = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")
    assert ref.status == 0
    problem = LPProblem(c, A_eq=A_eq, b_eq=b_eq, A_ub=A_ub, b_ub=b_ub, bounds=bounds)

    def check(res):
        assert abs(res.fun - ref.fun) <= 1e-8 * (1 + abs(ref.fun))
        np.testing.assert_allclose(res.x, ref.x, rtol=0, atol=1e-6)
        assert problem.kkt(res.x, res.y).relative <= 1e-10 * (1 + 1e-6)

    return dict(problem=problem, x0=np.zeros(n + m_eq + m_ub), check=check, counters={},
                options={"check_every": 1})


problem = lp_small
