"""Proximal coordinate descent on a GLM, one coordinate at a time (Numba, float64).

:math:`F(w) = \\frac1n\\sum_i \\ell(x_i^\\top w; y_i) + \\frac{\\mu}{2}\\|w\\|^2
+ \\sum_j g_j(w_j)` with the margins ``z = Xw`` (squared loss: the residual
``Xw - y``) maintained incrementally. Each update is a proximal step with the
coordinate Lipschitz constant, or a proximal Newton step with Armijo
backtracking (Tseng & Yun, Math. Program. 2009). :func:`glm_cd` serves the
``bcd`` method with single-coordinate blocks (cyclic, random, Lipschitz
sampling or greedy rules, :mod:`~optkit.kernels.greedy`), :func:`glm_block_cd`
its variable-block and working-set inner solves, :func:`glm_grad` the full
gradient.
"""

from __future__ import annotations

from numba import njit

from .cd_scalar import LOSS_SQUARED, _pen_diff, prox_scalar
from .columns import _col_axpy, _col_derivs, _col_loss_change
from .greedy import _coord_score

__all__ = ["glm_grad", "glm_cd", "glm_block_cd"]


@njit(cache=True)
def _glm_coord_update(j, Xd, data, indices, indptr, dense, y, z, w, Lc, l1, l2, lo, hi,
                      loss, mu, inv_n, newton):
    """One proximal coordinate step on coordinate j; returns (delta, work)."""
    s1, s2, work = _col_derivs(j, Xd, data, indices, indptr, dense, z, y, loss,
                               newton and loss != LOSS_SQUARED)
    wj = w[j]
    gj = s1 * inv_n + mu * wj
    if newton and loss != LOSS_SQUARED:
        h = s2 * inv_n + mu
        if h < 1e-12 * Lc[j]:
            h = 1e-12 * Lc[j] + 1e-300
    else:
        h = Lc[j]
    if h <= 0.0:
        return 0.0, work
    znew = prox_scalar(wj - gj / h, 1.0 / h, l1[j], l2[j], lo[j], hi[j])
    delta = znew - wj
    if delta == 0.0:
        return 0.0, work
    if newton and loss != LOSS_SQUARED:
        # Armijo backtracking on F along delta (Tseng & Yun's rule, sigma = 0.01)
        base = gj * delta + _pen_diff(znew, wj, l1[j], l2[j])
        t = 1.0
        for _ in range(30):
            wt = wj + t * delta
            dF = (_col_loss_change(j, t * delta, Xd, data, indices, indptr, dense, z, y, loss)
                  * inv_n + 0.5 * mu * (wt - wj) * (wt + wj)
                  + _pen_diff(wt, wj, l1[j], l2[j]))
            work += indptr[j + 1] - indptr[j] if not dense else Xd.shape[0]
            if dF <= 0.01 * t * base:
                break
            t *= 0.5
        else:
            return 0.0, work
        delta = t * delta
    w[j] = wj + delta
    work += _col_axpy(j, delta, Xd, data, indices, indptr, dense, z)
    return delta, work


@njit(cache=True)
def glm_grad(Xd, data, indices, indptr, dense, y, z, w, loss, mu, inv_n, out):
    """Full gradient of the GLM part into ``out``; returns the work."""
    d = w.shape[0]
    work = 0
    for j in range(d):
        s1, _, wk = _col_derivs(j, Xd, data, indices, indptr, dense, z, y, loss, False)
        out[j] = s1 * inv_n + mu * w[j]
        work += wk
    return work


