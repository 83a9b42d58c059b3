"""Polynomial preconditioning (Doikov & Rodomanov 2023) vs GM, FGM and scipy.

Regularized logistic regression and least squares on LIBSVM data sets (a9a,
w1a, phishing, mushrooms, read from ``$OPTKIT_DATA_DIR``) and on a synthetic
least-squares set whose Gram matrix has five outlier eigenvalues; for each:
GM, FGM, pgm / pfgm with tau in {2, 3, 5, 8} (symmetric polynomials),
Chebyshev (tau = 5, Lanczos bounds), krylov-gm (tau = 3, 5), and scipy's
L-BFGS-B and CG as peers, all in one process on the same problem object.

Printed per problem: the leading eigenvalues of B = X^T X / n + mu I (as
fractions of its trace), kappa and kappa_tau; per method: iterations, matrix
products and seconds to f - f* <= 1e-8 (f* from a high-accuracy reference,
refined by the best value any run reached) and the ratios of products and
seconds to the best scipy peer. Products count products with X or X^T:
one per function value, one more per gradient (the GLM objectives cache
X @ x between a value and a gradient at the same point), two per product
with B (``nmatvec``); for scipy the same count from its nfev/njev.
``--out DIR`` also writes f - f* vs iterations and vs products (PNG).

Usage::

    OPTKIT_DATA_DIR=/path/to/libsvm python benchmarks/poly_precond.py \
        [--data a9a w1a phishing mushrooms outliers] [--loss logistic least_squares] \
        [--mu 1e-4] [--target 1e-8] [--maxtime 60] [--out DIR]

BLAS runs single-threaded (set OPENBLAS_NUM_THREADS etc. to override).
"""

from __future__ import annotations

import argparse
import os
import time

# one BLAS thread: on a shared machine, threaded BLAS on these small products
# oversubscribes the cores (10x slower dense products measured at load 13)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import scipy.optimize  # noqa: E402

import optkit  # noqa: E402
from optkit.problems.glm import LeastSquares, from_libsvm  # noqa: E402
from optkit.problems.synthetic import least_squares_spectrum  # noqa: E402

PEERS = ("L-BFGS-B", "CG")


def methods():
    runs = [("gm", "gm", {}), ("fgm", "fgm", {})]
    for tau in (2, 3, 5, 8):
        runs.append((f"pgm tau={tau}", "pgm", {"tau": tau}))
    for tau in (2, 3, 5, 8):
        runs.append((f"pfgm tau={tau}", "pfgm", {"tau": tau}))
    runs += [("pgm cheb tau=5", "pgm", {"tau": 5, "preconditioner": "chebyshev"}),
             ("pfgm cheb tau=5", "pfgm", {"tau": 5, "preconditioner": "chebyshev"}),
             ("krylov-gm tau=3", "krylov-gm", {"tau": 3}),
             ("krylov-gm tau=5", "krylov-gm", {"tau": 5})]
    return runs


def outlier_least_squares(mu, n=1000, d=500, seed=0):
    """Least squares whose A^T A / n has a flat bulk and 5 outliers 1e3-1e4 times larger."""
    s2 = np.concatenate([np.linspace(1.0, 2.0, d - 5), np.geomspace(1e3, 1e4, 5)])
    A, b = least_squares_spectrum(n, d, np.sqrt(s2 * n), seed=seed)
    return LeastSquares(A, b, mu, name=f"outliers(n={n},d={d})")


def gram(p):
    X = p.X
    G = (X.T @ X).toarray() if hasattr(X, "toarray") else X.T @ X
    return G / p.n_samples + p.mu * np.eye(p.dim)


def reference(p, kind, B):
    """x*, f* to high accuracy."""
    if kind == "least_squares":
        x = np.linalg.solve(B, np.asarray(p.X.T @ p.b).ravel() / p.n_samples)
        return x, p.fun(x)
    r = scipy.optimize.minimize(p.fun, np.zeros(p.dim), jac=p.grad, hess=p.hess,
                                method="trust-exact", options={"gtol": 1e-13})
    return r.x, p.fun(r.x)


def products(nfev, njev, nmatvec=0):
    return nfev + njev + 2 * nmatvec


def run_optkit(p, method, opts, f_star, target, maxtime):
    res = optkit.minimize(p, method=method, tol=1e-300,
                          options={"maxiter": 10**6, "maxtime": maxtime, **opts},
                          callback=_stop_at(f_star, target))
    tr = res.trace
    nmat = tr["nmatvec"] if "nmatvec" in tr.columns else np.zeros(len(tr))
    return dict(it=np.asarray(tr["nit"]), t=np.asarray(tr["time"]), f=np.asarray(tr["fun"]),
                prod=products(np.asarray(tr["nfev"]), np.asarray(tr["njev"]), np.asarray(nmat)))


def _stop_at(f_star, target):
    def cb(intermediate_result):
        if intermediate_result.fun - f_star <= target:
            raise StopIteration
    return cb


def run_scipy(p, method, f_star, target, maxtime):
    counts = {"nfev": 0, "njev": 0}

    def fun(x):
        counts["nfev"] += 1
        return p.fun(x)

    def jac(x):
        counts["njev"] += 1
        return p.grad(x)

    rows = [(0, 0.0, p.fun(np.zeros(p.dim)), 0)]
    start = time.perf_counter()

    def cb(intermediate_result):
        f = float(intermediate_result.fun)
        rows.append((len(rows), time.perf_counter() - start, f,
                     products(counts["nfev"], counts["njev"])))
        if f - f_star <= target or rows[-1][1] > maxtime:
            raise StopIteration

    opts = {"maxiter": 10**6, "gtol": 1e-14}
    if method == "L-BFGS-B":
        opts["ftol"] = 0.0
    scipy.optimize.minimize(fun, np.zeros(p.dim), jac=jac, method=method, callback=cb,
                            options=opts)
    it, t, f, prod = (np.array(c) for c in zip(*rows))
    return dict(it=it, t=t, f=f, prod=prod)


