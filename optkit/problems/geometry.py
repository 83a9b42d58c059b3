r"""The geometry layer: sets, penalties and mirror maps behind one protocol.

Every first-order family reaches its feasible set or its nonsmooth term
through the same few operations of a :class:`Geometry`:

``lmo(g)``
    a minimizer of :math:`\langle g, s\rangle` over the set (Frank-Wolfe).
``project(v)``
    the Euclidean projection :math:`\Pi_C(v)`.
``prox(v, step)``
    :math:`\operatorname{prox}_{s h}(v) = \operatorname*{argmin}_u h(u) + \|u - v\|^2/(2s)`;
    for a set, :math:`h` is its indicator and the prox is the projection.
``mirror_step(x, g, step)``
    the mirror (Bregman proximal) step of mirror descent (Beck & Teboulle
    2003) and mirror prox (Nemirovski 2004),

    .. math:: x^+ = \operatorname*{argmin}_{u \in C}\; \langle g, u\rangle
              + \frac{1}{s} D_\omega(u, x),

    with the Bregman divergence of the mirror map (distance-generating
    function) :math:`\omega`,
    :math:`D_\omega(u, x) = \omega(u) - \omega(x) - \langle\nabla\omega(x), u - x\rangle`;
``bregman(u, x)``
    :math:`D_\omega(u, x)`.
``diameter``, ``bregman_radius(x0)``, ``strong_convexity``
    the rate constants: the diameter of the set in its norm ``norm``,
    :math:`R^2 = \max_{u \in C} D_\omega(u, x_0)` and the modulus
    :math:`\sigma` of :math:`\omega` in that norm (mirror descent with steps
    :math:`s = \sqrt{2\sigma R^2}/(G\sqrt{T})` has regret
    :math:`G\sqrt{2 R^2 T/\sigma}`, Beck & Teboulle 2003).

What an object implements is data: ``capabilities`` (a frozenset of the
operation names above, plus ``contains``, ``value``, ``log_mirror_step`` and
``prox_center``) and ``provides(op)``. A method checks what it needs with
``geometry.require("mirror_step", by="mirror-prox")``; calling an operation
that an object lacks raises :class:`MissingCapability` (both a
:class:`NotImplementedError` and a :class:`TypeError`) naming the object
and the operation.

The mirror maps here:

* Euclidean, :math:`\omega = \frac12\|x\|_2^2`: the default of every
  :class:`ConvexSet` with a projection; the mirror step is the projected
  gradient step :math:`\Pi_C(x - s g)` and :math:`D = \frac12\|u - x\|^2`.
  :class:`EuclideanSpace` is the whole space (no constraint).
* Entropy on the simplex, :math:`\omega = \sum_i x_i \log x_i`
  (:class:`EntropySimplex`, ``Simplex(...).with_entropy()``): the mirror
  step is the multiplicative-weights (exponentiated gradient) update,
  computed in the log domain; :math:`D` is the Kullback-Leibler divergence.
* Fermi-Dirac entropy on a box (:class:`BoxEntropy`,
  ``Box(...).with_entropy()``), with a closed-form (logistic) mirror step.
* :class:`ProductSet` combines geometries blockwise.

References
----------
A. Beck and M. Teboulle, "Mirror descent and nonlinear projected subgradient
methods for convex optimization", Operations Research Letters 31(3), 2003.

A. Nemirovski, "Prox-method with rate of convergence O(1/t) for variational
inequalities with Lipschitz continuous monotone operators and smooth
convex-concave saddle point problems", SIAM J. Optim. 15(1), 2004.

N. Parikh and S. Boyd, "Proximal algorithms", Foundations and Trends in
Optimization 1(3), 2014.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, logsumexp

__all__ = ["Geometry", "ConvexSet", "MissingCapability", "EuclideanSpace", "EntropySimplex",
           "BoxEntropy", "ProductSet", "OPERATIONS", "project_simplex",
           "entropy_mirror_step", "log_entropy_mirror_step", "kl_divergence"]

#: The operation names a geometry may provide (its ``capabilities``).
OPERATIONS = ("lmo", "project", "prox", "mirror_step", "log_mirror_step", "bregman",
              "diameter", "bregman_radius", "contains", "value", "prox_center")


class MissingCapability(NotImplementedError, TypeError):
    """An operation that a geometry (set, penalty, mirror map) does not implement.

    Both a :class:`NotImplementedError` and a :class:`TypeError`, so either
    ``except`` catches it; the message names the object and the operation.
    """


# -- argument checks (shared with optkit.problems.sets) ---------------------------------
def _positive(value, name: str) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"`{name}` must be a positive real number, got {type(value).__name__}.")
    value = float(value)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"`{name}` must be a positive finite number, got {value!r}.")
    return value


def _dimension(value, name: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
    return int(value)


def _as_vector(g, name: str = "g") -> np.ndarray:
    """A dense 1-D float view of a gradient (2-D arrays and sparse matrices are flattened)."""
    if sp.issparse(g):
        g = g.toarray()
    g = np.asarray(g, dtype=float)
    return g.reshape(-1)


def _step(step, name: str = "step"):
    """A step size > 0: a finite-or-infinite positive scalar, or an array of them."""
    if isinstance(step, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be a positive real number, got bool.")
    if isinstance(step, (float, int)):
        if not step > 0:
            raise ValueError(f"`{name}` must be > 0, got {step!r}.")
        return float(step)
    s = np.asarray(step, dtype=float)
    if s.size == 0 or np.any(np.isnan(s)) or np.any(s <= 0):
        raise ValueError(f"`{name}` must be > 0 (scalar or per coordinate), got {step!r}.")
    return float(s) if s.ndim == 0 else s


def project_simplex(x, radius: float = 1.0) -> np.ndarray:
    r"""Euclidean projection onto :math:`\{x \ge 0, \sum_i x_i = r\}`.

    The sort-based algorithm (Held, Wolfe & Crowder 1974; Duchi et al. 2008),
    :math:`O(n \log n)`.

    Parameters
    ----------
    x : array_like, shape (n,)
        Point to project.
    radius : float, default 1.0
        The sum :math:`r > 0`.

    Returns
    -------
    ndarray, shape (n,)
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    u = np.sort(x)[::-1]
    css = np.cumsum(u) - radius
    idx = np.arange(1, x.size + 1)
    rho = np.nonzero(u - css / idx > 0)[0][-1]
    theta = css[rho] / (rho + 1.0)
    return np.maximum(x - theta, 0.0)


