r"""Generalized linear model objectives: logistic, softmax and least squares.

Three regularized empirical-risk objectives over a data matrix ``X`` with
``n`` rows (samples) and ``d`` columns (features), each a
:class:`~optkit.problems.base.SmoothProblem`:

==============================  =========================================================
:class:`LogisticRegression`     binary logistic loss, labels in {-1, +1} (or {0, 1})
:class:`SoftmaxRegression`      multinomial logistic (cross-entropy) loss, labels 0..K-1
:class:`LeastSquares`           :math:`\frac{1}{2n}\|Ax - b\|^2`, scikit-learn's scaling
==============================  =========================================================

All three add the ridge term :math:`\frac{\mu}{2}\|x\|^2` and provide, beyond
the :class:`SmoothProblem` oracles (``fun``, ``grad``, ``fun_and_grad``,
``hess``, ``hessp``), the curvature models the second-order methods use:

* ``gauss_newton(x)`` / ``gauss_newton_p(x, v)``: the generalized Gauss-Newton
  matrix :math:`J^\top \nabla^2_z \ell\, J + \mu I` of the loss composed with
  the linear map :math:`z = Xw`. The map is linear, so for these models the
  GGN *is* the exact Hessian; the methods exist so that a solver can ask every
  problem for its GGN in the same way.
* ``fisher(x)`` / ``fisher_p(x, v)``: the *empirical* Fisher
  :math:`\frac1n \sum_i g_i g_i^\top + \mu I` built from the per-sample loss
  gradients :math:`g_i` at the observed labels. It is not the Hessian (nor the
  true Fisher, which for these models equals the GGN); it is the matrix that
  "natural gradient" style methods often use in practice, see Kunstner, Balles
  and Hennig, *Limitations of the empirical Fisher approximation for natural
  gradient descent*, NeurIPS 2019.
* ``lipschitz()``: an upper bound on the Lipschitz constant of the gradient
  (the largest Hessian eigenvalue over all ``x``).

Matrices can be dense ndarrays or scipy.sparse matrices/arrays; sparse data
are converted to CSR once and never densified (``X @ w`` and ``X.T @ r``
only). ``hess`` returns a dense ndarray when the problem dimension is at most
:data:`HESS_DENSE_MAX_DIM`, otherwise a
:class:`scipy.sparse.linalg.LinearOperator` that applies the Hessian through
two products with ``X``.

Caching: the product ``X @ w`` (and the quantities derived from it) of the
last point are kept, so ``fun(w)`` followed by ``grad(w)``, ``hessp(w, v)``
... at the same ``w`` pay for one product only. The cache key is a *copy* of
``w``, so mutating ``w`` in place afterwards is safe. The cache makes a
problem object unsuitable for concurrent use from several threads.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, LinearOperator, eigsh

from ._data import check_matrix as _check_matrix, check_targets as _check_targets
from .base import SmoothProblem

__all__ = [
    "HESS_DENSE_MAX_DIM",
    "LeastSquares",
    "LogisticRegression",
    "SoftmaxRegression",
    "from_libsvm",
    "GLMForm",
]

#: Largest problem dimension for which ``hess``, ``gauss_newton`` and
#: ``fisher`` return a dense ``(dim, dim)`` ndarray. Above it they return a
#: :class:`scipy.sparse.linalg.LinearOperator` (a dense 2000 x 2000 matrix is
#: 32 MB and costs one ``O(n d^2)`` product to form).
HESS_DENSE_MAX_DIM = 2000

# Relative safety factor applied to the spectral-norm estimates of lipschitz().
_NORM_SAFETY = 1e-6
# Up to this many columns, ||X||_2^2 is computed from the dense Gram matrix.
_GRAM_NORM_MAX_DIM = 32


# ---------------------------------------------------------------------------
# input validation
# ---------------------------------------------------------------------------
def _check_mu(mu):
    if isinstance(mu, (bool, np.bool_)) or not isinstance(mu, (numbers.Real, np.ndarray)):
        raise TypeError(f"`mu` must be a real number >= 0, got {type(mu).__name__}.")
    if np.ndim(mu) != 0:
        raise TypeError(f"`mu` must be a scalar, got an array of shape {np.shape(mu)}.")
    mu = float(mu)
    if not np.isfinite(mu) or mu < 0:
        raise ValueError(f"`mu` must be a finite number >= 0, got {mu!r}.")
    return mu


# ---------------------------------------------------------------------------
# linear-algebra helpers (dense ndarray or CSR, never densifying X)
# ---------------------------------------------------------------------------
def _scale_rows(X, w):
    """``diag(w) @ X`` for CSR or dense ``X`` (a new matrix)."""
    if sp.issparse(X):
        Y = X.copy()
        Y.data *= np.repeat(w, np.diff(X.indptr))
        return Y
    return X * w[:, None]


def _weighted_gram(X, w):
    """Dense ``X.T @ diag(w) @ X`` (symmetric ndarray, shape (d, d))."""
    if sp.issparse(X):
        G = (X.T @ _scale_rows(X, w)).toarray()
    elif np.all(w >= 0):
        S = X * np.sqrt(w)[:, None]
        G = S.T @ S  # NumPy recognises A.T @ A and calls BLAS syrk
    else:
        G = X.T @ (X * w[:, None])
    G += G.T
    G *= 0.5
    return G


#: A sparse X is densified for weighted Gram products when the dense product
#: (n d^2 / 2 multiply-adds, BLAS) is estimated cheaper than the sparse one
#: (sum of squared row counts, at about this many times BLAS's cost per
#: multiply-add; measured with scipy 1.17 / OpenBLAS, one thread: phishing
#: 27 ms sparse vs 3.4 ms dense, a9a 23 ms vs 37 ms).
_SPARSE_GRAM_COST_FACTOR = 20.0
#: ... and when the dense copy has at most this many entries (256 MiB).
_DENSE_GRAM_MAX_ENTRIES = 2 ** 25


def _gram_operand(X):
    """``X`` itself, or a dense copy of a sparse ``X`` when Gram products are cheaper so."""
    if not sp.issparse(X):
        return X
    n, p = X.shape
    if n * p > _DENSE_GRAM_MAX_ENTRIES:
        return X
    X = sp.csr_matrix(X)
    row_counts = np.diff(X.indptr).astype(np.float64)
    if 0.5 * n * p * p < _SPARSE_GRAM_COST_FACTOR * float(row_counts @ row_counts):
        return X.toarray()
    return X


def _kron_rows(X, P):
    """Matrix whose row i is ``kron(X[i], P[i])``: shape (n, d*K), dense or CSR."""
    n, d = X.shape
    K = P.shape[1]
    if sp.issparse(X):
        counts = np.diff(X.indptr)
        rows = np.repeat(np.arange(n), counts)
        data = (X.data[:, None] * P[rows]).ravel()
        indices = (X.indices.astype(np.int64)[:, None] * K + np.arange(K)).ravel()
        indptr = X.indptr.astype(np.int64) * K
        return sp.csr_matrix((data, indices, indptr), shape=(n, d * K))
    return (X[:, :, None] * P[:, None, :]).reshape(n, d * K)


def _gram(M):
    """Dense ``M.T @ M``."""
    if sp.issparse(M):
        G = (M.T @ M).toarray()
    else:
        G = M.T @ M
    G += G.T
    G *= 0.5
    return G


def _sq_spectral_norm_bound(X, intercept=False):
    r"""Upper bound on :math:`\|M\|_2^2` for ``M = X`` or ``M = [X, 1]``.

    Up to ``_GRAM_NORM_MAX_DIM`` columns: largest eigenvalue of the dense Gram
    matrix. Otherwise: Lanczos (ARPACK ``eigsh``, ``which="LA"``, seeded start)
    on :math:`M^\top M`, plus the residual norm of the returned Ritz pair.
    The estimate is multiplied by ``1 + 1e-6`` and capped by the two rigorous
    bounds :math:`\|M\|_F^2` and :math:`\|M\|_1 \|M\|_\infty`.
    """
    n, p = X.shape
    q = p + int(intercept)
    if sp.issparse(X):
        absX = abs(X)
        fro2 = float(X.data @ X.data)
        col1 = np.asarray(absX.sum(axis=0)).ravel()
        rowinf = np.asarray(absX.sum(axis=1)).ravel()
    else:
        fro2 = float(np.einsum("ij,ij->", X, X))
        absX = np.abs(X)
        col1 = absX.sum(axis=0)
        rowinf = absX.sum(axis=1)
    if intercept:
        fro2 += n
        col1 = np.append(col1, n)
        rowinf = rowinf + 1.0
    rigorous = min(fro2, float(col1.max() * rowinf.max()))

    if q <= _GRAM_NORM_MAX_DIM:
        G = np.empty((q, q))
        G[:p, :p] = _gram(X)
        if intercept:
            s = np.asarray(X.sum(axis=0)).ravel()
            G[:p, p] = s
            G[p, :p] = s
            G[p, p] = n
        est = float(np.linalg.eigvalsh(G)[-1])
        return min(est * (1.0 + _NORM_SAFETY), rigorous)

    XT = X.T

    def normal_matvec(v):
        v = np.ravel(v)
        t = X @ v[:p]
        if intercept:
            t += v[p]
        out = np.empty(q)
        out[:p] = XT @ t
        if intercept:
            out[p] = t.sum()
        return out

    op = LinearOperator((q, q), matvec=normal_matvec, rmatvec=normal_matvec, dtype=np.float64)
    v0 = np.random.default_rng(0).standard_normal(q)
    try:
        vals, vecs = eigsh(op, k=1, which="LA", tol=1e-10, v0=v0, maxiter=max(1000, 10 * q))
    except (ArpackNoConvergence, ArpackError):
        return rigorous
    theta = float(vals[0])
    v = vecs[:, 0] / np.linalg.norm(vecs[:, 0])
    residual = float(np.linalg.norm(normal_matvec(v) - theta * v))
    return min((theta + residual) * (1.0 + _NORM_SAFETY), rigorous)


# ---------------------------------------------------------------------------
# shared machinery
# ---------------------------------------------------------------------------
class GLMForm(NamedTuple):
    r"""What coordinate methods read of a GLM objective
    :math:`\frac1n\sum_i \ell(x_i^\top w; y_i) + \frac\mu2\|w\|^2` (see
    :meth:`LeastSquares.coordinate_form`): the loss, the data and the curvature
    bound of the loss, so that a solver asks the problem instead of testing its class.

    Attributes
    ----------
    loss : str
        ``"squared"`` (targets ``y``), ``"logistic"`` (labels in {-1, 1}) or
        ``"softmax"`` (class labels, ``n_classes`` weights per feature).
    problem : LeastSquares, LogisticRegression or SoftmaxRegression
        The problem; ``X`` (a property) is its row-wise data matrix, read only
        when used (a CSC input gets its CSR copy then), and column-wise access
        goes through its ``csc()``.
    y : ndarray
        Targets or labels.
    mu : float
        Ridge parameter (not applied to the intercept).
    n_samples : int
    fit_intercept : bool
        Whether the last parameter is an unpenalized intercept (logistic only).
    n_classes : int
        Weights per feature (softmax), else 1.
    curvature : float
        Upper bound of the loss' second derivative: 1 (squared), 1/4 (logistic,
        softmax); coordinate Lipschitz constants are ``curvature ||X_j||^2 / n + mu``.
    """

    loss: str
    problem: object
    y: np.ndarray
    mu: float
    n_samples: int
    fit_intercept: bool = False
    n_classes: int = 1
    curvature: float = 1.0

    @property
    def X(self):
        """The data matrix, row-wise (ndarray or CSR): the problem's ``X``."""
        return self.problem.X


