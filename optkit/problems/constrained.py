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

from typing import Callable

import numpy as np
import scipy.sparse as sp

from .base import _OBJECTIVE_DERIVED, _OracleProblem

__all__ = ["EqualityConstrainedProblem", "ConstrainedProblem"]


class EqualityConstrainedProblem(_OracleProblem):
    r"""Minimization under equality constraints.

    .. math:: \min_{x \in \mathbb{R}^n} f(x) \quad \text{s.t.} \quad c(x) = 0,
       \qquad c : \mathbb{R}^n \to \mathbb{R}^m,

    with Lagrangian :math:`L(x, \lambda) = f(x) + \lambda^T c(x)`.

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
        ``jac(x)``: Jacobian of c, ndarray or scipy.sparse matrix (m, n).
    lagrangian_hess : callable, optional
        ``lagrangian_hess(x, lam)``: :math:`\nabla^2 f(x) + \sum_i \lambda_i
        \nabla^2 c_i(x)`, (n, n).
    hessp, fun_and_grad : callable, optional
        As in :class:`~optkit.problems.base.SmoothProblem`.
    x0, f_star, name
        See :class:`~optkit.problems.base.Problem`.

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
    oracle_names = ("fun", "grad", "fun_and_grad", "hess", "hessp",
                    "cons", "jac", "lagrangian_hess")
    _derived = _OBJECTIVE_DERIVED

    def __init__(
        self,
        fun: Callable | None = None,
        grad: Callable | None = None,
        hess: Callable | None = None,
        *,
        cons: Callable | None = None,
        jac: Callable | None = None,
        lagrangian_hess: Callable | None = None,
        hessp: Callable | None = None,
        fun_and_grad: Callable | None = None,
        x0=None,
        f_star=None,
        name=None,
    ):
        super().__init__(
            {"fun": fun, "grad": grad, "hess": hess, "hessp": hessp,
             "fun_and_grad": fun_and_grad, "cons": cons, "jac": jac,
             "lagrangian_hess": lagrangian_hess},
            x0=x0, f_star=f_star, name=name,
        )
        if type(self) is EqualityConstrainedProblem:
            if fun is None and fun_and_grad is None:
                raise TypeError("EqualityConstrainedProblem needs `fun` or `fun_and_grad`.")
            if cons is None:
                raise TypeError("EqualityConstrainedProblem needs `cons`.")

    def cons(self, x):
        """Constraint values c(x), shape (m,); zero at a feasible point."""
        return self._call("cons", x)

    def jac(self, x):
        """Jacobian of c at x, shape (m, n) (ndarray or scipy.sparse)."""
        return self._call("jac", x)


EqualityConstrainedProblem._root = EqualityConstrainedProblem


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
