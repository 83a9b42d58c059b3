"""Forest blocks + message passing on label propagation (Nutini, Laradji & Schmidt, §5)."""

from __future__ import annotations

import numpy as np

import optkit
from optkit.problems import CompositeProblem
from optkit.problems import synthetic


def label_propagation(m=50, seed=0):
    smooth, x_star = synthetic.label_propagation(m, 0.1, seed=seed)
    return CompositeProblem(smooth), x_star


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