@njit(cache=True)
def _glm_cd(Xd, data, indices, indptr, dense, y, z, w, order, n_updates, rule, Lc,
            l1, l2, lo, hi, loss, mu, inv_n, newton, grad_buf):
    """Flat-argument kernel of :func:`glm_cd` (see there)."""
    d = w.shape[0]
    work = 0
    for t in range(n_updates):
        if rule == 0:
            j = order[t]
        else:
            best = -1.0
            j = 0
            for k in range(d):
                s1, s2, wk = _col_derivs(k, Xd, data, indices, indptr, dense, z, y, loss,
                                         rule == 5 and loss != LOSS_SQUARED)
                work += wk
                gk = s1 * inv_n + mu * w[k]
                grad_buf[k] = gk
                if rule == 5 and loss != LOSS_SQUARED:
                    L = s2 * inv_n + mu
                    if L <= 0.0:
                        L = Lc[k]
                    sc = _coord_score(3, gk, w[k], L, l1[k], l2[k], lo[k], hi[k])
                else:
                    r = rule if rule < 4 else 3
                    sc = _coord_score(r, gk, w[k], Lc[k], l1[k], l2[k], lo[k], hi[k])
                if sc > best:
                    best = sc
                    j = k
        _, wk = _glm_coord_update(j, Xd, data, indices, indptr, dense, y, z, w, Lc,
                                  l1, l2, lo, hi, loss, mu, inv_n, newton)
        work += wk
    return work


@njit(cache=True)
def _glm_block_cd(Xd, data, indices, indptr, dense, y, z, w, block, Lc, l1, l2, lo, hi,
                  loss, mu, inv_n, newton, tol, max_sweeps):
    """Flat-argument kernel of :func:`glm_block_cd` (see there)."""
    work = 0
    sweeps = 0
    for _ in range(max_sweeps):
        sweeps += 1
        biggest = 0.0
        for k in range(block.shape[0]):
            j = block[k]
            delta, wk = _glm_coord_update(j, Xd, data, indices, indptr, dense, y, z, w, Lc,
                                          l1, l2, lo, hi, loss, mu, inv_n, newton)
            work += wk
            s = abs(delta) * Lc[j]
            if s > biggest:
                biggest = s
        if biggest <= tol:
            break
    return work, sweeps


def glm_cd(D, pen, z, w, order, n_updates, rule, Lc, mu, newton, grad_buf):
    """``n_updates`` proximal coordinate updates on a GLM.

    ``rule == 0``: coordinates ``order[0:n_updates]``. Greedy rules (1-5)
    recompute the full gradient (O(nnz)) before every update and take the
    best coordinate (rule 5, GSQ, scores with the exact diagonal curvature,
    the others as in :func:`~optkit.kernels.greedy.coord_scores`). Updates the
    residual/margins ``z`` and ``w`` in place.

    Parameters
    ----------
    D : GLMData
        The data matrix, targets, loss code and ``1/n``.
    pen : Penalty
        The separable penalty.
    z, w : ndarray
        Margins (or residual) and the iterate, updated in place.
    order : ndarray of int64
        The coordinates to update when ``rule == 0``.
    n_updates, rule : int
        Number of updates and the rule code (:mod:`~optkit.kernels.greedy`).
    Lc : ndarray
        Coordinate Lipschitz constants of the loss part.
    mu : float
        Ridge weight folded into the smooth part.
    newton : bool
        Proximal Newton steps with backtracking instead of Lipschitz steps.
    grad_buf : ndarray, shape (d,)
        Receives the full gradient computed by the greedy rules.

    Returns
    -------
    int
        The work (matrix entries read).
    """
    # a Python-level unpacking: namedtuple arguments of a compiled function are typed by
    # Numba's slow path (several us per call), the flat call is not
    return _glm_cd(*D.X, D.y, z, w, order, n_updates, rule, Lc, *pen, D.loss, mu, D.inv_n,
                   newton, grad_buf)


def glm_block_cd(D, pen, z, w, block, Lc, mu, newton, tol, max_sweeps):
    """Minimize over the coordinates ``block`` (others fixed) by cyclic sweeps.

    Stops when the largest scaled step ``L_j |delta_j|`` of a sweep is <= tol
    or after ``max_sweeps`` sweeps. ``D``, ``pen``, ``z``, ``w``, ``Lc``, ``mu``
    and ``newton`` as in :func:`glm_cd`.

    Returns
    -------
    work, sweeps : int
    """
    return _glm_block_cd(*D.X, D.y, z, w, block, Lc, *pen, D.loss, mu, D.inv_n, newton, tol,
                         max_sweeps)