# -- the entropy mirror map, as functions (mirror Sinkhorn and friends use them) -------
def log_entropy_mirror_step(logx, g, step, radius: float = 1.0) -> np.ndarray:
    r"""The entropy mirror step on the simplex, on log-weights.

    .. math:: \log x^+_i = \log x_i - s g_i
              - \operatorname{logsumexp}_j(\log x_j - s g_j) + \log r ,

    i.e. :math:`x^+ \propto x \odot e^{-s g}` (multiplicative weights),
    without ever exponentiating an unnormalized weight: the maximum is
    subtracted first, so huge steps neither overflow nor leave the simplex.
    When :math:`s g` itself overflows (an infinite step), the limit is
    returned: the mass of ``x`` restricted to the minimizers of ``g`` on its
    support.

    Parameters
    ----------
    logx : ndarray, shape (n,)
        :math:`\log x` (``-inf`` for zero weights).
    g : ndarray, shape (n,)
        The (sub)gradient.
    step : float or ndarray
        :math:`s > 0` (scalar or per coordinate).
    radius : float, default 1.0
        The simplex's sum :math:`r`.

    Returns
    -------
    ndarray, shape (n,)
        :math:`\log x^+` (``logsumexp`` of it equals :math:`\log r`).
    """
    logx = np.asarray(logx, dtype=float)
    g = np.asarray(g, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        sg = step * g
        z = logx - sg
        j = int(np.argmax(z))
        if not math.isfinite(z[j]) or np.any(np.isnan(z)):
            zs = _infinite_step_limit(logx, g, z)
            zs = zs - zs.max()
        elif np.ndim(step) == 0:
            # shifted by the largest entry before the step multiplies: ties of g stay
            # exact and nearby weights keep their digits however large the step is
            zs = (logx - logx[j]) - step * (g - g[j])
        else:
            zs = (logx - logx[j]) - (sg - sg[j])
    return zs - math.log(np.exp(zs).sum()) + math.log(radius)


def _infinite_step_limit(logx, g, z):
    """Log-weights of the limit s -> inf: the support's argmin set of ``g``, weighted by x."""
    g = np.asarray(g, dtype=float)
    if np.any(np.isnan(g)) or np.any(np.isnan(logx)):
        return np.full(z.shape, np.nan)              # NaN in: NaN out (the driver stops)
    support = logx > -np.inf
    gmin = g[support].min()
    return np.where(support & (g == gmin), logx, -np.inf)


def entropy_mirror_step(x, g, step, radius: float = 1.0) -> np.ndarray:
    r"""The entropy mirror step on the simplex (multiplicative weights).

    .. math:: x^+ = r\,\frac{x \odot e^{-s g}}{\sum_j x_j e^{-s g_j}}
              = \operatorname*{argmin}_{u \in \Delta_r}\; \langle g, u\rangle
              + \frac1s \operatorname{KL}(u \,\|\, x),

    computed as ``exp(log_entropy_mirror_step(log x, g, s))``.

    Parameters
    ----------
    x : ndarray, shape (n,)
        A point of the simplex (nonnegative, sum :math:`r`).
    g : ndarray, shape (n,)
    step : float or ndarray
    radius : float, default 1.0

    Returns
    -------
    ndarray, shape (n,)
    """
    with np.errstate(divide="ignore"):
        logx = np.log(np.asarray(x, dtype=float))
    return np.exp(log_entropy_mirror_step(logx, g, step, radius))


def kl_divergence(u, x) -> float:
    r"""Generalized Kullback-Leibler divergence
    :math:`\sum_i u_i \log(u_i/x_i) - u_i + x_i` (:math:`0 \log 0 = 0`).

    The Bregman divergence of :math:`\omega(x) = \sum_i x_i \log x_i` on
    :math:`\mathbb{R}^n_+`; ``inf`` where :math:`x_i = 0 < u_i`.

    Parameters
    ----------
    u, x : array_like, shape (n,)
        Nonnegative vectors.

    Returns
    -------
    float
    """
    u = np.asarray(u, dtype=float).reshape(-1)
    x = np.asarray(x, dtype=float).reshape(-1)
    pos = u > 0
    if np.any(x[pos] <= 0):
        return math.inf
    val = np.sum(u[pos] * (np.log(u[pos]) - np.log(x[pos]))) - u.sum() + x.sum()
    return max(float(val), 0.0)       # rounding below zero is not a divergence


# -- the protocol ---------------------------------------------------------------------
class Geometry:
    r"""The protocol of sets, penalties and mirror maps (see the module docstring).

    Subclasses override the operations they implement. ``capabilities``
    is derived from that: an operation is provided when the subclass
    overrides it and :meth:`_implements` agrees for this instance (e.g. an
    :math:`\ell_p` ball projects only for :math:`p \in \{1, 2, \infty\}`),
    or when it is derived from provided ones (``_derived``: a set's prox is
    its projection).

    Attributes
    ----------
    dim : int or None
        Length of the (flattened) points, when fixed.
    norm : str
        The norm of ``diameter`` and ``strong_convexity``: ``"l2"``,
        ``"l1"`` or ``"product"`` (:class:`ProductSet`:
        :math:`\|x\| = (\sum_b \|x_b\|_b^2)^{1/2}`).
    mirror : str or None
        The mirror map: ``"euclidean"``, ``"entropy"``, ``"fermi-dirac"``,
        ``"product"`` or None (no mirror map).
    strong_convexity : float
        Modulus :math:`\sigma` of the mirror map in ``norm``:
        :math:`D(u, x) \ge \frac{\sigma}{2}\|u - x\|^2`.
    """

    dim: int | None = None
    norm: str = "l2"
    mirror: str | None = None
    strong_convexity: float = 1.0
    #: operation -> operations it is built from when not overridden
    _derived: dict = {}

    # which operations the class overrides: computed once per class
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._overridden = frozenset(
            op for op in OPERATIONS if getattr(cls, op) is not getattr(Geometry, op))

    _overridden: frozenset = frozenset()

    def _implements(self, op: str) -> bool:
        """Whether this instance implements ``op`` itself (default: the class overrides it)."""
        return op in self._overridden

    @property
    def capabilities(self) -> frozenset:
        """The operations this object provides (names of :data:`OPERATIONS`)."""
        have = {op for op in OPERATIONS if self._implements(op)}
        changed = True
        while changed:                          # derived operations, to a fixed point
            changed = False
            for op, needs in self._derived.items():
                if op not in have and all(n in have for n in needs):
                    have.add(op)
                    changed = True
        return frozenset(have)

    def provides(self, op: str) -> bool:
        """Whether the operation ``op`` (e.g. ``"mirror_step"``) is available."""
        return op in self.capabilities

    def require(self, *ops: str, by: str | None = None) -> None:
        """Raise :class:`MissingCapability` unless every operation of ``ops`` is provided.

        Parameters
        ----------
        *ops : str
            Operation names.
        by : str, optional
            Who needs them (e.g. a method name), for the message.
        """
        caps = self.capabilities
        for op in ops:
            if op not in OPERATIONS:
                raise ValueError(f"unknown geometry operation {op!r}; expected one of "
                                 f"{', '.join(OPERATIONS)}.")
            if op not in caps:
                who = f"{by} needs" if by else "needed:"
                raise MissingCapability(
                    f"{who} `{op}` of {self!r}, which it does not provide (it provides: "
                    f"{', '.join(sorted(caps)) or 'nothing'}).")

    def _missing(self, op: str):
        raise MissingCapability(
            f"{self!r} does not implement `{op}` (it provides: "
            f"{', '.join(sorted(self.capabilities)) or 'nothing'}).")

    # -- the operations (stubs: subclasses override what they implement) ----------
    def lmo(self, g) -> np.ndarray:
        r"""A minimizer of :math:`\langle g, s\rangle` over the set."""
        self._missing("lmo")

    def project(self, v) -> np.ndarray:
        r"""Euclidean projection :math:`\operatorname{argmin}_{u \in C}\|u - v\|_2`."""
        self._missing("project")

    def prox(self, v, step=1.0) -> np.ndarray:
        r""":math:`\operatorname{argmin}_u h(u) + \|u - v\|_2^2/(2 s)` (a set: the projection)."""
        self._missing("prox")

    def mirror_step(self, x, g, step) -> np.ndarray:
        r""":math:`\operatorname{argmin}_{u \in C} \langle g, u\rangle + D(u, x)/s`."""
        self._missing("mirror_step")

    def log_mirror_step(self, logx, g, step) -> np.ndarray:
        r"""The mirror step on a log-domain representation of ``x``."""
        self._missing("log_mirror_step")

    def bregman(self, u, x) -> float:
        r"""The Bregman divergence :math:`D(u, x)` of the mirror map."""
        self._missing("bregman")

    @property
    def diameter(self) -> float | None:
        r""":math:`\max_{u, v \in C}\|u - v\|` in ``norm`` (None when unknown, inf when unbounded)."""
        return None

    def bregman_radius(self, x0) -> float:
        r""":math:`R^2 = \max_{u \in C} D(u, x_0)` (an upper bound where so documented)."""
        self._missing("bregman_radius")

    def contains(self, x, tol: float = 1e-9) -> bool | None:
        """Whether ``x`` lies in the set up to ``tol`` (None: the set cannot tell)."""
        return None

    def value(self, x) -> float:
        """The function's value: a penalty's :math:`h(x)`, a set's indicator (0 or inf)."""
        self._missing("value")

    def prox_center(self) -> np.ndarray:
        r"""The minimizer of the mirror map over the set (mirror descent's natural start)."""
        self._missing("prox_center")

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self._repr_fields().items())
        return f"{type(self).__name__}({fields})"

    def _repr_fields(self) -> dict:
        return {}


