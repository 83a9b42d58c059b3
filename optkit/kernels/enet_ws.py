"""Least squares + L1 / elastic net: coordinate descent on a working set (Numba).

The subproblem solvers of the working-set path of the ``bcd`` method on Lasso /
elastic-net problems (the outer loop, gap and screening are in
:mod:`~optkit.kernels.enet_screening`; quantities are multiplied by n as
there): exact cyclic coordinate minimization on the working set through the
residual (:func:`enet_ws_solve`) or through the working set's Gram matrix
(:func:`enet_gram_solve`), stopped on the subproblem's duality gap, with
optional Anderson extrapolation of the iterates (Bertrand & Massias, AISTATS
2021).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from .cd_scalar import prox_scalar
from .columns import _col_axpy, _col_dot
from .enet_screening import _enet_gap, _enet_gap_from

__all__ = ["WSControl", "enet_ws_solve", "enet_gram_solve"]

WSControl = namedtuple("WSControl", "tol_n check_every max_epochs anderson", defaults=(0,))
WSControl.__doc__ = """Stopping and acceleration of a working-set solve.

Attributes
----------
tol_n : float
    Target gap of the subproblem (times n).
check_every : int
    Compute the gap at least every ``check_every`` epochs.
max_epochs : int
    Epoch limit.
anderson : int, default 0
    Anderson extrapolation every K epochs from the last K + 1 iterates (0: none).
"""


@njit(cache=True)
def _anderson_weights(W, K):
    r"""Anderson extrapolation weights from the ``K + 1`` iterates in ``W[:, 0..K]``.

    With :math:`U = [w_1 - w_0, \dots, w_K - w_{K-1}]`, the weights
    :math:`c = z / 1^\top z`, :math:`(U^\top U) z = 1` (regularized), combine
    the last K iterates :math:`\sum_t c_t w_{t+1}` (Bertrand & Massias,
    "Anderson acceleration of coordinate descent", AISTATS 2021). Returns an
    empty array when the system is degenerate.
    """
    m = W.shape[0]
    C = np.zeros((K, K))
    for a in range(K):
        for b in range(a, K):
            s = 0.0
            for i in range(m):
                s += (W[i, a + 1] - W[i, a]) * (W[i, b + 1] - W[i, b])
            C[a, b] = s
            C[b, a] = s
    tr = 0.0
    for a in range(K):
        tr += C[a, a]
    if not tr > 0.0:
        return np.empty(0)
    for a in range(K):
        C[a, a] += 1e-10 * tr
    z = np.linalg.solve(C, np.ones(K))
    zs = z.sum()
    if not (np.isfinite(zs) and abs(zs) > 1e-300):
        return np.empty(0)
    return z / zs


@njit(cache=True)
def _anderson_point(W, K, out):
    """``out`` = the Anderson extrapolation of the iterates in ``W``; False if degenerate."""
    coef = _anderson_weights(W, K)
    if coef.size != K:
        return False
    for k in range(W.shape[0]):
        s = 0.0
        for t in range(K):
            s += coef[t] * W[k, t + 1]
        out[k] = s
    return True


@njit(cache=True, inline="always")
def _enet_coord_min(wj, s1, h, lamj, muj):
    """Exact minimizer in one coordinate, ``prox(w_j - s1/h)``, and the objective decrease
    it gives (>= (h + mu_j) delta^2 / 2); an empty column (h = 0) goes to 0, the
    penalty's minimizer, decreasing the objective by its penalty."""
    if h <= 0.0:
        return 0.0, lamj * abs(wj) + 0.5 * muj * wj * wj
    znew = prox_scalar(wj - s1 / h, 1.0 / h, lamj, muj, -np.inf, np.inf)
    dlt = znew - wj
    return znew, 0.5 * (h + muj) * dlt * dlt


@njit(cache=True)
def _store_iterate(W, col, w, ws):
    """``W[:, col] = w[ws]`` (the iterate history of the Anderson extrapolation)."""
    for k in range(ws.shape[0]):
        W[k, col] = w[ws[k]]


@njit(cache=True)
def _enet_pen(w, lam, mu, ws, m):
    pen = 0.0
    for k in range(m):
        j = ws[k]
        pen += lam[j] * abs(w[j]) + 0.5 * mu[j] * w[j] * w[j]
    return pen


