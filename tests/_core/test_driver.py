"""The driver: stopping rules, callbacks, non-finite guard, trace, progress."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der

import optkit
from optkit import Status

from conftest import quadratic_callables


def _quad():
    p = quadratic_callables(d=5, kappa=1e3, seed=1)
    return p["fun"], p["jac"], p["x0"], p["x_star"]


def test_converged_status_and_message():
    fun, jac, x0, x_star = _quad()
    res = optkit.minimize(fun, x0, "gm", jac=jac, tol=1e-9)
    assert res.status == Status.CONVERGED and res.success
    assert res.certificate <= 1e-9
    assert res.message == optkit.STATUS_MESSAGES[Status.CONVERGED]


def test_maxiter_status():
    fun, jac, x0, _ = _quad()
    res = optkit.minimize(fun, x0, "gm", jac=jac, tol=1e-12, options={"maxiter": 7})
    assert res.status == Status.MAXITER and not res.success and res.nit == 7


def test_maxiter_zero_returns_x0():
    fun, jac, x0, _ = _quad()
    res = optkit.minimize(fun, x0, "fgm", jac=jac, options={"maxiter": 0})
    assert res.nit == 0 and res.status == Status.MAXITER
    np.testing.assert_array_equal(res.x, x0)


def test_maxtime_status():
    def slow_rosen(x):
        time.sleep(0.002)
        return rosen(x)

    res = optkit.minimize(slow_rosen, [-1.2, 1.0], "gm", jac=rosen_der, tol=1e-14,
                          options={"maxtime": 0.05})
    assert res.status == Status.MAXTIME
    assert 0.05 <= res.time < 1.0
    assert 0 < res.nit < 100


def test_nonfinite_fun_after_k_calls_returns_last_finite_iterate():
    calls = {"n": 0}

    def fun(x):
        calls["n"] += 1
        return rosen(x) if calls["n"] <= 25 else np.nan

    for method in ("gm", "fgm"):
        calls["n"] = 0
        res = optkit.minimize(fun, [-1.2, 1.0], method, jac=rosen_der, tol=1e-12)
        assert res.status == Status.NONFINITE, res.message
        assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun)
        assert res.fun == pytest.approx(rosen(res.x), rel=1e-15)
        assert "non-finite" in res.message and "f = nan" in res.message
        assert res.trace["nit"][-1] == res.nit


def test_nonfinite_gradient_is_caught():
    res = optkit.minimize(rosen, [-1.2, 1.0], "gm",
                          jac=lambda x: rosen_der(x) if x[0] < -1.0 else np.full(2, np.inf))
    assert res.status == Status.NONFINITE
    assert np.all(np.isfinite(res.x))


def test_nonfinite_at_x0():
    res = optkit.minimize(lambda x: np.inf, [1.0, 2.0], "gm", jac=lambda x: x)
    assert res.status == Status.NONFINITE and res.nit == 0
    assert "x0" in res.message


def test_method_failure_is_status_5():
    # a gradient of the wrong sign: the upper model never holds
    res = optkit.minimize(rosen, [-1.2, 1.0], "gm", jac=lambda x: -rosen_der(x),
                          options={"max_backtracks": 10})
    assert res.status == Status.FAILURE
    assert "10 doublings" in res.message
    np.testing.assert_array_equal(res.x, [-1.2, 1.0])


def test_callback_new_style_receives_intermediate_result():
    fun, jac, x0, _ = _quad()
    seen = []

    def cb(intermediate_result):
        assert isinstance(intermediate_result, optkit.OptimizeResult)
        seen.append((intermediate_result.nit, intermediate_result.fun,
                     intermediate_result.certificate, intermediate_result.njev))

    res = optkit.minimize(fun, x0, "fgm", jac=jac, callback=cb, options={"maxiter": 4})
    assert [s[0] for s in seen] == [1, 2, 3, 4]
    assert seen[-1][1] == res.fun and seen[-1][2] == res.certificate


def test_callback_legacy_style_receives_x():
    fun, jac, x0, _ = _quad()
    seen = []
    res = optkit.minimize(fun, x0, "gm", jac=jac, callback=lambda xk: seen.append(xk),
                          options={"maxiter": 3})
    assert len(seen) == 3
    np.testing.assert_array_equal(seen[-1], res.x)


def test_callback_must_be_callable():
    fun, jac, x0, _ = _quad()
    with pytest.raises(TypeError, match="`callback` must be callable"):
        optkit.minimize(fun, x0, "gm", jac=jac, callback=3)


def test_record_every_thins_the_trace_but_keeps_first_and_last():
    fun, jac, x0, _ = _quad()
    res = optkit.minimize(fun, x0, "gm", jac=jac, tol=1e-12,
                          options={"maxiter": 95, "record_every": 10})
    nits = res.trace["nit"]
    np.testing.assert_array_equal(nits, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95])


def test_trace_can_be_switched_off():
    fun, jac, x0, _ = _quad()
    res = optkit.minimize(fun, x0, "gm", jac=jac, options={"maxiter": 10, "trace": False})
    assert len(res.trace) == 0 and res.trace.to_numpy().shape == (0, len(res.trace.columns))


def test_trace_columns_and_values():
    fun, jac, x0, _ = _quad()
    res = optkit.minimize(fun, x0, "gm", jac=jac, options={"maxiter": 10})
    assert res.trace.columns == ("nit", "time", "fun", "certificate", "nfev", "njev",
                                 "nhev", "nhvp", "L")
    t = res.trace.to_dict()
    assert np.all(np.diff(t["time"]) >= 0)
    assert t["fun"][-1] == res.fun and t["njev"][-1] == res.njev
    assert np.all(np.diff(t["fun"]) <= 1e-12)     # GM with the upper-model test is monotone
    with pytest.raises(KeyError, match="No trace column 'grad'"):
        res.trace["grad"]


def test_progress_bar_shows_iteration_f_and_certificate(capsys):
    fun, jac, x0, _ = _quad()
    optkit.minimize(fun, x0, "gm", jac=jac, options={"maxiter": 30, "progress": True})
    err = capsys.readouterr().err
    assert "gm" in err and "f=" in err and "cert=" in err


def test_status_table_is_complete():
    assert [int(s) for s in Status] == [0, 1, 2, 3, 4, 5]
    assert set(optkit.STATUS_MESSAGES) == set(Status)
    assert all(optkit.STATUS_MESSAGES[s] for s in Status)
