r"""BO-REP: bilevel optimization with normalized momentum, initialization
refinement and periodic lower-level updates."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ._common import (BilevelIterate, BilevelOptions, BilevelSolver, BilevelState,
                      first_nonfinite, schedule_warning)

__all__ = ["BOREP", "BOREPOptions", "BOREPState"]


@dataclasses.dataclass(frozen=True)
class BOREPOptions(BilevelOptions):
    """Options of :class:`BOREP` (``method="bo-rep"``)."""

    x_step: float = option(0.05, "Normalized step eta on x (the length of every x step).",
                           kind=float, low=0.0, low_inclusive=False)
    x_step_decay: float = option(0.0, "eta_k = x_step / (k + 1)^p with this p (0: the paper's "
                                 "constant step; > 0 lets the iterates settle).", kind=float,
                                 low=0.0, high=1.0)
    beta: float = option(0.9, "Momentum parameter beta in m_k = beta m_{k-1} + (1 - beta) "
                         "h_k.", kind=float, low=0.0, high=1.0, high_inclusive=False)
    init_steps: int = option(100, "Initialization refinement: (stochastic) gradient steps on "
                             "g(x_0, .) before the first iteration.", kind=int, low=0)
    period: int = option(2, "Periodic updates: y is refreshed every `period` iterations.",
                         kind=int, low=1)
    lower_steps: int = option(5, "(Stochastic) gradient steps on g(x_k, .) per refresh, warm "
                              "started.", kind=int, low=1)
    y_step: float = option(None, "Step of the lower steps (None: 1/lower_L).", kind=float,
                           low=0.0, low_inclusive=False)
    v_step: float = option(None, "Step of the linear-system update on v (None: 1/lower_L).",
                           kind=float, low=0.0, low_inclusive=False)
    v_steps: int = option(1, "Gradient steps on the quadratic 1/2 v'Hv - <grad_y f, v> per "
                          "iteration, warm started.", kind=int, low=1)


@dataclasses.dataclass(kw_only=True)
class BOREPState(BilevelState):
    m: np.ndarray                # normalized-momentum buffer


@register
class BOREP(BilevelSolver):
    r"""BO-REP (Hao, Gong, Liu, ICLR 2024): bilevel under unbounded smoothness.

    For an upper level with :math:`(L_0, L_1)`-type unbounded smoothness
    (recurrent networks) and a strongly convex lower level. The upper
    variable moves by normalized momentum; the lower variable is refined once
    at :math:`x_0` and then updated only periodically:

    .. math::

        y_0 &\leftarrow \text{init\_steps (S)GD steps on } g(x_0, \cdot)
             \quad\text{(initialization refinement)}, \\
        y_k &\leftarrow \text{lower\_steps (S)GD steps on } g(x_k, \cdot)
             \quad\text{when } k \bmod I = 0,\ k > 0
             \quad\text{(periodic updates)}, \\
        v_{k+1} &= v_k - \nu\big(\nabla^2_{yy} g(x_k, y_k)\, v_k - \nabla_y f(x_k, y_k)\big),\\
        \hat h_k &= \nabla_x f(x_k, y_k) - \nabla^2_{xy} g(x_k, y_k)\, v_{k+1}, \qquad
        m_k = \beta m_{k-1} + (1-\beta)\hat h_k, \qquad
        x_{k+1} = x_k - \eta_k\, m_k / \|m_k\|,

    with :math:`m_{-1} = 0`. The iterate's ``z`` holds :math:`v_k`.

    Certificate: :math:`\|\nabla F(x_k)\|` when the problem computes it
    cheaply, else :math:`\|\hat h_k\|`.

    Notes
    -----
    Cost per iteration: 1 upper gradient, ``v_steps`` Hessian-vector
    products, 1 cross product, and ``lower_steps`` lower gradients every
    ``period`` iterations. The structure (normalized momentum, initialization
    refinement, periodic updates) and the :math:`\tilde O(\epsilon^{-4})`
    complexity are verified against the paper's abstract; the constants
    (beta = 0.9, period, step sizes, one SGD step per iteration on the
    linear system, without the paper's projection of v onto a ball) are
    recalled or our choice: the paper's text was not reachable from here.
    With a constant :math:`\eta` the iterates settle in an
    :math:`O(\eta)`-neighbourhood of a stationary point (every step has
    length :math:`\eta`); ``x_step_decay > 0`` (our addition) lets them
    converge.

    References
    ----------
    J. Hao, X. Gong, M. Liu, "Bilevel optimization under unbounded smoothness:
    a new algorithm and convergence analysis", ICLR 2024, arXiv:2401.09587.

    Examples
    --------
    >>> import optkit
    >>> from optkit.problems.bilevel import quadratic_bilevel
    >>> p = quadratic_bilevel(2, 3, cond=3.0, seed=1)
    >>> res = optkit.minimize(p, p.x0, method="bo-rep", tol=1e-2,
    ...                       options={"maxiter": 5000, "x_step": 0.1, "x_step_decay": 0.5})
    >>> res.success and bool(abs(res.x - p.x_star).max() < 5e-2)
    True
    """

    name = "bo-rep"
    aliases = ("borep",)
    Options = BOREPOptions
    requires = BilevelSolver.requires + ("lower_hvp", "lower_cross")
    z_role = "v"
    summary = ("BO-REP: normalized momentum on x, initialization refinement and periodic "
               "lower updates, Hessian-vector hypergradient")
    reference = "Hao, Gong, Liu, ICLR 2024"

    def init(self, oracle, x0, tol):
        start = self._start(oracle, x0)
        problem = oracle.problem
        o = self.options
        self._beta_y = o.y_step if o.y_step is not None else 1.0 / self._lower_L("y_step")
        self._nu = o.v_step if o.v_step is not None else 1.0 / self._lower_L("v_step")
        if problem.lower_L:
            for opt, val in (("y_step", self._beta_y), ("v_step", self._nu)):
                if val * problem.lower_L > 1 + 1e-12:
                    schedule_warning(self.name, f"{opt} * lower_L <= 1",
                                     f"{opt} = {val:.4g}, l_g = {problem.lower_L:.4g}")
        x, y0, v = start
        y, rng = self._lower_steps(x, y0, self._rng0, o.init_steps)
        bad = first_nonfinite(lower_gradient_in_the_initialization_refinement=y)
        if bad is not None:
            # the driver stops at x0 (status 3); the start stays finite
            return BOREPState(x=start, fun=np.nan, upper=np.nan, lower=np.nan,
                              hypergrad_est=np.nan, cert=np.nan, rng=rng, k=0,
                              m=np.zeros_like(x), nonfinite=bad)
        h, v_next, rng = self._estimate(x, y, v, rng)
        f, g, est, cert = self._measure(x, y, h, start=True)
        return BOREPState(x=BilevelIterate(x, y, v), fun=f, upper=f, lower=g,
                          hypergrad_est=est, cert=cert, rng=rng,
                          k=0, m=np.zeros_like(x))

    def _lower_steps(self, x, y, rng, n):
        o = self.oracle
        for _ in range(n):
            il, rng = o.sample("lower", rng, self._batch())
            y = y - self._beta_y * o.lower_grad(x, y, il)[1]
        return y, rng

    def _estimate(self, x, y, v, rng):
        """``(h, v_next, rng)``: the v update and the hypergradient estimate at (x, y)."""
        o = self.oracle
        batch = self._batch()
        iu, rng = o.sample("upper", rng, batch)
        fx, fy = o.upper_grad(x, y, iu)
        for _ in range(self.options.v_steps):
            il, rng = o.sample("lower", rng, batch)
            v = v - self._nu * (o.lower_hvp(x, y, v, il) - fy)
        il, rng = o.sample("lower", rng, batch)
        return fx - o.lower_cross(x, y, v, il), v, rng

    def step(self, state, budget):
        o = self.options
        x, y, v = state.x
        k = state.k
        rng = state.rng
        if k > 0 and k % o.period == 0:
            y, rng = self._lower_steps(x, y, rng, o.lower_steps)
        h, v, rng = self._estimate(x, y, v, rng)
        m = o.beta * state.m + (1.0 - o.beta) * h
        norm = float(np.linalg.norm(m))
        eta = o.x_step / (k + 1) ** o.x_step_decay
        x_new = x - eta * m / norm if norm > 0 else x
        bad = first_nonfinite(y=y, v=v, hypergradient_estimate=h)
        if bad is not None:
            return dataclasses.replace(state, x=BilevelIterate(x_new, y, v), nonfinite=bad)
        f, g, est, cert = self._measure(x_new, y, h)
        return BOREPState(x=BilevelIterate(x_new, y, v), fun=f, upper=f, lower=g,
                          hypergrad_est=est, cert=cert, rng=rng, k=k + 1, m=m)
