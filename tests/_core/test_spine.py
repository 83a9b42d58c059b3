"""Spine v2: the contract pieces every family builds on, tested with small
solvers run straight through the driver (none of them is registered).

* the driver owns blocks: ``step(state, budget)`` with ``budget =
  min(block_size, iterations left)``, a step past its budget is an error;
* ``tol`` reaches ``init``; a declared stall rule is applied by the driver;
* structured iterates (a NamedTuple of arrays) through the guard, the
  callbacks and the result;
* rollback restores a run stopped before the failing step;
* oracles declare their counters as data.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np
import pytest

from optkit import Status
from optkit._core import driver, iterate
from optkit._core.options import DriverOptions
from optkit._core.oracle import CountedSmoothOracle, Oracle
from optkit._core.solver import Solver, State
from optkit.problems import SmoothProblem


class CountingOracle(Oracle):
    count_names = ("nfev", "nstep")

    def __init__(self, problem, dim):
        super().__init__()
        self.problem = problem

    def tick(self, k):
        self.nfev += 1
        self.nstep += k


def _run(solver, x0=None, tol=1e-12, callback=None, **driver_options):
    x0 = np.zeros(3) if x0 is None else x0
    return driver.run(solver, SmoothProblem(lambda x: 0.0), x0, tol=tol,
                      driver_options=DriverOptions(**driver_options), callback=callback)


@dataclasses.dataclass(kw_only=True)
class CountdownState(State):
    left: float


class Countdown(Solver):
    """f = remaining distance, which a step of k iterations shrinks by k."""

    name = "countdown"
    block = 7

    def make_oracle(self, problem, dim):
        return CountingOracle(problem, dim)

    def init(self, oracle, x0, tol):
        self.oracle, self.seen_tol, self.budgets = oracle, tol, []
        return CountdownState(x=x0, fun=100.0, left=100.0)

    def block_size(self, state):
        return self.block

    def step(self, state, budget):
        self.budgets.append(budget)
        self.oracle.tick(budget)
        left = state.left - budget
        return CountdownState(x=state.x + budget, fun=left, left=left, advanced=budget)

    def certificate(self, state):
        return state.left


def test_budget_is_the_block_clamped_to_the_iterations_left():
    solver = Countdown()
    res = _run(solver, maxiter=24)
    assert solver.budgets == [7, 7, 7, 3]
    assert res.nit == 24 and res.status == Status.MAXITER
    np.testing.assert_array_equal(res.x, np.full(3, 24.0))
    assert res.nstep == 24 and res.nfev == 4                 # counts declared as data
    assert list(res.trace["nstep"]) == [0, 7, 14, 21, 24]


def test_tol_reaches_init():
    solver = Countdown()
    _run(solver, tol=0.125, maxiter=1)
    assert solver.seen_tol == 0.125


def test_a_step_past_its_budget_is_an_error():
    class Greedy(Countdown):
        def step(self, state, budget):
            return dataclasses.replace(super().step(state, budget), advanced=budget + 1)

    with pytest.raises(RuntimeError, match="budget"):
        _run(Greedy(), maxiter=10)


def test_methods_without_blocks_get_budget_one():
    class One(Countdown):
        block_size = Solver.block_size          # the default: one iteration per step

    solver = One()
    res = _run(solver, maxiter=5)
    assert solver.budgets == [1] * 5 and res.nit == 5


class Stuck(Countdown):
    """Decreases f for three steps, then stays put: a rounding floor."""

    def stall_window(self):
        return 4

    def step(self, state, budget):
        new = super().step(state, 1)
        if state.left <= 97:
            new = dataclasses.replace(new, fun=state.fun, left=state.left)
        return new


def test_declared_stall_rule_stops_with_status_5_at_the_previous_state():
    res = _run(Stuck(), maxiter=100)
    assert res.status == Status.FAILURE
    assert "rounding floor" in res.message and "4 iterations" in res.message
    # 3 decreasing steps, then 4 stalled ones; the 4th is rolled back
    assert res.nit == 6
    np.testing.assert_array_equal(res.x, np.full(3, 6.0))


def test_no_stall_rule_by_default():
    class StuckForever(Stuck):
        stall_window = Solver.stall_window

    res = _run(StuckForever(), maxiter=30)
    assert res.status == Status.MAXITER and res.nit == 30


# -- structured iterates ---------------------------------------------------------
class Pair(NamedTuple):
    x: np.ndarray
    y: np.ndarray


class Factors(NamedTuple):
    U: np.ndarray
    V: np.ndarray


@dataclasses.dataclass(kw_only=True)
class PairState(State):
    k: int = 0


class Halving(Solver):
    """Halves every part of a structured iterate; f = sum of squares."""

    name = "halving"
    nan_at = None

    def init(self, oracle, x0, tol):
        return self._state(x0, 0)

    def _state(self, z, k):
        return PairState(x=z, fun=float(sum(np.sum(p ** 2) for p in z)), k=k)

    def step(self, state, budget):
        z = type(state.x)(*(0.5 * p for p in state.x))
        if state.k + 1 == self.nan_at:
            z[-1].flat[0] = np.nan
        new = self._state(z, state.k + 1)
        return dataclasses.replace(new, fun=new.fun if np.isfinite(new.fun) else 1.0)

    def certificate(self, state):
        return state.fun


def test_structured_iterate_result_exposes_parts_by_name():
    z0 = Pair(np.ones(3), np.full(2, 2.0))
    res = _run(Halving(), z0, maxiter=3)
    np.testing.assert_array_equal(res.x, np.full(3, 0.125))      # the part named x
    np.testing.assert_array_equal(res.y, np.full(2, 0.25))
    np.testing.assert_array_equal(z0.x, np.ones(3))              # x0 untouched


def test_structured_iterate_without_x_part_flattens_for_scipy_code():
    z0 = Factors(np.ones((2, 2)), np.ones((3, 2)))
    res = _run(Halving(), z0, maxiter=1)
    assert res.x.shape == (10,) and np.all(res.x == 0.5)
    assert res.U.shape == (2, 2) and res.V.shape == (3, 2)


def test_nonfinite_part_is_caught_and_rolled_back():
    solver = Halving()
    solver.nan_at = 3
    res = _run(solver, Factors(np.ones((2, 2)), np.ones((3, 2))), maxiter=10)
    assert res.status == Status.NONFINITE and "x has non-finite entries" in res.message
    assert res.nit == 2 and np.all(res.V == 0.25)


def test_callbacks_receive_copies_of_structured_iterates():
    legacy, modern = [], []
    _run(Halving(), Pair(np.ones(3), np.ones(2)), maxiter=2, callback=legacy.append)
    _run(Halving(), Pair(np.ones(3), np.ones(2)), maxiter=2,
         callback=lambda intermediate_result: modern.append(intermediate_result))
    assert all(isinstance(x, np.ndarray) and x.shape == (3,) for x in legacy)
    assert not np.shares_memory(legacy[0], legacy[1])
    assert modern[-1].y.shape == (2,) and modern[-1].nit == 2


def test_iterate_helpers():
    z = Pair(np.array([1.0, np.inf]), np.zeros(2))
    assert iterate.is_structured(z) and not iterate.is_structured(np.zeros(2))
    assert not iterate.all_finite(z) and iterate.all_finite(np.zeros(2))
    assert iterate.size(z) == 4 and iterate.size(np.zeros(5)) == 5
    c = iterate.copy(z)
    assert type(c) is Pair and not np.shares_memory(c.x, z.x)
    # an overflowing sum of finite entries is still finite
    with np.errstate(over="ignore"):
        assert iterate.all_finite(np.array([1e308, 1e308]))


# -- rollback ----------------------------------------------------------------------
class Leaky(Countdown):
    """Keeps run state on the solver: what the spine forbids. The driver's
    rollback then cannot restore ``result_fields``; this shows the contract
    test's comparison (tests/test_contract.py) detects such a method."""

    block_size = Solver.block_size

    def init(self, oracle, x0, tol):
        self.steps_taken = 0
        return super().init(oracle, x0, tol)

    def step(self, state, budget):
        self.steps_taken += 1
        new = super().step(state, budget)
        return dataclasses.replace(new, fun=np.nan) if self.steps_taken == 4 else new

    def result_fields(self, state):
        return {"steps_taken": self.steps_taken}


