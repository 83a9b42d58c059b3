"""What the Frank-Wolfe variants share: the counted LMO oracle, inner products
with dense or sparse gradients, the step-size rules and the active set."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import scipy.sparse as sp

from ..._core.options import Options, option
from ..._core.oracle import CountedSmoothOracle
from .._linesearch import AdaptiveShortStep, AgnosticStep, ExactStep, ShortStep

__all__ = ["LMOOracle", "dot", "dots", "FWStepOptions", "make_step_rule", "ActiveSet", "VertexCache",
           "prepare_x0"]

#: weights below this are dropped from active sets (ALGORITHMS.md section 6 pitfalls)
WEIGHT_DROP = 1e-12


class LMOOracle(CountedSmoothOracle):
    """Counted oracle of an :class:`~optkit.problems.LMOProblem`: adds ``nlmo``.

    Gradients may be 1-D arrays of length ``dim``, arrays of the set's matrix
    shape (flattened), or scipy.sparse matrices with ``dim`` entries (kept
    sparse). LMO answers are checked: shape ``(dim,)`` and finite.
    """

    count_names = CountedSmoothOracle.count_names + ("nlmo",)

    def __init__(self, problem, dim: int):
        super().__init__(problem, dim)
        self.set = problem.set

    def _check_grad(self, g):
        if sp.issparse(g):
            if g.shape[0] * g.shape[1] != self.dim:
                raise ValueError(
                    f"`jac` (the gradient) returned a sparse matrix of shape {g.shape}; "
                    f"expected {self.dim} entries, the size of x0.")
            return g.tocsr()
        g = np.asarray(g, dtype=float)
        if g.ndim == 2 and g.size == self.dim:
            return g.reshape(-1)
        return super()._check_grad(g)

    def fun_sample(self, x, y=None) -> float:
        """``F(x; y)`` for a stochastic objective (``fun(x)`` when ``y`` is None),
        counted in ``nfev`` and never cached (zeroth-order methods)."""
        self.nfev += 1
        f = self.problem.fun(x) if y is None else self.problem.fun_sample(x, y)
        return self._check_fun(f)

    def sample(self, rng):
        """A sample ``y`` of a stochastic objective (the problem's ``sample(rng)``;
        None when the objective is deterministic). Not counted: the queries
        of ``F(x; y)`` are, in ``nfev``."""
        sampler = self.problem.sample
        return None if sampler is None else sampler(rng)

    def lmo(self, g) -> np.ndarray:
        """The set's vertex for ``g`` (counted in ``nlmo``, checked)."""
        self.nlmo += 1
        s = self.set.lmo(g)
        s = np.asarray(s, dtype=float)
        if s.size != self.dim or (s.ndim != 1 and s.ndim != 2):
            raise ValueError(
                f"`lmo` returned an array of shape {s.shape}; expected ({self.dim},), the "
                "shape of x0.")
        s = s.reshape(-1)
        if not np.all(np.isfinite(s)):
            raise ValueError("`lmo` returned a point with NaN or inf entries.")
        return s


def dot(g, v) -> float:
    """``<g, v>`` for a dense or sparse gradient ``g`` and a flat dense ``v``."""
    if sp.issparse(g):
        g = g.tocsr() if not sp.isspmatrix_csr(g) else g
        ncol = g.shape[1]
        rows = np.repeat(np.arange(g.shape[0]), np.diff(g.indptr))
        return float(g.data @ v[rows * ncol + g.indices])
    return float(g @ v)


def dots(g, V: np.ndarray) -> np.ndarray:
    """``V @ g`` (rows of V are flat points) for dense or sparse ``g``."""
    if sp.issparse(g):
        g = g.tocsr()
        ncol = g.shape[1]
        rows = np.repeat(np.arange(g.shape[0]), np.diff(g.indptr))
        return V[:, rows * ncol + g.indices] @ g.data
    return V @ g


