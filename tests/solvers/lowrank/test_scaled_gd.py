"""ScaledGD(lambda): one step against its formula, exact recovery, and the
paper's claim: iterations nearly independent of kappa while GD's grow."""

from __future__ import annotations

import numpy as np

import optkit
from optkit.problems.lowrank import LowRankProblem
from optkit.problems.synthetic import matrix_completion, matrix_sensing


def _first_below(res, level):
    e = res.trace["rel_error"]
    hit = np.flatnonzero(e < level)
    return int(res.trace["nit"][hit[0]]) if hit.size else None


def test_one_step_equals_the_formula():
    op, y, M = matrix_sensing(8, 8, 2, kappa=3.0, m=150, seed=0, symmetric=True)
    prob = LowRankProblem.sensing(op, y, rank=3)
    X0 = np.random.default_rng(1).standard_normal((8, 3)) * 0.3
    res = optkit.minimize(prob, X0, method="scaled-gd",
                          options={"maxiter": 1, "damping": 0.05, "step": 0.4})
    A = op.matrices
    r = A @ (X0 @ X0.T).ravel() - y
    grad = (A.T @ r).reshape(8, 8) @ X0
    gain = res.step_size and 0.4 / res.step_size
    X1 = X0 - (0.4 / gain) * grad @ np.linalg.inv(X0.T @ X0 + 0.05 * np.eye(3))
    np.testing.assert_allclose(res.U, X1, rtol=1e-10, atol=1e-12)
    assert 0.5 < gain < 2.0                  # the map is close to an isometry
    np.testing.assert_allclose(res.fun, 0.25 * np.sum((A @ (X1 @ X1.T).ravel() - y) ** 2),
                               rtol=1e-10)


def test_exact_recovery_completion_and_overparameterized_sensing():
    rows, cols, vals, M = matrix_completion(60, 50, 2, kappa=5.0, p=0.5, seed=2)
    prob = LowRankProblem.completion(rows, cols, vals, (60, 50), 2, truth=M)
    res = optkit.minimize(prob, method="scaled-gd", tol=1e-12)
    assert np.linalg.norm(res.U @ res.V.T - M) / np.linalg.norm(M) < 1e-8
    # over-parameterized (k = 4 > r = 2), well-conditioned, many measurements
    op, y, Ms = matrix_sensing(10, 10, 2, kappa=1.0, m=1500, seed=0, symmetric=True)
    prob = LowRankProblem.sensing(op, y, rank=4, truth=Ms)
    res = optkit.minimize(prob, method="scaled-gd", tol=1e-13,
                          options={"init_scale": 1e-6, "damping": 0.1})
    assert np.linalg.norm(res.U @ res.U.T - Ms) / np.linalg.norm(Ms) < 1e-8


def test_iterations_nearly_independent_of_kappa_while_gd_grows():
    """Xu-Shen-Chi-Ma: ScaledGD(lambda) iterations to 1e-8 vary by <= 1.5x over
    kappa in {1, 10, 100, 1000} (lambda = 0.1 sigma_min, as the theory sets it);
    GD's grow by at least 10x over the same range (checked by running GD for
    10x its kappa = 1 count at kappa = 1000 without reaching 1e-8)."""
    its, gd_its = {}, {}
    for kappa in (1.0, 10.0, 100.0, 1000.0):
        op, y, M = matrix_sensing(20, 20, 2, kappa=kappa, m=600, seed=0, symmetric=True)
        prob = LowRankProblem.sensing(op, y, rank=2, truth=M)
        res = optkit.minimize(prob, method="scaled-gd", tol=1e-14,
                              options={"damping": 0.1 / kappa, "init_scale": 1e-4,
                                       "maxiter": 400})
        its[kappa] = _first_below(res, 1e-8)
        assert its[kappa] is not None, kappa
        if kappa == 1.0:
            gd = optkit.minimize(prob, method="lowrank-gd", tol=1e-14,
                                 options={"init_scale": 1e-4, "maxiter": 2000})
            gd_its[kappa] = _first_below(gd, 1e-8)
            assert gd_its[kappa] is not None
        elif kappa == 1000.0:
            gd = optkit.minimize(prob, method="lowrank-gd", tol=1e-300,
                                 options={"init_scale": 1e-4, "maxiter": 10 * gd_its[1.0]})
            assert _first_below(gd, 1e-8) is None, kappa
    assert max(its.values()) / min(its.values()) <= 1.5, its


def test_sparse_operator_recovery_matches_dense_form():
    """The factored sparse kernels (no n1 x n2 matrix) give the run of the same
    operator stored densely, and recover the matrix."""
    from optkit.problems.lowrank import SensingOperator
    from optkit.problems.synthetic import low_rank_matrix

    M = low_rank_matrix(12, 10, 2, kappa=3.0, seed=1)[0]
    op = SensingOperator.sparse_gaussian(700, (12, 10), density=0.2, seed=2)
    dense = SensingOperator(op.matrices.toarray(), (12, 10))
    y = op.forward(M)
    runs = [optkit.minimize(LowRankProblem.sensing(o, y, rank=2, truth=M), method="scaled-gd",
                            tol=1e-12, options={"maxiter": 3000}) for o in (op, dense)]
    assert runs[0].rel_error < 1e-8
    np.testing.assert_allclose(runs[0].U @ runs[0].V.T, runs[1].U @ runs[1].V.T,
                               rtol=0, atol=1e-9)
