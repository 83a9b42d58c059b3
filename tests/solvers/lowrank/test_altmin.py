"""AltMin (robust alternating minimization): exact recovery against the
ground truth, sketched vs exact row solves, sample splitting, clipping."""

from __future__ import annotations

import numpy as np
import pytest

import optkit
from optkit.problems.lowrank import LowRankProblem
from optkit.problems.synthetic import matrix_completion


def _problem(n1=100, n2=80, r=3, kappa=5.0, p=0.3, seed=0, rank=None):
    rows, cols, vals, M = matrix_completion(n1, n2, r, kappa=kappa, p=p, seed=seed)
    return LowRankProblem.completion(rows, cols, vals, (n1, n2), rank or r, truth=M), M


def _err(res, M):
    return np.linalg.norm(res.U @ res.V.T - M) / np.linalg.norm(M)


@pytest.mark.parametrize("solver", ["sketched", "exact"])
def test_exact_recovery(solver):
    prob, M = _problem()
    res = optkit.minimize(prob, method="altmin", tol=1e-12, options={"solver": solver})
    assert res.success
    assert _err(res, M) < 1e-8
    np.testing.assert_allclose(res.rel_error, _err(res, M), rtol=1e-3, atol=1e-15)
    # the spectral start is already informative; the trace records the error
    assert res.trace["rel_error"][0] < 0.8
    assert np.all(np.diff(res.trace["nls"]) == 2)          # two sweeps an iteration
    if solver == "sketched":
        assert res.cg_iterations > 0
    else:
        assert res.cg_iterations == 0


def test_sketched_rows_use_cg_when_rows_are_long():
    """With |Omega_j| >> s = 2k the sketched path runs CG (warm-started, loose
    inner tolerance) and reaches the same final error as the exact solver."""
    prob, M = _problem(n1=200, n2=150, r=2, kappa=2.0, p=0.5, seed=1)
    sk = optkit.minimize(prob, method="altmin", tol=1e-13, options={"solver": "sketched"})
    ex = optkit.minimize(prob, method="altmin", tol=1e-13, options={"solver": "exact"})
    assert _err(sk, M) < 1e-9 and _err(ex, M) < 1e-9
    # the approximate solves cost at most a few more outer iterations
    assert sk.nit <= 2 * ex.nit + 5
    assert sk.cg_iterations / (sk.half_steps * 150) < 10


def test_sample_splitting_is_reported_and_recovers():
    prob, M = _problem(n1=60, n2=50, r=2, kappa=2.0, p=0.9, seed=2)
    res = optkit.minimize(prob, method="altmin", tol=1e-12, options={"splits": 3})
    assert res.sample_splitting == 3
    assert _err(res, M) < 1e-8
    assert optkit.minimize(prob, method="altmin", options={"maxiter": 1}).sample_splitting == 0
    with pytest.raises(ValueError, match="`splits` must be 0 or >= 3"):
        optkit.minimize(prob, method="altmin", options={"splits": 2})


def test_clipping_keeps_recovery():
    prob, M = _problem(seed=3)
    res = optkit.minimize(prob, method="altmin", tol=1e-12, options={"clip_mu": 0.6})
    assert _err(res, M) < 1e-8


def test_start_from_given_factors_and_bad_options():
    prob, M = _problem(n1=40, n2=30, r=2, p=0.6, seed=4)
    rng = np.random.default_rng(0)
    x0 = (rng.standard_normal((40, 2)), rng.standard_normal((30, 2)))
    res = optkit.minimize(prob, x0, method="altmin", tol=1e-12)
    assert _err(res, M) < 1e-8
    with pytest.raises(ValueError, match="solver"):
        optkit.minimize(prob, method="altmin", options={"solver": "qr"})
    with pytest.raises(ValueError, match="sketch_factor"):
        optkit.minimize(prob, method="altmin", options={"sketch_factor": 0.5})
