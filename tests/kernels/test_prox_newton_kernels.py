"""Proximal Newton kernels (optkit.kernels.prox_newton) against NumPy re-implementations."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from optkit.kernels import prox_newton as PN


def _problem(sparse, seed=0, n=40, d=9):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X[rng.random((n, d)) < 0.4] = 0.0
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    z = X @ (0.3 * rng.standard_normal(d))
    if sparse:
        Xc = sp.csc_matrix(X)
        args = (np.zeros((1, 1), order="F"), Xc.data, Xc.indices, Xc.indptr, False)
    else:
        args = (np.asfortranarray(X), np.zeros(1), np.zeros(1, dtype=np.int32),
                np.zeros(2, dtype=np.int32), True)
    return X, y, z, args


def _sigma(t):
    return 1.0 / (1.0 + np.exp(-t))


def _soft(v, s, l1, l2, lo, hi):
    return np.clip(np.sign(v) * np.maximum(np.abs(v) - s * l1, 0.0) / (1.0 + s * l2), lo, hi)


def test_logistic_point():
    _, y, z, _ = _problem(False)
    n = z.size
    dl, D = np.empty(n), np.empty(n)
    z = z * 20.0                        # large margins: no overflow
    loss = PN.logistic_point(z, y, 1.0 / n, dl, D)
    m = y * z
    assert loss == pytest.approx(np.mean(np.logaddexp(0.0, -m)), rel=1e-13)
    np.testing.assert_allclose(dl, -y * _sigma(-m) / n, rtol=1e-12, atol=1e-300)
    # the shared helper forms s (1 - s): absolute accuracy ~ eps / n for s near 1
    np.testing.assert_allclose(D, _sigma(m) * _sigma(-m) / n, rtol=1e-12, atol=1e-16 / n)


@pytest.mark.parametrize("sparse", [False, True])
def test_grad_and_weighted_colsq(sparse):
    X, y, z, args = _problem(sparse)
    n, d = X.shape
    rng = np.random.default_rng(1)
    v, D = rng.standard_normal(n), rng.random(n)
    cols = np.array([0, 3, 4, 8], dtype=np.int64)
    g, h = np.full(d, -7.0), np.full(d, -7.0)
    PN.grad_cols(*args, v, cols, g)
    PN.weighted_colsq(*args, D, cols, h)
    np.testing.assert_allclose(g[cols], X[:, cols].T @ v, rtol=1e-12)
    np.testing.assert_allclose(h[cols], (X[:, cols] ** 2).T @ D, rtol=1e-12)
    assert np.all(np.delete(g, cols) == -7.0)        # other columns untouched


def test_csr_weighted_gram():
    X, _, _, _ = _problem(True, seed=2, d=12)
    R = sp.csr_matrix(X)
    D = np.random.default_rng(3).random(X.shape[0])
    ws = np.array([1, 2, 5, 6, 11], dtype=np.int64)
    pos = np.full(X.shape[1], -1, dtype=np.int64)
    pos[ws] = np.arange(ws.size)
    H = np.full((ws.size, ws.size), np.nan)
    PN.csr_weighted_gram(R.data, R.indices, R.indptr, D, pos, H)
    Xw = X[:, ws]
    np.testing.assert_allclose(H, Xw.T @ (D[:, None] * Xw), rtol=1e-12, atol=1e-14)


def _inner_ref(X, D, g, w, ws, l1, l2, lo, hi, nu, sweeps):
    """Cyclic exact coordinate minimization of the proximal Newton model (NumPy)."""
    H = X.T @ (D[:, None] * X) + nu * np.eye(X.shape[1])
    u = w.copy()
    for _ in range(sweeps):
        for j in ws:
            a = H[j, j]
            b = g[j] + H[j] @ (u - w)
            u[j] = _soft(u[j] - b / a, 1.0 / a, l1[j], l2[j], lo[j], hi[j])
    return u


@pytest.mark.parametrize("sparse", [False, True])
def test_pn_inner_cd_and_gram_cd_match_reference(sparse):
    X, y, z, args = _problem(sparse, seed=4)
    n, d = X.shape
    rng = np.random.default_rng(5)
    D = rng.random(n) / n
    g = rng.standard_normal(d) * 0.3
    w = rng.standard_normal(d) * (rng.random(d) < 0.5)
    ws = np.array([0, 1, 2, 4, 5, 7], dtype=np.int64)
    l1 = np.full(d, 0.05)
    l2 = np.full(d, 0.02)
    lo = np.full(d, -np.inf)
    hi = np.full(d, np.inf)
    hi[2] = 0.1
    nu = 1e-3
    ref = _inner_ref(X, D, g, w, ws, l1, l2, lo, hi, nu, 3)
    h = np.zeros(d)
    PN.weighted_colsq(*args, D, ws, h)
    u, xd = w.copy(), np.zeros(n)
    work, sweeps, _ = PN.pn_inner_cd(*args, ws, w, u, xd, D, g, h, l1, l2, lo, hi, nu, 0.0, 3)
    assert sweeps == 3 and work > 0
    np.testing.assert_allclose(u, ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(xd, X @ (u - w), rtol=1e-12, atol=1e-14)
    # the same sweeps through the working set's Hessian
    Xw = X[:, ws]
    H = np.ascontiguousarray(Xw.T @ (D[:, None] * Xw))
    u2, Hd = w.copy(), np.zeros(ws.size)
    PN.pn_gram_cd(H, ws, w, u2, g, l1, l2, lo, hi, nu, 0.0, 3, Hd)
    np.testing.assert_allclose(u2, ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(Hd, H @ (u2 - w)[ws], rtol=1e-12, atol=1e-14)
    # converged sweeps satisfy the model's optimality conditions (prox fixed point)
    u3, Hd3 = w.copy(), np.zeros(ws.size)
    _, _, viol = PN.pn_gram_cd(H, ws, w, u3, g, l1, l2, lo, hi, nu, 1e-13, 10_000, Hd3)
    assert viol <= 1e-13
    Hf = X.T @ (D[:, None] * X) + nu * np.eye(d)
    b = g[ws] + (Hf @ (u3 - w))[ws]
    a = np.diag(Hf)[ws]
    fixed = _soft(u3[ws] - b / a, 1.0 / a, l1[ws], l2[ws], lo[ws], hi[ws])
    np.testing.assert_allclose(fixed, u3[ws], atol=1e-12)


def test_pn_line_search():
    X, y, _, _ = _problem(False, seed=6)
    n, d = X.shape
    rng = np.random.default_rng(7)
    w = rng.standard_normal(d)
    z = X @ w
    ws = np.arange(d, dtype=np.int64)
    l1, l2 = np.full(d, 0.01), np.full(d, 0.001)
    l1[1] = 10.0                                  # coordinate 1 is thresholded to 0

    def F(v):
        return np.mean(np.logaddexp(0.0, -y * (X @ v))) + l1 @ np.abs(v) + 0.5 * l2 @ v ** 2

    g = X.T @ (-y * _sigma(-y * z)) / n
    for s, expect_full in ((1000.0, False), (0.1, True)):
        # prox-gradient trial points: descent directions; a long one needs backtracking
        u = _soft(w - s * g, s, l1, l2, -np.inf, np.inf)
        assert u[1] == 0.0
        xd = X @ (u - w)
        delta = g @ (u - w) + l1 @ (np.abs(u) - np.abs(w)) + 0.5 * l2 @ (u ** 2 - w ** 2)
        assert delta < 0
        F0 = F(w)
        t_ref = 1.0
        while F(w + t_ref * (u - w)) - F0 > 0.01 * t_ref * delta:
            t_ref *= 0.5
        w1, z1 = w.copy(), z.copy()
        t, dF, trials = PN.pn_line_search(z1, xd, y, 1.0 / n, w1, u, ws, l1, l2, delta, 0.01,
                                          0.5, 60)
        assert t == t_ref and trials == round(-np.log2(t_ref)) + 1
        assert (t == 1.0) == expect_full
        assert dF == pytest.approx(F(w + t * (u - w)) - F0, rel=1e-9, abs=1e-13)
        np.testing.assert_allclose(w1, w + t * (u - w), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(z1, X @ w1, rtol=1e-10, atol=1e-12)
        if expect_full:
            assert w1[1] == 0.0                   # a full step copies the exact zeros
    # no acceptable step: nothing changes
    w2, z2 = w.copy(), z.copy()
    t, _, trials = PN.pn_line_search(z2, -xd, y, 1.0 / n, w2, 2 * w - u, ws, l1, l2, -1.0,
                                     0.01, 0.5, 5)
    assert t == 0.0 and trials == 5
    np.testing.assert_array_equal(w2, w)
    np.testing.assert_array_equal(z2, z)


def test_chol_solve():
    rng = np.random.default_rng(8)
    B = rng.standard_normal((7, 7))
    A = B @ B.T + 0.1 * np.eye(7)
    b = rng.standard_normal(7)
    out = np.empty(7)
    assert PN.chol_solve(A.copy(), b, out)
    np.testing.assert_allclose(out, np.linalg.solve(A, b), rtol=1e-10)
    assert not PN.chol_solve(-A.copy(), b, out)          # not positive definite


@pytest.mark.parametrize("sparse", [False, True])
def test_pn_point_and_certificate(sparse):
    X, y, z, args = _problem(sparse, seed=9)
    n, d = X.shape
    rng = np.random.default_rng(10)
    w = rng.standard_normal(d) * (rng.random(d) < 0.6)
    z = X @ w
    l1, l2 = np.full(d, 0.03), np.full(d, 0.2)
    lo, hi = np.full(d, -np.inf), np.full(d, np.inf)
    lo[0] = 0.0
    w[0] = abs(w[0])
    z = X @ w
    dl, D, g = np.empty(n), np.empty(n), np.empty(d)
    F, work = PN.pn_point(*args, z, y, 1.0 / n, w, l1, l2, lo, hi, dl, D, g, True)
    m = y * z
    F_ref = np.mean(np.logaddexp(0.0, -m)) + l1 @ np.abs(w) + 0.5 * l2 @ w ** 2
    g_ref = X.T @ (-y * _sigma(-m)) / n
    assert F == pytest.approx(F_ref, rel=1e-13)
    np.testing.assert_allclose(g, g_ref, rtol=1e-11, atol=1e-15)
    assert work == (X.size if not sparse else np.count_nonzero(X))
    cert = PN.prox_grad_norm(w, g, l1, l2, lo, hi)
    assert cert == pytest.approx(np.max(np.abs(w - _soft(w - g_ref, 1.0, l1, l2, lo, hi))),
                                 rel=1e-10)


def test_dense_weighted_gram():
    X, _, _, _ = _problem(False, seed=11, d=10)
    D = np.random.default_rng(12).random(X.shape[0])
    ws = np.array([0, 3, 4, 9], dtype=np.int64)
    H = np.empty((4, 4))
    PN.dense_weighted_gram(np.asfortranarray(X), D, ws, H)
    Xw = X[:, ws]
    np.testing.assert_allclose(H, Xw.T @ (D[:, None] * Xw), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("sparse", [False, True])
def test_pn_xstep_converged_model_and_step(sparse):
    # inner CD (with shrinking) to a tight tolerance = the converged Hessian CD, then the
    # Armijo step of pn_delta_ls; the result is a descent step on F
    X, y, _, args = _problem(sparse, seed=13, n=60, d=12)
    n, d = X.shape
    w = np.zeros(d)
    z = np.zeros(n)
    dl, D, g = np.empty(n), np.empty(n), np.empty(d)
    l1, l2 = np.full(d, 0.05), np.zeros(d)
    lo, hi = np.full(d, -np.inf), np.full(d, np.inf)
    F0, _ = PN.pn_point(*args, z, y, 1.0 / n, w, l1, l2, lo, hi, dl, D, g, True)
    ws = np.arange(d, dtype=np.int64)
    H = np.ascontiguousarray(X.T @ (D[:, None] * X))
    u_ref, Hd = w.copy(), np.zeros(d)
    PN.pn_gram_cd(H, ws, w, u_ref, g, l1, l2, lo, hi, 1e-12, 1e-14, 100_000, Hd)
    u, xd, h = w.copy(), np.zeros(n), np.zeros(d)
    w1, z1 = w.copy(), z.copy()
    work, sweeps, viol, t, trials, done = PN.pn_xstep(
        *args, ws, w1, u, xd, D, g, h, l1, l2, lo, hi, 1e-12, 1e-14, 100_000, False, z1, y,
        1.0 / n, 0.01, 0.5, 40)
    assert done and viol <= 1e-14 and sweeps > 1
    np.testing.assert_allclose(u, u_ref, atol=1e-11)
    np.testing.assert_array_equal(u != 0, u_ref != 0)
    assert 0 < np.count_nonzero(u) < d
    assert t > 0 and trials >= 1
    np.testing.assert_allclose(w1, w + t * (u - w), atol=1e-15)
    np.testing.assert_allclose(z1, X @ w1, atol=1e-12)
    F1 = np.mean(np.logaddexp(0.0, -y * (X @ w1))) + l1 @ np.abs(w1)
    assert F1 < F0
    # not converged and not final: nothing applied
    u2, xd2, w2, z2 = w.copy(), np.zeros(n), w.copy(), z.copy()
    *_, t2, _, done2 = PN.pn_xstep(*args, ws, w2, u2, xd2, D, g, h, l1, l2, lo, hi, 1e-12,
                                   1e-14, 1, False, z2, y, 1.0 / n, 0.01, 0.5, 40)
    assert not done2 and t2 == 0.0
    np.testing.assert_array_equal(w2, w)
    np.testing.assert_array_equal(z2, z)
