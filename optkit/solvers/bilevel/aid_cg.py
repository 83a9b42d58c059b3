r"""AID-CG: approximate implicit differentiation (the Hessian-vector baseline)."""

from __future__ import annotations

import dataclasses

from ..._core.options import option
from ..._core.registry import register
from ._common import (BilevelIterate, BilevelOptions, BilevelSolver, BilevelState,
                      conjugate_gradient, first_nonfinite, neumann_solve, schedule_warning)

__all__ = ["AIDCG", "AIDCGOptions"]


@dataclasses.dataclass(frozen=True)
class AIDCGOptions(BilevelOptions):
    """Options of :class:`AIDCG` (``method="aid-cg"``)."""

    x_step: float = option(0.1, "Step on x along the hypergradient estimate.", kind=float,
                           low=0.0, low_inclusive=False)
    inner_steps: int = option(10, "(Stochastic) gradient steps on g(x_k, .) per iteration, "
                              "warm started from the last y.", kind=int, low=0)
    y_step: float = option(None, "Step of the inner steps (None: 1/lower_L).", kind=float,
                           low=0.0, low_inclusive=False)
    linear_solver: str = option("auto", "'cg' (conjugate gradients, warm started from the "
                                "last v), 'neumann' (stocBiO's truncated Neumann series on "
                                "minibatch Hessian-vector products), 'auto' (cg without "
                                "batch_size, else neumann).", kind=str,
                                choices=("auto", "cg", "neumann"))
    cg_iters: int = option(10, "Conjugate-gradient iterations per linear system.", kind=int,
                           low=1)
    neumann_terms: int = option(10, "Terms Q of the Neumann series.", kind=int, low=1)
    neumann_step: float = option(None, "Step eta of the Neumann series (None: 1/lower_L; "
                                 "it needs eta lower_L <= 1).", kind=float, low=0.0,
                                 low_inclusive=False)


