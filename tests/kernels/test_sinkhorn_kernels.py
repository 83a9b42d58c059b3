"""The Numba OT kernels against their NumPy references (optkit.kernels.sinkhorn)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from optkit.kernels import sinkhorn as K
from optkit.problems.synthetic import ot_point_clouds


@pytest.fixture(scope="module")
def data():
    a, b, M = ot_point_clouds(61, 47, weights="random", seed=0)
    rng = np.random.default_rng(1)
    return a, b, M, 0.02 * rng.standard_normal(61), 0.02 * rng.standard_normal(47)


def test_fexp_relative_error_and_limits():
    x = np.concatenate([np.linspace(-708, 708, 200_001), [-0.0, 0.0, 1e-300, -1e-300]])
    y = K.exp_array(x)
    rel = np.abs(y - np.exp(x)) / np.exp(x)
    assert np.all(rel <= 5e-16 + 1.5e-16 * np.abs(x))      # see fexp's docstring
    assert np.max(rel[np.abs(x) <= 2]) <= 5e-16
    ext = np.array([-np.inf, -1e4, -709.0, 709.0, 1e4, np.inf, np.nan])
    np.testing.assert_array_equal(K.exp_array(ext)[:-1], K.exp_array_reference(ext)[:-1])
    assert np.isnan(K.exp_array(ext)[-1])


@pytest.mark.parametrize("reg", [0.5, 0.02, 1e-4])
def test_log_row_update(data, reg):
    a, b, M, f, g = data
    f_out = np.empty_like(f)
    colsum, cost, _ = K.log_row_update(M, f, g, np.log(a), a, reg, f_out, True,
                                       K.nchunks(M.shape[0]))
    f_ref, col_ref, cost_ref = K.log_row_update_reference(M, f, g, np.log(a), a, reg)
    np.testing.assert_allclose(f_out, f_ref, rtol=1e-13, atol=1e-13 * reg)
    np.testing.assert_allclose(colsum, col_ref, rtol=1e-12, atol=1e-15)
    assert cost == pytest.approx(cost_ref, rel=1e-12, abs=1e-15)
    # without the check the potentials are the same and nothing else is computed
    f2 = np.empty_like(f)
    colsum2, cost2, _ = K.log_row_update(M, f, g, np.log(a), a, reg, f2, False, 1)
    np.testing.assert_allclose(f2, f_out, rtol=1e-14, atol=1e-14 * reg)
    assert colsum2.size == 0 and cost2 == 0.0
    f3 = np.empty_like(f)
    colsum3, cost3, _ = K.log_row_update_serial(M, f, g, np.log(a), a, reg, f3, True)
    np.testing.assert_allclose(f3, f_ref, rtol=1e-13, atol=1e-13 * reg)
    np.testing.assert_allclose(colsum3, col_ref, rtol=1e-12, atol=1e-15)
    assert cost3 == pytest.approx(cost_ref, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("reg", [0.5, 0.02, 1e-4])
def test_log_col_update(data, reg):
    a, b, M, f, g = data
    g_out = np.empty_like(g)
    K.log_col_update(M, f, g, np.log(b), reg, g_out, K.nchunks(M.shape[0]))
    g_ref = K.log_col_update_reference(M, f, g, np.log(b), reg)
    np.testing.assert_allclose(g_out, g_ref, rtol=1e-13, atol=1e-13 * reg)
    K.log_col_update_serial(M, f, g, np.log(b), reg, g_out)
    np.testing.assert_allclose(g_out, g_ref, rtol=1e-13, atol=1e-13 * reg)


def test_bad_shift_falls_back_to_exact_max():
    """A shift 1e4/reg off (a wild warm start) overflows the shifted sum: the
    kernels redo those rows/columns with the max shift and stay exact."""
    a, b, M = ot_point_clouds(20, 30, seed=2)
    reg = 0.01
    f, g = np.full(20, 50.0), np.full(30, -80.0)
    f_out, g_out = np.empty(20), np.empty(30)
    _, _, nfix = K.log_row_update(M, f, g, np.log(a), a, reg, f_out, False, 2)
    nfix_col = K.log_col_update(M, f, g, np.log(b), reg, g_out, 2)
    assert nfix == 20 and nfix_col == 30
    np.testing.assert_allclose(f_out, K.log_row_update_reference(M, f, g, np.log(a), a, reg)[0],
                               rtol=1e-13)
    np.testing.assert_allclose(g_out, K.log_col_update_reference(M, f, g, np.log(b), reg),
                               rtol=1e-13)


def test_plan_sums_and_dual_value(data):
    a, b, M, f, g = data
    reg = 0.05
    P_ref, r_ref, c_ref, cost_ref = K.plan_sums_reference(M, f, g, reg)
    out = np.empty_like(M)
    r, c, cost = K.plan_sums(M, f, g, reg, out, True, 3)
    np.testing.assert_allclose(out, P_ref, rtol=1e-14, atol=0)
    np.testing.assert_allclose(r, r_ref, rtol=1e-13)
    np.testing.assert_allclose(c, c_ref, rtol=1e-13)
    assert cost == pytest.approx(cost_ref, rel=1e-13)
    r2, c2, _ = K.plan_sums(M, f, g, reg, np.empty((0, 0)), False, 1)
    np.testing.assert_allclose(r2, r_ref, rtol=1e-13)
    out3 = np.empty_like(M)
    r3, c3, cost3 = K.plan_sums_serial(M, f, g, reg, out3, True)
    np.testing.assert_allclose(out3, P_ref, rtol=1e-14, atol=0)
    np.testing.assert_allclose(c3, c_ref, rtol=1e-13)
    assert cost3 == pytest.approx(cost_ref, rel=1e-13)
    assert K.dual_value(M, f, g, reg) == pytest.approx(K.dual_value_reference(M, f, g, reg),
                                                       rel=1e-13)


def test_scaled_cost(data):
    a, b, M, f, g = data
    Kmat = np.exp(-M / 0.1)
    u, v = np.exp(f), np.exp(g)
    ref = K.scaled_cost_reference(Kmat, M, u, v)
    assert K.scaled_cost(Kmat, M, u, v) == pytest.approx(ref, rel=1e-13)
    assert K.scaled_cost_serial(Kmat, M, u, v) == pytest.approx(ref, rel=1e-13)


def test_sparsify_and_block_matvec(data):
    a, b, M, f, g = data
    P = np.exp((f[:, None] + g[None, :] - M) / 0.03)
    for k in (1, 5, 47, 100):
        indptr, indices, data_ = K.sparsify_topk(P, k)
        S = sp.csr_matrix((data_, indices, indptr), shape=P.shape)
        np.testing.assert_array_equal(S.toarray(), K.sparsify_topk_reference(P, k))
        assert np.all(np.diff(indptr) == min(k, 47))       # continuous data: no ties
    thr = 0.01 * P.max()
    indptr, indices, data_ = K.sparsify_threshold(P, thr)
    S = sp.csr_matrix((data_, indices, indptr), shape=P.shape)
    np.testing.assert_array_equal(S.toarray(), K.sparsify_threshold_reference(P, thr))
    assert np.all(np.diff(indptr) >= 1)
    r, c = P.sum(1), P.sum(0)
    x = np.random.default_rng(0).standard_normal(61 + 47)
    out = np.empty_like(x)
    ref = K.csr_block_matvec_reference(S, r, c, x)
    K.csr_block_matvec(indptr, indices, data_, r, c, x, out, 2)
    np.testing.assert_allclose(out, ref, rtol=1e-13, atol=1e-16)
    K.csr_block_matvec_serial(indptr, indices, data_, r, c, x, out)
    np.testing.assert_allclose(out, ref, rtol=1e-13, atol=1e-16)
