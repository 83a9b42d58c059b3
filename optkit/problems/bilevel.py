r"""Bilevel optimization problems (the ``"bilevel"`` family).

.. math::

    \min_{x \in X}\; F(x) := f(x, y^*(x)), \qquad
    y^*(x) \in \operatorname*{argmin}_{y \in Y}\; g(x, y),

with the *upper* objective ``f`` and the *lower* objective ``g``. When
:math:`g(x, \cdot)` is strongly convex, the hypergradient is

.. math::

    \nabla F(x) = \nabla_x f(x, y^*) - \nabla^2_{xy} g(x, y^*)\,
    [\nabla^2_{yy} g(x, y^*)]^{-1} \nabla_y f(x, y^*),

the certificate of the family's methods (exactly when the problem can
compute it, else each method's own estimate).

Oracles (callables or overridden methods; ``idx`` is ``None`` for the full
objective, else an index array of a minibatch, see ``samplers``):

======================================  ============================================
``upper(x, y[, idx]) -> float``         f
``lower(x, y[, idx]) -> float``         g
``upper_grad(x, y[, idx])``             :math:`(\nabla_x f, \nabla_y f)`
``lower_grad(x, y[, idx])``             :math:`(\nabla_x g, \nabla_y g)`
``lower_hvp(x, y, v[, idx])``           :math:`\nabla^2_{yy} g\, v` (length ``dim_y``)
``lower_cross(x, y, v[, idx])``         :math:`\nabla^2_{xy} g\, v =
                                        \nabla_x \langle \nabla_y g, v\rangle` (``dim_x``)
======================================  ============================================

The iterate of the family's methods is :class:`BilevelIterate` ``(x, y, z)``:
``res.x`` is the upper variable, ``res.y`` the lower one and ``res.z`` the
auxiliary variable (F2SA and the penalty method: the minimizer of the lower
objective alone; the Hessian-vector methods: the solution ``v`` of the linear
system :math:`\nabla^2_{yy} g\, v = \nabla_y f`).

Ready problems: :class:`QuadraticBilevel` (closed-form :math:`x^*`, for
tests), and in :mod:`optkit.problems.bilevel_data` data hyper-cleaning and
L2-hyperparameter optimization of logistic regression.
"""

from __future__ import annotations

import math
import numbers
from typing import Callable, NamedTuple

import numpy as np

from .base import Problem

__all__ = ["BilevelIterate", "BilevelProblem", "QuadraticBilevel", "quadratic_bilevel"]

#: largest lower dimension for which ``exact_hypergradient`` forms the dense
#: lower Hessian from Hessian-vector products (above it: conjugate gradients)
DENSE_HESSIAN_MAX_DIM = 400


class BilevelIterate(NamedTuple):
    """The iterate of the bilevel methods: upper ``x``, lower ``y``, auxiliary ``z``.

    A structured iterate (:mod:`optkit._core.iterate`): results carry
    ``res.x`` (the upper variable), ``res.y`` and ``res.z``.
    """

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
    return int(value)


def _optional_nonneg(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number or None, got {value!r}.")
    value = float(value)
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"`{name}` must be a finite number >= 0, got {value!r}.")
    return value


