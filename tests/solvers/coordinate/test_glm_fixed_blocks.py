"""bcd with fixed blocks on GLMs (compiled kernel, z = Xw maintained)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp

import optkit
from optkit.kernels.cd_scalar import Penalty
from optkit.kernels.columns import Columns, GLMData
from optkit.kernels.glm_blocks import FixedBlocks, glm_bcd_fixed, glm_block_lipschitz
from optkit.problems import CompositeProblem
from optkit.problems.composite import L1LogisticRegression
from optkit.problems.glm import LeastSquares, LogisticRegression


def _data(sparse, seed=0, n=150, d=24):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * np.exp(rng.uniform(-1, 1, d))
    if sparse:
        X[rng.random((n, d)) < 0.5] = 0.0
    y = np.sign(X[:, :4] @ rng.standard_normal(4) + 0.3 * rng.standard_normal(n))
    return (sp.csr_matrix(X) if sparse else X), y


def _args(X):
    if sp.issparse(X):
        Xc = sp.csc_matrix(X)
        return (np.zeros((1, 1), order="F"), Xc.data, Xc.indices, Xc.indptr, False)
    return (np.asfortranarray(X), np.zeros(1), np.zeros(1, np.int32), np.zeros(2, np.int32),
            True)


@pytest.mark.parametrize("sparse", [False, True])
def test_block_lipschitz_constants(sparse):
    X, _ = _data(sparse)
    Xd = X.toarray() if sparse else X
    bptr = np.array([0, 5, 6, 15, 24], dtype=np.int64)
    bidx = np.random.default_rng(1).permutation(24).astype(np.int64)
    L = glm_block_lipschitz(bptr, bidx, *_args(X), X.shape[0])
    for b in range(4):
        cols = bidx[bptr[b]:bptr[b + 1]]
        ref = np.linalg.eigvalsh(Xd[:, cols].T @ Xd[:, cols] / X.shape[0])[-1]
        assert L[b] == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("update", [0, 1])
@pytest.mark.parametrize("loss", [0, 1])
def test_block_steps_match_numpy(update, loss):
    """Jacobi prox steps on the block with 1/L_b (update 0) or 1/(|b| L_i) (update 1)."""
    X, y = _data(False, seed=2)
    n, d = X.shape
    if loss == 0:
        y = X @ np.random.default_rng(3).standard_normal(d)
    bptr = np.arange(0, d + 1, 6, dtype=np.int64)
    bidx = np.arange(d, dtype=np.int64)
    scale = 1.0 if loss == 0 else 0.25
    Lb = glm_block_lipschitz(bptr, bidx, *_args(X), n) * scale
    Lc = (X ** 2).sum(axis=0) / n * scale
    l1, l2 = np.full(d, 0.01), np.full(d, 0.02)
    lo, hi = np.full(d, -np.inf), np.full(d, 0.4)
    order = np.array([0, 2, 1, 3, 2, 0], dtype=np.int64)
    w = np.zeros(d)
    z = X @ w - (y if loss == 0 else 0.0)
    glm_bcd_fixed(GLMData(Columns(*_args(X)), y, loss, 1.0 / n), Penalty(l1, l2, lo, hi),
                  FixedBlocks(bptr, bidx, Lb, Lc), z, w, order, order.size, 0, update,
                  np.empty(d))
    ref = np.zeros(d)
    for b in order:
        cols = bidx[bptr[b]:bptr[b + 1]]
        m = X @ ref
        g = X.T @ ((m - y) if loss == 0 else -y / (1 + np.exp(y * m))) / n
        h = Lb[b] if update == 0 else cols.size * Lc[cols]
        v = ref[cols] - g[cols] / h
        s = 1.0 / h
        ref[cols] = np.clip(np.sign(v) * np.maximum(np.abs(v) - s * l1[cols], 0)
                            / (1 + s * l2[cols]), lo[cols], hi[cols])
    np.testing.assert_allclose(w, ref, atol=1e-13)
    np.testing.assert_allclose(z, X @ w - (y if loss == 0 else 0.0), atol=1e-12)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("rule,update", [("cyclic", "lipschitz"), ("gsd", "diagonal"),
                                         ("cyclic", "newton"), ("gsq", "newton"),
                                         ("lipschitz-sampling", "lipschitz")])
def test_logistic_fixed_blocks_match_scipy(sparse, rule, update):
    X, y = _data(sparse, seed=4)
    prob = CompositeProblem(LogisticRegression(X, y, mu=1e-2))
    ref = scipy.optimize.minimize(prob.smooth.fun, np.zeros(X.shape[1]), jac=prob.smooth.grad,
                                  hess=prob.smooth.hess, method="trust-exact",
                                  options={"gtol": 1e-12}).x
    res = optkit.minimize(prob, method="bcd", tol=1e-10, options=dict(
        rule=rule, update=update, blocks="contiguous", block_size=5, seed=0,
        maxiter=2_000_000, trace=False))
    assert res.success
    np.testing.assert_allclose(res.x, ref, atol=1e-7)
    assert res.nwork > 0 and res.njev == 0      # compiled kernel, no oracle calls


def test_least_squares_partition_without_gram_matches_lstsq():
    X, _ = _data(False, seed=5)
    rng = np.random.default_rng(5)
    b = rng.standard_normal(X.shape[0])
    labels = rng.integers(0, 4, X.shape[1])
    res = optkit.minimize(CompositeProblem(LeastSquares(X, b)), method="bcd", tol=1e-11,
                          options=dict(blocks="partition", partition=labels, update="matrix",
                                       gram=False, maxiter=1_000_000))
    assert res.success
    np.testing.assert_allclose(res.x, np.linalg.lstsq(X, b, rcond=None)[0], atol=1e-8)


@pytest.mark.parametrize("sparse", [False, True])
def test_l1_logistic_fixed_newton_blocks_agree_with_coordinates(sparse):
    X, y = _data(sparse, seed=6)
    prob = L1LogisticRegression(X, y, 0.01)
    a = optkit.minimize(prob, method="bcd", tol=1e-10,
                        options=dict(blocks="contiguous", block_size=4, update="newton"))
    b = optkit.minimize(prob, method="bcd", tol=1e-10, options=dict(maxiter=1_000_000))
    assert a.success and b.success
    np.testing.assert_allclose(a.x, b.x, atol=1e-7)
    np.testing.assert_array_equal(a.x != 0, b.x != 0)
