"""Structured iterates: what ``State.x`` may be besides one flat ndarray.

Many families iterate on several arrays at once: saddle points ``(x, y)``,
multipliers ``(x, lam)``, bilevel ``(x, y, z)``, low-rank factors ``(U, V)``,
transport potentials ``(f, g)``. Such an iterate is a :class:`typing.NamedTuple`
of ndarrays (define one per family)::

    class Factors(NamedTuple):
        U: np.ndarray
        V: np.ndarray

The driver needs only the functions below: the non-finite guard
(:func:`all_finite`), the copy handed to a legacy callback, and the result,
where :func:`result_fields` puts ``x`` (the part named ``x``, else the parts
concatenated, so scipy-style code always finds a flat ndarray) and every other
part under its own name (``res.y``, ``res.U``...).

A plain ndarray is the one-part case: every function accepts it.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["is_structured", "parts", "all_finite", "copy", "flat", "size", "result_fields"]


def is_structured(x) -> bool:
    """Whether ``x`` is a named structure of arrays (not one ndarray)."""
    return isinstance(x, tuple) and hasattr(x, "_fields")


def parts(x) -> tuple[np.ndarray, ...]:
    """The arrays of ``x``: ``(x,)`` for an ndarray."""
    return tuple(x) if is_structured(x) else (x,)


def _finite_array(a) -> bool:
    # a finite sum is the cheap common case; an overflowing sum is checked entrywise
    return math.isfinite(float(a.sum())) or bool(np.isfinite(a).all())


def all_finite(x) -> bool:
    """Whether every entry of every part is finite (cheap when they are: the
    driver calls this every iteration)."""
    if type(x) is np.ndarray:
        return _finite_array(x)
    return all(_finite_array(np.asarray(a)) for a in parts(x))


def copy(x):
    """A copy of ``x`` that shares no memory with it."""
    if is_structured(x):
        return type(x)(*(np.copy(a) for a in x))
    return np.copy(x)


def size(x) -> int:
    """Total number of entries."""
    return sum(int(np.size(a)) for a in parts(x))


def flat(x) -> np.ndarray:
    """The flat ndarray a scipy-style caller sees as ``x``: ``x`` itself, the
    part named ``x`` of a structure, else every part raveled and concatenated."""
    if not is_structured(x):
        return x
    if "x" in x._fields:
        return x.x
    return np.concatenate([np.ravel(a) for a in x])


def result_fields(x) -> dict:
    """``{"x": flat(x), name: part...}``: the result's view of an iterate."""
    out = {"x": flat(x)}
    if is_structured(x):
        out.update((name, part) for name, part in zip(x._fields, x) if name != "x")
    return out
