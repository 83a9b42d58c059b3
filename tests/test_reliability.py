"""Reliability (issue 23): bad inputs give a clear error naming the argument,
never a crash, a hang or a silent wrong answer.

Each test builds the smallest input of one kind of defect and checks the
exception type and that its message names the argument at fault.
"""


import numpy as np
import pytest
import scipy.sparse as sp

import optkit
from optkit.problems.composite import L1LogisticRegression, Lasso
from optkit.problems.glm import LeastSquares, LogisticRegression
from optkit.problems.ot import OTProblem

RNG = np.random.default_rng(0)
XD = RNG.standard_normal((8, 5))
Y_REG = RNG.standard_normal(8)
Y_CLS = np.where(RNG.standard_normal(8) > 0, 1.0, -1.0)
XS = sp.random(8, 5, density=0.6, format="csr", random_state=0)


# --------------------------------------------------------------------------
# malformed sparse matrices: refused at the problem boundary, O(nnz) check
# --------------------------------------------------------------------------
def _malformed(kind, fmt):
    A = (XS.tocsr() if fmt == "csr" else XS.tocsc()).copy()
    if kind == "index-out-of-range":
        A.indices[0] = max(A.shape) + 7
    elif kind == "negative-index":
        A.indices[0] = -1
    elif kind == "non-monotone-indptr":
        A.indptr[1] = A.indptr[-1]          # jumps up, then back down at indptr[2]
    elif kind == "indptr-past-end":
        A.indptr[-1] = A.indices.size + 3
    return A


KINDS = ["index-out-of-range", "negative-index", "non-monotone-indptr", "indptr-past-end"]
PROBLEMS = [
    ("Lasso", lambda X: Lasso(X, Y_REG, alpha=0.1), "X"),
    ("L1LogisticRegression", lambda X: L1LogisticRegression(X, Y_CLS, alpha=0.1), "X"),
    ("LogisticRegression", lambda X: LogisticRegression(X, Y_CLS), "X"),
    ("LeastSquares", lambda X: LeastSquares(X, Y_REG), "A"),
]


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name,make,arg", PROBLEMS, ids=[p[0] for p in PROBLEMS])
def test_malformed_sparse_refused_naming_argument(name, make, arg, kind, fmt):
    with pytest.raises(ValueError, match=rf"`{arg}`: malformed {fmt.upper()}"):
        make(_malformed(kind, fmt))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", ["bcd", "fgm"])
def test_malformed_sparse_through_minimize_is_refused(kind, method):
    # a coordinate and a smooth method: the error is raised before any kernel runs
    with pytest.raises(ValueError, match=r"`X`: malformed CSC"):
        optkit.minimize(Lasso(_malformed(kind, "csc"), Y_REG, alpha=0.1), method=method)


