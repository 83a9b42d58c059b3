"""PDHG and adaptive PDHG on problems with independent references: a Lasso in the
saddle form against cvxpy (plain and diagonally preconditioned), the assignment LP
against scipy's linear_sum_assignment, and the counts of products with K."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.sparse.linalg import LinearOperator

import optkit
from conftest import Counter
from optkit.problems.composite import SeparablePenalty
from optkit.problems.saddle import SaddleProblem


class LeastSquaresConjugate:
    r"""h*(y) = ||y||^2 / 2 + <b, y>, the conjugate of h(z) = ||z - b||^2 / 2:
    prox_{s h*}(v) = (v - s b) / (1 + s), coordinatewise."""

    separable = True

    def __init__(self, b):
        self.b = b

    def prox(self, v, step):
        return (v - step * self.b) / (1.0 + step)

    def value(self, y):
        return 0.5 * float(y @ y) + float(self.b @ y)


def lasso_instance(seed=0, m=30, n=12, lam=0.5):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n)) * rng.uniform(0.2, 3.0, n)     # uneven column scales
    x_true = np.where(rng.random(n) < 0.4, rng.standard_normal(n), 0.0)
    b = A @ x_true + 0.1 * rng.standard_normal(m)
    return A, b, lam


def cvxpy_lasso(A, b, lam):
    import cvxpy as cp

    x = cp.Variable(A.shape[1])
    cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ x - b) + lam * cp.norm1(x))).solve(
        solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    return x.value


@pytest.mark.parametrize("method,options", [
    ("pdhg", {}), ("pdhg", {"precondition": "pock-chambolle"}),
    ("pdhg", {"precondition": "ruiz"}), ("adaptive-pdhg", {})])
def test_lasso_saddle_form_equals_cvxpy(method, options):
    """min_x ||Ax - b||^2/2 + lam ||x||_1 = min_x max_y <Ax, y> + lam||x||_1 - h*(y):
    x to 1e-6 of cvxpy (Clarabel at 1e-12), and the saddle value equals the Lasso
    objective."""
    A, b, lam = lasso_instance()
    x_ref = cvxpy_lasso(A, b, lam)
    problem = SaddleProblem.bilinear(A, SeparablePenalty(l1=lam), LeastSquaresConjugate(b))
    res = optkit.minimize(problem, method=method, tol=1e-10,
                          options={"maxiter": 50000, **options})
    assert res.status == 0, res.message
    assert res.certificate_kind == "normalized_residual"
    np.testing.assert_allclose(res.x, x_ref, atol=1e-6)
    # at the saddle point y = A x - b and phi = the Lasso objective
    np.testing.assert_allclose(res.y, A @ res.x - b, atol=1e-6)
    f_ref = 0.5 * np.sum((A @ x_ref - b) ** 2) + lam * np.abs(x_ref).sum()
    assert abs(res.fun - f_ref) <= 1e-6 * max(1.0, f_ref)


@pytest.mark.parametrize("precondition", ["none", "pock-chambolle", "ruiz"])
def test_step_sizes_keep_the_convergence_condition(precondition):
    """||Sigma^(1/2) K T^(1/2)||_2 <= s (0.99): tau sigma ||K||^2 < 1 for scalar steps,
    Pock-Chambolle's Lemma 2 for alpha = 1, and the Ruiz-scaled operator's norm
    (checked with numpy's SVD, independent of the power iteration)."""
    A, b, lam = lasso_instance(m=40, n=15)
    problem = SaddleProblem.bilinear(A, SeparablePenalty(l1=lam), LeastSquaresConjugate(b))
    res = optkit.minimize(problem, method="pdhg", tol=1e-300,
                          options={"maxiter": 1, "precondition": precondition})
    T = np.broadcast_to(res.tau, (A.shape[1],))
    S = np.broadcast_to(res.sigma, (A.shape[0],))
    norm = np.linalg.norm(np.sqrt(S)[:, None] * A * np.sqrt(T)[None, :], 2)
    assert norm <= 0.99 + 1e-12
    if precondition != "pock-chambolle":   # normalized by the power iteration's estimate
        assert norm >= 0.97


@pytest.mark.parametrize("method", ["pdhg", "adaptive-pdhg"])
def test_assignment_rounds_to_linear_sum_assignment(method):
    """The LP relaxation over the Birkhoff polytope has the optimal permutation as
    its (unique, for random costs) solution: the PDHG point rounds to scipy's
    linear_sum_assignment permutation, its cost equals the optimal cost to 1e-5."""
    n = 8
    C = np.random.default_rng(3).random((n, n))
    rows, cols = linear_sum_assignment(C)
    best = C[rows, cols].sum()
    res = optkit.minimize(SaddleProblem.assignment(C), method=method, tol=1e-7,
                          options={"maxiter": 20000})
    assert res.status == 0, res.message
    X = res.x.reshape(n, n)
    np.testing.assert_array_equal(X.argmax(axis=1), cols)
    assert abs(float(np.sum(C * X)) - best) <= 1e-5
    np.testing.assert_allclose(X.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(X.sum(axis=0), 1.0, atol=1e-5)
    # duals: u_i + v_j <= C_ij (dual feasibility) and sum(u) + sum(v) = the optimal cost
    u, v = res.y[:n], res.y[n:]
    assert np.max(u[:, None] + v[None, :] - C) <= 1e-5
    assert abs(u.sum() + v.sum() - best) <= 1e-5


def test_adaptive_pdhg_fewer_iterations_on_assignment():
    """The seed paper's claim (assignment experiments): adaptive PDHG needs fewer
    iterations than Chambolle-Pock with tau sigma ||K||^2 < 1 (checked qualitatively
    on a small random instance)."""
    n = 8
    C = np.random.default_rng(3).random((n, n))
    problem = SaddleProblem.assignment(C)
    cp = optkit.minimize(problem, method="pdhg", tol=1e-7, options={"maxiter": 20000})
    ad = optkit.minimize(problem, method="adaptive-pdhg", tol=1e-7,
                         options={"maxiter": 20000})
    assert cp.status == ad.status == 0
    assert ad.nit < cp.nit


def _counting_game(A):
    mv = Counter(lambda x: A.T @ x)
    rmv = Counter(lambda y: A @ y)
    K = LinearOperator((A.shape[1], A.shape[0]), matvec=mv, rmatvec=rmv, dtype=float)
    from optkit.problems.geometry import EntropySimplex

    return SaddleProblem.bilinear(K, EntropySimplex(n=A.shape[0]),
                                  EntropySimplex(n=A.shape[1])), mv, rmv


def test_products_per_iteration():
    """PDHG: one product with K and one with K^T per iteration (plus the start and the
    power iterations); adaptive PDHG: the same when no prediction is redone; mirror
    prox: two operator evaluations (two of each) per iteration."""
    A = np.random.default_rng(0).standard_normal((5, 4))
    problem, mv, rmv = _counting_game(A)
    res = optkit.minimize(problem, method="pdhg", tol=1e-300,
                          options={"maxiter": 30, "power_iters": 40})
    assert res.nmatvec == mv.calls == 1 + 40 + 30
    assert res.nrmatvec == rmv.calls == 1 + 40 + 30
    problem, mv, rmv = _counting_game(A)
    res = optkit.minimize(problem, method="mirror-prox", tol=1e-300,
                          options={"maxiter": 30, "step": "adaptive", "growth": 1.0})
    extra = res.noperator - (1 + 2 * 30)            # rejected adaptive trials
    assert extra >= 0
    assert res.nmatvec == mv.calls == res.noperator
    assert res.nrmatvec == rmv.calls == res.noperator
