"""Equality-constrained optimization: exact-al-sketch and exact-al against
scipy's trust-constr and SLSQP (and cvxpy), in one process.

1. CUTEst: every equality-only problem with n <= 100 (``--quick``: the
   HS/BT test set), standard start, each method stopped at a KKT residual of
   1e-6 or 60 s. The KKT residual is measured the same way for every method
   at its returned x: ||(grad f + J^T lam_LS, c)||_2 with the least-squares
   multipliers lam_LS. Table: solved counts, evaluations (f, constraint
   values) on the problems every method solved; a performance profile
   (evaluations of f) is saved to ``--plot``.
2. Poisson control on an N x N grid (N = 64, 128, 256; ``--quick``: 16, 32):
   time, flop estimate (optkit's linear-algebra counts; not available for
   trust-constr) and peak memory (tracemalloc) to KKT 1e-6.
3. Constrained logistic regression (a9a if $OPTKIT_DATA_DIR has it, else a
   synthetic set of the same shape), 10 random equality constraints: time to
   KKT 1e-8 for optkit, trust-constr and cvxpy (CLARABEL).

Run: ``python benchmarks/constrained.py [--quick] [--plot PATH]``. Figures
from a loaded machine are indicative.
"""

from __future__ import annotations

import argparse
import math
import os
import time
import tracemalloc
import warnings

import numpy as np
import scipy.optimize as so
import scipy.sparse as sp

import optkit
from optkit.problems import cutest
from optkit.problems.synthetic import constrained_logistic, poisson_control

QUICK = ["HS6", "HS7", "HS26", "HS27", "HS28", "HS39", "HS40", "HS42", "HS46", "HS47",
         "HS48", "HS49", "HS50", "HS51", "HS52"] + [f"BT{i}" for i in range(1, 13)]
METHODS = ("exact-al-sketch", "exact-al", "trust-constr", "SLSQP")


def kkt_at(p, x):
    """||(grad f + J^T lam_LS, c)|| at x (the same measure for every method)."""
    g = p.grad(x)
    c = p.cons(x)
    J = p.jac(x)
    Jd = J.toarray() if sp.issparse(J) else np.asarray(J)
    lam = np.linalg.lstsq(Jd.T, -g, rcond=None)[0]
    r = g + Jd.T @ lam
    return float(math.sqrt(r @ r + c @ c))


class Counted:
    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, *a):
        self.calls += 1
        return self.fn(*a)


def run_scipy(p, method, budget):
    f, c = Counted(p.fun), Counted(p.cons_eq)
    cons = [so.NonlinearConstraint(c, 0, 0, jac=p.jac_eq,
                                   **({"hess": (lambda x, v: p.cons_hess(x, v))}
                                      if p.provides("lagrangian_hess") else {}))]
    kw = {"hess": p.hess} if method == "trust-constr" and p.provides("hess") else {}
    opts = {"maxiter": 3000}
    if method == "trust-constr":
        opts.update(gtol=1e-9, xtol=1e-14)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = so.minimize(f, p.x0, jac=p.grad, method=method, constraints=cons,
                            tol=1e-10 if method == "SLSQP" else None, options=opts, **kw)
            x = r.x
        except Exception:            # noqa: BLE001 - a failing peer counts as unsolved
            x = p.x0
    return x, f.calls, c.calls, time.perf_counter() - t


def run_optkit(p, method, budget):
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = optkit.minimize(p, method=method, tol=1e-7,
                            options={"maxiter": 1000, "maxtime": budget})
    return r.x, r.nfev, r.constr_nfev, time.perf_counter() - t


def cutest_part(names, budget, plot, methods=METHODS):
    rows = {}
    for name in names:
        try:
            p = cutest.load(name)
        except Exception as err:          # noqa: BLE001
            print(f"{name}: not loaded ({err})")
            continue
        if p.m_eq == 0 or p.n > 100:
            continue
        rows[name] = {}
        for m in methods:
            runner = run_scipy if m in ("trust-constr", "SLSQP") else run_optkit
            try:
                x, nf, nc, t = runner(p, m, budget)
                k = kkt_at(p, x)
            except Exception as err:       # noqa: BLE001
                x, nf, nc, t, k = None, 0, 0, 0.0, math.inf
            rows[name][m] = (k <= 1e-6 and t <= budget, nf, nc, t, k)
        print(f"{name:10s} n={p.n:3d} m={p.m_eq:3d} " + "  ".join(
            f"{m}:{'ok' if rows[name][m][0] else '--'} f{rows[name][m][1]} "
            f"kkt={rows[name][m][4]:.1e}" for m in methods), flush=True)
    print(f"\nCUTEst equality problems, n <= 100: {len(rows)} problems, KKT <= 1e-6, "
          f"{budget:g} s each")
    both = [n for n in rows if all(rows[n][m][0] for m in methods)]
    print(f"{'method':18s} {'solved':>8s} {'f evals*':>10s} {'c evals*':>10s} {'time*':>8s}")
    for m in methods:
        solved = sum(rows[n][m][0] for n in rows)
        fe = sum(rows[n][m][1] for n in both)
        ce = sum(rows[n][m][2] for n in both)
        tt = sum(rows[n][m][3] for n in both)
        print(f"{m:18s} {solved:5d}/{len(rows):<3d} {fe:10d} {ce:10d} {tt:8.2f}")
    print(f"* summed over the {len(both)} problems every method solved")
    if plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        cost = np.array([[rows[n][m][1] if rows[n][m][0] else np.inf for m in methods]
                         for n in rows], dtype=float)
        best = np.min(cost, axis=1, keepdims=True)
        ratio = cost / np.where(np.isfinite(best), best, np.inf)
        taus = np.logspace(0, 3, 200)
        fig, ax = plt.subplots(figsize=(6, 4))
        for j, m in enumerate(methods):
            ax.step(taus, [(ratio[:, j] <= t).mean() for t in taus], where="post", label=m)
        ax.set_xscale("log")
        ax.set_xlabel("tau (f evaluations / best)")
        ax.set_ylabel("fraction of problems")
        ax.set_title("CUTEst equality problems, KKT <= 1e-6")
        ax.legend()
        fig.savefig(plot, dpi=120, bbox_inches="tight")
        print(f"performance profile saved to {plot}")


