"""compare / plot / peers / table."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.optimize import rosen, rosen_der  # noqa: E402

import optkit  # noqa: E402
from optkit.experiments import best_fun, compare, plot, run_scipy  # noqa: E402
from optkit.experiments.table import format_table  # noqa: E402


@pytest.fixture
def rosen_problem():
    return optkit.SmoothProblem(rosen, rosen_der, x0=[-1.2, 1.0], name="rosen")


def test_compare_runs_each_method_with_common_settings(rosen_problem):
    res = compare(rosen_problem, ["gm", "fgm", "scipy:L-BFGS-B"], tol=1e-7, maxiter=50_000)
    assert list(res) == ["gm", "fgm", "scipy:L-BFGS-B"]
    for r in res.values():
        assert r.success, r.message
        np.testing.assert_allclose(r.x, [1.0, 1.0], atol=1e-5)
        assert r.certificate <= 1e-7
    assert best_fun(res) == min(r.trace["fun"].min() for r in res.values())


def test_compare_with_labelled_settings(rosen_problem):
    res = compare(rosen_problem, {"fgm plain": ("fgm", {"restart": None}),
                                  "fgm restart": ("fgm", {"restart": "gradient"})},
                  tol=1e-6, maxiter=100_000)
    assert res["fgm restart"].nit < res["fgm plain"].nit


def test_scipy_peer_counts_match_scipy_and_trace_is_consistent(rosen_problem):
    import scipy.optimize

    ref = scipy.optimize.minimize(rosen, [-1.2, 1.0], jac=rosen_der, method="L-BFGS-B",
                                  options={"gtol": 1e-8, "ftol": 1e-15})
    res = run_scipy(rosen_problem, "scipy:L-BFGS-B", tol=1e-8)
    assert res.nit == ref.nit and res.nfev == ref.nfev and res.njev == ref.nfev
    np.testing.assert_allclose(res.x, ref.x, rtol=0, atol=1e-12)
    assert res.trace["nit"][-1] == res.nit
    assert res.certificate == pytest.approx(np.linalg.norm(rosen_der(res.x)))


def test_plot_draws_one_line_per_run_on_log_axes(rosen_problem):
    res = compare(rosen_problem, ["gm", "fgm"], tol=1e-6, maxiter=50_000)
    for x in ("nit", "time", "nfev", "njev"):
        for y in ("fun_gap", "certificate"):
            ax = plot(res, x=x, y=y)
            assert ax.get_yscale() == "log" and len(ax.get_lines()) == 2
    ax = plot(res, x="nit", y="fun_gap", f_star=0.0)
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), res["gm"].trace["fun"])


def test_plot_bad_axes(rosen_problem):
    res = compare(rosen_problem, ["gm"], maxiter=3)
    with pytest.raises(ValueError, match="`x` must be one of"):
        plot(res, x="iterations")
    with pytest.raises(ValueError, match="`y` must be one of"):
        plot(res, y="gap")
    with pytest.raises(ValueError, match="`results` is empty"):
        plot({})


def test_format_table_has_a_row_per_run(rosen_problem):
    res = compare(rosen_problem, ["gm", "fgm"], maxiter=5)
    text = format_table(res)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["method", "status", "nit"]
    assert lines[2].startswith("gm") and lines[3].startswith("fgm")


def test_scipy_peer_stops_on_maxtime():
    import time as _time

    def slow(x):
        _time.sleep(0.003)
        return rosen(x)

    p = optkit.SmoothProblem(slow, rosen_der, x0=[-1.2, 1.0])
    res = run_scipy(p, "scipy:BFGS", tol=1e-14, maxtime=0.02)
    assert res.status == optkit.Status.MAXTIME and not res.success
    assert 0 < res.nit < 20
