r"""Constrained problem families.

Two protocols, both plain :class:`~optkit.problems.base.Problem` subclasses:

* :class:`EqualityConstrainedProblem` (family ``"equality-constrained"``)

  .. math:: \min_{x \in \mathbb{R}^n} f(x) \quad \text{s.t.} \quad c(x) = 0,
     \qquad c : \mathbb{R}^n \to \mathbb{R}^m;

* :class:`ConstrainedProblem` (family ``"constrained"``), bounds and general
  equality / inequality constraints

  .. math:: \min_{x} f(x) \quad \text{s.t.} \quad c_E(x) = 0, \quad
     c_I(x) \le 0, \quad \ell \le x \le u.

Sign conventions (the same for both families, and for the CUTEst adapters of
:mod:`optkit.problems.cutest`):

* inequalities are written :math:`c_I(x) \le 0`;
* the combined constraint vector is :math:`c(x) = (c_E(x), c_I(x))`,
  equalities first, so ``lam[:m_eq]`` multiplies the equalities;
* the Lagrangian is :math:`L(x, \lambda) = f(x) + \lambda^T c(x)` (bounds are
  not part of it), so ``lagrangian_hess(x, lam)`` is
  :math:`\nabla^2 f(x) + \sum_i \lambda_i \nabla^2 c_i(x)`. At a KKT point the
  inequality multipliers are :math:`\ge 0`.

As with :class:`~optkit.problems.base.SmoothProblem`, a problem is made either
from callables or by subclassing and overriding the methods; an overridden
method counts as provided.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .base import _OBJECTIVE_DERIVED, _OracleProblem

__all__ = ["EqualityConstrainedProblem", "ConstrainedProblem", "KKTPoint"]


class KKTPoint(NamedTuple):
    """Primal-dual iterate of the equality-constrained methods.

    ``x`` (n,) and the multipliers ``lam`` (m,) of
    :math:`L(x, \\lambda) = f(x) + \\lambda^T c(x)`.
    """

    x: np.ndarray
    lam: np.ndarray


class EqualityConstrainedProblem(_OracleProblem):
    r"""Minimization under equality constraints.

    .. math:: \min_{x \in \mathbb{R}^n} f(x) \quad \text{s.t.} \quad c(x) = 0,
       \qquad c : \mathbb{R}^n \to \mathbb{R}^m,

    with Lagrangian :math:`L(x, \lambda) = f(x) + \lambda^T c(x)` (the sign
    of scipy's ``trust-constr``, whose ``res.v`` are these multipliers).

    Parameters
    ----------
    fun : callable, optional
        ``fun(x) -> float``. Required unless ``fun_and_grad`` is given or a
        subclass overrides :meth:`fun`.
    grad : callable, optional
        ``grad(x) -> ndarray (n,)``.
    hess : callable, optional
        ``hess(x)``: Hessian of f, ndarray (n, n), scipy.sparse matrix or
        LinearOperator.
    cons : callable
        ``cons(x) -> ndarray (m,)``, the values :math:`c(x)` (zero when
        feasible). Required unless a subclass overrides :meth:`cons`.
    jac : callable, optional
        ``jac(x)``: Jacobian of c, (m, n): ndarray, scipy.sparse matrix or
        :class:`~scipy.sparse.linalg.LinearOperator` (matrix-free: only
        ``J @ v`` and ``J.T @ w`` are used).
    lagrangian_hess : callable, optional
        ``lagrangian_hess(x, lam)``: :math:`\nabla^2 f(x) + \sum_i \lambda_i
        \nabla^2 c_i(x)`, (n, n).
    cons_hess : callable, optional
        ``cons_hess(x, lam)``: :math:`\sum_i \lambda_i \nabla^2 c_i(x)`, (n, n)
        (scipy's ``NonlinearConstraint.hess(x, v)``).
    cons_hessp : callable, optional
        ``cons_hessp(x, lam, v)``: :math:`\sum_i \lambda_i \nabla^2 c_i(x)\, v`,
        shape (n,) (matrix-free).
    cons_and_jac : callable, optional
        ``cons_and_jac(x) -> (c, J)`` from one evaluation.
    hessp, fun_and_grad : callable, optional
        As in :class:`~optkit.problems.base.SmoothProblem`.
    linear : bool
        Whether every constraint is affine (then :math:`\nabla^2 L = \nabla^2 f`
        and no constraint Hessian is needed).
    x0, f_star, name
        See :class:`~optkit.problems.base.Problem`.

    Notes
    -----
    :func:`optkit.minimize` builds one from callables and scipy's constraint
    objects (:meth:`from_callables`); the multipliers then come back per
    constraint object in ``res.v``.

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems.constrained import EqualityConstrainedProblem
    >>> p = EqualityConstrainedProblem(
    ...     fun=lambda x: x @ x, grad=lambda x: 2 * x,
    ...     cons=lambda x: np.array([x.sum() - 1.0]),
    ...     jac=lambda x: np.ones((1, x.size)), x0=np.zeros(3))
    >>> p.family, p.provides("jac"), p.provides("lagrangian_hess")
    ('equality-constrained', True, False)
    """

    family = "equality-constrained"
    default_method = "exact-al"
    #: :func:`optkit.minimize` passes scipy constraint objects to :meth:`from_callables`
    accepts_constraints = True
    oracle_names = ("fun", "grad", "fun_and_grad", "hess", "hessp",
                    "cons", "jac", "cons_and_jac", "lagrangian_hess", "cons_hess",
                    "cons_hessp")
    _derived = dict(_OBJECTIVE_DERIVED, cons_and_jac=(("cons", "jac"),))
    #: finite-difference scheme of the objective gradient (from scipy's ``jac=None``)
    finite_difference = None
    #: whether every constraint is affine (no constraint Hessian needed)
    linear = False
    #: sizes of the constraint groups (one per scipy constraint object), or None
    constraint_sizes = None

    def __init__(
        self,
        fun: Callable | None = None,
        grad: Callable | None = None,
        hess: Callable | None = None,
        *,
        cons: Callable | None = None,
        jac: Callable | None = None,
        lagrangian_hess: Callable | None = None,
        cons_hess: Callable | None = None,
        cons_hessp: Callable | None = None,
        cons_and_jac: Callable | None = None,
        hessp: Callable | None = None,
        fun_and_grad: Callable | None = None,
        linear: bool = False,
        x0=None,
        f_star=None,
        name=None,
    ):
        super().__init__(
            {"fun": fun, "grad": grad, "hess": hess, "hessp": hessp,
             "fun_and_grad": fun_and_grad, "cons": cons, "jac": jac,
             "lagrangian_hess": lagrangian_hess, "cons_hess": cons_hess,
             "cons_hessp": cons_hessp, "cons_and_jac": cons_and_jac},
            x0=x0, f_star=f_star, name=name,
        )
        if linear:
            self.linear = True
        if type(self) is EqualityConstrainedProblem:
            if fun is None and fun_and_grad is None:
                raise TypeError("EqualityConstrainedProblem needs `fun` or `fun_and_grad`.")
            if cons is None and cons_and_jac is None:
                raise TypeError("EqualityConstrainedProblem needs `cons`.")

    def cons(self, x):
        """Constraint values c(x), shape (m,); zero at a feasible point."""
        if "cons" not in self._oracles and "cons_and_jac" in self._oracles:
            return self._oracles["cons_and_jac"](x)[0]
        return self._call("cons", x)

    def jac(self, x):
        """Jacobian of c at x, shape (m, n) (ndarray, scipy.sparse or LinearOperator)."""
        if "jac" not in self._oracles and "cons_and_jac" in self._oracles:
            return self._oracles["cons_and_jac"](x)[1]
        return self._call("jac", x)

    def cons_and_jac(self, x):
        """``(cons(x), jac(x))`` in one call."""
        if "cons_and_jac" in self._oracles:
            return self._oracles["cons_and_jac"](x)
        return self.cons(x), self.jac(x)

    def cons_hess(self, x, lam):
        r""":math:`\sum_i \lambda_i \nabla^2 c_i(x)`, (n, n)."""
        return self._call("cons_hess", x, lam)

    def cons_hessp(self, x, lam, v):
        r""":math:`\sum_i \lambda_i \nabla^2 c_i(x) v`, shape (n,)."""
        if "cons_hessp" in self._oracles:
            return self._oracles["cons_hessp"](x, lam, v)
        return self.cons_hess(x, lam) @ np.asarray(v)

    def provides(self, oracle: str, _seen: frozenset = frozenset()) -> bool:
        if oracle == "cons_hessp" and "cons_hessp" not in self._oracles:
            return super().provides("cons_hess", _seen)
        return super().provides(oracle, _seen)

    def as_start(self, x0):
        """``x0`` validated as a start: a flat x, or a pair ``(x, lam)``.

        A flat vector x of shape (n,) (the multipliers are then estimated by
        the method), or a pair ``(x, lam)`` / :class:`KKTPoint` with
        multipliers of shape (m,) (fresh copies).

        Parameters
        ----------
        x0 : array_like or tuple
            The start.

        Returns
        -------
        ndarray or KKTPoint

        Raises
        ------
        ValueError
            NaN/inf entries, a non-vector, or (for constraints built by
            :meth:`from_callables`) a LinearConstraint whose matrix does not have
            ``x0.size`` columns.
        """
        from .._core.validate import as_x0

        if isinstance(x0, tuple) and len(x0) == 2 and not np.isscalar(x0[0]):
            x = as_x0(x0[0], "x0[0] (the point x)")
            lam = np.array(x0[1], dtype=float).ravel()
            if not np.all(np.isfinite(lam)):
                raise ValueError("`x0[1]` (the multipliers) has NaN or inf entries.")
            self._check_columns(x.size)
            return KKTPoint(x, lam)
        x = as_x0(x0)
        self._check_columns(x.size)
        return x

    def _check_columns(self, n: int) -> None:
        for k, cols in getattr(self, "_linear_columns", ()):
            if cols != n:
                raise ValueError(
                    f"`constraints[{k}]` (a LinearConstraint) has a matrix with {cols} "
                    f"columns; x0 has {n} entries.")

    @classmethod
    def from_callables(cls, smooth, options, method):
        """The problem that ``minimize(fun, x0, constraints=..., method=...)`` means.

        ``options["constraints"]`` (scipy's ``NonlinearConstraint``,
        ``LinearConstraint`` with ``lb == ub``, legacy ``{'type': 'eq', 'fun',
        'jac'}`` dicts, or a list of them) is popped; the rest is returned for
        the method.

        Parameters
        ----------
        smooth : SmoothProblem
            The objective's callables.
        options : dict or None
            The caller's options, with ``"constraints"``.
        method : str
            The method's name (for messages).

        Returns
        -------
        (EqualityConstrainedProblem, dict)

        Raises
        ------
        ValueError
            No constraints, an inequality (``lb != ub`` or ``type='ineq'``):
            no optkit method accepts them yet, or a malformed constraint.
        """
        options = dict(options or {})
        given = options.pop("constraints", None)
        if given is None:
            raise ValueError(
                f"Method {method!r} solves equality-constrained problems: pass "
                "`constraints=` (NonlinearConstraint, LinearConstraint with lb == ub, or "
                "{'type': 'eq', ...} dicts) or an EqualityConstrainedProblem.")
        groups = _scipy_groups(given)
        o = smooth._oracles
        problem = _GroupedEqualityProblem(
            groups, fun=o.get("fun"), grad=o.get("grad"), hess=o.get("hess"),
            hessp=o.get("hessp"), fun_and_grad=o.get("fun_and_grad"))
        problem.finite_difference = getattr(smooth, "finite_difference", None)
        return problem, options


EqualityConstrainedProblem._root = EqualityConstrainedProblem


# -- scipy constraint objects -> one equality-constrained problem ----------------

_INEQUALITY_HINT = (
    "optkit's methods accept equality constraints only: no optkit method accepts "
    "inequality constraints yet; use scipy.optimize.minimize with method='trust-constr' "
    "or method='SLSQP' for them")


class _Group:
    """One scipy constraint object as an equality ``fun(x) - rhs = 0``."""

    def __init__(self, index, fun, jac, hess, rhs, linear, matrix=None):
        self.index = index
        self.fun = fun
        self.jac = jac
        self.hess = hess          # hess(x, v) -> (n, n), or None
        self.rhs = rhs            # ndarray or scalar
        self.linear = linear
        self.matrix = matrix      # LinearConstraint's A
        self.size = None if np.ndim(rhs) == 0 else int(np.size(rhs))

    def values(self, x):
        c = np.atleast_1d(np.asarray(self.fun(x), dtype=float))
        if c.ndim != 1:
            c = c.ravel()
        if self.size is None:
            self.size = c.size
        if c.size != self.size:
            raise ValueError(
                f"`constraints[{self.index}]`: fun returned {c.size} values but its "
                f"bounds lb == ub have {self.size} entries (inconsistent constraint shapes).")
        return c - self.rhs

    def jacobian(self, x, n):
        J = self.jac(x)
        if sp.issparse(J) or isinstance(J, spla.LinearOperator):
            shape = J.shape
        else:
            J = np.atleast_2d(np.asarray(J, dtype=float))
            shape = J.shape
        rows = self.size if self.size is not None else shape[0]
        if shape != (rows, n):
            raise ValueError(
                f"`constraints[{self.index}]`: jac returned shape {shape}; expected "
                f"({rows}, {n}) = (number of constraints of this object, size of x).")
        return J


def _bounds(lb, ub, k):
    lb = np.asarray(lb, dtype=float)
    ub = np.asarray(ub, dtype=float)
    if lb.shape != ub.shape and lb.ndim and ub.ndim:
        raise ValueError(f"`constraints[{k}]`: lb and ub have shapes {lb.shape} and {ub.shape}.")
    lb_b, ub_b = np.broadcast_arrays(lb, ub)
    if not np.array_equal(lb_b, ub_b) or not np.all(np.isfinite(lb_b)):
        raise ValueError(f"`constraints[{k}]` is an inequality (lb != ub): {_INEQUALITY_HINT}.")
    rhs = ub_b.copy()
    return float(rhs) if rhs.ndim == 0 else rhs.ravel()


def _scipy_groups(given) -> list:
    from scipy.optimize import LinearConstraint, NonlinearConstraint

    items = list(given) if isinstance(given, (list, tuple)) else [given]
    if not items:
        raise ValueError("`constraints` is empty.")
    groups = []
    for k, con in enumerate(items):
        if isinstance(con, LinearConstraint):
            A = con.A if sp.issparse(con.A) else np.atleast_2d(np.asarray(con.A, dtype=float))
            rhs = _bounds(con.lb, con.ub, k)
            if np.ndim(rhs) and np.size(rhs) != A.shape[0]:
                raise ValueError(f"`constraints[{k}]`: A has {A.shape[0]} rows but lb/ub "
                                 f"have {np.size(rhs)} entries.")
            if np.ndim(rhs) == 0:
                rhs = np.full(A.shape[0], rhs)
            groups.append(_Group(k, lambda x, A=A: A @ x, lambda x, A=A: A, None, rhs,
                                 True, matrix=A))
        elif isinstance(con, NonlinearConstraint):
            rhs = _bounds(con.lb, con.ub, k)
            if not callable(con.jac):
                raise ValueError(
                    f"`constraints[{k}]`: NonlinearConstraint needs a callable `jac` for "
                    f"optkit's methods (got {con.jac!r}).")
            hess = con.hess if callable(con.hess) else None
            groups.append(_Group(k, con.fun, con.jac, hess, rhs, False))
        elif isinstance(con, dict):
            kind = con.get("type")
            if kind == "ineq":
                raise ValueError(f"`constraints[{k}]` has type 'ineq': {_INEQUALITY_HINT}.")
            if kind != "eq":
                raise ValueError(f"`constraints[{k}]`: type must be 'eq', got {kind!r}.")
            fun, jac, args = con.get("fun"), con.get("jac"), tuple(con.get("args", ()))
            if not callable(fun):
                raise ValueError(f"`constraints[{k}]`: 'fun' must be callable.")
            if not callable(jac):
                raise ValueError(f"`constraints[{k}]`: optkit's methods need a callable "
                                 "'jac' (the constraint Jacobian).")
            groups.append(_Group(k, lambda x, f=fun, a=args: f(x, *a),
                                 lambda x, j=jac, a=args: j(x, *a), None, 0.0, False))
        else:
            raise TypeError(
                f"`constraints[{k}]` must be a NonlinearConstraint, a LinearConstraint or "
                f"a dict with type 'eq'; got {type(con).__name__}.")
    return groups


def _stack_jacobians(blocks, n):
    if any(isinstance(b, spla.LinearOperator) for b in blocks):
        ops = [spla.aslinearoperator(b) for b in blocks]
        sizes = np.cumsum([0] + [op.shape[0] for op in ops])
        m = int(sizes[-1])

        def matvec(v):
            return np.concatenate([np.ravel(op.matvec(np.ravel(v))) for op in ops])

        def rmatvec(w):
            w = np.ravel(w)
            return sum(np.ravel(op.rmatvec(w[a:b])) for op, a, b in zip(ops, sizes[:-1], sizes[1:]))

        return spla.LinearOperator((m, n), matvec=matvec, rmatvec=rmatvec, dtype=float)
    if len(blocks) == 1:
        return blocks[0]
    return _stack_rows(blocks, n)


class _GroupedEqualityProblem(EqualityConstrainedProblem):
    """Equality-constrained problem of scipy constraint objects (from_callables)."""

    def __init__(self, groups, **smooth):
        self._groups = groups
        self._linear_columns = [(g.index, g.matrix.shape[1]) for g in groups
                                if g.matrix is not None]
        kwargs = {}
        if all(g.linear or g.hess is not None for g in groups):
            kwargs["cons_hess"] = self._cons_hess
        super().__init__(cons=self._cons, jac=self._jac,
                         linear=all(g.linear for g in groups), **smooth, **kwargs)
        if not self.provides("fun"):
            raise TypeError("EqualityConstrainedProblem needs `fun` or `fun_and_grad`.")

    @property
    def constraint_sizes(self):
        sizes = [g.size for g in self._groups]
        return None if any(s is None for s in sizes) else sizes

    def _cons(self, x):
        return np.concatenate([g.values(x) for g in self._groups])

    def _jac(self, x):
        n = np.size(x)
        return _stack_jacobians([g.jacobian(x, n) for g in self._groups], n)

    def _cons_hess(self, x, lam):
        n = np.size(x)
        total = None
        start = 0
        for g in self._groups:
            stop = start + (g.size or 0)
            if g.hess is not None:
                H = g.hess(x, lam[start:stop])
                H = H if sp.issparse(H) else np.asarray(H, dtype=float)
                if H.shape != (n, n):
                    raise ValueError(f"`constraints[{g.index}]`: hess returned shape "
                                     f"{H.shape}; expected ({n}, {n}).")
                total = H if total is None else total + H
            start = stop
        return sp.csr_matrix((n, n)) if total is None else total


def _stack_rows(blocks, n):
    """Stack Jacobian blocks, sparse if any block is sparse."""
    blocks = [b for b in blocks if b is not None]
    if not blocks:
        return np.zeros((0, n))
    if any(sp.issparse(b) for b in blocks):
        return sp.vstack([sp.csr_matrix(b) for b in blocks], format="csr")
    return np.vstack([np.atleast_2d(np.asarray(b, dtype=float)) for b in blocks])


class ConstrainedProblem(_OracleProblem):
    r"""Minimization under bounds and general constraints.

    .. math:: \min_{x \in \mathbb{R}^n} f(x) \quad \text{s.t.} \quad
       c_E(x) = 0, \quad c_I(x) \le 0, \quad \ell \le x \le u,

    with Lagrangian :math:`L(x, \lambda) = f(x) + \lambda^T c(x)`, where
    :math:`c = (c_E, c_I)` (equalities first) and the bounds are kept apart.

    Parameters
    ----------
    fun, grad, hess, hessp, fun_and_grad : callable, optional
        Objective oracles, as in :class:`EqualityConstrainedProblem`.
    cons_eq : callable, optional
        ``cons_eq(x) -> ndarray (m_eq,)``, :math:`c_E(x)`. Absent: no
        equality constraints.
    jac_eq : callable, optional
        Jacobian of :math:`c_E`, (m_eq, n), ndarray or scipy.sparse.
    cons_ineq : callable, optional
        ``cons_ineq(x) -> ndarray (m_ineq,)``, :math:`c_I(x)`, **feasible when
        <= 0**. Absent: no inequality constraints.
    jac_ineq : callable, optional
        Jacobian of :math:`c_I`, (m_ineq, n).
    lagrangian_hess : callable, optional
        ``lagrangian_hess(x, lam)`` with ``lam`` of shape (m_eq + m_ineq,).
    xlower, xupper : array_like, optional
        Bounds :math:`\ell, u` (``-inf`` / ``inf`` where absent). ``None``:
        no bound on that side.
    x0, f_star, name
        See :class:`~optkit.problems.base.Problem`.

    Notes
    -----
    :meth:`cons` and :meth:`jac` stack the equality and inequality parts (in
    that order); they are provided whenever the parts are (a missing part
    counts as empty).

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems.constrained import ConstrainedProblem
    >>> p = ConstrainedProblem(
    ...     fun=lambda x: x @ x, grad=lambda x: 2 * x,
    ...     cons_ineq=lambda x: np.array([1.0 - x.sum()]),      # sum(x) >= 1
    ...     jac_ineq=lambda x: -np.ones((1, x.size)),
    ...     xlower=np.zeros(2), x0=np.ones(2))
    >>> p.cons(np.array([0.25, 0.25]))
    array([0.5])
    """

    family = "constrained"
    oracle_names = ("fun", "grad", "fun_and_grad", "hess", "hessp",
                    "cons_eq", "jac_eq", "cons_ineq", "jac_ineq", "cons", "jac",
                    "lagrangian_hess")
    _derived = dict(_OBJECTIVE_DERIVED,
                    cons=(("cons_eq", "cons_ineq"),),
                    jac=(("jac_eq", "jac_ineq"),))

    def __init__(
        self,
        fun: Callable | None = None,
        grad: Callable | None = None,
        hess: Callable | None = None,
        *,
        cons_eq: Callable | None = None,
        jac_eq: Callable | None = None,
        cons_ineq: Callable | None = None,
        jac_ineq: Callable | None = None,
        lagrangian_hess: Callable | None = None,
        hessp: Callable | None = None,
        fun_and_grad: Callable | None = None,
        xlower=None,
        xupper=None,
        x0=None,
        f_star=None,
        name=None,
    ):
        super().__init__(
            {"fun": fun, "grad": grad, "hess": hess, "hessp": hessp,
             "fun_and_grad": fun_and_grad, "cons_eq": cons_eq, "jac_eq": jac_eq,
             "cons_ineq": cons_ineq, "jac_ineq": jac_ineq,
             "lagrangian_hess": lagrangian_hess},
            x0=x0, f_star=f_star, name=name,
        )
        self.xlower = None if xlower is None else np.asarray(xlower, dtype=float)
        self.xupper = None if xupper is None else np.asarray(xupper, dtype=float)
        if self.xlower is not None and self.xupper is not None:
            if self.xlower.shape != self.xupper.shape:
                raise ValueError(
                    f"`xlower` and `xupper` must have the same shape, got "
                    f"{self.xlower.shape} and {self.xupper.shape}."
                )
            if np.any(self.xlower > self.xupper):
                raise ValueError("`xlower` must be <= `xupper` componentwise.")
        if type(self) is ConstrainedProblem and fun is None and fun_and_grad is None:
            raise TypeError("ConstrainedProblem needs `fun` or `fun_and_grad`.")
        # a part given by neither a callable nor an override is empty
        self._empty = {
            part for part in ("cons_eq", "cons_ineq")
            if not self._has(part)
        }
        self._empty |= {"jac" + part[4:] for part in self._empty}

    def provides(self, oracle: str, _seen: frozenset = frozenset()) -> bool:
        if oracle in getattr(self, "_empty", ()):
            return True
        return super().provides(oracle, _seen)

    def cons_eq(self, x):
        """Equality constraint values :math:`c_E(x)`, shape (m_eq,)."""
        if "cons_eq" in self._empty:
            return np.zeros(0)
        return self._call("cons_eq", x)

    def cons_ineq(self, x):
        r"""Inequality constraint values :math:`c_I(x)`, feasible when ``<= 0``."""
        if "cons_ineq" in self._empty:
            return np.zeros(0)
        return self._call("cons_ineq", x)

    def jac_eq(self, x):
        """Jacobian of :math:`c_E` at x, shape (m_eq, n)."""
        if "jac_eq" in self._empty:
            return np.zeros((0, np.size(x)))
        return self._call("jac_eq", x)

    def jac_ineq(self, x):
        """Jacobian of :math:`c_I` at x, shape (m_ineq, n)."""
        if "jac_ineq" in self._empty:
            return np.zeros((0, np.size(x)))
        return self._call("jac_ineq", x)

    def cons(self, x):
        """All constraint values ``(c_E(x), c_I(x))``, shape (m_eq + m_ineq,)."""
        return np.concatenate([np.atleast_1d(np.asarray(self.cons_eq(x), dtype=float)),
                               np.atleast_1d(np.asarray(self.cons_ineq(x), dtype=float))])

    def jac(self, x):
        """Jacobian of :meth:`cons`, shape (m_eq + m_ineq, n)."""
        return _stack_rows([self.jac_eq(x), self.jac_ineq(x)], np.size(x))

    @property
    def has_bounds(self) -> bool:
        """Whether any bound is finite."""
        lo = self.xlower is not None and bool(np.any(np.isfinite(self.xlower)))
        up = self.xupper is not None and bool(np.any(np.isfinite(self.xupper)))
        return lo or up


ConstrainedProblem._root = ConstrainedProblem
