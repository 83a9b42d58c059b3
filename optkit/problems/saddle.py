r"""Convex-concave saddle-point problems (the ``"saddle"`` family).

.. math::

    \min_{x \in X} \max_{y \in Y} \; \phi(x, y)

Two kinds of problems, one class (:class:`SaddleProblem`):

* **bilinear** (:meth:`SaddleProblem.bilinear`,
  :meth:`SaddleProblem.matrix_game`, :meth:`SaddleProblem.assignment`):
  :math:`\phi(x, y) = \langle Kx, y\rangle + g(x) - h^*(y)` with a linear
  operator :math:`K` (ndarray, scipy.sparse matrix or
  :class:`~scipy.sparse.linalg.LinearOperator`) and prox-capable ``g`` and
  ``h_conj`` from the geometry layer (:mod:`optkit.problems.geometry`: sets,
  whose prox is the projection and whose mirror map drives mirror descent and
  mirror prox; penalties of :mod:`optkit.problems.composite`;
  :class:`~optkit.problems.geometry.EuclideanSpace` for "no term");
* **smooth** (``SaddleProblem(grad_x, grad_y, X, Y)``): a smooth
  convex-concave :math:`\phi` given by its partial gradients, over sets ``X``
  and ``Y`` of the geometry layer.

The iterate of every method of the family is a :class:`SaddlePoint`
``(x, y)``; results give ``res.x`` and ``res.y``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from ._data import check_sparse_structure as _check_sparse_structure, check_real as _check_real
from scipy.sparse.linalg import LinearOperator

from .base import Problem
from .composite import SeparablePenalty, as_penalty
from .geometry import (BoxPolytope, ConvexSet, EntropySimplex, EuclideanSpace, Geometry,
                       _positive)

__all__ = ["SaddleProblem", "SaddlePoint", "LinearOnBox", "LinearPenalty"]


class SaddlePoint(NamedTuple):
    """The iterate of the saddle methods: the primal point ``x`` and the dual point ``y``.

    A structured iterate (:mod:`optkit._core.iterate`): results give ``res.x``
    (the primal part) and ``res.y``.
    """

    x: np.ndarray
    y: np.ndarray


class LinearOnBox(Geometry):
    r"""The separable function :math:`h(x) = \langle c, x\rangle + \iota_{[\ell, u]}(x)`.

    Its prox is :math:`\operatorname{prox}_{s h}(v) = \operatorname{clip}(v - s c,
    \ell, u)` (per-coordinate steps allowed). It is the primal term of a linear
    program in the saddle form (``c`` the costs, ``[0, inf)`` the bounds) and,
    with infinite bounds, the conjugate :math:`h^*(y) = \langle b, y\rangle`
    of the indicator of :math:`\{b\}` (equality constraints).

    Parameters
    ----------
    c : array_like, shape (n,)
        Finite coefficients.
    lower, upper : float or array_like, default -inf, +inf
        Bounds, ``lower <= upper``.
    """

    def __init__(self, c, lower=-np.inf, upper=np.inf):
        c = np.asarray(c, dtype=float).reshape(-1)
        if not np.all(np.isfinite(c)):
            raise ValueError("`c` contains NaN or inf entries.")
        lo = np.broadcast_to(np.asarray(lower, dtype=float), c.shape)
        hi = np.broadcast_to(np.asarray(upper, dtype=float), c.shape)
        if np.any(np.isnan(lo)) or np.any(np.isnan(hi)):
            raise ValueError("`lower` and `upper` must not contain NaN.")
        if np.any(lo > hi):
            raise ValueError("`lower` must be <= `upper` entrywise.")
        self.c, self.lower, self.upper = c, lo, hi
        self.dim = c.size

    def _implements(self, op):
        return op in ("prox", "value", "contains")

    def prox(self, v, step=1.0):
        r""":math:`\operatorname{clip}(v - s c, \ell, u)`."""
        return np.clip(np.asarray(v, dtype=float) - step * self.c, self.lower, self.upper)

    def contains(self, x, tol=1e-9):
        x = np.asarray(x, dtype=float)
        return bool(np.all(x >= self.lower - tol) and np.all(x <= self.upper + tol))

    def value(self, x):
        r""":math:`\langle c, x\rangle` (``inf`` outside the bounds)."""
        x = np.asarray(x, dtype=float)
        if not self.contains(x, 1e-9):
            return math.inf
        return float(self.c @ x)

    def _repr_fields(self):
        return {"n": self.dim}


def LinearPenalty(c):
    r"""The linear function :math:`\langle c, x\rangle` on the whole space (a :class:`LinearOnBox`).

    Parameters
    ----------
    c : array_like, shape (n,)

    Returns
    -------
    LinearOnBox
    """
    return LinearOnBox(c)


# -- the assignment constraint operator -------------------------------------------------
class _AssignmentOperator(LinearOperator):
    r""":math:`E x = (X\mathbf 1, X^T\mathbf 1)` for :math:`x = \operatorname{vec}(X)`,
    :math:`X \in \mathbb{R}^{n \times n}` (row-major), without forming the
    :math:`2n \times n^2` matrix. :math:`\|E\|_2^2 = 2n` (:math:`E E^T =
    \begin{pmatrix} nI & J\\ J & nI\end{pmatrix}`), :math:`\|E\|_F^2 = 2n^2`."""

    def __init__(self, n: int, sign: float = 1.0):
        self.n = n
        self.sign = float(sign)
        super().__init__(dtype=np.float64, shape=(2 * n, n * n))
        self.norm_squared = 2.0 * n
        self.fro_squared = 2.0 * n * n
        self.abs_row_sums = np.full(2 * n, float(n))
        self.abs_col_sums = np.full(n * n, 2.0)

    def _matvec(self, x):
        X = np.asarray(x, dtype=float).reshape(self.n, self.n)
        return self.sign * np.concatenate([X.sum(axis=1), X.sum(axis=0)])

    def _rmatvec(self, y):
        y = np.asarray(y, dtype=float).reshape(-1)
        u, v = y[:self.n], y[self.n:]
        return self.sign * (u[:, None] + v[None, :]).reshape(-1)

    def _adjoint(self):
        return _AssignmentAdjoint(self)


class _AssignmentAdjoint(LinearOperator):
    def __init__(self, op):
        self.op = op
        super().__init__(dtype=np.float64, shape=(op.shape[1], op.shape[0]))

    def _matvec(self, y):
        return self.op._rmatvec(y)

    def _rmatvec(self, x):
        return self.op._matvec(x)


def _check_operator(K, name: str):
    """K as a float64 ndarray, CSR matrix or LinearOperator, after checks naming ``name``."""
    if isinstance(K, LinearOperator):
        if len(K.shape) != 2 or min(K.shape) < 1:
            raise ValueError(f"`{name}` must be a 2-D operator with at least one row and "
                             f"column; got shape {K.shape}.")
        return K
    if sp.issparse(K):
        if K.dtype.kind not in "biuf":
            raise TypeError(f"`{name}` must hold real numbers, got dtype {K.dtype}.")
        K = _check_sparse_structure(K, name)
        K = sp.csr_matrix(K, dtype=np.float64)
        if not np.all(np.isfinite(K.data)):
            raise ValueError(f"`{name}` contains NaN or infinite values.")
    else:
        try:
            K = np.asarray(K)
        except Exception as exc:              # pragma: no cover - exotic inputs
            raise TypeError(f"`{name}` must be an array of real numbers: {exc}") from None
        if K.dtype.kind not in "biuf":
            raise TypeError(f"`{name}` must be a real numeric array, got dtype {K.dtype}.")
        if K.ndim != 2:
            raise ValueError(f"`{name}` must be a 2-D matrix; got shape {K.shape}.")
        K = np.asarray(K, dtype=np.float64)
        if np.isnan(K).any():
            raise ValueError(f"`{name}` contains NaN entries.")
        if not np.isfinite(K).all():
            raise ValueError(f"`{name}` contains infinite entries.")
    if min(K.shape) < 1:
        raise ValueError(f"`{name}` must have at least one row and one column; got shape "
                         f"{K.shape}.")
    return K


def _as_term(obj, name: str, dim: int) -> Geometry:
    """A prox-capable geometry for the term ``name`` acting on vectors of length ``dim``."""
    if obj is None:
        return EuclideanSpace(dim)
    try:
        geo = as_penalty(obj)
    except TypeError as exc:
        raise TypeError(f"`{name}`: {exc}".replace("`penalty`", "the term")) from None
    d = getattr(geo, "dim", None)
    if d is not None and d != dim:
        raise ValueError(f"Shape mismatch: `{name}` acts on vectors of length {d}, but the "
                         f"operator needs length {dim}.")
    return geo


def _start_of(geo: Geometry, dim: int) -> np.ndarray:
    """The default start of one block: the set's prox center, else the prox of 0."""
    if isinstance(geo, EntropySimplex):
        return np.full(dim, geo.radius / dim)
    if isinstance(geo, ConvexSet) and geo.provides("project"):
        return np.asarray(geo.project(np.zeros(dim)), dtype=float).reshape(-1)
    if geo.provides("prox"):
        z = np.asarray(geo.prox(np.zeros(dim), 1.0), dtype=float).reshape(-1)
        if z.size == dim and np.all(np.isfinite(z)):
            return z
    return np.zeros(dim)