def test_rollback_of_solver_held_state_is_detectable():
    rolled_back = _run(Leaky(), maxiter=50)
    stopped = _run(Leaky(), maxiter=rolled_back.nit)
    assert rolled_back.status == Status.NONFINITE and rolled_back.nit == 3
    np.testing.assert_array_equal(rolled_back.x, stopped.x)
    assert rolled_back.steps_taken != stopped.steps_taken


# -- oracles -------------------------------------------------------------------------
def test_oracle_counts_are_derived_from_declared_names():
    o = CountingOracle(None, 3)
    assert o.counts() == (0, 0)
    o.tick(5)
    assert o.counts() == (1, 5) and o.count_dict() == {"nfev": 1, "nstep": 5}


def test_oracle_counter_may_be_a_property_of_a_part():
    class WithPart(CountedSmoothOracle):
        count_names = CountedSmoothOracle.count_names + ("nmatvec",)

        @property
        def nmatvec(self):
            return 42

    o = WithPart(SmoothProblem(lambda x: 0.0, grad=lambda x: x), 2)
    assert o.counts() == (0, 0, 0, 0, 42)


def test_oracle_refuses_repeated_counter_names():
    with pytest.raises(TypeError, match="repeats"):
        type("Bad", (Oracle,), {"count_names": ("nfev", "nfev")})


