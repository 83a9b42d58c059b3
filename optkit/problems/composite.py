r"""Composite problems: a smooth part plus a separable penalty.

.. math::

    \min_{x \in \mathbb{R}^d} F(x) = f(x) + \sum_{i=1}^d g_i(x_i)

:class:`CompositeProblem` pairs a smooth problem ``f`` (any
:class:`~optkit.problems.SmoothProblem`; the GLM objectives of
:mod:`optkit.problems.glm` and :class:`~optkit.problems.synthetic.QuadraticProblem`
give the coordinate methods direct access to their data) with a
:class:`SeparablePenalty`. Every penalty here is of the form

.. math::

    g_i(t) = \lambda_{1,i} |t| + \tfrac{\lambda_{2,i}}{2} t^2
             + \iota_{[\ell_i, u_i]}(t),

which covers :func:`L1`, :func:`L2Squared`, :func:`ElasticNetPenalty`,
:func:`Box` and :func:`NonNegative` (and their sums, with ``+``). Its prox has
the closed form
:math:`\operatorname{prox}_{s g_i}(v) = \operatorname{clip}\bigl(
\operatorname{sign}(v)\max(|v| - s\lambda_{1,i}, 0) / (1 + s\lambda_{2,i}),
\ell_i, u_i\bigr)` (a one-dimensional convex function restricted to an interval
is minimized at the projection of its unconstrained minimizer).

Penalties implement the geometry protocol of :mod:`optkit.problems.geometry`
(``prox``, ``value``; ``project``, ``contains`` and, for a bounded box,
``lmo`` when they are indicators). :class:`CompositeProblem` accepts any
penalty with a prox: a :class:`SeparablePenalty`, a set of
:mod:`optkit.problems.sets` (its indicator: the prox is the projection), or
any object with ``prox(v, step)`` and ``value(x)`` (or ``__call__``).
The coordinate methods need the compiled separable form ``(l1, l2, lower,
upper)`` (:meth:`CompositeProblem.separable_form`, the oracle
``"separable_penalty"``) and refuse other penalties with a message naming it.

The ready-made problems :class:`Lasso`, :class:`ElasticNet` and
:class:`L1LogisticRegression` use scikit-learn's scaling of the data term
(the mean loss over samples).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._data import check_matrix, check_targets
from .base import Problem, SmoothProblem
from .geometry import Geometry, MissingCapability
from .glm import LeastSquares, LogisticRegression

__all__ = ["SeparablePenalty", "ProxPenalty", "as_penalty", "L1", "L2Squared",
           "ElasticNetPenalty", "Box", "NonNegative", "CompositeProblem", "Lasso", "ElasticNet", "L1LogisticRegression"]


def _check_reg(value, name):
    """A finite real number >= 0, or an error naming the argument."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.ndarray)):
        raise TypeError(f"`{name}` must be a real number >= 0, got {type(value).__name__}.")
    if isinstance(value, (float, int)):          # the common scalar case, without numpy
        if not math.isfinite(value):
            raise ValueError(f"`{name}` must be finite, got {value!r}.")
        if value < 0:
            raise ValueError(f"`{name}` must be >= 0 (a regularization strength), got "
                             f"{value!r}.")
        return float(value)
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must be finite, got {value!r}.")
    if np.any(arr < 0):
        raise ValueError(f"`{name}` must be >= 0 (a regularization strength), got {value!r}.")
    return float(arr) if arr.ndim == 0 else arr


