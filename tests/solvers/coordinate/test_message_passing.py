"""Forest blocks + message passing on label propagation (Nutini, Laradji & Schmidt, §5)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import optkit
from optkit.problems import CompositeProblem
from optkit.problems.glm import LeastSquares


def label_propagation(m=50, seed=0):
    """1/2 sum_{lattice edges} (x_i - x_j)^2 + 1/2 sum_i c_i (x_i - y_i)^2 as least squares.

    10% of the nodes carry a label +-1 (c = 1), the others c = 1e-2. Written as
    1/(2n) ||A x - b||^2 with A = sqrt(n) [B; diag(sqrt c)] (B: edge incidence).
    """
    rng = np.random.default_rng(seed)
    d = m * m
    idx = np.arange(d).reshape(m, m)
    edges = np.vstack([np.c_[idx[:-1].ravel(), idx[1:].ravel()],
                       np.c_[idx[:, :-1].ravel(), idx[:, 1:].ravel()]])
    E = edges.shape[0]
    B = sp.csr_matrix((np.r_[np.ones(E), -np.ones(E)],
                       (np.r_[np.arange(E), np.arange(E)], np.r_[edges[:, 0], edges[:, 1]])),
                      shape=(E, d))
    labelled = rng.random(d) < 0.1
    c = np.where(labelled, 1.0, 1e-2)
    y = np.where(labelled, rng.choice([-1.0, 1.0], d), 0.0)
    n = E + d
    A = sp.vstack([B, sp.diags(np.sqrt(c))]).tocsr() * np.sqrt(n)
    b = np.r_[np.zeros(E), np.sqrt(c) * y] * np.sqrt(n)
    Q = (B.T @ B + sp.diags(c)).tocsc()
    x_star = spla.spsolve(Q, c * y)
    return CompositeProblem(LeastSquares(A, b)), x_star


def test_forest_blocks_beat_2x2_greedy_blocks_tenfold():
    prob, x_star = label_propagation()
    m = 50
    res = optkit.minimize(prob, method="bcd", tol=1e-8, options=dict(
        blocks="forest", update="matrix", rule="gs", updates_per_step=1, maxiter=20_000))
    assert res.success, res.message
    np.testing.assert_allclose(res.x, x_star, atol=1e-6)
    # 2 x 2 squares, greedy GSQ with exact (matrix) block updates: not converged in 10x
    part = np.array([(i // 2) * (m // 2) + (j // 2) for i in range(m) for j in range(m)])
    opts = dict(blocks="partition", partition=part, update="matrix", rule="gsq",
                updates_per_step=625, trace=False)
    small = optkit.minimize(prob, method="bcd", tol=1e-8, options=dict(opts,
                                                                       maxiter=10 * res.nit))
    assert small.status == 1 and small.certificate > 1e-8
