"""Mirror Sinkhorn (Ballu & Berthet 2023) against POT (ot.emd2, ot.bregman.sinkhorn_log).

The reference bound is the entropic mirror-descent bound for the eta-weighted
average with eta_t = c / (||M||_inf sqrt(t + 1)) and P_0 = a b^T:

    <M, P_avg> - OT(a, b) <= ||M||_inf (log min(n, m) + (c^2 / 2)(1 + log T))
                             / (2 c (sqrt(T + 1) - 1)),

(KL(P* | a b^T) <= log min(n, m); sum eta_t >= 2 (c/||M||)(sqrt(T+1) - 1);
sum eta_t^2 <= (c/||M||)^2 (1 + log T)), the O(log T / sqrt T) form of the
paper's guarantee. The averaged plan is only approximately feasible, so its
cost may be below OT by at most 2 ||M||_inf * marginal error (rounding).
"""

from __future__ import annotations

import math

import numpy as np
import ot as pot
import pytest

import optkit
from optkit.problems.ot import OTProblem
from optkit.problems.synthetic import ot_point_clouds


def rate_bound(T, n, m, Mmax, c=1.0):
    return Mmax * (math.log(min(n, m)) + 0.5 * c * c * (1.0 + math.log(T))) / (
        2.0 * c * (math.sqrt(T + 1.0) - 1.0))


def _run(problem, T, **options):
    return optkit.minimize(problem, method="mirror-sinkhorn", tol=1e-300,
                           options={"maxiter": T, **options})


@pytest.mark.parametrize("n, m, weights", [(50, 50, "uniform"), (120, 80, "random"),
                                           (200, 150, "uniform")])
def test_cost_approaches_emd2_within_rate_bound(n, m, weights):
    a, b, M = ot_point_clouds(n, m, weights=weights, seed=n + m)
    w = pot.emd2(a, b, M)
    problem = OTProblem(a, b, M, reg=1e-2)        # reg unused by objective="linear"
    gaps = []
    for T in (200, 800, 3200):
        res = _run(problem, T)
        assert res.status == 1 and res.nit == T
        gap = res.transport_cost - w
        np.testing.assert_allclose(res.transport_cost, np.sum(M * res.plan), rtol=1e-10)
        np.testing.assert_allclose(res.marginal_err, problem.marginal_error(res.plan),
                                   rtol=1e-8, atol=1e-14)
        assert gap <= rate_bound(T, n, m, M.max())
        assert gap >= -2.0 * M.max() * res.marginal_err
        assert res.marginal_err <= 0.02
        assert res.fun == res.transport_cost
        gaps.append(gap)
    assert gaps[0] > gaps[1] > gaps[2] > 0          # decreases with t
    assert gaps[2] < 0.6 * gaps[0]


def test_stops_on_gap_and_gap_is_a_certificate():
    a, b, M = ot_point_clouds(80, 60, weights="random", seed=4)
    w = pot.emd2(a, b, M)
    res = optkit.minimize(OTProblem(a, b, M, 0.1), method="mirror-sinkhorn", tol=5e-2,
                          options={"maxiter": 20_000})
    assert res.status == 0 and res.success
    assert res.certificate == res.gap <= 5e-2
    P = res.plan
    err = np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum()
    np.testing.assert_allclose(res.marginal_err, err, rtol=1e-8)
    assert 2 * M.max() * err <= res.gap
    # the dual bound is below OT, the gap above the cost of the plan rounded onto U(a, b)
    assert res.dual_obj <= w + 1e-12
    assert res.transport_cost + 2 * M.max() * err - w <= res.gap + 1e-12
    assert res.trace["certificate"][-1] == res.gap
    assert res.trace["marginal_err"][-1] == res.marginal_err
    assert "transport_cost" in res.trace.columns and "dual_obj" in res.trace.columns
    assert res.nsweep == 2 * res.nit               # plan + half projection per iteration


def test_last_iterate_has_exact_half_marginal():
    a, b, M = ot_point_clouds(40, 30, weights="random", seed=2)
    for T, exact, side in ((5, a, 1), (6, b, 0)):  # odd T ends on a row projection
        res = _run(OTProblem(a, b, M, 0.1), T, average=False, check_every=1)
        np.testing.assert_allclose(res.plan.sum(side), exact, rtol=1e-10, atol=1e-15)


def test_entropic_objective_approaches_sinkhorn_value():
    a, b, M = ot_point_clouds(60, 40, weights="random", seed=1)
    reg = 0.05
    problem = OTProblem(a, b, M, reg)
    P_ref = pot.bregman.sinkhorn_log(a, b, M, reg, numItermax=100_000, stopThr=1e-14)
    F_star = problem.primal(P_ref)
    gaps = []
    for T in (250, 1000, 4000):
        res = _run(problem, T, objective="entropic")
        np.testing.assert_allclose(res.fun, problem.primal(res.plan), rtol=1e-10)
        gaps.append(res.fun - F_star)
    assert gaps[0] > gaps[1] > gaps[2] > -2 * M.max() * res.marginal_err
    assert gaps[2] <= 2e-3


def test_deterministic_and_check_every_invariant():
    a, b, M = ot_point_clouds(50, 45, weights="random", seed=7)
    problem = OTProblem(a, b, M, 0.1)
    r1 = _run(problem, 300)
    r2 = _run(problem, 300)
    np.testing.assert_array_equal(r1.plan, r2.plan)
    np.testing.assert_array_equal(r1.x, r2.x)
    r3 = _run(problem, 300, check_every=1)
    np.testing.assert_allclose(r3.plan, r1.plan, rtol=0, atol=1e-14)
    assert r3.nit == r1.nit == 300


@pytest.mark.parametrize("opts, name", [({"step": 0.0}, "step"), ({"step": -1.0}, "step"),
                                        ({"objective": "quadratic"}, "objective"),
                                        ({"average": "yes"}, "average"),
                                        ({"check_every": 0}, "check_every")])
def test_bad_options(opts, name):
    a, b, M = ot_point_clouds(10, 8, seed=0)
    with pytest.raises((ValueError, TypeError), match=name):
        optkit.minimize(OTProblem(a, b, M, 0.1), method="mirror-sinkhorn", options=opts)
