"""Frank-Wolfe variants against cvxpy (Clarabel / SCS): least squares over the
simplex and the l1 ball, trace-norm matrix completion; linear convergence of the
active-set variants; active-set bookkeeping; lazy LMO savings; bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import optkit
from optkit._core.registry import get_solver
from optkit.problems import LMOProblem
from optkit.problems.sets import L1Ball, NuclearNormBall, Simplex

cp = pytest.importorskip("cvxpy")

FO_METHODS = ["fw", "fw-away", "fw-pairwise", "fw-lazy"]
STEPS = ["adaptive", "exact", "short"]


def _least_squares(m=40, n=25, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n))
    b = A @ (rng.random(n) * (rng.random(n) < 0.3)) + 0.1 * rng.standard_normal(m)
    L = np.linalg.norm(A, 2) ** 2
    return A, b, L


def _ls_oracles(A, b):
    return (lambda x: 0.5 * np.sum((A @ x - b) ** 2), lambda x: A.T @ (A @ x - b),
            lambda x, v: A.T @ (A @ v))


@pytest.fixture(scope="module")
def simplex_ls():
    A, b, L = _least_squares()
    x = cp.Variable(A.shape[1])
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ x - b)), [x >= 0, cp.sum(x) == 1])
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    return A, b, L, prob.value, Simplex(n=A.shape[1])


@pytest.fixture(scope="module")
def l1_ls():
    A, b, L = _least_squares(seed=1)
    r = 0.5 * np.abs(np.linalg.lstsq(A, b, rcond=None)[0]).sum()   # the constraint is active
    x = cp.Variable(A.shape[1])
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ x - b)), [cp.norm(x, 1) <= r])
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    return A, b, L, prob.value, L1Ball(r, n=A.shape[1])


def _check_against_reference(res, f_star, tol):
    assert res.status == 0, res.message
    assert res.certificate <= tol
    # the objective equals cvxpy's within the returned gap (cvxpy accurate to ~1e-9)
    assert res.fun - f_star <= res.gap + 1e-9
    assert res.fun - f_star >= -1e-8
    # the certificate upper-bounds the true f - f* at every recorded iteration
    fun, cert = res.trace["fun"], res.trace["certificate"]
    assert np.all(fun - f_star <= cert + 1e-9)


@pytest.mark.parametrize("method", FO_METHODS)
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("which", ["simplex", "l1"])
def test_least_squares_matches_cvxpy_within_gap(method, step, which, simplex_ls, l1_ls):
    A, b, L, f_star, cset = simplex_ls if which == "simplex" else l1_ls
    fun, jac, hessp = _ls_oracles(A, b)
    problem = LMOProblem(fun, jac, cset, hessp=hessp)
    opts = {"step": step, "maxiter": 20_000}
    if step == "short":
        opts["L"] = L
    # vanilla and lazy FW are sublinear (the minimizer is on a face), the active-set
    # variants linear
    tol = 1e-7 if method in ("fw-away", "fw-pairwise") else (1e-5 if which == "simplex"
                                                              else 5e-2)
    res = optkit.minimize(problem, method=method, tol=tol, options=opts)
    _check_against_reference(res, f_star, tol)
    assert cset.contains(res.x, 1e-9)
    assert res.nlmo >= 1


def test_agnostic_step_and_minimize_with_callables(simplex_ls):
    A, b, _, f_star, cset = simplex_ls
    fun, jac, _ = _ls_oracles(A, b)
    x0 = np.full(A.shape[1], 1.0 / A.shape[1])          # any point of the set works
    res = optkit.minimize(fun, x0, jac=jac, method="fw", tol=1e-3,
                          options={"lmo": cset, "step": "agnostic", "maxiter": 50_000})
    _check_against_reference(res, f_star, 1e-3)
    # open loop: gamma_k = 2/(k+2) exactly
    np.testing.assert_allclose(res.trace["gamma"][1:6], 2.0 / (np.arange(5) + 2.0))
    assert res.nlmo == res.nit + 1 and res.njev == res.nit + 1


def test_exact_step_with_a_user_line_search(simplex_ls):
    A, b, _, f_star, cset = simplex_ls
    fun, jac, _ = _ls_oracles(A, b)
    calls = []

    def line_search(x, d, gamma_max):            # exact for least squares
        calls.append(1)
        Ad = A @ d
        return float(np.clip(-(A @ x - b) @ Ad / (Ad @ Ad), 0.0, gamma_max))

    res = optkit.minimize(LMOProblem(fun, jac, cset), method="fw-pairwise", tol=1e-8,
                          options={"step": "exact", "line_search": line_search})
    _check_against_reference(res, f_star, 1e-8)
    assert len(calls) == res.nit


def test_matrix_completion_trace_norm_matches_cvxpy_with_sparse_gradients():
    m, n, rank = 12, 10, 2
    rng = np.random.default_rng(5)
    M = rng.standard_normal((m, rank)) @ rng.standard_normal((rank, n))
    mask = rng.random((m, n)) < 0.5
    rows, cols = np.nonzero(mask)
    vals = M[rows, cols]
    radius = 0.7 * np.linalg.svd(M, compute_uv=False).sum()
    flat = rows * n + cols

    def fun(x):
        return 0.5 * np.sum((x[flat] - vals) ** 2)

    def grad(x):                         # sparse: memory linear in the observations
        return sp.csr_matrix((x[flat] - vals, (rows, cols)), shape=(m, n))

    X = cp.Variable((m, n))
    ref = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(cp.multiply(mask, X) - mask * M)),
                     [cp.normNuc(X) <= radius])
    ref.solve(solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10)
    f_star = ref.value
    for method in ["fw", "fw-pairwise", "fw-lazy"]:
        problem = LMOProblem(fun, grad, NuclearNormBall(radius, (m, n)))
        # the constraint is active and the minimizer not a vertex: sublinear rates
        res = optkit.minimize(problem, method=method, tol=2e-2,
                              options={"step": "exact", "maxiter": 20_000})
        assert res.status == 0, (method, res.message)
        assert sp.issparse(res.jac)
        assert abs(res.fun - f_star) <= res.gap + 1e-6, method
        assert np.linalg.svd(res.x.reshape(m, n), compute_uv=False).sum() <= radius * (1 + 1e-9)


# -- linear convergence on a polytope -------------------------------------------------------
def _face_quadratic(d=20, seed=2):
    """Strongly convex quadratic on the simplex whose minimizer is in the relative
    interior of a 3-dimensional face (strict complementarity)."""
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((d, d))
    A = M @ M.T / d + 0.1 * np.eye(d)
    xs = np.zeros(d)
    xs[:4] = [0.4, 0.3, 0.2, 0.1]
    w = np.where(np.arange(d) < 4, 0.0, 0.5)
    fun = lambda x: 0.5 * (x - xs) @ A @ (x - xs) + w @ x          # noqa: E731
    jac = lambda x: A @ (x - xs) + w                               # noqa: E731
    return fun, jac, xs, np.eye(d)[-1]


def _log_linear_fit(gaps):
    k = np.arange(gaps.size)
    keep = gaps > 1e-13
    y, k = np.log(gaps[keep]), k[keep]
    slope, icpt = np.polyfit(k, y, 1)
    resid = y - (slope * k + icpt)
    return slope, 1.0 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))


@pytest.mark.parametrize("step", ["exact", "adaptive"])
def test_away_and_pairwise_converge_linearly_vanilla_does_not(step):
    fun, jac, xs, x0 = _face_quadratic()
    runs = {m: optkit.minimize(fun, x0, jac=jac, method=m, tol=1e-12,
                               options={"lmo": Simplex(), "step": step, "maxiter": 300})
            for m in ["fw", "fw-away", "fw-pairwise"]}
    for m in ["fw-away", "fw-pairwise"]:
        res = runs[m]
        assert res.status == 0 and res.nit < 150, (m, res.nit)
        slope, r2 = _log_linear_fit(res.trace["certificate"])
        assert slope < -0.1 and r2 > 0.9, (m, slope, r2)
        np.testing.assert_allclose(res.x, xs, atol=1e-10)
    vanilla = runs["fw"]
    slope, r2 = _log_linear_fit(vanilla.trace["certificate"])
    assert vanilla.status == 1 and vanilla.certificate > 1e-4
    assert r2 < 0.9 and slope > -0.02, (slope, r2)


@pytest.mark.parametrize("method", ["fw-away", "fw-pairwise"])
def test_active_set_weights_are_a_convex_combination_at_every_iteration(method):
    fun, jac, xs, x0 = _face_quadratic(d=15, seed=4)
    problem = LMOProblem(fun, jac, Simplex())
    solver = get_solver(method)(get_solver(method).Options(step="adaptive",
                                                           recompute_every=10_000))
    oracle = solver.make_oracle(problem, x0.size)
    state = solver.init(oracle, x0, 1e-300)
    drops = 0
    for _ in range(200):
        state = solver.step(state, 1)
        w = state.weights
        assert np.all(w >= 0)
        np.testing.assert_allclose(w.sum(), 1.0, rtol=0, atol=1e-12)
        np.testing.assert_allclose(state.active.combine(w), state.x, rtol=0, atol=1e-10)
        assert state.n_active == np.count_nonzero(w)
        drops += state.drop
        if state.gap < 1e-12:
            break
    assert drops >= 1                  # the start vertex is not in the support: dropped
    V, weights = solver.result_fields(state)["active_set"]
    np.testing.assert_allclose(weights @ V, state.x, atol=1e-10)


def test_lazy_calls_the_lmo_far_less_than_vanilla(simplex_ls):
    A, b, L, f_star, cset = simplex_ls
    fun, jac, hessp = _ls_oracles(A, b)
    runs = {m: optkit.minimize(LMOProblem(fun, jac, cset, hessp=hessp), method=m, tol=1e-5,
                               options={"step": "exact", "maxiter": 50_000})
            for m in ["fw", "fw-lazy"]}
    for res in runs.values():
        _check_against_reference(res, f_star, 1e-5)
    lazy = runs["fw-lazy"]
    assert lazy.nlmo < 0.2 * runs["fw"].nlmo
    assert lazy.nlmo < 0.2 * lazy.nit
    phi = lazy.trace["phi"]
    assert np.all(np.diff(phi) <= 0)             # Phi only halves


def test_fw_counts_and_trace_columns(simplex_ls):
    A, b, _, _, cset = simplex_ls
    fun, jac, _ = _ls_oracles(A, b)
    res = optkit.minimize(LMOProblem(fun, jac, cset), method="fw", tol=1e-4,
                          options={"step": "exact", "maxiter": 1000})
    assert {"nlmo", "gamma", "L"} <= set(res.trace.columns)
    assert res.nlmo == res.nit + 1
    # exact step without hessp: one value at x + d and one at the new point per iteration
    assert res.nfev == 2 * res.nit + 1


# -- bad input ----------------------------------------------------------------------------
def test_x0_outside_the_set_errors_or_is_projected():
    fun = lambda x: 0.5 * x @ x        # noqa: E731
    jac = lambda x: x                  # noqa: E731
    with pytest.raises(ValueError, match="`x0` is outside the feasible set"):
        optkit.minimize(fun, [2.0, 0.0], jac=jac, method="fw", options={"lmo": L1Ball()})
    res = optkit.minimize(fun, [2.0, 0.0], jac=jac, method="fw", tol=1e-8,
                          options={"lmo": L1Ball(), "project_x0": True})
    assert res.success and abs(res.fun) <= 1e-8

    class NoProjection(L1Ball):
        has_projection = False

    with pytest.raises(ValueError, match="offers no projection"):
        optkit.minimize(fun, [2.0, 0.0], jac=jac, method="fw",
                        options={"lmo": NoProjection(), "project_x0": True})


def test_bad_lmo_answers_are_reported():
    fun = lambda x: 0.5 * x @ x        # noqa: E731
    jac = lambda x: x                  # noqa: E731
    with pytest.raises(ValueError, match=r"`lmo` returned an array of shape \(3,\)"):
        optkit.minimize(fun, [1.0, 0.0], jac=jac, method="fw",
                        options={"lmo": lambda g: np.zeros(3)})
    with pytest.raises(ValueError, match="`lmo` returned a point with NaN"):
        optkit.minimize(fun, [1.0, 0.0], jac=jac, method="fw",
                        options={"lmo": lambda g: np.array([np.nan, 0.0])})
    with pytest.raises(ValueError, match="options=\\{'lmo'"):
        optkit.minimize(fun, [1.0, 0.0], jac=jac, method="fw")
    with pytest.raises(TypeError, match="`lmo` must be a ConvexSet or a callable"):
        LMOProblem(fun, jac, 3.0)


def test_bad_options():
    fun = lambda x: 0.5 * x @ x        # noqa: E731
    with pytest.raises(ValueError, match="`L` is required"):
        optkit.minimize(fun, [1.0, 0.0], jac=lambda x: x, method="fw",
                        options={"lmo": L1Ball(), "step": "short"})
    with pytest.raises(ValueError, match="`step`"):
        optkit.minimize(fun, [1.0, 0.0], jac=lambda x: x, method="fw-away",
                        options={"lmo": L1Ball(), "step": "agnostic"})
    with pytest.raises(ValueError, match="`K`"):
        optkit.minimize(fun, [1.0, 0.0], jac=lambda x: x, method="fw-lazy",
                        options={"lmo": L1Ball(), "K": 0.5})


def test_default_method_and_default_x0_is_a_vertex():
    c = np.array([0.2, 0.5, 0.3])
    problem = LMOProblem(lambda x: 0.5 * (x - c) @ (x - c), lambda x: x - c, Simplex(n=3))
    np.testing.assert_array_equal(problem.x0, [1.0, 0.0, 0.0])
    res = optkit.minimize(problem, tol=1e-9)
    assert res.method == "fw" and res.success
    np.testing.assert_allclose(res.x, c, atol=1e-7)
    assert set(optkit.methods("lmo")) == {"fw", "fw-away", "fw-pairwise", "fw-lazy", "zo-fw"}


def test_vertex_cache_is_bounded_and_replaces_the_oldest():
    from optkit.solvers.frank_wolfe._common import VertexCache

    empty = VertexCache(3, max_size=2)
    eye = np.eye(3)
    cache = empty.with_vertex(0, eye[0]).with_vertex(1, eye[1])
    assert [cache.row_of[i] for i in range(2)] == [0, 1]
    assert cache.with_vertex(0, eye[0]) is cache      # known vertex: same cache, same row
    full = cache.with_vertex(2, eye[2])               # full: the oldest row is reused
    assert full.row_of[2] == 0
    np.testing.assert_array_equal(full.rows(), [eye[2], eye[1]])
    assert set(full.row_of) == {1, 2}
    # the earlier caches' bookkeeping is unchanged (persistent values)
    assert set(cache.row_of) == {0, 1} and empty.n == 0 and not empty.row_of


def test_active_set_is_persistent():
    from optkit.solvers.frank_wolfe._common import ActiveSet

    eye = np.eye(3)
    a0, r0 = ActiveSet(3, capacity=4).with_row("a", eye[0])
    a1, r1 = a0.with_row("b", eye[1])
    assert (r0, r1, a0.n, a1.n) == (0, 1, 1, 2)
    assert a1.with_row("a", eye[0]) == (a1, 0)
    # a second extension of a0 (a rerun from an earlier state) must not
    # overwrite a1's row 1
    a2, r2 = a0.with_row("c", eye[2])
    assert r2 == 1
    np.testing.assert_array_equal(a1.buf[:2], eye[:2])
    np.testing.assert_array_equal(a2.buf[:2], [eye[0], eye[2]])
    assert "c" not in a0.row_of and "c" not in a1.row_of


def test_lazy_with_a_small_cache_still_converges(simplex_ls):
    A, b, _, f_star, cset = simplex_ls
    fun, jac, hessp = _ls_oracles(A, b)
    res = optkit.minimize(LMOProblem(fun, jac, cset, hessp=hessp), method="fw-lazy",
                          tol=1e-5, options={"step": "exact", "cache_size": 3,
                                             "maxiter": 50_000})
    _check_against_reference(res, f_star, 1e-5)


@pytest.mark.parametrize("which", ["birkhoff", "spectraplex", "cvxpy-simplex"])
def test_projection_by_frank_wolfe_matches_cvxpy_on_matrix_and_cvxpy_sets(which):
    from optkit.problems.sets import Birkhoff, CvxpyLMO, Spectraplex

    n = 4
    C = np.random.default_rng(9).standard_normal((n, n)) * 0.5
    if which == "birkhoff":
        cset, X = Birkhoff(n), cp.Variable((n, n))
        cons = [X >= 0, cp.sum(X, axis=0) == 1, cp.sum(X, axis=1) == 1]
        method, tol = "fw-pairwise", 1e-9
    elif which == "spectraplex":
        cset, X = Spectraplex(n), cp.Variable((n, n), symmetric=True)
        cons = [X >> 0, cp.trace(X) == 1]
        C = (C + C.T) / 2
        method, tol = "fw", 1e-4                 # a curved set: sublinear
    else:
        v = cp.Variable(n * n)
        cset = CvxpyLMO(v, [v >= 0, cp.sum(v) == 1], solver="HIGHS")
        X = cp.Variable((n, n))
        cons = [X >= 0, cp.sum(X) == 1]
        method, tol = "fw-away", 1e-9
    ref = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(X - C)), cons)
    ref.solve(solver="CLARABEL" if which != "spectraplex" else "SCS",
              **({"eps": 1e-9} if which == "spectraplex" else {}))
    c = C.reshape(-1)
    x0 = cset.vertex(n * n)
    res = optkit.minimize(lambda x: 0.5 * (x - c) @ (x - c), x0, jac=lambda x: x - c,
                          method=method, tol=tol, options={"lmo": cset, "maxiter": 20_000})
    assert res.status == 0, res.message
    assert abs(res.fun - ref.value) <= res.gap + 1e-6
    np.testing.assert_allclose(res.x.reshape(n, n), X.value, atol=max(3 * np.sqrt(tol), 1e-5))
