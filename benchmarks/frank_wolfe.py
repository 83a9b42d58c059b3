"""Benchmark: optkit's Frank-Wolfe variants against cvxpy (Clarabel, SCS).

Three problems, one process, the same data for both sides:

1. least squares over the probability simplex, A 1000 x 2000 Gaussian;
2. least squares over an l1 ball (radius 0.8 ||x_true||_1, the constraint is
   active), same A;
3. matrix completion in a nuclear-norm ball, 1000 x 1000, rank 10, 10% of the
   entries observed (optkit only: cvxpy's SDP for a 1000 x 1000 nuclear norm
   does not fit this 2-core machine), and a scaled-down instance (``--mc-small``,
   default 60 x 60, rank 3, 30% observed) solved by both.

For each optkit variant: the time to reach a Frank-Wolfe gap <= 1e-6 |f*|
(``--rel-gap``), a certificate of f - f* <= 1e-6 |f*|. cvxpy solves the same
problem with tight tolerances; its accuracy is measured against the best
lower bound f - gap of the Frank-Wolfe runs, and its time (including
canonicalization, which cvxpy users pay) is reported with that accuracy.
The ratio column is cvxpy-Clarabel time / optkit time; "rel err" is
(f - lower bound)/|f*| (least squares: the lower bound is the best f - gap of
the Frank-Wolfe runs) or, for matrix completion, (f - best f)/f(0); "rel gap"
is the returned Frank-Wolfe gap on the same scale.

The least-squares objective is written the way a Frank-Wolfe user would
write it: iterates and directions are sparse (a few vertices), so ``A @ x``
and ``A @ d`` use only the columns in their support, and the exact line
search of a quadratic is given as ``line_search``. The gradient ``A.T @ r``
is the one full product per iteration. The matrix-completion gradient is a
sparse matrix on the observed entries (memory linear in the observations plus
the dense iterate); the peak memory of the run is measured with tracemalloc.

Usage::

    python benchmarks/frank_wolfe.py [--quick] [--maxtime 30] [--skip-cvxpy-large]
                                     [--threads=1] [--mc-small 30]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc

# One BLAS thread unless told otherwise (--threads): on the shared 2-core machine,
# OpenBLAS threads spin against other processes and a 2000-entry dot product
# takes 1 ms instead of 20 us. Set before numpy is imported; cvxpy runs under the
# same setting.
_threads = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--threads=")), "1")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _threads)

import numpy as np
import scipy.sparse as sp

import optkit
from optkit.problems import LMOProblem
from optkit.problems.sets import L1Ball, NuclearNormBall, Simplex


class SparseIterateLeastSquares:
    """f(x) = 1/2 ||A x - b||^2 using the sparsity of Frank-Wolfe iterates."""

    def __init__(self, A, b):
        self.A = np.asfortranarray(A)        # contiguous columns for the sparse products
        self.b = b
        self._x = None
        self._r = None

    def _times(self, v):
        nz = np.flatnonzero(v)
        if nz.size < 0.25 * v.size:
            return self.A[:, nz] @ v[nz]
        return self.A @ v

    def residual(self, x):
        if self._x is None or not np.array_equal(x, self._x):
            self._x = x.copy()
            self._r = self._times(x) - self.b
        return self._r

    def fun_and_grad(self, x):
        r = self.residual(x)
        return 0.5 * float(r @ r), self.A.T @ r

    def line_search(self, x, d, gamma_max):
        r = self.residual(x)
        Ad = self._times(d)
        dd = float(Ad @ Ad)
        return gamma_max if dd == 0 else float(np.clip(-(r @ Ad) / dd, 0.0, gamma_max))


class MatrixCompletion:
    """f(X) = 1/2 sum_{(i,j) observed} (X_ij - M_ij)^2, sparse gradient."""

    def __init__(self, rows, cols, vals, shape):
        self.rows, self.cols, self.vals, self.shape = rows, cols, vals, shape
        self.flat = rows * shape[1] + cols
        # observations sorted by (row, col): the CSR layout, built once
        order = np.lexsort((cols, rows))
        self._order = order
        self._indices = cols[order].astype(np.int32)
        self._indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=shape[0]))]
                                      ).astype(np.int32)

    def fun_and_grad(self, x):
        r = x[self.flat] - self.vals
        G = sp.csr_matrix((r[self._order], self._indices, self._indptr), shape=self.shape)
        return 0.5 * float(r @ r), G

    def line_search(self, x, d, gamma_max):
        r = x[self.flat] - self.vals
        dO = d[self.flat]
        dd = float(dO @ dO)
        return gamma_max if dd == 0 else float(np.clip(-(r @ dO) / dd, 0.0, gamma_max))


def run_optkit(problem, method, tol, maxtime, extra=None):
    opts = {"step": "exact", "maxiter": 10_000_000, "maxtime": maxtime}
    opts.update(extra or {})
    t0 = time.perf_counter()
    res = optkit.minimize(problem, method=method, tol=tol, options=opts)
    return res, time.perf_counter() - t0


def run_cvxpy(build, solver, **kwargs):
    import cvxpy as cp

    prob = build()
    t0 = time.perf_counter()
    try:
        prob.solve(solver=solver, **kwargs)
    except (cp.error.SolverError, MemoryError) as exc:
        return None, time.perf_counter() - t0, f"{type(exc).__name__}"
    return prob.value, time.perf_counter() - t0, prob.status


def table(title, rows, lower, scale=None):
    print(f"\n{title}")
    print(f"{'solver':<22}{'time s':>9}{'iters':>8}{'nlmo':>8}{'f':>18}{'rel err':>10}"
          f"{'rel gap':>10}{'status':>10}{'clarabel/x':>12}")
    scale = abs(lower) if scale is None else scale
    t_clar = next((r["time"] for r in rows if r["name"] == "cvxpy-clarabel"
                   and r.get("f") is not None), None)
    for r in rows:
        f = r.get("f")
        if "f_err" in r:
            acc = r["f_err"]
        elif f is not None:
            acc = (f - lower) / scale
        else:
            acc = float("nan")
        ratio = (t_clar / r["time"]) if (t_clar and r["name"].startswith("optkit")) else None
        print(f"{r['name']:<22}{r['time']:>9.2f}{r.get('nit', ''):>8}{r.get('nlmo', ''):>8}"
              f"{(f if f is not None else float('nan')):>18.10g}{acc:>10.1e}"
              f"{(r['gap'] / scale if 'gap' in r else float('nan')):>10.1e}"
              f"{str(r['status'])[:9]:>10}{(f'{ratio:.1f}x' if ratio else ''):>12}")


def least_squares(A, b, cset, methods, rel_gap, maxtime, cvx_constraints, title,
                  skip_cvxpy=False):
    import cvxpy as cp

    ls = SparseIterateLeastSquares(A, b)
    problem = LMOProblem(fun_and_grad=ls.fun_and_grad, lmo=cset)
    f_scale = 0.5 * float(b @ b)
    # a first pass fixes the scale |f*| for the relative tolerance (not timed)
    pilot, _ = run_optkit(problem, "fw-pairwise", 1e-3 * f_scale, maxtime,
                          {"line_search": ls.line_search})
    tol = rel_gap * abs(pilot.fun)
    rows = []
    lower = -np.inf
    for method in methods:
        res, t = run_optkit(problem, method, tol, maxtime, {"line_search": ls.line_search})
        lower = max(lower, res.fun - res.gap)
        rows.append(dict(name=f"optkit {method}", time=t, nit=res.nit, nlmo=res.nlmo,
                         f=res.fun, gap=res.gap, status="ok" if res.success else res.status))
    if not skip_cvxpy:
        x = cp.Variable(A.shape[1])

        def build():
            return cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ x - b)), cvx_constraints(x))

        for name, solver, kw in [
                ("cvxpy-clarabel", "CLARABEL", dict(tol_gap_abs=1e-9, tol_gap_rel=1e-9,
                                                    tol_feas=1e-9)),
                ("cvxpy-scs", "SCS", dict(eps_abs=1e-7, eps_rel=1e-7, max_iters=200_000))]:
            f, t, status = run_cvxpy(build, solver, **kw)
            rows.append(dict(name=name, time=t, f=f, status=status))
    table(f"{title}   (tol: FW gap <= {rel_gap:g} |f*| = {tol:.3g}; lower bound "
          f"f* >= {lower:.10g})", rows, lower)
    return rows


def matrix_completion(m, n, rank, frac, methods, rel_gap, maxtime, seed, with_cvxpy,
                      title):
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((m, rank))
    V = rng.standard_normal((n, rank))
    nobs = int(frac * m * n)
    flat = rng.choice(m * n, size=nobs, replace=False)
    rows, cols = np.divmod(flat, n)
    vals = np.einsum("ij,ij->i", U[rows], V[cols]) + 0.01 * rng.standard_normal(nobs)
    # the nuclear norm of the rank-r truth, without forming it (QR of the factors)
    Ru = np.linalg.qr(U, mode="r")
    Rv = np.linalg.qr(V, mode="r")
    radius = 0.8 * np.linalg.svd(Ru @ Rv.T, compute_uv=False).sum()
    mc = MatrixCompletion(rows, cols, vals, (m, n))
    f_scale = 0.5 * float(vals @ vals)
    out = []
    lower = -np.inf
    for method in methods:
        extra = {"line_search": mc.line_search}
        if method == "fw-lazy":
            extra["cache_size"] = 10            # each cached vertex is a dense m x n atom

        def problem():
            return LMOProblem(fun_and_grad=mc.fun_and_grad,
                              lmo=NuclearNormBall(radius, (m, n)), x0=np.zeros(m * n))

        res, t = run_optkit(problem(), method, rel_gap * f_scale, maxtime, extra)
        # memory: a separate short run under tracemalloc (it slows numpy down)
        tracemalloc.start()
        run_optkit(problem(), method, rel_gap * f_scale, maxtime,
                   dict(extra, maxiter=30, trace=False))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        lower = max(lower, res.fun - res.gap)
        gaps = res.trace["certificate"] / f_scale
        times = res.trace["time"]
        reach = {g: (times[np.argmax(gaps <= g)] if np.any(gaps <= g) else None)
                 for g in (1e-2, 1e-3, 1e-4, 1e-6)}
        out.append(dict(name=f"optkit {method}", time=t, nit=res.nit, nlmo=res.nlmo,
                        f=res.fun, gap=res.gap, status="ok" if res.success else res.status,
                        peak_mb=peak / 2**20, reach=reach))
    if with_cvxpy:
        import cvxpy as cp

        X = cp.Variable((m, n))
        mask = np.zeros((m, n))
        mask[rows, cols] = 1.0
        Mobs = np.zeros((m, n))
        Mobs[rows, cols] = vals

        def build():
            return cp.Problem(cp.Minimize(0.5 * cp.sum_squares(cp.multiply(mask, X) - Mobs)),
                              [cp.normNuc(X) <= radius])

        for name, solver, kw in [
                ("cvxpy-clarabel", "CLARABEL", dict(tol_gap_abs=1e-9, tol_gap_rel=1e-9)),
                ("cvxpy-scs", "SCS", dict(eps_abs=1e-7, eps_rel=1e-7, max_iters=100_000))]:
            f, t, status = run_cvxpy(build, solver, **kw)
            out.append(dict(name=name, time=t, f=f, status=status))
    # errors relative to the best value found (cvxpy's when it ran), and to f(0)
    best = min(r["f"] for r in out if r.get("f") is not None)
    for r in out:
        if r.get("f") is not None:
            r["f_err"] = (r["f"] - best) / f_scale
    table(f"{title}   (tol: FW gap <= {rel_gap:g} * f(0) = {rel_gap * f_scale:.3g}; "
          f"nobs = {nobs}; lower bound f* >= {lower:.10g}; errors relative to f(0))",
          out, lower, f_scale)
    for r in out:
        if "reach" in r:
            reach = ", ".join(f"{g:g}: {'-' if t is None else f'{t:.2f}s'}"
                              for g, t in r["reach"].items())
            obs_mb = nobs * (8 + 8 + 8) / 2**20
            it_mb = m * n * 8 / 2**20
            print(f"  {r['name']}: time to gap/f(0) <= {{{reach}}}; peak traced memory "
                  f"{r['peak_mb']:.1f} MiB (observations {obs_mb:.1f} MiB, one dense "
                  f"iterate {it_mb:.1f} MiB)")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--threads", default="1", help="BLAS threads (use --threads=N)")
    ap.add_argument("--maxtime", type=float, default=30.0,
                    help="time limit of each optkit run in seconds")
    ap.add_argument("--rel-gap", type=float, default=1e-6)
    ap.add_argument("--mc-small", type=int, default=30)
    ap.add_argument("--skip-cvxpy-large", action="store_true",
                    help="skip cvxpy on the 1000 x 2000 least-squares problems")
    args = ap.parse_args()
    import cvxpy as cp

    print(f"BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}; "
          f"python {platform.python_version()}, numpy {np.__version__}, "
          f"cvxpy {cp.__version__}, optkit {optkit.__version__}, {platform.machine()}")
    m, n = (200, 400) if args.quick else (1000, 2000)
    rng = np.random.default_rng(0)
    A = rng.standard_normal((m, n))
    x_true = np.zeros(n)
    support = rng.choice(n, size=20, replace=False)
    x_true[support] = rng.random(20)
    x_true /= x_true.sum()
    b = A @ x_true + 0.1 * rng.standard_normal(m)
    methods = ["fw", "fw-away", "fw-pairwise", "fw-lazy"]

    # warm-up (imports, first calls) on a tiny instance
    least_squares(A[:20, :30], b[:20], Simplex(n=30), methods, 1e-3, 5.0,
                  lambda x: [x >= 0, cp.sum(x) == 1], "warm-up", skip_cvxpy=False)

    least_squares(A, b, Simplex(n=n), methods, args.rel_gap, args.maxtime,
                  lambda x: [x >= 0, cp.sum(x) == 1],
                  f"1. least squares over the simplex, A {m} x {n}",
                  skip_cvxpy=args.skip_cvxpy_large)
    x_true2 = 4.0 * x_true * np.sign(rng.standard_normal(n))
    b2 = A @ x_true2 + 0.1 * rng.standard_normal(m)
    x_ls_l1 = 0.8 * np.abs(x_true2).sum()
    least_squares(A, b2, L1Ball(x_ls_l1, n=n), methods, args.rel_gap, args.maxtime,
                  lambda x: [cp.norm(x, 1) <= x_ls_l1],
                  f"2. least squares over the l1 ball (r = {x_ls_l1:g}), A {m} x {n}",
                  skip_cvxpy=args.skip_cvxpy_large)
    k = args.mc_small
    matrix_completion(k, k, 3, 0.3, ["fw", "fw-lazy"], args.rel_gap, args.maxtime, 1, True,
                      f"3a. nuclear-norm matrix completion {k} x {k}, rank 3, 30% observed")
    big = 200 if args.quick else 1000
    matrix_completion(big, big, 10, 0.1, ["fw", "fw-lazy"], args.rel_gap, args.maxtime, 2,
                      False, f"3b. nuclear-norm matrix completion {big} x {big}, rank 10, "
                      "10% observed (optkit only)")


if __name__ == "__main__":
    main()
