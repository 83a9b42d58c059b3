"""Second-order family vs scipy on L2-regularized logistic regression.

Time, iterations and Hessian count to ||g|| <= tol for cubic-newton,
lazy-cubic-newton (m = d and m = sqrt(d)), lazy-reg-newton, grad-reg-newton
(exact and fixed curvature X^T X / 4n + mu I) and scipy's trust-exact,
trust-krylov, Newton-CG and L-BFGS-B, all in one process; prints a table with
the ratio of each time to the best scipy time, and writes the f - f* vs time
and vs Hessians plots.

Usage::

    OPTKIT_DATA_DIR=../shared/data/libsvm python benchmarks/second_order.py \
        [--data a9a w1a phishing mushrooms synthetic] [--mu 1e-4 1e-6] [--tol 1e-8] \
        [--maxtime 120] [--out bench_second_order]
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np
import scipy.optimize

import optkit
from optkit.problems.glm import LogisticRegression, from_libsvm

SCIPY = ("trust-exact", "trust-krylov", "Newton-CG", "L-BFGS-B")


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
        ("lazy-cubic m=d", "lazy-cubic-newton", {"m": "d"}),
        ("lazy-cubic m=sqrt(d)", "lazy-cubic-newton", {"m": max(1, round(math.sqrt(d)))}),
        ("lazy-reg-newton", "lazy-reg-newton", {}),
        ("grad-reg exact", "grad-reg-newton", {}),
        ("grad-reg fixed", "grad-reg-newton", {"curvature": fixed}),
    ]


def run_scipy(p, method, tol, maxtime):
    """scipy run with a trace of (time, f, nhev); stops on ||g|| <= tol via callback."""
    nh = [0]
    rows = []
    start = time.perf_counter()

    def hess(x):
        nh[0] += 1
        return p.hess(x)

    def hessp(x, v):
        return p.hessp(x, v)

    def cb(intermediate_result):
        x = intermediate_result.x
        rows.append((time.perf_counter() - start, p.fun(x), nh[0]))
        if np.linalg.norm(p.grad(x)) <= tol or time.perf_counter() - start > maxtime:
            raise StopIteration

    kw = {}
    if method == "trust-exact":
        kw["hess"] = hess
    elif method in ("trust-krylov", "Newton-CG"):
        kw["hessp"] = hessp
    opts = {"maxiter": 100_000}
    if method == "L-BFGS-B":
        opts.update(gtol=0.0, ftol=0.0)
    elif method == "Newton-CG":
        opts.update(xtol=1e-30)
    else:
        opts.update(gtol=tol)
    res = scipy.optimize.minimize(p.fun, np.zeros(p.dim), jac=p.grad, method=method,
                                  callback=cb, options=opts, **kw)
    elapsed = time.perf_counter() - start
    gnorm = float(np.linalg.norm(p.grad(res.x)))
    return dict(time=elapsed, nit=res.nit, nhev=nh[0], ok=gnorm <= tol * 1.0001, gnorm=gnorm,
                trace=np.array(rows) if rows else np.zeros((0, 3)), fun=float(res.fun))


def run_optkit(p, method, opts, tol, maxtime):
    res = optkit.minimize(p, np.zeros(p.dim), method, tol=tol,
                          options={"maxtime": maxtime, "maxiter": 100_000, **opts})
    tr = res.trace
    trace = np.column_stack([tr["time"], tr["fun"], tr["nhev"]])
    return dict(time=res.time, nit=res.nit, nhev=res.nhev, ok=res.status == 0,
                gnorm=res.certificate, trace=trace, fun=res.fun)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", nargs="+", default=["a9a", "w1a", "phishing", "mushrooms",
                                                  "synthetic"])
    ap.add_argument("--mu", nargs="+", type=float, default=[1e-4, 1e-6])
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--maxtime", type=float, default=120.0)
    ap.add_argument("--out", default="bench_second_order")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for name in args.data:
        for mu in args.mu:
            p = synthetic(mu) if name == "synthetic" else from_libsvm(name, mu=mu)
            d = p.dim
            # warm up BLAS / caches once
            p.hess(np.zeros(d))
            results = {}
            for label, method, opts in optkit_runs(p, d):
                results[label] = run_optkit(p, method, opts, args.tol, args.maxtime)
            for m in SCIPY:
                results["scipy " + m] = run_scipy(p, m, args.tol, args.maxtime)
            f_star = min(r["fun"] for r in results.values())
            best_scipy = min((r["time"] for k, r in results.items()
                              if k.startswith("scipy") and r["ok"]), default=math.nan)
            print(f"\n{name}  mu={mu:g}  n={p.n_samples}  d={d}  tol={args.tol:g}")
            print(f"{'method':24s} {'ok':>3s} {'time s':>9s} {'nit':>7s} {'nhev':>6s} "
                  f"{'||g||':>9s} {'t/best scipy':>12s}")
            for k, r in results.items():
                print(f"{k:24s} {'yes' if r['ok'] else 'NO':>3s} {r['time']:9.3f} "
                      f"{r['nit']:7d} {r['nhev']:6d} {r['gnorm']:9.2e} "
                      f"{r['time'] / best_scipy:12.2f}")
            c = results["cubic-newton"]
            for k in ("lazy-cubic m=d", "lazy-cubic m=sqrt(d)", "lazy-reg-newton"):
                r = results[k]
                print(f"  {k}: Hessians {c['nhev']}/{max(r['nhev'], 1)} = "
                      f"{c['nhev'] / max(r['nhev'], 1):.1f}x fewer, time ratio "
                      f"{r['time'] / c['time']:.2f} of cubic-newton")
            fig, axes = plt.subplots(1, 2, figsize=(11, 4))
            for k, r in results.items():
                t = r["trace"]
                if len(t) == 0:
                    continue
                gap = np.maximum(t[:, 1] - f_star, 1e-16)
                axes[0].semilogy(t[:, 0], gap, label=k)
                axes[1].semilogy(t[:, 2], gap, label=k)
            axes[0].set_xlabel("time (s)")
            axes[1].set_xlabel("Hessian evaluations")
            for ax in axes:
                ax.set_ylabel("f - f*")
            axes[1].legend(fontsize=7)
            fig.suptitle(f"{name}, mu={mu:g}")
            fig.tight_layout()
            fig.savefig(os.path.join(args.out, f"{name}_mu{mu:g}.png"), dpi=100)
            plt.close(fig)


if __name__ == "__main__":
    main()
