r"""Restarted PDHG for linear programs with PDLP's enhancements."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ..._core.solver import State
from ._common import LPOptions, LPSolver

__all__ = ["PDHGLP", "PDHGLPOptions", "PDHGLPState"]

#: PDLP's primal weights below this distance are not updated (epsilon_zero)
_EPS_ZERO = 1e-10


@dataclasses.dataclass(frozen=True)
class PDHGLPOptions(LPOptions):
    """Options of :class:`PDHGLP` (``method="pdhg-lp"``)."""

    restart: str = option("gap", "Restart scheme, with PDLP's criteria on a measure of the "
                          "restart candidate: 'gap' (PDLP's normalized duality gap), 'kkt' "
                          "(the primal-weighted KKT error, cheaper per check) or 'none'.",
                          kind=str, choices=("kkt", "gap", "none"))
    restart_sufficient: float = option(0.2, "beta_sufficient: restart when the candidate's "
                                       "error is at most this fraction of the error at "
                                       "the last restart.", kind=float, low=0.0, high=1.0)
    restart_necessary: float = option(0.8, "beta_necessary: restart when the error is at "
                                      "most this fraction and has stopped decreasing.",
                                      kind=float, low=0.0, high=1.0)
    restart_artificial: float = option(0.36, "beta_artificial: restart when the current "
                                       "restart period holds this fraction of all "
                                       "iterations.", kind=float, low=0.0, high=1.0)
    primal_weight_smoothing: float = option(
        0.5, "theta of the primal weight update omega <- exp(theta log(dy/dx) + (1 - theta) "
        "log omega) at restarts; 0 keeps the initial weight.", kind=float, low=0.0, high=1.0)
    primal_weight: float = option(None, "Initial primal weight omega (None: ||c||/||q|| of "
                                  "the scaled LP, or 1 if either is zero).", kind=float,
                                  low=0.0, low_inclusive=False, allow_none=True)


@dataclasses.dataclass(kw_only=True)
class PDHGLPState(State):
    """State of :class:`PDHGLP`: the output point ``x = LPIterate(x, y)`` (original
    space) and everything the iteration carries, in the scaled LP."""

    rel_kkt: float
    primal_obj: float
    dual_obj: float
    primal_res: float
    dual_res: float
    gap: float
    # current iterate (scaled) and its products
    xc: np.ndarray
    yc: np.ndarray
    Kx: np.ndarray
    KTy: np.ndarray
    # step-weighted sums since the last restart
    xs: np.ndarray
    ys: np.ndarray
    Kxs: np.ndarray
    KTys: np.ndarray
    weight: float
    # the last restart point and its error; the candidate's error at the last check
    x0r: np.ndarray
    y0r: np.ndarray
    mu_start: float
    mu_last: float
    # iterate at the previous check (its difference is the infeasibility ray)
    xp: np.ndarray
    yp: np.ndarray
    Kxp: np.ndarray
    KTyp: np.ndarray
    eta: float
    omega: float
    k: int
    t: int
    restarts: int
    trials: int


def _weighted_error(kkt, omega):
    """The restart metric: sqrt(omega ||primal res||^2 + ||dual res||^2 / omega + gap^2)."""
    return math.sqrt(omega * kkt.primal_res ** 2 + kkt.dual_res ** 2 / omega + kkt.gap ** 2)


def _omega_distance(x, y, x0, y0, omega):
    """||(x, y) - (x0, y0)||_omega = sqrt(omega ||x - x0||^2 + ||y - y0||^2 / omega)."""
    dx, dy = x - x0, y - y0
    return math.sqrt(omega * float(dx @ dx) + float(dy @ dy) / omega)


@register
class PDHGLP(LPSolver):
    r"""Restarted primal-dual hybrid gradient for LP (PDLP without presolve).

    The LP :math:`\min c^T x` s.t. :math:`r^{lo} \le Kx \le r^{up}`,
    :math:`l \le x \le u` is the saddle problem

    .. math::

        \min_{l \le x \le u}\ \max_y\ c^T x - y^T K x + p(y),\qquad
        p(y) = \sum_i \bigl(y_i^+ r^{lo}_i - y_i^- r^{up}_i\bigr),

    solved by PDHG with step :math:`\eta` and primal weight :math:`\omega`
    (primal step :math:`\eta/\omega`, dual step :math:`\eta\omega`):

    .. math::

        x^{k+1} &= \Pi_{[l,u]}\bigl(x^k - \tfrac{\eta}{\omega}(c - K^T y^k)\bigr),\\
        y^{k+1} &= \operatorname{prox}_{-\eta\omega p}\bigl(y^k - \eta\omega K(2x^{k+1} - x^k)\bigr),

    on the data rescaled once by Ruiz equilibration and a Pock-Chambolle pass
    (:class:`~optkit.solvers.lp._common.LPOracle`). PDLP's enhancements:

    * **adaptive steps**: a trial is accepted when
      :math:`\eta \le \bar\eta = \|z'-z\|_\omega^2 / (2|(y'-y)^T K(x'-x)|)`
      with :math:`\|z\|_\omega^2 = \omega\|x\|^2 + \|y\|^2/\omega`; the next
      step is :math:`\min((1-(k+1)^{-0.3})\bar\eta, (1+(k+1)^{-0.6})\eta)`;
      the first is :math:`1/\|K\|_\infty`;
    * **adaptive restarts**, checked every ``check_every`` iterations: the
      restart candidate is the current iterate or the step-weighted average
      since the last restart, whichever has the smaller restart measure
      :math:`\mu`: by default PDLP's normalized duality gap
      :math:`\mu(z) = \rho_{\|z - z^{n,0}\|_\omega}(z)` (the largest
      :math:`L(x, \hat y) - L(\hat x, y)` over the :math:`\omega`-ball around
      :math:`z` reaching back to the last restart point :math:`z^{n,0}`,
      divided by its radius; the restart point's own value is taken at its
      distance to the previous one), or with ``restart="kkt"`` the
      primal-weighted KKT error
      :math:`\mu(z) = (\omega\|r_p\|^2 + \|r_d\|^2/\omega + \text{gap}^2)^{1/2}`;
      restart to it when :math:`\mu \le 0.2\,\mu_{start}` (sufficient), or
      :math:`\mu \le 0.8\,\mu_{start}` and :math:`\mu` grew since the last
      check (necessary), or the period holds 36% of all iterations
      (artificial; the first restart is always this one);
    * **primal weight** at each restart:
      :math:`\omega \leftarrow \exp(\theta\log(\Delta y/\Delta x) + (1-\theta)\log\omega)`,
      :math:`\theta = 1/2`, with :math:`\Delta x, \Delta y` the moves since
      the previous restart (skipped when either is below 1e-10); initially
      :math:`\|c\|_2/\|q\|_2`;
    * **infeasibility detection**: at each check the difference of the
      current iterate and the one at the previous check is tried as a Farkas
      ray: a dual ray proves primal infeasibility, a primal ray dual
      infeasibility (the LP is unbounded if it is feasible); accepted when its
      relative violation is at most ``infeasibility_tol``; the run stops with
      status 5 and says which.

    The certificate is the relative KKT error of the returned point in the
    original LP (:meth:`optkit.problems.lp.LPProblem.kkt`):
    :math:`\max(\|r_p\|/(1+\|q\|),\ \|r_d\|/(1+\|c\|),\ |p-d|/(1+|p|+|d|))`.

    Notes
    -----
    One iteration costs one :math:`Kx` and one :math:`K^T y` per trial step
    (almost always one trial), :math:`O(\mathrm{nnz}(K) + m + n)`; the
    iterations of a block run in one compiled call
    (:mod:`optkit.kernels.lp_matvec`), the checks in NumPy.
    ``device="cuda"`` runs the two products as numba.cuda kernels
    (:mod:`optkit.kernels.lp_cuda`) and the vector updates on the host.

    References
    ----------
    D. Applegate, M. Díaz, O. Hinder, H. Lu, M. Lubin, B. O'Donoghue,
    W. Schudy, "Practical large-scale linear programming using primal-dual
    hybrid gradient", NeurIPS 2021, arXiv:2106.04756.
    D. Applegate, O. Hinder, H. Lu, M. Lubin, "Faster first-order primal-dual
    methods for linear programming using restarts and sharpness", Math.
    Program. 201, 2023, arXiv:2105.12715.
    A. Chambolle, T. Pock, "A first-order primal-dual algorithm for convex
    problems with applications to imaging", J. Math. Imaging Vis. 40, 2011.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.lp import LPProblem
    >>> lp = LPProblem(c=[-1.0, -2.0], A_ub=[[1.0, 1.0], [1.0, 3.0]], b_ub=[4.0, 6.0])
    >>> res = optkit.minimize(lp, method="pdhg-lp", tol=1e-8)
    >>> res.success, np.round(res.x, 6), round(res.fun, 6)
    (True, array([3., 1.]), -5.0)
    """

    name = "pdhg-lp"
    aliases = ("pdlp", "rapdhg")
    Options = PDHGLPOptions
    trace_fields = ("primal_res", "dual_res", "gap", "eta", "omega", "restarts")
    summary = "Restarted PDHG for LP (PDLP): adaptive steps, restarts, primal weight, scaling"
    reference = "Applegate et al., NeurIPS 2021, arXiv:2106.04756"

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        o = self.options
        x, y = oracle.to_scaled(*x0)
        Kx, KTy = oracle.matvec(x), oracle.rmatvec(y)
        if o.primal_weight is not None:
            omega = float(o.primal_weight)
        elif oracle.c_norm > _EPS_ZERO and oracle.q_norm > _EPS_ZERO:
            omega = oracle.c_norm / oracle.q_norm
        else:
            omega = 1.0
        # the gap measure has no value at the first restart point (radius 0):
        # the first restart is the artificial one, as in PDLP
        mu = (math.inf if o.restart == "gap"
              else _weighted_error(oracle.kkt_scaled(x, y, Kx, KTy), omega))
        kkt, out = oracle.kkt_original(x, y, Kx, KTy)
        zeros_n, zeros_m = np.zeros_like(x), np.zeros_like(y)
        return PDHGLPState(
            x=out, fun=kkt.primal_obj, advanced=0, **self._kkt_fields(kkt),
            xc=x, yc=y, Kx=Kx, KTy=KTy, xs=zeros_n, ys=zeros_m, Kxs=zeros_m, KTys=zeros_n,
            weight=0.0, x0r=x, y0r=y, mu_start=mu, mu_last=math.inf,
            xp=x, yp=y, Kxp=Kx, KTyp=KTy, eta=1.0 / oracle.max_abs, omega=omega, k=0, t=0,
            restarts=0, trials=0)

    @staticmethod
    def _kkt_fields(kkt):
        return dict(rel_kkt=kkt.relative, primal_obj=kkt.primal_obj, dual_obj=kkt.dual_obj,
                    primal_res=kkt.primal_res, dual_res=kkt.dual_res, gap=kkt.gap)

    def step(self, state, budget):
        o, opts = self.oracle, self.options
        # the kernel works in place: on copies, so the previous state stays intact
        x, y, Kx, KTy = state.xc.copy(), state.yc.copy(), state.Kx.copy(), state.KTy.copy()
        xs, ys, Kxs, KTys = state.xs.copy(), state.ys.copy(), state.Kxs.copy(), state.KTys.copy()
        eta, weight, trials = o.pdhg_block(x, y, Kx, KTy, xs, ys, Kxs, KTys, state.eta,
                                           state.omega, state.k, budget)
        weight += state.weight
        k, t, omega = state.k + budget, state.t + budget, state.omega

        # restart candidate: current iterate or the average, by the restart measure
        measure = self._measure(state.x0r, state.y0r, omega)
        cand = (x, y, Kx, KTy)
        mu = measure(*cand)
        if weight > 0:
            avg = (xs / weight, ys / weight, Kxs / weight, KTys / weight)
            mu_avg = measure(*avg)
            if mu_avg < mu:
                cand, mu = avg, mu_avg
        kkt, out = o.kkt_original(*cand)

        failure = None
        if opts.infeasibility_tol > 0:
            primal_inf, dual_inf = o.infeasibility(x - state.xp, y - state.yp, Kx - state.Kxp,
                                                   KTy - state.KTyp)
            if primal_inf <= opts.infeasibility_tol:
                failure = (f"the LP is primal infeasible: the last iterate difference is a dual "
                           f"(Farkas) ray with relative violation {primal_inf:.1e}")
            elif dual_inf <= opts.infeasibility_tol:
                failure = (f"the LP is dual infeasible (unbounded if feasible): the last "
                           f"iterate difference is a primal ray with relative violation "
                           f"{dual_inf:.1e}")

        x0r, y0r, mu_start, mu_last, restarts = state.x0r, state.y0r, state.mu_start, mu, \
            state.restarts
        if opts.restart != "none":
            restart = (mu <= opts.restart_sufficient * state.mu_start
                       or (mu <= opts.restart_necessary * state.mu_start and mu > state.mu_last)
                       or t >= opts.restart_artificial * k)
            if restart:
                x, y, Kx, KTy = (a.copy() for a in cand)
                theta = opts.primal_weight_smoothing
                dx, dy = np.linalg.norm(x - state.x0r), np.linalg.norm(y - state.y0r)
                if theta > 0 and dx > _EPS_ZERO and dy > _EPS_ZERO:
                    omega = math.exp(theta * math.log(dy / dx) + (1 - theta) * math.log(omega))
                # the new start's measure, under the new weight (gap: at the radius of
                # its distance to the previous start)
                mu_start = self._measure(state.x0r, state.y0r, omega)(x, y, Kx, KTy)
                x0r, y0r = x, y
                mu_last = math.inf
                xs, ys = np.zeros_like(xs), np.zeros_like(ys)
                Kxs, KTys = np.zeros_like(Kxs), np.zeros_like(KTys)
                weight, t = 0.0, 0
                restarts += 1
        return PDHGLPState(
            x=out, fun=kkt.primal_obj, advanced=budget, failure=failure,
            **self._kkt_fields(kkt), xc=x, yc=y, Kx=Kx, KTy=KTy, xs=xs, ys=ys, Kxs=Kxs,
            KTys=KTys, weight=weight, x0r=x0r, y0r=y0r, mu_start=mu_start, mu_last=mu_last,
            xp=x, yp=y, Kxp=Kx, KTyp=KTy, eta=eta, omega=omega, k=k, t=t, restarts=restarts,
            trials=state.trials + trials)

    def _measure(self, x0r, y0r, omega):
        """The restart measure mu(x, y, Kx, KTy) of the options' scheme."""
        o = self.oracle
        if self.options.restart == "gap":
            def measure(x, y, Kx, KTy):
                radius = _omega_distance(x, y, x0r, y0r, omega)
                return o.normalized_gap(x, y, Kx, KTy, radius, omega)
        else:
            def measure(x, y, Kx, KTy):
                return _weighted_error(o.kkt_scaled(x, y, Kx, KTy), omega)
        return measure

    def result_fields(self, state):
        return {"rel_kkt": state.rel_kkt, "primal_obj": state.primal_obj,
                "dual_obj": state.dual_obj, "primal_res": state.primal_res,
                "dual_res": state.dual_res, "gap": state.gap, "restarts": state.restarts,
                "primal_weight": state.omega, "step_size": state.eta, "trials": state.trials}
