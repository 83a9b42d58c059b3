"""The contract every registered method keeps, whatever its family.

Parametrized over the registry, so a new method is checked as soon as it is
registered, and its family is found from the registry: each family ships its
contract problem as ``tests/contract/<family>.py`` (``-`` -> ``_``).
"""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest
import scipy.optimize

import optkit
from optkit._core.registry import families, get_solver

ALL_METHODS = optkit.methods()


def _contract_module(family):
    try:
        return importlib.import_module(f"contract.{family.replace('-', '_')}")
    except ModuleNotFoundError:
        pytest.fail(f"family {family!r} has no contract problem: add "
                    f"tests/contract/{family.replace('-', '_')}.py with problem()")


@pytest.mark.parametrize("family", families())
def test_every_family_ships_a_contract_problem(family):
    module = _contract_module(family)
    made = module.problem()
    assert "x0" in made and ("problem" in made or "fun" in made)
    assert ("x_star" in made) or ("check" in made)


def _run(method, maxiter=None, callback=None, tol=None, **extra):
    """Run ``method`` on its family's contract problem.

    The family's ``tests/contract/<family>.py::problem()`` returns a dict with either
    ``problem`` (a problem object) or the smooth callables ``fun``/``jac``/
    ``hess``/``hessp``; ``x0``; ``x_star`` or ``check(res)``; ``counters``
    (result field -> Counter, the independent counts); optionally ``options``
    (extra method options for these runs), ``tol``, and ``overrides``
    ({method: {key: value}}) for a method whose guarantee is weaker than its
    family's (e.g. an O(1/sqrt(t)) method cannot reach the family's tol).
    """
    solver = get_solver(method)
    p = _contract_module(solver.family).problem()
    p.update(p.pop("overrides", {}).get(solver.name, {}))
    options = dict(p.get("options", {}))
    if maxiter is not None:
        options["maxiter"] = maxiter
    options.update(extra)
    tol = p.get("tol", 1e-10) if tol is None else tol
    x0 = p["x0"].copy()
    x0_before = x0.copy()
    if "problem" in p:
        res = optkit.minimize(p["problem"], x0, method, tol=tol, callback=callback,
                              options=options)
    else:
        kwargs = {"jac": p["jac"]}
        if "hess" in solver.requires or "hessp" in solver.requires:
            kwargs["hess"], kwargs["hessp"] = p["hess"], p["hessp"]
        res = optkit.minimize(p["fun"], x0, method, tol=tol, callback=callback,
                              options=options, **kwargs)
    return res, p, x0, x0_before


def test_registry_is_not_empty():
    assert {"gm", "fgm"} <= set(ALL_METHODS)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_result_fields_and_types(method):
    res, p, _, _ = _run(method, maxiter=2000)
    assert isinstance(res, scipy.optimize.OptimizeResult)
    assert isinstance(res, optkit.OptimizeResult)
    for field, kind in [("x", np.ndarray), ("fun", float), ("success", bool),
                        ("status", int), ("message", str), ("nit", int), ("nfev", int),
                        ("njev", int), ("nhev", int), ("nhvp", int), ("time", float),
                        ("method", str), ("certificate", float), ("trace", optkit.Trace)]:
        assert isinstance(res[field], kind), (field, type(res[field]))
    assert "jac" in res
    assert res.method == method
    assert res.status == 0 and res.success
    assert res.certificate <= p.get("tol", 1e-10)
    if "check" in p:
        p["check"](res)
    else:
        np.testing.assert_allclose(res.x, p["x_star"], rtol=0, atol=1e-8)
    assert res.message.startswith(optkit.STATUS_MESSAGES[optkit.Status.CONVERGED])
    arr = res.trace.to_numpy()
    assert arr.shape == (len(res.trace), len(res.trace.columns))
    assert arr[0, 0] == 0 and arr[-1, 0] == res.nit
    assert arr[-1, res.trace.columns.index("certificate")] == res.certificate


