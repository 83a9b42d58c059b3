"""Benchmark: GLM oracles of optkit against scikit-learn's loss/gradient code.

Times, for L2-regularized binary logistic regression,

* ``fun+grad``      one loss-and-gradient evaluation at a new point;
* ``grad+hvp new``  gradient plus one Hessian-vector product at a new point
                    (the per-point setup of a Newton-CG step);
* ``hvp same x``    one more Hessian-vector product at the same point (the
                    inner conjugate-gradient loop of Newton-CG);

on a9a (LIBSVM, through ``optkit.problems.libsvm.load``, files found through
``$OPTKIT_DATA_DIR``) and on a synthetic 20000 x 5000 CSR matrix of density
0.001. The peer is scikit-learn's ``LinearModelLoss`` with ``HalfBinomialLoss``
(the code behind ``LogisticRegression(solver="lbfgs" | "newton-cg")``); it is
private API, so its import is guarded and the table says when it is missing.

Both objectives are the *mean* loss plus ``mu/2 ||w||^2`` (sklearn's
LinearModelLoss divides by the sum of sample weights, i.e. n); the script
asserts that values, gradients and Hessian-vector products agree before it
times anything. Points alternate between two vectors so that optkit's
one-entry cache of ``X @ w`` cannot serve a "new point" from memory.

Times are medians over repeats, after a warm-up, in one process.

Usage::

    OPTKIT_DATA_DIR=/path/to/libsvm python benchmarks/glm_oracles.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import scipy
import scipy.sparse as sp

from optkit.problems.glm import LogisticRegression

try:  # private scikit-learn API: may move between releases
    import sklearn
    from sklearn._loss.loss import HalfBinomialLoss
    from sklearn.linear_model._linear_loss import LinearModelLoss

    SKLEARN_ERROR = None
except Exception as exc:  # pragma: no cover - depends on the installed version
    SKLEARN_ERROR = f"{type(exc).__name__}: {exc}"


def median_time(fn, repeats, inner):
    """Median over ``repeats`` of the mean time of ``inner`` calls of fn(i)."""
    for i in range(max(3, inner // 2)):  # warm-up
        fn(i)
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for i in range(inner):
            fn(i)
        samples.append((time.perf_counter() - t0) / inner)
    return statistics.median(samples)


def datasets(seed):
    out = []
    if os.environ.get("OPTKIT_DATA_DIR"):
        try:
            from optkit.problems import libsvm

            X, y = libsvm.load("a9a")
            out.append(("a9a", X, y))
        except Exception as exc:
            print(f"# a9a skipped: {type(exc).__name__}: {exc}")
    else:
        print("# a9a skipped: OPTKIT_DATA_DIR is not set")
    rng = np.random.default_rng(seed)
    n, d = 20000, 5000
    X = sp.random(n, d, density=0.001, format="csr", random_state=rng,
                  data_rvs=rng.standard_normal)
    w_true = rng.standard_normal(d)
    y = np.where(X @ w_true + 0.5 * rng.standard_normal(n) >= 0, 1.0, -1.0)
    out.append(("synthetic 20000x5000 csr", X, y))
    return out


def bench(name, X, y, repeats, seed):
    n, d = X.shape
    mu = 1.0 / n
    prob = LogisticRegression(X, y, mu)
    X = prob.X  # float64 CSR, the matrix both sides use
    rng = np.random.default_rng(seed)
    points = [0.3 * rng.standard_normal(d) for _ in range(2)]
    vecs = [rng.standard_normal(d) for _ in range(2)]
    inner = max(5, int(2e6 // (X.nnz + 10 * n)))

    rows = []

    # --- optkit
    def ok_fg(i):
        return prob.fun_and_grad(points[i % 2])

    def ok_gh(i):
        x = points[i % 2]
        prob.grad(x)
        return prob.hessp(x, vecs[i % 2])

    x_fixed = points[0]
    prob.hessp(x_fixed, vecs[0])

    def ok_hvp(i):
        return prob.hessp(x_fixed, vecs[i % 2])

    ok = {
        "fun+grad": median_time(ok_fg, repeats, inner),
        "grad+hvp new x": median_time(ok_gh, repeats, inner),
    }
    prob.hessp(x_fixed, vecs[0])
    ok["hvp same x"] = median_time(ok_hvp, repeats, inner)

    # --- scikit-learn
    sk = {}
    if SKLEARN_ERROR is None:
        lml = LinearModelLoss(base_loss=HalfBinomialLoss(), fit_intercept=False)
        y01 = np.ascontiguousarray((y > 0).astype(np.float64))
        # agreement of the objectives before timing
        for x, v in zip(points, vecs):
            f_sk, g_sk = lml.loss_gradient(x, X, y01, l2_reg_strength=mu)
            f_ok, g_ok = prob.fun_and_grad(x)
            assert abs(f_ok - f_sk) <= 1e-12 * abs(f_sk), (f_ok, f_sk)
            assert np.linalg.norm(g_ok - g_sk) <= 1e-12 * np.linalg.norm(g_sk)
            _, hessp_sk = lml.gradient_hessian_product(x, X, y01, l2_reg_strength=mu)
            hv_sk, hv_ok = hessp_sk(v), prob.hessp(x, v)
            assert np.linalg.norm(hv_ok - hv_sk) <= 1e-12 * np.linalg.norm(hv_sk)

        def sk_fg(i):
            return lml.loss_gradient(points[i % 2], X, y01, l2_reg_strength=mu)

        def sk_gh(i):
            _, hp = lml.gradient_hessian_product(points[i % 2], X, y01, l2_reg_strength=mu)
            return hp(vecs[i % 2])

        _, hp_fixed = lml.gradient_hessian_product(x_fixed, X, y01, l2_reg_strength=mu)

        def sk_hvp(i):
            return hp_fixed(vecs[i % 2])

        sk = {
            "fun+grad": median_time(sk_fg, repeats, inner),
            "grad+hvp new x": median_time(sk_gh, repeats, inner),
            "hvp same x": median_time(sk_hvp, repeats, inner),
        }
    for op in ok:
        rows.append((name, f"{n}x{d} nnz={X.nnz}", op, ok[op], sk.get(op)))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    print(f"# python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}"
          + (f", scikit-learn {sklearn.__version__}" if SKLEARN_ERROR is None else ""))
    print(f"# machine: {platform.machine()}, {os.cpu_count()} CPUs")
    if SKLEARN_ERROR is not None:
        print(f"# scikit-learn private LinearModelLoss unavailable ({SKLEARN_ERROR}): optkit only")
    else:
        print("# peer: sklearn.linear_model._linear_loss.LinearModelLoss(HalfBinomialLoss) "
              "[private API], n_threads=1; objectives checked equal to 1e-12 before timing")
    rows = []
    for name, X, y in datasets(args.seed):
        rows += bench(name, X, y, args.repeats, args.seed)

    head = f"{'data set':<26} {'shape':<24} {'oracle':<15} {'optkit ms':>10} {'sklearn ms':>11} {'ratio':>7}"
    print(head)
    print("-" * len(head))
    worst = 0.0
    for name, shape, op, t_ok, t_sk in rows:
        if t_sk is None:
            print(f"{name:<26} {shape:<24} {op:<15} {1e3 * t_ok:>10.3f} {'n/a':>11} {'n/a':>7}")
        else:
            ratio = t_ok / t_sk
            worst = max(worst, ratio)
            print(f"{name:<26} {shape:<24} {op:<15} {1e3 * t_ok:>10.3f} {1e3 * t_sk:>11.3f} "
                  f"{ratio:>7.2f}")
    if SKLEARN_ERROR is None:
        print(f"# ratio = optkit / sklearn (lower is better); worst ratio {worst:.2f} "
              f"(target <= 1.20)")


if __name__ == "__main__":
    main()