class SeparablePenalty(Geometry):
    r"""Separable penalty :math:`g(x) = \sum_i \lambda_{1,i}|x_i| +
    \frac{\lambda_{2,i}}{2}x_i^2 + \iota_{[\ell_i, u_i]}(x_i)`.

    Parameters
    ----------
    l1 : float or array_like, default 0
        Weights of the absolute values (>= 0).
    l2 : float or array_like, default 0
        Weights of the halved squares (>= 0).
    lower, upper : float or array_like, default -inf, +inf
        Bounds of the box constraint (``lower <= upper``).
    name : str, optional

    Notes
    -----
    Scalars apply to every coordinate; arrays must have the problem's length.
    ``penalty_a + penalty_b`` adds the weights and intersects the boxes.

    As a :class:`~optkit.problems.geometry.Geometry` it provides ``prox``,
    ``value`` (also as ``penalty(x)``) and ``contains`` (the box); a pure box
    indicator (no l1, l2 weight) also provides ``project`` (clipping), and
    with finite bounds ``lmo`` and ``diameter``.
    """

    def __init__(self, l1=0.0, l2=0.0, lower=-np.inf, upper=np.inf, *, name=None):
        self.l1 = _check_reg(l1, "l1")
        self.l2 = _check_reg(l2, "l2")
        self.name = name or "penalty"
        if isinstance(lower, float) and isinstance(upper, float) and lower == -np.inf \
                and upper == np.inf:
            self.lower, self.upper, self.has_box = lower, upper, False   # the common case
            return
        lo = np.asarray(lower, dtype=float)
        hi = np.asarray(upper, dtype=float)
        if np.any(np.isnan(lo)) or np.any(np.isnan(hi)):
            raise ValueError("`lower` and `upper` must not contain NaN.")
        if np.any(lo > hi):
            raise ValueError("`lower` must be <= `upper` entrywise.")
        if np.any(lo == np.inf) or np.any(hi == -np.inf):
            raise ValueError("`lower` must be < +inf and `upper` > -inf (the box must not be empty).")
        self.lower = float(lo) if lo.ndim == 0 else lo
        self.upper = float(hi) if hi.ndim == 0 else hi
        self.has_box = bool(np.any(lo > -np.inf) or np.any(hi < np.inf))

    def __repr__(self):
        return f"<{type(self).__name__} {self.name}>"

    @property
    def is_indicator(self) -> bool:
        """Whether g is the indicator of its box (no l1 nor l2 weight)."""
        return not np.any(np.asarray(self.l1)) and not np.any(np.asarray(self.l2))

    @property
    def bounded(self) -> bool:
        """Whether every bound is finite."""
        return bool(np.all(np.isfinite(self.lower)) and np.all(np.isfinite(self.upper)))

    def _implements(self, op):
        if op == "project":
            return self.is_indicator
        if op == "lmo":
            return self.is_indicator and self.bounded
        if op == "diameter":
            return self.diameter is not None
        return op in ("prox", "value", "contains")

    def separable_form(self, d: int):
        """``(l1, l2, lower, upper)`` as float64 arrays of length ``d`` (:meth:`arrays`)."""
        return self.arrays(d)

    def __call__(self, x) -> float:
        """g(x) (:meth:`value`)."""
        return self.value(x)

    def contains(self, x, tol: float = 1e-9) -> bool:
        """Whether ``x`` lies in the box (up to ``tol``)."""
        x = np.asarray(x, dtype=float)
        return bool(np.all(x >= self.lower - tol) and np.all(x <= self.upper + tol))

    def project(self, v):
        """Clip into the box (only for a pure box indicator: ``provides("project")``)."""
        if not self.is_indicator:
            self._missing("project")
        return np.clip(np.asarray(v, dtype=float), self.lower, self.upper)

    def lmo(self, g):
        r"""A vertex of the (bounded) box minimizing :math:`\langle g, s\rangle`."""
        if not (self.is_indicator and self.bounded):
            self._missing("lmo")
        g = np.asarray(g, dtype=float)
        return np.where(g > 0, np.broadcast_to(self.lower, g.shape),
                        np.broadcast_to(self.upper, g.shape)).astype(float)

    @property
    def diameter(self):
        if not (self.is_indicator and self.bounded):
            return None
        w = np.asarray(self.upper, dtype=float) - np.asarray(self.lower, dtype=float)
        if w.ndim == 0:
            return None            # scalar bounds: the length is the problem's, unknown here
        return float(np.linalg.norm(w))

    def __add__(self, other):
        if not isinstance(other, SeparablePenalty):
            return NotImplemented
        return SeparablePenalty(np.add(self.l1, other.l1), np.add(self.l2, other.l2),
                                np.maximum(self.lower, other.lower),
                                np.minimum(self.upper, other.upper),
                                name=f"{self.name} + {other.name}")

    def arrays(self, d: int):
        """``(l1, l2, lower, upper)`` as float64 arrays of length ``d`` (for kernels)."""
        out = []
        for arg, value in (("l1", self.l1), ("l2", self.l2), ("lower", self.lower),
                           ("upper", self.upper)):
            a = np.asarray(value, dtype=float)
            if a.ndim == 0:
                a = np.full(d, float(a))
            elif a.shape != (d,):
                raise ValueError(
                    f"penalty `{arg}` has shape {a.shape}; expected a scalar or ({d},).")
            out.append(np.ascontiguousarray(a))
        return tuple(out)

    @property
    def is_zero(self) -> bool:
        """Whether g is identically zero (a smooth problem)."""
        return (not np.any(np.asarray(self.l1)) and not np.any(np.asarray(self.l2))
                and np.all(np.asarray(self.lower) == -np.inf)
                and np.all(np.asarray(self.upper) == np.inf))

    def value(self, x) -> float:
        """g(x); ``inf`` outside the box."""
        x = np.asarray(x, dtype=float)
        if self.has_box and (np.any(x < self.lower) or np.any(x > self.upper)):
            return np.inf
        val = 0.0
        if np.any(np.asarray(self.l1)):
            val += float(np.sum(self.l1 * np.abs(x)))
        if np.any(np.asarray(self.l2)):
            val += 0.5 * float(np.sum(self.l2 * x * x))
        return val

    def prox(self, v, step=1.0):
        r""":math:`\operatorname{prox}_{s g}(v)` for a step ``s`` (scalar or per coordinate).

        .. math:: \operatorname{clip}\Bigl(\frac{\operatorname{sign}(v)
                  \max(|v| - s\lambda_1, 0)}{1 + s\lambda_2}, \ell, u\Bigr)

        (soft thresholding, shrinkage, then the box: Parikh & Boyd 2014, 6.1.3, 6.5.2).
        """
        v = np.asarray(v, dtype=float)
        s = np.asarray(step, dtype=float)
        z = np.sign(v) * np.maximum(np.abs(v) - s * self.l1, 0.0) / (1.0 + s * self.l2)
        return np.clip(z, self.lower, self.upper)


