"""Subgradient method on the l1 loss: recovery under 20% and 30% gross
outliers, where GD on the l2 loss fails (Ma-Fattahi)."""

from __future__ import annotations

import numpy as np
import pytest

import optkit
from optkit.problems.lowrank import LowRankProblem
from optkit.problems.synthetic import matrix_sensing


def _corrupted(frac, seed=0):
    op, y, M = matrix_sensing(10, 10, 2, m=400, seed=seed, symmetric=True)
    rng = np.random.default_rng(seed + 10)
    y = y.copy()
    bad = rng.random(y.size) < frac
    y[bad] += 10.0 * rng.standard_normal(int(bad.sum()))
    return op, y, M


@pytest.mark.parametrize("frac", [0.2, 0.3])
def test_recovers_under_outliers_where_l2_gd_does_not(frac):
    op, y, M = _corrupted(frac)
    prob = LowRankProblem.sensing(op, y, rank=4, truth=M)        # over-parameterized
    sub = optkit.minimize(prob, method="lowrank-subgradient", tol=1e-10)
    gd = optkit.minimize(prob, method="lowrank-gd", tol=1e-10)
    err_sub = np.linalg.norm(sub.U @ sub.U.T - M) / np.linalg.norm(M)
    err_gd = np.linalg.norm(gd.U @ gd.U.T - M) / np.linalg.norm(M)
    assert err_sub < 2e-3, err_sub
    assert err_gd > 0.5, err_gd
    # exact rank: the l1 fit is sharp and the error follows the geometric steps
    exact = optkit.minimize(LowRankProblem.sensing(op, y, rank=2, truth=M),
                            method="lowrank-subgradient", tol=1e-10)
    assert exact.rel_error < 1e-8, exact.rel_error


def test_step_rule_and_loss():
    op, y, M = _corrupted(0.0)
    prob = LowRankProblem.sensing(op, y, rank=2)
    X0 = np.random.default_rng(0).standard_normal((10, 2)) * 0.5
    res = optkit.minimize(prob, X0, method="lowrank-subgradient",
                          options={"maxiter": 3, "step": 0.2, "decay": 0.9})
    A, X = op.matrices, X0.copy()
    for t in range(3):
        r = A @ (X @ X.T).ravel() - y
        D = (A.T @ np.sign(r)).reshape(10, 10) / np.sqrt(r.size)
        X = X - 0.2 * 0.9 ** t * D @ X
    np.testing.assert_allclose(res.U, X, rtol=1e-10, atol=1e-12)
    r = A @ (X @ X.T).ravel() - y
    np.testing.assert_allclose(res.fun, np.abs(r).sum() / np.sqrt(r.size), rtol=1e-10)
    np.testing.assert_allclose(res.step_size, 0.2 * 0.9 ** 3)
