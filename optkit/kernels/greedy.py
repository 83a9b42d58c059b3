"""Greedy coordinate selection: per-coordinate scores and the greedy GSQ block.

Rule codes of the coordinate kernels (``rule``): 0 = the order is given
(cyclic, random, Lipschitz sampling), 1 = GS (minimal-norm subgradient,
GS-s), 2 = GS-r, 3 = GSL (GS-q with the Lipschitz model), 4 = GSD (GS-q with
the diagonal model), 5 = GSQ. :func:`coord_scores` scores every coordinate
(Nutini, Laradji & Schmidt, "Let's make block coordinate descent converge
faster", JMLR 2022); :func:`gsq_greedy_block` grows a variable GSQ block on a
quadratic. Used by :mod:`~optkit.kernels.glm_coordinate`,
:mod:`~optkit.kernels.glm_blocks` and :mod:`~optkit.kernels.quadratic_bcd`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .cd_scalar import _pen_diff, min_norm_subgrad, prox_scalar

__all__ = ["coord_scores", "gsq_greedy_block"]


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