class _LinearModel(SmoothProblem):
    """Shared code of the GLM objectives: validation, cache, Hessian dispatch."""

    def __init__(self, X, mu, *, dim, name):
        super().__init__(x0=np.zeros(dim), f_star=None, name=name)
        # a CSC input is kept: coordinate methods read its columns, and the CSR copy
        # for row-wise products is made only when one is needed
        if sp.issparse(X) and X.format == "csc":
            self._csc, self._csr = X, None
        else:
            self._csc, self._csr = None, X
        self._XT_view = None
        self._n, self._p = X.shape
        self._mu = mu
        self._dim = dim
        self._key = None
        self._state = None
        self._lipschitz = None
        self._gram_X = None

    @property
    def _X(self):
        """X for row-wise products: ndarray or CSR (built on first use from a CSC input)."""
        if self._csr is None:
            self._csr = self._csc.tocsr()
        return self._csr

    @_X.setter
    def _X(self, X):
        # replacing the row-wise operand (tests wrap it in counters); X' keeps its view
        self._XT  # noqa: B018 -- bind X' to the current data first
        self._csr = X

    @property
    def _XT(self):
        """X' without a copy (CSC -> CSR view or CSR -> CSC view); reused to skip re-wrapping."""
        if self._XT_view is None:
            self._XT_view = self._csc.T if self._csc is not None else self._X.T
        return self._XT_view

    def csc(self):
        """Sparse X as float64 CSC (the input itself if it was CSC; else a cached copy)."""
        if not self.is_sparse:
            raise ValueError("csc() needs a sparse data matrix.")
        if self._csc is None:
            self._csc = self._csr.tocsc()
        return self._csc

    @property
    def has_row_copy(self):
        """Whether X is already held row-wise (ndarray or CSR): False for a CSC input
        until a row-wise product first needs its CSR copy (coordinate methods charge
        that copy to the first Gram build)."""
        return self._csr is not None

    @property
    def _X_for_gram(self):
        """The data matrix in the storage fastest for weighted Gram products (cached)."""
        if self._gram_X is None:
            self._gram_X = _gram_operand(self._X)
        return self._gram_X

    # -- attributes ----------------------------------------------------------
    @property
    def X(self):
        """The data matrix (float64 ndarray or CSR), shape (n_samples, n_features)."""
        return self._X

    @property
    def mu(self):
        """The ridge parameter :math:`\\mu \\ge 0`."""
        return self._mu

    @property
    def n_samples(self):
        """Number of samples ``n`` (rows of the data matrix)."""
        return self._n

    @property
    def n_features(self):
        """Number of features ``d`` (columns of the data matrix)."""
        return self._p

    @property
    def dim(self):
        """Length of the parameter vector ``x``."""
        return self._dim

    @property
    def is_sparse(self):
        """Whether the data matrix is a scipy.sparse matrix (CSR, or a CSC input)."""
        return self._csc is not None or sp.issparse(self._csr)

    # -- helpers -------------------------------------------------------------
    def _vec(self, x, name="x"):
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self._dim,):
            raise ValueError(
                f"`{name}` must be a 1-D array of length {self._dim} (the problem's `dim`), "
                f"got shape {x.shape}."
            )
        return x

    def _at(self, x):
        """State (dict of arrays derived from ``X @ x``) at ``x``, cached."""
        key = self._key
        if key is not None and (key == x).all():
            return self._state
        state = self._compute_state(x)
        self._key = x.copy()  # copy: the caller may mutate x in place afterwards
        self._state = state
        return state

    def _operator(self, apply, state):
        def matvec(v):
            return apply(state, np.ravel(np.asarray(v, dtype=np.float64)))

        return LinearOperator((self._dim, self._dim), matvec=matvec, rmatvec=matvec,
                              dtype=np.float64)

    def _curvature(self, x, dense, apply):
        x = self._vec(x)
        state = self._at(x)
        if self._dim <= HESS_DENSE_MAX_DIM:
            return dense(state)
        return self._operator(apply, state)

    # -- oracles -------------------------------------------------------------
    def fun(self, x):
        x = self._vec(x)
        return self._f_at(x, self._at(x))

    def grad(self, x):
        x = self._vec(x)
        return self._g_at(x, self._at(x))

    def fun_and_grad(self, x):
        x = self._vec(x)
        state = self._at(x)
        return self._f_at(x, state), self._g_at(x, state)

    def hess(self, x):
        return self._curvature(x, self._hess_dense, self._hess_apply)

    def hessp(self, x, v):
        x = self._vec(x)
        v = self._vec(v, "v")
        return self._hess_apply(self._at(x), v)

    def gauss_newton(self, x):
        """Generalized Gauss-Newton matrix at ``x`` (equal to :meth:`hess` here).

        Returns an ndarray ``(dim, dim)`` when ``dim <= HESS_DENSE_MAX_DIM``,
        otherwise a :class:`~scipy.sparse.linalg.LinearOperator`.
        """
        return self.hess(x)

    def gauss_newton_p(self, x, v):
        """Generalized Gauss-Newton matrix times ``v`` (equal to :meth:`hessp` here)."""
        return self.hessp(x, v)

    def fisher(self, x):
        """Empirical Fisher matrix :math:`\\frac1n\\sum_i g_i g_i^\\top + \\mu I` at ``x``.

        Returns an ndarray ``(dim, dim)`` when ``dim <= HESS_DENSE_MAX_DIM``,
        otherwise a :class:`~scipy.sparse.linalg.LinearOperator`.
        """
        return self._curvature(x, self._fisher_dense, self._fisher_apply)

    def fisher_p(self, x, v):
        """Empirical Fisher matrix at ``x`` times ``v``."""
        x = self._vec(x)
        v = self._vec(v, "v")
        return self._fisher_apply(self._at(x), v)

    def lipschitz(self):
        """Upper bound on the Lipschitz constant of :meth:`grad` (computed once)."""
        if self._lipschitz is None:
            self._lipschitz = self._lipschitz_bound()
        return self._lipschitz


