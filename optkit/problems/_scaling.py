r"""Diagonal scalings of a matrix: Ruiz equilibration and Pock-Chambolle.

Both return diagonal row and column factors :math:`r, c` and the scaled matrix

.. math::

    \tilde K = \operatorname{diag}(r)\, K\, \operatorname{diag}(c),

for a dense ndarray or a :mod:`scipy.sparse` matrix (the scaled matrix keeps
the input's kind; sparse input comes back as CSR). They are used by the
primal-dual methods in two ways:

* as a *presolve rescaling* of the data (PDLP, Applegate et al. 2021, §4:
  a few Ruiz passes, then one Pock-Chambolle pass with :math:`\alpha = 1`);
  the solver works on :math:`\tilde K` and maps its iterates back with
  :math:`x = \operatorname{diag}(c)\tilde x`, :math:`y = \operatorname{diag}(r)\tilde y`;
* as *diagonal preconditioning* of PDHG (Pock & Chambolle 2011):
  :func:`pock_chambolle_steps` gives the per-coordinate step sizes
  :math:`T, \Sigma` with :math:`\|\Sigma^{1/2} K T^{1/2}\|_2 \le 1`.

Rows or columns that are entirely zero get the factor 1 (there is nothing to
equilibrate and dividing by zero would make the scaling useless).

References
----------
D. Ruiz, "A scaling algorithm to equilibrate both rows and columns norms in
matrices", Rutherford Appleton Laboratory report RAL-TR-2001-034, 2001.

T. Pock and A. Chambolle, "Diagonal preconditioning for first order primal-dual
algorithms in convex optimization", ICCV 2011, Lemma 2.

D. Applegate, M. Díaz, O. Hinder, H. Lu, M. Lubin, B. O'Donoghue, W. Schudy,
"Practical large-scale linear programming using primal-dual hybrid gradient",
NeurIPS 2021, arXiv:2106.04756, §4 (presolve rescaling).
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

__all__ = ["Scaling", "scale_matrix", "ruiz_equilibrate", "pock_chambolle_scale",
           "pock_chambolle_steps"]


class Scaling(NamedTuple):
    """A diagonal scaling: ``matrix = diag(row_scale) @ K @ diag(col_scale)``."""

    matrix: object
    row_scale: np.ndarray
    col_scale: np.ndarray


def _check(K, name="K"):
    if sp.issparse(K):
        if K.ndim != 2:
            raise ValueError(f"`{name}` must be 2-D, got shape {K.shape}.")
        if K.dtype.kind not in "biuf":
            raise TypeError(f"`{name}` must hold real numbers, got dtype {K.dtype}.")
        K = sp.csr_matrix(K, dtype=np.float64, copy=True)
        K.sum_duplicates()          # the norms read each entry once
        if not np.isfinite(K.data).all():
            raise ValueError(f"`{name}` contains NaN or infinite values.")
        return K
    K = np.asarray(K)
    if K.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must be a real numeric array, got dtype {K.dtype}.")
    if K.ndim != 2:
        raise ValueError(f"`{name}` must be 2-D, got shape {K.shape}.")
    K = np.asarray(K, dtype=np.float64)
    if not np.isfinite(K).all():
        raise ValueError(f"`{name}` contains NaN or infinite values.")
    return K


def scale_matrix(K, row_scale, col_scale):
    """Return ``diag(row_scale) @ K @ diag(col_scale)`` (CSR for sparse ``K``).

    Parameters
    ----------
    K : ndarray or scipy.sparse matrix, shape (m, n)
    row_scale : ndarray, shape (m,)
    col_scale : ndarray, shape (n,)

    Returns
    -------
    ndarray or scipy.sparse.csr_matrix, shape (m, n)
    """
    if sp.issparse(K):
        K = sp.csr_matrix(K, dtype=np.float64, copy=True)
        # CSR: row i's entries are data[indptr[i]:indptr[i+1]], columns in indices
        K.data *= np.repeat(row_scale, np.diff(K.indptr)) * col_scale[K.indices]
        return K
    return (row_scale[:, None] * np.asarray(K, dtype=np.float64)) * col_scale[None, :]


def _inf_norms(K):
    """Row and column max-abs of K (CSR: straight from its arrays)."""
    if sp.issparse(K):
        m, n = K.shape
        a = np.abs(K.data)
        rows = np.zeros(m)
        nonempty = np.diff(K.indptr) > 0
        if a.size:
            rows[nonempty] = np.maximum.reduceat(a, K.indptr[:-1][nonempty])
        cols = np.zeros(n)
        np.maximum.at(cols, K.indices, a)
        return rows, cols
    absK = np.abs(K)
    return absK.max(axis=1), absK.max(axis=0)


def _power_sums(K, row_power, col_power):
    """sum_j |K_ij|^row_power over each row and sum_i |K_ij|^col_power over each
    column, with 0^0 = 0 (a zero entry contributes nothing for any power)."""
    def sums(power, axis):
        if sp.issparse(K):
            data = np.abs(K.data)
            powered = np.where(data > 0, data ** power, 0.0)
            if axis == 0:
                return np.bincount(K.indices, weights=powered, minlength=K.shape[1])
            row_of = np.repeat(np.arange(K.shape[0]), np.diff(K.indptr))
            return np.bincount(row_of, weights=powered, minlength=K.shape[0])
        absK = np.abs(K)
        return np.where(absK > 0, absK ** power, 0.0).sum(axis=axis)
    return sums(row_power, 1), sums(col_power, 0)


def _safe_inverse_sqrt(norms):
    out = np.ones_like(norms)
    nz = norms > 0
    out[nz] = 1.0 / np.sqrt(norms[nz])
    return out


def ruiz_equilibrate(K, max_iter=10, tol=0.0):
    r"""Ruiz equilibration: iterated inf-norm row and column scaling.

    Each pass divides every row and every column of the current matrix by the
    square root of its max-abs entry (both computed from the same matrix),

    .. math::

        r_i \leftarrow \frac{r_i}{\sqrt{\|\tilde K_{i,:}\|_\infty}},\qquad
        c_j \leftarrow \frac{c_j}{\sqrt{\|\tilde K_{:,j}\|_\infty}},\qquad
        \tilde K = \operatorname{diag}(r)\, K \operatorname{diag}(c),

    so that the row and column inf-norms of :math:`\tilde K` converge to 1
    (linearly, for a matrix without zero rows or columns).

    Parameters
    ----------
    K : ndarray or scipy.sparse matrix, shape (m, n)
        Finite real matrix.
    max_iter : int, default 10
        Number of passes (PDLP uses 10).
    tol : float, default 0.0
        Stop early once every nonzero row and column inf-norm is within ``tol``
        of 1 (0 runs all ``max_iter`` passes).

    Returns
    -------
    Scaling
        ``(matrix, row_scale, col_scale)`` with
        ``matrix = diag(row_scale) @ K @ diag(col_scale)``.

    References
    ----------
    D. Ruiz, RAL-TR-2001-034, 2001; Applegate et al., arXiv:2106.04756, §4.
    """
    K = _check(K)
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 0:
        raise ValueError(f"`max_iter` must be a nonnegative integer, got {max_iter!r}.")
    if not (isinstance(tol, numbers.Real) and np.isfinite(tol) and tol >= 0):
        raise ValueError(f"`tol` must be a finite nonnegative number, got {tol!r}.")
    m, n = K.shape
    row_scale = np.ones(m)
    col_scale = np.ones(n)
    scaled = K.copy() if not sp.issparse(K) else K     # _check made a private copy
    if sp.issparse(scaled):
        scaled.sort_indices()
        row_of = np.repeat(np.arange(m), np.diff(scaled.indptr))
    for _ in range(int(max_iter)):
        rows, cols = _inf_norms(scaled)
        if tol > 0:
            dev = max(np.abs(rows[rows > 0] - 1.0).max(initial=0.0),
                      np.abs(cols[cols > 0] - 1.0).max(initial=0.0))
            if dev <= tol:
                break
        dr = _safe_inverse_sqrt(rows)
        dc = _safe_inverse_sqrt(cols)
        row_scale *= dr
        col_scale *= dc
        if sp.issparse(scaled):
            scaled.data *= dr[row_of] * dc[scaled.indices]
        else:
            scaled = scale_matrix(scaled, dr, dc)
    return Scaling(scaled, row_scale, col_scale)


def _check_alpha(alpha):
    if not (isinstance(alpha, numbers.Real) and 0.0 <= alpha <= 2.0):
        raise ValueError(f"`alpha` must be a number in [0, 2], got {alpha!r}.")
    return float(alpha)


def pock_chambolle_steps(K, alpha=1.0):
    r"""Pock-Chambolle diagonal step sizes (their Lemma 2).

    .. math::

        \tau_j = \frac{1}{\sum_i |K_{ij}|^{2-\alpha}},\qquad
        \sigma_i = \frac{1}{\sum_j |K_{ij}|^{\alpha}},

    which guarantee :math:`\|\Sigma^{1/2} K T^{1/2}\|_2 \le 1` for every
    :math:`\alpha \in [0, 2]`, so PDHG with the diagonal steps
    :math:`T = \operatorname{diag}(\tau)`, :math:`\Sigma = \operatorname{diag}(\sigma)`
    converges. A zero column or row gets step 1 (it does not couple to anything).

    Parameters
    ----------
    K : ndarray or scipy.sparse matrix, shape (m, n)
    alpha : float in [0, 2], default 1.0

    Returns
    -------
    sigma : ndarray, shape (m,)
        Dual (row) step sizes.
    tau : ndarray, shape (n,)
        Primal (column) step sizes.

    References
    ----------
    T. Pock and A. Chambolle, ICCV 2011, Lemma 2.
    """
    K = _check(K)
    alpha = _check_alpha(alpha)
    rows, cols = _power_sums(K, alpha, 2.0 - alpha)
    sigma = np.ones_like(rows)
    tau = np.ones_like(cols)
    sigma[rows > 0] = 1.0 / rows[rows > 0]
    tau[cols > 0] = 1.0 / cols[cols > 0]
    return sigma, tau


def pock_chambolle_scale(K, alpha=1.0):
    r"""Pock-Chambolle rescaling of the data: :math:`r = \sigma^{1/2}`, :math:`c = \tau^{1/2}`.

    .. math::

        \tilde K = \operatorname{diag}(\sigma)^{1/2}\, K\, \operatorname{diag}(\tau)^{1/2},
        \qquad \|\tilde K\|_2 \le 1,

    with :math:`\sigma, \tau` of :func:`pock_chambolle_steps`. PDLP applies it
    with :math:`\alpha = 1` after Ruiz equilibration.

    Parameters
    ----------
    K : ndarray or scipy.sparse matrix, shape (m, n)
    alpha : float in [0, 2], default 1.0

    Returns
    -------
    Scaling
        ``(matrix, row_scale, col_scale)``.

    References
    ----------
    T. Pock and A. Chambolle, ICCV 2011; Applegate et al., arXiv:2106.04756, §4.
    """
    K = _check(K)
    sigma, tau = pock_chambolle_steps(K, alpha)
    row_scale = np.sqrt(sigma)
    col_scale = np.sqrt(tau)
    return Scaling(scale_matrix(K, row_scale, col_scale), row_scale, col_scale)
