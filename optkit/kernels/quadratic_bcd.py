"""Block coordinate descent on a quadratic with a separable penalty (Numba, float64).

:math:`F(x) = \\tfrac12 x^\\top Q x - c^\\top x + \\sum_i g_i(x_i)` with a
dense Q and the gradient ``g = Qx - c`` maintained incrementally
(``g += Q[:, b] delta``). :func:`quad_bcd` serves the ``bcd`` method on a
:class:`~optkit.problems.synthetic.QuadraticProblem` (and least squares
through its Gram matrix): fixed or variable blocks, Lipschitz, diagonal or
matrix updates, cyclic, random or greedy selection (Nutini, Laradji & Schmidt,
JMLR 2022). :func:`_block_prox_cd` minimizes a block's quadratic model plus
the penalty exactly; :mod:`~optkit.kernels.glm_blocks` reuses it for its
Newton steps.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from .cd_scalar import prox_scalar
from .greedy import _coord_score, gsq_greedy_block

__all__ = ["QuadBlocks", "quad_bcd"]

QuadBlocks = namedtuple("QuadBlocks", "bptr bidx Lb Dfix Hinv hoff tau")
QuadBlocks.__doc__ = """The block layout of :func:`quad_bcd` and its curvature data.

Attributes
----------
bptr, bidx : ndarray of int64
    Fixed block b is ``bidx[bptr[b]:bptr[b + 1]]``.
Lb : ndarray
    Lipschitz constant of each fixed block.
Dfix : ndarray, shape (d,)
    Diagonal (Gershgorin) bounds per coordinate within its fixed block.
Hinv, hoff : ndarray
    ``H_b^{-1}`` of fixed block b, row-major at ``Hinv[hoff[b]:]``.
tau : int
    Size of the variable blocks; 0 for fixed blocks.
"""


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
def _quad_bcd(Q, g, x, bptr, bidx, Lb, Dfix, Hinv, hoff, order, n_updates, rule, update,
              tau, l1, l2, lo, hi, composite):
    """Flat-argument kernel of :func:`quad_bcd` (see there)."""
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


def quad_bcd(Q, g, x, B, order, n_updates, rule, update, pen, composite):
    """``n_updates`` block updates on f = x'Qx/2 - c'x (+ separable g).

    Fixed blocks (``B.tau == 0``): block b is ``bidx[bptr[b]:bptr[b+1]]`` with
    Lipschitz constant ``Lb[b]``, diagonal bounds ``Dfix`` (per coordinate,
    within its block) and ``H_b^{-1}`` at ``Hinv[hoff[b]:]`` (row-major).
    Variable blocks (``B.tau > 0``): the ``tau`` coordinates with the best
    per-coordinate scores (diagonal model ``Q_ii``; GSQ without a penalty: the
    greedy block of :func:`~optkit.kernels.greedy.gsq_greedy_block`), Gershgorin
    bounds for L and D, matrix updates by a dense solve.

    Parameters
    ----------
    Q : ndarray, shape (d, d)
        The (symmetric PSD) quadratic.
    g, x : ndarray
        Gradient ``Qx - c`` and iterate, updated in place.
    B : QuadBlocks
        The block layout.
    order : ndarray of int64
        The fixed blocks to update when ``rule == 0``.
    n_updates, rule, update : int
        Number of block updates, rule code (:mod:`~optkit.kernels.greedy`) and
        update code (0 Lipschitz, 1 diagonal, 2 matrix).
    pen : Penalty
        The separable penalty.
    composite : bool
        Whether the penalty is nonzero (the GSQ and matrix steps then solve the
        penalized block model).

    Returns
    -------
    int
        The work (matrix entries read).
    """
    return _quad_bcd(Q, g, x, B.bptr, B.bidx, B.Lb, B.Dfix, B.Hinv, B.hoff, order, n_updates,
                     rule, update, B.tau, *pen, composite)
