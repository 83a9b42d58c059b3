r"""Working-set proximal Newton for L1 / elastic-net logistic regression
(newGLMNET: Yuan, Ho & Lin, JMLR 2012)."""

from __future__ import annotations

import dataclasses

from ..._core.options import Options, option
from ..._core.registry import register
from ._logistic_ws import LogisticWSModel
from ._ws import WorkingSetSolver

__all__ = ["ProxNewtonWS", "ProxNewtonWSOptions"]


@dataclasses.dataclass(frozen=True)
class ProxNewtonWSOptions(Options):
    """Options of :class:`ProxNewtonWS` (``method="prox-newton-ws"``)."""

    inner_tol: float = option(0.1, "The quadratic model is minimized by coordinate sweeps "
                              "until the largest scaled step is <= inner_tol * certificate "
                              "(the factor shrinks as in newGLMNET).", low=0.0,
                              low_inclusive=False)
    max_inner_sweeps: int = option(500, "Cap on the coordinate sweeps of one model.",
                                   kind=int, low=1)
    gram_max_dim: int = option(4000, "Largest working set whose Hessian X_ws'DX_ws is formed "
                               "(ski rental: once the sweeps through the columns of X have "
                               "cost as much as forming it).", kind=int, low=1)
    support_newton: bool = option(True, "On the Hessian path, alternate the model's sweeps "
                                  "with Newton steps on its support and signs (no box "
                                  "penalty only).", kind=bool)


@register
class ProxNewtonWS(WorkingSetSolver):
    r"""Working-set proximal Newton method for L1 / elastic-net logistic regression.

    For :math:`F(w) = \frac1n \sum_i \log(1 + e^{-y_i x_i^\top w}) + \sum_j
    g_j(w_j)` with a separable L1 / elastic-net (/ box) penalty
    (:class:`~optkit.problems.composite.L1LogisticRegression`, or a
    :class:`~optkit.problems.glm.LogisticRegression` smooth part, its ridge
    ``mu`` and intercept included), each iteration is one proximal Newton
    step: with :math:`D_{ii} = \sigma_i (1 - \sigma_i) / n`, cyclic
    coordinate descent minimizes the quadratic model

    .. math::

        q(d) = \nabla L^\top d + \tfrac12 d^\top (X^\top D X + \nu I) d
               + \sum_j g_j(w_j + d_j)

    over the working set (the support, the unpenalized coordinates and the
    coordinates with :math:`|\nabla_j L| > \lambda_j - M/n`, ``M`` the
    previous certificate: newGLMNET's shrinking) to ``inner_tol`` times the
    certificate, through the explicit working-set Hessian once the sweeps
    have cost as much as forming it (then with Newton steps on the model's
    support); then an Armijo line search on F along d.

    Certificate: :math:`\|w - \operatorname{prox}_g(w - \nabla L(w))\|_\infty`
    (``result.gap`` holds it too); no screening. The driver stops with status
    5 when neither F nor the certificate decreased for 10 steps.

    References
    ----------
    G.-X. Yuan, C.-H. Ho, C.-J. Lin, "An improved GLMNET for L1-regularized
    logistic regression", JMLR 13, 2012.
    J. Friedman, T. Hastie, R. Tibshirani, "Regularization paths for
    generalized linear models via coordinate descent", J. Stat. Softw. 33, 2010.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.composite import L1LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 20)); y = np.sign(X[:, 0] + 0.1)
    >>> res = optkit.minimize(L1LogisticRegression(X, y, alpha=0.05),
    ...                       method="prox-newton-ws", tol=1e-10)
    >>> res.success
    True
    """

    name = "prox-newton-ws"
    aliases = ("newglmnet", "prox-newton-working-set")
    Options = ProxNewtonWSOptions
    working_set_loss = "logistic"    # the loss this working-set method is for
    summary = "Working-set proximal Newton (newGLMNET) for L1 / elastic-net logistic regression"
    reference = "Yuan, Ho & Lin, JMLR 2012"

    form_loss = "logistic"
    Model = LogisticWSModel
    needs = ("a logistic-regression smooth part with an L1 or elastic-net penalty "
             "(L1LogisticRegression)")
    elsewhere = "For the Lasso use method='ws-lasso'; for other problems method='bcd'."

    def result_fields(self, state):
        # n_screened: no screening (0), kept for parity with ws-lasso
        return {"nnz": state.nnz, "active_set_identified_at": state.active_at,
                "gap": state.gap, "n_screened": 0}