@njit(cache=True, inline="always")
def _check_due(ep, check_every, dec, dec_prev, tol_n):
    """Whether to compute the gap after epoch ``ep``: every ``check_every`` epochs, or
    when the objective decreases, extrapolated geometrically, leave < tol_n / 2."""
    if (ep + 1) % check_every == 0:
        return True
    if dec_prev > 0.0 and dec < dec_prev:
        rho = dec / dec_prev
        return dec * rho / (1.0 - rho) <= 0.5 * tol_n
    return False


@njit(cache=True)
def _enet_ws_solve(Xd, data, indices, indptr, dense, y, r, w, lam, mu, colsq, ws, tol_n,
                   check_every, max_epochs, c, anderson=0):
    """Flat-argument kernel of :func:`enet_ws_solve` (see there)."""
    m = ws.shape[0]
    n = r.shape[0]
    work = 0
    epochs = 0
    gap = -1.0
    dec_prev = 0.0
    K = anderson
    if K > 0:
        W = np.empty((m, K + 1))
        _store_iterate(W, 0, w, ws)
        r_acc = np.empty(n)
        w_acc = np.empty(m)
    nstored = 1
    for ep in range(max_epochs):
        epochs += 1
        dec = 0.0
        for k in range(m):
            j = ws[k]
            h = colsq[j]
            s1 = 0.0
            if h > 0.0:
                s1, wk = _col_dot(j, Xd, data, indices, indptr, dense, r)
                work += wk
            wj = w[j]
            znew, dk = _enet_coord_min(wj, s1, h, lam[j], mu[j])
            dlt = znew - wj
            if dlt != 0.0:
                dec += dk
                w[j] = znew
                if h > 0.0:             # (an empty column leaves r unchanged)
                    work += _col_axpy(j, dlt, Xd, data, indices, indptr, dense, r)
        if K > 0 and dec > 0.0:
            _store_iterate(W, nstored, w, ws)
            nstored += 1
            if nstored == K + 1:
                if _anderson_point(W, K, w_acc):
                    for i in range(n):
                        r_acc[i] = r[i]
                    for k in range(m):
                        dk = w_acc[k] - w[ws[k]]
                        if dk != 0.0:
                            work += _col_axpy(ws[k], dk, Xd, data, indices, indptr, dense,
                                              r_acc)
                    rr = 0.0
                    rr_acc = 0.0
                    for i in range(n):
                        rr += r[i] * r[i]
                        rr_acc += r_acc[i] * r_acc[i]
                    p_old = 0.5 * rr + _enet_pen(w, lam, mu, ws, m)
                    p_new = 0.5 * rr_acc
                    for k in range(m):
                        j = ws[k]
                        p_new += lam[j] * abs(w_acc[k]) + 0.5 * mu[j] * w_acc[k] * w_acc[k]
                    if p_new < p_old:
                        for k in range(m):
                            w[ws[k]] = w_acc[k]
                        for i in range(n):
                            r[i] = r_acc[i]
                _store_iterate(W, 0, w, ws)
                nstored = 1
        if dec == 0.0 or ep == max_epochs - 1 or _check_due(ep, check_every, dec, dec_prev,
                                                              tol_n):
            for k in range(m):
                j = ws[k]
                s1, wk = _col_dot(j, Xd, data, indices, indptr, dense, r)
                c[j] = -s1
                work += wk
            gap, _, _ = _enet_gap(r, y, w, lam, mu, ws, c, m)
            if gap <= tol_n or dec == 0.0:   # converged, or a fixed point (rounding floor)
                break
        dec_prev = dec
    return work, epochs, gap


