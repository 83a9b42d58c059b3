"""Compiled block coordinate descent kernels (Numba, float64).

Every kernel runs many cheap coordinate (block) updates in one call and
returns its *work*: the number of matrix entries it read (columns of ``X``,
rows of ``Q``), the unit the coordinate solvers report in ``nwork``.

Penalties are separable, :math:`g_i(t) = l1_i |t| + \\tfrac{l2_i}{2} t^2 +
\\iota_{[lo_i, hi_i]}(t)`, passed as four arrays.

Two data models:

* GLM: :math:`f(w) = \\frac1n\\sum_i \\ell(z_i) + \\frac{\\mu}{2}\\|w\\|^2` with
  ``z = X w`` maintained incrementally (``loss=0``: squared loss, the array
  holds the residual ``Xw - y``; ``loss=1``: logistic loss, it holds ``Xw``).
  ``X`` is dense (Fortran order, ``dense=True``) or CSC (``data, indices,
  indptr``).
* quadratic: :math:`f(x) = \\tfrac12 x^\\top Q x - c^\\top x` with the gradient
  ``g = Qx - c`` maintained incrementally (``g += Q[:, b] delta``).

Rule codes: 0 = the block order is given (cyclic, random, Lipschitz sampling),
1 = GS (minimal-norm subgradient, GS-s), 2 = GS-r, 3 = GSL (GS-q with the
Lipschitz model), 4 = GSD (GS-q with the diagonal model), 5 = GSQ.
Update codes: 0 = Lipschitz, 1 = diagonal, 2 = matrix / Newton.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["prox_scalar", "min_norm_subgrad", "coord_scores", "glm_cd", "glm_grad",
           "glm_block_cd", "quad_bcd", "gsq_greedy_block", "tree_solve", "enet_dual_pass",
           "enet_ws_solve", "enet_gram_solve", "sparse_gram_cols", "cols_axpy", "csc_colsq",
           "enet_zero_screened", "enet_ws_stats", "csc_colsq_dots", "glm_block_lipschitz",
           "glm_bcd_fixed"]


@njit(cache=True, inline="always")
def prox_scalar(v, s, l1, l2, lo, hi):
    """prox of s * g_i at v (soft threshold, shrink, clip)."""
    a = abs(v) - s * l1
    if a <= 0.0:
        z = 0.0
    else:
        z = math.copysign(a, v) / (1.0 + s * l2)
    if z < lo:
        z = lo
    elif z > hi:
        z = hi
    return z


@njit(cache=True, inline="always")
def min_norm_subgrad(g, x, l1, l2, lo, hi):
    """Minimal-norm element of g + dg_i(x) (0 when x is coordinate-wise optimal)."""
    t = g + l2 * x
    if x > 0.0:
        a = t + l1
        b = a
    elif x < 0.0:
        a = t - l1
        b = a
    else:
        a = t - l1
        b = t + l1
    if x <= lo:
        a = -np.inf
    if x >= hi:
        b = np.inf
    if a > 0.0:
        return a
    if b < 0.0:
        return b
    return 0.0


@njit(cache=True, inline="always")
def _pen(x, l1, l2):
    return l1 * abs(x) + 0.5 * l2 * x * x


@njit(cache=True, inline="always")
def _pen_diff(z, x, l1, l2):
    """g_i(z) - g_i(x) without the cancellation of g_i(z) - g_i(x) near x."""
    return l1 * (abs(z) - abs(x)) + 0.5 * l2 * (z - x) * (z + x)


@njit(cache=True, inline="always")
def _coord_score(rule, g, x, L, l1, l2, lo, hi):
    """Score of one coordinate for the greedy rules (larger is better)."""
    if rule == 1:
        s = min_norm_subgrad(g, x, l1, l2, lo, hi)
        return s * s
    z = prox_scalar(x - g / L, 1.0 / L, l1, l2, lo, hi)
    d = z - x
    if rule == 2:
        return d * d
    # GS-q: twice the decrease of the proximal quadratic model
    return -2.0 * (g * d + 0.5 * L * d * d + _pen_diff(z, x, l1, l2))


@njit(cache=True)
def coord_scores(rule, g, x, L, l1, l2, lo, hi):
    """Greedy score of every coordinate (:func:`_coord_score`, curvature ``L[i]``)."""
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = _coord_score(rule, g[i], x[i], L[i], l1[i], l2[i], lo[i], hi[i])
    return out


# ---------------------------------------------------------------------------
# GLM model: z = Xw maintained, dense (F-order) or CSC columns
# ---------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _dloss(loss, zi, yi):
    """(l'(z), l''(z)) of the per-sample loss (squared: z is the residual)."""
    if loss == 0:
        return zi, 1.0
    m = yi * zi
    if m >= 0.0:
        e = math.exp(-m)
        s = e / (1.0 + e)          # sigma(-m)
    else:
        s = 1.0 / (1.0 + math.exp(m))
    return -yi * s, s * (1.0 - s)


@njit(cache=True, inline="always")
def _loss(loss, zi, yi):
    if loss == 0:
        return 0.5 * zi * zi
    m = yi * zi
    return max(-m, 0.0) + math.log1p(math.exp(-abs(m)))


@njit(cache=True)
def _col_derivs(j, Xd, data, indices, indptr, dense, z, y, loss, need_h):
    s1 = 0.0
    s2 = 0.0
    if dense:
        n = Xd.shape[0]
        if loss == 0 and not need_h:
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
    if loss == 0 and not need_h:
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


@njit(cache=True, inline="always")
def _loss_change(loss, zi, yi, dz):
    """l(z + dz) - l(z) without cancellation (log1p(expm1(-a) sigma(-m)) for logistic)."""
    if loss == 0:
        return dz * (zi + 0.5 * dz)
    m = yi * zi
    if m >= 0.0:
        e = math.exp(-m)
        s = e / (1.0 + e)
    else:
        s = 1.0 / (1.0 + math.exp(m))
    a = yi * dz
    if abs(a) > 30.0:
        return _loss(loss, zi + dz, yi) - _loss(loss, zi, yi)
    return math.log1p(math.expm1(-a) * s)


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


@njit(cache=True)
def _glm_coord_update(j, Xd, data, indices, indptr, dense, y, z, w, Lc, l1, l2, lo, hi,
                      loss, mu, inv_n, newton):
    """One proximal coordinate step on coordinate j; returns (delta, work)."""
    s1, s2, work = _col_derivs(j, Xd, data, indices, indptr, dense, z, y, loss,
                               newton and loss != 0)
    wj = w[j]
    gj = s1 * inv_n + mu * wj
    if newton and loss != 0:
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
    if newton and loss != 0:
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
def glm_cd(Xd, data, indices, indptr, dense, y, z, w, order, n_updates, rule, Lc,
           l1, l2, lo, hi, loss, mu, inv_n, newton, grad_buf):
    """``n_updates`` proximal coordinate updates on a GLM.

    ``rule == 0``: coordinates ``order[0:n_updates]``. Greedy rules (1-5)
    recompute the full gradient (O(nnz)) before every update and take the
    best coordinate (rule 5, GSQ, scores with the exact diagonal curvature,
    the others as in :func:`_coord_score`). Updates the residual/margins
    ``z`` and ``w`` in place; returns the work.
    """
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
                                         rule == 5 and loss != 0)
                work += wk
                gk = s1 * inv_n + mu * w[k]
                grad_buf[k] = gk
                if rule == 5 and loss != 0:
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
def glm_block_cd(Xd, data, indices, indptr, dense, y, z, w, block, Lc, l1, l2, lo, hi,
                 loss, mu, inv_n, newton, tol, max_sweeps):
    """Minimize over the coordinates ``block`` (others fixed) by cyclic sweeps.

    Stops when the largest scaled step ``L_j |delta_j|`` of a sweep is <= tol
    or after ``max_sweeps`` sweeps. Returns ``(work, sweeps)``.
    """
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


