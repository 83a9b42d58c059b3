"""Ruiz equilibration and Pock-Chambolle scaling: defining identities, the
inf-norm limit of Ruiz, the operator-norm bound of Pock-Chambolle (checked by a
dense SVD), dense/sparse agreement and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from optkit.problems._scaling import (pock_chambolle_scale, pock_chambolle_steps,
                                      ruiz_equilibrate, scale_matrix)


def _badly_scaled(seed, m=30, n=45, density=0.3, zero_row=False, zero_col=False):
    rng = np.random.default_rng(seed)
    K = rng.standard_normal((m, n)) * (rng.random((m, n)) < density)
    # rows and columns over ten orders of magnitude
    K *= np.logspace(-5, 5, m)[:, None]
    K *= np.logspace(3, -3, n)[None, :]
    if zero_row:
        K[3] = 0.0
    if zero_col:
        K[:, 7] = 0.0
    return K


@pytest.mark.parametrize("sparse", [False, True])
def test_ruiz_inf_norms_tend_to_one(sparse):
    K = _badly_scaled(0, zero_row=True, zero_col=True)
    Kin = sp.csr_matrix(K) if sparse else K
    before = np.abs(K).max(axis=1)
    assert before[before > 0].max() / before[before > 0].min() > 1e6
    out = ruiz_equilibrate(Kin, max_iter=30)
    S = out.matrix.toarray() if sparse else out.matrix
    assert sp.issparse(out.matrix) == sparse
    np.testing.assert_allclose(S, out.row_scale[:, None] * K * out.col_scale[None, :],
                               rtol=1e-12, atol=0)
    rows, cols = np.abs(S).max(axis=1), np.abs(S).max(axis=0)
    nzr, nzc = rows > 0, cols > 0
    np.testing.assert_allclose(rows[nzr], 1.0, atol=1e-6)
    np.testing.assert_allclose(cols[nzc], 1.0, atol=1e-6)
    # zero rows and columns keep factor 1
    assert out.row_scale[3] == 1.0 and out.col_scale[7] == 1.0


def test_ruiz_contracts_with_more_passes_and_tol_stops_early():
    K = _badly_scaled(1)

    def deviation(S):
        return max(np.abs(np.abs(S).max(axis=1) - 1).max(), np.abs(np.abs(S).max(axis=0) - 1).max())

    devs = [deviation(ruiz_equilibrate(K, max_iter=k).matrix) for k in (1, 3, 10)]
    assert devs[0] > devs[1] > devs[2]
    early = ruiz_equilibrate(K, max_iter=1000, tol=1e-3)
    assert deviation(early.matrix) <= 1e-3
    assert deviation(early.matrix) > 1e-9  # it did stop before the fixed point


def test_ruiz_zero_iterations_is_identity():
    K = _badly_scaled(2)
    out = ruiz_equilibrate(K, max_iter=0)
    np.testing.assert_array_equal(out.matrix, K)
    np.testing.assert_array_equal(out.row_scale, 1.0)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 1.5, 2.0])
@pytest.mark.parametrize("sparse", [False, True])
def test_pock_chambolle_norm_bound(alpha, sparse):
    K = _badly_scaled(3, zero_row=True, zero_col=True)
    Kin = sp.csr_matrix(K) if sparse else K
    sigma, tau = pock_chambolle_steps(Kin, alpha)
    # the definition, computed independently on the dense matrix
    absK = np.abs(K)
    mask = absK > 0
    row_sums = (np.where(mask, absK, 1.0) ** alpha * mask).sum(axis=1)
    col_sums = (np.where(mask, absK, 1.0) ** (2 - alpha) * mask).sum(axis=0)
    np.testing.assert_allclose(sigma[row_sums > 0], 1 / row_sums[row_sums > 0], rtol=1e-12)
    np.testing.assert_allclose(tau[col_sums > 0], 1 / col_sums[col_sums > 0], rtol=1e-12)
    assert sigma[3] == 1.0 and tau[7] == 1.0
    op = np.sqrt(sigma)[:, None] * K * np.sqrt(tau)[None, :]
    assert np.linalg.norm(op, 2) <= 1.0 + 1e-12
    out = pock_chambolle_scale(Kin, alpha)
    S = out.matrix.toarray() if sparse else out.matrix
    np.testing.assert_allclose(S, op, rtol=1e-12, atol=1e-300)
    assert np.linalg.norm(S, 2) <= 1.0 + 1e-12


def test_pock_chambolle_bound_is_tight_for_a_rank_one_ones_matrix():
    # all-ones m x n with alpha = 1: sigma = 1/n, tau = 1/m, ||.|| = sqrt(mn)/sqrt(mn) = 1
    K = np.ones((4, 9))
    out = pock_chambolle_scale(K, 1.0)
    assert np.linalg.norm(out.matrix, 2) == pytest.approx(1.0, rel=1e-12)


def test_ruiz_then_pock_chambolle_composes():
    K = sp.random(40, 60, density=0.1, random_state=4, format="csr") * 1e4
    ruiz = ruiz_equilibrate(K)
    pc = pock_chambolle_scale(ruiz.matrix)
    r = ruiz.row_scale * pc.row_scale
    c = ruiz.col_scale * pc.col_scale
    np.testing.assert_allclose(pc.matrix.toarray(), scale_matrix(K, r, c).toarray(), rtol=1e-12)


def test_scale_matrix_dense_sparse_agree():
    rng = np.random.default_rng(5)
    K = sp.random(7, 5, density=0.5, random_state=5, format="coo")
    r, c = rng.random(7) + 0.1, rng.random(5) + 0.1
    np.testing.assert_allclose(scale_matrix(K, r, c).toarray(), scale_matrix(K.toarray(), r, c),
                               rtol=1e-14)


@pytest.mark.parametrize("bad, match", [
    (np.array([[1.0, np.nan]]), "NaN or infinite"),
    (sp.csr_matrix(np.array([[1.0, np.inf]])), "NaN or infinite"),
    (np.ones(3), "2-D"),
    (np.array([["a"]]), "real"),
])
def test_bad_matrix(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        ruiz_equilibrate(bad)
    with pytest.raises((ValueError, TypeError), match=match):
        pock_chambolle_steps(bad)


def test_bad_parameters():
    with pytest.raises(ValueError, match="alpha"):
        pock_chambolle_steps(np.eye(2), alpha=2.5)
    with pytest.raises(ValueError, match="max_iter"):
        ruiz_equilibrate(np.eye(2), max_iter=-1)
    with pytest.raises(ValueError, match="tol"):
        ruiz_equilibrate(np.eye(2), tol=np.nan)


def test_sparse_duplicates_are_summed_and_input_untouched():
    # COO with a duplicate entry (0, 0): 1 + 3 = 4 is the entry the norms see
    K = sp.coo_matrix(([1.0, 3.0, -2.0], ([0, 0, 1], [0, 0, 1])), shape=(2, 2))
    dense = K.toarray()
    out = ruiz_equilibrate(K, max_iter=1)
    np.testing.assert_allclose(out.row_scale, [0.5, 1 / np.sqrt(2)])
    np.testing.assert_allclose(out.matrix.toarray(), scale_matrix(dense, out.row_scale,
                                                                  out.col_scale))
    Kc = sp.csr_matrix(dense)
    before = Kc.data.copy()
    ruiz_equilibrate(Kc)
    pock_chambolle_scale(Kc)
    np.testing.assert_array_equal(Kc.data, before)
