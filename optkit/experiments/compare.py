"""Run several methods on one problem and draw their convergence curves."""

from __future__ import annotations

import numpy as np

from .._core.result import OptimizeResult
from .peers import is_peer, run_scipy

__all__ = ["compare", "plot", "best_fun"]

_X_AXES = ("nit", "time", "nfev", "njev", "nhev", "nhvp")
_Y_AXES = ("fun_gap", "certificate", "fun")


def compare(problem, methods, *, x0=None, tol=None, options=None, callback=None,
            maxiter=None, warmup: bool = False) -> dict[str, OptimizeResult]:
    """Run every method on ``problem`` with the same settings.

    Parameters
    ----------
    problem : Problem
        Any optkit problem.
    methods : sequence of str or dict
        Method names (optkit names or peers such as ``"scipy:L-BFGS-B"``), or
        a dict ``{label: (method, method_options)}`` to run one method with
        several settings.
    x0, tol, callback
        Passed to :func:`optkit.minimize` for each method.
    options : dict, optional
        Options given to every optkit method (e.g. ``maxtime``).
    maxiter : int, optional
        Iteration cap for every method (optkit and peers).
    warmup : bool, default False
        Run every method for two iterations first, untimed, so that one-off
        costs (imports, caches, JIT compilation) stay out of the timings.

    Returns
    -------
    dict
        ``{label: OptimizeResult}`` in the order given.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.experiments import compare
    >>> p = optkit.SmoothProblem(lambda x: 0.5 * x @ x, lambda x: x, x0=np.ones(3))
    >>> res = compare(p, ["gm", "fgm", "scipy:L-BFGS-B"], tol=1e-8)
    >>> sorted(res)
    ['fgm', 'gm', 'scipy:L-BFGS-B']
    """
    if isinstance(methods, str):
        methods = [methods]
    if isinstance(methods, dict):
        runs = [(label, spec[0], spec[1] if len(spec) > 1 else None)
                for label, spec in methods.items()]
    else:
        runs = [(m, m, None) for m in methods]
    common = dict(options or {})
    if warmup:
        for _, method, method_options in runs:
            _run_one(problem, method, method_options, x0, tol, None, common, maxiter=2)
    return {label: _run_one(problem, method, method_options, x0, tol, callback, common, maxiter)
            for label, method, method_options in runs}


def _run_one(problem, method, method_options, x0, tol, callback, common, maxiter):
    from ..minimize import minimize

    if is_peer(method):
        return run_scipy(problem, method, x0, tol=tol or 1e-6, maxiter=maxiter or 10_000,
                         options=method_options)
    options = {**common, **(method_options or {})}
    if maxiter is not None:
        options["maxiter"] = maxiter
    return minimize(problem, x0, method, tol=tol, callback=callback, options=options)


def best_fun(results) -> float:
    """The smallest objective value found by any run (a stand-in for f*).

    Parameters
    ----------
    results : dict or sequence of OptimizeResult
        Runs on the same problem.

    Returns
    -------
    float
        The minimum over every run's trace and final value.
    """
    values = [np.nanmin(r.trace["fun"]) for r in _as_dict(results).values() if len(r.trace)]
    values += [r.fun for r in _as_dict(results).values()]
    return float(np.nanmin(values))


def _as_dict(results) -> dict:
    if isinstance(results, dict):
        return results
    return {r.method: r for r in results}


def plot(results, x: str = "nit", y: str = "fun_gap", *, f_star: float | None = None,
         ax=None, title: str | None = None):
    """Log-scale convergence curves of several runs.

    Parameters
    ----------
    results : dict or sequence of OptimizeResult
        As returned by :func:`compare` (labels are the dict keys, or the
        method names for a sequence).
    x : {"nit", "time", "nfev", "njev", "nhev", "nhvp"}
        Horizontal axis: iterations, seconds or oracle calls.
    y : {"fun_gap", "certificate", "fun"}
        ``fun_gap`` plots f - f*; ``f_star`` defaults to the best value found
        by any run (non-positive gaps are left out of the log plot).
    f_star : float, optional
        The optimal value when known.
    ax : matplotlib Axes, optional
        Draw there; a new figure otherwise.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if x not in _X_AXES:
        raise ValueError(f"`x` must be one of {_X_AXES}, got {x!r}.")
    if y not in _Y_AXES:
        raise ValueError(f"`y` must be one of {_Y_AXES}, got {y!r}.")
    results = _as_dict(results)
    if not results:
        raise ValueError("`results` is empty: nothing to plot.")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.4, 4.4))
    if y == "fun_gap" and f_star is None:
        f_star = best_fun(results)
    for label, res in results.items():
        trace = res.trace
        if x not in trace.columns:
            continue
        xs = trace[x]
        if y == "fun_gap":
            gap = trace["fun"] - f_star
            ys = np.where(gap > 0, gap, np.nan)   # log scale: zero gaps are not drawn
        else:
            ys = trace[y]
        ax.plot(xs, ys, label=label, lw=1.5)
    ax.set_yscale("log")
    ax.set_xlabel({"nit": "iterations", "time": "time (s)", "nfev": "function evaluations",
                   "njev": "gradient evaluations", "nhev": "Hessian evaluations",
                   "nhvp": "Hessian-vector products"}[x])
    ax.set_ylabel({"fun_gap": "f(x) - f*", "certificate": "certificate", "fun": "f(x)"}[y])
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return ax
