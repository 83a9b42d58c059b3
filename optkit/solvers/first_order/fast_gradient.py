r"""Nesterov's fast gradient method (method of similar triangles), convex and
strongly convex, with adaptive L and optional restarts."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ..._core.solver import Solver, State
from .gradient import _not_descent
from .preconditioners import IDENTITY
from .._linesearch import adaptive_L, curvature_holds, value_test_unreliable
from ._smoothness import LipschitzSearchOptions

__all__ = ["FastGradientMethod", "FastGradientOptions", "FastGradientState"]


@dataclasses.dataclass(frozen=True)
class FastGradientOptions(LipschitzSearchOptions):
    """Options of :class:`FastGradientMethod` (``method="fgm"``)."""

    mu: float = option(0.0, "Strong convexity parameter (0: the convex method). A valid "
                       "mu > 0 gives the linear rate 1 - sqrt(mu/L).", low=0.0)
    restart: str = option("gradient", "Adaptive restart of the momentum (O'Donoghue & Candes): "
                          "'function' when f increases, 'gradient' when the gradient at y "
                          "makes an acute angle with the step (default: robust on nonconvex and "
                          "strongly convex problems); None: the textbook method.",
                          kind=str, choices=("function", "gradient"), allow_none=True)

    def check(self):
        super().check()
        if self.L is not None and self.mu > self.L:
            raise ValueError(f"Option `mu` ({self.mu}) must not exceed `L` ({self.L}).")


@dataclasses.dataclass(kw_only=True)
class FastGradientState(State):
    v: np.ndarray          # minimizer of the estimate sequence
    A: float               # sum of the weights a_i
    grad_norm: float
    L: float               # the estimate the last step was taken with
    L_next: float          # the first trial of the next step
    restarts: int = 0


class _NotDescent(Exception):
    """Raised inside a trial: the preconditioned direction is not a descent direction."""


def _next_weight(A: float, L: float, mu: float) -> float:
    """The root a > 0 of  L a^2 = (A + a)(1 + mu A)."""
    c = 1.0 + mu * A
    return (c + math.sqrt(c * c + 4.0 * L * A * c)) / (2.0 * L)


@register
class FastGradientMethod(Solver):
    r"""Fast gradient method (FGM): Nesterov's accelerated method.

    The method of similar triangles. With weights :math:`a_{k+1} > 0` solving
    :math:`L_k a_{k+1}^2 = A_{k+1}(1 + \mu A_k)`, :math:`A_{k+1} = A_k + a_{k+1}`:

    .. math::

        y_k &= (A_k x_k + a_{k+1} v_k) / A_{k+1} \\
        v_{k+1} &= \frac{(1 + \mu A_k) v_k + a_{k+1}(\mu y_k - \nabla f(y_k))}
                        {1 + \mu A_{k+1}} \\
        x_{k+1} &= (A_k x_k + a_{k+1} v_{k+1}) / A_{k+1}

    where :math:`v_{k+1}` minimizes the estimate function
    :math:`\tfrac12\|v - x_0\|^2 + \sum_i a_i [f(y_i) + \langle \nabla f(y_i),
    v - y_i\rangle + \tfrac{\mu}{2}\|v - y_i\|^2]`. With ``step="adaptive"``,
    :math:`L_k` doubles until
    :math:`f(x_{k+1}) \le f(y_k) + \langle \nabla f(y_k), x_{k+1} - y_k\rangle
    + \tfrac{L_k}{2}\|x_{k+1} - y_k\|^2` and the next iteration starts from
    :math:`L_k/2`. With :math:`\mu = 0` this is :math:`x_{k+1} = y_k -
    \nabla f(y_k)/L_k`.

    Restarts (``restart="gradient"``, the default, or ``"function"``) reset
    :math:`A_k = 0, v_k = x_k` when the momentum stops helping, which recovers
    a linear rate on strongly convex problems without knowing :math:`\mu` and
    tames the oscillations on nonconvex ones (Rosenbrock from scipy's start:
    about 380 iterations with restarts, 11,000 without). ``restart=None`` is
    the textbook method.

    Certificate: :math:`\|\nabla f(x_k)\|` at the returned iterate.

    The gradient steps are taken in a pluggable metric (:meth:`make_metric`):
    the Euclidean one here; ``pfgm`` is this class with a polynomial
    preconditioner plugged in.

    Notes
    -----
    Cost per iteration: one gradient at :math:`y_k` and one value at
    :math:`x_{k+1}` per trial of :math:`L_k`, plus one gradient at
    :math:`x_{k+1}` for the certificate (and the restart tests). Rates:
    :math:`f(x_k) - f^* \le 2L\|x_0 - x^*\|^2/k^2` (convex);
    :math:`O((1 - \sqrt{\mu/L})^k)` (:math:`\mu`-strongly convex, ``mu`` given).

    References
    ----------
    Yu. Nesterov, *Lectures on Convex Optimization*, Springer, 2018, §2.2.
    A. Gasnikov, Yu. Nesterov, "Universal method for stochastic composite
    optimization problems", Comput. Math. Math. Phys. 58, 2018 (similar triangles).
    B. O'Donoghue, E. Candès, "Adaptive restart for accelerated gradient
    schemes", Found. Comput. Math. 15, 2015.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> A = np.diag(np.logspace(0, 3, 20)); b = np.ones(20)
    >>> res = optkit.minimize(lambda x: 0.5 * x @ A @ x - b @ x, np.zeros(20),
    ...                       jac=lambda x: A @ x - b, method="fgm", tol=1e-10)
    >>> np.allclose(res.x, 1 / np.diag(A))
    True
    """

    name = "fgm"
    aliases = ("fast-gradient", "nesterov", "agd", "accelerated-gradient")
    Options = FastGradientOptions
    trace_fields = ("L", "restarts")
    default_maxiter = 100_000
    summary = "Fast gradient method (similar triangles), convex/strongly convex, restarts"
    reference = "Nesterov, Lectures on Convex Optimization 2018; O'Donoghue & Candes 2015"

    def make_metric(self, oracle, x0):
        """The metric of the steps: the identity here;
        :class:`~.preconditioned.PreconditionedFastGradientMethod` plugs in a
        polynomial one."""
        return IDENTITY

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        self.metric = self.make_metric(oracle, x0)
        f, g = oracle.fun_and_grad(x0)
        L = self.options.initial_L
        return FastGradientState(x=x0, fun=f, jac=g, v=x0, A=0.0, L=L, L_next=L,
                                 grad_norm=float(np.linalg.norm(g)))

    def step(self, state, budget):
        oracle, opts, metric = self.oracle, self.options, self.metric
        x, v, A, mu = state.x, state.v, state.A, opts.mu
        adaptive = opts.step == "adaptive"
        fun_and_grad, fun, grad = oracle.fun_and_grad, oracle.fun, oracle.grad
        w = y_prev = gw = None
        # the last trial's quantities, read after the search (cells: no allocation per trial)
        a = A_new = v_new = g_y = d = sq = None

        def trial(L):
            nonlocal w, y_prev, gw, a, A_new, v_new, g_y, d, sq
            a = _next_weight(A, L, mu)
            A_new = A + a
            y = (A * x + a * v) / A_new
            f_y, g_y = fun_and_grad(y)
            if w is None or y_prev is None or not np.array_equal(y, y_prev):
                w = metric.direction(g_y)   # G^{-1} g_y (g_y itself for FGM)
                gw, y_prev = float(g_y @ w), y
                if not metric.is_identity and gw <= 0.0 and np.any(g_y):
                    raise _NotDescent(gw)
            v_new = ((1.0 + mu * A) * v + a * (mu * y - w)) / (1.0 + mu * A_new)
            x_new = (A * x + a * v_new) / A_new
            f_new = fun(x_new)
            if not adaptive:
                return x_new, f_new
            d = x_new - y
            # with mu = 0 (required by a non-identity metric) d = -(a^2/A_new) G^{-1} g_y
            sq = metric.step_sqnorm(d, gw, a * a / A_new)
            return x_new, f_new, f_y, -(g_y @ d + 0.5 * L * sq)

        def curvature(x_new, L):
            g_new = grad(x_new)
            return g_new if curvature_holds(g_new, g_y, d, L, sq) else None

        try:
            if adaptive:
                res = adaptive_L(trial, curvature, state.L_next, opts.max_backtracks)
                if not res.ok:
                    if res.failure is not None:
                        return dataclasses.replace(state, failure=res.failure)
                    return dataclasses.replace(state, x=res.x, fun=res.fun)
                x_new, f_new, L = res.x, res.fun, res.L
            else:
                L = state.L_next
                x_new, f_new = trial(L)
        except _NotDescent as exc:
            return dataclasses.replace(state, failure=_not_descent(metric, exc.args[0]))

        restarts = state.restarts
        if opts.restart == "function" and f_new > state.fun and not value_test_unreliable(
                f_new - state.fun, state.fun):
            # momentum overshot: discard the step, restart from x_k
            return dataclasses.replace(state, v=x, A=0.0, L=L,
                                       L_next=L / 2.0 if adaptive else L,
                                       restarts=restarts + 1)
        g_new = oracle.grad(x_new)
        if opts.restart == "gradient" and g_y @ (x_new - x) > 0.0:
            v_new, A_new, restarts = x_new, 0.0, restarts + 1
        return FastGradientState(x=x_new, fun=f_new, jac=g_new, v=v_new, A=A_new, L=L,
                                 L_next=L / 2.0 if adaptive else L, restarts=restarts,
                                 grad_norm=float(np.linalg.norm(g_new)))

    def certificate(self, state):
        return state.grad_norm

    def result_fields(self, state):
        return {"L": state.L, "restarts": state.restarts}
