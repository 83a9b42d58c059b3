r"""scikit-learn style front door of the low-rank family: :class:`MatrixCompleter`.

``MatrixCompleter(rank=5).fit_transform(X)`` fills the missing entries of
``X`` (NaN in a dense array; the entries not stored in a scipy.sparse matrix)
with a rank-``rank`` completion, like fancyimpute's ``SoftImpute`` or
``IterativeSVD`` and scikit-learn's imputers. Underneath is
``optkit.minimize(LowRankProblem.completion(...), method=...)``.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

try:
    from sklearn.utils.validation import validate_data
except ImportError:                 # scikit-learn < 1.6: the estimator's own method
    def validate_data(estimator, X, reset=True, **kwargs):
        kwargs["force_all_finite"] = kwargs.pop("ensure_all_finite")
        return estimator._validate_data(X, reset=reset, **kwargs)

__all__ = ["MatrixCompleter"]

_METHODS = ("altmin", "als", "soft-impute", "scaled-gd", "lowrank-gd")


class MatrixCompleter(TransformerMixin, BaseEstimator):
    r"""Low-rank matrix completion as a scikit-learn transformer.

    ``fit`` learns factors :math:`X \approx UV^T` from the observed entries
    of the training matrix (rows: samples); ``transform`` keeps the observed
    entries of its input and fills the missing ones from the model: each row
    :math:`x` gets its own coefficients :math:`u = \arg\min_u \sum_{j
    \text{ observed}} (u^TV_j - x_j)^2 + \epsilon\|u\|^2` (a fold-in with the
    learned :math:`V`), so new rows can be completed and ``transform`` of a
    subset of rows is the subset of the transform.

    Parameters
    ----------
    rank : int, default 5
        Rank of the completion (clipped to ``min(n_samples, n_features)``).
    method : str, default "altmin"
        One of ``"altmin"``, ``"als"``, ``"soft-impute"``, ``"scaled-gd"``,
        ``"lowrank-gd"`` (see :func:`optkit.show_options`).
    tol : float, default 1e-8
        Stop when the relative change of :math:`UV^T` is below it.
    max_iter : int, default 500
    options : dict, optional
        Method options passed to :func:`optkit.minimize`.
    fold_in_reg : float, default 1e-10
        Relative ridge :math:`\epsilon` (times the mean squared column norm
        of ``V``) of the fold-in least squares; keeps rows with fewer
        observed entries than the rank well defined.
    random_state : int, default 0
        Seed of the method's initialization.

    Attributes
    ----------
    components_ : ndarray (rank_, n_features)
        :math:`V^T`.
    rank_ : int
        The rank used.
    result_ : OptimizeResult
        The fit's result (status, iterations, trace).
    n_iter_ : int
        Iterations of the fit.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.lowrank import MatrixCompleter
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 3)) @ rng.standard_normal((3, 30))
    >>> X_missing = np.where(rng.random(X.shape) < 0.4, np.nan, X)
    >>> X_filled = MatrixCompleter(rank=3).fit_transform(X_missing)
    >>> bool(np.abs(X_filled - X).max() < 1e-6)
    True
    """

    def __init__(self, rank=5, method="altmin", tol=1e-8, max_iter=500, options=None,
                 fold_in_reg=1e-10, random_state=0):
        self.rank = rank
        self.method = method
        self.tol = tol
        self.max_iter = max_iter
        self.options = options
        self.fold_in_reg = fold_in_reg
        self.random_state = random_state

    def _more_tags(self):           # scikit-learn < 1.6
        return {"allow_nan": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True
        return tags

    # -- input --------------------------------------------------------------------
    def _observed(self, X, reset):
        X = validate_data(self, X, reset=reset, accept_sparse=("csr", "csc", "coo"),
                          ensure_all_finite="allow-nan", dtype=np.float64)
        if sp.issparse(X):
            coo = sp.coo_matrix(X)
            coo.sum_duplicates()
            if not np.isfinite(coo.data).all():
                raise ValueError("Input X (sparse) contains NaN or infinity among its "
                                 "stored (observed) entries.")
            return coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data, X.shape
        rows, cols = np.nonzero(~np.isnan(X))
        return rows, cols, X[rows, cols], X.shape

    def _check_params(self):
        if isinstance(self.rank, bool) or not isinstance(self.rank, numbers.Integral) \
                or self.rank < 1:
            raise ValueError(f"`rank` must be a positive integer, got {self.rank!r}.")
        if self.method not in _METHODS:
            raise ValueError(f"`method` must be one of {_METHODS}, got {self.method!r}.")

    # -- fit / transform ---------------------------------------------------------
    def fit(self, X, y=None):
        """Learn the factors from the observed entries of ``X``.

        Parameters
        ----------
        X : array_like (n_samples, n_features) with NaN for missing entries, or
            a scipy.sparse matrix whose stored entries are the observed ones.
        y : ignored

        Returns
        -------
        self
        """
        self._fit(X)
        return self

    def _fit(self, X):
        import optkit
        from optkit.problems.lowrank import LowRankProblem

        self._check_params()
        rows, cols, vals, shape = self._observed(X, reset=True)
        if vals.size == 0:
            raise ValueError("Input X has no observed entry (all missing).")
        self.rank_ = int(min(self.rank, shape[0], shape[1]))
        prob = LowRankProblem.completion(rows, cols, vals, shape, self.rank_)
        options = dict(self.options or {})
        options.setdefault("seed", int(self.random_state))
        options["maxiter"] = int(self.max_iter)
        res = optkit.minimize(prob, method=self.method, tol=self.tol, options=options)
        self.result_ = res
        self.n_iter_ = int(res.nit)
        self.components_ = np.ascontiguousarray(res.V.T)
        return res.U, rows, cols, vals, shape

    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then fill the missing entries of ``X`` with the fitted factors.

        Parameters
        ----------
        X : array_like or sparse matrix (n_samples, n_features)
        y : ignored
        **fit_params : ignored

        Returns
        -------
        ndarray (n_samples, n_features)
            ``X`` with its observed entries and the completion elsewhere.
        """
        U, rows, cols, vals, shape = self._fit(X)
        out = U @ self.components_
        out[rows, cols] = vals
        return out

    def _fold_in(self, rows, cols, vals, n):
        V = self.components_.T
        k = V.shape[1]
        scale = float(np.mean(np.sum(V * V, axis=0))) if V.size else 1.0
        eps = self.fold_in_reg * max(scale, 1e-300)
        U = np.zeros((n, k))
        order = np.argsort(rows, kind="stable")
        rows, cols, vals = rows[order], cols[order], vals[order]
        bounds = np.searchsorted(rows, np.arange(n + 1))
        for i in range(n):
            lo, hi = bounds[i], bounds[i + 1]
            if hi == lo:
                continue
            A = V[cols[lo:hi]]
            U[i] = np.linalg.solve(A.T @ A + eps * np.eye(k), A.T @ vals[lo:hi])
        return U

    def transform(self, X):
        """Fill the missing entries of ``X`` (rows folded in with the learned V).

        Parameters
        ----------
        X : array_like or sparse matrix (n_samples, n_features)

        Returns
        -------
        ndarray (n_samples, n_features)
        """
        check_is_fitted(self, "components_")
        rows, cols, vals, shape = self._observed(X, reset=False)
        U = self._fold_in(rows, cols, vals, shape[0])
        out = U @ self.components_
        out[rows, cols] = vals
        return out
