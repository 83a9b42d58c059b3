"""What the bilevel methods share: the counted oracle (the only caller of the
problem's oracles and the only writer of the counts), the options every
bilevel method accepts, the base state and the base solver."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
from scipy.optimize import OptimizeWarning

from ..._core.options import Options, option
from ..._core.oracle import Oracle
from ..._core.solver import Solver, State
from ..._core.validate import as_x0
from ...problems.bilevel import BilevelIterate

__all__ = ["BilevelOracle", "BilevelOptions", "BilevelState", "BilevelSolver",
           "BilevelIterate", "NEEDS_NO_STRONG_CONVEXITY", "schedule_warning", "first_nonfinite"]

#: the estimate-based certificate before the first step (the largest float: finite, so
#: the driver's guard accepts it, and never below a tolerance)
NO_ESTIMATE = float(np.finfo(float).max)

#: the methods of the family that do not assume a strongly convex lower level
NEEDS_NO_STRONG_CONVEXITY = ("bilevel-penalty", "sl-bamm")


def schedule_warning(method: str, condition: str, detail: str) -> None:
    """Warn that a method's step-size schedule violates ``condition``."""
    warnings.warn(f"{method}: the schedule violates the condition {condition} ({detail}); "
                  "the method's convergence guarantee does not apply.",
                  OptimizeWarning, stacklevel=4)


def first_nonfinite(**arrays) -> str | None:
    """A phrase naming the first non-finite array (None: all finite)."""
    for name, a in arrays.items():
        a = np.asarray(a)
        if not math.isfinite(float(a.sum())) and not np.isfinite(a).all():
            kind = "NaN" if np.isnan(a).any() else "inf"
            return f"{name.replace('_', ' ')} has {kind} entries"
    return None


class BilevelOracle(Oracle):
    """Counted front of a :class:`~optkit.problems.bilevel.BilevelProblem`.

    Attributes
    ----------
    nfev : int
        Objective values of either level (the full values recorded each
        iteration for the trace).
    njev : int
        Gradient calls of either level (one call gives both partial
        gradients, in x and y).
    nhev : int
        Always 0 (no method forms a Hessian).
    nhvp : int
        Second-order products of the lower level: Hessian-vector products
        in y and cross products (the Hessian-vector methods' unit of work).
    ngrad_upper, ngrad_lower : int
        The gradient calls per level.
    ncross : int
        The cross products :math:`\\nabla^2_{xy} g\\, v` among ``nhvp``.
    nsample : int
        Terms touched by gradient and second-order calls (a full-batch call
        of a level with n terms counts n, a minibatch its size; a level
        without sampler counts 1 per call): the data passes of stochastic
        runs.
    """

    count_names = ("nfev", "njev", "nhev", "nhvp", "ngrad_upper", "ngrad_lower", "ncross",
                   "nsample")

    def __init__(self, problem, dim: int):
        super().__init__()
        self.problem = problem
        self.dim_x, self.dim_y = problem.dim_x, problem.dim_y
        self._gen = np.random.default_rng(0)          # workspace; state comes from the State
        self._terms = {lv: (problem.n_terms(lv) or 1) for lv in ("upper", "lower")}

    # -- sampling --------------------------------------------------------------------
    def sample(self, level: str, rng_state, batch_size):
        """``(idx, new_rng_state)``: a minibatch of ``level`` drawn from
        ``rng_state`` (``idx`` None for the full objective: no batch size,
        or a level without sampler)."""
        if batch_size is None or not self.problem.is_sampled(level):
            return None, rng_state
        self._gen.bit_generator.state = rng_state
        idx = self.problem.draw(level, self._gen, batch_size)
        return idx, self._gen.bit_generator.state

    def _size(self, level, idx):
        return self._terms[level] if idx is None else len(idx)

    # -- checks ----------------------------------------------------------------------
    def _vec(self, v, n, what):
        v = np.asarray(v, dtype=float)
        if v.shape != (n,):
            if v.size == n:
                return v.reshape(n)
            raise ValueError(f"Shape mismatch: `{what}` returned an array of shape {v.shape}; "
                             f"expected ({n},).")
        return v

    def _pair(self, out, what):
        try:
            gx, gy = out
        except (TypeError, ValueError):
            raise ValueError(f"`{what}` must return a pair (grad_x, grad_y).") from None
        return (self._vec(gx, self.dim_x, f"{what}[0] (the gradient in x, length dim_x)"),
                self._vec(gy, self.dim_y, f"{what}[1] (the gradient in y, length dim_y)"))

    @staticmethod
    def _scalar(v, what):
        arr = np.asarray(v, dtype=float)
        if arr.size != 1:
            raise ValueError(f"`{what}` must return a scalar; got shape {arr.shape}.")
        return float(arr.reshape(()))

    # -- oracles ---------------------------------------------------------------------------
    def upper(self, x, y) -> float:
        """f(x, y), full objective."""
        self.nfev += 1
        return self._scalar(self.problem.upper(x, y), "upper")

    def lower(self, x, y) -> float:
        """g(x, y), full objective."""
        self.nfev += 1
        return self._scalar(self.problem.lower(x, y), "lower")

    def upper_grad(self, x, y, idx=None):
        """``(∇_x f, ∇_y f)`` (minibatch ``idx`` or full)."""
        self.njev += 1
        self.ngrad_upper += 1
        self.nsample += self._size("upper", idx)
        return self._pair(self.problem.upper_grad(x, y, idx), "upper_grad")

    def lower_grad(self, x, y, idx=None):
        """``(∇_x g, ∇_y g)`` (minibatch ``idx`` or full)."""
        self.njev += 1
        self.ngrad_lower += 1
        self.nsample += self._size("lower", idx)
        return self._pair(self.problem.lower_grad(x, y, idx), "lower_grad")

    def lower_hvp(self, x, y, v, idx=None):
        """``∇²_yy g(x, y) v``."""
        self.nhvp += 1
        self.nsample += self._size("lower", idx)
        return self._vec(self.problem.lower_hvp(x, y, v, idx), self.dim_y,
                         "lower_hvp (length dim_y)")

    def lower_cross(self, x, y, v, idx=None):
        """``∇²_xy g(x, y) v``."""
        self.nhvp += 1
        self.ncross += 1
        self.nsample += self._size("lower", idx)
        return self._vec(self.problem.lower_cross(x, y, v, idx), self.dim_x,
                         "lower_cross (length dim_x)")

    def exact_hypergradient(self, x):
        """The exact hypergradient (a diagnostic for the certificate: not counted)."""
        return self._vec(self.problem.exact_hypergradient(x), self.dim_x, "hypergradient")


