"""The single iteration loop shared by every method.

``run`` owns what is not the algorithm: stopping on the certificate,
``maxiter`` and ``maxtime``; the callback (both of scipy's forms) and
``StopIteration``; the non-finite guard; the trace; the progress bar; and the
result. Solvers only supply ``init``, ``step`` and ``certificate``.
"""

from __future__ import annotations

import inspect
import math
import operator
import time

import numpy as np

from . import iterate
from .options import DriverOptions
from .result import STATUS_MESSAGES, OptimizeResult, Status, Trace
from .solver import Solver, State

__all__ = ["run", "wrap_callback"]

_COMMON_COLUMNS = ("nit", "time", "fun", "certificate")


def wrap_callback(callback):
    """Return ``(call, wants_result)`` for a user callback.

    As scipy does, a callback whose only parameter is named
    ``intermediate_result`` receives an :class:`OptimizeResult`; any other
    callback is the legacy form and receives a copy of ``x``.
    """
    if callback is None:
        return None, False
    if not callable(callback):
        raise TypeError(f"`callback` must be callable, got {type(callback).__name__}.")
    try:
        params = set(inspect.signature(callback).parameters)
    except (TypeError, ValueError):
        params = set()
    return callback, params == {"intermediate_result"}


def _is_finite_state(state: State, cert: float) -> str | None:
    """None when the state is finite, else a phrase saying what is not."""
    named = getattr(state, "nonfinite", None)
    if named is not None:
        return named
    if not math.isfinite(state.fun):
        return f"f = {state.fun}"
    if not iterate.all_finite(state.x):
        return "x has non-finite entries"
    if not math.isfinite(cert):
        jac = getattr(state, "jac", None)
        if (isinstance(jac, np.ndarray) and jac.dtype.kind in "fc"
                and not np.all(np.isfinite(jac))):
            return f"the gradient has {_what_nonfinite(jac)} entries"
        return f"certificate = {cert}"
    return None


def _what_nonfinite(a) -> str:
    """'NaN', 'inf' or 'NaN and inf': what the non-finite entries of ``a`` are."""
    a = np.asarray(a)
    kinds = [k for k, bad in (("NaN", np.isnan(a).any()), ("inf", np.isinf(a).any())) if bad]
    return " and ".join(kinds) or "non-finite"


class _Progress:
    """A tqdm bar refreshed at most every 0.2 s (formatting is not free)."""

    def __init__(self, method: str, maxiter: int):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=maxiter, desc=method, leave=False)
        self.shown = 0
        self.last = 0.0

    def update(self, nit, fun, cert, now, force=False):
        if force or now - self.last > 0.2:
            self.bar.update(nit - self.shown)
            self.shown = nit
            self.bar.set_postfix(f=f"{fun:.6g}", cert=f"{cert:.3g}", refresh=True)
            self.last = now

    def close(self):
        self.bar.close()


