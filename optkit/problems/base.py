"""Problem protocols: the objects every solver family accepts.

A *problem* is a plain object exposing the oracles of its family. The driver
never calls them directly: it goes through a counted oracle
(:mod:`optkit._core.oracle`), which counts and caches every call.

:class:`SmoothProblem` is defined here, on ``_OracleProblem``, the machinery
every oracle-based family shares (oracles given as callables or as overridden
methods; capabilities derived from what is given). The constrained families
live in :mod:`optkit.problems.constrained`; the others of ``DESIGN.md``
(``LMOProblem``, ``OTProblem``, ...) join as their solvers land.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["Problem", "SmoothProblem"]  # _OracleProblem: shared base, see constrained.py

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
    #: the method :func:`optkit.minimize` runs when ``method`` is None.
    default_method: str | None = None
    #: oracles this family may provide, in the order they are documented.
    oracle_names: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "family" in cls.__dict__:        # a class that founds (or re-declares) a family
            from .._core.registry import register_family
            register_family(cls)

    @classmethod
    def from_callables(cls, smooth: "SmoothProblem", options: dict | None, method: str):
        """The problem of this family that ``minimize(fun, x0, method=..., jac=...)``
        means, and the options left for the method.

        ``smooth`` holds the callables; ``options`` are the caller's. The
        default refuses: the family needs a problem object. A family whose
        problems can be described by callables plus options (Frank-Wolfe: a
        set in ``options["lmo"]``) overrides it.
        """
        raise ValueError(
            f"Method {method!r} solves {cls.family!r} problems: pass a {cls.__name__} "
            "object instead of callables.")

    def as_start(self, x0):
        """``x0`` validated as this family's starting point (a flat float
        vector by default; families with structured iterates override it)."""
        from .._core.validate import as_x0
        return as_x0(x0)

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


class _OracleProblem(Problem):
    """Shared machinery: oracles stored as callables or overridden methods.

    Subclasses set ``_root`` to themselves (the class whose methods are the
    defaults), ``oracle_names`` and ``_derived`` (oracle -> tuple of
    alternatives, each a tuple of oracles that together provide it).
    """

    _root: type = Problem
    _derived: dict[str, tuple[tuple[str, ...], ...]] = {}
    # read-only default for subclasses that override methods without __init__
    _oracles: dict = {}

    def __init__(self, callables: dict, *, x0=None, f_star=None, name=None):
        first = next((c for c in callables.values() if c is not None), None)
        super().__init__(x0=x0, f_star=f_star,
                         name=name or getattr(first, "__name__", None))
        for arg_name, value in callables.items():
            if value is not None and not callable(value):
                raise TypeError(
                    f"`{arg_name}` must be callable, got {type(value).__name__}."
                )
        self._oracles = {k: v for k, v in callables.items() if v is not None}

    def _overrides(self, method: str) -> bool:
        return getattr(type(self), method) is not getattr(self._root, method)

    def _has(self, oracle: str) -> bool:
        return oracle in self._oracles or self._overrides(oracle)

    def implements(self, oracle: str) -> bool:
        """Whether ``oracle`` is implemented directly (given or overridden),
        not derived from another one. The counted oracle uses this to call
        the cheapest route (e.g. one ``fun_and_grad`` for scipy's ``jac=True``)."""
        return oracle in self.oracle_names and self._has(oracle)

    def provides(self, oracle: str, _seen: frozenset = frozenset()) -> bool:
        if oracle not in self.oracle_names:
            return False
        if self._has(oracle):
            return True
        seen = _seen | {oracle}
        for alternative in self._derived.get(oracle, ()):
            if all(o not in seen and self.provides(o, seen) for o in alternative):
                return True
        return False

    def _call(self, oracle: str, *args):
        fn = self._oracles.get(oracle)
        if fn is None:
            raise NotImplementedError(f"{self.name} does not provide `{oracle}`.")
        return fn(*args)

    # -- objective oracles (shared by both families) -------------------------
    def fun(self, x):
        """Objective value f(x)."""
        if "fun" not in self._oracles and self.provides("fun_and_grad"):
            return self.fun_and_grad(x)[0]
        return self._call("fun", x)

    def grad(self, x):
        """Gradient of f at x, shape (n,)."""
        if "grad" not in self._oracles and self._has("fun_and_grad"):
            return self.fun_and_grad(x)[1]
        return self._call("grad", x)

    def fun_and_grad(self, x):
        """``(f(x), grad f(x))`` in one call."""
        if "fun_and_grad" in self._oracles:
            return self._oracles["fun_and_grad"](x)
        return self.fun(x), self.grad(x)

    def hess(self, x):
        """Hessian of f at x: ndarray (n, n), scipy.sparse matrix or LinearOperator."""
        return self._call("hess", x)

    def hessp(self, x, v):
        """Hessian-vector product of f at x, shape (n,)."""
        if "hessp" in self._oracles:
            return self._oracles["hessp"](x, v)
        return self.hess(x) @ np.asarray(v)

    def lagrangian_hess(self, x, lam):
        r"""Hessian of :math:`L(x, \lambda) = f(x) + \lambda^T c(x)` in x."""
        return self._call("lagrangian_hess", x, lam)


_OBJECTIVE_DERIVED = {
    "fun": (("fun_and_grad",),),
    "grad": (("fun_and_grad",),),
    "fun_and_grad": (("fun", "grad"),),
    "hessp": (("hess",),),
}


class SmoothProblem(_OracleProblem):
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
    default_method = "fgm"
    oracle_names = ("fun", "grad", "fun_and_grad", "hess", "hessp")
    _derived = _OBJECTIVE_DERIVED
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
        finite_difference = None
        if isinstance(grad, str):
            if grad not in _FD_SCHEMES:
                raise ValueError(
                    f"`grad` must be a callable or one of {_FD_SCHEMES}, got {grad!r}."
                )
            finite_difference, grad = grad, None
        super().__init__({"fun": fun, "grad": grad, "hess": hess, "hessp": hessp,
                          "fun_and_grad": fun_and_grad}, x0=x0, f_star=f_star, name=name)
        self.finite_difference = finite_difference
        if not self.provides("fun"):
            raise TypeError(f"{type(self).__name__} needs `fun` or `fun_and_grad`.")


SmoothProblem._root = SmoothProblem