class ProxPenalty(Geometry):
    r"""Any object with a prox as a penalty of the geometry protocol.

    Parameters
    ----------
    inner : object
        Has ``prox(v, step)`` returning
        :math:`\operatorname{argmin}_u h(u) + \|u - v\|^2/(2 s)`, and
        ``value(x)`` or ``__call__(x)`` returning :math:`h(x)` (without it the
        composite objective has no value; methods that need ``fun`` refuse it).
    name : str, optional

    Examples
    --------
    >>> import numpy as np
    >>> class Linf:                      # h = ||x||_inf; prox by Moreau: v - P_{l1 ball}(v)
    ...     def prox(self, v, step):
    ...         from optkit.problems.sets import L1Ball
    ...         return v - L1Ball(step).project(v)
    ...     def __call__(self, x):
    ...         return float(np.max(np.abs(x)))
    >>> pen = ProxPenalty(Linf())
    >>> pen.prox(np.array([3.0, 1.0]), 1.0), pen.value(np.array([3.0, -4.0]))
    (array([2., 1.]), 4.0)
    """

    def __init__(self, inner, *, name=None):
        if not callable(getattr(inner, "prox", None)):
            raise TypeError(f"`penalty` must have a method prox(v, step); "
                            f"{type(inner).__name__} has none.")
        self.inner = inner
        if callable(getattr(inner, "value", None)):
            self._value = inner.value
        elif callable(inner):
            self._value = inner
        else:
            self._value = None
        self.name = name or getattr(inner, "name", None) or type(inner).__name__
        self.dim = getattr(inner, "dim", None)

    def _implements(self, op):
        if op == "value":
            return self._value is not None
        return op == "prox"

    def prox(self, v, step=1.0):
        return np.asarray(self.inner.prox(v, step), dtype=float)

    def value(self, x):
        if self._value is None:
            self._missing("value")
        return float(self._value(x))

    def __call__(self, x):
        return self.value(x)

    def __repr__(self):
        return f"<ProxPenalty {self.name}>"


