r"""Fused Numba kernels of entropic optimal transport (CPU).

Potentials :math:`f \in \mathbb{R}^n`, :math:`g \in \mathbb{R}^m` (cost
units) define the plan

.. math:: P_{ij} = \exp\big((f_i + g_j - M_{ij})/\varepsilon\big).

Every kernel computes :math:`(f_i + g_j - M_{ij})/\varepsilon` on the fly:
no ``n x m`` temporary is allocated except the plan itself where a kernel's
purpose is to write it. Log-sum-exps are single-pass: each sum is shifted by
the previous potential (the terms are then entries of the current plan,
``<= 1`` for histograms, so nothing overflows), and a row or column whose
shifted sum leaves ``[1e-200, 1e200]`` (a bad shift: first sweeps at tiny
``reg``, a wild warm start) is redone with the exact max-shift (two passes).

The exponential is a vectorizable polynomial one (:func:`fexp`; range
reduction by :math:`\ln 2`, degree-12 Taylor polynomial, :math:`2^k` built
from the exponent bits, relative error ~3e-16): Numba's ``math.exp`` is a
scalar libm call, about half as fast.

Each kernel has a NumPy reference (``*_reference``) used by the tests.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

__all__ = [
    "fexp", "exp_array",
    "nchunks", "SERIAL_BELOW", "log_row_update", "log_col_update", "plan_sums",
    "log_row_update_serial", "log_col_update_serial", "plan_sums_serial", "dual_value",
    "scaled_cost", "csr_block_matvec", "sparsify_topk", "sparsify_threshold",
    "scaled_cost_serial", "csr_block_matvec_serial",
    "exp_array_reference", "log_row_update_reference", "log_col_update_reference",
    "plan_sums_reference", "dual_value_reference", "scaled_cost_reference",
    "csr_block_matvec_reference", "sparsify_topk_reference",
    "sparsify_threshold_reference",
]

_FM = {"reassoc", "contract", "nsz"}      # no nnan/ninf: inf and nan must survive
_LO, _HI = 1e-200, 1e200                  # shifted sums outside: redo with the exact max


@intrinsic
def _bits_to_float(typingctx, i):
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@njit(inline="always", fastmath=_FM, cache=True)
def fexp(x):
    """exp(x) in float64, vectorizable; 0 below -708, inf above 708.

    Relative error <= 4e-16 + 1.2e-16 |x|: the callers' ``reassoc`` flag lets
    LLVM merge the two-constant (Cody-Waite) reduction into one, which costs
    |x| eps -- the same as the rounding error of the argument
    (f_i + g_j - M_ij)/reg itself, so nothing is lost in the sweeps.
    """
    xc = min(max(x, -708.0), 708.0)
    k = math.floor(xc * 1.4426950408889634 + 0.5)
    r = xc - k * 0.6931471803691238 - k * 1.9082149292705877e-10
    p = 2.08767569878681e-09
    p = p * r + 2.505210838544172e-08
    p = p * r + 2.755731922398589e-07
    p = p * r + 2.7557319223985893e-06
    p = p * r + 2.48015873015873e-05
    p = p * r + 0.0001984126984126984
    p = p * r + 0.001388888888888889
    p = p * r + 0.008333333333333333
    p = p * r + 0.041666666666666664
    p = p * r + 0.16666666666666666
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    y = p * _bits_to_float((np.int64(k) + 1023) << 52)
    y = 0.0 if x < -708.0 else y
    y = math.inf if x > 708.0 else y
    return y


@njit(parallel=True, fastmath=_FM, cache=True)
def exp_array(x):
    """Elementwise :func:`fexp` of a 1-D array (a throughput probe)."""
    out = np.empty_like(x)
    for i in prange(x.size):
        out[i] = fexp(x[i])
    return out


def exp_array_reference(x):
    """NumPy reference of :func:`exp_array` (0 below -708, inf above 708)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore"):
        y = np.exp(x)
    y[x < -708.0] = 0.0
    y[x > 708.0] = np.inf
    return y