class ConvexSet(Geometry):
    r"""A closed convex set: the indicator geometry with the Euclidean mirror map.

    Subclasses implement :meth:`lmo` (compact sets) and, where cheap,
    :meth:`project` (set ``has_projection``), :meth:`contains` and
    ``diameter``. Derived from them:

    * :meth:`prox` = :meth:`project` (the prox of the indicator, any step);
    * :meth:`mirror_step` = :math:`\Pi_C(x - s g)`, the projected gradient
      step (Euclidean mirror map, :math:`\omega = \frac12\|x\|_2^2`);
    * :meth:`bregman` = :math:`\frac12\|u - x\|_2^2`;
    * :meth:`bregman_radius` = :math:`\max_{u \in C}\frac12\|u - x_0\|^2`,
      exact where the set overrides it, else the bound
      :math:`\frac12\operatorname{diam}(C)^2` (valid for :math:`x_0 \in C`);
    * :meth:`value` = the indicator, from :meth:`contains`.

    Attributes
    ----------
    dim : int or None
        Length of the (flattened) points, when the set fixes it.
    shape : tuple or None
        Matrix shape for matrix sets (points are flattened row-major).
    has_projection : bool
        Whether :meth:`project` is available.
    """

    shape: tuple | None = None
    #: whether :meth:`project` is available
    has_projection = False
    mirror = "euclidean"
    _derived = {"prox": ("project",), "mirror_step": ("project",),
                "bregman_radius": ("diameter",), "value": ("contains",),
                "bregman": (), "prox_center": ("project",)}

    def _implements(self, op):
        if op == "project":
            return self.has_projection
        if op == "diameter":
            return self.diameter is not None
        if op in self._derived and getattr(type(self), op) is getattr(ConvexSet, op):
            return False        # ConvexSet's default: available when its ingredients are
        return op in self._overridden

    def __call__(self, g) -> np.ndarray:
        return self.lmo(g)

    def project(self, x) -> np.ndarray:
        """Euclidean projection onto the set (only where cheap: see ``has_projection``)."""
        raise MissingCapability(f"{type(self).__name__} offers no projection: {self!r} does "
                                "not implement `project`.")

    def prox(self, v, step=1.0):
        r"""The prox of the indicator: the projection (``step`` plays no role)."""
        if not self.has_projection:
            self._missing("prox")
        return self.project(v)

    def mirror_step(self, x, g, step):
        r"""Projected gradient step :math:`\Pi_C(x - s g)` (the Euclidean mirror step)."""
        if not self.has_projection:
            self._missing("mirror_step")
        return self.project(np.asarray(x, dtype=float).reshape(-1)
                            - step * _as_vector(g))

    def bregman(self, u, x):
        r""":math:`\frac12\|u - x\|_2^2`."""
        d = np.asarray(u, dtype=float).reshape(-1) - np.asarray(x, dtype=float).reshape(-1)
        return 0.5 * float(d @ d)

    def bregman_radius(self, x0):
        r""":math:`\max_{u \in C} \frac12\|u - x_0\|^2`; here the bound
        :math:`\frac12 \operatorname{diam}(C)^2` (exact values in subclasses)."""
        diam = self.diameter
        if diam is None:
            self._missing("bregman_radius")
        return 0.5 * diam * diam

    def prox_center(self):
        r""":math:`\Pi_C(0)`, the minimizer of :math:`\frac12\|x\|^2` over the set."""
        if self.dim is None:
            raise ValueError(f"{type(self).__name__} does not fix its dimension: no prox "
                             "center without the dimension `n`.")
        return self.project(np.zeros(self.dim))

    def value(self, x):
        """The indicator: 0 in the set (up to 1e-9), inf outside."""
        inside = self.contains(x, 1e-9)
        if inside is None:
            self._missing("value")
        return 0.0 if inside else math.inf

    def vertex_id(self, v):
        """A hashable id of the vertex ``v`` (the bytes of the array by default)."""
        return np.ascontiguousarray(v).tobytes()

    def vertex(self, dim: int | None = None) -> np.ndarray:
        """One vertex of the set (``lmo`` of the zero vector): the default ``x0``."""
        dim = self.dim if dim is None else dim
        if dim is None:
            raise ValueError(f"{type(self).__name__} does not fix its dimension: give `x0` "
                             "(or the set's dimension argument `n`).")
        return self.lmo(np.zeros(dim))

    def _check_dim(self, g: np.ndarray) -> None:
        if self.dim is not None and g.size != self.dim:
            raise ValueError(
                f"{type(self).__name__}: the gradient `g` has {g.size} entries; the set has "
                f"dimension {self.dim}.")

    def _check_point(self, x, name="x") -> np.ndarray:
        x = np.asarray(x, dtype=float).reshape(-1)
        if self.dim is not None and x.size != self.dim:
            raise ValueError(f"{type(self).__name__}: `{name}` has {x.size} entries; the set "
                             f"has dimension {self.dim}.")
        return x


