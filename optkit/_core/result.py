"""Results, the library-wide status table, and per-iteration traces."""

from __future__ import annotations

import enum

import numpy as np
import scipy.optimize

__all__ = ["Status", "STATUS_MESSAGES", "OptimizeResult", "Trace"]


class Status(enum.IntEnum):
    """Why a run stopped. One table for every method of the library."""

    CONVERGED = 0
    MAXITER = 1
    MAXTIME = 2
    NONFINITE = 3
    CALLBACK = 4
    FAILURE = 5


#: Human message of each status; a run may append details after it.
STATUS_MESSAGES = {
    Status.CONVERGED: "Optimization terminated successfully: the certificate reached tol.",
    Status.MAXITER: "Maximum number of iterations has been exceeded.",
    Status.MAXTIME: "Maximum time (maxtime) has been exceeded.",
    Status.NONFINITE: "A non-finite value was encountered; the last finite iterate is returned.",
    Status.CALLBACK: "Stopped by the callback (StopIteration).",
    Status.FAILURE: "The method reported a failure.",
}


class OptimizeResult(scipy.optimize.OptimizeResult):
    """The result of an optkit run: scipy's result plus evidence and history.

    A subclass of :class:`scipy.optimize.OptimizeResult`, so code written for
    scipy keeps working.

    Attributes
    ----------
    x : ndarray
        The solution (last iterate, or the last finite one for status 3).
    fun : float
        Objective value at ``x``.
    jac : ndarray or None
        Gradient at ``x`` when the method computed it.
    success : bool
        ``status == 0``.
    status : int
        0 converged to tol, 1 maxiter, 2 maxtime, 3 non-finite value,
        4 stopped by callback, 5 failure reported by the method
        (see :class:`Status`).
    message : str
        The status message, with details.
    nit : int
        Number of iterations.
    nfev, njev, nhev, nhvp : int
        Calls of the objective, gradient, Hessian, Hessian-vector product.
    time : float
        Wall time of the iterations in seconds (set-up excluded).
    method : str
        Canonical name of the method.
    certificate : float
        The optimality evidence the stopping test used (gradient norm,
        Frank-Wolfe gap, marginal error... as the method documents).
    trace : Trace
        Per-iteration history.
    """


class Trace:
    """Per-iteration history of a run, one row per recorded iteration.

    Rows hold ``nit, time, fun, certificate``, the oracle counts and the
    solver's own extras (``Solver.trace_fields``). Recording appends one
    tuple to a list, which keeps it cheap enough to record every iteration of
    long runs; ``record_every`` thins it further.

    Parameters
    ----------
    columns : sequence of str
        Names of the columns, in row order.
    record_every : int, default 1
        Record iteration ``k`` when ``k % record_every == 0``; the first and
        the last iterations are always recorded.

    Examples
    --------
    >>> import optkit
    >>> from scipy.optimize import rosen, rosen_der
    >>> res = optkit.minimize(rosen, [-1.2, 1.0], jac=rosen_der, method="gm")
    >>> res.trace.columns[:4]
    ('nit', 'time', 'fun', 'certificate')
    >>> arr = res.trace.to_numpy()
    >>> arr.shape[0] == len(res.trace)
    True
    """

    def __init__(self, columns, record_every: int = 1):
        self.columns = tuple(columns)
        self.record_every = int(record_every)
        self.rows: list[tuple] = []
        self._index = {name: i for i, name in enumerate(self.columns)}

    def append(self, row: tuple) -> None:
        """Append one row (a tuple in ``columns`` order)."""
        self.rows.append(row)

    def __len__(self) -> int:
        return len(self.rows)

    def to_numpy(self) -> np.ndarray:
        """All rows as a float array of shape ``(len(self), len(columns))``."""
        if not self.rows:
            return np.empty((0, len(self.columns)))
        return np.array(self.rows, dtype=float)

    def __getitem__(self, column: str) -> np.ndarray:
        """One column as a 1-D float array, e.g. ``trace["fun"]``."""
        try:
            j = self._index[column]
        except KeyError:
            raise KeyError(
                f"No trace column {column!r}; the columns are {self.columns}."
            ) from None
        return np.array([row[j] for row in self.rows], dtype=float)

    def to_dict(self) -> dict[str, np.ndarray]:
        """Columns as a dict of 1-D arrays (handy for pandas.DataFrame)."""
        arr = self.to_numpy()
        return {name: arr[:, j] for j, name in enumerate(self.columns)}

    def __repr__(self) -> str:
        return f"Trace({len(self)} rows, columns={self.columns})"
