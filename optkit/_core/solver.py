"""The solver contract: a method is ``init`` + ``step`` + ``certificate``.

Everything that is not the algorithm (iteration counting, stopping, timing,
callbacks, traces, progress, non-finite guard, result) belongs to the driver
(:mod:`optkit._core.driver`), so methods stay short and comparable.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from .options import Options
from .oracle import CountedSmoothOracle

__all__ = ["State", "Solver"]


@dataclasses.dataclass(kw_only=True)
class State:
    """What a solver carries from one iteration to the next.

    Solvers subclass it with their own fields. ``step`` returns a *new*
    state and never mutates the arrays of the previous one: the driver keeps
    the previous state to return it when the new one is not finite.

    Attributes
    ----------
    x : ndarray
        Current iterate.
    fun : float
        f(x).
    jac : ndarray or None
        Gradient at x when known.
    advanced : int
        Iterations covered by the last ``step`` (1, except for compiled
        kernels that run a block of cheap iterations per call).
    failure : str or None
        Set by ``step`` when the method cannot go on (line search failed,
        infeasible subproblem...): the driver stops with status 5 and this
        message, and returns the previous state (the failed iteration is not
        counted).
    nonfinite : str or None
        Set by ``step`` (or ``init``) when a quantity it computed from the
        user's oracles is not finite, naming it (e.g. ``"the Hessian has NaN
        entries"``): the driver stops with status 3 and this phrase, and
        returns the previous state, as for a non-finite f.
    """

    x: np.ndarray
    fun: float
    jac: np.ndarray | None = None
    advanced: int = 1
    failure: str | None = None
    nonfinite: str | None = None


class Solver:
    """Base class of every method.

    Class attributes declare, as data, what the method is and needs; the
    registry and :func:`optkit.minimize` read them.

    Attributes
    ----------
    name : str
        Canonical method name (lowercase, hyphens).
    aliases : tuple of str
        Other accepted names.
    family : str
        The problem family accepted (``"smooth"``, ``"lmo"``, ...).
    requires : tuple of str
        Oracles the problem must provide.
    Options : type
        The frozen options dataclass (subclass of :class:`Options`).
    trace_fields : tuple of str
        State attributes recorded in the trace besides the common columns.
    default_tol, default_maxiter
        Used when the caller gives none.
    certificate_name : str
        What :meth:`certificate` measures, for tables and plot labels.
    summary, reference : str
        One-line description and the paper, for ``optkit.methods`` and the
        README table.
    """

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    family: ClassVar[str] = "smooth"
    requires: ClassVar[tuple[str, ...]] = ("fun", "grad")
    Options: ClassVar[type[Options]] = Options
    trace_fields: ClassVar[tuple[str, ...]] = ()
    default_tol: ClassVar[float] = 1e-6
    default_maxiter: ClassVar[int] = 10_000
    certificate_name: ClassVar[str] = "grad_norm"
    summary: ClassVar[str] = ""
    reference: ClassVar[str] = ""

    #: Set by the driver before each ``step``: iterations left before maxiter.
    #: Solvers whose ``step`` runs a block of iterations (compiled sweeps) must
    #: not advance more than this, so that ``maxiter`` is exact.
    max_advance: int | None = None

    #: Set by the driver before ``init``: the tolerance it stops at. Solvers may
    #: use it to size inner tolerances (never to stop: stopping is the driver's).
    stop_tol: float | None = None

    def __init__(self, options: Options | None = None):
        self.options = self.Options() if options is None else options
        self.oracle = None

    @classmethod
    def requirements(cls, options: Options | None = None) -> tuple[str, ...]:
        """Oracles the method needs with ``options`` (None: the defaults).

        :func:`optkit.minimize` checks the problem against it. The default is
        :attr:`requires`; a method whose needs depend on its options (e.g. a
        curvature model that replaces the Hessian) overrides it.
        """
        return cls.requires

    def make_oracle(self, problem, dim: int):
        """The counted oracle this method talks to.

        Family oracles expose ``count_names`` (starting with ``nfev, njev,
        nhev, nhvp``, then family counts such as ``nlmo`` or ``nmatvec``) and
        ``counts()``; every count becomes a trace column and a result field.
        """
        return CountedSmoothOracle(problem, dim)

    def init(self, oracle, x0: np.ndarray) -> State:
        """Build the initial state (oracle calls at x0 are counted)."""
        raise NotImplementedError

    def step(self, state: State) -> State:
        """One iteration: return the next state."""
        raise NotImplementedError

    def certificate(self, state: State) -> float:
        """Optimality evidence of ``state``: the driver stops when it is <= tol."""
        raise NotImplementedError

    def result_fields(self, state: State) -> dict:
        """Extra fields for the OptimizeResult (e.g. the final L estimate)."""
        return {}
