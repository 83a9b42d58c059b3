r"""Problems over a compact convex set known by its linear minimization oracle.

.. math:: \min_{x \in C} f(x), \qquad
          \operatorname{LMO}_C(g) \in \operatorname*{argmin}_{s \in C}\langle g, s\rangle .

The family ``"lmo"``: Frank-Wolfe variants (``fw``, ``fw-away``,
``fw-pairwise``, ``fw-lazy``) and zeroth-order Frank-Wolfe (``zo-fw``).
"""

from __future__ import annotations

from typing import Callable

from .base import SmoothProblem
from .sets import ConvexSet, as_lmo

__all__ = ["LMOProblem"]


class LMOProblem(SmoothProblem):
    r"""Minimization of a smooth (or black-box) function over a compact convex set.

    .. math:: \min_{x \in C} f(x)

    Parameters
    ----------
    fun : callable, optional
        ``fun(x) -> float`` (``fun(x, y) -> float`` for a stochastic objective
        with ``sample``).
    grad : callable or {"2-point", "3-point"}, optional
        ``grad(x)``: an ndarray of shape (d,), or for matrix sets an ndarray
        of the matrix shape or a scipy.sparse matrix (kept sparse: the
        Frank-Wolfe methods never densify it). Not needed by ``zo-fw``.
    lmo : ConvexSet or callable
        The feasible set: a set of :mod:`optkit.problems.sets` or a callable
        ``lmo(g) -> vertex``.
    hess, hessp : callable, optional
        As for :class:`~optkit.problems.SmoothProblem`; ``hessp`` makes the
        ``"exact"`` step exact for quadratics without extra function values.
    fun_and_grad : callable, optional
        ``fun_and_grad(x) -> (f, g)``.
    sample : callable, optional
        ``sample(rng) -> y``: makes the objective stochastic,
        :math:`f(x) = \mathbb{E}_y F(x; y)` with ``fun(x, y)`` = :math:`F(x; y)`
        (zeroth-order methods only).
    x0 : array_like, optional
        Default starting point; by default a vertex of the set,
        ``lmo(0)``, when the set fixes its dimension.
    f_star, name
        See :class:`~optkit.problems.Problem`.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems import LMOProblem
    >>> from optkit.problems.sets import Simplex
    >>> c = np.array([0.2, 0.5, 0.3])
    >>> prob = LMOProblem(lambda x: 0.5 * (x - c) @ (x - c), lambda x: x - c,
    ...                   Simplex(n=3))
    >>> res = optkit.minimize(prob, method="fw-away", tol=1e-10)
    >>> np.allclose(res.x, c, atol=1e-8)
    True
    """

    family = "lmo"
    default_method = "fw"
    oracle_names = SmoothProblem.oracle_names + ("lmo",)

    def __init__(self, fun: Callable | None = None, grad: Callable | str | None = None,
                 lmo: ConvexSet | Callable | None = None, *, hess=None, hessp=None,
                 fun_and_grad=None, sample: Callable | None = None, x0=None,
                 f_star=None, name=None):
        if lmo is None:
            raise TypeError("LMOProblem needs `lmo`: a ConvexSet or a callable lmo(g) -> vertex.")
        self.set = as_lmo(lmo)
        if sample is not None and not callable(sample):
            raise TypeError(f"`sample` must be callable, got {type(sample).__name__}.")
        self.sample = sample
        super().__init__(fun, grad, hess, hessp, fun_and_grad=fun_and_grad, x0=x0,
                         f_star=f_star, name=name)
        if self.x0 is None and self.set.dim is not None:
            self.x0 = self.set.vertex()

    @classmethod
    def from_smooth(cls, problem: SmoothProblem, lmo, *, x0=None) -> "LMOProblem":
        """An LMOProblem with the oracles of ``problem`` (as built by :func:`optkit.minimize`)."""
        o = problem._oracles
        grad = o.get("grad", problem.finite_difference)
        return cls(o.get("fun"), grad, lmo, hess=o.get("hess"), hessp=o.get("hessp"),
                   fun_and_grad=o.get("fun_and_grad"), x0=x0, name=problem.name)

    @classmethod
    def from_callables(cls, smooth: SmoothProblem, options, method):
        """Callables + ``options["lmo"]`` (a set or ``lmo(g)``) -> LMOProblem."""
        options = dict(options or {})
        lmo = options.pop("lmo", None)
        if lmo is None:
            raise ValueError(f"Method {method!r} needs the feasible set: pass options={{'lmo': "
                             "a set of optkit.problems.sets or a callable lmo(g) -> vertex}.")
        return cls.from_smooth(smooth, lmo), options

    @property
    def stochastic(self) -> bool:
        """Whether the objective is stochastic (``sample`` given)."""
        return self.sample is not None

    def fun_sample(self, x, y):
        """:math:`F(x; y)`, the stochastic objective at sample ``y`` (needs ``sample``)."""
        if "fun" not in self._oracles:
            raise NotImplementedError(f"{self.name}: a stochastic objective needs `fun`.")
        return self._oracles["fun"](x, y)

    def lmo(self, g):
        """The set's linear minimization oracle."""
        return self.set.lmo(g)

    def _has(self, oracle: str) -> bool:
        if oracle == "lmo":
            return True
        return super()._has(oracle)

    def __repr__(self) -> str:
        return f"<LMOProblem {self.name!r} over {self.set!r}>"


LMOProblem._root = SmoothProblem
