"""Cost of recording the trace, relative to a trivial iteration.

The foundation issue asks that recording every iteration of a 1e5-iteration
run cost less than 10% of a trivial step. A trivial step here is the gradient
method with a constant step on f(x) = x^2/2 in one dimension: the driver,
the counted oracle and the solver are all there, the arithmetic is nothing.

    python benchmarks/trace_overhead.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import optkit

N = 100_000


def one_run(trace: bool, record_every: int = 1) -> float:
    t = time.perf_counter()
    res = optkit.minimize(lambda x: 0.5 * float(x @ x), np.ones(1), "gm", jac=lambda x: x,
                          tol=1e-300, options={"step": "constant", "L": 1e3, "maxiter": N,
                                               "trace": trace, "record_every": record_every})
    elapsed = time.perf_counter() - t
    assert res.nit == N, res.message
    return elapsed


def main():
    one_run(True)                                       # warm-up
    runs = {"off": [], "every": [], "every 10": []}
    for _ in range(5):                                  # interleaved repeats
        runs["off"].append(one_run(False))
        runs["every"].append(one_run(True))
        runs["every 10"].append(one_run(True, 10))
    off = statistics.median(runs["off"])
    print(f"{N} iterations of a trivial step (median of 5)")
    print(f"{'trace':>10}  {'total s':>8}  {'us/iter':>8}  {'overhead':>8}")
    for name, times in runs.items():
        med = statistics.median(times)
        print(f"{name:>10}  {med:8.3f}  {1e6 * med / N:8.2f}  {100 * (med - off) / off:7.1f}%")


if __name__ == "__main__":
    main()
