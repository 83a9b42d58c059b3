r"""Mirror prox (Nemirovski's extragradient in a Bregman setup)."""

from __future__ import annotations

import dataclasses
import math

from ..._core.options import option
from ..._core.registry import register
from ._common import (Averages, MirrorSetup, SaddleOptions, SaddlePoint, SaddleSolver,
                      SaddleState)

__all__ = ["MirrorProx", "MirrorProxOptions"]


@dataclasses.dataclass(frozen=True)
class MirrorProxOptions(SaddleOptions):
    """Options of :class:`MirrorProx` (``method="mirror-prox"``)."""

    step: str = option(
        "auto", "Step rule: 'constant' (eta = 1/L from the Lipschitz constant of the operator "
        "in the weighted norm), 'adaptive' (backtracking on the prox inequality, steps may "
        "grow) or 'auto' (constant when L is computable, else adaptive).",
        kind=str, choices=("auto", "constant", "adaptive"))
    step_scale: float = option(
        1.0, "Multiplier of the constant step 1/L (<= 1 keeps the rate theorem).",
        kind=float, low=0.0, low_inclusive=False)
    growth: float = option(
        1.25, "Adaptive rule: factor applied to the accepted step before the next trial.",
        kind=float, low=1.0)
    max_backtracks: int = option(
        60, "Adaptive rule: halvings of the step before the iteration fails.", kind=int, low=1)


@dataclasses.dataclass(kw_only=True)
class MirrorProxState(SaddleState):
    z: SaddlePoint              # current iterate z_t
    rz: tuple                   # its representation (log-weights on entropy simplices)
    Fz: tuple                   # F(z_t)
    eta: float                  # step for the next iteration
    avg: Averages               # sums of eta_t w_t (and of K w_t)
    backtracks: int = 0


