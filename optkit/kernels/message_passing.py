"""Message passing: the exact solve of a forest-structured linear system (Numba).

Serves the ``bcd`` method's ``blocks="forest"`` (Nutini, Laradji & Schmidt,
JMLR 2022, section 5): on a block whose graph of nonzeros of the Hessian is a
forest, the matrix update ``H_bb^{-1} g_b`` costs O(|b|) by eliminating the
leaves towards the roots and back-substituting (:func:`tree_solve`).
"""

from __future__ import annotations

from numba import njit

__all__ = ["tree_solve"]


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
