"""Newton steps on an identified support (the superlinear phase of proximal BCD).

Once proximal coordinate updates have identified the active manifold (the
support and signs of x stop changing), F restricted to it is smooth:

.. math::

    F_S(x_S) = f(x_S, 0) + \\sum_{i \\in S} l1_i \\sigma_i x_i + \\tfrac{l2_i}{2} x_i^2,
    \\qquad \\sigma = \\operatorname{sign}(x_S),

so Newton's method on :math:`F_S` (orthant-wise: a step is cut where a
coordinate would change sign or leave its box, then Armijo backtracking on
F) converges superlinearly, and in one step for quadratics (Nutini, Laradji
& Schmidt 2022, section 6). Used by :class:`~.bcd.BlockCoordinateDescent`
with option ``support_newton``.
"""

from __future__ import annotations

import numpy as np

from ...kernels.columns import cols_axpy
from ...kernels.glm_blocks import _glm_block_hessian
from . import _models as M


def _free_support(model, x):
    """Nonzero coordinates strictly inside their box: the manifold's free variables."""
    return np.flatnonzero((x != 0) & (x > model.lo) & (x < model.hi))


def _orthant_limit(xs, d, lo, hi):
    """Largest t in (0, 1] keeping x_S + t d in its orthant and box."""
    t = 1.0
    toward_zero = xs * d < 0
    if np.any(toward_zero):
        t = min(t, float(np.min(-xs[toward_zero] / d[toward_zero])))
    up = d > 0
    if np.any(up & (hi < np.inf)):
        sel = up & (hi < np.inf)
        t = min(t, float(np.min((hi[sel] - xs[sel]) / d[sel])))
    down = d < 0
    if np.any(down & (lo > -np.inf)):
        sel = down & (lo > -np.inf)
        t = min(t, float(np.min((lo[sel] - xs[sel]) / d[sel])))
    return t


def support_newton_step(model, x, aux, grad):
    """One orthant-wise Newton step on the support of ``x``.

    ``model`` is a :class:`~._models.QuadModel` or :class:`~._models.GLMModel`,
    ``aux`` its maintained vector (gradient or residual/margins) and ``grad``
    the gradient of f at x. Returns ``(x_new, aux_new, work)``, or ``None``
    when there is no support or the step does not decrease F.
    """
    S = _free_support(model, x)
    if S.size == 0:
        return None
    xs = x[S]
    sigma = np.sign(xs)
    l1, l2 = model.l1[S], model.l2[S]
    rg = grad[S] + l1 * sigma + l2 * xs
    if model.kind == "quad":
        H = model.Q[np.ix_(S, S)] + np.diag(l2)
        work = S.size * S.size
    else:
        H = np.empty((S.size, S.size))
        work = _glm_block_hessian(S, *model._args(), aux, model.y, model.loss,
                                  model.inv_n, np.zeros(model.n), H)
        H = H + np.diag(l2)
    H[np.diag_indices_from(H)] += 1e-12 * np.abs(np.diag(H)).max()
    try:
        d = -np.linalg.solve(H, rg)
    except np.linalg.LinAlgError:
        return None
    slope = float(rg @ d)
    if not np.isfinite(slope) or slope >= 0:
        return None
    t = _orthant_limit(xs, d, model.lo[S], model.hi[S])
    F0 = model.fun(x, aux)
    if model.kind == "glm":
        dz = np.zeros(model.n)
        work += cols_axpy(S, d, *model._args(), dz)
    for _ in range(30):
        x_new = x.copy()
        x_new[S] = xs + t * d
        if model.kind == "quad":
            aux_new = aux + model.Q[:, S] @ (t * d)
            work += model.d * S.size
        else:
            aux_new = aux + t * dz
            work += model.n
        if model.fun(x_new, aux_new) <= F0 + 1e-4 * t * slope:
            return x_new, aux_new, work
        t *= 0.5
    return None


def supported(model):
    """Whether ``model`` can take support Newton steps."""
    return isinstance(model, (M.QuadModel, M.GLMModel))