# ---------------------------------------------------------------------------
# logistic regression
# ---------------------------------------------------------------------------
class LogisticRegression(_LinearModel):
    r"""L2-regularized binary logistic regression.

    .. math::

        f(w) = \frac{1}{n} \sum_{i=1}^{n} \log\bigl(1 + \exp(-y_i \langle x_i, w\rangle)\bigr)
               + \frac{\mu}{2} \|w\|^2, \qquad y_i \in \{-1, +1\}.

    With ``fit_intercept=True`` the parameter vector is ``x = (w, b)`` of
    length ``n_features + 1``: the margins are :math:`y_i(\langle x_i, w\rangle + b)`
    and the *last* coordinate ``b`` is an intercept that is **not** penalized
    (the ridge term is :math:`\frac{\mu}{2}\|w\|^2`, as in scikit-learn).

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix, shape (n_samples, n_features)
        Data; sparse input is converted once to float64 CSR and never densified.
    y : array_like, shape (n_samples,)
        Labels in {-1, +1}; labels in {0, 1} are accepted and 0 is mapped to -1.
    mu : float, default 0.0
        Ridge parameter :math:`\mu \ge 0`.
    fit_intercept : bool, default False
        Append an unpenalized intercept as the last coordinate.
    name : str, optional
        A short name for tables and plots.

    Attributes
    ----------
    y : ndarray, shape (n_samples,)
        The labels as float64 values in {-1, +1}.
    dim : int
        ``n_features + fit_intercept``.

    Notes
    -----
    Numerics: with margins :math:`m_i = y_i z_i`, the loss is evaluated as
    :math:`\max(-m, 0) + \operatorname{log1p}(e^{-|m|})` and the sigmoid as
    :math:`e^{-|m|}/(1+e^{-|m|})` or :math:`1/(1+e^{-|m|})`, one exponential per
    sample and no overflow for any margin.

    Cost per call, with :math:`\mathrm{nnz}` the number of stored entries of
    ``X`` (``n d`` when dense): ``fun`` one product ``X @ w`` plus ``O(n)``;
    ``grad`` / ``fun_and_grad`` one more product ``X.T @ r``; ``hessp`` two
    products (``X @ v``, ``X.T @ t``); ``hess`` (dense) ``O(n d^2)`` dense or
    :math:`O(\sum_i \mathrm{nnz}_i^2)` sparse. A call at the point of the
    previous call reuses ``X @ w``. ``lipschitz`` is computed once (see
    :meth:`lipschitz`).

    The Hessian is :math:`\frac1n X^\top D X + \mu I` with
    :math:`D = \operatorname{diag}(\sigma(m_i)\sigma(-m_i))`; the empirical
    Fisher replaces the weights by :math:`\sigma(-m_i)^2`, the squared
    per-sample loss derivatives.

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems.glm import LogisticRegression
    >>> X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -1.0]])
    >>> prob = LogisticRegression(X, [1, -1, 1], mu=0.1)
    >>> round(prob.fun(np.zeros(2)), 6)  # log(2) at w = 0
    0.693147
    >>> prob.grad(np.zeros(2)).shape
    (2,)
    """

    def __init__(self, X, y, mu=0.0, fit_intercept=False, *, name=None, _validated=False):
        if not _validated:                # X checked by the caller (L1LogisticRegression)
            X = _check_matrix(X, "X", keep_csc=True)
        y = _check_targets(y, "y", X.shape[0], "X")
        values = np.unique(y)
        if np.isin(values, (-1, 1)).all():
            y = np.array(y, dtype=np.float64)  # a copy: later edits of the caller's y don't leak in
        elif np.isin(values, (0, 1)).all():
            y = np.where(y == 0, -1.0, 1.0)
        else:
            shown = ", ".join(f"{v:g}" for v in values[:6]) + (", ..." if values.size > 6 else "")
            raise ValueError(
                "`y` must be binary with labels in {-1, +1} (or {0, 1}, mapped to -1/+1); "
                f"got values {{{shown}}}."
            )
        mu = _check_mu(mu)
        self.fit_intercept = bool(fit_intercept)
        n, p = X.shape
        super().__init__(X, mu, dim=p + int(self.fit_intercept),
                         name=name or f"logistic(n={n}, d={p}, mu={mu:g})")
        self._y = y

    @property
    def y(self):
        """Labels as float64 values in {-1, +1}, shape (n_samples,)."""
        return self._y

    def coordinate_form(self):
        """The loss and data for coordinate methods (a :class:`GLMForm`)."""
        return GLMForm("logistic", self, self._y, self._mu, self._n,
                       fit_intercept=self.fit_intercept, curvature=0.25)

    # -- state at a point ------------------------------------------------------
    def _linear(self, v):
        """``X @ v[:p] (+ v[p])``."""
        p = self._p
        if self.fit_intercept:
            z = self._X @ v[:p]
            z += v[p]
            return z
        return self._X @ v

    def _compute_state(self, w):
        m = self._linear(w)
        m *= self._y  # margins y_i z_i
        e = np.abs(m)
        np.negative(e, out=e)
        np.exp(e, out=e)  # e = exp(-|m|) in (0, 1]
        u = e + 1.0
        return {"m": m, "e": e, "u": u}

    @staticmethod
    def _sigmoid_neg(state):
        """sigma(-m) = 1 / (1 + exp(m)), computed without overflow."""
        s = state.get("s")
        if s is None:
            m, e, u = state["m"], state["e"], state["u"]
            s = np.where(m < 0.0, 1.0, e)
            s /= u
            state["s"] = s
        return s

    def _penalty(self, w):
        ww = w[: self._p]
        return 0.5 * self._mu * float(ww @ ww) if self._mu else 0.0

    def _f_at(self, w, state):
        total = float(np.log1p(state["e"]).sum()) - float(np.minimum(state["m"], 0.0).sum())
        return total / self._n + self._penalty(w)

    def _g_at(self, w, state):
        r = state.get("r")
        if r is None:
            r = self._sigmoid_neg(state) * self._y
            r *= -1.0 / self._n  # d/dz of the mean loss
            state["r"] = r
        p, mu = self._p, self._mu
        if not self.fit_intercept:
            g = self._XT @ r
            if mu:
                g += mu * w
            return g
        g = np.empty(self._dim)
        g[:p] = self._XT @ r
        if mu:
            g[:p] += mu * w[:p]
        g[p] = r.sum()
        return g

    def _hess_weights(self, state):
        h = state.get("h")
        if h is None:
            h = state["e"] / state["u"] ** 2  # sigma(m) sigma(-m)
            h *= 1.0 / self._n
            state["h"] = h
        return h

    def _fisher_weights(self, state):
        f = state.get("f")
        if f is None:
            s = self._sigmoid_neg(state)
            f = s * s
            f *= 1.0 / self._n
            state["f"] = f
        return f

    # -- M^T diag(c) M with M = X or [X, 1], plus the ridge term ---------------
    def _sandwich_dense(self, c):
        p = self._p
        if not self.fit_intercept:
            H = _weighted_gram(self._X_for_gram, c)
            H[np.diag_indices(p)] += self._mu
            return H
        H = np.empty((p + 1, p + 1))
        H[:p, :p] = _weighted_gram(self._X_for_gram, c)
        H[np.diag_indices(p)] += self._mu
        col = self._XT @ c
        H[:p, p] = col
        H[p, :p] = col
        H[p, p] = c.sum()
        return H

    def _sandwich_apply(self, c, v):
        p, mu = self._p, self._mu
        t = self._linear(v)
        t *= c
        if not self.fit_intercept:
            out = self._XT @ t
            if mu:
                out += mu * v
            return out
        out = np.empty(self._dim)
        out[:p] = self._XT @ t
        if mu:
            out[:p] += mu * v[:p]
        out[p] = t.sum()
        return out

    def _hess_dense(self, state):
        return self._sandwich_dense(self._hess_weights(state))

    def _hess_apply(self, state, v):
        return self._sandwich_apply(self._hess_weights(state), v)

    def _fisher_dense(self, state):
        return self._sandwich_dense(self._fisher_weights(state))

    def _fisher_apply(self, state, v):
        return self._sandwich_apply(self._fisher_weights(state), v)

    def _lipschitz_bound(self):
        return 0.25 * _sq_spectral_norm_bound(self._X, self.fit_intercept) / self._n + self._mu

    # -- documented overrides ---------------------------------------------------
    def fun(self, x):
        """Objective value at ``x`` (shape ``(dim,)``), a float."""
        return super().fun(x)

    def grad(self, x):
        """Gradient at ``x``, ndarray of shape ``(dim,)``."""
        return super().grad(x)

    def fun_and_grad(self, x):
        """``(fun(x), grad(x))`` sharing the product ``X @ w``."""
        return super().fun_and_grad(x)

    def hess(self, x):
        """Hessian :math:`\\frac1n M^\\top D M + \\mu P` at ``x``.

        ``M`` is ``X`` (or ``[X, 1]`` with an intercept) and ``P`` the identity
        on the penalized coordinates. Dense ndarray ``(dim, dim)`` when
        ``dim <= HESS_DENSE_MAX_DIM``, else a LinearOperator.
        """
        return super().hess(x)

    def hessp(self, x, v):
        """Hessian at ``x`` times ``v`` (two products with ``X``)."""
        return super().hessp(x, v)

    def lipschitz(self):
        r"""Upper bound on the gradient's Lipschitz constant.

        :math:`L = \frac{\|M\|_2^2}{4n} + \mu`, since :math:`\sigma(1-\sigma)
        \le 1/4`. :math:`\|M\|_2^2` is the largest eigenvalue of the Gram
        matrix when ``dim <= 32``, otherwise a Lanczos (ARPACK ``eigsh``)
        estimate plus its residual norm; either is multiplied by ``1 + 1e-6``
        and capped by the rigorous bounds :math:`\|M\|_F^2` and
        :math:`\|M\|_1\|M\|_\infty`. The bound is attained at ``w = 0``.
        """
        return super().lipschitz()


