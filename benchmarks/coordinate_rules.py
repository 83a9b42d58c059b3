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
(d) L1-regularized least squares (data of (a), alpha = 0.01 alpha_max):
    support identification (nonzeros vs iterations) and the convergence after
    it; here variable blocks of 50 (larger than the support) are added.
    bcd's own superlinear phase (option ``support_newton``, on by default with
    L1) is turned off for the rule comparison and shown as one extra row
    (``fixed+sn``: fixed blocks, GS-s, Lipschitz steps + support Newton).

Problem sizes are scaled down from the paper's (1000 x 10000) so that every
configuration runs to the target in the budget or visibly stalls, all in a
few minutes; n > d makes (a) and (d) strongly convex. The logistic problem
has a ridge mu = 1e-2 (the paper's n < d data are separable without it).
Fixed blocks are contiguous blocks of 5 of randomly ordered columns (the
paper also sorts them by Lipschitz constant); variable blocks are the 5
coordinates with the best per-coordinate scores (for coordinates GSL and GSD
scores coincide; GSQ adds coordinates greedily on the smooth quadratics and
falls back to the diagonal scores with a penalty or on the GLM). On
the GLM (logistic) variable blocks use bcd's working-set path: 'lipschitz'
and 'diagonal' are one Gauss-Seidel sweep of coordinate steps over the block,
'newton' sweeps of Newton coordinate steps to ``inner_tol``.

f* is exact for the quadratics (a), (c) (a linear solve), from scipy's
``trust-exact`` (gtol 1e-13) for (b), from bcd's working-set solver to a
duality gap <= 1e-12 for (d), each refined by the best value any run reaches.

Printed: a table with, per configuration, the iterations to reach
f - f* <= 1e-8 (``--target``; '-' if not reached within the budget, printed
with it) and the best f - f* reached; then whether each of the paper's claims
holds in this run, with the numbers the test used:

(1) GSQ / GSD >= GSL >= GS >= random / cyclic in progress per iteration
    (each rule with its own update: GSQ-matrix, GSD-diagonal, GSL, GS,
    random, cyclic with Lipschitz steps; fixed blocks; compared by iterations
    to the target, ties by the best f - f* within the budget);
(2) variable blocks + matrix updates beat fixed blocks + Lipschitz updates
    by a large factor (best of each; >= 10x fewer iterations, the budget
    standing for "not reached");
(3) on the lattice, forest blocks + message passing converge orders of
    magnitude faster per iteration than blocks of 5: when the forest run
    reaches the target, every block-of-5 run is still >= 100x the target
    away from f*;
(4) with L1, proximal GS (GS-s) with matrix updates on variable blocks larger
    than the support identifies the support, then reaches the target within
    2 iterations (superlinear convergence / finite termination).

PNG files (one per problem and block type, one panel per update, plus the
nonzeros for (d); matplotlib Agg) are written under ``--out``. One
iteration is one block update (``updates_per_step`` sets the trace
granularity, stated by the table's iteration counts).

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

import optkit  # noqa: E402
from optkit.problems import CompositeProblem, synthetic  # noqa: E402
from optkit.problems.glm import LeastSquares, LogisticRegression  # noqa: E402
from optkit.problems.composite import Lasso

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
    """(c): label propagation on an m x m lattice (optkit.problems.synthetic); (problem, f*)."""
    smooth, x_star = synthetic.label_propagation(m, frac, seed=seed)
    prob = CompositeProblem(smooth)
    return prob, float(prob.fun(x_star))


def lasso(n=1000, d=250, seed=0, frac=0.01):
    """(d): least squares of (a) + alpha ||x||_1 with alpha = frac * alpha_max.

    Returns (problem, f*, support of x*) with x* from the working-set solver
    ``ws-lasso`` run to a duality gap <= 1e-12 (the rounding floor is ~1e-14 here).
    """
    A, b = scaled_sparse_data(n, d, seed)
    prob = Lasso(A, b, 1.0)
    prob = Lasso(A, b, frac * prob.alpha_max())
    ref = optkit.minimize(prob, method="ws-lasso", tol=1e-12, options=dict(
        maxiter=10_000, trace=False))
    if not ref.success:
        raise RuntimeError("the Lasso reference solve did not converge: " + ref.message)
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


def _has_option(name):
    import dataclasses

    from optkit.solvers.coordinate.bcd import BCDOptions

    return name in {f.name for f in dataclasses.fields(BCDOptions)}


def configs(kind):
    """(label, options) of every rule x update x block type for a problem kind.

    With an L1 penalty, bcd's own superlinear phase (``support_newton``) is
    turned off: the rules and updates are compared as the paper defines them.
    """
    out = []
    matrix = "newton" if kind == "logistic" else "matrix"
    pure = {"support_newton": None} if kind == "lasso" and _has_option("support_newton") \
        else {}
    for blocks in ("fixed", "variable"):
        for update in UPDATES:
            for rule in (RULES if blocks == "fixed" else GREEDY):
                o = dict(rule=rule, update=update if update != "matrix" else matrix,
                         block_size=BLOCK_SIZE, seed=0, **pure)
                if blocks == "fixed":
                    o["blocks"] = "contiguous"
                else:
                    o["blocks"] = "variable"
                    if kind != "logistic":
                        o["gram"] = True       # the quadratic model: paper's VB updates
                out.append(((blocks, update, rule), o))
    return out


#: the configurations claim (1) compares: fixed blocks, each rule with its own update
CLAIM1_KEYS = (("fixed", "matrix", "gsq"), ("fixed", "diagonal", "gsd"),
               ("fixed", "lipschitz", "gsl"), ("fixed", "lipschitz", "gs"),
               ("fixed", "lipschitz", "random"), ("fixed", "lipschitz", "cyclic"))


def run_all(problem, f_star, kind, *, budgets, target, stop, rows=800, extra=(), only=None):
    """Run every configuration of ``kind`` (plus ``extra``: (key, options)).

    ``budgets[blocks]`` is the iteration budget of each block type; ``only``
    (keys) restricts the runs. Returns
    ``({key: [result, iterations to target, best gap, seconds]}, refined f*)``.
    """
    out = {}
    for key, o in list(configs(kind)) + list(extra):
        if only is not None and key not in only:
            continue
        t = time.perf_counter()
        maxiter = budgets.get(key[0], max(budgets.values()))
        res = run(problem, o, f_star, maxiter=maxiter, stop=stop, rows=rows)
        f_star = min(f_star, float(np.min(res.trace["fun"])))
        out[key] = [res, None, None, time.perf_counter() - t]
    for v in out.values():           # with the refined f*
        v[1] = iterations_to(v[0], f_star, target)
        v[2] = best_gap(v[0], f_star)
    return out, f_star


def gap_at(res, f_star, k):
    """f - f* at the last traced iteration <= k."""
    nit = res.trace["nit"]
    i = max(int(np.searchsorted(nit, k, side="right")) - 1, 0)
    return float(res.trace["fun"][i] - f_star)


# -- claims --------------------------------------------------------------------
def _metric(runs, key):
    """(iterations to target, best gap): smaller is better, lexicographically."""
    _, its, gap, _ = runs[key]
    return (its, gap)


def claim1(runs):
    """GSQ/GSD >= GSL >= GS >= random/cyclic (fixed blocks, rules with their updates).

    Compared by iterations to the target, ties (e.g. neither reached it) by
    the best f - f* within the budget.
    """
    m = {key[2]: _metric(runs, key) for key in CLAIM1_KEYS}
    ok = bool(min(m["gsq"], m["gsd"]) <= m["gsl"] <= m["gs"]
              <= min(m["random"], m["cyclic"]))
    txt = ", ".join(f"{r} {_fmt_its(v[0])} ({v[1]:.1e})" for r, v in m.items())
    same = ", ".join(f"{k[2]} {_fmt_its(v[1])}" for k, v in runs.items()
                     if k[:2] == ("fixed", "matrix"))
    return ok, ("fixed blocks, its to target (best gap): " + txt
                + (f" [for information, all with matrix updates: {same}]" if same else ""))


def claim2(runs, factor=10.0):
    """Best variable + matrix vs best fixed + Lipschitz: >= factor x fewer iterations."""
    vkey = min((k for k in runs if k[0] == "variable" and k[1] == "matrix"),
               key=lambda k: _metric(runs, k))
    fkey = min((k for k in runs if k[0] == "fixed" and k[1] == "lipschitz"),
               key=lambda k: _metric(runs, k))
    var, fix = runs[vkey][1], runs[fkey][1]
    budget = runs[fkey][0].nit
    ratio = (fix if np.isfinite(fix) else budget) / var if np.isfinite(var) else 0.0
    ok = bool(np.isfinite(var) and ratio >= factor)
    return ok, (f"variable+matrix ({vkey[2]}) {_fmt_its(var)} its vs fixed+lipschitz "
                f"({fkey[2]}) {_fmt_its(fix)} (ratio {'>= ' if not np.isfinite(fix) else ''}"
                f"{ratio:.0f}, need {factor:g})")


def claim3(runs, f_star, target, factor=100.0):
    """Forest blocks vs every run with blocks of 5, per iteration.

    Holds when the forest reaches the target at iteration k_f and at k_f every
    block-of-5 run is still >= ``factor`` x the target away from f*.
    """
    fkey = min((k for k in runs if k[0] == "forest"), key=lambda k: _metric(runs, k))
    k_f = runs[fkey][1]
    if not np.isfinite(k_f):
        return False, "forest blocks did not reach the target"
    small = {k: gap_at(runs[k][0], f_star, k_f) for k in runs if k[0] != "forest"}
    skey = min(small, key=small.get)
    best_small = min((k for k in runs if k[0] != "forest"), key=lambda k: _metric(runs, k))
    ok = bool(small[skey] >= factor * target)
    per_it = {k: runs[k][0].nwork / max(runs[k][0].nit, 1) for k in (fkey, skey)}
    return ok, (f"forest ({fkey[2]}) reaches {target:g} at {_fmt_its(k_f)} its; there, the "
                f"best block-of-5 run ({'/'.join(skey)}) is at f - f* = {small[skey]:.1e} "
                f"(need >= {factor * target:g}); best block-of-5 reaches the target at "
                f"{_fmt_its(runs[best_small][1])} ({'/'.join(best_small)}, budget "
                f"{runs[best_small][0].nit if not np.isfinite(runs[best_small][1]) else ''}); "
                f"matrix entries read per iteration (nwork/nit): forest {per_it[fkey]:.0f}, "
                f"{'/'.join(skey)} {per_it[skey]:.0f}")


def identification(res, support):
    """Iteration from which the support of x stays that of x* (inf if never)."""
    if not np.array_equal(res.x != 0, support):
        return np.inf
    return float(res.active_set_identified_at)


def contraction(res, f_star, stop_at):
    """Successive ratios (f_{k+1} - f*) / (f_k - f*) up to the first gap <= stop_at."""
    gap = np.maximum(res.trace["fun"] - f_star, 0.0)
    end = np.flatnonzero(gap <= stop_at)
    gap = gap[:end[0] + 1] if end.size else gap
    return gap[1:] / np.maximum(gap[:-1], 1e-300)


def claim4(runs, support, f_star, target, fast=2):
    """With blocks >= the support, prox-GS + matrix updates terminate right after identification.

    Holds when GS-s with variable blocks of 50 and matrix updates identifies
    the support of x* at iteration k_id and reaches the target by
    k_id + ``fast`` (finite termination / superlinear convergence), while
    the same blocks with Lipschitz steps need many more iterations.
    """
    res, its, _, _ = runs[("variable-50", "matrix", "gs")]
    k_id = identification(res, support)
    ok = bool(np.isfinite(k_id) and np.isfinite(its) and its - k_id <= fast)
    q = contraction(res, f_star, target)
    lip = runs[("variable-50", "lipschitz", "gs")]
    five = runs[("variable", "matrix", "gs")]
    return ok, (f"variable blocks of 50, GS-s + matrix: support ({int(support.sum())} "
                f"nonzeros) identified at iteration {_fmt_its(k_id)}, f - f* <= {target:g} at "
                f"{_fmt_its(its)} (need <= {fast} its later); contraction factors "
                + " ".join(f"{v:.0e}" for v in q) +
                f"; Lipschitz steps: identified at {_fmt_its(identification(lip[0], support))}"
                f", target at {_fmt_its(lip[1])}; blocks of 5 + matrix: identified at "
                f"{_fmt_its(identification(five[0], support))}, target at "
                f"{_fmt_its(five[1])}" + _sn_note(runs))


def _sn_note(runs):
    if ("fixed+sn", "lipschitz", "gs") not in runs:
        return ""
    return (f"; fixed GS-s + Lipschitz with bcd's support_newton: target at "
            f"{_fmt_its(runs[('fixed+sn', 'lipschitz', 'gs')][1])}, without: "
            f"{_fmt_its(runs[('fixed', 'lipschitz', 'gs')][1])}")


# -- output --------------------------------------------------------------------
def _fmt_its(v):
    return "-" if not np.isfinite(v) else f"{int(v)}"


def print_table(name, runs, target):
    print(f"\n{name}: iterations (block updates) to f - f* <= {target:g} ('-': not within "
          "the budget), best f - f* reached, seconds", flush=True)
    print("{:11} {:10} {:19} {:>7} {:>9} {:>10} {:>6}".format(
        "blocks", "update", "rule", "budget", "its", "best gap", "time"))
    for (blocks, update, rule), (res, its, gap, t) in runs.items():
        print("{:11} {:10} {:19} {:>7} {:>9} {:>10.2e} {:>6.2f}".format(
            blocks, update, rule, res.nit if not np.isfinite(its) else "", _fmt_its(its),
            gap, t), flush=True)


def plot(name, runs, f_star, out, *, nnz=False):
    """One PNG per block type: f - f* vs iterations, one panel per update."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    for blocks in dict.fromkeys(k[0] for k in runs):
        updates = [u for u in UPDATES if any(k[0] == blocks and k[1] == u for k in runs)]
        nrows = 2 if nnz else 1
        fig, axes = plt.subplots(nrows, len(updates), figsize=(4.6 * len(updates), 3.8 * nrows),
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
            if blocks == "forest":         # the small-block runs it is compared with
                for (b, u, rule), (res, *_rest) in runs.items():
                    if b != "forest" and u == "matrix" and rule in ("cyclic", "gsq"):
                        gap = res.trace["fun"] - f_star
                        ax.plot(res.trace["nit"], np.where(gap > 0, gap, np.nan), ls="--",
                                lw=1.2, label=f"{b} blocks of {BLOCK_SIZE}, {rule}")
                ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"{name}: {blocks} blocks, {update}", fontsize=9)
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
#: problem sizes and iteration budgets per block type
SIZES = {
    "full": {"ls": ((1000, 250), {"fixed": 40_000, "variable": 40_000}),
             "logistic": ((400, 60), {"fixed": 2_000, "variable": 2_000}),
             "lattice": (50, {"fixed": 10_000, "variable": 2_000, "forest": 2_000}),
             "lasso": ((1000, 250), {"fixed": 5_000, "variable": 5_000, "variable-50": 5_000})},
    "quick": {"ls": ((400, 100), {"fixed": 10_000, "variable": 10_000}),
              "logistic": ((200, 30), {"fixed": 800, "variable": 800}),
              "lattice": (50, {"fixed": 3_000, "variable": 600, "forest": 2_000}),
              "lasso": ((400, 100), {"fixed": 3_000, "variable": 3_000,
                                      "variable-50": 3_000})},
}


def experiment_least_squares(size, budgets, target, stop):
    prob, f_star = least_squares(*size)
    return run_all(prob, f_star, "ls", budgets=budgets, target=target, stop=stop)


def experiment_logistic(size, budgets, target, stop):
    prob, f_star = logistic(*size)
    return run_all(prob, f_star, "logistic", budgets=budgets, target=target, stop=stop)


def experiment_lattice(m, budgets, target, stop):
    prob, f_star = label_propagation(m)
    forest = [(("forest", "matrix", rule), dict(blocks="forest", update="matrix", rule=rule))
              for rule in ("cyclic", "gs")]
    return run_all(prob, f_star, "ls", budgets=budgets, target=target, stop=stop,
                   extra=forest, rows=2000)


def experiment_lasso(size, budgets, target, stop):
    prob, f_star, support = lasso(*size)
    pure = {"support_newton": None} if _has_option("support_newton") else {}
    big = [(("variable-50", update, "gs"), dict(rule="gs", update=update, blocks="variable",
                                                 block_size=50, gram=True, **pure))
           for update in UPDATES]
    if pure:        # bcd's Newton steps on the identified support (its default with L1)
        big.append((("fixed+sn", "lipschitz", "gs"),
                    dict(rule="gs", update="lipschitz", blocks="contiguous",
                         block_size=BLOCK_SIZE, support_newton=2)))
    runs, f_star = run_all(prob, f_star, "lasso", budgets=budgets, target=target, stop=stop,
                           rows=max(budgets.values()), extra=big)
    return runs, f_star, support


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/tmp/optkit_coordinate_rules")
    ap.add_argument("--quick", action="store_true", help="smaller problems and budgets")
    ap.add_argument("--target", type=float, default=1e-8)
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    sizes = SIZES["quick" if args.quick else "full"]
    target = args.target
    stop = target * 1e-3
    t0 = time.perf_counter()
    # compile the kernels first (numba caches them on disk afterwards)
    warm, fw = least_squares(60, 10)
    for _, o in configs("ls"):
        run(warm, o, fw, maxiter=10)
    claims = {}
    files = []

    size, budgets = sizes["ls"]
    runs, f_star = experiment_least_squares(size, budgets, target, stop)
    print_table(f"(a) least squares, n x d = {size[0]} x {size[1]}", runs, target)
    files += plot("least_squares", runs, f_star, args.out)
    claims["(1) least squares"] = claim1(runs)
    claims["(2) least squares"] = claim2(runs)

    size, budgets = sizes["logistic"]
    runs, f_star = experiment_logistic(size, budgets, target, stop)
    print_table(f"(b) logistic regression, n x d = {size[0]} x {size[1]}", runs, target)
    files += plot("logistic", runs, f_star, args.out)
    claims["(1) logistic"] = claim1(runs)
    claims["(2) logistic"] = claim2(runs)

    m, budgets = sizes["lattice"]
    runs, f_star = experiment_lattice(m, budgets, target, stop)
    print_table(f"(c) label propagation, {m} x {m} lattice", runs, target)
    files += plot("label_propagation", runs, f_star, args.out)
    claims["(3) label propagation"] = claim3(runs, f_star, target)

    size, budgets = sizes["lasso"]
    runs, f_star, support = experiment_lasso(size, budgets, target, stop)
    print_table(f"(d) L1 least squares, n x d = {size[0]} x {size[1]}", runs, target)
    files += plot("lasso", runs, f_star, args.out, nnz=True)
    claims["(4) L1 least squares"] = claim4(runs, support, f_star, target)

    print("\nClaims of Nutini, Laradji & Schmidt (2022) in this run:")
    for name, (ok, why) in claims.items():
        print(f"  {name:22} {'HOLDS' if ok else 'FAILS'}: {why}")
    print("\nPlots:")
    for f in files:
        print("  " + f)
    print(f"total {time.perf_counter() - t0:.1f} s")
    return claims


if __name__ == "__main__":
    main()