def nchunks(n):
    """Row blocks for the chunked kernels: one per Numba thread (Python-side,
    so that the compiled kernels can be cached)."""
    return max(1, min(int(n), numba.get_num_threads()))


#: below this many entries of M the oracles call the ``*_serial`` twins: a
#: parallel region costs tens of microseconds (much more on a loaded machine)
SERIAL_BELOW = 1 << 17


# ---------------------------------------------------------------------------
# log-domain Sinkhorn sweeps
# ---------------------------------------------------------------------------
@njit(fastmath=_FM, cache=True)
def _row_block(M, f, gi, log_a, a, reg, f_out, check, lo, hi, colacc, buf):
    """Rows lo..hi-1 of the row sweep; returns (cost, rows redone)."""
    m = M.shape[1]
    inv = 1.0 / reg
    cost = 0.0
    nfix = 0
    for i in range(lo, hi):
        sh = f[i] * inv
        s = 0.0
        for j in range(m):
            e = fexp(gi[j] - M[i, j] * inv + sh)
            buf[j] = e
            s += e
        if not (s > _LO and s < _HI):
            nfix += 1
            mx = -math.inf
            for j in range(m):
                mx = max(mx, gi[j] - M[i, j] * inv)
            sh = -mx
            s = 0.0
            for j in range(m):
                e = fexp(gi[j] - M[i, j] * inv + sh)
                buf[j] = e
                s += e
        f_out[i] = reg * (log_a[i] - math.log(s) + sh)
        if check:
            w = a[i] / s
            t = 0.0
            for j in range(m):
                p = w * buf[j]
                colacc[j] += p
                t += p * M[i, j]
            cost += t
    return cost, nfix


