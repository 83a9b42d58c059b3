r"""What the saddle-point methods share: the counted oracle (the only caller of the
problem's operator, gradients, proxes and LMOs, and the only writer of the
counts), the mirror setup of the Bregman methods, the certificates and the base
solver.

Certificates
------------
* **Duality gap** when it is computable: a bilinear problem whose terms ``g``
  and ``h_conj`` are indicators of compact sets with an LMO (matrix games,
  boxes...):

  .. math:: \operatorname{gap}(x, y) = \max_{y' \in Y}\langle Kx, y'\rangle
            - \min_{x' \in X}\langle K^Ty, x'\rangle \ \ge 0 .

* Otherwise the **normalized fixed-point residual** (zero exactly at saddle
  points):

  .. math:: r(x, y) = \frac{\|(x - \operatorname{prox}_g(x - \nabla_x\phi),\;
            y - \operatorname{prox}_{h^*}(y + \nabla_y\phi))\|_2}{\max(1, \|(x, y)\|_2)},

  with :math:`\nabla_x\phi = K^Ty`, :math:`\nabla_y\phi = Kx` for the
  bilinear kind, and the projections onto ``X``, ``Y`` for the smooth kind.

Every method keeps the products :math:`Kx`, :math:`K^Ty` of its points (and
of their running averages, by linearity) in its state, so the certificate of
the last iterate and of the ergodic average costs no extra mat-vec; the
method reports whichever of the two has the smaller certificate (option
``output``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator

from ..._core.options import Options, option
from ..._core.oracle import Oracle
from ..._core.solver import Solver, State
from ...problems import _scaling
from ...problems.geometry import EntropySimplex
from ...problems.saddle import SaddlePoint, SaddleProblem

__all__ = ["SaddleOracle", "SaddleState", "SaddleOptions", "SaddleSolver", "MirrorSetup",
           "Averages", "SaddlePoint"]


class NonFiniteValue(ArithmeticError):
    """A product with K or a user gradient returned NaN/inf (the message names it)."""


def _finite(v, what: str):
    if not math.isfinite(float(v.sum())) and not np.all(np.isfinite(v)):
        raise NonFiniteValue(f"{what} has NaN or inf entries")
    return v


def _dual_norm(v, norm: str) -> float:
    return float(np.max(np.abs(v))) if norm == "l1" else float(np.linalg.norm(v))


class SaddleOracle(Oracle):
    """Counted front of a :class:`~optkit.problems.saddle.SaddleProblem`.

    Attributes
    ----------
    nfev : int
        Calls of the user's ``fun(x, y)`` (smooth kind).
    njev : int
        Calls of the user's ``grad_x`` and ``grad_y`` (one each per operator
        evaluation of the smooth kind).
    noperator : int
        Evaluations of the monotone operator :math:`F(x, y) = (\\nabla_x\\phi,
        -\\nabla_y\\phi)` (mirror descent: 1 per iteration, mirror prox: 2).
    nmatvec, nrmatvec : int
        Products with :math:`K` and :math:`K^T` (bilinear kind; an operator
        evaluation costs one of each; power iterations count too).
    nprox : int
        Proximal and mirror steps (one per block and call).
    nlmo : int
        Linear minimizations over ``X`` or ``Y`` (the duality gap costs two).
    """

    count_names = ("nfev", "njev", "nhev", "nhvp", "noperator", "nmatvec", "nrmatvec",
                   "nprox", "nlmo")

    def __init__(self, problem: SaddleProblem):
        super().__init__()
        self.problem = problem
        self.n, self.m = problem.n, problem.m
        self.bilinear = problem.kind == "bilinear"
        self.has_gap = problem.has_gap
        if self.bilinear:
            K = problem.K
            self._K = K
            self._is_op = isinstance(K, LinearOperator)
            self._KT = None if self._is_op else K.T

    # -- products with K -------------------------------------------------------------
    def matvec(self, x) -> np.ndarray:
        """:math:`Kx`."""
        self.nmatvec += 1
        out = self._K.matvec(x) if self._is_op else self._K @ x
        return _finite(np.asarray(out, dtype=float).reshape(-1), "the product K x")

    def rmatvec(self, y) -> np.ndarray:
        """:math:`K^Ty`."""
        self.nrmatvec += 1
        out = self._K.rmatvec(y) if self._is_op else self._KT @ y
        return _finite(np.asarray(out, dtype=float).reshape(-1), "the product K^T y")

    # -- the monotone operator ----------------------------------------------------------
    def operator(self, x, y):
        r""":math:`F(x, y) = (\nabla_x\phi, -\nabla_y\phi)`; for the bilinear kind
        ``(K^T y, -K x)``. Returns ``(Fx, Fy)``."""
        self.noperator += 1
        if self.bilinear:
            return self.rmatvec(y), -self.matvec(x)
        p = self.problem
        self.njev += 2
        gx = np.asarray(p.grad_x(x, y), dtype=float).reshape(-1)
        gy = np.asarray(p.grad_y(x, y), dtype=float).reshape(-1)
        if gx.size != self.n:
            raise ValueError(f"`grad_x` returned {gx.size} entries; expected {self.n} (len x).")
        if gy.size != self.m:
            raise ValueError(f"`grad_y` returned {gy.size} entries; expected {self.m} (len y).")
        return _finite(gx, "`grad_x`"), -_finite(gy, "`grad_y`")

    def fun(self, x, y) -> float:
        """The user's :math:`\\phi(x, y)` (smooth kind; 0 without ``fun``)."""
        p = self.problem
        if p._fun is None:
            return 0.0
        self.nfev += 1
        return p.fun(x, y)

    # -- proxes and mirror steps -----------------------------------------------------------
    def prox_g(self, v, step):
        """:math:`\\operatorname{prox}_{s g}(v)` (``X``'s projection for the smooth kind)."""
        self.nprox += 1
        geo = self.problem.g if self.bilinear else self.problem.X
        return np.asarray(geo.prox(v, step), dtype=float).reshape(-1)

    def prox_h(self, v, step):
        """:math:`\\operatorname{prox}_{s h^*}(v)` (``Y``'s projection for the smooth kind)."""
        self.nprox += 1
        geo = self.problem.h_conj if self.bilinear else self.problem.Y
        return np.asarray(geo.prox(v, step), dtype=float).reshape(-1)

    def mirror(self, block, rep, g, step):
        """One mirror step of a block of a :class:`MirrorSetup` (counted as a prox)."""
        self.nprox += 1
        return block.step(rep, g, step)

    def lmo_x(self, g):
        self.nlmo += 1
        return np.asarray(self.problem.X.lmo(g), dtype=float).reshape(-1)

    def lmo_y(self, g):
        self.nlmo += 1
        return np.asarray(self.problem.Y.lmo(g), dtype=float).reshape(-1)

    # -- constants of K ------------------------------------------------------------------
    def norm_squared(self, iters: int, seed: int = 0, row_scale=None, col_scale=None) -> float:
        r"""An upper estimate of :math:`\|K\|_2^2` (of :math:`\|D_r K D_c\|_2^2` with
        the diagonal scalings ``row_scale``, ``col_scale``): the operator's known value,
        else ``iters`` power iterations on :math:`K^TK` (each a counted mat-vec pair),
        times 1.01."""
        known = getattr(self._K, "norm_squared", None)
        if known is not None and row_scale is None and col_scale is None:
            return float(known)
        r2 = None if row_scale is None else row_scale * row_scale
        rng = np.random.default_rng(seed)
        v = rng.standard_normal(self.n)
        v /= np.linalg.norm(v)
        lam = 0.0
        for _ in range(iters):
            u = v if col_scale is None else col_scale * v
            Ku = self.matvec(u)
            w = self.rmatvec(Ku if r2 is None else r2 * Ku)
            if col_scale is not None:
                w = col_scale * w
            lam = float(np.linalg.norm(w))
            if lam == 0.0:
                return 0.0
            v = w / lam
        return 1.01 * lam

    def fro_squared(self, probes: int = 30, seed: int = 0) -> float:
        r""":math:`\|K\|_F^2`: exact for matrices, known for the assignment operator,
        else a Hutchinson estimate from ``probes`` counted mat-vecs."""
        K = self._K
        known = getattr(K, "fro_squared", None)
        if known is not None:
            return float(known)
        if sp.issparse(K):
            return float(K.multiply(K).sum())
        if not self._is_op:
            return float(np.sum(K * K))
        rng = np.random.default_rng(seed)
        total = 0.0
        for _ in range(probes):
            z = rng.choice([-1.0, 1.0], size=self.n)
            total += float(np.sum(self.matvec(z) ** 2))
        return total / probes

    def abs_sums(self):
        r"""``(row sums, column sums)`` of :math:`|K|` (diagonal preconditioning), or None
        when the operator does not expose its entries."""
        K = self._K
        if self._is_op:
            rows = getattr(K, "abs_row_sums", None)
            cols = getattr(K, "abs_col_sums", None)
            return None if rows is None or cols is None else (rows, cols)
        A = abs(K)
        return (np.asarray(A.sum(axis=1), dtype=float).reshape(-1),
                np.asarray(A.sum(axis=0), dtype=float).reshape(-1))

    def pock_chambolle_steps(self):
        r"""Pock-Chambolle's diagonal steps with :math:`\alpha = 1`: ``(sigma, tau)`` =
        (1 / row sums, 1 / column sums of :math:`|K|`), 1 for an empty row or column
        (:func:`optkit.problems._scaling.pock_chambolle_steps`); None when the
        operator does not expose its entries."""
        K = self.entries()
        if K is not None:
            return _scaling.pock_chambolle_steps(K, 1.0)
        sums = self.abs_sums()
        if sums is None:
            return None
        rows, cols = sums
        return (np.where(rows > 0, 1.0 / np.where(rows > 0, rows, 1.0), 1.0),
                np.where(cols > 0, 1.0 / np.where(cols > 0, cols, 1.0), 1.0))

    def ruiz(self, iters: int):
        """``(row_scale, col_scale)`` of Ruiz's equilibration of K
        (:func:`optkit.problems._scaling.ruiz_equilibrate`); None for an operator."""
        K = self.entries()
        if K is None:
            return None
        scaling = _scaling.ruiz_equilibrate(K, max_iter=iters)
        return scaling.row_scale, scaling.col_scale

    def entries(self):
        """The matrix K (ndarray or CSR), or None for a LinearOperator."""
        return None if self._is_op else self._K

    def mixed_norm(self, norm_x: str, norm_y: str, power_iters: int) -> float | None:
        r""":math:`\kappa = \sup_{x\ne 0}\|Kx\|_{Y,*}/\|x\|_X` for the blocks' norms:
        :math:`\max|K_{ij}|` (l1, l1), the largest column 2-norm (l1, l2), the
        largest row 2-norm (l2, l1), :math:`\|K\|_2` (l2, l2); None otherwise."""
        if (norm_x, norm_y) == ("l2", "l2"):
            return math.sqrt(self.norm_squared(power_iters))
        K = self.entries()
        if K is None or norm_x not in ("l1", "l2") or norm_y not in ("l1", "l2"):
            return None
        if (norm_x, norm_y) == ("l1", "l1"):
            return float(abs(K).max())
        sq = K.multiply(K) if sp.issparse(K) else K * K
        if norm_x == "l1":                      # ||K e_j||_2, the columns
            return math.sqrt(float(np.asarray(sq.sum(axis=0)).max()))
        return math.sqrt(float(np.asarray(sq.sum(axis=1)).max()))   # rows, into l_inf

    # -- certificates ------------------------------------------------------------------
    def measure(self, x, y, Kx, KTy, Fz=None):
        """``(certificate, fun, primal value, dual value)`` of the point ``(x, y)``.

        Bilinear kind: from the products ``Kx`` and ``KTy``; the gap needs two
        LMOs, the residual two proxes. Smooth kind: ``Fz = F(x, y)``.
        """
        p = self.problem
        if self.bilinear:
            c = p.value_offset
            lag = float(Kx @ y) + _term_value(p.g, x) - _term_value(p.h_conj, y) + c
            if self.has_gap:
                ybr = self.lmo_y(-Kx)
                xbr = self.lmo_x(KTy)
                primal, dual = float(Kx @ ybr) + c, float(KTy @ xbr) + c
                return max(primal - dual, 0.0), lag, primal, dual
            rx = x - self.prox_g(x - KTy, 1.0)
            ry = y - self.prox_h(y + Kx, 1.0)
        else:
            Fx, Fy = Fz
            rx = x - self.prox_g(x - Fx, 1.0)
            ry = y - self.prox_h(y - Fy, 1.0)
            lag = self.fun(x, y)
        scale = max(1.0, math.sqrt(float(x @ x) + float(y @ y)))
        res = math.sqrt(float(rx @ rx) + float(ry @ ry)) / scale
        return res, lag, math.nan, math.nan


