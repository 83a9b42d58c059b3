"""The geometry layer against independent references: cvxpy for projections and
proxes, closed forms and scipy minimizations for mirror steps, scalar root solves
for the Fermi-Dirac step; Bregman identities; products; capabilities and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq, minimize

from optkit.problems import geometry as G
from optkit.problems import sets as S
from optkit.problems.composite import (L1, Box as BoxPenalty, CompositeProblem,
                                       ElasticNetPenalty, L2Squared, NonNegative, ProxPenalty,
                                       SeparablePenalty, as_penalty)

cp = pytest.importorskip("cvxpy")

RNG = np.random.default_rng(3)
N = 6


def _points(k=4, n=N, scale=2.0):
    return [scale * RNG.standard_normal(n) for _ in range(k)]


# -- penalties: prox vs closed form and cvxpy -----------------------------------------
PENALTIES = [
    (L1(0.7), lambda u: 0.7 * cp.norm1(u)),
    (L2Squared(1.3), lambda u: 0.65 * cp.sum_squares(u)),
    (ElasticNetPenalty(0.9, 0.3), lambda u: 0.27 * cp.norm1(u) + 0.315 * cp.sum_squares(u)),
    (L1(np.linspace(0.1, 1.0, N)), lambda u: np.linspace(0.1, 1.0, N) @ cp.abs(u)),
    (L1(0.5) + BoxPenalty(-0.4, 0.8), None),
    (NonNegative() + L2Squared(0.5), None),
]


@pytest.mark.parametrize("pen, expr", PENALTIES, ids=lambda p: getattr(p, "name", ""))
@pytest.mark.parametrize("step", [0.3, 1.0, 2.5])
def test_penalty_prox_matches_closed_form_and_cvxpy(pen, expr, step):
    l1, l2, lo, hi = pen.arrays(N)
    for v in _points():
        p = pen.prox(v, step)
        # closed form: soft threshold, shrink, clip
        ref = np.clip(np.sign(v) * np.maximum(np.abs(v) - step * l1, 0) / (1 + step * l2),
                      lo, hi)
        np.testing.assert_allclose(p, ref, rtol=0, atol=1e-14)
        u = cp.Variable(N)
        obj = cp.sum_squares(u - v) / (2 * step)
        cons = []
        if expr is None:
            obj += l1 @ cp.abs(u) + 0.5 * cp.sum(cp.multiply(l2, cp.square(u)))
            fin_lo, fin_hi = np.isfinite(lo), np.isfinite(hi)
            cons = ([u[fin_lo] >= lo[fin_lo]] if fin_lo.any() else []) + (
                [u[fin_hi] <= hi[fin_hi]] if fin_hi.any() else [])
        else:
            obj += expr(u)
        cp.Problem(cp.Minimize(obj), cons).solve(solver="CLARABEL", tol_gap_abs=1e-10,
                                                 tol_gap_rel=1e-10, tol_feas=1e-10)
        np.testing.assert_allclose(p, u.value, atol=1e-7)
        # optimality in value too (cvxpy's point is only 1e-8 accurate)
        f = lambda w: pen.value(w) + (w - v) @ (w - v) / (2 * step)   # noqa: E731
        assert f(p) <= f(np.clip(u.value, lo, hi)) + 1e-10


def test_penalty_capabilities_are_data():
    assert L1(1.0).capabilities == {"prox", "value", "contains"}
    box = BoxPenalty(np.zeros(3), np.ones(3))
    assert {"project", "lmo", "diameter", "prox"} <= box.capabilities
    np.testing.assert_array_equal(box.project([2.0, -1.0, 0.5]), [1.0, 0.0, 0.5])
    np.testing.assert_array_equal(box.lmo([1.0, -1.0, 0.0]), [0.0, 1.0, 1.0])
    assert box.diameter == pytest.approx(math.sqrt(3))
    assert NonNegative().provides("project") and not NonNegative().provides("lmo")
    with pytest.raises(G.MissingCapability, match=r"L1\(1\).*`project`"):
        L1(1.0).project(np.ones(2))
    with pytest.raises(NotImplementedError, match="`lmo`"):
        NonNegative().lmo(np.ones(2))
    assert L1(2.0)(np.array([1.0, -2.0])) == 6.0


# -- projections vs cvxpy, idempotence ---------------------------------------------------
def _cvx_project(v, cons):
    u = cp.Variable(v.size)
    cp.Problem(cp.Minimize(cp.sum_squares(u - v)), cons(u)).solve(
        solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    return u.value


SETS = [
    (S.Simplex(1.5), lambda u: [u >= 0, cp.sum(u) == 1.5]),
    (G.EntropySimplex(2.0), lambda u: [u >= 0, cp.sum(u) == 2.0]),
    (S.CappedSimplex(0.8), lambda u: [u >= 0, cp.sum(u) <= 0.8]),
    (S.L1Ball(1.2), lambda u: [cp.norm1(u) <= 1.2]),
    (S.LpBall(2, 0.9), lambda u: [cp.norm2(u) <= 0.9]),
    (S.LpBall(np.inf, 0.5), lambda u: [cp.norm_inf(u) <= 0.5]),
    (S.Box(-np.arange(N) * 0.2, np.arange(N) * 0.3 + 0.1), lambda u: [
        u >= -np.arange(N) * 0.2, u <= np.arange(N) * 0.3 + 0.1]),
    (G.BoxEntropy(-1.0, 0.5, n=N), lambda u: [u >= -1.0, u <= 0.5]),
    (S.KSparsePolytope(2, 0.7), lambda u: [cp.norm_inf(u) <= 0.7, cp.norm1(u) <= 1.4]),
    (S.NuclearNormBall(1.1, (2, 3)),
     lambda u: [cp.normNuc(cp.reshape(u, (2, 3), order="C")) <= 1.1]),
]


@pytest.mark.parametrize("cset, cons", SETS, ids=lambda c: repr(c) if not callable(c) else "")
def test_projection_matches_cvxpy_and_is_idempotent(cset, cons):
    for v in _points(3):
        p = cset.project(v)
        np.testing.assert_allclose(p, _cvx_project(v, cons), atol=1e-7)
        np.testing.assert_allclose(cset.project(p), p, atol=1e-12)
        assert cset.contains(p, 1e-9)
        # the prox of the indicator is the projection, for any step
        np.testing.assert_allclose(cset.prox(v, 7.0), p, atol=0)
        # Euclidean mirror step = projected gradient step
        if cset.mirror == "euclidean":
            g = RNG.standard_normal(N)
            np.testing.assert_allclose(cset.mirror_step(p, g, 0.4), cset.project(p - 0.4 * g),
                                       atol=0)


def test_euclidean_space_is_the_gradient_step():
    E = G.EuclideanSpace(3)
    x, g = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 0.0])
    np.testing.assert_array_equal(E.mirror_step(x, g, 2.0), [0.0, 4.0, 3.0])
    assert E.bregman(x, g) == pytest.approx(0.5 * np.sum((x - g) ** 2))
    assert E.diameter == math.inf and E.bregman_radius(x) == math.inf
    assert not E.provides("lmo")
    with pytest.raises(G.MissingCapability, match=r"EuclideanSpace\(n=3\) does not implement `lmo`"):
        E.lmo(g)


# -- the entropy mirror step ----------------------------------------------------------
def test_entropy_mirror_step_matches_multiplicative_weights_and_scipy():
    geo = G.EntropySimplex(1.7, n=N)
    for _ in range(4):
        x = RNG.dirichlet(np.ones(N)) * 1.7
        g = RNG.standard_normal(N)
        s = 0.8
        xp = geo.mirror_step(x, g, s)
        w = x * np.exp(-s * g)
        np.testing.assert_allclose(xp, 1.7 * w / w.sum(), rtol=1e-13)
        # direct minimization of <g, u> + KL(u, x)/s on the simplex (SLSQP)
        obj = lambda u: g @ u + np.sum(u * np.log(np.maximum(u, 1e-300) / x)) / s  # noqa: E731
        jac = lambda u: g + (np.log(np.maximum(u, 1e-300) / x) + 1) / s            # noqa: E731
        res = minimize(obj, x, jac=jac, method="SLSQP", bounds=[(1e-12, None)] * N,
                       constraints=[{"type": "eq", "fun": lambda u: u.sum() - 1.7,
                                     "jac": lambda u: np.ones(N)}],
                       options={"ftol": 1e-15, "maxiter": 500})
        np.testing.assert_allclose(xp, res.x, atol=1e-7)


def test_entropy_log_mirror_step_is_stable_at_huge_steps():
    geo = G.EntropySimplex(n=4)
    x = np.array([0.1, 0.2, 0.3, 0.4])
    g = np.array([3.0, -1.0, 2.0, -1.0])
    for step in (1e3, 1e200, 1e306, math.inf):
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            lx = geo.log_mirror_step(np.log(x), g, step)
            xp = geo.mirror_step(x, g, step)
        assert np.all(np.isfinite(xp)) and xp.sum() == pytest.approx(1.0, abs=1e-15)
        np.testing.assert_allclose(np.exp(lx), xp, atol=1e-15)
        # the limit: the mass of x on the minimizers of g, renormalized (0.2 : 0.4)
        np.testing.assert_allclose(xp, [0.0, 1 / 3, 0.0, 2 / 3], atol=1e-12)
    # unnormalized log-weights are fine; zeros stay zero
    lx = geo.log_mirror_step(np.array([np.log(2.0), np.log(4.0), -np.inf, np.log(2.0)]),
                             np.zeros(4), 1.0)
    np.testing.assert_allclose(np.exp(lx), [0.25, 0.5, 0.0, 0.25], atol=1e-15)


def _three_point(geo, u, x, y):
    """D(u, y) - D(u, x) - D(x, y) = <grad w(x) - grad w(y), u - x>."""
    return geo.bregman(u, y) - geo.bregman(u, x) - geo.bregman(x, y)


def test_bregman_divergences_are_nonnegative_zero_iff_equal_and_three_point():
    r = 1.3
    ent = G.EntropySimplex(r, n=N)
    fd = G.BoxEntropy(-1.0, 2.0, n=N)
    euc = S.Box(-1.0, 2.0, n=N)
    samples = {
        ent: lambda: RNG.dirichlet(np.ones(N)) * r,
        fd: lambda: RNG.uniform(-1.0, 2.0, N),
        euc: lambda: RNG.uniform(-1.0, 2.0, N),
    }
    grads = {ent: lambda x: np.log(x) + 1, fd: lambda x: np.log(x + 1) - np.log(2 - x),
             euc: lambda x: x}
    for geo, draw in samples.items():
        for _ in range(5):
            u, x, y = draw(), draw(), draw()
            assert geo.bregman(u, x) > 0 and geo.bregman(x, x) == pytest.approx(0, abs=1e-14)
            lhs = _three_point(geo, u, x, y)
            rhs = (grads[geo](x) - grads[geo](y)) @ (u - x)
            np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-12)
            # strong convexity in the geometry's norm
            nrm = np.abs(u - x).sum() if geo.norm == "l1" else np.linalg.norm(u - x)
            assert geo.bregman(u, x) >= 0.5 * geo.strong_convexity * nrm ** 2 - 1e-12


def test_bregman_radius_is_the_max_over_the_set():
    ent = G.EntropySimplex(2.0, n=4)
    assert ent.bregman_radius(ent.prox_center()) == pytest.approx(2.0 * math.log(4))
    x0 = np.array([0.2, 0.5, 0.3, 1.0])
    vertices = 2.0 * np.eye(4)
    assert ent.bregman_radius(x0) == pytest.approx(max(ent.bregman(v, x0) for v in vertices))
    fd = G.BoxEntropy(np.zeros(3), np.array([1.0, 2.0, 0.5]))
    x0 = np.array([0.3, 1.5, 0.1])
    corners = [np.where(np.array(b), fd.upper, fd.lower) for b in np.ndindex(2, 2, 2)]
    assert fd.bregman_radius(x0) == pytest.approx(max(fd.bregman(c, x0) for c in corners))
    # Euclidean sets: exact maxima at the farthest vertex (checked by enumeration)
    x0 = np.array([0.3, -0.2, 0.1])
    for cset, verts in [(S.Simplex(1.5), 1.5 * np.eye(3)),
                        (S.L1Ball(0.7), np.vstack([0.7 * np.eye(3), -0.7 * np.eye(3)])),
                        (S.CappedSimplex(0.5), np.vstack([0.5 * np.eye(3), np.zeros(3)])),
                        (S.Box(-1.0, 1.0, n=3),
                         np.array([[a, b, c] for a in (-1, 1) for b in (-1, 1) for c in (-1, 1)]))]:
        ref = max(0.5 * np.sum((v - x0) ** 2) for v in verts)
        assert cset.bregman_radius(x0) == pytest.approx(ref, rel=1e-14)
    assert S.LpBall(2, 1.0).bregman_radius(x0) == pytest.approx(
        0.5 * (1 + np.linalg.norm(x0)) ** 2)


def test_box_entropy_mirror_step_matches_scalar_root_solves():
    lo, hi = np.array([-1.0, 0.0, 2.0, -3.0]), np.array([1.0, 0.5, 5.0, 3.0])
    geo = G.BoxEntropy(lo, hi)
    x = np.array([0.2, 0.49, 2.1, 0.0])
    g = np.array([1.5, -2.0, 0.3, 40.0])
    step = 0.7
    xp = geo.mirror_step(x, g, step)
    for i in range(4):
        # optimality of the 1-D problem: g_i + (w'(u) - w'(x_i))/s = 0
        dw = lambda t: np.log(t - lo[i]) - np.log(hi[i] - t)  # noqa: E731
        root = brentq(lambda t: g[i] + (dw(t) - dw(x[i])) / step, lo[i] + 1e-300 + 1e-14 *
                      (hi[i] - lo[i]), hi[i] - 1e-14 * (hi[i] - lo[i]), xtol=1e-15, rtol=1e-15)
        np.testing.assert_allclose(xp[i], root, atol=1e-9)
    assert geo.contains(geo.mirror_step(x, 1e300 * g, 1.0))        # no overflow, in the box


def test_with_entropy_keeps_the_set_and_lmo():
    simplex = S.Simplex(2.0, n=5)
    ent = simplex.with_entropy()
    assert isinstance(ent, G.EntropySimplex) and ent.radius == 2.0 and ent.dim == 5
    for g in _points(3, 5):
        np.testing.assert_array_equal(ent.lmo(g), simplex.lmo(g))
        np.testing.assert_array_equal(ent.project(g), simplex.project(g))
    box = S.Box(-1.0, 2.0, n=3)
    fd = box.with_entropy()
    np.testing.assert_array_equal(fd.lmo([1.0, -1.0, 0.0]), box.lmo([1.0, -1.0, 0.0]))


# -- products ------------------------------------------------------------------------------
def test_product_set_is_the_blockwise_concatenation():
    parts = (S.Simplex(n=3), G.BoxEntropy(0.0, 2.0, n=2), S.LpBall(2, 1.0, n=2))
    P = G.ProductSet(*parts)
    assert P.dim == 7 and [s.stop - s.start for s in P.slices] == [3, 2, 2]
    x = np.concatenate([[0.2, 0.3, 0.5], [0.5, 1.5], [0.1, -0.2]])
    g = RNG.standard_normal(7)
    v = 3 * RNG.standard_normal(7)
    blocks = lambda z: [z[:3], z[3:5], z[5:]]                   # noqa: E731
    cat = np.concatenate
    np.testing.assert_array_equal(P.lmo(g), cat([p.lmo(b) for p, b in zip(parts, blocks(g))]))
    np.testing.assert_array_equal(P.project(v),
                                  cat([p.project(b) for p, b in zip(parts, blocks(v))]))
    np.testing.assert_array_equal(P.prox(v, 0.5),
                                  cat([p.prox(b, 0.5) for p, b in zip(parts, blocks(v))]))
    steps = (0.1, 0.2, 0.3)
    np.testing.assert_array_equal(
        P.mirror_step(x, g, steps),
        cat([p.mirror_step(a, b, s) for p, a, b, s in zip(parts, blocks(x), blocks(g), steps)]))
    u = P.project(v)
    assert P.bregman(u, x) == pytest.approx(sum(p.bregman(a, b) for p, a, b in
                                                zip(parts, blocks(u), blocks(x))))
    assert P.bregman_radius(x) == pytest.approx(sum(p.bregman_radius(b) for p, b in
                                                    zip(parts, blocks(x))))
    assert P.diameter == pytest.approx(math.sqrt(sum(p.diameter ** 2 for p in parts)))
    assert P.strong_convexity == min(p.strong_convexity for p in parts)
    # tuples in, tuples out (e.g. a saddle point (x, y))
    tup = P.mirror_step(tuple(blocks(x)), tuple(blocks(g)), 0.1)
    assert isinstance(tup, tuple) and len(tup) == 3
    np.testing.assert_array_equal(cat(tup), P.mirror_step(x, g, 0.1))
    assert P.contains(x) and not P.contains(x + 1.0)


def test_product_capabilities_are_the_common_ones():
    P = G.ProductSet(S.Simplex(n=2), G.EuclideanSpace(2))
    assert not P.provides("lmo") and P.provides("mirror_step")
    with pytest.raises(G.MissingCapability, match="`lmo`"):
        P.lmo(np.ones(4))
    with pytest.raises(ValueError, match="`x` has 3 entries; the product has dimension 4"):
        P.project(np.ones(3))
    with pytest.raises(TypeError, match="part 1 must be a Geometry"):
        G.ProductSet(S.Simplex(n=2), "box")


# -- capabilities, errors ------------------------------------------------------------------
def test_capabilities_match_what_works():
    for cset in [S.Simplex(n=3), S.LpBall(3, 1.0, n=3), S.Birkhoff(2), G.EuclideanSpace(3),
                 G.EntropySimplex(n=3), S.CountingLMO(S.L1Ball(n=3))]:
        caps = cset.capabilities
        x = cset.project(np.full(cset.dim, 0.3)) if "project" in caps else None
        for op in G.OPERATIONS:
            if op in ("diameter",):
                assert (cset.diameter is not None) == (op in caps)
                continue
            if op not in caps:
                call = {"lmo": lambda: cset.lmo(np.ones(cset.dim)),
                        "project": lambda: cset.project(np.ones(cset.dim)),
                        "prox": lambda: cset.prox(np.ones(cset.dim), 1.0),
                        "mirror_step": lambda: cset.mirror_step(np.ones(cset.dim),
                                                                np.ones(cset.dim), 1.0),
                        "log_mirror_step": lambda: cset.log_mirror_step(
                            np.zeros(cset.dim), np.ones(cset.dim), 1.0)}.get(op)
                if call is not None:
                    with pytest.raises(G.MissingCapability, match=f"`{op}`"):
                        call()
            elif op == "mirror_step" and x is not None:
                assert cset.contains(cset.mirror_step(x, np.ones(cset.dim), 0.1))
    assert not S.LpBall(3, 1.0).provides("project")
    assert S.Simplex().provides("mirror_step") and not S.Simplex().provides("log_mirror_step")


def test_require_names_the_operation_the_object_and_the_method():
    with pytest.raises(G.MissingCapability,
                       match=r"mirror-prox needs `mirror_step` of Birkhoff\(n=3\)"):
        S.Birkhoff(3).require("lmo", "mirror_step", by="mirror-prox")
    with pytest.raises(TypeError, match="mirror-prox needs"):    # also a TypeError
        S.Birkhoff(3).require("project", by="mirror-prox")
    with pytest.raises(ValueError, match="unknown geometry operation 'lmoo'"):
        S.Simplex().require("lmoo")
    S.Simplex(n=2).require("lmo", "project", "mirror_step")      # no error


def test_bad_inputs_name_the_argument():
    ent = G.EntropySimplex(n=3)
    with pytest.raises(ValueError, match="`step` must be > 0"):
        ent.mirror_step(ent.prox_center(), np.ones(3), 0.0)
    with pytest.raises(ValueError, match="`g` has 2 entries"):
        ent.mirror_step(ent.prox_center(), np.ones(2), 1.0)
    with pytest.raises(ValueError, match="`x` must be nonnegative"):
        ent.mirror_step(np.array([-0.1, 0.6, 0.5]), np.ones(3), 1.0)
    with pytest.raises(ValueError, match="`x` has 4 entries; the set has dimension 3"):
        ent.mirror_step(np.ones(4) / 4, np.ones(4), 1.0)
    with pytest.raises(ValueError, match="`lower` must be < `upper`"):
        G.BoxEntropy([0.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="`x` must lie in the box"):
        G.BoxEntropy(0.0, 1.0, n=2).mirror_step(np.array([0.5, 1.5]), np.ones(2), 1.0)
    with pytest.raises(ValueError, match="`radius`"):
        G.EntropySimplex(-1.0)


# -- composite problems with a general prox penalty -------------------------------------
class _Huber:
    """h(x) = sum huber_1(x_i): prox in closed form (Parikh & Boyd 6.5.4)."""

    def prox(self, v, step):
        return np.where(np.abs(v) <= 1 + step, v / (1 + step), v - step * np.sign(v))

    def __call__(self, x):
        a = np.abs(x)
        return float(np.sum(np.where(a <= 1, 0.5 * x * x, a - 0.5)))


def test_composite_accepts_any_prox_penalty_and_bcd_refuses_it_clearly():
    import optkit
    from optkit.problems.synthetic import QuadraticProblem

    smooth = QuadraticProblem(np.eye(2), np.array([3.0, 0.5]))
    prob = CompositeProblem(smooth, _Huber())
    assert isinstance(prob.penalty, ProxPenalty)
    assert prob.provides("prox") and prob.provides("fun")
    assert not prob.provides("separable_penalty") and prob.separable_form() is None
    x = np.array([2.0, 0.25])
    assert prob.fun(x) == pytest.approx(smooth.fun(x) + 1.5 + 0.03125)
    # the prox is the user's, and matches cvxpy's Huber prox
    v = np.array([3.0, 0.5])
    u = cp.Variable(2)
    cp.Problem(cp.Minimize(0.5 * cp.sum(cp.huber(u, 1.0)) + cp.sum_squares(u - v) / 2)).solve()
    np.testing.assert_allclose(prob.prox(v, 1.0), u.value, atol=1e-6)
    for method in ("bcd", "cyclic-vr-bcd", "a-coder"):
        with pytest.raises(ValueError, match=f"'{method}' needs `separable_penalty`"):
            optkit.minimize(prob, method=method)
    # a separable penalty keeps its compiled form
    lasso = CompositeProblem(smooth, L1(1.0))
    assert lasso.provides("separable_penalty")
    l1, l2, lo, hi = lasso.separable_form()
    np.testing.assert_array_equal(l1, [1.0, 1.0])
    assert np.all(hi == np.inf)


def test_composite_takes_a_set_as_its_indicator():
    from optkit.problems.synthetic import QuadraticProblem

    prob = CompositeProblem(QuadraticProblem(np.eye(3), np.zeros(3)), S.Simplex(n=3),
                            x0=[2.0, 0.0, 0.0])
    np.testing.assert_allclose(prob.x0, [1.0, 0.0, 0.0])          # projected into the set
    assert prob.fun(np.array([2.0, 0.0, 0.0])) == math.inf
    np.testing.assert_allclose(prob.prox(np.array([0.5, 0.5, 2.0]), 3.0), [0.0, 0.0, 1.0])


def test_as_penalty_errors_name_the_argument():
    with pytest.raises(TypeError, match=r"`penalty` must be a SeparablePenalty.*prox\(v, step\)"):
        as_penalty(3.0)
    with pytest.raises(TypeError, match=r"`penalty` S.Birkhoff|provides no `prox`"):
        as_penalty(S.Birkhoff(2))
    assert isinstance(as_penalty(None), SeparablePenalty) and as_penalty(None).is_zero

    class NoValue:
        def prox(self, v, step):
            return v

    prob = CompositeProblem(_quadratic(), NoValue())
    assert not prob.provides("fun")
    with pytest.raises(G.MissingCapability, match="`value`"):
        prob.fun(np.zeros(2))


def _quadratic():
    from optkit.problems.synthetic import QuadraticProblem
    return QuadraticProblem(np.eye(2), np.zeros(2))
