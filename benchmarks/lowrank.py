"""Low-rank recovery: optkit's AltMin, Soft-Impute and ALS against a plain NumPy
ALS (and fancyimpute when installed), in one process; AltMin's cost against
the rank; ScaledGD(lambda) against GD across condition numbers.

1. Completion of n x n rank-10 matrices (Gaussian factors, entries sampled
   uniformly with replacement, repeats averaged): 2000 x 2000 at 5% observed
   and 20000 x 20000 at 0.5% (the latter skipped with ``--quick``). Seconds
   to a relative error ||UV^T - M||_F/||M||_F of 1e-4, 1e-6 and 1e-8 for
   ``altmin`` (sketched and exact row solves), ``als``, ``soft-impute``
   (lambda = 1e-10 sigma_1) and a NumPy ALS (one ``numpy.linalg.lstsq`` per
   row, the textbook loop). The goal (issue 19): altmin reaches 1e-8 in at most
   0.5x the time NumPy ALS needs for 1e-4. The error is computed outside the
   timed region for the NumPy loop, and from the factors (QR, no dense matrix)
   for every method.
2. AltMin seconds per iteration against k in {5, 10, 20, 40} at a fixed
   |Omega|, sketched vs exact row solves, with the fitted log-log slope (the
   paper's claim: ~1 for the sketched solver, ~2 for the normal equations).
3. Sensing (symmetric Gaussian design, n = 20, r = 2, m = 600): iterations to
   a relative error of 1e-8 for ScaledGD(lambda) (lambda = 0.1 sigma_min,
   init scale 1e-4) and GD, kappa in {1, 10, 100, 1000}; the curves are saved
   to ``lowrank_sensing.png`` (with ``lowrank_rank_sweep.png``).

JIT compilation is warmed up first. Run: ``python benchmarks/lowrank.py``
(``--quick`` for the 2000 x 2000 instance and a shorter sweep; ``--maxtime``
caps each run, ``--plots DIR`` where the figures go).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import numpy as np  # noqa: E402

import optkit  # noqa: E402
from optkit.problems.lowrank import LowRankProblem, _factor_frobenius  # noqa: E402
from optkit.problems.synthetic import matrix_sensing  # noqa: E402

LEVELS = (1e-4, 1e-6, 1e-8)


def completion_instance(n, r, p, seed=0):
    rng = np.random.default_rng([2026, seed])
    U = rng.standard_normal((n, r)) / np.sqrt(r)
    V = rng.standard_normal((n, r)) / np.sqrt(r)
    N = int(round(p * n * n))
    rows = rng.integers(0, n, N)
    cols = rng.integers(0, n, N)
    vals = np.einsum("ij,ij->i", U[rows], V[cols])
    prob = LowRankProblem.completion(rows, cols, vals, (n, n), r, truth=(U, V),
                                     duplicates="mean")
    return prob, (U, V)


def times_to(res):
    t, e = res.trace["time"], res.trace["rel_error"]
    out = {}
    for lv in LEVELS:
        hit = np.flatnonzero(e <= lv)
        out[lv] = float(t[hit[0]]) if hit.size else None
    return out


def numpy_als(prob, truth, maxtime, maxiter=500, seed=0):
    """The textbook ALS loop: one numpy.linalg.lstsq per row and per column."""
    m, n = prob.shape
    k = prob.rank
    rows, cols, vals = prob.entries()
    by_row = np.split(np.arange(rows.size), prob.ptr_r[1:-1])
    order_c = prob.perm_c
    by_col = np.split(order_c, prob.ptr_c[1:-1])
    rng = np.random.default_rng([seed, 99])
    U = rng.standard_normal((m, k))
    V = np.zeros((n, k))
    Us, Vs = truth
    denom = _factor_frobenius(Us, Vs)
    elapsed, out = 0.0, {lv: None for lv in LEVELS}
    for _ in range(maxiter):
        t0 = time.perf_counter()
        for j, e in enumerate(by_col):
            if e.size:
                V[j] = np.linalg.lstsq(U[rows[e]], vals[e], rcond=None)[0]
        for i, e in enumerate(by_row):
            if e.size:
                U[i] = np.linalg.lstsq(V[cols[e]], vals[e], rcond=None)[0]
        elapsed += time.perf_counter() - t0
        err = _factor_frobenius(np.hstack([U, -Us]), np.hstack([V, Vs])) / denom
        for lv in LEVELS:
            if out[lv] is None and err <= lv:
                out[lv] = elapsed
        if err <= LEVELS[-1] or elapsed > maxtime:
            break
    return out


def fancyimpute_runs(prob, truth, maxtime):
    """fancyimpute's SoftImpute and IterativeSVD on the dense NaN matrix (only
    up to 5000 x 5000: they need the dense array); each failure is reported."""
    try:
        import fancyimpute
    except Exception as exc:            # not installed
        return {"fancyimpute": f"unavailable ({type(exc).__name__}: {exc})"}
    m, n = prob.shape
    if m * n > 25e6:
        return {"fancyimpute": "skipped (needs a dense m x n array)"}
    rows, cols, vals = prob.entries()
    X = np.full((m, n), np.nan)
    X[rows, cols] = vals
    Us, Vs = truth
    M = Us @ Vs.T
    out = {}
    for name, make in (("SoftImpute", lambda: fancyimpute.SoftImpute(
                            max_rank=prob.rank, max_iters=100, verbose=False)),
                       ("IterativeSVD", lambda: fancyimpute.IterativeSVD(
                            rank=prob.rank, max_iters=100, verbose=False))):
        try:
            t = time.perf_counter()
            Z = make().fit_transform(X)
            out[f"fancyimpute {name}"] = (f"{time.perf_counter() - t:.2f} s, relative error "
                                          f"{np.linalg.norm(Z - M) / np.linalg.norm(M):.2e}")
        except Exception as exc:        # broken on scikit-learn >= 1.8 (force_all_finite)
            out[f"fancyimpute {name}"] = f"failed: {type(exc).__name__}: {str(exc)[:90]}"
    return out


def fmt(t):
    return "      -" if t is None else f"{t:7.2f}"


def completion_table(n, p, r, maxtime):
    prob, truth = completion_instance(n, r, p)
    print(f"\n== completion {n} x {n}, rank {r}, {prob.nobs} observed "
          f"({prob.nobs / n / n:.2%}), seconds to relative error ==")
    runs = [("altmin (sketched)", "altmin", {"solver": "sketched"}),
            ("altmin (exact)", "altmin", {"solver": "exact"}),
            ("als", "als", {}),
            ("soft-impute", "soft-impute", {"lam_rel": 1e-10})]
    table = {}
    for label, method, opts in runs:
        res = optkit.minimize(prob, method=method, tol=1e-13,
                              options={"maxtime": maxtime, "maxiter": 5000, **opts})
        table[label] = times_to(res)
        table[label]["nit"] = res.nit
        table[label]["final"] = res.rel_error
    np_out = numpy_als(prob, truth, maxtime)
    table["numpy ALS (lstsq per row)"] = {**np_out, "nit": None, "final": None}
    print(f"{'method':28s} {'1e-4':>7s} {'1e-6':>7s} {'1e-8':>7s}  iterations  final")
    for label, row in table.items():
        nit = "" if row["nit"] is None else f"{row['nit']:10d}"
        fin = "" if row["final"] is None else f"{row['final']:.1e}"
        print(f"{label:28s} {fmt(row[1e-4])} {fmt(row[1e-6])} {fmt(row[1e-8])}  {nit:>10s}  {fin}")
    alt8, np4 = table["altmin (sketched)"][1e-8], np_out[1e-4]
    if alt8 is not None and np4 is not None:
        print(f"goal: altmin t(1e-8) / NumPy ALS t(1e-4) = {alt8 / np4:.3f} (<= 0.5 wanted)")
    else:
        print("goal: not measurable (a run did not reach its level within --maxtime)")
    for k, v in fancyimpute_runs(prob, truth, maxtime).items():
        print(f"{k}: {v}")
    return table


def rank_sweep(n, nobs, ks, plots):
    print(f"\n== altmin seconds per iteration vs k, {n} x {n}, |Omega| = {nobs} ==")
    rows = {}
    for solver in ("sketched", "exact"):
        rows[solver] = []
        for k in ks:
            prob, _ = completion_instance(n, k, nobs / n / n, seed=k)
            res = optkit.minimize(prob, method="altmin", tol=1e-300,
                                  options={"solver": solver, "maxiter": 4})
            t = res.trace["time"]
            rows[solver].append((t[-1] - t[0]) / res.nit)
    print(f"{'k':>4s} {'sketched':>10s} {'exact':>10s} {'ratio':>7s}")
    for i, k in enumerate(ks):
        s, e = rows["sketched"][i], rows["exact"][i]
        print(f"{k:4d} {s:10.4f} {e:10.4f} {e / s:7.2f}")
    for solver in rows:
        slope = np.polyfit(np.log(ks), np.log(rows[solver]), 1)[0]
        print(f"fitted log-log slope ({solver}): {slope:.2f}")
    _plot(plots, "lowrank_rank_sweep.png", lambda ax: [
        ax.loglog(ks, rows[s], "o-", label=s) for s in rows],
        "k", "seconds per iteration", "AltMin: row solves vs k")


def sensing(kappas, plots):
    print("\n== sensing n=20, r=2, m=600 (symmetric): iterations to relative error 1e-8 ==")
    curves = {}
    print(f"{'kappa':>7s} {'scaled-gd':>10s} {'gd':>10s}")
    for kappa in kappas:
        op, y, M = matrix_sensing(20, 20, 2, kappa=kappa, m=600, seed=0, symmetric=True)
        prob = LowRankProblem.sensing(op, y, rank=2, truth=M)
        its = []
        for method, opts, cap in (("scaled-gd", {"damping": 0.1 / kappa}, 1000),
                                  ("lowrank-gd", {}, 20000)):
            res = optkit.minimize(prob, method=method, tol=1e-300,
                                  options={"init_scale": 1e-4, "maxiter": cap, **opts})
            e = res.trace["rel_error"]
            hit = np.flatnonzero(e < 1e-8)
            its.append(int(hit[0]) if hit.size else None)
            curves[(method, kappa)] = e
        print(f"{kappa:7g} {its[0] if its[0] is not None else '>1000':>10} "
              f"{its[1] if its[1] is not None else '>20000':>10}")

    def draw(ax):
        for (method, kappa), e in curves.items():
            ax.semilogy(e, "-" if method == "scaled-gd" else "--",
                        label=f"{method} kappa={kappa:g}")
        ax.set_xscale("log")
    _plot(plots, "lowrank_sensing.png", draw, "iteration", "relative error",
          "ScaledGD(lambda) vs GD (alpha = 1e-4)")


def _plot(folder, name, draw, xlabel, ylabel, title):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:             # pragma: no cover
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    draw(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=7)
    path = os.path.join(folder, name)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"saved {path}")


def warm_up():
    for n, k in ((40, 3), (400, 30)):
        prob, _ = completion_instance(n, k, 0.3)
        for method in ("altmin", "als", "soft-impute"):
            optkit.minimize(prob, method=method, options={"maxiter": 2})
        optkit.minimize(prob, method="altmin", options={"maxiter": 2, "solver": "exact"})
    op, y, M = matrix_sensing(20, 20, 2, m=600, seed=0, symmetric=True)
    prob = LowRankProblem.sensing(op, y, rank=2)
    for method in ("scaled-gd", "lowrank-gd"):
        optkit.minimize(prob, method=method, options={"maxiter": 2})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2000 x 2000 only, short sweeps")
    ap.add_argument("--maxtime", type=float, default=120.0, help="seconds per run (cap)")
    ap.add_argument("--plots", default=_HERE, help="folder for the figures")
    args = ap.parse_args()
    warm_up()
    completion_table(2000, 0.05, 10, args.maxtime)
    if not args.quick:
        completion_table(20000, 0.005, 10, args.maxtime)
    if args.quick:
        rank_sweep(2000, 400_000, [5, 10, 20, 40], args.plots)
        sensing([1, 10, 100, 1000], args.plots)
    else:
        rank_sweep(4000, 2_400_000, [5, 10, 20, 40], args.plots)
        sensing([1, 10, 100, 1000], args.plots)


if __name__ == "__main__":
    main()