class BilevelProblem(Problem):
    r"""A bilevel problem given by the oracles of both levels.

    Parameters
    ----------
    upper, lower : callable
        ``upper(x, y[, idx]) -> float`` and ``lower(x, y[, idx]) -> float``.
    upper_grad, lower_grad : callable
        ``(x, y[, idx]) -> (grad_x, grad_y)``, arrays of lengths ``dim_x`` and
        ``dim_y``.
    dim_x, dim_y : int
        Lengths of the upper and lower variables.
    lower_hvp : callable, optional
        ``(x, y, v[, idx]) -> ∇²_yy g(x, y) v``; needed by the
        Hessian-vector methods (``aid-cg``, ``bo-rep``, ``sl-bamm``).
    lower_cross : callable, optional
        ``(x, y, v[, idx]) -> ∇²_xy g(x, y) v`` (length ``dim_x``); same.
    hypergradient : callable, optional
        ``hypergradient(x) -> ∇F(x)``, the exact hypergradient. When given,
        the methods' certificate is its norm (``certificate="auto"``).
    lower_solve : callable, optional
        ``lower_solve(x) -> y*(x)``, an accurate lower-level solver: with
        ``lower_hvp`` and ``lower_cross`` it gives
        :meth:`exact_hypergradient` (a diagnostic: not used as the certificate
        unless ``certificate="exact"``).
    samplers : dict, optional
        Finite sums: ``{"upper": n_or_sampler, "lower": n_or_sampler}``. An
        integer ``n`` says the level is an average of ``n`` terms, indexed
        ``0..n-1``, drawn uniformly without replacement; a callable
        ``sampler(rng, batch_size) -> idx`` draws indices itself (``rng`` is a
        :class:`numpy.random.Generator` owned by the method's state, so runs
        are reproducible). The oracles of a sampled level then receive
        ``idx`` as their last argument and must return the average over those
        terms. Without a sampler a level is deterministic: methods with
        ``batch_size`` set still call it without ``idx``.
    lower_mu : float, optional
        Strong-convexity modulus of :math:`g(x, \cdot)` (0: not strongly
        convex; None: unknown, assumed positive).
    lower_L, upper_L : float, optional
        Lipschitz constants of :math:`\nabla_y g` and :math:`\nabla_y f`
        (default step sizes are derived from them).
    x_set, y_set : ConvexSet, optional
        Feasible sets with ``project`` (:mod:`optkit.problems.sets`); used by
        ``bilevel-penalty`` (projected steps); None: the whole space.
    x0, y0 : array_like, optional
        Default starts (``x0`` defaults to zeros, ``y0`` to zeros).
    name : str, optional

    Raises
    ------
    TypeError
        A non-callable oracle.
    ValueError
        Non-positive dimensions, starts of the wrong length, bad samplers or
        constants.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.bilevel import BilevelProblem
    >>> # f = (x - 1)^2 / 2 + (y - 2)^2 / 2,  g = (y - x)^2 / 2:  y*(x) = x, x* = 1.5
    >>> p = BilevelProblem(
    ...     upper=lambda x, y: 0.5 * ((x - 1) ** 2 + (y - 2) ** 2).sum(),
    ...     lower=lambda x, y: 0.5 * ((y - x) ** 2).sum(),
    ...     upper_grad=lambda x, y: (x - 1, y - 2), lower_grad=lambda x, y: (x - y, y - x),
    ...     dim_x=1, dim_y=1, lower_mu=1.0, lower_L=1.0)
    >>> res = optkit.minimize(p, [0.0], method="f2sa", tol=1e-3,
    ...                       options={"maxiter": 5000, "lam0": 10.0})
    >>> bool(abs(res.x[0] - 1.5) < 0.05)
    True
    """

    family = "bilevel"
    default_method = "f2sa"
    oracle_names = ("upper", "lower", "upper_grad", "lower_grad", "lower_hvp", "lower_cross",
                    "hypergradient", "lower_solve")
    #: oracles a subclass provides by overriding (set by the ready problems)
    _overridden: tuple[str, ...] = ()
    #: whether the exact hypergradient is cheap enough to be the certificate
    exact_is_cheap = False

    def __init__(self, upper=None, lower=None, *, upper_grad=None, lower_grad=None,
                 dim_x, dim_y, lower_hvp=None, lower_cross=None, hypergradient=None,
                 lower_solve=None, samplers=None, lower_mu=None, lower_L=None, upper_L=None,
                 x_set=None, y_set=None, x0=None, y0=None, name=None):
        super().__init__(name=name or "bilevel")
        self.dim_x = _positive_int(dim_x, "dim_x")
        self.dim_y = _positive_int(dim_y, "dim_y")
        given = dict(upper=upper, lower=lower, upper_grad=upper_grad, lower_grad=lower_grad,
                     lower_hvp=lower_hvp, lower_cross=lower_cross,
                     hypergradient=hypergradient, lower_solve=lower_solve)
        for arg, fn in given.items():
            if fn is not None and not callable(fn):
                raise TypeError(f"`{arg}` must be callable, got {type(fn).__name__}.")
        self._oracles = {k: v for k, v in given.items() if v is not None}
        for need in ("upper", "lower", "upper_grad", "lower_grad"):
            if not self.provides(need):
                raise TypeError(f"BilevelProblem needs `{need}` (a callable).")
        if hypergradient is not None:
            self.exact_is_cheap = True
        self.lower_mu = _optional_nonneg(lower_mu, "lower_mu")
        self.lower_L = _optional_nonneg(lower_L, "lower_L")
        self.upper_L = _optional_nonneg(upper_L, "upper_L")
        for arg, s in (("x_set", x_set), ("y_set", y_set)):
            if s is not None and not callable(getattr(s, "project", None)):
                raise TypeError(f"`{arg}` must be a set with a `project` method "
                                f"(optkit.problems.sets), got {type(s).__name__}.")
        self.x_set, self.y_set = x_set, y_set
        self._samplers = self._check_samplers(samplers)
        from .._core.validate import as_x0
        self.x0 = np.zeros(self.dim_x) if x0 is None else as_x0(x0, "x0")
        self.y0 = np.zeros(self.dim_y) if y0 is None else as_x0(y0, "y0")
        if self.x0.size != self.dim_x:
            raise ValueError(f"`x0` must have length dim_x = {self.dim_x}; got {self.x0.size}.")
        if self.y0.size != self.dim_y:
            raise ValueError(f"`y0` must have length dim_y = {self.dim_y}; got {self.y0.size}.")

    # -- capabilities -----------------------------------------------------------
    def provides(self, oracle: str) -> bool:
        if oracle not in self.oracle_names:
            return False
        return oracle in self._oracles or oracle in self._overridden

    @property
    def lower_strongly_convex(self) -> bool:
        """False only when the problem declares ``lower_mu = 0``."""
        return self.lower_mu is None or self.lower_mu > 0

    @staticmethod
    def _check_samplers(samplers):
        if samplers is None:
            return {}
        if not isinstance(samplers, dict):
            raise TypeError(f"`samplers` must be a dict {{'upper': ..., 'lower': ...}}, got "
                            f"{type(samplers).__name__}.")
        out = {}
        for level, s in samplers.items():
            if level not in ("upper", "lower"):
                raise ValueError(f"`samplers` keys must be 'upper' or 'lower'; got {level!r}.")
            if s is None:
                continue
            if callable(s):
                out[level] = s
            else:
                out[level] = _positive_int(s, f"samplers[{level!r}]")
        return out

    def is_sampled(self, level: str) -> bool:
        """Whether ``level`` ("upper" or "lower") is a finite sum with a sampler."""
        return level in self._samplers

    def n_terms(self, level: str) -> int | None:
        """Number of terms of a finite-sum level (None: not declared)."""
        s = self._samplers.get(level)
        return s if isinstance(s, int) else getattr(s, "n_terms", None)

    def draw(self, level: str, rng: np.random.Generator, batch_size: int):
        """Indices of a minibatch of ``level`` (None when the level is deterministic)."""
        s = self._samplers.get(level)
        if s is None:
            return None
        if isinstance(s, int):
            return np.sort(rng.choice(s, size=min(batch_size, s), replace=False))
        return s(rng, batch_size)

    # -- oracles ------------------------------------------------------------------
    def _call(self, name, *args, idx=None):
        fn = self._oracles.get(name)
        if fn is None:
            raise NotImplementedError(f"{self.name} does not provide `{name}`.")
        return fn(*args) if idx is None else fn(*args, idx)

    def upper(self, x, y, idx=None):
        """Upper objective f(x, y) (its minibatch average when ``idx`` is given)."""
        return self._call("upper", x, y, idx=idx)

    def lower(self, x, y, idx=None):
        """Lower objective g(x, y)."""
        return self._call("lower", x, y, idx=idx)

    def upper_grad(self, x, y, idx=None):
        """``(∇_x f, ∇_y f)`` at (x, y)."""
        return self._call("upper_grad", x, y, idx=idx)

    def lower_grad(self, x, y, idx=None):
        """``(∇_x g, ∇_y g)`` at (x, y)."""
        return self._call("lower_grad", x, y, idx=idx)

    def lower_hvp(self, x, y, v, idx=None):
        """``∇²_yy g(x, y) v``."""
        return self._call("lower_hvp", x, y, v, idx=idx)

    def lower_cross(self, x, y, v, idx=None):
        """``∇²_xy g(x, y) v = ∇_x <∇_y g(x, y), v>`` (length ``dim_x``)."""
        return self._call("lower_cross", x, y, v, idx=idx)

    def lower_solve(self, x):
        """An accurate minimizer y*(x) of the lower objective."""
        return self._call("lower_solve", x)

    def hypergradient(self, x):
        """The exact hypergradient, when given as a callable."""
        return self._call("hypergradient", x)

    def exact_hypergradient(self, x, y=None):
        r"""The hypergradient :math:`\nabla F(x)` by implicit differentiation.

        Uses ``hypergradient`` when the problem has it; else ``lower_solve``
        (or ``y`` when given, taken as :math:`y^*(x)`) and the linear system
        :math:`\nabla^2_{yy} g\, v = \nabla_y f`, solved densely (the Hessian
        built from ``dim_y`` Hessian-vector products) up to
        :data:`DENSE_HESSIAN_MAX_DIM`, by conjugate gradients beyond.

        Parameters
        ----------
        x : ndarray, shape (dim_x,)
        y : ndarray, shape (dim_y,), optional
            The lower solution at x, when known.

        Returns
        -------
        ndarray, shape (dim_x,)
        """
        x = np.asarray(x, dtype=float)
        if y is None and self.provides("hypergradient"):
            return np.asarray(self.hypergradient(x), dtype=float)
        if not (self.provides("lower_hvp") and self.provides("lower_cross")):
            raise NotImplementedError(
                f"{self.name}: the exact hypergradient needs `hypergradient`, or "
                "`lower_solve` (or y) with `lower_hvp` and `lower_cross`.")
        if y is None:
            if not self.provides("lower_solve"):
                raise NotImplementedError(f"{self.name} provides no `lower_solve`.")
            y = np.asarray(self.lower_solve(x), dtype=float)
        fx, fy = self.upper_grad(x, y)
        v = self._solve_lower_hessian(x, y, np.asarray(fy, dtype=float))
        return np.asarray(fx, dtype=float) - np.asarray(self.lower_cross(x, y, v), dtype=float)

    def newton_polish(self, x, y, steps=3):
        """``steps`` Newton steps on g(x, .) from y (the linear systems as in
        :meth:`exact_hypergradient`): turns a good lower solution into one
        accurate to rounding (strongly convex lower level)."""
        y = np.array(y, dtype=float, copy=True)
        for _ in range(steps):
            gy = np.asarray(self.lower_grad(x, y)[1], dtype=float)
            y = y - self._solve_lower_hessian(x, y, gy)
        return y

    def _solve_lower_hessian(self, x, y, b):
        n = self.dim_y
        if n <= DENSE_HESSIAN_MAX_DIM:
            H = np.column_stack([self.lower_hvp(x, y, e) for e in np.eye(n)])
            H = 0.5 * (H + H.T)
            return np.linalg.solve(H, b)
        from scipy.sparse.linalg import LinearOperator, cg
        op = LinearOperator((n, n), matvec=lambda v: self.lower_hvp(x, y, v), dtype=float)
        v, _ = cg(op, b, rtol=1e-12, maxiter=10 * n)
        return v

    # -- starts -----------------------------------------------------------------------
    def as_start(self, x0) -> BilevelIterate:
        """``x0`` as a start ``(x, y, z)``: the upper variable alone (length
        ``dim_x``; ``y`` from ``problem.y0``, ``z = y``), or a tuple ``(x, y)``
        or ``(x, y, z)``. Fresh copies; the methods' options ``y0`` / ``z0``
        override the lower parts. The Hessian-vector methods (``aid-cg``,
        ``bo-rep``, ``sl-bamm``) keep the linear-system solution v in z and
        start it at 0 (or at option ``z0``), not at the start's z.

        Raises
        ------
        ValueError
            A part of the wrong length or with NaN/inf entries.
        """
        from .._core.validate import as_x0

        if isinstance(x0, tuple) and len(x0) in (2, 3):
            x = as_x0(x0[0], "x0[0] (the upper variable x)")
            y = as_x0(x0[1], "x0[1] (the lower variable y)")
            z = as_x0(x0[2], "x0[2] (the auxiliary variable z)") if len(x0) == 3 else y.copy()
        else:
            x = as_x0(x0)
            y, z = self.y0.copy(), self.y0.copy()
        if x.size != self.dim_x:
            raise ValueError(f"`x0` (the upper variable) must have length dim_x = "
                             f"{self.dim_x}; got {x.size}.")
        for part, arr in (("y", y), ("z", z)):
            if arr.size != self.dim_y:
                raise ValueError(f"the start's `{part}` must have length dim_y = "
                                 f"{self.dim_y}; got {arr.size}.")
        return BilevelIterate(x, y, z)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} dim_x={self.dim_x} dim_y={self.dim_y}>"


