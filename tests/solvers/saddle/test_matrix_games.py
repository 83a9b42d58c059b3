"""Matrix games: values and strategies against scipy's HiGHS, and the rates of
mirror prox (O(1/T)) and mirror descent (O(1/sqrt T)) with their theorem constants."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

import optkit
from optkit.problems.saddle import SaddleProblem


def highs_game(A):
    """Value and the row player's strategy of min_x max_y x^T A y (HiGHS LP)."""
    n, m = A.shape
    lp = linprog(np.r_[np.zeros(n), 1.0], A_ub=np.c_[A.T, -np.ones(m)], b_ub=np.zeros(m),
                 A_eq=np.r_[np.ones(n), 0.0][None, :], b_eq=[1.0],
                 bounds=[(0, None)] * n + [(None, None)], method="highs")
    # the column player's LP: max w s.t. A y >= w 1
    lq = linprog(np.r_[np.zeros(m), -1.0], A_ub=np.c_[-A, np.ones(n)], b_ub=np.zeros(n),
                 A_eq=np.r_[np.ones(m), 0.0][None, :], b_eq=[1.0],
                 bounds=[(0, None)] * m + [(None, None)], method="highs")
    assert lp.status == 0 and lq.status == 0
    return lp.x[-1], lp.x[:n], lq.x[:m]


GAME = np.random.default_rng(7).standard_normal((6, 5))


@pytest.mark.parametrize("method,options", [
    ("mirror-prox", {}), ("mirror-prox", {"step": "adaptive"}), ("pdhg", {}),
    ("pdhg", {"theta": 0.5}), ("adaptive-pdhg", {})])
def test_value_and_strategies_equal_highs(method, options):
    value, x_ref, y_ref = highs_game(GAME)
    res = optkit.minimize(SaddleProblem.matrix_game(GAME), method=method, tol=1e-9,
                          options={"maxiter": 20000, **options})
    assert res.status == 0, res.message
    assert res.certificate_kind == "duality_gap" and res.gap <= 1e-9
    # the gap brackets the value: dual <= v* <= primal, primal - dual = gap
    assert res.dual_value - 1e-12 <= value <= res.primal_value + 1e-12
    assert abs(res.fun - value) <= res.gap + 1e-12
    # a unique equilibrium (random game): strategies to the accuracy the gap allows
    np.testing.assert_allclose(res.x, x_ref, atol=1e-6)
    np.testing.assert_allclose(res.y, y_ref, atol=1e-6)
    assert abs(res.x.sum() - 1) < 1e-12 and res.x.min() >= 0


def test_mirror_descent_value_within_its_gap():
    value, _, _ = highs_game(GAME)
    res = optkit.minimize(SaddleProblem.matrix_game(GAME), method="mirror-descent",
                          tol=0.05, options={"maxiter": 20000})
    assert res.status == 0
    assert res.dual_value - 1e-12 <= value <= res.primal_value + 1e-12


def test_sparse_game_equals_dense():
    A = np.where(np.abs(GAME) > 0.5, GAME, 0.0)
    dense = optkit.minimize(SaddleProblem.matrix_game(A), method="pdhg", tol=1e-9)
    sparse = optkit.minimize(SaddleProblem.matrix_game(sp.csr_matrix(A)), method="pdhg",
                             tol=1e-9)
    assert dense.status == sparse.status == 0
    assert abs(dense.fun - sparse.fun) <= dense.gap + sparse.gap
    np.testing.assert_allclose(dense.x, sparse.x, atol=1e-6)


# -- rates ------------------------------------------------------------------------------
RATE_GAME = np.array([[3.0, -1.0], [-2.0, 1.0]])     # unique interior equilibrium
TS = np.array([100, 1000, 10000])


def _slope(gaps):
    return np.polyfit(np.log(TS), np.log(gaps), 1)[0]


def test_mirror_prox_gap_is_order_one_over_T():
    """Mirror prox with eta = 1/L: gap(average) <= L Theta / T with Theta = 2 (weighted
    entropies, uniform start) and L = max|A - mean(A)| sqrt(log n log m); the fitted
    log-log slope over T in [1e2, 1e4] is -1 (the average of iterates that converge
    is (z* + O(1/T))): margin 0.15."""
    problem = SaddleProblem.matrix_game(RATE_GAME)
    res = optkit.minimize(problem, method="mirror-prox", tol=1e-300,
                          options={"maxiter": int(TS[-1]), "output": "average",
                                   "step": "constant"})
    nit, gaps = np.asarray(res.trace["nit"]), np.asarray(res.trace["cert_avg"])
    g = np.array([gaps[nit == T][0] for T in TS])
    L = np.abs(RATE_GAME - RATE_GAME.mean()).max() * math.log(2)
    assert np.all(g <= L * 2.0 / TS)
    assert -1.15 <= _slope(g) <= -0.85
    assert res.noperator == 1 + 2 * res.nit        # two evaluations per iteration


def test_mirror_descent_gap_is_order_one_over_sqrt_T():
    """Mirror descent tuned for the horizon T: gap(average) <= G sqrt(2 Theta / T)
    (G the largest dual norm of F met, Theta = 2); the slope over T in [1e2, 1e4] is
    -1/2: margin 0.15 (the bound is attained up to a constant on a game whose
    equilibrium is interior: multiplicative weights cycle at distance ~eta)."""
    problem = SaddleProblem.matrix_game(RATE_GAME)
    gaps = []
    for T in TS:
        res = optkit.minimize(problem, method="mirror-descent", tol=1e-300,
                              options={"maxiter": int(T), "horizon": int(T),
                                       "output": "average"})
        assert res.cert_avg <= res.G * math.sqrt(2 * 2.0 / T)
        assert res.noperator == 1 + res.nit
        gaps.append(res.cert_avg)
    assert -0.65 <= _slope(np.array(gaps)) <= -0.35


@pytest.mark.parametrize("entropy_x,entropy_y", [(False, False), (True, False),
                                                 (False, True)])
def test_other_mirror_maps_reach_the_same_equilibrium(entropy_x, entropy_y):
    """Euclidean and mixed entropy/Euclidean setups (their Lipschitz constants from the
    mixed norms of K: ||K||_2, the largest column or row 2-norm) with the constant step
    1/L: the value within the gap of HiGHS's."""
    from optkit.problems.geometry import EntropySimplex
    from optkit.problems.sets import Simplex

    n, m = GAME.shape
    gx = EntropySimplex(n=n) if entropy_x else Simplex(n=n)
    gy = EntropySimplex(n=m) if entropy_y else Simplex(n=m)
    value, x_ref, _ = highs_game(GAME)
    res = optkit.minimize(SaddleProblem.bilinear(GAME.T, gx, gy), method="mirror-prox",
                          tol=1e-8, options={"maxiter": 20000, "step": "constant"})
    assert res.status == 0
    assert abs(res.fun - value) <= res.gap + 1e-12
    np.testing.assert_allclose(res.x, x_ref, atol=1e-5)
