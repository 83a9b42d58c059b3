"""Peer methods run under optkit's accounting, so tables and plots compare
like with like: scipy.optimize.minimize methods as ``"scipy:L-BFGS-B"``.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.optimize

from .._core.oracle import CountedSmoothOracle
from .._core.result import STATUS_MESSAGES, OptimizeResult, Status, Trace
from .._core.validate import as_x0

__all__ = ["PEER_PREFIX", "is_peer", "run_scipy"]

PEER_PREFIX = "scipy:"

_SCIPY_GRADIENT_METHODS = {"l-bfgs-b", "bfgs", "cg", "newton-cg", "trust-ncg",
                           "trust-krylov", "trust-exact", "dogleg", "tnc", "slsqp",
                           "trust-constr"}
_SCIPY_HESSIAN_METHODS = {"newton-cg", "trust-ncg", "trust-krylov", "trust-exact",
                          "dogleg", "trust-constr"}


def is_peer(method: str) -> bool:
    """Whether ``method`` names a peer (``"scipy:NAME"``) rather than an optkit method."""
    return isinstance(method, str) and method.lower().startswith(PEER_PREFIX)


def run_scipy(problem, method: str, x0=None, *, tol: float = 1e-6,
              maxiter: int = 10_000, maxtime: float | None = None,
              options: dict | None = None) -> OptimizeResult:
    """Run ``scipy.optimize.minimize`` on an optkit smooth problem.

    Oracle calls go through the same counted oracle as optkit's methods, and
    the trace has the same columns (``certificate`` is the gradient norm,
    evaluated outside the counts and the timing), so the result can sit in
    :func:`optkit.experiments.compare` tables and plots.

    Parameters
    ----------
    problem : SmoothProblem
    method : str
        ``"scipy:L-BFGS-B"`` or just ``"L-BFGS-B"``.
    x0 : array_like, optional
        Defaults to ``problem.x0``.
    tol : float
        Gradient-norm tolerance; passed to scipy as ``gtol`` (and ``ftol`` is
        set to a tiny value so that scipy stops on the gradient too).
    maxiter : int
        scipy's ``maxiter``.
    maxtime : float, optional
        Seconds; checked after every iteration, the run then stops through a
        ``StopIteration`` in scipy's callback (status 2).
    options : dict, optional
        Extra scipy options.

    Returns
    -------
    OptimizeResult
        With optkit's status, counts, certificate and trace.
    """
    name = method[len(PEER_PREFIX):] if is_peer(method) else method
    key = name.lower()
    if x0 is None:
        x0 = problem.x0
    x0 = as_x0(x0)
    oracle = CountedSmoothOracle(problem, x0.size)
    opts = {"maxiter": int(maxiter)}
    if key in ("l-bfgs-b", "bfgs", "cg", "trust-ncg", "trust-krylov", "trust-exact",
               "dogleg", "trust-constr"):
        opts["gtol"] = tol
    if key == "l-bfgs-b":
        opts["ftol"] = 1e-15
        opts["maxfun"] = 100 * int(maxiter)
    opts.update(options or {})
    kwargs = {}
    if key in _SCIPY_GRADIENT_METHODS:
        kwargs["jac"] = True
    if key in _SCIPY_HESSIAN_METHODS and problem.provides("hess"):
        kwargs["hess"] = oracle.hess
    elif key in _SCIPY_HESSIAN_METHODS and problem.provides("hessp"):
        kwargs["hessp"] = oracle.hessp

    trace = Trace(("nit", "time", "fun", "certificate") + oracle.count_names)
    excluded = [0.0]          # time spent measuring, taken out of the clock
    start = time.perf_counter()

    def grad_norm(x):
        return float(np.linalg.norm(problem.grad(x)))   # uncounted: measurement only

    def record(nit, x, f):
        t = time.perf_counter()
        trace.append((nit, t - start - excluded[0], f, grad_norm(x)) + oracle.counts())
        excluded[0] += time.perf_counter() - t

    timed_out = [False]

    def callback(intermediate_result):
        record(len(trace), intermediate_result.x, float(intermediate_result.fun))
        if maxtime is not None and trace.rows[-1][1] >= maxtime:
            timed_out[0] = True
            raise StopIteration

    record(0, x0, problem.fun(x0))
    excluded[0] = time.perf_counter() - start
    res = scipy.optimize.minimize(oracle.fun_and_grad if "jac" in kwargs else oracle.fun,
                                  x0, method=name, tol=None, callback=callback,
                                  options=opts, **kwargs)
    elapsed = time.perf_counter() - start - excluded[0]
    cert = grad_norm(res.x)
    nfev, njev, nhev, nhvp = oracle.counts()
    if timed_out[0]:
        status, message = Status.MAXTIME, STATUS_MESSAGES[Status.MAXTIME]
    elif res.success and cert <= tol:
        status, message = Status.CONVERGED, STATUS_MESSAGES[Status.CONVERGED]
    elif res.success:
        # scipy stopped on its own criterion (e.g. relative f decrease) before tol
        status, message = Status.FAILURE, f"scipy: {res.message} (gradient norm {cert:.3g} > tol)"
    elif getattr(res, "nit", 0) >= maxiter:
        status, message = Status.MAXITER, f"scipy: {res.message}"
    else:
        status, message = Status.FAILURE, f"scipy: {res.message}"
    return OptimizeResult(
        x=res.x, fun=float(res.fun), jac=getattr(res, "jac", None),
        success=status == Status.CONVERGED, status=int(status), message=message,
        nit=int(getattr(res, "nit", len(trace) - 1)), nfev=nfev, njev=njev, nhev=nhev,
        nhvp=nhvp, time=elapsed, method=PEER_PREFIX + name, certificate=cert, trace=trace)
