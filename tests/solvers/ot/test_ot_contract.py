"""The OT methods on the spine-v2 contract: structured iterate, oracle-only
counting, run state in the State (exact driver rollback), blocks from
``block_size``."""

from __future__ import annotations

import dataclasses
import math
import sys

import numpy as np
import pytest

import optkit
from optkit._core.registry import get_solver
from optkit.problems.ot import OTProblem, Potentials
from optkit.problems.synthetic import ot_point_clouds
from optkit.solvers.ot._common import OTOracle

OT_METHODS = ("sinkhorn", "sinkhorn-log", "sinkhorn-eps-scaling", "sns", "mirror-sinkhorn")
#: result keys that differ between a rolled-back run and a shorter one by design
NOT_COMPARED = {"status", "message", "success", "time", "trace", *OTOracle.count_names}


def _clouds(reg=1e-3, n=60, m=50, seed=4):
    a, b, M = ot_point_clouds(n, m, weights="random", seed=seed)
    return OTProblem(a, b, M, reg)


# -- the structured iterate -----------------------------------------------------------
@pytest.mark.parametrize("method", OT_METHODS)
def test_x_is_the_concatenation_and_f_g_are_fields(method):
    prob = _clouds(1e-2)
    res = optkit.minimize(prob, method=method, tol=1e-300, options={"maxiter": 30})
    assert res.f.shape == (60,) and res.g.shape == (50,)
    np.testing.assert_array_equal(res.x, np.concatenate([res.f, res.g]))


@pytest.mark.parametrize("method", OT_METHODS)
def test_start_as_a_pair_equals_the_flat_start(method):
    prob = _clouds(1e-2)
    rng = np.random.default_rng(0)
    f0, g0 = 0.01 * rng.standard_normal(60), 0.01 * rng.standard_normal(50)
    flat = optkit.minimize(prob, np.concatenate([f0, g0]), method, tol=1e-300,
                           options={"maxiter": 25})
    pair = optkit.minimize(prob, (f0, g0), method, tol=1e-300, options={"maxiter": 25})
    np.testing.assert_array_equal(pair.x, flat.x)
    np.testing.assert_array_equal(pair.plan, flat.plan)
    assert pair.fun == flat.fun and pair.nsweep == flat.nsweep


def test_as_start_copies_and_checks_lengths():
    prob = OTProblem([], [], np.ones((3, 2)), 0.1)
    f, g = np.zeros(3), np.zeros(2)
    start = prob.as_start((f, g))
    assert isinstance(start, Potentials)
    assert not np.shares_memory(start.f, f) and not np.shares_memory(start.g, g)
    flat = np.arange(5.0)
    start = prob.as_start(flat)
    np.testing.assert_array_equal(start.f, [0, 1, 2])
    np.testing.assert_array_equal(start.g, [3, 4])
    assert not np.shares_memory(start.f, flat)
    with pytest.raises(ValueError, match=r"must have length 5 = n \+ m .*got 4"):
        prob.as_start(np.zeros(4))
    with pytest.raises(ValueError, match=r"lengths \(3, 2\) = \(n, m\).*got \(2, 3\)"):
        prob.as_start((np.zeros(2), np.zeros(3)))
    with pytest.raises(ValueError, match="NaN or inf"):
        prob.as_start((np.zeros(3), np.array([0.0, np.nan])))


# -- counts: only the oracle writes them ----------------------------------------------
@pytest.mark.parametrize("method,options", [
    ("sinkhorn", {}), ("sinkhorn-log", {}), ("sinkhorn-eps-scaling", {}),
    ("sns", {}), ("sns", {"sparsify": "topk", "density": 0.1}), ("sns", {"dense_above": 0.0}),
    ("mirror-sinkhorn", {}), ("mirror-sinkhorn", {"objective": "entropic"})])
def test_only_oracle_methods_write_the_counters(monkeypatch, method, options):
    writers = set()
    plain = OTOracle.__setattr__

    def spy(self, name, value):
        if name in OTOracle.count_names:
            code = sys._getframe(1).f_code
            writers.add(code.co_qualname)
        plain(self, name, value)

    monkeypatch.setattr(OTOracle, "__setattr__", spy)
    res = optkit.minimize(_clouds(1e-3), method=method, tol=1e-12,
                          options={"maxiter": 400, **options})
    assert res.nsweep > 0
    assert writers and all(w.startswith(("OTOracle.", "Oracle.")) for w in writers), writers


def test_sns_counts_match_its_trace():
    """nhev = Newton steps, nhvp = the CG iterations the steps report, nfev >=
    one line-search trial per Newton step; every sweep is two per Sinkhorn
    iteration plus one per check/trial."""
    res = optkit.minimize(_clouds(1e-3), method="sns", tol=1e-12, options={"maxiter": 2000})
    assert res.status == 0
    tr = res.trace
    newton_rows = int(np.sum(tr["cg_iters"] > 0))
    assert res.nhev == newton_rows > 0
    assert res.nhvp == int(np.sum(tr["cg_iters"]))
    assert res.nfev >= res.nhev


