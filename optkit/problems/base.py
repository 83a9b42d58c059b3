"""Problem protocols: the objects every solver family accepts.

A *problem* is a plain object exposing the oracles of its family. The driver
never calls them directly: it goes through a counted oracle
(:mod:`optkit._core.oracle`), which counts and caches every call.

Only :class:`SmoothProblem` is defined here so far; the other families of
``DESIGN.md`` (``LMOProblem``, ``OTProblem``, ...) join this module as their
solvers land.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

__all__ = ["Problem", "SmoothProblem"]

_FD_SCHEMES = ("2-point", "3-point")


class Problem:
    """Base class of every problem family.

    Attributes
    ----------
    family : str
        Name of the family (``"smooth"``, ``"lmo"``, ``"ot"``, ...). The
        registry matches it against the family a method accepts.
    x0 : ndarray or None
        A default starting point, when the problem has one (CUTEst problems,
        GLM objectives start at zero).
    f_star : float or None
        The optimal value when it is known (closed form, CUTEst tables); used
        by :func:`optkit.experiments.plot` to draw ``f - f*``.
    name : str
        A short human-readable name.
    """

    family = "problem"
    #: oracles this family may provide, in the order they are documented.
    oracle_names: tuple[str, ...] = ()

    def __init__(self, *, x0=None, f_star=None, name=None):
        self.x0 = None if x0 is None else np.asarray(x0, dtype=float)
        self.f_star = None if f_star is None else float(f_star)
        self.name = name or type(self).__name__

    def provides(self, oracle: str) -> bool:
        """Whether the problem can answer ``oracle`` (e.g. ``"hess"``)."""
        raise NotImplementedError

    @property
    def capabilities(self) -> frozenset[str]:
        """The set of oracles this problem provides."""
        return frozenset(o for o in self.oracle_names if self.provides(o))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class SmoothProblem(Problem):
    r"""Unconstrained minimization of a smooth function.

    .. math:: \min_{x \in \mathbb{R}^d} f(x)

    Two ways to make one:

    * from callables, as :func:`optkit.minimize` does with scipy's
      arguments: ``SmoothProblem(fun, grad=..., hess=..., hessp=...)``;
    * by subclassing and overriding the methods (``fun``, ``grad``,
      ``fun_and_grad``, ``hess``, ``hessp``); an overridden method counts
      as provided, so :meth:`provides` needs no bookkeeping.

    Parameters
    ----------
    fun : callable, optional
        ``fun(x) -> float``. Required unless a subclass overrides :meth:`fun`
        or ``fun_and_grad`` is given.
    grad : callable or {"2-point", "3-point"}, optional
        ``grad(x) -> ndarray (d,)``. A string selects finite differences of
        ``fun`` (each evaluation counted in ``nfev`` by the counted oracle).
    hess : callable, optional
        ``hess(x)`` returning an ndarray (d, d), a scipy.sparse matrix or a
        :class:`scipy.sparse.linalg.LinearOperator`.
    hessp : callable, optional
        ``hessp(x, v) -> ndarray (d,)``, the Hessian-vector product.
    fun_and_grad : callable, optional
        ``fun_and_grad(x) -> (float, ndarray)``; scipy's ``jac=True``.
    x0, f_star, name
        See :class:`Problem`.

    Notes
    -----
    ``hessp`` is provided whenever ``hess`` is (as ``hess(x) @ v``), and
    ``fun_and_grad`` whenever ``fun`` and ``grad`` are.
    """

    family = "smooth"
    oracle_names = ("fun", "grad", "fun_and_grad", "hess", "hessp")
    # Subclasses that override methods need not call __init__ for these.
    _fun = _grad = _hess = _hessp = _fun_and_grad = None
    finite_difference = None

    def __init__(
        self,
        fun: Callable | None = None,
        grad: Callable | str | None = None,
        hess: Callable | None = None,
        hessp: Callable | None = None,
        *,
        fun_and_grad: Callable | None = None,
        x0=None,
        f_star=None,
        name=None,
    ):
        super().__init__(x0=x0, f_star=f_star, name=name or _callable_name(fun or fun_and_grad))
        self.finite_difference = None
        if isinstance(grad, str):
            if grad not in _FD_SCHEMES:
                raise ValueError(
                    f"`grad` must be a callable or one of {_FD_SCHEMES}, got {grad!r}."
                )
            self.finite_difference = grad
            grad = None
        for arg_name, value in (("fun", fun), ("grad", grad), ("hess", hess),
                                ("hessp", hessp), ("fun_and_grad", fun_and_grad)):
            if value is not None and not callable(value):
                raise TypeError(
                    f"`{arg_name}` must be callable, got {type(value).__name__}."
                )
        self._fun = fun
        self._grad = grad
        self._hess = hess
        self._hessp = hessp
        self._fun_and_grad = fun_and_grad
        if not self.provides("fun"):
            raise TypeError(f"{type(self).__name__} needs `fun` or `fun_and_grad`.")

    # -- capability queries -------------------------------------------------
    def _overrides(self, method: str) -> bool:
        return getattr(type(self), method) is not getattr(SmoothProblem, method)

    def implements(self, oracle: str) -> bool:
        """Whether ``oracle`` is implemented directly (given or overridden),
        not derived from another one. The counted oracle uses this to call
        the cheapest route (e.g. one ``fun_and_grad`` for scipy's ``jac=True``)."""
        stored = {"fun": self._fun, "grad": self._grad, "hess": self._hess,
                  "hessp": self._hessp, "fun_and_grad": self._fun_and_grad}
        return stored.get(oracle) is not None or (
            oracle in stored and self._overrides(oracle))

    def provides(self, oracle: str) -> bool:
        """Whether ``oracle`` can be answered, directly or derived from others."""
        if oracle in ("fun", "grad"):
            return self.implements(oracle) or self.implements("fun_and_grad")
        if oracle == "fun_and_grad":
            return self.implements(oracle) or (self.provides("fun") and self.provides("grad"))
        if oracle == "hessp":
            return self.implements("hessp") or self.implements("hess")
        return self.implements(oracle)

    # -- oracles ------------------------------------------------------------
    def fun(self, x):
        """Objective value f(x)."""
        if self._fun is not None:
            return self._fun(x)
        if self._fun_and_grad is not None or self._overrides("fun_and_grad"):
            return self.fun_and_grad(x)[0]
        raise NotImplementedError(f"{self.name} does not provide `fun`.")

    def grad(self, x):
        """Gradient of f at x, shape (d,)."""
        if self._grad is not None:
            return self._grad(x)
        if self._fun_and_grad is not None or self._overrides("fun_and_grad"):
            return self.fun_and_grad(x)[1]
        raise NotImplementedError(f"{self.name} does not provide `grad`.")

    def fun_and_grad(self, x):
        """``(f(x), grad f(x))`` in one call (shares work where it can)."""
        if self._fun_and_grad is not None:
            return self._fun_and_grad(x)
        return self.fun(x), self.grad(x)

    def hess(self, x):
        """Hessian at x: ndarray, scipy.sparse matrix or LinearOperator."""
        if self._hess is not None:
            return self._hess(x)
        raise NotImplementedError(f"{self.name} does not provide `hess`.")

    def hessp(self, x, v):
        """Hessian-vector product at x."""
        if self._hessp is not None:
            return self._hessp(x, v)
        return self.hess(x) @ v


def _callable_name(obj: Any) -> str | None:
    if obj is None:
        return None
    return getattr(obj, "__name__", None) or type(obj).__name__
