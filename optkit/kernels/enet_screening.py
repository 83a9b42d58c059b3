"""Least squares + L1 / elastic net: duality gap and gap-safe screening (Numba).

All quantities are multiplied by n: :math:`P_n(w) = \\|r\\|^2/2 + \\sum_j
\\lambda_j |w_j| + \\mu_j w_j^2/2` with ``r = Xw - y``, ``lam = n * l1``,
``mu = n * l2``. :func:`enet_dual_pass` computes the gap at a rescaled dual
point, discards coordinates by the gap-safe rule (Fercoq, Gramfort & Salmon,
ICML 2015; Ndiaye et al., JMLR 2017) and ranks the others for the next
working set (Massias, Gramfort & Salmon, ICML 2018); it serves the working-set
path of the ``bcd`` method on Lasso / elastic-net problems, with the
subproblem solvers of :mod:`~optkit.kernels.enet_ws`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .cd_scalar import LOSS_SQUARED
from .columns import _col_axpy, _col_derivs

__all__ = ["enet_dual_pass", "enet_zero_screened", "enet_ws_stats"]


@njit(cache=True)
def _enet_gap(r, y, w, lam, mu, cols, c, ncols):
    """Gap P_n(w) - D_n(s R) on the coordinates ``cols[:ncols]`` (c_j = X_j'R, R = -r).

    The dual point is u = s R with s = min(1, min lam_j/|c_j| over unridged j);
    D_n(u) = y'u - ||u||^2/2 - sum_{mu_j > 0} (|X_j'u| - lam_j)_+^2 / (2 mu_j).
    Coordinates outside ``cols`` must be zero in w and known zero at the optimum.
    Returns (gap_n, s, P_n).
    """
    rr = 0.0
    yr = 0.0
    for i in range(r.shape[0]):
        rr += r[i] * r[i]
        yr -= y[i] * r[i]
    return _enet_gap_from(rr, yr, w, lam, mu, cols, c, ncols)


@njit(cache=True)
def _enet_gap_from(rr, yr, w, lam, mu, cols, c, ncols):
    """:func:`_enet_gap` given rr = ||r||^2 and yr = y'R."""
    s = 1.0
    for k in range(ncols):
        j = cols[k]
        if mu[j] == 0.0:
            a = abs(c[j])
            if a * s > lam[j]:
                s = lam[j] / a
    pen = 0.0
    ridge = 0.0
    for k in range(ncols):
        j = cols[k]
        wj = w[j]
        pen += lam[j] * abs(wj) + 0.5 * mu[j] * wj * wj
        if mu[j] > 0.0:
            e = s * abs(c[j]) - lam[j]
            if e > 0.0:
                ridge += e * e / (2.0 * mu[j])
    primal = 0.5 * rr + pen
    dual = s * yr - 0.5 * s * s * rr - ridge
    return max(primal - dual, 0.0), s, primal


@njit(cache=True)
def _enet_dual_pass(Xd, data, indices, indptr, dense, y, r, w, lam, mu, colnorm, active,
                    screen, c, prio, have_c):
    """Flat-argument kernel of :func:`enet_dual_pass` (see there)."""
    d = w.shape[0]
    cols = np.empty(d, dtype=np.int64)
    ncols = 0
    work = 0
    for j in range(d):
        if active[j]:
            if not have_c:
                s1, _, wk = _col_derivs(j, Xd, data, indices, indptr, dense, r, y,
                                        LOSS_SQUARED, False)
                c[j] = -s1
                work += wk
            cols[ncols] = j
            ncols += 1
    gap, s, primal = _enet_gap(r, y, w, lam, mu, cols, c, ncols)
    rad = math.sqrt(2.0 * gap)
    nscr = 0
    for k in range(ncols):
        j = cols[k]
        a = s * abs(c[j])
        if screen and a + colnorm[j] * rad < lam[j] * (1.0 - 1e-12):
            active[j] = 0
            prio[j] = np.inf
            nscr += 1
        elif w[j] != 0.0:
            prio[j] = -np.inf
        else:
            prio[j] = (lam[j] - a) / colnorm[j] if colnorm[j] > 0.0 else np.inf
    for j in range(d):
        if not active[j]:
            prio[j] = np.inf
    return gap, primal, nscr, work


@njit(cache=True)
def enet_zero_screened(active, w, r, Xd, data, indices, indptr, dense):
    """Set the screened coordinates (``active[j] == 0``) that are nonzero to 0, their
    optimal value, updating ``r = Xw - y``; returns the work."""
    work = 0
    for j in range(w.shape[0]):
        if active[j] == 0 and w[j] != 0.0:
            work += _col_axpy(j, -w[j], Xd, data, indices, indptr, dense, r)
            w[j] = 0.0
    return work


@njit(cache=True)
def enet_ws_stats(w, c, lam, active):
    """(nnz of w, KKT violators among the unscreened zeros (|c_j| > lam_j), unscreened)."""
    nnz = 0
    nviol = 0
    nact = 0
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            nnz += 1
        if active[j]:
            nact += 1
            if w[j] == 0.0 and abs(c[j]) > lam[j]:
                nviol += 1
    return nnz, nviol, nact


def enet_dual_pass(X, y, r, w, lam, mu, colnorm, active, screen, c, prio, have_c):
    """One pass over the unscreened columns: gap, gap-safe screening, priorities.

    ``active`` (int8 per coordinate, 1 = not screened) is updated in place when
    ``screen``: coordinate j is discarded for good when
    ``s|X_j'R| + ||X_j|| sqrt(2 gap_n) < lam_j``, which proves w*_j = 0
    (the dual is 1-strongly concave in u, so ||u - u*|| <= sqrt(2 gap_n)).
    ``prio[j]`` is the distance ``(lam_j - s|X_j'R|)/||X_j||`` of the dual
    point to constraint j, -inf on the support, +inf if screened.

    Parameters
    ----------
    X : Columns
        The design matrix.
    y, r, w : ndarray
        Targets, residual ``Xw - y`` and the iterate.
    lam, mu : ndarray
        ``n * l1`` and ``n * l2`` per coordinate.
    colnorm : ndarray
        Column norms ``||X_j||``.
    active : ndarray of int8
        Unscreened coordinates, updated in place.
    screen : bool
        Whether to apply the gap-safe rule.
    c, prio : ndarray
        Receive ``X'R`` (R = -r) on the unscreened columns and the priorities.
    have_c : bool
        ``c = X'R`` was computed by the caller (e.g. by BLAS).

    Returns
    -------
    gap_n, P_n : float
    n_screened_now, work : int
    """
    return _enet_dual_pass(*X, y, r, w, lam, mu, colnorm, active, screen, c, prio, have_c)
