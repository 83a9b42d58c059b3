"""The contract every registered method keeps, whatever its family.

Parametrized over the registry, so a new method is checked as soon as it is
registered (its family needs a factory in conftest.CONTRACT_PROBLEMS).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

import optkit
from optkit._core.registry import get_solver

from conftest import CONTRACT_PROBLEMS

ALL_METHODS = optkit.methods()


def _run(method, maxiter=None, callback=None, tol=None, **extra):
    """Run ``method`` on its family's contract problem.

    A factory in ``conftest.CONTRACT_PROBLEMS`` returns a dict with either
    ``problem`` (a problem object) or the smooth callables ``fun``/``jac``/
    ``hess``/``hessp``; ``x0``; ``x_star`` or ``check(res)``; ``counters``
    (result field -> Counter, the independent counts); optionally ``options``
    (extra method options for these runs), ``tol``, and ``overrides``
    ({method: {key: value}}) for a method whose guarantee is weaker than its
    family's (e.g. an O(1/sqrt(t)) method cannot reach the family's tol).
    """
    solver = get_solver(method)
    if solver.family not in CONTRACT_PROBLEMS:
        pytest.fail(f"family {solver.family!r} of {method!r} has no contract problem: "
                    "add one to tests/conftest.py::CONTRACT_PROBLEMS")
    p = CONTRACT_PROBLEMS[solver.family]()
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