# ---------------------------------------------------------------------------
# softmax (multinomial logistic) regression
# ---------------------------------------------------------------------------
class SoftmaxRegression(_LinearModel):
    r"""L2-regularized multinomial logistic (softmax) regression.

    .. math::

        f(W) = \frac{1}{n} \sum_{i=1}^{n} \Bigl(\log \sum_{k=0}^{K-1}
               e^{\langle x_i, W_{:,k}\rangle} - \langle x_i, W_{:, Y_i}\rangle\Bigr)
               + \frac{\mu}{2} \|W\|_F^2 .

    The parameter vector is ``x = W.ravel()`` for ``W`` of shape
    ``(n_features, n_classes)``: row-major, so ``W = x.reshape(d, K)`` and the
    ``K`` class weights of one feature are contiguous. (scikit-learn's
    ``coef_`` is ``W.T``.) The model is over-parametrized (adding the same
    vector to every column leaves the loss unchanged); with ``mu > 0`` the
    minimizer is unique and its columns sum to zero.

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix, shape (n_samples, n_features)
        Data; sparse input is converted once to float64 CSR and never densified.
    Y : array_like of int, shape (n_samples,)
        Class labels in ``0 .. n_classes - 1``.
    mu : float, default 0.0
        Ridge parameter :math:`\mu \ge 0`.
    n_classes : int, optional
        Number of classes ``K``; defaults to ``Y.max() + 1``. Must be >= 2.
    name : str, optional
        A short name for tables and plots.

    Notes
    -----
    Numerics: log-sum-exp with the row maximum subtracted, so no overflow.

    Cost per call (:math:`\mathrm{nnz}` stored entries of ``X``): ``fun`` one
    product ``X @ W`` (:math:`O(K\,\mathrm{nnz})`) plus ``n K`` exponentials;
    ``grad`` one more product ``X.T @ R``; ``hessp`` two products. The dense
    Hessian (``d K <= HESS_DENSE_MAX_DIM``) costs :math:`O(n (dK)^2)` for
    dense ``X``. The Hessian is
    :math:`\frac1n\sum_i (x_i x_i^\top) \otimes (\operatorname{diag}(p_i) - p_i p_i^\top) + \mu I`
    (Kronecker order matching the row-major layout), and the empirical Fisher
    :math:`\frac1n\sum_i (x_i x_i^\top) \otimes (q_i q_i^\top) + \mu I` with
    :math:`q_i = p_i - e_{Y_i}`.

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems.glm import SoftmaxRegression
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> prob = SoftmaxRegression(X, [0, 1, 2], mu=0.1)
    >>> prob.dim  # d * K
    6
    >>> round(prob.fun(np.zeros(6)), 6)  # log(3) at W = 0
    1.098612
    """

    def __init__(self, X, Y, mu=0.0, *, n_classes=None, name=None):
        X = _check_matrix(X, "X", keep_csc=True)
        Y = _check_targets(Y, "Y", X.shape[0], "X")
        if Y.dtype.kind == "f":
            if not np.array_equal(Y, np.round(Y)):
                raise ValueError("`Y` must hold integer class labels 0..K-1, got non-integer values.")
        Y = Y.astype(np.int64)
        if Y.min() < 0:
            raise ValueError(f"`Y` labels must be in 0..K-1, got the negative label {Y.min()}.")
        if n_classes is None:
            K = int(Y.max()) + 1
        else:
            if isinstance(n_classes, (bool, np.bool_)) or not isinstance(n_classes, numbers.Integral):
                raise TypeError(f"`n_classes` must be an integer, got {type(n_classes).__name__}.")
            K = int(n_classes)
            if Y.max() >= K:
                raise ValueError(
                    f"`Y` labels must be in 0..{K - 1} (n_classes={K}), got the label {Y.max()}."
                )
        if K < 2:
            raise ValueError(f"SoftmaxRegression needs at least 2 classes, got n_classes={K}.")
        mu = _check_mu(mu)
        n, p = X.shape
        super().__init__(X, mu, dim=p * K,
                         name=name or f"softmax(n={n}, d={p}, K={K}, mu={mu:g})")
        self._Y = Y
        self._K = K
        self._rows = np.arange(n)

    @property
    def Y(self):
        """Class labels, int64 array of shape (n_samples,)."""
        return self._Y

    @property
    def n_classes(self):
        """Number of classes ``K``."""
        return self._K

    def coordinate_form(self):
        """The loss and data for coordinate methods (a :class:`GLMForm`)."""
        return GLMForm("softmax", self, self._Y, self._mu, self._n, n_classes=self._K,
                       curvature=0.25)

    def _W(self, x):
        return x.reshape(self._p, self._K)

    def _compute_state(self, x):
        Z = np.asarray(self._X @ self._W(x))
        zmax = Z.max(axis=1)
        E = Z - zmax[:, None]
        np.exp(E, out=E)
        S = E.sum(axis=1)
        P = E
        P /= S[:, None]
        lse = np.log(S)
        lse += zmax
        return {"lse": lse, "zy": Z[self._rows, self._Y], "P": P}

    def _f_at(self, x, state):
        val = float((state["lse"] - state["zy"]).sum()) / self._n
        if self._mu:
            val += 0.5 * self._mu * float(x @ x)
        return val

    def _residual(self, state):
        Q = state.get("Q")
        if Q is None:
            Q = state["P"].copy()
            Q[self._rows, self._Y] -= 1.0
            state["Q"] = Q
        return Q

    def _g_at(self, x, state):
        G = np.asarray(self._XT @ self._residual(state))
        G *= 1.0 / self._n
        if self._mu:
            G += self._mu * self._W(x)
        return G.ravel()

    def _hess_apply(self, state, v):
        P = state["P"]
        V = self._W(v)
        U = np.asarray(self._X @ V)
        U *= P
        U -= P * U.sum(axis=1, keepdims=True)
        out = np.asarray(self._XT @ U)
        out *= 1.0 / self._n
        if self._mu:
            out += self._mu * V
        return out.ravel()

    def _hess_dense(self, state):
        P = state["P"]
        p, K, n = self._p, self._K, self._n
        H = -_gram(_kron_rows(self._X, P))
        H4 = H.reshape(p, K, p, K)
        for k in range(K):
            H4[:, k, :, k] += _weighted_gram(self._X_for_gram, P[:, k])
        H *= 1.0 / n
        H[np.diag_indices(p * K)] += self._mu
        return H

    def _fisher_apply(self, state, v):
        Q = self._residual(state)
        V = self._W(v)
        U = np.asarray(self._X @ V)
        s = np.einsum("ik,ik->i", Q, U)
        out = np.asarray(self._XT @ (Q * s[:, None]))
        out *= 1.0 / self._n
        if self._mu:
            out += self._mu * V
        return out.ravel()

    def _fisher_dense(self, state):
        F = _gram(_kron_rows(self._X, self._residual(state)))
        F *= 1.0 / self._n
        F[np.diag_indices(self._dim)] += self._mu
        return F

    def _lipschitz_bound(self):
        return 0.5 * _sq_spectral_norm_bound(self._X) / self._n + self._mu

    # -- documented overrides ---------------------------------------------------
    def fun(self, x):
        """Objective value at ``x = W.ravel()`` (shape ``(d*K,)``), a float."""
        return super().fun(x)

    def grad(self, x):
        """Gradient at ``x``, shape ``(d*K,)``, same row-major layout as ``x``."""
        return super().grad(x)

    def fun_and_grad(self, x):
        """``(fun(x), grad(x))`` sharing the product ``X @ W``."""
        return super().fun_and_grad(x)

    def hess(self, x):
        """Hessian at ``x``: ndarray ``(d*K, d*K)`` when ``d*K <= HESS_DENSE_MAX_DIM``,
        else a LinearOperator."""
        return super().hess(x)

    def hessp(self, x, v):
        """Hessian at ``x`` times ``v`` (two products with ``X``)."""
        return super().hessp(x, v)

    def lipschitz(self):
        r"""Upper bound on the gradient's Lipschitz constant.

        :math:`L = \frac{\|X\|_2^2}{2n} + \mu`, from Böhning's bound
        :math:`\operatorname{diag}(p) - p p^\top \preceq \frac12 (I - \frac1K \mathbf 1 \mathbf 1^\top)
        \preceq \frac12 I` (D. Böhning, *Multinomial logistic regression
        algorithm*, Ann. Inst. Statist. Math. 44(1), 197-200, 1992).
        :math:`\|X\|_2^2` is computed as in :meth:`LogisticRegression.lipschitz`.
        """
        return super().lipschitz()


