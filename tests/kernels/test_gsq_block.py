"""Greedy GSQ block selection (variable blocks) against a NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest

import optkit
from optkit.kernels.greedy import gsq_greedy_block
from optkit.problems import CompositeProblem
from optkit.problems.synthetic import QuadraticProblem


def _gsq_value(Q, g, b):
    b = list(b)
    return float(g[b] @ np.linalg.solve(Q[np.ix_(b, b)], g[b]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_added_coordinate_maximizes_the_gsq_increase(seed):
    rng = np.random.default_rng(seed)
    d, tau = 15, 5
    M = rng.standard_normal((d, d))
    Q = M @ M.T / d + 0.1 * np.eye(d)
    g = rng.standard_normal(d)
    blk, work = gsq_greedy_block(Q, g, tau)
    assert len(set(blk.tolist())) == tau and work > 0
    for t in range(tau):                     # NumPy reference of the greedy chain
        prefix = blk[:t].tolist()
        gains = {j: _gsq_value(Q, g, prefix + [j]) for j in range(d) if j not in prefix}
        best = max(gains.values())
        assert _gsq_value(Q, g, blk[:t + 1]) == pytest.approx(best, rel=1e-10)
    # better than the GSD block of the same size (the previous approximation)
    gsd = np.argsort(-g ** 2 / np.diag(Q))[:tau]
    assert _gsq_value(Q, g, blk) >= _gsq_value(Q, g, gsd) - 1e-12


def test_variable_block_progress_ordering_gsq_gsd_gs():
    """Nutini et al.: with variable blocks and matrix updates, GSQ <= GSD <= GS iterations."""
    its = {"gs": [], "gsd": [], "gsq": []}
    for seed in range(3):
        rng = np.random.default_rng(seed)
        M = rng.standard_normal((60, 60))
        A = M @ M.T / 60 + 0.5 * np.eye(60)
        s = np.exp(rng.uniform(-1.5, 1.5, 60))
        prob = CompositeProblem(QuadraticProblem(s[:, None] * A * s[None, :],
                                                 rng.standard_normal(60)))
        for rule in its:
            res = optkit.minimize(prob, method="bcd", tol=1e-8, options=dict(
                rule=rule, update="matrix", blocks="variable", block_size=5,
                maxiter=100_000))
            assert res.success
            np.testing.assert_allclose(res.x, prob.smooth.x_star, atol=1e-6)
            its[rule].append(res.nit)
    m = {k: np.mean(v) for k, v in its.items()}
    assert m["gsq"] < m["gsd"] < m["gs"], m      # measured 166 < 242 < 411
