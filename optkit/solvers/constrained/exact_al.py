r"""Exact augmented Lagrangian with exact Newton-KKT solves (``exact-al``)."""

from __future__ import annotations

import dataclasses

from ..._core.registry import register
from . import _linear
from ._common import ALOptions, ExactALBase

__all__ = ["ExactAL", "ExactALOptions"]


@dataclasses.dataclass(frozen=True)
class ExactALOptions(ALOptions):
    """Options of :class:`ExactAL` (``method="exact-al"``)."""


@register
class ExactAL(ExactALBase):
    r"""Newton-KKT steps with exact solves, line search on an exact augmented Lagrangian.

    For :math:`\min f(x)` s.t. :math:`c(x) = 0` with
    :math:`L = f + \lambda^T c`, iteration k solves

    .. math::
        \begin{bmatrix} \nabla^2_{xx} L_k + \delta_k I & J_k^T \\ J_k & 0
        \end{bmatrix}
        \begin{bmatrix}\Delta x\\ \Delta\lambda\end{bmatrix}
        = -\begin{bmatrix}\nabla_x L_k\\ c_k\end{bmatrix}

    by sparse LU (SuperLU) of the assembled matrix, or by MINRES (relative
    residual 1e-12) when the problem gives only Hessian-vector and
    Jacobian-vector products (the KKT matrix is then never formed). With
    the merit

    .. math::
        \mathcal L_{\mu,\nu} = L + \tfrac{\mu}{2}\|c\|^2
        + \tfrac{\nu}{2}\|\nabla_x L\|^2,

    the penalty :math:`\mu` is raised by factors ``mu_factor`` until
    :math:`\nabla\mathcal L_{\mu,\nu}^T\Delta \le -\eta\,\|\nabla L_k\|\,\|\Delta\|`
    (capped at ``mu_max``); if no :math:`\mu` gives descent, the Hessian
    block is regularized (:math:`\delta_k = 10^{-4}, 10^{-3}, \dots`, capped
    at ``delta_max``; the next iteration starts from :math:`\delta_k/10`).
    Then :math:`\alpha = 1, \tfrac12, \dots` until the Armijo condition
    :math:`\mathcal L_{\mu,\nu}(z_k + \alpha\Delta) \le \mathcal L_{\mu,\nu}(z_k)
    + \beta\alpha\nabla\mathcal L_{\mu,\nu}^T\Delta` holds. The certificate is
    the KKT residual :math:`\|(\nabla_x L, c)\|_2`.

    This is the deterministic-solver comparison of Hong et al. (2023); the
    randomized variant is ``exact-al-sketch``.

    Notes
    -----
    Cost per iteration: one Lagrangian Hessian (or products), one sparse LU
    of the (n + m) x (n + m) KKT matrix, and per line-search trial one f,
    gradient, c and Jacobian. LICQ is checked at x0 (dense SVD when
    m n <= 2e5, else a sparse LU of J J^T): a rank-deficient Jacobian stops the run with status 5.

    References
    ----------
    I. Hong, S. Na, M. W. Mahoney, M. Kolar, "Constrained Optimization via
    Exact Augmented Lagrangian and Randomized Iterative Sketching", ICML 2023,
    arXiv:2305.18379.
    S. Na, M. Anitescu, M. Kolar, "An adaptive stochastic sequential
    quadratic programming with differentiable exact augmented Lagrangians",
    Math. Program. 199, 2023, arXiv:2102.05320.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from scipy.optimize import NonlinearConstraint
    >>> con = NonlinearConstraint(lambda x: x @ x - 1, 0, 0, jac=lambda x: 2 * x[None],
    ...                           hess=lambda x, v: 2 * v[0] * np.eye(2))
    >>> res = optkit.minimize(lambda x: x[0] + x[1], [1.0, 0.0], jac=lambda x: np.ones(2),
    ...                       hess=lambda x: np.zeros((2, 2)), constraints=[con],
    ...                       method="exact-al")
    >>> res.success, np.allclose(res.x, -np.sqrt(0.5)), round(float(res.v[0][0]), 6)
    (True, True, 0.707107)
    """

    name = "exact-al"
    summary = "Exact augmented Lagrangian line search on Newton-KKT steps, exact (LU/MINRES) solves"
    reference = "Hong, Na, Mahoney, Kolar (ICML 2023); Na, Anitescu, Kolar (Math. Program. 2023)"
    Options = ExactALOptions

    def newton_solve(self, system, b, tol_abs, start, rng):
        return _linear.exact_solve(system, b)
