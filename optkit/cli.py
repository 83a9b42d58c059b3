"""The ``optkit`` command: ``optkit --version``, ``optkit methods``, ``optkit demo``."""

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
