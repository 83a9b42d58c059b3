"""Sketch-and-project kernels and solvers: the Numba Kaczmarz kernel equals
its NumPy reference; every sketch converges to scipy's spsolve on a fixed SPD
and a fixed symmetric indefinite (KKT) system."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from optkit.kernels import sketch as K
from optkit.solvers.constrained._linear import KKTSystem, sketch_solve


def _spd(n=12, seed=0):
    rng = np.random.default_rng(seed)
    M = sp.random(n, n, density=0.3, random_state=seed) + sp.identity(n)
    A = (M @ M.T + n * sp.identity(n)).tocsr()
    return A, rng.standard_normal(n)


def test_kaczmarz_kernel_equals_reference():
    A, b = _spd()
    A.sort_indices()
    rows = np.random.default_rng(1).integers(0, A.shape[0], size=200).astype(np.int64)
    x = np.zeros(A.shape[0])
    norms = K.row_norms2_csr(A.indptr, A.data)
    np.testing.assert_allclose(norms, np.asarray(A.multiply(A).sum(1)).ravel(), rtol=1e-14)
    flops = K.kaczmarz_csr(A.indptr, A.indices, A.data, norms, b, x, rows)
    ref = K.kaczmarz_csr_reference(A, b, np.zeros(A.shape[0]), rows)
    np.testing.assert_allclose(x, ref, rtol=1e-12, atol=1e-14)
    assert flops == 4 * sum(A.indptr[i + 1] - A.indptr[i] for i in rows)


def _spd_system():
    """An SPD 'KKT' system: H SPD and m = 0 (the Hessian block alone)."""
    A, b = _spd(10)
    return KKTSystem(A, None, np.zeros((0, 10)), 0.0, 10, 0), b, A


def _indefinite_system():
    rng = np.random.default_rng(5)
    n, m = 8, 3
    M = rng.standard_normal((n, n))
    H = M @ M.T / n + np.eye(n)
    J = rng.standard_normal((m, n))
    system = KKTSystem(H, None, J, 0.0, n, m)
    return system, rng.standard_normal(n + m), system.K


@pytest.mark.parametrize("make", [_spd_system, _indefinite_system], ids=["spd", "indefinite"])
@pytest.mark.parametrize("kind", ["kaczmarz", "block", "gaussian", "count"])
def test_sketch_and_project_converges_to_spsolve(make, kind):
    system, b, Kmat = make()
    ref = spla.spsolve(sp.csc_matrix(Kmat), b)
    q = 1 if kind == "kaczmarz" else 3
    out = sketch_solve(system, b, 1e-13 * np.linalg.norm(b), None, np.random.default_rng(0),
                       kind=kind, q=q, cap=2_000_000)
    assert not out.capped and out.steps > 0
    np.testing.assert_allclose(out.delta, ref, rtol=0, atol=1e-10)


def test_sketch_cap_is_reported():
    system, b, _ = _indefinite_system()
    out = sketch_solve(system, b, 1e-15, None, np.random.default_rng(0), kind="kaczmarz",
                       q=1, cap=5)
    assert out.capped and out.steps == 5
