"""Argument checks at the library's boundary. Every message names the argument."""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["as_x0", "check_tol", "check_callable", "check_finite_array"]


def as_x0(x0, name: str = "x0") -> np.ndarray:
    """A fresh 1-D float64 copy of ``x0`` (scalars become length-1 arrays).

    Raises
    ------
    ValueError
        When ``x0`` is not 1-D, is empty, or has NaN/inf entries.
    """
    if np.iscomplexobj(x0):
        raise TypeError(f"`{name}` must be an array of real numbers, got complex values; "
                        "pass its real part explicitly if that is what you mean.")
    try:
        x = np.atleast_1d(np.array(x0, dtype=float, copy=True))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must be an array of real numbers: {exc}") from None
    if x.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D; got an array of shape {x.shape}.")
    if x.size == 0:
        raise ValueError(f"`{name}` must not be empty.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"`{name}` contains NaN or inf entries.")
    return x


def check_tol(tol, name: str = "tol") -> float:
    """A finite tolerance >= 0.

    ``tol = 0`` is accepted and means "run to ``maxiter``" (POT's
    ``stopThr=0`` idiom): a certificate is never negative, so the run stops
    with status 0 only on an exactly zero certificate (an exact solution).
    """
    if not isinstance(tol, numbers.Real) or isinstance(tol, bool):
        raise TypeError(f"`{name}` must be a real number >= 0, got {type(tol).__name__}.")
    tol = float(tol)
    if not (tol >= 0 and math.isfinite(tol)):
        raise ValueError(f"`{name}` must be a finite number >= 0, got {tol!r}.")
    return tol


def check_callable(obj, name: str):
    """``obj`` itself, or a TypeError naming ``name``."""
    if not callable(obj):
        raise TypeError(f"`{name}` must be callable, got {type(obj).__name__}.")
    return obj


def check_finite_array(a, name: str, *, ndim: int | None = None) -> np.ndarray:
    """A float array without NaN/inf, with the given number of dimensions."""
    arr = np.asarray(a, dtype=float)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"`{name}` must be {ndim}-D; got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` contains NaN or inf entries.")
    return arr
