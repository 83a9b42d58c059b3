"""Block coordinate descent on a GLM with fixed blocks (Numba, float64).

:math:`F(w) = \\frac1n\\sum_i \\ell(x_i^\\top w; y_i) + \\sum_j g_j(w_j)`
with the margins ``z = Xw`` (squared loss: the residual ``Xw - y``)
maintained incrementally; the blocks are a fixed partition of the coordinates
(``blocks="contiguous"`` or ``"partition"`` of the ``bcd`` method). One call of
:func:`glm_bcd_fixed` runs many block updates (Lipschitz, diagonal or
matrix/Newton steps; cyclic, random or greedy block selection, Nutini,
Laradji & Schmidt, JMLR 2022; the Newton step's Armijo rule is Tseng & Yun's,
Math. Program. 2009) and returns its work, the number of matrix entries read.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from .cd_scalar import LOSS_SQUARED, _dloss, _loss_change, _pen_diff, prox_scalar
from .columns import _col_axpy, _col_derivs, _col_dot
from .glm_coordinate import glm_grad
from .greedy import _coord_score
from .quadratic_bcd import _block_prox_cd

__all__ = ["FixedBlocks", "glm_block_lipschitz", "glm_bcd_fixed"]

FixedBlocks = namedtuple("FixedBlocks", "bptr bidx Lb Lc")
FixedBlocks.__doc__ = """A fixed partition into blocks and its curvature bounds.

Attributes
----------
bptr, bidx : ndarray of int64
    Block b is ``bidx[bptr[b]:bptr[b + 1]]``.
Lb : ndarray, shape (n_blocks,)
    Lipschitz constant of the block gradient.
Lc : ndarray, shape (d,)
    Coordinate Lipschitz constants (the diagonal bound of a block is ``|b| Lc[i]``).
