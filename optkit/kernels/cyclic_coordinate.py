"""Compiled inner loops of the cyclic block coordinate methods (Numba, float64).

``cyclic-vr-bcd`` (:func:`vr_sweep`) and ``a-coder`` (:func:`acoder_sweep`)
run a range of consecutive block updates of one epoch in one call and return
their *work* (matrix entries read, the ``nwork`` unit of the coordinate
solvers). Blocks are contiguous: block ``b`` is the coordinates
``b * bs .. min((b + 1) * bs, d) - 1``.

Two smooth models (``kind``):

* ``0`` -- GLM, :math:`f(w) = \\frac1n\\sum_i \\ell(x_i^\\top w; y_i)` with
  the margins ``z = Xw`` (squared loss: the residual ``Xw - y``) maintained
  incrementally; ``X`` dense (Fortran order, ``dense=True``) or CSC
  (``data, indices, indptr``), as in :mod:`optkit.kernels.columns`.
* ``1`` -- quadratic :math:`\\frac12 x^\\top Q x - c^\\top x` (``Q``
  C-contiguous): a partial derivative is a row of ``Q`` times the point.

The penalty is separable, :math:`g_i(t) = l1_i|t| + \\tfrac{l2_i}{2}t^2 +
\\iota_{[lo_i, hi_i]}(t)` (four arrays; the ridge of the GLM is in ``l2``).
Every kernel has a NumPy reference (``*_ref``) with the same arguments,
used by the tests.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit

from .cd_scalar import prox_scalar
from .columns import _col_axpy, _col_derivs

__all__ = ["vr_sweep", "vr_sweep_ref", "acoder_sweep", "acoder_sweep_ref", "KIND_GLM",
           "KIND_QUAD"]

KIND_GLM = 0
KIND_QUAD = 1


@njit(cache=True)
def _partial(c, kind, Xd, data, indices, indptr, dense, z, ylab, loss, inv_n, Q, cvec, w):
    """(partial derivative of f along coordinate c, work)."""
    if kind == 0:
        s1, _, wk = _col_derivs(c, Xd, data, indices, indptr, dense, z, ylab, loss, False)
        return s1 * inv_n, wk
    d = w.shape[0]
    s = 0.0
    for i in range(d):
        s += Q[c, i] * w[i]
    return s - cvec[c], d


@njit(cache=True)
def vr_sweep(kind, Xd, data, indices, indptr, dense, ylab, loss, inv_n, Q, cvec,
             exact, Bd, Bdata, Bindices, Bindptr, Bdense, yB, zc, zp, inv_b,
             x, aux, v, dprev, dcur, eta, bs, l1, l2, lo, hi, pos, n_updates):
    """Blocks ``pos .. pos + n_updates - 1`` of one epoch of cyclic-vr-bcd.

    Block b: ``v_b`` is the exact partial gradient (``exact``) or the
    SARAH/SPIDER update ``v_b += (grad_b f_B(zc) - grad_b f_B(zp)) * inv_b``
    over the epoch's batch ``B`` (its rows as a dense F-order or CSC matrix
    ``Bd`` / ``Bdata, Bindices, Bindptr`` with targets ``yB``; ``zc`` / ``zp``
    its margins at the current / previous epoch's partial point); then
    ``x_b = prox_{eta_b g}(x_b - eta_b v_b)`` and ``dcur_b`` = the step. Exact
    sweeps update the full margins ``aux``; estimator sweeps only the batch
    margins ``zc`` (step) and ``zp`` (``dprev_b``), so that they cost
    O(|B| |b|) per block (``aux`` is left stale). Everything is updated in
    place; returns the work.
    """
    d = x.shape[0]
    work = 0
    for t in range(n_updates):
        b = pos + t
        s = b * bs
        e = min(s + bs, d)
        for c in range(s, e):
            if exact:
                g, wk = _partial(c, kind, Xd, data, indices, indptr, dense, aux, ylab, loss,
                                 inv_n, Q, cvec, x)
                v[c] = g
                work += wk
            else:
                g1, _, w1 = _col_derivs(c, Bd, Bdata, Bindices, Bindptr, Bdense, zc, yB, loss,
                                        False)
                g0, _, w0 = _col_derivs(c, Bd, Bdata, Bindices, Bindptr, Bdense, zp, yB, loss,
                                        False)
                v[c] += (g1 - g0) * inv_b
                work += w1 + w0
        st = eta[b]
        for c in range(s, e):
            xn = prox_scalar(x[c] - st * v[c], st, l1[c], l2[c], lo[c], hi[c])
            delta = xn - x[c]
            x[c] = xn
            dcur[c] = delta
            if delta != 0.0:
                if exact:
                    if kind == 0:
                        work += _col_axpy(c, delta, Xd, data, indices, indptr, dense, aux)
                else:
                    work += _col_axpy(c, delta, Bd, Bdata, Bindices, Bindptr, Bdense, zc)
            if not exact and dprev[c] != 0.0:
                work += _col_axpy(c, dprev[c], Bd, Bdata, Bindices, Bindptr, Bdense, zp)
    return work


@njit(cache=True)
def acoder_sweep(kind, Xd, data, indices, indptr, dense, ylab, loss, inv_n, Q, cvec,
                 w, zw, v, y, x0, zsum, pcur, pprev, gprev, Lb, bs, l1, l2, lo, hi,
                 A_prev, a_prev, a, pos, n_updates):
    """Updates ``pos .. pos + n_updates - 1`` of one A-CODER epoch (blocks last to first).

    Update t of the epoch treats block ``b = m - 1 - t`` (m blocks). ``w`` is
    the mixed point (the epoch's coupling point ``x_k`` on the blocks not yet
    updated, ``y_k`` on the others), ``zw`` its margins (GLM). With
    ``A = A_prev + a``, for each coordinate i of block b:

    ``p_i = d_i f(w)``, ``q_i = p_i + (a_prev / a)(gprev_i - pprev_i)``,
    ``zsum_i += a q_i``, ``v_i = prox_{(A/L_b) g_i}(x0_i - zsum_i / L_b)``,
    ``y_i = (A_prev y_i + a v_i) / A``, ``w_i = y_i`` (``pcur_i = p_i``).
    All partial derivatives of a block are taken before it moves. Everything
    is updated in place; returns the work.
    """
    d = w.shape[0]
    nb = (d + bs - 1) // bs
    A = A_prev + a
    ratio = a_prev / a
    work = 0
    for t in range(n_updates):
        b = nb - 1 - (pos + t)
        s = b * bs
        e = min(s + bs, d)
        for c in range(s, e):
            g, wk = _partial(c, kind, Xd, data, indices, indptr, dense, zw, ylab, loss, inv_n,
                             Q, cvec, w)
            pcur[c] = g
            work += wk
        Lj = Lb[b]
        for c in range(s, e):
            q = pcur[c]
            if a_prev > 0.0:
                q += ratio * (gprev[c] - pprev[c])
            zsum[c] += a * q
            vn = prox_scalar(x0[c] - zsum[c] / Lj, A / Lj, l1[c], l2[c], lo[c], hi[c])
            v[c] = vn
            yn = (A_prev * y[c] + a * vn) / A
            dw = yn - w[c]
            y[c] = yn
            w[c] = yn
            if kind == 0 and dw != 0.0:
                work += _col_axpy(c, dw, Xd, data, indices, indptr, dense, zw)
    return work


# ---------------------------------------------------------------------------
# NumPy references (same arguments; vectorized per block, no shared helpers)
# ---------------------------------------------------------------------------
def _ref_dloss(loss, z, y):
    if loss == 0:
        return z
    return -y / (1.0 + np.exp(y * z))


def _ref_cols(M, idx):
    C = M[:, idx]
    return C.toarray() if sp.issparse(C) else C


def vr_sweep_ref(kind, Xd, data, indices, indptr, dense, ylab, loss, inv_n, Q, cvec,
                 exact, Bd, Bdata, Bindices, Bindptr, Bdense, yB, zc, zp, inv_b,
                 x, aux, v, dprev, dcur, eta, bs, l1, l2, lo, hi, pos, n_updates):
    """NumPy reference of :func:`vr_sweep` (same in-place updates; returns 0).

    For sparse data the row count of ``X`` / the batch is taken from ``aux``
    / ``zc``.
    """
    d = x.size
    X = B = None
    if kind == 0:
        X = np.asarray(Xd) if dense else sp.csc_matrix((data, indices, indptr),
                                                       shape=(aux.size, d))
    if not exact:
        B = np.asarray(Bd) if Bdense else sp.csc_matrix((Bdata, Bindices, Bindptr),
                                                        shape=(zc.size, d))
    for t in range(n_updates):
        b = pos + t
        idx = np.arange(b * bs, min((b + 1) * bs, d))
        if exact:
            if kind == 0:
                v[idx] = _ref_cols(X, idx).T @ _ref_dloss(loss, aux, ylab) * inv_n
            else:
                v[idx] = Q[idx] @ x - cvec[idx]
        else:
            CB = _ref_cols(B, idx)
            v[idx] += (CB.T @ _ref_dloss(loss, zc, yB) - CB.T @ _ref_dloss(loss, zp, yB)) * inv_b
        st = eta[b]
        u = x[idx] - st * v[idx]
        xn = np.sign(u) * np.maximum(np.abs(u) - st * l1[idx], 0.0) / (1.0 + st * l2[idx])
        xn = np.clip(xn, lo[idx], hi[idx])
        delta = xn - x[idx]
        x[idx] = xn
        dcur[idx] = delta
        if exact and kind == 0:
            aux += _ref_cols(X, idx) @ delta
        if not exact:
            zc += CB @ delta
            zp += CB @ dprev[idx]
    return 0


def acoder_sweep_ref(kind, Xd, data, indices, indptr, dense, ylab, loss, inv_n, Q, cvec,
                     w, zw, v, y, x0, zsum, pcur, pprev, gprev, Lb, bs, l1, l2, lo, hi,
                     A_prev, a_prev, a, pos, n_updates):
    """NumPy reference of :func:`acoder_sweep` (same in-place updates; returns 0)."""
    d = w.size
    nb = -(-d // bs)
    A = A_prev + a
    X = None
    if kind == 0:
        X = np.asarray(Xd) if dense else sp.csc_matrix((data, indices, indptr),
                                                       shape=(zw.size, d))
    for t in range(n_updates):
        b = nb - 1 - (pos + t)
        idx = np.arange(b * bs, min((b + 1) * bs, d))
        if kind == 0:
            p = _ref_cols(X, idx).T @ _ref_dloss(loss, zw, ylab) * inv_n
        else:
            p = Q[idx] @ w - cvec[idx]
        pcur[idx] = p
        q = p + (a_prev / a) * (gprev[idx] - pprev[idx]) if a_prev > 0 else p
        zsum[idx] += a * q
        Lj = Lb[b]
        u = x0[idx] - zsum[idx] / Lj
        s = A / Lj
        vn = np.sign(u) * np.maximum(np.abs(u) - s * l1[idx], 0.0) / (1.0 + s * l2[idx])
        vn = np.clip(vn, lo[idx], hi[idx])
        v[idx] = vn
        yn = (A_prev * y[idx] + a * vn) / A
        dw = yn - w[idx]
        y[idx] = yn
        w[idx] = yn
        if kind == 0:
            zw += _ref_cols(X, idx) @ dw
    return 0