def _term_value(geo, v) -> float:
    """g(x) or h*(y) at a point the method produced: 0 for a set's indicator (its points
    are projections), else the term's value (0 when it has none)."""
    from ...problems.geometry import ConvexSet

    if isinstance(geo, ConvexSet) or not geo.provides("value"):
        return 0.0
    val = float(geo.value(v))
    return val if math.isfinite(val) else 0.0


# -- the Bregman setup of mirror descent / mirror prox ---------------------------------
class _Block:
    """One block (x or y) of the mirror setup: its geometry, its norm, its weight."""

    def __init__(self, geo, start, name):
        self.geo = geo
        self.name = name
        self.log = isinstance(geo, EntropySimplex)
        self.norm = getattr(geo, "norm", "l2")
        self.alpha = float(getattr(geo, "strong_convexity", 1.0))
        try:
            omega = float(geo.bregman_radius(start))
        except Exception:            # a geometry without its radius: unit weight
            omega = math.inf
        #: the weight Omega_b of the block (its Bregman radius from the start, 1 if unknown/0)
        self.omega = omega if (math.isfinite(omega) and omega > 1e-12) else 1.0

    def rep(self, point):
        """The representation the steps work on: log-weights on an entropy simplex."""
        if self.log:
            with np.errstate(divide="ignore"):
                return np.log(point)
        return point

    def point(self, rep):
        return np.exp(rep) if self.log else rep

    def step(self, rep, g, step):
        if self.log:
            return self.geo.log_mirror_step(rep, g, step)
        return np.asarray(self.geo.mirror_step(rep, g, step), dtype=float).reshape(-1)

    def bregman(self, u, x):
        return float(self.geo.bregman(u, x))


