r"""Benchmark several methods on a set of problems: :func:`run_suite`.

Every method runs on every problem with the same stopping rules; each run
gives one row of a :class:`SuiteTable` (problem, dimension, method, status,
iterations, oracle counts, time, final value, certificate...) and keeps its
per-iteration trace in memory. The table is what
:func:`~optkit.experiments.performance_profile` and
:func:`~optkit.experiments.data_profile` read.

Problems and processes
----------------------
``problems`` may hold, in any mix:

* **problem objects** (an optkit :class:`~optkit.problems.base.Problem`, e.g.
  a :class:`~optkit.SmoothProblem` made in the session);
* **specs**: strings ``"cutest:NAME"`` (loaded with
  :func:`optkit.problems.cutest.load`), which any process can resolve;
* **factories**: zero-argument callables returning a problem, e.g.
  ``functools.partial(cutest.load, "ARWHEAD", n=100)`` or a module-level
  function.

With ``n_jobs=1`` everything runs in the calling process and any of these
works. With ``n_jobs > 1`` each problem is one task of a
:class:`concurrent.futures.ProcessPoolExecutor`, so the items must be
*picklable*: specs always are; factories must be module-level functions or
``functools.partial`` of them (not lambdas or local functions); problem
objects only when all their callables are module-level (a problem built from
lambdas, or a CUTEst problem object, is not). :func:`run_suite` checks this
before starting and names the item that cannot be sent.

Timings taken with ``n_jobs > 1`` share the machine with the other workers
(and each worker's BLAS threads); use ``n_jobs=1`` for time profiles you
report.
"""

from __future__ import annotations

import csv
import difflib
import math
import os
import pickle
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np

from .._core.registry import get_solver
from .._core.result import Status
from .peers import PEER_PREFIX, is_peer, run_scipy

__all__ = ["run_suite", "SuiteTable", "select_problems", "load_problem",
           "RESULT_COLUMNS", "TRACE_COLUMNS"]

#: Columns of a :class:`SuiteTable` row, in CSV order.
RESULT_COLUMNS = ("problem", "n", "method", "status", "success", "nit", "nfev", "njev",
                  "nhev", "nhvp", "time", "fun", "f0", "certificate", "message")
#: Trace columns kept for each run (those the run's trace has).
TRACE_COLUMNS = ("nit", "time", "fun", "nfev", "njev", "nhev", "nhvp")

_INT_COLUMNS = ("n", "status", "nit", "nfev", "njev", "nhev", "nhvp")
_FLOAT_COLUMNS = ("time", "fun", "f0", "certificate")

#: Problem spec prefixes resolvable in any process.
SPEC_PREFIXES = ("cutest",)
_CUTEST_KINDS = ("unconstrained", "bounds", "equality", "general")

#: scipy.optimize.minimize methods, lower case -> scipy's spelling.
_SCIPY_METHODS = {m.lower(): m for m in (
    "Nelder-Mead", "Powell", "CG", "BFGS", "Newton-CG", "L-BFGS-B", "TNC", "COBYLA",
    "COBYQA", "SLSQP", "trust-constr", "dogleg", "trust-ncg", "trust-exact",
    "trust-krylov")}