@njit(cache=True)
def _enet_gram_solve(G, ws, w, q, xty, r, y, lam, mu, tol_n, check_every, max_epochs, c,
                     anderson=0):
    """Flat-argument kernel of :func:`enet_gram_solve` (see there)."""
    m = ws.shape[0]
    rr = 0.0
    yr = 0.0
    for i in range(r.shape[0]):
        rr += r[i] * r[i]
        yr -= y[i] * r[i]
    work = 0
    epochs = 0
    gap = -1.0
    dec_prev = 0.0
    K = anderson
    if K > 0:
        W = np.empty((m, K + 1))
        _store_iterate(W, 0, w, ws)
        dlt_acc = np.empty(m)
        q_acc = np.empty(m)
    nstored = 1
    for ep in range(max_epochs):
        epochs += 1
        dec = 0.0
        for k in range(m):
            j = ws[k]
            h = G[k, k]
            wj = w[j]
            znew, dk = _enet_coord_min(wj, q[k], h, lam[j], mu[j])
            dlt = znew - wj
            if dlt != 0.0:
                dec += dk
                w[j] = znew
                rr += dlt * (2.0 * q[k] + dlt * h)
                yr -= dlt * xty[k]
                for a in range(m):
                    q[a] += G[a, k] * dlt
                work += m
        if K > 0 and dec > 0.0:
            _store_iterate(W, nstored, w, ws)
            nstored += 1
            if nstored == K + 1:
                if _anderson_point(W, K, dlt_acc):
                    for k in range(m):
                        dlt_acc[k] -= w[ws[k]]
                    dq = 0.0
                    dy = 0.0
                    for a in range(m):
                        s = 0.0
                        for k in range(m):
                            s += G[a, k] * dlt_acc[k]
                        q_acc[a] = q[a] + s
                        dq += dlt_acc[a] * (q[a] + q_acc[a])
                        dy += dlt_acc[a] * xty[a]
                    work += m * m
                    p_old = 0.5 * rr + _enet_pen(w, lam, mu, ws, m)
                    p_new = 0.5 * (rr + dq)
                    for k in range(m):
                        j = ws[k]
                        v = w[j] + dlt_acc[k]
                        p_new += lam[j] * abs(v) + 0.5 * mu[j] * v * v
                    if p_new < p_old:
                        for k in range(m):
                            w[ws[k]] += dlt_acc[k]
                            q[k] = q_acc[k]
                        rr += dq
                        yr -= dy
                _store_iterate(W, 0, w, ws)
                nstored = 1
        if dec == 0.0 or ep == max_epochs - 1 or _check_due(ep, check_every, dec, dec_prev,
                                                              tol_n):
            for k in range(m):
                c[ws[k]] = -q[k]
            gap, _, _ = _enet_gap_from(rr, yr, w, lam, mu, ws, c, m)
            if gap <= tol_n or dec == 0.0:   # converged, or a fixed point (rounding floor)
                break
        dec_prev = dec
    return work, epochs, gap


def enet_ws_solve(X, y, r, w, lam, mu, colsq, ws, ctl, c):
    """Cyclic coordinate descent on the working set ``ws`` (others fixed).

    Exact coordinate minimization ``w_j <- prox(w_j - X_j'r/||X_j||^2)``.
    The gap of the subproblem restricted to ``ws`` is computed every
    ``ctl.check_every`` epochs, or earlier when the epochs' objective decreases
    (>= (||X_j||^2 + mu_j) delta_j^2 / 2 per update) predict it is below
    ``ctl.tol_n``; the solve stops when it is <= ``tol_n``. ``ctl.anderson =
    K > 0``: every K epochs the last K + 1 iterates are extrapolated
    (:func:`_anderson_weights`) and the result kept if its objective is lower.

    Parameters
    ----------
    X : Columns
        The design matrix.
    y, r, w : ndarray
        Targets, residual ``Xw - y`` and the iterate; ``r`` and ``w`` are updated
        in place.
    lam, mu, colsq : ndarray
        ``n * l1``, ``n * l2`` and the squared column norms.
    ws : ndarray of int64
        The working set.
    ctl : WSControl
        Stopping rule and Anderson extrapolation.
    c : ndarray
        Receives ``X_j'R`` (R = -r) on ``ws`` at each gap check.

    Returns
    -------
    work, epochs : int
    gap_n : float
        Gap of the subproblem at exit (-1 if unchecked).
    """
    return _enet_ws_solve(*X, y, r, w, lam, mu, colsq, ws, ctl.tol_n, ctl.check_every,
                          ctl.max_epochs, c, ctl.anderson)


def enet_gram_solve(G, ws, w, q, xty, r, y, lam, mu, ctl, c):
    """Cyclic CD on the working set through its Gram matrix ``G = X_ws'X_ws``.

    ``q = X_ws'r`` (r = Xw - y) is kept up to date by ``q += G[:, k] delta``
    (O(|ws|) per update instead of O(nnz of a column)); ``||r||^2`` and
    ``y'R`` (R = -r) are tracked from ``xty = X_ws'y``; ``r`` is not modified.
    Gap checks and Anderson extrapolation (``ctl``, a :class:`WSControl`) as in
    :func:`enet_ws_solve` (here an extrapolation costs O(|ws|^2)). Updates ``w``
    (global indices) and ``q``; the caller updates r.

    Returns
    -------
    work, epochs : int
    gap_n : float
    """
    return _enet_gram_solve(G, ws, w, q, xty, r, y, lam, mu, ctl.tol_n, ctl.check_every,
                            ctl.max_epochs, c, ctl.anderson)
