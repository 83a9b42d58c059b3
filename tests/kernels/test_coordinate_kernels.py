"""Coordinate descent kernels against plain NumPy re-implementations."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from optkit.kernels import coordinate as K


def _prox_ref(v, s, l1, l2, lo, hi):
    # argmin_z (z - v)^2 / (2 s) + l1 |z| + l2 z^2 / 2 on [lo, hi], by dense search + polish
    grid = np.linspace(max(lo, -10), min(hi, 10), 200001)
    obj = (grid - v) ** 2 / (2 * s) + l1 * np.abs(grid) + 0.5 * l2 * grid ** 2
    return grid[np.argmin(obj)]


@pytest.mark.parametrize("case", [(1.3, 0.5, 1.0, 0.0, -np.inf, np.inf),
                                  (-0.2, 1.0, 0.5, 0.0, -np.inf, np.inf),
                                  (2.0, 0.5, 0.4, 2.0, -np.inf, np.inf),
                                  (2.0, 1.0, 0.1, 0.0, -1.0, 0.7),
                                  (-3.0, 1.0, 0.0, 0.0, 0.0, np.inf)])
def test_prox_scalar(case):
    assert abs(K.prox_scalar(*case) - _prox_ref(*case)) <= 1e-4


def test_min_norm_subgrad():
    # x > 0: g + l1; x = 0 inside [g - l1, g + l1] -> shrink; at a lower bound only g < 0 counts
    assert K.min_norm_subgrad(0.3, 1.0, 0.5, 0.0, -np.inf, np.inf) == pytest.approx(0.8)
    assert K.min_norm_subgrad(0.3, 0.0, 0.5, 0.0, -np.inf, np.inf) == 0.0
    assert K.min_norm_subgrad(-0.9, 0.0, 0.5, 0.0, -np.inf, np.inf) == pytest.approx(-0.4)
    assert K.min_norm_subgrad(0.9, 0.0, 0.0, 0.0, 0.0, np.inf) == 0.0
    assert K.min_norm_subgrad(-0.9, 0.0, 0.0, 0.0, 0.0, np.inf) == pytest.approx(-0.9)
    assert K.min_norm_subgrad(0.9, 1.0, 0.0, 0.0, 0.0, 1.0) == pytest.approx(0.9)
    assert K.min_norm_subgrad(-0.9, 1.0, 0.0, 0.0, 0.0, 1.0) == 0.0


def _glm_ref(X, y, w, order, loss, l1, l2, lo, hi):
    """Sequential proximal coordinate steps with L_j = ||X_j||^2 / n (x 1/4 logistic)."""
    X = np.asarray(X.toarray() if sp.issparse(X) else X)
    n = X.shape[0]
    w = w.copy()
    L = (X ** 2).sum(axis=0) / n * (1.0 if loss == 0 else 0.25)
    for j in order:
        z = X @ w
        if loss == 0:
            g = X[:, j] @ (z - y) / n
        else:
            g = X[:, j] @ (-y / (1 + np.exp(y * z))) / n
        v = w[j] - g / L[j]
        s = 1.0 / L[j]
        w[j] = np.clip(np.sign(v) * max(abs(v) - s * l1[j], 0) / (1 + s * l2[j]), lo[j], hi[j])
    return w


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("loss", [0, 1])
def test_glm_cd_matches_reference(sparse, loss):
    rng = np.random.default_rng(0)
    n, d = 30, 8
    Xd = rng.standard_normal((n, d))
    Xd[rng.random((n, d)) < 0.4] = 0.0
    y = rng.standard_normal(n) if loss == 0 else np.where(rng.random(n) < 0.5, -1.0, 1.0)
    l1 = np.full(d, 0.05)
    l2 = np.full(d, 0.01)
    lo = np.full(d, -np.inf)
    hi = np.full(d, 0.3)
    w0 = np.zeros(d)
    order = rng.integers(0, d, size=50).astype(np.int64)
    ref = _glm_ref(Xd, y, w0, order, loss, l1, l2, lo, hi)

    L = (Xd ** 2).sum(axis=0) / n * (1.0 if loss == 0 else 0.25)
    w = w0.copy()
    z = Xd @ w - (y if loss == 0 else 0.0)
    if sparse:
        Xc = sp.csc_matrix(Xd)
        args = (np.zeros((1, 1), order="F"), Xc.data, Xc.indices, Xc.indptr, False)
        nnz_cols = np.diff(Xc.indptr)
    else:
        args = (np.asfortranarray(Xd), np.zeros(1), np.zeros(1, np.int32),
                np.zeros(2, np.int32), True)
        nnz_cols = np.full(d, n)
    work = K.glm_cd(*args, y, z, w, order, order.size, 0, L, l1, l2, lo, hi, loss, 0.0,
                    1.0 / n, False, np.empty(d))
    np.testing.assert_allclose(w, ref, atol=1e-13)
    z_ref = Xd @ w - (y if loss == 0 else 0.0)
    np.testing.assert_allclose(z, z_ref, atol=1e-12)
    assert work >= nnz_cols[order].sum()          # one column read per update at least


def _quad_ref(Q, g, x, blocks, rule, update, n_updates, l1):
    """GS/GSQ block selection and Lipschitz / matrix steps in NumPy (penalty = l1 only)."""
    x = x.copy()
    g = g.copy()
    for _ in range(n_updates):
        if rule == "gs":
            b = int(np.argmax([np.sum(np.maximum(np.abs(g[B]) - l1[B], 0) ** 2 * (x[B] == 0)
                                      + (g[B] + l1[B] * np.sign(x[B])) ** 2 * (x[B] != 0))
                               for B in blocks]))
        else:
            b = int(np.argmax([g[B] @ np.linalg.solve(Q[np.ix_(B, B)], g[B]) for B in blocks]))
        B = blocks[b]
        if update == "matrix":
            delta = -np.linalg.solve(Q[np.ix_(B, B)], g[B])
        else:
            L = np.linalg.eigvalsh(Q[np.ix_(B, B)])[-1]
            v = x[B] - g[B] / L
            delta = np.sign(v) * np.maximum(np.abs(v) - l1[B] / L, 0) - x[B]
        x[B] += delta
        g += Q[:, B] @ delta
    return x, g


@pytest.mark.parametrize("rule,update,l1val", [("gs", "lipschitz", 0.1), ("gsq", "matrix", 0.0)])
def test_quad_bcd_matches_reference(rule, update, l1val):
    rng = np.random.default_rng(1)
    d = 12
    M = rng.standard_normal((d, d))
    Q = M @ M.T / d + np.eye(d)
    c = rng.standard_normal(d)
    x = np.zeros(d)
    g = Q @ x - c
    blocks = [np.arange(i, i + 3) for i in range(0, d, 3)]
    l1 = np.full(d, l1val)
    xr, gr = _quad_ref(Q, g, x, blocks, rule, update, 7, l1)

    bptr = np.arange(0, d + 1, 3, dtype=np.int64)
    bidx = np.arange(d, dtype=np.int64)
    Lb = np.array([np.linalg.eigvalsh(Q[np.ix_(B, B)])[-1] for B in blocks])
    Hinv = np.concatenate([np.linalg.inv(Q[np.ix_(B, B)] * (1 + 1e-12 * np.eye(3))).ravel()
                           for B in blocks])
    hoff = np.arange(0, 9 * len(blocks), 9, dtype=np.int64)
    inf = np.full(d, np.inf)
    K.quad_bcd(Q, g, x, bptr, bidx, Lb, np.abs(Q).sum(1), Hinv, hoff, np.zeros(1, np.int64),
               7, 1 if rule == "gs" else 5, 0 if update == "lipschitz" else 2, 0,
               l1, np.zeros(d), -inf, inf, l1val > 0)
    np.testing.assert_allclose(x, xr, atol=1e-10)
    np.testing.assert_allclose(g, gr, atol=1e-10)
    np.testing.assert_allclose(g, Q @ x - c, atol=1e-12)


def test_tree_solve_equals_dense_solve():
    from optkit.solvers.coordinate._forest import greedy_forests

    rng = np.random.default_rng(2)
    m = 7                                         # 7 x 7 lattice
    d = m * m
    Q = np.zeros((d, d))
    for i in range(m):
        for j in range(m):
            a = i * m + j
            for b in ([a + m] if i + 1 < m else []) + ([a + 1] if j + 1 < m else []):
                w = rng.uniform(0.5, 2.0)
                Q[a, b] = Q[b, a] = -w
    Q[np.diag_indices(d)] = -Q.sum(axis=1) + rng.uniform(0.1, 1.0, d)
    nz = (Q != 0) & ~np.eye(d, dtype=bool)
    adj = [np.flatnonzero(nz[i]) for i in range(d)]
    blocks = greedy_forests(adj, d)
    assert sorted(np.concatenate(blocks).tolist()) == list(range(d))
    assert len(blocks) <= 3
    from optkit.solvers.coordinate._forest import ForestBlocks

    class _Model:
        kind = "quad"
        composite = False

    model = _Model()
    model.Q = Q
    fb = ForestBlocks(model)
    for b, B in enumerate(fb.blocks):
        sub = nz[np.ix_(B, B)]
        assert sub.sum() // 2 == B.size - _components(sub)       # a forest: |E| = |V| - #trees
        rhs = rng.standard_normal(B.size)
        np.testing.assert_allclose(fb.solve_block(b, rhs), np.linalg.solve(Q[np.ix_(B, B)], rhs),
                                   rtol=1e-12, atol=1e-12)


def _components(adjm):
    import scipy.sparse.csgraph as csg

    return csg.connected_components(sp.csr_matrix(adjm), directed=False)[0]


# -- kernels of the working-set Lasso / elastic-net path -----------------------
def _csc_csr(seed, n=30, d=12, density=0.3):
    import scipy.sparse as sp

    X = sp.random(n, d, density=density, random_state=seed, format="csc")
    return X, X.tocsr()


def test_csc_colsq_equals_numpy():
    from optkit.kernels import coordinate as K

    Xc, _ = _csc_csr(0)
    ref = np.asarray(Xc.multiply(Xc).sum(axis=0)).ravel()
    np.testing.assert_allclose(K.csc_colsq(Xc.data, Xc.indptr), ref, rtol=1e-14, atol=0)


def test_sparse_gram_cols_equals_numpy():
    from optkit.kernels import coordinate as K

    Xc, Xr = _csc_csr(1)
    cols = np.array([0, 5, 11, 3], dtype=np.int64)
    out = np.empty((Xc.shape[1], cols.size), order="F")
    K.sparse_gram_cols(cols, Xc.data, Xc.indices, Xc.indptr, Xr.data, Xr.indices,
                       Xr.indptr, out)
    ref = (Xc.T @ Xc).toarray()[:, cols]
    np.testing.assert_allclose(out, ref, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dense", [True, False])
def test_cols_axpy_equals_numpy(dense):
    from optkit.kernels import coordinate as K

    Xc, _ = _csc_csr(2)
    cols = np.array([1, 4, 7], dtype=np.int64)
    delta = np.array([0.5, 0.0, -2.0])
    r = np.random.default_rng(0).standard_normal(Xc.shape[0])
    ref = r + Xc.toarray()[:, cols] @ delta
    if dense:
        args = (np.asfortranarray(Xc.toarray()), np.zeros(1), np.zeros(1, dtype=np.int32),
                np.zeros(2, dtype=np.int32), True)
    else:
        args = (np.zeros((1, 1), order="F"), Xc.data, Xc.indices, Xc.indptr, False)
    K.cols_axpy(cols, delta, *args, r)
    np.testing.assert_allclose(r, ref, rtol=1e-14, atol=1e-14)