def as_penalty(obj) -> Geometry:
    """The penalty of a composite problem from ``obj``.

    Parameters
    ----------
    obj : None, SeparablePenalty, Geometry with ``prox``, or object with ``prox(v, step)``
        None is the zero penalty; a :class:`SeparablePenalty` or any
        :class:`~optkit.problems.geometry.Geometry` providing ``prox`` (e.g.
        a set of :mod:`optkit.problems.sets`: its indicator) is kept as it
        is; another object with a ``prox`` method is wrapped in
        :class:`ProxPenalty`.

    Returns
    -------
    Geometry
    """
    if obj is None:
        return SeparablePenalty(name="zero")
    if isinstance(obj, Geometry):
        if not obj.provides("prox"):
            raise TypeError(f"`penalty` {obj!r} provides no `prox` (it provides: "
                            f"{', '.join(sorted(obj.capabilities)) or 'nothing'}); a composite "
                            "problem needs the prox of its nonsmooth part.")
        return obj
    if callable(getattr(obj, "prox", None)):
        return ProxPenalty(obj)
    raise TypeError(
        "`penalty` must be a SeparablePenalty (L1, L2Squared, ElasticNetPenalty, Box, "
        "NonNegative), a set of optkit.problems.sets, or an object with a method "
        f"prox(v, step) (and value(x) or __call__(x)); got {type(obj).__name__}.")


def _mean(alpha):
    return alpha if isinstance(alpha, float) else float(np.mean(alpha))


def L1(alpha):
    r""":math:`\alpha\|x\|_1` (``alpha`` >= 0, scalar or per coordinate)."""
    alpha = _check_reg(alpha, "alpha")
    return SeparablePenalty(l1=alpha, name=f"L1({_mean(alpha):g})")


def L2Squared(alpha):
    r""":math:`\frac{\alpha}{2}\|x\|_2^2` (``alpha`` >= 0)."""
    alpha = _check_reg(alpha, "alpha")
    return SeparablePenalty(l2=alpha, name=f"L2^2({_mean(alpha):g})")


def ElasticNetPenalty(alpha, l1_ratio=0.5):
    r""":math:`\alpha\rho\|x\|_1 + \frac{\alpha(1-\rho)}{2}\|x\|_2^2`, scikit-learn's
    elastic net with ``l1_ratio`` :math:`\rho \in [0, 1]`."""
    alpha = _check_reg(alpha, "alpha")
    if isinstance(l1_ratio, bool) or not isinstance(l1_ratio, numbers.Real) \
            or not 0.0 <= float(l1_ratio) <= 1.0:
        raise ValueError(f"`l1_ratio` must be a real number in [0, 1], got {l1_ratio!r}.")
    rho = float(l1_ratio)
    return SeparablePenalty(l1=np.multiply(alpha, rho), l2=np.multiply(alpha, 1.0 - rho),
                            name=f"elastic-net({np.mean(alpha):g}, {rho:g})")


def Box(lower, upper):
    r"""Indicator of :math:`\{x : \ell \le x \le u\}`."""
    return SeparablePenalty(lower=lower, upper=upper, name="box")


def NonNegative():
    r"""Indicator of the nonnegative orthant :math:`x \ge 0`."""
    return SeparablePenalty(lower=0.0, name="nonnegative")


