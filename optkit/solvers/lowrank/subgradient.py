r"""Subgradient method with geometrically decaying steps for robust low-rank
recovery (l1 loss; Ma-Fattahi)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ...problems.lowrank import Factors, SymmetricFactor
from ._common import FactoredGradientMixin, LowRankOptions, LowRankSolver

__all__ = ["LowRankSubgradient", "LowRankSubgradientOptions"]


@dataclasses.dataclass(frozen=True)
class LowRankSubgradientOptions(LowRankOptions):
    """Options of :class:`LowRankSubgradient` (``method="lowrank-subgradient"``)."""

    step: float = option(0.5, "eta_0: the first step (dimensionless, relative to the scale "
                         "of the factors' product).", low=0.0, low_inclusive=False)
    decay: float = option(0.97, "rho: step t is eta_0 rho^t.", low=0.0, high=1.0,
                          low_inclusive=False, high_inclusive=False)
    init_scale: float = option(1e-3, "alpha of the small random start alpha sqrt(sigma_1) G.",
                               low=0.0, low_inclusive=False)
    factorization: str = option(
        "auto", "'symmetric' U U^T, 'asymmetric' F G^T, or 'auto' (the problem's).",
        kind=str, choices=("auto", "symmetric", "asymmetric"))


@register
class LowRankSubgradient(FactoredGradientMixin, LowRankSolver):
    r"""Subgradient method on the l1 loss with geometrically decaying steps.

    It starts from a small random point.

    With the normalized residual :math:`r = \mathcal A(UU^T) - y` (``N``
    measurements) and :math:`f(U) = \frac1{\sqrt N}\sum_i |r_i|`,

    .. math::

        D_t = \tfrac1{\sqrt N}\,\mathcal A^*(\operatorname{sign}(r_t)), \qquad
        U_{t+1} = U_t - \eta_t\,D_t U_t, \qquad \eta_t = \eta_0\,\rho^t,

    (the measurement matrices are symmetric in the symmetric case; the
    asymmetric form updates :math:`F \leftarrow F - \eta_t D_tG`,
    :math:`G \leftarrow G - \eta_t D_t^TF`). The :math:`1/\sqrt N` makes
    :math:`\|D_t\|` of order one for a near-isometric map (the paper's
    :math:`1/m` for unnormalized Gaussian :math:`A_i`), so :math:`\eta_0` is
    dimensionless (relative to :math:`\|M^\star\|`). A constant fraction of
    arbitrary outliers in :math:`y` does not stop convergence (the
    :math:`\ell_1` loss is sharp), over-parameterization does not hurt, and the
    error decays linearly as long as :math:`\rho` is not smaller than the
    contraction the sharpness allows. Certificate: relative change of the
    product (it also shrinks with the steps: compare ``rel_error`` when a
    truth is known).

    References
    ----------
    J. Ma, S. Fattahi, "Global Convergence of Sub-gradient Method for Robust
    Matrix Recovery: Small Initialization, Noisy Measurements, and
    Over-parameterization", JMLR 24, 2023, arXiv:2202.08788.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.lowrank import LowRankProblem
    >>> from optkit.problems.synthetic import matrix_sensing
    >>> op, y, M = matrix_sensing(10, 10, 2, m=400, seed=0, symmetric=True)
    >>> y = y.copy(); bad = np.random.default_rng(0).random(400) < 0.2
    >>> y[bad] += 10 * np.random.default_rng(1).standard_normal(bad.sum())
    >>> prob = LowRankProblem.sensing(op, y, rank=4, truth=M)
    >>> res = optkit.minimize(prob, method="lowrank-subgradient", tol=1e-10)
    >>> bool(res.rel_error < 1e-4)
    True
    """

    name = "lowrank-subgradient"
    aliases = ("subgm", "l1-subgradient")
    Options = LowRankSubgradientOptions
    summary = "Subgradient method on the l1 loss with geometric steps (outlier-robust)"
    reference = "Ma, Fattahi, JMLR 2023"

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        sigma = oracle.spectral_norm(seed=self.options.seed)
        return self._grad_state(self._small_start(x0, sigma), None, advanced=0)

    def _loss(self, r, sym):
        return float(np.abs(r).sum()) / math.sqrt(r.size)

    def step(self, state, budget):
        o = self.options
        eta = o.step * o.decay ** state.t
        x = state.x
        s = np.sign(state.residual) / math.sqrt(state.residual.size)
        if isinstance(x, SymmetricFactor):
            new = SymmetricFactor(x.U - eta * self.oracle.grads(s, x.U))
        else:
            F, G = x
            DG, DF = self.oracle.grads(s, F, G)
            new = Factors(F - eta * DG, G - eta * DF)
        return self._grad_state(new, x, t=state.t + 1)

    def result_fields(self, state):
        out = super().result_fields(state)
        out["step_size"] = self.options.step * self.options.decay ** state.t
        return out
