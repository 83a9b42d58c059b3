"""Block selection and update rules of BCD: the comparison of Nutini, Laradji & Schmidt.

Reproduces, at a size that runs in minutes, the experiments of "Let's make
block coordinate descent converge faster" (JMLR 2022, arXiv:1712.08859):
f(x_k) - f* against iterations (block updates) for every selection rule
(cyclic, random, Lipschitz sampling, GS, GSL, GSD, GSQ) x update
(Lipschitz, diagonal, matrix / Newton) with fixed blocks (contiguous, size 5)
and variable blocks (the 5 best coordinates each iteration), on

(a) least squares with unequal column scales (the paper's data set A,
    scaled down: columns multiplied by 10 N(0, 1), ~10 log(n)/n nonzeros,
    a 10%-sparse planted w plus noise; n > d so that f is strongly convex),
(b) L2-regularized binary logistic regression on the same kind of data with
    labels sign(Aw), 10% of them flipped (the paper's data set B),
(c) label propagation on a 50 x 50 lattice (sparse quadratic; 10% of the
    nodes labelled), where forest-structured blocks solved by message passing
    are compared with blocks of 5,
(d) L1-regularized least squares (data of (a)): support identification
    (nonzeros vs iterations) and the convergence after it.

f* is exact for the quadratics (a), (c) (a linear solve) and from scipy's
``trust-exact`` (gtol 1e-13) for (b), refined by the best value any run
reaches; for (d) from a long ``bcd`` run (duality gap <= 1e-14).

Printed: a table with, per configuration, the iterations to reach
f - f* <= 1e-8 (``--target``; '-' if not reached within the budget) and the
best f - f* reached; then whether each of the paper's claims holds in this
run (the test used is printed with it):

(1) GSQ / GSD >= GSL >= GS >= random / cyclic in progress per iteration
    (each rule with its own update: GSQ-matrix, GSD-diagonal, GSL, GS,
    random, cyclic with Lipschitz steps; fixed blocks);
(2) variable blocks + matrix updates beat fixed blocks + Lipschitz updates
    by a large factor (>= 10x fewer iterations);
(3) on the lattice, forest blocks + message passing need orders of magnitude
    (>= 100x) fewer iterations than blocks of 5 chosen greedily;
(4) with L1, proximal GS identifies the support, after which matrix updates
    converge superlinearly (here: finitely, within a few iterations).

PNG files (one per problem and block type, one panel per update; matplotlib
Agg) are written under ``--out``.

Usage::

    python benchmarks/coordinate_rules.py [--out DIR] [--quick] [--target 1e-8]
"""

from __future__ import annotations

import argparse
import os
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import scipy.optimize  # noqa: E402
import scipy.sparse as sp  # noqa: E402
import scipy.sparse.linalg as spla  # noqa: E402

import optkit  # noqa: E402
from optkit.problems import CompositeProblem  # noqa: E402
from optkit.problems.glm import Lasso, LeastSquares, LogisticRegression  # noqa: E402

RULES = ("cyclic", "random", "lipschitz-sampling", "gs", "gsl", "gsd", "gsq")
GREEDY = ("gs", "gsl", "gsd", "gsq")
UPDATES = ("lipschitz", "diagonal", "matrix")
BLOCK_SIZE = 5


# -- problems ------------------------------------------------------------------
def scaled_sparse_data(n, d, seed=0, *, logistic=False):
    """The paper's data sets A / B, at size n x d.

    Entries N(0, 1) + 1, column j multiplied by 10 N(0, 1), each entry kept
    with probability 10 log(n) / n; w has 10% N(0, 1) nonzeros; b = Aw + noise
    (least squares) or sign(Aw) with 10% of the signs flipped (logistic).
    """
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d)) + 1.0
    A *= 10.0 * rng.standard_normal(d)
    A *= rng.random((n, d)) < min(1.0, 10.0 * np.log(n) / n)
    w = rng.standard_normal(d) * (rng.random(d) < 0.1)
    if logistic:
        b = np.sign(A @ w)
        b[b == 0] = 1.0
        b *= np.where(rng.random(n) < 0.1, -1.0, 1.0)
    else:
        b = A @ w + rng.standard_normal(n)
    return A, b


