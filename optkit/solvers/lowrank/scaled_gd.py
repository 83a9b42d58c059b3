r"""ScaledGD(lambda): damped preconditioned gradient descent for over-parameterized,
ill-conditioned low-rank recovery (Xu-Shen-Chi-Ma)."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ...problems.lowrank import Factors, SymmetricFactor
from ._common import FactoredGradientMixin, LowRankOptions, LowRankSolver, cho_right_solve

__all__ = ["ScaledGD", "ScaledGDOptions"]


@dataclasses.dataclass(frozen=True)
class ScaledGDOptions(LowRankOptions):
    """Options of :class:`ScaledGD` (``method="scaled-gd"``)."""

    step: float = option(
        0.5, "Step size eta (dimensionless: the preconditioner absorbs the scale of X; it "
        "is divided by the map's gain ||A(X)||^2/||X||_F^2 measured on random rank-k X).",
        low=0.0, low_inclusive=False)
    damping: float = option(
        None, "Damping lambda of the preconditioner (X^T X + lambda I)^{-1}, absolute; "
        "None: damping_rel times the estimate sigma_1 of ||A*(y)||_2.", low=0.0,
        low_inclusive=False, allow_none=True)
    damping_rel: float = option(
        1e-4, "lambda relative to sigma_1 when damping is None (the theory wants a "
        "small constant fraction of sigma_min(M*), unknown in practice).", low=0.0,
        low_inclusive=False)
    init_scale: float = option(
        1e-3, "alpha of the small random start alpha sqrt(sigma_1) G, G_ij ~ N(0, 1/n).",
        low=0.0, low_inclusive=False)
    factorization: str = option(
        "auto", "'symmetric' X X^T, 'asymmetric' L R^T, or 'auto' (the problem's).",
        kind=str, choices=("auto", "symmetric", "asymmetric"))


@register
class ScaledGD(FactoredGradientMixin, LowRankSolver):
    r"""ScaledGD(lambda): GD preconditioned by the damped inverse Gram matrix of the factor.

    It starts from a small random point.

    Symmetric (:math:`f(X) = \frac14\|\mathcal A(XX^T) - y\|^2`):

    .. math::

        X_{t+1} = X_t - \eta\,\nabla f(X_t)\,(X_t^TX_t + \lambda I)^{-1},
        \qquad \nabla f(X) = \mathcal A^*(\mathcal A(XX^T) - y)\,X;

    asymmetric (:math:`f = \frac12\|\mathcal A(LR^T) - y\|^2`), both factors
    from the same iterate:

    .. math::

        L_{t+1} = L_t - \eta\,\nabla_L f\,(R_t^TR_t + \lambda I)^{-1}, \qquad
        R_{t+1} = R_t - \eta\,\nabla_R f\,(L_t^TL_t + \lambda I)^{-1}.

    Each preconditioner is one :math:`k \times k` Cholesky factorization and
    solve, :math:`O(nk^2 + k^3)` on top of the gradient (one forward and one
    adjoint measurement product). Completion problems use the normalized map
    :math:`P_\Omega/\sqrt p`. The rank ``k`` of the problem may exceed the true
    rank (over-parameterization): with a small start the extra directions stay
    small, and the error still goes to zero. Certificate: relative change of
    :math:`XX^T` (:math:`LR^T`); value: :math:`f`.

    Notes
    -----
    Defaults (``step=0.5``, ``damping_rel=1e-4``, ``init_scale=1e-3``) are our
    choice: the paper's theory sets :math:`\lambda` to a small constant times
    :math:`\sigma_{\min}(M^\star)` and :math:`\alpha` polynomially small; pass
    ``damping`` when :math:`\sigma_{\min}` is known.

    References
    ----------
    X. Xu, Y. Shen, Y. Chi, C. Ma, "The Power of Preconditioning in
    Overparameterized Low-Rank Matrix Sensing", ICML 2023, arXiv:2302.01186.
    T. Tong, C. Ma, Y. Chi, "Accelerating ill-conditioned low-rank matrix
    estimation via scaled gradient descent", JMLR 22, 2021.

    Examples
    --------
    >>> import optkit
    >>> from optkit.problems.lowrank import LowRankProblem
    >>> from optkit.problems.synthetic import matrix_sensing
    >>> op, y, M = matrix_sensing(15, 15, 2, kappa=10.0, m=300, seed=0, symmetric=True)
    >>> prob = LowRankProblem.sensing(op, y, rank=4, truth=M)
    >>> res = optkit.minimize(prob, method="scaled-gd", tol=1e-12)
    >>> bool(res.rel_error < 1e-8), res.U.shape
    (True, (15, 4))
    """

    name = "scaled-gd"
    aliases = ("scaledgd", "scaled-gd-lambda")
    Options = ScaledGDOptions
    summary = "ScaledGD(lambda): damped preconditioned GD from a small random start"
    reference = "Xu, Shen, Chi, Ma, ICML 2023"

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        o = self.options
        sigma = oracle.spectral_norm(seed=o.seed)
        # constants of the run, fixed here
        self._lam = o.damping if o.damping is not None else o.damping_rel * sigma
        self._eta = o.step / oracle.gain(seed=o.seed)
        return self._grad_state(self._small_start(x0, sigma), None, advanced=0)

    def step(self, state, budget):
        eta, lam = self._eta, self._lam
        x, r = state.x, state.residual
        if isinstance(x, SymmetricFactor):
            X = x.U
            G = self.oracle.grads(r, X)
            k = X.shape[1]
            new = SymmetricFactor(X - eta * cho_right_solve(G, X.T @ X + lam * np.eye(k)))
        else:
            L, R = x
            GL, GR = self.oracle.grads(r, L, R)
            eye = lam * np.eye(L.shape[1])
            new = Factors(L - eta * cho_right_solve(GL, R.T @ R + eye),
                          R - eta * cho_right_solve(GR, L.T @ L + eye))
        return self._grad_state(new, x)

    def result_fields(self, state):
        out = super().result_fields(state)
        out["damping"] = self._lam
        out["step_size"] = self._eta
        return out