class MirrorSetup:
    r"""The mirror map of the product :math:`X \times Y` with the rate-constant weights.

    With block mirror maps :math:`\omega_b` (modulus :math:`\alpha_b` in the
    block norm) and weights :math:`\Omega_b = \max_{u} D_b(u, z_{1,b})` (the
    Bregman radius from the start; 1 where it is infinite), the product map
    :math:`\omega = \omega_x/\Omega_x + \omega_y/\Omega_y` is 1-strongly
    convex in :math:`\|z\|^2 = \sum_b (\alpha_b/\Omega_b)\|z_b\|_b^2`
    (Nemirovski 2004, section 5); its mirror step with step :math:`\eta` is the
    blockwise mirror step with steps :math:`\eta\Omega_b`, the dual norm is
    :math:`\|F\|_*^2 = \sum_b (\Omega_b/\alpha_b)\|F_b\|_{b,*}^2` and
    :math:`D(u, z) = \sum_b D_b(u_b, z_b)/\Omega_b \le 2`. For a bilinear
    problem the operator is :math:`L`-Lipschitz in that norm with
    :math:`L = \kappa\sqrt{\Omega_x\Omega_y/(\alpha_x\alpha_y)}`, where
    :math:`\kappa` is the norm of :math:`K` from the x-norm to the dual of the
    y-norm (:math:`\max_{ij}|K_{ij}|` for two simplices with the entropy: the
    matrix game's :math:`L = \|A\|_{\max}\sqrt{\log n\log m}`).
    """

    def __init__(self, problem, start: SaddlePoint, method: str):
        if problem.X is None or problem.Y is None:
            raise ValueError(
                f"Method {method!r} needs the problem's terms to be sets with a mirror map "
                "(g and h_conj of SaddleProblem.bilinear given as sets, e.g. EntropySimplex, "
                "Box, EuclideanSpace); this problem has a nonsmooth penalty term: use "
                "method='pdhg' or 'adaptive-pdhg'.")
        for geo, arg in ((problem.X, "X"), (problem.Y, "Y")):
            geo.require("mirror_step", "bregman", by=method)
        self.bx = _Block(problem.X, start.x, "x")
        self.by = _Block(problem.Y, start.y, "y")

    def steps(self, eta):
        return eta * self.bx.omega, eta * self.by.omega

    def dual_norm(self, Fx, Fy) -> float:
        bx, by = self.bx, self.by
        return math.sqrt(bx.omega / bx.alpha * _dual_norm(Fx, bx.norm) ** 2
                         + by.omega / by.alpha * _dual_norm(Fy, by.norm) ** 2)

    def primal_norm(self, dx, dy) -> float:
        r""":math:`\|(d_x, d_y)\| = (\sum_b (\alpha_b/\Omega_b)\|d_b\|_b^2)^{1/2}`."""
        bx, by = self.bx, self.by
        nx = float(np.abs(dx).sum()) if bx.norm == "l1" else float(np.linalg.norm(dx))
        ny = float(np.abs(dy).sum()) if by.norm == "l1" else float(np.linalg.norm(dy))
        return math.sqrt(bx.alpha / bx.omega * nx * nx + by.alpha / by.omega * ny * ny)

    def bregman(self, u: SaddlePoint, z: SaddlePoint) -> float:
        return (self.bx.bregman(u.x, z.x) / self.bx.omega
                + self.by.bregman(u.y, z.y) / self.by.omega)

    @property
    def radius(self) -> float:
        r""":math:`\Theta \ge \max_u D(u, z_1)`: 1 per block whose weight is its radius."""
        return 2.0

    def lipschitz(self, oracle, problem, power_iters: int) -> float | None:
        """The Lipschitz constant of F in the weighted norm, when computable."""
        bx, by = self.bx, self.by
        if problem.kind == "smooth":
            if problem.lipschitz is None:
                return None
            return problem.lipschitz * max(bx.omega / bx.alpha, by.omega / by.alpha)
        kappa = oracle.mixed_norm(bx.norm, by.norm, power_iters)
        if kappa is None:
            return None
        return kappa * math.sqrt(bx.omega * by.omega / (bx.alpha * by.alpha))


