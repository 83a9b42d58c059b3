"""The grouped-argument kernels (namedtuples) against their flat kernels and NumPy.

Each public kernel with a long argument list is a Python wrapper that unpacks its
namedtuples into the flat compiled kernel (the pre-split body, unchanged). These tests
check the unpacking order: the wrapper's output must equal the flat kernel's output
bitwise on a random instance, and the fixed-block GLM kernel must match a NumPy
reference of its Lipschitz / diagonal block steps.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from optkit.kernels import enet_ws, glm_blocks, glm_coordinate, quadratic_bcd
from optkit.kernels.cd_scalar import LOSS_LOGISTIC, LOSS_SQUARED, Penalty
from optkit.kernels.columns import Columns, GLMData


def _instance(sparse, loss, seed=0, n=40, d=12):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X[rng.random((n, d)) < 0.4] = 0.0
    if sparse:
        Xc = sp.csc_matrix(X)
        Xc.sort_indices()
        cols = (np.zeros((1, 1), order="F"), Xc.data, Xc.indices, Xc.indptr, False)
    else:
        cols = (np.asfortranarray(X), np.zeros(1), np.zeros(1, np.int32),
                np.zeros(2, np.int32), True)
    y = rng.standard_normal(n) if loss == LOSS_SQUARED else np.sign(rng.standard_normal(n))
    pen = (rng.uniform(0, 0.05, d), rng.uniform(0, 0.02, d), np.full(d, -np.inf),
           np.where(rng.random(d) < 0.3, 0.2, np.inf))
    return X, cols, y, pen


def _z0(X, y, loss):
    return X @ np.zeros(X.shape[1]) - (y if loss == LOSS_SQUARED else 0.0)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("loss", [LOSS_SQUARED, LOSS_LOGISTIC])
@pytest.mark.parametrize("rule,update", [(0, 0), (3, 1), (0, 2), (5, 2)])
def test_glm_bcd_fixed_grouped_equals_flat(sparse, loss, rule, update):
    X, cols, y, pen = _instance(sparse, loss)
    n, d = X.shape
    bptr = np.array([0, 3, 4, 8, 12], dtype=np.int64)
    bidx = np.random.default_rng(1).permutation(d).astype(np.int64)
    Lb = glm_blocks.glm_block_lipschitz(bptr, bidx, *cols, n) * (1.0 if loss == 0 else 0.25)
    Lc = (X ** 2).sum(0) / n * (1.0 if loss == 0 else 0.25)
    Lc[Lc <= 0] = 1.0
    order = np.array([0, 2, 1, 3, 2, 0, 1], dtype=np.int64)
    out = []
    for grouped in (True, False):
        z, w = _z0(X, y, loss), np.zeros(d)
        if grouped:
            work = glm_blocks.glm_bcd_fixed(GLMData(Columns(*cols), y, loss, 1.0 / n),
                                            Penalty(*pen), glm_blocks.FixedBlocks(bptr, bidx,
                                                                                  Lb, Lc),
                                            z, w, order, order.size, rule, update, np.empty(d))
        else:
            work = glm_blocks._glm_bcd_fixed(*cols, y, z, w, bptr, bidx, Lb, Lc, order,
                                             order.size, rule, update, *pen, loss, 1.0 / n,
                                             np.empty(d))
        out.append((z, w, work))
    (z1, w1, k1), (z2, w2, k2) = out
    assert np.any(w1 != 0)                       # the instance moves
    assert np.array_equal(w1, w2) and np.array_equal(z1, z2) and k1 == k2
    np.testing.assert_allclose(z1, X @ w1 - (y if loss == 0 else 0.0), atol=1e-12)


@pytest.mark.parametrize("update", [0, 1])
def test_glm_bcd_fixed_grouped_matches_numpy(update):
    """Lipschitz (1/L_b) or diagonal (1/(|b| L_i)) prox steps on each block, in NumPy."""
    X, cols, y, pen = _instance(False, LOSS_LOGISTIC, seed=3)
    n, d = X.shape
    l1, l2, lo, hi = pen
    bptr = np.arange(0, d + 1, 4, dtype=np.int64)
    bidx = np.arange(d, dtype=np.int64)
    Lb = glm_blocks.glm_block_lipschitz(bptr, bidx, *cols, n) * 0.25
    Lc = (X ** 2).sum(0) / n * 0.25
    order = np.array([0, 2, 1, 0, 2], dtype=np.int64)
    z, w = np.zeros(n), np.zeros(d)
    glm_blocks.glm_bcd_fixed(GLMData(Columns(*cols), y, LOSS_LOGISTIC, 1.0 / n), Penalty(*pen),
                             glm_blocks.FixedBlocks(bptr, bidx, Lb, Lc), z, w, order,
                             order.size, 0, update, np.empty(d))
    ref = np.zeros(d)
    for b in order:
        c = bidx[bptr[b]:bptr[b + 1]]
        g = X.T @ (-y / (1 + np.exp(y * (X @ ref)))) / n
        h = Lb[b] if update == 0 else c.size * Lc[c]
        v = ref[c] - g[c] / h
        ref[c] = np.clip(np.sign(v) * np.maximum(np.abs(v) - l1[c] / h, 0) / (1 + l2[c] / h),
                         lo[c], hi[c])
    np.testing.assert_allclose(w, ref, rtol=0, atol=1e-13)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("loss", [LOSS_SQUARED, LOSS_LOGISTIC])
@pytest.mark.parametrize("rule,newton", [(0, False), (5, True)])
def test_glm_cd_and_block_cd_grouped_equal_flat(sparse, loss, rule, newton):
    X, cols, y, pen = _instance(sparse, loss, seed=4)
    n, d = X.shape
    Lc = (X ** 2).sum(0) / n * (1.0 if loss == 0 else 0.25)
    Lc[Lc <= 0] = 1.0
    order = np.random.default_rng(5).integers(0, d, 30).astype(np.int64)
    block = np.array([1, 4, 7, 9], dtype=np.int64)
    D = GLMData(Columns(*cols), y, loss, 1.0 / n)
    z1, w1, z2, w2 = _z0(X, y, loss), np.zeros(d), _z0(X, y, loss), np.zeros(d)
    k1 = glm_coordinate.glm_cd(D, Penalty(*pen), z1, w1, order, 30, rule, Lc, 0.01, newton,
                               np.empty(d))
    k2 = glm_coordinate._glm_cd(*cols, y, z2, w2, order, 30, rule, Lc, *pen, loss, 0.01,
                                1.0 / n, newton, np.empty(d))
    assert np.array_equal(w1, w2) and np.array_equal(z1, z2) and k1 == k2 and np.any(w1)
    r1 = glm_coordinate.glm_block_cd(D, Penalty(*pen), z1, w1, block, Lc, 0.01, newton, 1e-9, 50)
    r2 = glm_coordinate._glm_block_cd(*cols, y, z2, w2, block, Lc, *pen, loss, 0.01, 1.0 / n,
                                      newton, 1e-9, 50)
    assert np.array_equal(w1, w2) and np.array_equal(z1, z2) and r1 == r2


@pytest.mark.parametrize("tau,rule,update", [(0, 0, 0), (0, 5, 2), (0, 1, 1), (4, 5, 2),
                                             (4, 3, 1)])
def test_quad_bcd_grouped_equals_flat(tau, rule, update):
    rng = np.random.default_rng(6)
    d = 12
    M = rng.standard_normal((d, d))
    Q = M @ M.T / d + np.eye(d)
    c = rng.standard_normal(d)
    bptr = np.arange(0, d + 1, 3, dtype=np.int64)
    bidx = np.arange(d, dtype=np.int64)
    blocks = [bidx[bptr[b]:bptr[b + 1]] for b in range(4)]
    Lb = np.array([np.linalg.eigvalsh(Q[np.ix_(B, B)])[-1] for B in blocks])
    Hinv = np.concatenate([np.linalg.inv(Q[np.ix_(B, B)]).ravel() for B in blocks])
    hoff = np.arange(0, 36, 9, dtype=np.int64)
    Dfix = np.abs(Q).sum(1)
    pen = (np.full(d, 0.05), np.zeros(d), np.full(d, -np.inf), np.full(d, np.inf))
    order = np.array([0, 3, 1, 2, 0], dtype=np.int64)
    out = []
    for grouped in (True, False):
        x = np.zeros(d)
        g = Q @ x - c
        if grouped:
            k = quadratic_bcd.quad_bcd(Q, g, x, quadratic_bcd.QuadBlocks(bptr, bidx, Lb, Dfix,
                                                                         Hinv, hoff, tau),
                                       order, 5, rule, update, Penalty(*pen), True)
        else:
            k = quadratic_bcd._quad_bcd(Q, g, x, bptr, bidx, Lb, Dfix, Hinv, hoff, order, 5,
                                        rule, update, tau, *pen, True)
        out.append((x, g, k))
    assert np.array_equal(out[0][0], out[1][0]) and np.array_equal(out[0][1], out[1][1])
    assert out[0][2] == out[1][2] and np.any(out[0][0])
    np.testing.assert_allclose(out[0][1], Q @ out[0][0] - c, atol=1e-12)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("anderson", [0, 3])
def test_enet_ws_solvers_grouped_equal_flat(sparse, anderson):
    X, cols, y, _ = _instance(sparse, LOSS_SQUARED, seed=7)
    n, d = X.shape
    lam, mu = np.full(d, 0.5), np.full(d, 0.1)
    colsq = (X ** 2).sum(0)
    ws = np.array([0, 2, 3, 5, 8, 11], dtype=np.int64)
    res = []
    for grouped in (True, False):
        w, c = np.zeros(d), np.zeros(d)
        r = -y.copy()
        if grouped:
            out = enet_ws.enet_ws_solve(Columns(*cols), y, r, w, lam, mu, colsq, ws,
                                        enet_ws.WSControl(1e-10, 3, 500, anderson), c)
        else:
            out = enet_ws._enet_ws_solve(*cols, y, r, w, lam, mu, colsq, ws, 1e-10, 3, 500, c,
                                         anderson)
        res.append((w, r, c, out))
    assert all(np.array_equal(a, b) for a, b in zip(res[0][:3], res[1][:3]))
    assert res[0][3] == res[1][3] and np.any(res[0][0])
    G = np.ascontiguousarray(X[:, ws].T @ X[:, ws])
    res = []
    for grouped in (True, False):
        w, c = np.zeros(d), np.zeros(d)
        r = -y.copy()
        q = X[:, ws].T @ r
        args = (G, ws, w, q, X[:, ws].T @ y, r, y, lam, mu)
        if grouped:
            out = enet_ws.enet_gram_solve(*args, enet_ws.WSControl(1e-10, 3, 500, anderson), c)
        else:
            out = enet_ws._enet_gram_solve(*args, 1e-10, 3, 500, c, anderson)
        res.append((w, q, c, out))
    assert all(np.array_equal(a, b) for a, b in zip(res[0][:3], res[1][:3]))
    assert res[0][3] == res[1][3] and np.any(res[0][0])