@register
class AIDCG(BilevelSolver):
    r"""AID-CG: approximate implicit differentiation (stocBiO when stochastic).

    Iteration k: warm-started lower steps, a linear system for
    :math:`v \approx [\nabla^2_{yy} g]^{-1}\nabla_y f`, and a step along the
    implicit hypergradient:

    .. math::

        y &\leftarrow y - \beta\nabla_y g(x_k, y) \quad (N \text{ times}), \\
        v_k &\approx \operatorname{argmin}_v \tfrac12 v^\top\nabla^2_{yy} g(x_k, y) v
              - \langle\nabla_y f(x_k, y), v\rangle \quad
              (\text{CG from } v_{k-1}, \text{ or } v = \eta\textstyle\sum_{q<Q}
              (I - \eta\nabla^2_{yy} g)^q\nabla_y f), \\
        \hat h_k &= \nabla_x f(x_k, y) - \nabla^2_{xy} g(x_k, y)\, v_k, \qquad
        x_{k+1} = x_k - \alpha\hat h_k.

    In the stochastic case (``batch_size``) every gradient and
    Hessian-vector product uses a fresh minibatch, as in stocBiO. The
    iterate's ``z`` holds :math:`v_k`.

    Certificate: :math:`\|\nabla F(x_k)\|` when the problem computes it
    cheaply, else :math:`\|\hat h_k\|`.

    Notes
    -----
    Cost per iteration: ``N + 2`` gradient calls, up to ``cg_iters + 1``
    Hessian-vector products (or ``Q - 1``) and one cross product. With an
    exact lower solution and linear system, :math:`\hat h_k = \nabla F(x_k)`
    and the method is gradient descent on F.

    References
    ----------
    F. Pedregosa, "Hyperparameter optimization with approximate gradient",
    ICML 2016. K. Ji, J. Yang, Y. Liang, "Bilevel optimization: convergence
    analysis and enhanced design", ICML 2021, arXiv:2010.07962 (AID-BiO with
    warm starts; stocBiO). M. Arbel, J. Mairal, "Amortized implicit
    differentiation for stochastic bilevel optimization", ICLR 2022.

    Examples
    --------
    >>> import optkit
    >>> from optkit.problems.bilevel import quadratic_bilevel
    >>> p = quadratic_bilevel(2, 3, cond=3.0, seed=1)
    >>> res = optkit.minimize(p, p.x0, method="aid-cg", tol=1e-8,
    ...                       options={"maxiter": 1000, "x_step": 0.3})
    >>> res.success and bool(abs(res.x - p.x_star).max() < 1e-6)
    True
    """

    name = "aid-cg"
    aliases = ("aid", "stocbio")
    Options = AIDCGOptions
    requires = BilevelSolver.requires + ("lower_hvp", "lower_cross")
    z_role = "v"
    summary = ("AID-CG: warm-started lower steps, CG (or stocBiO Neumann) linear system on "
               "Hessian-vector products, implicit hypergradient")
    reference = "Pedregosa, ICML 2016; Ji, Yang, Liang, ICML 2021 (stocBiO)"

    def init(self, oracle, x0, tol):
        start = self._start(oracle, x0)
        problem = oracle.problem
        o = self.options
        self._beta = o.y_step if o.y_step is not None else 1.0 / self._lower_L("y_step")
        solver = o.linear_solver
        if solver == "auto":
            solver = "cg" if o.batch_size is None else "neumann"
        self._solver = solver
        if solver == "neumann":
            self._eta = (o.neumann_step if o.neumann_step is not None
                         else 1.0 / self._lower_L("neumann_step"))
            if problem.lower_L and self._eta * problem.lower_L > 1 + 1e-12:
                schedule_warning(self.name, "neumann_step * lower_L <= 1",
                                 f"eta = {self._eta:.4g}, l_g = {problem.lower_L:.4g}: the "
                                 "Neumann series diverges")
        x, y, v = start
        h, v, rng = self._hypergradient(x, y, v, self._rng0)
        f, g, est, cert = self._measure(x, y, h, start=True)
        return BilevelState(x=BilevelIterate(x, y, v), fun=f, upper=f, lower=g,
                            hypergrad_est=est, cert=cert, rng=rng, k=0)

    def _hypergradient(self, x, y, v, rng):
        o = self.oracle
        batch = self._batch()
        iu, rng = o.sample("upper", rng, batch)
        fx, fy = o.upper_grad(x, y, iu)
        if self._solver == "cg":
            il, rng = o.sample("lower", rng, batch)
            v, _ = conjugate_gradient(lambda u: o.lower_hvp(x, y, u, il), fy, v,
                                      self.options.cg_iters)
        else:
            draws = [rng]

            def matvec(u):
                idx, draws[0] = o.sample("lower", draws[0], batch)
                return o.lower_hvp(x, y, u, idx)

            v = neumann_solve(matvec, fy, self._eta, self.options.neumann_terms)
            rng = draws[0]
        il, rng = o.sample("lower", rng, batch)
        h = fx - o.lower_cross(x, y, v, il)
        return h, v, rng

    def step(self, state, budget):
        o = self.oracle
        x, y, v = state.x
        rng = state.rng
        for _ in range(self.options.inner_steps):
            il, rng = o.sample("lower", rng, self._batch())
            y = y - self._beta * o.lower_grad(x, y, il)[1]
        h, v, rng = self._hypergradient(x, y, v, rng)
        x_new = x - self.options.x_step * h
        bad = first_nonfinite(y=y, v=v, hypergradient_estimate=h)
        if bad is not None:
            return dataclasses.replace(state, x=BilevelIterate(x_new, y, v), nonfinite=bad)
        f, g, est, cert = self._measure(x_new, y, h)
        return BilevelState(x=BilevelIterate(x_new, y, v), fun=f, upper=f, lower=g,
                            hypergrad_est=est, cert=cert, rng=rng, k=state.k + 1)
