r"""GM and FGM in a polynomial-preconditioned metric (Doikov & Rodomanov 2023).

``pgm`` and ``pfgm`` are :class:`~.gradient.GradientMethod` and
:class:`~.fast_gradient.FastGradientMethod` themselves: the subclasses only
declare the preconditioner options, the ``nmatvec`` count, and build the
metric (:mod:`.preconditioners`) that the one implementation of each method
uses. With ``preconditioner="identity"`` they reproduce ``gm`` / ``fgm``
iterate for iterate.
"""

from __future__ import annotations

import dataclasses

from ..._core.options import Options, option
from ..._core.registry import register
from .fast_gradient import FastGradientMethod, FastGradientOptions
from .gradient import GradientMethod, GradientMethodOptions
from .preconditioners import (MAX_TAU, TAU_LIMIT_MESSAGE, PreconditionedOracle, check_bounds,
                              curvature_operator, make_preconditioner)

__all__ = ["PreconditionerOptions", "PreconditionedGradientMethod",
           "PreconditionedGradientOptions", "PreconditionedFastGradientMethod",
           "PreconditionedFastGradientOptions"]


MATRIX_DOC = ("The curvature matrix B: None (the problem's data: X^T X / n + mu I for "
              "LeastSquares / LogisticRegression, A for a QuadraticProblem; otherwise the "
              "Hessian at x0), 'data', 'hessian', or a (dim, dim) ndarray / sparse matrix / "
              "LinearOperator.")


@dataclasses.dataclass(frozen=True)
class PreconditionerOptions(Options):
    """Options of the polynomial preconditioner (shared by pgm, pfgm)."""

    tau: int = option(3, "Degree + 1 of the polynomial preconditioner (tau - 1 products with B "
                      "per preconditioned gradient); 1 gives the trace-scaled identity "
                      "(symmetric) or a scaled identity (chebyshev).", kind=int)
    preconditioner: object = option(
        "symmetric", "'symmetric' (Doikov-Rodomanov P_tau from power traces of B), "
        "'chebyshev' (Chebyshev polynomial on the spectrum bounds), 'identity' (GM/FGM), or an "
        "object with apply(v) -> P v, a `scale` s with P B <= s I, and optionally setup(B).",
        kind=object)
    matrix: object = option(None, MATRIX_DOC, kind=object)
    traces: str = option("auto", "Power traces tr(B^j) for 'symmetric': 'exact' (dense B, "
                         "default up to dim 2000) or 'hutchinson' (random probes, counted "
                         "products).", kind=str, choices=("auto", "exact", "hutchinson"))
    n_probes: int = option(30, "Hutchinson probes per trace.", kind=int, low=1)
    bounds: object = option(None, "(lower, upper) spectrum bounds of B for 'chebyshev', "
                            "0 < lower < upper; None: Lanczos estimates.", kind=object)
    seed: int = option(0, "Seed of the Hutchinson probes and of the Lanczos start.", kind=int)

    def check(self):
        super().check()
        if not 1 <= self.tau <= MAX_TAU:
            raise ValueError("Option " + TAU_LIMIT_MESSAGE.format(max=MAX_TAU)
                             + f"; got {self.tau}.")
        if isinstance(self.preconditioner, str) and self.preconditioner not in (
                "symmetric", "chebyshev", "identity"):
            raise ValueError("Option `preconditioner` must be 'symmetric', 'chebyshev', "
                             f"'identity' or an object; got {self.preconditioner!r}.")
        check_bounds(self.bounds)

    @property
    def is_identity(self) -> bool:
        return isinstance(self.preconditioner, str) and self.preconditioner == "identity"


class _Preconditioned:
    """The part pgm and pfgm add to GM and FGM: the oracle with ``nmatvec``
    and the metric built from the options."""

    requires = ("fun", "grad", "hessp")

    def make_oracle(self, problem, dim):
        return PreconditionedOracle(problem, dim)

    def make_metric(self, oracle, x0):
        opts = self.options
        metric = make_preconditioner(opts.preconditioner, opts.tau, traces=opts.traces,
                                     n_probes=opts.n_probes, seed=opts.seed, bounds=opts.bounds)
        if metric.is_identity:
            return metric
        B = curvature_operator(oracle.problem, x0.size, opts.matrix, oracle, x0)
        oracle.curvature = B
        metric.setup(B)
        return metric


@dataclasses.dataclass(frozen=True)
class PreconditionedGradientOptions(GradientMethodOptions, PreconditionerOptions):
    """Options of :class:`PreconditionedGradientMethod` (``method="pgm"``)."""


