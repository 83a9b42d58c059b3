"""Compiled kernels of the proximal Newton (newGLMNET-type) method for L1 logistic regression.

For :math:`F(w) = \\frac1n\\sum_i \\log(1 + e^{-y_i z_i}) + \\sum_j g_j(w_j)`,
``z = Xw``, with separable :math:`g_j(t) = l1_j|t| + \\tfrac{l2_j}{2}t^2 +
\\iota_{[lo_j, hi_j]}(t)`, one outer iteration at ``w`` uses

* :func:`logistic_point`: per-sample first and second derivatives of the
  mean loss (``dl_i = l'(z_i)/n``, ``D_i = l''(z_i)/n``) and the mean loss;
* :func:`weighted_colsq`: the Hessian diagonal :math:`H_{jj} = \\sum_i D_i X_{ij}^2`
  on the working set;
* :func:`pn_inner_cd`: cyclic coordinate descent on the quadratic model
  :math:`q(d) = \\nabla L^\\top d + \\tfrac12 d^\\top (X^\\top D X + \\nu I) d
  + \\sum_j g_j(w_j + d_j)` over the working set, keeping ``xd = X d``;
* :func:`pn_line_search`: Armijo backtracking on ``F`` along ``d`` in
  ``O(n)`` per trial from ``z`` and ``xd``; applies the accepted step.

``X`` is dense (Fortran order, ``dense=True``) or CSC (``data, indices,
indptr``), as in :mod:`optkit.kernels.columns`, whose per-coordinate
helpers are reused. Every kernel returns its work (matrix entries read).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .cd_scalar import _dloss, _loss, _loss_change, _pen_diff, prox_scalar
from .columns import _col_axpy, _col_derivs

__all__ = ["logistic_point", "grad_cols", "weighted_colsq", "pn_inner_cd", "pn_line_search",
           "csr_weighted_gram", "pn_gram_cd", "chol_solve", "pn_point", "prox_grad_norm",
           "pn_delta_ls", "pn_xstep", "dense_weighted_gram"]


@njit(cache=True)
def logistic_point(z, y, inv_n, dl, D):
    """``dl_i = l'(z_i)/n``, ``D_i = l''(z_i)/n`` (logistic loss); returns the mean loss."""
    s = 0.0
    for i in range(z.shape[0]):
        d1, d2 = _dloss(1, z[i], y[i])
        dl[i] = d1 * inv_n
        D[i] = d2 * inv_n
        s += _loss(1, z[i], y[i])
    return s * inv_n


@njit(cache=True)
def grad_cols(Xd, data, indices, indptr, dense, dl, cols, out):
    """``out[j] = X_j' dl`` for ``j`` in ``cols``; returns the work."""
    work = 0
    for k in range(cols.shape[0]):
        j = cols[k]
        s1, _, wk = _col_derivs(j, Xd, data, indices, indptr, dense, dl, dl, 0, False)
        out[j] = s1
        work += wk
    return work


@njit(cache=True)
def weighted_colsq(Xd, data, indices, indptr, dense, D, cols, out):
    """``out[j] = sum_i D_i X_ij^2`` for ``j`` in ``cols``; returns the work."""
    work = 0
    for k in range(cols.shape[0]):
        j = cols[k]
        s = 0.0
        if dense:
            for i in range(Xd.shape[0]):
                v = Xd[i, j]
                s += D[i] * v * v
            work += Xd.shape[0]
        else:
            for t in range(indptr[j], indptr[j + 1]):
                v = data[t]
                s += D[indices[t]] * v * v
            work += indptr[j + 1] - indptr[j]
        out[j] = s
    return work


@njit(cache=True, inline="always")
def _col_wdot(j, Xd, data, indices, indptr, dense, D, v):
    """``sum_i X_ij D_i v_i``."""
    s = 0.0
    if dense:
        for i in range(Xd.shape[0]):
            s += Xd[i, j] * D[i] * v[i]
        return s
    for t in range(indptr[j], indptr[j + 1]):
        i = indices[t]
        s += data[t] * D[i] * v[i]
    return s