def least_squares(n=1000, d=250, seed=0):
    """(a): 1/(2n)||Ax - b||^2; returns (problem, f*)."""
    A, b = scaled_sparse_data(n, d, seed)
    prob = CompositeProblem(LeastSquares(A, b))
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    return prob, float(prob.fun(x_star))


def logistic(n=500, d=100, seed=0, mu=1e-2):
    """(b): 1/n sum log(1 + exp(-b_i a_i'x)) + mu/2 ||x||^2; f* from scipy."""
    A, b = scaled_sparse_data(n, d, seed, logistic=True)
    smooth = LogisticRegression(A, b, mu=mu)
    ref = scipy.optimize.minimize(smooth.fun, np.zeros(d), jac=smooth.grad, hess=smooth.hess,
                                  method="trust-exact", options={"gtol": 1e-13})
    return CompositeProblem(smooth), float(ref.fun)


def label_propagation(m=50, seed=0, frac=0.1):
    """(c): 1/2 sum_{lattice edges}(x_i - x_j)^2 + 1/2 sum_i c_i (x_i - y_i)^2.

    A fraction ``frac`` of the nodes carry a label +-1 (c_i = 1), the others
    c_i = 1e-2. Written as least squares 1/(2N)||Ax - b||^2 with
    A = sqrt(N) [B; diag(sqrt c)] (B: edge incidence). Returns (problem, f*).
    """
    rng = np.random.default_rng(seed)
    d = m * m
    idx = np.arange(d).reshape(m, m)
    edges = np.vstack([np.c_[idx[:-1].ravel(), idx[1:].ravel()],
                       np.c_[idx[:, :-1].ravel(), idx[:, 1:].ravel()]])
    E = edges.shape[0]
    B = sp.csr_matrix((np.r_[np.ones(E), -np.ones(E)],
                       (np.r_[np.arange(E), np.arange(E)], np.r_[edges[:, 0], edges[:, 1]])),
                      shape=(E, d))
    labelled = rng.random(d) < frac
    c = np.where(labelled, 1.0, 1e-2)
    y = np.where(labelled, rng.choice([-1.0, 1.0], d), 0.0)
    N = E + d
    A = sp.vstack([B, sp.diags(np.sqrt(c))]).tocsr() * np.sqrt(N)
    b = np.r_[np.zeros(E), np.sqrt(c) * y] * np.sqrt(N)
    x_star = spla.spsolve((B.T @ B + sp.diags(c)).tocsc(), c * y)
    prob = CompositeProblem(LeastSquares(A, b))
    return prob, float(prob.fun(x_star))


def lasso(n=1000, d=250, seed=0, frac=0.05):
    """(d): least squares of (a) + alpha ||x||_1 with alpha = frac * alpha_max.

    Returns (problem, f*, support of x*) with x* from a long bcd run
    (duality gap <= 1e-14).
    """
    A, b = scaled_sparse_data(n, d, seed)
    prob = Lasso(A, b, 1.0)
    prob = Lasso(A, b, frac * prob.alpha_max())
    ref = optkit.minimize(prob, method="bcd", tol=1e-14, options=dict(
        rule="gs-q", certificate="gap", maxiter=5_000_000, trace=False))
    return prob, float(ref.fun), ref.x != 0


# -- runs ----------------------------------------------------------------------
class _StopAt:
    """Callback: stop once f - f* <= level."""

    def __init__(self, f_star, level):
        self.f_star, self.level = f_star, level

    def __call__(self, intermediate_result):
        if intermediate_result.fun - self.f_star <= self.level:
            raise StopIteration


