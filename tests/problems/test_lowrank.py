"""LowRankProblem: storage of the observed entries, constructors, sensing
operators, ground-truth errors, starts, memory, bad input."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

import optkit
from optkit.problems.lowrank import (Factors, LowRankProblem, SensingOperator,
                                     SymmetricFactor)
from optkit.problems.synthetic import matrix_completion, matrix_sensing


def _instance(seed=0):
    return matrix_completion(20, 15, 2, kappa=2.0, p=0.5, seed=seed)


def test_completion_stores_csr_and_csc_of_the_entries():
    rows, cols, vals, M = _instance()
    perm = np.random.default_rng(1).permutation(rows.size)      # any input order
    prob = LowRankProblem.completion(rows[perm], cols[perm], vals[perm], (20, 15), 2)
    dense = np.zeros((20, 15))
    dense[rows, cols] = vals
    S = sp.csr_matrix((prob.vals, prob.idx_r, prob.ptr_r), shape=(20, 15))
    np.testing.assert_array_equal(S.toarray(), dense)
    C = sp.csc_matrix((prob.vals_c, prob.idx_c, prob.ptr_c), shape=(20, 15))
    np.testing.assert_array_equal(C.toarray(), dense)
    np.testing.assert_array_equal(prob.vals[prob.perm_c], prob.vals_c)
    assert prob.nobs == rows.size and prob.p == rows.size / 300
    r, c, v = prob.entries()
    np.testing.assert_array_equal(dense[r, c], v)


def test_from_dense_and_from_sparse_agree_with_completion():
    rows, cols, vals, M = _instance()
    X = np.full(M.shape, np.nan)
    X[rows, cols] = vals
    a = LowRankProblem.from_dense(X, 2)
    b = LowRankProblem.from_sparse(sp.coo_matrix((vals, (rows, cols)), shape=M.shape), 2)
    c = LowRankProblem.completion(rows, cols, vals, M.shape, 2)
    for p in (a, b):
        np.testing.assert_array_equal(p.ptr_r, c.ptr_r)
        np.testing.assert_array_equal(p.idx_r, c.idx_r)
        np.testing.assert_array_equal(p.vals, c.vals)


def test_duplicates_rule():
    rows, cols, vals = [0, 1, 0], [2, 0, 2], [1.0, 5.0, 3.0]
    with pytest.raises(ValueError, match="Duplicate entries: \\(0, 2\\)"):
        LowRankProblem.completion(rows, cols, vals, (3, 3), 1)
    s = LowRankProblem.completion(rows, cols, vals, (3, 3), 1, duplicates="sum")
    m = LowRankProblem.completion(rows, cols, vals, (3, 3), 1, duplicates="mean")
    assert s.nobs == m.nobs == 2
    np.testing.assert_array_equal(s.vals, [4.0, 5.0])
    np.testing.assert_array_equal(m.vals, [2.0, 5.0])
    # from_sparse: scipy's convention, duplicates of a COO matrix are summed
    coo = sp.coo_matrix((vals, (rows, cols)), shape=(3, 3))
    np.testing.assert_array_equal(LowRankProblem.from_sparse(coo, 1).vals, [4.0, 5.0])


@pytest.mark.parametrize("kwargs, match", [
    (dict(rows=[0, 3], cols=[0, 1]), "`rows` has an index out of range: 3"),
    (dict(rows=[0, -1], cols=[0, 1]), "`rows` has an index out of range: -1"),
    (dict(cols=[0, 9]), "`cols` has an index out of range: 9"),
    (dict(vals=[1.0, np.nan]), "`vals` contains NaN"),
    (dict(vals=[1.0, np.inf]), "`vals` contains infinite"),
    (dict(vals=[1.0]), "same length"),
    (dict(rank=4), "`rank` must be <= min\\(m, n\\) = 3"),
    (dict(rank=0), "`rank` must be >= 1"),
    (dict(rows=[], cols=[], vals=[]), "No observed entry"),
    (dict(shape=(3,)), "`shape` must be a pair"),
    (dict(duplicates="first"), "`duplicates` must be"),
])
def test_completion_bad_input(kwargs, match):
    args = dict(rows=[0, 1], cols=[0, 1], vals=[1.0, 2.0], shape=(3, 4), rank=1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        LowRankProblem.completion(**args)


def test_bad_input_types_and_dense_sparse_constructors():
    with pytest.raises(TypeError, match="`rows` must be integer"):
        LowRankProblem.completion([0.5, 1], [0, 1], [1.0, 2.0], (3, 3), 1)
    with pytest.raises(ValueError, match="`X` contains infinite"):
        LowRankProblem.from_dense([[1.0, np.inf], [np.nan, 2.0]], 1)
    with pytest.raises(ValueError, match="no observed entry"):
        LowRankProblem.from_dense(np.full((2, 2), np.nan), 1)
    with pytest.raises(TypeError, match="`S` must be a scipy.sparse"):
        LowRankProblem.from_sparse(np.eye(2), 1)
    with pytest.raises(ValueError, match="`truth` must have shape"):
        LowRankProblem.completion([0], [0], [1.0], (2, 2), 1, truth=np.eye(3))


def test_empty_rows_and_columns_are_handled():
    """A row and a column without entries: counted, and their factor rows are
    zero (the minimum-norm solution) while the rest is recovered exactly."""
    rows, cols, vals, M = matrix_completion(30, 25, 2, p=0.7, seed=3)
    keep = (rows != 4) & (cols != 7)
    prob = LowRankProblem.completion(rows[keep], cols[keep], vals[keep], (30, 25), 2)
    assert prob.empty_rows == 1 and prob.empty_cols == 1
    for method in ("altmin", "als"):
        res = optkit.minimize(prob, method=method, tol=1e-12)
        X = res.U @ res.V.T
        assert np.all(X[4] == 0) and np.all(X[:, 7] == 0)
        mask = np.ones(M.shape, bool)
        mask[4] = False
        mask[:, 7] = False
        err = np.linalg.norm((X - M)[mask]) / np.linalg.norm(M[mask])
        assert err < 1e-8, (method, err)


def test_relative_error_in_factor_form_matches_dense():
    rows, cols, vals, M = _instance()
    rng = np.random.default_rng(0)
    Us, Vs = rng.standard_normal((20, 2)), rng.standard_normal((15, 2))
    U = Us + 1e-9 * rng.standard_normal((20, 2))     # a tiny error: no cancellation
    dense = LowRankProblem.completion(rows, cols, vals, (20, 15), 2, truth=Us @ Vs.T)
    fact = LowRankProblem.completion(rows, cols, vals, (20, 15), 2, truth=(Us, Vs))
    ref = np.linalg.norm(U @ Vs.T - Us @ Vs.T) / np.linalg.norm(Us @ Vs.T)
    np.testing.assert_allclose(dense.relative_error(U, Vs), ref, rtol=1e-6)
    np.testing.assert_allclose(fact.relative_error(U, Vs), ref, rtol=1e-6)
    assert np.isnan(LowRankProblem.completion(rows, cols, vals, (20, 15), 2).relative_error(U, Vs))


def test_as_start_forms():
    rows, cols, vals, M = _instance()
    prob = LowRankProblem.completion(rows, cols, vals, (20, 15), 2)
    assert prob.as_start(None).U.shape == (0, 2)
    assert prob.as_start("auto").U.shape == (0, 2)
    assert prob.as_start(np.array("auto")).V.shape == (0, 2)
    U, V = np.ones((20, 2)), np.zeros((15, 2))
    x = prob.as_start((U, V))
    assert isinstance(x, Factors) and x.U is not U
    flat = prob.as_start(np.concatenate([U.ravel(), V.ravel()]))
    np.testing.assert_array_equal(flat.U, U)
    np.testing.assert_array_equal(flat.V, V)
    with pytest.raises(ValueError, match="length 70"):
        prob.as_start(np.ones(10))
    with pytest.raises(ValueError, match="shapes \\(20, 2\\) and \\(15, 2\\)"):
        prob.as_start((U, np.zeros((14, 2))))
    with pytest.raises(ValueError, match="NaN or infinite"):
        prob.as_start((U * np.nan, V))
    with pytest.raises(ValueError, match="'auto'"):
        prob.as_start("spectral")


def test_sensing_operators_forward_adjoint():
    rng = np.random.default_rng(0)
    ops = [SensingOperator.gaussian(60, (5, 4), seed=0),
           SensingOperator.sparse_gaussian(60, (5, 4), density=0.3, seed=0),
           SensingOperator.symmetric_gaussian(60, 5, seed=0)]
    assert [o.kind for o in ops] == ["gaussian", "sparse", "symmetric"]
    for op in ops:
        X = rng.standard_normal(op.shape)
        z = rng.standard_normal(op.m)
        # adjointness <A(X), z> = <X, A*(z)>
        np.testing.assert_allclose(op.forward(X) @ z, np.sum(X * op.adjoint(z)), rtol=1e-12)
    S = ops[2].adjoint(rng.standard_normal(60))
    np.testing.assert_allclose(S, S.T, rtol=1e-13)
    # near-isometry on average: E||A(X)||^2 = ||X||_F^2 (symmetric X for the GOE design)
    big = SensingOperator.symmetric_gaussian(4000, 4, seed=1)
    Xs = rng.standard_normal((4, 4))
    Xs = Xs + Xs.T
    assert abs(np.linalg.norm(big.forward(Xs)) ** 2 / np.linalg.norm(Xs) ** 2 - 1) < 0.1


def test_sensing_problem_from_synthetic_and_bad_input():
    op, y, M = matrix_sensing(6, 6, 2, m=100, seed=0, symmetric=True)
    prob = LowRankProblem.sensing(op, y, rank=3, truth=M)
    assert prob.symmetric and isinstance(prob.as_start(None), SymmetricFactor)
    assert LowRankProblem.sensing(op, y, rank=3, symmetric=False).symmetric is False
    op2, y2, _ = matrix_sensing(6, 5, 2, m=100, seed=0)
    assert not LowRankProblem.sensing(op2, y2, rank=2).symmetric
    with pytest.raises(ValueError, match="`y` must have 100 entries"):
        LowRankProblem.sensing(op, y[:-1], rank=2)
    with pytest.raises(ValueError, match="`y` contains NaN"):
        LowRankProblem.sensing(op, np.where(np.arange(100) == 3, np.nan, y), rank=2)
    with pytest.raises(ValueError, match="`rank` must be <= min"):
        LowRankProblem.sensing(op2, y2, rank=6)
    with pytest.raises(ValueError, match="symmetric=True"):
        LowRankProblem.sensing(op2, y2, rank=2, symmetric=True)
    with pytest.raises(ValueError, match="n1\\*n2 = 36 columns"):
        SensingOperator(np.ones((3, 35)), (6, 6))
    with pytest.raises(ValueError, match="NaN or inf"):
        SensingOperator(np.full((3, 4), np.nan), (2, 2))
    with pytest.raises(TypeError, match="together with `shape`"):
        LowRankProblem.sensing(np.ones((3, 4)), np.ones(3), 1)
    with pytest.raises(ValueError, match="completion problems"):
        optkit.minimize(prob, method="altmin")


def test_memory_of_a_large_completion_stays_small():
    """|Omega| = 1e6 on a 1e5 x 1e5 matrix: building the problem and two AltMin
    iterations allocate < 200 MB (a dense matrix would need 80 GB). tracemalloc
    sees NumPy's allocations, not those inside compiled kernels (small per-row
    buffers here)."""
    rng = np.random.default_rng(0)
    n, N, k = 100_000, 1_000_000, 5
    U, V = rng.standard_normal((n, k)), rng.standard_normal((n, k))
    rows, cols = rng.integers(0, n, N), rng.integers(0, n, N)
    vals = np.einsum("ij,ij->i", U[rows], V[cols])
    tracemalloc.start()
    try:
        prob = LowRankProblem.completion(rows, cols, vals, (n, n), k, duplicates="mean")
        _, peak_build = tracemalloc.get_traced_memory()
        res = optkit.minimize(prob, method="altmin", options={"maxiter": 2})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.nit == 2 and res.U.shape == (n, k)
    assert peak_build < 200e6, peak_build
    assert peak < 200e6, peak