class CompositeProblem(Problem):
    r"""A smooth function plus a separable penalty.

    .. math:: \min_x F(x) = f(x) + g(x), \qquad g(x) = \sum_i g_i(x_i)

    Parameters
    ----------
    smooth : SmoothProblem
        The smooth part ``f``. :class:`~optkit.problems.glm.LeastSquares`,
        :class:`~optkit.problems.glm.LogisticRegression` and
        :class:`~optkit.problems.synthetic.QuadraticProblem` are solved by
        compiled coordinate kernels; any other smooth problem through its
        ``grad`` (and ``hess``) oracles.
    penalty : SeparablePenalty, set or object with ``prox(v, step)``, optional
        The nonsmooth part ``g``; None means ``g = 0``. Any penalty with a
        prox is accepted (see :func:`as_penalty`); the coordinate methods
        need a :class:`SeparablePenalty` (``provides("separable_penalty")``).
    x0 : array_like, optional
        Default starting point (the smooth problem's, else zeros when its
        dimension is known).
    name : str, optional

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems.composite import CompositeProblem, L1
    >>> from optkit.problems.synthetic import QuadraticProblem
    >>> prob = CompositeProblem(QuadraticProblem(np.eye(2), np.array([2.0, 0.5])), L1(1.0))
    >>> float(prob.fun(np.array([1.0, 0.0])))   # 1/2 - 2 + |1|
    -0.5
    """

    family = "composite"
    default_method = "bcd"
    oracle_names = ("fun", "grad", "hess", "prox", "separable_penalty")

    def __init__(self, smooth, penalty=None, *, x0=None, name=None):
        if not isinstance(smooth, SmoothProblem):
            raise TypeError(
                f"`smooth` must be a SmoothProblem (e.g. optkit.problems.glm.LeastSquares), "
                f"got {type(smooth).__name__}.")
        penalty = as_penalty(penalty)
        if x0 is None:
            x0 = smooth.x0
            if x0 is None and getattr(smooth, "dim", None) is not None:
                x0 = np.zeros(smooth.dim)
        if x0 is not None:
            x0 = np.asarray(x0, dtype=float)
            if isinstance(penalty, SeparablePenalty):
                if penalty.has_box and penalty.value(x0) == np.inf:
                    x0 = np.clip(x0, penalty.lower, penalty.upper)
            elif penalty.provides("project") and penalty.contains(x0) is False:
                x0 = np.asarray(penalty.project(x0), dtype=float)   # start in the set
        pname = getattr(penalty, "name", None) or repr(penalty)
        super().__init__(x0=x0, name=name or f"{smooth.name} + {pname}")
        self.smooth = smooth
        self.penalty = penalty

    def as_start(self, x0):
        """``x0`` validated as a flat float vector of the problem's dimension.

        Parameters
        ----------
        x0 : array_like
            The starting point.

        Returns
        -------
        numpy.ndarray
        """
        x0 = super().as_start(x0)
        d = getattr(self.smooth, "dim", None)
        if d is None and self.x0 is not None:
            d = self.x0.size
        if d is not None and x0.size != d:
            raise ValueError(f"`x0` has {x0.size} entries but the problem has dimension {d}.")
        return x0

    def provides(self, oracle: str) -> bool:
        if oracle == "prox":
            return True
        if oracle == "separable_penalty":
            return isinstance(self.penalty, SeparablePenalty)
        if oracle == "fun":
            return self.smooth.provides("fun") and self.penalty.provides("value")
        if oracle in ("grad", "hess"):
            return self.smooth.provides(oracle)
        return False

    def separable_form(self, d: int | None = None):
        """``(l1, l2, lower, upper)`` float64 arrays of length ``d`` when the penalty
        is a :class:`SeparablePenalty` (what the compiled coordinate kernels read),
        else None.

        Parameters
        ----------
        d : int, optional
            The dimension (default: that of ``x0``).
        """
        if not isinstance(self.penalty, SeparablePenalty):
            return None
        if d is None:
            if self.x0 is None:
                raise ValueError(f"{self.name}: give the dimension `d` (the problem has no x0).")
            d = self.x0.size
        return self.penalty.arrays(d)

    def fun(self, x) -> float:
        """F(x) = f(x) + g(x)."""
        return float(self.smooth.fun(x)) + self.penalty.value(x)

    def grad(self, x):
        """Gradient of the smooth part f."""
        return self.smooth.grad(x)

    def prox(self, v, step=1.0):
        """Prox of the penalty g with step ``step``."""
        return self.penalty.prox(v, step)


def _regression_data(X, y, name_x="X", name_y="y"):

    X = check_matrix(X, name_x, keep_csc=True)
    y = check_targets(y, name_y, X.shape[0], name_x).astype(np.float64)
    return X, y


