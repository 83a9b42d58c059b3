r"""Gradient method with the best polynomial preconditioner over a Krylov subspace."""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.linalg

from ..._core.options import option
from ..._core.registry import register
from ..._core.solver import Solver, State
from .._linesearch import adaptive_L, curvature_holds
from ._smoothness import LipschitzSearchOptions
from .preconditioned import MATRIX_DOC, _Preconditioned
from .preconditioners import MAX_TAU, TAU_LIMIT_MESSAGE, curvature_operator, lanczos

__all__ = ["KrylovGradientMethod", "KrylovGradientOptions"]


@dataclasses.dataclass(frozen=True)
class KrylovGradientOptions(LipschitzSearchOptions):
    """Options of :class:`KrylovGradientMethod` (``method="krylov-gm"``)."""

    tau: int = option(3, "Dimension of the Krylov subspace span{g, Bg, ..., B^(tau-1) g} "
                      "(tau products with B per iteration).", kind=int)
    matrix: object = option(None, MATRIX_DOC, kind=object)
    reorthogonalize: bool = option(True, "Full reorthogonalization in Lanczos (tau is "
                                   "small; without it the basis loses orthogonality).",
                                   kind=bool)

    def check(self):
        super().check()
        if not 1 <= self.tau <= MAX_TAU:
            raise ValueError("Option " + TAU_LIMIT_MESSAGE.format(max=MAX_TAU)
                             + f"; got {self.tau}.")



@dataclasses.dataclass(kw_only=True)
class KrylovGradientState(State):
    grad_norm: float
    L: float
    L_next: float
    subspace_dim: int = 0


@register
class KrylovGradientMethod(_Preconditioned, Solver):
    r"""Gradient method with the adaptive best polynomial over the Krylov subspace.

    At :math:`x_k`, Lanczos (full reorthogonalization) builds an orthonormal
    basis :math:`V_k` of :math:`\mathcal K_\tau = \operatorname{span}\{g, Bg,
    \dots, B^{\tau-1}g\}`, :math:`g = \nabla f(x_k)`, and the tridiagonal
    :math:`T_k = V_k^\top B V_k`; the step minimizes the upper model in
    :math:`B` over the subspace (a :math:`\tau\times\tau` solve):

    .. math::

        x_{k+1} = x_k + V_k c_k, \qquad
        c_k = \operatorname*{argmin}_c \langle g, V_k c\rangle
              + \tfrac{L_k}{2} c^\top T_k c = -\tfrac{1}{L_k} T_k^{-1} V_k^\top g ,

    with :math:`L_k` doubling until :math:`f(x_{k+1}) \le f(x_k) -
    \tfrac{1}{2L_k} g^\top V_k T_k^{-1} V_k^\top g` and halved for the next
    iteration. The symmetric-polynomial step :math:`-P_\tau g/(L\sigma_\tau)`
    lies in :math:`\mathcal K_\tau` and its model in :math:`G_\tau \succeq B`
    is above the B-model, so for the same :math:`L` this step decreases the
    model at least as much as ``pgm``'s: the best polynomial of degree
    :math:`\tau - 1` for this gradient, found without spectral information
    (it is :math:`-\tfrac1L` times the :math:`\tau`-th conjugate gradient
    iterate for :math:`Bz = g`).

    Certificate: :math:`\|\nabla f(x_k)\|`.

    Notes
    -----
    Cost per iteration: one gradient, :math:`\tau` products with B (counted
    in ``nmatvec``), :math:`O(d\tau^2)` for the orthogonalization, one value
    per trial of :math:`L_k` (the subspace does not depend on :math:`L_k`).

    References
    ----------
    N. Doikov, A. Rodomanov, "Polynomial preconditioning for gradient
    methods", ICML 2023, arXiv:2301.13194 (the adaptive Krylov variant).
    C. Lanczos, "An iteration method for the solution of the eigenvalue
    problem of linear differential and integral operators", J. Res. Nat. Bur.
    Standards 45, 1950.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.synthetic import quadratic
    >>> p = quadratic(200, kappa=1e4, kind="outliers", n_outliers=3, seed=0)
    >>> res = optkit.minimize(p, method="krylov-gm", tol=1e-8, options={"tau": 4})
    >>> res.success, bool(np.allclose(res.x, p.x_star, atol=1e-6))
    (True, True)
    """

    name = "krylov-gm"
    aliases = ("krylov-gradient", "adaptive-poly-gm")
    Options = KrylovGradientOptions
    trace_fields = ("L", "subspace_dim")
    default_maxiter = 100_000
    summary = "Gradient method with the best Krylov-subspace polynomial preconditioner"
    reference = "Doikov & Rodomanov, ICML 2023 (arXiv:2301.13194)"

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        self.B = curvature_operator(oracle.problem, x0.size, self.options.matrix, oracle, x0)
        oracle.curvature = self.B
        f, g = oracle.fun_and_grad(x0)
        L = self.options.initial_L
        return KrylovGradientState(x=x0, fun=f, jac=g, grad_norm=float(np.linalg.norm(g)),
                                   L=L, L_next=L)

    def step(self, state, budget):
        oracle, opts = self.oracle, self.options
        x, f, g = state.x, state.fun, state.jac
        V, T, _ = lanczos(self.B.matvec, g, opts.tau, reorthogonalize=opts.reorthogonalize)
        m = V.shape[1]
        if m == 0:
            return dataclasses.replace(state, failure="The gradient is zero.")
        rhs = V.T @ g
        try:
            z = scipy.linalg.solve(T, rhs, assume_a="pos")
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
            return dataclasses.replace(state, failure=(
                "The Krylov model matrix V^T B V is not positive definite: the curvature "
                "matrix B must be positive definite on the gradients."))
        w = V @ z                       # the step direction: -Delta * L
        gw = float(rhs @ z)             # <g, V T^{-1} V^T g> = ||w||_B^2
        if not gw > 0.0:
            return dataclasses.replace(state, failure=(
                "The Krylov model matrix V^T B V is not positive definite: the curvature "
                "matrix B must be positive definite on the gradients."))
        adaptive = opts.step == "adaptive"
        fun, grad = oracle.fun, oracle.grad
        if not adaptive:
            L = opts.L
            x_new = x - w / L
            f_new = fun(x_new)
        else:
            def trial(L):
                x_new = x - w / L
                return x_new, fun(x_new), f, gw / (2 * L)

            def curvature(x_new, L):
                g_new = grad(x_new)
                return g_new if curvature_holds(g_new, g, x_new - x, L, gw / (L * L)) else None

            res = adaptive_L(trial, curvature, state.L_next, opts.max_backtracks)
            if not res.ok:
                if res.failure is not None:
                    return dataclasses.replace(state, failure=res.failure)
                return dataclasses.replace(state, x=res.x, fun=res.fun)
            x_new, f_new, L = res.x, res.fun, res.L
        g_new = oracle.grad(x_new)
        return KrylovGradientState(x=x_new, fun=f_new, jac=g_new, L=L,
                                   L_next=L / 2.0 if adaptive else L, subspace_dim=m,
                                   grad_norm=float(np.linalg.norm(g_new)))

    def certificate(self, state):
        return state.grad_norm

    def result_fields(self, state):
        return {"L": state.L}
