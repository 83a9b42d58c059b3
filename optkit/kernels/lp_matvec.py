r"""Numba kernels of the restarted PDHG LP solver: CSR mat-vecs and a compiled
block of adaptive-step PDHG iterations.

The LP is held in the form :math:`r^{lo} \le Kx \le r^{up}`,
:math:`l \le x \le u`; ``K`` is given twice in CSR, as ``(Kp, Ki, Kd)`` and
its transpose ``(Tp, Ti, Td)``, so both products stream rows (no scatter).

* :func:`csr_matvec` -- ``out = K x``;
* :func:`pdhg_adaptive_block` -- ``block`` accepted iterations of PDHG with
  PDLP's adaptive step rule (each trial costs one ``K x`` and one ``K^T y``),
  accumulating the step-weighted sums of the iterates and of their products.

Kernels take and return arrays and scalars only (no optkit import); the
NumPy references (:func:`csr_matvec_reference`,
:func:`pdhg_adaptive_block_reference`) are what ``tests/kernels`` compares
them with.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["csr_matvec", "pdhg_adaptive_block", "kkt_terms", "bounded_value",
           "normalized_duality_gap",
           "recession_violation", "csr_matvec_reference", "pdhg_adaptive_block_reference",
           "kkt_terms_reference", "dual_prox", "step_exponents"]

#: PDLP's adaptive step rule: eta' = min((1 - (k+1)^-0.3) eta_bar, (1 + (k+1)^-0.6) eta)
REDUCTION_EXPONENT = 0.3
GROWTH_EXPONENT = 0.6


def step_exponents():
    """``(reduction, growth)`` exponents of the adaptive step rule (0.3, 0.6)."""
    return REDUCTION_EXPONENT, GROWTH_EXPONENT


@njit(cache=True)
def csr_matvec(indptr, indices, data, x, out):
    """``out = K x`` for K in CSR (``out`` has one entry per row)."""
    for i in range(out.shape[0]):
        s = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            s += data[p] * x[indices[p]]
        out[i] = s


@njit(cache=True, inline="always")
def dual_prox(v, sigma, lo, hi):
    r"""``argmin_w (w - v)^2 / (2 sigma) - p(w)`` with ``p(w) = w lo`` for ``w > 0``
    and ``w hi`` for ``w < 0``: :math:`v + \sigma\,\Pi_{[lo, hi]}(-v/\sigma)`,
    written so that the unclipped case is an exact 0 (``v + sigma (-v/sigma)``
    would leave a rounding-level value of either sign, which an infinite bound
    turns into an infinite dual value)."""
    if v + sigma * lo > 0.0:         # -v/sigma < lo
        return v + sigma * lo
    if v + sigma * hi < 0.0:         # -v/sigma > hi
        return v + sigma * hi
    return 0.0


@njit(cache=True)
def pdhg_adaptive_block(Kp, Ki, Kd, Tp, Ti, Td, c, rl, ru, lo, up,
                        x, y, Kx, KTy, xs, ys, Kxs, KTys,
                        eta, omega, k0, block, xn, yn, Kxn, KTyn):
    r"""Run ``block`` accepted adaptive-step PDHG iterations in place.

    For iteration number :math:`k = k_0 + 1, \dots` (1-based), a trial with
    step :math:`\eta` is

    .. math::

        x' &= \Pi_{[l,u]}\bigl(x - \tfrac{\eta}{\omega}(c - K^T y)\bigr),\\
        y' &= \operatorname{prox}\bigl(y - \eta\omega\, K(2x' - x)\bigr),\\
        \bar\eta &= \frac{\omega\|x'-x\|^2 + \|y'-y\|^2/\omega}
                        {2\,|(y'-y)^T K(x'-x)|},

    accepted when :math:`\eta \le \bar\eta`; either way the next step is
    :math:`\min((1-(k+1)^{-0.3})\bar\eta,\ (1+(k+1)^{-0.6})\eta)`. Accepted
    iterates are added to the sums with weight :math:`\eta`.

    ``x, y, Kx, KTy`` (the iterate and its products) and the sums ``xs, ys,
    Kxs, KTys`` are updated in place; ``xn, yn, Kxn, KTyn`` are work arrays.

    Returns
    -------
    eta : float
        The step for the next iteration.
    weight : float
        Sum of the accepted steps (the weight added to the sums).
    trials : int
        Trial steps computed (each: one ``K x`` and one ``K^T y``).
    """
    n = x.shape[0]
    m = y.shape[0]
    weight = 0.0
    trials = 0
    for it in range(block):
        kk = float(k0 + it + 2)            # (k + 1) for the 1-based iteration number k
        shrink = 1.0 - kk ** (-REDUCTION_EXPONENT)
        grow = 1.0 + kk ** (-GROWTH_EXPONENT)
        while True:
            trials += 1
            tau = eta / omega
            sigma = eta * omega
            for j in range(n):
                v = x[j] - tau * (c[j] - KTy[j])
                if v < lo[j]:
                    v = lo[j]
                elif v > up[j]:
                    v = up[j]
                xn[j] = v
            csr_matvec(Kp, Ki, Kd, xn, Kxn)
            for i in range(m):
                yn[i] = dual_prox(y[i] - sigma * (2.0 * Kxn[i] - Kx[i]), sigma, rl[i], ru[i])
            csr_matvec(Tp, Ti, Td, yn, KTyn)
            dx2 = 0.0
            for j in range(n):
                d = xn[j] - x[j]
                dx2 += d * d
            dy2 = 0.0
            inter = 0.0
            for i in range(m):
                d = yn[i] - y[i]
                dy2 += d * d
                inter += d * (Kxn[i] - Kx[i])
            denom = 2.0 * abs(inter)
            if denom > 0.0:
                eta_bar = (omega * dx2 + dy2 / omega) / denom
            else:
                eta_bar = math.inf
            eta_next = min(shrink * eta_bar, grow * eta)
            if eta <= eta_bar:
                for j in range(n):
                    x[j] = xn[j]
                    KTy[j] = KTyn[j]
                    xs[j] += eta * xn[j]
                    KTys[j] += eta * KTyn[j]
                for i in range(m):
                    y[i] = yn[i]
                    Kx[i] = Kxn[i]
                    ys[i] += eta * yn[i]
                    Kxs[i] += eta * Kxn[i]
                weight += eta
                eta = eta_next
                break
            eta = eta_next
    return eta, weight, trials


@njit(cache=True)
def bounded_value(v, lo, up, scale):
    r"""The split value of :math:`\inf_{lo \le s \le up} (scale\, v)^T s`.

    Returns ``(value, bad_max, bad_sq)``: the sum over finite bounds
    (:math:`w_i lo_i` for :math:`w_i > 0`, :math:`w_i up_i` for :math:`w_i < 0`,
    :math:`w = scale\,v`), and the max-abs and squared norm of the components of
    ``w`` that meet an infinite bound (positive against ``lo = -inf``,
    negative against ``up = inf``)."""
    value = 0.0
    bad_max = 0.0
    bad_sq = 0.0
    for i in range(v.shape[0]):
        w = scale * v[i]
        if w > 0.0:
            if lo[i] > -math.inf:
                value += w * lo[i]
            else:
                bad_sq += w * w
                bad_max = max(bad_max, w)
        elif w < 0.0:
            if up[i] < math.inf:
                value += w * up[i]
            else:
                bad_sq += w * w
                bad_max = max(bad_max, -w)
    return value, bad_max, bad_sq


@njit(cache=True)
def recession_violation(d, lo, up):
    """Max violation of ``d`` in the recession cone of ``[lo, up]``: ``d >= 0``
    where ``lo`` is finite, ``d <= 0`` where ``up`` is finite."""
    viol = 0.0
    for i in range(d.shape[0]):
        if lo[i] > -math.inf and -d[i] > viol:
            viol = -d[i]
        if up[i] < math.inf and d[i] > viol:
            viol = d[i]
    return viol


@njit(cache=True)
def kkt_terms(c, x, y, Kx, KTy, rl, ru, lo, up):
    r"""One pass of the KKT measures of ``(x, y)`` given ``K x`` and ``K^T y``.

    Returns ``(c^T x, ||primal residual||^2, ||dual residual||^2, dual value)``
    with the primal residual :math:`Kx - \Pi_{[r^{lo}, r^{up}]}(Kx)` and
    :math:`x - \Pi_{[l,u]}(x)`, and the dual value and residual those of
    :func:`bounded_value` for ``y`` on the row bounds plus the reduced costs
    :math:`c - K^T y` on the variable bounds."""
    ctx = 0.0
    pres2 = 0.0
    for i in range(y.shape[0]):
        a = Kx[i]
        if a < rl[i]:
            pres2 += (rl[i] - a) ** 2
        elif a > ru[i]:
            pres2 += (a - ru[i]) ** 2
    for j in range(x.shape[0]):
        xj = x[j]
        ctx += c[j] * xj
        if xj < lo[j]:
            pres2 += (lo[j] - xj) ** 2
        elif xj > up[j]:
            pres2 += (xj - up[j]) ** 2
    row_value, _, row_bad = bounded_value(y, rl, ru, 1.0)
    dres2 = row_bad
    col_value = 0.0
    for j in range(x.shape[0]):
        w = c[j] - KTy[j]
        if w > 0.0:
            if lo[j] > -math.inf:
                col_value += w * lo[j]
            else:
                dres2 += w * w
        elif w < 0.0:
            if up[j] < math.inf:
                col_value += w * up[j]
            else:
                dres2 += w * w
    return ctx, pres2, dres2, row_value + col_value


@njit(cache=True)
def _gap_trial(c, rl, ru, lo, up, x, y, Kx, KTy, lam, omega, value_out):
    """The maximizer of the Lagrangian relaxation of the ball constraint with
    multiplier ``lam``; returns its omega-distance to (x, y) and writes the
    gap value ``L(x, y^) - L(x^, y)`` to ``value_out[0]``."""
    dist2 = 0.0
    value = 0.0
    inv = 1.0 / (lam * omega)
    for j in range(x.shape[0]):
        g = c[j] - KTy[j]
        xh = x[j] - g * inv
        if xh < lo[j]:
            xh = lo[j]
        elif xh > up[j]:
            xh = up[j]
        d = xh - x[j]
        dist2 += omega * d * d
        value -= g * d
    sigma = omega / lam
    for i in range(y.shape[0]):
        yh = dual_prox(y[i] - sigma * Kx[i], sigma, rl[i], ru[i])
        d = yh - y[i]
        dist2 += d * d / omega
        # p(y^) - p(y) - (y^ - y) Kx, p(w) = w rl (w > 0), w ru (w < 0) on finite bounds
        ph = yh * rl[i] if yh > 0.0 else (yh * ru[i] if yh < 0.0 else 0.0)
        yi = y[i]
        p0 = 0.0
        if yi > 0.0 and rl[i] > -math.inf:
            p0 = yi * rl[i]
        elif yi < 0.0 and ru[i] < math.inf:
            p0 = yi * ru[i]
        value += ph - p0 - d * Kx[i]
    value_out[0] = value
    return math.sqrt(dist2)


@njit(cache=True)
def normalized_duality_gap(c, rl, ru, lo, up, x, y, Kx, KTy, radius, omega):
    r"""PDLP's normalized duality gap :math:`\rho_r(z)` of ``z = (x, y)``.

    .. math::

        \rho_r(z) = \frac{1}{r} \max_{\hat z \in Z,\ \|\hat z - z\|_\omega \le r}
        \bigl[L(x, \hat y) - L(\hat x, y)\bigr],\qquad
        \|z\|_\omega^2 = \omega\|x\|^2 + \|y\|^2/\omega,

    with :math:`L(x, y) = c^T x - y^T K x + p(y)`. The maximizer of the
    relaxation with multiplier :math:`\lambda` is a projected (prox) step of
    lengths :math:`1/(\lambda\omega)` and :math:`\omega/\lambda`; its
    distance decreases with :math:`\lambda`, which is found by bisection (in
    log scale, from a bracket of ratio 4: 24 halvings leave a ratio of
    1 + 1e-7) so the distance is ``radius``.
    """
    if not radius > 0.0:
        return 0.0
    value = np.zeros(1)
    lam = 1.0
    d = _gap_trial(c, rl, ru, lo, up, x, y, Kx, KTy, lam, omega, value)
    if d > radius:
        lo_l, hi_l = lam, lam
        while d > radius and hi_l < 1e300:
            lo_l = hi_l
            hi_l *= 4.0
            d = _gap_trial(c, rl, ru, lo, up, x, y, Kx, KTy, hi_l, omega, value)
    else:
        lo_l, hi_l = lam, lam
        while d <= radius and lo_l > 1e-300:
            hi_l = lo_l
            lo_l *= 0.25
            d = _gap_trial(c, rl, ru, lo, up, x, y, Kx, KTy, lo_l, omega, value)
        if d <= radius:         # the maximizer lies inside the ball (bounded set)
            return value[0] / radius
    for _ in range(24):
        mid = math.sqrt(lo_l * hi_l)
        dm = _gap_trial(c, rl, ru, lo, up, x, y, Kx, KTy, mid, omega, value)
        if dm > radius:
            lo_l = mid
        else:
            hi_l = mid
    _gap_trial(c, rl, ru, lo, up, x, y, Kx, KTy, hi_l, omega, value)
    return max(value[0], 0.0) / radius


# -- NumPy references (tests) --------------------------------------------------------------

def csr_matvec_reference(indptr, indices, data, x, m):
    """``K x`` with K rebuilt by scipy from its CSR arrays."""
    import scipy.sparse as sp

    return sp.csr_matrix((data, indices, indptr), shape=(m, x.shape[0])) @ x


def pdhg_adaptive_block_reference(K, c, rl, ru, lo, up, x, y, eta, omega, k0, block):
    """The same iterations written with NumPy on a dense or scipy matrix ``K``.

    Returns ``(x, y, eta, weight, trials, xs, ys)``: the final iterate, the next
    step, the accepted weight, the trial count and the step-weighted sums."""
    x, y = x.copy(), y.copy()
    xs, ys = np.zeros_like(x), np.zeros_like(y)
    weight, trials = 0.0, 0
    for it in range(block):
        kk = float(k0 + it + 2)
        while True:
            trials += 1
            xn = np.clip(x - (eta / omega) * (c - K.T @ y), lo, up)
            sigma = eta * omega
            v = y - sigma * (K @ (2 * xn - x))
            yn = np.where(v + sigma * rl > 0, v + sigma * rl,
                          np.where(v + sigma * ru < 0, v + sigma * ru, 0.0))
            dx, dy = xn - x, yn - y
            denom = 2 * abs(dy @ (K @ dx))
            eta_bar = (omega * dx @ dx + dy @ dy / omega) / denom if denom > 0 else np.inf
            eta_next = min((1 - kk ** -0.3) * eta_bar, (1 + kk ** -0.6) * eta)
            if eta <= eta_bar:
                x, y = xn, yn
                xs += eta * xn
                ys += eta * yn
                weight += eta
                eta = eta_next
                break
            eta = eta_next
    return x, y, eta, weight, trials, xs, ys


def kkt_terms_reference(c, x, y, Kx, KTy, rl, ru, lo, up):
    """NumPy twin of :func:`kkt_terms`."""
    pr = Kx - np.clip(Kx, rl, ru)
    pc = x - np.clip(x, lo, up)

    def split(v, lo, up):
        pos, neg = np.maximum(v, 0), np.maximum(-v, 0)
        flo, fup = np.isfinite(lo), np.isfinite(up)
        value = pos[flo] @ lo[flo] - neg[fup] @ up[fup]
        bad = np.where(flo, 0, pos) + np.where(fup, 0, neg)
        return value, bad @ bad

    v1, b1 = split(y, rl, ru)
    v2, b2 = split(c - KTy, lo, up)
    return c @ x, pr @ pr + pc @ pc, b1 + b2, v1 + v2