class _DataFitProblem(CompositeProblem):
    """A linear model's data fit plus a penalty: the data as attributes."""

    @property
    def X(self):
        """The data matrix (ndarray or CSR; a CSC input is converted on first access)."""
        return self.smooth.X

    @property
    def y(self):
        """The targets (least squares) or the labels in {-1, +1} (logistic)."""
        smooth = self.smooth
        return smooth.y if hasattr(smooth, "y") else smooth.b


class Lasso(_DataFitProblem):
    r"""The Lasso with scikit-learn's scaling.

    .. math:: \min_w \frac{1}{2n}\|Xw - y\|_2^2 + \alpha \|w\|_1

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
    alpha : float
        Regularization strength :math:`\alpha \ge 0` (scikit-learn's ``alpha``).
    name : str, optional

    Notes
    -----
    No intercept: center ``X`` and ``y`` first to mimic ``fit_intercept=True``.
    :meth:`alpha_max` is the smallest ``alpha`` with solution zero.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.composite import Lasso
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]); y = np.array([1.0, 0.2, 1.1])
    >>> res = optkit.minimize(Lasso(X, y, alpha=0.1), method="bcd", tol=1e-12)
    >>> np.round(res.x, 6)
    array([0.866667, 0.066667])
    """

    def __init__(self, X, y, alpha, *, name=None):

        X, y = _regression_data(X, y)
        alpha = _check_reg(alpha, "alpha")
        smooth = LeastSquares(X, y, _validated=True)
        super().__init__(smooth, L1(alpha), name=name or f"lasso(n={X.shape[0]}, "
                         f"d={X.shape[1]}, alpha={_mean(alpha):g})")
        self.alpha = alpha

    def alpha_max(self) -> float:
        r""":math:`\|X^\top y\|_\infty / n`, the smallest alpha for which w = 0 is optimal."""
        smooth = self.smooth           # X' as a view: no CSR copy of a CSC X
        return float(np.max(np.abs(smooth._XT @ smooth.b))) / smooth.n_samples


class ElasticNet(_DataFitProblem):
    r"""Elastic net with scikit-learn's scaling.

    .. math:: \min_w \frac{1}{2n}\|Xw - y\|_2^2 + \alpha\rho\|w\|_1
              + \frac{\alpha(1-\rho)}{2}\|w\|_2^2

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
    alpha : float
        :math:`\alpha \ge 0`.
    l1_ratio : float, default 0.5
        :math:`\rho \in [0, 1]`.
    name : str, optional
    """

    def __init__(self, X, y, alpha, l1_ratio=0.5, *, name=None):

        X, y = _regression_data(X, y)
        alpha = _check_reg(alpha, "alpha")
        smooth = LeastSquares(X, y, _validated=True)
        super().__init__(smooth, ElasticNetPenalty(alpha, l1_ratio),
                         name=name or f"elastic-net(n={X.shape[0]}, d={X.shape[1]}, "
                         f"alpha={_mean(alpha):g}, l1_ratio={l1_ratio:g})")
        self.alpha = alpha
        self.l1_ratio = float(l1_ratio)



class L1LogisticRegression(_DataFitProblem):
    r"""L1-regularized binary logistic regression.

    .. math:: \min_w \frac1n \sum_{i=1}^n \log(1 + e^{-y_i\langle x_i, w\rangle})
              + \alpha\|w\|_1

    scikit-learn's ``LogisticRegression(penalty="l1", C=C, fit_intercept=False)``
    solves the same problem with :math:`\alpha = 1/(C n)`.

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
        Labels in {-1, +1} (or {0, 1}).
    alpha : float
        :math:`\alpha \ge 0`.
    name : str, optional
    """

    def __init__(self, X, y, alpha, *, name=None):

        X = check_matrix(X, "X", keep_csc=True)
        alpha = _check_reg(alpha, "alpha")
        smooth = LogisticRegression(X, y, _validated=True)
        super().__init__(smooth, L1(alpha), name=name or f"l1-logistic(n={X.shape[0]}, "
                         f"d={X.shape[1]}, alpha={_mean(alpha):g})")
        self.alpha = alpha

