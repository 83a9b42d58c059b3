"""Shared test helpers (counting wrapper, random SPD quadratics) and fixtures.

The contract problem of each family lives in ``tests/contract/<family>.py``.
"""

from __future__ import annotations

import numpy as np
import pytest


class Counter:
    """Wraps a callable and counts its calls (the independent count)."""

    def __init__(self, fn):
        self.fn = fn
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.fn(*args, **kwargs)


def random_spd(d, kappa, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    eig = np.logspace(0, np.log10(kappa), d)
    return (Q * eig) @ Q.T, rng.standard_normal(d)


def quadratic_callables(d=6, kappa=50.0, seed=0):
    """fun, jac, hess, hessp of 1/2 x'Ax - b'x, each wrapped in a Counter, and x*."""
    A, b = random_spd(d, kappa, seed)
    fun = Counter(lambda x: 0.5 * x @ A @ x - b @ x)
    jac = Counter(lambda x: A @ x - b)
    hess = Counter(lambda x: A.copy())
    hessp = Counter(lambda x, p: A @ p)
    return dict(fun=fun, jac=jac, hess=hess, hessp=hessp, x_star=np.linalg.solve(A, b),
                x0=np.ones(d),
                counters={"nfev": fun, "njev": jac, "nhev": hess, "nhvp": hessp})


@pytest.fixture
def data_dir():
    """The LIBSVM folder from $OPTKIT_DATA_DIR, or skip."""
    import os

    path = os.environ.get("OPTKIT_DATA_DIR")
    if not path or not os.path.isdir(path):
        pytest.skip("OPTKIT_DATA_DIR is not set to a folder of LIBSVM data sets")
    return path
