"""Compiled sweeps of cyclic-vr-bcd and a-coder against their NumPy references."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from optkit.kernels import cyclic_coordinate as KC

N, D = 60, 11
DUM_F = np.zeros((1, 1), order="F")
DUM_1 = np.zeros(1)
DUM_I = np.zeros(1, dtype=np.int32)
DUM_P = np.zeros(2, dtype=np.int32)


def _model(kind, dense, loss, seed=0):
    """Kernel model arguments and a matching initial margin vector."""
    rng = np.random.default_rng(seed)
    Q, c = np.zeros((1, 1)), np.zeros(1)
    if kind == KC.KIND_QUAD:
        M = rng.standard_normal((D, D))
        Q = np.ascontiguousarray(M @ M.T / D + np.eye(D))
        c = rng.standard_normal(D)
        return (1, DUM_F, DUM_1, DUM_I, DUM_P, True, DUM_1, 0, 1.0, Q, c), None
    X = rng.standard_normal((N, D)) * (rng.random((N, D)) < 0.4)
    y = rng.standard_normal(N) if loss == 0 else np.sign(rng.standard_normal(N))
    if dense:
        args = (0, np.asfortranarray(X), DUM_1, DUM_I, DUM_P, True, y, loss, 1.0 / N, Q, c)
    else:
        Xc = sp.csc_matrix(X)
        Xc.sort_indices()
        args = (0, DUM_F, Xc.data, Xc.indices.astype(np.int32), Xc.indptr.astype(np.int32),
                False, y, loss, 1.0 / N, Q, c)
    return args, X


def _penalty(rng):
    l1 = np.full(D, 0.05)
    l2 = rng.random(D) * 0.1
    lo = np.full(D, -np.inf)
    hi = np.full(D, np.inf)
    lo[2], hi[5] = -0.1, 0.2
    return l1, l2, lo, hi


def _copy(arrs):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in arrs]


CASES = [(KC.KIND_GLM, True, 0), (KC.KIND_GLM, False, 0), (KC.KIND_GLM, True, 1),
         (KC.KIND_GLM, False, 1), (KC.KIND_QUAD, True, 0)]


@pytest.mark.parametrize("kind, dense, loss", CASES)
@pytest.mark.parametrize("bs, pos, n", [(1, 0, D), (1, 3, 5), (3, 1, 3)])
@pytest.mark.parametrize("exact", [True, False])
def test_vr_sweep_matches_reference(kind, dense, loss, bs, pos, n, exact):
    if kind == KC.KIND_QUAD and not exact:
        pytest.skip("a quadratic is not a finite sum")
    margs, X = _model(kind, dense, loss)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(D) * 0.3
    aux = DUM_1.copy() if X is None else X @ x - (margs[6] if loss == 0 else 0.0)
    if exact:
        bargs = (True, DUM_F, DUM_1, DUM_I, DUM_P, True, DUM_1, DUM_1.copy(), DUM_1.copy(),
                 1.0)
    else:
        rows = np.sort(rng.choice(N, 17, replace=False))
        XB = X[rows]
        zc = aux[rows].copy()
        zp = zc + rng.standard_normal(rows.size) * 0.1
        if dense:
            bargs = (False, np.asfortranarray(XB), DUM_1, DUM_I, DUM_P, True, margs[6][rows],
                     zc, zp, 1.0 / rows.size)
        else:
            Bc = sp.csc_matrix(XB)
            Bc.sort_indices()
            bargs = (False, DUM_F, Bc.data, Bc.indices.astype(np.int32),
                     Bc.indptr.astype(np.int32), False, margs[6][rows], zc, zp,
                     1.0 / rows.size)
    nb = -(-D // bs)
    state = [x, aux, rng.standard_normal(D), rng.standard_normal(D) * 0.01, np.zeros(D),
             0.5 / (1.0 + rng.random(nb)), bs, *_penalty(rng), pos, n]
    s1, b1 = _copy(state), _copy(bargs)
    s2, b2 = _copy(state), _copy(bargs)
    work = KC.vr_sweep(*margs, *b1, *s1)
    KC.vr_sweep_ref(*margs, *b2, *s2)
    assert work > 0
    for a, b in zip(s1[:5] + b1[7:9], s2[:5] + b2[7:9]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("kind, dense, loss", CASES)
@pytest.mark.parametrize("bs, pos, n", [(1, 0, D), (1, 4, 6), (4, 0, 3), (4, 1, 1)])
@pytest.mark.parametrize("a_prev", [0.0, 0.7])
def test_acoder_sweep_matches_reference(kind, dense, loss, bs, pos, n, a_prev):
    margs, X = _model(kind, dense, loss, seed=2)
    rng = np.random.default_rng(3)
    w = rng.standard_normal(D) * 0.3
    zw = DUM_1.copy() if X is None else X @ w - (margs[6] if loss == 0 else 0.0)
    nb = -(-D // bs)
    state = [w, zw, rng.standard_normal(D), rng.standard_normal(D), rng.standard_normal(D),
             rng.standard_normal(D), np.zeros(D), rng.standard_normal(D),
             rng.standard_normal(D), 1.0 + rng.random(nb), bs, *_penalty(rng),
             1.3 if a_prev else 0.0, a_prev, 0.9, pos, n]
    s1, s2 = _copy(state), _copy(state)
    work = KC.acoder_sweep(*margs, *s1)
    KC.acoder_sweep_ref(*margs, *s2)
    assert work > 0
    for a, b in zip(s1[:9], s2[:9]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    # the margins follow the point
    if X is not None:
        np.testing.assert_allclose(s1[1], X @ s1[0] - (margs[6] if loss == 0 else 0.0),
                                   atol=1e-12)
