"""Factored GD: one step against its formula, linear convergence at the exact
rank, and Xiong-Ding-Du's claim: over-parameterized symmetric GD has a
sublinear tail while asymmetric GD stays linear."""

from __future__ import annotations

import numpy as np

import optkit
from optkit.problems.lowrank import LowRankProblem
from optkit.problems.synthetic import matrix_sensing


def test_one_step_equals_the_formula():
    op, y, M = matrix_sensing(7, 6, 2, m=120, seed=0)
    prob = LowRankProblem.sensing(op, y, rank=2)
    rng = np.random.default_rng(1)
    F0, G0 = rng.standard_normal((7, 2)), rng.standard_normal((6, 2))
    res = optkit.minimize(prob, (F0, G0), method="lowrank-gd", options={"maxiter": 1})
    A = op.matrices
    Z = (A.T @ (A @ (F0 @ G0.T).ravel() - y)).reshape(7, 6)
    eta = res.step_size
    np.testing.assert_allclose(eta * np.linalg.norm(Z.T @ Z, 2) ** 0.0, eta)
    np.testing.assert_allclose(res.U, F0 - eta * Z @ G0, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(res.V, G0 - eta * Z.T @ F0, rtol=1e-11, atol=1e-12)
    # eta = step / sigma_1 with sigma_1 = ||A*(y)||_2
    np.testing.assert_allclose(eta, 0.5 / np.linalg.norm(op.adjoint(y), 2), rtol=1e-10)


def _tail(prob, **options):
    res = optkit.minimize(prob, method="lowrank-gd", tol=1e-300,
                          options={"maxiter": 2000, **options})
    return res.trace["rel_error"]


def _rate(e, a, b):
    """Mean decrease of log(error) per iteration between iterations a and b."""
    return np.log(e[a] / e[b]) / (b - a)


def test_exact_rank_converges_linearly_both_forms():
    op, y, M = matrix_sensing(10, 10, 2, kappa=2.0, m=600, seed=0, symmetric=True)
    e = _tail(LowRankProblem.sensing(op, y, rank=2, truth=M), init_scale=0.1, maxiter=400)
    assert e[-1] < 1e-12
    op2, y2, M2 = matrix_sensing(10, 10, 2, kappa=2.0, m=600, seed=0)
    e2 = _tail(LowRankProblem.sensing(op2, y2, rank=2, truth=M2), init_scale=0.1, maxiter=400)
    assert e2[-1] < 1e-12


def test_overparameterized_symmetric_is_sublinear_asymmetric_linear():
    # symmetric X X^T, k = 4 > r = 2 (symmetric Gaussian design)
    op, y, M = matrix_sensing(10, 10, 2, m=600, seed=0, symmetric=True)
    e = _tail(LowRankProblem.sensing(op, y, rank=4, truth=M), init_scale=0.1)
    T = np.arange(e.size)
    slope = np.polyfit(np.log(T[500:]), np.log(e[500:]), 1)[0]
    # ||XX^T - M||_F ~ 1/T, i.e. the squared error ~ 1/T^2 (the paper's Theta(1/T^2))
    assert -1.5 < slope < -0.5, slope
    # the rate keeps falling (a 1/T curve gives 0.59 here, a linear one 1)
    assert _rate(e, 1500, 2000) < 0.8 * _rate(e, 800, 1300)
    assert e[-1] > 1e-5                                          # far from 1e-8
    # asymmetric F G^T, k = 4 > r = 2 (general Gaussian design): a straight
    # line in semilog, at a rate that shrinks with the init scale alpha
    op2, y2, M2 = matrix_sensing(10, 10, 2, m=600, seed=0)
    prob2 = LowRankProblem.sensing(op2, y2, rank=4, truth=M2)
    e2 = _tail(prob2, init_scale=0.3)
    r1, r2 = _rate(e2, 800, 1400), _rate(e2, 1400, 2000)
    assert 0.75 < r2 / r1 < 1.33, (r1, r2)
    assert e2[-1] < 1e-6
    e3 = _tail(prob2, init_scale=0.1)
    assert _rate(e3, 1400, 2000) < 0.5 * r2