# -- the whole space ---------------------------------------------------------------------
class EuclideanSpace(ConvexSet):
    r"""The whole space :math:`\mathbb{R}^n` with :math:`\omega = \frac12\|x\|_2^2`.

    The mirror step is the gradient step :math:`x - s g`; projection and
    prox are the identity; the diameter and :math:`R^2` are infinite. No
    LMO (the space is unbounded).

    Parameters
    ----------
    n : int, optional
        Dimension.
    """

    has_projection = True

    def __init__(self, n: int | None = None):
        self.dim = _dimension(n, "n")

    def project(self, x):
        return self._check_point(x).copy()

    def mirror_step(self, x, g, step):
        return self._check_point(x) - step * _as_vector(g)

    def contains(self, x, tol=1e-9):
        return bool(np.all(np.isfinite(np.asarray(x, dtype=float))))

    @property
    def diameter(self):
        return math.inf

    def bregman_radius(self, x0):
        return math.inf

    def prox_center(self):
        if self.dim is None:
            raise ValueError("EuclideanSpace: give the dimension `n` for its prox center.")
        return np.zeros(self.dim)

    def _repr_fields(self):
        return {"n": self.dim}


# -- the simplex with the entropy -------------------------------------------------------
class SimplexPolytope(ConvexSet):
    r"""What every simplex geometry shares whatever its mirror map: the set
    :math:`\{x \ge 0, \sum_i x_i = r\}`, its LMO (:math:`r e_{i^*}`,
    :math:`i^* = \operatorname{argmin}_i g_i`), Euclidean projection and
    membership test. :class:`~optkit.problems.sets.Simplex` (Euclidean mirror
    map) and :class:`EntropySimplex` derive from it."""

    has_projection = True

    def __init__(self, radius: float = 1.0, n: int | None = None):
        self.radius = _positive(radius, "radius")
        self.dim = _dimension(n, "n")

    def lmo(self, g):
        g = _as_vector(g)
        self._check_dim(g)
        s = np.zeros(g.size)
        s[int(np.argmin(g))] = self.radius
        return s

    def vertex_id(self, v):
        return int(np.argmax(v))

    def project(self, x):
        return project_simplex(x, self.radius)

    def contains(self, x, tol=1e-9):
        x = np.asarray(x, dtype=float).reshape(-1)
        scale = max(1.0, self.radius)
        return bool(np.all(x >= -tol * scale) and abs(x.sum() - self.radius) <= tol * scale)