# -- families register themselves ---------------------------------------------------------
def test_families_come_from_problem_classes_and_methods():
    from optkit._core import registry
    from optkit.problems import CompositeProblem, LMOProblem, OTProblem

    assert set(registry.families()) >= {"smooth", "composite", "lmo", "ot", "fractional"}
    assert registry.family_problem("lmo") is LMOProblem
    assert registry.family_problem("ot") is OTProblem
    assert registry.family_problem("composite") is CompositeProblem
    for family in registry.families():
        cls = registry.family_problem(family)
        assert registry.get_solver(cls.default_method).family == family
    with pytest.raises(ValueError, match="family 'nope'"):
        registry.family_problem("nope")


def test_a_new_problem_family_registers_by_declaring_it(monkeypatch):
    from optkit._core import registry
    from optkit.problems import Problem

    monkeypatch.setattr(registry, "_FAMILIES", dict(registry._FAMILIES))

    class GameProblem(Problem):
        family = "toy-game"
        default_method = None

    class BiggerGame(GameProblem):              # a subclass does not replace the founder
        family = "toy-game"

    assert registry.family_problem("toy-game") is GameProblem
    assert "toy-game" in registry.families(with_methods=False)
    assert "toy-game" not in registry.families()      # no method yet
    import optkit
    with pytest.raises(ValueError, match="`method` is required"):
        optkit.minimize(BiggerGame(x0=np.zeros(2)))


def test_callables_become_the_family_problem_of_the_method():
    import optkit
    from optkit.problems.sets import Simplex

    c = np.array([0.2, 0.5, 0.3])
    res = optkit.minimize(lambda x: 0.5 * (x - c) @ (x - c), np.full(3, 1 / 3), "fw-away",
                          jac=lambda x: x - c, tol=1e-10, options={"lmo": Simplex()})
    np.testing.assert_allclose(res.x, c, atol=1e-8)
    with pytest.raises(ValueError, match="needs the feasible set"):
        optkit.minimize(lambda x: x @ x, np.ones(3), "fw", jac=lambda x: 2 * x)
    # a family that needs a problem object says which
    with pytest.raises(ValueError, match="pass a OTProblem object"):
        optkit.minimize(lambda x: x @ x, np.ones(3), "sinkhorn", jac=lambda x: 2 * x)
    with pytest.raises(ValueError, match="pass a CompositeProblem object"):
        optkit.minimize(lambda x: x @ x, np.ones(3), "bcd", jac=lambda x: 2 * x)


def test_default_method_is_declared_by_the_problem_class():
    import optkit
    from optkit.problems import Lasso

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 5)), rng.standard_normal(30)
    res = optkit.minimize(Lasso(X, y, alpha=0.1))
    assert res.method == Lasso.default_method == "bcd"
    res = optkit.minimize(lambda x: x @ x, np.ones(2), jac=lambda x: 2 * x)
    assert res.method == "fgm"
