"""Difference-of-submodular methods (ds-dca, ds-cdca) and their set-function
machinery against brute-force enumeration over all subsets (n <= 12)."""

from __future__ import annotations

import numpy as np
import pytest

import optkit
from contract.ds import all_values, is_one_opt, random_ds
from optkit.problems.dc import (DSProblem, greedy_vector, lovasz_extension,
                                minimize_enumeration)
from optkit.solvers.ds._common import DSOracle

INSTANCES = [(n, seed, kind) for n, seed, kind in
             [(8, 0, "concave"), (10, 1, "coverage"), (10, 7, "concave"), (12, 22, "coverage"),
              (9, 5, "coverage"), (11, 13, "concave"), (12, 37, "concave"), (8, 58, "coverage")]]


def _masks(n):
    return np.array([[(r >> i) & 1 for i in range(n)] for r in range(1 << n)], dtype=bool)


@pytest.mark.parametrize("n,seed,kind", INSTANCES[:5])
def test_sfm_equals_brute_force(n, seed, kind):
    """min_S F(S) - y(S): enumeration and Fujishige-Wolfe against a plain loop."""
    F, G = random_ds(n, seed, kind)
    Fv = all_values(F, n)
    masks = _masks(n)
    rng = np.random.default_rng(seed)
    for sfm in ("enumerate", "min-norm"):
        oracle = DSOracle(DSProblem(F, G, n), n, sfm=sfm)
        for _ in range(4):
            y = rng.normal(0.3, 0.6, n)
            ref = (Fv - masks @ y).min()
            mask, val = oracle.minimize_modular(y, np.zeros(n, dtype=bool))
            assert abs(val - ref) <= 1e-9, sfm
            assert abs(F(np.flatnonzero(mask)) - y[mask].sum() - ref) <= 1e-9, sfm


def test_lovasz_extension_and_greedy_subgradient():
    """f_L = F on indicators; f_L(x) = integral_0^1 F({x >= t}) dt (independent formula);
    the greedy vector is a subgradient (f_L(z) >= f_L(x) + s'(z - x), tight at x)."""
    n = 7
    F, _ = random_ds(n, 3, "concave")
    rng = np.random.default_rng(0)
    for r in range(20):
        m = rng.random(n) < 0.5
        assert abs(lovasz_extension(F, m.astype(float)) - F(np.flatnonzero(m))) <= 1e-12
    for _ in range(20):
        x, z = rng.random(n), rng.random(n)
        levels = np.concatenate([[0.0], np.sort(x), [1.0]])
        integral = sum((b - a) * F(np.flatnonzero(x >= b))
                       for a, b in zip(levels[:-1], levels[1:]) if b > a)
        assert abs(lovasz_extension(F, x) - integral) <= 1e-12
        order = np.argsort(-x, kind="stable")
        chain = [0.0] + [F(np.sort(order[:i + 1])) for i in range(n)]
        s = greedy_vector(chain, order)
        assert abs(s @ x - lovasz_extension(F, x)) <= 1e-12
        assert lovasz_extension(F, z) >= s @ z - 1e-12          # s in the base polytope
        mid = lovasz_extension(F, 0.5 * (x + z))                 # convexity
        assert mid <= 0.5 * (lovasz_extension(F, x) + lovasz_extension(F, z)) + 1e-12


@pytest.mark.parametrize("n,seed,kind", INSTANCES)
def test_cdca_returns_a_strong_local_minimum(n, seed, kind):
    F, G = random_ds(n, seed, kind)
    res = optkit.minimize(DSProblem(F, G, n), np.zeros(n), method="ds-cdca")
    assert res.success
    assert is_one_opt(F, G, res.selected, n)
    assert res.best_move <= 1e-12
    phi = all_values(F, n) - all_values(G, n)
    assert res.fun >= phi.min() - 1e-12


