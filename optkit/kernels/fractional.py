"""Compiled kernels of coordinate descent for fractional minimization (Numba, float64).

The one-dimensional subproblem (in the step :math:`t`, coordinate value
:math:`z = x_i + t`) is

.. math::

    \\min_{t}\\; \\varphi(t) = \\frac{\\tfrac a2 t^2 + b t + c
        + \\lambda |x_i + t| + \\tfrac{\\mu}{2}(x_i + t)^2
        + \\iota_{[\\ell, u]}(x_i + t)}{D(t)^{s}},
    \\qquad D(t) = \\tfrac P2 t^2 + R t + S,\\quad s \\in \\{1, \\tfrac12\\},

on the domain :math:`D(t) > 0`. On each side of the kink :math:`t = -x_i` the
numerator is a quadratic :math:`\\alpha t^2 + \\beta t + \\gamma`, and the
stationary points of the ratio are the real roots of
:math:`N'D - sND' = 0`, a quadratic (``s = 1``) or a cubic (``s = 1/2``).
The global minimizer is the best of: those roots, the kink, the finite box
ends and ``t = 0`` (so a step never increases :math:`\\varphi`). Exactness
needs :math:`\\varphi \\to +\\infty` at the open ends of the domain, which the
problem class guarantees (``a + mu > 0``; for ``s = 1``, ``P <= 0``).

The quadratic model kernel :func:`quad_fcd` runs many such coordinate
updates for ``f(x) = x'Qx/2 - c'x + k`` and ``D(x) = x'Bx/2 + w'x + beta``,
keeping ``grad f = Qx - c``, ``u = Bx + w``, ``f`` and ``D`` up to date.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["solve_1d", "phi_1d", "delta_1d", "quad_fcd", "cw_steps"]

_INF = np.inf


@njit(cache=True)
def phi_1d(t, a, b, c, lam, mu, xi, lo, hi, P, R, S, sqrt_den):
    """The 1-D objective at step ``t`` (``inf`` outside the domain or the box)."""
    z = xi + t
    if z < lo or z > hi:
        return _INF
    D = 0.5 * P * t * t + R * t + S
    if not D > 0.0:
        return _INF
    num = 0.5 * a * t * t + b * t + c + lam * abs(z) + 0.5 * mu * z * z
    if sqrt_den:
        return num / math.sqrt(D)
    return num / D


@njit(cache=True, inline="always")
def _polish(t, c3, c2, c1, c0):
    """Two Newton steps on c3 t^3 + c2 t^2 + c1 t + c0 (keeps t if a step is not finite)."""
    for _ in range(2):
        p = ((c3 * t + c2) * t + c1) * t + c0
        dp = (3.0 * c3 * t + 2.0 * c2) * t + c1
        if dp != 0.0:
            tn = t - p / dp
            if math.isfinite(tn):
                t = tn
    return t


@njit(cache=True)
def _real_roots(c3, c2, c1, c0, out):
    """Real roots of c3 t^3 + c2 t^2 + c1 t + c0 into ``out``; returns how many."""
    scale = max(abs(c3), abs(c2), abs(c1), abs(c0))
    if scale == 0.0:
        return 0
    n = 0
    if abs(c3) > 1e-13 * scale:
        # depressed cubic t = y - c2 / (3 c3): y^3 + p y + q = 0
        A = c2 / c3
        B = c1 / c3
        C = c0 / c3
        sh = A / 3.0
        p = B - A * A / 3.0
        q = 2.0 * A * A * A / 27.0 - A * B / 3.0 + C
        disc = (q / 2.0) ** 2 + (p / 3.0) ** 3
        if p < 0.0 and disc <= 0.0:
            m = 2.0 * math.sqrt(-p / 3.0)
            arg = 3.0 * q / (p * m)
            arg = min(1.0, max(-1.0, arg))
            th = math.acos(arg) / 3.0
            for k in range(3):
                out[n] = m * math.cos(th - 2.0 * math.pi * k / 3.0) - sh
                n += 1
        else:
            sd = math.sqrt(max(disc, 0.0))
            u = -q / 2.0 + sd
            v = -q / 2.0 - sd
            y = math.copysign(abs(u) ** (1.0 / 3.0), u) + math.copysign(abs(v) ** (1.0 / 3.0), v)
            out[n] = y - sh
            n += 1
        for k in range(n):
            out[k] = _polish(out[k], c3, c2, c1, c0)
        return n
    # quadratic c2 t^2 + c1 t + c0
    if abs(c2) > 1e-13 * scale:
        disc = c1 * c1 - 4.0 * c2 * c0
        if disc < 0.0:
            if disc > -1e-14 * c1 * c1:
                disc = 0.0
            else:
                return 0
        sq = math.sqrt(disc)
        qq = -0.5 * (c1 + math.copysign(sq, c1))
        if qq != 0.0:
            out[n] = qq / c2
            n += 1
            out[n] = c0 / qq
            n += 1
        else:
            out[n] = 0.0
            n += 1
        for k in range(n):
            out[k] = _polish(out[k], 0.0, c2, c1, c0)
        return n
    if c1 != 0.0:
        out[0] = -c0 / c1
        return 1
    return 0


@njit(cache=True)
def delta_1d(t, a, b, c, lam, mu, xi, lo, hi, P, R, S, sqrt_den):
    r"""``phi(t) - phi(0)`` computed without cancellation (``inf`` outside the domain).

    With :math:`\Delta N = N(t) - N(0)` and :math:`\Delta g = g(t) - g(0)` formed
    from their small terms, :math:`\varphi(t) - \varphi(0) = (\Delta N\, g_0 -
    N_0 \Delta g) / (g(t) g_0)`, accurate even when the step is ~1e-12 (where
    the difference of two values of ``phi`` is rounding noise).
    """
    z = xi + t
    if z < lo or z > hi:
        return _INF
    dD = (0.5 * P * t + R) * t
    D = S + dD
    if not D > 0.0:
        return _INF
    N0 = c + lam * abs(xi) + 0.5 * mu * xi * xi
    dN = (0.5 * a * t + b) * t + lam * (abs(z) - abs(xi)) + 0.5 * mu * t * (z + xi)
    if sqrt_den:
        g0 = math.sqrt(S)
        g = math.sqrt(D)
        dg = dD / (g + g0)
    else:
        g0 = S
        g = D
        dg = dD
    return (dN * g0 - N0 * dg) / (g * g0)


@njit(cache=True)
def solve_1d(a, b, c, lam, mu, xi, lo, hi, P, R, S, sqrt_den):
    """Global minimizer ``t`` of :func:`phi_1d` (see the module docstring).

    Returns ``(t, phi(t) - phi(0))``; ``t = 0`` is always a candidate, and
    candidates are compared by :func:`delta_1d`. Needs ``S > 0`` (x inside
    the domain).
    """
    best_t = 0.0
    best = 0.0
    roots = np.empty(3)
    kink = -xi
    tlo = lo - xi
    thi = hi - xi
    # candidates: box ends and the kink
    for t in (tlo, thi, kink):
        if math.isfinite(t):
            v = delta_1d(t, a, b, c, lam, mu, xi, lo, hi, P, R, S, sqrt_den)
            if v < best:
                best, best_t = v, t
    Pd = 0.5 * P
    for side in (1.0, -1.0):
        if lam == 0.0 and side < 0.0:
            break
        sl = side * lam if lam != 0.0 else 0.0
        # numerator alpha t^2 + beta t + gamma on this side of the kink
        al = 0.5 * (a + mu)
        be = b + sl + mu * xi
        ga = c + sl * xi + 0.5 * mu * xi * xi
        if sqrt_den:
            c3 = al * Pd
            c2 = 1.5 * al * R
            c1 = 2.0 * al * S + 0.5 * be * R - ga * Pd
            c0 = be * S - 0.5 * ga * R
        else:
            c3 = 0.0
            c2 = al * R - be * Pd
            c1 = 2.0 * (al * S - ga * Pd)
            c0 = be * S - ga * R
        n = _real_roots(c3, c2, c1, c0, roots)
        for k in range(n):
            t = roots[k]
            if lam != 0.0 and side * (xi + t) < 0.0:
                continue            # the root lies on the other side of the kink
            v = delta_1d(t, a, b, c, lam, mu, xi, lo, hi, P, R, S, sqrt_den)
            if v < best:
                best, best_t = v, t
    return best_t, best


@njit(cache=True)
def quad_fcd(Q, cvec, x, grad, B, u, l1, l2, lo, hi, Lc, theta, sqrt_den, order, state):
    """Coordinate updates, in ``order``, for the quadratic model.

    ``state = [f, h, D]`` holds f(x), the penalty h(x) and the denominator's
    quadratic D(x); ``grad`` (= Qx - c), ``u`` (= Bx + w), ``x`` and ``state``
    are updated in place. ``B`` has shape (0, 0) for an affine ``D``.
    Returns the number of matrix entries read.
    """
    d = x.size
    dense_b = B.shape[0] > 0
    work = 0
    for k in range(order.size):
        i = order[k]
        xi = x[i]
        hi_ = l1[i] * abs(xi) + 0.5 * l2[i] * xi * xi
        f, h, D = state[0], state[1], state[2]
        Pi = B[i, i] if dense_b else 0.0
        t, _ = solve_1d(Lc[i] + theta, grad[i], f + h - hi_, l1[i], l2[i], xi, lo[i], hi[i],
                        Pi, u[i], D, sqrt_den)
        if t != 0.0:
            z = xi + t
            state[0] = f + grad[i] * t + 0.5 * Q[i, i] * t * t
            state[1] = h - hi_ + l1[i] * abs(z) + 0.5 * l2[i] * z * z
            state[2] = D + u[i] * t + 0.5 * Pi * t * t
            x[i] = z
            for j in range(d):
                grad[j] += Q[j, i] * t
            if dense_b:
                for j in range(d):
                    u[j] += B[j, i] * t
                work += d
            work += d
    return work


@njit(cache=True)
def cw_steps(x, grad, f, h, D, u, Bdiag, l1, l2, lo, hi, Lc, theta, sqrt_den, out):
    """The global coordinate step ``t_i`` of every coordinate at x, into ``out``."""
    for i in range(x.size):
        xi = x[i]
        hi_ = l1[i] * abs(xi) + 0.5 * l2[i] * xi * xi
        t, _ = solve_1d(Lc[i] + theta, grad[i], f + h - hi_, l1[i], l2[i], xi, lo[i], hi[i],
                        Bdiag[i], u[i], D, sqrt_den)
        out[i] = t
