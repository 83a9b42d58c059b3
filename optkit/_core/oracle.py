"""Counted oracles: the single place where problem oracles and kernels are called.

Solvers never call a problem (or a compiled kernel that reads the problem's
data) directly and never touch a counter: they call the family's counted
oracle. Every oracle derives from :class:`Oracle`, which holds the counters
declared as data (``count_names``) and derives ``counts()`` from them, so the
driver can record and report any family's counts without knowing them.

:class:`CountedSmoothOracle` is the oracle of smooth problems: it counts every
call of the problem's oracles, caches the last point so that ``fun`` and
``grad`` at the same ``x`` are not recomputed, checks shapes, and computes
finite-difference gradients (each function evaluation counted in ``nfev``)
when the problem has no gradient.
"""

from __future__ import annotations

import operator
from typing import ClassVar

import numpy as np

__all__ = ["Oracle", "CountedSmoothOracle"]

_EPS = np.finfo(float).eps


class Oracle:
    """Base of every family oracle: counters declared once, as data.

    A subclass lists its counters in ``count_names`` (the smooth four
    ``nfev, njev, nhev, nhvp`` first, by convention, then family counts such
    as ``nlmo`` or ``nsweep``). ``Oracle.__init__`` sets each to 0 and
    :meth:`counts` returns them in that order; the driver turns every count
    into a result field and a trace column. Only the oracle's own methods
    increment its counters.
    """

    count_names: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        names = cls.count_names
        if len(set(names)) != len(names):
            raise TypeError(f"{cls.__name__}.count_names repeats a name: {names}.")
        if len(names) == 1:
            getter = operator.attrgetter(names[0])
            cls._get_counts = staticmethod(lambda self: (getter(self),))
        elif names:
            cls._get_counts = staticmethod(operator.attrgetter(*names))
        else:
            cls._get_counts = staticmethod(lambda self: ())

    def __init__(self):
        cls = type(self)
        for name in self.count_names:
            # a count may be a property derived from a part the oracle owns
            if not isinstance(getattr(cls, name, None), property):
                setattr(self, name, 0)

    def counts(self) -> tuple[int, ...]:
        """The counters, in the order of ``count_names``."""
        return self._get_counts(self)

    def count_dict(self) -> dict[str, int]:
        """``{name: count}`` for every declared counter."""
        return dict(zip(self.count_names, self.counts()))