@dataclasses.dataclass(frozen=True)
class BilevelOptions(Options):
    """Options every bilevel method accepts."""

    y0: object = option(None, "Start of the lower variable y (overrides the start's y; "
                        "None: the start's, i.e. problem.y0 for a flat x0).", kind=object)
    z0: object = option(None, "Start of the auxiliary variable z (F2SA, penalty: the "
                        "lower-only minimizer, default y; Hessian-vector methods: the "
                        "linear-system solution v, default 0).", kind=object)
    batch_size: int = option(None, "Minibatch size for the levels that have a sampler "
                             "(None: full, deterministic oracles).", kind=int, low=1)
    seed: int = option(0, "Seed of the minibatch generator (its state lives in the run's "
                       "State: seeded runs are reproducible).", kind=int)
    certificate: str = option("auto", "What the certificate measures: 'exact' (norm of the "
                              "exact hypergradient, when the problem computes it), "
                              "'estimate' (norm of the method's own hypergradient "
                              "estimate), 'auto' (exact when the problem says it is cheap).",
                              kind=str, choices=("auto", "exact", "estimate"))


@dataclasses.dataclass(kw_only=True)
class BilevelState(State):
    upper: float                 # f(x, y), full (== fun)
    lower: float                 # g(x, y), full
    hypergrad_est: float         # norm of the method's last hypergradient estimate
    cert: float                  # the certificate
    rng: dict | None = None      # bit-generator state of the minibatch draws
    k: int = 0                   # outer iteration counter


