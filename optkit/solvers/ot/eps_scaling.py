r"""Log-domain Sinkhorn with epsilon-scaling (a decreasing reg schedule, warm starts)."""

from __future__ import annotations

import dataclasses

from ..._core.options import option
from ..._core.registry import register
from ._common import OTOptions, OTSolver, OTState

__all__ = ["SinkhornEpsScaling", "SinkhornEpsScalingOptions"]


@dataclasses.dataclass(frozen=True)
class SinkhornEpsScalingOptions(OTOptions):
    """Options of :class:`SinkhornEpsScaling` (``method="sinkhorn-eps-scaling"``)."""

    reg_start: float = option(
        None, "First regularization of the schedule (None: max(M), i.e. "
        "max(M)/reg_0 = 1).", kind=float, low=0.0, low_inclusive=False, allow_none=True)
    factor: float = option(
        0.5, "reg_{s+1} = max(reg, factor * reg_s).", kind=float, low=0.0, high=1.0,
        low_inclusive=False, high_inclusive=False)
    stage_tol: float = option(
        1e-3, "Marginal error at which an intermediate stage ends.", kind=float, low=0.0,
        low_inclusive=False)
    stage_maxiter: int = option(
        200, "Most iterations of an intermediate stage.", kind=int, low=1)


@dataclasses.dataclass(kw_only=True)
class EpsState(OTState):
    reg: float                # the regularization the last iterations used
    stage: int = 0
    stage_nit: int = 0
    stage_err: float = 0.0    # marginal error at the stage's reg


@register
class SinkhornEpsScaling(OTSolver):
    r"""Log-domain Sinkhorn with :math:`\varepsilon`-scaling.

    A schedule :math:`\varepsilon_0 > \varepsilon_1 > \dots >
    \varepsilon_S = \varepsilon` with :math:`\varepsilon_{s+1} =
    \max(\varepsilon, \theta\varepsilon_s)`; at stage s the log-domain
    iterations

    .. math::

        g_j \leftarrow \varepsilon_s \log b_j - \varepsilon_s \log \sum_i
              e^{(f_i - M_{ij})/\varepsilon_s}, \qquad
        f_i \leftarrow \varepsilon_s \log a_i - \varepsilon_s \log \sum_j
              e^{(g_j - M_{ij})/\varepsilon_s}

    run until the marginal error at :math:`\varepsilon_s` is below
    ``stage_tol`` (or ``stage_maxiter`` iterations), and the potentials
    (in cost units) warm-start the next stage. The certificate is always the
    marginal violation of the plan :math:`e^{(f_i+g_j-M_{ij})/\varepsilon}`
    at the *target* :math:`\varepsilon` (during the intermediate stages it
    costs one extra sweep per check).

    Notes
    -----
    Large-:math:`\varepsilon` stages converge in few iterations and bring the
    potentials close to those of the next stage, so the total number of
    sweeps at small :math:`\varepsilon` drops; it pays most when
    :math:`\|M\|_\infty/\varepsilon` is large.

    References
    ----------
    G. Peyré, M. Cuturi, "Computational Optimal Transport", Foundations and
    Trends in Machine Learning 11(5-6), 2019, Remark 4.22, arXiv:1803.00567.
    B. Schmitzer, "Stabilized sparse scaling algorithms for entropy
    regularized transport problems", SIAM J. Sci. Comput. 41(3), 2019.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.ot import OTProblem
    >>> from optkit.problems.synthetic import ot_point_clouds
    >>> a, b, M = ot_point_clouds(50, 40, seed=0)
    >>> res = optkit.minimize(OTProblem(a, b, M, reg=1e-3), method="sinkhorn-eps-scaling")
    >>> res.success
    True
    """

    name = "sinkhorn-eps-scaling"
    aliases = ("sinkhorn-epsilon-scaling", "eps-scaling")
    Options = SinkhornEpsScalingOptions
    trace_fields = ("marginal_err", "dual_obj", "transport_cost", "reg")
    summary = "Log-domain Sinkhorn with a decreasing reg schedule and warm starts"
    reference = "Peyré & Cuturi 2019; Schmitzer, SIAM J. Sci. Comput. 2019"

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        o = oracle
        start = self.options.reg_start
        if start is None:
            start = float(o.M.max()) if o.M.max() > 0 else o.reg
        # configuration fixed by the options and the problem (never changes in a run)
        schedule = [max(start, o.reg)]
        while schedule[-1] > o.reg:
            schedule.append(max(o.reg, schedule[-1] * self.options.factor))
        self._schedule = tuple(schedule)
        f, g = x0                  # the driver's own arrays, never mutated
        return self._target_state(f, g, advanced=0, reg=self._schedule[0],
                                  stage=0, stage_nit=0, stage_err=0.0)

    def _target_state(self, f, g, advanced, **extra):
        """State with the certificate measured at the target reg (one sweep)."""
        rowsum, colsum, cost = self.oracle.plan_sums(f, g)
        return self._state_from_sums(f, g, rowsum, colsum, cost, advanced=advanced,
                                     cls=EpsState, **extra)

    def block_size(self, state) -> int:
        # an intermediate stage ends after stage_maxiter iterations
        if state.stage < len(self._schedule) - 1:
            return min(self.options.check_every, self.options.stage_maxiter - state.stage_nit)
        return self.options.check_every

    def step(self, state, budget):
        o, opts = self.oracle, self.options
        f, g = state.x
        stage = state.stage
        last = len(self._schedule) - 1
        reg = self._schedule[stage]
        block = budget
        for it in range(block):
            g = o.col_update(f, g, reg=reg)
            f, colsum, cost = o.row_update(f, g, check=it == block - 1, reg=reg)
        stage_nit = state.stage_nit + block
        if stage == last:
            return self._checked_state(f, g, colsum, cost, advanced=block, cls=EpsState,
                                       reg=reg, stage=stage, stage_nit=stage_nit)
        stage_err = float(abs(colsum - o.b).sum())      # rows exact after the f-update
        if stage_err <= opts.stage_tol or stage_nit >= opts.stage_maxiter:
            stage, stage_nit = stage + 1, 0
        return self._target_state(f, g, advanced=block, reg=reg, stage=stage,
                                  stage_nit=stage_nit, stage_err=stage_err)