def test_dca_fixed_points_need_not_be_one_opt_and_cdca_is_lower():
    """The seeded instance (10, 1, coverage): ds-dca stops at a DCA fixed point from
    which one single-element move still improves; ds-cdca does not. Over the
    instances, CDCA's objective is never above DCA's from the same start."""
    F, G = random_ds(10, 1, "coverage")
    dca = optkit.minimize(DSProblem(F, G, 10), np.zeros(10), method="ds-dca")
    assert dca.success and not is_one_opt(F, G, dca.selected, 10)
    assert dca.best_move > 1e-6
    gaps = []
    for n, seed, kind in INSTANCES:
        F, G = random_ds(n, seed, kind)
        d = optkit.minimize(DSProblem(F, G, n), np.zeros(n), method="ds-dca")
        c = optkit.minimize(DSProblem(F, G, n), np.zeros(n), method="ds-cdca")
        assert c.fun <= d.fun + 1e-12
        gaps.append(d.fun - c.fun)
    assert np.mean(gaps) > 0


def test_dca_is_monotone_and_a_fixed_point():
    n = 10
    F, G = random_ds(n, 7, "concave")
    res = optkit.minimize(DSProblem(F, G, n), np.ones(n), method="ds-dca")
    assert np.all(np.diff(res.trace["fun"]) <= 1e-12)
    y = res.subgradient
    masks = _masks(n)
    sub = all_values(F, n) - masks @ y
    assert F(res.selected) - y[res.selected].sum() <= sub.min() + 1e-12


def test_min_norm_and_enumeration_agree_on_cdca():
    n = 9
    F, G = random_ds(n, 5, "coverage")
    a = optkit.minimize(DSProblem(F, G, n), np.zeros(n), method="ds-cdca")
    b = optkit.minimize(DSProblem(F, G, n), np.zeros(n), method="ds-cdca",
                        options={"sfm": "min-norm"})
    assert abs(a.fun - b.fun) <= 1e-9
    assert is_one_opt(F, G, b.selected, n)
    c = optkit.minimize(DSProblem(F, G, n), np.zeros(n), method="ds-cdca",
                        options={"candidates": "on-stall"})
    assert is_one_opt(F, G, c.selected, n)


def test_counts_are_cache_misses():
    n = 8
    calls = {"F": 0, "G": 0}
    F0, G0 = random_ds(n, 0, "concave")

    def F(S):
        calls["F"] += 1
        return F0(S)

    def G(S):
        calls["G"] += 1
        return G0(S)
    res = optkit.minimize(DSProblem(F, G, n), np.zeros(n), method="ds-cdca")
    assert res.nF == calls["F"] <= 2 ** n and res.nG == calls["G"] <= 2 ** n
    assert res.nfev == res.nF + res.nG


# -- bad input -------------------------------------------------------------------

def test_not_normalized_is_an_error_naming_F():
    with pytest.raises(ValueError, match="`F` must be normalized"):
        optkit.minimize(DSProblem(lambda S: 1.0 + len(S), lambda S: 0.0, 3), method="ds-dca")


def test_non_finite_value_is_an_error_naming_G():
    G = lambda S: float("nan") if len(S) == 2 else 0.0          # noqa: E731
    with pytest.raises(ValueError, match="`G` returned nan"):
        optkit.minimize(DSProblem(lambda S: float(len(S)), G, 3), method="ds-cdca")


def test_large_ground_set_needs_an_approximate_solver():
    prob = DSProblem(lambda S: float(len(S)), lambda S: 0.5 * len(S), 25)
    with pytest.raises(ValueError, match="`sfm`"):
        optkit.minimize(prob, method="ds-dca")
    with pytest.raises(ValueError, match="`sfm`='enumerate' needs n <= 20"):
        optkit.minimize(prob, method="ds-dca", options={"sfm": "enumerate"})
    res = optkit.minimize(prob, method="ds-dca", options={"sfm": "min-norm"})
    assert res.success and res.fun == 0.0


def test_bad_problem_arguments():
    with pytest.raises(TypeError, match="`F` must be callable"):
        DSProblem(3.0, lambda S: 0.0, 3)
    with pytest.raises(ValueError, match="`n`"):
        DSProblem(lambda S: 0.0, lambda S: 0.0, 0)
    with pytest.raises(ValueError, match="`x0` must be an indicator"):
        optkit.minimize(DSProblem(lambda S: 0.0, lambda S: 0.0, 3), np.array([0.5, 0, 1]),
                        method="ds-dca")
    with pytest.raises(ValueError, match="sfm"):
        optkit.minimize(DSProblem(lambda S: 0.0, lambda S: 0.0, 3), method="ds-dca",
                        options={"sfm": "greedy"})