def prepare_x0(oracle, x0, project: bool, tol: float) -> np.ndarray:
    """x0 itself when it lies in the set; its projection when asked; else an error."""
    cset = oracle.set
    inside = cset.contains(x0, tol)
    if inside is None or inside:
        return x0
    if project:
        if not cset.has_projection:
            raise ValueError(f"`x0` is outside the feasible set and {type(cset).__name__} "
                             "offers no projection; start from a point of the set (e.g. a "
                             "vertex: the problem's default x0).")
        return np.asarray(cset.project(x0), dtype=float).reshape(-1)
    raise ValueError(f"`x0` is outside the feasible set {cset!r}; start from a point of the "
                     "set (e.g. the default, a vertex) or pass options={'project_x0': True} "
                     "to project it.")


@dataclasses.dataclass(frozen=True)
class FWStepOptions(Options):
    """Step-size options shared by the Frank-Wolfe variants."""

    step: str = option("adaptive", "Step-size rule: 'agnostic' (open loop 2/(k+2)), 'short' "
                       "(min(gamma_max, gap/(L ||d||^2)), needs `L`), 'adaptive' (short step "
                       "with a backtracking estimate of L), 'exact' (line search: closed "
                       "form for quadratics, or `line_search`).", kind=str,
                       choices=("agnostic", "short", "adaptive", "exact"))
    L: float = option(None, "Lipschitz constant of the gradient; required for step='short', "
                      "initial estimate for 'adaptive' (default: estimated from two "
                      "gradients).", low=0.0, low_inclusive=False)
    line_search: object = option(None, "For step='exact': callable line_search(x, d, "
                                 "gamma_max) -> gamma in [0, gamma_max]; default: the exact "
                                 "step of a quadratic (from hessp when the problem has it, "
                                 "else from one function value).", kind=callable)
    max_backtracks: int = option(60, "Cap on the doublings of L in one adaptive step; "
                                 "reaching it stops the run with status 5.", kind=int, low=1)
    project_x0: bool = option(False, "Project an x0 outside the set onto it (when the set "
                              "offers a projection) instead of raising an error.", kind=bool)
    feasibility_tol: float = option(1e-9, "Tolerance of the check that x0 lies in the set.",
                                    low=0.0)

    def check(self):
        if self.step == "short" and self.L is None:
            raise ValueError("Option `L` is required when step='short'; give L or use "
                             "step='adaptive'.")


def make_step_rule(options: FWStepOptions, oracle):
    """The step rule of ``options.step``, a :mod:`~optkit.solvers._linesearch`
    object called as ``rule(x, f, g, d, slope, gamma_max, k, L) -> StepResult``."""
    rule = options.step
    if rule == "agnostic":
        return AgnosticStep(oracle)
    if rule == "short":
        return ShortStep(oracle, options.L)
    if rule == "exact":
        return ExactStep(oracle, options.line_search, oracle.problem.provides("hessp"))
    return AdaptiveShortStep(oracle, options.max_backtracks, dot=dot)


def initial_L(options: FWStepOptions, rule, x, g, d) -> float:
    """The first L: ``options.L``, the estimate of :class:`AdaptiveShortStep`
    (Pedregosa et al. 2020), or nan for the rules without L."""
    if options.L is not None:
        return options.L
    if options.step != "adaptive":
        return math.nan
    return rule.initial_L(x, g, d)


class _Rows:
    """A row buffer shared by successive states, and how many rows any of them wrote."""

    __slots__ = ("buf", "used")

    def __init__(self, buf, used=0):
        self.buf, self.used = buf, used