class CountedSmoothOracle(Oracle):
    """Counting, caching front of a :class:`~optkit.problems.SmoothProblem`.

    Parameters
    ----------
    problem : SmoothProblem
        The problem whose oracles are called.
    dim : int
        Length of ``x``; returned gradients are checked against it.

    Attributes
    ----------
    nfev, njev, nhev, nhvp : int
        Calls of the problem's ``fun``, ``grad``, ``hess`` and ``hessp``.
        A call of ``fun_and_grad`` counts one ``fun`` and one ``grad``
        (scipy's convention for ``jac=True``); finite differences count each
        function evaluation in ``nfev``.

    Notes
    -----
    The cache holds one point for values and gradients and one for Hessians.
    It compares the query with a private copy of the last point, so callers
    may mutate their arrays freely.
    """

    count_names = ("nfev", "njev", "nhev", "nhvp")

    def __init__(self, problem, dim: int):
        super().__init__()
        self.problem = problem
        self.dim = int(dim)
        self._x = None          # point of the cached value / gradient
        self._f = None
        self._g = None
        self._xh = None         # point of the cached Hessian
        self._h = None
        self._fg_only = not problem.implements("fun") and problem.implements("fun_and_grad")
        self._grad_by_fg = not problem.implements("grad") and problem.implements("fun_and_grad")
        self._fg_native = problem.implements("fun_and_grad")
        self._fd = None if problem.provides("grad") else (problem.finite_difference or "2-point")

    # -- bookkeeping --------------------------------------------------------
    @staticmethod
    def _same_point(x, cached) -> bool:
        # cheaper than np.array_equal, which dominates on tiny problems
        return cached is not None and x.shape == cached.shape and bool((x == cached).all())

    def _remember(self, x, hit: bool):
        """Make x the cached point (dropping stale values unless it already is)."""
        if not hit:
            self._x = np.array(x, dtype=float, copy=True)
            self._f = None
            self._g = None

    def _check_fun(self, f):
        f_arr = np.asarray(f)
        if f_arr.size != 1:
            raise ValueError(
                f"`fun` must return a scalar; it returned an array of shape {f_arr.shape}.")
        return float(f_arr.reshape(()))

    def _check_grad(self, g):
        g = np.asarray(g, dtype=float)
        if g.shape != (self.dim,):
            if g.size == self.dim and g.ndim == 2 and 1 in g.shape:
                return g.reshape(self.dim)
            raise ValueError(
                f"`jac` (the gradient) returned an array of shape {g.shape}; "
                f"expected ({self.dim},), the shape of x0.")
        return g

    # -- value and gradient -------------------------------------------------
    def _call_fun_and_grad(self, x, hit: bool):
        self.nfev += 1
        self.njev += 1
        f, g = self.problem.fun_and_grad(x)
        f, g = self._check_fun(f), self._check_grad(g)
        self._remember(x, hit)
        self._f, self._g = f, g

    def fun(self, x) -> float:
        """f(x), from the cache when x is the last point."""
        hit = self._same_point(x, self._x)
        if hit and self._f is not None:
            return self._f
        if self._fg_only:
            self._call_fun_and_grad(x, hit)
            return self._f
        self.nfev += 1
        f = self._check_fun(self.problem.fun(x))
        self._remember(x, hit)
        self._f = f
        return f

    def grad(self, x) -> np.ndarray:
        """Gradient at x (finite differences when the problem has none)."""
        hit = self._same_point(x, self._x)
        if hit and self._g is not None:
            return self._g
        if self._grad_by_fg:
            self._call_fun_and_grad(x, hit)
            return self._g
        if self._fd is not None:
            g = self._finite_difference(x)
            hit = self._same_point(x, self._x)    # differences may have cached f(x)
        else:
            self.njev += 1
            g = self._check_grad(self.problem.grad(x))
        self._remember(x, hit)
        self._g = g
        return g

    def fun_and_grad(self, x) -> tuple[float, np.ndarray]:
        """``(f(x), grad f(x))`` with the fewest problem calls."""
        hit = self._same_point(x, self._x)
        if hit and self._f is not None and self._g is not None:
            return self._f, self._g
        if self._fg_native and not (hit and (self._f is not None or self._g is not None)):
            self._call_fun_and_grad(x, hit)
            return self._f, self._g
        return self.fun(x), self.grad(x)

    def _finite_difference(self, x) -> np.ndarray:
        """Forward ("2-point") or central ("3-point") differences, as scipy's
        relative steps: h_i = eps^(1/2) max(1, |x_i|) resp. eps^(1/3)."""
        x = np.asarray(x, dtype=float)
        central = self._fd == "3-point"
        rel = _EPS ** (1 / 3) if central else _EPS ** 0.5
        f0 = None if central else self.fun(x)
        g = np.empty(self.dim)
        xt = x.copy()
        for i in range(self.dim):
            h = rel * max(1.0, abs(x[i]))
            xt[i] = x[i] + h
            h = xt[i] - x[i]          # the step actually taken in floating point
            self.nfev += 1
            f_plus = self._check_fun(self.problem.fun(xt))
            if central:
                xt[i] = x[i] - h
                self.nfev += 1
                f_minus = self._check_fun(self.problem.fun(xt))
                g[i] = (f_plus - f_minus) / (2 * h)
            else:
                g[i] = (f_plus - f0) / h
            xt[i] = x[i]
        return g

    # -- second order -------------------------------------------------------
    def hess(self, x):
        """Hessian at x as the problem returns it (ndarray, sparse, LinearOperator)."""
        if self._h is not None and self._same_point(x, self._xh):
            return self._h
        self.nhev += 1
        h = self.problem.hess(x)
        if getattr(h, "shape", None) != (self.dim, self.dim):
            raise ValueError(
                f"`hess` returned an object of shape {getattr(h, 'shape', None)}; "
                f"expected ({self.dim}, {self.dim}).")
        if isinstance(h, np.ndarray):
            h = np.asarray(h, dtype=float)
        self._xh = np.array(x, dtype=float, copy=True)
        self._h = h
        return h

    def hessp(self, x, v) -> np.ndarray:
        """Hessian-vector product; from a cached Hessian when there is no hessp."""
        if self.problem.implements("hessp"):
            self.nhvp += 1
            hv = np.asarray(self.problem.hessp(x, v), dtype=float)
        else:
            hv = np.asarray(self.hess(x) @ v, dtype=float)
        if hv.shape != (self.dim,):
            hv = hv.reshape(-1)
            if hv.shape != (self.dim,):
                raise ValueError(
                    f"`hessp` returned an array of shape {hv.shape}; expected ({self.dim},).")
        return hv
