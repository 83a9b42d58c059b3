r"""Coordinate descent for fractional minimization (Yuan, ICML 2023)."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._core.options import Options, option
from ..._core.oracle import CountedSmoothOracle
from ..._core.registry import register
from ..._core.solver import Solver, State
from ...kernels import fractional as K
from ._rng import RandomStream

__all__ = ["FractionalCD", "FractionalCDOptions", "FractionalOracle", "solve_1d_reference"]


def solve_1d_reference(a, b, c, lam, mu, xi, lo, hi, P, R, S, sqrt_den):
    """NumPy reference of :func:`optkit.kernels.fractional.solve_1d` (``np.roots``).

    Global minimizer ``t`` of
    ``(a t^2/2 + b t + c + lam |xi + t| + mu (xi + t)^2 / 2) / D(t)^s`` on
    ``lo <= xi + t <= hi``, ``D(t) = P t^2 / 2 + R t + S > 0``
    (``s = 1/2`` when ``sqrt_den``): the best of ``t = 0``, the box ends, the
    kink and the real stationary points on each side of the kink.
    Returns ``(t, value)``.
    """
    def phi(t):
        z = xi + t
        D = 0.5 * P * t * t + R * t + S
        if z < lo or z > hi or not D > 0:
            return np.inf
        num = 0.5 * a * t * t + b * t + c + lam * abs(z) + 0.5 * mu * z * z
        return num / (np.sqrt(D) if sqrt_den else D)

    cands = [0.0, lo - xi, hi - xi, -xi]
    al = 0.5 * (a + mu)
    for side in (1.0, -1.0):
        be = b + side * lam + mu * xi
        ga = c + side * lam * xi + 0.5 * mu * xi * xi
        num = np.array([al, be, ga])                     # numerator polynomial
        den = np.array([0.5 * P, R, S])
        dnum, dden = np.polyder(num), np.polyder(den)
        s = 0.5 if sqrt_den else 1.0
        poly = np.polysub(np.polymul(dnum, den), s * np.polymul(num, dden))
        poly = np.trim_zeros(poly, "f")
        if poly.size > 1:
            for r in np.roots(poly):
                if abs(r.imag) <= 1e-9 * max(1.0, abs(r.real)) and side * (xi + r.real) >= 0:
                    cands.append(float(r.real))
    vals = [phi(t) if np.isfinite(t) else np.inf for t in cands]
    k = int(np.argmin(vals))
    return cands[k], vals[k]


class FractionalOracle(CountedSmoothOracle):
    """Counted oracle of the numerator's smooth part, plus ``nsub`` (1-D subproblems
    solved, the certificate's included) and ``nwork`` (matrix entries read).

    Besides the numerator's counted ``fun``/``grad``, it is the caller of the
    compiled fractional kernels (:mod:`optkit.kernels.fractional`) and counts
    what they solve and read; the solver passes the coordinate data.
    """

    count_names = CountedSmoothOracle.count_names + ("nsub", "nwork")

    def __init__(self, problem, dim):
        super().__init__(problem.numerator, dim)
        self.fractional = problem

    def quad_value(self, Q, c, kconst, x):
        """``(grad f, f)`` of the quadratic numerator ``x'Qx/2 - c'x + kconst`` (d^2 entries)."""
        grad = Q @ x - c
        fnum = 0.5 * float(x @ (grad - c)) + kconst
        self.nwork += x.size * x.size
        return grad, fnum

    def steps(self, x, grad, fnum, h, D, u, Bdiag, l1, l2, lo, hi, Lc, theta, sqrt, out):
        """The global 1-D step of every coordinate at x into ``out`` (d subproblems)."""
        K.cw_steps(x, grad, fnum, h, D, u, Bdiag, l1, l2, lo, hi, Lc, theta, sqrt, out)
        self.nsub += x.size

    def quad_sweep(self, Q, c, x, grad, B, u, l1, l2, lo, hi, Lc, theta, sqrt, order, buf):
        """Compiled coordinate updates along ``order`` (quadratic numerator), in place."""
        self.nwork += K.quad_fcd(Q, c, x, grad, B, u, l1, l2, lo, hi, Lc, theta, sqrt, order,
                                 buf)
        self.nsub += order.size

    def solve_1d(self, *args):
        """One global 1-D fractional step (:func:`optkit.kernels.fractional.solve_1d`)."""
        self.nsub += 1
        return K.solve_1d(*args)


@dataclasses.dataclass(frozen=True)
class FractionalCDOptions(Options):
    """Options of :class:`FractionalCD` (``method="fractional-cd"``)."""

    rule: str = option("cyclic", "Coordinate selection: 'cyclic' or 'random' (uniform, "
                       "with replacement).", kind=str, choices=("cyclic", "random"))
    theta: float = option(1e-6, "Proximal weight theta >= 0 added to the coordinate "
                          "Lipschitz constant c_i in the 1-D model (keeps c_i + theta > 0).",
                          low=0.0)
    updates_per_step: int = option(None, "Coordinate updates per driver step (one compiled "
                                   "call for quadratic numerators). None: one epoch (d "
                                   "updates). nit counts coordinate updates.", kind=int, low=1)
    seed: int = option(None, "Seed of rule='random'.", kind=int)


@dataclasses.dataclass(kw_only=True)
class FractionalCDState(State):
    grad: np.ndarray            # gradient of f at x
    u: np.ndarray               # B x + w (gradient of the denominator's quadratic D)
    fnum: float                 # f(x)
    h: float                    # penalty h(x)
    D: float                    # D(x)
    pos: int
    k: int
    cert: float
    nnz: int
    since_refresh: int = 0      # incremental updates since grad, u, f, D were recomputed
    rng: dict | None = None     # generator state of rule='random'


@register
class FractionalCD(Solver):
    r"""Coordinate descent with globally solved 1-D fractional subproblems.

    For :math:`F(x) = (f(x) + h(x)) / g(x)` (see
    :class:`~optkit.problems.fractional.FractionalProblem`), each iteration
    picks a coordinate :math:`i` (cyclic or uniformly at random) and sets
    :math:`x^{k+1} = x^k + t^\star e_i` with

    .. math::

        t^\star \in \operatorname*{arg\,min}_{t \in \mathbb{R}}\;
        \frac{f(x^k) + \nabla_i f(x^k)\, t + \tfrac{c_i + \theta}{2} t^2
              + h_i(x^k_i + t) + \sum_{j \ne i} h_j(x^k_j)}{g(x^k + t e_i)},

    :math:`c_i` the coordinate Lipschitz constant of :math:`\nabla f`
    (:math:`Q_{ii}` for quadratics, where the model is exact) and
    :math:`\theta \ge 0` a small proximal weight. The minimization is *global*:
    along a coordinate, :math:`g = D^s` with :math:`D` quadratic, so the
    stationary points on each side of the kink of :math:`h_i` are roots of a
    quadratic (:math:`s = 1`) or cubic (:math:`s = 1/2`); the minimizer is
    the best of those, the kink, the box ends and :math:`t = 0`. Hence
    :math:`F` never increases.

    Certificate: the coordinate-wise stationarity residual
    :math:`\max_i |t^\star_i(x)|`, the length of the global coordinate step of
    every coordinate at :math:`x`. It is zero exactly at the paper's
    *coordinate-wise stationary* points (with constants :math:`c_i + \theta`),
    which are critical points (``result.critical_residual``:
    :math:`\|x - \operatorname{prox}_h(x - \nabla f + F \nabla g)\|_\infty`)
    and, for concave :math:`g`, global minimizers.

    Notes
    -----
    One iteration is one coordinate update; a driver step runs
    ``updates_per_step`` of them (default: one epoch). Quadratic numerators
    (:class:`~optkit.problems.synthetic.QuadraticProblem`,
    :class:`~optkit.problems.glm.LeastSquares` through its Gram matrix) run in
    a compiled kernel that keeps :math:`\nabla f`, :math:`Bx + w`, :math:`f`
    and :math:`D` up to date (:math:`O(d)` per update); other numerators call
    the counted ``fun`` and ``grad`` once per update. The certificate solves
    :math:`d` subproblems per step (counted in ``nsub``). The prox term
    :math:`\theta t^2/2` is placed in the numerator (design choice: it keeps
    the subproblem a ratio with polynomial stationarity equations).

    References
    ----------
    G. Yuan, "Coordinate Descent Methods for Fractional Minimization",
    ICML 2023, arXiv:2201.12691.
    W. Dinkelbach, "On nonlinear fractional programming", Management Science
    13(7), 1967 (the classical parametric baseline).

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.glm import LeastSquares
    >>> from optkit.problems.composite import L1
    >>> from optkit.problems.fractional import FractionalProblem, QuadraticDenominator
    >>> A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]); b = np.array([1.0, -1.0, 0.5])
    >>> g = QuadraticDenominator(-np.eye(2), beta=4.0)      # concave: 4 - |x|^2 / 2
    >>> prob = FractionalProblem(LeastSquares(A, b), g, L1(0.1))
    >>> res = optkit.minimize(prob, np.zeros(2), method="fractional-cd", tol=1e-10)
    >>> res.success, res.critical_residual < 1e-8
    (True, True)
    """

    name = "fractional-cd"
    aliases = ("fcd", "fractional-coordinate-descent")
    family = "fractional"
    requires = ("grad",)
    Options = FractionalCDOptions
    trace_fields = ("nnz",)
    default_tol = 1e-8
    default_maxiter = 10_000_000
    certificate_name = "cw_step"
    summary = "Coordinate descent for (f + h) / g with globally solved 1-D fractional steps"
    reference = "Yuan, ICML 2023"

    def make_oracle(self, problem, dim):
        return FractionalOracle(problem, dim)

    # -- setup -----------------------------------------------------------------
    def init(self, oracle, x0, tol):
        self.oracle = oracle
        problem = oracle.fractional
        d = x0.size
        if d != problem.dim:
            raise ValueError(f"`x0` has length {d}; the problem has dimension {problem.dim}.")
        pen = problem.penalty
        x = np.clip(x0, pen.lower, pen.upper) if pen.value(x0) == np.inf else x0.copy()
        den = problem.denominator
        if not den.quad(x) > 0:
            raise ValueError(
                f"`x0` is outside the domain of the denominator: g(x0) = {den.value(x)} is "
                "not > 0; start from a point where g > 0.")
        self.l1, self.l2, self.lo, self.hi = pen.arrays(d)
        self.Lc = np.ascontiguousarray(problem.lipschitz, dtype=float)
        theta = self.options.theta
        if np.any(self.Lc + theta + self.l2 <= 0):
            raise ValueError("Option `theta` must be > 0: a coordinate has Lipschitz constant "
                             "0 and no l2 penalty, so its 1-D subproblem may have no minimizer.")
        self.quad = problem.quadratic
        self.B = den.B if den.B is not None else np.zeros((0, 0))
        self.Bdiag = den.diag
        self.sqrt = den.sqrt
        self.stream = RandomStream(self.options.seed) if self.options.rule == "random" \
            else None
        self.per_step = self.options.updates_per_step or d
        new = self._finish(x, pos=0, k=0)
        new.rng = None if self.stream is None else self.stream.initial()
        return new

    def _exact(self, x):
        """grad f, f, u, h, D recomputed at x (oracle calls counted)."""
        problem = self.oracle.fractional
        den = problem.denominator
        if self.quad is not None:
            grad, fnum = self.oracle.quad_value(*self.quad, x)
        else:
            fnum, grad = self.oracle.fun_and_grad(x)
            grad = np.array(grad, dtype=float)
        return grad, fnum, den.lin(x), problem.penalty.value(x), den.quad(x)

    def _finish(self, x, *, pos, k, grad=None, fnum=None, u=None, h=None, D=None,
                since_refresh=0, rng=None):
        if grad is None:
            grad, fnum, u, h, D = self._exact(x)
            since_refresh = 0
        steps = np.empty(x.size)
        self.oracle.steps(x, grad, fnum, h, D, u, self.Bdiag, self.l1, self.l2, self.lo,
                          self.hi, self.Lc, self.options.theta, self.sqrt, steps)
        cert = float(np.max(np.abs(steps)))
        g = np.sqrt(D) if self.sqrt else D
        F = (fnum + h) / g if D > 0 else np.inf
        return FractionalCDState(x=x, fun=float(F), jac=None, grad=grad, u=u, fnum=float(fnum),
                                 h=float(h), D=float(D), pos=pos, k=k, cert=cert,
                                 nnz=int(np.count_nonzero(x)), since_refresh=since_refresh,
                                 rng=rng)

    # -- iteration ---------------------------------------------------------------
    def _order(self, n, pos, d, rng):
        """(coordinates, next cyclic position, next generator state)."""
        if self.options.rule == "cyclic":
            return (pos + np.arange(n, dtype=np.int64)) % d, (pos + n) % d, rng
        order, rng = self.stream.integers(rng, 0, d, size=n)
        return order.astype(np.int64), pos, rng

    def block_size(self, state):
        return self.per_step

    def step(self, state, budget):
        n = budget
        d = state.x.size
        x = state.x.copy()
        order, pos, rng = self._order(n, state.pos, d, state.rng)
        theta = self.options.theta
        if self.quad is not None:
            Q, c, _ = self.quad
            grad, u = state.grad.copy(), state.u.copy()
            buf = np.array([state.fnum, state.h, state.D])
            self.oracle.quad_sweep(Q, c, x, grad, self.B, u, self.l1, self.l2, self.lo,
                                   self.hi, self.Lc, theta, self.sqrt, order, buf)
            since = state.since_refresh + n
            if since >= d:                      # drop the drift of the incremental updates
                new = self._finish(x, pos=pos, k=state.k + n, rng=rng)
            else:
                new = self._finish(x, pos=pos, k=state.k + n, grad=grad, fnum=buf[0], u=u,
                                   h=buf[1], D=buf[2], since_refresh=since, rng=rng)
        else:
            den = self.oracle.fractional.denominator
            grad, fnum, u, h, D = state.grad, state.fnum, state.u.copy(), state.h, state.D
            for j, i in enumerate(order):
                if j > 0:
                    fnum, grad = self.oracle.fun_and_grad(x)
                xi = x[i]
                hi_ = self.l1[i] * abs(xi) + 0.5 * self.l2[i] * xi * xi
                t, _ = self.oracle.solve_1d(self.Lc[i] + theta, grad[i], fnum + h - hi_,
                                            self.l1[i], self.l2[i], xi, self.lo[i], self.hi[i],
                                            self.Bdiag[i], u[i], D, self.sqrt)
                if t != 0.0:
                    z = xi + t
                    h = h - hi_ + self.l1[i] * abs(z) + 0.5 * self.l2[i] * z * z
                    D = D + u[i] * t + 0.5 * self.Bdiag[i] * t * t
                    x[i] = z
                    if den.B is not None:
                        u += den.B[:, i] * t
            new = self._finish(x, pos=pos, k=state.k + n, rng=rng)
        new.advanced = n
        return new

    def certificate(self, state):
        return state.cert

    def result_fields(self, state):
        problem = self.oracle.fractional
        den = problem.denominator
        x = state.x
        g = np.sqrt(state.D) if self.sqrt else state.D
        ggrad = state.u / (2.0 * g) if self.sqrt else state.u
        v = x - (state.grad - state.fun * ggrad)
        crit = float(np.max(np.abs(x - problem.penalty.prox(v, 1.0))))
        return {"nnz": state.nnz, "numerator": state.fnum + state.h, "denominator": float(g),
                "critical_residual": crit, "curvature": den.curvature}