@njit(cache=True)
def pn_inner_cd(Xd, data, indices, indptr, dense, ws, w, u, xd, D, g, h, l1, l2, lo, hi,
                nu, tol, max_sweeps):
    """Cyclic coordinate descent on the proximal Newton model over ``ws``.

    Coordinate ``j`` minimizes :math:`q` exactly in ``d_j``:
    ``u_j = w_j + d_j <- prox_{g_j/a}(u_j - b/a)`` with ``a = h_j + nu`` and
    ``b = g_j + X_j' (D * xd) + nu d_j``. The trial point ``u`` (length d,
    equal to ``w`` outside ``ws``; kept instead of ``d`` so that its zeros
    are exact) and ``xd = X (u - w)`` are updated in place. A sweep's
    violation is its largest ``a |step|``.

    Shrinking (newGLMNET's inner shrinking): a coordinate that stays at 0
    with ``|b| < l1 - M/n`` (``M`` the previous sweep's violation, 0 inside
    its box) is skipped by the next sweeps; once the others are solved to
    ``tol`` a sweep over all of ``ws`` checks them (and shrinking restarts
    if it finds a violation). Stops when a full sweep's violation is
    ``<= tol`` or after ``max_sweeps`` sweeps. Returns ``(work, sweeps,
    violation)``.
    """
    m = ws.shape[0]
    act = ws.copy()
    ma = m
    work = 0
    sweeps = 0
    big = 0.0
    prev = np.inf
    n = xd.shape[0]
    margin = np.inf
    colw = Xd.shape[0]
    for _ in range(max_sweeps):
        sweeps += 1
        big = 0.0
        full = ma == m
        keep = 0
        for k in range(ma):
            j = act[k]
            a = h[j] + nu
            if not dense:
                colw = indptr[j + 1] - indptr[j]
            uj = u[j]
            b = g[j] + _col_wdot(j, Xd, data, indices, indptr, dense, D, xd) + nu * (uj - w[j])
            work += colw
            un = prox_scalar(uj - b / a, 1.0 / a, l1[j], l2[j], lo[j], hi[j])
            st = un - uj
            if st != 0.0:
                u[j] = un
                work += _col_axpy(j, st, Xd, data, indices, indptr, dense, xd)
                v = a * abs(st)
                if v > big:
                    big = v
            elif un == 0.0 and lo[j] < 0.0 and hi[j] > 0.0 and abs(b) < l1[j] - margin:
                continue                        # shrunk: not in the next sweeps
            act[keep] = j
            keep += 1
        ma = keep
        if big <= tol:
            if full:
                break
            for k in range(m):                  # check the shrunk coordinates too
                act[k] = ws[k]
            ma = m
            prev = np.inf
        else:
            prev = big
        margin = prev / n
    return work, sweeps, big


@njit(cache=True)
def pn_line_search(z, xd, y, inv_n, w, u, ws, l1, l2, delta, sigma, beta, max_steps):
    """Armijo backtracking on F along ``d = u - w``; applies the accepted step.

    Tries ``t = 1, beta, beta^2, ...`` until
    ``F(w + t d) - F(w) <= sigma t delta`` (``delta = grad'd + g(w+d) - g(w)
    < 0``), the loss change computed from ``z`` and ``xd = X d`` without
    cancellation. On acceptance ``z += t xd`` and ``w[ws] += t d[ws]``
    (``w[ws] = u[ws]`` exactly when ``t = 1``).
    Returns ``(t, F(w + t d) - F(w), trials)``; ``t = 0`` (nothing changed)
    when no trial is accepted.
    """
    n = z.shape[0]
    t = 1.0
    for trial in range(max_steps):
        dF = 0.0
        for i in range(n):
            v = xd[i]
            if v != 0.0:
                dF += _loss_change(1, z[i], y[i], t * v)
        dF *= inv_n
        for k in range(ws.shape[0]):
            j = ws[k]
            wt = u[j] if t == 1.0 else w[j] + t * (u[j] - w[j])
            dF += _pen_diff(wt, w[j], l1[j], l2[j])
        if dF <= sigma * t * delta:
            for i in range(n):
                z[i] += t * xd[i]
            for k in range(ws.shape[0]):
                j = ws[k]
                w[j] = u[j] if t == 1.0 else w[j] + t * (u[j] - w[j])
            return t, dF, trial + 1
        t *= beta
    return 0.0, 0.0, max_steps