# -- running (weighted) averages ----------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Averages:
    """Weighted sums of points and of their products (never mutated: ``add`` returns a new
    one). ``Kx``/``KTy`` are None for the smooth kind."""

    weight: float
    x: np.ndarray
    y: np.ndarray
    Kx: np.ndarray | None
    KTy: np.ndarray | None

    @classmethod
    def empty(cls, n, m, bilinear):
        return cls(0.0, np.zeros(n), np.zeros(m), np.zeros(m) if bilinear else None,
                   np.zeros(n) if bilinear else None)

    def add(self, w, x, y, Kx=None, KTy=None):
        return Averages(self.weight + w, self.x + w * x, self.y + w * y,
                        None if Kx is None else self.Kx + w * Kx,
                        None if KTy is None else self.KTy + w * KTy)

    def mean(self):
        c = 1.0 / self.weight
        return (c * self.x, c * self.y, None if self.Kx is None else c * self.Kx,
                None if self.KTy is None else c * self.KTy)


@dataclasses.dataclass(kw_only=True)
class SaddleState(State):
    """What every saddle method's state carries besides its own fields.

    ``x`` is the reported :class:`SaddlePoint` (the last iterate or the
    ergodic average, whichever has the smaller certificate under
    ``output="best"``).
    """

    cert: float
    cert_last: float
    cert_avg: float
    primal_value: float = math.nan
    dual_value: float = math.nan
    averaged: bool = False


