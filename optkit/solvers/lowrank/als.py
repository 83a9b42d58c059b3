r"""Alternating least squares (ALS) for matrix completion: the classical baseline."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ...problems.lowrank import Factors
from ._common import LowRankOptions, LowRankSolver, LowRankState, relative_change

__all__ = ["ALS", "ALSOptions"]


@dataclasses.dataclass(frozen=True)
class ALSOptions(LowRankOptions):
    """Options of :class:`ALS` (``method="als"``)."""

    reg: float = option(0.0, "Ridge weight lambda on ||U||_F^2 + ||V||_F^2 (0: plain "
                        "least squares; a rank-deficient row then gets a tiny jitter).",
                        low=0.0)


@register
class ALS(LowRankSolver):
    r"""Alternating least squares with a ridge, from a random start.

    .. math::

        V_{t+1} &= \arg\min_V \|P_\Omega(U_tV^T - M)\|_F^2 + \lambda\|V\|_F^2, \\
        U_{t+1} &= \arg\min_U \|P_\Omega(UV_{t+1}^T - M)\|_F^2 + \lambda\|U\|_F^2,

    each row by its :math:`k \times k` normal equations (Cholesky, compiled,
    parallel over rows): :math:`O(|\Omega| k^2 + (m+n)k^3)` an iteration. No
    spectral start and no orthonormalization (compare :class:`AltMin`); the
    start is :math:`U_0` with i.i.d. :math:`N(0, 1/k)` entries scaled by
    :math:`\sqrt{\hat\sigma_1}` (a power-iteration estimate of
    :math:`\|P_\Omega(M)/p\|_2`). Value: :math:`\frac1{2p}\|P_\Omega(UV^T -
    M)\|_F^2 + \frac\lambda{2p}(\|U\|_F^2 + \|V\|_F^2)`; certificate: relative
    change of :math:`UV^T`.

    References
    ----------
    Y. Koren, R. Bell, C. Volinsky, "Matrix factorization techniques for
    recommender systems", Computer 42(8), 2009.
    Y. Zhou, D. Wilkinson, R. Schreiber, R. Pan, "Large-scale parallel
    collaborative filtering for the Netflix prize", AAIM 2008.

    Examples
    --------
    >>> import optkit
    >>> from optkit.problems.lowrank import LowRankProblem
    >>> from optkit.problems.synthetic import matrix_completion
    >>> rows, cols, vals, M = matrix_completion(60, 50, 2, p=0.5, seed=0)
    >>> prob = LowRankProblem.completion(rows, cols, vals, (60, 50), 2, truth=M)
    >>> res = optkit.minimize(prob, method="als", tol=1e-12)
    >>> bool(res.rel_error < 1e-8)
    True
    """

    name = "als"
    Options = ALSOptions
    summary = "Alternating least squares (ridge) with compiled per-row normal equations"
    reference = "Koren, Bell, Volinsky 2009; Zhou et al. 2008"
    completion_only = True

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        m, n = oracle.shape
        k = oracle.k
        if x0[0].shape[0] == 0:
            sigma = oracle.spectral_norm(iters=10, seed=self.options.seed)
            # a stream of its own: a user's data drawn from the same seed stays unrelated
            rng = np.random.default_rng([self.options.seed, 0xA15])
            U = rng.standard_normal((m, k)) * math.sqrt(max(sigma, 1e-300) / k)
            V = np.zeros((n, k))
        else:
            U, V = x0
        x = Factors(U, V)
        return LowRankState(x=x, fun=self._value(U, V), rel_change=1.0,
                            rel_error=self._error(x), advanced=0)

    def _value(self, U, V):
        r = self.oracle.residual(U, V)
        reg = self.options.reg * self.oracle.scale ** 2
        return 0.5 * float(r @ r) + 0.5 * reg * float(np.sum(U * U) + np.sum(V * V))

    def step(self, state, budget):
        U, V = state.x
        reg = self.options.reg
        V_new, _ = self.oracle.least_squares(U, "cols", reg=reg)
        U_new, _ = self.oracle.least_squares(V_new, "rows", reg=reg)
        x = Factors(U_new, V_new)
        return LowRankState(x=x, fun=self._value(U_new, V_new),
                            rel_change=relative_change(U_new, V_new, U, V),
                            rel_error=self._error(x))