# ---------------------------------------------------------------------------------------
class QuadraticBilevel(BilevelProblem):
    r"""A quadratic bilevel problem with closed-form solution.

    .. math::

        f(x, y) = \tfrac12 x^\top A x + a^\top x + \tfrac12 (y - c)^\top B (y - c), \qquad
        g(x, y) = \tfrac12 y^\top H y - y^\top J x - h^\top y,

    so that :math:`y^*(x) = H^{-1}(Jx + h)`, :math:`F` is a quadratic in x
    with Hessian :math:`A + J^\top H^{-1} B H^{-1} J` and the minimizer
    :math:`x^*` solves one linear system (:attr:`x_star`). The hypergradient
    is :math:`\nabla F(x) = Ax + a + J^\top H^{-1} B (y^*(x) - c)`.

    With ``n_terms`` the objectives are finite sums of ``n_terms`` terms: term
    ``i`` adds linear noise :math:`\xi_i^\top x + \zeta_i^\top y` (upper) and
    :math:`\phi_i^\top y + \psi_i^\top x` (lower) with zero-mean vectors of
    scale ``noise``; the averages are the objectives above, so minibatch
    gradients are unbiased with bounded variance.

    Parameters
    ----------
    A, B, H : ndarray
        Symmetric; A (dim_x, dim_x) and B (dim_y, dim_y) positive
        semidefinite, H (dim_y, dim_y) positive semidefinite (positive
        definite for a strongly convex lower level; a singular H makes
        ``lower_mu = 0``).
    J : ndarray, shape (dim_y, dim_x)
    a, c, h : ndarray
    n_terms : int, optional
    noise : float, default 0.1
    seed : int, default 0
        Seed of the noise vectors.
    name : str, optional

    Attributes
    ----------
    x_star : ndarray or None
        The minimizer of F (None when the lower level is singular).
    F_star : float or None
    """

    _overridden = ("upper", "lower", "upper_grad", "lower_grad", "lower_hvp", "lower_cross",
                   "hypergradient", "lower_solve")
    exact_is_cheap = True

    def __init__(self, A, a, B, c, H, J, h, *, n_terms=None, noise=0.1, seed=0, name=None):
        A = np.asarray(A, dtype=float)
        B = np.asarray(B, dtype=float)
        H = np.asarray(H, dtype=float)
        J = np.asarray(J, dtype=float)
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"`A` must be a square matrix; got shape {A.shape}.")
        if H.ndim != 2 or H.shape[0] != H.shape[1]:
            raise ValueError(f"`H` must be a square matrix; got shape {H.shape}.")
        dx, dy = A.shape[0], H.shape[0]
        if B.shape != (dy, dy):
            raise ValueError(f"Shape mismatch between levels: `B` must be ({dy}, {dy}) like "
                             f"`H` (the lower Hessian); got {B.shape}.")
        if J.shape != (dy, dx):
            raise ValueError(f"Shape mismatch between levels: `J` must be (dim_y, dim_x) = "
                             f"({dy}, {dx}); got {J.shape}.")
        a = np.asarray(a, dtype=float).reshape(-1)
        c = np.asarray(c, dtype=float).reshape(-1)
        h = np.asarray(h, dtype=float).reshape(-1)
        for arg, vec, n in (("a", a, dx), ("c", c, dy), ("h", h, dy)):
            if vec.size != n:
                raise ValueError(f"`{arg}` must have length {n}; got {vec.size}.")
        for arg, M in (("A", A), ("B", B), ("H", H), ("J", J), ("a", a), ("c", c), ("h", h)):
            if not np.isfinite(M).all():
                raise ValueError(f"`{arg}` contains NaN or inf entries.")
        for arg, M in (("A", A), ("B", B), ("H", H)):
            if not np.allclose(M, M.T, atol=1e-12 * max(1.0, np.abs(M).max())):
                raise ValueError(f"`{arg}` must be symmetric.")
        eig_H = np.linalg.eigvalsh(H)
        if eig_H[0] < -1e-12 * max(1.0, eig_H[-1]):
            raise ValueError(f"`H` (the lower Hessian) must be positive semidefinite; its "
                             f"smallest eigenvalue is {eig_H[0]:.3g}.")
        mu = float(max(eig_H[0], 0.0))
        if mu <= 1e-12 * max(1.0, eig_H[-1]):
            mu = 0.0
        upper_L = float(np.linalg.eigvalsh(B)[-1]) if dy else 0.0
        samplers = None
        if n_terms is not None:
            n_terms = _positive_int(n_terms, "n_terms")
            samplers = {"upper": n_terms, "lower": n_terms}
        super().__init__(dim_x=dx, dim_y=dy, lower_mu=mu, lower_L=float(eig_H[-1]),
                         upper_L=upper_L, samplers=samplers, name=name or "quadratic-bilevel")
        self.A, self.a, self.B, self.c, self.H, self.J, self.h = A, a, B, c, H, J, h
        self.noise = float(noise)
        if n_terms is not None:
            rng = np.random.default_rng(seed)
            noises = [rng.standard_normal((n_terms, n)) for n in (dx, dy, dy, dx)]
            noises = [self.noise * (m - m.mean(axis=0)) for m in noises]
            self._xi, self._zeta, self._phi, self._psi = noises
        self.x_star, self.F_star = None, None
        if mu == 0:
            # y*(x) is not unique: no closed form, no exact hypergradient
            self._overridden = tuple(o for o in self._overridden
                                     if o not in ("hypergradient", "lower_solve"))
            self.exact_is_cheap = False
        if mu > 0:
            Hinv_J = np.linalg.solve(H, J)
            Hinv_h = np.linalg.solve(H, h)
            K = A + Hinv_J.T @ B @ Hinv_J
            rhs = -(a + Hinv_J.T @ B @ (Hinv_h - c))
            if np.linalg.eigvalsh(0.5 * (K + K.T))[0] > 0:
                self.x_star = np.linalg.solve(K, rhs)
                self.F_star = float(self.value(self.x_star))
                self.f_star = self.F_star

    # -- the closed forms ------------------------------------------------------------
    def optimistic_solution(self):
        r"""``(x, y)`` minimizing f(x, y) over the lower solutions
        :math:`Hy = Jx + h` (the optimistic bilevel solution; equal to
        ``(x_star, y_star(x_star))`` when H is nonsingular), from the KKT
        system of this equality-constrained QP (least squares: the multiplier
        is not unique when H is singular)."""
        dx, dy = self.dim_x, self.dim_y
        K = np.zeros((dx + 2 * dy, dx + 2 * dy))
        K[:dx, :dx] = self.A
        K[:dx, dx + dy:] = -self.J.T
        K[dx:dx + dy, dx:dx + dy] = self.B
        K[dx:dx + dy, dx + dy:] = self.H
        K[dx + dy:, :dx] = -self.J
        K[dx + dy:, dx:dx + dy] = self.H
        rhs = np.concatenate([-self.a, self.B @ self.c, self.h])
        sol = np.linalg.lstsq(K, rhs, rcond=None)[0]
        return sol[:dx], sol[dx:dx + dy]

    def y_star(self, x):
        """:math:`y^*(x) = H^{-1}(Jx + h)`."""
        return np.linalg.solve(self.H, self.J @ np.asarray(x, dtype=float) + self.h)

    def value(self, x):
        """The hyper-objective F(x) = f(x, y*(x))."""
        return float(self.upper(x, self.y_star(x)))

    def lower_solve(self, x):
        return self.y_star(x)

    def hypergradient(self, x):
        x = np.asarray(x, dtype=float)
        y = self.y_star(x)
        return self.A @ x + self.a + self.J.T @ np.linalg.solve(self.H, self.B @ (y - self.c))

    # -- oracles -------------------------------------------------------------------------
    def _noise(self, idx, which):
        """Minibatch means of the noise vectors ``which`` (names of the four)."""
        if idx is None:
            return None
        return tuple(getattr(self, name)[idx].mean(axis=0) for name in which)

    def upper(self, x, y, idx=None):
        r = y - self.c
        val = 0.5 * x @ (self.A @ x) + self.a @ x + 0.5 * r @ (self.B @ r)
        n = self._noise(idx, ("_xi", "_zeta"))
        if n is not None:
            val += n[0] @ x + n[1] @ y
        return float(val)

    def lower(self, x, y, idx=None):
        val = 0.5 * y @ (self.H @ y) - y @ (self.J @ x) - self.h @ y
        n = self._noise(idx, ("_phi", "_psi"))
        if n is not None:
            val += n[0] @ y + n[1] @ x
        return float(val)

    def upper_grad(self, x, y, idx=None):
        gx, gy = self.A @ x + self.a, self.B @ (y - self.c)
        n = self._noise(idx, ("_xi", "_zeta"))
        if n is not None:
            gx, gy = gx + n[0], gy + n[1]
        return gx, gy

    def lower_grad(self, x, y, idx=None):
        gx, gy = -(self.J.T @ y), self.H @ y - self.J @ x - self.h
        n = self._noise(idx, ("_psi", "_phi"))
        if n is not None:
            gx, gy = gx + n[0], gy + n[1]
        return gx, gy

    def lower_hvp(self, x, y, v, idx=None):
        return self.H @ v

    def lower_cross(self, x, y, v, idx=None):
        return -(self.J.T @ v)


