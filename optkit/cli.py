"""The ``optkit`` command: ``optkit --version``, ``optkit methods``, ``optkit demo``,
``optkit suite``."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _cmd_methods(args) -> int:
    from . import method_info, methods

    names = methods(args.family)
    width = max(len(n) for n in names)
    for name in names:
        info = method_info(name)
        print(f"{name.ljust(width)}  [{info['family']}]  {info['summary']}")
    return 0


def _cmd_demo(args) -> int:
    from .experiments.demo import run_demo

    run_demo(args.out, tol=args.tol, maxtime=args.maxtime)
    return 0


_SUITE_FILES = ("suite.csv", "suite_traces.csv", "performance_profile.png", "data_profile.png")


def _cmd_suite(args) -> int:
    import os
    import time

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .experiments.profiles import (MEASURES, plot_data_profile,
                                       plot_performance_profile)
    from .experiments.suite import run_suite, select_problems

    measures = [m.strip() for m in args.measures.split(",") if m.strip()]
    bad = [m for m in measures if m not in MEASURES]
    if bad or not measures:
        raise ValueError(f"Unknown measure {bad[0] if bad else args.measures!r} for --measures; "
                         f"valid measures: {', '.join(MEASURES)}.")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    specs = select_problems(args.problems, n_min=args.n_min, n_max=args.n_max,
                            limit=args.limit)
    print(f"{len(specs)} problems x {len(methods)} methods; tol={args.tol:g}, "
          f"maxiter={args.maxiter}, maxtime={args.maxtime:g} s, n_jobs={args.n_jobs}",
          flush=True)
    start = time.perf_counter()
    table = run_suite(specs, methods, tol=args.tol, maxiter=args.maxiter,
                      maxtime=args.maxtime, n_jobs=args.n_jobs, verbose=not args.quiet)
    wall = time.perf_counter() - start
    print()
    print(table.summary())
    print(f"\nsolved = status 0 (certificate <= tol); wall time {wall:.1f} s")

    os.makedirs(args.out, exist_ok=True)
    paths = [os.path.join(args.out, f) for f in _SUITE_FILES]
    table.to_csv(paths[0])
    table.traces_to_csv(paths[1])
    panels = [("performance", m) for m in measures]
    panels += [("data", m) for m in measures if m != "time"]    # budgets count evaluations
    for kind, path in (("performance", paths[2]), ("data", paths[3])):
        chosen = [m for k, m in panels if k == kind]
        if not chosen:
            paths.remove(path)
            continue
        fig, axes = plt.subplots(1, len(chosen), figsize=(6.0 * len(chosen), 4.4),
                                 squeeze=False)
        for ax, m in zip(axes[0], chosen):
            if kind == "performance":
                plot_performance_profile(table, m, ax=ax, criterion=args.criterion,
                                         fun_tol=args.fun_tol)
            else:
                plot_data_profile(table, m, ax=ax, criterion=args.criterion,
                                  fun_tol=args.fun_tol)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
    print("wrote " + ", ".join(paths))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="optkit", description="optkit: numerical optimization methods behind one "
        "minimize interface.")
    parser.add_argument("--version", action="version", version=f"optkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("methods", help="list the registered methods")
    p.add_argument("--family", default=None, help="only methods for this problem family")
    p.set_defaults(func=_cmd_methods)

    p = sub.add_parser("demo", help="logistic regression on breast-cancer data with every "
                       "smooth method and scipy's L-BFGS-B; writes convergence.png")
    p.add_argument("--out", default=".", help="folder for convergence.png (default: .)")
    p.add_argument("--tol", type=float, default=1e-8, help="gradient-norm tolerance")
    p.add_argument("--maxtime", type=float, default=20.0, help="seconds per method")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser(
        "suite", help="run methods on a problem set; write a CSV table and performance/data "
        "profiles",
        description="Run every method on every problem (solved = status 0, i.e. the "
        "certificate reached --tol) and write suite.csv, suite_traces.csv, "
        "performance_profile.png and data_profile.png into --out.")
    p.add_argument("--problems", required=True,
                   help="'cutest:KIND' (KIND: unconstrained, bounds, equality, general) or a "
                   "comma list of names such as 'cutest:ROSENBR,cutest:BEALE'")
    p.add_argument("--methods", default="gm,fgm,scipy:L-BFGS-B",
                   help="comma list of optkit methods and peers 'scipy:NAME' "
                   "(default: gm,fgm,scipy:L-BFGS-B)")
    p.add_argument("--n-min", type=int, default=None, help="smallest dimension (cutest:KIND)")
    p.add_argument("--n-max", type=int, default=None, help="largest dimension (cutest:KIND)")
    p.add_argument("--limit", type=int, default=None, help="keep the first N problems")
    p.add_argument("--tol", type=float, default=1e-6, help="certificate tolerance (1e-6)")
    p.add_argument("--maxiter", type=int, default=10_000, help="iterations per run (10000)")
    p.add_argument("--maxtime", type=float, default=10.0, help="seconds per run (10)")
    p.add_argument("--n-jobs", type=int, default=1, help="worker processes (1; -1: all CPUs)")
    p.add_argument("--measures", default="time,nfev,njev",
                   help="profile measures among time, nit, nfev, njev, nhev, nhvp "
                   "(default: time,nfev,njev; data profiles skip time)")
    p.add_argument("--criterion", choices=("status", "fun"), default="status",
                   help="solved when status == 0 (default) or by the Moré-Wild f-value test")
    p.add_argument("--fun-tol", type=float, default=1e-3,
                   help="tau of the f-value test f <= f_L + tau (f0 - f_L) (1e-3)")
    p.add_argument("--out", default=".", help="folder for the files (default: .)")
    p.add_argument("--quiet", action="store_true", help="no line per finished problem")
    p.set_defaults(func=_cmd_suite)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except ValueError as exc:          # bad input: one clear line, not a traceback
        print(f"optkit: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
