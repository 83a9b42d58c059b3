"""The 'equality-constrained' family's contract problem (keys: ``tests/contract/__init__.py``)."""

from __future__ import annotations

import numpy as np

from conftest import Counter, random_spd


def problem():
    """A convex quadratic on the sphere ``||x||^2 = 2`` and the plane
    ``sum(x) = 1`` (d = 5), every oracle a Counter.

    The check compares x with scipy's trust-constr run to gtol 1e-12 (to
    1e-7) and the KKT conditions at the returned multipliers.
    """
    import scipy.optimize as so

    from optkit.problems.constrained import EqualityConstrainedProblem

    d = 5
    A, b = random_spd(d, 10.0, seed=4)

    def c(x):
        return np.array([x.sum() - 1.0, x @ x - 2.0])

    def J(x):
        return np.vstack([np.ones(d), 2.0 * x])

    fun = Counter(lambda x: 0.5 * x @ A @ x - b @ x)
    grad = Counter(lambda x: A @ x - b)
    hess = Counter(lambda x: A.copy())
    cons = Counter(c)
    jac = Counter(J)
    cons_hess = Counter(lambda x, lam: 2.0 * lam[1] * np.eye(d))
    p = EqualityConstrainedProblem(fun=fun, grad=grad, hess=hess, cons=cons, jac=jac,
                                   cons_hess=cons_hess)
    x0 = np.array([1.0, 0.5, 0.0, -0.5, 0.2])
    ref = so.minimize(lambda x: 0.5 * x @ A @ x - b @ x, x0, jac=lambda x: A @ x - b,
                      hess=lambda x: A, method="trust-constr",
                      constraints=[so.NonlinearConstraint(c, 0, 0, jac=J,
                                                          hess=lambda x, v: 2 * v[1] * np.eye(d))],
                      options={"gtol": 1e-12, "xtol": 1e-14, "maxiter": 5000})

    def check(res):
        np.testing.assert_allclose(res.x, ref.x, rtol=0, atol=1e-7)
        np.testing.assert_allclose(res.lam, ref.v[0], rtol=0, atol=1e-6)
        assert res.constr_violation <= 1e-9

    return dict(problem=p, x0=x0, check=check, tol=1e-9,
                counters={"nfev": fun, "njev": grad, "nhev": hess, "constr_nfev": cons,
                          "constr_njev": jac, "constr_nhev": cons_hess})
