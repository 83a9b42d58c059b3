r"""Compiled kernels of the low-rank family (Numba, float64).

Matrix completion works on the observed set :math:`\Omega` only, stored twice:
by rows (CSR: ``ptr_r, idx_r`` column indices, values in *row order*) and by
columns (CSC: ``ptr_c, idx_c`` row indices, ``perm_c[e]`` the row-order
position of the column-order entry ``e``). A vector indexed by :math:`\Omega`
(a residual, a weight) is always kept in row order; the CSC traversal reads it
through ``perm_c``. No kernel allocates an ``m x n`` array.

* :func:`sampled_product` -- :math:`(UV^T)_{ij}` for :math:`(i, j) \in \Omega`.
* :func:`csr_times` / :func:`csc_times` -- :math:`S F` and :math:`S^T F` for the
  sparse :math:`S` with values ``w`` on :math:`\Omega`.
* :func:`ls_rows_exact` -- per-row least squares by the normal equations
  (:math:`O(|\Omega_i| k^2 + k^3)` a row).
* :func:`ls_rows_sketched` -- per-row least squares by a sketch-preconditioned
  conjugate gradient (:math:`O(|\Omega_i| k\,(1 + \text{iterations}) + s k^2 + k^3)`
  a row, ``s`` the sketch size).
* :func:`dense_forward` / :func:`dense_adjoint` -- :math:`\mathcal A(X)` and
  :math:`\mathcal A^*(z)` for measurement matrices stored as the rows of a dense
  ``(m, n1 n2)`` array.
* :func:`sparse_forward` / :func:`sparse_adjoint_times` -- the same for sparse
  measurement matrices (CSR over ``(m, n1 n2)``), in factored form:
  :math:`\mathcal A(UV^T)_i = \sum_{(j,l)} a_{ijl} \langle U_j, V_l\rangle` and
  :math:`\mathcal A^*(z) F` without forming any ``n1 x n2`` matrix.

Each kernel has a NumPy reference in ``tests/kernels/test_lowrank_kernels.py``.
"""

from __future__ import annotations

import math
import types

import numpy as np
from numba import njit, prange

#: below this much work (entries x rank, or measurements x matrix size) the oracle
#: calls the ``*_serial`` twins: starting a parallel region costs more than the work
SERIAL_BELOW = 1 << 20


def _twin(py_func):
    """Compile ``py_func`` twice: parallel (``prange`` over rows) under its own
    name, and single-threaded as ``<name>_serial`` in the module namespace."""
    serial = types.FunctionType(py_func.__code__, py_func.__globals__,
                                py_func.__name__ + "_serial", py_func.__defaults__,
                                py_func.__closure__)
    serial.__qualname__ = py_func.__qualname__ + "_serial"
    serial.__doc__ = "Single-threaded twin of :func:`%s`." % py_func.__name__
    py_func.__globals__[serial.__name__] = njit(cache=True)(serial)
    return njit(cache=True, parallel=True)(py_func)


__all__ = ["SERIAL_BELOW", "sampled_product", "csr_times", "csc_times", "ls_rows_exact",
           "ls_rows_sketched", "dense_forward", "dense_adjoint", "sparse_forward",
           "sparse_adjoint_times", "cholesky_solve_inplace"]


# ---------------------------------------------------------------------------
# masked products
# ---------------------------------------------------------------------------
@_twin
def sampled_product(ptr, idx, U, V, out):
    """``out[e] = U[i] . V[idx[e]]`` for the entries ``e`` of row ``i`` (CSR)."""
    m = ptr.size - 1
    k = U.shape[1]
    for i in prange(m):
        for e in range(ptr[i], ptr[i + 1]):
            j = idx[e]
            s = 0.0
            for c in range(k):
                s += U[i, c] * V[j, c]
            out[e] = s
    return out


@_twin
def csr_times(ptr, idx, w, F, out):
    """``out[i] = sum_e w[e] F[idx[e]]`` over row ``i``: the product ``S F``."""
    m = ptr.size - 1
    k = F.shape[1]
    for i in prange(m):
        for c in range(k):
            out[i, c] = 0.0
        for e in range(ptr[i], ptr[i + 1]):
            we = w[e]
            j = idx[e]
            for c in range(k):
                out[i, c] += we * F[j, c]
    return out


