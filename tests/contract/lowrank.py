"""The 'lowrank' family's contract problem (keys: ``tests/contract/__init__.py``)."""

from __future__ import annotations

import numpy as np


def completion_small(n1=30, n2=25, r=2, p=0.6, seed=4):
    """Rank-2 completion of a 30 x 25 matrix from 60% of its entries, started
    at each method's own initialization (``x0 = "auto"``, as a 0-d array).

    The check compares ``res.U @ res.V.T`` with the ground truth (formed here,
    independently of the family's factor-form error) to a relative error of
    1e-8. The kernels read the data, not user callables, so there is no
    independent counter. Overrides: ``lowrank-subgradient`` (an l1 method for
    Gaussian sensing, whose analysis needs the l1/l2 restricted isometry that
    entry sampling lacks) runs on a symmetric sensing instance with 15%
    gross outliers and is checked to 1e-4 (its steps decay geometrically);
    ``soft-impute`` runs at lambda = 1e-10 sigma_1 (its bias is ~lambda).
    """
    from optkit.problems.lowrank import LowRankProblem
    from optkit.problems.synthetic import matrix_completion, matrix_sensing

    rows, cols, vals, M = matrix_completion(n1, n2, r, kappa=2.0, p=p, seed=seed)
    prob = LowRankProblem.completion(rows, cols, vals, (n1, n2), r, truth=M)

    def check(res):
        err = np.linalg.norm(res.U @ res.V.T - M) / np.linalg.norm(M)
        assert err <= 1e-8, err
        np.testing.assert_allclose(res.rel_error, err, rtol=1e-4, atol=1e-14)

    op, y, Ms = matrix_sensing(10, 10, 2, m=300, seed=seed, symmetric=True)
    y = y.copy()
    rng = np.random.default_rng(seed)
    bad = rng.random(y.size) < 0.15
    y[bad] += 5.0 * rng.standard_normal(int(bad.sum()))
    robust = LowRankProblem.sensing(op, y, rank=2, truth=Ms)

    def check_robust(res):
        err = np.linalg.norm(res.U @ res.U.T - Ms) / np.linalg.norm(Ms)
        assert err <= 1e-4, err

    return dict(problem=prob, x0=np.array("auto"), check=check, counters={},
                overrides={"lowrank-subgradient": {"problem": robust, "check": check_robust},
                           "soft-impute": {"options": {"lam_rel": 1e-10}}})


problem = completion_small