# ---------------------------------------------------------------------------
# quadratic model: g = Qx - c maintained
# ---------------------------------------------------------------------------
@njit(cache=True)
def _block_prox_cd(Q, g, x, blk, l1, l2, lo, hi, delta):
    """Exact minimization of the block model g'd + d'Q_bb d/2 + g_b(x_b + d) by CD."""
    m = blk.shape[0]
    q = np.empty(m)
    for a in range(m):
        q[a] = g[blk[a]]
        delta[a] = 0.0
    work = 0
    for _ in range(10000):
        biggest = 0.0
        scale = 0.0
        for a in range(m):
            i = blk[a]
            h = Q[i, i]
            if h <= 0.0:
                continue
            xi = x[i] + delta[a]
            zi = prox_scalar(xi - q[a] / h, 1.0 / h, l1[i], l2[i], lo[i], hi[i])
            dd = zi - xi
            if dd != 0.0:
                delta[a] += dd
                for b in range(m):
                    q[b] += Q[blk[b], i] * dd
                work += m
                if abs(dd) > biggest:
                    biggest = abs(dd)
            if abs(zi) > scale:
                scale = abs(zi)
        if biggest <= 1e-15 * max(scale, 1e-300) or biggest == 0.0:
            break
    return work


@njit(cache=True)
def gsq_greedy_block(Q, g, tau):
    r"""Greedy GSQ block: ``tau`` coordinates chosen one at a time, each maximizing the
    increase of :math:`g_b^\top Q_{bb}^{-1} g_b`.

    Adding j to b increases it by :math:`r_j^2 / s_j` with the Schur complements
    :math:`r_j = g_j - Q_{jb}Q_{bb}^{-1}g_b`, :math:`s_j = Q_{jj} - Q_{jb}Q_{bb}^{-1}Q_{bj}`;
    both are updated in O(d |b|) per addition by a pivoted partial Cholesky of Q
    (the paper's suggestion for GSQ over variable blocks, which is combinatorial
    exactly). Returns (block sorted by selection order, work).
    """
    d = g.shape[0]
    tau = min(tau, d)
    r = g.copy()
    s = np.empty(d)
    for j in range(d):
        s[j] = Q[j, j]
    Lcols = np.empty((tau, d))
    chosen = np.zeros(d, dtype=np.bool_)
    blk = np.empty(tau, dtype=np.int64)
    work = d
    m = 0
    for t in range(tau):
        best = -1.0
        k = -1
        for j in range(d):
            if not chosen[j] and s[j] > 1e-12 * Q[j, j] and s[j] > 0.0:
                gain = r[j] * r[j] / s[j]
                if gain > best:
                    best = gain
                    k = j
        if k < 0:
            break
        blk[m] = k
        m += 1
        chosen[k] = True
        piv = math.sqrt(s[k])
        for j in range(d):
            v = Q[j, k]
            for p in range(t):
                v -= Lcols[p, j] * Lcols[p, k]
            Lcols[t, j] = v / piv
        rk = r[k] / piv
        for j in range(d):
            lj = Lcols[t, j]
            s[j] -= lj * lj
            r[j] -= lj * rk
        work += d * (t + 1)
    return blk[:m].copy(), work