@dataclasses.dataclass(frozen=True)
class SaddleOptions(Options):
    """Options every saddle method accepts."""

    output: str = option(
        "best", "Which point is reported and certified: 'last' (the last iterate), "
        "'average' (the ergodic average of the rate theorems) or 'best' (the one with the "
        "smaller certificate; both certificates cost no extra mat-vec).",
        kind=str, choices=("best", "last", "average"))
    power_iters: int = option(
        50, "Power iterations for the estimate of ||K||_2 (when a method needs it).",
        kind=int, low=1)


class SaddleSolver(Solver):
    """Base of the saddle methods: family, oracle, certificate, result fields."""

    family = "saddle"
    requires = ()
    Options = SaddleOptions
    trace_fields = ("cert_last", "cert_avg")
    default_tol = 1e-6
    default_maxiter = 100_000
    certificate_name = "gap_or_residual"
    #: whether the method needs the bilinear form (PDHG-type methods)
    needs_bilinear = False

    def init(self, oracle, x0, tol):
        try:
            return self._init(oracle, x0, tol)
        except NonFiniteValue as exc:
            raise ValueError(f"{self.name}: at the start x0, {exc}.") from None

    def step(self, state, budget):
        """One iteration (:meth:`_step`); a NaN/inf from the operator or the gradients
        gives a state whose ``nonfinite`` names it (the driver stops with status 3 and
        returns the previous state)."""
        try:
            return self._step(state, budget)
        except NonFiniteValue as exc:
            return dataclasses.replace(state, nonfinite=str(exc), advanced=1)

    def make_oracle(self, problem, dim):
        if self.needs_bilinear and problem.kind != "bilinear":
            raise ValueError(f"Method {self.name!r} needs a bilinear problem (SaddleProblem."
                             "bilinear / matrix_game / assignment); for a smooth phi(x, y) "
                             "use method='mirror-prox' or 'mirror-descent'.")
        return SaddleOracle(problem)

    def _report(self, cls, last, avg, /, advanced=1, **fields):
        """The state reporting the better of ``last`` and ``avg``.

        ``last``/``avg``: ``(x, y, Kx, KTy, Fz)``; ``avg`` may be None (no
        average yet, or the smooth kind whose average would need an extra
        operator evaluation).
        """
        o = self.oracle
        cl, fl, pl, dl = o.measure(*last)
        if avg is not None and self.options.output != "last":
            ca, fa, pa, da = o.measure(*avg)
        else:
            ca = fa = pa = da = math.nan
        out = self.options.output
        use_avg = avg is not None and (out == "average" or (out == "best" and ca < cl))
        if use_avg:
            point, cert, fun, pv, dv = avg, ca, fa, pa, da
        else:
            point, cert, fun, pv, dv = last, cl, fl, pl, dl
        return cls(x=SaddlePoint(point[0], point[1]), fun=fun, cert=cert, cert_last=cl,
                   cert_avg=ca, primal_value=pv, dual_value=dv, averaged=use_avg,
                   advanced=advanced, **fields)

    def certificate(self, state):
        return state.cert

    def result_fields(self, state):
        p = self.oracle.problem
        out = {"certificate_kind": "duality_gap" if p.has_gap else "normalized_residual",
               "cert_last": state.cert_last, "cert_avg": state.cert_avg,
               "averaged": state.averaged}
        if p.has_gap:
            out.update(gap=state.cert, primal_value=state.primal_value,
                       dual_value=state.dual_value)
        return out