def run(solver: Solver, problem, x0: np.ndarray, *, tol: float,
        driver_options: DriverOptions, callback=None) -> OptimizeResult:
    """Run ``solver`` on ``problem`` from ``x0`` and return the result.

    Parameters
    ----------
    solver : Solver
        A solver instance carrying its validated options.
    problem : Problem
        The problem (already checked against the solver's family/needs).
    x0 : ndarray or structured iterate
        Starting point (validated, owned by the driver: never the user's array).
    tol : float
        Stop when ``solver.certificate(state) <= tol``.
    driver_options : DriverOptions
        ``maxiter``, ``maxtime``, ``progress``, ``record_every``, ``trace``.
    callback : callable, optional
        ``callback(intermediate_result)`` or legacy ``callback(xk)``;
        raising ``StopIteration`` stops the run with status 4.
    """
    maxiter = driver_options.maxiter
    if maxiter is None:
        maxiter = solver.default_maxiter
    maxtime = driver_options.maxtime
    every = driver_options.record_every
    call, wants_result = wrap_callback(callback)

    oracle = solver.make_oracle(problem, iterate.size(x0))
    extras = solver.trace_fields
    trace = Trace(_COMMON_COLUMNS + oracle.count_names + extras, record_every=every)
    recording = driver_options.trace
    counts = oracle.counts

    rows = trace.rows
    if not extras:
        def record(nit, elapsed, st, cert):
            rows.append((nit, elapsed, st.fun, cert, *counts()))
    elif len(extras) == 1:
        field = extras[0]

        def record(nit, elapsed, st, cert):
            rows.append((nit, elapsed, st.fun, cert, *counts(), getattr(st, field)))
    else:
        get_extras = operator.attrgetter(*extras)

        def record(nit, elapsed, st, cert):
            rows.append((nit, elapsed, st.fun, cert, *counts(), *get_extras(st)))

    progress = _Progress(solver.name, maxiter) if driver_options.progress else None
    # budgets: methods that advance one iteration per step skip the call
    blocked = type(solver).block_size is not Solver.block_size
    stall_window = solver.stall_window()
    stalls = 0
    start = time.perf_counter()
    state = solver.init(oracle, x0, tol)
    cert = solver.certificate(state)
    nit = 0
    elapsed = time.perf_counter() - start
    if recording:
        record(0, elapsed, state, cert)
    last_recorded = 0
    detail = ""

    bad = _is_finite_state(state, cert)
    if bad is not None:
        status = Status.NONFINITE
        detail = f" At x0: {bad}."
    elif state.failure is not None:
        status, detail = Status.FAILURE, f" {state.failure}"
    elif cert <= tol:
        status = Status.CONVERGED
    else:
        status = None

    try:
        while status is None:
            if nit >= maxiter:
                status = Status.MAXITER
                break
            if elapsed >= maxtime:
                status = Status.MAXTIME
                break
            previous, previous_cert = state, cert
            budget = min(solver.block_size(state), maxiter - nit) if blocked else 1
            state = solver.step(state, budget)
            if not 1 <= state.advanced <= budget:
                raise RuntimeError(
                    f"{solver.name}: step advanced {state.advanced} iterations with a "
                    f"budget of {budget} (a bug in the method).")
            nit += state.advanced
            cert = solver.certificate(state)
            elapsed = time.perf_counter() - start
            if state.failure is not None:
                # the failed iteration did not complete: keep the last one that did
                status, detail = Status.FAILURE, f" At iteration {nit}: {state.failure}"
                nit -= state.advanced
                state, cert = previous, previous_cert
                break
            bad = _is_finite_state(state, cert)
            if bad is not None:
                status = Status.NONFINITE
                detail = f" At iteration {nit}: {bad}."
                nit -= state.advanced
                state, cert = previous, previous_cert
                break
            if stall_window is not None:
                stalls = stalls + 1 if (cert >= previous_cert
                                        and state.fun >= previous.fun) else 0
                if stalls >= stall_window:
                    status = Status.FAILURE
                    detail = (f" At iteration {nit}: neither F nor the certificate has "
                              f"decreased for {stall_window} iterations: the certificate is "
                              f"at its rounding floor ({previous_cert:.2e}); use a larger tol")
                    nit -= state.advanced
                    state, cert = previous, previous_cert
                    break
            if recording and nit % every == 0:
                record(nit, elapsed, state, cert)
                last_recorded = nit
            if progress is not None:
                progress.update(nit, state.fun, cert, elapsed)
            if call is not None:
                try:
                    if wants_result:
                        call(intermediate_result=_intermediate(state, nit, cert, oracle))
                    else:
                        call(np.copy(iterate.flat(state.x)))
                except StopIteration:
                    status = Status.CALLBACK
                    break
            if cert <= tol:
                status = Status.CONVERGED
    finally:
        if progress is not None:
            progress.update(nit, state.fun, cert, elapsed, force=True)
            progress.close()

    elapsed = time.perf_counter() - start
    if recording and last_recorded != nit:
        record(nit, elapsed, state, cert)

    result = OptimizeResult(
        **iterate.result_fields(state.x), fun=state.fun, jac=state.jac,
        success=status == Status.CONVERGED, status=int(status),
        message=STATUS_MESSAGES[status] + detail,
        nit=nit, time=elapsed, method=solver.name, certificate=cert,
        trace=trace, **oracle.count_dict(),
    )
    result.update(solver.result_fields(state))
    return result


def _intermediate(state: State, nit: int, cert: float, oracle) -> OptimizeResult:
    return OptimizeResult(**iterate.result_fields(iterate.copy(state.x)), fun=state.fun,
                          nit=nit, certificate=cert, jac=state.jac, **oracle.count_dict())
