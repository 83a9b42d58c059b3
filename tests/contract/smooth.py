"""Contract problem of the 'smooth' family (see ``tests/test_contract.py``).

``problem()`` returns a dict: ``problem`` (a problem object) or the smooth
callables ``fun``/``jac``/``hess``/``hessp``; ``x0``; ``x_star`` or
``check(res)``; ``counters`` (result field -> Counter, the independent counts);
optionally ``options`` (extra method options for these runs), ``tol``, and
``overrides`` ({method: {key: value}}) for a method whose guarantee is
weaker than its family's or that needs another instance of the family.
"""

from __future__ import annotations



from conftest import quadratic_callables



def problem():
    """1/2 x'Ax - b'x (d = 6, condition number 50) through counted callables."""
    return quadratic_callables()