@register
class MirrorProx(SaddleSolver):
    r"""Mirror prox: the extragradient method in a Bregman setup.

    For the monotone operator :math:`F(z) = (\nabla_x\phi, -\nabla_y\phi)` of
    :math:`\min_{x\in X}\max_{y\in Y}\phi` and the weighted mirror map of
    :class:`~optkit.solvers.saddle._common.MirrorSetup` (Euclidean, entropy
    on simplices in log space, products with the rate-constant weights), one
    iteration is

    .. math::

        w_t = \operatorname*{argmin}_{u} \eta_t\langle F(z_t), u\rangle + D(u, z_t),
        \qquad
        z_{t+1} = \operatorname*{argmin}_{u} \eta_t\langle F(w_t), u\rangle + D(u, z_t),

    and the output is the ergodic average
    :math:`\bar w_T = \sum_t \eta_t w_t / \sum_t \eta_t` (or the last
    iterate, option ``output``). With :math:`\eta = 1/L` (``step="constant"``;
    :math:`L` the Lipschitz constant of F in the weighted norm) the duality gap
    of the average is at most :math:`L\,\Theta/T` with
    :math:`\Theta = \max_u D(u, z_1) \le 2`, i.e. :math:`O(1/T)`; for a matrix
    game with the entropy on both simplices, :math:`L = \|A\|_{\max}
    \sqrt{\log n \log m}`. ``step="adaptive"`` backtracks on the prox
    inequality

    .. math:: \eta_t\langle F(w_t) - F(z_t), w_t - z_{t+1}\rangle
              \le D(w_t, z_t) + D(z_{t+1}, w_t),

    halving :math:`\eta_t` until it holds (which gives the same bound with
    :math:`\sum_t\eta_t` in place of :math:`T/L`), then tries
    ``growth`` times the step at the next iteration. A trial is also accepted
    when :math:`\eta_t\|F(w_t) - F(z_t)\|_* \le \|w_t - z_t\|`, which
    implies the inequality and, unlike the Bregman terms, keeps its digits
    near a solution.

    Cost per iteration: two operator evaluations (for a bilinear problem two
    products with :math:`K` and two with :math:`K^T`) and four block mirror
    steps; each rejected adaptive trial adds one evaluation. The certificate
    reuses the products (no extra mat-vec).

    References
    ----------
    A. Nemirovski, "Prox-method with rate of convergence O(1/t) for variational
    inequalities with Lipschitz continuous monotone operators and smooth
    convex-concave saddle point problems", SIAM J. Optim. 15(1), 2004.
    S. Bubeck, "Convex optimization: algorithms and complexity", Foundations and
    Trends in Machine Learning 8(3-4), 2015, section 4.5 and 5.2.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.saddle import SaddleProblem
    >>> A = np.array([[3.0, -1.0], [-2.0, 1.0]])
    >>> res = optkit.minimize(SaddleProblem.matrix_game(A), method="mirror-prox", tol=1e-9)
    >>> round(res.fun, 6), res.gap <= 1e-9
    (0.142857, True)
    """

    name = "mirror-prox"
    aliases = ("mp", "extragradient-bregman")
    Options = MirrorProxOptions
    summary = "Mirror prox (Bregman extragradient), constant 1/L or backtracking step, O(1/T) gap"
    reference = "Nemirovski, SIAM J. Optim. 2004"
    trace_fields = ("cert_last", "cert_avg", "eta")

    def _init(self, oracle, x0, tol):
        self.oracle = oracle
        problem = oracle.problem
        self.setup = MirrorSetup(problem, x0, self.name)
        opts = self.options
        L = None
        if opts.step in ("auto", "constant"):
            L = self.setup.lipschitz(oracle, problem, opts.power_iters)
            if L is None and opts.step == "constant":
                raise ValueError(
                    "Option `step`: 'constant' needs the Lipschitz constant of the operator, "
                    "which is not computable here (give SaddleProblem(lipschitz=...), use "
                    "norms l1/l2 with an explicit matrix K, or step='adaptive').")
        self.adaptive = L is None
        x, y = x0
        rz = (self.setup.bx.rep(x), self.setup.by.rep(y))
        Fz = oracle.operator(x, y)
        if self.adaptive:
            eta = 1.0 / max(self.setup.dual_norm(*Fz), 1e-300)
        else:
            eta = opts.step_scale / L if L > 0 else 1.0
        avg = Averages.empty(oracle.n, oracle.m, oracle.bilinear)
        return self._state(SaddlePoint(x, y), rz, Fz, eta, avg, advanced=0)

    def _state(self, z, rz, Fz, eta, avg, advanced, backtracks=0):
        o = self.oracle
        if o.bilinear:
            last = (z.x, z.y, -Fz[1], Fz[0], None)
            av = None if avg.weight == 0 else (*avg.mean(), None)
        else:
            last = (z.x, z.y, None, None, Fz)
            av = None
        return self._report(MirrorProxState, last, av, advanced=advanced, z=z, rz=rz, Fz=Fz,
                            eta=eta, avg=avg, backtracks=backtracks)

    def _prox(self, rz, Fx, Fy, eta):
        """The weighted mirror step from ``rz`` along ``(Fx, Fy)`` with step ``eta``."""
        o, s = self.oracle, self.setup
        sx, sy = s.steps(eta)
        rx = o.mirror(s.bx, rz[0], Fx, sx)
        ry = o.mirror(s.by, rz[1], Fy, sy)
        return (rx, ry), SaddlePoint(s.bx.point(rx), s.by.point(ry))

    def _step(self, state, budget):
        o, s = self.oracle, self.setup
        z, rz, Fz = state.z, state.rz, state.Fz
        eta = state.eta
        backtracks = 0
        for _ in range(self.options.max_backtracks + 1):
            rw, w = self._prox(rz, *Fz, eta)
            Fw = o.operator(*w)
            rn, zn = self._prox(rz, *Fw, eta)
            if not self.adaptive:
                break
            dFx, dFy = Fw[0] - Fz[0], Fw[1] - Fz[1]
            lhs = eta * (float(dFx @ (w.x - zn.x)) + float(dFy @ (w.y - zn.y)))
            if not math.isfinite(lhs):
                break                    # non-finite data: the driver's guard reports it
            # the local Lipschitz test eta ||F(w) - F(z)||_* <= ||w - z|| implies the prox
            # inequality (Cauchy-Schwarz, then 1-strong convexity of the weighted map) and
            # stays exact where the Bregman terms lose their digits near a solution
            if (eta * s.dual_norm(dFx, dFy) <= s.primal_norm(w.x - z.x, w.y - z.y)
                    or lhs <= s.bregman(w, z) + s.bregman(zn, w)):
                break
            eta *= 0.5
            backtracks += 1
        else:
            return dataclasses.replace(
                state, failure=f"mirror-prox: the step did not satisfy the prox inequality "
                               f"after {self.options.max_backtracks} halvings (eta = {eta:.3g})")
        if o.bilinear:
            avg = state.avg.add(eta, w.x, w.y, -Fw[1], Fw[0])
        else:
            avg = state.avg.add(eta, w.x, w.y)
        Fzn = o.operator(*zn)
        next_eta = eta * self.options.growth if self.adaptive else eta
        return self._state(zn, rn, Fzn, next_eta, avg, advanced=1, backtracks=backtracks)

    def result_fields(self, state):
        out = super().result_fields(state)
        x_avg, y_avg = (state.avg.mean()[:2] if state.avg.weight > 0 else (None, None))
        out.update(eta=state.eta, x_avg=x_avg, y_avg=y_avg)
        return out
