r"""PDHG / Chambolle-Pock primal-dual hybrid gradient, with diagonal preconditioning."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ._common import Averages, SaddleOptions, SaddlePoint, SaddleSolver, SaddleState

__all__ = ["PDHG", "PDHGOptions"]


@dataclasses.dataclass(frozen=True)
class PDHGOptions(SaddleOptions):
    """Options of :class:`PDHG` (``method="pdhg"``)."""

    theta: float = option(1.0, "Extrapolation parameter theta in [0, 1] (1: Chambolle-Pock; "
                          "0: Arrow-Hurwicz, which may diverge).", kind=float, low=0.0,
                          high=1.0)
    step_scale: float = option(
        0.99, "s in (0, 1): tau * sigma * ||K||^2 = s^2 (||K|| by power iteration); with "
        "preconditioning ||Sigma^(1/2) K T^(1/2)||^2 <= s^2.", kind=float, low=0.0, high=1.0,
        low_inclusive=False, high_inclusive=False)
    primal_weight: float = option(
        1.0, "omega: tau = s / (omega ||K||), sigma = s omega / ||K|| (the ratio of the dual "
        "to the primal step).", kind=float, low=0.0, low_inclusive=False)
    precondition: str = option(
        "none", "Diagonal preconditioning: 'none', 'pock-chambolle' (alpha = 1: tau_j = 1 / "
        "sum_i |K_ij|, sigma_i = 1 / sum_j |K_ij|) or 'ruiz' (steps tau D_c^2, sigma D_r^2 "
        "from Ruiz's inf-norm equilibration D_r K D_c). Needs separable terms g, h_conj.",
        kind=str, choices=("none", "pock-chambolle", "ruiz"))
    ruiz_iters: int = option(10, "Passes of Ruiz equilibration (precondition='ruiz').",
                             kind=int, low=1)


@dataclasses.dataclass(kw_only=True)
class PDHGState(SaddleState):
    z: SaddlePoint               # last iterate (x_k, y_k)
    Kx: np.ndarray
    KTy: np.ndarray
    avg: Averages
    primal_residual: float = math.nan
    dual_residual: float = math.nan


def diagonal_steps(solver, oracle):
    r"""``(tau, sigma)``: scalars with :math:`\tau\sigma\|K\|^2 = s^2`, or the diagonal
    steps of the preconditioner (``solver.options.precondition``)."""
    opts = solver.options
    s, w = opts.step_scale, opts.primal_weight
    problem = oracle.problem
    if opts.precondition != "none":
        if not problem.separable:
            raise ValueError(
                f"Option `precondition`={opts.precondition!r} needs separable terms g and "
                "h_conj (penalties of optkit.problems.composite, boxes, LinearOnBox, "
                f"EuclideanSpace): the diagonal-metric prox of {problem.g!r} / "
                f"{problem.h_conj!r} is not their prox. Use precondition='none'.")
        if opts.precondition == "pock-chambolle":
            steps = oracle.pock_chambolle_steps()
            if steps is None:
                raise ValueError("Option `precondition`='pock-chambolle' needs the entries of "
                                 "K (a matrix, or an operator exposing abs_row_sums and "
                                 "abs_col_sums).")
            sigma, tau = steps
            return tau * (s / w), sigma * (s * w)
        scales = oracle.ruiz(opts.ruiz_iters)
        if scales is None:
            raise ValueError("Option `precondition`='ruiz' needs the entries of K (an ndarray "
                             "or a sparse matrix), not a LinearOperator.")
        dr, dc = scales
        norm = math.sqrt(oracle.norm_squared(opts.power_iters, row_scale=dr, col_scale=dc))
        norm = norm if norm > 0 else 1.0
        return (s / (w * norm)) * dc * dc, (s * w / norm) * dr * dr
    norm = math.sqrt(oracle.norm_squared(opts.power_iters))
    norm = norm if norm > 0 else 1.0
    return s / (w * norm), s * w / norm


@register
class PDHG(SaddleSolver):
    r"""The primal-dual hybrid gradient method of Chambolle and Pock.

    For :math:`\min_x\max_y \langle Kx, y\rangle + g(x) - h^*(y)`,

    .. math::

        x_{k+1} &= \operatorname{prox}_{\tau g}(x_k - \tau K^T y_k), \\
        \bar x_{k+1} &= x_{k+1} + \theta(x_{k+1} - x_k), \\
        y_{k+1} &= \operatorname{prox}_{\sigma h^*}(y_k + \sigma K\bar x_{k+1}),

    with :math:`\tau\sigma\|K\|_2^2 = s^2 < 1` (:math:`\|K\|_2` from
    ``power_iters`` power iterations, times 1.01) and :math:`\theta = 1`: the
    ergodic average converges at rate :math:`O(1/N)` in the primal-dual gap.
    ``precondition`` replaces :math:`\tau, \sigma` by diagonal steps
    :math:`T, \Sigma` with :math:`\|\Sigma^{1/2}KT^{1/2}\|_2 \le s`:
    Pock-Chambolle's :math:`\alpha = 1` choice :math:`T_j = 1/\sum_i|K_{ij}|`,
    :math:`\Sigma_i = 1/\sum_j|K_{ij}|`, or Ruiz's equilibration
    :math:`\tilde K = D_rKD_c` with :math:`T = \tau D_c^2`,
    :math:`\Sigma = \sigma D_r^2` (PDHG on the rescaled variables); both need
    terms whose prox is separable. The trace also records the PDHG residuals
    :math:`p_k = \|(x_k - x_{k+1})/\tau - K^T(y_k - y_{k+1})\|` and
    :math:`d_k = \|(y_k - y_{k+1})/\sigma - K(x_k - x_{k+1})\|`.

    Cost per iteration: one product with :math:`K` and one with :math:`K^T`
    (:math:`K\bar x` by linearity from :math:`Kx_{k+1}` and :math:`Kx_k`), two
    proxes; the certificate adds two LMOs (gap) or two proxes (residual).

    References
    ----------
    A. Chambolle, T. Pock, "A first-order primal-dual algorithm for convex
    problems with applications to imaging", J. Math. Imaging Vis. 40, 2011.
    T. Pock, A. Chambolle, "Diagonal preconditioning for first order primal-dual
    algorithms in convex optimization", ICCV 2011.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.saddle import SaddleProblem
    >>> A = np.array([[3.0, -1.0], [-2.0, 1.0]])
    >>> res = optkit.minimize(SaddleProblem.matrix_game(A), method="pdhg", tol=1e-9)
    >>> round(res.fun, 6), res.gap <= 1e-9
    (0.142857, True)
    """

    name = "pdhg"
    aliases = ("chambolle-pock",)
    Options = PDHGOptions
    summary = "PDHG / Chambolle-Pock (theta, power-iteration steps, diagonal preconditioning)"
    reference = "Chambolle & Pock, JMIV 2011; Pock & Chambolle, ICCV 2011"
    trace_fields = ("cert_last", "cert_avg", "primal_residual", "dual_residual")
    needs_bilinear = True

    def _init(self, oracle, x0, tol):
        self.oracle = oracle
        self.tau, self.sigma = diagonal_steps(self, oracle)
        x, y = x0
        Kx, KTy = oracle.matvec(x), oracle.rmatvec(y)
        avg = Averages.empty(oracle.n, oracle.m, True)
        return self._state(SaddlePoint(x, y), Kx, KTy, avg, advanced=0)

    def _state(self, z, Kx, KTy, avg, advanced, **extra):
        last = (z.x, z.y, Kx, KTy, None)
        av = None if avg.weight == 0 else (*avg.mean(), None)
        return self._report(PDHGState, last, av, advanced=advanced, z=z, Kx=Kx, KTy=KTy,
                            avg=avg, **extra)

    def _step(self, state, budget):
        o = self.oracle
        tau, sigma, theta = self.tau, self.sigma, self.options.theta
        (x, y), Kx, KTy = state.z, state.Kx, state.KTy
        xn = o.prox_g(x - tau * KTy, tau)
        Kxn = o.matvec(xn)
        Kxbar = Kxn + theta * (Kxn - Kx)
        yn = o.prox_h(y + sigma * Kxbar, sigma)
        KTyn = o.rmatvec(yn)
        avg = state.avg.add(1.0, xn, yn, Kxn, KTyn)
        p = float(np.linalg.norm((x - xn) / tau - (KTy - KTyn)))
        d = float(np.linalg.norm((y - yn) / sigma - (Kx - Kxn)))
        return self._state(SaddlePoint(xn, yn), Kxn, KTyn, avg, advanced=1,
                           primal_residual=p, dual_residual=d)

    def result_fields(self, state):
        out = super().result_fields(state)
        out.update(tau=self.tau, sigma=self.sigma, primal_residual=state.primal_residual,
                   dual_residual=state.dual_residual)
        return out
