"""The low-rank kernels against NumPy references (parallel and serial twins)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from optkit.kernels import lowrank as K
from optkit.problems.lowrank import LowRankProblem


def _entries(m=13, n=9, p=0.5, seed=0, empty_row=True):
    rng = np.random.default_rng(seed)
    mask = rng.random((m, n)) < p
    if empty_row:
        mask[3] = False            # a row and a column without entries
        mask[:, 5] = False
    rows, cols = np.nonzero(mask)
    vals = rng.standard_normal(rows.size)
    return LowRankProblem.completion(rows, cols, vals, (m, n), 3), rows, cols, vals


def _twins(name):
    return [getattr(K, name), getattr(K, name + "_serial")]


@pytest.mark.parametrize("twin", [0, 1])
def test_sampled_product_and_sparse_products(twin):
    prob, rows, cols, vals = _entries()
    m, n = prob.shape
    rng = np.random.default_rng(1)
    U, V = rng.standard_normal((m, 3)), rng.standard_normal((n, 3))
    r, c, v = prob.entries()
    out = _twins("sampled_product")[twin](prob.ptr_r, prob.idx_r, U, V, np.empty(prob.nobs))
    np.testing.assert_allclose(out, (U @ V.T)[r, c], rtol=1e-13, atol=1e-13)
    w = rng.standard_normal(prob.nobs)
    S = sp.csr_matrix((w, (r, c)), shape=(m, n)).toarray()
    SV = _twins("csr_times")[twin](prob.ptr_r, prob.idx_r, w, V, np.empty((m, 3)))
    StU = _twins("csc_times")[twin](prob.ptr_c, prob.idx_c, prob.perm_c, w, U, np.empty((n, 3)))
    np.testing.assert_allclose(SV, S @ V, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(StU, S.T @ U, rtol=1e-13, atol=1e-13)


def _lstsq_rows(prob, F, side, reg=0.0):
    """Reference: numpy.linalg.lstsq per row (ridge by stacking sqrt(reg) I)."""
    r, c, v = prob.entries()
    own, other = (r, c) if side == "rows" else (c, r)
    nrow = prob.shape[0] if side == "rows" else prob.shape[1]
    k = F.shape[1]
    out = np.zeros((nrow, k))
    for i in range(nrow):
        sel = own == i
        if not sel.any():
            continue
        A = np.vstack([F[other[sel]], np.sqrt(reg) * np.eye(k)])
        b = np.concatenate([v[sel], np.zeros(k)])
        out[i] = np.linalg.lstsq(A, b, rcond=None)[0]
    return out


@pytest.mark.parametrize("twin", [0, 1])
@pytest.mark.parametrize("side", ["rows", "cols"])
def test_least_squares_exact_and_sketched(side, twin):
    # dense enough that every nonempty row has more entries than k (a unique solution)
    prob, *_ = _entries(m=40, n=30, p=0.6, seed=2)
    m, n = prob.shape
    rng = np.random.default_rng(3)
    F = rng.standard_normal((n if side == "rows" else m, 3))
    ref = _lstsq_rows(prob, F, side, reg=1e-3)
    ptr, idx, vals = ((prob.ptr_r, prob.idx_r, prob.vals) if side == "rows"
                      else (prob.ptr_c, prob.idx_c, prob.vals_c))
    nrow = ptr.size - 1
    exact = _twins("ls_rows_exact")[twin](ptr, idx, vals, F, 1e-3, np.empty((nrow, 3)))
    np.testing.assert_allclose(exact, ref, rtol=1e-9, atol=1e-10)
    # sketched CG to a tight tolerance from a zero start: the same solution
    iters = np.empty(nrow, dtype=np.int64)
    sk = _twins("ls_rows_sketched")[twin](ptr, idx, vals, F, np.zeros((nrow, 3)), 1e-3, 6, 2,
                                          7, 1e-13, 100, np.empty((nrow, 3)), iters)
    np.testing.assert_allclose(sk, ref, rtol=1e-8, atol=1e-9)
    assert iters.max() > 0                      # rows with > 6 entries went through CG
    # a loose tolerance stops early: fewer iterations, a worse but finite solution
    iters2 = np.empty(nrow, dtype=np.int64)
    _twins("ls_rows_sketched")[twin](ptr, idx, vals, F, np.zeros((nrow, 3)), 1e-3, 6, 2, 7,
                                     0.5, 100, np.empty((nrow, 3)), iters2)
    assert iters2.sum() < iters.sum()


def test_sketched_solver_is_deterministic_in_the_seed():
    prob, *_ = _entries(m=40, n=30, p=0.6, seed=2)
    F = np.random.default_rng(3).standard_normal((30, 3))
    args = (prob.ptr_r, prob.idx_r, prob.vals, F, np.zeros((40, 3)), 0.0, 6, 2)
    runs = [K.ls_rows_sketched(*args, seed, 0.3, 2, np.empty((40, 3)), np.empty(40, np.int64))
            for seed in (5, 5, 6)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_cholesky_helpers():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 4))
    G = A.T @ A + 0.1 * np.eye(4)
    L = G.copy()
    assert K.cholesky_inplace(L)
    np.testing.assert_allclose(np.tril(L), np.linalg.cholesky(G), rtol=1e-12)
    b = rng.standard_normal(4)
    np.testing.assert_allclose(K.cholesky_solve_inplace(np.tril(L), b.copy()),
                               np.linalg.solve(G, b), rtol=1e-11)
    assert not K.cholesky_inplace(-np.eye(3))


@pytest.mark.parametrize("twin", [0, 1])
def test_dense_sensing_products(twin):
    rng = np.random.default_rng(4)
    A = rng.standard_normal((50, 7 * 6))
    x = rng.standard_normal(42)
    z = rng.standard_normal(50)
    np.testing.assert_allclose(_twins("dense_forward")[twin](A, x, np.empty(50)), A @ x,
                               rtol=1e-12)
    np.testing.assert_allclose(_twins("dense_adjoint")[twin](A, z, np.empty(42)), A.T @ z,
                               rtol=1e-12, atol=1e-12)
    # more columns than one chunk of the adjoint
    A = rng.standard_normal((5, 700))
    np.testing.assert_allclose(K.dense_adjoint(A, z[:5], np.empty(700)), A.T @ z[:5],
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("twin", [0, 1])
def test_sparse_sensing_products(twin):
    rng = np.random.default_rng(5)
    n1, n2, k, m = 7, 6, 2, 40
    A = sp.random(m, n1 * n2, density=0.2, format="csr", random_state=5)
    U, V = rng.standard_normal((n1, k)), rng.standard_normal((n2, k))
    z = rng.standard_normal(m)
    ptr, flat = A.indptr.astype(np.int64), A.indices.astype(np.int64)
    out = _twins("sparse_forward")[twin](ptr, flat, A.data, U, V, n2, np.empty(m))
    np.testing.assert_allclose(out, A @ (U @ V.T).ravel(), rtol=1e-12, atol=1e-13)
    Z = (A.T @ z).reshape(n1, n2)
    left = K.sparse_adjoint_times(ptr, flat, A.data, z, V, n2, True, np.empty((n1, k)))
    right = K.sparse_adjoint_times(ptr, flat, A.data, z, U, n2, False, np.empty((n2, k)))
    np.testing.assert_allclose(left, Z @ V, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(right, Z.T @ U, rtol=1e-12, atol=1e-13)
