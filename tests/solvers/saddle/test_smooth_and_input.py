"""The smooth kind (phi given by its partial gradients) against a closed form, and
bad input: every error names the argument; non-finite values never pass silently."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.linalg import LinearOperator

import optkit
from conftest import Counter
from optkit.problems.composite import L1
from optkit.problems.geometry import EntropySimplex, EuclideanSpace
from optkit.problems.saddle import SaddleProblem
from optkit.problems.sets import Box


def quadratic_saddle(seed=0, n=4, m=3):
    r"""phi = x'Px/2 - b'x + x'Ay - y'Qy/2 + c'y (strongly convex-concave): the saddle
    point solves (P + A Q^-1 A') x = b - A Q^-1 c, y = Q^-1 (A'x + c)."""
    rng = np.random.default_rng(seed)
    P = np.eye(n) + 0.2 * np.ones((n, n))
    Q = 2.0 * np.eye(m)
    A = rng.standard_normal((n, m))
    b, c = rng.standard_normal(n), rng.standard_normal(m)
    Qi = np.linalg.inv(Q)
    x = np.linalg.solve(P + A @ Qi @ A.T, b - A @ Qi @ c)
    y = Qi @ (A.T @ x + c)
    gx = Counter(lambda x, y: P @ x - b + A @ y)
    gy = Counter(lambda x, y: A.T @ x - Q @ y + c)
    fun = lambda x, y: 0.5 * x @ P @ x - b @ x + x @ A @ y - 0.5 * y @ Q @ y + c @ y
    L = np.linalg.norm(np.block([[P, A], [-A.T, Q]]), 2)
    return gx, gy, fun, L, x, y


@pytest.mark.parametrize("method,options,lipschitz", [
    ("mirror-prox", {"step": "adaptive"}, False), ("mirror-prox", {}, True)])
def test_smooth_saddle_equals_closed_form(method, options, lipschitz):
    gx, gy, fun, L, x_ref, y_ref = quadratic_saddle()
    # boxes wide enough that the saddle point is interior
    problem = SaddleProblem(gx, gy, Box(-10, 10, n=4), Box(-10, 10, n=3), fun=fun,
                            lipschitz=L if lipschitz else None)
    res = optkit.minimize(problem, method=method, tol=1e-9,
                          options={"maxiter": 20000, **options})
    assert res.status == 0, res.message
    assert res.certificate_kind == "normalized_residual"
    np.testing.assert_allclose(res.x, x_ref, atol=1e-7)
    np.testing.assert_allclose(res.y, y_ref, atol=1e-7)
    assert abs(res.fun - fun(x_ref, y_ref)) <= 1e-7
    assert res.njev == gx.calls + gy.calls == 2 * res.noperator


def test_mirror_descent_on_smooth_saddle():
    gx, gy, fun, L, x_ref, y_ref = quadratic_saddle()
    problem = SaddleProblem(gx, gy, Box(-10, 10, n=4), Box(-10, 10, n=3))
    res = optkit.minimize(problem, method="mirror-descent", tol=1e-3,
                          options={"maxiter": 20000, "step_scale": 20.0})
    assert res.status == 0, res.message
    np.testing.assert_allclose(res.x, x_ref, atol=1e-2)


# -- bad input -------------------------------------------------------------------------
@pytest.mark.parametrize("A,match", [
    (np.array([[1.0, np.nan], [0.0, 1.0]]), "`A` contains NaN"),
    (np.array([[1.0, np.inf], [0.0, 1.0]]), "`A` contains infinite"),
    (np.ones(3), "`A` must be a 2-D"),
    (np.ones((0, 3)), "`A` must have at least one row"),
    (np.array([["a", "b"]]), "`A` must be a real numeric"),
])
def test_matrix_game_bad_data(A, match):
    with pytest.raises((ValueError, TypeError), match=match):
        SaddleProblem.matrix_game(A)


def test_assignment_needs_a_square_finite_cost_matrix():
    with pytest.raises(ValueError, match="`C` must be a square"):
        SaddleProblem.assignment(np.ones((3, 4)))
    with pytest.raises(ValueError, match="`C` contains NaN"):
        SaddleProblem.assignment(np.array([[1.0, np.nan], [0.0, 1.0]]))


def test_bilinear_inconsistent_shapes_and_terms():
    K = np.ones((3, 4))
    with pytest.raises(ValueError, match="`g` acts on vectors of length 5"):
        SaddleProblem.bilinear(K, EntropySimplex(n=5), EntropySimplex(n=3))
    with pytest.raises(ValueError, match="`h_conj` acts on vectors of length 4"):
        SaddleProblem.bilinear(K, EntropySimplex(n=4), EntropySimplex(n=4))
    with pytest.raises(TypeError, match="`g`"):
        SaddleProblem.bilinear(K, object(), None)
    with pytest.raises(ValueError, match="`K` contains NaN"):
        SaddleProblem.bilinear(np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="`x0` has 3 entries; expected 4"):
        SaddleProblem.bilinear(K, x0=np.zeros(3))


def test_smooth_constructor_checks():
    with pytest.raises(TypeError, match="`grad_x` must be callable"):
        SaddleProblem(None, lambda x, y: y, Box(0, 1, n=2), Box(0, 1, n=2))
    with pytest.raises(TypeError, match="`Y` must be a set"):
        SaddleProblem(lambda x, y: x, lambda x, y: y, Box(0, 1, n=2), [0, 1])
    with pytest.raises(ValueError, match="`X` must fix its dimension"):
        SaddleProblem(lambda x, y: x, lambda x, y: y, EntropySimplex(), Box(0, 1, n=2))
    with pytest.raises(ValueError, match="`lipschitz`"):
        SaddleProblem(lambda x, y: x, lambda x, y: y, Box(0, 1, n=2), Box(0, 1, n=2),
                      lipschitz=-1.0)


def test_gradient_of_wrong_shape_names_it():
    problem = SaddleProblem(lambda x, y: np.ones(3), lambda x, y: y, Box(0, 1, n=2),
                            Box(0, 1, n=2))
    with pytest.raises(ValueError, match="`grad_x` returned 3 entries; expected 2"):
        optkit.minimize(problem, method="mirror-prox")


@pytest.mark.parametrize("x0,match", [
    (np.zeros(4), "flat vector \\[x, y\\] of length 5"),
    ((np.ones(3) / 3, np.ones(3)), "x0\\[1\\] \\(the dual point y\\)` has 3 entries"),
    (np.r_[np.nan, 0.5, 0.5, 0.5, 0.5], "`x0` contains NaN"),
    (np.r_[2.0, 0.0, 0.0, 0.5, 0.5], "x part does not lie in the set"),
])
def test_bad_start(x0, match):
    problem = SaddleProblem.matrix_game(np.ones((3, 2)))
    with pytest.raises(ValueError, match=match):
        optkit.minimize(problem, x0, method="pdhg")


def test_start_forms_agree():
    A = np.random.default_rng(1).standard_normal((3, 2))
    problem = SaddleProblem.matrix_game(A)
    x0, y0 = np.array([0.2, 0.3, 0.5]), np.array([0.6, 0.4])
    a = optkit.minimize(problem, (x0, y0), method="pdhg", options={"maxiter": 7})
    b = optkit.minimize(problem, np.r_[x0, y0], method="pdhg", options={"maxiter": 7})
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)


def test_methods_refuse_problems_they_cannot_solve():
    gx, gy, *_ = quadratic_saddle()
    smooth = SaddleProblem(gx, gy, Box(-1, 1, n=4), Box(-1, 1, n=3))
    with pytest.raises(ValueError, match="needs a bilinear problem"):
        optkit.minimize(smooth, method="pdhg")
    lasso_like = SaddleProblem.bilinear(np.ones((2, 3)), L1(0.1), EuclideanSpace(2))
    with pytest.raises(ValueError, match="use method='pdhg'"):
        optkit.minimize(lasso_like, method="mirror-prox")
    game = SaddleProblem.matrix_game(np.eye(2))
    with pytest.raises(ValueError, match="Option `precondition`"):
        optkit.minimize(game, method="pdhg", options={"precondition": "ruiz"})
    K = LinearOperator((2, 2), matvec=lambda x: x, rmatvec=lambda y: y, dtype=float)
    op_game = SaddleProblem.bilinear(K, EntropySimplex(n=2), EntropySimplex(n=2))
    with pytest.raises(ValueError, match="Option `step`: 'constant'"):
        optkit.minimize(op_game, method="mirror-prox", options={"step": "constant"})
    with pytest.raises(ValueError, match="Option `precondition`"):
        optkit.minimize(SaddleProblem.bilinear(K), method="pdhg",
                        options={"precondition": "ruiz"})
    with pytest.raises(ValueError, match="Option `theta`"):
        optkit.minimize(game, method="pdhg", options={"theta": 1.5})


@pytest.mark.parametrize("method", ["mirror-prox", "mirror-descent", "pdhg", "adaptive-pdhg"])
def test_nonfinite_operator_stops_with_status_3(method):
    """An operator that starts returning NaN: the run stops (status 3) and returns the
    last finite point instead of a silent NaN."""
    A = np.array([[3.0, -1.0], [-2.0, 1.0]])
    calls = {"n": 0}

    def matvec(x):
        calls["n"] += 1
        return A.T @ x if calls["n"] < 60 else np.full(2, np.nan)

    K = LinearOperator((2, 2), matvec=matvec, rmatvec=lambda y: A @ y, dtype=float)
    problem = SaddleProblem.bilinear(K, EntropySimplex(n=2), EntropySimplex(n=2))
    res = optkit.minimize(problem, method=method, tol=1e-300, options={"maxiter": 500})
    assert res.status == 3
    assert np.all(np.isfinite(res.x)) and np.all(np.isfinite(res.y))
    assert np.isfinite(res.certificate)
