"""Iterates pinned before the spine-v2 refactor: every registered method must
keep producing them.

``tests/data/pinned_iterates.npz`` was written by this file
(``python tests/test_pinned_iterates.py``) on the commit before the spine-v2
refactor (94e00bc). Each case runs a method for a few iterations (``maxiter``)
on a small problem and pins ``x``, ``fun`` and ``nit``. A refactor of the
spine must not change them: bitwise where no arithmetic was reordered, else
within ``RTOL`` relative (and ``ATOL`` absolute for entries that are zero).

Regenerate only for an intended change of a method's iterates, and say so in
the commit message.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import optkit

from conftest import random_spd

PINNED = os.path.join(os.path.dirname(__file__), "data", "pinned_iterates.npz")
RTOL, ATOL = 1e-12, 1e-14
STEPS = (1, 3, 10)


def _quadratic(d=6, kappa=50.0, seed=0):
    A, b = random_spd(d, kappa, seed)
    return dict(fun=lambda x: 0.5 * x @ A @ x - b @ x, jac=lambda x: A @ x - b,
                hess=lambda x: A.copy(), hessp=lambda x, p: A @ p, x0=np.ones(d))


def _rosenbrock():
    from scipy.optimize import rosen, rosen_der, rosen_hess, rosen_hess_prod
    return dict(fun=rosen, jac=rosen_der, hess=rosen_hess, hessp=rosen_hess_prod,
                x0=np.array([-1.2, 1.0, -0.5, 0.8]))


def _composite_l1(d=6, kappa=20.0, seed=1, alpha=0.3):
    from optkit.problems import CompositeProblem, SmoothProblem
    from optkit.problems.composite import L1
    A, b = random_spd(d, kappa, seed)
    smooth = SmoothProblem(lambda x: 0.5 * x @ A @ x - b @ x, grad=lambda x: A @ x - b,
                           hess=lambda x: A.copy(), hessp=lambda x, p: A @ p)
    return CompositeProblem(smooth, L1(alpha)), np.ones(d)


def _lasso():
    from sklearn.datasets import load_diabetes
    from optkit.problems import Lasso
    X, y = load_diabetes(return_X_y=True)
    return Lasso(X, y, alpha=0.1)


def _l1_logistic():
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler
    from optkit.problems import L1LogisticRegression
    X, y = load_breast_cancer(return_X_y=True)
    return L1LogisticRegression(StandardScaler().fit_transform(X), y, alpha=0.01)


def _ot(n=7, m=5, reg=0.5, seed=3):
    from optkit.problems.ot import OTProblem
    rng = np.random.default_rng(seed)
    a, b = rng.random(n) + 0.1, rng.random(m) + 0.1
    return OTProblem(a / a.sum(), b / b.sum(), rng.random((n, m)), reg), np.zeros(n + m)


def _ot_clouds(n=60, m=50, reg=1e-2, seed=4):
    from optkit.problems.ot import OTProblem
    rng = np.random.default_rng(seed)
    xs, xt = rng.random((n, 2)), rng.random((m, 2))
    M = ((xs[:, None] - xt[None]) ** 2).sum(-1)
    return OTProblem([], [], M / M.max(), reg), np.zeros(n + m)


def _lmo_l1(d=4, kappa=5.0, seed=3):
    from optkit.problems import LMOProblem
    from optkit.problems.sets import L1Ball
    A, _ = random_spd(d, kappa, seed)
    b = A @ np.linspace(0.2, -0.1, d)
    return LMOProblem(lambda x: 0.5 * x @ A @ x - b @ x, lambda x: A @ x - b,
                      L1Ball(1.0).lmo), np.eye(d)[0]


def _lmo_simplex(seed=0):
    from optkit.problems import LMOProblem
    from optkit.problems.sets import Simplex
    rng = np.random.default_rng(seed)
    A, b = rng.standard_normal((40, 12)), rng.standard_normal(40)
    return LMOProblem(lambda x: 0.5 * np.sum((A @ x - b) ** 2), lambda x: A.T @ (A @ x - b),
                      Simplex()), np.full(12, 1 / 12)


def _fractional(d=5, kappa=10.0, seed=2, alpha=0.2):
    from optkit.problems import SmoothProblem
    from optkit.problems.composite import L1
    from optkit.problems.fractional import FractionalProblem, QuadraticDenominator
    A, b = random_spd(d, kappa, seed)
    b = 0.3 * b
    k = 0.5 * b @ np.linalg.solve(A, b) + 1.0
    den = QuadraticDenominator(-np.eye(d), beta=4.0)
    smooth = SmoothProblem(lambda x: 0.5 * x @ A @ x - b @ x + k, grad=lambda x: A @ x - b)
    return FractionalProblem(smooth, den, L1(alpha), lipschitz=np.diag(A)), np.zeros(d)


def _cases():
    """(case name, method, run(maxiter) -> OptimizeResult)."""
    cases = []

    def smooth_case(tag, make, method, options=None):
        def run(maxiter):
            p = make()
            return optkit.minimize(p["fun"], p["x0"], method, jac=p["jac"], hess=p["hess"],
                                   hessp=p["hessp"], tol=1e-300,
                                   options={**(options or {}), "maxiter": maxiter})
        cases.append((f"{method}/{tag}", method, run))

    def problem_case(tag, make, method, options=None, key=None):
        def run(maxiter):
            made = make()
            problem, x0 = made if isinstance(made, tuple) else (made, None)
            return optkit.minimize(problem, x0, method, tol=1e-300,
                                   options={**(options or {}), "maxiter": maxiter})
        cases.append((key or f"{method}/{tag}", method, run))

    for method in optkit.methods("smooth"):
        smooth_case("quadratic", _quadratic, method)
        smooth_case("rosenbrock", _rosenbrock, method)
    # the working-set methods were bcd's working_set=True modes when the iterates were
    # pinned: they keep those pins (keys bcd/lasso-ws, bcd/l1-logistic-ws) and take
    # only the problem of their loss
    working_set = {"ws-lasso": ("lasso-ws", _lasso),
                   "prox-newton-ws": ("l1-logistic-ws", _l1_logistic)}
    for method in optkit.methods("composite"):
        if method in working_set:
            continue
        problem_case("l1-quadratic", _composite_l1, method, {"updates_per_step": 1})
        problem_case("lasso", _lasso, method)
    problem_case("lasso-gsq", _lasso, "bcd", {"rule": "gs-q", "certificate": "gap"})
    for method, (tag, make) in working_set.items():
        problem_case(tag, make, method, key=f"bcd/{tag}")
    problem_case("l1-logistic", _l1_logistic, "bcd")
    for method in optkit.methods("ot"):
        problem_case("small", _ot, method, {"check_every": 1})
        problem_case("clouds", _ot_clouds, method)
    for method in optkit.methods("lmo"):
        problem_case("l1ball", _lmo_l1, method)
        problem_case("simplex", _lmo_simplex, method)
    for method in optkit.methods("fractional"):
        problem_case("concave", _fractional, method, {"updates_per_step": 1})
    return cases


CASES = _cases()


def _regenerate():
    out = {}
    for name, _, run in CASES:
        for k in STEPS:
            res = run(k)
            out[f"{name}@{k}/x"] = np.asarray(res.x, dtype=float).ravel()
            out[f"{name}@{k}/fun"] = np.array(res.fun)
            out[f"{name}@{k}/nit"] = np.array(res.nit)
    os.makedirs(os.path.dirname(PINNED), exist_ok=True)
    np.savez_compressed(PINNED, **out)
    print(f"wrote {len(out) // 3} pinned runs to {PINNED}")


@pytest.fixture(scope="module")
def pinned():
    with np.load(PINNED) as data:
        return dict(data)


@pytest.mark.parametrize("name,method,run", CASES, ids=[c[0] for c in CASES])
def test_iterates_unchanged(pinned, name, method, run):
    keys = [f"{name}@{k}/x" for k in STEPS]
    if not all(k in pinned for k in keys):
        pytest.fail(f"{name} has no pinned iterates: a method registered after the pin "
                    "needs its own regression test, not a new pin")
    for k in STEPS:
        res = run(k)
        tag = f"{name}@{k}"
        assert res.nit == pinned[f"{tag}/nit"], tag
        np.testing.assert_allclose(np.asarray(res.x, dtype=float).ravel(), pinned[f"{tag}/x"],
                                   rtol=RTOL, atol=ATOL, err_msg=tag)
        np.testing.assert_allclose(res.fun, pinned[f"{tag}/fun"], rtol=RTOL, atol=ATOL,
                                   err_msg=tag)


if __name__ == "__main__":
    sys.exit(_regenerate())