class EntropySimplex(SimplexPolytope):
    r"""The simplex :math:`\Delta_r = \{x \ge 0, \sum_i x_i = r\}` with the entropy
    mirror map :math:`\omega(x) = \sum_i x_i \log x_i`.

    * mirror step (multiplicative weights / exponentiated gradient, Beck &
      Teboulle 2003, section 5):
      :math:`x^+ = r\, x \odot e^{-s g} / \langle x, e^{-s g}\rangle`,
      computed on log-weights (:meth:`log_mirror_step`, stable for any step);
    * Bregman divergence: :math:`D(u, x) = \sum_i u_i \log(u_i/x_i)` (KL;
      the generalized form :math:`- u_i + x_i` cancels on the simplex);
    * norm :math:`\ell_1`: ``diameter`` = :math:`2r`, ``strong_convexity`` =
      :math:`1/r` (Pinsker's inequality);
    * :math:`R^2 = \max_u D(u, x_0) = r \log(r / \min_i x_{0,i})`
      (:math:`r\log n` from the uniform prox center).

    LMO and Euclidean projection are the simplex's (``Simplex``); ``prox``
    is the Euclidean projection (the prox of the indicator).

    Parameters
    ----------
    radius : float, default 1.0
        The sum :math:`r > 0`.
    n : int, optional
        Dimension (needed for :meth:`prox_center` and the default vertex).

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems.geometry import EntropySimplex
    >>> geo = EntropySimplex(n=3)
    >>> x = geo.prox_center()
    >>> np.round(geo.mirror_step(x, np.array([1.0, 0.0, 0.0]), np.log(2.0)), 6)
    array([0.2, 0.4, 0.4])
    """

    has_projection = True
    mirror = "entropy"
    norm = "l1"

    def __init__(self, radius: float = 1.0, n: int | None = None):
        super().__init__(radius, n)
        self.strong_convexity = 1.0 / self.radius

    def mirror_step(self, x, g, step):
        r""":math:`x^+ = r\,x \odot e^{-s g} / \langle x, e^{-s g}\rangle` (log domain)."""
        x = self._check_point(x)
        g = _as_vector(g)
        if g.size != x.size:
            raise ValueError(f"EntropySimplex.mirror_step: `g` has {g.size} entries, `x` has "
                             f"{x.size}.")
        if np.any(x < 0):
            raise ValueError("EntropySimplex.mirror_step: `x` must be nonnegative (a point of "
                             "the simplex).")
        return entropy_mirror_step(x, g, _step(step), self.radius)

    def log_mirror_step(self, logx, g, step):
        r""":math:`\log x^+ = \log x - s g - \operatorname{logsumexp}(\log x - s g) + \log r`.

        Parameters
        ----------
        logx : ndarray, shape (n,)
            Log-weights (``-inf`` for zeros); they need not be normalized.
        g : ndarray, shape (n,)
        step : float or ndarray

        Returns
        -------
        ndarray
            Normalized log-weights of :math:`x^+` (their exponentials sum to r).
        """
        logx = np.asarray(logx, dtype=float).reshape(-1)
        g = _as_vector(g)
        if g.size != logx.size:
            raise ValueError(f"EntropySimplex.log_mirror_step: `g` has {g.size} entries, "
                             f"`logx` has {logx.size}.")
        return log_entropy_mirror_step(logx, g, _step(step), self.radius)

    def bregman(self, u, x):
        r""":math:`\sum_i u_i\log(u_i/x_i) - u_i + x_i` (the KL divergence on the simplex)."""
        return kl_divergence(u, x)

    @property
    def diameter(self):
        return 2.0 * self.radius

    def bregman_radius(self, x0):
        r""":math:`r\log(r/\min_i x_{0,i})`, the KL divergence from ``x0`` to the farthest vertex."""
        x0 = self._check_point(x0, "x0")
        m = float(x0.min())
        if m <= 0:
            return math.inf
        return self.radius * math.log(self.radius / m) + float(x0.sum()) - self.radius

    def prox_center(self):
        if self.dim is None:
            raise ValueError("EntropySimplex: give the dimension `n` for its prox center.")
        return np.full(self.dim, self.radius / self.dim)

    def _repr_fields(self):
        return {"radius": self.radius, "n": self.dim}


