"""The Numba LP kernels against their NumPy references (optkit.kernels.lp_matvec)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from optkit.kernels import lp_matvec as K


def _random_lp(seed, m=23, n=31, density=0.3):
    rng = np.random.default_rng(seed)
    A = sp.random(m, n, density=density, random_state=seed, format="csr")
    A.data = rng.standard_normal(A.nnz)
    c = rng.standard_normal(n)
    rl = np.where(rng.random(m) < 0.4, -np.inf, rng.standard_normal(m))
    ru = np.where(rng.random(m) < 0.4, np.inf, np.where(np.isfinite(rl), rl, 0) + rng.random(m))
    ru[:3] = rl[:3] = rng.standard_normal(3)          # equality rows
    lo = np.where(rng.random(n) < 0.3, -np.inf, -rng.random(n))
    up = np.where(rng.random(n) < 0.3, np.inf, rng.random(n))
    return A, c, rl, ru, lo, up


def _csr(A):
    return A.indptr.astype(np.int64), A.indices.astype(np.int64), A.data


@pytest.mark.parametrize("seed", [0, 1])
def test_csr_matvec(seed):
    A, *_ = _random_lp(seed)
    x = np.random.default_rng(seed).standard_normal(A.shape[1])
    out = np.empty(A.shape[0])
    K.csr_matvec(*_csr(A), x, out)
    np.testing.assert_allclose(out, K.csr_matvec_reference(*_csr(A), x, A.shape[0]),
                               rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(out, A.toarray() @ x, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("seed, eta", [(0, 1.0), (1, 50.0), (2, 0.05)])
def test_pdhg_adaptive_block_matches_numpy(seed, eta):
    A, c, rl, ru, lo, up = _random_lp(seed)
    m, n = A.shape
    rng = np.random.default_rng(seed + 10)
    x0 = np.clip(rng.standard_normal(n), lo, up)
    y0 = rng.standard_normal(m)
    omega, k0, block = 0.7, 5, 25
    AT = A.T.tocsr()
    x, y = x0.copy(), y0.copy()
    Kx, KTy = A @ x, AT @ y
    xs, ys, Kxs, KTys = np.zeros(n), np.zeros(m), np.zeros(m), np.zeros(n)
    eta_k, weight, trials = K.pdhg_adaptive_block(
        *_csr(A), *_csr(AT), c, rl, ru, lo, up, x, y, Kx, KTy, xs, ys, Kxs, KTys,
        eta, omega, k0, block, np.empty(n), np.empty(m), np.empty(m), np.empty(n))
    xr, yr, eta_r, weight_r, trials_r, xs_r, ys_r = K.pdhg_adaptive_block_reference(
        A, c, rl, ru, lo, up, x0, y0, eta, omega, k0, block)
    assert trials == trials_r and trials >= block
    if eta == 50.0:
        assert trials > block          # a large first step must be rejected
    np.testing.assert_allclose(x, xr, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y, yr, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose([eta_k, weight], [eta_r, weight_r], rtol=1e-10)
    np.testing.assert_allclose(xs, xs_r, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ys, ys_r, rtol=1e-10, atol=1e-12)
    # cached products and their sums stay consistent with the iterates
    np.testing.assert_allclose(Kx, A @ x, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(KTy, AT @ y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(Kxs, A @ xs, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(KTys, AT @ ys, rtol=1e-10, atol=1e-12)
    # the iterates respect the bounds, and y the signs the row bounds allow
    assert np.all(x >= lo) and np.all(x <= up)
    assert np.all(y[~np.isfinite(rl)] <= 0) and np.all(y[~np.isfinite(ru)] >= 0)


def test_dual_prox_is_the_prox_of_the_row_support_function():
    # argmin_w (w - v)^2 / (2 sigma) - p(w), p(w) = w lo (w > 0), w hi (w < 0): brute force
    grid = np.linspace(-10, 10, 400001)
    for v, sigma, lo, hi in [(0.3, 0.5, -1.0, 2.0), (-3.0, 1.0, -1.0, 2.0), (2.5, 0.2, -np.inf, 1.0),
                             (-0.1, 2.0, 0.5, np.inf), (1.0, 1.0, 3.0, 3.0)]:
        p = np.where(grid > 0, grid * (lo if np.isfinite(lo) else -1e300),
                     grid * (hi if np.isfinite(hi) else 1e300))
        obj = (grid - v) ** 2 / (2 * sigma) - np.where(grid == 0, 0.0, p)
        assert abs(K.dual_prox(v, sigma, lo, hi) - grid[np.argmin(obj)]) <= 1e-4


@pytest.mark.parametrize("seed", [0, 3])
def test_kkt_terms_and_bounded_value(seed):
    A, c, rl, ru, lo, up = _random_lp(seed)
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(A.shape[1]), rng.standard_normal(A.shape[0])
    got = K.kkt_terms(c, x, y, A @ x, A.T @ y, rl, ru, lo, up)
    ref = K.kkt_terms_reference(c, x, y, A @ x, A.T @ y, rl, ru, lo, up)
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    value, bad_max, bad_sq = K.bounded_value(y, rl, ru, -2.0)
    w = -2.0 * y
    flo, fup = np.isfinite(rl), np.isfinite(ru)
    bad = np.where(flo, 0, np.maximum(w, 0)) + np.where(fup, 0, np.maximum(-w, 0))
    np.testing.assert_allclose(value, np.maximum(w, 0)[flo] @ rl[flo]
                               - np.maximum(-w, 0)[fup] @ ru[fup], rtol=1e-12)
    assert bad_max == pytest.approx(bad.max()) and bad_sq == pytest.approx(bad @ bad)
    d = rng.standard_normal(A.shape[1])
    viol = max(np.where(np.isfinite(lo), np.maximum(-d, 0), 0).max(),
               np.where(np.isfinite(up), np.maximum(d, 0), 0).max())
    assert K.recession_violation(d, lo, up) == viol


@pytest.mark.parametrize("seed, radius", [(0, 0.3), (1, 2.0), (4, 0.05)])
def test_normalized_duality_gap_against_cvxpy(seed, radius):
    cp = pytest.importorskip("cvxpy")
    A, c, rl, ru, lo, up = _random_lp(seed, m=7, n=9, density=0.5)
    rng = np.random.default_rng(seed)
    omega = 0.6
    x = np.clip(rng.standard_normal(9), lo, up)
    # y inside the dual domain: y <= 0 where rl = -inf, y >= 0 where ru = inf
    y = rng.standard_normal(7)
    y = np.where(np.isfinite(rl), y, np.minimum(y, 0))
    y = np.where(np.isfinite(ru), y, np.maximum(y, 0))
    Kx, KTy = A @ x, A.T @ y
    got = K.normalized_duality_gap(c, rl, ru, lo, up, x, y, Kx, KTy, radius, omega)

    xh, yh = cp.Variable(9), cp.Variable(7)
    fr, fu = np.isfinite(rl), np.isfinite(ru)
    # p(w) = sum min(w rl, w ru) on finite bounds; the domain forbids the rest
    p_terms = []
    for i in range(7):
        if fr[i] and fu[i]:
            p_terms.append(cp.minimum(yh[i] * rl[i], yh[i] * ru[i]))
        elif fr[i]:
            p_terms.append(yh[i] * rl[i])
        elif fu[i]:
            p_terms.append(yh[i] * ru[i])
        else:                        # a free row: its dual is 0
            p_terms.append(0 * yh[i])
    def p_of(w):
        return sum(min(w[i] * rl[i], w[i] * ru[i]) if fr[i] and fu[i]
                   else (w[i] * rl[i] if fr[i] else (w[i] * ru[i] if fu[i] else 0.0))
                   for i in range(7))
    obj = (c - KTy) @ (x - xh) + cp.sum(cp.hstack(p_terms)) - Kx @ yh - (p_of(y) - Kx @ y)
    cons = [omega * cp.sum_squares(xh - x) + cp.sum_squares(yh - y) / omega <= radius ** 2]
    cons += [xh[j] >= lo[j] for j in range(9) if np.isfinite(lo[j])]
    cons += [xh[j] <= up[j] for j in range(9) if np.isfinite(up[j])]
    cons += [yh[i] <= 0 for i in range(7) if not fr[i]]
    cons += [yh[i] >= 0 for i in range(7) if not fu[i]]
    prob = cp.Problem(cp.Maximize(obj), cons)
    prob.solve(solver=cp.CLARABEL)
    assert got == pytest.approx(prob.value / radius, rel=1e-5, abs=1e-7)
    assert K.normalized_duality_gap(c, rl, ru, lo, up, x, y, Kx, KTy, 0.0, omega) == 0.0
