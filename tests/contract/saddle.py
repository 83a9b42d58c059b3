"""The 'saddle' family's contract problem (keys: ``tests/contract/__init__.py``)."""

from __future__ import annotations

import numpy as np

from conftest import Counter


def matrix_game_operator():
    """Saddle family: the 2 x 2 matrix game A = [[3, -1], [-2, 1]] (value 1/7, unique
    equilibrium x* = (3/7, 4/7), y* = (2/7, 5/7), from scipy's HiGHS in the check)
    posed as a bilinear problem over two entropy simplices with K = A^T a
    LinearOperator whose products are Counters (the independent nmatvec / nrmatvec).

    The check: the value is within the certified duality gap of HiGHS's, and for the
    methods run to tol = 1e-6 the strategies within 1e-5 of HiGHS's. Mirror descent,
    an O(1/sqrt(T)) method, gets tol = 0.1 (its gap after 2000 iterations is ~0.08).
    """
    from scipy.optimize import linprog
    from scipy.sparse.linalg import LinearOperator

    from optkit.problems.geometry import EntropySimplex
    from optkit.problems.saddle import SaddleProblem

    A = np.array([[3.0, -1.0], [-2.0, 1.0]])
    n, m = A.shape
    # HiGHS: min v s.t. A^T x <= v 1, x in the simplex (the row player's LP)
    lp = linprog(np.r_[np.zeros(n), 1.0], A_ub=np.c_[A.T, -np.ones(m)], b_ub=np.zeros(m),
                 A_eq=np.r_[np.ones(n), 0.0][None, :], b_eq=[1.0],
                 bounds=[(0, None)] * n + [(None, None)], method="highs")
    value, x_ref = lp.x[-1], lp.x[:n]
    mv = Counter(lambda x: A.T @ x)
    rmv = Counter(lambda y: A @ y)
    K = LinearOperator((m, n), matvec=mv, rmatvec=rmv, dtype=float)
    problem = SaddleProblem.bilinear(K, EntropySimplex(n=n), EntropySimplex(n=m))

    def check(res):
        assert res.gap == res.certificate
        assert res.dual_value - 1e-12 <= value <= res.primal_value + 1e-12
        assert abs(res.fun - value) <= res.gap + 1e-12
        if res.method != "mirror-descent":
            np.testing.assert_allclose(res.x, x_ref, atol=1e-5)

    return dict(problem=problem, x0=problem.x0.copy(), check=check, tol=1e-6,
                counters={"nmatvec": mv, "nrmatvec": rmv},
                overrides={"mirror-descent": {"tol": 0.1}})


problem = matrix_game_operator