@njit(cache=True)
def csr_weighted_gram(rdata, rindices, rindptr, D, pos, H):
    """``H = X_ws' diag(D) X_ws`` from the CSR rows of X.

    ``pos[j]`` is the position of column ``j`` in the (sorted) working set,
    or -1; ``H`` (m x m, C order) is overwritten. Each row's working-set
    entries are gathered first, so row ``i`` costs ``O(nnz_i + k_i^2)`` with
    ``k_i`` its entries in the working set. Returns the work.
    """
    m = H.shape[0]
    for a in range(m):
        for b in range(m):
            H[a, b] = 0.0
    n = rindptr.shape[0] - 1
    maxlen = 0
    for i in range(n):
        if rindptr[i + 1] - rindptr[i] > maxlen:
            maxlen = rindptr[i + 1] - rindptr[i]
    bpos = np.empty(maxlen, dtype=np.int64)
    bval = np.empty(maxlen)
    work = rindptr[n] - rindptr[0]
    for i in range(n):
        di = D[i]
        if di == 0.0:
            continue
        k = 0
        for t in range(rindptr[i], rindptr[i + 1]):
            a = pos[rindices[t]]
            if a >= 0:
                bpos[k] = a
                bval[k] = rdata[t]
                k += 1
        for p in range(k):
            a = bpos[p]
            va = di * bval[p]
            for q in range(p, k):
                H[a, bpos[q]] += va * bval[q]
        work += k * (k + 1) // 2
    for a in range(m):                  # pos increases with j: the upper triangle was filled
        for b in range(a + 1, m):
            H[b, a] = H[a, b]
    return work


@njit(cache=True)
def pn_gram_cd(H, ws, w, u, g, l1, l2, lo, hi, nu, tol, max_sweeps, Hd):
    """:func:`pn_inner_cd` through the working set's Hessian ``H = X_ws' D X_ws``.

    ``Hd = H (u - w)[ws]`` is kept up to date (``O(|ws|)`` per update, no
    pass over X). Returns ``(work, sweeps, violation)``.
    """
    m = ws.shape[0]
    work = 0
    sweeps = 0
    big = 0.0
    for _ in range(max_sweeps):
        sweeps += 1
        big = 0.0
        for k in range(m):
            j = ws[k]
            a = H[k, k] + nu
            uj = u[j]
            b = g[j] + Hd[k] + nu * (uj - w[j])
            un = prox_scalar(uj - b / a, 1.0 / a, l1[j], l2[j], lo[j], hi[j])
            st = un - uj
            if st != 0.0:
                u[j] = un
                for r in range(m):
                    Hd[r] += H[k, r] * st
                work += m
                v = a * abs(st)
                if v > big:
                    big = v
        work += m
        if big <= tol:
            break
    return work, sweeps, big


@njit(cache=True)
def chol_solve(A, b, out):
    """Solve ``A x = b`` for a symmetric positive definite ``A`` by Cholesky.

    ``A`` (C order) is overwritten by its factor. Returns False (``out``
    undefined) when a pivot is not positive (``A`` not numerically PD).
    Single-threaded on purpose: the systems are small (the support of a
    working set) and solved many times.
    """
    m = A.shape[0]
    for j in range(m):
        s = A[j, j]
        for k in range(j):
            s -= A[j, k] * A[j, k]
        if not s > 0.0:
            return False
        ljj = np.sqrt(s)
        A[j, j] = ljj
        for i in range(j + 1, m):
            t = A[i, j]
            for k in range(j):
                t -= A[i, k] * A[j, k]
            A[i, j] = t / ljj
    for i in range(m):                  # L y = b
        t = b[i]
        for k in range(i):
            t -= A[i, k] * out[k]
        out[i] = t / A[i, i]
    for i in range(m - 1, -1, -1):      # L' x = y
        t = out[i]
        for k in range(i + 1, m):
            t -= A[k, i] * out[k]
        out[i] = t / A[i, i]
    return True