class ActiveSet:
    """Vertices of an iterate's active set, ``x = sum_i w_i V_i`` (the weights
    live in the state).

    The value is persistent: :meth:`with_row` returns a new ActiveSet when it
    adds a vertex and leaves this one unchanged, so a state keeps a valid
    active set after later steps (the driver's rollback). Vertices are rows
    of an append-only buffer shared by successive sets: rows below a set's
    ``n`` are never overwritten (a set extended a second time, e.g. by a
    rerun from an earlier state, copies the buffer first). A vertex seen
    before (same ``vertex_id``) reuses its row.
    """

    __slots__ = ("_rows", "n", "row_of")

    def __init__(self, dim: int, capacity: int = 16):
        self._rows = _Rows(np.empty((capacity, dim)))
        self.n = 0
        self.row_of: dict = {}

    @property
    def buf(self) -> np.ndarray:
        return self._rows.buf

    def with_row(self, key, v):
        """``(active_set, row)``: the row of vertex ``key``, added when new."""
        r = self.row_of.get(key)
        if r is not None:
            return self, r
        n, rows = self.n, self._rows
        new = ActiveSet.__new__(ActiveSet)
        new.row_of = dict(self.row_of)
        cap = rows.buf.shape[0]
        if rows.used != n or n == cap:
            # full, or rows past n written by another extension: a new buffer
            buf = np.empty((2 * cap if n == cap else cap, rows.buf.shape[1]))
            buf[:n] = rows.buf[:n]
            rows = _Rows(buf, n)
        rows.buf[n] = v
        rows.used = n + 1
        new._rows, new.n = rows, n + 1
        new.row_of[key] = n
        return new, n

    def weights(self, w: np.ndarray) -> np.ndarray:
        """``w`` padded with zeros to the current number of rows."""
        if w.size < self.n:
            w = np.concatenate([w, np.zeros(self.n - w.size)])
        return w

    def combine(self, w: np.ndarray) -> np.ndarray:
        """``sum_i w_i V_i`` over the rows with positive weight."""
        idx = np.flatnonzero(w)
        return w[idx] @ self.buf[idx]


class VertexCache:
    """The vertices an LMO returned, for lazified Frank-Wolfe.

    At most ``max_size`` rows; when full, the oldest vertex is replaced (its
    row is reused). Persistent like :class:`ActiveSet`: :meth:`with_vertex`
    returns a new cache (its own bookkeeping, the row buffer shared) and
    leaves this one's bookkeeping unchanged. Rows are only read inside one
    step (the vertex taken is copied), never kept in a state; once the cache
    is full, a replaced row is overwritten in the shared buffer (copying a
    cache of up to 256 MiB per LMO call would cost more than the LMO), so
    the cache of an earlier state then answers with the newer vertex in
    that row: rollback is unaffected (the driver does not step again from
    a returned state, and results do not read the cache).
    """

    __slots__ = ("max_size", "buf", "n", "next", "row_of", "key_of")

    def __init__(self, dim: int, max_size: int):
        self.max_size = int(max_size)
        self.buf = np.empty((min(16, self.max_size), dim))
        self.n = 0                 # rows in use
        self.next = 0              # row the next new vertex goes to once full
        self.row_of: dict = {}
        self.key_of: list = []

    def with_vertex(self, key, v) -> "VertexCache":
        """The cache with vertex ``key`` (itself when already cached)."""
        if key in self.row_of:
            return self
        new = VertexCache.__new__(VertexCache)
        new.max_size, new.buf, new.n, new.next = self.max_size, self.buf, self.n, self.next
        new.row_of, new.key_of = dict(self.row_of), list(self.key_of)
        if new.n < new.max_size:
            if new.n == new.buf.shape[0]:
                buf = np.empty((min(2 * new.n, new.max_size), new.buf.shape[1]))
                buf[: new.n] = new.buf[: new.n]
                new.buf = buf
            r = new.n
            new.n += 1
            new.key_of.append(key)
        else:
            r = new.next
            new.next = (new.next + 1) % new.max_size
            del new.row_of[new.key_of[r]]
            new.key_of[r] = key
        new.buf[r] = v
        new.row_of[key] = r
        return new

    def rows(self) -> np.ndarray:
        return self.buf[: self.n]