def first_hit(r, f_star, target):
    hit = np.nonzero(r["f"] - f_star <= target)[0]
    if hit.size == 0:
        return None
    k = hit[0]
    return int(r["it"][k]), int(r["prod"][k]), float(r["t"][k])


def describe_spectrum(B):
    lam = np.sort(np.linalg.eigvalsh(B))[::-1]
    tr = lam.sum()
    kt = {tau: lam[tau - 1:].sum() / lam[-1] for tau in (1, 2, 3, 5, 8)}
    print("  B = X^T X/n + mu I: trace %.4g, lambda_1..5 / trace = %s, lambda_min = %.3g"
          % (tr, ", ".join(f"{v:.3f}" for v in lam[:5] / tr), lam[-1]))
    print("  kappa = lambda_1/lambda_min = %.3g;  kappa_tau = sum_{i>=tau} lambda_i/lambda_min: %s"
          % (lam[0] / lam[-1], ", ".join(f"tau={k}: {v:.3g}" for k, v in kt.items())))
    print("  predicted pgm gain kappa/kappa_tau (GM rate ~ kappa): %s"
          % ", ".join(f"tau={k}: {lam[0] / lam[-1] / v:.2g}" for k, v in kt.items() if k > 1))


def plot(results, f_star, title, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    colors = plt.cm.tab20(np.linspace(0, 1, 20))
    for i, (label, r) in enumerate(results.items()):
        gap = np.maximum(r["f"] - f_star, 1e-16)
        style = "--" if label in PEERS else "-"
        axes[0].semilogy(r["it"], gap, style, label=label, color=colors[i % 20])
        axes[1].semilogy(r["prod"], gap, style, label=label, color=colors[i % 20])
    axes[0].set_xlabel("iterations")
    axes[1].set_xlabel("products with X or X^T")
    for ax in axes:
        ax.set_ylabel("f - f*")
        ax.set_xscale("log")
    axes[1].legend(fontsize=7, ncol=2)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", nargs="+", default=["a9a", "w1a", "phishing", "mushrooms",
                                                   "outliers"])
    ap.add_argument("--loss", nargs="+", default=["logistic", "least_squares"])
    ap.add_argument("--mu", type=float, default=1e-4)
    ap.add_argument("--target", type=float, default=1e-8)
    ap.add_argument("--maxtime", type=float, default=60.0)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    data_dir = os.environ.get("OPTKIT_DATA_DIR")
    if args.out:
        os.makedirs(args.out, exist_ok=True)

    # warm up (imports, first calls)
    rng = np.random.default_rng(0)
    warm = LeastSquares(rng.standard_normal((200, 20)), rng.standard_normal(200), 1e-2)
    for _, m, o in methods():
        optkit.minimize(warm, method=m, options={"maxiter": 3, **o})

    summary = []
    for name in args.data:
        for kind in args.loss:
            if name == "outliers":
                if kind != "least_squares":
                    continue
                p = outlier_least_squares(args.mu)
            else:
                p = from_libsvm(name, args.mu, kind=kind, data_dir=data_dir)
            B = gram(p)
            x_star, f_star = reference(p, kind, B)
            print(f"\n== {kind} on {name}: n={p.n_samples}, d={p.dim}, mu={args.mu:g}, "
                  f"f*={f_star:.12g}")
            describe_spectrum(B)
            results = {}
            for peer in PEERS:
                results[peer] = run_scipy(p, peer, f_star, args.target, args.maxtime)
            for label, m, o in methods():
                try:
                    results[label] = run_optkit(p, m, o, f_star, args.target, args.maxtime)
                except ValueError as exc:        # tau above the safe maximum for this B
                    print(f"  {label}: refused: {exc}")
            # refine f* by the best value reached (never above the reference)
            f_best = min(f_star, *(r["f"].min() for r in results.values()))
            if f_best < f_star - 1e-14:
                print(f"  (f* refined by {f_star - f_best:.2g} from the runs)")
            f_star = f_best
            hits = {k: first_hit(r, f_star, args.target) for k, r in results.items()}
            peer_hits = [hits[k] for k in PEERS if hits[k] is not None]
            best_prod = min((h[1] for h in peer_hits), default=np.nan)
            best_time = min((h[2] for h in peer_hits), default=np.nan)
            print(f"  {'method':18s} {'iters':>8s} {'products':>10s} {'seconds':>9s} "
                  f"{'prod/peer':>10s} {'time/peer':>10s}")
            for label, h in hits.items():
                if h is None:
                    r = results[label]
                    print(f"  {label:18s}   not reached in {args.maxtime:g}s "
                          f"(f - f* = {r['f'].min() - f_star:.2g}, {int(r['it'][-1])} it)")
                    continue
                print(f"  {label:18s} {h[0]:8d} {h[1]:10d} {h[2]:9.3f} "
                      f"{h[1] / best_prod:10.2f} {h[2] / best_time:10.2f}")
                summary.append((name, kind, label, h[1] / best_prod, h[2] / best_time))
            if args.out:
                path = os.path.join(args.out, f"poly_precond_{name}_{kind}.png")
                plot(results, f_star, f"{kind} on {name} (mu={args.mu:g})", path)
                print(f"  plot: {path}")


if __name__ == "__main__":
    main()