# ---------------------------------------------------------------------------
# least squares
# ---------------------------------------------------------------------------
class LeastSquares(_LinearModel):
    r"""Ridge-regularized linear least squares.

    .. math::

        f(x) = \frac{1}{2n} \|A x - b\|^2 + \frac{\mu}{2} \|x\|^2 .

    The data term is scaled by :math:`1/(2n)` (the mean of half squared
    residuals), scikit-learn's convention for ``Ridge``/``Lasso`` objectives,
    so ``mu`` means the same thing whatever the number of samples.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n_samples, n_features)
        Design matrix; sparse input is converted once to float64 CSR.
    b : array_like, shape (n_samples,)
        Targets.
    mu : float, default 0.0
        Ridge parameter :math:`\mu \ge 0`.
    name : str, optional
        A short name for tables and plots.

    Notes
    -----
    Cost per call: ``fun`` one product ``A @ x``; ``grad`` / ``fun_and_grad``
    one more product ``A.T @ r``; ``hessp`` two products. The Hessian
    :math:`\frac1n A^\top A + \mu I` does not depend on ``x``: its dense form is
    formed once (:math:`O(n d^2)`) and a copy returned by each ``hess`` call.
    The empirical Fisher is :math:`\frac1n A^\top \operatorname{diag}(r_i^2) A + \mu I`
    with residuals :math:`r = Ax - b`.

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems.glm import LeastSquares
    >>> A = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> prob = LeastSquares(A, [1.0, 2.0, 2.0])
    >>> float(prob.fun(np.array([1.0, 1.0])))
    0.0
    >>> prob.hess(np.zeros(2))
    array([[0.66666667, 0.33333333],
           [0.33333333, 1.66666667]])
    """

    def __init__(self, A, b, mu=0.0, *, name=None, _validated=False):
        # _validated: A and b come from a constructor that checked them (Lasso, ...)
        if not _validated:
            A = _check_matrix(A, "A", keep_csc=True)
            b = _check_targets(b, "b", A.shape[0], "A").astype(np.float64)
        mu = _check_mu(mu)
        n, p = A.shape
        super().__init__(A, mu, dim=p, name=name or f"least-squares(n={n}, d={p}, mu={mu:g})")
        self._b = b
        self._gram_n = None

    @property
    def A(self):
        """The design matrix (alias of ``X``)."""
        return self._X

    @property
    def b(self):
        """Targets, float64 array of shape (n_samples,)."""
        return self._b

    def coordinate_form(self):
        """The loss and data for coordinate methods (a :class:`GLMForm`)."""
        return GLMForm("squared", self, self._b, self._mu, self._n)

    def _compute_state(self, x):
        r = np.asarray(self._X @ x)
        r -= self._b
        return {"r": r}

    def _f_at(self, x, state):
        r = state["r"]
        val = 0.5 * float(r @ r) / self._n
        if self._mu:
            val += 0.5 * self._mu * float(x @ x)
        return val

    def _g_at(self, x, state):
        g = self._XT @ (state["r"] * (1.0 / self._n))
        if self._mu:
            g += self._mu * x
        return g

    def _hess_apply(self, state, v):
        t = self._X @ v
        t *= 1.0 / self._n
        out = self._XT @ t
        if self._mu:
            out += self._mu * v
        return out

    def _hess_dense(self, state):
        if self._gram_n is None:
            self._gram_n = _weighted_gram(self._X_for_gram, np.full(self._n, 1.0 / self._n))
        H = self._gram_n.copy()
        H[np.diag_indices(self._p)] += self._mu
        return H

    def _fisher_weights(self, state):
        f = state.get("f")
        if f is None:
            f = state["r"] ** 2
            f *= 1.0 / self._n
            state["f"] = f
        return f

    def _fisher_apply(self, state, v):
        t = self._X @ v
        t *= self._fisher_weights(state)
        out = self._XT @ t
        if self._mu:
            out += self._mu * v
        return out

    def _fisher_dense(self, state):
        F = _weighted_gram(self._X_for_gram, self._fisher_weights(state))
        F[np.diag_indices(self._p)] += self._mu
        return F

    def _lipschitz_bound(self):
        return _sq_spectral_norm_bound(self._X) / self._n + self._mu

    # -- documented overrides ---------------------------------------------------
    def fun(self, x):
        """Objective value at ``x`` (shape ``(n_features,)``), a float."""
        return super().fun(x)

    def grad(self, x):
        """Gradient :math:`\\frac1n A^\\top(Ax - b) + \\mu x`, shape ``(n_features,)``."""
        return super().grad(x)

    def fun_and_grad(self, x):
        """``(fun(x), grad(x))`` sharing the product ``A @ x``."""
        return super().fun_and_grad(x)

    def hess(self, x):
        """Hessian :math:`\\frac1n A^\\top A + \\mu I` (independent of ``x``)."""
        return super().hess(x)

    def hessp(self, x, v):
        """Hessian times ``v`` (two products with ``A``)."""
        return super().hessp(x, v)

    def lipschitz(self):
        r"""Upper bound on the gradient's Lipschitz constant, :math:`\|A\|_2^2/n + \mu`.

        This is the largest Hessian eigenvalue up to the safety factor
        ``1 + 1e-6``; :math:`\|A\|_2^2` is computed as in
        :meth:`LogisticRegression.lipschitz`.
        """
        return super().lipschitz()


