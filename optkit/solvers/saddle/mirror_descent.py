r"""Saddle-point mirror descent (simultaneous mirror steps, ergodic average)."""

from __future__ import annotations

import dataclasses
import math

from ..._core.options import option
from ..._core.registry import register
from ._common import (Averages, MirrorSetup, SaddleOptions, SaddlePoint, SaddleSolver,
                      SaddleState)

__all__ = ["MirrorDescent", "MirrorDescentOptions"]


@dataclasses.dataclass(frozen=True)
class MirrorDescentOptions(SaddleOptions):
    """Options of :class:`MirrorDescent` (``method="mirror-descent"``)."""

    horizon: int = option(
        None, "Number of iterations T the step is tuned for: constant step "
        "eta = step_scale * sqrt(2 Theta / T) / G. None: the anytime step "
        "eta_t = step_scale * sqrt(2 Theta / t) / G.", kind=int, low=1)
    step_scale: float = option(1.0, "Multiplier of the step rule.", kind=float, low=0.0,
                               low_inclusive=False)


@dataclasses.dataclass(kw_only=True)
class MirrorDescentState(SaddleState):
    z: SaddlePoint
    rz: tuple
    Fz: tuple
    G: float                   # largest dual norm of F seen so far
    t: int                     # iterations done
    avg: Averages
    eta: float = math.nan


@register
class MirrorDescent(SaddleSolver):
    r"""Saddle-point mirror descent: one mirror step along the operator, averaged.

    With :math:`F(z) = (\nabla_x\phi, -\nabla_y\phi)` and the weighted mirror
    map of :class:`~optkit.solvers.saddle._common.MirrorSetup`,

    .. math::

        z_{t+1} = \operatorname*{argmin}_u\; \eta_t\langle F(z_t), u\rangle + D(u, z_t),
        \qquad \bar z_T = \frac{\sum_{t\le T}\eta_t z_t}{\sum_{t\le T}\eta_t},

    with :math:`\eta_t = c\sqrt{2\Theta/T}/G` for a known horizon ``T`` (the
    tuned step of the rate theorem, :math:`\Theta = 2` the weighted Bregman
    radius, :math:`G` the largest dual norm of :math:`F` seen so far) or the
    anytime step :math:`c\sqrt{2\Theta/t}/G`. The duality gap of the average
    is :math:`O(G\sqrt{\Theta/T})`: the :math:`O(1/\sqrt T)` rate of mirror
    descent, against mirror prox's :math:`O(1/T)` (for the anytime step an
    extra :math:`\log T` factor). On a matrix game with the entropy on both
    simplices this is simultaneous multiplicative weights.

    Cost per iteration: one operator evaluation (bilinear: one product with
    :math:`K` and one with :math:`K^T`), two block mirror steps.

    References
    ----------
    A. Nemirovski, A. Juditsky, G. Lan, A. Shapiro, "Robust stochastic
    approximation approach to stochastic programming", SIAM J. Optim. 19(4),
    2009 (section 3, saddle-point mirror descent).
    S. Bubeck, "Convex optimization: algorithms and complexity", Foundations and
    Trends in Machine Learning 8(3-4), 2015, sections 4.2 and 5.2.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.saddle import SaddleProblem
    >>> A = np.array([[3.0, -1.0], [-2.0, 1.0]])
    >>> res = optkit.minimize(SaddleProblem.matrix_game(A), method="mirror-descent",
    ...                       tol=0.1, options={"output": "average"})
    >>> res.success, abs(res.fun - 1 / 7) <= res.gap
    (True, True)
    """

    name = "mirror-descent"
    aliases = ("md-saddle",)
    Options = MirrorDescentOptions
    summary = "Saddle-point mirror descent with ergodic averaging, O(1/sqrt(T)) gap"
    reference = "Nemirovski, Juditsky, Lan & Shapiro, SIAM J. Optim. 2009"
    trace_fields = ("cert_last", "cert_avg", "eta")

    def _init(self, oracle, x0, tol):
        self.oracle = oracle
        self.setup = MirrorSetup(oracle.problem, x0, self.name)
        x, y = x0
        rz = (self.setup.bx.rep(x), self.setup.by.rep(y))
        Fz = oracle.operator(x, y)
        G = self.setup.dual_norm(*Fz)
        avg = Averages.empty(oracle.n, oracle.m, oracle.bilinear)
        return self._state(SaddlePoint(x, y), rz, Fz, G, 0, avg, advanced=0)

    def _state(self, z, rz, Fz, G, t, avg, advanced, eta=math.nan):
        o = self.oracle
        if o.bilinear:
            last = (z.x, z.y, -Fz[1], Fz[0], None)
            av = None if avg.weight == 0 else (*avg.mean(), None)
        else:
            last, av = (z.x, z.y, None, None, Fz), None
        return self._report(MirrorDescentState, last, av, advanced=advanced, z=z, rz=rz,
                            Fz=Fz, G=G, t=t, avg=avg, eta=eta)

    def _step(self, state, budget):
        o, s = self.oracle, self.setup
        opts = self.options
        t = state.t + 1
        G = state.G if state.G > 0 else 1.0
        T = opts.horizon if opts.horizon is not None else t
        eta = opts.step_scale * math.sqrt(2.0 * s.radius / T) / G
        z, Fz = state.z, state.Fz
        avg = (state.avg.add(eta, z.x, z.y, -Fz[1], Fz[0]) if o.bilinear
               else state.avg.add(eta, z.x, z.y))
        sx, sy = s.steps(eta)
        rx = o.mirror(s.bx, state.rz[0], Fz[0], sx)
        ry = o.mirror(s.by, state.rz[1], Fz[1], sy)
        zn = SaddlePoint(s.bx.point(rx), s.by.point(ry))
        Fzn = o.operator(*zn)
        Gn = max(state.G, s.dual_norm(*Fzn))
        return self._state(zn, (rx, ry), Fzn, Gn, t, avg, advanced=1, eta=eta)

    def result_fields(self, state):
        out = super().result_fields(state)
        x_avg, y_avg = (state.avg.mean()[:2] if state.avg.weight > 0 else (None, None))
        out.update(x_avg=x_avg, y_avg=y_avg, G=state.G)
        return out