@njit(cache=True)
def quad_bcd(Q, g, x, bptr, bidx, Lb, Dfix, Hinv, hoff, order, n_updates, rule, update,
             tau, l1, l2, lo, hi, composite):
    """``n_updates`` block updates on f = x'Qx/2 - c'x (+ separable g).

    Fixed blocks (``tau == 0``): block b is ``bidx[bptr[b]:bptr[b+1]]`` with
    Lipschitz constant ``Lb[b]``, diagonal bounds ``Dfix`` (per coordinate,
    within its block) and ``H_b^{-1}`` at ``Hinv[hoff[b]:]`` (row-major).
    Variable blocks (``tau > 0``): the ``tau`` coordinates with the best
    per-coordinate scores (diagonal model ``Q_ii``; GSQ without a penalty: the greedy
    block of :func:`gsq_greedy_block`), Gershgorin bounds for L
    and D, matrix updates by a dense solve. Updates ``x`` and ``g`` in place;
    returns the work.
    """
    d = x.shape[0]
    nb = bptr.shape[0] - 1
    work = 0
    scores = np.empty(d)
    delta = np.empty(max(tau, 1) if tau > 0 else np.max(np.diff(bptr)))
    for t in range(n_updates):
        # ---- select the block -------------------------------------------
        if tau > 0 and rule == 5 and not composite:
            blk, wk = gsq_greedy_block(Q, g, tau)
            work += wk
            b = -1
            L = 0.0
        elif tau > 0:
            r = rule if rule != 5 else 4
            for i in range(d):
                Li = Q[i, i] if Q[i, i] > 0.0 else 1.0
                scores[i] = _coord_score(r, g[i], x[i], Li, l1[i], l2[i], lo[i], hi[i])
            work += d
            blk = np.argsort(-scores)[:tau].copy()
            b = -1
            L = 0.0
        else:
            if rule == 0:
                b = order[t]
            else:
                best = -1.0
                b = 0
                for bb in range(nb):
                    s = 0.0
                    if rule == 5 and not composite:
                        o = hoff[bb]
                        m = bptr[bb + 1] - bptr[bb]
                        for a in range(m):
                            ga = g[bidx[bptr[bb] + a]]
                            for c in range(m):
                                s += ga * Hinv[o + a * m + c] * g[bidx[bptr[bb] + c]]
                    else:
                        for k in range(bptr[bb], bptr[bb + 1]):
                            i = bidx[k]
                            if rule == 1 or rule == 2 or rule == 3:
                                s += _coord_score(rule, g[i], x[i], Lb[bb], l1[i], l2[i],
                                                  lo[i], hi[i])
                            else:
                                s += _coord_score(3, g[i], x[i], Dfix[i], l1[i], l2[i],
                                                  lo[i], hi[i])
                    if s > best:
                        best = s
                        b = bb
                work += d
            blk = bidx[bptr[b]:bptr[b + 1]]
            L = Lb[b]
        m = blk.shape[0]
        # ---- block step ---------------------------------------------------
        if update == 2 and composite:
            work += _block_prox_cd(Q, g, x, blk, l1, l2, lo, hi, delta)
        elif update == 2:
            if b >= 0:
                o = hoff[b]
                for a in range(m):
                    s = 0.0
                    for c in range(m):
                        s += Hinv[o + a * m + c] * g[blk[c]]
                    delta[a] = -s
            else:
                H = np.empty((m, m))
                rhs = np.empty(m)
                for a in range(m):
                    rhs[a] = -g[blk[a]]
                    for c in range(m):
                        H[a, c] = Q[blk[a], blk[c]]
                    H[a, a] += 1e-12 * H[a, a]
                sol = np.linalg.solve(H, rhs)
                for a in range(m):
                    delta[a] = sol[a]
            work += m * m
        else:
            if tau > 0:
                # Gershgorin bounds on the chosen block
                L = 0.0
                for a in range(m):
                    s = 0.0
                    for c in range(m):
                        s += abs(Q[blk[a], blk[c]])
                    scores[blk[a]] = s
                    if s > L:
                        L = s
                work += m * m
            for a in range(m):
                i = blk[a]
                if update == 1:
                    h = scores[i] if tau > 0 else Dfix[i]
                else:
                    h = L
                if h <= 0.0:
                    delta[a] = 0.0
                    continue
                delta[a] = prox_scalar(x[i] - g[i] / h, 1.0 / h, l1[i], l2[i], lo[i],
                                       hi[i]) - x[i]
        # ---- apply: x_b += delta, g += Q[:, b] delta ----------------------
        for a in range(m):
            da = delta[a]
            if da != 0.0:
                i = blk[a]
                x[i] += da
                for k in range(d):
                    g[k] += Q[i, k] * da
                work += d
    return work