# -- the box with the Fermi-Dirac entropy ---------------------------------------------
class BoxPolytope(ConvexSet):
    r"""What every box geometry shares whatever its mirror map: the set
    :math:`[\ell, u]` (attributes ``lower``, ``upper``, ``dim`` set by the
    subclass), its LMO (the vertex :math:`\ell_i` where :math:`g_i > 0`,
    else :math:`u_i`), Euclidean projection (clipping) and membership test.
    :class:`~optkit.problems.sets.Box` (Euclidean mirror map) and
    :class:`BoxEntropy` derive from it."""

    has_projection = True

    def lmo(self, g):
        g = _as_vector(g)
        self._check_dim(g)
        return np.where(g > 0, self.lower, self.upper)

    def vertex_id(self, v):
        return np.packbits(np.asarray(v) == self.upper).tobytes()

    def project(self, x):
        return np.clip(np.asarray(x, dtype=float).reshape(-1), self.lower, self.upper)

    def contains(self, x, tol=1e-9):
        x = np.asarray(x, dtype=float).reshape(-1)
        return bool(x.size == self.dim and np.all(x >= self.lower - tol)
                    and np.all(x <= self.upper + tol))


class BoxEntropy(BoxPolytope):
    r"""The box :math:`[\ell, u]` with the Fermi-Dirac (bit) entropy mirror map.

    .. math:: \omega(x) = \sum_i (x_i - \ell_i)\log(x_i - \ell_i) + (u_i - x_i)\log(u_i - x_i).

    Its mirror step has a closed form: with :math:`\theta_i = \log(x_i - \ell_i)
    - \log(u_i - x_i)` (so :math:`\nabla\omega(x) = \theta`),

    .. math:: x^+_i = \ell_i + (u_i - \ell_i)\,\sigma(\theta_i - s g_i),
              \qquad \sigma(t) = 1/(1 + e^{-t}),

    evaluated with a stable logistic, so it never leaves the box. Bregman
    divergence: :math:`D(v, x) = \sum_i a_i(v)\log\frac{a_i(v)}{a_i(x)} +
    b_i(v)\log\frac{b_i(v)}{b_i(x)}` with :math:`a = \cdot - \ell`,
    :math:`b = u - \cdot`. Norm :math:`\ell_2`: ``diameter``
    :math:`\|u - \ell\|_2`, ``strong_convexity`` :math:`4/\max_i(u_i - \ell_i)`
    (:math:`\omega'' = 1/a + 1/b \ge 4/(u - \ell)`); :math:`R^2 = \max_v D(v, x_0)`
    is attained at a vertex (D is convex and separable in v).

    Parameters
    ----------
    lower, upper : float or array_like, shape (n,)
        Finite bounds with :math:`\ell < u`; scalars need ``n``.
    n : int, optional
        Dimension when both bounds are scalars.
    """

    has_projection = True
    mirror = "fermi-dirac"

    def __init__(self, lower, upper, n: int | None = None):
        lo, up, size = _box_bounds(lower, upper, n)
        if np.any(lo >= up):
            raise ValueError("BoxEntropy: `lower` must be < `upper` entrywise (the entropy "
                             "needs a box with interior).")
        self.lower, self.upper, self.dim = lo, up, size
        self.width = up - lo
        self.strong_convexity = 4.0 / float(self.width.max())


    def _theta(self, x):
        with np.errstate(divide="ignore"):
            return np.log(x - self.lower) - np.log(self.upper - x)

    def mirror_step(self, x, g, step):
        r""":math:`x^+ = \ell + (u - \ell)\,\sigma(\nabla\omega(x) - s g)`."""
        x = self._check_point(x)
        g = _as_vector(g)
        if g.size != x.size:
            raise ValueError(f"BoxEntropy.mirror_step: `g` has {g.size} entries, `x` has "
                             f"{x.size}.")
        if np.any(x < self.lower) or np.any(x > self.upper):
            raise ValueError("BoxEntropy.mirror_step: `x` must lie in the box.")
        step = _step(step)
        theta = self._theta(x)
        with np.errstate(invalid="ignore", over="ignore"):
            t = theta - step * g
        # a coordinate on a face (theta = -inf or +inf) stays there: the entropy's gradient
        # is infinite on the boundary, so no finite step moves it
        t = np.where(np.isinf(theta), theta, t)
        return self.lower + self.width * expit(t)

    def bregman(self, v, x):
        r""":math:`\sum_i a_i(v)\log(a_i(v)/a_i(x)) + b_i(v)\log(b_i(v)/b_i(x))`."""
        v = self._check_point(v, "u")
        x = self._check_point(x)
        return (kl_divergence(v - self.lower, x - self.lower)
                + kl_divergence(self.upper - v, self.upper - x))

    @property
    def diameter(self):
        return float(np.linalg.norm(self.width))

    def bregman_radius(self, x0):
        r""":math:`\sum_i \max\{w_i\log(w_i/b_i(x_0)),\, w_i\log(w_i/a_i(x_0))\}`, :math:`w = u - \ell`."""
        x0 = self._check_point(x0, "x0")
        a, b = x0 - self.lower, self.upper - x0
        if np.any(a <= 0) or np.any(b <= 0):
            return math.inf
        w = self.width
        return float(np.sum(w * np.maximum(np.log(w / b), np.log(w / a))))

    def prox_center(self):
        return 0.5 * (self.lower + self.upper)

    def _repr_fields(self):
        return {"n": self.dim}


