r"""Sinkhorn's scaling iterations (Sinkhorn-Knopp), with breakdown detection."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.registry import register
from ..._core.result import STATUS_MESSAGES, Status
from ...kernels import sinkhorn as K
from ._common import OTOptions, OTSolver, OTState

__all__ = ["Sinkhorn", "SinkhornOptions"]


@dataclasses.dataclass(frozen=True)
class SinkhornOptions(OTOptions):
    """Options of :class:`Sinkhorn` (``method="sinkhorn"``)."""


@dataclasses.dataclass(kw_only=True)
class SinkhornState(OTState):
    u: np.ndarray
    v: np.ndarray
    Ktu: np.ndarray      # K^T u for the current u: the next v-update and the check


_ADVICE = ("use method='sinkhorn-log' (log-domain, never overflows), or a larger `reg`")


@register
class Sinkhorn(OTSolver):
    r"""Sinkhorn-Knopp scaling iterations on the Gibbs kernel.

    With :math:`K = e^{-M/\varepsilon}` (formed once), one iteration is

    .. math::

        v \leftarrow b \oslash K^T u, \qquad u \leftarrow a \oslash K v,

    the plan is :math:`P = \mathrm{diag}(u) K \mathrm{diag}(v)` and the
    potentials reported in ``x`` are :math:`(\varepsilon\log u,
    \varepsilon\log v)`. Certificate: the marginal violation
    :math:`\|P\mathbf 1 - a\|_1 + \|P^T\mathbf 1 - b\|_1` (the row part is 0
    after the u-update; the column sums use :math:`K^T u`, which the next
    v-update reuses, so checking costs no extra mat-vec).

    Notes
    -----
    Two dense mat-vecs (BLAS) per iteration, no exponential: the fastest
    form when it works. For small ``reg`` (:math:`\|M\|_\infty/\varepsilon`
    beyond a few hundred) entries of K underflow and u, v overflow; the
    method then stops with status 3 and a message recommending
    ``sinkhorn-log`` instead of returning NaN. Memory: K, one ``n x m``
    array besides M (the plan is written over it at the end).

    References
    ----------
    R. Sinkhorn, P. Knopp, "Concerning nonnegative matrices and doubly
    stochastic matrices", Pacific J. Math. 21(2), 1967.
    M. Cuturi, "Sinkhorn distances: lightspeed computation of optimal
    transport", NeurIPS 2013.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.ot import OTProblem
    >>> from optkit.problems.synthetic import ot_point_clouds
    >>> a, b, M = ot_point_clouds(50, 40, seed=0)
    >>> res = optkit.minimize(OTProblem(a, b, M, reg=1e-1), method="sinkhorn")
    >>> res.success, res.marginal_err <= 1e-9
    (True, True)
    """

    name = "sinkhorn"
    aliases = ("sinkhorn-knopp",)
    Options = SinkhornOptions
    summary = "Sinkhorn-Knopp scaling iterations (BLAS mat-vecs), overflow detected"
    reference = "Sinkhorn & Knopp 1967; Cuturi, NeurIPS 2013"

    def make_oracle(self, problem, dim):
        if self.options.device != "cpu":
            raise ValueError(
                "Option `device`: method 'sinkhorn' (scaling form) runs on the CPU only; "
                "use method='sinkhorn-log' (or 'sns', 'sinkhorn-eps-scaling') with "
                "device='cuda'.")
        return super().make_oracle(problem, dim)

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        self._breakdown = None
        self._done = 0
        reg = oracle.reg
        self.K = np.exp(-oracle.M / reg)
        f, g = self._split(x0)
        with np.errstate(over="ignore", under="ignore"):
            u, v = np.exp(f / reg), np.exp(g / reg)
        return self._state(u, v, advanced=0)

    def _state(self, u, v, advanced):
        o = self.oracle
        o.nsweep += 1
        o.njev += 1
        with np.errstate(all="ignore"):
            Ktu = self.K.T @ u
            colsum = v * Ktu
            rowsum = u * (self.K @ v) if advanced == 0 else o.a
            f, g = o.reg * np.log(u), o.reg * np.log(v)
        if advanced == 0:
            o.nsweep += 1
        if not (np.all(np.isfinite(f)) and np.all(np.isfinite(g))
                and np.all(np.isfinite(colsum))):
            return self._broken(u, v, Ktu, advanced, "the scalings u, v under/overflowed")
        o.nsweep += 1
        cost = (K.scaled_cost_serial if o.serial else K.scaled_cost)(self.K, o.M, u, v)
        primal, dual, err = o.values(f, g, rowsum, colsum)
        return SinkhornState(x=np.concatenate([f, g]), fun=primal, marginal_err=err,
                             dual_obj=dual, transport_cost=cost, advanced=advanced,
                             u=u, v=v, Ktu=Ktu)

    def _broken(self, u, v, Ktu, advanced, what):
        self._breakdown = what
        n = u.size
        return SinkhornState(x=np.full(n + v.size, np.nan), fun=math.nan,
                             marginal_err=math.nan, dual_obj=math.nan,
                             transport_cost=math.nan, advanced=advanced, u=u, v=v, Ktu=Ktu)

    def step(self, state, budget):
        o = self.oracle
        u, v, Ktu = state.u, state.v, state.Ktu
        block = budget
        with np.errstate(all="ignore"):
            for it in range(block):
                v = o.b / Ktu
                Kv = self.K @ v
                u = o.a / Kv
                o.nsweep += 1
                if it < block - 1:
                    Ktu = self.K.T @ u
                    o.nsweep += 1
                if not (np.all(np.isfinite(u)) and np.all(np.isfinite(v))
                        and u.min() > 0 and v.min() > 0):
                    self._done += it
                    return self._broken(u, v, Ktu, block,
                                        "the scalings u, v under/overflowed "
                                        "(K = exp(-M/reg) underflows)")
        self._done += block
        return self._state(u, v, advanced=block)

    def certificate(self, state):
        return state.marginal_err

    def result_fields(self, state):
        o = self.oracle
        problem = o.problem
        # the plan diag(u) K diag(v), written over K (no longer needed)
        P, self.K = self.K, None
        P *= state.u[:, None]
        P *= state.v[None, :]
        out = {"plan": problem.full_plan(P), "marginal_err": state.marginal_err,
               "dual_obj": state.dual_obj, "transport_cost": state.transport_cost}
        if self._breakdown is not None:
            out["message"] = (
                f"{STATUS_MESSAGES[Status.NONFINITE]} Near iteration {self._done + 1}: "
                f"{self._breakdown} at reg = {self.oracle.reg:g} "
                f"(max(M)/reg = {float(self.oracle.M.max()) / self.oracle.reg:.3g}); "
                f"{_ADVICE}.")
        return out
