"""Saddle-point methods: matrix games against HiGHS, and adaptive PDHG against PDHG
on the assignment LP, in one process.

1. Matrix games ``min_{x in simplex} max_{y in simplex} x^T A y``, n x n, two
   instances: ``uniform`` (entries uniform in [0, 1]) and ``skew`` (a
   structured one: ``A = G - G^T``, G standard Gaussian, value 0). Time (s) to a
   duality gap of 1e-4 and 1e-6 for optkit's ``mirror-prox`` (adaptive step),
   ``pdhg`` and ``adaptive-pdhg`` (read from one run's trace, the first recorded
   iteration at or below each gap), against ``scipy.optimize.linprog(method=
   "highs")`` on the row player's LP (its gap is computed from the LP's primal
   x and the inequality marginals y; HiGHS's time is to its own tolerance, so
   it counts for every target it reaches). ``-`` means not reached within
   ``--maxtime`` seconds. The ratio column is HiGHS's time over the method's.
2. Assignment LP relaxation (``SaddleProblem.assignment``, costs uniform in
   [0, 1]): iterations of ``adaptive-pdhg`` and ``pdhg`` (Chambolle-Pock,
   tau sigma ||K||^2 = 0.98) to a normalized residual of 1e-2, 1e-3, 1e-4, and
   whether the rounded point is ``linear_sum_assignment``'s permutation; the
   residual reached when the iteration budget ``--assign-maxiter`` (or
   ``--maxtime``) ran out.

Run: ``python benchmarks/saddle.py`` (``--games 1000 3000 --assign 500 2000``),
``--quick`` for a small run (games 200 500, assignment 50 100).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.optimize import linear_sum_assignment, linprog

import optkit
from optkit.problems.saddle import SaddleProblem


def game(kind, n, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return rng.random((n, n))
    G = rng.standard_normal((n, n))
    return G - G.T


def game_gap(A, x, y):
    return float(np.max(A.T @ x) - np.min(A @ y))


def highs(A, maxtime):
    """HiGHS on min v s.t. A^T x <= v, sum x = 1, x >= 0: (seconds, gap, status)."""
    n, m = A.shape
    t = time.perf_counter()
    lp = linprog(np.r_[np.zeros(n), 1.0], A_ub=np.c_[A.T, -np.ones(m)], b_ub=np.zeros(m),
                 A_eq=np.r_[np.ones(n), 0.0][None, :], b_eq=[1.0],
                 bounds=[(0, None)] * n + [(None, None)], method="highs",
                 options={"time_limit": maxtime})
    seconds = time.perf_counter() - t
    if lp.x is None:
        return seconds, np.inf, lp.status
    x = np.clip(lp.x[:n], 0, None)
    y = np.clip(-lp.ineqlin.marginals, 0, None)
    x, y = x / x.sum(), y / max(y.sum(), 1e-300)
    return seconds, game_gap(A, x, y), lp.status


def time_to(res, targets):
    """Seconds of the first recorded iteration whose certificate is <= each target."""
    t = np.asarray(res.trace["time"])
    c = np.asarray(res.trace["certificate"])
    out = []
    for target in targets:
        hit = np.flatnonzero(c <= target)
        out.append(float(t[hit[0]]) if hit.size else None)
    return out


def iters_to(res, targets):
    nit = np.asarray(res.trace["nit"])
    c = np.asarray(res.trace["certificate"])
    out = []
    for target in targets:
        hit = np.flatnonzero(c <= target)
        out.append(int(nit[hit[0]]) if hit.size else None)
    return out


def fmt(v, spec="{:.2f}"):
    return "-" if v is None else spec.format(v)


GAME_METHODS = (("mirror-prox", {"step": "adaptive"}), ("pdhg", {}), ("adaptive-pdhg", {}))


def games_table(sizes, maxtime):
    targets = (1e-4, 1e-6)
    print("\n1. Matrix games: seconds to duality gap (ratio = HiGHS seconds / method seconds)")
    print(f"{'instance':>14} {'method':>14} {'t(1e-4)':>9} {'t(1e-6)':>9} {'iters':>7} "
          f"{'ratio@1e-4':>11} {'ratio@1e-6':>11}")
    warm = SaddleProblem.matrix_game(game("uniform", 20))
    for method, opts in GAME_METHODS:          # warm up the code paths
        optkit.minimize(warm, method=method, options={"maxiter": 5, **opts})
    for n in sizes:
        for kind in ("uniform", "skew"):
            A = game(kind, n)
            h_sec, h_gap, h_status = highs(A, maxtime)
            h_times = [h_sec if h_gap <= tgt else None for tgt in targets]
            label = f"{kind} {n}"
            print(f"{label:>14} {'HiGHS':>14} {fmt(h_times[0]):>9} {fmt(h_times[1]):>9} "
                  f"{'':>7} {'(gap %.1e, status %d)' % (h_gap, h_status):>23}")
            problem = SaddleProblem.matrix_game(A)
            for method, opts in GAME_METHODS:
                res = optkit.minimize(problem, method=method, tol=targets[-1],
                                      options={"maxiter": 10**7, "maxtime": maxtime, **opts})
                ts = time_to(res, targets)
                ratios = [None if (h is None or t is None) else h / t
                          for h, t in zip(h_times, ts)]
                print(f"{'':>14} {method:>14} {fmt(ts[0]):>9} {fmt(ts[1]):>9} {res.nit:>7} "
                      f"{fmt(ratios[0]):>11} {fmt(ratios[1]):>11}")


def assignment_table(sizes, maxtime, maxiter):
    targets = (1e-2, 1e-3, 1e-4)
    print("\n2. Assignment LP: iterations to a normalized residual (adaptive-pdhg vs pdhg)")
    print(f"{'n':>6} {'method':>14} {'it(1e-2)':>9} {'it(1e-3)':>9} {'it(1e-4)':>9} "
          f"{'final res':>10} {'iters':>6} {'s/iter':>8} {'tau*sigma':>10} {'perm ok':>8}")
    for n in sizes:
        C = np.random.default_rng(n).random((n, n))
        rows, cols = linear_sum_assignment(C)
        problem = SaddleProblem.assignment(C)
        its = {}
        for method in ("pdhg", "adaptive-pdhg"):
            res = optkit.minimize(problem, method=method, tol=targets[-1],
                                  options={"maxiter": maxiter, "maxtime": maxtime})
            its[method] = iters_to(res, targets)
            perm = bool(np.all(res.x.reshape(n, n).argmax(axis=1) == cols))
            spi = res.time / max(res.nit, 1)
            ts = float(np.max(res.tau) * np.max(res.sigma))
            print(f"{n:>6} {method:>14} " + " ".join(f"{fmt(v, '{:d}'):>9}" for v in its[method])
                  + f" {res.certificate:>10.2e} {res.nit:>6} {spi:>8.3f} {ts:>10.3g} "
                  f"{str(perm):>8}")
        ratio = [None if (a is None or b is None) else a / b
                 for a, b in zip(its["pdhg"], its["adaptive-pdhg"])]
        print(f"{'':>6} {'pdhg/adaptive':>14} " + " ".join(f"{fmt(r):>9}" for r in ratio))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=int, nargs="*", default=[1000, 3000])
    ap.add_argument("--assign", type=int, nargs="*", default=[500, 2000])
    ap.add_argument("--maxtime", type=float, default=300.0,
                    help="seconds per solve (each method, HiGHS included)")
    ap.add_argument("--assign-maxiter", type=int, default=20000)
    ap.add_argument("--quick", action="store_true", help="games 200 500, assignment 50 100")
    args = ap.parse_args()
    if args.quick:
        args.games, args.assign, args.maxtime = [200, 500], [50, 100], 60.0
    games_table(args.games, args.maxtime)
    assignment_table(args.assign, args.maxtime, args.assign_maxiter)


if __name__ == "__main__":
    main()