def _box_bounds(lower, upper, n):
    """Finite bounds as float arrays of a common length (``Box``'s checks)."""
    n = _dimension(n, "n")
    lo = np.asarray(lower, dtype=float)
    up = np.asarray(upper, dtype=float)
    if lo.ndim > 1 or up.ndim > 1:
        raise ValueError("`lower` and `upper` must be scalars or 1-D arrays.")
    size = max(lo.size if lo.ndim else 0, up.size if up.ndim else 0, n or 0)
    if size == 0:
        raise ValueError("Box: give array bounds or the dimension `n`.")
    try:
        lo, up = np.broadcast_to(lo, (size,)).copy(), np.broadcast_to(up, (size,)).copy()
    except ValueError:
        raise ValueError(f"`lower` and `upper` must have the same length; got {lo.shape} "
                         f"and {up.shape}.") from None
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(up))):
        raise ValueError("`lower` and `upper` must be finite (the set must be compact).")
    if np.any(lo > up):
        raise ValueError("`lower` must be <= `upper` entrywise.")
    return lo, up, size


# -- products -----------------------------------------------------------------------------
class ProductSet(ConvexSet):
    r"""The product :math:`C_1 \times \dots \times C_k` of geometries, blockwise.

    Points are flat vectors (block ``b`` is ``x[slices[b]]``) or tuples
    (including NamedTuples such as a saddle point ``(x, y)``) with one array
    per part; each operation returns the same kind it was given.
    ``lmo``, ``project``, ``prox``, ``mirror_step`` act blockwise (``step``
    may be one scalar or one per part); ``bregman`` and ``bregman_radius``
    are sums (the mirror map is :math:`\omega = \sum_b \omega_b`). The norm
    is :math:`\|x\| = (\sum_b \|x_b\|_b^2)^{1/2}` (each part in its own
    norm), so ``diameter`` is :math:`(\sum_b D_b^2)^{1/2}` and
    ``strong_convexity`` :math:`\min_b \sigma_b` (Nemirovski 2004, section 2,
    combines the blocks this way; rescale the parts to balance them).

    Parameters
    ----------
    *parts : Geometry
        The factors; for flat points each must fix its dimension ``dim``.

    Attributes
    ----------
    slices : tuple of slice
        The block of each part in a flat vector (when every part has a dim).
    """

    mirror = "product"
    norm = "product"

    def __init__(self, *parts):
        if len(parts) == 1 and isinstance(parts[0], (list, tuple)):
            parts = tuple(parts[0])
        if not parts:
            raise ValueError("ProductSet needs at least one part.")
        for i, p in enumerate(parts):
            if not isinstance(p, Geometry):
                raise TypeError(f"ProductSet: part {i} must be a Geometry (a set of "
                                f"optkit.problems.sets or optkit.problems.geometry), got "
                                f"{type(p).__name__}.")
        self.parts = tuple(parts)
        dims = [p.dim for p in parts]
        if all(d is not None for d in dims):
            ends = np.cumsum([0] + dims)
            self.slices = tuple(slice(int(a), int(b)) for a, b in zip(ends[:-1], ends[1:]))
            self.dim = int(ends[-1])
        else:
            self.slices = None
            self.dim = None
        self.has_projection = all(p.provides("project") for p in parts)
        self.strong_convexity = min(float(p.strong_convexity) for p in parts)

    @property
    def capabilities(self):
        common = frozenset.intersection(*(p.capabilities for p in self.parts))
        return common - {"log_mirror_step"}

    def _implements(self, op):
        return op in self.capabilities

    # -- blocks -----------------------------------------------------------------------
    def split(self, x, name="x") -> list:
        """The blocks of ``x`` (a flat vector or a tuple of arrays), one per part."""
        if isinstance(x, tuple):
            if len(x) != len(self.parts):
                raise ValueError(f"ProductSet: `{name}` has {len(x)} blocks; the product has "
                                 f"{len(self.parts)} parts.")
            return list(x)
        if self.slices is None:
            raise ValueError("ProductSet: a part has no fixed dimension, so flat points "
                             f"cannot be split; pass `{name}` as a tuple of blocks.")
        x = _as_vector(x)
        if x.size != self.dim:
            raise ValueError(f"ProductSet: `{name}` has {x.size} entries; the product has "
                             f"dimension {self.dim} (parts {[p.dim for p in self.parts]}).")
        return [x[s] for s in self.slices]

    @staticmethod
    def _join(blocks, like):
        if isinstance(like, tuple):
            return type(like)._make(blocks) if hasattr(like, "_fields") else tuple(blocks)
        return np.concatenate([np.asarray(b, dtype=float).reshape(-1) for b in blocks])

    def _steps(self, step):
        """One step per part: a scalar for all, or a sequence of one per part."""
        if isinstance(step, (list, tuple)):
            if len(step) != len(self.parts):
                raise ValueError(f"ProductSet: `step` has {len(step)} entries; the product "
                                 f"has {len(self.parts)} parts.")
            return list(step)
        if np.ndim(step) == 0:
            return [step] * len(self.parts)
        return self.split(step, "step")

    def _blockwise(self, op, x, *rest):
        self.require(op)
        return self._join([getattr(p, op)(*args) for p, *args in
                           zip(self.parts, self.split(x), *rest)], x)

    # -- operations ---------------------------------------------------------------------
    def lmo(self, g):
        return self._blockwise("lmo", g)

    def vertex_id(self, v):
        return tuple(p.vertex_id(b) if isinstance(p, ConvexSet) else
                     np.ascontiguousarray(b).tobytes()
                     for p, b in zip(self.parts, self.split(v)))

    def project(self, x):
        return self._blockwise("project", x)

    def prox(self, v, step=1.0):
        return self._blockwise("prox", v, self._steps(step))

    def mirror_step(self, x, g, step):
        return self._blockwise("mirror_step", x, self.split(g, "g"), self._steps(step))

    def bregman(self, u, x):
        self.require("bregman")
        return float(sum(p.bregman(a, b) for p, a, b in
                         zip(self.parts, self.split(u, "u"), self.split(x))))

    def bregman_radius(self, x0):
        self.require("bregman_radius")
        return float(sum(p.bregman_radius(b) for p, b in
                         zip(self.parts, self.split(x0, "x0"))))

    @property
    def diameter(self):
        diams = [p.diameter for p in self.parts]
        if any(d is None for d in diams):
            return None
        return math.sqrt(sum(d * d for d in diams))

    def contains(self, x, tol=1e-9):
        answers = [p.contains(b, tol) for p, b in zip(self.parts, self.split(x))]
        if any(a is False for a in answers):
            return False
        return None if any(a is None for a in answers) else True

    def value(self, x):
        self.require("value")
        return float(sum(p.value(b) for p, b in zip(self.parts, self.split(x))))

    def prox_center(self):
        self.require("prox_center")
        return np.concatenate([np.asarray(p.prox_center(), dtype=float).reshape(-1)
                               for p in self.parts])

    def _repr_fields(self):
        return {"parts": self.parts}

    def __repr__(self):
        return f"ProductSet({', '.join(repr(p) for p in self.parts)})"
