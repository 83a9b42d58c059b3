r"""Mirror Sinkhorn (Ballu & Berthet, ICML 2023): entropic mirror descent on the
transport polytope with alternating row/column half-projections."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ._common import OTOptions, OTSolver, OTState, Potentials

__all__ = ["MirrorSinkhorn", "MirrorSinkhornOptions", "MirrorSinkhornState"]


@dataclasses.dataclass(frozen=True)
class MirrorSinkhornOptions(OTOptions):
    """Options of :class:`MirrorSinkhorn` (``method="mirror-sinkhorn"``)."""

    step: float = option(
        1.0, "Step constant c of the schedule eta_t = c / (max(M) sqrt(t + 1)).",
        kind=float, low=0.0, low_inclusive=False)
    objective: str = option(
        "linear", "'linear': the unregularized OT cost <M, P> (the paper's main case; "
        "the problem's reg is ignored); 'entropic': <M, P> + reg sum P (log P - 1).",
        kind=str, choices=("linear", "entropic"))
    average: bool = option(
        True, "Return (and certify) the eta-weighted average of the iterates, as in "
        "the paper; False: the last iterate.", kind=bool)


@dataclasses.dataclass(kw_only=True)
class MirrorSinkhornState(OTState):
    """Iterate ``log P_t = phi_i + psi_j - alpha M_ij`` and the running average."""

    gap: float
    phi: np.ndarray
    psi: np.ndarray
    alpha: float
    t: int
    wsum: float
    P_avg: np.ndarray
    row_avg: np.ndarray
    col_avg: np.ndarray
    cost_avg: float
    P_last: np.ndarray
    last_sums: tuple


@register
class MirrorSinkhorn(OTSolver):
    r"""Mirror Sinkhorn: online mirror descent on the transport polytope.

    Minimizes a convex :math:`F` over :math:`U(a, b) = \{P \ge 0, P\mathbf 1
    = a, P^T\mathbf 1 = b\}`; here :math:`F(P) = \langle M, P\rangle`
    (``objective="linear"``, the unregularized OT problem: the problem's
    ``reg`` is not used) or :math:`F(P) = \langle M, P\rangle + \varepsilon
    \sum_{ij} P_{ij}(\log P_{ij} - 1)` (``objective="entropic"``). From
    :math:`P_0 = a b^T`, iteration :math:`t` is an entropic mirror step
    followed by *one* half Sinkhorn projection, rows when :math:`t` is even,
    columns when it is odd:

    .. math::

        P'_{t+1} &= P_t \odot \exp\bigl(-\eta_t \nabla F(P_t)\bigr), \qquad
        \eta_t = \frac{c}{\|M\|_\infty \sqrt{t + 1}}, \\
        P_{t+1} &= \operatorname{diag}\bigl(a \oslash P'_{t+1}\mathbf 1\bigr)
                   P'_{t+1} \ \ (t \text{ even}), \qquad
        P_{t+1} = P'_{t+1} \operatorname{diag}\bigl(b \oslash
                   P'^T_{t+1}\mathbf 1\bigr) \ \ (t \text{ odd}), \\
        \bar P_T &= \sum_{t<T} \eta_t P_t \Big/ \sum_{t<T} \eta_t .

    For the linear cost :math:`\log P_t = \varphi_i + \psi_j - \alpha_t
    M_{ij}` with :math:`\alpha_t = \sum_{s<t} \eta_s`: each iteration is a
    Sinkhorn half-step at the annealed temperature :math:`1/\alpha_t`, run by
    the fused log-domain kernels of :mod:`optkit.kernels.sinkhorn`; ``x``
    holds the potentials :math:`(\varphi, \psi)/\alpha_t` in cost units.
    ``fun`` is :math:`F(\bar P)`; ``marginal_err`` is :math:`\delta =
    \|\bar P\mathbf 1 - a\|_1 + \|\bar P^T\mathbf 1 - b\|_1` and
    ``transport_cost`` is :math:`\langle M, \bar P\rangle`, as for the other
    OT methods. The marginal error alone cannot be the certificate here
    (:math:`P_0 = ab^T` is feasible and dominates the early average), so the
    certificate is the gap

    .. math::

        \mathrm{gap} = F(\bar P) - D(\tilde f, \tilde g)
        + 2\|M\|_\infty\,\delta ,

    with, for the linear cost, :math:`(\tilde f, \tilde g)` the
    c-transforms of the current potentials (dual feasible, so :math:`D =
    \langle a, \tilde f\rangle + \langle b, \tilde g\rangle \le
    \mathrm{OT}(a, b)`); the last term bounds the change of the cost when
    :math:`\bar P` is rounded onto :math:`U(a, b)` (Altschuler et al. 2017,
    Lemma 7), so the gap bounds the suboptimality of the rounded plan. For
    ``objective="entropic"``, :math:`D` is the entropic dual of the current
    potentials (the rounding term then ignores the entropy change).
    ``dual_obj`` is :math:`D`.

    Notes
    -----
    Guarantee (Ballu & Berthet, linear and convex Lipschitz objectives):
    :math:`F(\bar P_T) - \min_U F` and the marginal violation of
    :math:`\bar P_T` are :math:`\tilde O(1/\sqrt T)`. It is a first-order,
    noise-robust, online method, *not* a high-accuracy solver: expect
    marginal errors of 1e-3..1e-4 after thousands of iterations; for an
    accurate (entropic) plan use ``sinkhorn-log`` or ``sns``. Each iteration
    costs two passes over ``M`` (the plan :math:`P_t`, written for the
    average, and the half-projection) and keeps two ``n x m`` arrays (the
    average and the current plan). With ``objective="entropic"`` the step is
    capped at :math:`1/\varepsilon` so that the mirror step stays a
    contraction of :math:`\log P`.

    References
    ----------
    M. Ballu, Q. Berthet, "Mirror Sinkhorn: Fast Online Optimization on
    Transport Polytopes", ICML 2023, arXiv:2211.10420.
    A. Beck, M. Teboulle, "Mirror descent and nonlinear projected subgradient
    methods for convex optimization", Oper. Res. Lett. 31(3), 2003.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.ot import OTProblem
    >>> from optkit.problems.synthetic import ot_point_clouds
    >>> a, b, M = ot_point_clouds(50, 40, seed=0)
    >>> res = optkit.minimize(OTProblem(a, b, M, reg=1e-2), method="mirror-sinkhorn",
    ...                       tol=5e-2, options={"maxiter": 20_000})
    >>> res.success, res.gap <= 5e-2, res.plan.shape
    (True, True, (50, 40))
    """

    name = "mirror-sinkhorn"
    aliases = ("mirror_sinkhorn",)
    Options = MirrorSinkhornOptions
    default_tol = 1e-2
    certificate_name = "gap"
    trace_fields = ("marginal_err", "dual_obj", "transport_cost", "gap")
    default_maxiter = 100_000
    summary = "Mirror Sinkhorn: mirror descent with half Sinkhorn projections, averaged plan"
    reference = "Ballu & Berthet, ICML 2023"

    # -- helpers ---------------------------------------------------------------
    def _eta(self, t: int) -> float:
        eta = self.options.step / (self._mscale * math.sqrt(t + 1.0))
        if self._entropic:
            eta = min(eta, 1.0 / self.oracle.reg)
        return eta

    def _state(self, phi, psi, alpha, t, wsum, P_avg, row_avg, col_avg, cost_avg, P_last,
               last_sums, x, advanced):
        o = self.oracle
        if self.options.average:
            P, rows, cols, cost = P_avg, row_avg, col_avg, cost_avg
        else:
            P = P_last
            rows, cols, cost = last_sums
        err = float(np.abs(rows - o.a).sum() + np.abs(cols - o.b).sum())
        f, g = x if alpha > 0 else (np.zeros(o.n), np.zeros(o.m))
        if self._entropic:
            with np.errstate(divide="ignore", invalid="ignore"):
                ent = np.where(P > 0, P * (np.log(P) - 1.0), 0.0)
            fun = cost + o.reg * float(ent.sum())
            # entropic dual of the current potentials (a lower bound on min F)
            dual = o.entropic_dual(f, g)
        else:
            fun = cost
            # c-transforms make (f, g) dual feasible: <a,f> + <b,g> <= OT(a, b)
            dual = o.c_transform_dual(g)
        # F(P_avg) - dual bounds F(P_avg) - min F; 2 max|M| err bounds the change of
        # <M, P> when P is rounded onto U(a, b) (Altschuler et al. 2017, Lemma 7)
        gap = max(float(fun) - dual, 0.0) + 2.0 * self._mscale * err
        return MirrorSinkhornState(
            x=x, fun=float(fun), marginal_err=err, dual_obj=dual, transport_cost=float(cost),
            gap=gap, advanced=advanced, phi=phi, psi=psi, alpha=alpha, t=t, wsum=wsum, P_avg=P_avg,
            row_avg=row_avg, col_avg=col_avg, cost_avg=float(cost_avg), P_last=P_last,
            last_sums=last_sums)

    # -- the method ------------------------------------------------------------
    def init(self, oracle, x0, tol):
        self.oracle = oracle
        self._entropic = self.options.objective == "entropic"
        mx = float(np.max(np.abs(oracle.M)))
        self._mscale = mx if mx > 0 else 1.0
        f0, g0 = x0
        # P_0 = a b^T, tilted by exp((f0_i + g0_j)/reg) for a nonzero x0
        phi = oracle.log_a + f0 / oracle.reg
        psi = oracle.log_b + g0 / oracle.reg
        P0, rows, cols, cost = oracle.outer_plan(phi, psi)
        return self._state(phi, psi, 0.0, 0, 0.0, P0, rows, cols, cost, P0, (rows, cols, cost),
                           x0, advanced=0)

    def step(self, state, budget):
        o = self.oracle
        phi, psi, alpha, t = state.phi, state.psi, state.alpha, state.t
        wsum, P_avg = state.wsum, state.P_avg
        row_avg, col_avg, cost_avg = state.row_avg, state.col_avg, state.cost_avg
        P_t = state.P_last                     # computed by the previous step
        rows_t, cols_t, cost_t = state.last_sums
        block = budget
        for k in range(block):
            eta = self._eta(t)
            if k > 0:      # P_t, written by the kernel (one sweep), with its sums and cost
                P_t = np.empty((o.n, o.m))
                rows_t, cols_t, cost_t = o.plan_sums(phi / alpha, psi / alpha, out=P_t,
                                                     reg=1.0 / alpha)
            # eta-weighted running average of P_0..P_t (new arrays: states are immutable)
            w = eta / (wsum + eta)
            P_avg = P_avg + w * (P_t - P_avg)
            row_avg = row_avg + w * (rows_t - row_avg)
            col_avg = col_avg + w * (cols_t - col_avg)
            cost_avg = cost_avg + w * (cost_t - cost_avg)
            wsum += eta
            # mirror step: log P' = (1 - eta reg) log P_t - eta M  (reg = 0 if linear).
            # Not geometry.log_entropy_mirror_step: on the n x m log-plan it gives the
            # same P_{t+1} after the half projection (~4e-15), but it needs the plan
            # materialized and an n x m logsumexp each iteration, where the factored
            # form log P = phi + psi - alpha M updates (alpha, phi, psi) in O(n + m).
            if self._entropic:
                shrink = 1.0 - eta * o.reg
                phi, psi, alpha = shrink * phi, shrink * psi, shrink * alpha
            alpha = alpha + eta
            reg_t = 1.0 / alpha
            f, g = phi * reg_t, psi * reg_t
            # half projection: rows when t is even, columns when odd (one sweep)
            if t % 2 == 0:
                f, _, _ = o.row_update(f, g, check=False, reg=reg_t)
                phi = f * alpha
            else:
                g = o.col_update(f, g, reg=reg_t)
                psi = g * alpha
            t += 1
        # the plan of the new iterate (last-iterate certificate, and the first average
        # term of the next step), one sweep
        P_new = np.empty((o.n, o.m))
        rows_n, cols_n, cost_n = o.plan_sums(phi / alpha, psi / alpha, out=P_new,
                                             reg=1.0 / alpha)
        x = Potentials(phi / alpha, psi / alpha)
        return self._state(phi, psi, alpha, t, wsum, P_avg, row_avg, col_avg, cost_avg,
                           P_new, (rows_n, cols_n, float(cost_n)), x, advanced=block)

    def certificate(self, state):
        return state.gap

    def result_fields(self, state):
        P = state.P_avg if self.options.average else state.P_last
        problem = self.oracle.problem
        return {"plan": problem.full_plan(P), "marginal_err": state.marginal_err,
                "dual_obj": state.dual_obj, "transport_cost": state.transport_cost,
                "gap": state.gap}