# ---------------------------------------------------------------------------
# LIBSVM front door
# ---------------------------------------------------------------------------
_KINDS = ("logistic", "softmax", "least_squares")


def from_libsvm(name, mu, *, kind="logistic", data_dir=None, fit_intercept=False):
    """Build a GLM objective from a LIBSVM data set.

    Parameters
    ----------
    name : str
        Data set name known to :func:`optkit.problems.libsvm.load` (``"a9a"``,
        ``"mushrooms"``, ``"abalone_scale"``...).
    mu : float
        Ridge parameter :math:`\\mu \\ge 0`.
    kind : {"logistic", "softmax", "least_squares"}, default "logistic"
        ``"logistic"`` needs binary labels (-1/+1 or 0/1); ``"softmax"`` maps
        the sorted distinct labels to ``0..K-1``; ``"least_squares"`` uses the
        labels as real targets.
    data_dir : str or path, optional
        Directory holding the LIBSVM files, passed to the loader; by default
        the loader's search order applies (``$OPTKIT_DATA_DIR``, the user
        cache, then a download).
    fit_intercept : bool, default False
        Only for ``kind="logistic"``: add an unpenalized intercept.

    Returns
    -------
    LogisticRegression or SoftmaxRegression or LeastSquares

    Examples
    --------
    >>> from optkit.problems.glm import from_libsvm
    >>> prob = from_libsvm("a9a", mu=1e-4)          # doctest: +SKIP
    >>> prob.n_samples, prob.n_features             # doctest: +SKIP
    (32561, 123)
    """
    if kind not in _KINDS:
        raise ValueError(f"`kind` must be one of {_KINDS}, got {kind!r}.")
    if fit_intercept and kind != "logistic":
        raise ValueError("`fit_intercept` is only supported with kind='logistic'.")
    mu = _check_mu(mu)
    from . import libsvm  # imported lazily: optional I/O machinery

    if data_dir is None:
        X, y = libsvm.load(name)
    else:
        X, y = libsvm.load(name, data_dir=data_dir)
    label = f"{name}(mu={mu:g})"
    if kind == "logistic":
        return LogisticRegression(X, y, mu, fit_intercept=fit_intercept, name=f"logistic:{label}")
    if kind == "softmax":
        _, Y = np.unique(np.asarray(y), return_inverse=True)
        return SoftmaxRegression(X, Y.ravel(), mu, name=f"softmax:{label}")
    return LeastSquares(X, y, mu, name=f"least-squares:{label}")

