r"""Vanilla Frank-Wolfe (conditional gradient)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.registry import register
from ..._core.solver import Solver, State
from ._common import FWStepOptions, LMOOracle, dot, initial_L, make_step_rule, prepare_x0

__all__ = ["FrankWolfe", "FrankWolfeOptions", "FWState"]


@dataclasses.dataclass(frozen=True)
class FrankWolfeOptions(FWStepOptions):
    """Options of :class:`FrankWolfe` (``method="fw"``)."""


@dataclasses.dataclass(kw_only=True)
class FWState(State):
    gap: float                 # Frank-Wolfe gap <g, x - s> at x
    s: np.ndarray              # the LMO vertex at x
    gamma: float = math.nan    # the step that led to x
    L: float = math.nan        # the L estimate used (short / adaptive)
    k: int = 0


class _FWBase(Solver):
    """Shared parts of the Frank-Wolfe solvers (family "lmo")."""

    family = "lmo"
    requires = ("fun", "grad", "lmo")
    default_tol = 1e-6
    default_maxiter = 10_000
    certificate_name = "fw_gap"

    def make_oracle(self, problem, dim):
        return LMOOracle(problem, dim)

    def _start(self, oracle, x0):
        self.oracle = oracle
        self.rule = make_step_rule(self.options, oracle)
        x0 = prepare_x0(oracle, x0, self.options.project_x0, self.options.feasibility_tol)
        f, g = oracle.fun_and_grad(x0)
        s = oracle.lmo(g)
        return x0, f, g, s

    def _line_step(self, state, x, f, g, d, slope, gamma_max):
        """Step from x along d with the configured step rule (last L halved as the
        first trial, or the fixed L of the short step).

        Returns ``(gamma, x_new, f_new, g_new, L)``, or a state to return at once:
        the rule's failure, or a non-finite f for the driver's guard.
        """
        L_prev = state.L / 2.0 if math.isfinite(state.L) else state.L
        if self.options.step == "short":
            L_prev = self.options.L
        res = self.rule(x, f, g, d, slope, gamma_max, state.k, L_prev)
        if res.failure is not None:
            return dataclasses.replace(state, failure=res.failure)
        if not math.isfinite(res.fun):
            return dataclasses.replace(state, x=res.x, fun=res.fun)
        return res.step, res.x, res.fun, res.grad, res.L

    def _initial_L(self, x, g, d):
        return initial_L(self.options, self.rule, x, g, d)

    def certificate(self, state):
        return state.gap

    def result_fields(self, state):
        return {"gap": state.gap}


@register
class FrankWolfe(_FWBase):
    r"""Frank-Wolfe (conditional gradient) method.

    .. math::

        s_k = \operatorname{LMO}_C(\nabla f(x_k)), \qquad
        x_{k+1} = x_k + \gamma_k (s_k - x_k),

    with :math:`\gamma_k = 2/(k+2)` (``step="agnostic"``),
    :math:`\gamma_k = \min(1, g_k / (L\|s_k - x_k\|^2))` (``"short"``; with
    a backtracking estimate of L: ``"adaptive"``, the default) or the exact
    line search on [0, 1] (``"exact"``).

    Certificate: the Frank-Wolfe gap
    :math:`g_k = \langle \nabla f(x_k), x_k - s_k\rangle`, an upper bound on
    :math:`f(x_k) - f^*` for convex f.

    Notes
    -----
    One gradient, one LMO call and one function value per iteration (plus
    the backtracking evaluations). Rate for L-smooth convex f:
    :math:`f(x_k) - f^* \le 2LD^2/(k+2)`, D the diameter; linear when the
    minimizer is in the relative interior of C and f is strongly convex
    (Guelat & Marcotte 1986), sublinear otherwise. Gradients may be sparse
    matrices (matrix sets): they are never densified.

    References
    ----------
    M. Frank, P. Wolfe, "An algorithm for quadratic programming", Naval Res.
    Logist. Q. 3, 1956. M. Jaggi, "Revisiting Frank-Wolfe: projection-free
    sparse convex optimization", ICML 2013. F. Pedregosa, G. Negiar, A. Askari,
    M. Jaggi, "Linearly convergent Frank-Wolfe with backtracking line-search",
    AISTATS 2020, arXiv:1806.05123 (the adaptive step).

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.sets import Simplex
    >>> c = np.array([0.2, 0.5, 0.3])
    >>> res = optkit.minimize(lambda x: 0.5 * (x - c) @ (x - c), [1.0, 0.0, 0.0],
    ...                       jac=lambda x: x - c, method="fw",
    ...                       options={"lmo": Simplex()}, tol=1e-8)
    >>> res.success and res.gap <= 1e-8
    True
    """

    name = "fw"
    aliases = ("frank-wolfe", "conditional-gradient")
    Options = FrankWolfeOptions
    trace_fields = ("gamma", "L")
    summary = "Frank-Wolfe: agnostic, short, adaptive or exact steps; FW-gap certificate"
    reference = "Jaggi, ICML 2013; Pedregosa et al., AISTATS 2020 (adaptive step)"

    def init(self, oracle, x0, tol):
        x0, f, g, s = self._start(oracle, x0)
        gap = dot(g, x0) - dot(g, s)
        L = self._initial_L(x0, g, s - x0)
        return FWState(x=x0, fun=f, jac=g, gap=gap, s=s, L=L, k=0)

    def step(self, state, budget):
        oracle = self.oracle
        x, f, g = state.x, state.fun, state.jac
        d = state.s - x
        out = self._line_step(state, x, f, g, d, state.gap, 1.0)
        if isinstance(out, State):
            return out
        gamma, x_new, f_new, g_new, L = out
        if g_new is None:
            g_new = oracle.grad(x_new)
        s_new = oracle.lmo(g_new)
        gap = dot(g_new, x_new) - dot(g_new, s_new)
        return FWState(x=x_new, fun=f_new, jac=g_new, gap=gap, s=s_new, gamma=gamma,
                       L=L, k=state.k + 1)
