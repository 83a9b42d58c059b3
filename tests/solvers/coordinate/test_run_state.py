"""Run state of the coordinate methods lives in the State.

Two checks per method and configuration whose run state changes during the
run (random rules: the generator; working sets: the working set, screening
mask, sizes and tolerances; mini-batches):

* rollback -- a non-finite value at step k (injected into the step's
  result, or returned by the user's gradient) gives exactly the result of a
  run stopped by maxiter after step k-1: x, fun and every result field;
* purity -- stepping twice from the same state gives bitwise the same new
  state (a generator or a mask kept on the solver would have advanced).
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

import optkit
from optkit._core.registry import get_solver
from optkit.problems import CompositeProblem, SmoothProblem
from optkit.problems.composite import L1, L1LogisticRegression, Lasso


def _lasso():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 120))
    y = X[:, :4] @ np.array([2.0, -1.0, 1.5, 0.5]) + 0.05 * rng.standard_normal(40)
    return Lasso(X, y, 0.05 * Lasso(X, y, 1.0).alpha_max())


def _logistic():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((80, 30))
    y = np.where(X[:, 0] - X[:, 1] + 0.3 * rng.standard_normal(80) > 0, 1.0, -1.0)
    return L1LogisticRegression(X, y, 0.01)


def _fractional():
    from optkit.problems.fractional import FractionalProblem, QuadraticDenominator

    rng = np.random.default_rng(2)
    M = rng.standard_normal((5, 5))
    A = M @ M.T / 5 + np.eye(5)
    b = 0.3 * rng.standard_normal(5)
    k = 0.5 * b @ np.linalg.solve(A, b) + 1.0          # f > 0
    den = QuadraticDenominator(-np.eye(5), beta=4.0)
    smooth = SmoothProblem(lambda x: 0.5 * x @ A @ x - b @ x + k, grad=lambda x: A @ x - b)
    return FractionalProblem(smooth, den, L1(0.2), lipschitz=np.diag(A))


CASES = {
    "bcd-random": ("bcd", _lasso, {"rule": "random", "seed": 5, "updates_per_step": 7}),
    "bcd-lipschitz-sampling": ("bcd", _logistic, {"rule": "lipschitz-sampling", "seed": 6,
                                                  "updates_per_step": 5}),
    "ws-lasso": ("ws-lasso", _lasso, {"working_set_size": 3}),
    "prox-newton-ws": ("prox-newton-ws", _logistic, {}),
    "cyclic-vr-bcd": ("cyclic-vr-bcd", _logistic, {"seed": 1, "batch_size": 20,
                                                   "epoch_length": 3,
                                                   "updates_per_step": 11}),
    "fractional-random": ("fractional-cd", _fractional, {"rule": "random", "seed": 3,
                                                        "updates_per_step": 2}),
}

_RUN_FIELDS = {"time", "trace", "message", "status", "success", "nit"}


def _equal(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if dataclasses.is_dataclass(a):
        return _equal(vars(a), vars(b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b, equal_nan=True)
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return a == b


@pytest.mark.parametrize("case", sorted(CASES))
def test_nonfinite_step_rolls_back_to_the_run_stopped_before(case, monkeypatch):
    method, make, options = CASES[case]
    cls = get_solver(method)
    original = cls.step
    k = 4
    calls = []

    def step(self, state, budget):
        new = original(self, state, budget)
        calls.append(new.advanced)
        if len(calls) == k:
            new = dataclasses.replace(new, fun=float("nan"))
        return new

    monkeypatch.setattr(cls, "step", step)
    bad = optkit.minimize(make(), method=method, tol=1e-300, options=options)
    monkeypatch.setattr(cls, "step", original)
    assert len(calls) == k and bad.status == 3
    assert bad.nit == sum(calls[:-1])
    ref = optkit.minimize(make(), method=method, tol=1e-300,
                          options=dict(options, maxiter=bad.nit))
    assert ref.status == 1 and ref.nit == bad.nit
    counts = set(ref.trace.columns) - {"nit", "time", "fun", "certificate"}
    fields = (set(ref) | set(bad)) - _RUN_FIELDS - counts
    assert {"x", "fun"} <= fields
    for field in fields:
        assert _equal(bad[field], ref[field]), field


@pytest.mark.parametrize("case", sorted(CASES))
def test_step_is_a_function_of_the_state(case):
    method, make, options = CASES[case]
    cls = get_solver(method)
    problem = make()
    opts = {k: v for k, v in options.items()}
    solver = cls(cls.Options(**opts))
    x0 = np.zeros(problem.dim if hasattr(problem, "dim") else problem.smooth.dim)
    oracle = solver.make_oracle(problem, x0.size)
    state = solver.init(oracle, x0, 1e-12)
    # from the states after one and two steps: both steps still change run state
    # (ws-lasso screens and shrinks its working set at the first, prox-newton-ws
    # tightens its inner tolerance at the second)
    for _ in range(2):
        state = solver.step(state, solver.block_size(state))
        before = copy.deepcopy(vars(state))
        a = copy.deepcopy(vars(solver.step(state, solver.block_size(state))))
        b = vars(solver.step(state, solver.block_size(state)))
        assert _equal(a, b)
        assert _equal(vars(state), before)       # the previous state is not mutated
        assert not np.array_equal(a["x"], state.x)   # the step did something


def test_bcd_random_rule_rolls_back_a_nan_from_the_gradient():
    """A NaN gradient of the user's smooth part at the 5th call (during step 4 of a
    random rule through the oracle model) returns the run stopped after step 3."""
    rng = np.random.default_rng(0)
    M = rng.standard_normal((6, 6))
    A = M @ M.T + np.eye(6)
    b = rng.standard_normal(6)
    opts = {"rule": "random", "seed": 11, "updates_per_step": 1, "lipschitz": np.diag(A)}

    def make(nan_at=None):
        calls = []

        def grad(x):
            calls.append(1)
            g = A @ x - b
            return g * np.nan if nan_at is not None and len(calls) >= nan_at else g

        smooth = SmoothProblem(lambda x: 0.5 * x @ A @ x - b @ x, grad=grad)
        return CompositeProblem(smooth, L1(0.1))

    # the 8th gradient call falls a few steps into the run (the oracle caches the
    # gradient of the last point)
    bad = optkit.minimize(make(nan_at=8), np.ones(6), method="bcd", tol=1e-300,
                          options=opts)
    assert bad.status == 3 and bad.nit >= 2
    ref = optkit.minimize(make(), np.ones(6), method="bcd", tol=1e-300,
                          options=dict(opts, maxiter=bad.nit))
    np.testing.assert_array_equal(bad.x, ref.x)
    assert bad.fun == ref.fun and bad.nnz == ref.nnz
    # and the run goes on from there as the uninterrupted run does
    full = optkit.minimize(make(), np.ones(6), method="bcd", tol=1e-300,
                           options=dict(opts, maxiter=bad.nit + 1))
    assert not np.array_equal(full.x, ref.x)