# ---------------------------------------------------------------------------
# The results table
# ---------------------------------------------------------------------------
class SuiteTable:
    """Results of :func:`run_suite`: one row per (problem, method) run.

    Attributes
    ----------
    rows : list of dict
        One dict per run with the keys of :data:`RESULT_COLUMNS`:
        ``problem`` (label), ``n`` (dimension, None when the problem could
        not be loaded), ``method`` (label), ``status`` (0..5, the library's
        status table), ``success`` (``status == 0``: the certificate reached
        ``tol``), ``nit, nfev, njev, nhev, nhvp`` (iterations and oracle
        calls), ``time`` (seconds of iterations), ``fun`` (final objective),
        ``f0`` (objective at the starting point), ``certificate`` and
        ``message``. A run that raised has status 5 and the exception in
        ``message``.
    traces : dict
        ``{(problem, method): {column: ndarray}}`` with the trace columns of
        :data:`TRACE_COLUMNS` that the run recorded (``nit, time, fun``,
        oracle counts). Kept in memory; :meth:`traces_to_csv` writes them.
    settings : dict
        ``tol, maxiter, maxtime`` of the suite (empty for a table read back).

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.experiments import run_suite
    >>> p = optkit.SmoothProblem(lambda x: 0.5 * x @ x, lambda x: x, x0=np.ones(3), name="q")
    >>> table = run_suite([p], ["gm", "fgm"], tol=1e-8)
    >>> [(r["problem"], r["method"], r["status"]) for r in table.rows]
    [('q', 'gm', 0), ('q', 'fgm', 0)]
    """

    def __init__(self, rows=(), traces=None, settings=None):
        self.rows = [dict(r) for r in rows]
        self.traces = dict(traces or {})
        self.settings = dict(settings or {})

    # -- container protocol --------------------------------------------------
    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, i):
        return self.rows[i]

    def __repr__(self) -> str:
        return (f"SuiteTable({len(self.problems)} problems x {len(self.methods)} methods, "
                f"{len(self.rows)} rows)")

    @property
    def problems(self) -> list[str]:
        """Problem labels, in order of first appearance."""
        return list(dict.fromkeys(r["problem"] for r in self.rows))

    @property
    def methods(self) -> list[str]:
        """Method labels, in order of first appearance."""
        return list(dict.fromkeys(r["method"] for r in self.rows))

    def column(self, name: str) -> list:
        """One column as a list, in row order."""
        if name not in RESULT_COLUMNS:
            raise KeyError(f"No column {name!r}; the columns are {RESULT_COLUMNS}.")
        return [r.get(name) for r in self.rows]

    def trace(self, problem: str, method: str) -> dict:
        """The trace columns of one run (``{}`` when none was recorded)."""
        return self.traces.get((problem, method), {})

    # -- summaries -------------------------------------------------------------
    def solved(self) -> dict[str, int]:
        """``{method: number of problems with status 0}``."""
        out = {m: 0 for m in self.methods}
        for r in self.rows:
            out[r["method"]] += int(r["status"] == Status.CONVERGED)
        return out

    def summary(self) -> str:
        """A plain-text table: per method, problems solved (status 0), the
        count of each status, and the total time of its runs."""
        n_problems = len(self.problems)
        lines = []
        header = ("method", "solved", "statuses", "time [s]")
        body = []
        for m in self.methods:
            rows = [r for r in self.rows if r["method"] == m]
            counts = {}
            for r in rows:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
            statuses = " ".join(f"{s}:{counts[s]}" for s in sorted(counts))
            total = sum(float(r["time"]) for r in rows if _finite(r["time"]))
            solved = sum(int(r["status"] == Status.CONVERGED) for r in rows)
            body.append((m, f"{solved}/{n_problems}", statuses, f"{total:.3f}"))
        widths = [max(len(h), *(len(b[j]) for b in body)) if body else len(h)
                  for j, h in enumerate(header)]
        lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)))
        lines.append("  ".join("-" * w for w in widths))
        for b in body:
            lines.append("  ".join(c.ljust(w) for c, w in zip(b, widths)))
        return "\n".join(lines)

    # -- files ------------------------------------------------------------------
    def to_csv(self, path) -> str:
        """Write the rows as CSV (header :data:`RESULT_COLUMNS`); returns ``path``.

        Floats are written with ``repr`` so they read back exactly; a missing
        value is an empty cell.
        """
        with open(path, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(RESULT_COLUMNS)
            for r in self.rows:
                writer.writerow([_cell(r.get(c)) for c in RESULT_COLUMNS])
        return str(path)

    def traces_to_csv(self, path) -> str:
        """Write every trace in long form: ``problem, method`` then
        :data:`TRACE_COLUMNS` (empty where a run lacks a column)."""
        with open(path, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(("problem", "method") + TRACE_COLUMNS)
            for (problem, method), cols in self.traces.items():
                length = max((len(v) for v in cols.values()), default=0)
                for i in range(length):
                    writer.writerow([problem, method] + [
                        _cell(float(cols[c][i])) if c in cols else "" for c in TRACE_COLUMNS])
        return str(path)

    @classmethod
    def read_csv(cls, path, traces=None) -> "SuiteTable":
        """Read a table written by :meth:`to_csv` (and optionally its traces
        written by :meth:`traces_to_csv`), with the column types restored."""
        with open(path, newline="") as fh:
            rows = [_typed_row(r) for r in csv.DictReader(fh)]
        trace_dict = {}
        if traces is not None:
            lists: dict = {}
            with open(traces, newline="") as fh:
                for r in csv.DictReader(fh):
                    cols = lists.setdefault((r["problem"], r["method"]), {})
                    for c in TRACE_COLUMNS:
                        if r.get(c, "") != "":
                            cols.setdefault(c, []).append(float(r[c]))
            trace_dict = {k: {c: np.asarray(v, dtype=float) for c, v in cols.items()}
                          for k, cols in lists.items()}
        return cls(rows, trace_dict)


def _finite(v) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return str(v)


def _typed_row(r: dict) -> dict:
    out = {}
    for c in RESULT_COLUMNS:
        v = r.get(c, "")
        if v is None or v == "":
            out[c] = None if c != "message" else ""
        elif c in _INT_COLUMNS:
            out[c] = int(float(v))
        elif c in _FLOAT_COLUMNS:
            out[c] = float(v)
        elif c == "success":
            out[c] = v.strip().lower() in ("true", "1")
        else:
            out[c] = v
    return out


# ---------------------------------------------------------------------------
# Problems: specs, factories, objects
# ---------------------------------------------------------------------------
def load_problem(spec):
    """Resolve a problem spec in the current process.

    Parameters
    ----------
    spec : str, callable or Problem
        ``"cutest:NAME"``; a zero-argument factory; or a problem (returned
        as is).

    Returns
    -------
    Problem
    """
    from ..problems.base import Problem

    if isinstance(spec, Problem):
        return spec
    if isinstance(spec, str):
        prefix, sep, name = spec.partition(":")
        if not sep or prefix.strip().lower() not in SPEC_PREFIXES or not name.strip():
            raise ValueError(
                f"Problem spec {spec!r} is not understood: use 'cutest:NAME' (e.g. "
                "'cutest:ROSENBR'), a zero-argument factory or a problem object.")
        from ..problems import cutest

        return cutest.load(name.strip())
    if callable(spec):
        problem = spec()
        if not isinstance(problem, Problem):
            raise TypeError(
                f"The problem factory {spec!r} returned {type(problem).__name__}, "
                "not an optkit Problem.")
        return problem
    raise TypeError(
        f"A problem must be a Problem, a spec string 'cutest:NAME' or a zero-argument "
        f"factory; got {type(spec).__name__}.")


def select_problems(text: str, *, n_min: int | None = None, n_max: int | None = None,
                    limit: int | None = None) -> list[str]:
    """Problem specs from a command-line style description.

    Parameters
    ----------
    text : str
        Comma-separated items, each ``"cutest:KIND"`` with KIND one of
        ``unconstrained, bounds, equality, general`` (every CUTEst problem of
        that kind with ``n_min <= n <= n_max``, via
        :func:`optkit.problems.cutest.select`) or ``"cutest:NAME"`` (one
        problem, kept whatever its size).
    n_min, n_max : int, optional
        Size bounds for the ``cutest:KIND`` items.
    limit : int, optional
        Keep the first ``limit`` specs (after removing duplicates).

    Returns
    -------
    list of str
        Specs such as ``"cutest:ROSENBR"``, in the order given (each kind's
        names sorted).

    Examples
    --------
    >>> from optkit.experiments import select_problems
    >>> select_problems("cutest:ROSENBR, cutest:BEALE")
    ['cutest:ROSENBR', 'cutest:BEALE']
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("`problems` is empty: give 'cutest:KIND' or 'cutest:NAME,...'.")
    specs = []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        prefix, sep, name = item.partition(":")
        if not sep or prefix.strip().lower() not in SPEC_PREFIXES or not name.strip():
            raise ValueError(
                f"Problem item {item!r} is not understood: use 'cutest:KIND' with KIND in "
                f"{_CUTEST_KINDS} or 'cutest:NAME'.")
        name = name.strip()
        if name.lower() in _CUTEST_KINDS:
            from ..problems import cutest

            specs += [f"cutest:{n}" for n in cutest.select(name.lower(), n_min=n_min,
                                                             n_max=n_max)]
        else:
            specs.append(f"cutest:{name}")
    specs = list(dict.fromkeys(specs))
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
            raise ValueError(f"`limit` must be a positive integer, got {limit!r}.")
        specs = specs[: int(limit)]
    if not specs:
        raise ValueError(f"No problem matches {text!r} (n_min={n_min}, n_max={n_max}).")
    return specs


def _spec_label(spec) -> str | None:
    """The label known before loading (None: the problem's own name)."""
    from ..problems.base import Problem

    if isinstance(spec, str):
        return spec.partition(":")[2].strip() or spec
    if isinstance(spec, Problem):
        return str(spec.name)
    return None


# ---------------------------------------------------------------------------
# Methods
# ---------------------------------------------------------------------------
def _check_methods(methods) -> list[tuple[str, str, dict | None]]:
    """``[(label, method, options)]``; unknown names raise the registry's error."""
    if isinstance(methods, str):
        methods = [methods]
    if isinstance(methods, dict):
        items = []
        for label, spec in methods.items():
            if isinstance(spec, str):
                items.append((str(label), spec, None))
            else:
                spec = tuple(spec)
                items.append((str(label), spec[0], dict(spec[1]) if len(spec) > 1 and spec[1]
                              else None))
    else:
        items = [(None, m, None) for m in methods]
    if not items:
        raise ValueError("`methods` is empty: give at least one method name.")
    out = []
    for label, method, options in items:
        if not isinstance(method, str):
            raise TypeError(f"A method must be a string, got {type(method).__name__}.")
        if is_peer(method):
            key = method[len(PEER_PREFIX):].strip().lower()
            if key not in _SCIPY_METHODS:
                close = difflib.get_close_matches(key, list(_SCIPY_METHODS), n=3, cutoff=0.5)
                hint = (" Did you mean " + " or ".join(
                    repr(PEER_PREFIX + _SCIPY_METHODS[c]) for c in close) + "?") if close else ""
                raise ValueError(
                    f"Unknown peer method {method!r} for argument `methods`.{hint} scipy "
                    f"methods: {', '.join(_SCIPY_METHODS.values())}.")
            canonical = PEER_PREFIX + _SCIPY_METHODS[key]
        else:
            canonical = get_solver(method).name        # raises the registry's ValueError
        out.append((label or canonical, canonical, options))
    labels = [o[0] for o in out]
    dupes = sorted({lab for lab in labels if labels.count(lab) > 1})
    if dupes:
        raise ValueError(f"`methods` names {dupes} more than once; use a dict "
                         "{label: (method, options)} to run one method with several settings.")
    return out


# ---------------------------------------------------------------------------
# One problem, every method (what a worker runs)
# ---------------------------------------------------------------------------
def _failure_row(problem, n, method, message, elapsed=float("nan")) -> dict:
    return dict(problem=problem, n=n, method=method, status=int(Status.FAILURE),
                success=False, nit=0, nfev=0, njev=0, nhev=0, nhvp=0, time=elapsed,
                fun=float("nan"), f0=float("nan"), certificate=float("nan"),
                message=message)


def _error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())       # one line, for CSV readers and terminals


def _run_one(problem, method, options, settings):
    from ..minimize import minimize

    tol, maxiter, maxtime = settings["tol"], settings["maxiter"], settings["maxtime"]
    if is_peer(method):
        return run_scipy(problem, method, None, tol=tol, maxiter=maxiter, maxtime=maxtime,
                         options=options)
    opts = {"maxiter": maxiter}
    if maxtime is not None:
        opts["maxtime"] = maxtime
    opts.update(options or {})
    return minimize(problem, None, method, tol=tol, options=opts)


def _run_problem(index, spec, label, methods, settings):
    """Load one problem and run every method on it.

    Returns ``(index, label, rows, traces)``; never raises for a bad problem
    or run (those rows get status 5).
    """
    rows, traces = [], {}
    try:
        with warnings.catch_warnings():
            if settings["quiet"]:
                warnings.simplefilter("ignore")
            problem = load_problem(spec)
    except Exception as exc:
        label = label or _fallback_label(spec, index)
        return index, label, [_failure_row(label, None, m, "loading the problem failed: "
                                           + _error_text(exc)) for m, _, _ in methods], {}
    label = label or str(getattr(problem, "name", None) or _fallback_label(spec, index))
    x0 = getattr(problem, "x0", None)
    n = None if x0 is None else int(np.size(x0))
    f0 = float("nan")
    if x0 is not None and hasattr(problem, "fun"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                f0 = float(problem.fun(np.asarray(x0, dtype=float)))
        except Exception:
            pass
    for method_label, method, options in methods:
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                if settings["quiet"]:
                    warnings.simplefilter("ignore")
                res = _run_one(problem, method, options, settings)
        except Exception as exc:
            rows.append(_failure_row(label, n, method_label, _error_text(exc),
                                     time.perf_counter() - start))
            rows[-1]["f0"] = f0
            continue
        status = int(res.status)
        rows.append(dict(
            problem=label, n=n, method=method_label, status=status,
            success=status == Status.CONVERGED, nit=int(res.nit),
            nfev=int(getattr(res, "nfev", 0) or 0), njev=int(getattr(res, "njev", 0) or 0),
            nhev=int(getattr(res, "nhev", 0) or 0), nhvp=int(getattr(res, "nhvp", 0) or 0),
            time=float(res.time), fun=float(res.fun), f0=f0,
            certificate=float(res.certificate), message=" ".join(str(res.message).split())))
        trace = getattr(res, "trace", None)
        if trace is not None and len(trace):
            traces[(label, method_label)] = {c: trace[c] for c in TRACE_COLUMNS
                                             if c in trace.columns}
    return index, label, rows, traces


def _fallback_label(spec, index) -> str:
    name = getattr(spec, "__name__", None) or getattr(getattr(spec, "func", None),
                                                       "__name__", None)
    return f"{name or 'problem'}#{index}"


# ---------------------------------------------------------------------------
# The suite
# ---------------------------------------------------------------------------
def run_suite(problems, methods, *, tol: float = 1e-6, maxiter: int = 10_000,
              maxtime: float | None = None, n_jobs: int = 1, verbose: bool = False,
              quiet: bool = True, mp_context=None) -> SuiteTable:
    r"""Run every method on every problem; one table row per run.

    Each run starts at the problem's ``x0`` and stops when the method's
    certificate (gradient norm for smooth problems) is :math:`\le` ``tol``
    (status 0), after ``maxiter`` iterations (status 1) or ``maxtime``
    seconds (status 2), on a non-finite value (3) or a failure (5). **A run
    counts as solved when its status is 0**, i.e. its certificate reached
    ``tol``; this is the ``success`` column and the default criterion of
    :func:`~optkit.experiments.performance_profile` and
    :func:`~optkit.experiments.data_profile` (which also offer Moré and
    Wild's function-value test, computed from the traces kept here).

    An exception inside one run (or while loading one problem) does not stop
    the suite: that run is recorded with status 5 and the exception in
    ``message``.

    Parameters
    ----------
    problems : sequence or dict
        Problem objects, specs ``"cutest:NAME"`` or zero-argument factories
        (see the module docstring for what ``n_jobs > 1`` needs), or a dict
        ``{label: problem or spec}``. The ``problem`` column holds the dict
        label, else the CUTEst name of a spec, else ``problem.name``
        (repeated labels get ``#2, #3...``).
    methods : sequence of str or dict
        optkit method names (:func:`optkit.methods`) and peers
        ``"scipy:NAME"`` (run by :func:`~optkit.experiments.run_scipy`), or
        a dict ``{label: method}`` / ``{label: (method, options)}`` to run one
        method with several settings. Unknown names raise the registry's
        ``ValueError`` before anything runs.
    tol : float, default 1e-6
        Certificate tolerance of every method (``gtol`` for scipy peers).
    maxiter : int, default 10000
        Iteration cap of every run.
    maxtime : float, optional
        Seconds per run; optkit methods and scipy peers stop at the first
        iteration past it (status 2).
    n_jobs : int, default 1
        Worker processes (one task per problem; every method of a problem
        runs in the same worker). ``-1`` uses every CPU.
    verbose : bool, default False
        Print one line per finished problem to stderr.
    quiet : bool, default True
        Silence warnings raised inside the runs (overflow in a test function,
        unknown options...).
    mp_context : multiprocessing context, optional
        Passed to :class:`~concurrent.futures.ProcessPoolExecutor` (the
        platform's default start method otherwise).

    Returns
    -------
    SuiteTable
        Rows in problem order, then method order; traces kept in
        ``table.traces``.

    Raises
    ------
    ValueError
        Empty ``problems`` or ``methods``, an unknown method, bad ``tol``,
        ``maxiter``, ``maxtime`` or ``n_jobs``.
    TypeError
        With ``n_jobs > 1``, a problem that cannot be pickled.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from scipy.optimize import rosen, rosen_der
    >>> from optkit.experiments import run_suite
    >>> p = optkit.SmoothProblem(rosen, rosen_der, x0=[-1.2, 1.0], name="rosen")
    >>> table = run_suite([p], ["gm", "fgm", "scipy:L-BFGS-B"], tol=1e-6, maxiter=200)
    >>> table.solved()["scipy:L-BFGS-B"]
    1
    >>> table.to_csv("suite.csv")                               # doctest: +SKIP
    """
    from .._core.validate import check_tol

    if isinstance(problems, dict):
        specs = list(problems.values())
        given_labels = [str(k) for k in problems]
    else:
        if isinstance(problems, str):
            problems = [problems]
        specs = list(problems)
        given_labels = [_spec_label(s) for s in specs]
    if not specs:
        raise ValueError("`problems` is empty: give at least one problem, spec or factory.")
    method_list = _check_methods(methods)
    tol = check_tol(tol)
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
        raise ValueError(f"`maxiter` must be a positive integer, got {maxiter!r}.")
    if maxtime is not None and not (isinstance(maxtime, (int, float, np.number))
                                    and not isinstance(maxtime, bool) and maxtime > 0):
        raise ValueError(f"`maxtime` must be a positive number of seconds or None, "
                         f"got {maxtime!r}.")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or not (
            n_jobs >= 1 or n_jobs == -1):
        raise ValueError(f"`n_jobs` must be a positive integer or -1 (every CPU), "
                         f"got {n_jobs!r}.")
    n_jobs = (os.cpu_count() or 1) if n_jobs == -1 else int(n_jobs)
    n_jobs = min(n_jobs, len(specs))
    settings = dict(tol=float(tol), maxiter=int(maxiter),
                    maxtime=None if maxtime is None else float(maxtime), quiet=bool(quiet))

    results = [None] * len(specs)

    def report(done, result):
        if verbose:
            _, label, rows, _ = result
            runs = ", ".join(f"{r['method']}={r['status']}" for r in rows)
            print(f"[{done}/{len(specs)}] {label} (n={rows[0]['n'] if rows else '?'}): "
                  f"status {runs}", file=sys.stderr, flush=True)

    if n_jobs == 1:
        for i, spec in enumerate(specs):
            results[i] = _run_problem(i, spec, given_labels[i], method_list, settings)
            report(i + 1, results[i])
    else:
        for i, spec in enumerate(specs):
            if isinstance(spec, str):
                continue
            try:
                pickle.dumps(spec)
            except Exception as exc:
                raise TypeError(
                    f"Problem {i} ({given_labels[i] or repr(spec)}) cannot be sent to a worker "
                    f"process ({_error_text(exc)}). With n_jobs > 1 pass specs such as "
                    "'cutest:ROSENBR', a picklable zero-argument factory (a module-level "
                    "function or functools.partial of one), or use n_jobs=1.") from None
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=mp_context) as pool:
            futures = {pool.submit(_run_problem, i, spec, given_labels[i], method_list,
                                   settings): i for i, spec in enumerate(specs)}
            for done, fut in enumerate(as_completed(futures), start=1):
                i = futures[fut]
                try:
                    results[i] = fut.result()
                except Exception as exc:     # a crashed worker, an unpicklable result
                    label = given_labels[i] or _fallback_label(specs[i], i)
                    results[i] = (i, label, [_failure_row(label, None, m, "worker failed: "
                                                          + _error_text(exc))
                                             for m, _, _ in method_list], {})
                report(done, results[i])

    # unique problem labels, in problem order
    rows, traces, seen = [], {}, {}
    for _, label, prow, ptraces in results:
        seen[label] = seen.get(label, 0) + 1
        unique = label if seen[label] == 1 else f"{label}#{seen[label]}"
        for r in prow:
            r["problem"] = unique
            rows.append(r)
        for (_, m), cols in ptraces.items():
            traces[(unique, m)] = cols
    return SuiteTable(rows, traces, dict(tol=settings["tol"], maxiter=settings["maxiter"],
                                         maxtime=settings["maxtime"]))