# ---------------------------------------------------------------------------
# message passing: exact solve of a tree-structured (forest) system
# ---------------------------------------------------------------------------
@njit(cache=True)
def tree_solve(order, parent, diag, offd, rhs, out):
    """Solve ``H u = rhs`` for a forest-structured symmetric H in O(|b|).

    ``order`` lists the block's nodes (local indices) so that every node
    comes after its parent (a BFS order per tree); ``parent[a]`` is the local
    parent (-1 for roots) and ``offd[a] = H[a, parent[a]]``; ``diag`` is
    ``H``'s diagonal. Leaves-to-root elimination ("messages") then
    back-substitution. ``out`` receives u. Returns the work (4 |b|).
    """
    m = order.shape[0]
    D = diag.copy()
    r = rhs.copy()
    for k in range(m - 1, -1, -1):
        a = order[k]
        p = parent[a]
        if p >= 0:
            f = offd[a] / D[a]
            D[p] -= f * offd[a]
            r[p] -= f * r[a]
    for k in range(m):
        a = order[k]
        p = parent[a]
        if p >= 0:
            out[a] = (r[a] - offd[a] * out[p]) / D[a]
        else:
            out[a] = r[a] / D[a]
    return 4 * m


# ---------------------------------------------------------------------------
# least squares + L1 / elastic net: duality gap, gap-safe screening, working sets
# (all quantities multiplied by n: P_n(w) = ||r||^2/2 + sum lam_j |w_j| + mu_j w_j^2/2
# with r = Xw - y, lam = n * l1, mu = n * l2)
# ---------------------------------------------------------------------------
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
def enet_dual_pass(Xd, data, indices, indptr, dense, y, r, w, lam, mu, colnorm, active,
                   screen, c, prio, have_c):
    """One pass over the unscreened columns: gap, gap-safe screening, priorities.

    ``active`` (int8 per coordinate, 1 = not screened) is updated in place when
    ``screen``: coordinate j is discarded for good when
    ``s|X_j'R| + ||X_j|| sqrt(2 gap_n) < lam_j``, which proves w*_j = 0
    (the dual is 1-strongly concave in u, so ||u - u*|| <= sqrt(2 gap_n);
    Fercoq, Gramfort & Salmon 2015; Ndiaye et al. 2017). ``prio[j]`` is the
    distance ``(lam_j - s|X_j'R|)/||X_j||`` of the dual point to constraint j
    (Massias, Gramfort & Salmon 2018), -inf on the support, +inf if screened.
    ``have_c``: ``c = X'R`` was computed by the caller (e.g. by BLAS).
    Returns (gap_n, P_n, n_screened_now, work).
    """
    d = w.shape[0]
    cols = np.empty(d, dtype=np.int64)
    ncols = 0
    work = 0
    for j in range(d):
        if active[j]:
            if not have_c:
                s1, _, wk = _col_derivs(j, Xd, data, indices, indptr, dense, r, y, 0, False)
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