def test_sparse_structure_check_keeps_valid_matrices():
    # unsorted and duplicate indices are valid scipy matrices: summed, as scipy does
    A = sp.csr_matrix((np.array([1.0, 2.0, 3.0]), np.array([2, 0, 2]), np.array([0, 3, 3])),
                      shape=(2, 3))
    before = A.indices.copy()
    p = LeastSquares(A, np.array([1.0, 0.0]))
    np.testing.assert_array_equal(p.A.toarray(), [[2.0, 0.0, 4.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(A.indices, before)      # the caller's matrix untouched


def test_malformed_coo_refused():
    A = XS.tocoo().copy()
    A.col[0] = 99
    # scipy itself may refuse the matrix at conversion; either way the error is a
    # ValueError and no process crash
    with pytest.raises(ValueError):
        Lasso(A, Y_REG, alpha=0.1)


# --------------------------------------------------------------------------
# complex input is refused, never truncated with a ComplexWarning
# --------------------------------------------------------------------------
M2 = np.array([[0.0, 1.0], [1.0, 0.0]])


@pytest.mark.parametrize("arg", ["a", "b", "M"])
def test_ot_complex_refused(arg):
    kw = {"a": np.array([0.5, 0.5]), "b": np.array([0.5, 0.5]), "M": M2}
    kw[arg] = kw[arg] + 1j
    with pytest.raises(TypeError, match=rf"`{arg}`.*complex"):
        OTProblem(kw["a"], kw["b"], kw["M"], reg=0.1)


@pytest.mark.parametrize("x0", [np.zeros(5) + 1j, np.zeros(5, dtype=complex), [0j] * 5])
def test_complex_x0_refused(x0):
    with pytest.raises(TypeError, match=r"`x0`.*complex"):
        optkit.minimize(Lasso(XD, Y_REG, alpha=0.1), x0=x0, method="bcd")


def test_complex_x0_refused_for_callables():
    with pytest.raises(TypeError, match=r"`x0`.*complex"):
        optkit.minimize(lambda x: float(x @ x), np.ones(3) * (1 + 1j), method="gm",
                        jac=lambda x: 2 * x)


def test_complex_data_matrix_refused():
    with pytest.raises(TypeError, match=r"`X`"):
        Lasso(XD + 1j, Y_REG, alpha=0.1)
    with pytest.raises(TypeError, match=r"`X`"):
        Lasso(sp.csr_matrix(XD + 1j), Y_REG, alpha=0.1)


# --------------------------------------------------------------------------
# option `lipschitz` of the coordinate methods
# --------------------------------------------------------------------------
LASSO = Lasso(XD, Y_REG, alpha=0.1)
BAD_L = [
    ("zero", 0.0, ValueError), ("negative", -1.0, ValueError), ("nan", np.nan, ValueError),
    ("inf", np.inf, ValueError), ("zeros", np.zeros(5), ValueError),
    ("one-negative", np.array([1.0, 1.0, -1.0, 1.0, 1.0]), ValueError),
    ("wrong-length", np.ones(3), ValueError), ("2-D", np.ones((5, 1)), ValueError),
    ("string", "1.0", TypeError), ("complex", np.ones(5) + 1j, TypeError),
    ("object", object(), TypeError),
]


@pytest.mark.parametrize("method", ["a-coder", "cyclic-vr-bcd", "bcd"])
@pytest.mark.parametrize("case,L,exc", BAD_L, ids=[c[0] for c in BAD_L])
def test_bad_lipschitz_refused_naming_option(method, case, L, exc):
    with pytest.raises(exc, match=r"`lipschitz`"):
        optkit.minimize(LASSO, method=method, options={"lipschitz": L})


def test_good_lipschitz_accepted():
    from optkit.solvers.coordinate._models import check_lipschitz
    np.testing.assert_array_equal(check_lipschitz(2.0, 3), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(check_lipschitz([1, 2, 3], 3), [1.0, 2.0, 3.0])
    # a valid, larger-than-needed constant still converges (a shorter step)
    L = np.sum(XD ** 2, axis=0) / XD.shape[0]
    ref = optkit.minimize(LASSO, method="bcd", tol=1e-10)
    res = optkit.minimize(LASSO, method="bcd", tol=1e-10, options={"lipschitz": 2 * L})
    assert res.status == 0
    np.testing.assert_allclose(res.x, ref.x, atol=1e-7)


# --------------------------------------------------------------------------
# x0 of the wrong length for a composite problem
# --------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["bcd", "a-coder", "pgm", "fgm"])
@pytest.mark.parametrize("n", [3, 6])
def test_composite_x0_wrong_length(method, n):
    with pytest.raises(ValueError, match=r"`x0` has %d entries.*dimension 5" % n):
        optkit.minimize(LASSO, x0=np.zeros(n), method=method)


# --------------------------------------------------------------------------
# float32 histograms normalized in float32 (mass tolerance follows the dtype)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("n", [7, 100, 1000])
def test_float32_histograms_accepted(n):
    rng = np.random.default_rng(n)
    a = rng.random(n).astype(np.float32)
    b = rng.random(n + 1).astype(np.float32)
    a, b = a / a.sum(), b / b.sum()          # normalized in float32
    M = rng.random((n, n + 1))
    p = OTProblem(a, b, M, reg=1.0)
    assert abs(p.a.sum() - p.b.sum()) < 1e-5


def test_float64_mass_tolerance_unchanged():
    with pytest.raises(ValueError, match=r"same total mass"):
        OTProblem([0.5, 0.5], [0.5, 0.5 + 1e-6], M2, reg=0.1)
    # float32 input with a real mass difference is still refused
    with pytest.raises(ValueError, match=r"same total mass"):
        OTProblem(np.array([0.5, 0.5], np.float32), np.array([0.5, 0.51], np.float32),
                  M2, reg=0.1)


def test_mass_rtol_bound_holds():
    # the bound used for float32 input is an upper bound of what normalization gives
    from optkit.problems.ot import mass_rtol
    rng = np.random.default_rng(1)
    worst = 0.0
    for n in (2, 10, 1000, 10**5):
        for _ in range(5):
            a = rng.random(n).astype(np.float32) ** 4
            a = a / a.sum()
            worst = max(worst, abs(float(a.astype(float).sum()) - 1.0) /
                        (mass_rtol(a, np.zeros(1), n, 1) - 1e-8 + 1e-300))
    assert worst < 1.0
