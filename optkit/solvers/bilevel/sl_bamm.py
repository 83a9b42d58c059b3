r"""sl-BAMM: the single-loop bi-level averaged method of multipliers."""

from __future__ import annotations

import dataclasses

from ..._core.options import option
from ..._core.registry import register
from ._common import (BilevelIterate, BilevelOptions, BilevelSolver, BilevelState,
                      first_nonfinite, schedule_warning)

__all__ = ["SLBAMM", "SLBAMMOptions"]


@dataclasses.dataclass(frozen=True)
class SLBAMMOptions(BilevelOptions):
    """Options of :class:`SLBAMM` (``method="sl-bamm"``)."""

    x_step: float = option(0.1, "Step alpha on x.", kind=float, low=0.0, low_inclusive=False)
    y_step: float = option(None, "Step on y along the averaged direction (None: "
                           "1/(lower_L + upper_L)).", kind=float, low=0.0,
                           low_inclusive=False)
    v_step: float = option(None, "Step on the multiplier v (None: 1/lower_L).", kind=float,
                           low=0.0, low_inclusive=False)
    mu0: float = option(0.5, "Averaging weight mu_0 of the upper objective in the y step.",
                        kind=float, low=0.0, high=1.0, low_inclusive=False)
    mu_rate: float = option(0.5, "mu_k = mu0 / (k + 1)^p with this p > 0 (mu_k -> 0).",
                            kind=float, low=0.0, high=1.0, low_inclusive=False)
    theta0: float = option(0.1, "Regularization theta_0 of the multiplier step (handles a "
                           "singular lower Hessian).", kind=float, low=0.0)
    theta_rate: float = option(0.5, "theta_k = theta0 / (k + 1)^q with this q.", kind=float,
                               low=0.0, high=1.0)


