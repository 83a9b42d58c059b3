"""Cyclic block coordinate methods: compiled sweeps vs NumPy loops, and a9a L1-logistic.

1. Speed-up of the compiled sweeps (``optkit.kernels.cyclic_coordinate``) of
   ``cyclic-vr-bcd`` and ``a-coder`` over their NumPy loops (the path used for
   generic smooth parts, forced here by disabling the kernel arguments): same
   iterates (max |x_kernel - x_numpy| is printed), time per epoch: one driver
   step runs all E epochs, and (t(E) - t(1)) / (E - 1) removes the set-up.
   Data: a9a least squares (Lasso with the labels as targets, alpha = 1e-3)
   and a dense Gaussian 2000 x 500 Lasso.
2. a9a L1-logistic regression (alpha = 1e-3): epochs, data passes and time to a
   1e-6 prox-gradient certificate for a-coder, cyclic-vr-bcd and bcd (cyclic).

Usage: python benchmarks/cyclic_coordinate.py [--epochs 20] [--repeat 2]
(needs OPTKIT_DATA_DIR with the LIBSVM files).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.sparse as sp

import optkit
from optkit.problems.composite import L1LogisticRegression, Lasso
from optkit.solvers.coordinate.cyclic_vr_bcd import BlockAccess


def load(name):
    if name == "dense":
        rng = np.random.default_rng(0)
        X = rng.standard_normal((2000, 500))
        w = np.zeros(500)
        w[:20] = rng.standard_normal(20)
        return X, X @ w + 0.5 * rng.standard_normal(2000)
    X, y = optkit.problems.libsvm.load(name)
    return sp.csr_matrix(X, dtype=float), np.asarray(y, dtype=float)


def timed(fn, repeat):
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def run_epochs(prob, method, epochs, opts, numpy_path):
    d = prob.smooth.X.shape[1]
    o = dict(opts, maxiter=epochs * d, updates_per_step=epochs * d, trace=False)
    orig = BlockAccess._kernel_args
    if numpy_path:
        BlockAccess._kernel_args = lambda self: None
    try:
        return optkit.minimize(prob, method=method, tol=1e-300, options=o)
    finally:
        BlockAccess._kernel_args = orig


def speedup_rows(epochs, repeat):
    rows = []
    for name, alpha in (("a9a", 1e-3), ("dense", 0.05)):
        X, y = load(name)
        prob = Lasso(X, y, alpha)
        for method, opts in (("cyclic-vr-bcd", {"seed": 0}),
                             ("cyclic-vr-bcd", {"batch_size": 10**9}),
                             ("a-coder", {})):
            run_epochs(prob, method, 2, opts, False)                     # JIT warm-up
            tk, rk = timed(lambda: run_epochs(prob, method, epochs, opts, False), repeat)
            tk1, _ = timed(lambda: run_epochs(prob, method, 1, opts, False), repeat)
            tn, rn = timed(lambda: run_epochs(prob, method, epochs, opts, True), 1)
            tn1, _ = timed(lambda: run_epochs(prob, method, 1, opts, True), 1)
            # per epoch: (t(E epochs) - t(1 epoch)) / (E - 1), without the set-up
            ek, en = (tk - tk1) / (epochs - 1), (tn - tn1) / (epochs - 1)
            label = method + (" (exact)" if "batch_size" in opts else "")
            rows.append((name, label, epochs, 1e3 * en, 1e3 * ek, en / ek,
                         float(np.max(np.abs(rk.x - rn.x)))))
    return rows


def logistic_rows(alpha, repeat, tol=1e-6):
    X, y = load("a9a")
    y = np.where(y > 0, 1.0, -1.0)
    d = X.shape[1]
    configs = (("bcd cyclic", "bcd", {"rule": "cyclic"}),
               ("cyclic-vr-bcd", "cyclic-vr-bcd", {"seed": 0}),
               ("cyclic-vr-bcd exact", "cyclic-vr-bcd", {"batch_size": 10**9}),
               ("a-coder", "a-coder", {}),
               ("a-coder scaling=blocks", "a-coder", {"scaling": "blocks"}),
               ("a-coder restart=none", "a-coder", {"restart": "none"}))
    rows = []
    for label, method, opts in configs:
        o = dict(opts, trace=False, maxiter=3000 * d)
        prob = L1LogisticRegression(X, y, alpha)
        optkit.minimize(prob, method=method, tol=tol, options=dict(o, maxiter=2 * d))  # JIT
        t, res = timed(lambda: optkit.minimize(L1LogisticRegression(X, y, alpha),
                                               method=method, tol=tol, options=o), repeat)
        passes = getattr(res, "passes", np.nan) if method == "cyclic-vr-bcd" else np.nan
        rows.append((label, res.nit / d, passes, res.status, res.certificate, res.fun, t))
    fbest = min(r[5] for r in rows)
    return [r[:5] + (r[5] - fbest, r[6]) for r in rows]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--alpha", type=float, default=1e-3)
    args = ap.parse_args()
    print(f"Compiled sweeps vs NumPy loops, {args.epochs} epochs in one step "
          "(ms per epoch; ratio = numpy / kernel)")
    head = ("data", "method", "epochs", "numpy ms", "kernel ms", "ratio", "max|dx|")
    print("{:6} {:22} {:>6} {:>10} {:>10} {:>7} {:>9}".format(*head))
    for r in speedup_rows(args.epochs, args.repeat):
        print("{:6} {:22} {:>6} {:>10.2f} {:>10.2f} {:>7.1f} {:>9.1e}".format(*r),
              flush=True)
    print(f"\na9a L1-logistic, alpha = {args.alpha:g}, certificate tol 1e-6 "
          "(epochs = block updates / d; passes: data passes of cyclic-vr-bcd without the "
          "certificate)")
    head = ("solver", "epochs", "passes", "st", "cert", "F - F_best", "time s")
    print("{:24} {:>8} {:>8} {:>3} {:>9} {:>10} {:>8}".format(*head))
    for r in logistic_rows(args.alpha, args.repeat):
        print("{:24} {:>8.0f} {:>8.1f} {:>3} {:>9.1e} {:>10.1e} {:>8.2f}".format(*r),
              flush=True)


if __name__ == "__main__":
    main()
