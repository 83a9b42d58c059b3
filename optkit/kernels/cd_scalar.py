"""Scalar building blocks shared by the coordinate descent kernels (Numba, float64).

The separable penalty :math:`g_i(t) = l1_i |t| + \\tfrac{l2_i}{2} t^2 +
\\iota_{[lo_i, hi_i]}(t)` (its prox, the minimal-norm subgradient, a
cancellation-free difference) and the per-sample GLM losses (their first two
derivatives and a cancellation-free change), used by every coordinate model in
:mod:`~optkit.kernels.glm_coordinate`, :mod:`~optkit.kernels.glm_blocks`,
:mod:`~optkit.kernels.quadratic_bcd`, :mod:`~optkit.kernels.greedy`, the
elastic-net working-set kernels and :mod:`~optkit.kernels.prox_newton`.

Loss codes (an int argument ``loss`` of the GLM kernels): :data:`LOSS_SQUARED`
(the margin array holds the residual ``Xw - y``) and :data:`LOSS_LOGISTIC`
(it holds ``Xw``; labels in {-1, 1}).
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit

__all__ = ["LOSS_SQUARED", "LOSS_LOGISTIC", "Penalty", "prox_scalar", "min_norm_subgrad"]

LOSS_SQUARED = 0
LOSS_LOGISTIC = 1

Penalty = namedtuple("Penalty", "l1 l2 lo hi")
Penalty.__doc__ = """The separable penalty as four per-coordinate arrays.

Attributes
----------
l1, l2 : ndarray
    Weights of :math:`|t|` and :math:`t^2 / 2`.
lo, hi : ndarray
    Box bounds (``-inf``/``inf`` when absent).
"""


@njit(cache=True, inline="always")
def prox_scalar(v, s, l1, l2, lo, hi):
    """prox of s * g_i at v (soft threshold, shrink, clip)."""
    a = abs(v) - s * l1
    if a <= 0.0:
        z = 0.0
    else:
        z = math.copysign(a, v) / (1.0 + s * l2)
    if z < lo:
        z = lo
    elif z > hi:
        z = hi
    return z


@njit(cache=True, inline="always")
def min_norm_subgrad(g, x, l1, l2, lo, hi):
    """Minimal-norm element of g + dg_i(x) (0 when x is coordinate-wise optimal)."""
    t = g + l2 * x
    if x > 0.0:
        a = t + l1
        b = a
    elif x < 0.0:
        a = t - l1
        b = a
    else:
        a = t - l1
        b = t + l1
    if x <= lo:
        a = -np.inf
    if x >= hi:
        b = np.inf
    if a > 0.0:
        return a
    if b < 0.0:
        return b
    return 0.0


@njit(cache=True, inline="always")
def _pen_diff(z, x, l1, l2):
    """g_i(z) - g_i(x) without the cancellation of g_i(z) - g_i(x) near x."""
    return l1 * (abs(z) - abs(x)) + 0.5 * l2 * (z - x) * (z + x)


@njit(cache=True, inline="always")
def _dloss(loss, zi, yi):
    """(l'(z), l''(z)) of the per-sample loss (squared: z is the residual)."""
    if loss == LOSS_SQUARED:
        return zi, 1.0
    m = yi * zi
    if m >= 0.0:
        e = math.exp(-m)
        s = e / (1.0 + e)          # sigma(-m)
    else:
        s = 1.0 / (1.0 + math.exp(m))
    return -yi * s, s * (1.0 - s)


@njit(cache=True, inline="always")
def _loss(loss, zi, yi):
    if loss == LOSS_SQUARED:
        return 0.5 * zi * zi
    m = yi * zi
    return max(-m, 0.0) + math.log1p(math.exp(-abs(m)))


@njit(cache=True, inline="always")
def _loss_change(loss, zi, yi, dz):
    """l(z + dz) - l(z) without cancellation (log1p(expm1(-a) sigma(-m)) for logistic)."""
    if loss == LOSS_SQUARED:
        return dz * (zi + 0.5 * dz)
    m = yi * zi
    if m >= 0.0:
        e = math.exp(-m)
        s = e / (1.0 + e)
    else:
        s = 1.0 / (1.0 + math.exp(m))
    a = yi * dz
    if abs(a) > 30.0:
        return _loss(loss, zi + dz, yi) - _loss(loss, zi, yi)
    return math.log1p(math.expm1(-a) * s)