@register
class PreconditionedGradientMethod(_Preconditioned, GradientMethod):
    r"""Preconditioned gradient method (PGM): GM in the metric of a polynomial preconditioner.

    With :math:`P = p(B)` a polynomial of the curvature matrix :math:`B`
    and :math:`s` its scale (:math:`PB \preceq sI`), the metric is
    :math:`G = sP^{-1} \succeq B` and

    .. math::

        x_{k+1} = x_k - \frac{1}{L_k s} P \nabla f(x_k), \qquad
        f(x_{k+1}) \le f(x_k) - \frac{1}{2 L_k s}\langle \nabla f(x_k),
        P\nabla f(x_k)\rangle ,

    the adaptive search on :math:`L_k` (relative smoothness with respect to
    :math:`G`) being the one of ``gm``. The default preconditioner is Doikov
    and Rodomanov's :math:`P_\tau = \sum_{i<\tau} (-1)^i
    \sigma_{\tau-1-i}(B) B^i`, :math:`s = \sigma_\tau(B)` (B scaled to unit
    trace), for which the rate depends on
    :math:`\kappa_\tau = \sum_{i\ge\tau}\lambda_i(B)/\lambda_{\min}(B)`
    instead of :math:`\lambda_{\max}/\lambda_{\min}`: the top
    :math:`\tau - 1` eigenvalues are cut out.

    Certificate: :math:`\|\nabla f(x_k)\|` (Euclidean).

    Notes
    -----
    Cost per iteration: one gradient, :math:`\tau - 1` products with
    :math:`B` (counted in ``nmatvec``; each is a product with the data matrix
    and one with its transpose), one value per trial of :math:`L_k`. Setup:
    the power traces :math:`\operatorname{tr}B^j, j \le \tau` (dense
    :math:`O(\tau d^3)` for ``dim <= 2000``, else Hutchinson estimates).
    ``requires`` lists ``hessp`` only for problems without data, whose B is
    the Hessian at ``x0``.

    References
    ----------
    N. Doikov, A. Rodomanov, "Polynomial preconditioning for gradient
    methods", ICML 2023, arXiv:2301.13194.
    Yu. Nesterov, "Gradient methods for minimizing composite functions",
    Math. Program. 140, 2013 (the adaptive L).

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.synthetic import quadratic
    >>> p = quadratic(200, kappa=1e4, kind="outliers", n_outliers=3, seed=0)
    >>> res = optkit.minimize(p, method="pgm", tol=1e-8, options={"tau": 4})
    >>> res.success, bool(np.allclose(res.x, p.x_star, atol=1e-6))
    (True, True)
    """

    name = "pgm"
    aliases = ("preconditioned-gradient", "poly-gm")
    Options = PreconditionedGradientOptions
    summary = "Gradient method with a polynomial (symmetric/Chebyshev) preconditioner"
    reference = "Doikov & Rodomanov, ICML 2023 (arXiv:2301.13194)"


@dataclasses.dataclass(frozen=True)
class PreconditionedFastGradientOptions(FastGradientOptions, PreconditionerOptions):
    """Options of :class:`PreconditionedFastGradientMethod` (``method="pfgm"``)."""

    def check(self):
        super().check()
        if self.mu > 0 and not self.is_identity:
            raise ValueError(
                "Option `mu` must be 0 with a polynomial preconditioner: the strongly convex "
                "variant needs distances in the metric G = s P^{-1}, which is only available "
                "along gradient steps; the default gradient restarts give the linear rate.")


@register
class PreconditionedFastGradientMethod(_Preconditioned, FastGradientMethod):
    r"""Preconditioned fast gradient method (PFGM): FGM in a polynomial metric.

    Nesterov's method of similar triangles in the metric
    :math:`G = sP^{-1}` (:math:`P = p(B)`, :math:`PB \preceq sI`): with
    :math:`L_k a_{k+1}^2 = A_{k+1} = A_k + a_{k+1}`,

    .. math::

        y_k &= (A_k x_k + a_{k+1} v_k) / A_{k+1} \\
        v_{k+1} &= v_k - \frac{a_{k+1}}{s} P \nabla f(y_k) \\
        x_{k+1} &= (A_k x_k + a_{k+1} v_{k+1}) / A_{k+1}
                 = y_k - \frac{1}{L_k s} P \nabla f(y_k),

    :math:`L_k` doubling until :math:`f(x_{k+1}) \le f(y_k) -
    \langle \nabla f(y_k), P \nabla f(y_k)\rangle / (2 L_k s)`, and the
    restarts of ``fgm``. The rate depends on :math:`\sqrt{\kappa_\tau}`
    (see ``pgm``) instead of :math:`\sqrt{\kappa}`.

    Certificate: :math:`\|\nabla f(x_k)\|`.

    Notes
    -----
    Cost per iteration: as ``fgm`` plus :math:`\tau - 1` products with B per
    trial of :math:`L_k` (the point :math:`y_k` moves with :math:`L_k`).
    Only ``mu = 0`` with a non-identity preconditioner (restarts give the
    linear rate).

    References
    ----------
    N. Doikov, A. Rodomanov, "Polynomial preconditioning for gradient
    methods", ICML 2023, arXiv:2301.13194.
    Yu. Nesterov, *Lectures on Convex Optimization*, Springer, 2018, §2.2.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.synthetic import quadratic
    >>> p = quadratic(200, kappa=1e4, kind="outliers", n_outliers=3, seed=0)
    >>> res = optkit.minimize(p, method="pfgm", tol=1e-8, options={"tau": 4})
    >>> res.success, bool(np.allclose(res.x, p.x_star, atol=1e-6))
    (True, True)
    """

    name = "pfgm"
    aliases = ("preconditioned-fast-gradient", "poly-fgm")
    Options = PreconditionedFastGradientOptions
    summary = "Fast gradient method with a polynomial (symmetric/Chebyshev) preconditioner"
    reference = "Doikov & Rodomanov, ICML 2023 (arXiv:2301.13194)"
