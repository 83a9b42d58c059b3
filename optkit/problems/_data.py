"""Validation of data matrices and targets shared by the data-fit problems
(:mod:`~optkit.problems.glm` and :mod:`~optkit.problems.composite`)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["check_matrix", "check_targets"]


def check_matrix(X, name, *, keep_csc=False):
    """Return X as float64 CSR or float64 ndarray, after checking it.

    ``keep_csc``: a CSC input stays CSC (the linear models convert it to CSR
    only when a row-wise product needs it; coordinate methods read columns).
    """
    if sp.issparse(X):
        if X.ndim != 2:
            raise ValueError(f"`{name}` must be 2-D (n_samples, n_features), got shape {X.shape}.")
        if X.dtype.kind not in "biuf":
            raise TypeError(f"`{name}` must hold real numbers, got dtype {X.dtype}.")
        if X.format != "csr" and not (keep_csc and X.format == "csc"):
            X = X.tocsr()
        if X.dtype != np.float64:
            X = X.astype(np.float64)
        if not np.isfinite(X.data).all():
            raise ValueError(f"`{name}` contains NaN or infinite values.")
    else:
        X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise TypeError(f"`{name}` must be a real numeric array, got dtype {X.dtype}.")
        if X.ndim != 2:
            raise ValueError(f"`{name}` must be 2-D (n_samples, n_features), got shape {X.shape}.")
        X = np.asarray(X, dtype=np.float64)
        if not np.isfinite(X).all():
            raise ValueError(f"`{name}` contains NaN or infinite values.")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"`{name}` must have at least one row and one column, got shape {X.shape}.")
    return X


def check_targets(y, name, n, xname):
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must be a real numeric array, got dtype {y.dtype}.")
    if y.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D of length n_samples={n}, got shape {y.shape}.")
    if y.shape[0] != n:
        raise ValueError(
            f"`{xname}` and `{name}` have inconsistent numbers of samples: `{xname}` has "
            f"{n} rows but `{name}` has {y.shape[0]} entries."
        )
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"`{name}` contains NaN or infinite values.")
    return y
