"""The front door: scipy semantics, problem dispatch, bad input, scipy adapter."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from scipy.optimize import OptimizeWarning, rosen, rosen_der, rosen_hess

import optkit

from conftest import Counter


def test_args_are_passed_to_fun_and_jac():
    fun = lambda x, c: 0.5 * np.sum((x - c) ** 2)   # noqa: E731
    jac = lambda x, c: x - c                          # noqa: E731
    res = optkit.minimize(fun, np.zeros(3), "gm", args=(np.arange(3.0),), jac=jac, tol=1e-10)
    np.testing.assert_allclose(res.x, [0.0, 1.0, 2.0], atol=1e-10)


def test_jac_none_uses_finite_differences_counted_in_nfev():
    fun = Counter(rosen)
    res = optkit.minimize(fun, [-1.2, 1.0], "fgm", tol=1e-6)
    assert res.success and res.njev == 0
    assert res.nfev == fun.calls > 3 * res.nit
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-4)


def test_jac_3point():
    res = optkit.minimize(rosen, [-1.2, 1.0], "fgm", jac="3-point", tol=1e-7)
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-6)


def test_default_method_for_smooth_problems_is_fgm():
    res = optkit.minimize(rosen, [-1.2, 1.0], jac=rosen_der, tol=1e-8)
    assert res.method == "fgm" and res.success


def test_aliases_and_case():
    for name in ("GM", "gradient_descent", "Nesterov", "fast-gradient"):
        res = optkit.minimize(rosen, [0.0, 0.0], name, jac=rosen_der, options={"maxiter": 2})
        assert res.method in ("gm", "fgm")


def test_problem_object_and_default_x0():
    p = optkit.SmoothProblem(rosen, rosen_der, x0=[-1.2, 1.0])
    res = optkit.minimize(p, method="fgm", tol=1e-8)
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-6)


def test_hess_may_return_sparse_or_linear_operator():
    import scipy.sparse as sp
    from scipy.sparse.linalg import aslinearoperator

    from optkit._core.oracle import CountedSmoothOracle

    A = sp.diags([1.0, 2.0, 3.0]).tocsr()
    for hess in (lambda x: A, lambda x: aslinearoperator(A), lambda x: A.toarray()):
        p = optkit.SmoothProblem(lambda x: 0.5 * x @ (A @ x), lambda x: A @ x, hess=hess)
        np.testing.assert_allclose(CountedSmoothOracle(p, 3).hessp(np.ones(3), np.ones(3)),
                                   [1.0, 2.0, 3.0])


# -- bad input: each a clear error naming the argument -----------------------
def test_unknown_method_suggests_close_names():
    with pytest.raises(ValueError, match=r"Unknown method 'fmg' for argument `method`\. "
                                         r"Did you mean 'fgm'"):
        optkit.minimize(rosen, [0.0, 0.0], "fmg", jac=rosen_der)


def test_method_must_be_a_string():
    with pytest.raises(TypeError, match="`method` must be a string"):
        optkit.minimize(rosen, [0.0, 0.0], 3, jac=rosen_der)


def test_unknown_option_key_warns_listing_valid_ones():
    with pytest.warns(OptimizeWarning, match=r"'stepsize'.*Valid method options: L, "
                                             r"max_backtracks, step"):
        optkit.minimize(rosen, [0.0, 0.0], "gm", jac=rosen_der,
                        options={"stepsize": 0.1, "maxiter": 1})


@pytest.mark.parametrize("options, exc, match", [
    ({"L": -1.0}, ValueError, "Option `L`"),
    ({"maxiter": -1}, ValueError, "Option `maxiter`"),
    ({"maxiter": "ten"}, TypeError, "Option `maxiter`"),
    ({"step": 1}, TypeError, "Option `step`"),
])
def test_bad_option_values(options, exc, match):
    with pytest.raises(exc, match=match):
        optkit.minimize(rosen, [0.0, 0.0], "gm", jac=rosen_der, options=options)


@pytest.mark.parametrize("x0, match", [
    (np.zeros((2, 2)), r"`x0` must be 1-D; got an array of shape \(2, 2\)"),
    ([0.0, np.nan], "`x0` contains NaN or inf"),
    ([np.inf, 0.0], "`x0` contains NaN or inf"),
    ([], "`x0` must not be empty"),
])
def test_bad_x0(x0, match):
    with pytest.raises(ValueError, match=match):
        optkit.minimize(rosen, x0, "gm", jac=rosen_der)


def test_x0_not_numeric():
    with pytest.raises(TypeError, match="`x0` must be an array of real numbers"):
        optkit.minimize(rosen, ["a", "b"], "gm", jac=rosen_der)


def test_x0_required_for_callables():
    with pytest.raises(ValueError, match="`x0` is required"):
        optkit.minimize(rosen, method="gm", jac=rosen_der)


def test_jac_with_wrong_shape():
    with pytest.raises(ValueError, match=r"`jac` \(the gradient\) returned an array of shape \(3,\)"):
        optkit.minimize(rosen, [0.0, 0.0], "gm", jac=lambda x: np.zeros(3))


def test_bad_jac_value():
    with pytest.raises(ValueError, match="`jac` must be a callable, True, None"):
        optkit.minimize(rosen, [0.0, 0.0], "gm", jac="cs")


@pytest.mark.parametrize("tol", [-1e-3, -0.0 - 1e-300, np.nan, np.inf])
def test_bad_tol(tol):
    with pytest.raises(ValueError, match="`tol` must be a finite number >= 0"):
        optkit.minimize(rosen, [0.0, 0.0], "gm", jac=rosen_der, tol=tol)


def test_tol_wrong_type():
    with pytest.raises(TypeError, match="`tol` must be a real number >= 0"):
        optkit.minimize(rosen, [0.0, 0.0], "gm", jac=rosen_der, tol="small")


def test_non_callable_fun():
    with pytest.raises(TypeError, match="`fun` must be callable, got list"):
        optkit.minimize([1, 2], [0.0, 0.0], "gm")


def test_non_callable_hess():
    with pytest.raises(TypeError, match="`hess` must be callable"):
        optkit.minimize(rosen, [0.0, 0.0], "gm", jac=rosen_der, hess=np.eye(2))


def test_jac_with_problem_object_is_an_error():
    p = optkit.SmoothProblem(rosen, rosen_der)
    with pytest.raises(TypeError, match="`jac` is only for callables"):
        optkit.minimize(p, [0.0, 0.0], "gm", jac=rosen_der)


def test_methods_family_filter_and_unknown_family():
    assert optkit.methods("smooth") == ["fgm", "gm"] or set(optkit.methods("smooth")) >= {"gm", "fgm"}
    with pytest.raises(ValueError, match="Unknown problem family 'smoth' for argument `family`"):
        optkit.methods("smoth")


def test_show_options_prints(capsys):
    assert optkit.show_options("gm") is None
    out = capsys.readouterr().out
    assert "max_backtracks" in out and "record_every" in out


# -- scipy adapter -------------------------------------------------------------
@pytest.mark.parametrize("method", ["gm", "fgm"])
def test_scipy_adapter_solves_rosen(method):
    res = scipy.optimize.minimize(rosen, [-1.2, 1.0], jac=rosen_der, tol=1e-9,
                                  method=optkit.scipy_method(method),
                                  options={"maxiter": 100_000})
    assert isinstance(res, scipy.optimize.OptimizeResult) and res.success
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-6)


def test_scipy_adapter_jac_true_callback_and_stopiteration():
    seen = []

    def cb(intermediate_result):
        seen.append(intermediate_result.nit)
        if intermediate_result.nit == 3:
            raise StopIteration

    res = scipy.optimize.minimize(lambda x: (rosen(x), rosen_der(x)), [-1.2, 1.0], jac=True,
                                  method=optkit.scipy_method("fgm"), callback=cb)
    assert res.status == 4 and res.nit == 3 and seen == [1, 2, 3]


def test_scipy_adapter_rejects_bounds_and_constraints():
    with pytest.raises(ValueError, match="does not handle `bounds`"):
        scipy.optimize.minimize(rosen, [0.0, 0.0], jac=rosen_der,
                                method=optkit.scipy_method("gm"), bounds=[(0, 1), (0, 1)])
    with pytest.raises(ValueError, match="Unknown method"):
        optkit.scipy_method("lbfgs")


def test_constraints_refused_by_a_method_that_does_not_take_them():
    from scipy.optimize import NonlinearConstraint
    con = NonlinearConstraint(lambda x: x.sum(), 0.0, 0.0)
    with pytest.raises(ValueError, match=r"'fgm' does not handle `constraints`"):
        optkit.minimize(lambda x: x @ x, np.ones(2), "fgm", jac=lambda x: 2 * x,
                        constraints=[con])
    with pytest.raises(ValueError, match="`method` is required with `constraints`"):
        optkit.minimize(lambda x: x @ x, np.ones(2), jac=lambda x: 2 * x, constraints=con)


def test_constraints_only_for_callables():
    from scipy.optimize import NonlinearConstraint
    problem = optkit.problems.SmoothProblem(lambda x: x @ x, grad=lambda x: 2 * x)
    with pytest.raises(TypeError, match="`constraints` is only for callables"):
        optkit.minimize(problem, np.ones(2), "fgm",
                        constraints=[NonlinearConstraint(lambda x: x.sum(), 0, 0)])


def test_empty_constraints_are_no_constraints():
    res = optkit.minimize(lambda x: x @ x, np.ones(2), "fgm", jac=lambda x: 2 * x,
                          constraints=[], tol=1e-10)
    assert np.allclose(res.x, 0.0, atol=1e-8)


@pytest.mark.parametrize("method", ["gm", "fgm", "krylov-gm"])
def test_tol_zero_runs_to_maxiter(method):
    # POT's stopThr=0 idiom: tol=0 means "run exactly maxiter iterations"
    res = optkit.minimize(rosen, [-1.2, 1.0], method, jac=rosen_der, hess=rosen_hess,
                          tol=0, options={"maxiter": 7})
    assert res.status == 1 and res.nit == 7
