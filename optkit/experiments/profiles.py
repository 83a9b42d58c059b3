r"""Performance and data profiles of a benchmark table.

Both profiles summarize a table of runs (:func:`~optkit.experiments.run_suite`,
or any rows with the same columns) over a set of problems :math:`P` and
solvers :math:`S`. Write :math:`t_{p,s}` for the cost (a *measure*: seconds,
iterations or oracle calls) that solver :math:`s` needed to solve problem
:math:`p`, and :math:`t_{p,s} = \infty` when it did not solve it.

**Performance profile** (Dolan and Moré [1]_). The performance ratio

.. math:: r_{p,s} = \frac{t_{p,s}}{\min_{s' \in S} t_{p,s'}}

compares a solver with the best one on each problem, and

.. math:: \rho_s(\tau) = \frac{1}{|P|}\,\bigl|\{p \in P : r_{p,s} \le \tau\}\bigr|,
   \qquad \tau \ge 1,

is the fraction of problems solver :math:`s` solves within a factor
:math:`\tau` of the best. :math:`\rho_s(1)` is the fraction on which
:math:`s` is the fastest; :math:`\lim_{\tau\to\infty} \rho_s(\tau)` the
fraction it solves at all.

**Data profile** (Moré and Wild [2]_). With :math:`n_p` the dimension of
problem :math:`p`, the cost is counted in "simplex gradients",
:math:`n_p + 1` units (the evaluations a forward-difference gradient needs):

.. math:: d_s(\kappa) = \frac{1}{|P|}\,
   \Bigl|\Bigl\{p \in P : \frac{t_{p,s}}{n_p + 1} \le \kappa\Bigr\}\Bigr|,
   \qquad \kappa \ge 0,

the fraction of problems solved within a budget of :math:`\kappa` units.

When is a problem solved
------------------------
``criterion="status"`` (default): the run's status is 0, i.e. the method's
certificate (gradient norm for smooth problems) reached ``tol``; the cost is
the measure at the end of the run.

``criterion="fun"``: Moré and Wild's convergence test on the objective,

.. math:: f(x) \le f_L + \tau_f\,\bigl(f(x_0) - f_L\bigr),

with :math:`f_L` the smallest value any solver found on that problem and
:math:`\tau_f` = ``fun_tol``. The cost is the measure at the first recorded
iteration of the trace that passes the test, so it needs the traces (kept
in memory by :func:`run_suite`, written by ``SuiteTable.traces_to_csv``);
with ``record_every > 1`` the cost is rounded up to a recorded iteration.

Both profiles only count what each solver did: a missing run counts as a
failure. Counts (``nit, nfev, ...``) are taken as at least 1 in the
performance ratio, so that a run that needed no iteration gives a finite
ratio.

References
----------
.. [1] E. D. Dolan and J. J. Moré, "Benchmarking optimization software with
   performance profiles", Mathematical Programming 91(2), 201-213, 2002.
.. [2] J. J. Moré and S. M. Wild, "Benchmarking derivative-free optimization
   algorithms", SIAM Journal on Optimization 20(1), 172-191, 2009.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Profile", "performance_profile", "data_profile", "plot_performance_profile",
           "plot_data_profile", "MEASURES"]

#: Measures a profile can use (columns of the table and of the traces).
MEASURES = ("time", "nit", "nfev", "njev", "nhev", "nhvp")
_COUNTS = ("nit", "nfev", "njev", "nhev", "nhvp")
_CRITERIA = ("status", "fun")
_LABELS = {"time": "time", "nit": "iterations", "nfev": "function evaluations",
           "njev": "gradient evaluations", "nhev": "Hessian evaluations",
           "nhvp": "Hessian-vector products"}


@dataclass(frozen=True)
class Profile:
    r"""The numbers of a performance or data profile.

    Attributes
    ----------
    kind : {"performance", "data"}
    measure : str
        The cost measure (``"time"``, ``"nfev"``...).
    criterion : {"status", "fun"}
        How a run counts as solved (see :mod:`optkit.experiments.profiles`).
    x : ndarray
        The abscissae: :math:`\tau` (performance) or :math:`\kappa` (data).
    curves : dict
        ``{solver: ndarray like x}``, the fraction of problems
        :math:`\rho_s(\tau)` or :math:`d_s(\kappa)`.
    values : dict
        ``{solver: ndarray over problems}``: the ratios :math:`r_{p,s}`
        (performance) or the costs :math:`t_{p,s}/(n_p+1)` (data), ``inf``
        where the problem was not solved.
    problems : tuple of str
    solvers : tuple of str
    """

    kind: str
    measure: str
    criterion: str
    x: np.ndarray
    curves: dict
    values: dict
    problems: tuple
    solvers: tuple
    normalized: bool = field(default=True)

    def fraction(self, solver: str, at) -> np.ndarray:
        """The curve of ``solver`` evaluated at ``at`` (a scalar or array)."""
        if solver not in self.values:
            raise KeyError(f"No solver {solver!r}; the solvers are {list(self.solvers)}.")
        at = np.asarray(at, dtype=float)
        v = self.values[solver]
        return (v[None, :] <= at.reshape(-1, 1)).mean(axis=1).reshape(at.shape)


# ---------------------------------------------------------------------------
# Reading a table
# ---------------------------------------------------------------------------
def _records(table):
    """``[(row, trace or None)]`` from a SuiteTable or an iterable of dict rows."""
    from .suite import SuiteTable

    if isinstance(table, SuiteTable):
        return [(r, table.traces.get((r["problem"], r["method"]))) for r in table.rows]
    if isinstance(table, dict) or isinstance(table, (str, bytes)):
        raise TypeError("`table` must be a SuiteTable or a list of dict rows "
                        "(read a CSV file with SuiteTable.read_csv).")
    out = []
    for r in table:
        if not isinstance(r, dict):
            raise TypeError(f"`table` rows must be dicts, got {type(r).__name__}.")
        trace = r.get("trace")
        if trace is not None and not isinstance(trace, dict):
            trace = {c: trace[c] for c in trace.columns}       # an optkit Trace
        out.append((r, trace))
    return out


def _num(v, default=math.nan) -> float:
    if v is None or v == "":
        return default
    return float(v)


def _check_measure(measure):
    if measure not in MEASURES:
        raise ValueError(f"Unknown `measure` {measure!r}; valid measures: "
                         f"{', '.join(MEASURES)}.")


def _costs(table, measure, criterion, fun_tol):
    """Problems, solvers, costs ``T`` (problems x solvers, inf = unsolved), dimensions."""
    _check_measure(measure)
    if criterion not in _CRITERIA:
        raise ValueError(f"`criterion` must be one of {_CRITERIA}, got {criterion!r}.")
    records = _records(table)
    if not records:
        raise ValueError("`table` is empty: there is no run to profile.")
    for key in ("problem", "method", "status"):
        missing = [r for r, _ in records if key not in r]
        if missing:
            raise ValueError(f"`table` rows need a {key!r} column.")
    problems = list(dict.fromkeys(str(r["problem"]) for r, _ in records))
    solvers = list(dict.fromkeys(str(r["method"]) for r, _ in records))
    pi = {p: i for i, p in enumerate(problems)}
    si = {s: j for j, s in enumerate(solvers)}
    T = np.full((len(problems), len(solvers)), np.inf)
    dims = np.full(len(problems), np.nan)
    seen = set()
    for r, _ in records:
        key = (str(r["problem"]), str(r["method"]))
        if key in seen:
            raise ValueError(f"`table` has two runs of {key[1]!r} on {key[0]!r}.")
        seen.add(key)
        n = _num(r.get("n"))
        if math.isfinite(n):
            dims[pi[key[0]]] = n

    if criterion == "status":
        for r, _ in records:
            if int(_num(r["status"], default=-1)) == 0:
                if measure not in r:
                    raise ValueError(f"`table` rows have no {measure!r} column.")
                t = _num(r[measure])
                if math.isfinite(t):
                    T[pi[str(r["problem"])], si[str(r["method"])]] = t
        return problems, solvers, T, dims

    fun_tol = float(fun_tol)
    if not (0 <= fun_tol < 1):
        raise ValueError(f"`fun_tol` must be in [0, 1), got {fun_tol!r}.")
    if not any(tr for _, tr in records):
        raise ValueError("criterion='fun' needs the runs' traces: profile the SuiteTable "
                         "returned by run_suite, or read one back with "
                         "SuiteTable.read_csv(path, traces=traces_path).")
    # f_L: the best value any solver found; f0: the value at the starting point
    f_low = np.full(len(problems), np.inf)
    f_start = np.full(len(problems), np.nan)
    for r, tr in records:
        i = pi[str(r["problem"])]
        values = [_num(r.get("fun"))]
        if tr and "fun" in tr and len(tr["fun"]):
            fun = np.asarray(tr["fun"], dtype=float)
            values += list(fun[np.isfinite(fun)])
            if not math.isfinite(f_start[i]) and math.isfinite(fun[0]):
                f_start[i] = fun[0]
        finite = [v for v in values if math.isfinite(v)]
        if finite:
            f_low[i] = min(f_low[i], min(finite))
        f0 = _num(r.get("f0"))
        if math.isfinite(f0):
            f_start[i] = f0
    for r, tr in records:
        if not tr or "fun" not in tr or not len(tr["fun"]):
            continue
        if measure not in tr:
            raise ValueError(f"The trace of {r['method']!r} on {r['problem']!r} has no "
                             f"{measure!r} column.")
        i, j = pi[str(r["problem"])], si[str(r["method"])]
        if not (math.isfinite(f_low[i]) and math.isfinite(f_start[i])):
            continue
        target = f_low[i] + fun_tol * (f_start[i] - f_low[i])
        fun = np.asarray(tr["fun"], dtype=float)
        hit = np.flatnonzero(np.isfinite(fun) & (fun <= target))
        if hit.size:
            t = float(np.asarray(tr[measure], dtype=float)[hit[0]])
            if math.isfinite(t):
                T[i, j] = t
    return problems, solvers, T, dims


def _grid(values: dict, start: float, given, name: str, low: float) -> np.ndarray:
    if given is None:
        finite = np.concatenate([v[np.isfinite(v)] for v in values.values()] + [[start]])
        return np.unique(np.maximum(finite, start))
    grid = np.atleast_1d(np.asarray(given, dtype=float))
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(f"`{name}` must be a number or a 1-D array of numbers.")
    if np.isnan(grid).any():
        raise ValueError(f"`{name}` contains NaN.")
    if (grid < low).any():
        raise ValueError(f"`{name}` values must be >= {low:g}; got {grid.min():g}.")
    return grid


# ---------------------------------------------------------------------------
# The profiles
# ---------------------------------------------------------------------------
def performance_profile(table, measure: str = "time", tau=None, *,
                        criterion: str = "status", fun_tol: float = 1e-3) -> Profile:
    r"""Dolan-Moré performance profile of the solvers in a table.

    .. math:: r_{p,s} = \frac{t_{p,s}}{\min_{s'} t_{p,s'}}, \qquad
       \rho_s(\tau) = \frac{\bigl|\{p : r_{p,s} \le \tau\}\bigr|}{|P|},

    with :math:`t_{p,s} = \infty` (so :math:`r_{p,s} = \infty`) when solver
    :math:`s` did not solve problem :math:`p`; a problem nobody solved
    counts in :math:`|P|` and for no solver.

    Parameters
    ----------
    table : SuiteTable or sequence of dict
        Rows with ``problem, method, status`` and the measure column (and
        ``n``); for ``criterion="fun"``, ``fun``, ``f0`` and traces (a row
        may carry them under a ``"trace"`` key: a dict of arrays or a Trace).
    measure : {"time", "nit", "nfev", "njev", "nhev", "nhvp"}
        The cost :math:`t_{p,s}`. Counts are taken as at least 1.
    tau : float or array_like, optional
        Where to evaluate :math:`\rho_s`; every value must be >= 1. Default:
        1 and every finite ratio (the breakpoints of the step functions).
    criterion : {"status", "fun"}
        ``"status"``: solved when status == 0 (certificate <= tol);
        ``"fun"``: Moré-Wild's test :math:`f(x) \le f_L + \tau_f (f(x_0) - f_L)`
        on the trace, see :mod:`optkit.experiments.profiles`.
    fun_tol : float, default 1e-3
        :math:`\tau_f` of the ``"fun"`` criterion, in [0, 1).

    Returns
    -------
    Profile
        ``x`` = the :math:`\tau` grid, ``curves[s]`` = :math:`\rho_s(\tau)`,
        ``values[s]`` = :math:`r_{p,s}` per problem.

    Raises
    ------
    ValueError
        Unknown measure (the message lists the valid ones) or criterion,
        ``tau < 1``, an empty table, two runs of one solver on one problem.

    References
    ----------
    E. D. Dolan and J. J. Moré, "Benchmarking optimization software with
    performance profiles", Math. Program. 91(2), 201-213, 2002.

    Examples
    --------
    >>> from optkit.experiments import performance_profile
    >>> rows = [dict(problem="p1", method="a", status=0, nfev=10),
    ...         dict(problem="p1", method="b", status=0, nfev=20),
    ...         dict(problem="p2", method="a", status=1, nfev=99),
    ...         dict(problem="p2", method="b", status=0, nfev=5)]
    >>> prof = performance_profile(rows, "nfev", tau=[1, 2])
    >>> prof.curves["a"].tolist(), prof.curves["b"].tolist()
    ([0.5, 0.5], [0.5, 1.0])
    """
    problems, solvers, T, _ = _costs(table, measure, criterion, fun_tol)
    if measure in _COUNTS:
        T = np.where(np.isfinite(T), np.maximum(T, 1.0), T)
    best = T.min(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        R = T / best
    zero_best = (best == 0) & np.isfinite(best)
    R = np.where(zero_best, np.where(T == 0, 1.0, np.inf), R)
    R = np.where(np.isfinite(best), R, np.inf)
    values = {s: R[:, j].copy() for j, s in enumerate(solvers)}
    grid = _grid(values, 1.0, tau, "tau", 1.0)
    curves = {s: (v[None, :] <= grid[:, None]).mean(axis=1) for s, v in values.items()}
    return Profile("performance", measure, criterion, grid, curves, values,
                   tuple(problems), tuple(solvers))


def data_profile(table, measure: str = "nfev", kappa=None, *, criterion: str = "status",
                 fun_tol: float = 1e-3, normalize: bool = True) -> Profile:
    r"""Moré-Wild data profile of the solvers in a table.

    .. math:: d_s(\kappa) = \frac{1}{|P|}\,
       \Bigl|\Bigl\{p : \frac{t_{p,s}}{n_p + 1} \le \kappa\Bigr\}\Bigr|,

    the fraction of problems solver :math:`s` solves within a budget of
    :math:`\kappa` "simplex gradients" (:math:`n_p + 1` units of the measure,
    :math:`n_p` the dimension of problem :math:`p`);
    :math:`t_{p,s} = \infty` when :math:`s` did not solve :math:`p`.

    Parameters
    ----------
    table : SuiteTable or sequence of dict
        As for :func:`performance_profile`, with the ``n`` column when
        ``normalize`` is True.
    measure : {"time", "nit", "nfev", "njev", "nhev", "nhvp"}, default "nfev"
        The cost :math:`t_{p,s}`.
    kappa : float or array_like, optional
        Budgets where to evaluate :math:`d_s`; every value must be >= 0.
        Default: 0 and every finite cost (the breakpoints).
    criterion : {"status", "fun"}
        ``"status"``: solved when status == 0 (certificate <= tol), at the
        cost of the whole run; ``"fun"``: Moré-Wild's convergence test
        :math:`f(x) \le f_L + \tau_f\,(f(x_0) - f_L)`, :math:`f_L` the best
        value any solver found on the problem, at the cost of the first
        trace entry that passes it.
    fun_tol : float, default 1e-3
        :math:`\tau_f` of the ``"fun"`` criterion, in [0, 1).
    normalize : bool, default True
        Divide by :math:`n_p + 1`; False profiles the raw measure.

    Returns
    -------
    Profile
        ``x`` = the :math:`\kappa` grid, ``curves[s]`` = :math:`d_s(\kappa)`,
        ``values[s]`` = :math:`t_{p,s}/(n_p+1)` per problem.

    Raises
    ------
    ValueError
        Unknown measure (listing the valid ones) or criterion, ``kappa < 0``,
        an empty table, a missing dimension when ``normalize`` is True.

    References
    ----------
    J. J. Moré and S. M. Wild, "Benchmarking derivative-free optimization
    algorithms", SIAM J. Optim. 20(1), 172-191, 2009.

    Examples
    --------
    >>> from optkit.experiments import data_profile
    >>> rows = [dict(problem="p1", n=1, method="a", status=0, nfev=4),
    ...         dict(problem="p2", n=3, method="a", status=0, nfev=40)]
    >>> data_profile(rows, "nfev", kappa=[2, 10]).curves["a"].tolist()
    [0.5, 1.0]
    """
    problems, solvers, T, dims = _costs(table, measure, criterion, fun_tol)
    if normalize:
        solved_somewhere = np.isfinite(T).any(axis=1)
        missing = [p for p, d, s in zip(problems, dims, solved_somewhere)
                   if s and not (math.isfinite(d) and d >= 0)]
        if missing:
            raise ValueError(f"The dimension `n` of {missing[:3]} is missing from the table; "
                             "it is needed for t / (n + 1) (or pass normalize=False).")
        C = T / (np.where(np.isfinite(dims), dims, 0.0)[:, None] + 1.0)
    else:
        C = T.copy()
    values = {s: C[:, j].copy() for j, s in enumerate(solvers)}
    grid = _grid(values, 0.0, kappa, "kappa", 0.0)
    curves = {s: (v[None, :] <= grid[:, None]).mean(axis=1) for s, v in values.items()}
    return Profile("data", measure, criterion, grid, curves, values, tuple(problems),
                   tuple(solvers), normalized=bool(normalize))


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------
def _draw(profile: Profile, ax, start: float, log: bool, title, xlabel, ylabel):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.4, 4.4))
    finite = np.concatenate([v[np.isfinite(v)] for v in profile.values.values()] + [[start]])
    top = float(finite.max())
    if top <= start:
        top = start * 2 if (log and start > 0) else start + 1
    right = top * 1.1 if log else top + 0.05 * (top - start)
    for s in profile.solvers:
        v = profile.values[s]
        xs = np.unique(np.concatenate([[start], v[np.isfinite(v)], [right]]))
        xs = xs[xs >= start]
        ys = (v[None, :] <= xs[:, None]).mean(axis=1)
        ax.step(xs, ys, where="post", label=s, lw=1.6)
    if log:
        ax.set_xscale("log", base=2)
    ax.set_xlim(start, right)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    crit = "status 0" if profile.criterion == "status" else "f-value test"
    ax.set_title(title if title is not None else
                 f"{profile.kind} profile: {_LABELS[profile.measure]} "
                 f"({len(profile.problems)} problems, {crit})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right")
    return ax


def plot_performance_profile(profile, measure: str = "time", *, ax=None, log: bool = True,
                             title: str | None = None, **kwargs):
    r"""Draw a performance profile :math:`\rho_s(\tau)` as step functions.

    Parameters
    ----------
    profile : Profile or SuiteTable or sequence of dict
        A :func:`performance_profile` result, or a table to compute it from
        (with ``measure`` and ``kwargs``, e.g. ``criterion="fun"``).
    measure : str, default "time"
        Used only when a table is given.
    ax : matplotlib Axes, optional
        Draw there; a new figure otherwise.
    log : bool, default True
        :math:`\log_2` scale for :math:`\tau`, as in Dolan and Moré (2002).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(profile, Profile):
        profile = performance_profile(profile, measure, **kwargs)
    elif profile.kind != "performance":
        raise ValueError("`profile` is a data profile; use plot_data_profile.")
    return _draw(profile, ax, 1.0, log, title, r"performance ratio $\tau$ "
                 f"({_LABELS[profile.measure]})", r"fraction of problems $\rho_s(\tau)$")


def plot_data_profile(profile, measure: str = "nfev", *, ax=None, log: bool = False,
                      title: str | None = None, **kwargs):
    r"""Draw a data profile :math:`d_s(\kappa)` as step functions.

    Parameters
    ----------
    profile : Profile or SuiteTable or sequence of dict
        A :func:`data_profile` result, or a table to compute it from (with
        ``measure`` and ``kwargs``).
    measure : str, default "nfev"
        Used only when a table is given.
    ax : matplotlib Axes, optional
    log : bool, default False
        Logarithmic :math:`\kappa` axis (base 2); a zero budget is then not shown.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(profile, Profile):
        profile = data_profile(profile, measure, **kwargs)
    elif profile.kind != "data":
        raise ValueError("`profile` is a performance profile; use plot_performance_profile.")
    unit = (f"{_LABELS[profile.measure]} / (n + 1)" if profile.normalized
            else _LABELS[profile.measure])
    start = 0.0
    if log:
        finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in profile.values.values()]
                                + [[1.0]])
        start = float(finite.min())
    return _draw(profile, ax, start, log, title, rf"budget $\kappa$ ({unit})",
                 r"fraction of problems $d_s(\kappa)$")
