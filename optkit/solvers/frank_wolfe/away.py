r"""Away-step Frank-Wolfe (and the active-set machinery pairwise FW shares)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ..._core.solver import State
from ._common import WEIGHT_DROP, ActiveSet, FWStepOptions, dot, dots
from .fw import _FWBase

__all__ = ["AwayStepFrankWolfe", "AwayStepOptions", "ActiveSetState"]


@dataclasses.dataclass(frozen=True)
class AwayStepOptions(FWStepOptions):
    """Options of :class:`AwayStepFrankWolfe` (``method="fw-away"``)."""

    recompute_every: int = option(50, "Recompute x = sum_v alpha_v v from the weights every "
                                  "this many iterations (kills rounding drift).", kind=int,
                                  low=1)

    def check(self):
        super().check()
        if self.step == "agnostic":
            raise ValueError("Option `step` = 'agnostic' has no away/drop-step theory; use "
                             "'adaptive', 'short' or 'exact' for the active-set variants.")


@dataclasses.dataclass(kw_only=True)
class ActiveSetState(State):
    gap: float                     # Frank-Wolfe gap at x
    s: np.ndarray                  # the LMO vertex at x
    s_row: int                     # its row in the active-set buffer
    weights: np.ndarray            # weights of the buffer rows (0 = not active)
    n_active: int
    active: ActiveSet              # the vertices (rows) the weights refer to
    gamma: float = math.nan
    L: float = math.nan
    k: int = 0
    drop: bool = False             # the last step dropped a vertex


class _ActiveSetFW(_FWBase):
    """Away-step / pairwise Frank-Wolfe; ``pairwise`` selects the direction."""

    pairwise = False
    trace_fields = ("gamma", "L", "n_active")

    def init(self, oracle, x0, tol):
        x0, f, g, s = self._start(oracle, x0)
        cset = oracle.set
        # x0 is the first atom (a vertex by default; any point of C works: the
        # away steps move away from it and drop it like a vertex)
        active, row = ActiveSet(x0.size).with_row(("x0",), x0)
        w = np.zeros(active.n)
        w[row] = 1.0
        active, s_row = active.with_row(cset.vertex_id(s), s)
        w = active.weights(w)
        gap = dot(g, x0) - dot(g, s)
        L = self._initial_L(x0, g, s - x0)
        return ActiveSetState(x=x0, fun=f, jac=g, gap=gap, s=s, s_row=s_row, weights=w,
                              n_active=1, active=active, L=L, k=0)

    def step(self, state, budget):
        oracle, opts, active = self.oracle, self.options, state.active
        x, f, g = state.x, state.fun, state.jac
        w = active.weights(state.weights).copy()
        alive = np.flatnonzero(w > 0)
        gx = dot(g, x)
        vals = dots(g, active.buf[alive])
        a = alive[int(np.argmax(vals))]
        gap_fw = state.gap
        gap_away = float(vals.max()) - gx
        v = active.buf[a]
        s_row = state.s_row
        if self.pairwise:
            d = state.s - v
            gamma_max = w[a]
            slope = gap_fw + gap_away
            kind = "pairwise"
        elif gap_fw >= gap_away or w[a] >= 1.0 - 1e-15:
            d = state.s - x
            gamma_max = 1.0
            slope = gap_fw
            kind = "fw"
        else:
            d = x - v
            gamma_max = w[a] / (1.0 - w[a])
            slope = gap_away
            kind = "away"
        out = self._line_step(state, x, f, g, d, slope, gamma_max)
        if isinstance(out, State):
            return out
        gamma, x_new, f_new, g_new, L = out
        drop = False
        full = gamma >= gamma_max
        if kind == "fw":
            if full:
                w[:] = 0.0
                w[s_row] = 1.0
            else:
                w *= 1.0 - gamma
                w[s_row] += gamma
        elif kind == "away":
            w *= 1.0 + gamma
            w[a] -= gamma
            if full:
                w[a] = 0.0
                drop = True
        else:
            w[s_row] += gamma
            w[a] -= gamma
            if full:
                w[a] = 0.0
                drop = True
        w[w < WEIGHT_DROP] = 0.0
        w /= w.sum()
        k = state.k + 1
        if full or k % opts.recompute_every == 0:
            x_new = active.combine(w)
            f_new = oracle.fun(x_new)
            g_new = None
        if g_new is None:
            g_new = oracle.grad(x_new)
        s_new = oracle.lmo(g_new)
        active, s_row_new = active.with_row(oracle.set.vertex_id(s_new), s_new)
        w = active.weights(w)
        gap = dot(g_new, x_new) - dot(g_new, s_new)
        return ActiveSetState(x=x_new, fun=f_new, jac=g_new, gap=gap, s=s_new,
                              s_row=s_row_new, weights=w, n_active=int(np.count_nonzero(w)),
                              active=active,
                              gamma=gamma, L=L, k=k, drop=drop)

    def result_fields(self, state):
        idx = np.flatnonzero(state.weights)
        return {"gap": state.gap, "active_set": (state.active.buf[idx].copy(),
                                                 state.weights[idx].copy())}


@register
class AwayStepFrankWolfe(_ActiveSetFW):
    r"""Away-step Frank-Wolfe (AFW).

    The iterate is a convex combination of an active set S of vertices,
    :math:`x_k = \sum_{v \in S} \alpha_v v`. With
    :math:`s_k = \operatorname{LMO}(\nabla f(x_k))` and the away vertex
    :math:`v_k = \operatorname{argmax}_{v \in S}\langle \nabla f(x_k), v\rangle`:

    .. math::

        d_k = \begin{cases} s_k - x_k, & \gamma_{\max} = 1
              \quad\text{if } \langle -\nabla f, s_k - x_k\rangle \ge
              \langle -\nabla f, x_k - v_k\rangle \text{ (FW step)} \\
              x_k - v_k, & \gamma_{\max} = \alpha_{v_k}/(1 - \alpha_{v_k})
              \quad\text{otherwise (away step)} \end{cases}

        x_{k+1} = x_k + \gamma_k d_k, \quad \gamma_k \in [0, \gamma_{\max}]

    An away step with :math:`\gamma_k = \gamma_{\max}` drops :math:`v_k`
    from S (drop step). Certificate: the Frank-Wolfe gap.

    Notes
    -----
    Per iteration: one gradient, one LMO call, :math:`|S|` inner products, and the
    step rule's function values. Linear convergence for strongly convex f
    (or :math:`f = g(Ax)`, g strongly convex) over polytopes, with a rate
    depending on the pyramidal width. ``result.active_set`` is
    ``(vertices, weights)``; ``n_active`` is in the trace.

    References
    ----------
    S. Lacoste-Julien, M. Jaggi, "On the global linear convergence of
    Frank-Wolfe optimization variants", NeurIPS 2015, arXiv:1511.05932.
    P. Wolfe, "Convergence theory in nonlinear programming", 1970 (away steps).

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.sets import Simplex
    >>> c = np.array([0.5, 0.5, 0.0])
    >>> res = optkit.minimize(lambda x: 0.5 * (x - c) @ (x - c), [0.0, 0.0, 1.0],
    ...                       jac=lambda x: x - c, method="fw-away",
    ...                       options={"lmo": Simplex()}, tol=1e-10)
    >>> np.allclose(res.x, c, atol=1e-9)
    True
    """

    name = "fw-away"
    aliases = ("away-step-fw", "afw")
    Options = AwayStepOptions
    summary = "Away-step Frank-Wolfe with an active set and drop steps"
    reference = "Lacoste-Julien & Jaggi, NeurIPS 2015"