# -- run state in the State: the driver's rollback is exact ----------------------------
def _poisoned(monkeypatch, method, at_step, kind):
    """Make the ``at_step``-th step (1-based) of ``method`` return a bad state
    after running in full (so any side effect of the step happens)."""
    cls = get_solver(method)
    real = cls.step
    calls = [0]

    def step(self, state, budget):
        new = real(self, state, budget)
        calls[0] += 1
        if calls[0] == at_step:
            if kind == "nonfinite":
                f, g = new.x
                new = dataclasses.replace(new, x=Potentials(f * math.nan, g), fun=math.nan)
            else:
                new = dataclasses.replace(new, failure="injected failure")
        return new

    monkeypatch.setattr(cls, "step", step)


def _assert_same_result(got, ref):
    keys = set(ref) - NOT_COMPARED
    assert keys == set(got) - NOT_COMPARED
    for key in sorted(keys):
        a, b = got[key], ref[key]
        if isinstance(b, np.ndarray) or isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=key)
        else:
            assert a == b or (a != a and b != b), key   # NaN == NaN for this purpose


def _rollback_check(monkeypatch, prob, method, at_step, kind, options):
    clean = optkit.minimize(prob, method=method, tol=1e-300, options=dict(options))
    nits = clean.trace["nit"]           # one row per step (record_every = 1)
    assert len(nits) > at_step
    with monkeypatch.context() as mp:
        _poisoned(mp, method, at_step, kind)
        got = optkit.minimize(prob, method=method, tol=1e-300, options=dict(options))
    assert got.status == (3 if kind == "nonfinite" else 5), got.message
    assert got.nit == nits[at_step - 1]
    ref = optkit.minimize(prob, method=method, tol=1e-300,
                          options={**options, "maxiter": int(nits[at_step - 1])})
    _assert_same_result(got, ref)
    return clean


@pytest.mark.parametrize("kind", ["nonfinite", "failure"])
def test_sns_rollback_equals_the_shorter_run_in_newton_phase_and_at_the_switch(
        monkeypatch, kind):
    prob = _clouds(1e-3)
    options = {"maxiter": 400}
    clean = optkit.minimize(prob, method="sns", tol=1e-300, options=options)
    phase = clean.trace["phase"]
    switch = int(np.argmax(phase == 1))        # the step that ends the warm-up
    assert 2 <= switch and len(phase) > switch + 3
    # the switching step, the first Newton step (its plan is not in the buffer yet),
    # and a later Newton step (whose line search overwrites the buffer of the
    # state the driver returns: its plan must be recomputed, equal)
    for at_step in (switch, switch + 1, switch + 3):
        _rollback_check(monkeypatch, prob, "sns", at_step, kind, options)


@pytest.mark.parametrize("check_every", [1, 7])
@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn-log", "sinkhorn-eps-scaling",
                                    "mirror-sinkhorn"])
def test_rollback_equals_the_shorter_run(monkeypatch, method, check_every):
    prob = _clouds(1e-2)
    _rollback_check(monkeypatch, prob, method, 4, "nonfinite",
                    {"maxiter": 60, "check_every": check_every})


def test_steps_and_result_fields_leave_the_solver_unchanged():
    prob = _clouds(1e-3)
    for method, options in (("sns", {}), ("sinkhorn", {}), ("sinkhorn-eps-scaling", {}),
                            ("mirror-sinkhorn", {"objective": "entropic"})):
        cls = get_solver(method)
        solver = cls(cls.Options(**options))
        x0 = prob.as_start(prob.x0)
        oracle = solver.make_oracle(prob, 110)
        state = solver.init(oracle, x0, 1e-12)
        before = dict(vars(solver))
        phases = set()
        for _ in range(40):
            state = solver.step(state, solver.block_size(state))
            phases.add(getattr(state, "phase", 0))
        solver.result_fields(state)
        after = vars(solver)
        assert after.keys() == before.keys(), method
        assert all(after[k] is before[k] for k in before), method
        assert method != "sns" or phases == {0, 1}


# -- blocks -------------------------------------------------------------------------
def test_sns_blocks_warmup_bounded_then_one_newton_step_per_step():
    res = optkit.minimize(_clouds(1e-3), method="sns", tol=1e-12,
                          options={"maxiter": 2000, "warmup_maxiter": 15, "check_every": 10,
                                   "switch_tol": 0.0, "stall_ratio": 1.0})
    assert res.status == 0
    nit, phase = res.trace["nit"], res.trace["phase"]
    # warm-up: a block of 10, then the 5 left of warmup_maxiter; Newton: 1 per step
    np.testing.assert_array_equal(nit[:3], [0, 10, 15])
    assert phase[1] == 0 and phase[2] == 1
    newton = np.flatnonzero(res.trace["cg_iters"] > 0)
    assert newton.size > 0 and np.all(np.diff(nit)[newton - 1] == 1)


def test_eps_scaling_stage_blocks_come_from_block_size():
    res = optkit.minimize(_clouds(1e-3), method="sinkhorn-eps-scaling", tol=1e-9,
                          options={"maxiter": 5000, "check_every": 10, "stage_maxiter": 15,
                                   "stage_tol": 1e-300, "factor": 0.5})
    nit, regs = res.trace["nit"], res.trace["reg"]
    # every intermediate stage runs exactly 15 iterations: blocks 10 + 5
    first = np.flatnonzero(regs == regs[1])
    np.testing.assert_array_equal(np.diff(nit[: first[-1] + 1]), [10, 5])
    assert regs[-1] == 1e-3