@njit(cache=True)
def pn_point(Xd, data, indices, indptr, dense, z, y, inv_n, w, l1, l2, lo, hi, dl, D, g,
             need_grad):
    """Everything an outer iteration needs at ``w`` in one call.

    :func:`logistic_point` into ``dl, D``; with ``need_grad`` the gradient
    ``g = X'dl`` over all columns (pass False when the caller computes it,
    e.g. by BLAS for dense X). Returns ``(F(w), work)``; the certificate is
    computed by :func:`prox_grad_norm` once ``g`` is known.
    """
    loss = logistic_point(z, y, inv_n, dl, D)
    work = 0
    if need_grad:
        d = w.shape[0]
        for j in range(d):
            s1, _, wk = _col_derivs(j, Xd, data, indices, indptr, dense, dl, dl, 0, False)
            g[j] = s1
            work += wk
    pen = 0.0
    for j in range(w.shape[0]):
        wj = w[j]
        if wj != 0.0:
            pen += l1[j] * abs(wj) + 0.5 * l2[j] * wj * wj
    return loss + pen, work


@njit(cache=True)
def prox_grad_norm(w, g, l1, l2, lo, hi):
    """``||w - prox_g(w - grad)||_inf`` (unit step): the prox-gradient certificate."""
    big = 0.0
    for j in range(w.shape[0]):
        v = abs(w[j] - prox_scalar(w[j] - g[j], 1.0, l1[j], l2[j], lo[j], hi[j]))
        if v > big:
            big = v
    return big


@njit(cache=True)
def pn_delta_ls(z, xd, y, inv_n, w, u, ws, g, l1, l2, sigma, beta, max_steps):
    """The model decrease ``delta = g'd + g(u) - g(w)`` (``d = u - w`` on ``ws``) and,
    when it is negative, :func:`pn_line_search`. Returns ``(t, trials, delta)``;
    ``t = 0`` and nothing changed when there is no descent."""
    delta = 0.0
    moved = False
    for k in range(ws.shape[0]):
        j = ws[k]
        dj = u[j] - w[j]
        if dj != 0.0:
            moved = True
            delta += g[j] * dj + _pen_diff(u[j], w[j], l1[j], l2[j])
    if not moved or not delta < 0.0:
        return 0.0, 0, delta
    t, _, trials = pn_line_search(z, xd, y, inv_n, w, u, ws, l1, l2, delta, sigma, beta,
                                  max_steps)
    return t, trials, delta


@njit(cache=True)
def pn_xstep(Xd, data, indices, indptr, dense, ws, w, u, xd, D, g, h, l1, l2, lo, hi, nu,
             tol, max_sweeps, final, z, y, inv_n, sigma, beta, max_steps):
    """Hessian diagonal, :func:`pn_inner_cd` and, when the model was solved to ``tol``
    (or ``final``), :func:`pn_delta_ls`, in one call.

    Returns ``(work, sweeps, violation, t, trials, done)``; ``done`` False
    means the model is not solved yet (``w``, ``z`` untouched; ``u``, ``xd``
    hold the partial solution).
    """
    work = weighted_colsq(Xd, data, indices, indptr, dense, D, ws, h)
    wk, sweeps, viol = pn_inner_cd(Xd, data, indices, indptr, dense, ws, w, u, xd, D, g, h,
                                   l1, l2, lo, hi, nu, tol, max_sweeps)
    work += wk
    if viol > tol and not final:
        return work, sweeps, viol, 0.0, 0, False
    t, trials, _ = pn_delta_ls(z, xd, y, inv_n, w, u, ws, g, l1, l2, sigma, beta, max_steps)
    return work + trials * z.shape[0], sweeps, viol, t, trials, True


@njit(cache=True, fastmath=True)
def dense_weighted_gram(Xd, D, ws, H):
    """``H = X_ws' diag(D) X_ws`` for a dense F-order X (``O(n |ws|^2 / 2)``).

    Compiled rather than BLAS so that it stays single-threaded and cheap to
    call on small working sets. Returns the work.
    """
    n = Xd.shape[0]
    m = ws.shape[0]
    tmp = np.empty(n)
    for a in range(m):
        ja = ws[a]
        for i in range(n):
            tmp[i] = D[i] * Xd[i, ja]
        for b in range(a, m):
            jb = ws[b]
            s = 0.0
            for i in range(n):
                s += tmp[i] * Xd[i, jb]
            H[a, b] = s
            H[b, a] = s
    return n * m * (m + 1) // 2