@_twin
def csc_times(ptr, idx, perm, w, F, out):
    """``out[j] = sum_e w[perm[e]] F[idx[e]]`` over column ``j``: ``S^T F``
    with ``w`` in row order."""
    n = ptr.size - 1
    k = F.shape[1]
    for j in prange(n):
        for c in range(k):
            out[j, c] = 0.0
        for e in range(ptr[j], ptr[j + 1]):
            we = w[perm[e]]
            i = idx[e]
            for c in range(k):
                out[j, c] += we * F[i, c]
    return out


# ---------------------------------------------------------------------------
# small dense linear algebra (k x k), allocation-free
# ---------------------------------------------------------------------------
@njit(cache=True)
def cholesky_inplace(G):
    """Lower Cholesky factor of the SPD ``G`` written over its lower triangle;
    False when a pivot is not positive (``G`` is then garbage)."""
    k = G.shape[0]
    for j in range(k):
        s = G[j, j]
        for c in range(j):
            s -= G[j, c] * G[j, c]
        if not s > 0.0:
            return False
        d = math.sqrt(s)
        G[j, j] = d
        for i in range(j + 1, k):
            s = G[i, j]
            for c in range(j):
                s -= G[i, c] * G[j, c]
            G[i, j] = s / d
    return True


@njit(cache=True)
def cholesky_solve_inplace(L, b):
    """Solve ``L L^T x = b`` in place (``L`` from :func:`cholesky_inplace`)."""
    k = L.shape[0]
    for i in range(k):
        s = b[i]
        for c in range(i):
            s -= L[i, c] * b[c]
        b[i] = s / L[i, i]
    for i in range(k - 1, -1, -1):
        s = b[i]
        for c in range(i + 1, k):
            s -= L[c, i] * b[c]
        b[i] = s / L[i, i]
    return b


@njit(cache=True)
def _factor_with_jitter(G, work, reg):
    """Cholesky of ``G + reg I`` into ``work``; when it fails (fewer sampled
    entries than k, a rank-deficient design), retry with a growing jitter
    relative to the trace. Returns the jitter used."""
    k = G.shape[0]
    tr = 0.0
    for c in range(k):
        tr += G[c, c]
    jitter = 0.0
    for attempt in range(40):
        for i in range(k):
            for c in range(k):
                work[i, c] = G[i, c]
            work[i, i] += reg + jitter
        if cholesky_inplace(work):
            return jitter
        jitter = max(1e-14 * max(tr / k, 1e-300), 10.0 * jitter)
    return jitter