class BilevelSolver(Solver):
    """Shared parts of the bilevel methods (family ``"bilevel"``)."""

    family = "bilevel"
    requires = ("upper", "lower", "upper_grad", "lower_grad")
    Options = BilevelOptions
    default_tol = 1e-6
    default_maxiter = 1000
    certificate_name = "hypergrad_norm"
    trace_fields = ("upper", "lower", "hypergrad_est")
    #: whether the method's analysis assumes a strongly convex lower level
    needs_strong_convexity = True
    #: what the method keeps in z: "lower" (lower-only minimizer) or "v" (linear system)
    z_role = "lower"
    #: whether the method projects onto the problem's x_set / y_set (constrained levels)
    projects = False

    def make_oracle(self, problem, dim):
        if self.needs_strong_convexity and not problem.lower_strongly_convex:
            others = ", ".join(repr(m) for m in NEEDS_NO_STRONG_CONVEXITY)
            raise ValueError(
                f"Method {self.name!r} requires a strongly convex lower level g(x, .); the "
                f"problem declares lower_mu = {problem.lower_mu}. Methods that do not need "
                f"it: {others}.")
        if not self.projects and (problem.x_set is not None or problem.y_set is not None):
            raise ValueError(
                f"Method {self.name!r} does not handle constrained levels (the problem has "
                "x_set or y_set); use method 'bilevel-penalty' (projected steps).")
        return BilevelOracle(problem, dim)

    # -- start ---------------------------------------------------------------------------
    def _start(self, oracle, x0: BilevelIterate) -> BilevelIterate:
        """The start with the options y0 / z0 applied; sets the constants of the run."""
        self.oracle = oracle
        problem = oracle.problem
        opts = self.options
        x, y, z = x0
        if opts.y0 is not None:
            y = as_x0(opts.y0, "options['y0']")
            if y.size != problem.dim_y:
                raise ValueError(f"Option `y0` must have length dim_y = {problem.dim_y}; "
                                 f"got {y.size}.")
            if self.z_role == "lower" and opts.z0 is None:
                z = y.copy()
        if self.z_role == "v":
            z = np.zeros(problem.dim_y)
        if opts.z0 is not None:
            z = as_x0(opts.z0, "options['z0']")
            if z.size != problem.dim_y:
                raise ValueError(f"Option `z0` must have length dim_y = {problem.dim_y}; "
                                 f"got {z.size}.")
        mode = opts.certificate
        can_exact = problem.provides("hypergradient") or (
            problem.provides("lower_solve") and problem.provides("lower_hvp")
            and problem.provides("lower_cross"))
        if mode == "exact" and not can_exact:
            raise ValueError(
                f"Option certificate='exact' needs a problem that computes the exact "
                f"hypergradient (`hypergradient`, or `lower_solve` with `lower_hvp` and "
                f"`lower_cross`); {problem.name} does not. Use certificate='estimate'.")
        self._exact_cert = mode == "exact" or (mode == "auto" and problem.exact_is_cheap)
        self._rng0 = np.random.default_rng(opts.seed).bit_generator.state
        return BilevelIterate(x, y, z)

    def _batch(self):
        return self.options.batch_size

    def _measure(self, x, y, hyper_est, start=False):
        """``(upper, lower, estimate norm, certificate)`` at the new iterate.

        At the start (``start=True``) a method's estimate is not yet an
        estimate (y and z are not fitted to x: F2SA's estimate is 0 when y = z),
        so the estimate-based certificate is :data:`NO_ESTIMATE` there."""
        oracle = self.oracle
        f = oracle.upper(x, y)
        g = oracle.lower(x, y)
        est = float(np.linalg.norm(hyper_est))
        if self._exact_cert:
            grad = oracle.exact_hypergradient(x)
            if oracle.problem.x_set is not None:
                # constrained x: the gradient mapping vanishes at a stationary point
                t = getattr(self.options, "x_step", 1.0)
                grad = (x - self._project_x(x - t * grad)) / t
            cert = float(np.linalg.norm(grad))
        else:
            cert = NO_ESTIMATE if start else est
        return f, g, est, cert

    def _project_x(self, x):
        s = self.oracle.problem.x_set
        return x if s is None else np.asarray(s.project(x), dtype=float)

    def _project_y(self, y):
        s = self.oracle.problem.y_set
        return y if s is None else np.asarray(s.project(y), dtype=float)

    def _lower_L(self, what: str):
        L = self.oracle.problem.lower_L
        if L is None or L <= 0:
            raise ValueError(
                f"Method {self.name!r}: give option `{what}`, or a problem that declares "
                "`lower_L` (the Lipschitz constant of grad_y g), from which the default is "
                "derived.")
        return L

    def certificate(self, state):
        return state.cert

    def result_fields(self, state):
        return {"upper": state.upper, "lower": state.lower,
                "hypergrad_est": state.hypergrad_est}


def conjugate_gradient(matvec, b, v0, iters: int, rtol: float = 1e-12):
    """``iters`` conjugate-gradient steps on ``A v = b`` from ``v0`` (A symmetric
    positive definite, given by ``matvec``); stops early once the residual is
    below ``rtol * ||b||``. Returns ``(v, matvecs used)``."""
    v = np.array(v0, dtype=float, copy=True)
    r = b - matvec(v)
    used = 1
    p = r.copy()
    rr = float(r @ r)
    stop = (rtol * float(np.linalg.norm(b))) ** 2
    for _ in range(iters):
        if rr <= stop:
            break
        Ap = matvec(p)
        used += 1
        pAp = float(p @ Ap)
        if not pAp > 0:                 # not positive definite along p (or NaN): stop here
            break
        step = rr / pAp
        v = v + step * p
        r = r - step * Ap
        rr_new = float(r @ r)
        p = r + (rr_new / rr) * p
        rr = rr_new
    return v, used


def neumann_solve(matvec, b, eta: float, terms: int):
    """stocBiO's truncated Neumann series ``eta * sum_{q<terms} (I - eta A)^q b``,
    with ``matvec`` drawing a fresh minibatch per product. Returns ``v``."""
    term = np.array(b, dtype=float, copy=True)
    total = term.copy()
    for _ in range(terms - 1):
        term = term - eta * matvec(term)
        total = total + term
    return eta * total
