"""Soft-Impute: exact recovery at small lambda, and the convex solution (cvxpy)
at a moderate lambda."""

from __future__ import annotations

import numpy as np
import pytest

import optkit
from optkit.problems.lowrank import LowRankProblem
from optkit.problems.synthetic import matrix_completion


def test_exact_recovery_at_small_lambda():
    rows, cols, vals, M = matrix_completion(80, 60, 3, kappa=3.0, p=0.4, seed=1)
    prob = LowRankProblem.completion(rows, cols, vals, (80, 60), 3, truth=M)
    res = optkit.minimize(prob, method="soft-impute", tol=1e-12, options={"lam_rel": 1e-10})
    assert res.success
    assert np.linalg.norm(res.U @ res.V.T - M) / np.linalg.norm(M) < 1e-8


def test_matches_the_nuclear_norm_solution_of_cvxpy():
    cp = pytest.importorskip("cvxpy")
    rows, cols, vals, M = matrix_completion(20, 15, 2, p=0.6, seed=3, noise=0.05)
    lam = 0.5
    prob = LowRankProblem.completion(rows, cols, vals, (20, 15), 2)
    res = optkit.minimize(prob, method="soft-impute", tol=1e-12,
                          options={"lam": lam, "oversample": 4, "maxiter": 5000})
    Z = cp.Variable((20, 15))
    mask = np.zeros((20, 15))
    mask[rows, cols] = 1.0
    target = np.zeros((20, 15))
    target[rows, cols] = vals
    obj = 0.5 * cp.sum_squares(cp.multiply(mask, Z - target)) + lam * cp.normNuc(Z)
    value = cp.Problem(cp.Minimize(obj)).solve(solver=cp.CLARABEL)
    X = res.U @ res.V.T
    assert res.fun <= value + 1e-6 * abs(value)
    np.testing.assert_allclose(X, Z.value, atol=2e-4 * np.abs(Z.value).max())
    # the solution's rank is below the working width: the extra values are 0
    assert np.sum(res.singular_values > 0) < 6