@njit(parallel=True, fastmath=_FM, cache=True)
def log_row_update(M, f, g, log_a, a, reg, f_out, check, nc):
    r"""Row sweep: ``f_out_i = reg (log a_i - LSE_j (g_j - M_ij)/reg)``.

    Parameters
    ----------
    M : (n, m) C-contiguous; f : (n,) potentials before the sweep (used only
    as the shift); g : (m,); log_a, a : (n,); reg : float; f_out : (n,)
    written; check : bool; nc : int, row blocks (:func:`nchunks`).

    Returns
    -------
    colsum : (m,) column sums of the plan of ``(f_out, g)`` (empty unless
        ``check``); its row sums equal ``a`` by construction.
    cost : float, :math:`\langle M, P\rangle` of that plan (0 unless ``check``).
    nfix : int, rows redone with the exact max shift.
    """
    n, m = M.shape
    gi = g * (1.0 / reg)
    mc = m if check else 0
    colacc = np.zeros((nc, mc))
    costacc = np.zeros(nc)
    fixacc = np.zeros(nc, dtype=np.int64)
    for c in prange(nc):
        buf = np.empty(m)
        cost_c, fix_c = _row_block(M, f, gi, log_a, a, reg, f_out, check,
                                   c * n // nc, (c + 1) * n // nc, colacc[c], buf)
        costacc[c] = cost_c
        fixacc[c] = fix_c
    colsum = np.zeros(mc)
    for c in range(nc):
        colsum += colacc[c]
    return colsum, costacc.sum(), fixacc.sum()


@njit(fastmath=_FM, cache=True)
def log_row_update_serial(M, f, g, log_a, a, reg, f_out, check):
    """:func:`log_row_update` on one thread (small problems)."""
    n, m = M.shape
    gi = g * (1.0 / reg)
    colsum = np.zeros(m if check else 0)
    cost, nfix = _row_block(M, f, gi, log_a, a, reg, f_out, check, 0, n, colsum,
                            np.empty(m))
    return colsum, cost, nfix


def log_row_update_reference(M, f, g, log_a, a, reg):
    """NumPy reference of :func:`log_row_update` (with ``check=True``)."""
    from scipy.special import logsumexp

    Z = (g[None, :] - M) / reg
    f_out = reg * (log_a - logsumexp(Z, axis=1))
    P = np.exp((f_out[:, None] + g[None, :] - M) / reg)
    return f_out, P.sum(0), float(np.sum(P * M))


@njit(fastmath=_FM, cache=True)
def _col_block(M, fi, gs, inv, lo, hi, acc):
    m = M.shape[1]
    for i in range(lo, hi):
        fii = fi[i]
        for j in range(m):
            acc[j] += fexp(fii - M[i, j] * inv + gs[j])


@njit(fastmath=_FM, cache=True)
def _col_finish(M, fi, gs, log_b, reg, s, j):
    """g_j from the shifted column sum s (redone exactly when out of range)."""
    inv = 1.0 / reg
    sh = gs[j]
    fix = 0
    if not (s > _LO and s < _HI):
        fix = 1
        mx = -math.inf
        for i in range(M.shape[0]):
            mx = max(mx, fi[i] - M[i, j] * inv)
        sh = -mx
        s = 0.0
        for i in range(M.shape[0]):
            s += fexp(fi[i] - M[i, j] * inv + sh)
    return reg * (log_b[j] - math.log(s) + sh), fix


@njit(parallel=True, fastmath=_FM, cache=True)
def log_col_update(M, f, g, log_b, reg, g_out, nc):
    """Column sweep: ``g_out_j = reg (log b_j - LSE_i (f_i - M_ij)/reg)``.

    Rows are read contiguously: each thread accumulates the column sums of a
    block of rows, shifted by ``g`` (the potentials before the sweep); the
    partial sums are then added. Returns the number of columns redone with
    the exact max shift.
    """
    n, m = M.shape
    inv = 1.0 / reg
    fi = f * inv
    gs = g * inv
    acc = np.zeros((nc, m))
    for c in prange(nc):
        _col_block(M, fi, gs, inv, c * n // nc, (c + 1) * n // nc, acc[c])
    fix = np.zeros(m, dtype=np.int64)
    for j in prange(m):
        s = 0.0
        for c in range(nc):
            s += acc[c, j]
        g_out[j], fix[j] = _col_finish(M, fi, gs, log_b, reg, s, j)
    return fix.sum()


@njit(fastmath=_FM, cache=True)
def log_col_update_serial(M, f, g, log_b, reg, g_out):
    """:func:`log_col_update` on one thread (small problems)."""
    n, m = M.shape
    inv = 1.0 / reg
    fi = f * inv
    gs = g * inv
    acc = np.zeros(m)
    _col_block(M, fi, gs, inv, 0, n, acc)
    nfix = 0
    for j in range(m):
        g_out[j], fix = _col_finish(M, fi, gs, log_b, reg, acc[j], j)
        nfix += fix
    return nfix


def log_col_update_reference(M, f, g, log_b, reg):
    """NumPy reference of :func:`log_col_update`."""
    from scipy.special import logsumexp

    Z = (f[:, None] - M) / reg
    return reg * (log_b - logsumexp(Z, axis=0))


# ---------------------------------------------------------------------------
# plan, marginals, dual value
# ---------------------------------------------------------------------------
@njit(fastmath=_FM, cache=True)
def _plan_block(M, f, gi, inv, out, write, lo, hi, colacc, rowsum):
    m = M.shape[1]
    cost = 0.0
    for i in range(lo, hi):
        fii = f[i] * inv
        s = 0.0
        t = 0.0
        if write:
            for j in range(m):
                p = fexp(fii + gi[j] - M[i, j] * inv)
                out[i, j] = p
                colacc[j] += p
                s += p
                t += p * M[i, j]
        else:
            for j in range(m):
                p = fexp(fii + gi[j] - M[i, j] * inv)
                colacc[j] += p
                s += p
                t += p * M[i, j]
        rowsum[i] = s
        cost += t
    return cost


@njit(parallel=True, fastmath=_FM, cache=True)
def plan_sums(M, f, g, reg, out, write, nc):
    r"""Row sums, column sums and :math:`\langle M,P\rangle` of the plan of
    ``(f, g)`` in one pass; the plan is written to ``out`` when ``write``.

    Returns ``(rowsum (n,), colsum (m,), cost)``. ``sum(rowsum)`` is the
    total mass.
    """
    n, m = M.shape
    inv = 1.0 / reg
    gi = g * inv
    colacc = np.zeros((nc, m))
    costacc = np.zeros(nc)
    rowsum = np.empty(n)
    for c in prange(nc):
        costacc[c] = _plan_block(M, f, gi, inv, out, write, c * n // nc, (c + 1) * n // nc,
                                 colacc[c], rowsum)
    colsum = np.zeros(m)
    for c in range(nc):
        colsum += colacc[c]
    return rowsum, colsum, costacc.sum()


@njit(fastmath=_FM, cache=True)
def plan_sums_serial(M, f, g, reg, out, write):
    """:func:`plan_sums` on one thread (small problems)."""
    n, m = M.shape
    inv = 1.0 / reg
    colsum = np.zeros(m)
    rowsum = np.empty(n)
    cost = _plan_block(M, f, g * inv, inv, out, write, 0, n, colsum, rowsum)
    return rowsum, colsum, cost


def plan_sums_reference(M, f, g, reg):
    """NumPy reference of :func:`plan_sums`: ``(P, rowsum, colsum, cost)``."""
    with np.errstate(over="ignore"):
        P = np.exp((f[:, None] + g[None, :] - M) / reg)
    return P, P.sum(1), P.sum(0), float(np.sum(P * M))


@njit(parallel=True, fastmath=_FM, cache=True)
def dual_value(M, f, g, reg):
    """:math:`\\sum_{ij} \\exp((f_i + g_j - M_{ij})/\\varepsilon)` (the mass of
    the plan), the only ``n x m`` term of the dual objective."""
    n, m = M.shape
    inv = 1.0 / reg
    gi = g * inv
    total = 0.0
    for i in prange(n):
        fii = f[i] * inv
        s = 0.0
        for j in range(m):
            s += fexp(fii + gi[j] - M[i, j] * inv)
        total += s
    return total


def dual_value_reference(M, f, g, reg):
    """NumPy reference of :func:`dual_value`."""
    with np.errstate(over="ignore"):
        return float(np.exp((f[:, None] + g[None, :] - M) / reg).sum())


@njit(parallel=True, fastmath=_FM, cache=True)
def scaled_cost(K, M, u, v):
    """:math:`\\sum_{ij} u_i K_{ij} M_{ij} v_j`: the transport cost of the
    scaling-form plan ``diag(u) K diag(v)`` without forming it."""
    n, m = K.shape
    total = 0.0
    for i in prange(n):
        s = 0.0
        for j in range(m):
            s += K[i, j] * M[i, j] * v[j]
        total += u[i] * s
    return total


@njit(fastmath=_FM, cache=True)
def scaled_cost_serial(K, M, u, v):
    """:func:`scaled_cost` on one thread (small problems)."""
    n, m = K.shape
    total = 0.0
    for i in range(n):
        s = 0.0
        for j in range(m):
            s += K[i, j] * M[i, j] * v[j]
        total += u[i] * s
    return total


def scaled_cost_reference(K, M, u, v):
    """NumPy reference of :func:`scaled_cost`."""
    return float(u @ (K * M) @ v)


# ---------------------------------------------------------------------------
# Sinkhorn-Newton-Sparse: sparsified plan and its block mat-vec
# ---------------------------------------------------------------------------
@njit(parallel=True, cache=True)
def _csr_rows_at_least(P, thr):
    """CSR arrays ``(indptr, indices, data)`` of ``P`` keeping the entries of row i
    that are >= ``thr[i]``."""
    n, m = P.shape
    cnt = np.zeros(n + 1, dtype=np.int64)
    for i in prange(n):
        t = thr[i]
        c = 0
        for j in range(m):
            if P[i, j] >= t:
                c += 1
        cnt[i + 1] = c
    indptr = np.cumsum(cnt)
    indices = np.empty(indptr[n], dtype=np.int64)
    data = np.empty(indptr[n])
    for i in prange(n):
        p = indptr[i]
        t = thr[i]
        for j in range(m):
            if P[i, j] >= t:
                indices[p] = j
                data[p] = P[i, j]
                p += 1
    return indptr, indices, data


@njit(parallel=True, cache=True)
def sparsify_topk(P, k):
    """CSR arrays ``(indptr, indices, data)`` of ``P`` keeping, per row, the
    entries >= the k-th largest of the row (ties may keep a few more)."""
    n, m = P.shape
    k = min(max(k, 1), m)
    thr = np.empty(n)
    for i in prange(n):
        thr[i] = np.partition(P[i].copy(), m - k)[m - k]
    return _csr_rows_at_least(P, thr)


def sparsify_topk_reference(P, k):
    """NumPy reference of :func:`sparsify_topk`: the kept entries as a dense array."""
    m = P.shape[1]
    k = min(max(k, 1), m)
    thr = np.partition(P, m - k, axis=1)[:, m - k]
    return np.where(P >= thr[:, None], P, 0.0)


@njit(parallel=True, cache=True)
def sparsify_threshold(P, threshold):
    """CSR arrays of ``P`` keeping the entries >= ``threshold``, plus, in every
    row, its largest entry (so no row is empty)."""
    n, m = P.shape
    thr = np.empty(n)
    for i in prange(n):
        mx = -1.0
        for j in range(m):
            mx = max(mx, P[i, j])
        thr[i] = min(threshold, mx)
    return _csr_rows_at_least(P, thr)


def sparsify_threshold_reference(P, threshold):
    """NumPy reference of :func:`sparsify_threshold` (dense)."""
    t = np.minimum(threshold, P.max(axis=1))
    return np.where(P >= t[:, None], P, 0.0)


@njit(parallel=True, fastmath=_FM, cache=True)
def csr_block_matvec(indptr, indices, data, r, c, x, out, nc):
    """``out = [[diag(r), S], [S^T, diag(c)]] x`` with ``S`` the CSR matrix
    ``(indptr, indices, data)`` of shape ``(n, m)``; ``x, out`` of length n + m."""
    n = r.size
    m = c.size
    acc = np.zeros((nc, m))
    for t in prange(nc):
        lo = t * n // nc
        hi = (t + 1) * n // nc
        for i in range(lo, hi):
            s = 0.0
            xi = x[i]
            for p in range(indptr[i], indptr[i + 1]):
                j = indices[p]
                s += data[p] * x[n + j]
                acc[t, j] += data[p] * xi
            out[i] = r[i] * xi + s
    for j in prange(m):
        s = c[j] * x[n + j]
        for t in range(nc):
            s += acc[t, j]
        out[n + j] = s


@njit(fastmath=_FM, cache=True)
def csr_block_matvec_serial(indptr, indices, data, r, c, x, out):
    """:func:`csr_block_matvec` on one thread (small problems)."""
    n = r.size
    m = c.size
    for j in range(m):
        out[n + j] = c[j] * x[n + j]
    for i in range(n):
        s = 0.0
        xi = x[i]
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            s += data[p] * x[n + j]
            out[n + j] += data[p] * xi
        out[i] = r[i] * xi + s


def csr_block_matvec_reference(S, r, c, x):
    """NumPy reference of :func:`csr_block_matvec` (``S`` dense or sparse)."""
    n = r.size
    x1, x2 = x[:n], x[n:]
    return np.concatenate([r * x1 + S @ x2, S.T @ x1 + c * x2])
