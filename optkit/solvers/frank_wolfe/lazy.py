r"""Lazified Frank-Wolfe (lazy conditional gradient)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ..._core.solver import State
from ._common import FWStepOptions, VertexCache, dot, dots
from .fw import _FWBase

__all__ = ["LazyFrankWolfe", "LazyFrankWolfeOptions", "LazyState"]

#: default memory budget of the vertex cache
_CACHE_BYTES = 256 * 2**20


@dataclasses.dataclass(frozen=True)
class LazyFrankWolfeOptions(FWStepOptions):
    """Options of :class:`LazyFrankWolfe` (``method="fw-lazy"``)."""

    K: float = option(2.0, "Accuracy of the weak separation: accept a vertex v with "
                      "<g, x - v> >= Phi / K (K >= 1).", low=1.0)
    cache_size: int = option(None, "Keep at most this many vertices in the cache (the oldest "
                             "is replaced); None: as many as fit in 256 MiB (at least 16).",
                             kind=int, low=1)


@dataclasses.dataclass(kw_only=True)
class LazyState(State):
    gap_bound: float           # f(x) - max_j (f(x_j) - g_j): an upper bound on f - f*
    dual: float                # max_j (f(x_j) - g_j) over the iterations that called the LMO
    phi: float                 # the gap estimate Phi
    gap: float                 # the last true FW gap computed (at an LMO call)
    gamma: float = 0.0
    L: float = math.nan
    k: int = 0
    lmo_called: bool = False
    positive: bool = True
    cache: VertexCache = None  # the vertices the LMO returned so far


@register
class LazyFrankWolfe(_FWBase):
    r"""Lazified Frank-Wolfe (lazy conditional gradient, LCG).

    A gap estimate :math:`\Phi_k` (:math:`\Phi_0 = g_0/2`) replaces the LMO
    by a weak separation oracle: first search the vertices already returned
    for :math:`v` with :math:`\langle \nabla f(x_k), x_k - v\rangle \ge
    \Phi_k/K`; only when none qualifies call
    :math:`s = \operatorname{LMO}(\nabla f(x_k))` and use it if it qualifies.

    .. math::

        \text{positive: } x_{k+1} = x_k + \gamma_k (v - x_k), \quad
        \Phi_{k+1} = \Phi_k; \qquad
        \text{negative: } x_{k+1} = x_k, \quad \Phi_{k+1} = \Phi_k/2 .

    Certificate: :math:`f(x_k) - \max_j \big(f(x_j) - g_j\big)` over the
    iterations j that called the LMO (:math:`g_j` their Frank-Wolfe gap):
    :math:`f(x_j) - g_j \le f^*` by convexity, so it bounds
    :math:`f(x_k) - f^*` without calling the LMO at every iteration.

    Notes
    -----
    Per iteration: one inner product per cached vertex, one gradient, an LMO call only
    when the cache has no good enough vertex (``nlmo`` counts those). Same
    :math:`O(1/k)` rate as Frank-Wolfe up to constants (negative steps
    halve :math:`\Phi`); worth it when the LMO is expensive.

    References
    ----------
    G. Braun, S. Pokutta, D. Zink, "Lazifying conditional gradient
    algorithms", ICML 2017, arXiv:1610.05120.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.sets import L1Ball
    >>> c = np.array([0.3, -0.2, 0.1])
    >>> res = optkit.minimize(lambda x: 0.5 * (x - c) @ (x - c), [1.0, 0.0, 0.0],
    ...                       jac=lambda x: x - c, method="fw-lazy",
    ...                       options={"lmo": L1Ball()}, tol=1e-8)
    >>> res.success and res.nlmo < res.nit
    True
    """

    name = "fw-lazy"
    aliases = ("lazy-fw", "lazy-frank-wolfe", "lcg")
    Options = LazyFrankWolfeOptions
    trace_fields = ("gamma", "L", "phi")
    certificate_name = "primal_dual_gap"
    summary = "Lazified Frank-Wolfe: cached vertices, gap-based acceptance, few LMO calls"
    reference = "Braun, Pokutta & Zink, ICML 2017"

    def init(self, oracle, x0, tol):
        x0, f, g, s = self._start(oracle, x0)
        size = self.options.cache_size
        if size is None:
            size = max(16, _CACHE_BYTES // (8 * x0.size))
        cache = VertexCache(x0.size, size).with_vertex(oracle.set.vertex_id(s), s)
        gap = dot(g, x0) - dot(g, s)
        L = self._initial_L(x0, g, s - x0)
        dual = f - gap
        return LazyState(x=x0, fun=f, jac=g, gap_bound=f - dual, dual=dual, phi=gap / 2.0,
                         gap=gap, L=L, k=0, lmo_called=True, cache=cache)

    def step(self, state, budget):
        oracle, opts, cache = self.oracle, self.options, state.cache
        x, f, g = state.x, state.fun, state.jac
        threshold = state.phi / opts.K
        gx = dot(g, x)
        v = None
        if cache.n:
            vals = dots(g, cache.rows())
            i = int(np.argmin(vals))
            if gx - vals[i] >= threshold:
                v, slope = cache.buf[i].copy(), gx - float(vals[i])
        dual, gap, lmo_called = state.dual, state.gap, False
        if v is None:
            s = oracle.lmo(g)
            lmo_called = True
            cache = cache.with_vertex(oracle.set.vertex_id(s), s)
            gap = gx - dot(g, s)
            dual = max(dual, f - gap)
            if gap >= threshold:
                v, slope = s, gap
        if v is None:                        # negative answer: halve Phi, stay
            return LazyState(x=x, fun=f, jac=g, gap_bound=f - dual, dual=dual,
                             phi=state.phi / 2.0, gap=gap, gamma=0.0, L=state.L,
                             k=state.k + 1, lmo_called=True, positive=False, cache=cache)
        d = v - x
        out = self._line_step(state, x, f, g, d, slope, 1.0)
        if isinstance(out, State):
            return out
        gamma, x_new, f_new, g_new, L = out
        if g_new is None:
            g_new = oracle.grad(x_new)
        return LazyState(x=x_new, fun=f_new, jac=g_new, gap_bound=f_new - dual, dual=dual,
                         phi=state.phi, gap=gap, gamma=gamma, L=L, k=state.k + 1,
                         lmo_called=lmo_called, positive=True, cache=cache)

    def certificate(self, state):
        return max(state.gap_bound, 0.0)

    def result_fields(self, state):
        return {"gap": state.gap_bound, "fw_gap": state.gap}
