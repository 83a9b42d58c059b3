r"""The DC algorithm (DCA) with inexact, warm-started convex subproblems."""

from __future__ import annotations

import dataclasses

from ..._core.registry import register
from ._common import DCOptions, DCSolver

__all__ = ["DCA", "DCAOptions"]


@dataclasses.dataclass(frozen=True)
class DCAOptions(DCOptions):
    """Options of :class:`DCA` (``method="dca"``)."""


@register
class DCA(DCSolver):
    r"""DCA: linearize the concave part, solve the convex rest.

    For :math:`\varphi = g - h` with ``g``, ``h`` convex:

    .. math::

        y_k \in \partial h(x_k), \qquad
        x_{k+1} \in \operatorname*{argmin}_x\; g(x) - \langle y_k, x\rangle .

    Since :math:`h(x) \ge h(x_k) + \langle y_k, x - x_k\rangle`, the
    subproblem minimizes a convex majorant of :math:`\varphi` that is tight
    at :math:`x_k`, so :math:`\varphi(x_{k+1}) \le \varphi(x_k)`; limit
    points are critical (:math:`\partial g(x) \cap \partial h(x) \ne
    \emptyset`). The subproblem is solved by the optkit method of ``g``'s
    family (``fgm``, ``bcd``) warm-started at :math:`x_k`, to the relative
    inexactness of :mod:`optkit.solvers.dc._common`, or by cvxpy.

    Certificate: the criticality measure :math:`\|z_k - x_k\|_2`, where
    :math:`z_k` is the DCA point computed from :math:`x_k` (zero exactly at a
    fixed point of the DCA map); the trace column ``decrease`` is
    :math:`\varphi(x_{k-1}) - \varphi(x_k)`, ``res.subgradient`` the last
    :math:`y_k` and ``res.dca_point`` the last :math:`z_k`.

    Cost per iteration: one subgradient of ``h``, one inner convex solve,
    one evaluation of ``h``.

    References
    ----------
    Pham Dinh Tao, Le Thi Hoai An, "Convex analysis approach to d.c.
    programming: theory, algorithms and applications", Acta Math. Vietnam.
    22(1), 1997.
    """

    name = "dca"
    aliases = ("dc-algorithm", "convex-concave-procedure")
    Options = DCAOptions
    summary = "DC algorithm: linearize h, solve the convex subproblem with optkit (or cvxpy)"
    reference = "Pham Dinh Tao & Le Thi Hoai An, Acta Math. Vietnam. 1997"

    def step(self, state, budget):
        return self._advance(self.oracle, state, state.point, state.fun_point)
