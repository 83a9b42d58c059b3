"""LPProblem: linprog conventions (rows, bounds, the dual sign), the KKT
measures against HiGHS's optimal primal-dual pair, starts and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from optkit.problems.lp import LPIterate, LPProblem


def _random(seed, sparse=False):
    rng = np.random.default_rng(seed)
    n, m_eq, m_ub = 8, 3, 4
    A_eq, A_ub = rng.standard_normal((m_eq, n)), rng.standard_normal((m_ub, n))
    x = rng.random(n)
    b_eq, b_ub = A_eq @ x, A_ub @ x + rng.random(m_ub)
    bounds = [(0, 2)] * 4 + [(None, 1), (-1, None), (-3, 3), (0, None)]
    c = rng.standard_normal(n)
    if sparse:
        A_eq, A_ub = sp.csr_matrix(A_eq), sp.coo_matrix(A_ub)
    return dict(c=c, A_eq=A_eq, b_eq=b_eq, A_ub=A_ub, b_ub=b_ub, bounds=bounds)


@pytest.mark.parametrize("sparse", [False, True])
def test_row_form_and_kkt_of_the_highs_solution(sparse):
    data = _random(0, sparse)
    lp = LPProblem(**data)
    m, n = lp.shape
    assert (m, n) == (7, 8) and lp.n_eq == 3
    np.testing.assert_array_equal(lp.row_lower[:3], data["b_eq"])
    np.testing.assert_array_equal(lp.row_upper[3:], data["b_ub"])
    assert np.all(np.isinf(lp.row_lower[3:]))
    ref = linprog(**data, method="highs")
    y = np.concatenate([ref.eqlin.marginals, ref.ineqlin.marginals])
    kkt = lp.kkt(ref.x, y)
    # HiGHS's optimal pair is a KKT point in our sign convention
    assert kkt.relative <= 1e-9
    assert kkt.primal_obj == pytest.approx(ref.fun, rel=1e-12)
    assert kkt.dual_obj == pytest.approx(ref.fun, rel=1e-9)
    # and the wrong dual sign is not
    assert lp.kkt(ref.x, -y).relative > 1e-3
    # to_linprog gives the same LP back
    again = linprog(**lp.to_linprog(), method="highs")
    assert again.fun == pytest.approx(ref.fun, rel=1e-10)


def test_from_rows_ranges_and_offset():
    A = np.array([[1.0, 1.0], [1.0, -1.0]])
    lp = LPProblem.from_rows([1.0, 2.0], A, [1.0, -1.0], [3.0, 1.0], [0, 0], [np.inf, 5],
                             offset=4.0)
    ref = linprog(**lp.to_linprog(), method="highs")
    assert ref.fun + 4.0 == pytest.approx(5.0)       # x = (1, 0): the ranged row at its lower end
    assert lp.kkt(ref.x, np.zeros(2)).primal_obj == pytest.approx(5.0)
    assert lp.to_linprog()["A_ub"].shape == (4, 2)   # each ranged row: two <= rows


def test_bounds_forms():
    c = [1.0, 1.0, 1.0]
    kw = dict(A_ub=[[1.0, 1.0, 1.0]], b_ub=[1.0])
    lp = LPProblem(c, **kw)
    np.testing.assert_array_equal(lp.lower, 0) and np.testing.assert_array_equal(lp.upper, np.inf)
    lp = LPProblem(c, bounds=(None, 4), **kw)
    assert np.all(lp.lower == -np.inf) and np.all(lp.upper == 4)
    lp = LPProblem(c, bounds=[(0, 1), None, (-2, None)], **kw)
    np.testing.assert_array_equal(lp.lower, [0, -np.inf, -2])
    np.testing.assert_array_equal(lp.upper, [1, np.inf, np.inf])
    lp = LPProblem(c, bounds=np.array([[0, 1], [0, 2], [0, 3]]), **kw)
    np.testing.assert_array_equal(lp.upper, [1, 2, 3])


def test_as_start_forms():
    lp = LPProblem([1.0, 1.0], A_ub=[[1.0, 1.0]], b_ub=[1.0], bounds=(1, 2))
    s = lp.as_start(None)
    assert isinstance(s, LPIterate)
    np.testing.assert_array_equal(s.x, [1, 1])         # zeros clipped to the bounds
    np.testing.assert_array_equal(lp.as_start(np.array([0.5, 0.5, -1.0])).y, [-1.0])
    np.testing.assert_array_equal(lp.as_start(np.array([0.5, 0.25])).x, [0.5, 0.25])
    np.testing.assert_array_equal(lp.as_start((np.ones(2), np.ones(1))).y, [1.0])
    with pytest.raises(ValueError, match="x0"):
        lp.as_start(np.zeros(4))
    with pytest.raises(ValueError, match="x0"):
        lp.as_start(np.array([np.nan, 0.0, 0.0]))


@pytest.mark.parametrize("kwargs, match", [
    (dict(c=[1.0, np.nan], A_ub=[[1, 1]], b_ub=[1]), r"`c` contains NaN"),
    (dict(c=[1.0, 1.0], A_ub=[[1, np.inf]], b_ub=[1]), r"`A_ub` contains NaN or infinite"),
    (dict(c=[1.0, 1.0], A_ub=sp.csr_matrix([[1, np.nan]]), b_ub=[1]), r"`A_ub` contains NaN"),
    (dict(c=[1.0, 1.0], A_ub=[[1, 1, 1]], b_ub=[1]), r"`A_ub` has 3 columns but `c` has 2"),
    (dict(c=[1.0, 1.0], A_eq=[[1, 1]], b_eq=[1, 2]), r"`b_eq` has 2 entries but the number of "
                                                      r"rows of `A_eq` is 1"),
    (dict(c=[1.0, 1.0], A_eq=[[1, 1]], b_eq=[np.inf]), r"`b_eq` contains \+inf"),
    (dict(c=[1.0, 1.0], A_ub=[[1, 1]], b_ub=[-np.inf]), r"`b_ub` contains -inf"),
    (dict(c=[1.0, 1.0], A_ub=[[1, 1]]), r"`A_ub` is given without `b_ub`"),
    (dict(c=[1.0, 1.0]), r"no constraints"),
    (dict(c=[1.0, 1.0], A_ub=np.zeros((0, 2)), b_ub=[]), r"no constraints"),
    (dict(c=[], A_ub=[[1]], b_ub=[1]), r"`c` must be a non-empty 1-D"),
    (dict(c=[1.0, 1.0], A_ub=[[1, 1]], b_ub=[1], bounds=[(0, 1), (3, 2)]),
     r"Infeasible `bounds`: lower > upper at index 1 \(3\.0 > 2\.0\)"),
    (dict(c=[1.0, 1.0], A_ub=[[1, 1]], b_ub=[1], bounds=[(0, 1)] * 3),
     r"`bounds` has 3 pairs but `c` has 2"),
    (dict(c=[1.0, 1.0], A_ub=[[1, 1]], b_ub=[1], bounds=[(0, 1), (0, float("nan"))]),
     r"`bounds`\[1\] max is NaN"),
    (dict(c=[1.0, 1.0], A_ub=[[1, 1]], b_ub=[1], bounds=[(0, 1), 5]), r"`bounds`\[1\]"),
    (dict(c=[1.0, 1.0], A_ub=[[1, 1]], b_ub=[1], bounds=(np.inf, None)), r"Infeasible `bounds`"),
])
def test_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        LPProblem(**kwargs)


def test_bad_row_form_input():
    with pytest.raises(ValueError, match=r"row bounds .* index 0 \(2\.0 > 1\.0\)"):
        LPProblem.from_rows([1.0], [[1.0]], [2.0], [1.0], [0.0], [1.0])
    with pytest.raises(ValueError, match=r"variable bounds .* index 0"):
        LPProblem.from_rows([1.0], [[1.0]], [0.0], [1.0], [2.0], [1.0])
    with pytest.raises(ValueError, match=r"`row_lower` contains \+inf"):
        LPProblem.from_rows([1.0], [[1.0]], [np.inf], [np.inf], [0.0], [1.0])
    with pytest.raises(ValueError, match="offset"):
        LPProblem.from_rows([1.0], [[1.0]], [0.0], [1.0], [0.0], [1.0], offset=np.nan)