def run(problem, options, f_star, *, maxiter, stop=1e-11, rows=800):
    """One bcd run with a trace every ~maxiter/rows block updates; stops at f - f* <= stop."""
    every = max(1, maxiter // rows)
    opts = dict(options, maxiter=maxiter, updates_per_step=every, trace=True)
    return optkit.minimize(problem, method="bcd", tol=1e-300, options=opts,
                           callback=_StopAt(f_star, stop))


def iterations_to(res, f_star, target):
    """First traced iteration with f - f* <= target (inf if none)."""
    gap = res.trace["fun"] - f_star
    hit = np.flatnonzero(gap <= target)
    return float(res.trace["nit"][hit[0]]) if hit.size else np.inf


def best_gap(res, f_star):
    return float(max(np.min(res.trace["fun"]) - f_star, 0.0))


def configs(kind):
    """(label, options) of every rule x update x block type for a problem kind."""
    out = []
    matrix = "newton" if kind == "logistic" else "matrix"
    for blocks in ("fixed", "variable"):
        for update in UPDATES:
            for rule in (RULES if blocks == "fixed" else GREEDY):
                o = dict(rule=rule, update=update if update != "matrix" else matrix,
                         block_size=BLOCK_SIZE, seed=0)
                if blocks == "fixed":
                    o["blocks"] = "contiguous"
                else:
                    o["blocks"] = "variable"
                    if kind != "logistic":
                        o["gram"] = True       # the quadratic model: paper's VB updates
                out.append(((blocks, update, rule), o))
    return out


def run_all(problem, f_star, kind, *, maxiter, target, stop, extra=(), skip=()):
    """Run every configuration; returns {key: (res, iterations_to_target, best gap)}."""
    out = {}
    for key, o in list(configs(kind)) + list(extra):
        if key in skip:
            continue
        t = time.perf_counter()
        res = run(problem, o, f_star, maxiter=maxiter, stop=stop)
        f_star = min(f_star, float(np.min(res.trace["fun"])))
        out[key] = [res, None, None, time.perf_counter() - t]
    for v in out.values():           # with the refined f*
        v[1] = iterations_to(v[0], f_star, target)
        v[2] = best_gap(v[0], f_star)
    return out, f_star


# -- claims --------------------------------------------------------------------
def _metric(runs, key):
    """(iterations to target, best gap): smaller is better, lexicographically."""
    _, its, gap, _ = runs[key]
    return (its, gap)


def claim1(runs):
    """GSQ/GSD >= GSL >= GS >= random/cyclic (fixed blocks, rules with their updates)."""
    m = {r: _metric(runs, ("fixed", u, r)) for r, u in
         (("gsq", "matrix"), ("gsd", "diagonal"), ("gsl", "lipschitz"), ("gs", "lipschitz"),
          ("random", "lipschitz"), ("cyclic", "lipschitz"))}
    ok = (min(m["gsq"], m["gsd"]) <= m["gsl"] <= m["gs"] <= min(m["random"], m["cyclic"]))
    txt = " ".join(f"{r}={_fmt_its(v[0])}" for r, v in m.items())
    return ok, "iterations to target, fixed blocks: " + txt


def claim2(runs, budget, factor=10.0):
    """Best variable + matrix vs best fixed + Lipschitz: >= factor x fewer iterations."""
    var = min(_metric(runs, k) for k in runs if k[0] == "variable" and k[1] == "matrix")
    fix = min(_metric(runs, k) for k in runs if k[0] == "fixed" and k[1] == "lipschitz")
    ratio = (fix[0] if np.isfinite(fix[0]) else budget) / var[0] if np.isfinite(var[0]) \
        else 0.0
    ok = np.isfinite(var[0]) and ratio >= factor
    return ok, (f"best variable+matrix {_fmt_its(var[0])} vs best fixed+lipschitz "
                f"{_fmt_its(fix[0])} (>= {ratio:.0f}x, need {factor:g}x)")


def claim3(runs, budget, factor=100.0):
    """Forest blocks vs the best run with blocks of 5: >= factor x fewer iterations."""
    forest = min(_metric(runs, k) for k in runs if k[0] == "forest")
    small = min(_metric(runs, k) for k in runs if k[0] != "forest")
    ratio = (small[0] if np.isfinite(small[0]) else budget) / forest[0] \
        if np.isfinite(forest[0]) else 0.0
    ok = np.isfinite(forest[0]) and ratio >= factor
    return ok, (f"forest {_fmt_its(forest[0])} vs best block-of-5 {_fmt_its(small[0])} "
                f"(>= {ratio:.0f}x, need {factor:g}x)")


def identification(res, support):
    """First traced iteration from which the support equals ``support`` for good."""
    nnz = res.trace["nnz"]
    final_ok = np.array_equal(res.x != 0, support)
    if not final_ok:
        return np.inf
    # the trace has nnz only: the support is right from the last change of nnz on,
    # checked against the final x (active_at: iteration of the last support change)
    k = float(res.active_set_identified_at)
    if nnz[-1] != support.sum():
        return np.inf
    return k


def claim4(runs, support, f_star, target, fast=10):
    """Prox-GS + matrix updates identify the support, then reach the target in <= fast its."""
    key = ("variable", "matrix", "gs")
    res, its, _, _ = runs[key]
    k_id = identification(res, support)
    ok = np.isfinite(k_id) and np.isfinite(its) and its - k_id <= fast
    lip = runs[("variable", "lipschitz", "gs")]
    return ok, (f"variable GS + matrix: support ({int(support.sum())} nonzeros) identified at "
                f"iteration {_fmt_its(k_id)}, target at {_fmt_its(its)} (need <= {fast} "
                f"after identification); with Lipschitz steps: identified at "
                f"{_fmt_its(identification(lip[0], support))}, target at {_fmt_its(lip[1])}")


# -- output --------------------------------------------------------------------
def _fmt_its(v):
    return "-" if not np.isfinite(v) else f"{int(v)}"


def print_table(name, runs, target):
    print(f"\n{name}: iterations (block updates) to f - f* <= {target:g} ('-': not within "
          "the budget), best f - f* reached, seconds")
    print("{:9} {:10} {:19} {:>9} {:>10} {:>7}".format("blocks", "update", "rule",
                                                       "its", "best gap", "time"))
    for (blocks, update, rule), (res, its, gap, t) in runs.items():
        print("{:9} {:10} {:19} {:>9} {:>10.2e} {:>7.2f}".format(
            blocks, update, rule, _fmt_its(its), gap, t))


def plot(name, runs, f_star, out, *, nnz=False):
    """One PNG per block type: f - f* vs iterations, one panel per update."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    for blocks in sorted({k[0] for k in runs}):
        updates = [u for u in UPDATES if any(k[0] == blocks and k[1] == u for k in runs)]
        rows = 2 if nnz else 1
        fig, axes = plt.subplots(rows, len(updates), figsize=(4.6 * len(updates), 3.8 * rows),
                                 squeeze=False)
        for j, update in enumerate(updates):
            ax = axes[0, j]
            for (b, u, rule), (res, *_rest) in runs.items():
                if b != blocks or u != update:
                    continue
                gap = res.trace["fun"] - f_star
                ax.plot(res.trace["nit"], np.where(gap > 0, gap, np.nan), label=rule, lw=1.4)
                if nnz:
                    axes[1, j].plot(res.trace["nit"], res.trace["nnz"], label=rule, lw=1.4)
            ax.set_yscale("log")
            ax.set_title(f"{name}: {blocks} blocks, {update}")
            ax.set_xlabel("iterations (block updates)")
            ax.set_ylabel("f(x) - f*")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=7)
            if nnz:
                axes[1, j].set_xlabel("iterations (block updates)")
                axes[1, j].set_ylabel("nonzeros")
                axes[1, j].grid(True, alpha=0.3)
        fig.tight_layout()
        path = os.path.join(out, f"{name}_{blocks}.png")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        files.append(path)
    return files


# -- experiments ----------------------------------------------------------------
SIZES = {
    # name: (problem size, iteration budget)
    "full": {"ls": ((1000, 250), 40_000), "logistic": ((500, 100), 3_000),
             "lattice": (50, 40_000), "lasso": ((1000, 250), 20_000)},
    "quick": {"ls": ((400, 100), 10_000), "logistic": ((200, 40), 1_000),
              "lattice": (20, 10_000), "lasso": ((400, 100), 5_000)},
    "tiny": {"ls": ((150, 40), 6_000), "logistic": ((100, 20), 600),
             "lattice": (12, 4_000), "lasso": ((150, 40), 3_000)},
}


def experiment_least_squares(size, budget, target, stop):
    prob, f_star = least_squares(*size)
    runs, f_star = run_all(prob, f_star, "ls", maxiter=budget, target=target, stop=stop)
    return runs, f_star


def experiment_logistic(size, budget, target, stop):
    prob, f_star = logistic(*size)
    runs, f_star = run_all(prob, f_star, "logistic", maxiter=budget, target=target, stop=stop)
    return runs, f_star


def experiment_lattice(m, budget, target, stop):
    prob, f_star = label_propagation(m)
    forest = [(("forest", "matrix", rule), dict(blocks="forest", update="matrix", rule=rule))
              for rule in ("cyclic", "gs")]
    runs, f_star = run_all(prob, f_star, "ls", maxiter=budget, target=target, stop=stop,
                           extra=forest)
    return runs, f_star


def experiment_lasso(size, budget, target, stop):
    prob, f_star, support = lasso(*size)
    runs, f_star = run_all(prob, f_star, "lasso", maxiter=budget, target=target, stop=stop)
    return runs, f_star, support


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/tmp/optkit_coordinate_rules")
    ap.add_argument("--quick", action="store_true", help="smaller problems and budgets")
    ap.add_argument("--target", type=float, default=1e-8)
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    sizes = SIZES["quick" if args.quick else "full"]
    stop = args.target * 1e-3
    t0 = time.perf_counter()
    # warm the JIT (compiled kernels are cached on disk after the first run)
    warm, fw = least_squares(60, 10)
    for _, o in configs("ls")[:1] + configs("ls")[-1:]:
        run(warm, o, fw, maxiter=20)
    claims = {}
    files = []

    size, budget = sizes["ls"]
    runs, f_star = experiment_least_squares(size, budget, args.target, stop)
    print_table(f"(a) least squares {size[0]}x{size[1]}", runs, args.target)
    files += plot("least_squares", runs, f_star, args.out)
    claims["(1) least squares"] = claim1(runs)
    claims["(2) least squares"] = claim2(runs, budget)

    size, budget = sizes["logistic"]
    runs, f_star = experiment_logistic(size, budget, args.target, stop)
    print_table(f"(b) logistic {size[0]}x{size[1]}", runs, args.target)
    files += plot("logistic", runs, f_star, args.out)
    claims["(1) logistic"] = claim1(runs)
    claims["(2) logistic"] = claim2(runs, budget)

    m, budget = sizes["lattice"]
    runs, f_star = experiment_lattice(m, budget, args.target, stop)
    print_table(f"(c) label propagation {m}x{m} lattice", runs, args.target)
    files += plot("label_propagation", runs, f_star, args.out)
    claims["(3) label propagation"] = claim3(runs, budget)

    size, budget = sizes["lasso"]
    runs, f_star, support = experiment_lasso(size, budget, args.target, stop)
    print_table(f"(d) L1 least squares {size[0]}x{size[1]}", runs, args.target)
    files += plot("lasso", runs, f_star, args.out, nnz=True)
    claims["(4) L1 least squares"] = claim4(runs, support, f_star, args.target)

    print("\nClaims of Nutini, Laradji & Schmidt (2022) in this run:")
    for name, (ok, why) in claims.items():
        print(f"  {name:26} {'HOLDS' if ok else 'FAILS'}  {why}")
    print("\nPlots:")
    for f in files:
        print("  " + f)
    print(f"total {time.perf_counter() - t0:.1f} s")
    return claims


if __name__ == "__main__":
    main()
