"""Snapshot bookkeeping shared by the lazy-Hessian methods."""

from __future__ import annotations

import dataclasses

from ..._core.options import option

M_OPTION_DOC = ("Phase length: the Hessian and its eigendecomposition are recomputed every "
                "m iterations ('d': the dimension, the choice that minimizes the total "
                "arithmetic in theory; 1: every iteration).")


def m_option():
    return option("d", M_OPTION_DOC, kind=(int, str), low=1, choices=("d",))


def phase_length(m, dim: int) -> int:
    return max(1, int(dim)) if m == "d" else int(m)


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """The stale curvature of one phase: dense Hessian and its eigendecomposition."""

    H: object
    eig: object
    age: int            # iterations already taken with it


def fields_of(state) -> dict:
    """The dataclass fields of ``state`` as a shallow dict (no array copies)."""
    return {f.name: getattr(state, f.name) for f in dataclasses.fields(state)}
