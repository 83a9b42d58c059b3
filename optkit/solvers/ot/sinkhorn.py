r"""Sinkhorn's scaling iterations (Sinkhorn-Knopp), with breakdown detection."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.registry import register
from ._common import OTOptions, OTSolver, OTState, Potentials

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
        oracle.gibbs()
        reg = oracle.reg
        f, g = x0
        with np.errstate(over="ignore", under="ignore"):
            u, v = np.exp(f / reg), np.exp(g / reg)
        return self._state(u, v, advanced=0)

    def _state(self, u, v, advanced):
        """The state of the scalings (u, v); at the start (``advanced == 0``)
        the row sums need a mat-vec, later they are a."""
        o = self.oracle
        with np.errstate(all="ignore"):
            Ktu = o.kernel_rmatvec(u, check=True)
            colsum = v * Ktu
            rowsum = u * o.kernel_matvec(v) if advanced == 0 else o.a
            f, g = o.reg * np.log(u), o.reg * np.log(v)
        if not (np.all(np.isfinite(f)) and np.all(np.isfinite(g))
                and np.all(np.isfinite(colsum))):
            return self._broken(u, v, Ktu, advanced, "the scalings u, v under/overflowed")
        cost = o.scaled_cost(u, v)
        primal, dual, err = o.values(f, g, rowsum, colsum)
        return SinkhornState(x=Potentials(f, g), fun=primal, marginal_err=err,
                             dual_obj=dual, transport_cost=cost, advanced=advanced,
                             u=u, v=v, Ktu=Ktu)

    def _broken(self, u, v, Ktu, advanced, what):
        """A non-finite state naming the breakdown; it ``advanced`` up to the
        iteration that broke down, which the driver's message names ("At
        iteration k: ...") before it returns the state of the previous step."""
        o = self.oracle
        nan = np.full(u.size, np.nan), np.full(v.size, np.nan)
        why = (f"{what} at reg = {o.reg:g} "
               f"(max(M)/reg = {float(o.M.max()) / o.reg:.3g}); {_ADVICE}")
        return SinkhornState(x=Potentials(*nan), fun=math.nan, marginal_err=math.nan,
                             dual_obj=math.nan, transport_cost=math.nan, advanced=advanced,
                             nonfinite=why, u=u, v=v, Ktu=Ktu)

    def step(self, state, budget):
        o = self.oracle
        u, v, Ktu = state.u, state.v, state.Ktu
        block = budget
        with np.errstate(all="ignore"):
            for it in range(block):
                v = o.b / Ktu
                u = o.a / o.kernel_matvec(v)
                if it < block - 1:
                    Ktu = o.kernel_rmatvec(u)
                if not (np.all(np.isfinite(u)) and np.all(np.isfinite(v))
                        and u.min() > 0 and v.min() > 0):
                    return self._broken(u, v, Ktu, it + 1,
                                        "the scalings u, v under/overflowed "
                                        "(K = exp(-M/reg) underflows)")
        return self._state(u, v, advanced=block)

    def certificate(self, state):
        return state.marginal_err

    def result_fields(self, state):
        # the plan diag(u) K diag(v), written over K (no longer needed)
        P = self.oracle.scaling_plan(state.u, state.v)
        return {"plan": self.oracle.problem.full_plan(P), "marginal_err": state.marginal_err,
                "dual_obj": state.dual_obj, "transport_cost": state.transport_cost}
