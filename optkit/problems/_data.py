"""Validation of data matrices and targets shared by the data-fit problems
(:mod:`~optkit.problems.glm` and :mod:`~optkit.problems.composite`)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["check_matrix", "check_targets", "check_sparse_structure", "check_real"]


def check_real(a, name):
    """Refuse complex (and other non-real) array data, naming the argument.

    Parameters
    ----------
    a : array_like or sparse matrix
        The data to check (not converted).
    name : str
        The argument name used in the error message.

    Raises
    ------
    TypeError
        If ``a`` holds complex numbers or a non-numeric dtype.
    """
    if sp.issparse(a):
        kind = a.dtype.kind
    else:
        kind = np.asarray(a).dtype.kind if not isinstance(a, (int, float)) else "f"
    if kind == "c":
        raise TypeError(f"`{name}` must hold real numbers, got complex dtype; pass its real "
                        f"part explicitly if that is what you mean.")
    return a


def check_sparse_structure(X, name):
    """Check the index arrays of a CSR/CSC matrix in O(nnz) and return it canonical.

    The Numba kernels and scipy's compiled routines index ``data`` through
    ``indptr``/``indices`` without bounds checks, so a malformed matrix (index
    out of range, negative index, non-monotone or short ``indptr``) would read
    or write out of bounds (a segfault or a silent wrong answer).  It is
    checked once here, at the problem boundary.  A matrix with unsorted or
    duplicate indices is valid (duplicates sum, as in scipy) and is returned as
    a canonical copy; the caller's matrix is not modified.

    Parameters
    ----------
    X : scipy.sparse CSR or CSC matrix
        The matrix to check.
    name : str
        The argument name used in the error messages.

    Returns
    -------
    scipy.sparse matrix
        ``X`` itself when it is already canonical, else a canonical copy.

    Raises
    ------
    ValueError
        Naming ``name`` and the defect.
    """
    if X.format == "coo":
        for arr, dim, kind in ((X.row, X.shape[0], "row"), (X.col, X.shape[1], "column")):
            if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= dim):
                raise ValueError(f"`{name}`: malformed COO matrix: a {kind} index is out of "
                                 f"range [0, {dim}) for shape {X.shape}.")
        return X
    if X.format not in ("csr", "csc"):
        return X
    major, minor = X.shape if X.format == "csr" else X.shape[::-1]
    indptr, indices, data = X.indptr, X.indices, X.data
    if indptr.ndim != 1 or indices.ndim != 1 or data.ndim != 1:
        raise ValueError(f"`{name}`: malformed sparse matrix (indptr, indices and data must be 1-D).")
    if indptr.dtype.kind not in "iu" or indices.dtype.kind not in "iu":
        raise ValueError(f"`{name}`: malformed sparse matrix (indptr and indices must be integer arrays).")
    if indptr.shape[0] != major + 1:
        raise ValueError(f"`{name}`: malformed {X.format.upper()} matrix: indptr has length "
                         f"{indptr.shape[0]}, expected {major + 1} for shape {X.shape}.")
    nnz = int(indptr[-1])
    if int(indptr[0]) != 0 or nnz > indices.shape[0] or nnz > data.shape[0]:
        raise ValueError(f"`{name}`: malformed {X.format.upper()} matrix: indptr must start at 0 "
                         f"and end at most at len(indices)={indices.shape[0]}, got "
                         f"indptr[0]={int(indptr[0])}, indptr[-1]={nnz}.")
    if major and (np.diff(indptr) < 0).any():
        raise ValueError(f"`{name}`: malformed {X.format.upper()} matrix: indptr is not "
                         f"non-decreasing.")
    if nnz:
        idx = indices[:nnz]
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= minor:
            kind = "column" if X.format == "csr" else "row"
            bad = lo if lo < 0 else hi
            raise ValueError(f"`{name}`: malformed {X.format.upper()} matrix: {kind} index {bad} "
                             f"out of range [0, {minor}) for shape {X.shape}.")
    if indices.shape[0] != nnz or data.shape[0] != nnz or not X.has_canonical_format:
        # Trailing storage, unsorted or duplicate indices: a canonical copy
        # (sum_duplicates is safe now that every index is in range).
        X = X.copy()
        X.sum_duplicates()
        X.sort_indices()
    return X


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
        X = check_sparse_structure(X, name)
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
    """Return ``y`` as an ndarray after checking it is real, 1-D, finite and of length ``n``.

    Parameters
    ----------
    y : array_like
        The targets.
    name, xname : str
        The argument names of the targets and of the data matrix (for messages).
    n : int
        The number of rows of the data matrix.

    Returns
    -------
    numpy.ndarray
    """
    if y is None:
        raise TypeError(f"`{name}` must be a real numeric array of length {n}, got None.")
    if sp.issparse(y):
        raise TypeError(f"`{name}` must be a dense 1-D array, got a sparse matrix.")
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
