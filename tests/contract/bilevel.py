"""The 'bilevel' family's contract problem (keys: ``tests/contract/__init__.py``)."""

from __future__ import annotations

import numpy as np

from conftest import Counter


class _Sum:
    """The total of several counters (one result field counting several callables)."""

    def __init__(self, *counters):
        self.counters = counters

    @property
    def calls(self):
        return sum(c.calls for c in self.counters)


def quadratic_callables(dim_x=2, dim_y=3, seed=1):
    """A quadratic bilevel problem (closed-form x*) given to ``BilevelProblem`` as
    counted callables, with its exact hypergradient (so the certificate is
    ||grad F(x)||, exact).

    The check compares ``res.x`` with the closed-form x* to a tolerance per
    method: the family's tol is 1e-9 (aid-cg, an exact-gradient method here);
    the first-order penalty methods have an O(1/lambda) (F2SA) or O(sigma)
    (penalty) bias, BO-REP moves by normalized steps of length eta_k and
    sl-BAMM has an O(mu_k) averaging bias, so each gets its tol, options and
    check in ``overrides``.
    """
    from optkit.problems.bilevel import BilevelProblem, quadratic_bilevel

    q = quadratic_bilevel(dim_x, dim_y, cond=3.0, seed=seed)
    upper, lower = Counter(q.upper), Counter(q.lower)
    ug, lg = Counter(q.upper_grad), Counter(q.lower_grad)
    hvp, cross = Counter(q.lower_hvp), Counter(q.lower_cross)
    problem = BilevelProblem(upper, lower, upper_grad=ug, lower_grad=lg, lower_hvp=hvp,
                             lower_cross=cross, hypergradient=q.hypergradient,
                             dim_x=dim_x, dim_y=dim_y, lower_mu=q.lower_mu, lower_L=q.lower_L,
                             upper_L=q.upper_L)

    def check_at(atol):
        def check(res):
            np.testing.assert_allclose(res.x, q.x_star, rtol=0, atol=atol)
            assert res.y.shape == (dim_y,) and res.z.shape == (dim_y,)
            assert res.fun == res.upper and np.isfinite(res.lower)
        return check

    return dict(problem=problem, x0=np.zeros(dim_x), check=check_at(1e-8), tol=1e-9,
                counters={"ngrad_upper": ug, "ngrad_lower": lg, "ncross": cross,
                          "nhvp": _Sum(hvp, cross), "njev": _Sum(ug, lg),
                          "nfev": _Sum(upper, lower)},
                options={"x_step": 0.3},
                overrides={
                    "f2sa": {"tol": 1e-3, "check": check_at(5e-3),
                             "options": {"x_step": 0.3, "lam0": 20.0}},
                    "bilevel-penalty": {"tol": 1e-3, "check": check_at(5e-3),
                                        "options": {"x_step": 0.3, "sigma": 1e-3,
                                                    "inner_steps": 20}},
                    "bo-rep": {"tol": 1e-2, "check": check_at(5e-2),
                               "options": {"x_step": 0.1, "x_step_decay": 0.5}},
                    "sl-bamm": {"tol": 1e-3, "check": check_at(5e-3),
                                "options": {"x_step": 0.3, "mu_rate": 1.0,
                                            "theta_rate": 1.0}},
                })


problem = quadratic_callables
