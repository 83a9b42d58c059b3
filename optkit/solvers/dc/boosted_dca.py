r"""Boosted DCA: DCA followed by a backtracking line search along the DCA direction."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ._common import DCOptions, DCSolver, DCState

__all__ = ["BoostedDCA", "BoostedDCAOptions"]


@dataclasses.dataclass(frozen=True)
class BoostedDCAOptions(DCOptions):
    """Options of :class:`BoostedDCA` (``method="boosted-dca"``)."""

    alpha: float = option(0.1, "Sufficient decrease constant of the line search: accept "
                          "lambda when phi(z + lambda d) <= phi(z) - alpha lambda^2 ||d||^2.",
                          low=0.0, low_inclusive=False)
    beta: float = option(0.5, "Backtracking factor of the trial step.", low=0.0, high=1.0,
                         low_inclusive=False, high_inclusive=False)
    lambda_bar: float = option(2.0, "First trial step (grown by 2 after a first-trial "
                               "acceptance, self-adaptive).", low=0.0, low_inclusive=False)
    max_backtracks: int = option(8, "Trials before the plain DCA step is taken.", kind=int,
                                 low=1)


@dataclasses.dataclass(kw_only=True)
class BoostedDCAState(DCState):
    trial: float                 # the next first trial step (self-adaptive)
    boost: float = 0.0           # the accepted lambda of the last iteration (0: DCA step)


@register
class BoostedDCA(DCSolver):
    r"""Boosted DCA (BDCA): a DCA step, then a line search along :math:`d_k = z_k - x_k`.

    .. math::

        z_k &\in \operatorname*{argmin}_x\; g(x) - \langle y_k, x\rangle, \quad
              y_k \in \partial h(x_k), \qquad d_k = z_k - x_k, \\
        x_{k+1} &= z_k + \lambda_k d_k, \quad \lambda_k = \bar\lambda_k \beta^j
              \text{ the first with }
              \varphi(z_k + \lambda_k d_k) \le \varphi(z_k) - \alpha\lambda_k^2\|d_k\|^2

    (:math:`\lambda_k = 0`, the DCA step, when ``max_backtracks`` trials fail).
    When ``g`` is differentiable at :math:`z_k` and ``g`` or ``h`` strongly
    convex, :math:`d_k` is a descent direction of :math:`\varphi` at
    :math:`z_k` (Aragon Artacho, Fleming & Vuong 2018, Prop. 3), so the
    search succeeds; when ``g`` is not (an :math:`\ell_1` term), extrapolation
    across a kink may fail and the method falls back to DCA. Every iterate
    is at least as good as the DCA point from the same :math:`x_k`. The first
    trial is self-adaptive: :math:`\bar\lambda_{k+1} = 2\lambda_k` after an
    acceptance at the first trial, else :math:`\bar\lambda` (Aragon Artacho &
    Vuong 2020).

    Certificate and fields as for :class:`~optkit.solvers.dc.dca.DCA`, plus
    the trace column ``boost`` (the accepted :math:`\lambda_k`).

    References
    ----------
    F. J. Aragon Artacho, R. M. T. Fleming, P. T. Vuong, "Accelerating the DC
    algorithm for smooth functions", Math. Program. 169, 2018.
    F. J. Aragon Artacho, P. T. Vuong, "The boosted difference of convex
    functions algorithm for nonsmooth functions", SIAM J. Optim. 30(1), 2020.
    """

    name = "boosted-dca"
    aliases = ("bdca",)
    Options = BoostedDCAOptions
    trace_fields = ("decrease", "boost")
    summary = "Boosted DCA: DCA step plus a backtracking line search along z_k - x_k"
    reference = "Aragon Artacho, Fleming & Vuong, Math. Program. 2018"

    def init(self, oracle, x0, tol):
        st = super().init(oracle, x0, tol)
        return BoostedDCAState(**{f.name: getattr(st, f.name)
                                  for f in dataclasses.fields(st)},
                               trial=self.options.lambda_bar)

    def step(self, state, budget):
        o, oracle = self.options, self.oracle
        z, fz = state.point, state.fun_point
        d = z - state.x
        dd = float(d @ d)
        lam, x_new, f_new = 0.0, z, fz
        trial = o.lambda_bar
        if dd > 0 and math.isfinite(fz):
            t = state.trial
            for j in range(o.max_backtracks):
                cand = z + t * d
                fc = oracle.phi(cand)
                if math.isfinite(fc) and fc <= fz - o.alpha * t * t * dd:
                    lam, x_new, f_new = t, cand, fc
                    trial = 2.0 * t if j == 0 else o.lambda_bar
                    break
                t *= o.beta
        st = self._advance(oracle, state, x_new, f_new)
        return BoostedDCAState(**{f.name: getattr(st, f.name) for f in dataclasses.fields(st)},
                               trial=trial, boost=lam)