@register
class SLBAMM(BilevelSolver):
    r"""sl-BAMM (Liu et al., ICML 2023): no lower-level strong convexity needed.

    The lower-level optimality condition :math:`\nabla_y g = 0` is treated as
    a constraint with multiplier ``v``; the y step descends an *average* of
    the upper and lower objectives (selecting, among lower solutions, those
    good for f), and the multiplier step solves a regularized linear system
    on Hessian-vector products:

    .. math::

        y_{k+1} &= y_k - \beta\big[\mu_k\nabla_y f(x_k, y_k) + (1-\mu_k)\nabla_y g(x_k, y_k)\big],\\
        v_{k+1} &= v_k - \nu\big[\nabla^2_{yy} g(x_k, y_{k+1})\, v_k + \theta_k v_k
                   - \nabla_y f(x_k, y_{k+1})\big],\\
        x_{k+1} &= x_k - \alpha\big[\nabla_x f(x_k, y_{k+1})
                   - \nabla^2_{xy} g(x_k, y_{k+1})\, v_{k+1}\big],

    with :math:`\mu_k = \mu_0 (k+1)^{-p} \to 0` and :math:`\theta_k = \theta_0
    (k+1)^{-q}`. The iterate's ``z`` holds :math:`v_k`. On a strongly convex
    lower level the regularization only adds an :math:`O(\theta_k)` bias:
    take ``theta_rate=1`` (or ``theta0=0``) there.

    Certificate: :math:`\|\nabla F(x_k)\|` when the problem computes it
    cheaply, else the norm of the x direction.

    Notes
    -----
    Cost per iteration: 2 upper and 2 lower gradients, 1 Hessian-vector and 1
    cross product. Only the idea (averaged y step with :math:`\mu_k
    \downarrow 0`, multiplier step on Hessian-vector products, x step with
    the multiplier) is verified against the paper's abstract; the update
    equations above, the regularization :math:`\theta_k` and every constant
    and exponent are recalled or our choice (the paper's text was not
    reachable from here). ``mu_rate > 0`` is enforced (an option error);
    warned about: the steps :math:`\beta(\ell_f + \ell_g) \le 1`, :math:`\nu\ell_g \le 1` when
    the problem declares its constants.

    References
    ----------
    R. Liu, Y. Liu, W. Yao, S. Zeng, J. Zhang, "Averaged method of multipliers
    for bi-level optimization without lower-level strong convexity", ICML
    2023, arXiv:2302.03407.

    Examples
    --------
    >>> import optkit
    >>> from optkit.problems.bilevel import quadratic_bilevel
    >>> p = quadratic_bilevel(2, 3, cond=3.0, seed=1)
    >>> res = optkit.minimize(p, p.x0, method="sl-bamm", tol=1e-3,
    ...                       options={"maxiter": 5000, "x_step": 0.3, "mu_rate": 1.0,
    ...                                "theta_rate": 1.0})
    >>> res.success and bool(abs(res.x - p.x_star).max() < 1e-2)
    True
    """

    name = "sl-bamm"
    aliases = ("bamm",)
    Options = SLBAMMOptions
    requires = BilevelSolver.requires + ("lower_hvp", "lower_cross")
    needs_strong_convexity = False
    z_role = "v"
    summary = ("sl-BAMM: single-loop averaged y step (mu_k -> 0), multiplier on "
               "Hessian-vector products; no lower strong convexity needed")
    reference = "Liu, Liu, Yao, Zeng, Zhang, ICML 2023"

    def init(self, oracle, x0, tol):
        start = self._start(oracle, x0)
        problem = oracle.problem
        o = self.options
        lf = problem.upper_L or 0.0
        self._beta = o.y_step if o.y_step is not None else 1.0 / (self._lower_L("y_step") + lf)
        self._nu = o.v_step if o.v_step is not None else 1.0 / self._lower_L("v_step")
        if problem.lower_L:
            if self._beta * (problem.lower_L + lf) > 1 + 1e-12:
                schedule_warning(self.name, "y_step (l_f + l_g) <= 1",
                                 f"y_step = {self._beta:.4g}, l_g = {problem.lower_L:.4g}, "
                                 f"l_f = {lf:.4g}")
            if self._nu * problem.lower_L > 1 + 1e-12:
                schedule_warning(self.name, "v_step l_g <= 1",
                                 f"v_step = {self._nu:.4g}, l_g = {problem.lower_L:.4g}")
        x, y, v = start
        o_ = self.oracle
        iu, rng = o_.sample("upper", self._rng0, self._batch())
        il, rng = o_.sample("lower", rng, self._batch())
        fx, _ = o_.upper_grad(x, y, iu)
        h = fx - o_.lower_cross(x, y, v, il)
        f, g, est, cert = self._measure(x, y, h, start=True)
        return BilevelState(x=start, fun=f, upper=f, lower=g, hypergrad_est=est, cert=cert,
                            rng=rng, k=0)

    def step(self, state, budget):
        o = self.oracle
        opts = self.options
        x, y, v = state.x
        k = state.k
        mu = opts.mu0 / (k + 1) ** opts.mu_rate
        theta = opts.theta0 / (k + 1) ** opts.theta_rate
        rng = state.rng
        batch = self._batch()
        iu, rng = o.sample("upper", rng, batch)
        il, rng = o.sample("lower", rng, batch)
        y = y - self._beta * (mu * o.upper_grad(x, y, iu)[1]
                              + (1.0 - mu) * o.lower_grad(x, y, il)[1])
        iu, rng = o.sample("upper", rng, batch)
        fx, fy = o.upper_grad(x, y, iu)
        il, rng = o.sample("lower", rng, batch)
        v = v - self._nu * (o.lower_hvp(x, y, v, il) + theta * v - fy)
        h = fx - o.lower_cross(x, y, v, il)
        x_new = x - opts.x_step * h
        bad = first_nonfinite(y=y, v=v, x_direction=h)
        if bad is not None:
            return dataclasses.replace(state, x=BilevelIterate(x_new, y, v), nonfinite=bad)
        f, g, est, cert = self._measure(x_new, y, h)
        return BilevelState(x=BilevelIterate(x_new, y, v), fun=f, upper=f, lower=g,
                            hypergrad_est=est, cert=cert, rng=rng, k=k + 1)
