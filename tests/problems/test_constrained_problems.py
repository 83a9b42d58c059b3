"""EqualityConstrainedProblem: scipy constraint objects, starts, and the
synthetic equality-constrained instances (bad input names the argument)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize as so
import scipy.sparse as sp

from optkit.problems.constrained import EqualityConstrainedProblem, KKTPoint
from optkit.problems.synthetic import constrained_logistic, poisson_control
from optkit.problems.base import SmoothProblem


def _from(constraints):
    smooth = SmoothProblem(lambda x: x @ x, grad=lambda x: 2 * x)
    return EqualityConstrainedProblem.from_callables(
        smooth, {"constraints": constraints, "maxiter": 3}, "exact-al")


def test_from_callables_stacks_groups_and_pops_constraints():
    A = np.array([[1.0, 2.0, 0.0]])
    p, rest = _from([so.LinearConstraint(A, 3.0, 3.0),
                     so.NonlinearConstraint(lambda x: x[:2] ** 2, [1, 1], [1, 1],
                                            jac=lambda x: np.diag(2 * x)[:2])])
    assert rest == {"maxiter": 3}
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(p.cons(x), [2.0, 0.0, 3.0])
    assert p.jac(x).shape == (3, 3) and p.constraint_sizes == [1, 2]
    assert p.accepts_constraints and not p.linear and not p.provides("cons_hess")
    lin, _ = _from(so.LinearConstraint(sp.csr_matrix(A), 1, 1))
    assert lin.linear and lin.provides("cons_hess")


def test_start_forms():
    p, _ = _from(so.LinearConstraint(np.ones((1, 2)), 1, 1))
    assert isinstance(p.as_start([1.0, 2.0]), np.ndarray)
    start = p.as_start(([1.0, 2.0], [0.5]))
    assert isinstance(start, KKTPoint) and start.lam.shape == (1,)
    with pytest.raises(ValueError, match="x0"):
        p.as_start([1.0, np.nan])
    with pytest.raises(ValueError, match="multipliers"):
        p.as_start(([1.0, 2.0], [np.inf]))
    with pytest.raises(ValueError, match="columns"):
        p.as_start([1.0, 2.0, 3.0])


def test_bad_constraint_objects():
    with pytest.raises(ValueError, match="inequality"):
        _from(so.NonlinearConstraint(lambda x: x, -1, 1, jac=lambda x: np.eye(2)))
    with pytest.raises(ValueError, match="callable `jac`"):
        _from(so.NonlinearConstraint(lambda x: x, 0, 0))
    with pytest.raises(ValueError, match="type must be 'eq'"):
        _from({"type": "equal", "fun": lambda x: x, "jac": lambda x: np.eye(2)})
    with pytest.raises(TypeError, match="constraints\\[0\\]"):
        _from([object()])


def test_synthetic_instances():
    p = poisson_control(5)
    assert p.x0.size == 50 and p.cons(p.x0).shape == (25,) and p.jac(p.x0).shape == (25, 50)
    free = poisson_control(5, matrix_free=True)
    assert not free.provides("hess") and free.provides("hessp")
    with pytest.raises(ValueError, match="`N`"):
        poisson_control(1)
    with pytest.raises(ValueError, match="`alpha`"):
        poisson_control(4, alpha=-1.0)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 4)), np.sign(rng.standard_normal(30))
    q = constrained_logistic(X, y, 2, seed=0)
    x = rng.standard_normal(4)
    g = q.grad(x)
    eps = 1e-6
    fd = np.array([(q.fun(x + eps * e) - q.fun(x - eps * e)) / (2 * eps) for e in np.eye(4)])
    np.testing.assert_allclose(g, fd, atol=1e-7)
    np.testing.assert_allclose(q.hess(x) @ x, q.hessp(x, x), atol=1e-12)
    with pytest.raises(ValueError, match="`n_constraints`"):
        constrained_logistic(X, y, 5)
    with pytest.raises(ValueError, match="`y`"):
        constrained_logistic(X, y[:3], 2)