def quadratic_bilevel(dim_x=3, dim_y=4, *, cond=10.0, coupling=1.0, singular=0, n_terms=None,
                      noise=0.1, seed=0):
    r"""A random :class:`QuadraticBilevel` instance with closed-form :math:`x^*`.

    Parameters
    ----------
    dim_x, dim_y : int
        Dimensions of the upper and lower variables.
    cond : float, default 10
        Condition number of the lower Hessian H (eigenvalues in [1, cond]).
    coupling : float, default 1
        Scale of the coupling matrix J.
    singular : int, default 0
        Number of zero eigenvalues of H (> 0: a lower level that is convex
        but not strongly convex).
    n_terms : int, optional
        Make both levels finite sums of this many terms (stochastic oracles).
    noise : float, default 0.1
        Scale of the per-term noise.
    seed : int, default 0

    Returns
    -------
    QuadraticBilevel
    """
    rng = np.random.default_rng(seed)

    def rand_orth(n):
        q, r = np.linalg.qr(rng.standard_normal((n, n)))
        return q * np.sign(np.diag(r))

    Qy = rand_orth(dim_y)
    eig = np.geomspace(1.0, float(cond), dim_y)
    if singular:
        eig[:int(singular)] = 0.0
    H = (Qy * eig) @ Qy.T
    Qx = rand_orth(dim_x)
    A = (Qx * rng.uniform(0.5, 1.5, dim_x)) @ Qx.T
    B = (Qy * rng.uniform(0.5, 1.5, dim_y)) @ Qy.T
    J = coupling * rng.standard_normal((dim_y, dim_x)) / np.sqrt(dim_x)
    H, A, B = 0.5 * (H + H.T), 0.5 * (A + A.T), 0.5 * (B + B.T)
    a, c, h = (rng.standard_normal(n) for n in (dim_x, dim_y, dim_y))
    if singular:
        # keep J x + h in the range of H: the lower level stays bounded below, with a
        # solution set y_p(x) + null(H) for every x
        R = Qy[:, int(singular):]
        J, h = R @ (R.T @ J), R @ (R.T @ h)
    return QuadraticBilevel(A, a, B, c, H, J, h, n_terms=n_terms, noise=noise, seed=seed)
