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
from .oracle import CountedSmoothOracle, Oracle  # noqa: F401  (Oracle: re-exported)

__all__ = ["State", "Solver"]


@dataclasses.dataclass(kw_only=True)
class State:
    """What a solver carries from one iteration to the next.

    Solvers subclass it with their own fields. ``step`` returns a *new*
    state and never mutates the arrays of the previous one: the driver keeps
    the previous state to return it when the new one is not finite.

    Attributes
    ----------
    x : ndarray or NamedTuple of ndarrays
        Current iterate: one flat array, or a structured iterate such as
        ``(x, y)`` or ``(U, V)`` (see :mod:`optkit._core.iterate`).
    fun : float
        f(x).
    jac : ndarray or None
        Gradient at x when known.
    advanced : int
        Iterations covered by the last ``step``: 1, or up to the ``budget``
        the driver gave (compiled kernels that run a block of cheap
        iterations per call).
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

    x: object
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
        """The counted oracle this method talks to (an :class:`Oracle`).

        Family oracles declare ``count_names`` (starting with ``nfev, njev,
        nhev, nhvp``, then family counts such as ``nlmo`` or ``nmatvec``);
        every count becomes a trace column and a result field.
        """
        return CountedSmoothOracle(problem, dim)

    def init(self, oracle, x0, tol: float) -> State:
        """Build the initial state (oracle calls at x0 are counted).

        ``tol`` is the tolerance the driver stops at: a method may size inner
        tolerances from it (and keep it in its state), never stop on it.
        """
        raise NotImplementedError

    def block_size(self, state: State) -> int:
        """Iterations the method would like to advance in the next ``step``.

        1 for most methods. Methods whose ``step`` runs a compiled block of
        cheap iterations (Sinkhorn sweeps, coordinate epochs) return the block
        they want; the driver passes ``budget = min(block_size, iterations
        left)``, so that ``maxiter`` is exact.
        """
        return 1

    def step(self, state: State, budget: int) -> State:
        """Advance from ``state`` by ``1 <= state.advanced <= budget``
        iterations and return the new state (never mutate the old one, nor
        ``self``: all run state lives in the State)."""
        raise NotImplementedError

    def stall_window(self) -> int | None:
        """A declared stop rule: after this many steps in a row in which
        neither ``fun`` nor the certificate decreased, the driver stops with
        status 5 (the certificate is at its rounding floor) and returns the
        state before the last step. None (the default): no such rule."""
        return None

    def certificate(self, state: State) -> float:
        """Optimality evidence of ``state``: the driver stops when it is <= tol."""
        raise NotImplementedError

    def result_fields(self, state: State) -> dict:
        """Extra fields for the OptimizeResult (e.g. the final L estimate).

        Computed from ``state`` (and the oracle) only: after a rollback the
        driver passes the previous state, and the fields must be those of a
        run stopped there."""
        return {}
