r"""Sketch-and-project kernels for a square sparse system :math:`K \Delta = b`.

Randomized Kaczmarz (Strohmer and Vershynin, 2009) on a CSR matrix: for each
drawn row :math:`i`,

.. math:: \Delta \leftarrow \Delta - \frac{K_{i:}\Delta - b_i}{\|K_{i:}\|^2}
          K_{i:}^T,

the sketch-and-project step with the sketch :math:`S = e_i` (for a symmetric
``K`` it equals :math:`\Delta - K S (S^T K^2 S)^{\dagger} S^T (K\Delta - b)`).
The rows are drawn by the caller (NumPy generator, so that the run state is
reproducible); the kernel applies them in order, in place.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["kaczmarz_csr", "kaczmarz_csr_reference", "row_norms2_csr"]


@njit(cache=True, nogil=True)
def kaczmarz_csr(indptr, indices, data, rownorm2, b, delta, rows):  # pragma: no cover - jit
    """Apply the Kaczmarz steps of ``rows`` (int64 array) to ``delta`` in place.

    Rows with zero norm are skipped. Returns the flops spent (4 per stored
    entry of each row used: the dot product and the update).
    """
    flops = 0
    for t in range(rows.size):
        i = rows[t]
        nrm = rownorm2[i]
        if nrm == 0.0:
            continue
        a, z = indptr[i], indptr[i + 1]
        s = 0.0
        for p in range(a, z):
            s += data[p] * delta[indices[p]]
        step = (s - b[i]) / nrm
        for p in range(a, z):
            delta[indices[p]] -= step * data[p]
        flops += 4 * (z - a)
    return flops


def kaczmarz_csr_reference(K, b, delta, rows):
    """NumPy reference of :func:`kaczmarz_csr` (returns a new ``delta``)."""
    delta = np.array(delta, dtype=float, copy=True)
    K = K.tocsr()
    for i in rows:
        row = K.getrow(i)
        nrm = float(row.multiply(row).sum())
        if nrm == 0.0:
            continue
        resid = float((row @ delta)[0]) - b[i]
        delta[row.indices] -= (resid / nrm) * row.data
    return delta


def row_norms2_csr(indptr, data):
    """Squared Euclidean norms of the rows of a CSR matrix."""
    counts = np.diff(indptr)
    owner = np.repeat(np.arange(counts.size), counts)
    return np.bincount(owner, weights=np.asarray(data, dtype=float) ** 2, minlength=counts.size)
