"""The 'ot' family's contract problem (keys: ``tests/contract/__init__.py``)."""

from __future__ import annotations

import numpy as np



def ot_small(n=7, m=5, reg=0.5, seed=3):
    """Entropic OT between random histograms (methods of the "ot" family).

    The check compares the plan with POT's ``ot.bregman.sinkhorn_log`` run to
    a marginal error of 1e-14, to 1e-9. Every step advances one iteration
    (``check_every=1``). The OT oracle calls compiled kernels, not problem
    callables, so there is no independent counter (``counters`` is empty).
    """
    import ot as pot

    from optkit.problems.ot import OTProblem

    rng = np.random.default_rng(seed)
    a, b = rng.random(n) + 0.1, rng.random(m) + 0.1
    a, b = a / a.sum(), b / b.sum()
    M = rng.random((n, m))
    P_ref = pot.bregman.sinkhorn_log(a, b, M, reg, numItermax=100_000, stopThr=1e-15)

    def check(res):
        np.testing.assert_allclose(res.plan, P_ref, rtol=0, atol=1e-9)

    # mirror-sinkhorn: O(log t / sqrt t) method for the unregularized cost; its
    # certificate (a duality gap, see its docstring) reaches 0.05 in ~1000 iterations
    w_emd = pot.emd2(a, b, M)

    def check_mirror(res):
        T, Mmax = res.nit, M.max()
        bound = Mmax * (np.log(min(n, m)) + 0.5 * (1 + np.log(T))) / (2 * (np.sqrt(T + 1) - 1))
        assert -2 * Mmax * res.marginal_err <= res.transport_cost - w_emd <= bound
        assert res.transport_cost - w_emd <= res.gap
        assert res.marginal_err <= 0.05

    return dict(problem=OTProblem(a, b, M, reg), x0=np.zeros(n + m), check=check,
                counters={}, options={"check_every": 1},
                overrides={"mirror-sinkhorn": {"tol": 0.05, "check": check_mirror}})


problem = ot_small
