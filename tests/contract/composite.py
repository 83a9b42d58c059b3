"""The 'composite' family's contract problem (keys: ``tests/contract/__init__.py``)."""

from __future__ import annotations

import numpy as np

from conftest import quadratic_callables, random_spd


def composite_l1_quadratic(d=6, kappa=20.0, seed=1, alpha=0.3):
    """1/2 x'Ax - b'x + alpha ||x||_1 through counted callables (coordinate methods).

    The check is the Lasso KKT system: |g_i| <= alpha where x_i = 0 and
    g_i = -alpha sign(x_i) elsewhere (g = Ax - b), to 1e-8.
    """
    from optkit.problems import CompositeProblem, SmoothProblem
    from optkit.problems.composite import L1

    p = quadratic_callables(d, kappa, seed)
    A, b = random_spd(d, kappa, seed)
    smooth = SmoothProblem(p["fun"], grad=p["jac"], hess=p["hess"], hessp=p["hessp"])

    def check(res):
        g = A @ res.x - b
        nz = res.x != 0
        assert np.all(np.abs(g[~nz]) <= alpha + 1e-8)
        np.testing.assert_allclose(g[nz], -alpha * np.sign(res.x[nz]), atol=1e-8)

    return dict(problem=CompositeProblem(smooth, L1(alpha)), x0=np.ones(d), check=check,
                counters=p["counters"], options={"updates_per_step": 1},
                overrides=_working_set_overrides())


def _working_set_overrides(n=40, d=30, seed=2):
    """The working-set methods take one loss each (ws-lasso: least squares,
    prox-newton-ws: logistic); their problems hold the data (no user callables, so
    no counters), checked on the L1 KKT conditions |grad_i| <= alpha at zeros and
    grad_i = -alpha sign(x_i) elsewhere (to 1e-7)."""
    from optkit.problems.composite import L1LogisticRegression, Lasso

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = X[:, :4] @ np.array([1.0, -2.0, 1.5, 0.5]) + 0.1 * rng.standard_normal(n)
    labels = np.where(X[:, 0] - X[:, 1] + 0.3 * rng.standard_normal(n) > 0, 1.0, -1.0)

    def kkt(problem, alpha):
        def check(res):
            g = problem.smooth.grad(res.x)
            nz = res.x != 0
            assert np.all(np.abs(g[~nz]) <= alpha + 1e-7)
            np.testing.assert_allclose(g[nz], -alpha * np.sign(res.x[nz]), atol=1e-7)
        return check

    lasso = Lasso(X, y, 0.1)
    logistic = L1LogisticRegression(X, labels, 0.02)
    return {"ws-lasso": dict(problem=lasso, x0=np.zeros(d), check=kkt(lasso, 0.1),
                             counters={}, options={}),
            "prox-newton-ws": dict(problem=logistic, x0=np.zeros(d),
                                   check=kkt(logistic, 0.02), counters={}, options={})}


problem = composite_l1_quadratic
