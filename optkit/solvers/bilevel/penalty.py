r"""The penalty method for (possibly nonconvex, constrained) bilevel problems."""

from __future__ import annotations

import dataclasses

from ..._core.options import option
from ..._core.registry import register
from ._common import (BilevelIterate, BilevelOptions, BilevelSolver, BilevelState,
                      first_nonfinite, schedule_warning)

__all__ = ["BilevelPenalty", "BilevelPenaltyOptions"]


@dataclasses.dataclass(frozen=True)
class BilevelPenaltyOptions(BilevelOptions):
    """Options of :class:`BilevelPenalty` (``method="bilevel-penalty"``)."""

    sigma: float = option(0.01, "Penalty parameter sigma > 0 (the hyper-objective is "
                          "approximated to O(sigma)).", kind=float, low=0.0,
                          low_inclusive=False)
    inner_steps: int = option(10, "Projected gradient steps on y and on z per x step.",
                              kind=int, low=1)
    y_step: float = option(None, "Inner step on y and z (None: 1/(lower_L + sigma upper_L)).",
                           kind=float, low=0.0, low_inclusive=False)
    x_step: float = option(0.1, "Outer (projected) step on x.", kind=float, low=0.0,
                           low_inclusive=False)


@register
class BilevelPenalty(BilevelSolver):
    r"""Penalty method of Kwon, Kwon, Wright and Nowak (ICLR 2024), double loop.

    The penalty function with :math:`\sigma > 0`,

    .. math::

        \psi_\sigma(x) = \min_{y\in Y}\Big[f(x,y) + \tfrac1\sigma\big(g(x,y) -
        \min_{z\in Y} g(x,z)\big)\Big],

    is :math:`O(\sigma)`-close to the hyper-objective (values and gradients)
    under a proximal error-bound condition on the perturbed lower problem,
    which does not need a strongly convex lower level. Iteration k:

    .. math::

        y &\leftarrow \Pi_Y\big(y - \beta[\sigma\nabla_y f(x_k, y) + \nabla_y g(x_k, y)]\big),
        \qquad z \leftarrow \Pi_Y\big(z - \beta \nabla_y g(x_k, z)\big)
        \quad (\text{inner\_steps times, warm started}), \\
        x_{k+1} &= \Pi_X\Big(x_k - \eta\Big[\nabla_x f(x_k, y) +
            \tfrac{1}{\sigma}\big(\nabla_x g(x_k, y) - \nabla_x g(x_k, z)\big)\Big]\Big),

    :math:`\Pi_X, \Pi_Y` the projections onto the problem's ``x_set`` and
    ``y_set`` (the projected version for constrained levels; identity when
    None). With ``batch_size`` the gradients are minibatch estimates (the
    paired lower gradients of the x step share one minibatch).

    Certificate: :math:`\|\nabla F(x_k)\|` when the problem computes it
    cheaply, else the norm of the projected-gradient mapping
    :math:`\|x_k - x_{k+1}\|/\eta` (the x direction itself without sets).

    Notes
    -----
    Cost per iteration: ``3 * inner_steps + 3`` gradient calls. The paper's
    complexity [verified, abstract]: :math:`O(\epsilon^{-3})` deterministic and
    :math:`O(\epsilon^{-7})` stochastic oracle calls with :math:`\sigma =
    O(\epsilon)`. The inner step :math:`\beta \le 1/(\ell_g + \sigma\ell_f)`
    (warned about when violated and the constants are known) and the
    double-loop structure follow the project's algorithm notes; the paper's
    inner-loop lengths, step constants and its single-loop momentum variant
    were not checked against its text (not reachable from here). sigma is
    fixed during a run.

    References
    ----------
    J. Kwon, D. Kwon, S. Wright, R. Nowak, "On penalty methods for nonconvex
    bilevel optimization and first-order stochastic approximation", ICLR 2024,
    arXiv:2309.01753.

    Examples
    --------
    >>> import optkit
    >>> from optkit.problems.bilevel import quadratic_bilevel
    >>> p = quadratic_bilevel(2, 3, cond=3.0, seed=1)
    >>> res = optkit.minimize(p, p.x0, method="bilevel-penalty", tol=1e-2,
    ...                       options={"maxiter": 2000, "x_step": 0.3})
    >>> res.success and bool(abs(res.x - p.x_star).max() < 5e-2)
    True
    """

    name = "bilevel-penalty"
    aliases = ("penalty-bilevel",)
    Options = BilevelPenaltyOptions
    needs_strong_convexity = False
    projects = True
    summary = ("Penalty method: sigma f + g and g minimized in y (projected), O(sigma) "
               "hypergradient from first-order oracles")
    reference = "Kwon, Kwon, Wright, Nowak, ICLR 2024"

    def init(self, oracle, x0, tol):
        start = self._start(oracle, x0)
        problem = oracle.problem
        o = self.options
        lf = problem.upper_L or 0.0
        if o.y_step is None:
            self._beta = 1.0 / (self._lower_L("y_step") + o.sigma * lf)
        else:
            self._beta = o.y_step
            if problem.lower_L and self._beta * (problem.lower_L + o.sigma * lf) > 1 + 1e-12:
                schedule_warning(self.name, "y_step (l_g + sigma l_f) <= 1",
                                 f"y_step = {self._beta:.4g}, l_g = {problem.lower_L:.4g}, "
                                 f"l_f = {lf:.4g}, sigma = {o.sigma:.4g}")
        x, y, z = start
        start = BilevelIterate(self._project_x(x), self._project_y(y), self._project_y(z))
        h, rng = self._direction(*start, self._rng0)
        f, g, est, cert = self._measure(start.x, start.y, h, start=True)
        return BilevelState(x=start, fun=f, upper=f, lower=g, hypergrad_est=est, cert=cert,
                            rng=rng, k=0)

    def _direction(self, x, y, z, rng):
        o = self.oracle
        iu, rng = o.sample("upper", rng, self._batch())
        il, rng = o.sample("lower", rng, self._batch())
        fx, _ = o.upper_grad(x, y, iu)
        gxy, _ = o.lower_grad(x, y, il)
        gxz, _ = o.lower_grad(x, z, il)
        return fx + (gxy - gxz) / self.options.sigma, rng

    def step(self, state, budget):
        o = self.oracle
        opts = self.options
        x, y, z = state.x
        rng = state.rng
        batch = self._batch()
        beta, sigma = self._beta, opts.sigma
        for _ in range(opts.inner_steps):
            iu, rng = o.sample("upper", rng, batch)
            il, rng = o.sample("lower", rng, batch)
            y = self._project_y(y - beta * (sigma * o.upper_grad(x, y, iu)[1]
                                            + o.lower_grad(x, y, il)[1]))
            il, rng = o.sample("lower", rng, batch)
            z = self._project_y(z - beta * o.lower_grad(x, z, il)[1])
        h, rng = self._direction(x, y, z, rng)
        x_new = self._project_x(x - opts.x_step * h)
        bad = first_nonfinite(y=y, z=z, x_direction=h)
        if bad is not None:
            return dataclasses.replace(state, x=BilevelIterate(x_new, y, z), nonfinite=bad)
        mapping = (x - x_new) / opts.x_step
        f, g, est, cert = self._measure(x_new, y, mapping)
        return BilevelState(x=BilevelIterate(x_new, y, z), fun=f, upper=f, lower=g,
                            hypergrad_est=est, cert=cert, rng=rng, k=state.k + 1)
