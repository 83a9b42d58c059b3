r"""Compact convex sets known through their linear minimization oracle (LMO).

A set :math:`C` is used by the Frank-Wolfe family only through

.. math:: \operatorname{LMO}_C(g) \in \operatorname*{argmin}_{s \in C} \langle g, s \rangle ,

which returns a vertex (an extreme point) of :math:`C`. Each set here has
``lmo(g)``; where it is cheap also ``project(x)`` (Euclidean projection),
``diameter`` (Euclidean), ``contains(x, tol)`` and ``vertex_id(v)`` (a
hashable id of a vertex, used by active sets and caches).

Matrix sets (:class:`NuclearNormBall`, :class:`Spectraplex`,
:class:`Birkhoff`) work on flattened (row-major) iterates of length
``m * n``; their ``lmo`` also accepts the gradient as a 2-D array, a
scipy.sparse matrix or (nuclear norm) a
:class:`~scipy.sparse.linalg.LinearOperator` of the matrix shape.

Wrappers: :class:`CountingLMO` counts calls, :class:`CachedLMO` keeps the
vertices already returned (lazified LMO, Braun, Pokutta & Zink 2017),
:class:`CvxpyLMO` makes any compact convex set written in cvxpy an LMO, and
:func:`as_lmo` turns a plain callable into a set.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import scipy.sparse as sp

__all__ = ["ConvexSet", "Simplex", "CappedSimplex", "L1Ball", "LpBall", "Box",
           "KSparsePolytope", "NuclearNormBall", "Spectraplex", "Birkhoff", "CvxpyLMO",
           "FunctionLMO", "CountingLMO", "CachedLMO", "as_lmo", "project_simplex"]


from .geometry import (BoxPolytope, ConvexSet, MissingCapability, SimplexPolytope,
                       _as_vector, _box_bounds, _dimension, _positive, project_simplex)


def _project_l1(x, radius: float) -> np.ndarray:
    x = np.asarray(x, dtype=float).reshape(-1)
    if np.abs(x).sum() <= radius:
        return x.copy()
    return np.sign(x) * project_simplex(np.abs(x), radius)


# -- simplices and balls ----------------------------------------------------------------
class Simplex(SimplexPolytope):
    r"""Scaled probability simplex :math:`\{x \in \mathbb{R}^n : x \ge 0, \sum_i x_i = r\}`.

    LMO: :math:`r e_{i^*}` with :math:`i^* = \operatorname{argmin}_i g_i`,
    :math:`O(n)`. Projection: sort-based, :math:`O(n \log n)`. Mirror map:
    Euclidean (the mirror step is the projected gradient step);
    :meth:`with_entropy` gives the same set with the entropy mirror map
    (multiplicative weights, :class:`~optkit.problems.geometry.EntropySimplex`).

    Parameters
    ----------
    radius : float, default 1.0
        The sum :math:`r > 0`.
    n : int, optional
        Dimension (needed only for the default starting vertex).
    """

    has_projection = True

    @property
    def diameter(self):
        return self.radius * math.sqrt(2.0)

    def bregman_radius(self, x0):
        r""":math:`\max_i \frac12\|r e_i - x_0\|^2`, the farthest vertex."""
        x0 = self._check_point(x0, "x0")
        return 0.5 * (float(x0 @ x0) - 2.0 * self.radius * float(x0.min()) + self.radius ** 2)

    def with_entropy(self):
        """The same simplex with the entropy mirror map (:class:`~optkit.problems.geometry.EntropySimplex`)."""
        from .geometry import EntropySimplex
        return EntropySimplex(self.radius, self.dim)

    def _repr_fields(self):
        return {"radius": self.radius, "n": self.dim}


class CappedSimplex(ConvexSet):
    r"""Capped simplex :math:`\{x \ge 0, \sum_i x_i \le r\}` (the simplex plus the origin).

    LMO: :math:`r e_{i^*}` if :math:`\min_i g_i < 0`, else 0.

    Parameters
    ----------
    radius : float
        The cap :math:`r > 0`.
    n : int, optional
        Dimension.
    """

    has_projection = True

    def __init__(self, radius: float, n: int | None = None):
        self.radius = _positive(radius, "radius")
        self.dim = _dimension(n, "n")

    def lmo(self, g):
        g = _as_vector(g)
        self._check_dim(g)
        s = np.zeros(g.size)
        i = int(np.argmin(g))
        if g[i] < 0:
            s[i] = self.radius
        return s

    def vertex_id(self, v):
        i = int(np.argmax(v))
        return i if v[i] > 0 else -1

    def project(self, x):
        y = np.maximum(np.asarray(x, dtype=float).reshape(-1), 0.0)
        return y if y.sum() <= self.radius else project_simplex(y, self.radius)

    def contains(self, x, tol=1e-9):
        x = np.asarray(x, dtype=float).reshape(-1)
        scale = max(1.0, self.radius)
        return bool(np.all(x >= -tol * scale) and x.sum() <= self.radius + tol * scale)

    @property
    def diameter(self):
        return self.radius * math.sqrt(2.0)

    def bregman_radius(self, x0):
        r"""The farthest vertex: :math:`\max(\frac12\|x_0\|^2, \max_i \frac12\|r e_i - x_0\|^2)`."""
        x0 = self._check_point(x0, "x0")
        sq = float(x0 @ x0)
        return 0.5 * max(sq, sq - 2.0 * self.radius * float(x0.min()) + self.radius ** 2)

    def _repr_fields(self):
        return {"radius": self.radius, "n": self.dim}


class L1Ball(ConvexSet):
    r"""The :math:`\ell_1` ball :math:`\{x : \|x\|_1 \le r\}`.

    LMO: :math:`-r\,\operatorname{sign}(g_{i^*}) e_{i^*}` with
    :math:`i^* = \operatorname{argmax}_i |g_i|`. Projection: Duchi et al. 2008.

    Parameters
    ----------
    radius : float, default 1.0
        :math:`r > 0`.
    n : int, optional
        Dimension.
    """

    has_projection = True

    def __init__(self, radius: float = 1.0, n: int | None = None):
        self.radius = _positive(radius, "radius")
        self.dim = _dimension(n, "n")

    def lmo(self, g):
        g = _as_vector(g)
        self._check_dim(g)
        s = np.zeros(g.size)
        i = int(np.argmax(np.abs(g)))
        s[i] = -self.radius if g[i] > 0 else self.radius
        return s

    def vertex_id(self, v):
        i = int(np.argmax(np.abs(v)))
        return i if v[i] > 0 else -i - 1

    def project(self, x):
        return _project_l1(x, self.radius)

    def contains(self, x, tol=1e-9):
        x = np.asarray(x, dtype=float).reshape(-1)
        return bool(np.abs(x).sum() <= self.radius + tol * max(1.0, self.radius))

    @property
    def diameter(self):
        return 2.0 * self.radius

    def bregman_radius(self, x0):
        r"""The farthest vertex: :math:`\frac12(\|x_0\|^2 + 2r\|x_0\|_\infty + r^2)`."""
        return _l1_radius(self._check_point(x0, "x0"), self.radius)

    def _repr_fields(self):
        return {"radius": self.radius, "n": self.dim}


def _l1_radius(x0, r):
    return 0.5 * (float(x0 @ x0) + 2.0 * r * float(np.abs(x0).max()) + r * r)


class LpBall(ConvexSet):
    r"""The :math:`\ell_p` ball :math:`\{x : \|x\|_p \le r\}`, :math:`1 \le p \le \infty`.

    LMO (Hoelder's equality case), with :math:`q = p/(p-1)`:

    .. math:: s_i = -r\,\operatorname{sign}(g_i)\,\frac{|g_i|^{q-1}}{\|g\|_q^{q-1}},

    i.e. :math:`-r g/\|g\|_2` for :math:`p = 2` and :math:`-r\operatorname{sign}(g)`
    for :math:`p = \infty`; :math:`p = 1` is :class:`L1Ball`'s vertex.
    Projection for :math:`p \in \{1, 2, \infty\}`.

    Parameters
    ----------
    p : float
        :math:`p \in [1, \infty]` (``np.inf`` accepted).
    radius : float, default 1.0
        :math:`r > 0`.
    n : int, optional
        Dimension.
    """

    def __init__(self, p: float, radius: float = 1.0, n: int | None = None):
        if not isinstance(p, numbers.Real) or isinstance(p, bool) or not p >= 1:
            raise ValueError(f"`p` must be a real number in [1, inf], got {p!r}.")
        self.p = float(p)
        self.radius = _positive(radius, "radius")
        self.dim = _dimension(n, "n")
        self.has_projection = self.p in (1.0, 2.0, math.inf)

    def lmo(self, g):
        g = _as_vector(g)
        self._check_dim(g)
        p, r = self.p, self.radius
        if p == 1.0:
            return L1Ball(r).lmo(g)
        if p == math.inf:
            return np.where(g > 0, -r, r)
        ag = np.abs(g)
        scale = ag.max()
        if scale == 0:
            return np.zeros(g.size)
        q = p / (p - 1.0)
        a = (ag / scale) ** (q - 1.0)              # scaled to avoid overflow
        norm_p = np.linalg.norm(a, ord=p)
        return -r * np.sign(g) * a / norm_p

    def vertex_id(self, v):
        if self.p == 1.0:
            return L1Ball.vertex_id(self, v)
        if self.p == math.inf:
            return np.packbits(np.asarray(v) > 0).tobytes()
        return super().vertex_id(v)

    def project(self, x):
        x = np.asarray(x, dtype=float).reshape(-1)
        if self.p == 1.0:
            return _project_l1(x, self.radius)
        if self.p == 2.0:
            nrm = np.linalg.norm(x)
            return x.copy() if nrm <= self.radius else x * (self.radius / nrm)
        if self.p == math.inf:
            return np.clip(x, -self.radius, self.radius)
        return super().project(x)

    def contains(self, x, tol=1e-9):
        x = np.asarray(x, dtype=float).reshape(-1)
        return bool(np.linalg.norm(x, ord=self.p) <= self.radius + tol * max(1.0, self.radius))

    @property
    def diameter(self):
        if self.p <= 2.0:
            return 2.0 * self.radius
        if self.dim is None:
            return None
        return 2.0 * self.radius * self.dim ** (0.5 - 1.0 / self.p)

    def bregman_radius(self, x0):
        r""":math:`\max_{\|u\|_p \le r}\frac12\|u - x_0\|^2`: exact for
        :math:`p \in \{1, 2, \infty\}` (:math:`\frac12(r + \|x_0\|)^2` for p = 2),
        else the bound :math:`\frac12\operatorname{diam}^2`."""
        x0 = self._check_point(x0, "x0")
        r = self.radius
        if self.p == 1.0:
            return _l1_radius(x0, r)
        if self.p == 2.0:
            return 0.5 * (r + float(np.linalg.norm(x0))) ** 2
        if self.p == math.inf:
            return 0.5 * float(np.sum((r + np.abs(x0)) ** 2))
        return super().bregman_radius(x0)

    def _implements(self, op):
        if op == "bregman_radius":
            return self.p in (1.0, 2.0, math.inf) or self.diameter is not None
        return super()._implements(op)

    def _repr_fields(self):
        return {"p": self.p, "radius": self.radius, "n": self.dim}


class Box(BoxPolytope):
    r"""The box :math:`\{x : \ell \le x \le u\}`.

    LMO: :math:`s_i = \ell_i` where :math:`g_i > 0`, else :math:`u_i`.
    Projection: clipping. Mirror map: Euclidean; :meth:`with_entropy` gives
    the Fermi-Dirac entropy (:class:`~optkit.problems.geometry.BoxEntropy`).

    Parameters
    ----------
    lower, upper : float or array_like, shape (n,)
        Finite bounds with :math:`\ell \le u`; scalars need ``n``.
    n : int, optional
        Dimension when both bounds are scalars.
    """

    has_projection = True

    def __init__(self, lower, upper, n: int | None = None):
        self.lower, self.upper, self.dim = _box_bounds(lower, upper, n)


    @property
    def diameter(self):
        return float(np.linalg.norm(self.upper - self.lower))

    def bregman_radius(self, x0):
        r""":math:`\frac12\sum_i \max\{(x_{0,i} - \ell_i)^2, (u_i - x_{0,i})^2\}`."""
        x0 = self._check_point(x0, "x0")
        return 0.5 * float(np.sum(np.maximum((x0 - self.lower) ** 2, (self.upper - x0) ** 2)))

    def with_entropy(self):
        """The same box with the Fermi-Dirac entropy mirror map (:class:`~optkit.problems.geometry.BoxEntropy`)."""
        from .geometry import BoxEntropy
        return BoxEntropy(self.lower, self.upper)

    def _repr_fields(self):
        return {"n": self.dim}


class KSparsePolytope(ConvexSet):
    r"""The K-sparse polytope: convex hull of the K-sparse vectors with entries in [-r, r].

    .. math:: C = \operatorname{conv}\{x : \|x\|_0 \le K, \|x\|_\infty \le r\}
              = \{x : \|x\|_\infty \le r, \|x\|_1 \le K r\}.

    LMO: :math:`-r\,\operatorname{sign}(g_i)` on the K entries of largest
    :math:`|g_i|`, zero elsewhere, :math:`O(n)` (``argpartition``).

    Parameters
    ----------
    k : int
        :math:`K \in \{1, \dots, n\}`.
    radius : float, default 1.0
        :math:`r > 0`.
    n : int, optional
        Dimension (checked against ``k``; otherwise checked at each call).
    """

    has_projection = True

    def __init__(self, k: int, radius: float = 1.0, n: int | None = None):
        self.dim = _dimension(n, "n")
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1 or (
                self.dim is not None and k > self.dim):
            raise ValueError(f"`k` must be an integer in 1..n"
                             f"{'' if self.dim is None else f' = {self.dim}'}, got {k!r}.")
        self.k = int(k)
        self.radius = _positive(radius, "radius")

    def lmo(self, g):
        g = _as_vector(g)
        self._check_dim(g)
        if self.k > g.size:
            raise ValueError(f"`k` = {self.k} must be in 1..n; the gradient has n = {g.size}.")
        idx = np.argpartition(-np.abs(g), self.k - 1)[: self.k]
        s = np.zeros(g.size)
        s[idx] = np.where(g[idx] > 0, -self.radius, self.radius)
        return s

    def vertex_id(self, v):
        v = np.asarray(v)
        nz = np.flatnonzero(v)
        return (nz * np.where(v[nz] > 0, 1, -1)).tobytes() + nz.tobytes()

    def contains(self, x, tol=1e-9):
        x = np.asarray(x, dtype=float).reshape(-1)
        t = tol * max(1.0, self.radius)
        return bool(np.abs(x).max() <= self.radius + t
                    and np.abs(x).sum() <= self.k * self.radius + t)

    @property
    def diameter(self):
        return 2.0 * self.radius * math.sqrt(self.k)

    def project(self, x):
        r"""Projection onto :math:`\{\|u\|_\infty \le r, \|u\|_1 \le K r\}`.

        :math:`u_i = \operatorname{sign}(v_i)\operatorname{clip}(|v_i| - \theta, 0, r)`
        with :math:`\theta = 0` when the clipped point satisfies the
        :math:`\ell_1` constraint, else the root of
        :math:`\sum_i \operatorname{clip}(|v_i| - \theta, 0, r) = K r`
        (the KKT conditions; the sum is piecewise linear and decreasing in
        :math:`\theta`: bisection to locate the piece, then its exact root).
        """
        v = np.asarray(x, dtype=float).reshape(-1)
        r, cap = self.radius, self.k * self.radius
        a = np.abs(v)
        if np.minimum(a, r).sum() <= cap:
            return np.clip(v, -r, r)
        lo, hi = 0.0, float(a.max())
        for _ in range(200):                     # f(lo) > cap >= f(hi)
            mid = 0.5 * (lo + hi)
            if np.clip(a - mid, 0.0, r).sum() > cap:
                lo = mid
            else:
                hi = mid
            if hi - lo <= 1e-15 * max(1.0, hi):
                break
        # exact root on the linear piece: free entries 0 < a - theta < r
        theta = 0.5 * (lo + hi)
        free = (a - theta > 0) & (a - theta < r)
        if np.any(free):
            capped = np.count_nonzero(a - theta >= r)
            theta = (a[free].sum() + capped * r - cap) / np.count_nonzero(free)
        return np.sign(v) * np.clip(a - theta, 0.0, r)

    def bregman_radius(self, x0):
        r"""The farthest vertex: :math:`\frac12(\|x_0\|^2 + 2r\sum_{K\ \mathrm{largest}}|x_{0,i}| + K r^2)`."""
        x0 = self._check_point(x0, "x0")
        top = np.sort(np.abs(x0))[::-1][: self.k].sum()
        return 0.5 * (float(x0 @ x0) + 2.0 * self.radius * float(top)
                      + self.k * self.radius ** 2)

    def _repr_fields(self):
        return {"k": self.k, "radius": self.radius, "n": self.dim}


# -- matrix sets ------------------------------------------------------------------------
def _matrix_shape(shape, name="shape") -> tuple[int, int]:
    try:
        m, n = (int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a pair of positive integers, got {shape!r}.") from None
    if m < 1 or n < 1:
        raise ValueError(f"`{name}` must be a pair of positive integers, got {shape!r}.")
    return m, n


def _as_matrix_operator(g, shape):
    """The gradient as a (m, n) ndarray, sparse matrix or LinearOperator."""
    from scipy.sparse.linalg import LinearOperator

    if isinstance(g, LinearOperator) or sp.issparse(g):
        if tuple(g.shape) != shape:
            raise ValueError(f"the gradient `g` has shape {g.shape}; expected {shape}.")
        return g
    g = np.asarray(g, dtype=float)
    if g.size != shape[0] * shape[1]:
        raise ValueError(f"the gradient `g` has {g.size} entries; expected {shape[0]} x "
                         f"{shape[1]} = {shape[0] * shape[1]}.")
    return g.reshape(shape)


#: NuclearNormBall(svd="auto") uses a dense SVD up to this many entries
_DENSE_SVD_MAX = 4096


class NuclearNormBall(ConvexSet):
    r"""The nuclear-norm (trace-norm) ball :math:`\{X \in \mathbb{R}^{m\times n} : \|X\|_* \le r\}`.

    LMO: :math:`-r\,u_1 v_1^\top` with :math:`(u_1, v_1)` the top singular
    pair of :math:`G`, computed by Lanczos (ARPACK's ``eigsh`` on the smaller
    of :math:`G^\top G`, :math:`G G^\top`) on a dense array, a sparse
    matrix or a :class:`~scipy.sparse.linalg.LinearOperator` — never a full
    SVD, except for tiny matrices (``svd="auto"``, at most 4096 entries). The previous right singular vector warm-starts the next call.
    Iterates are flattened row-major (length ``m * n``).

    Parameters
    ----------
    radius : float
        :math:`r > 0`.
    shape : tuple of int
        :math:`(m, n)`.
    tol : float, default 1e-10
        Relative accuracy of the top eigenvalue :math:`\sigma_1^2` of
        :math:`G^\top G` (ARPACK's ``tol``).
    seed : int, default 0
        Seed of the first Lanczos start vector.
    svd : {"auto", "lanczos", "dense"}, default "auto"
        How the top pair is computed: Lanczos always, LAPACK always, or
        LAPACK only for matrices with at most 4096 entries (where it is much
        faster than ARPACK's start-up) and Lanczos above.
    """

    def __init__(self, radius: float, shape, *, tol: float = 1e-10, seed: int = 0,
                 svd: str = "auto"):
        if svd not in ("auto", "lanczos", "dense"):
            raise ValueError(f"`svd` must be 'auto', 'lanczos' or 'dense', got {svd!r}.")
        self.svd = svd
        self.radius = _positive(radius, "radius")
        self.shape = _matrix_shape(shape)
        self.dim = self.shape[0] * self.shape[1]
        self.tol = float(tol)
        self._rng = np.random.default_rng(seed)
        self._v0 = self._rng.standard_normal(min(self.shape))

    def top_singular_pair(self, g):
        """``(sigma, u, v)``: the largest singular value of the gradient and its vectors."""
        from scipy.sparse.linalg import ArpackError, LinearOperator, eigsh

        G = _as_matrix_operator(g, self.shape)
        m, n = self.shape
        if min(m, n) == 1:                      # a vector: the pair is explicit
            dense = (G @ np.ones(n)) if n == 1 else (G.T @ np.ones(m))
            if isinstance(G, LinearOperator):
                dense = G @ np.eye(n) if n == 1 else (G.T @ np.eye(m))
            vec = np.asarray(dense, dtype=float).reshape(-1)
            nrm = float(np.linalg.norm(vec))
            unit = vec / nrm if nrm > 0 else np.eye(vec.size)[0]
            return (nrm, unit, np.ones(1)) if n == 1 else (nrm, np.ones(1), unit)
        if not isinstance(G, LinearOperator) and (
                self.svd == "dense" or (self.svd == "auto" and m * n <= _DENSE_SVD_MAX)):
            # tiny matrices: LAPACK beats ARPACK's start-up cost by orders of magnitude
            dense = G.toarray() if sp.issparse(G) else G
            U, S, Vt = np.linalg.svd(dense, full_matrices=False)
            return float(S[0]), U[:, 0], Vt[0]
        # Lanczos on the smaller Gram operator G^T G (or G G^T), with plain matvecs
        # (svds' wrapper layers cost more than a sparse product at these sizes)
        if isinstance(G, LinearOperator):
            fwd, bwd = G.matvec, G.rmatvec
        else:
            GT = G.T.tocsr() if sp.issparse(G) else G.T
            fwd, bwd = G.__matmul__, GT.__matmul__
        k = min(m, n)
        if n <= m:
            gram = LinearOperator((k, k), matvec=lambda v: bwd(fwd(v)), dtype=float)
        else:
            gram = LinearOperator((k, k), matvec=lambda u: fwd(bwd(u)), dtype=float)
        v0 = self._v0 if self._v0.size == k else self._rng.standard_normal(k)
        try:
            lam, vec = eigsh(gram, k=1, which="LA", tol=self.tol, v0=v0)
        except ArpackError:
            # the start vector is in the null space: the gradient is zero (any unit
            # pair is a top pair) or the warm start was unlucky (retry at random)
            probe = self._rng.standard_normal(k)
            if not np.any(gram.matvec(probe)):
                self._v0 = probe
                return 0.0, np.eye(m)[0], np.eye(n)[0]
            lam, vec = eigsh(gram, k=1, which="LA", tol=self.tol, v0=probe)
        w = vec[:, 0]
        other = np.asarray(fwd(w) if n <= m else bwd(w), dtype=float).reshape(-1)
        sigma = float(np.linalg.norm(other))
        if sigma == 0 or not np.isfinite(sigma):
            self._v0 = self._rng.standard_normal(k)
            return 0.0, np.eye(m)[0], np.eye(n)[0]
        self._v0 = w.copy()                       # warm start of the next call
        other /= sigma
        return (sigma, other, w) if n <= m else (sigma, w, other)

    def lmo(self, g):
        _, u, v = self.top_singular_pair(g)
        return (-self.radius * np.outer(u, v)).reshape(-1)

    def contains(self, x, tol=1e-9):
        X = np.asarray(x, dtype=float).reshape(self.shape)
        if min(self.shape) > 200:
            return None                            # a full SVD: not cheap
        nuc = np.linalg.svd(X, compute_uv=False).sum()
        return bool(nuc <= self.radius + tol * max(1.0, self.radius))

    @property
    def diameter(self):
        return 2.0 * self.radius

    #: the projection takes a full SVD, O(m n min(m, n))
    has_projection = True

    def project(self, x):
        r"""Projection: a full SVD :math:`U\operatorname{diag}(\sigma)V^\top` and
        :math:`U\operatorname{diag}(\Pi_{\ell_1(r)}(\sigma))V^\top`, :math:`O(mn\min(m, n))`."""
        X = np.asarray(x, dtype=float).reshape(self.shape)
        U, S, Vt = np.linalg.svd(X, full_matrices=False)
        if S.sum() <= self.radius:
            return X.reshape(-1).copy()
        S = project_simplex(S, self.radius)
        return ((U * S) @ Vt).reshape(-1)

    def bregman_radius(self, x0):
        r"""The farthest extreme point :math:`-r u_1 v_1^\top`:
        :math:`\frac12(\|X_0\|_F^2 + 2r\sigma_1(X_0) + r^2)`."""
        X = np.asarray(x0, dtype=float).reshape(self.shape)
        sigma = np.linalg.svd(X, compute_uv=False)[0]
        return 0.5 * (float(np.sum(X * X)) + 2.0 * self.radius * float(sigma)
                      + self.radius ** 2)

    def _repr_fields(self):
        return {"radius": self.radius, "shape": self.shape}


class Spectraplex(ConvexSet):
    r"""The spectraplex :math:`\{X \in \mathbb{S}^n : X \succeq 0, \operatorname{tr} X = r\}`.

    LMO: :math:`r\,v v^\top` with :math:`v` an eigenvector of the smallest
    eigenvalue of :math:`(G + G^\top)/2` (Lanczos, ``eigsh`` with
    ``which="SA"``, for n > 64; LAPACK below). Projection: eigendecomposition
    and simplex projection of the eigenvalues, :math:`O(n^3)`.

    Parameters
    ----------
    n : int
        Matrix size; iterates are flattened n x n matrices.
    radius : float, default 1.0
        The trace :math:`r > 0`.
    """

    has_projection = True

    def __init__(self, n: int, radius: float = 1.0):
        n = _dimension(n, "n")
        if n is None:
            raise ValueError("`n` is required.")
        self.n = n
        self.shape = (n, n)
        self.dim = n * n
        self.radius = _positive(radius, "radius")

    def lmo(self, g):
        from scipy.sparse.linalg import eigsh

        G = _as_matrix_operator(g, self.shape)
        if sp.issparse(G):
            S = (G + G.T) * 0.5
        else:
            G = np.asarray(G)
            S = (G + G.T) * 0.5
        if self.n <= 64:
            dense = S.toarray() if sp.issparse(S) else S
            _, vecs = np.linalg.eigh(dense)
            v = vecs[:, 0]
        else:
            _, vecs = eigsh(S, k=1, which="SA", tol=1e-10,
                            v0=np.random.default_rng(0).standard_normal(self.n))
            v = vecs[:, 0]
        return (self.radius * np.outer(v, v)).reshape(-1)

    def project(self, x):
        X = np.asarray(x, dtype=float).reshape(self.shape)
        w, V = np.linalg.eigh((X + X.T) * 0.5)
        w = project_simplex(w, self.radius)
        return ((V * w) @ V.T).reshape(-1)

    def contains(self, x, tol=1e-9):
        X = np.asarray(x, dtype=float).reshape(self.shape)
        t = tol * max(1.0, self.radius)
        if np.abs(X - X.T).max() > t or abs(np.trace(X) - self.radius) > t:
            return False
        return bool(np.linalg.eigvalsh(X)[0] >= -t)

    @property
    def diameter(self):
        return self.radius * math.sqrt(2.0)

    def bregman_radius(self, x0):
        r"""The farthest extreme point :math:`r v v^\top`:
        :math:`\frac12(\|X_0\|_F^2 - 2r\lambda_{\min}(X_0) + r^2)`."""
        X = np.asarray(x0, dtype=float).reshape(self.shape)
        lam = np.linalg.eigvalsh((X + X.T) * 0.5)[0]
        return 0.5 * (float(np.sum(X * X)) - 2.0 * self.radius * float(lam)
                      + self.radius ** 2)

    def _repr_fields(self):
        return {"n": self.n, "radius": self.radius}


class Birkhoff(ConvexSet):
    r"""The Birkhoff polytope of doubly stochastic n x n matrices.

    .. math:: \{X \in \mathbb{R}^{n \times n}: X \ge 0, X\mathbf 1 = \mathbf 1,
              X^\top \mathbf 1 = \mathbf 1\}

    Vertices are the permutation matrices (Birkhoff-von Neumann); the LMO is
    a linear assignment problem, solved by
    :func:`scipy.optimize.linear_sum_assignment` in :math:`O(n^3)`.

    Parameters
    ----------
    n : int or tuple of int
        Matrix size, or a square shape ``(n, n)``.
    """

    def __init__(self, n):
        if isinstance(n, tuple):
            m, k = _matrix_shape(n, "n")
            if m != k:
                raise ValueError(f"Birkhoff polytope needs a square matrix; `n` = {n!r} is "
                                 "not square.")
            n = m
        n = _dimension(n, "n")
        if n is None:
            raise ValueError("`n` is required.")
        self.n = n
        self.shape = (n, n)
        self.dim = n * n

    def lmo(self, g):
        from scipy.optimize import linear_sum_assignment

        if getattr(g, "ndim", 1) == 2 and g.shape[0] != g.shape[1]:
            raise ValueError(f"Birkhoff polytope needs a square gradient; got shape {g.shape}.")
        G = _as_matrix_operator(g.toarray() if sp.issparse(g) else g, self.shape)
        rows, cols = linear_sum_assignment(G)
        S = np.zeros(self.shape)
        S[rows, cols] = 1.0
        return S.reshape(-1)

    def vertex_id(self, v):
        return np.argmax(np.asarray(v).reshape(self.shape), axis=1).tobytes()

    def contains(self, x, tol=1e-9):
        X = np.asarray(x, dtype=float).reshape(self.shape)
        return bool(X.min() >= -tol and np.abs(X.sum(0) - 1).max() <= tol
                    and np.abs(X.sum(1) - 1).max() <= tol)

    @property
    def diameter(self):
        return math.sqrt(2.0 * self.n)

    def bregman_radius(self, x0):
        r"""The farthest permutation matrix :math:`P`:
        :math:`\frac12(\|X_0\|_F^2 - 2\min_P\langle P, X_0\rangle + n)` (an assignment)."""
        from scipy.optimize import linear_sum_assignment

        X = np.asarray(x0, dtype=float).reshape(self.shape)
        rows, cols = linear_sum_assignment(X)
        return 0.5 * (float(np.sum(X * X)) - 2.0 * float(X[rows, cols].sum()) + self.n)

    def _repr_fields(self):
        return {"n": self.n}


# -- cvxpy ------------------------------------------------------------------------------
class CvxpyLMO(ConvexSet):
    r"""Any compact convex set written in cvxpy, as an LMO.

    The problem :math:`\min_{s \in C} \langle c, s\rangle` is built once with
    the cost :math:`c` a :class:`cvxpy.Parameter`, so cvxpy compiles it once
    (DPP) and each call only updates the parameter and re-solves.

    Parameters
    ----------
    variable : cvxpy.Variable
        The point (any shape; flattened row-major... as ``cp.vec`` with
        ``order="C"``).
    constraints : list of cvxpy constraints
        The set; it must be bounded (an unbounded direction raises a
        ValueError naming it).
    solver : str, optional
        A cvxpy solver name (default: cvxpy's choice).
    **solve_kwargs
        Passed to ``problem.solve``.
    """

    def __init__(self, variable, constraints, *, solver=None, **solve_kwargs):
        import cvxpy as cp

        if not isinstance(variable, cp.Variable):
            raise TypeError(f"`variable` must be a cvxpy Variable, got {type(variable).__name__}.")
        self.variable = variable
        self.dim = int(variable.size)
        self.shape = tuple(variable.shape) if len(variable.shape) == 2 else None
        self.cost = cp.Parameter(self.dim)
        flat = cp.vec(variable, order="C") if variable.ndim > 1 else variable
        self.problem = cp.Problem(cp.Minimize(self.cost @ flat), list(constraints))
        if not self.problem.is_dcp(dpp=True):
            raise ValueError("`constraints` must be DCP (convex) for CvxpyLMO.")
        self.solver = solver
        self.solve_kwargs = solve_kwargs
        self.nsolve = 0

    def lmo(self, g):
        import cvxpy as cp

        g = _as_vector(g)
        self._check_dim(g)
        self.cost.value = g
        self.nsolve += 1
        self.problem.solve(solver=self.solver, **self.solve_kwargs)
        status = self.problem.status
        if status in (cp.UNBOUNDED, cp.UNBOUNDED_INACCURATE):
            raise ValueError(
                f"CvxpyLMO: the set of variable {self.variable.name()!r} is unbounded "
                "(the linear program has no minimizer); Frank-Wolfe needs a compact set: "
                "add bounds to `constraints`.")
        if status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
            raise ValueError(f"CvxpyLMO: the solver returned status {status!r} for the set of "
                             f"variable {self.variable.name()!r}.")
        return np.asarray(self.variable.value, dtype=float).reshape(-1).copy()

    def _repr_fields(self):
        return {"variable": self.variable.name(), "dim": self.dim}


# -- wrappers ---------------------------------------------------------------------------
class FunctionLMO(ConvexSet):
    """A plain callable ``lmo(g) -> vertex`` as a :class:`ConvexSet`.

    Parameters
    ----------
    fn : callable
        ``fn(g) -> ndarray``.
    dim : int, optional
        Dimension (for the default starting vertex).
    """

    def __init__(self, fn, dim: int | None = None):
        if not callable(fn):
            raise TypeError(f"`lmo` must be a ConvexSet or a callable, got {type(fn).__name__}.")
        self.fn = fn
        self.dim = _dimension(dim, "dim")

    def lmo(self, g):
        return self.fn(g)

    def _repr_fields(self):
        return {"fn": getattr(self.fn, "__name__", self.fn)}


def as_lmo(obj) -> ConvexSet:
    """A :class:`ConvexSet` from a set or a callable ``lmo(g) -> vertex``.

    Parameters
    ----------
    obj : ConvexSet or callable
        The set.

    Returns
    -------
    ConvexSet
    """
    if isinstance(obj, ConvexSet):
        return obj
    return FunctionLMO(obj)


class _Wrapper(ConvexSet):
    """Delegates every geometry operation (and its capabilities) to ``inner``."""

    def __init__(self, inner):
        self.inner = as_lmo(inner)
        self.dim, self.shape = self.inner.dim, self.inner.shape
        self.has_projection = self.inner.has_projection
        self.norm, self.mirror = self.inner.norm, self.inner.mirror
        self.strong_convexity = self.inner.strong_convexity

    @property
    def capabilities(self):
        return self.inner.capabilities

    def project(self, x):
        return self.inner.project(x)

    def prox(self, v, step=1.0):
        return self.inner.prox(v, step)

    def mirror_step(self, x, g, step):
        return self.inner.mirror_step(x, g, step)

    def log_mirror_step(self, logx, g, step):
        return self.inner.log_mirror_step(logx, g, step)

    def bregman(self, u, x):
        return self.inner.bregman(u, x)

    def bregman_radius(self, x0):
        return self.inner.bregman_radius(x0)

    def value(self, x):
        return self.inner.value(x)

    def prox_center(self):
        return self.inner.prox_center()

    def contains(self, x, tol=1e-9):
        return self.inner.contains(x, tol)

    @property
    def diameter(self):
        return self.inner.diameter

    def vertex_id(self, v):
        return self.inner.vertex_id(v)


class CountingLMO(_Wrapper):
    """A set that counts its LMO calls in ``calls``.

    Parameters
    ----------
    inner : ConvexSet or callable
        The set.
    """

    def __init__(self, inner):
        super().__init__(inner)
        self.calls = 0

    def lmo(self, g):
        self.calls += 1
        return self.inner.lmo(g)


class CachedLMO(_Wrapper):
    r"""Lazified LMO: a cache of the vertices already returned.

    :meth:`weak_separation` first looks for a cached vertex :math:`v` with
    :math:`\langle g, x - v\rangle \ge \phi` (the best one), and calls the
    inner LMO only when none qualifies (Braun, Pokutta & Zink, "Lazifying
    conditional gradient algorithms", ICML 2017).

    Parameters
    ----------
    inner : ConvexSet or callable
        The set.
    max_size : int, optional
        Keep at most this many vertices (the oldest are evicted); None: all.
    """

    def __init__(self, inner, max_size: int | None = None):
        super().__init__(inner)
        self.max_size = _dimension(max_size, "max_size")
        self.vertices: list[np.ndarray] = []
        self._ids: dict = {}
        self.calls = 0         # calls of the inner LMO
        self.hits = 0

    def lmo(self, g):
        self.calls += 1
        s = np.asarray(self.inner.lmo(g), dtype=float).reshape(-1)
        self._add(s)
        return s

    def _add(self, s):
        key = self.inner.vertex_id(s)
        if key in self._ids:
            return
        self.vertices.append(s)
        self._ids[key] = True
        if self.max_size is not None and len(self.vertices) > self.max_size:
            old = self.vertices.pop(0)
            self._ids.pop(self.inner.vertex_id(old), None)

    def weak_separation(self, g, x, phi, dot=None):
        """``(v, from_cache)``: a cached vertex with ``<g, x - v> >= phi``, else ``LMO(g)``.

        Parameters
        ----------
        g, x : ndarray
            Gradient and current point.
        phi : float
            Acceptance threshold.
        dot : callable, optional
            ``dot(g, v)`` (default ``np.dot``; matrix gradients may need another).
        """
        dot = np.dot if dot is None else dot
        if self.vertices:
            gx = dot(g, x)
            vals = np.array([dot(g, v) for v in self.vertices])
            i = int(np.argmin(vals))
            if gx - vals[i] >= phi:
                self.hits += 1
                return self.vertices[i], True
        return self.lmo(g), False
