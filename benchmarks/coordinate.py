"""Coordinate descent vs scikit-learn: Lasso (time to duality gap) and L1 logistic.

Lasso: for each data set (a9a, w1a with labels as targets, a dense 2000 x 5000
Gaussian) and alphas giving about 1%, 5% and 20% nonzeros, the time for
optkit's ``bcd`` (several rule / block choices), ``ws-lasso`` and scikit-learn's ``Lasso``
(cyclic coordinate descent, compiled) to reach a duality gap of ``--gap``
(per-sample scaling, 1/(2n)||Xw - y||^2 + alpha ||w||_1). scikit-learn's
``tol`` is set so that its own gap test is the same (its test is
``gap <= tol * ||y||^2`` on the objective multiplied by n); the gap of its
answer is recomputed with optkit's formula and printed. Both run in the same
process on the same arrays, after a warm-up (JIT compile) run.

L1 logistic: time of ``prox-newton-ws`` and ``bcd`` (Newton coordinate
updates) against ``LogisticRegression(penalty="l1")`` with liblinear and saga,
and the objective each reaches.

Usage::

    OPTKIT_DATA_DIR=/path/to/libsvm python benchmarks/coordinate.py [--gap 1e-8]
        [--data a9a w1a gauss] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import scipy.sparse as sp

import optkit
from optkit.problems.composite import L1LogisticRegression, Lasso

# label -> (method, options); bcd stops on the duality gap (certificate="gap"), ws-lasso's
# certificate is the gap
CONFIGS = {
    "cyclic": ("bcd", {"certificate": "gap"}),
    "gs-q (Gram)": ("bcd", {"rule": "gs-q", "gram": True, "certificate": "gap"}),
    "working set (gs-s, matrix)": ("bcd", {"blocks": "variable", "rule": "gs-s",
                                           "update": "matrix", "certificate": "gap"}),
    "ws-lasso (gap-safe)": ("ws-lasso", {}),
}


def load(name):
    if name == "gauss":
        rng = np.random.default_rng(0)
        X = rng.standard_normal((2000, 5000))
        w = np.zeros(5000)
        w[:50] = rng.standard_normal(50)
        y = X @ w + 0.5 * rng.standard_normal(2000)
        return X, y
    X, y = optkit.problems.libsvm.load(name)
    return sp.csr_matrix(X, dtype=float), np.asarray(y, dtype=float)


def alpha_for_fraction(X, y, frac):
    """Bisection on log(alpha) for about frac * d nonzeros (loose solves)."""
    d = X.shape[1]
    target = max(1, round(frac * d))
    amax = Lasso(X, y, 1.0).alpha_max()
    lo, hi = np.log(amax * 1e-4), np.log(amax)
    for _ in range(14):
        mid = 0.5 * (lo + hi)
        res = optkit.minimize(Lasso(X, y, np.exp(mid)), method="ws-lasso", tol=1e-7)
        if res.nnz > target:
            lo = mid
        elif res.nnz < target:
            hi = mid
        else:
            break
    return float(np.exp(mid))


def timed(fn, repeat):
    best = np.inf
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def lasso_rows(name, gap, repeat):
    from sklearn.linear_model import Lasso as SkLasso

    X, y = load(name)
    n, d = X.shape
    # both libraries get the same matrix, in scikit-learn's own layout (CSC / Fortran)
    X = X.tocsc() if sp.issparse(X) else np.asfortranarray(X)
    Xsk = X
    rows = []
    for frac in (0.01, 0.05, 0.20):
        alpha = alpha_for_fraction(X, y, frac)
        prob = Lasso(X, y, alpha)
        tol_sk = gap * n / float(y @ y)
        sk = SkLasso(alpha=alpha, fit_intercept=False, tol=tol_sk, max_iter=100_000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sk.fit(Xsk, y)                      # warm-up
            t_sk, fitted = timed(lambda: SkLasso(alpha=alpha, fit_intercept=False,
                                                 tol=tol_sk, max_iter=100_000).fit(Xsk, y),
                                 repeat)
        # gap of sklearn's answer, optkit's formula
        chk = optkit.minimize(prob, fitted.coef_, method="bcd",
                              options={"certificate": "gap", "maxiter": 0})
        results = {}
        for label, (method, opts) in CONFIGS.items():
            if "Gram" in label and d > 4000:
                continue
            o = dict(opts, trace=False)
            optkit.minimize(prob, method=method, tol=gap, options=dict(o, maxiter=10))  # JIT
            # a fresh problem each time: Gram matrices are not reused between runs
            t, res = timed(lambda: optkit.minimize(Lasso(X, y, alpha), method=method,
                                                   tol=gap, options=o), repeat)
            results[label] = (t, res)
        best = min(results, key=lambda k: results[k][0] if results[k][1].success else np.inf)
        for label, (t, res) in results.items():
            rows.append((name, f"{frac:.0%}", f"{alpha:.3g}", int(np.count_nonzero(res.x)),
                         label + (" *" if label == best else ""), t, res.status, res.gap,
                         t_sk, chk.gap, t_sk / t))
    return rows


# L1 logistic: label -> (method, options, tol, smallest alpha run); prox-newton-ws is the
# proximal Newton (newGLMNET-type) working-set method; bcd's per-coordinate Newton variants
# are slow (seconds on a9a) and are run only at alpha = 1e-2
LOGISTIC_CONFIGS = {
    "prox-newton-ws 1e-6": ("prox-newton-ws", {}, 1e-6, 0.0),
    "prox-newton-ws 1e-8": ("prox-newton-ws", {}, 1e-8, 0.0),
    "bcd cyclic newton 1e-6": ("bcd", {"update": "newton"}, 1e-6, 1e-2),
    "bcd gs-s var. newton 1e-6": ("bcd", {"blocks": "variable", "rule": "gs-s",
                                          "update": "newton"}, 1e-6, 1e-2),
}


def l1_logistic_rows(name, repeat, alphas=(1e-2, 1e-3, 1e-4)):
    """Rows (data, alpha, solver, time, status, F - F_best) for optkit and scikit-learn.

    optkit's tol is on ||x - prox(x - grad)||_inf, scikit-learn's (1e-6) is its own
    stopping rule: the F - F_best column says which accuracy each reached. A fresh
    problem per optkit run (the CSC layout is built inside the timing, as liblinear
    converts its input inside ``fit``); JIT warm-up with a full solve first.
    """
    from sklearn.linear_model import LogisticRegression as SkLogReg

    X, y = load(name)
    n, d = X.shape
    y = np.where(y > 0, 1.0, -1.0)
    rows = []
    for alpha in alphas:
        prob = L1LogisticRegression(X, y, alpha)
        C = 1.0 / (alpha * n)
        results = {}
        for label, (method, o, tol, amin) in LOGISTIC_CONFIGS.items():
            if alpha < amin:
                continue
            o = dict(o, trace=False)
            optkit.minimize(prob, method=method, tol=tol, options=o)         # JIT warm-up
            t, res = timed(lambda: optkit.minimize(L1LogisticRegression(X, y, alpha),
                                                   method=method, tol=tol, options=o), repeat)
            results[label] = (t, res.fun, res.status)
        for solver in ("liblinear", "saga"):
            Xs = X.tocsr() if sp.issparse(X) else X
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t, fitted = timed(lambda: SkLogReg(l1_ratio=1.0, C=C, solver=solver,
                                                   fit_intercept=False, tol=1e-6,
                                                   max_iter=10_000).fit(Xs, y), repeat)
            results["sklearn " + solver] = (t, prob.fun(fitted.coef_.ravel()), 0)
        fbest = min(v[1] for v in results.values())
        for label, (t, f, st) in results.items():
            rows.append((name, f"{alpha:g}", label, t, st, f - fbest))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gap", type=float, default=1e-8)
    ap.add_argument("--data", nargs="+", default=["a9a", "w1a", "gauss"])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--skip-logistic", action="store_true")
    args = ap.parse_args()

    print(f"Lasso, time to duality gap {args.gap:g} (best of {args.repeat}); "
          "ratio = sklearn time / optkit time (> 1: optkit faster); * = optkit's best")
    head = ("data", "nnz%", "alpha", "nnz", "optkit config", "t_optkit", "st", "gap",
            "t_sklearn", "sk gap", "ratio")
    print("{:6} {:>5} {:>9} {:>5} {:32} {:>9} {:>3} {:>9} {:>9} {:>9} {:>7}".format(*head))
    for name in args.data:
        for r in lasso_rows(name, args.gap, args.repeat):
            print("{:6} {:>5} {:>9} {:>5} {:32} {:>9.4f} {:>3} {:>9.2e} {:>9.4f} {:>9.2e} "
                  "{:>7.2f}".format(*r), flush=True)
    if args.skip_logistic:
        return
    print("\nL1 logistic regression (1/n sum log(1+exp(-y x'w)) + alpha ||w||_1); "
          "optkit tol 1e-6 on ||x - prox(x - grad)||_inf, sklearn tol 1e-6")
    print("{:6} {:>7} {:26} {:>9} {:>3} {:>10}".format("data", "alpha", "solver", "time",
                                                       "st", "F - F_best"))
    for name in [n for n in args.data if n != "gauss"]:
        for r in l1_logistic_rows(name, args.repeat):
            print("{:6} {:>7} {:26} {:>9.4f} {:>3} {:>10.2e}".format(*r), flush=True)


if __name__ == "__main__":
    main()
