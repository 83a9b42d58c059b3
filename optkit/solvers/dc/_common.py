r"""What the continuous DC methods share: the counted DC oracle (the only caller
of ``g``, ``h`` and the inner convex solves, and the only writer of the counts),
the state, the options and the base solver.

The inner subproblem of the DC algorithm,

.. math:: z = \operatorname*{argmin}_x\; g(x) - \langle y, x\rangle,

is solved by the optkit method of ``g``'s family through
:func:`optkit.minimize` (``fgm`` for a smooth ``g``, ``bcd`` for a composite
one) or by cvxpy for a cvxpy expression; the inner result's counts are added
to the oracle's, so ``res.nfev`` counts every evaluation of ``g``.

Inexactness rule (ours). The inner solve of iteration ``k`` stops when the
inner method's certificate ``r`` (the gradient norm of ``fgm``, the
prox-gradient residual of ``bcd``) is at most
:math:`\tau_k = \max(0.1\,\theta\,\|x_k - x_{k-1}\|, \tau_{\min})` (the next
step predicted as a tenth of the last), and it is
resumed (warm) with a smaller tolerance while
:math:`r > \theta\,\|z_k - x_k\|`. For a strongly convex subproblem the
distance to its exact solution is :math:`O(r)`, so the inexact step stays
within a fixed fraction :math:`O(\theta)` of the exact step; the sufficient
decrease :math:`\varphi(x_k) - \varphi(x_{k+1}) \ge c\,\|x_{k+1} - x_k\|^2`
that gives DCA its :math:`O(1/K)` rate for :math:`\min_k \|x_{k+1} - x_k\|^2`
then holds with a constant changed by a factor :math:`1 - O(\theta)` (the
relative-error condition of inexact descent methods). ``tau_min`` =
``max(theta * tol, 1e-13)``: the last steps are solved to a fraction of the
outer tolerance.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import Options, option
from ..._core.oracle import Oracle
from ..._core.solver import Solver, State
from ...problems.base import SmoothProblem
from ...problems.composite import CompositeProblem
from ...problems.dc import DCProblem

__all__ = ["DCOracle", "DCState", "DCOptions", "DCSolver"]


class _ShiftedQuadratic(SmoothProblem):
    """``x'Qx/2 - (c + y)'x``: the smooth part of a least-squares subproblem, with the
    coordinate form the compiled ``bcd`` kernels read."""

    def __init__(self, Q, c):
        super().__init__(x0=np.zeros(c.size), name="dc-subproblem")
        self.Q, self.c = Q, c
        self.dim = c.size

    def fun(self, x):
        return float(0.5 * x @ (self.Q @ x) - self.c @ x)

    def grad(self, x):
        return self.Q @ x - self.c

    def hess(self, x):
        return self.Q

    def coordinate_form(self):
        from ..coordinate._datafit import QuadForm
        return QuadForm(self.Q, self.c)


class DCOracle(Oracle):
    """Counted front of a :class:`~optkit.problems.dc.DCProblem`.

    Attributes
    ----------
    nfev, njev, nhev, nhvp : int
        Evaluations of ``g`` (and of its smooth part inside inner solves),
        of its gradient, Hessian and Hessian-vector products, the inner
        solves' counts included. Least-squares subproblems run compiled
        kernels on the data, which count no ``g`` call (their work is in
        ``ninner``).
    nh : int
        Evaluations of ``h``.
    nsubgrad : int
        Subgradients of ``h``.
    nsub : int
        Inner convex solves (a resumed solve counts again).
    ninner : int
        Iterations of the inner solver, summed (``bcd``: coordinate updates;
        ``fgm``: gradient steps; cvxpy: the conic solver's iterations).
    """

    count_names = ("nfev", "njev", "nhev", "nhvp", "nh", "nsubgrad", "nsub", "ninner")

    def __init__(self, problem: DCProblem, dim: int, inner_method=None, inner_options=None):
        super().__init__()
        self.problem = problem
        self.dim = dim
        self.kind = problem.kind
        self.inner_options = dict(inner_options or {})
        self._quad = None
        if self.kind == "composite":
            from ...problems.fractional import FractionalProblem
            self._quad = FractionalProblem._quadratic_form(problem.g.smooth)
        if inner_method is None:
            inner_method = {"smooth": "fgm", "composite": "bcd", "cvxpy": "cvxpy"}[self.kind]
        if (self.kind == "cvxpy") != (inner_method == "cvxpy"):
            raise ValueError(f"`inner_method`={inner_method!r} does not fit a g given as "
                             f"{self.kind!r}.")
        self.inner_method = inner_method
        if self.kind == "cvxpy":
            import cvxpy as cp
            self._y = cp.Parameter(dim)
            self._cvx = cp.Problem(cp.Minimize(problem.g - self._y @ problem.variable))

    # -- g, h ------------------------------------------------------------------
    def g(self, x) -> float:
        """g(x), counted in ``nfev``."""
        self.nfev += 1
        return float(self.problem.g_value(x))

    def h(self, x) -> float:
        """h(x), counted in ``nh``."""
        self.nh += 1
        return float(self.problem.h.fun(x))

    def phi(self, x) -> float:
        r""":math:`\varphi(x) = g(x) - h(x)`."""
        return self.g(x) - self.h(x)

    def subgradient(self, x) -> np.ndarray:
        """An element of the subdifferential of h at x, counted in ``nsubgrad``."""
        self.nsubgrad += 1
        y = np.asarray(self.problem.h.subgradient(x), dtype=float)
        if y.shape != (self.dim,):
            y = y.reshape(-1)
            if y.shape != (self.dim,):
                raise ValueError(f"`h.subgradient` returned shape {y.shape}; expected "
                                 f"({self.dim},).")
        return y

    # -- the convex subproblem -------------------------------------------------
    def _inner_problem(self, y):
        prob = self.problem
        if self.kind == "smooth":
            g = prob.g
            hess = g.hess if g.provides("hess") else None
            return SmoothProblem(lambda x: g.fun(x) - y @ x, grad=lambda x: g.grad(x) - y,
                                 hess=hess), {}, 0.0
        if self._quad is not None:
            Q, c, k = self._quad
            return CompositeProblem(_ShiftedQuadratic(Q, c + y), prob.g.penalty), {}, k
        f = prob.g.smooth
        hess = f.hess if f.provides("hess") else None
        smooth = SmoothProblem(lambda x: f.fun(x) - y @ x, grad=lambda x: f.grad(x) - y,
                               hess=hess, x0=np.zeros(self.dim))
        extra = {} if prob.lipschitz is None or self.inner_method != "bcd" \
            else {"lipschitz": prob.lipschitz}
        return CompositeProblem(smooth, prob.g.penalty), extra, 0.0

    def solve(self, y, start, tol: float, maxiter: int):
        r"""Approximately solve :math:`\min_x g(x) - \langle y, x\rangle` from ``start``.

        Returns ``(z, g(z), r, status)``: the point, g there (from the inner
        objective: no extra call), the inner certificate ``r`` and the inner
        status (0: converged to ``tol``).
        """
        self.nsub += 1
        if self.kind == "cvxpy":
            self._y.value = np.asarray(y, dtype=float)
            self.problem.variable.value = np.asarray(start, dtype=float)
            try:
                self._cvx.solve(warm_start=True)
            except Exception as exc:       # solver failures become a reported failure
                return None, math.nan, math.nan, f"cvxpy failed: {exc}"
            stats = self._cvx.solver_stats
            self.ninner += int(getattr(stats, "num_iters", None) or 0)
            z = self.problem.variable.value
            if z is None:
                return None, math.nan, math.nan, f"cvxpy status {self._cvx.status}"
            z = np.asarray(z, dtype=float).reshape(self.dim)
            return z, float(self._cvx.value) + float(y @ z), 0.0, 0
        from ...minimize import minimize
        inner, extra, const = self._inner_problem(y)
        opts = {**extra, **self.inner_options, "maxiter": maxiter, "trace": False}
        res = minimize(inner, np.asarray(start, dtype=float), self.inner_method, tol=tol,
                       options=opts)
        for name in ("nfev", "njev", "nhev", "nhvp"):
            setattr(self, name, getattr(self, name) + int(res.get(name, 0)))
        self.ninner += int(res.nit)
        z = np.asarray(res.x, dtype=float)
        return z, float(res.fun) + float(y @ z) + const, float(res.certificate), int(res.status)


@dataclasses.dataclass(frozen=True)
class DCOptions(Options):
    """Options shared by the continuous DC methods."""

    inner_method: str = option(None, "Optkit method for the convex subproblems (None: 'fgm' "
                               "for a smooth g, 'bcd' for a composite g, 'cvxpy' for a cvxpy "
                               "expression).", kind=str)
    inner_options: dict = option(None, "Extra options of the inner method (dict).",
                                 kind=object)
    inner_rtol: float = option(0.1, "theta of the inexactness rule: inner certificate <= "
                               "theta * ||z_k - x_k|| (see the module notes).", low=0.0,
                               high=1.0, low_inclusive=False)
    inner_tol_max: float = option(1e-3, "Largest inner tolerance (the first subproblem's).",
                                  low=0.0, low_inclusive=False)
    inner_maxiter: int = option(2000, "Cap on one inner solve: iterations of fgm, epochs of "
                                "bcd.", kind=int, low=1)
    refinements: int = option(4, "Resumed inner solves allowed per iteration while the "
                              "relative-error test fails.", kind=int, low=0)


@dataclasses.dataclass(kw_only=True)
class DCState(State):
    subgradient: np.ndarray      # y_k in the subdifferential of h at x_k
    point: np.ndarray            # z_k, the (inexact) DCA point from x_k
    g_point: float               # g(z_k)
    fun_point: float             # phi(z_k)
    step_norm: float             # ||z_k - x_k||: the criticality measure (certificate)
    decrease: float              # phi(x_{k-1}) - phi(x_k) (inf at x0)
    inner_tol: float
    tol_floor: float


class DCSolver(Solver):
    """Base of the continuous DC methods (family ``"dc"``)."""

    family = "dc"
    requires = ("fun", "subgradient")
    Options = DCOptions
    trace_fields = ("decrease",)
    default_tol = 1e-6
    default_maxiter = 1000
    certificate_name = "dca_step"

    def make_oracle(self, problem, dim):
        o = self.options
        return DCOracle(problem, dim, o.inner_method, o.inner_options)

    def _maxiter(self, oracle):
        o = self.options.inner_maxiter
        return o * oracle.dim if oracle.inner_method in ("bcd",) else o

    def _dca_point(self, oracle, x, tol, start=None):
        """``(y, z, g(z), phi(z), failure)`` with the relative-error rule on the inner
        solve (``tol``: the first inner tolerance)."""
        y = oracle.subgradient(x)
        if not np.all(np.isfinite(y)):
            return y, None, math.nan, math.nan, "nonfinite"
        floor = self._floor
        theta = self.options.inner_rtol
        z, gz, r, status = oracle.solve(y, x if start is None else start, tol,
                                        self._maxiter(oracle))
        for _ in range(self.options.refinements):
            if z is None or not np.all(np.isfinite(z)):
                break
            step = float(np.linalg.norm(z - x))
            if r <= theta * step or tol <= floor:
                break
            tol = max(theta * step, floor)
            z, gz, r, status = oracle.solve(y, z, tol, self._maxiter(oracle))
        if z is None:
            return y, None, math.nan, math.nan, str(status)
        return y, z, gz, gz - oracle.h(z), None

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        self._floor = max(self.options.inner_rtol * tol, 1e-13)
        x = np.array(x0, dtype=float)
        fx = oracle.phi(x)
        tau = self.options.inner_tol_max
        y, z, gz, fz, failure = self._dca_point(oracle, x, tau)
        return self._state(x, fx, y, z, gz, fz, math.inf, tau, failure)

    def _state(self, x, fx, y, z, gz, fz, decrease, tau, failure):
        st = DCState(x=x, fun=fx, subgradient=y, point=z if z is not None else x.copy(),
                     g_point=gz, fun_point=fz,
                     step_norm=float(np.linalg.norm(z - x)) if z is not None else math.nan,
                     decrease=decrease, inner_tol=tau, tol_floor=self._floor)
        if failure == "nonfinite":
            st.nonfinite = "the subgradient of h has non-finite entries"
        elif failure is not None:
            st.failure = f"the convex subproblem failed ({failure})"
        elif not (math.isfinite(fz) and np.all(np.isfinite(st.point))):
            st.nonfinite = "the DCA subproblem returned a non-finite point or value"
        return st

    def _advance(self, oracle, state, x_new, f_new):
        """The state at ``x_new`` (phi = ``f_new``): the next subgradient and DCA point."""
        theta = self.options.inner_rtol
        # the next step is predicted as a tenth of the last one (DCA steps shrink
        # geometrically near a critical point); the relative-error test in
        # _dca_point resumes the solve when the prediction was too loose
        tau = min(max(0.1 * theta * float(np.linalg.norm(x_new - state.x)), self._floor),
                  self.options.inner_tol_max)
        y, z, gz, fz, failure = self._dca_point(oracle, x_new, tau)
        return self._state(x_new, f_new, y, z, gz, fz, state.fun - f_new, tau, failure)

    def certificate(self, state):
        return state.step_norm

    def result_fields(self, state):
        return {"subgradient": state.subgradient.copy(), "decrease": state.decrease,
                "dca_point": state.point.copy()}
