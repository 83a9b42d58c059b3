r"""numba.cuda kernels of the log-domain Sinkhorn sweeps (``device="cuda"``).

Same quantities as :mod:`optkit.kernels.sinkhorn`, with the plan
:math:`P_{ij} = \exp((f_i + g_j - M_{ij})/\varepsilon)`:

* :func:`col_lse_kernel` -- one thread per column, a single-pass (online)
  log-sum-exp down the column: consecutive threads read consecutive entries
  of a row of the row-major ``M`` (coalesced). Gives the g-update, and, with
  ``mode=1``, the column sums and per-column transport cost of the plan
  (optionally written out);
* :func:`row_lse_kernel` -- one block per row, a shared-memory max then
  sum reduction. Gives the f-update (``mode=0``) or the row sums
  (``mode=1``).

:class:`DeviceOT` keeps ``M`` on the device and moves only vectors. The
tests run these kernels on Numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``) against the NumPy references of
:mod:`optkit.kernels.sinkhorn`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import config, cuda, float64

__all__ = ["DeviceOT", "col_lse_kernel", "row_lse_kernel"]

#: threads per block (a power of two: tree reductions); few on the simulator,
#: where every thread is a Python thread
_TPB = 4 if config.ENABLE_CUDASIM else 128


@cuda.jit
def col_lse_kernel(M, f, g, log_b, inv, mode, out_g, colsum, colcost, P, write):
    """mode 0: out_g_j = reg (log b_j - LSE_i (f_i - M_ij)/reg);
    mode 1: colsum_j, colcost_j of the plan of (f, g) (P written when write)."""
    j = cuda.grid(1)
    n, m = M.shape
    if j >= m:
        return
    if mode == 0:
        mx = -math.inf
        s = 0.0
        for i in range(n):
            t = (f[i] - M[i, j]) * inv
            if t > mx:
                s = s * math.exp(mx - t) + 1.0
                mx = t
            else:
                s += math.exp(t - mx)
        out_g[j] = (log_b[j] - math.log(s) - mx) / inv
    else:
        gj = g[j]
        s = 0.0
        c = 0.0
        for i in range(n):
            p = math.exp((f[i] + gj - M[i, j]) * inv)
            if write:
                P[i, j] = p
            s += p
            c += p * M[i, j]
        colsum[j] = s
        colcost[j] = c


@cuda.jit
def row_lse_kernel(M, f, g, log_a, inv, mode, out):
    """One block per row i. mode 0: out_i = reg (log a_i - LSE_j (g_j - M_ij)/reg);
    mode 1: out_i = sum_j P_ij (the row sums of the plan of (f, g))."""
    i = cuda.blockIdx.x
    t = cuda.threadIdx.x
    n, m = M.shape
    if i >= n:
        return
    red = cuda.shared.array(_TPB, float64)
    if mode == 0:
        mx = -math.inf
        for j in range(t, m, _TPB):
            mx = max(mx, (g[j] - M[i, j]) * inv)
        red[t] = mx
        cuda.syncthreads()
        step = _TPB // 2
        while step > 0:
            if t < step:
                red[t] = max(red[t], red[t + step])
            cuda.syncthreads()
            step //= 2
        mx = red[0]
        cuda.syncthreads()
        s = 0.0
        for j in range(t, m, _TPB):
            s += math.exp((g[j] - M[i, j]) * inv - mx)
    else:
        s = 0.0
        for j in range(t, m, _TPB):
            s += math.exp((f[i] + g[j] - M[i, j]) * inv)
    red[t] = s
    cuda.syncthreads()
    step = _TPB // 2
    while step > 0:
        if t < step:
            red[t] += red[t + step]
        cuda.syncthreads()
        step //= 2
    if t == 0:
        if mode == 0:
            out[i] = (log_a[i] - math.log(red[0]) - mx) / inv
        else:
            out[i] = red[0]


class DeviceOT:
    """An OT problem resident on the GPU: ``M`` is copied once.

    Parameters
    ----------
    M : ndarray (n, m)
    a, b : ndarray (n,), (m,)
        Positive histograms.
    """

    def __init__(self, M, a, b):
        self.n, self.m = M.shape
        self.M = cuda.to_device(np.ascontiguousarray(M, dtype=np.float64))
        self.log_a = cuda.to_device(np.log(a))
        self.log_b = cuda.to_device(np.log(b))
        self.a = np.asarray(a, dtype=float)
        self._dummy = cuda.to_device(np.zeros((1, 1)))
        self._cols = ((self.m + _TPB - 1) // _TPB, _TPB)

    def col_update(self, f, g, reg):
        """The g-update (log-sum-exp down each column)."""
        out = cuda.device_array(self.m)
        dummy = cuda.device_array(1)
        col_lse_kernel[self._cols](self.M, cuda.to_device(f), cuda.to_device(g), self.log_b,
                                   1.0 / reg, 0, out, dummy, dummy, self._dummy, False)
        return out.copy_to_host()

    def _col_sums(self, f, g, reg, P=None):
        colsum = cuda.device_array(self.m)
        colcost = cuda.device_array(self.m)
        write = P is not None
        P_dev = cuda.device_array((self.n, self.m)) if write else self._dummy
        col_lse_kernel[self._cols](self.M, cuda.to_device(f), cuda.to_device(g), self.log_b,
                                   1.0 / reg, 1, cuda.device_array(1), colsum, colcost,
                                   P_dev, write)
        if write:
            P[...] = P_dev.copy_to_host()
        return colsum.copy_to_host(), float(colcost.copy_to_host().sum())

    def row_update(self, f, g, reg, check):
        """The f-update; with ``check`` also the column sums and cost of the new plan."""
        out = cuda.device_array(self.n)
        row_lse_kernel[self.n, _TPB](self.M, cuda.to_device(f), cuda.to_device(g),
                                     self.log_a, 1.0 / reg, 0, out)
        f_out = out.copy_to_host()
        if not check:
            return f_out, np.zeros(0), 0.0
        colsum, cost = self._col_sums(f_out, g, reg)
        return f_out, colsum, cost

    def plan_sums(self, f, g, reg, out=None):
        """``(rowsum, colsum, cost)`` of the plan of (f, g); writes it to ``out``."""
        rows = cuda.device_array(self.n)
        row_lse_kernel[self.n, _TPB](self.M, cuda.to_device(f), cuda.to_device(g),
                                     self.log_a, 1.0 / reg, 1, rows)
        colsum, cost = self._col_sums(f, g, reg, out)
        return rows.copy_to_host(), colsum, cost
