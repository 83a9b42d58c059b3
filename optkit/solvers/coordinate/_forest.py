"""Forest-structured blocks of a sparse quadratic, solved exactly by message passing.

The dependency graph of ``Q`` (edge i-j iff Q_ij != 0) is split greedily into
forests: vertices are scanned in order and joined to the current block when
their neighbours already in the block lie in distinct trees (so no cycle
appears); the vertices left over start the next block. On a block b the
system ``Q_bb u = -g_b`` is then solved in O(|b|) by tree elimination
(:func:`optkit.kernels.message_passing.tree_solve`).
"""

from __future__ import annotations

from collections import deque

import numpy as np
import scipy.sparse as sp

from ...kernels.message_passing import tree_solve


def _find(parent, a):
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


def greedy_forests(adj, d):
    """Partition 0..d-1 into blocks whose induced subgraphs are forests."""
    remaining = list(range(d))
    blocks = []
    while remaining:
        uf = np.arange(d)
        inblock = np.zeros(d, dtype=bool)
        block, rest = [], []
        for v in remaining:
            roots = [_find(uf, u) for u in adj[v] if inblock[u]]
            if len(set(roots)) == len(roots):
                inblock[v] = True
                block.append(v)
                for r in roots:
                    uf[r] = v
            else:
                rest.append(v)
        blocks.append(np.array(block, dtype=np.int64))
        remaining = rest
    return blocks


class ForestBlocks:
    """Greedy forest partition of a quadratic model and its exact block solves."""

    def __init__(self, model):
        if model.kind != "quad":
            raise ValueError("blocks='forest' (message passing) needs a quadratic smooth part "
                             "(QuadraticProblem or LeastSquares).")
        if model.composite:
            raise ValueError("blocks='forest' supports smooth problems only (penalty None).")
        Q = model.Q
        d = Q.shape[0]
        self.Q = Q
        nz = Q != 0
        np.fill_diagonal(nz, False)
        adj = [np.flatnonzero(nz[i]) for i in range(d)]
        self.blocks = greedy_forests(adj, d)
        self.nblocks = len(self.blocks)
        self.trees = [self._tree(b, adj) for b in self.blocks]
        Qs = sp.csc_matrix(Q)
        self.cols = [Qs[:, b] for b in self.blocks]      # sparse Q[:, b]: O(nnz) updates

    def _tree(self, block, adj):
        local = {int(v): a for a, v in enumerate(block)}
        m = block.size
        parent = np.full(m, -1, dtype=np.int64)
        offd = np.zeros(m)
        seen = np.zeros(m, dtype=bool)
        order = []
        for s in range(m):
            if seen[s]:
                continue
            seen[s] = True
            queue = deque([s])
            while queue:
                a = queue.popleft()
                order.append(a)
                for u in adj[block[a]]:
                    c = local.get(int(u))
                    if c is not None and not seen[c]:
                        seen[c] = True
                        parent[c] = a
                        offd[c] = self.Q[block[c], block[a]]
                        queue.append(c)
        diag = np.ascontiguousarray(self.Q[block, block])
        return np.array(order, dtype=np.int64), parent, diag, offd

    def solve_block(self, b, rhs):
        order, parent, diag, offd = self.trees[b]
        out = np.empty(rhs.size)
        tree_solve(order, parent, diag, offd, rhs, out)
        return out

    def run(self, x, g, order, n, rule_code):
        work = 0
        for t in range(n):
            if rule_code == 0:
                b = int(order[t])
            else:
                b = int(np.argmax([float(g[B] @ g[B]) for B in self.blocks]))
            B = self.blocks[b]
            u = self.solve_block(b, -g[B])
            x[B] += u
            g += self.cols[b] @ u
            work += 4 * B.size + self.cols[b].nnz
        return work
