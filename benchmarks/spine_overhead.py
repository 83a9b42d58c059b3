"""Does a change of the spine (driver, oracles, states) slow any family down?

Times a fixed set of representative solves through the public API — Lasso
and L1-logistic (coordinate kernels, working sets), OT per iteration
(sinkhorn, sinkhorn-log) and to accuracy (sns), second order on logistic
regression, Frank-Wolfe variants, and the driver's per-iteration overhead on
trivial problems (gm on x^2/2 with the trace on, fgm on a 6-d quadratic) —
in the optkit found on ``sys.path``, and writes ``{case: best seconds}``.

The peer is another version of optkit itself: run it once per tree, in
alternation, then compare::

    for tree in /path/to/old /path/to/new; do
        PYTHONPATH=$tree OPENBLAS_NUM_THREADS=1 python benchmarks/spine_overhead.py \\
            --json /tmp/$(basename $tree).json
    done
    python benchmarks/spine_overhead.py --compare /tmp/old.json /tmp/new.json

(two versions of one package cannot share a process). Every case warms up
first (JIT compile, same dtypes and layouts as the timed call) and reports
the best of ``--repeat`` runs; the comparison prints new/old per case.
Needs ``OPTKIT_DATA_DIR`` for the LIBSVM cases (skipped without it).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np


def _best(fn, repeat):
    fn()                                    # warm-up: JIT compile, caches
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _working_set_method(loss):
    """(method, options) of the working-set solvers, before and after they
    became methods of their own."""
    import optkit
    from optkit._core.registry import get_solver

    for name in optkit.methods("composite"):
        if getattr(get_solver(name), "working_set_loss", None) == loss:
            return name, {}
    if "working_set" in get_solver("bcd").Options.names():
        return "bcd", {"working_set": True}
    raise RuntimeError(f"no working-set method for {loss}")


def cases(data_dir):
    import optkit
    from optkit.problems import LMOProblem, LogisticRegression
    from optkit.problems.composite import L1LogisticRegression, Lasso
    from optkit.problems.ot import OTProblem
    from optkit.problems.sets import L1Ball, Simplex

    out = {}
    rng = np.random.default_rng(0)

    # driver overhead: trivial iterations
    def trivial_gm():
        optkit.minimize(lambda x: 0.5 * float(x @ x), np.ones(1), "gm", jac=lambda x: x,
                        tol=1e-300, options={"maxiter": 20_000, "L": 1e3, "step": "constant"})
    out["gm-trivial-20k"] = trivial_gm
    A6 = np.diag(np.logspace(0, 2, 6))

    def fgm_small():
        optkit.minimize(lambda x: 0.5 * x @ A6 @ x, np.ones(6), "fgm", jac=lambda x: A6 @ x,
                        tol=1e-300, options={"maxiter": 5000})
    out["fgm-6d-5k"] = fgm_small

    # optimal transport
    n = 1000
    xs, xt = rng.random((n, 2)), rng.random((n, 2))
    M = ((xs[:, None] - xt[None]) ** 2).sum(-1)
    M /= M.max()
    for method in ("sinkhorn-log", "sinkhorn"):
        def ot_iters(method=method):
            optkit.minimize(OTProblem([], [], M, 1e-2), method=method, tol=1e-300,
                            options={"maxiter": 100, "check_every": 10})
        out[f"{method}-n1000-100it"] = ot_iters
    m600 = M[:600, :600].copy()

    def sns():
        optkit.minimize(OTProblem([], [], m600, 1e-3), method="sns", tol=1e-8)
    out["sns-n600-1e-8"] = sns

    # Frank-Wolfe
    Afw, bfw = rng.standard_normal((300, 600)), rng.standard_normal(300)
    fw_fun = lambda x: 0.5 * np.sum((Afw @ x - bfw) ** 2)  # noqa: E731
    fw_jac = lambda x: Afw.T @ (Afw @ x - bfw)              # noqa: E731
    for method in ("fw", "fw-away", "fw-pairwise", "fw-lazy"):
        def fw(method=method):
            optkit.minimize(LMOProblem(fw_fun, fw_jac, Simplex()), np.full(600, 1 / 600),
                            method, tol=1e-300, options={"maxiter": 300})
        out[f"{method}-simplex-300it"] = fw

    def fw_l1():
        optkit.minimize(LMOProblem(fw_fun, fw_jac, L1Ball(1.0)), np.zeros(600), "fw",
                        tol=1e-300, options={"maxiter": 300})
    out["fw-l1ball-300it"] = fw_l1

    if data_dir is None:
        return out
    from optkit.problems import libsvm
    Xw, yw = libsvm.load("w1a", data_dir=data_dir)
    Xa, ya = libsvm.load("a9a", data_dir=data_dir)
    Xa_csc = Xa.tocsc()
    Xw_csc = Xw.tocsc()

    # coordinate methods
    for tag, X, y, alpha in (("a9a", Xa_csc, ya, 0.01), ("w1a", Xw_csc, yw, 0.002)):
        def bcd(X=X, y=y, alpha=alpha):
            optkit.minimize(Lasso(X, y, alpha), method="bcd", tol=1e-8,
                            options={"certificate": "gap"})
        out[f"lasso-bcd-cyclic-{tag}"] = bcd
        ws, ws_opts = _working_set_method("least_squares")

        def lasso_ws(X=X, y=y, alpha=alpha, ws=ws, ws_opts=ws_opts):
            optkit.minimize(Lasso(X, y, alpha), method=ws, tol=1e-8, options=ws_opts)
        out[f"lasso-ws-{tag}"] = lasso_ws
    lw, lw_opts = _working_set_method("logistic")

    def logistic_ws():
        optkit.minimize(L1LogisticRegression(Xw_csc, yw, 1e-3), method=lw, tol=1e-8,
                        options=lw_opts)
    out["l1-logistic-ws-w1a"] = logistic_ws

    # second order
    for method in ("cubic-newton", "lazy-cubic-newton", "grad-reg-newton", "lazy-reg-newton"):
        def second(method=method):
            optkit.minimize(LogisticRegression(Xw, yw, 1e-4), method=method, tol=1e-8,
                            options={"maxiter": 500})
        out[f"{method}-w1a"] = second
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="write {case: seconds} here")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", nargs="*", default=None, help="substrings of case names")
    ap.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"),
                    help="print NEW/OLD per case from two --json files")
    args = ap.parse_args()
    if args.compare:
        old, new = (json.load(open(p)) for p in args.compare)
        print(f"{'case':34s} {'old s':>10s} {'new s':>10s} {'new/old':>8s}")
        for case in old:
            if case in new:
                print(f"{case:34s} {old[case]:10.4g} {new[case]:10.4g} "
                      f"{new[case] / old[case]:8.3f}")
        return
    import optkit
    data_dir = os.environ.get("OPTKIT_DATA_DIR")
    print(f"optkit from {os.path.dirname(optkit.__file__)}")
    results = {}
    for name, fn in cases(data_dir).items():
        if args.only and not any(s in name for s in args.only):
            continue
        results[name] = _best(fn, args.repeat)
        print(f"{name:34s} {results[name]:10.4g} s", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
