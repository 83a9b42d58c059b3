"""Second-order family vs scipy on L2-regularized logistic regression.

Time, iterations and Hessian count to ||g|| <= tol for cubic-newton,
lazy-cubic-newton (m = d and m = sqrt(d)), lazy-reg-newton, grad-reg-newton
(exact and fixed curvature X^T X / 4n + mu I) and scipy's trust-exact,
trust-krylov, Newton-CG and L-BFGS-B, all in one process on the same problem
object; prints a table with the ratio of each time to the best scipy time,
checks the issue's targets, and writes the f - f* vs time and vs Hessians
plots (PNG) to ``--out`` (default: a new temporary directory).

scipy's trust-region methods stop on their own ``gtol`` (the 2-norm of the
gradient, the same test as optkit's); Newton-CG and L-BFGS-B have no 2-norm
test, so a callback stops them, reading the gradient scipy already computed at
that point when it has one (memoized ``jac``), else computing it (Newton-CG:
one extra gradient per iteration, small next to its Hessian-vector products).

Usage::

    OPTKIT_DATA_DIR=/path/to/libsvm python benchmarks/second_order.py \
        [--data a9a w1a phishing mushrooms synthetic] [--mu 1e-4 1e-6] [--tol 1e-8] \
        [--maxtime 120] [--out DIR] [--methods ...] [--threads 1]
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time

import numpy as np
import scipy.optimize

import optkit
from optkit.problems.glm import LogisticRegression, from_libsvm

SCIPY = ("trust-exact", "trust-krylov", "Newton-CG", "L-BFGS-B")
LAZY = ("lazy-cubic m=d", "lazy-cubic m=sqrt(d)", "lazy-reg-newton")


def synthetic(mu, n=20_000, d=500, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) / math.sqrt(d)
    w = rng.standard_normal(d)
    y = np.where(X @ w + 0.5 * rng.standard_normal(n) > 0, 1.0, -1.0)
    return LogisticRegression(X, y, mu, name=f"synthetic(n={n},d={d},mu={mu:g})")


def optkit_runs(p, d):
    X = p.X
    fixed = (X.T @ X).toarray() if hasattr(X, "toarray") else X.T @ X
    fixed = fixed / (4 * X.shape[0]) + p.mu * np.eye(d)
    return [
        ("cubic-newton", "cubic-newton", {}),
        ("cubic-newton eigen", "cubic-newton", {"subproblem": "eigen"}),
        ("lazy-cubic m=d", "lazy-cubic-newton", {"m": "d"}),
        ("lazy-cubic m=sqrt(d)", "lazy-cubic-newton", {"m": max(1, round(math.sqrt(d)))}),
        ("lazy-reg-newton", "lazy-reg-newton", {}),
        ("grad-reg exact", "grad-reg-newton", {}),
        ("grad-reg fixed", "grad-reg-newton", {"curvature": fixed}),
    ]


class _Counted:
    """The problem's oracles for scipy, counting Hessians / products and
    remembering the last gradient (so a stopping callback need not recompute it)."""

    def __init__(self, p):
        self.p = p
        self.nhev = self.nhvp = 0
        self.last = (None, None)

    def jac(self, x):
        g = self.p.grad(x)
        self.last = (x.copy(), g)
        return g

    def grad_at(self, x):
        xl, g = self.last
        if xl is not None and np.array_equal(xl, x):
            return g
        return self.jac(x)

    def hess(self, x):
        self.nhev += 1
        return self.p.hess(x)

    def hessp(self, x, v):
        self.nhvp += 1
        return self.p.hessp(x, v)


def run_scipy(p, method, tol, maxtime):
    """scipy run with a trace of (time, f, Hessian equivalents)."""
    c = _Counted(p)
    d = p.dim
    rows = []
    native = method in ("trust-exact", "trust-krylov")     # gtol is ||g||_2 <= tol there
    start = time.perf_counter()

    def cb(intermediate_result):
        x = intermediate_result.x
        f = getattr(intermediate_result, "fun", None)
        rows.append((time.perf_counter() - start, p.fun(x) if f is None else float(f),
                     c.nhev + c.nhvp / d))
        if time.perf_counter() - start > maxtime:
            raise StopIteration
        if not native and np.linalg.norm(c.grad_at(x)) <= tol:
            raise StopIteration

    kw = {}
    if method == "trust-exact":
        kw["hess"] = c.hess
    elif method in ("trust-krylov", "Newton-CG"):
        kw["hessp"] = c.hessp
    opts = {"maxiter": 100_000}
    if method == "L-BFGS-B":
        opts.update(gtol=0.0, ftol=0.0, maxfun=10 ** 7)
    elif method == "Newton-CG":
        opts.update(xtol=1e-30)
    else:
        opts.update(gtol=tol)
    res = scipy.optimize.minimize(p.fun, np.zeros(d), jac=c.jac, method=method,
                                  callback=cb, options=opts, **kw)
    elapsed = time.perf_counter() - start
    gnorm = float(np.linalg.norm(p.grad(res.x)))
    return dict(time=elapsed, nit=int(res.nit), nhev=c.nhev, nhvp=c.nhvp,
                ok=gnorm <= tol * (1 + 1e-6), gnorm=gnorm,
                trace=np.array(rows) if rows else np.zeros((0, 3)), fun=float(res.fun))


def run_optkit(p, method, opts, tol, maxtime):
    res = optkit.minimize(p, np.zeros(p.dim), method, tol=tol,
                          options={"maxtime": maxtime, "maxiter": 100_000, **opts})
    tr = res.trace
    trace = np.column_stack([tr["time"], tr["fun"], tr["nhev"] + tr["nhvp"] / p.dim])
    return dict(time=res.time, nit=res.nit, nhev=res.nhev, nhvp=res.nhvp,
                ok=res.status == 0, gnorm=res.certificate, trace=trace, fun=res.fun,
                nfact=res.get("n_factorizations", 0))


def _plot(results, f_star, title, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for k, r in results.items():
        t = r["trace"]
        if len(t) == 0:
            continue
        gap = np.maximum(t[:, 1] - f_star, 1e-16)
        style = "--" if k.startswith("scipy") else "-"
        axes[0].semilogy(t[:, 0], gap, style, label=k)
        if t[-1, 2] > 0:
            axes[1].semilogy(t[:, 2], gap, style, label=k)
    axes[0].set_xlabel("time (s)")
    axes[1].set_xlabel("Hessian evaluations (+ Hessian-vector products / d)")
    for ax in axes:
        ax.set_ylabel("f - f*")
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", nargs="+", default=["a9a", "w1a", "phishing", "mushrooms",
                                                  "synthetic"])
    ap.add_argument("--mu", nargs="+", type=float, default=[1e-4, 1e-6])
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--maxtime", type=float, default=120.0)
    ap.add_argument("--out", default=None, help="folder for the PNG plots (default: a new "
                    "temporary directory)")
    ap.add_argument("--methods", nargs="+", default=None,
                    help="labels of the runs to keep (default: all)")
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS threads for every method (default 1: on a loaded machine, "
                    "multithreaded LAPACK calls can be 100x slower and erratic)")
    args = ap.parse_args()
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    out = args.out or tempfile.mkdtemp(prefix="optkit_bench_second_order_")
    os.makedirs(out, exist_ok=True)
    print(f"plots -> {out}")
    summary = []
    for name in args.data:
        for mu in args.mu:
            p = synthetic(mu) if name == "synthetic" else from_libsvm(name, mu=mu)
            d = p.dim
            p.hess(np.zeros(d))                 # warm up BLAS, caches
            p.grad(np.zeros(d))
            results = {}
            runs = [(label, lambda m=m, o=o: run_optkit(p, m, o, args.tol, args.maxtime))
                    for label, m, o in optkit_runs(p, d)]
            runs += [("scipy " + m, lambda m=m: run_scipy(p, m, args.tol, args.maxtime))
                     for m in SCIPY]
            for label, fn in runs:
                if args.methods is None or label in args.methods:
                    results[label] = fn()
            f_star = min(r["fun"] for r in results.values())
            scipy_ok = {k: r["time"] for k, r in results.items()
                        if k.startswith("scipy") and r["ok"]}
            best_scipy = min(scipy_ok.values(), default=math.nan)
            print(f"\n{name}  mu={mu:g}  n={p.n_samples}  d={d}  tol={args.tol:g}  "
                  f"f*={f_star:.12g}")
            print(f"{'method':22s} {'ok':>3s} {'time s':>8s} {'nit':>6s} {'nhev':>5s} "
                  f"{'nhvp':>6s} {'nfact':>5s} {'||g||':>9s} {'f-f*':>9s} {'t/best scipy':>12s}")
            for k, r in results.items():
                print(f"{k:22s} {'yes' if r['ok'] else 'NO':>3s} {r['time']:8.3f} "
                      f"{r['nit']:6d} {r['nhev']:5d} {r['nhvp']:6d} {r.get('nfact', 0):5d} "
                      f"{r['gnorm']:9.2e} {r['fun'] - f_star:9.1e} "
                      f"{r['time'] / best_scipy:12.2f}")
            line = {"data": name, "mu": mu, "d": d}
            c = results.get("cubic-newton")
            for k in LAZY:
                r = results.get(k)
                if c is None or r is None:
                    continue
                hr = c["nhev"] / max(r["nhev"], 1)
                tr = r["time"] / c["time"]
                line[k] = (hr, tr)
                print(f"  {k}: {c['nhev']}/{max(r['nhev'], 1)} = {hr:.1f}x fewer Hessians "
                      f"than cubic-newton, time {tr:.2f}x of cubic-newton"
                      + (f"  [target at d>=300: >=5x and <=0.5x: "
                         f"{'MET' if hr >= 5 and tr <= 0.5 else 'NOT MET'}]" if d >= 300 else ""))
            ours = {k: r["time"] for k, r in results.items()
                    if not k.startswith("scipy") and r["ok"]}
            if ours and scipy_ok:
                best_k = min(ours, key=ours.get)
                worst_ok = all(ours[best_k] < t for t in scipy_ok.values())
                print(f"  best optkit: {best_k} {ours[best_k]:.3f} s; best scipy "
                      f"{min(scipy_ok, key=scipy_ok.get)} {best_scipy:.3f} s; ratio "
                      f"{ours[best_k] / best_scipy:.2f}  [target: faster than every scipy "
                      f"method: {'MET' if worst_ok else 'NOT MET'}]")
                line["best"] = (best_k, ours[best_k] / best_scipy)
            summary.append(line)
            _plot(results, f_star, f"{name}, mu={mu:g}, d={d}",
                  os.path.join(out, f"{name}_mu{mu:g}.png"))
    print("\nsummary (Hessian ratio cubic/lazy, time ratio lazy/cubic; best optkit / best "
          "scipy time)")
    for line in summary:
        parts = [f"{line['data']:10s} mu={line['mu']:<6g} d={line['d']:<4d}"]
        for k in LAZY:
            if k in line:
                parts.append(f"{k}: {line[k][0]:.1f}x, {line[k][1]:.2f}")
        if "best" in line:
            parts.append(f"best: {line['best'][0]} {line['best'][1]:.2f}")
        print("  ".join(parts))
    print(f"plots in {out}")


if __name__ == "__main__":
    main()
