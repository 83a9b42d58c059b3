"""The 'smooth' family's contract problem (keys: ``tests/contract/__init__.py``)."""

from __future__ import annotations



from conftest import quadratic_callables



def problem():
    """1/2 x'Ax - b'x (d = 6, condition number 50) through counted callables."""
    return quadratic_callables()
