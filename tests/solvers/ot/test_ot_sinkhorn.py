"""OT methods against POT (ot.sinkhorn, ot.bregman.sinkhorn_log, ot.emd2)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import ot as pot
import pytest

import optkit
from optkit.problems.ot import OTProblem
from optkit.problems.synthetic import ot_histograms_1d, ot_point_clouds

TIGHT = dict(numItermax=200_000, stopThr=1e-14)


def _pot_log(a, b, M, reg):
    P, log = pot.bregman.sinkhorn_log(a, b, M, reg, log=True, **TIGHT)
    return P, log["log_u"], log["log_v"]


CASES = [  # (n, m, weights, reg)
    (100, 100, "uniform", 1e-1),
    (100, 150, "random", 1e-2),
    (300, 200, "random", 3e-2),
    (500, 400, "uniform", 1e-2),
]


@pytest.mark.parametrize("n, m, weights, reg", CASES)
def test_sinkhorn_log_equals_pot_sinkhorn_log(n, m, weights, reg):
    a, b, M = ot_point_clouds(n, m, weights=weights, seed=n + m)
    res = optkit.minimize(OTProblem(a, b, M, reg), method="sinkhorn-log", tol=1e-13,
                          options={"maxiter": 50_000})
    assert res.status == 0, res.message
    P, log_u, log_v = _pot_log(a, b, M, reg)
    # same iterates from zero potentials: potentials equal without any shift
    np.testing.assert_allclose(res.x[:n] / reg, log_u, rtol=0, atol=1e-7)
    np.testing.assert_allclose(res.x[n:] / reg, log_v, rtol=0, atol=1e-7)
    assert np.abs(res.plan - P).max() <= 1e-7 * P.max()
    assert res.marginal_err <= 1e-13
    assert res.transport_cost == pytest.approx(np.sum(M * P), rel=1e-9)


@pytest.mark.parametrize("n, m, weights, reg", CASES[:3])
def test_sinkhorn_scaling_equals_pot_sinkhorn(n, m, weights, reg):
    a, b, M = ot_point_clouds(n, m, weights=weights, seed=n + m)
    res = optkit.minimize(OTProblem(a, b, M, reg), method="sinkhorn", tol=1e-13,
                          options={"maxiter": 50_000})
    assert res.status == 0, res.message
    P, log = pot.sinkhorn(a, b, M, reg, log=True, **TIGHT)
    assert np.abs(res.plan - P).max() <= 1e-7 * P.max()
    # potentials up to the shift (f + c, g - c), which leaves the plan unchanged
    du = res.x[:n] / reg - np.log(log["u"])
    dv = res.x[n:] / reg - np.log(log["v"])
    c = du.mean()
    np.testing.assert_allclose(du, c, atol=1e-7)
    np.testing.assert_allclose(dv, -c, atol=1e-7)


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn-log", "sinkhorn-eps-scaling", "sns"])
def test_all_methods_reach_the_same_plan(method):
    a, b, M = ot_histograms_1d(120, seed=4)
    reg = 2e-3
    P, _, _ = _pot_log(a, b, M, reg)
    res = optkit.minimize(OTProblem(a, b, M, reg), method=method, tol=1e-11,
                          options={"maxiter": 100_000})
    assert res.status == 0, res.message
    assert np.abs(res.plan - P).max() <= 1e-8 * P.max()
    # the result's objective values agree with NumPy evaluations of the plan
    prob = OTProblem(a, b, M, reg)
    assert res.fun == pytest.approx(prob.primal(res.plan), rel=1e-9, abs=1e-12)
    assert res.dual_obj == pytest.approx(prob.dual(*np.split(res.x, [120])), rel=1e-9,
                                         abs=1e-12)


def test_sns_reaches_1e_minus_12_and_the_log_plan_with_far_fewer_sweeps():
    a, b, M = ot_point_clouds(200, 150, weights="random", seed=0)
    reg = 1e-3
    prob = OTProblem(a, b, M, reg)
    ref = optkit.minimize(prob, method="sinkhorn-log", tol=1e-11, options={"maxiter": 100_000})
    res = optkit.minimize(prob, method="sns", tol=1e-12, options={"maxiter": 2000})
    assert res.status == 0 and res.marginal_err <= 1e-12, res.message
    assert np.abs(res.plan - ref.plan).max() <= 1e-8 * ref.plan.max()
    # rows of the Newton phase (the last warm-up row already carries phase 1)
    newton = int(np.sum(res.trace["phase"] == 1)) - 1
    assert 0 < newton <= 40 and res.nhev == newton  # a few tens of Newton steps
    assert res.nsweep * 10 < ref.nsweep             # >= 10x fewer sweeps of M
    assert res.nhvp > 0 and res.nfev >= newton
    # duality: the dual never exceeds the primal, and the gap closes
    assert res.dual_obj <= res.fun + 1e-12 and res.fun - res.dual_obj <= 1e-11


def test_sns_topk_sparsification_converges_too():
    a, b, M = ot_point_clouds(120, 100, seed=5)
    res = optkit.minimize(OTProblem(a, b, M, 1e-2), method="sns", tol=1e-11,
                          options={"sparsify": "topk", "density": 0.1})
    assert res.status == 0 and res.marginal_err <= 1e-11
    assert np.all(res.trace["nnz"][res.trace["phase"] == 1] <= 120 * 10)


@pytest.mark.parametrize("reg", [1e-1, 1e-2, 1e-3])
def test_cost_approaches_emd2_within_the_entropic_bound(reg):
    a, b, M = ot_point_clouds(80, 70, weights="random", seed=9)
    exact = pot.emd2(a, b, M)
    res = optkit.minimize(OTProblem(a, b, M, reg), method="sinkhorn-log", tol=1e-10,
                          options={"maxiter": 100_000})
    assert res.status == 0
    gap = res.transport_cost - exact
    assert -1e-12 <= gap <= reg * math.log(80 * 70)
    assert np.sum(M * res.plan) == pytest.approx(res.transport_cost, rel=1e-12)


def test_sinkhorn_log_is_finite_where_pot_scaling_overflows():
    """Shifted clouds at reg = 1e-4: rows of exp(-M/reg) underflow to 0, POT's
    scaling Sinkhorn stops on numerical errors with a plan whose marginals are
    off by ~2; the log-domain method converges to a finite plan whose cost is
    within the entropic bound of the exact one."""
    a, b, M = ot_point_clouds(40, 30, weights="random", shift=1.5, seed=2)
    reg = 1e-4
    assert np.any(np.all(np.exp(-M / reg) == 0, axis=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            P_pot = pot.sinkhorn(a, b, M, reg, numItermax=2000)
    prob = OTProblem(a, b, M, reg)
    assert not np.all(np.isfinite(P_pot)) or prob.marginal_error(P_pot) > 1.0
    res = optkit.minimize(prob, method="sinkhorn-log", tol=1e-9, options={"maxiter": 20_000})
    assert np.all(np.isfinite(res.plan)) and np.all(np.isfinite(res.x))
    assert res.status == 0 and res.marginal_err <= 1e-9, res.message
    assert prob.marginal_error(res.plan) <= 1e-9
    exact = pot.emd2(a, b, M)
    assert 0 <= res.transport_cost - exact <= reg * math.log(40 * 30)


def test_scaling_sinkhorn_breakdown_is_status_3_with_advice():
    a, b, M = ot_point_clouds(40, 30, weights="random", shift=1.5, seed=2)
    res = optkit.minimize(OTProblem(a, b, M, 1e-4), method="sinkhorn", tol=1e-9)
    assert res.status == 3 and not res.success
    assert "sinkhorn-log" in res.message and "reg" in res.message
    assert np.all(np.isfinite(res.x)) or res.nit == 0


def test_check_every_blocks_and_exact_maxiter():
    a, b, M = ot_point_clouds(40, 30, seed=1)
    prob = OTProblem(a, b, M, 1e-2)
    res = optkit.minimize(prob, method="sinkhorn-log", tol=1e-300,
                          options={"maxiter": 25, "check_every": 10})
    assert res.status == 1 and res.nit == 25
    np.testing.assert_array_equal(res.trace["nit"], [0, 10, 20, 25])
    assert res.nsweep == 1 + 2 * 25 and res.njev == 1 + 3
    one = optkit.minimize(prob, method="sinkhorn-log", tol=1e-300,
                          options={"maxiter": 25, "check_every": 1})
    np.testing.assert_allclose(one.x, res.x, rtol=0, atol=1e-14)
    tr = one.trace
    assert set(["marginal_err", "dual_obj", "transport_cost"]) <= set(tr.columns)
    assert np.all(np.diff(tr["dual_obj"][1:]) >= -1e-14)      # block ascent on the dual
    # primal - dual = <g, P^T 1 - b> after the f-update: it closes with the marginals
    gap = np.abs(tr["fun"] - tr["dual_obj"])
    assert gap[-1] < 0.1 * gap[1]


def test_zero_mass_entries_are_dropped_like_pot():
    a, b, M = ot_point_clouds(30, 20, weights="random", seed=3)
    a[[2, 7]] = 0.0
    b[5] = 0.0
    a, b = a / a.sum(), b / b.sum()
    prob = OTProblem(a, b, M, 5e-2)
    assert prob.shape_support == (28, 19) and prob.x0.shape == (47,)
    res = optkit.minimize(prob, method="sinkhorn-log", tol=1e-13)
    with np.errstate(divide="ignore"):
        P = pot.bregman.sinkhorn_log(a, b, M, 5e-2, **TIGHT)
    assert res.plan.shape == (30, 20)
    assert np.all(res.plan[[2, 7]] == 0) and np.all(res.plan[:, 5] == 0)
    np.testing.assert_allclose(res.plan, P, rtol=0, atol=1e-7 * P.max())


def test_warm_start_cuts_iterations():
    a, b, M = ot_point_clouds(150, 120, weights="random", seed=6)
    coarse = optkit.minimize(OTProblem(a, b, M, 2e-3), method="sinkhorn-log", tol=1e-9,
                             options={"maxiter": 100_000})
    b2 = b * (1 + 1e-4 * np.cos(np.arange(120)))
    b2 /= b2.sum()
    prob = OTProblem(a, b2, M, 2e-3)
    cold = optkit.minimize(prob, method="sinkhorn-log", tol=1e-9, options={"maxiter": 100_000})
    warm = optkit.minimize(prob, coarse.x, method="sinkhorn-log", tol=1e-9,
                           options={"maxiter": 100_000})
    assert cold.status == warm.status == 0
    assert warm.nit < 0.6 * cold.nit
    np.testing.assert_allclose(warm.plan, cold.plan, rtol=0, atol=1e-8 * cold.plan.max())


def test_eps_scaling_schedule_and_certificate_at_target_reg():
    a, b, M = ot_point_clouds(80, 60, seed=8)
    res = optkit.minimize(OTProblem(a, b, M, 1e-3), method="sinkhorn-eps-scaling", tol=1e-9,
                          options={"factor": 0.25, "check_every": 5})
    assert res.status == 0
    regs = res.trace["reg"]
    assert regs[0] == pytest.approx(M.max()) and regs[-1] == 1e-3
    assert np.all(np.diff(regs) <= 0)
    prob = OTProblem(a, b, M, 1e-3)
    assert prob.marginal_error(res.plan) <= 1e-9


BAD = [
    (dict(a=[0.5, np.nan], b=[0.5, 0.5]), "`a` contains NaN"),
    (dict(a=[0.5, 0.5], b=[1.5, -0.5]), "`b` has negative"),
    (dict(a=[0.5, 0.5], b=[0.5, 0.6]), "sum(a) = 1.0, sum(b) = 1.1"),
    (dict(a=[0.5, 0.5], b=[0.3, 0.3, 0.4]), "`b` has 3 entries but `M` has 2 columns"),
    (dict(a=[0.5, 0.5], b=[0.5, 0.5], reg=0.0), "`reg` must be a positive"),
    (dict(a=[0.5, 0.5], b=[0.5, 0.5], reg=-1.0), "`reg` must be a positive"),
    (dict(a=[0.5, 0.5], b=[0.5, 0.5], M=np.zeros((0, 2))), "`M` must not be empty"),
    (dict(a=[0.5, 0.5], b=[0.5, 0.5], M=[[0.0, -1.0], [1.0, 0.0]]), "`M` has negative"),
    (dict(a=[0.5, 0.5], b=[0.5, 0.5], M=[[0.0, np.nan], [1.0, 0.0]]), "`M` contains NaN"),
    (dict(a=[0.5, 0.5], b=[0.5, 0.5], M=[0.0, 1.0]), "`M` must be a 2-D"),
]


@pytest.mark.parametrize("kwargs, message", BAD)
def test_bad_input_names_the_argument(kwargs, message):
    args = dict(M=[[0.0, 1.0], [1.0, 0.0]], reg=0.1) | kwargs
    with pytest.raises(ValueError) as err:
        OTProblem(args["a"], args["b"], args["M"], args["reg"])
    assert message in str(err.value)


def test_normalize_opt_in_and_uniform_default():
    M = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 1.0]])
    prob = OTProblem([1.0, 3.0], [1.0, 1.0, 2.0], M, 0.1, normalize=True)
    np.testing.assert_allclose(prob.a, [0.25, 0.75])
    np.testing.assert_allclose(prob.b, [0.25, 0.25, 0.5])
    prob = OTProblem([], [], M, 0.1)
    np.testing.assert_allclose(prob.a, [0.5, 0.5])
    np.testing.assert_allclose(prob.b, [1 / 3] * 3)


def test_wrong_x0_length_and_method_of_another_family():
    prob = OTProblem([], [], np.ones((3, 2)), 0.1)
    with pytest.raises(ValueError, match="must have length 5"):
        optkit.minimize(prob, np.zeros(4), method="sinkhorn-log")
    with pytest.raises(ValueError, match="solves 'smooth' problems"):
        optkit.minimize(prob, method="gm")
    assert optkit.minimize(prob).method == "sinkhorn-log"       # the family's default


def test_parallel_and_serial_kernels_agree():
    a, b, M = ot_point_clouds(70, 50, weights="random", seed=12)
    prob = OTProblem(a, b, M, 1e-2)
    runs = [optkit.minimize(prob, method=m, tol=1e-300, options={"maxiter": 30, "parallel": p})
            for m in ("sinkhorn-log", "sns") for p in (True, False)]
    # SNS: CG (tolerance 1e-10) amplifies the last-bit differences of the two sums
    for (par, ser), rtol in ((runs[:2], 1e-11), (runs[2:], 1e-8)):
        assert par.nit == ser.nit == 30
        np.testing.assert_allclose(par.x, ser.x, rtol=rtol, atol=rtol * 1e-2)
        np.testing.assert_allclose(par.plan, ser.plan, rtol=rtol, atol=1e-16)
