r"""Factored gradient descent for low-rank recovery (symmetric X X^T or asymmetric
F G^T, over-parameterized, small random start)."""

from __future__ import annotations

import dataclasses

from ..._core.options import option
from ..._core.registry import register
from ...problems.lowrank import Factors, SymmetricFactor
from ._common import FactoredGradientMixin, LowRankOptions, LowRankSolver

__all__ = ["LowRankGD", "LowRankGDOptions"]


@dataclasses.dataclass(frozen=True)
class LowRankGDOptions(LowRankOptions):
    """Options of :class:`LowRankGD` (``method="lowrank-gd"``)."""

    step: float = option(0.5, "Step size eta relative to 1/sigma_1 (sigma_1: estimate of "
                         "||A*(y)||_2).", low=0.0, low_inclusive=False)
    init_scale: float = option(
        1e-3, "alpha of the small random start alpha sqrt(sigma_1) G, G_ij ~ N(0, 1/n) "
        "(smaller: longer initial plateau; asymmetric over-parameterized runs converge "
        "at a rate that shrinks with alpha).", low=0.0, low_inclusive=False)
    factorization: str = option(
        "auto", "'symmetric' X X^T, 'asymmetric' F G^T, or 'auto' (the problem's).",
        kind=str, choices=("auto", "symmetric", "asymmetric"))


@register
class LowRankGD(FactoredGradientMixin, LowRankSolver):
    r"""Gradient descent on the factored least-squares loss (Burer-Monteiro).

    Symmetric, :math:`f(X) = \frac14\|\mathcal A(XX^T) - y\|^2`:

    .. math:: X_{t+1} = X_t - \eta\,\mathcal A^*(\mathcal A(X_tX_t^T) - y)\,X_t;

    asymmetric, :math:`f = \frac12\|\mathcal A(FG^T) - y\|^2`:

    .. math::

        F_{t+1} = F_t - \eta\,\mathcal A^*(r_t)\,G_t, \qquad
        G_{t+1} = G_t - \eta\,\mathcal A^*(r_t)^T F_t, \qquad
        r_t = \mathcal A(F_tG_t^T) - y,

    with :math:`\eta` = ``step`` / :math:`\hat\sigma_1` and a small random
    start of scale ``init_scale``. One forward and one adjoint measurement
    product an iteration. With the exact rank both forms converge linearly
    at a rate that degrades like :math:`1/\kappa`. Over-parameterized
    (``rank`` above the true rank) the symmetric form slows to a sublinear
    :math:`\Theta(1/T^2)` (squared error) tail, while the asymmetric form stays
    linear, at a rate that shrinks with the start scale :math:`\alpha`
    (Xiong-Ding-Du). Certificate: relative change of the product; value:
    :math:`f`.

    References
    ----------
    N. Xiong, L. Ding, S. S. Du, "How Over-Parameterization Slows Down Gradient
    Descent in Matrix Sensing: The Curses of Symmetry and Initialization",
    ICLR 2024, arXiv:2310.01769.
    S. Burer, R. D. C. Monteiro, "A nonlinear programming algorithm for solving
    semidefinite programs via low-rank factorization", Math. Program. 95, 2003.

    Examples
    --------
    >>> import optkit
    >>> from optkit.problems.lowrank import LowRankProblem
    >>> from optkit.problems.synthetic import matrix_sensing
    >>> op, y, M = matrix_sensing(12, 12, 2, m=300, seed=0, symmetric=True)
    >>> prob = LowRankProblem.sensing(op, y, rank=2, truth=M)
    >>> res = optkit.minimize(prob, method="lowrank-gd", tol=1e-12)
    >>> bool(res.rel_error < 1e-8)
    True
    """

    name = "lowrank-gd"
    aliases = ("factored-gd", "burer-monteiro-gd")
    Options = LowRankGDOptions
    summary = "Factored GD (symmetric XX^T or asymmetric FG^T) from a small random start"
    reference = "Xiong, Ding, Du, ICLR 2024"

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        o = self.options
        sigma = oracle.spectral_norm(seed=o.seed)
        self._eta = o.step / max(sigma, 1e-300)        # a constant of the run
        return self._grad_state(self._small_start(x0, sigma), None, advanced=0)

    def step(self, state, budget):
        eta = self._eta
        x, r = state.x, state.residual
        if isinstance(x, SymmetricFactor):
            new = SymmetricFactor(x.U - eta * self.oracle.grads(r, x.U))
        else:
            F, G = x
            GF, GG = self.oracle.grads(r, F, G)
            new = Factors(F - eta * GF, G - eta * GG)
        return self._grad_state(new, x)

    def result_fields(self, state):
        out = super().result_fields(state)
        out["step_size"] = self._eta
        return out
