"""Pieces shared by the second-order methods: Hessian checks and acceptance tests."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator

from ..._core.options import Options, option
from .._linesearch import NOISE_ULPS, value_test_unreliable  # noqa: F401  (re-exported)

_EPS = np.finfo(float).eps
#: relative asymmetry max|H - H^T| / max(1, max|H|) tolerated without `symmetrize`
SYMMETRY_RTOL = 1e-8


def dense_matrix(H, dim: int, *, symmetrize: bool, what: str = "hess"):
    """A dense symmetric float ndarray from ``H``, or None if it is not finite.

    ``H`` may be an ndarray, a scipy.sparse matrix or a LinearOperator (applied
    to the identity: ``dim`` products). A matrix whose asymmetry exceeds
    :data:`SYMMETRY_RTOL` raises ``ValueError`` unless ``symmetrize`` is True;
    the (tiny) asymmetry below it is removed by symmetrizing.
    """
    if sp.issparse(H):
        H = H.toarray()
    elif isinstance(H, LinearOperator):
        H = H @ np.eye(dim)
    H = np.asarray(H, dtype=float)
    if H.shape != (dim, dim):
        raise ValueError(f"`{what}` returned an object of shape {H.shape}; "
                         f"expected ({dim}, {dim}).")
    if not np.isfinite(H).all():
        return None
    asym = float(np.abs(H - H.T).max()) if dim else 0.0
    if asym > SYMMETRY_RTOL * max(1.0, float(np.abs(H).max())) and not symmetrize:
        raise ValueError(
            f"`{what}` returned a non-symmetric matrix (max |H - H^T| = {asym:.3g}). "
            f"Fix the Hessian, or pass options={{'symmetrize': True}} to use its "
            f"symmetric part (H + H^T)/2.")
    if asym:
        H = 0.5 * (H + H.T)
    return H


def nonfinite_phrase(what: str, H) -> str:
    """``"the <what> has NaN entries"`` (or inf, or both) for the driver's message."""
    if sp.issparse(H):
        H = H.data
    elif isinstance(H, LinearOperator):
        return f"the {what} has non-finite entries"
    a = np.asarray(H, dtype=float)
    kinds = [k for k, bad in (("NaN", np.isnan(a).any()), ("inf", np.isinf(a).any())) if bad]
    return f"the {what} has {' and '.join(kinds) or 'non-finite'} entries"


def cubic_step_accepted(oracle, x_new, f, g, A_h, h, r, M, model) -> tuple[bool, float]:
    r"""The adaptive-M test of the cubic Newton methods.

    Value test (Nesterov & Polyak 2006, Sec. 5): :math:`f(x+h) \le f(x) + m_M(h)`.
    When the model decrease :math:`-m_M(h)` is below the rounding error of f
    the value test is meaningless; the step is then accepted if f did not
    grow beyond its rounding error and either the gradient norm at least
    halved, or the gradient form of the same bound holds,
    :math:`\|\nabla f(x+h) - g - Ah\| \le \tfrac{M}{2}\|h\|^2` (true
    when M is at least the Lipschitz constant of the Hessian), with a
    rounding allowance on the gradients; a step shorter than the rounding
    error of x is accepted as well. (Without the first clause, a
    gradient whose rounding error exceeds that allowance, e.g. a sum of large
    terms that cancel, drives M up by many doublings near the solution.)

    Returns ``(accepted, f_new)``.
    """
    f_new = oracle.fun(x_new)
    if not math.isfinite(f_new):
        return False, f_new
    if not value_test_unreliable(-model, f):
        return f_new <= f + model + 8 * _EPS * abs(f), f_new
    if f_new > f + 1e4 * _EPS * abs(f) + 1e-300:
        return False, f_new
    g_new = oracle.grad(x_new)
    if not np.isfinite(g_new).all():
        return True, f_new           # the driver's guard reports it
    if float(np.linalg.norm(g_new)) <= 0.5 * float(np.linalg.norm(g)):
        # f did not grow beyond its rounding error and the gradient halved: the
        # progress the method is after, whatever the (rounding-dominated) tests say
        return True, f_new
    if r <= NOISE_ULPS * _EPS * (1.0 + float(np.linalg.norm(x_new))):
        # a step below the resolution of x (the gradient is at its noise floor):
        # every test is rounding noise, and the step changes nothing that matters
        return True, f_new
    lhs = float(np.linalg.norm(g_new - g - A_h))
    noise = NOISE_ULPS * _EPS * (float(np.linalg.norm(g)) + float(np.linalg.norm(g_new))
                                 + float(np.linalg.norm(A_h)))
    return lhs <= 0.5 * M * r * r + noise, f_new


def regularized_step_accepted(oracle, x_new, f, dual_norm, step, lam) -> tuple[bool, float]:
    r"""The adaptive test of the gradient-regularized Newton methods.

    Value test (Semenov, Jaggi & Doikov 2025, Alg. 1):
    :math:`f(x) - f(x+\Delta) \ge \|\nabla f(x+\Delta)\|_*^2 / (8\lambda)`.
    Near a minimizer, where the decrease is below the rounding error of f,
    its gradient counterpart :math:`\langle \nabla f(x+\Delta), -\Delta\rangle
    \ge \|\nabla f(x+\Delta)\|_*^2 / (4\lambda)` is used (the test of the
    super-universal Newton method, Doikov, Mishchenko & Nesterov 2024).

    ``dual_norm(v)`` computes :math:`\|v\|_*`. Returns ``(accepted, f_new)``.
    """
    f_new, g_new = oracle.fun_and_grad(x_new)
    if not math.isfinite(f_new):
        return False, f_new
    if not np.isfinite(g_new).all():
        return True, f_new           # the driver's guard reports it
    gn2 = dual_norm(g_new) ** 2
    decrease = f - f_new
    if not value_test_unreliable(max(decrease, gn2 / (8 * lam)), f):
        return decrease >= gn2 / (8 * lam) - 8 * _EPS * abs(f), f_new
    return float(-(g_new @ step)) >= gn2 / (4 * lam) * (1 - 1e-8), f_new


@dataclasses.dataclass(frozen=True)
class AdaptiveMOptions(Options):
    """Options shared by the methods with an adaptive regularization constant M.

    Subclasses redeclare ``M`` and ``adaptive`` with the meaning M has in
    their method; the floor, the trial cap, the Hessian symmetrization and
    the check that a fixed M is given are common.
    """

    M: float = option(None, "Regularization constant. Required when adaptive=False; the "
                      "first trial when adaptive=True (default 1.0).",
                      low=0.0, low_inclusive=False)
    adaptive: bool = option(True, "Double M until the method's acceptance test holds, then "
                            "halve it for the next iteration.", kind=bool)
    M_min: float = option(1e-8, "Floor of the adaptive M (the reference code of the lazy-"
                          "Hessian paper uses 1e-5; that floor keeps cubic Newton from full "
                          "Newton steps on ill-conditioned problems and doubles its iteration "
                          "count on logistic regression with mu = 1e-6).",
                          low=0.0, low_inclusive=False)
    max_trials: int = option(60, "Cap on the trials of M in one iteration; reaching it stops "
                             "the run with status 5.", kind=int, low=1)
    symmetrize: bool = option(False, "Use the symmetric part (H + H^T)/2 of a non-symmetric "
                              "Hessian instead of raising ValueError.", kind=bool)

    def check(self):
        if not self.adaptive and self.M is None:
            raise ValueError("Option `M` is required when adaptive=False; give M (> 0) "
                             "or use adaptive=True.")