def measured(fn):
    tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, elapsed, peak / 2 ** 20


def pde_part(sizes, budget):
    print("\nPoisson control, KKT residual <= 1e-6")
    print(f"{'N':>5s} {'n+m':>8s} {'method':16s} {'status':>6s} {'it':>5s} {'time s':>8s} "
          f"{'Mflop':>10s} {'peak MiB':>9s} {'KKT':>9s}")
    for N in sizes:
        p = poisson_control(N)
        for m in ("exact-al-sketch", "exact-al", "trust-constr"):
            if m == "trust-constr":
                def go():
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        return so.minimize(p.fun, p.x0, jac=p.grad, hess=p.hess,
                                           method="trust-constr",
                                           constraints=[so.LinearConstraint(p.jac(p.x0), 0, 0)],
                                           options={"gtol": 1e-6, "xtol": 1e-14,
                                                    "maxiter": 2000})
                r, t, mem = measured(go)
                k = float(np.linalg.norm(np.r_[p.grad(r.x) + p.jac(r.x).T @ r.v[0],
                                               p.cons(r.x)]))
                print(f"{N:5d} {3 * N * N:8d} {m:16s} {r.status:6d} {r.nit:5d} {t:8.2f} "
                      f"{'n/a':>10s} {mem:9.1f} {k:9.1e}", flush=True)
                continue
            r, t, mem = measured(lambda: optkit.minimize(
                p, method=m, tol=1e-6, options={"maxiter": 500, "maxtime": budget}))
            print(f"{N:5d} {3 * N * N:8d} {m:16s} {r.status:6d} {r.nit:5d} {t:8.2f} "
                  f"{r.flops / 1e6:10.1f} {mem:9.1f} {r.certificate:9.1e}", flush=True)


def logistic_part():
    data = os.environ.get("OPTKIT_DATA_DIR")
    try:
        from optkit.problems import libsvm
        X, y = libsvm.load("a9a", data_dir=data, download=False)
        label = "a9a"
    except Exception:                      # noqa: BLE001
        rng = np.random.default_rng(0)
        X = sp.random(32561, 123, density=0.11, random_state=0, format="csr")
        y = np.sign(rng.standard_normal(32561))
        label = "synthetic 32561 x 123"
    p = constrained_logistic(X, y, 10, reg=1e-4, seed=0)
    print(f"\nConstrained logistic regression on {label}, 10 equality constraints, "
          "KKT <= 1e-8")
    print(f"{'method':16s} {'time s':>8s} {'f':>16s} {'KKT':>9s}")
    for m in ("exact-al", "exact-al-sketch"):
        t = time.perf_counter()
        r = optkit.minimize(p, method=m, tol=1e-8, options={"maxiter": 200})
        print(f"{m:16s} {time.perf_counter() - t:8.2f} {r.fun:16.10f} {r.certificate:9.1e}",
              flush=True)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = so.minimize(p.fun, p.x0, jac=p.grad, hess=p.hess, method="trust-constr",
                        constraints=[so.LinearConstraint(p.C, p.d, p.d)],
                        options={"gtol": 1e-8, "xtol": 1e-14, "maxiter": 2000})
    print(f"{'trust-constr':16s} {time.perf_counter() - t:8.2f} {r.fun:16.10f} "
          f"{kkt_at(p, r.x):9.1e}")
    try:
        import cvxpy as cp
        z = cp.Variable(X.shape[1])
        obj = (cp.sum(cp.logistic(-cp.multiply(y, X @ z))) / X.shape[0]
               + 0.5e-4 * cp.sum_squares(z))
        t = time.perf_counter()
        cp.Problem(cp.Minimize(obj), [p.C @ z == p.d]).solve(solver=cp.CLARABEL)
        print(f"{'cvxpy/CLARABEL':16s} {time.perf_counter() - t:8.2f} {p.fun(z.value):16.10f} "
              f"{kkt_at(p, z.value):9.1e}")
    except Exception as err:               # noqa: BLE001
        print(f"cvxpy: {err}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--budget", type=float, default=60.0)
    ap.add_argument("--plot", default="/tmp/constrained_profile.png")
    ap.add_argument("--parts", default="cutest,pde,logistic")
    ap.add_argument("--methods", default=",".join(METHODS),
                    help="CUTEst part: comma-separated methods")
    ap.add_argument("--problems", default=None,
                    help="CUTEst part: comma-separated problem names (default: all)")
    a = ap.parse_args()
    parts = a.parts.split(",")
    if "cutest" in parts:
        names = QUICK if a.quick else cutest.select("equality", n_max=100)
        if a.problems:
            names = a.problems.split(",")
        cutest_part(names, a.budget, a.plot, tuple(a.methods.split(",")))
    if "pde" in parts:
        pde_part((16, 32) if a.quick else (64, 128, 256), a.budget)
    if "logistic" in parts:
        logistic_part()


if __name__ == "__main__":
    main()
