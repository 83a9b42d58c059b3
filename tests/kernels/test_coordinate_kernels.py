"""Coordinate descent kernels against plain NumPy re-implementations."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from optkit.kernels.cd_scalar import Penalty, min_norm_subgrad, prox_scalar
from optkit.kernels.columns import Columns, GLMData, cols_axpy, csc_colsq, sparse_gram_cols
from optkit.kernels.enet_screening import enet_dual_pass
from optkit.kernels.enet_ws import WSControl, enet_gram_solve, enet_ws_solve
from optkit.kernels.glm_coordinate import glm_cd
from optkit.kernels.greedy import coord_scores
from optkit.kernels.quadratic_bcd import QuadBlocks, quad_bcd


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
    assert abs(prox_scalar(*case) - _prox_ref(*case)) <= 1e-4


def test_min_norm_subgrad():
    # x > 0: g + l1; x = 0 inside [g - l1, g + l1] -> shrink; at a lower bound only g < 0 counts
    assert min_norm_subgrad(0.3, 1.0, 0.5, 0.0, -np.inf, np.inf) == pytest.approx(0.8)
    assert min_norm_subgrad(0.3, 0.0, 0.5, 0.0, -np.inf, np.inf) == 0.0
    assert min_norm_subgrad(-0.9, 0.0, 0.5, 0.0, -np.inf, np.inf) == pytest.approx(-0.4)
    assert min_norm_subgrad(0.9, 0.0, 0.0, 0.0, 0.0, np.inf) == 0.0
    assert min_norm_subgrad(-0.9, 0.0, 0.0, 0.0, 0.0, np.inf) == pytest.approx(-0.9)
    assert min_norm_subgrad(0.9, 1.0, 0.0, 0.0, 0.0, 1.0) == pytest.approx(0.9)
    assert min_norm_subgrad(-0.9, 1.0, 0.0, 0.0, 0.0, 1.0) == 0.0


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
    work = glm_cd(GLMData(Columns(*args), y, loss, 1.0 / n), Penalty(l1, l2, lo, hi), z, w,
                  order, order.size, 0, L, 0.0, False, np.empty(d))
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
    quad_bcd(Q, g, x, QuadBlocks(bptr, bidx, Lb, np.abs(Q).sum(1), Hinv, hoff, 0),
             np.zeros(1, np.int64), 7, 1 if rule == "gs" else 5,
             0 if update == "lipschitz" else 2, Penalty(l1, np.zeros(d), -inf, inf), l1val > 0)
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
    Xc, _ = _csc_csr(0)
    ref = np.asarray(Xc.multiply(Xc).sum(axis=0)).ravel()
    np.testing.assert_allclose(csc_colsq(Xc.data, Xc.indptr), ref, rtol=1e-14, atol=0)


def test_sparse_gram_cols_equals_numpy():
    Xc, Xr = _csc_csr(1)
    cols = np.array([0, 5, 11, 3], dtype=np.int64)
    out = np.empty((Xc.shape[1], cols.size), order="F")
    sparse_gram_cols(cols, Xc.data, Xc.indices, Xc.indptr, Xr.data, Xr.indices,
                     Xr.indptr, out)
    ref = (Xc.T @ Xc).toarray()[:, cols]
    np.testing.assert_allclose(out, ref, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dense", [True, False])
def test_cols_axpy_equals_numpy(dense):
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
    cols_axpy(cols, delta, *args, r)
    np.testing.assert_allclose(r, ref, rtol=1e-14, atol=1e-14)


# -- enet_dual_pass / enet_ws_solve / enet_gram_solve against plain NumPy ---------
# Conventions of the kernels (everything multiplied by n): P_n(w) = ||r||^2/2 +
# sum lam_j |w_j| + mu_j w_j^2/2, r = Xw - y, lam = n l1, mu = n l2.
def _enet_problem(seed, sparse, n=40, d=16, ridge=0.0, empty_col=True):
    """Data (dense array and the kernels' argument tuple), lam, mu, sklearn's optimum."""
    sklm = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * np.exp(rng.uniform(-1, 1, d))
    if sparse:
        X[rng.random((n, d)) < 0.6] = 0.0
    if empty_col:
        X[:, 3] = 0.0
    y = X[:, :4] @ np.array([2.0, -1.5, 1.0, 3.0]) + 0.3 * rng.standard_normal(n)
    alpha_max = np.max(np.abs(X.T @ y)) / n
    alpha, l1_ratio = 0.1 * alpha_max, 1.0 / (1.0 + ridge)
    lam = np.full(d, n * alpha * l1_ratio)
    mu = np.full(d, n * alpha * (1.0 - l1_ratio))
    if ridge:
        ref = sklm.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=False,
                              tol=1e-15, max_iter=1_000_000).fit(X, y).coef_
    else:
        ref = sklm.Lasso(alpha=alpha, fit_intercept=False, tol=1e-15,
                         max_iter=1_000_000).fit(X, y).coef_
    if sparse:
        Xc = sp.csc_matrix(X)
        Xc.sort_indices()
        args = (np.zeros((1, 1), order="F"), Xc.data, Xc.indices, Xc.indptr, False)
    else:
        args = (np.asfortranarray(X), np.zeros(1), np.zeros(1, dtype=np.int32),
                np.zeros(2, dtype=np.int32), True)
    return X, y, lam, mu, ref, args


def _enet_gap_ref(X, y, w, lam, mu, cols):
    """Elastic-net duality gap (scaled by n) on the coordinates ``cols``, plain NumPy.

    Dual point u = s R (R = y - Xw), s = min(1, min over unridged j of lam_j/|X_j'R|);
    D(u) = y'u - ||u||^2/2 - sum over ridged j of (|X_j'u| - lam_j)_+^2 / (2 mu_j).
    """
    R = y - X @ w
    c = X[:, cols].T @ R
    lc, mc = lam[cols], mu[cols]
    unr = (mc == 0) & (np.abs(c) > 0)
    s = min(1.0, float(np.min(lc[unr] / np.abs(c[unr])))) if unr.any() else 1.0
    u = s * R
    primal = 0.5 * R @ R + lc @ np.abs(w[cols]) + 0.5 * mc @ w[cols] ** 2
    rid = mc > 0
    conj = np.sum(np.maximum(np.abs(X[:, cols][:, rid].T @ u) - lc[rid], 0) ** 2
                  / (2 * mc[rid]))
    dual = y @ u - 0.5 * u @ u - conj
    return primal - dual, s, primal, c


@pytest.mark.parametrize("ridge", [0.0, 0.5], ids=["lasso", "enet"])
def test_enet_gap_reference_vanishes_at_sklearn_optimum(ridge):
    """The NumPy reference gap itself: ~0 at sklearn's optimum, > 0 elsewhere."""
    X, y, lam, mu, ref, _ = _enet_problem(0, False, ridge=ridge)
    cols = np.arange(X.shape[1])
    gap, *_ = _enet_gap_ref(X, y, ref, lam, mu, cols)
    assert abs(gap) <= 1e-9 * (y @ y)
    gap0, *_ = _enet_gap_ref(X, y, np.zeros_like(ref), lam, mu, cols)
    assert gap0 > 1e-3 * (y @ y)


@pytest.mark.parametrize("have_c", [False, True], ids=["c-computed", "c-given"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csc"])
@pytest.mark.parametrize("ridge", [0.0, 0.5], ids=["lasso", "enet"])
def test_enet_dual_pass_equals_numpy(ridge, sparse, have_c):
    X, y, lam, mu, ref, args = _enet_problem(1, sparse, ridge=ridge)
    n, d = X.shape
    colnorm = np.linalg.norm(X, axis=0)
    rng = np.random.default_rng(5)
    # a point near the optimum (small gap: some coordinates get screened), one
    # coordinate already screened before the pass (zero in w and at the optimum)
    w = ref + 1e-3 * rng.standard_normal(d) * (ref != 0)
    pre = int(np.flatnonzero((ref == 0) & (colnorm > 0))[-1])
    active0 = np.ones(d, dtype=np.int8)
    active0[pre] = 0
    r = X @ w - y
    cols = np.flatnonzero(active0)
    gap_ref, s_ref, primal_ref, c_ref = _enet_gap_ref(X, y, w, lam, mu, cols)
    for screen in (True, False):
        active = active0.copy()
        c = np.full(d, np.nan)
        if have_c:
            c[:] = X.T @ (-r)
        prio = np.full(d, np.nan)
        gap, primal, nscr, work = enet_dual_pass(Columns(*args), y, r.copy(), w, lam, mu,
                                                 colnorm, active, screen, c, prio, have_c)
        np.testing.assert_allclose(gap, gap_ref, rtol=1e-9, atol=1e-10 * (y @ y))
        np.testing.assert_allclose(primal, primal_ref, rtol=1e-12)
        np.testing.assert_allclose(c[cols], c_ref, rtol=1e-12, atol=1e-12)
        assert work == (0 if have_c else int(np.count_nonzero(X[:, cols]) if sparse
                                             else n * cols.size))
        # gap-safe sphere test of radius sqrt(2 gap) around the dual point s R
        a = s_ref * np.abs(c_ref)
        kill = screen & (a + colnorm[cols] * np.sqrt(2 * gap_ref) < lam[cols] * (1 - 1e-12))
        expect_active = active0.copy()
        expect_active[cols[kill]] = 0
        np.testing.assert_array_equal(active, expect_active)
        assert nscr == kill.sum()
        if screen:
            assert nscr >= 3                     # the test exercises screening
        assert np.all(ref[active == 0] == 0)     # safe: screened coordinates are 0 at w*
        # priorities: +inf screened, -inf on the support, else the distance to the constraint
        with np.errstate(divide="ignore"):
            dist = np.where(colnorm[cols] > 0, (lam[cols] - a) / colnorm[cols], np.inf)
        expect = np.where(w[cols] != 0, -np.inf, dist)
        expect[kill] = np.inf
        np.testing.assert_allclose(prio[cols], expect, rtol=1e-12, atol=1e-12)
        assert np.all(prio[active == 0] == np.inf)


def _enet_sub_ref(X, y, w, lam, mu, ws, ridge):
    """The subproblem over ``ws`` (others fixed), solved by scikit-learn."""
    sklm = pytest.importorskip("sklearn.linear_model")
    n = X.shape[0]
    rest = np.setdiff1d(np.arange(X.shape[1]), ws)
    yt = y - X[:, rest] @ w[rest]
    alpha = (lam[0] + mu[0]) / n
    est = (sklm.ElasticNet(alpha=alpha, l1_ratio=lam[0] / (lam[0] + mu[0]), fit_intercept=False,
                           tol=1e-15, max_iter=1_000_000) if ridge
           else sklm.Lasso(alpha=alpha, fit_intercept=False, tol=1e-15, max_iter=1_000_000))
    return est.fit(X[:, ws], yt).coef_


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csc"])
@pytest.mark.parametrize("ridge", [0.0, 0.5], ids=["lasso", "enet"])
def test_enet_ws_solve_equals_sklearn_subproblem(ridge, sparse):
    X, y, lam, mu, _, args = _enet_problem(2, sparse, ridge=ridge)
    n, d = X.shape
    colsq = (X ** 2).sum(axis=0)
    ws = np.array([0, 1, 2, 3, 5, 8, 11, 13], dtype=np.int64)      # 3: an empty column
    w = np.zeros(d)             # the kernels' gap assumes w = 0 outside the working set
    w[ws] = 0.5
    w[3] = 0.0                  # empty column: the kernel never moves it (see the report)
    r = X @ w - y
    c = np.zeros(d)
    # tol 0: epochs until no coordinate moves (a fixed point) or max_epochs
    work, epochs, gap = enet_ws_solve(Columns(*args), y, r, w, lam, mu, colsq, ws,
                                      WSControl(0.0, 1, 20_000), c)
    ref = _enet_sub_ref(X, y, w, lam, mu, ws, ridge)
    np.testing.assert_allclose(w[ws], ref, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(w[ws] != 0, ref != 0)
    assert not np.any(np.delete(w, ws))
    np.testing.assert_allclose(r, X @ w - y, rtol=0, atol=1e-12)
    gap_ref, *_ = _enet_gap_ref(X, y, w, lam, mu, ws)
    np.testing.assert_allclose(gap, gap_ref, rtol=1e-6, atol=1e-12 * (y @ y))
    assert 0 <= gap <= 1e-13 * (y @ y)
    assert epochs > 1 and work >= epochs * int(np.count_nonzero(X[:, ws]))
    np.testing.assert_allclose(c[ws], X[:, ws].T @ (-r), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csc"])
@pytest.mark.parametrize("ridge", [0.0, 0.5], ids=["lasso", "enet"])
def test_enet_gram_solve_same_iterates_as_ws_solve(ridge, sparse):
    """Both are exact cyclic CD in the same order: equal iterates epoch by epoch."""
    X, y, lam, mu, _, args = _enet_problem(3, sparse, ridge=ridge)
    n, d = X.shape
    colsq = (X ** 2).sum(axis=0)
    ws = np.array([0, 1, 2, 3, 6, 7, 10, 12, 15], dtype=np.int64)
    G = np.ascontiguousarray(X[:, ws].T @ X[:, ws])
    xty = X[:, ws].T @ y
    w1 = np.zeros(d)
    w1[ws] = 0.5
    w1[3] = 0.0                                  # empty column
    w2 = w1.copy()
    r1 = X @ w1 - y
    c1, c2 = np.zeros(d), np.zeros(d)
    q = X[:, ws].T @ (X @ w2 - y)
    for epoch in range(30):
        _, e1, g1 = enet_ws_solve(Columns(*args), y, r1, w1, lam, mu, colsq, ws,
                                    WSControl(0.0, 1, 1), c1)
        r2 = X @ w2 - y                          # the caller keeps r for the Gram solve
        _, e2, g2 = enet_gram_solve(G, ws, w2, q, xty, r2, y, lam, mu, WSControl(0.0, 1, 1),
                                      c2)
        assert e1 == e2 == 1
        np.testing.assert_allclose(w2, w1, rtol=0, atol=1e-12, err_msg=f"epoch {epoch}")
        np.testing.assert_allclose(q, X[:, ws].T @ (X @ w2 - y), rtol=0, atol=1e-10)
        np.testing.assert_allclose(g2, g1, rtol=1e-7, atol=1e-10 * (y @ y))
        gap_ref, *_ = _enet_gap_ref(X, y, w1, lam, mu, ws)
        np.testing.assert_allclose(g1, gap_ref, rtol=1e-7, atol=1e-10 * (y @ y))
    assert g1 < 1e-6 * (y @ y)                   # it did converge, not stand still


def test_csc_kernels_with_empty_columns():
    """csc_colsq, sparse_gram_cols and cols_axpy on a matrix with empty columns / rows."""
    rng = np.random.default_rng(7)
    Xd = rng.standard_normal((9, 6))
    Xd[rng.random((9, 6)) < 0.5] = 0.0
    Xd[:, 2] = 0.0
    Xd[4, :] = 0.0
    Xc, Xr = sp.csc_matrix(Xd), sp.csr_matrix(Xd)
    np.testing.assert_allclose(csc_colsq(Xc.data, Xc.indptr), (Xd ** 2).sum(0), rtol=1e-14)
    cols = np.array([2, 0, 5], dtype=np.int64)
    out = np.full((6, 3), np.nan, order="F")
    sparse_gram_cols(cols, Xc.data, Xc.indices, Xc.indptr, Xr.data, Xr.indices, Xr.indptr,
                     out)
    np.testing.assert_allclose(out, (Xd.T @ Xd)[:, cols], rtol=1e-13, atol=1e-14)
    r = rng.standard_normal(9)
    r0 = r.copy()
    work = cols_axpy(cols, np.zeros(3), np.zeros((1, 1), order="F"), Xc.data, Xc.indices,
                     Xc.indptr, False, r)
    assert work == 0 and np.array_equal(r, r0)
    delta = np.array([5.0, -1.0, 0.5])
    cols_axpy(cols, delta, np.zeros((1, 1), order="F"), Xc.data, Xc.indices, Xc.indptr,
              False, r)
    np.testing.assert_allclose(r, r0 + Xd[:, cols] @ delta, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("rule", [1, 2, 3])
def test_coord_scores_match_numpy(rule):
    rng = np.random.default_rng(7)
    d = 40
    g, x = rng.standard_normal(d), np.where(rng.random(d) < 0.5, rng.standard_normal(d), 0.0)
    L, l1, l2 = rng.uniform(0.5, 2, d), rng.uniform(0, 0.5, d), rng.uniform(0, 0.2, d)
    lo, hi = np.full(d, -np.inf), np.where(rng.random(d) < 0.3, 0.4, np.inf)
    x = np.minimum(x, hi)
    out = coord_scores(rule, g, x, L, l1, l2, lo, hi)
    if rule == 1:           # squared minimal-norm subgradient
        ref = np.array([min_norm_subgrad(g[i], x[i], l1[i], l2[i], lo[i], hi[i]) ** 2
                        for i in range(d)])
    else:
        v = x - g / L
        z = np.clip(np.sign(v) * np.maximum(np.abs(v) - l1 / L, 0) / (1 + l2 / L), lo, hi)
        dd = z - x
        ref = dd * dd if rule == 2 else -2.0 * (
            g * dd + 0.5 * L * dd * dd + l1 * (np.abs(z) - np.abs(x))
            + 0.5 * l2 * (z - x) * (z + x))
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-15)