@njit(cache=True, fastmath=True)
def _dense_col_dot(Xd, j, r):
    """X[:, j]'r for a dense F-order X (reassociated sum: SIMD)."""
    s = 0.0
    for i in range(Xd.shape[0]):
        s += Xd[i, j] * r[i]
    return s


@njit(cache=True)
def _enet_col_dot(j, Xd, data, indices, indptr, dense, r):
    if dense:
        return _dense_col_dot(Xd, j, r), Xd.shape[0]
    s = 0.0
    for k in range(indptr[j], indptr[j + 1]):
        s += data[k] * r[indices[k]]
    return s, indptr[j + 1] - indptr[j]


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
def enet_ws_solve(Xd, data, indices, indptr, dense, y, r, w, lam, mu, colsq, ws, tol_n,
                  check_every, max_epochs, c, anderson=0):
    """Cyclic coordinate descent on the working set ``ws`` (others fixed).

    Exact coordinate minimization ``w_j <- prox(w_j - X_j'r/||X_j||^2)``.
    The gap of the subproblem restricted to ``ws`` is computed every
    ``check_every`` epochs, or earlier when the epochs' objective decreases
    (>= (||X_j||^2 + mu_j) delta_j^2 / 2 per update) predict it is below
    ``tol_n``; the solve stops when it is <= ``tol_n``. ``anderson = K > 0``:
    every K epochs the last K + 1 iterates are extrapolated
    (:func:`_anderson_weights`) and the result kept if its objective is lower.
    Updates ``w`` and the residual ``r = Xw - y`` in place.
    Returns (work, epochs, gap_n of the subproblem at exit (or -1 if unchecked)).
    """
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
                s1, wk = _enet_col_dot(j, Xd, data, indices, indptr, dense, r)
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
                s1, wk = _enet_col_dot(j, Xd, data, indices, indptr, dense, r)
                c[j] = -s1
                work += wk
            gap, _, _ = _enet_gap(r, y, w, lam, mu, ws, c, m)
            if gap <= tol_n or dec == 0.0:   # converged, or a fixed point (rounding floor)
                break
        dec_prev = dec
    return work, epochs, gap


