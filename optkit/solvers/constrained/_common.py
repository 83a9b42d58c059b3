r"""What the equality-constrained methods share: the counted oracle (the only
caller of the problem's oracles and of the sketch kernels, and the only writer
of the counts), the state, the options and the outer method.

The outer method (Hong, Na, Mahoney and Kolar 2023) is a line search on the
differentiable exact augmented Lagrangian (Na, Anitescu and Kolar 2023)

.. math::
    \mathcal L_{\mu,\nu}(x, \lambda) = L(x, \lambda) + \frac{\mu}{2}\|c(x)\|^2
        + \frac{\nu}{2}\|\nabla_x L(x, \lambda)\|^2,

with gradient

.. math::
    \nabla_x \mathcal L_{\mu,\nu} = (I + \nu \nabla^2_{xx} L)\nabla_x L + \mu J^T c,
    \qquad
    \nabla_\lambda \mathcal L_{\mu,\nu} = c + \nu J \nabla_x L,

along the Newton-KKT direction :math:`K\Delta = -(\nabla_x L, c)`; the
subclasses differ only in how they solve that system (exactly, or by
randomized sketching to an adaptive accuracy).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..._core.options import Options, option
from ..._core.oracle import CountedSmoothOracle, Oracle
from ..._core.solver import Solver, State
from ...problems.constrained import KKTPoint
from . import _linear
from ._linear import KKTSystem

__all__ = ["EqualityOracle", "ALState", "ALOptions", "ExactALBase", "KKTPoint"]

_EPS = np.finfo(float).eps


def _jt(J, w) -> np.ndarray:
    """``J^T w`` for an ndarray, sparse matrix or LinearOperator."""
    return np.asarray(J.T @ w, dtype=float).ravel()


def _jv(J, v) -> np.ndarray:
    return np.asarray(J @ v, dtype=float).ravel()


class EqualityOracle(Oracle):
    r"""Counted front of an :class:`~optkit.problems.EqualityConstrainedProblem`.

    Attributes
    ----------
    nfev, njev : int
        Objective values and gradients (finite differences count each value).
    nhev : int
        Hessians: of f (``hess``) or of the Lagrangian (``lagrangian_hess``).
    nhvp : int
        Hessian-vector products of f (matrix-free path).
    constr_nfev, constr_njev : int
        Constraint values and Jacobians (``cons_and_jac`` counts one of each).
    constr_nhev : int
        Constraint Hessians :math:`\sum_i \lambda_i \nabla^2 c_i` (or products
        with them, matrix-free).
    nsketch : int
        Sketch-and-project steps (one Kaczmarz row, one block, one Gaussian or
        count sketch).
    """

    count_names = ("nfev", "njev", "nhev", "nhvp", "constr_nfev", "constr_njev",
                   "constr_nhev", "nsketch")

    nfev = property(lambda self: self.smooth.nfev)
    njev = property(lambda self: self.smooth.njev)
    nhev = property(lambda self: self.smooth.nhev + self._nlag)
    nhvp = property(lambda self: self.smooth.nhvp)

    def __init__(self, problem, dim: int):
        super().__init__()
        self.problem = problem
        self.smooth = CountedSmoothOracle(problem, dim)
        self._nlag = 0
        self.n = None
        self.m = None
        self._xc = None
        self._cj = None

    def setup(self, n: int) -> None:
        """Fix the number of variables (from the start)."""
        self.n = int(n)
        self.smooth.dim = self.n

    # -- first order -------------------------------------------------------------
    def objective(self, x):
        """``(f(x), grad f(x))``."""
        return self.smooth.fun_and_grad(x)

    def constraints(self, x):
        """``(c(x), J(x))``, cached at the last point; shapes checked."""
        if self._xc is not None and bool((x == self._xc).all()):
            return self._cj
        p = self.problem
        if p.implements("cons_and_jac"):
            self.constr_nfev += 1
            self.constr_njev += 1
            c, J = p.cons_and_jac(x)
        else:
            self.constr_nfev += 1
            c = p.cons(x)
            self.constr_njev += 1
            J = p.jac(x)
        c = np.atleast_1d(np.asarray(c, dtype=float))
        if c.ndim != 1:
            c = c.ravel()
        if self.m is None:
            self.m = c.size
        elif c.size != self.m:
            raise ValueError(f"`cons` returned {c.size} values; it returned {self.m} at x0.")
        if not (sp.issparse(J) or isinstance(J, spla.LinearOperator)):
            J = np.atleast_2d(np.asarray(J, dtype=float))
        elif sp.issparse(J):
            J = sp.csr_matrix(J, dtype=float)
        if J.shape != (self.m, self.n):
            raise ValueError(
                f"`jac` (the constraint Jacobian) returned shape {J.shape}; expected "
                f"({self.m}, {self.n}) = (number of constraints, size of x).")
        self._xc = np.array(x, dtype=float, copy=True)
        self._cj = (c, J)
        return c, J

    # -- second order ------------------------------------------------------------
    def lagrangian_hess(self, x, lam):
        """The Lagrangian Hessian as a matrix, or None when the problem gives
        only products (the matrix-free path uses :meth:`lagrangian_hessp`)."""
        p = self.problem
        if p.provides("lagrangian_hess"):
            self._nlag += 1
            H = p.lagrangian_hess(x, lam)
        elif p.provides("hess") and (p.linear or p.provides("cons_hess")):
            H = self.smooth.hess(x)
            if isinstance(H, spla.LinearOperator):
                return None
            if not p.linear:
                self.constr_nhev += 1
                Hc = p.cons_hess(x, lam)
                H = H + Hc
        elif not (p.provides("hessp") and (p.linear or p.provides("cons_hessp"))) \
                and self.n <= 200:
            # no second derivatives, small n: the matrix from n differences of grad L,
            # symmetrized (a Krylov solve on an inexact difference operator stagnates)
            cols = [self.lagrangian_hessp(x, lam, e) for e in np.eye(self.n)]
            H = np.column_stack(cols)
            return 0.5 * (H + H.T)
        else:
            return None
        if isinstance(H, spla.LinearOperator):
            return None
        if getattr(H, "shape", None) != (self.n, self.n):
            raise ValueError(f"the Lagrangian Hessian has shape {getattr(H, 'shape', None)}; "
                             f"expected ({self.n}, {self.n}).")
        return H if sp.issparse(H) else np.asarray(H, dtype=float)

    def lagrangian_hessp(self, x, lam, v):
        r""":math:`\nabla^2_{xx} L(x, \lambda) v` without a matrix: products of
        the problem when it gives them, else forward differences of
        :math:`\nabla_x L` (one gradient and one Jacobian per product)."""
        p = self.problem
        v = np.asarray(v, dtype=float)
        if p.provides("hessp") and (p.linear or p.provides("cons_hessp")):
            hv = self.smooth.hessp(x, v)
            if not p.linear:
                self.constr_nhev += 1
                hv = hv + np.asarray(p.cons_hessp(x, lam, v), dtype=float).ravel()
            return hv
        nv = float(np.linalg.norm(v))
        if nv == 0.0:
            return np.zeros(self.n)
        h = math.sqrt(_EPS) * max(1.0, float(np.linalg.norm(x))) / nv
        xt = x + h * v
        gt = self.smooth.grad(xt)
        _, Jt = self.constraints(xt)
        g0 = self.smooth.grad(x)
        _, J0 = self.constraints(x)
        return ((gt + _jt(Jt, lam)) - (g0 + _jt(J0, lam))) / h

    # -- linear algebra on the problem's data ------------------------------------
    def sketch_solve(self, system, b, tol, start, rng, **kw):
        """Sketch-and-project on the KKT system (counted in ``nsketch``)."""
        out = _linear.sketch_solve(system, b, tol, start, rng, **kw)
        self.nsketch += out.steps
        return out


@dataclasses.dataclass(kw_only=True)
class ALState(State):
    """State of the exact-augmented-Lagrangian methods: ``x = KKTPoint(x, lam)``."""

    c: np.ndarray
    J: object
    grad_lag: np.ndarray         # gradient of the Lagrangian in x
    kkt: float                   # ||(grad_lag, c)||
    mu: float
    nu: float
    delta: float                 # Hessian regularization of the last Newton system
    merit: float
    alpha: float = 1.0
    flops: float = 0.0
    theta: float = float("nan")  # relative accuracy asked of the last solve
    unit_steps: int = 0
    iteration: int = 0
    rng_state: dict | None = None


@dataclasses.dataclass(frozen=True)
class ALOptions(Options):
    """Options every exact-augmented-Lagrangian method accepts."""

    nu: float = option(1.0, "Initial weight nu of the dual-infeasibility term (nu/2)||grad_x "
                       "L||^2 of the merit (nonincreasing: divided by 10 while ||(I + nu H) "
                       "grad_x L|| < ||grad_x L|| / 2, or when no descent direction is found).",
                       low=0.0, low_inclusive=False)
    curvature: float = option(1e-10, "Curvature test Delta_x^T (H + delta I) Delta_x >= "
                              "curvature ||Delta_x||^2; failing it raises delta.", low=0.0)
    nu_min: float = option(1e-8, "Floor of nu.", low=0.0, low_inclusive=False)
    mu0: float = option(1.0, "Initial penalty mu on (mu/2)||c||^2.", low=0.0,
                        low_inclusive=False)
    mu_factor: float = option(10.0, "Factor rho > 1 by which mu grows when the Newton "
                              "direction is not a sufficient descent direction.", low=1.0,
                              low_inclusive=False)
    mu_max: float = option(1e10, "Cap on mu; needing more stops the run with a status.",
                           low=0.0, low_inclusive=False)
    eta: float = option(1e-4, "Descent test <grad merit, Delta> <= -eta ||grad L|| "
                        "||Delta||.", low=0.0, high=1.0, low_inclusive=False,
                        high_inclusive=False)
    armijo: float = option(1e-4, "Armijo constant beta of the line search on the merit.",
                           low=0.0, high=0.5, low_inclusive=False, high_inclusive=False)
    backtrack: float = option(0.5, "Step-size reduction of the line search.", low=0.0,
                              high=1.0, low_inclusive=False, high_inclusive=False)
    max_backtracks: int = option(60, "Line-search trials before the run stops with a "
                                 "status.", kind=int, low=1)
    delta_max: float = option(1e10, "Cap on the Hessian regularization delta (B = H + "
                              "delta I) tried when no descent direction is found.", low=0.0,
                              low_inclusive=False)
    lam0: str = option("least-squares", "Multipliers at a flat x0: 'least-squares' "
                       "(argmin ||grad f + J^T lam||, dense or LSQR) or 'zeros'.", kind=str,
                       choices=("least-squares", "zeros"))
    unbounded: float = option(1e20, "The merit (or f) below -unbounded, or ||x|| above "
                              "it, stops the run: the problem looks unbounded.", low=0.0,
                              low_inclusive=False)
    licq_tol: float = option(1e-10, "At x0, sigma_min(J) <= licq_tol * max(1, "
                             "sigma_max(J)) stops the run (LICQ fails); checked densely "
                             "when m * n <= 2e5, by a sparse LU of J J^T otherwise.", low=0.0)


class ExactALBase(Solver):
    """Outer method of ``exact-al`` and ``exact-al-sketch``: merit, penalty
    adaptation, regularization, Armijo search. Subclasses give
    :meth:`newton_solve`."""

    family = "equality-constrained"
    requires = ("fun", "grad", "cons", "jac")
    Options = ALOptions
    trace_fields = ("mu", "alpha", "flops")
    default_tol = 1e-8
    default_maxiter = 1000
    certificate_name = "kkt_residual"
    #: whether the linear solver is inexact (tightening its accuracy can help)
    inexact = False

    def make_oracle(self, problem, dim):
        return EqualityOracle(problem, dim)

    # -- hooks ---------------------------------------------------------------------
    def accuracy(self, state: ALState) -> float:
        """Relative accuracy theta_k asked of the Newton solve."""
        return 0.0

    def newton_solve(self, system, b, tol_abs, start, rng):
        raise NotImplementedError

    def make_rng(self, state):
        return None

    # -- init ----------------------------------------------------------------------
    def init(self, oracle, x0, tol):
        self.oracle = oracle
        opts = self.options
        if isinstance(x0, KKTPoint):
            x, lam = x0.x, x0.lam
        else:
            x, lam = x0, None
        oracle.setup(x.size)
        f, g = oracle.objective(x)
        c, J = oracle.constraints(x)
        m, n = c.size, x.size
        base = dict(fun=f, jac=g, c=c, J=J, mu=opts.mu0, nu=opts.nu, delta=0.0, merit=math.nan,
                    rng_state=self.initial_rng_state())
        bad = _nonfinite(f, g, c, J)
        if bad:
            lam = np.zeros(m) if lam is None else lam
            return ALState(x=KKTPoint(x, lam), grad_lag=g, kkt=math.inf, nonfinite=bad,
                           **base)
        if lam is not None and lam.size != m:
            raise ValueError(f"`x0[1]` (the multipliers) has {lam.size} entries; the problem "
                             f"has {m} constraints.")
        failure = _licq_failure(J, m, n, opts.licq_tol)
        if lam is None:
            lam = _initial_multipliers(g, J, opts.lam0) if failure is None else np.zeros(m)
        rx = g + _jt(J, lam)
        kkt = _kkt(rx, c)
        merit = _merit(f, lam, c, rx, opts.mu0, opts.nu)
        return ALState(x=KKTPoint(np.array(x, copy=True), lam), grad_lag=rx, kkt=kkt,
                       failure=failure, **dict(base, merit=merit))

    def initial_rng_state(self):
        return None

    # -- one iteration -------------------------------------------------------------
    def step(self, state, budget):
        opts = self.options
        o = self.oracle
        x, lam = state.x
        n, m = x.size, lam.size
        c, J, rx = state.c, state.J, state.grad_lag
        H = o.lagrangian_hess(x, lam)
        if H is not None:
            if sp.issparse(H):
                bad = not np.all(np.isfinite(H.data))
            else:
                bad = not np.all(np.isfinite(H))
            if bad:
                return dataclasses.replace(state, nonfinite="the Lagrangian Hessian has "
                                           "NaN or inf entries", advanced=1)
            Hrx = np.asarray(H @ rx, dtype=float).ravel()

            def hvp(v):
                return np.asarray(H @ v, dtype=float).ravel()
        else:
            Hrx = o.lagrangian_hessp(x, lam, rx)

            def hvp(v):
                return o.lagrangian_hessp(x, lam, v)
        # nu is nonincreasing; it is cut while (I + nu H) nearly annihilates grad_x L,
        # where the merit would have stationary points that are not KKT points
        nu = state.nu
        nrx = float(np.linalg.norm(rx))
        while nu > opts.nu_min and np.linalg.norm(rx + nu * Hrx) < 0.5 * nrx:
            nu /= 10.0
        gmu = _jt(J, c)
        Jrx = _jv(J, rx)
        b = -np.concatenate([rx, c])
        kkt = state.kkt
        rng = self.make_rng(state)
        theta = self.accuracy(state)
        mu = state.mu
        delta_reg = state.delta / 10.0 if state.delta > 1e-8 else 0.0
        flops = state.flops
        start = None
        reason = None
        d = None
        while True:
            # with B = H + delta I the nu-term adds nu delta dx^T B dx to the slope, which
            # offsets the -dx^T B dx of the Lagrangian part unless nu delta < 1
            nu_k = nu if delta_reg == 0.0 else min(nu, 0.5 / delta_reg)
            # merit gradient = (gx0 + mu * gmu, gl)
            gx0 = rx + nu_k * Hrx
            gl = c + nu_k * Jrx
            system = KKTSystem(H, hvp, J, delta_reg, n, m)
            out = self.newton_solve(system, b, theta * kkt, start, rng)
            flops += out.flops
            if out.delta is not None:
                cand = out.delta
                dx = cand[:n]
                # inertia-free curvature test (Chiang and Zavala 2016): Newton steps
                # through negative curvature are attracted by maximizers and saddles
                curv = float(dx @ hvp(dx)) + delta_reg * float(dx @ dx)
                if curv < opts.curvature * float(dx @ dx):
                    reason = "negative curvature along the Newton direction"
                    start = None
                    delta_reg = _next_delta(delta_reg)
                    if delta_reg > opts.delta_max:
                        break
                    continue
                D0 = float(gx0 @ dx + gl @ cand[n:])
                D1 = float(gmu @ dx)
                target = -opts.eta * kkt * float(np.linalg.norm(cand))
                if D0 + mu * D1 <= target and D0 + mu * D1 < 0:
                    d = cand
                    break
                if D1 < 0:
                    need = (target - D0) / D1
                    if need <= opts.mu_max:
                        k = math.ceil(math.log(need / mu) / math.log(opts.mu_factor) - 1e-12)
                        mu = min(mu * opts.mu_factor ** max(k, 1), opts.mu_max)
                        if D0 + mu * D1 <= target and D0 + mu * D1 < 0:
                            d = cand
                            break
                    reason = (f"the penalty parameter would exceed mu_max = {opts.mu_max:g} "
                              f"(needed {need:.3g})")
                else:
                    reason = "the Newton direction is not a descent direction of the merit"
                if self.inexact and not out.capped and theta > 1e-14:
                    # sharpen the accuracy and keep sketching from the current direction
                    theta = max(theta / 10.0, 1e-14)
                    start = cand
                    continue
                if self.inexact and out.capped:
                    # a capped sketch solve is usually a (near-)singular or badly
                    # conditioned K: regularize the Hessian block as for a singular
                    # factorization instead of stopping
                    reason = (f"the sketch solver reached its cap ({out.steps} steps) "
                              f"before ||K Delta + grad L|| <= {theta:.2e} ||grad L|| "
                              f"(residual {out.residual:.2e} vs {theta * kkt:.2e}); raise "
                              "max_sketch_epochs or use exact-al")
            else:
                reason = ("the KKT matrix is singular (LICQ or second-order sufficiency "
                          "may fail)")
            start = None
            delta_reg = _next_delta(delta_reg)
            if delta_reg > opts.delta_max:
                if nu / 10.0 < opts.nu_min:
                    break
                nu, delta_reg = nu / 10.0, 0.0
        if d is None:
            return dataclasses.replace(
                state, advanced=1, failure=f"no descent direction for the merit: {reason} "
                f"(Hessian regularization up to delta_max = {opts.delta_max:g}, nu down to "
                f"{nu:.1e}).")
        merit0 = _merit(state.fun, lam, c, rx, mu, nu_k)
        slope = float((gx0 + mu * gmu) @ d[:n] + gl @ d[n:])
        alpha = 1.0
        for _ in range(opts.max_backtracks):
            xt = x + alpha * d[:n]
            lt = lam + alpha * d[n:]
            trial = self._evaluate(xt, lt, mu, nu_k)
            if trial is not None and trial[0] <= merit0 + opts.armijo * alpha * slope:
                break
            alpha *= opts.backtrack
        else:
            return dataclasses.replace(
                state, failure=f"the line search on the merit failed after "
                f"{opts.max_backtracks} trials (slope {slope:.3e}).", advanced=1)
        merit, f, g, ct, Jt, rt = trial
        if merit < -opts.unbounded or f < -opts.unbounded \
                or float(np.linalg.norm(xt)) > opts.unbounded:
            return dataclasses.replace(
                state, failure=f"the merit function is unbounded below (merit {merit:.3e}, "
                f"f {f:.3e}, ||x|| {np.linalg.norm(xt):.3e}): the problem looks unbounded.",
                advanced=1)
        return ALState(
            x=KKTPoint(xt, lt), fun=f, jac=g, c=ct, J=Jt, grad_lag=rt, kkt=_kkt(rt, ct),
            mu=mu, nu=nu, delta=delta_reg, merit=merit, alpha=alpha, flops=flops, theta=theta,
            unit_steps=state.unit_steps + (alpha == 1.0), iteration=state.iteration + 1,
            rng_state=None if rng is None else rng.bit_generator.state)

    def _evaluate(self, x, lam, mu, nu):
        """Merit and first-order data at a trial point (None if not finite)."""
        o = self.oracle
        with np.errstate(all="ignore"):
            f, g = o.objective(x)
            c, J = o.constraints(x)
            if _nonfinite(f, g, c, J):
                return None
            rx = g + _jt(J, lam)
            merit = _merit(f, lam, c, rx, mu, nu)
        if not math.isfinite(merit):
            return None
        return merit, f, g, c, J, rx

    # -- results -------------------------------------------------------------------
    def certificate(self, state):
        return state.kkt

    def result_fields(self, state):
        x, lam = state.x
        sizes = getattr(self.oracle.problem, "constraint_sizes", None)
        if sizes and sum(sizes) == lam.size:
            v = np.split(lam.copy(), np.cumsum(sizes)[:-1])
        else:
            v = [lam.copy()]
        cv = float(np.max(np.abs(state.c))) if state.c.size else 0.0
        return {"v": v, "multipliers": lam.copy(), "constr_violation": cv,
                "optimality": float(np.max(np.abs(state.grad_lag))) if state.grad_lag.size
                else 0.0,
                "lagrangian_grad": state.grad_lag.copy(), "kkt_residual": state.kkt,
                "penalty": state.mu, "nu": state.nu, "regularization": state.delta, "flops": state.flops,
                "unit_steps": state.unit_steps}


def _next_delta(delta: float) -> float:
    return 1e-4 if delta == 0.0 else 10.0 * delta


def _kkt(rx, c) -> float:
    return float(math.sqrt(float(rx @ rx) + float(c @ c)))


def _merit(f, lam, c, rx, mu, nu) -> float:
    return float(f + lam @ c + 0.5 * mu * (c @ c) + 0.5 * nu * (rx @ rx))


def _nonfinite(f, g, c, J):
    if not math.isfinite(f):
        return "f is not finite"
    if not np.all(np.isfinite(g)):
        return "the gradient has NaN or inf entries"
    if not np.all(np.isfinite(c)):
        return "the constraint values c(x) have NaN or inf entries"
    data = J.data if sp.issparse(J) else (None if isinstance(J, spla.LinearOperator) else J)
    if data is not None and not np.all(np.isfinite(data)):
        return "the constraint Jacobian has NaN or inf entries"
    return None


_DENSE_BELOW = 200_000        # m * n under which J is checked and solved densely


def _licq_failure(J, m, n, tol):
    if m == 0:
        return None
    if m > n:
        return (f"LICQ fails at x0: {m} constraints on {n} variables (the Jacobian cannot "
                "have full row rank).")
    if isinstance(J, spla.LinearOperator):
        return None
    if m * n > _DENSE_BELOW and sp.issparse(J):
        try:
            spla.splu(sp.csc_matrix(J @ J.T))
        except RuntimeError:
            return (f"LICQ fails at x0: the constraint Jacobian ({m} x {n}) is rank "
                    "deficient (J J^T is singular); remove dependent constraints or start "
                    "elsewhere.")
        return None
    Jd = J.toarray() if sp.issparse(J) else J
    s = np.linalg.svd(Jd, compute_uv=False)
    if s[-1] <= tol * max(1.0, s[0]):
        rank = int(np.sum(s > tol * max(1.0, s[0])))
        return (f"LICQ fails at x0: the constraint Jacobian ({m} x {n}) has rank {rank} < "
                f"{m} (sigma_min = {s[-1]:.2e}); remove dependent constraints or start "
                "elsewhere.")
    return None


def _initial_multipliers(g, J, how):
    """Least-squares multipliers argmin ||g + J^T lam|| (dense, or from the
    sparse normal equations J J^T lam = -J g); zeros matrix-free."""
    m = J.shape[0]
    if how == "zeros" or m == 0 or isinstance(J, spla.LinearOperator):
        return np.zeros(m)
    if J.shape[0] * J.shape[1] > _DENSE_BELOW and sp.issparse(J):
        try:
            return spla.splu(sp.csc_matrix(J @ J.T)).solve(-np.asarray(J @ g).ravel())
        except RuntimeError:
            return np.zeros(m)
    Jd = J.toarray() if sp.issparse(J) else J
    return np.linalg.lstsq(Jd.T, -g, rcond=None)[0]
