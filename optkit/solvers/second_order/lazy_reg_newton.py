r"""Gradient-regularized Newton with lazy Hessians (Doikov, Chayti & Jaggi 2023, Alg. 2)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ..._core.solver import Solver, State
from .._linesearch import doubling_search
from ._common import (AdaptiveMOptions, dense_matrix, nonfinite_phrase,
                      regularized_step_accepted)
from ._lazy import Snapshot, m_option, phase_length
from ._subproblem import eig_of

__all__ = ["LazyRegNewton", "LazyRegNewtonOptions"]


@dataclasses.dataclass(frozen=True)
class LazyRegNewtonOptions(AdaptiveMOptions):
    """Options of :class:`LazyRegNewton` (``method="lazy-reg-newton"``)."""

    m: object = m_option()
    M: float = option(None, "Regularization constant in lambda_k = sqrt(M ||g_k||) (theory: "
                      "of order m L). Required when adaptive=False; the first trial when "
                      "adaptive=True (default 1.0).", low=0.0, low_inclusive=False)
    adaptive: bool = option(True, "Double M until f(x) - f(x+h) >= ||g(x+h)||^2 / (8 lambda), "
                            "then halve it for the next iteration.", kind=bool)


@dataclasses.dataclass(kw_only=True)
class LazyRegState(State):
    grad_norm: float
    M: float
    M_next: float
    lam: float                # the regularization lambda_k of the last step
    n_factorizations: int
    snapshot: Snapshot | None = None
    trials: int = 0


@register
class LazyRegNewton(Solver):
    r"""Gradient-regularized Newton method with lazy Hessians (convex f).

    .. math::

        x_{k+1} = x_k - \big(\nabla^2 f(z) + \lambda_k I\big)^{-1} \nabla f(x_k),
        \qquad \lambda_k = \sqrt{M_k \|\nabla f(x_k)\|},

    where the snapshot :math:`z` is the last iterate with index divisible by
    ``m``. The eigendecomposition of :math:`\nabla^2 f(z)` is computed once per
    phase, so every step costs ``O(d^2)``. With ``adaptive=True`` (default)
    :math:`M_k` is doubled until
    :math:`f(x_k) - f(x_{k+1}) \ge \|\nabla f(x_{k+1})\|^2 / (8\lambda_k)`
    and halved for the next step; a shift that does not make the stale Hessian
    positive definite (nonconvex f) counts as a rejection.

    Certificate: :math:`\|\nabla f(x_k)\|`.

    Notes
    -----
    Cost per phase of ``m`` iterations: one Hessian, one ``O(d^3)``
    eigendecomposition, and per step one gradient and one function value per
    trial plus ``O(d^2)``. With ``m=1`` and ``adaptive=False`` this is the
    gradient-regularized Newton method of Mishchenko (2023) and Doikov &
    Nesterov (2024), :math:`O(1/k^2)` on convex f with Lipschitz Hessian.
    Near the solution the test above falls below the rounding error of f; it
    is then replaced by :math:`\langle \nabla f(x_{k+1}), x_k - x_{k+1}\rangle
    \ge \|\nabla f(x_{k+1})\|^2 / (4\lambda_k)`.

    References
    ----------
    N. Doikov, E. M. Chayti, M. Jaggi, "Second-order optimization with lazy
    Hessians", ICML 2023, arXiv:2212.00781 (Alg. 2).
    K. Mishchenko, "Regularized Newton method with global O(1/k^2)
    convergence", SIAM J. Optim. 33(3), 2023, arXiv:2112.02089.
    N. Doikov, Yu. Nesterov, "Gradient regularization of Newton method with
    Bregman distances", Math. Program. 204, 2024, arXiv:2112.02952.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> A = np.diag([1.0, 10.0]); b = np.array([1.0, 1.0])
    >>> res = optkit.minimize(lambda x: 0.5 * x @ A @ x - b @ x, np.zeros(2),
    ...                       method="lazy-reg-newton", jac=lambda x: A @ x - b,
    ...                       hess=lambda x: A, tol=1e-10)
    >>> res.success, np.allclose(res.x, [1.0, 0.1])
    (True, True)
    """

    name = "lazy-reg-newton"
    aliases = ("lazy-regularized-newton",)
    requires = ("fun", "grad", "hess")
    Options = LazyRegNewtonOptions
    trace_fields = ("M", "lam", "n_factorizations")
    summary = "Gradient-regularized Newton with lazy Hessians (convex)"
    reference = "Doikov, Chayti & Jaggi, ICML 2023, arXiv:2212.00781"

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        self._m = phase_length(self.options.m, x0.size)
        f, g = oracle.fun_and_grad(x0)
        M = 1.0 if self.options.M is None else float(self.options.M)
        return LazyRegState(x=x0, fun=f, jac=g, grad_norm=float(np.linalg.norm(g)), M=M,
                            M_next=M, lam=math.nan, n_factorizations=0)

    def step(self, state, budget):
        oracle, opts = self.oracle, self.options
        x, f, g = state.x, state.fun, state.jac
        snap = state.snapshot
        n_fact = state.n_factorizations
        if snap is None or snap.age >= self._m:
            raw = oracle.hess(x)
            H = dense_matrix(raw, x.size, symmetrize=opts.symmetrize)
            n_fact += 1
            if H is None:
                return dataclasses.replace(state, nonfinite=nonfinite_phrase("Hessian", raw),
                                           n_factorizations=n_fact)
            snap = Snapshot(H=H, eig=eig_of(H), age=0)
        lam_eig, Q = snap.eig.lam, snap.eig.Q
        g_hat = Q.T @ g
        gnorm = state.grad_norm
        M = state.M_next
        if not opts.adaptive:
            trial = 1
            lam = math.sqrt(M * gnorm)
            denom = lam_eig + lam
            if not np.all(denom > 0):
                return dataclasses.replace(state, failure=(
                    f"The regularized matrix H + lambda I with lambda = {lam:.3g} is not "
                    f"positive definite (lambda_min(H) = {lam_eig[0]:.3g}); the method is "
                    f"for convex f: use a larger M, adaptive=True, or cubic-newton."))
            h = Q @ (-g_hat / denom)
            x_new = x + h
        else:
            def attempt(M):
                lam = math.sqrt(M * gnorm)
                denom = lam_eig + lam
                if not np.all(denom > 0):
                    return False, None
                h = Q @ (-g_hat / denom)
                x_new = x + h
                ok, _ = regularized_step_accepted(oracle, x_new, f, np.linalg.norm, h, lam)
                return ok, (lam, x_new)

            ok, M, last, trial = doubling_search(attempt, M, opts.max_trials)
            if not ok:
                return dataclasses.replace(state, failure=(
                    f"The adaptive search for M failed after {opts.max_trials} trials "
                    f"(M = {M:.3g}); check `hess`, or raise `max_trials`."))
            lam, x_new = last
        f_new, g_new = oracle.fun_and_grad(x_new)
        return LazyRegState(x=x_new, fun=f_new, jac=g_new, grad_norm=float(np.linalg.norm(g_new)),
                            M=M, M_next=max(M / 2.0, opts.M_min) if opts.adaptive else M,
                            lam=lam, n_factorizations=n_fact,
                            snapshot=dataclasses.replace(snap, age=snap.age + 1), trials=trial)

    def certificate(self, state):
        return state.grad_norm

    def result_fields(self, state):
        return {"M": state.M, "n_factorizations": state.n_factorizations}