@njit(cache=True)
def enet_gram_solve(G, ws, w, q, xty, r, y, lam, mu, tol_n, check_every, max_epochs, c,
                    anderson=0):
    """Cyclic CD on the working set through its Gram matrix ``G = X_ws'X_ws``.

    ``q = X_ws'r`` (r = Xw - y) is kept up to date by ``q += G[:, k] delta``
    (O(|ws|) per update instead of O(nnz of a column)); ``||r||^2`` and
    ``y'R`` (R = -r) are tracked from ``xty = X_ws'y``; ``r`` is not modified.
    Gap checks and Anderson extrapolation as in :func:`enet_ws_solve` (here
    an extrapolation costs O(|ws|^2)). Updates ``w`` (global indices) and
    ``q``; the caller updates r. Returns (work, epochs, gap_n).
    """
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


# ---------------------------------------------------------------------------
# GLM model with fixed blocks (contiguous / partition): z = Xw maintained
# ---------------------------------------------------------------------------
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
            s, wk = _enet_col_dot(blk[c], Xd, data, indices, indptr, dense, buf)
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
        _glm_block_hessian(blk, Xd, data, indices, indptr, dense, zero, zero, 0, 1.0 / n,
                           buf, H)
        out[b] = np.linalg.eigvalsh(H)[m - 1] if m > 1 else H[0, 0]
    return out


@njit(cache=True)
def glm_bcd_fixed(Xd, data, indices, indptr, dense, y, z, w, bptr, bidx, Lb, Lc, order,
                  n_updates, rule, update, l1, l2, lo, hi, loss, inv_n, grad_buf):
    """``n_updates`` block updates on a GLM with fixed blocks.

    Block b is ``bidx[bptr[b]:bptr[b+1]]``. ``rule == 0``: the blocks
    ``order[0:n_updates]``; greedy rules compute the full gradient (O(nnz))
    and score every block by the sum of its coordinates' scores (GS-s, GS-r,
    GS-q with ``L_b``; GSD and GSQ with the diagonal bound ``|b| L_i``).
    Updates: 0 = Lipschitz (prox step 1/L_b on the block), 1 = diagonal
    (steps 1/(|b| L_i)), 2 = matrix / Newton: the block model with the block
    Hessian :math:`X_b^\\top D X_b / n` minimized exactly by coordinate descent,
    then Armijo backtracking on F (one full step for least squares). ``z``
    (residual or margins) and ``w`` are updated in place; returns the work.
    """
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
        if update == 2 and loss != 0:
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