"""


@njit(cache=True)
def _glm_block_hessian(blk, Xd, data, indices, indptr, dense, z, y, loss, inv_n, buf, H):
    """H = X_b' D X_b / n (D = 1 squared loss, sigma(1 - sigma) logistic); ``buf`` is an
    n-vector of zeros on entry and on exit. Returns the work."""
    m = blk.shape[0]
    work = 0
    for a in range(m):
        ja = blk[a]
        # scatter D * X_a into buf
        if dense:
            n = Xd.shape[0]
            for i in range(n):
                _, d2 = _dloss(loss, z[i], y[i])
                buf[i] = Xd[i, ja] * d2
        else:
            for k in range(indptr[ja], indptr[ja + 1]):
                i = indices[k]
                _, d2 = _dloss(loss, z[i], y[i])
                buf[i] = data[k] * d2
        for c in range(a, m):
            s, wk = _col_dot(blk[c], Xd, data, indices, indptr, dense, buf)
            H[a, c] = s * inv_n
            H[c, a] = s * inv_n
            work += wk
        if dense:
            for i in range(Xd.shape[0]):
                buf[i] = 0.0
        else:
            for k in range(indptr[ja], indptr[ja + 1]):
                buf[indices[k]] = 0.0
    return work


@njit(cache=True)
def glm_block_lipschitz(bptr, bidx, Xd, data, indices, indptr, dense, n):
    """lambda_max(X_b'X_b) / n for every block b (exact, by a small eigvalsh)."""
    nb = bptr.shape[0] - 1
    out = np.empty(nb)
    buf = np.zeros(n)
    zero = np.zeros(n)
    for b in range(nb):
        blk = bidx[bptr[b]:bptr[b + 1]]
        m = blk.shape[0]
        H = np.empty((m, m))
        _glm_block_hessian(blk, Xd, data, indices, indptr, dense, zero, zero, LOSS_SQUARED,
                           1.0 / n,
                           buf, H)
        out[b] = np.linalg.eigvalsh(H)[m - 1] if m > 1 else H[0, 0]
    return out


@njit(cache=True)
def _glm_bcd_fixed(Xd, data, indices, indptr, dense, y, z, w, bptr, bidx, Lb, Lc, order,
                   n_updates, rule, update, l1, l2, lo, hi, loss, inv_n, grad_buf):
    """Flat-argument kernel of :func:`glm_bcd_fixed` (see there)."""
    n = z.shape[0]
    nb = bptr.shape[0] - 1
    mmax = 0
    for b in range(nb):
        if bptr[b + 1] - bptr[b] > mmax:
            mmax = bptr[b + 1] - bptr[b]
    gb = np.empty(mmax)
    delta = np.empty(mmax)
    H = np.empty((mmax, mmax))
    buf = np.zeros(n)
    dz = np.empty(n)
    work = 0
    for t in range(n_updates):
        if rule == 0:
            b = order[t]
        else:
            work += glm_grad(Xd, data, indices, indptr, dense, y, z, w, loss, 0.0, inv_n,
                             grad_buf)
            best = -1.0
            b = 0
            for bb in range(nb):
                m = bptr[bb + 1] - bptr[bb]
                s = 0.0
                for k in range(bptr[bb], bptr[bb + 1]):
                    i = bidx[k]
                    if rule <= 3:
                        s += _coord_score(rule, grad_buf[i], w[i], Lb[bb], l1[i], l2[i],
                                          lo[i], hi[i])
                    else:
                        s += _coord_score(3, grad_buf[i], w[i], m * Lc[i], l1[i], l2[i],
                                          lo[i], hi[i])
                if s > best:
                    best = s
                    b = bb
        blk = bidx[bptr[b]:bptr[b + 1]]
        m = blk.shape[0]
        for a in range(m):
            s1, _, wk = _col_derivs(blk[a], Xd, data, indices, indptr, dense, z, y, loss,
                                    False)
            gb[a] = s1 * inv_n
            work += wk
        if update == 2:
            Hb = H[:m, :m]
            work += _glm_block_hessian(blk, Xd, data, indices, indptr, dense, z, y, loss,
                                       inv_n, buf, Hb)
            scale = 0.0
            for a in range(m):
                if Hb[a, a] > scale:
                    scale = Hb[a, a]
            for a in range(m):
                Hb[a, a] += 1e-12 * scale + 1e-300
            loc = np.arange(m)
            _block_prox_cd(Hb, gb[:m].copy(), w[blk], loc, l1[blk], l2[blk], lo[blk],
                           hi[blk], delta)
        else:
            for a in range(m):
                i = blk[a]
                h = Lb[b] if update == 0 else m * Lc[i]
                delta[a] = prox_scalar(w[i] - gb[a] / h, 1.0 / h, l1[i], l2[i], lo[i],
                                       hi[i]) - w[i]
        step = 1.0
        if update == 2 and loss != LOSS_SQUARED:
            # Armijo on F along delta (Tseng & Yun): F(w + t delta) <= F(w) + sigma t base
            for i in range(n):
                dz[i] = 0.0
            base = 0.0
            for a in range(m):
                i = blk[a]
                work += _col_axpy(i, delta[a], Xd, data, indices, indptr, dense, dz)
                base += gb[a] * delta[a] + _pen_diff(w[i] + delta[a], w[i], l1[i], l2[i])
            for _ in range(30):
                dF = 0.0
                for i in range(n):
                    if dz[i] != 0.0:
                        dF += _loss_change(loss, z[i], y[i], step * dz[i])
                dF *= inv_n
                for a in range(m):
                    i = blk[a]
                    dF += _pen_diff(w[i] + step * delta[a], w[i], l1[i], l2[i])
                work += n
                if dF <= 0.01 * step * base:
                    break
                step *= 0.5
            else:
                step = 0.0
        for a in range(m):
            da = step * delta[a]
            if da != 0.0:
                i = blk[a]
                w[i] += da
                work += _col_axpy(i, da, Xd, data, indices, indptr, dense, z)
    return work


def glm_bcd_fixed(D, pen, B, z, w, order, n_updates, rule, update, grad_buf):
    """``n_updates`` block updates on a GLM with fixed blocks.

    Block b is ``bidx[bptr[b]:bptr[b+1]]``. ``rule == 0``: the blocks
    ``order[0:n_updates]``; greedy rules compute the full gradient (O(nnz))
    and score every block by the sum of its coordinates' scores (GS-s, GS-r,
    GS-q with ``L_b``; GSD and GSQ with the diagonal bound ``|b| L_i``).
    Updates: 0 = Lipschitz (prox step 1/L_b on the block), 1 = diagonal
    (steps 1/(|b| L_i)), 2 = matrix / Newton: the block model with the block
    Hessian :math:`X_b^\\top D X_b / n` minimized exactly by coordinate descent,
    then Armijo backtracking on F (one full step for least squares).

    Parameters
    ----------
    D : GLMData
        The data matrix, targets, loss code and ``1/n``.
    pen : Penalty
        The separable penalty.
    B : FixedBlocks
        The blocks and their curvature bounds.
    z, w : ndarray
        Margins (or residual) and the iterate, updated in place.
    order : ndarray of int64
        The blocks to update when ``rule == 0``.
    n_updates, rule, update : int
        Number of block updates, rule code (:mod:`~optkit.kernels.greedy`) and
        update code.
    grad_buf : ndarray, shape (d,)
        Work space for the full gradient of the greedy rules.

    Returns
    -------
    int
        The work (matrix entries read).
    """
    # a Python-level unpacking: namedtuple arguments of a compiled function are typed by
    # Numba's slow path (several us per call), the flat call is not
    return _glm_bcd_fixed(*D.X, D.y, z, w, *B, order, n_updates, rule, update, *pen, D.loss,
                          D.inv_n, grad_buf)
