"""The 'ds' family's contract problem (keys: ``tests/contract/__init__.py``).

Also home of :func:`random_ds`, the seeded random difference-of-submodular
instances of ``tests/solvers/dc/test_ds.py``.
"""

from __future__ import annotations

import numpy as np

from conftest import Counter


def random_ds(n, seed, kind="coverage"):
    """Seeded (F, G): normalized submodular set functions on index arrays.

    "coverage": weighted coverage of 15 random subsets plus a modular part (F)
    minus weighted coverage (G); "concave": sums of sqrt of nonnegative modular
    functions plus modular parts (both submodular).
    """
    rng = np.random.default_rng(seed)
    if kind == "coverage":
        AF = rng.random((15, n)) < 0.25
        wF = rng.random(15)
        AG = rng.random((15, n)) < 0.3
        wG = rng.random(15) * 2
        cF = rng.random(n) * 0.3

        def F(S):
            return float(wF @ AF[:, S].any(axis=1) + cF[S].sum())

        def G(S):
            return float(wG @ AG[:, S].any(axis=1))
        return F, G
    WF = rng.random((3, n)) * (rng.random((3, n)) < 0.6)
    aF = rng.random(3) * 2
    WG = rng.random((3, n)) * (rng.random((3, n)) < 0.6)
    aG = rng.random(3) * 2
    cF, cG = rng.random(n) * 0.5, rng.random(n) * 0.5

    def F(S):
        return float(aF @ np.sqrt(WF[:, S].sum(axis=1)) + cF[S].sum())

    def G(S):
        return float(aG @ np.sqrt(WG[:, S].sum(axis=1)) + cG[S].sum())
    return F, G


def all_values(fn, n):
    """fn on every subset, subset r = the bits of r (brute force)."""
    return np.array([fn(np.flatnonzero([(r >> i) & 1 for i in range(n)]))
                     for r in range(1 << n)])


def is_one_opt(F, G, selected, n, atol=1e-12):
    """No single addition or removal improves F - G (brute force on the n neighbours)."""
    mask = np.zeros(n, dtype=bool)
    mask[selected] = True
    phi = F(np.flatnonzero(mask)) - G(np.flatnonzero(mask))
    for i in range(n):
        m = mask.copy()
        m[i] = not m[i]
        if F(np.flatnonzero(m)) - G(np.flatnonzero(m)) < phi - atol:
            return False
    return True


def ds_chain(T=4, w=1.0, c_low=0.5, c_high=1.5):
    """A DS instance on which DCA and CDCA take 2T strict decreases (counted F and G,
    enumeration SFM; methods of the "ds" family).

    Elements j_0..j_T (indices 0..T) and h_1..h_T (indices T+1..2T); G is the
    weighted coverage of the items A_t = {h_t, j_(t-1)} and B_t = {j_t, h_t}
    (weight w), F the modular cost (c_low for the j's, c_high for the h's, with
    c_low < w < c_high < 2w). From X_0 = {j_0, h_1..h_T}, with X listed first
    in index order, each DCA step changes one element: h_t drops once j_(t-1)
    covers A_t (its greedy marginal falls to w < c_high), then j_t enters once
    h_t is gone (its marginal rises to w > c_low), and so on, ending at
    {j_0..j_T} -- enough steps for the contract's parity and rollback tests.

    The check is brute force: ds-cdca's set is 1-opt (no single addition or
    removal improves); ds-dca's set X is a DCA fixed point, min_S F(S) - y(S)
    = F(X) - y(X) over all 2^n subsets for the returned subgradient y; res.fun
    is F(X) - G(X).
    """
    from optkit.problems.dc import DSProblem

    n = 2 * T + 1
    items = []
    for t in range(1, T + 1):
        items += [(T + t, t - 1), (t, T + t)]
    cover = np.zeros((len(items), n), dtype=bool)
    for r, pair in enumerate(items):
        cover[r, list(pair)] = True
    c = np.array([c_low] * (T + 1) + [c_high] * T)

    def F0(S):
        return float(c[S].sum())

    def G0(S):
        return float(w * cover[:, S].any(axis=1).sum())

    F, G = Counter(F0), Counter(G0)
    Fv = all_values(F0, n)
    masks = np.array([[(r >> i) & 1 for i in range(n)] for r in range(1 << n)], dtype=bool)

    def check_common(res):
        S = res.selected
        assert abs(res.fun - (F0(S) - G0(S))) <= 1e-12
        np.testing.assert_array_equal(res.x, np.isin(np.arange(n), S).astype(float))

    def check_cdca(res):
        check_common(res)
        assert is_one_opt(F0, G0, res.selected, n)

    def check_dca(res):
        check_common(res)
        y = res.subgradient
        at_x = F0(res.selected) - y[res.selected].sum()
        assert at_x <= (Fv - masks @ y).min() + 1e-12

    x0 = np.zeros(n)
    x0[[0] + list(range(T + 1, 2 * T + 1))] = 1.0
    return dict(problem=DSProblem(F, G, n), x0=x0, check=check_cdca, tol=1e-12,
                counters={"nF": F, "nG": G},
                overrides={"ds-dca": {"check": check_dca}})


problem = ds_chain
