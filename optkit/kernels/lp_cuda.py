r"""numba.cuda kernels of the PDHG LP solver's two products (``device="cuda"``).

* :func:`csr_matvec_kernel` -- one thread per row of a CSR matrix,
  ``out_i = sum_p data_p x_{indices_p}``; ``K x`` runs it on ``K`` and
  ``K^T y`` on the CSR of ``K^T`` (kept on the device as well), so neither
  product scatters or needs atomics.

:class:`DeviceLP` keeps both matrices on the device and moves only vectors;
the adaptive-step iteration (:meth:`DeviceLP.pdhg_block`) does its vector
updates on the host with NumPy, in the order of
:func:`optkit.kernels.lp_matvec.pdhg_adaptive_block`. The tests run the
kernels on Numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) against the
CPU kernels.
"""

from __future__ import annotations

import math

import numpy as np
from numba import config, cuda

__all__ = ["DeviceLP", "csr_matvec_kernel"]

#: threads per block; few on the simulator, where every thread is a Python thread
_TPB = 4 if config.ENABLE_CUDASIM else 128


@cuda.jit
def csr_matvec_kernel(indptr, indices, data, x, out):
    """``out = A x`` for CSR ``A``: thread i computes row i."""
    i = cuda.grid(1)
    if i >= out.shape[0]:
        return
    s = 0.0
    for p in range(indptr[i], indptr[i + 1]):
        s += data[p] * x[indices[p]]
    out[i] = s


class DeviceLP:
    """``K`` and ``K^T`` (CSR) on the device; products of host vectors.

    Parameters
    ----------
    Kp, Ki, Kd : ndarray
        CSR arrays of ``K`` (m x n).
    Tp, Ti, Td : ndarray
        CSR arrays of ``K^T`` (n x m).
    m, n : int
        Shape of ``K``.
    """

    def __init__(self, Kp, Ki, Kd, Tp, Ti, Td, m, n):
        self.m, self.n = int(m), int(n)
        self._K = tuple(cuda.to_device(np.ascontiguousarray(a)) for a in (Kp, Ki, Kd))
        self._T = tuple(cuda.to_device(np.ascontiguousarray(a)) for a in (Tp, Ti, Td))
        self._x = cuda.device_array(self.n)
        self._y = cuda.device_array(self.m)
        self._Kx = cuda.device_array(self.m)
        self._KTy = cuda.device_array(self.n)

    def _product(self, mat, vec_dev, out_dev, v):
        vec_dev.copy_to_device(np.ascontiguousarray(v, dtype=np.float64))
        rows = out_dev.shape[0]
        blocks = max(1, math.ceil(rows / _TPB))
        csr_matvec_kernel[blocks, _TPB](*mat, vec_dev, out_dev)
        return out_dev.copy_to_host()

    def matvec(self, x):
        """``K x`` (host in, host out)."""
        return self._product(self._K, self._x, self._Kx, x)

    def rmatvec(self, y):
        """``K^T y`` (host in, host out)."""
        return self._product(self._T, self._y, self._KTy, y)

    def pdhg_block(self, c, rl, ru, lo, up, x, y, Kx, KTy, xs, ys, Kxs, KTys, eta, omega, k0,
                   block):
        """The adaptive-step block of
        :func:`optkit.kernels.lp_matvec.pdhg_adaptive_block`, products on the
        device; same arguments (without the work arrays), updated in place.

        Returns
        -------
        eta, weight, trials
        """
        weight, trials = 0.0, 0
        for it in range(block):
            kk = float(k0 + it + 2)
            shrink, grow = 1.0 - kk ** -0.3, 1.0 + kk ** -0.6
            while True:
                trials += 1
                tau, sigma = eta / omega, eta * omega
                xn = np.clip(x - tau * (c - KTy), lo, up)
                Kxn = self.matvec(xn)
                v = y - sigma * (2.0 * Kxn - Kx)
                # the prox of kernels.lp_matvec.dual_prox (an exact 0 when unclipped)
                yn = np.where(v + sigma * rl > 0, v + sigma * rl,
                              np.where(v + sigma * ru < 0, v + sigma * ru, 0.0))
                KTyn = self.rmatvec(yn)
                dx, dy = xn - x, yn - y
                denom = 2.0 * abs(float(dy @ (Kxn - Kx)))
                eta_bar = ((omega * float(dx @ dx) + float(dy @ dy) / omega) / denom
                           if denom > 0 else math.inf)
                eta_next = min(shrink * eta_bar, grow * eta)
                if eta <= eta_bar:
                    x[:], y[:], Kx[:], KTy[:] = xn, yn, Kxn, KTyn
                    xs += eta * xn
                    ys += eta * yn
                    Kxs += eta * Kxn
                    KTys += eta * KTyn
                    weight += eta
                    eta = eta_next
                    break
                eta = eta_next
        return eta, weight, trials
