r"""Gradient method with a constant step or Nesterov's adaptive L estimate."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._core.registry import register
from ..._core.solver import Solver, State
from .preconditioners import IDENTITY
from .._linesearch import adaptive_L, curvature_holds
from ._smoothness import LipschitzSearchOptions

__all__ = ["GradientMethod", "GradientMethodOptions", "GradientState"]


@dataclasses.dataclass(frozen=True)
class GradientMethodOptions(LipschitzSearchOptions):
    """Options of :class:`GradientMethod` (``method="gm"``)."""


@dataclasses.dataclass(kw_only=True)
class GradientState(State):
    grad_norm: float
    L: float            # the estimate the last step was taken with
    L_next: float       # the first trial of the next step
    backtracks: int = 0


@register
class GradientMethod(Solver):
    r"""Gradient method (GM).

    .. math::

        x_{k+1} = x_k - \frac{1}{L_k} \nabla f(x_k)

    With ``step="constant"``, :math:`L_k = L`. With ``step="adaptive"``
    (default), :math:`L_k` is the smallest of :math:`L_{k-1}/2, L_{k-1},
    2L_{k-1}, \dots` for which the quadratic upper model holds:

    .. math::

        f(x_{k+1}) \le f(x_k) - \frac{1}{2L_k}\|\nabla f(x_k)\|^2 ,

    so no knowledge of the Lipschitz constant is needed and the step adapts to
    the local smoothness.

    Certificate: :math:`\|\nabla f(x_k)\|`.

    The step is taken in a pluggable metric (:meth:`make_metric`): the
    Euclidean one here; ``pgm`` is this class with a polynomial
    preconditioner :math:`P` plugged in (step :math:`P\nabla f(x_k)/(L_k s)`).

    Notes
    -----
    Cost per iteration: one gradient and one function value, plus one
    function value per doubling (on average about one doubling per
    iteration). Rate on L-smooth convex f: :math:`f(x_k) - f^* \le
    2L\|x_0 - x^*\|^2/k` (up to the factor 2 of the adaptive search);
    linear with factor :math:`1 - \mu/L` when f is :math:`\mu`-strongly convex.

    References
    ----------
    Yu. Nesterov, "Gradient methods for minimizing composite functions",
    Math. Program. 140:125-161, 2013 (the adaptive estimate of L).
    Yu. Nesterov, *Lectures on Convex Optimization*, Springer, 2018, §2.1.5.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> A = np.diag([1.0, 10.0]); b = np.array([1.0, 1.0])
    >>> res = optkit.minimize(lambda x: 0.5 * x @ A @ x - b @ x, np.zeros(2),
    ...                       jac=lambda x: A @ x - b, method="gm", tol=1e-10)
    >>> np.allclose(res.x, [1.0, 0.1])
    True
    """

    name = "gm"
    aliases = ("gradient", "gradient-descent", "gd")
    Options = GradientMethodOptions
    trace_fields = ("L",)
    default_maxiter = 100_000
    summary = "Gradient method, constant step or adaptive Lipschitz estimate"
    reference = "Nesterov, Math. Program. 2013 (adaptive L)"

    def make_metric(self, oracle, x0):
        """The metric of the step (a :class:`~.preconditioners.Preconditioner`):
        the identity here; :class:`~.preconditioned.PreconditionedGradientMethod`
        plugs in a polynomial one."""
        return IDENTITY

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        self.metric = self.make_metric(oracle, x0)
        f, g = oracle.fun_and_grad(x0)
        L = self.options.initial_L
        return GradientState(x=x0, fun=f, jac=g, grad_norm=float(np.linalg.norm(g)),
                             L=L, L_next=L)

    def step(self, state, budget):
        oracle, opts, metric = self.oracle, self.options, self.metric
        x, f, g = state.x, state.fun, state.jac
        w = metric.direction(g)             # G^{-1} g (g itself for GM)
        gg = float(g @ w)                   # squared dual norm of g
        if not metric.is_identity and gg <= 0.0 and np.any(g):
            return dataclasses.replace(state, failure=_not_descent(metric, gg))
        if opts.step == "constant":
            x_new = x - w / opts.L
            f_new, g_new = oracle.fun_and_grad(x_new)
            return GradientState(x=x_new, fun=f_new, jac=g_new, L=opts.L, L_next=opts.L,
                                 grad_norm=float(np.linalg.norm(g_new)))
        grad, fun = oracle.grad, oracle.fun

        def trial(L):
            x_new = x - w / L
            return x_new, fun(x_new), f, gg / (2 * L)

        def curvature(x_new, L):
            g_new = grad(x_new)
            d = x_new - x
            return g_new if curvature_holds(g_new, g, d, L, metric.step_sqnorm(d, gg, 1.0 / L)) \
                else None

        res = adaptive_L(trial, curvature, state.L_next, opts.max_backtracks)
        if not res.ok:
            if res.failure is not None:
                return dataclasses.replace(state, failure=res.failure)
            # f is non-finite however short the step: the driver's guard reports it
            return dataclasses.replace(state, x=res.x, fun=res.fun)
        x_new, L = res.x, res.L
        g_new = res.grad if res.grad is not None else grad(x_new)
        return GradientState(x=x_new, fun=res.fun, jac=g_new, L=L, L_next=L / 2.0,
                             backtracks=res.n_trials - 1, grad_norm=float(np.linalg.norm(g_new)))

    def certificate(self, state):
        return state.grad_norm

    def result_fields(self, state):
        return {"L": state.L}


def _not_descent(metric, gg):
    return (f"The preconditioned direction is not a descent direction (<g, P g> = {gg:.3g}): "
            f"the {metric.name!r} preconditioner is not positive definite along the gradient "
            "(estimated traces too noisy, or B not positive semidefinite); use "
            "traces='exact', more n_probes, or a smaller tau.")
