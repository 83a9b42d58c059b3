"""pdhg-lp on the Netlib LP set against OR-Tools' PDLP and HiGHS, in one process.

For each instance of ``$OPTKIT_NETLIB_DIR`` (MANIFEST.tsv) and each relative
KKT tolerance (1e-4, 1e-8):

* optkit ``pdhg-lp`` (its certificate: the relative KKT error in the original LP,
  PDLP's criteria with eps_abs = eps_rel = tol, L2 norms);
* OR-Tools PDLP (``ortools.pdlp``, default parameters, one thread, the same
  ``eps_optimal_absolute = eps_optimal_relative = tol``), on the same arrays
  (``LPProblem`` as read by optkit's MPS reader);
* HiGHS dual simplex and interior point (``scipy.optimize.linprog``,
  ``highs-ds`` / ``highs-ipm``; their own default tolerances, time only; run
  once per instance, not per tol).

Reported: solved count (status optimal within the limits *and* the returned
point's relative KKT error, re-evaluated by ``LPProblem.kkt``, at most 2 tol;
objective within 10 tol of the manifest's), shifted geometric means of
iterations (shift 10) and of time (shift 0.1 s) over all instances, unsolved
ones counted at the limit, and the ratios optkit / PDLP. JIT compilation is
warmed up first.

Run: ``python benchmarks/lp.py`` (``--quick``: the 12 smallest instances,
``--max-nnz``, ``--iter-limit``, ``--time-limit``, ``--instances afiro kb2``,
``--restart kkt``: pdhg-lp with its KKT-error restarts instead of PDLP's
normalized duality gap).
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.optimize import linprog

import optkit
from optkit.problems.lp import LPProblem

TOLS = (1e-4, 1e-8)


def sgm(values, shift):
    """Shifted geometric mean exp(mean(log(v + shift))) - shift."""
    v = np.asarray(values, dtype=float)
    return float(np.exp(np.mean(np.log(v + shift))) - shift)


def solve_optkit(lp, tol, iter_limit, time_limit, restart="gap"):
    t = time.perf_counter()
    res = optkit.minimize(lp, method="pdhg-lp", tol=tol,
                          options={"maxiter": iter_limit, "maxtime": time_limit, "trace": False,
                                   "restart": restart})
    return dict(ok=res.status == 0, nit=res.nit, time=time.perf_counter() - t, x=res.x, y=res.y,
                passes=res.nmatvec / 2, status=res.message[:60])


def solve_pdlp(lp, tol, iter_limit, time_limit):
    from ortools.pdlp import solve_log_pb2, solvers_pb2
    from ortools.pdlp.python import pdlp

    qp = pdlp.QuadraticProgram()
    qp.objective_vector = lp.c
    qp.objective_offset = lp.offset
    qp.constraint_matrix = lp.A.tocsc()
    qp.constraint_lower_bounds = lp.row_lower
    qp.constraint_upper_bounds = lp.row_upper
    qp.variable_lower_bounds = lp.lower
    qp.variable_upper_bounds = lp.upper
    params = solvers_pb2.PrimalDualHybridGradientParams()
    crit = params.termination_criteria
    crit.simple_optimality_criteria.eps_optimal_absolute = tol
    crit.simple_optimality_criteria.eps_optimal_relative = tol
    crit.iteration_limit = iter_limit
    crit.time_sec_limit = time_limit
    params.num_threads = 1
    params.verbosity_level = 0
    t = time.perf_counter()
    r = pdlp.primal_dual_hybrid_gradient(qp, params)
    wall = time.perf_counter() - t
    log = r.solve_log
    reason = solve_log_pb2.TerminationReason.Name(log.termination_reason)
    return dict(ok=reason == "TERMINATION_REASON_OPTIMAL", nit=log.iteration_count, time=wall,
                x=np.asarray(r.primal_solution), y=np.asarray(r.dual_solution),
                passes=log.solution_stats.cumulative_kkt_matrix_passes, status=reason)


def solve_highs(lp, method):
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = linprog(**lp.to_linprog(), method=method)
    return dict(ok=r.status == 0, time=time.perf_counter() - t, nit=r.nit,
                fun=(r.fun + lp.offset) if r.status == 0 else math.nan)


def verified(lp, run, tol, ref):
    """Optimal by the solver's own test, KKT <= 2 tol re-evaluated, objective near ref."""
    if not run["ok"]:
        return False
    kkt = lp.kkt(run["x"], run["y"])
    run["kkt"] = kkt.relative
    run["obj_err"] = abs(kkt.primal_obj - ref) / max(1.0, abs(ref))
    return kkt.relative <= 2 * tol and run["obj_err"] <= 10 * tol


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the 12 smallest instances")
    ap.add_argument("--max-nnz", type=int, default=20_000, help="skip larger instances")
    ap.add_argument("--iter-limit", type=int, default=100_000)
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")
    ap.add_argument("--instances", nargs="*", help="names from MANIFEST.tsv")
    ap.add_argument("--no-highs", action="store_true")
    ap.add_argument("--restart", default="gap", choices=("kkt", "gap", "none"),
                    help="pdhg-lp's restart option")
    args = ap.parse_args(argv)

    folder = Path(os.environ.get("OPTKIT_NETLIB_DIR", ""))
    if not (folder / "MANIFEST.tsv").is_file():
        raise SystemExit("set OPTKIT_NETLIB_DIR to the Netlib folder (with MANIFEST.tsv)")
    with open(folder / "MANIFEST.tsv") as fh:
        rows = sorted(csv.DictReader(fh, delimiter="\t"), key=lambda r: int(r["nnz"]))
    if args.instances:
        rows = [r for r in rows if r["name"] in args.instances]
    else:
        rows = [r for r in rows if int(r["nnz"]) <= args.max_nnz]
        if args.quick:
            rows = rows[:12]

    warm = LPProblem.from_mps(folder / rows[0]["file"])
    optkit.minimize(warm, method="pdhg-lp", tol=1e-4, options={"maxiter": 200})

    print(f"{len(rows)} instances (nnz <= {max(int(r['nnz']) for r in rows)}), iteration "
          f"limit {args.iter_limit}, time limit {args.time_limit:g} s; one thread each; "
          f"pdhg-lp restart={args.restart!r}")
    results = {tol: [] for tol in TOLS}
    highs = []
    header = (f"{'instance':<10} {'tol':>6} | {'optkit it':>9} {'time':>7} {'ok':>2} | "
              f"{'PDLP it':>9} {'time':>7} {'ok':>2} | {'it ratio':>8} {'t ratio':>8}")
    print(header)
    print("-" * len(header))
    for row in rows:
        lp = LPProblem.from_mps(folder / row["file"])
        ref = float(row["objective"])
        for tol in TOLS:
            ours = solve_optkit(lp, tol, args.iter_limit, args.time_limit, args.restart)
            peer = solve_pdlp(lp, tol, args.iter_limit, args.time_limit)
            ours["solved"] = verified(lp, ours, tol, ref)
            peer["solved"] = verified(lp, peer, tol, ref)
            results[tol].append((row["name"], ours, peer))
            print(f"{row['name']:<10} {tol:>6.0e} | {ours['nit']:>9} {ours['time']:>7.3f} "
                  f"{'y' if ours['solved'] else 'n':>2} | {peer['nit']:>9} {peer['time']:>7.3f} "
                  f"{'y' if peer['solved'] else 'n':>2} | {ours['nit'] / max(peer['nit'], 1):>8.2f} "
                  f"{ours['time'] / max(peer['time'], 1e-9):>8.2f}", flush=True)
        if not args.no_highs:
            highs.append((row["name"], solve_highs(lp, "highs-ds"), solve_highs(lp, "highs-ipm")))

    print()
    print("Summary (unsolved runs counted at their iterations / time when stopped;")
    print("sgm: shifted geometric mean, shift 10 iterations / 0.1 s)")
    summary = (f"{'tol':>6} | {'solved optkit':>13} {'solved PDLP':>11} | {'sgm it optkit':>13} "
               f"{'sgm it PDLP':>11} {'ratio':>6} | {'sgm t optkit':>12} {'sgm t PDLP':>10} "
               f"{'ratio':>6}")
    print(summary)
    print("-" * len(summary))
    for tol in TOLS:
        rs = results[tol]
        so = sum(o["solved"] for _, o, _ in rs)
        sp_ = sum(p["solved"] for _, _, p in rs)
        it_o = sgm([o["nit"] for _, o, _ in rs], 10)
        it_p = sgm([p["nit"] for _, _, p in rs], 10)
        t_o = sgm([o["time"] for _, o, _ in rs], 0.1)
        t_p = sgm([p["time"] for _, _, p in rs], 0.1)
        print(f"{tol:>6.0e} | {so:>13} {sp_:>11} | {it_o:>13.0f} {it_p:>11.0f} "
              f"{it_o / it_p:>6.2f} | {t_o:>12.3f} {t_p:>10.3f} {t_o / t_p:>6.2f}")
        both = [(o, p) for _, o, p in rs if o["solved"] and p["solved"]]
        if both:
            print(f"{'':>6}   on the {len(both)} solved by both: sgm iterations ratio "
                  f"{sgm([o['nit'] for o, _ in both], 10) / sgm([p['nit'] for _, p in both], 10):.2f}"
                  f", sgm time ratio "
                  f"{sgm([o['time'] for o, _ in both], 0.1) / sgm([p['time'] for _, p in both], 0.1):.2f}"
                  f", mat-vec passes ratio "
                  f"{sgm([o['passes'] for o, _ in both], 10) / sgm([p['passes'] for _, p in both], 10):.2f}")
    if highs:
        ds = [d for _, d, _ in highs]
        ipm = [i for _, _, i in highs]
        print()
        print(f"HiGHS (scipy linprog, own tolerances): dual simplex solved {sum(d['ok'] for d in ds)}"
              f"/{len(ds)}, sgm time {sgm([d['time'] for d in ds], 0.1):.3f} s, sgm iterations "
              f"{sgm([d['nit'] for d in ds], 10):.0f}; IPM solved {sum(i['ok'] for i in ipm)}"
              f"/{len(ipm)}, sgm time {sgm([i['time'] for i in ipm], 0.1):.3f} s, sgm iterations "
              f"{sgm([i['nit'] for i in ipm], 10):.0f}")


if __name__ == "__main__":
    main()