def _is_separable(geo) -> bool:
    """Whether the prox of ``geo`` acts coordinatewise (so that diagonal steps are allowed):
    the separable classes of the geometry layer, or an object declaring ``separable = True``
    (its ``prox(v, step)`` accepting one step per coordinate)."""
    if isinstance(geo, (SeparablePenalty, EuclideanSpace, BoxPolytope, LinearOnBox)):
        return True
    return bool(getattr(getattr(geo, "inner", geo), "separable", False))


class SaddleProblem(Problem):
    r"""A convex-concave saddle-point problem :math:`\min_{x\in X}\max_{y\in Y}\phi(x, y)`.

    The constructor makes the **smooth** kind from partial gradients; the
    class methods :meth:`bilinear`, :meth:`matrix_game` and :meth:`assignment`
    make the **bilinear** kind
    :math:`\phi(x, y) = \langle Kx, y\rangle + g(x) - h^*(y)`.

    The saddle methods use the monotone operator
    :math:`F(x, y) = (\nabla_x\phi(x, y), -\nabla_y\phi(x, y))` (mirror descent,
    mirror prox; for the bilinear kind :math:`F = (K^Ty, -Kx)` over the sets
    ``g`` and ``h_conj``) or the proximal splitting of the bilinear form
    (PDHG, adaptive PDHG).

    Parameters
    ----------
    grad_x : callable
        ``grad_x(x, y) -> ndarray (n,)``, :math:`\nabla_x\phi`.
    grad_y : callable
        ``grad_y(x, y) -> ndarray (m,)``, :math:`\nabla_y\phi`.
    X, Y : Geometry
        The sets (with a projection; their mirror map is the one the mirror
        methods use, e.g. :class:`~optkit.problems.geometry.EntropySimplex` or
        :class:`~optkit.problems.sets.Box`), each with its dimension ``n``.
    fun : callable, optional
        ``fun(x, y) -> float``, :math:`\phi` (reported as ``res.fun``; without
        it ``fun`` is 0).
    lipschitz : float, optional
        The Lipschitz constant of :math:`F` in the weighted norm of the mirror
        methods (see :mod:`optkit.solvers.saddle`); without it mirror prox uses
        its adaptive step.
    name : str, optional

    Attributes
    ----------
    kind : {"smooth", "bilinear"}
    K : ndarray, sparse matrix or LinearOperator
        The coupling operator, shape ``(m, n)`` (bilinear kind).
    g, h_conj : Geometry
        The primal and dual terms (bilinear kind).
    X, Y : Geometry or None
        The sets of the mirror methods (for the bilinear kind: ``g`` and
        ``h_conj`` when they are sets, else None).
    n, m : int
        Lengths of ``x`` and ``y``.
    x0 : ndarray
        The default start ``[x0, y0]`` (the sets' prox centers: uniform on simplices).
    game_matrix : ndarray or None
        ``A`` of :meth:`matrix_game` (its ``K`` is the centered
        :math:`(A - \bar a)^T`, :math:`\bar a` the mean entry, which leaves the
        strategies unchanged; values add ``value_offset`` back).
    value_offset : float
        Added to every reported value of :math:`\phi` (the mean entry of a dense game).
    costs : ndarray or None
        ``C`` of :meth:`assignment`.

    Raises
    ------
    TypeError, ValueError
        Non-callable gradients, sets without dimension, or a start outside the sets.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.saddle import SaddleProblem
    >>> A = np.array([[0.0, 1.0, -1.0], [-1.0, 0.0, 1.0], [1.0, -1.0, 0.0]])
    >>> res = optkit.minimize(SaddleProblem.matrix_game(A), method="mirror-prox", tol=1e-8)
    >>> np.round(res.x, 6), abs(res.fun) < 1e-6
    (array([0.333333, 0.333333, 0.333333]), True)
    """

    family = "saddle"
    default_method = "mirror-prox"
    oracle_names = ("grad_x", "grad_y", "fun", "matvec", "rmatvec", "prox", "lmo")

    def __init__(self, grad_x, grad_y, X, Y, *, fun=None, lipschitz=None, x0=None, y0=None,
                 name=None):
        super().__init__(name=name or "saddle")
        for arg, fn in (("grad_x", grad_x), ("grad_y", grad_y)):
            if not callable(fn):
                raise TypeError(f"`{arg}` must be callable, got {type(fn).__name__}.")
        if fun is not None and not callable(fun):
            raise TypeError(f"`fun` must be callable, got {type(fun).__name__}.")
        for arg, geo in (("X", X), ("Y", Y)):
            if not isinstance(geo, Geometry):
                raise TypeError(f"`{arg}` must be a set of the geometry layer (optkit.problems."
                                f"sets / geometry), got {type(geo).__name__}.")
            if geo.dim is None:
                raise ValueError(f"`{arg}` must fix its dimension (pass `n=` to the set).")
            geo.require("project", by=f"SaddleProblem (`{arg}`)")
        self.kind = "smooth"
        self._grad_x, self._grad_y, self._fun = grad_x, grad_y, fun
        self.X, self.Y = X, Y
        self.g = self.h_conj = None
        self.K = None
        self.n, self.m = X.dim, Y.dim
        self.lipschitz = None if lipschitz is None else _positive(lipschitz, "lipschitz")
        self.value_offset = 0.0
        self.game_matrix = self.costs = None
        self._set_start(x0, y0)

    # -- constructors of the bilinear kind --------------------------------------------------
    @classmethod
    def bilinear(cls, K, g=None, h_conj=None, *, x0=None, y0=None, name=None):
        r"""The bilinear saddle problem :math:`\min_x\max_y \langle Kx, y\rangle + g(x) - h^*(y)`.

        Parameters
        ----------
        K : array_like, sparse matrix or LinearOperator, shape (m, n)
            The coupling operator.
        g : Geometry or object with ``prox(v, step)``, optional
            The primal term (a set: its indicator; a penalty such as
            :func:`~optkit.problems.composite.L1`; :class:`LinearOnBox`...).
            None: zero (:class:`~optkit.problems.geometry.EuclideanSpace`).
        h_conj : Geometry or object with ``prox(v, step)``, optional
            The dual term :math:`h^*` (the conjugate of :math:`h` in
            :math:`\min_x g(x) + h(Kx)`). None: zero.

            A user object whose prox acts coordinatewise (one step per
            coordinate accepted) may declare ``separable = True``, which
            allows PDHG's diagonal preconditioning.
        x0, y0 : array_like, optional
            Default starts (else each term's prox center).
        name : str, optional

        Returns
        -------
        SaddleProblem

        Raises
        ------
        ValueError
            NaN/inf entries of ``K``, or terms whose length does not match ``K``.
        """
        self = cls.__new__(cls)
        Problem.__init__(self, name=name or "bilinear")
        self._init_bilinear(K, g, h_conj, x0, y0)
        return self

    def _init_bilinear(self, K, g, h_conj, x0, y0, name_K="K"):
        K = _check_operator(K, name_K)
        self.kind = "bilinear"
        self.K = K
        self.m, self.n = (int(s) for s in K.shape)
        self.g = _as_term(g, "g", self.n)
        self.h_conj = _as_term(h_conj, "h_conj", self.m)
        self.X = self.g if isinstance(self.g, ConvexSet) and self.g.provides("project") else None
        self.Y = (self.h_conj if isinstance(self.h_conj, ConvexSet)
                  and self.h_conj.provides("project") else None)
        self._grad_x = self._grad_y = self._fun = None
        self.value_offset = 0.0
        self.lipschitz = None
        self.game_matrix = self.costs = None
        self._set_start(x0, y0)

    @classmethod
    def matrix_game(cls, A, *, name=None):
        r"""The zero-sum matrix game :math:`\min_{x\in\Delta_n}\max_{y\in\Delta_m} x^TAy`.

        The row player ``x`` pays :math:`x^TAy` to the column player ``y``. As a
        bilinear problem: :math:`K = A^T`, ``g`` and ``h_conj`` the indicators of
        the simplices, with the entropy mirror map
        (:class:`~optkit.problems.geometry.EntropySimplex`). The duality gap
        :math:`\max_j (A^Tx)_j - \min_i (Ay)_i` is the certificate.

        Parameters
        ----------
        A : array_like, shape (n, m)
            Finite payoff matrix.
        name : str, optional

        Returns
        -------
        SaddleProblem
        """
        A = _check_operator(A, "A")
        if isinstance(A, LinearOperator):
            raise TypeError("`A` must be a matrix (ndarray or sparse), not a LinearOperator; "
                            "use SaddleProblem.bilinear(K, EntropySimplex(n=...), "
                            "EntropySimplex(n=...)) for an operator.")
        self = cls.__new__(cls)
        Problem.__init__(self, name=name or "matrix-game")
        n, m = A.shape
        if sp.issparse(A):
            offset, K = 0.0, A.T.tocsr()
        else:
            # x^T A y - x^T (A - c 11^T) y = c on the simplices: centering leaves the game
            # (its strategies) unchanged and removes the mean's singular value from ||K||
            offset = float(A.mean())
            K = np.ascontiguousarray((A - offset).T)
        self._init_bilinear(K, EntropySimplex(n=n), EntropySimplex(n=m), None, None,
                            name_K="A")
        self.game_matrix = A
        self.value_offset = offset
        return self

    @classmethod
    def assignment(cls, C, *, name=None):
        r"""The LP relaxation of the assignment problem, as a bilinear saddle problem.

        .. math::

            \min_{X \ge 0,\; X\mathbf 1 = \mathbf 1,\; X^T\mathbf 1 = \mathbf 1}
            \langle C, X\rangle
            \;=\; \min_{x \ge 0} \max_{y \in \mathbb{R}^{2n}}
            \langle c, x\rangle - \langle Ex, y\rangle + \langle \mathbf 1, y\rangle

        (the Lagrangian over the Birkhoff polytope's equality constraints), with
        :math:`x = \operatorname{vec}(X)` (row-major), :math:`c =
        \operatorname{vec}(C)` and :math:`Ex = (X\mathbf 1, X^T\mathbf 1)`. So
        :math:`K = -E` (matrix-free; :math:`\|K\|_2^2 = 2n`, :math:`\|K\|_F^2 =
        2n^2`), :math:`g(x) = \langle c, x\rangle + \iota_{x\ge 0}` and
        :math:`h^*(y) = -\langle \mathbf 1, y\rangle` (both
        :class:`LinearOnBox`). ``y = (u, v)`` are the row and column duals. The
        certificate is the normalized fixed-point residual; the LP's optimal
        vertices are the permutation matrices, the solution of
        :func:`scipy.optimize.linear_sum_assignment` when it is unique.

        Parameters
        ----------
        C : array_like, shape (n, n)
            Finite square cost matrix.
        name : str, optional

        Returns
        -------
        SaddleProblem
        """
        C = np.asarray(C) if not sp.issparse(C) else C.toarray()
        if C.ndim != 2 or C.shape[0] != C.shape[1]:
            raise ValueError(f"`C` must be a square cost matrix (n, n); got shape "
                             f"{np.shape(C)}.")
        C = _check_operator(C, "C")
        n = C.shape[0]
        self = cls.__new__(cls)
        Problem.__init__(self, name=name or "assignment")
        self._init_bilinear(_AssignmentOperator(n, sign=-1.0),
                            LinearOnBox(C.reshape(-1), 0.0, np.inf),
                            LinearOnBox(-np.ones(2 * n)), None, None)
        self.costs = C
        return self

    # -- starts --------------------------------------------------------------------------
    def _set_start(self, x0, y0):
        xs = _start_of(self.X if self.kind == "smooth" else self.g, self.n) if x0 is None \
            else self._block(x0, "x0", self.n)
        ys = _start_of(self.Y if self.kind == "smooth" else self.h_conj, self.m) if y0 is None \
            else self._block(y0, "y0", self.m)
        self.x0 = np.concatenate([xs, ys])

    @staticmethod
    def _block(v, name, size):
        from .._core.validate import as_x0

        v = as_x0(v, name)
        if v.size != size:
            raise ValueError(f"`{name}` has {v.size} entries; expected {size}.")
        return v

    def as_start(self, x0) -> SaddlePoint:
        """``x0`` as a :class:`SaddlePoint`: a pair ``(x, y)`` of lengths ``(n, m)`` or a
        flat vector ``[x, y]`` of length ``n + m`` (fresh copies).

        Raises
        ------
        ValueError
            A wrong length, NaN/inf entries, or a point outside a set ``X``/``Y``.
        """
        from .._core.validate import as_x0

        n, m = self.n, self.m
        if isinstance(x0, tuple) and len(x0) == 2:
            x = self._block(x0[0], "x0[0] (the primal point x)", n)
            y = self._block(x0[1], "x0[1] (the dual point y)", m)
        else:
            z = as_x0(x0)
            if z.size != n + m:
                raise ValueError(f"`x0` must be a pair (x, y) of lengths ({n}, {m}) or a flat "
                                 f"vector [x, y] of length {n + m}; got {z.size} entries.")
            x, y = z[:n].copy(), z[n:].copy()
        for part, geo, arg in ((x, self.X, "x"), (y, self.Y, "y")):
            if geo is not None and geo.contains(part, 1e-7) is False:
                raise ValueError(f"`x0`: the start's {arg} part does not lie in the set {geo!r}.")
        return SaddlePoint(x, y)

    # -- oracles (called by the family's counted oracle only) ------------------------------
    def grad_x(self, x, y):
        r""":math:`\nabla_x\phi(x, y)`."""
        if self.kind == "bilinear":
            return _rmatvec(self.K, y)
        return self._grad_x(x, y)

    def grad_y(self, x, y):
        r""":math:`\nabla_y\phi(x, y)` (without the terms)."""
        if self.kind == "bilinear":
            return self.K @ x
        return self._grad_y(x, y)

    def fun(self, x, y) -> float:
        r""":math:`\phi(x, y)` of the smooth kind (0 without ``fun``)."""
        if self._fun is None:
            return 0.0
        return float(self._fun(x, y))

    def provides(self, oracle: str) -> bool:
        if oracle in ("matvec", "rmatvec"):
            return self.kind == "bilinear"
        if oracle == "lmo":
            return self.has_gap
        if oracle == "fun":
            return self._fun is not None or self.kind == "bilinear"
        return oracle in self.oracle_names

    @property
    def has_gap(self) -> bool:
        """Whether the duality gap is computable: a bilinear problem whose terms are the
        indicators of compact sets with linear minimization oracles."""
        return (self.kind == "bilinear" and self.X is not None and self.Y is not None
                and self.X.provides("lmo") and self.Y.provides("lmo"))

    @property
    def separable(self) -> bool:
        """Whether both proxes act coordinatewise (diagonal preconditioning applies)."""
        return self.kind == "bilinear" and _is_separable(self.g) and _is_separable(self.h_conj)

    def __repr__(self):
        return f"<SaddleProblem {self.name!r} ({self.kind}, n={self.n}, m={self.m})>"


def _rmatvec(K, y):
    """:math:`K^T y` for an ndarray, sparse matrix or LinearOperator."""
    if isinstance(K, LinearOperator):
        return K.rmatvec(y)
    return K.T @ y