@pytest.mark.parametrize("method", ALL_METHODS)
def test_stopiteration_parity_with_maxiter(method):
    """scipy's own parity test: StopIteration at iteration 5 == maxiter=5."""
    seen = []

    def stop_at_5(intermediate_result):
        seen.append(intermediate_result.nit)
        if intermediate_result.nit == 5:
            raise StopIteration

    # a tolerance no method reaches, so that fast methods still run 5 iterations
    res_cb, *_ = _run(method, callback=stop_at_5, tol=1e-300)
    res_max, *_ = _run(method, maxiter=5, tol=1e-300)
    assert res_cb.status == 4 and res_max.status == 1
    assert res_cb.nit == res_max.nit == 5
    assert seen == [1, 2, 3, 4, 5]
    np.testing.assert_array_equal(res_cb.x, res_max.x)
    assert res_cb.fun == res_max.fun


@pytest.mark.parametrize("method", ALL_METHODS)
def test_counts_equal_a_counting_wrapper(method):
    res, p, _, _ = _run(method, maxiter=50)
    for field, counter in p["counters"].items():
        assert res[field] == counter.calls, field
        counts = res.trace[field]
        assert np.all(np.diff(counts) >= 0) and counts[-1] == res[field]


@pytest.mark.parametrize("method", ALL_METHODS)
def test_x0_not_mutated(method):
    res, _, x0, x0_before = _run(method, maxiter=20)
    np.testing.assert_array_equal(x0, x0_before)
    assert res.x is not x0


@pytest.mark.parametrize("method", ALL_METHODS)
def test_legacy_callback_receives_copies(method):
    xs = []
    res, *_ = _run(method, maxiter=3, callback=lambda xk: xs.append(xk))
    assert len(xs) == 3
    xs[-1][:] = 1e300            # mutating the copy must not touch the result
    assert np.all(np.abs(res.x) < 1e10)
    assert not np.shares_memory(xs[-1], res.x)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_show_options_documents_every_option(method):
    text = optkit.show_options(method, disp=False)
    for name in get_solver(method).Options.names():
        assert f"\n{name} : " in text
    assert "maxiter" in text and "maxtime" in text


def _same(a, b):
    """Equal values: arrays entrywise (NaN == NaN), sparse matrices, scalars, None."""
    if a is None or b is None:
        return a is b
    if hasattr(a, "toarray") and hasattr(b, "toarray"):
        a, b = a.toarray(), b.toarray()
    if isinstance(a, (list, tuple)):
        return (isinstance(b, (list, tuple)) and len(a) == len(b)
                and all(_same(u, v) for u, v in zip(a, b)))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (np.ndarray, float, int, np.generic)):
        try:
            np.testing.assert_array_equal(a, b)
            return True
        except (AssertionError, ValueError, TypeError):
            return False
    return a == b


#: fields that describe the run rather than the returned point
_RUN_FIELDS = {"time", "trace", "message", "status", "success", "nit"}


@pytest.mark.parametrize("kind", ["nonfinite", "failure"])
@pytest.mark.parametrize("method", ALL_METHODS)
def test_rollback_equals_a_run_stopped_before(method, kind, monkeypatch):
    """A non-finite value (status 3) or a failure (status 5) at step k returns
    exactly the result of a run stopped by maxiter after step k-1: x, fun and
    every result field. Fails when a method keeps run state on the solver
    (the driver's rollback cannot restore it) or when ``result_fields``
    reads what the failed step wrote on the solver."""
    k = 4
    cls = get_solver(method)
    original = cls.step
    steps = []

    def step(self, state, budget):
        new = original(self, state, budget)
        steps.append(new.advanced)
        if len(steps) == k:
            bad = ({"fun": float("nan")} if kind == "nonfinite"
                   else {"failure": "injected failure"})
            new = dataclasses.replace(new, **bad)
        return new

    monkeypatch.setattr(cls, "step", step)
    injected, *_ = _run(method, tol=1e-300)
    monkeypatch.setattr(cls, "step", original)
    assert len(steps) == k, "the run stopped before the injected step"
    assert injected.status == (3 if kind == "nonfinite" else 5)
    assert "injected failure" in injected.message or kind == "nonfinite"
    assert injected.nit == sum(steps[:-1])
    stopped, *_ = _run(method, maxiter=injected.nit, tol=1e-300)
    assert stopped.status == 1 and stopped.nit == injected.nit
    count_names = set(stopped.trace.columns) - {"nit", "time", "fun", "certificate"}
    for field in set(stopped) | set(injected):
        if field in _RUN_FIELDS or field in count_names:
            continue
        assert field in injected and field in stopped, field
        assert _same(injected[field], stopped[field]), field
