"""Column access of a data matrix for the coordinate kernels (Numba, float64).

``X`` is passed by columns in one of two layouts, grouped in :class:`Columns`:
dense (``Xd`` in Fortran order, ``dense=True``; the CSC arrays are unused
placeholders) or CSC (``data, indices, indptr``; ``Xd`` a placeholder). The
helpers here read or update one column at a time -- dot products, axpys, the
first two derivatives of a per-sample GLM loss along a column, the loss change
of a step -- and return their *work* (matrix entries read), the ``nwork`` unit
of the coordinate solvers; the public kernels compute squared column norms and
Gram columns of a sparse ``X``. They serve every GLM coordinate kernel
(:mod:`~optkit.kernels.glm_coordinate`, :mod:`~optkit.kernels.glm_blocks`,
:mod:`~optkit.kernels.enet_ws`, :mod:`~optkit.kernels.cyclic_coordinate`,
:mod:`~optkit.kernels.prox_newton`).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from .cd_scalar import LOSS_SQUARED, _dloss, _loss_change

__all__ = ["Columns", "GLMData", "cols_axpy", "csc_colsq", "csc_colsq_dots",
           "sparse_gram_cols"]

Columns = namedtuple("Columns", "Xd data indices indptr dense")
Columns.__doc__ = """A matrix by columns, dense (F-order ``Xd``) or CSC.

Attributes
----------
Xd : ndarray, shape (n, d), Fortran order
    The dense matrix (a (1, 1) placeholder when sparse).
data, indices, indptr : ndarray
    The CSC arrays (placeholders when dense).
dense : bool
    Which layout holds the matrix.
"""

GLMData = namedtuple("GLMData", "X y loss inv_n")
GLMData.__doc__ = """The data of a GLM :math:`\\frac1n\\sum_i \\ell(x_i^\\top w; y_i)`.

Attributes
----------
X : Columns
    The design matrix.
y : ndarray, shape (n,)
    Targets (squared loss) or labels in {-1, 1} (logistic loss).
loss : int
    :data:`~optkit.kernels.cd_scalar.LOSS_SQUARED` or
    :data:`~optkit.kernels.cd_scalar.LOSS_LOGISTIC`.
inv_n : float
    ``1 / n``.
"""


@njit(cache=True)
def _col_derivs(j, Xd, data, indices, indptr, dense, z, y, loss, need_h):
    s1 = 0.0
    s2 = 0.0
    if dense:
        n = Xd.shape[0]
        if loss == LOSS_SQUARED and not need_h:
            for i in range(n):
                s1 += Xd[i, j] * z[i]
            return s1, 0.0, n
        for i in range(n):
            v = Xd[i, j]
            d1, d2 = _dloss(loss, z[i], y[i])
            s1 += v * d1
            s2 += v * v * d2
        return s1, s2, n
    lo_ = indptr[j]
    hi_ = indptr[j + 1]
    if loss == LOSS_SQUARED and not need_h:
        for k in range(lo_, hi_):
            s1 += data[k] * z[indices[k]]
        return s1, 0.0, hi_ - lo_
    for k in range(lo_, hi_):
        v = data[k]
        i = indices[k]
        d1, d2 = _dloss(loss, z[i], y[i])
        s1 += v * d1
        s2 += v * v * d2
    return s1, s2, hi_ - lo_


@njit(cache=True)
def _col_axpy(j, delta, Xd, data, indices, indptr, dense, z):
    if dense:
        n = Xd.shape[0]
        for i in range(n):
            z[i] += delta * Xd[i, j]
        return n
    for k in range(indptr[j], indptr[j + 1]):
        z[indices[k]] += delta * data[k]
    return indptr[j + 1] - indptr[j]


@njit(cache=True)
def _col_loss_change(j, t, Xd, data, indices, indptr, dense, z, y, loss):
    s = 0.0
    if dense:
        n = Xd.shape[0]
        for i in range(n):
            v = Xd[i, j]
            if v != 0.0:
                s += _loss_change(loss, z[i], y[i], t * v)
        return s
    for k in range(indptr[j], indptr[j + 1]):
        i = indices[k]
        s += _loss_change(loss, z[i], y[i], t * data[k])
    return s


@njit(cache=True, fastmath=True)
def _dense_col_dot(Xd, j, r):
    """X[:, j]'r for a dense F-order X (reassociated sum: SIMD)."""
    s = 0.0
    for i in range(Xd.shape[0]):
        s += Xd[i, j] * r[i]
    return s


@njit(cache=True)
def _col_dot(j, Xd, data, indices, indptr, dense, r):
    if dense:
        return _dense_col_dot(Xd, j, r), Xd.shape[0]
    s = 0.0
    for k in range(indptr[j], indptr[j + 1]):
        s += data[k] * r[indices[k]]
    return s, indptr[j + 1] - indptr[j]


@njit(cache=True)
def cols_axpy(cols, delta, Xd, data, indices, indptr, dense, r):
    """``r += X[:, cols] @ delta`` (skipping zero deltas); returns the work."""
    work = 0
    for k in range(cols.shape[0]):
        if delta[k] != 0.0:
            work += _col_axpy(cols[k], delta[k], Xd, data, indices, indptr, dense, r)
    return work


@njit(cache=True)
def csc_colsq(data, indptr):
    """Squared column norms of a CSC matrix."""
    d = indptr.shape[0] - 1
    out = np.zeros(d)
    for j in range(d):
        s = 0.0
        for k in range(indptr[j], indptr[j + 1]):
            s += data[k] * data[k]
        out[j] = s
    return out


@njit(cache=True)
def csc_colsq_dots(data, indices, indptr, v):
    """Squared column norms and ``X'v`` of a CSC matrix in one pass over its entries."""
    d = indptr.shape[0] - 1
    sq = np.zeros(d)
    dots = np.zeros(d)
    for j in range(d):
        s = 0.0
        t = 0.0
        for k in range(indptr[j], indptr[j + 1]):
            a = data[k]
            s += a * a
            t += a * v[indices[k]]
        sq[j] = s
        dots[j] = t
    return sq, dots


@njit(cache=True)
def sparse_gram_cols(cols, cdata, cindices, cindptr, rdata, rindices, rindptr, out):
    """``out[:, k] = X'X[:, cols[k]]`` from X in CSC (columns) and CSR (rows).

    Column j of the Gram matrix is :math:`\\sum_{i \\in col(j)} x_{ij} X_{i,:}`:
    O(sum over the column's rows of their nnz). Returns the work.
    """
    work = 0
    for a in range(cols.shape[0]):
        j = cols[a]
        for b in range(out.shape[0]):
            out[b, a] = 0.0
        for kk in range(cindptr[j], cindptr[j + 1]):
            i = cindices[kk]
            v = cdata[kk]
            for t in range(rindptr[i], rindptr[i + 1]):
                out[rindices[t], a] += v * rdata[t]
            work += rindptr[i + 1] - rindptr[i]
    return work
