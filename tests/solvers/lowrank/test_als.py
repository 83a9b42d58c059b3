"""ALS: one iteration against per-row numpy.linalg.lstsq, exact recovery."""

from __future__ import annotations

import numpy as np

import optkit
from optkit.problems.lowrank import LowRankProblem
from optkit.problems.synthetic import matrix_completion


def test_one_iteration_equals_rowwise_ridge_lstsq():
    rows, cols, vals, M = matrix_completion(25, 20, 2, p=0.6, seed=0)
    prob = LowRankProblem.completion(rows, cols, vals, (25, 20), 2)
    rng = np.random.default_rng(1)
    U0, V0 = rng.standard_normal((25, 2)), rng.standard_normal((20, 2))
    lam = 0.3
    res = optkit.minimize(prob, (U0, V0), method="als", options={"maxiter": 1, "reg": lam})

    def ridge(F, own, other, n):
        out = np.zeros((n, 2))
        for i in range(n):
            sel = own == i
            A = F[other[sel]]
            out[i] = np.linalg.solve(A.T @ A + lam * np.eye(2), A.T @ vals[sel])
        return out

    V1 = ridge(U0, cols, rows, 20)
    U1 = ridge(V1, rows, cols, 25)
    np.testing.assert_allclose(res.V, V1, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.U, U1, rtol=1e-10, atol=1e-12)
    resid = (U1 @ V1.T)[rows, cols] - vals
    p = rows.size / 500
    fun = 0.5 * (resid @ resid + lam * (np.sum(U1**2) + np.sum(V1**2))) / p
    np.testing.assert_allclose(res.fun, fun, rtol=1e-10)


def test_exact_recovery():
    rows, cols, vals, M = matrix_completion(80, 60, 3, kappa=3.0, p=0.4, seed=2)
    prob = LowRankProblem.completion(rows, cols, vals, (80, 60), 3, truth=M)
    res = optkit.minimize(prob, method="als", tol=1e-12)
    assert res.success
    assert np.linalg.norm(res.U @ res.V.T - M) / np.linalg.norm(M) < 1e-8
