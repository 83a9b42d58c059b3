"""The LMO catalog against brute force over the vertices, closed forms (Hoelder,
full SVD / eigendecomposition) and cvxpy; projections against cvxpy; bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import aslinearoperator

from optkit.problems.sets import (Birkhoff, Box, CachedLMO, CappedSimplex, CountingLMO,
                                  CvxpyLMO, KSparsePolytope, L1Ball, LpBall,
                                  NuclearNormBall, Simplex, Spectraplex, as_lmo,
                                  project_simplex)

cp = pytest.importorskip("cvxpy")

N = 5
RNG = np.random.default_rng(42)
GRADS = [RNG.standard_normal(N) for _ in range(8)] + [np.array([0.0, -1.0, 1.0, -1.0, 0.5])]


def _vertices(cset, n):
    """All vertices of the small polytopes, by enumeration."""
    eye = np.eye(n)
    if isinstance(cset, Simplex):
        return cset.radius * eye
    if isinstance(cset, CappedSimplex):
        return np.vstack([cset.radius * eye, np.zeros(n)])
    if isinstance(cset, L1Ball):
        return np.vstack([cset.radius * eye, -cset.radius * eye])
    if isinstance(cset, Box):
        return np.array([np.where(np.array(bits), cset.upper, cset.lower)
                         for bits in itertools.product([0, 1], repeat=n)])
    if isinstance(cset, KSparsePolytope):
        out = []
        for idx in itertools.combinations(range(n), cset.k):
            for signs in itertools.product([-1, 1], repeat=cset.k):
                v = np.zeros(n)
                v[list(idx)] = cset.radius * np.array(signs)
                out.append(v)
        return np.array(out)
    raise AssertionError(cset)


POLYTOPES = [Simplex(), Simplex(2.5), CappedSimplex(0.7), L1Ball(1.3),
             Box(np.arange(N) - 2.0, np.arange(N) + 0.5), KSparsePolytope(2, 0.8),
             KSparsePolytope(N, 1.0), LpBall(1, 2.0)]


@pytest.mark.parametrize("cset", POLYTOPES, ids=repr)
def test_polytope_lmo_matches_brute_force_over_vertices(cset):
    ref_set = L1Ball(2.0) if isinstance(cset, LpBall) else cset
    V = _vertices(ref_set, N)
    for g in GRADS:
        s = cset.lmo(g)
        assert s.shape == (N,)
        np.testing.assert_allclose(g @ s, (V @ g).min(), rtol=0, atol=1e-12)
        # the answer is a vertex
        assert np.min(np.abs(V - s).sum(axis=1)) <= 1e-12


@pytest.mark.parametrize("p", [1.5, 2.0, 3.0, np.inf])
def test_lp_ball_lmo_matches_hoelder_and_cvxpy(p):
    cset = LpBall(p, 1.7)
    q = 1.0 if p == np.inf else (np.inf if p == 1 else p / (p - 1))
    for g in GRADS[:4]:
        s = cset.lmo(g)
        # Hoelder: min <g, s> over the ball = -r ||g||_q, attained on the sphere
        np.testing.assert_allclose(g @ s, -1.7 * np.linalg.norm(g, q), rtol=1e-12)
        np.testing.assert_allclose(np.linalg.norm(s, p), 1.7, rtol=1e-12)
    x = cp.Variable(N)
    g = GRADS[0]
    prob = cp.Problem(cp.Minimize(g @ x), [cp.norm(x, p) <= 1.7])
    prob.solve(solver="CLARABEL")
    np.testing.assert_allclose(g @ cset.lmo(g), prob.value, rtol=1e-6)


def test_k_sparse_lmo_matches_cvxpy_lp_on_larger_instance():
    n, k, r = 40, 7, 0.6
    g = RNG.standard_normal(n)
    x = cp.Variable(n)
    prob = cp.Problem(cp.Minimize(g @ x), [cp.norm(x, "inf") <= r, cp.norm(x, 1) <= k * r])
    prob.solve(solver="HIGHS")
    s = KSparsePolytope(k, r).lmo(g)
    np.testing.assert_allclose(g @ s, prob.value, rtol=1e-9)
    assert np.count_nonzero(s) == k


def test_birkhoff_lmo_matches_brute_force_over_permutations():
    n = 5
    cset = Birkhoff(n)
    for seed in range(4):
        G = np.random.default_rng(seed).standard_normal((n, n))
        best = min(G[np.arange(n), list(perm)].sum() for perm in itertools.permutations(range(n)))
        S = cset.lmo(G.reshape(-1)).reshape(n, n)
        np.testing.assert_allclose((G * S).sum(), best, rtol=1e-12)
        np.testing.assert_array_equal(S.sum(0), 1.0)
        np.testing.assert_array_equal(S.sum(1), 1.0)
        assert cset.contains(S)


@pytest.mark.parametrize("svd", ["lanczos", "auto"])
@pytest.mark.parametrize("kind", ["dense", "dense2d", "sparse", "linop"])
@pytest.mark.parametrize("shape", [(7, 5), (4, 9), (1, 6), (6, 1)])
def test_nuclear_norm_lmo_matches_full_svd(kind, shape, svd):
    rng = np.random.default_rng(7)
    G = rng.standard_normal(shape) * (rng.random(shape) < 0.6)
    G[0, 0] = 1.0
    sigma = np.linalg.svd(G, compute_uv=False)[0]
    arg = {"dense": G.reshape(-1), "dense2d": G, "sparse": sp.csr_matrix(G),
           "linop": aslinearoperator(G)}[kind]
    cset = NuclearNormBall(2.0, shape, svd=svd)
    S = cset.lmo(arg).reshape(shape)
    np.testing.assert_allclose((G * S).sum(), -2.0 * sigma, rtol=1e-9)
    np.testing.assert_allclose(np.linalg.svd(S, compute_uv=False)[0], 2.0, rtol=1e-9)
    assert np.linalg.matrix_rank(S) == 1
    assert cset.contains(S.reshape(-1), 1e-9)


def test_nuclear_norm_lmo_of_zero_gradient_is_a_unit_rank_one_matrix():
    for svd in ("lanczos", "dense"):
        S = NuclearNormBall(1.0, (5, 4), svd=svd).lmo(sp.csr_matrix((5, 4))).reshape(5, 4)
        np.testing.assert_allclose(np.linalg.svd(S, compute_uv=False)[0], 1.0)


def test_nuclear_norm_lmo_on_large_sparse_gradient_uses_lanczos():
    m, n = 300, 200
    G = sp.random(m, n, density=0.02, random_state=1, format="csr")
    cset = NuclearNormBall(1.0, (m, n))          # 60000 entries: Lanczos
    S = cset.lmo(G)
    sigma = np.linalg.svd(G.toarray(), compute_uv=False)[0]
    Sm = S.reshape(m, n)
    np.testing.assert_allclose(G.multiply(Sm).sum(), -sigma, rtol=1e-8)


def test_spectraplex_lmo_matches_eigendecomposition():
    for n in (4, 80):                     # LAPACK below 64, Lanczos above
        G = np.random.default_rng(n).standard_normal((n, n))
        lam = np.linalg.eigvalsh((G + G.T) / 2)[0]
        cset = Spectraplex(n, radius=1.5)
        S = cset.lmo(G.reshape(-1))
        np.testing.assert_allclose((G * S.reshape(n, n)).sum(), 1.5 * lam, rtol=1e-8)
        assert cset.contains(S, 1e-8)


def _cvx_projection(x, constraints_of):
    v = cp.Variable(x.size)
    cp.Problem(cp.Minimize(cp.sum_squares(v - x)), constraints_of(v)).solve(solver="CLARABEL")
    return v.value


@pytest.mark.parametrize("cset, cons", [
    (Simplex(2.0), lambda v: [v >= 0, cp.sum(v) == 2.0]),
    (CappedSimplex(0.5), lambda v: [v >= 0, cp.sum(v) <= 0.5]),
    (L1Ball(0.8), lambda v: [cp.norm(v, 1) <= 0.8]),
    (LpBall(2, 0.8), lambda v: [cp.norm(v, 2) <= 0.8]),
    (LpBall(np.inf, 0.3), lambda v: [cp.norm(v, "inf") <= 0.3]),
    (Box(-0.2, 0.4, n=N), lambda v: [v >= -0.2, v <= 0.4]),
], ids=lambda o: repr(o) if not callable(o) or hasattr(o, "lmo") else "")
def test_projections_match_cvxpy(cset, cons):
    for g in GRADS[:4]:
        x = 1.5 * g
        p = cset.project(x)
        np.testing.assert_allclose(p, _cvx_projection(x, cons), atol=1e-6)
        assert cset.contains(p, 1e-9)


def test_spectraplex_projection_matches_cvxpy():
    n = 4
    X = np.random.default_rng(3).standard_normal((n, n))
    X = (X + X.T) / 2
    V = cp.Variable((n, n), symmetric=True)
    cp.Problem(cp.Minimize(cp.sum_squares(V - X)), [V >> 0, cp.trace(V) == 1]).solve(
        solver="SCS", eps=1e-9)
    np.testing.assert_allclose(Spectraplex(n).project(X.reshape(-1)).reshape(n, n), V.value,
                               atol=1e-5)


def test_project_simplex_keeps_points_of_the_simplex():
    x = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(project_simplex(x), x)


def test_diameters():
    assert Simplex(2.0).diameter == pytest.approx(2 * np.sqrt(2))
    assert L1Ball(1.5).diameter == 3.0
    assert KSparsePolytope(4, 1.0).diameter == 4.0
    assert LpBall(np.inf, 1.0, n=4).diameter == pytest.approx(4.0)
    assert Box([0, 0], [3, 4]).diameter == 5.0
    assert Birkhoff(3).diameter == pytest.approx(np.sqrt(6))


# -- cvxpy sets ---------------------------------------------------------------------------
def test_cvxpy_lmo_matches_closed_form_sets_and_compiles_once():
    x = cp.Variable(N)
    cset = CvxpyLMO(x, [x >= 0, cp.sum(x) == 1], solver="CLARABEL")
    for g in GRADS[:5]:
        np.testing.assert_allclose(g @ cset.lmo(g), g.min(), atol=1e-7)
    assert cset.nsolve == 5
    # cvxpy caches the compiled parametrized problem: one compilation for all solves
    assert cset.problem._cache.param_prog is not None

    X = cp.Variable((3, 3))
    bk = CvxpyLMO(X, [X >= 0, cp.sum(X, axis=0) == 1, cp.sum(X, axis=1) == 1],
                  solver="HIGHS")
    G = np.random.default_rng(0).standard_normal(9)
    np.testing.assert_allclose(G @ bk.lmo(G), G @ Birkhoff(3).lmo(G), atol=1e-8)


def test_cvxpy_lmo_names_an_unbounded_set():
    x = cp.Variable(3, name="w")
    cset = CvxpyLMO(x, [x >= 0])
    with pytest.raises(ValueError, match="'w' is unbounded"):
        cset.lmo(np.array([1.0, -1.0, 0.0]))
    with pytest.raises(TypeError, match="`variable`"):
        CvxpyLMO(np.zeros(3), [])


# -- wrappers -------------------------------------------------------------------------------
def test_counting_and_cached_wrappers():
    counted = CountingLMO(L1Ball(1.0))
    for g in GRADS[:3]:
        counted(g)
    assert counted.calls == 3 and counted.diameter == 2.0

    cached = CachedLMO(L1Ball(1.0))
    g = np.array([1.0, -3.0, 0.5])
    x = np.zeros(3)
    v, hit = cached.weak_separation(g, x, 0.5)
    assert not hit and cached.calls == 1
    np.testing.assert_array_equal(v, [0.0, 1.0, 0.0])
    # the same direction again: answered from the cache, no LMO call
    v2, hit2 = cached.weak_separation(g * 1.1, x, 0.5)
    assert hit2 and cached.calls == 1 and cached.hits == 1
    np.testing.assert_array_equal(v2, v)
    # a threshold no cached vertex meets: the LMO is called
    _, hit3 = cached.weak_separation(np.array([0.0, 0.0, 1.0]), x, 0.9)
    assert not hit3 and cached.calls == 2 and len(cached.vertices) == 2

    fn = as_lmo(lambda g: -np.sign(g))
    np.testing.assert_array_equal(fn(np.array([1.0, -2.0])), [-1.0, 1.0])


# -- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: Simplex(0.0), lambda: CappedSimplex(-1.0),
                                  lambda: L1Ball(-2), lambda: LpBall(2, 0),
                                  lambda: NuclearNormBall(0.0, (3, 3)),
                                  lambda: KSparsePolytope(2, radius=-1.0),
                                  lambda: Spectraplex(3, radius=0.0)])
def test_radius_must_be_positive(make):
    with pytest.raises(ValueError, match="`radius`"):
        make()


def test_k_must_be_in_1_to_n():
    with pytest.raises(ValueError, match="`k`"):
        KSparsePolytope(0)
    with pytest.raises(ValueError, match="`k`"):
        KSparsePolytope(6, n=5)
    with pytest.raises(ValueError, match="`k`"):
        KSparsePolytope(6).lmo(np.ones(5))


def test_birkhoff_needs_a_square_matrix():
    with pytest.raises(ValueError, match="not square"):
        Birkhoff((3, 4))
    with pytest.raises(ValueError, match="square gradient"):
        Birkhoff(3).lmo(np.ones((3, 4)))


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="`p`"):
        LpBall(0.5)
    with pytest.raises(ValueError, match="`lower` must be <= `upper`"):
        Box([0, 1], [1, 0])
    with pytest.raises(ValueError, match="finite"):
        Box(0, np.inf, n=2)
    with pytest.raises(ValueError, match="dimension 3"):
        Simplex(n=3).lmo(np.ones(4))
    with pytest.raises(ValueError, match="expected 3 x 3"):
        NuclearNormBall(1.0, (3, 3)).lmo(np.ones(8))
    with pytest.raises(ValueError, match="`svd`"):
        NuclearNormBall(1.0, (3, 3), svd="full")
    with pytest.raises(ValueError, match="give `x0`"):
        Simplex().vertex()
