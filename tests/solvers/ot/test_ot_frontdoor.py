"""optkit.ot.sinkhorn / sinkhorn2: POT's calling conventions, POT's numbers."""

from __future__ import annotations

import warnings

import numpy as np
import ot as pot
import pytest

import optkit
import optkit.ot
from optkit.problems.ot import OTProblem
from optkit.problems.synthetic import ot_point_clouds

LOG_KEYS = {"niter", "err", "log_u", "log_v", "u", "v", "status", "message", "result"}


@pytest.fixture(scope="module")
def inst():
    return ot_point_clouds(120, 90, weights="random", seed=11)


def test_drop_in_for_pot_positional_and_pot_keywords(inst):
    a, b, M = inst
    reg = 5e-2
    P_pot = pot.sinkhorn(a, b, M, reg, "sinkhorn", 10_000, 1e-13)
    P = optkit.ot.sinkhorn(a, b, M, reg, "sinkhorn", 10_000, 1e-13)
    assert np.abs(P - P_pot).max() <= 1e-7 * P_pot.max()
    P_kw = optkit.ot.sinkhorn(a, b, M, reg, numItermax=10_000, stopThr=1e-13)
    np.testing.assert_array_equal(P_kw, P)
    cost = optkit.ot.sinkhorn2(a, b, M, reg, "sinkhorn_log", numItermax=10_000, stopThr=1e-13)
    cost_pot = pot.sinkhorn2(a, b, M, reg, "sinkhorn_log", numItermax=10_000, stopThr=1e-13)
    assert cost == pytest.approx(float(cost_pot), rel=1e-9)


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_log", "sinkhorn-log",
                                    "sinkhorn_epsilon_scaling", "sns", "auto"])
def test_log_has_the_same_keys_for_every_method(inst, method):
    a, b, M = inst
    reg = 2e-2
    P, log = optkit.ot.sinkhorn(a, b, M, reg, method, 50_000, 1e-11, log=True)
    assert set(log) == LOG_KEYS
    assert log["status"] == 0 and log["niter"] == log["result"].nit
    assert log["err"][-1] <= 1e-11 and len(log["err"]) == len(log["result"].trace)
    # u, v are POT's scalings: P = diag(u) exp(-M/reg) diag(v)
    np.testing.assert_allclose(log["u"][:, None] * np.exp(-M / reg) * log["v"][None, :], P,
                               rtol=1e-10, atol=1e-18)
    np.testing.assert_allclose(np.log(log["u"]), log["log_u"], rtol=1e-12, atol=1e-12)
    P_ref = pot.bregman.sinkhorn_log(a, b, M, reg, numItermax=50_000, stopThr=1e-14)
    assert np.abs(P - P_ref).max() <= 1e-8 * P_ref.max()


def test_same_solver_as_minimize(inst):
    a, b, M = inst
    P, log = optkit.ot.sinkhorn(a, b, M, 1e-2, "sinkhorn-log", log=True)
    res = optkit.minimize(OTProblem(a, b, M, 1e-2), method="sinkhorn-log", tol=1e-9,
                          options={"maxiter": 1000})
    np.testing.assert_array_equal(P, res.plan)
    assert log["niter"] == res.nit


def test_warmstart_from_pot_style_potentials(inst):
    a, b, M = inst
    reg = 5e-3
    _, log = optkit.ot.sinkhorn(a, b, M, reg, "sinkhorn_log", 100_000, 1e-6, log=True)
    P_cold, log_cold = optkit.ot.sinkhorn(a, b, M, reg, "sinkhorn_log", 100_000, 1e-10,
                                          log=True)
    P_warm, log_warm = optkit.ot.sinkhorn(a, b, M, reg, "sinkhorn_log", 100_000, 1e-10,
                                          log=True, warmstart=(log["log_u"], log["log_v"]))
    assert log_warm["niter"] < log_cold["niter"] - log["niter"] // 2
    np.testing.assert_allclose(P_warm, P_cold, rtol=0, atol=1e-8 * P_cold.max())


