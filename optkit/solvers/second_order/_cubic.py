"""The adaptive cubic step shared by ``cubic-newton`` and ``lazy-cubic-newton``."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.solver import Solver, State
from .._linesearch import doubling_search
from ._common import cubic_step_accepted, value_test_unreliable


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
    shift: float | None = None   # M r / 2 of the last step (Cholesky route: warm start)
    route: str | None = None     # cubic-newton: the subproblem route ('auto' may switch it)
    rng: object = None           # cubic-newton: the bit-generator state of the random starts


class StateRng:
    """The random stream of a run, kept in the state as a bit-generator state.

    A step wraps its state's ``rng`` in one of these and passes it where a
    ``numpy.random.Generator`` is expected; the generator is restored only
    when something draws from it (most steps draw nothing), and
    :meth:`final` is the bit-generator state the next state carries. The
    previous state's value is never modified, so the driver's rollback is
    exact and a rerun from any state draws the same numbers.
    """

    __slots__ = ("_state", "_gen")

    def __init__(self, state):
        self._state = state
        self._gen = None

    @staticmethod
    def initial(seed: int = 0):
        """The bit-generator state of ``numpy.random.default_rng(seed)``."""
        return np.random.default_rng(seed).bit_generator.state

    def __getattr__(self, name):
        gen = self._gen
        if gen is None:
            bits = np.random.PCG64(0)
            bits.state = self._state
            gen = self._gen = np.random.Generator(bits)
        return getattr(gen, name)

    def final(self):
        return self._state if self._gen is None else self._gen.bit_generator.state


def trial_failure(max_trials: int, M: float) -> str:
    return (f"The adaptive search for the cubic regularization failed: the model "
            f"f(x + h) <= f(x) + m_M(h) did not hold after {max_trials} trials "
            f"(M = {M:.3g}). The Hessian may be wrong or not Lipschitz near the iterate, "
            f"or f non-finite; check `hess`, or raise `max_trials`.")


#: with M_update="estimate", the first trial of the next iteration is at least M / this
ESTIMATE_MAX_DECREASE = 16.0


def next_M(opts, M, f, f_new, model, r) -> float:
    r"""The first trial of M at the next iteration, after a step accepted with M.

    ``"halve"``: :math:`\max(M/2, M_{\min})` (Nesterov & Polyak 2006, Sec. 5).
    ``"estimate"``: :math:`\max(M_{\min}, M/16, \min(M/2, \hat M))` with

    .. math::

        \hat M = M - 6\,\frac{f(x_k) + m_M(h_k) - f(x_{k+1})}{\|h_k\|^3} \le M ,

    the smallest M for which the accepted step passes the value test (no new
    oracle call). When M is far above what the function needs, it falls by
    up to 16x per iteration instead of 2x. A decrease by a bounded factor
    keeps the bound on rejected trials of adaptive cubic regularization
    (Cartis, Gould & Toint 2011: the number of unsuccessful iterations is at
    most a constant times the successful ones plus a log term). Near a
    solution, where the value test is below the rounding error of f, the rule
    is ``"halve"``.
    """
    halved = max(M / 2.0, opts.M_min)
    if getattr(opts, "M_update", "halve") == "halve" or not r > 0:
        return halved
    if value_test_unreliable(-model, f) or not math.isfinite(f_new):
        return halved
    M_hat = M - 6.0 * (f + model - f_new) / r ** 3
    return max(opts.M_min, M / ESTIMATE_MAX_DECREASE, min(M / 2.0, M_hat))


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

    def _cubic_step(self, state, solve, apply_A, n_fact, lambda_min, rng=None):
        """One (adaptive) step; ``solve(M) -> CubicStep``, ``apply_A(h) -> A h``;
        ``rng``: the :class:`StateRng` ``solve`` draws from (its final state is
        carried by the new state; default: the state's, unchanged)."""
        oracle, opts = self.oracle, self.options
        x, f, g = state.x, state.fun, state.jac
        route = state.route
        M = state.M_next
        if not opts.adaptive:
            sub = solve(M)
            x_new = x + sub.h
            f_new, g_new = oracle.fun_and_grad(x_new)
            return CubicState(x=x_new, fun=f_new, jac=g_new,
                              grad_norm=float(np.linalg.norm(g_new)), M=M, M_next=M,
                              lambda_min=lambda_min, n_factorizations=n_fact, trials=1,
                              hard_case=sub.hard_case, route=route,
                              rng=state.rng if rng is None else rng.final())

        def trial(M):
            sub = solve(M)
            x_new = x + sub.h
            ok, f_new = cubic_step_accepted(oracle, x_new, f, g, apply_A(sub.h), sub.h,
                                            sub.r, M, sub.model)
            return ok, (sub, x_new, f_new)

        ok, M, (sub, x_new, f_new), trials = doubling_search(trial, M, opts.max_trials)
        if not ok:
            if not math.isfinite(f_new):
                return dataclasses.replace(state, x=x_new, fun=f_new)
            return dataclasses.replace(state, failure=trial_failure(opts.max_trials, M))
        g_new = oracle.grad(x_new)
        return CubicState(x=x_new, fun=f_new, jac=g_new, grad_norm=float(np.linalg.norm(g_new)),
                          M=M, M_next=next_M(opts, M, f, f_new, sub.model, sub.r),
                          lambda_min=lambda_min, n_factorizations=n_fact, trials=trials,
                          hard_case=sub.hard_case, route=route,
                          rng=state.rng if rng is None else rng.final())

    @staticmethod
    def _nonfinite(state, n_fact, phrase="the Hessian has non-finite entries"):
        """A state the driver rejects (status 3) when the Hessian is not finite."""
        return dataclasses.replace(state, nonfinite=phrase, n_factorizations=n_fact)

    def certificate(self, state):
        return state.grad_norm

    def result_fields(self, state):
        M, lam = state.M, state.lambda_min
        measure = max(math.sqrt(2 * state.grad_norm / M),
                      -2 * lam / M if math.isfinite(lam) else 0.0)
        return {"M": M, "lambda_min": lam, "second_order_measure": measure,
                "n_factorizations": state.n_factorizations}