@njit(cache=True, inline="always")
def _splitmix(x):
    x = (x + np.uint64(0x9E3779B97F4A7C15)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    z = x
    z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    return z ^ (z >> np.uint64(31))


# ---------------------------------------------------------------------------
# per-row least squares
# ---------------------------------------------------------------------------
@_twin
def ls_rows_exact(ptr, idx, vals, F, reg, out):
    r"""For each row ``i``: ``out[i] = argmin_x sum_e (F[idx[e]] . x - vals[e])^2
    + reg |x|^2`` by the normal equations (Cholesky of the k x k Gram matrix;
    a row without entries gets 0). Cost :math:`O(|\Omega_i| k^2 + k^3)`."""
    m = ptr.size - 1
    k = F.shape[1]
    for i in prange(m):
        G = np.zeros((k, k))
        L = np.empty((k, k))
        b = np.zeros(k)
        if ptr[i + 1] == ptr[i]:
            for c in range(k):
                out[i, c] = 0.0
            continue
        for e in range(ptr[i], ptr[i + 1]):
            j = idx[e]
            v = vals[e]
            for a in range(k):
                fa = F[j, a]
                b[a] += fa * v
                for c in range(a + 1):
                    G[a, c] += fa * F[j, c]
        for a in range(k):
            for c in range(a + 1, k):
                G[a, c] = G[c, a]
        _factor_with_jitter(G, L, reg)
        cholesky_solve_inplace(L, b)
        for c in range(k):
            out[i, c] = b[c]
    return out


@_twin
def ls_rows_sketched(ptr, idx, vals, F, X0, reg, sketch_rows, sketch_nnz, seed, rtol,
                     maxit, out, iters):
    r"""For each row ``i``, the least-squares problem of :func:`ls_rows_exact`
    solved by conjugate gradients on the normal equations, preconditioned by
    the Gram matrix of a sparse sketch of the design.

    The design :math:`A_i` (the rows ``F[idx[e]]``, :math:`|\Omega_i| \times k`)
    is sketched to :math:`s` = ``sketch_rows`` rows by a sparse sign embedding
    (each row of :math:`A_i` added with a random sign to ``sketch_nnz`` random
    rows of :math:`SA_i`, scaled by :math:`1/\sqrt{\text{nnz}}`; hashed from
    ``seed``, the row and the entry, so no generator state), and
    :math:`R^TR = (SA_i)^T SA_i + \text{reg}\,I` preconditions CG started at
    ``X0[i]`` (a warm start). CG stops when the preconditioned residual is
    below ``rtol`` times the smaller of its value at the warm start and at the
    zero start (so a poor warm start costs no accuracy), or after ``maxit``
    iterations. A row with no more
    entries than ``sketch_rows`` is solved exactly (the sketch would not be
    smaller than the design). ``iters[i]`` receives the CG iterations.
    """
    m = ptr.size - 1
    k = F.shape[1]
    s = sketch_rows
    scale = 1.0 / math.sqrt(sketch_nnz)
    for i in prange(m):
        n_i = ptr[i + 1] - ptr[i]
        iters[i] = 0
        if n_i == 0:
            for c in range(k):
                out[i, c] = 0.0
            continue
        G = np.zeros((k, k))
        L = np.empty((k, k))
        x = np.empty(k)
        r = np.zeros(k)
        z = np.empty(k)
        p = np.empty(k)
        q = np.empty(k)
        if n_i <= s:
            # exact: the design is no larger than its sketch would be
            for e in range(ptr[i], ptr[i + 1]):
                j = idx[e]
                v = vals[e]
                for a in range(k):
                    fa = F[j, a]
                    r[a] += fa * v
                    for c in range(a + 1):
                        G[a, c] += fa * F[j, c]
            for a in range(k):
                for c in range(a + 1, k):
                    G[a, c] = G[c, a]
            _factor_with_jitter(G, L, reg)
            cholesky_solve_inplace(L, r)
            for c in range(k):
                out[i, c] = r[c]
            continue
        SA = np.zeros((s, k))
        base = np.uint64(seed) * np.uint64(0x100000001B3) + np.uint64(i)
        for e in range(ptr[i], ptr[i + 1]):
            j = idx[e]
            h = _splitmix(base ^ (np.uint64(e) * np.uint64(0x9E3779B97F4A7C15)))
            for t in range(sketch_nnz):
                h = _splitmix(h)
                row = np.int64(h % np.uint64(s))
                sgn = scale if (h >> np.uint64(63)) == np.uint64(0) else -scale
                for c in range(k):
                    SA[row, c] += sgn * F[j, c]
        for a in range(k):
            for c in range(a + 1):
                acc = 0.0
                for t in range(s):
                    acc += SA[t, a] * SA[t, c]
                G[a, c] = acc
                G[c, a] = acc
        _factor_with_jitter(G, L, reg)
        # r = A^T (b - A x0) - reg x0, and A^T b (q) in the same pass
        for c in range(k):
            x[c] = X0[i, c]
            r[c] = -reg * x[c]
            q[c] = 0.0
        for e in range(ptr[i], ptr[i + 1]):
            j = idx[e]
            res = vals[e]
            for c in range(k):
                res -= F[j, c] * x[c]
            for c in range(k):
                r[c] += F[j, c] * res
                q[c] += F[j, c] * vals[e]
        # the target: rtol times the smaller of the warm start's residual and the
        # right-hand side's (the residual of the zero start), in the R^T R norm, so a
        # poor warm start is never worse than a solve from zero
        for c in range(k):
            z[c] = q[c]
        cholesky_solve_inplace(L, z)
        bb = 0.0
        for c in range(k):
            bb += q[c] * z[c]
        for c in range(k):
            z[c] = r[c]
        cholesky_solve_inplace(L, z)
        rz = 0.0
        for c in range(k):
            rz += r[c] * z[c]
            p[c] = z[c]
        target = rtol * rtol * min(rz, bb)
        it = 0
        while it < maxit and rz > target and rz > 0.0:
            # q = (A^T A + reg I) p
            for c in range(k):
                q[c] = reg * p[c]
            for e in range(ptr[i], ptr[i + 1]):
                j = idx[e]
                ap = 0.0
                for c in range(k):
                    ap += F[j, c] * p[c]
                for c in range(k):
                    q[c] += F[j, c] * ap
            pq = 0.0
            for c in range(k):
                pq += p[c] * q[c]
            if not pq > 0.0:
                break
            alpha = rz / pq
            for c in range(k):
                x[c] += alpha * p[c]
                r[c] -= alpha * q[c]
                z[c] = r[c]
            cholesky_solve_inplace(L, z)
            rz_new = 0.0
            for c in range(k):
                rz_new += r[c] * z[c]
            beta = rz_new / rz
            rz = rz_new
            for c in range(k):
                p[c] = z[c] + beta * p[c]
            it += 1
        iters[i] = it
        for c in range(k):
            out[i, c] = x[c]
    return out


# ---------------------------------------------------------------------------
# sensing operators
# ---------------------------------------------------------------------------
@_twin
def dense_forward(A, x, out):
    """``out[i] = A[i] . x`` (``A`` of shape (m, n1 n2), ``x`` = vec(X) row-major)."""
    m, d = A.shape
    for i in prange(m):
        s = 0.0
        for t in range(d):
            s += A[i, t] * x[t]
        out[i] = s
    return out


@_twin
def dense_adjoint(A, z, out):
    """``out = A^T z`` = vec(:math:`\\sum_i z_i A_i`), in column chunks."""
    m, d = A.shape
    chunk = 256
    nchunks = (d + chunk - 1) // chunk
    for b in prange(nchunks):
        lo = b * chunk
        hi = min(d, lo + chunk)
        for t in range(lo, hi):
            out[t] = 0.0
        for i in range(m):
            zi = z[i]
            for t in range(lo, hi):
                out[t] += zi * A[i, t]
    return out


@_twin
def sparse_forward(ptr, flat, a, U, V, n2, out):
    """``out[i] = sum_e a[e] U[flat[e] // n2] . V[flat[e] % n2]``: the sparse
    measurements of :math:`UV^T`, never forming it."""
    m = ptr.size - 1
    k = U.shape[1]
    for i in prange(m):
        s = 0.0
        for e in range(ptr[i], ptr[i + 1]):
            j = flat[e] // n2
            l = flat[e] - j * n2
            d = 0.0
            for c in range(k):
                d += U[j, c] * V[l, c]
            s += a[e] * d
        out[i] = s
    return out


@njit(cache=True)
def sparse_adjoint_times(ptr, flat, a, z, F, n2, left, out):
    """:math:`\\mathcal A^*(z) F` (``left``: ``out`` has n1 rows, ``F`` n2 rows)
    or :math:`\\mathcal A^*(z)^T F` (``out`` n2 rows, ``F`` n1 rows) for sparse
    measurement matrices. Serial: the scatter into ``out`` would race."""
    m = ptr.size - 1
    k = F.shape[1]
    out[:, :] = 0.0
    for i in range(m):
        zi = z[i]
        if zi == 0.0:
            continue
        for e in range(ptr[i], ptr[i + 1]):
            j = flat[e] // n2
            l = flat[e] - j * n2
            w = zi * a[e]
            if left:
                for c in range(k):
                    out[j, c] += w * F[l, c]
            else:
                for c in range(k):
                    out[l, c] += w * F[j, c]
    return out
