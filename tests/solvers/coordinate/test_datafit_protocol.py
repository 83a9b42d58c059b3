"""The coordinate models ask the smooth part for its coordinate form
(``coordinate_form()``), not for its class."""

from __future__ import annotations

import numpy as np
import pytest

import optkit
from optkit.problems import CompositeProblem, SmoothProblem
from optkit.problems.composite import L1
from optkit.problems.glm import GLMForm, LeastSquares, LogisticRegression, SoftmaxRegression
from optkit.solvers.coordinate._datafit import QuadForm, coordinate_form
from optkit.solvers.coordinate._models import coordinate_lipschitz


class _FormOnly(SmoothProblem):
    """A least-squares objective given by callables that declares its GLM form."""

    def __init__(self, inner):
        super().__init__(inner.fun, grad=self._grad)
        self.inner = inner
        self.grad_calls = 0

    def _grad(self, x):
        self.grad_calls += 1
        return self.inner.grad(x)

    def coordinate_form(self):
        return self.inner.coordinate_form()

    @property
    def is_sparse(self):
        return self.inner.is_sparse

    def csc(self):
        return self.inner.csc()

    @property
    def X(self):
        return self.inner.X


def _data(seed=0, n=50, d=12):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return X, X[:, :3] @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(n)


def test_forms_of_the_glm_problems():
    X, y = _data()
    f = LeastSquares(X, y, mu=0.1).coordinate_form()
    assert isinstance(f, GLMForm) and f.loss == "squared" and f.curvature == 1.0
    assert f.mu == 0.1 and f.n_samples == 50 and f.X is not None
    g = LogisticRegression(X, np.sign(y), fit_intercept=True).coordinate_form()
    assert g.loss == "logistic" and g.curvature == 0.25 and g.fit_intercept
    s = SoftmaxRegression(X, (y > 0).astype(int) + (y > 1)).coordinate_form()
    assert s.loss == "softmax" and s.n_classes == 3
    from optkit.problems.synthetic import QuadraticProblem
    q = coordinate_form(QuadraticProblem(np.eye(3), np.ones(3)))
    assert isinstance(q, QuadForm) and np.array_equal(q.Q, np.eye(3))
    assert coordinate_form(SmoothProblem(lambda x: x @ x, grad=lambda x: 2 * x)) is None


def test_coordinate_lipschitz_from_the_form_equals_the_closed_form():
    X, y = _data(1)
    n = X.shape[0]
    colsq = (X * X).sum(0) / n
    L = coordinate_lipschitz(LogisticRegression(X, np.sign(y), mu=0.2, fit_intercept=True),
                             None, np.zeros(13))
    np.testing.assert_allclose(L, np.append(colsq / 4 + 0.2, 0.25), rtol=1e-15)
    labels = (y > 0).astype(int)
    L = coordinate_lipschitz(SoftmaxRegression(X, labels, mu=0.1), None, np.zeros(24))
    np.testing.assert_allclose(L, np.repeat(colsq / 4, 2) + 0.1, rtol=1e-15)


def test_a_problem_declaring_a_form_gets_the_compiled_path():
    """Any smooth part that declares a GLM form runs the compiled GLM kernels (no grad
    calls) and gives the iterates of the LeastSquares it describes, bitwise."""
    X, y = _data(2)
    ls = LeastSquares(X, y)
    wrapped = _FormOnly(ls)
    a = optkit.minimize(CompositeProblem(wrapped, L1(0.05)), np.zeros(12), method="bcd",
                        tol=1e-10, options={"gram": False})
    b = optkit.minimize(CompositeProblem(ls, L1(0.05)), np.zeros(12), method="bcd",
                        tol=1e-10, options={"gram": False})
    assert wrapped.grad_calls == 0 and a.njev == 0
    np.testing.assert_array_equal(a.x, b.x)
    assert a.nwork == b.nwork > 0
    # without the form the same problem goes through the counted gradient oracle
    plain = SmoothProblem(ls.fun, grad=ls.grad)
    c = optkit.minimize(CompositeProblem(plain, L1(0.05)), np.zeros(12), method="bcd",
                        tol=1e-10, options={"lipschitz": (X * X).sum(0) / X.shape[0]})
    assert c.njev > 0
    np.testing.assert_allclose(c.x, b.x, atol=1e-7)


def test_working_set_methods_name_the_loss_they_need():
    X, y = _data(3)
    with pytest.raises(ValueError, match="ws-lasso.*least-squares"):
        optkit.minimize(CompositeProblem(LogisticRegression(X, np.sign(y)), L1(0.01)),
                        method="ws-lasso")