def test_uniform_when_empty_and_zero_entries_like_pot():
    a, b, M = ot_point_clouds(20, 15, seed=1)
    P = optkit.ot.sinkhorn([], [], M, 0.1, stopThr=1e-13)
    np.testing.assert_allclose(P, pot.sinkhorn([], [], M, 0.1, stopThr=1e-13), rtol=0,
                               atol=1e-9 * P.max())
    a2 = a.copy()
    a2[3] = 0.0
    a2 /= a2.sum()
    P, log = optkit.ot.sinkhorn(a2, b, M, 0.1, "sinkhorn_log", stopThr=1e-13, log=True)
    assert np.all(P[3] == 0) and log["log_u"][3] == -np.inf and log["u"][3] == 0.0
    with np.errstate(divide="ignore"):
        P_pot = pot.bregman.sinkhorn_log(a2, b, M, 0.1, stopThr=1e-13)
    np.testing.assert_allclose(P, P_pot, rtol=0, atol=1e-9 * P.max())


def test_non_convergence_warns_like_pot_and_returns_status(inst):
    a, b, M = inst
    with pytest.warns(UserWarning, match="did not converge"):
        _, log = optkit.ot.sinkhorn(a, b, M, 1e-3, numItermax=5, log=True)
    assert log["status"] == 1 and log["niter"] == 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optkit.ot.sinkhorn(a, b, M, 1e-3, numItermax=5, warn=False)


def test_verbose_prints_the_error_table(inst, capsys):
    a, b, M = inst
    optkit.ot.sinkhorn(a, b, M, 0.1, verbose=True)
    out = capsys.readouterr().out
    assert "Err" in out and len(out.splitlines()) > 3


def test_auto_rule():
    M = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert optkit.ot.auto_method(0.1, M) == "sinkhorn"
    assert optkit.ot.auto_method(1e-3, M, tol=1e-9) == "sns"
    assert optkit.ot.auto_method(1e-3, M, tol=1e-4) == "sinkhorn-log"


@pytest.mark.parametrize("kwargs, exc, message", [
    (dict(b=np.ones((3, 2)) / 6), ValueError, "single target histogram"),
    (dict(method="fgm"), ValueError, "not an optimal-transport method"),
    (dict(method="sinkhron"), ValueError, "Did you mean"),
    (dict(numItermax=-1), ValueError, "`maxiter` (numItermax)"),
    (dict(warmstart=np.zeros(3)), ValueError, "`warmstart`"),
    (dict(warmstart=(np.zeros(2), np.zeros(3))), ValueError, "`warmstart` potentials"),
    (dict(b=[0.2, 0.2, 0.2]), ValueError, "sum(b) = 0.6"),
    (dict(reg=0), ValueError, "`reg`"),
])
def test_front_door_bad_input(kwargs, exc, message):
    args = dict(a=[1 / 3] * 3, b=[1 / 3] * 3, M=np.ones((3, 3)) - np.eye(3), reg=0.1) | kwargs
    a, b, M, reg = (args.pop(k) for k in ("a", "b", "M", "reg"))
    with pytest.raises(exc) as err:
        optkit.ot.sinkhorn(a, b, M, reg, **args)
    assert message in str(err.value)


def test_normalize_keyword_reaches_the_problem():
    M = np.ones((3, 3)) - np.eye(3)
    P = optkit.ot.sinkhorn([1, 1, 1], [2, 2, 2], M, 0.1, normalize=True)
    np.testing.assert_allclose(P.sum(1), 1 / 3, rtol=1e-9)


def test_cuda_without_a_gpu_is_a_clear_error(monkeypatch):
    from optkit.solvers.ot import _common

    monkeypatch.setattr(_common, "cuda_available", lambda: False)
    M = np.ones((3, 3)) - np.eye(3)
    with pytest.raises(RuntimeError, match="device='cuda'.*no usable GPU"):
        optkit.ot.sinkhorn([], [], M, 0.1, "sinkhorn_log", device="cuda")
    with pytest.raises(ValueError, match="Option `device`"):
        optkit.ot.sinkhorn([], [], M, 0.1, device="tpu")
