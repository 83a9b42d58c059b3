"""The adaptive cubic step shared by ``cubic-newton`` and ``lazy-cubic-newton``."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.solver import Solver, State
from ._common import cubic_step_accepted


@dataclasses.dataclass(kw_only=True)
class CubicState(State):
    grad_norm: float
    M: float                 # the regularization the last step was taken with
    M_next: float            # the first trial of the next step
    lambda_min: float        # smallest eigenvalue of the last Hessian (Ritz value for Krylov)
    n_factorizations: int    # eigendecompositions (or Lanczos runs) so far
    trials: int = 0          # subproblem solves in the last step
    hard_case: bool = False
    current: object = None   # (H, eig) at x when already computed (second-order certificate)


def trial_failure(max_trials: int, M: float) -> str:
    return (f"The adaptive search for the cubic regularization failed: the model "
            f"f(x + h) <= f(x) + m_M(h) did not hold after {max_trials} trials "
            f"(M = {M:.3g}). The Hessian may be wrong or not Lipschitz near the iterate, "
            f"or f non-finite; check `hess`, or raise `max_trials`.")


class CubicFamily(Solver):
    """Shared state handling, certificate and adaptive loop (not registered)."""

    certificate_name = "grad_norm"
    trace_fields = ("M", "lambda_min", "n_factorizations")
    requires = ("fun", "grad", "hess")
    default_tol = 1e-6
    default_maxiter = 10_000

    def _first_M(self):
        opts = self.options
        return 1.0 if opts.M is None else float(opts.M)

    def _initial_state(self, oracle, x0):
        f, g = oracle.fun_and_grad(x0)
        M = self._first_M()
        return CubicState(x=x0, fun=f, jac=g, grad_norm=float(np.linalg.norm(g)), M=M,
                          M_next=M, lambda_min=math.nan, n_factorizations=0)

    def _cubic_step(self, state, solve, apply_A, n_fact, lambda_min):
        """One (adaptive) step; ``solve(M) -> CubicStep``, ``apply_A(h) -> A h``."""
        oracle, opts = self.oracle, self.options
        x, f, g = state.x, state.fun, state.jac
        M = state.M_next
        if not opts.adaptive:
            sub = solve(M)
            x_new = x + sub.h
            f_new, g_new = oracle.fun_and_grad(x_new)
            return CubicState(x=x_new, fun=f_new, jac=g_new,
                              grad_norm=float(np.linalg.norm(g_new)), M=M, M_next=M,
                              lambda_min=lambda_min, n_factorizations=n_fact, trials=1,
                              hard_case=sub.hard_case)
        for trial in range(1, opts.max_trials + 1):
            sub = solve(M)
            x_new = x + sub.h
            ok, f_new = cubic_step_accepted(oracle, x_new, f, g, apply_A(sub.h), sub.h,
                                            sub.r, M, sub.model)
            if ok:
                break
            M *= 2.0
        else:
            if not math.isfinite(f_new):
                return dataclasses.replace(state, x=x_new, fun=f_new)
            return dataclasses.replace(state, failure=trial_failure(opts.max_trials, M))
        g_new = oracle.grad(x_new)
        return CubicState(x=x_new, fun=f_new, jac=g_new, grad_norm=float(np.linalg.norm(g_new)),
                          M=M, M_next=max(M / 2.0, opts.M_min), lambda_min=lambda_min,
                          n_factorizations=n_fact, trials=trial, hard_case=sub.hard_case)

    @staticmethod
    def _nonfinite(state, n_fact):
        """A state the driver rejects (status 3) when the Hessian is not finite."""
        return dataclasses.replace(state, grad_norm=math.nan, n_factorizations=n_fact)

    def certificate(self, state):
        return state.grad_norm

    def result_fields(self, state):
        M, lam = state.M, state.lambda_min
        measure = max(math.sqrt(2 * state.grad_norm / M),
                      -2 * lam / M if math.isfinite(lam) else 0.0)
        return {"M": M, "lambda_min": lam, "second_order_measure": measure,
                "n_factorizations": state.n_factorizations}
