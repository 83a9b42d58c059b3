r"""The step-size searches shared by the smooth and Frank-Wolfe methods.

One doubling primitive (:func:`doubling_search`: try a value, multiply it by a
factor until a test accepts, with a hard cap on the trials) carries every
adaptive constant of the smooth methods: the Lipschitz estimate L of the
gradient methods and of Frank-Wolfe, the cubic regularization M and the
gradient-regularization gamma of the second-order methods.

On top of it, :func:`adaptive_L` is the search for L of Nesterov (2013): a
trial point built with L is accepted when the quadratic upper model holds
there, else L doubles. Near a minimizer the decrease the model predicts falls
below the rounding error of f and the value test fails for every L (the
estimate would grow without bound, or pass by chance with a too small L);
there the test uses the gradients instead, which stay accurate: for L-smooth f,
:math:`\langle g(x_+) - g(y), x_+ - y\rangle \le L\|x_+ - y\|^2` (on quadratics
both tests are the same condition, curvature along the step <= L). The caller
gives the model of its method (the gradient step, FGM's similar triangles,
FW's short step along a direction) as two callables.

The line-search objects (:class:`ArmijoSearch`, :class:`ExactQuadraticStep`,
Frank-Wolfe's :class:`AgnosticStep`, :class:`ShortStep`,
:class:`AdaptiveShortStep`, :class:`ExactStep`) return a :class:`StepResult`.

References
----------
Yu. Nesterov, "Gradient methods for minimizing composite functions", Math.
Program. 140:125-161, 2013 (the adaptive L).
F. Pedregosa, G. Negiar, A. Askari, M. Jaggi, "Linearly convergent Frank-Wolfe
with backtracking line-search", AISTATS 2020, arXiv:1806.05123 (the adaptive
FW step).
L. Armijo, "Minimization of functions having Lipschitz continuous first
partial derivatives", Pacific J. Math. 16, 1966.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np

__all__ = ["StepResult", "doubling_search", "adaptive_L", "value_test_unreliable",
           "upper_model_holds", "curvature_holds", "search_failure", "ArmijoSearch",
           "ExactQuadraticStep", "AgnosticStep", "ShortStep", "AdaptiveShortStep", "ExactStep"]

_EPS = np.finfo(float).eps
#: a predicted decrease below this many ulps of |f| is treated as rounding noise
NOISE_ULPS = 1e3
#: the slack of the value test, in ulps of |f|
_SLACK = 8 * _EPS
_NOISE = NOISE_ULPS * _EPS


class StepResult(NamedTuple):
    """What a step-size search returns (a tuple: cheap to build in hot loops).

    Attributes
    ----------
    step : float
        The accepted step length (gamma; ``1/L`` for a gradient step), or
        ``nan`` when the search does not measure one.
    x : ndarray
        The accepted point (the last trial when ``ok`` is False).
    fun : float
        f(x).
    grad : ndarray or None
        The gradient at x when the search computed it (else None).
    L : float
        The constant (L, M or gamma) the point was built with.
    n_trials : int
        Trials made (1 when the first was accepted).
    ok : bool
        Whether a trial was accepted. False with ``failure`` None: the cap was
        reached while f was not finite at the last trial (the driver's guard
        reports it from ``fun``).
    failure : str or None
        The message when the cap was reached with a finite f.
    """

    step: float
    x: object
    fun: float
    grad: object
    L: float
    n_trials: int
    ok: bool = True
    failure: str | None = None


def value_test_unreliable(predicted_decrease: float, f_ref: float) -> bool:
    """Whether a predicted decrease is below the rounding error of f
    (at most ``NOISE_ULPS`` ulps of ``|f_ref|``)."""
    return predicted_decrease <= _NOISE * abs(f_ref)


def upper_model_holds(f_trial: float, f_model: float, f_ref: float) -> bool:
    """``f_trial <= f_model`` up to a few ulps of ``|f_ref|``."""
    return f_trial <= f_model + _SLACK * abs(f_ref)


def curvature_holds(g_trial, g_ref, step, L: float, sqnorm: float | None = None) -> bool:
    """``<g_trial - g_ref, step> <= L ||step||^2``: the gradient form of the test.

    ``sqnorm`` is ``||step||^2`` in the method's metric (default: Euclidean).
    """
    if sqnorm is None:
        sqnorm = float(step @ step)
    return float((g_trial - g_ref) @ step) <= L * sqnorm


def search_failure(max_doublings: int, L: float) -> str:
    """The message of an adaptive L search that reached its cap."""
    return (f"The adaptive search for the Lipschitz constant failed: the upper model "
            f"did not hold after {max_doublings} doublings (L = {L:.3g}). The function "
            f"may be non-smooth or non-finite near the iterate; raise `max_backtracks` "
            f"or check the gradient.")


def doubling_search(trial: Callable, value: float, max_trials: int, factor: float = 2.0):
    """Try ``value, factor * value, factor^2 * value, ...`` until ``trial`` accepts.

    Parameters
    ----------
    trial : callable
        ``trial(value) -> (accepted, payload)``.
    value : float
        The first trial.
    max_trials : int
        Cap on the trials.
    factor : float
        The multiplier after a rejection (2 for L and M, 1/2 for gamma).

    Returns
    -------
    (accepted, value, payload, n_trials)
        ``value`` is the one of the accepted trial; when none was accepted,
        the value after the last multiplication, and ``payload`` that of the
        last trial.
    """
    for n in range(1, max_trials + 1):
        accepted, payload = trial(value)
        if accepted:
            return True, value, payload, n
        value *= factor
    return False, value, payload, max_trials


def adaptive_L(trial: Callable, curvature: Callable, L: float, max_doublings: int) -> StepResult:
    r"""The adaptive search for the Lipschitz constant L (Nesterov 2013).

    Trials ``L, 2L, 4L, ...`` (at most ``max_doublings + 1``). A trial is
    accepted when f is finite there and the quadratic upper model holds,
    :math:`f(x_+) \le f_{\rm ref} - \delta + 8\,\epsilon |f_{\rm ref}|`
    (:math:`\delta` the decrease the model predicts). When :math:`|\delta|`
    is below the rounding error of f (:func:`value_test_unreliable`), the
    gradient form of the test, ``curvature``, decides instead.

    Parameters
    ----------
    trial : callable
        ``trial(L) -> (x_new, f_new, f_ref, decrease)``: the trial point
        built with L, f there, the value the model is anchored at, and the
        decrease the model predicts.
    curvature : callable
        ``curvature(x_new, L) -> g_new or None``: the gradient form of the
        test for the last trial; the gradient at ``x_new`` when it holds.
    L : float
        The first trial.
    max_doublings : int
        The cap: a search that doubles L this many times without success
        fails.

    Returns
    -------
    StepResult
        ``step`` is ``nan`` (the caller knows its step from L).
    """

    # the loop of doubling_search, written out: this runs once per iteration
    # of gm/fgm/fw, where a closure per trial is measurable on tiny problems
    for n in range(1, max_doublings + 2):
        x_new, f_new, f_ref, decrease = trial(L)
        if abs(decrease) <= _NOISE * abs(f_ref) and math.isfinite(f_new):
            g_new = curvature(x_new, L)
            if g_new is not None:
                return StepResult(math.nan, x_new, f_new, g_new, L, n)
        elif f_new <= f_ref - decrease + _SLACK * abs(f_ref):
            return StepResult(math.nan, x_new, f_new, None, L, n)
        L *= 2.0
    if not math.isfinite(f_new):
        # f is non-finite however short the step: the driver's guard reports it
        # (status 3) and returns the last finite iterate
        return StepResult(math.nan, x_new, f_new, None, L, n, False)
    return StepResult(math.nan, x_new, f_new, None, L, n, False,
                      search_failure(max_doublings, L))


# ---------------------------------------------------------------------------
# line searches along a direction
# ---------------------------------------------------------------------------
class ArmijoSearch:
    r"""Armijo backtracking: the first :math:`t = t_0, \beta t_0, \beta^2 t_0,
    \dots` with :math:`f(x + t d) \le f(x) + c\, t \langle g, d\rangle`.

    Parameters
    ----------
    oracle
        The counted oracle (its ``fun`` is called once per trial).
    c : float
        Sufficient-decrease constant, in (0, 1).
    beta : float
        Backtracking factor, in (0, 1).
    max_trials : int
        Cap on the trials.
    """

    def __init__(self, oracle, c: float = 1e-4, beta: float = 0.5, max_trials: int = 60):
        if not (0.0 < c < 1.0 and 0.0 < beta < 1.0):
            raise ValueError(f"Armijo needs 0 < c < 1 and 0 < beta < 1; got c={c}, beta={beta}.")
        self.oracle, self.c, self.beta, self.max_trials = oracle, c, beta, int(max_trials)

    def __call__(self, x, f, g, d, t0: float = 1.0) -> StepResult:
        slope = float(g @ d)
        if not slope < 0.0:
            return StepResult(0.0, x, f, g, math.nan, 0, False,
                              f"Armijo: d is not a descent direction (<g, d> = {slope:.3g}).")
        fun, cs = self.oracle.fun, self.c * slope

        def test(t):
            x_new = x + t * d
            f_new = fun(x_new)
            return f_new <= f + t * cs, (x_new, f_new)

        ok, t, (x_new, f_new), n = doubling_search(test, t0, self.max_trials, self.beta)
        if ok:
            return StepResult(t, x_new, f_new, None, math.nan, n)
        return StepResult(t, x_new, f_new, None, math.nan, n, False,
                          f"Armijo backtracking failed after {self.max_trials} trials "
                          f"(t = {t:.3g}).")


class ExactQuadraticStep:
    r"""The exact step along d on [0, gamma_max] for a quadratic f:
    :math:`\gamma = \min(\gamma_{\max}, -\langle g, d\rangle / \langle d, Hd\rangle)`
    (:math:`\gamma_{\max}` when the curvature is not positive).

    The curvature comes from ``oracle.hessp`` when the problem has it, else
    from one function value at :math:`\tau = \min(\gamma_{\max}, 1)`:
    :math:`\langle d, Hd\rangle = 2(f(x + \tau d) - f + \tau s)/\tau^2`
    (exact for quadratics).
    """

    def __init__(self, oracle, has_hessp: bool):
        self.oracle, self.has_hessp = oracle, bool(has_hessp)

    def gamma(self, x, f, d, slope: float, gamma_max: float) -> float:
        """The step; ``slope = -<g, d>``."""
        if self.has_hessp:
            curv = float(d @ self.oracle.hessp(x, d))
        else:
            tau = min(gamma_max, 1.0)    # away steps: gamma_max may be huge
            f_tau = self.oracle.fun(x + tau * d)
            curv = 2.0 * (f_tau - f + tau * slope) / (tau * tau)
        return gamma_max if curv <= 0 else min(gamma_max, slope / curv)

    def __call__(self, x, f, g, d, slope, gamma_max, k=0, L=math.nan) -> StepResult:
        gamma = self.gamma(x, f, d, slope, gamma_max)
        x_new = x + gamma * d
        return StepResult(gamma, x_new, self.oracle.fun(x_new), None, math.nan, 1)


# ---------------------------------------------------------------------------
# Frank-Wolfe step rules: __call__(x, f, g, d, slope, gamma_max, k, L) with
# slope = -<g, d> >= 0, gamma in [0, gamma_max], k the iteration, L the
# first trial of the constant
# ---------------------------------------------------------------------------
def _dot(g, v) -> float:
    """``<g, v>`` for a dense or sparse (matrix-shaped) gradient ``g``."""
    if hasattr(g, "tocsr"):
        g = g.tocsr()
        ncol = g.shape[1]
        rows = np.repeat(np.arange(g.shape[0]), np.diff(g.indptr))
        return float(g.data @ v[rows * ncol + g.indices])
    return float(g @ v)


class AgnosticStep:
    r"""The open-loop step :math:`\gamma_k = \min(\gamma_{\max}, 2/(k+2))`."""

    def __init__(self, oracle):
        self.oracle = oracle

    def __call__(self, x, f, g, d, slope, gamma_max, k, L) -> StepResult:
        gamma = min(gamma_max, 2.0 / (k + 2.0))
        x_new = x + gamma * d
        return StepResult(gamma, x_new, self.oracle.fun(x_new), None, math.nan, 1)


def _no_move(x, f, g, d, slope, L):
    """A zero direction or no descent: stay (gamma = 0)."""
    return StepResult(0.0, x, f, g, L, 0)


class ShortStep:
    r"""The short step :math:`\gamma = \min(\gamma_{\max}, s / (L\|d\|^2))`
    with a fixed L (the minimizer of the quadratic upper model along d)."""

    def __init__(self, oracle, L: float):
        self.oracle, self.L = oracle, float(L)

    def __call__(self, x, f, g, d, slope, gamma_max, k, L) -> StepResult:
        dd = float(d @ d)
        L = self.L
        if dd == 0.0 or slope <= 0.0:
            return _no_move(x, f, g, d, slope, L)
        gamma = min(gamma_max, slope / (L * dd))
        x_new = x + gamma * d
        return StepResult(gamma, x_new, self.oracle.fun(x_new), None, L, 1)


class AdaptiveShortStep:
    r"""The short step with the adaptive L (Pedregosa et al. 2020, Alg. 1).

    With :math:`\gamma(L) = \min(\gamma_{\max}, s/(L\|d\|^2))`, L doubles
    (:func:`adaptive_L`) until

    .. math::

        f(x + \gamma d) \le f(x) - \gamma s + \tfrac{L}{2}\gamma^2\|d\|^2 ,

    the gradient form :math:`\gamma\langle g(x + \gamma d) - g, d\rangle \le
    L\gamma^2\|d\|^2` replacing it at the rounding level of f.
    """

    def __init__(self, oracle, max_doublings: int, dot=_dot):
        self.oracle, self.max_doublings, self.dot = oracle, int(max_doublings), dot

    def initial_L(self, x, g, d) -> float:
        """``||grad(x + eps d) - grad(x)|| / (eps ||d||)`` (Pedregosa et al. 2020)."""
        nd = math.sqrt(float(d @ d))
        if nd == 0:
            return 1.0
        eps = 1e-3
        g1 = self.oracle.grad(x + (eps / nd) * d)
        diff = (g1 - g) if not hasattr(g, "tocsr") else (g1 - g).toarray().reshape(-1)
        L = float(np.linalg.norm(np.asarray(diff).reshape(-1))) / eps
        return L if L > 0 and math.isfinite(L) else 1.0

    def __call__(self, x, f, g, d, slope, gamma_max, k, L) -> StepResult:
        dd = float(d @ d)
        if dd == 0.0 or slope <= 0.0:
            return _no_move(x, f, g, d, slope, L)
        fun, grad, dot = self.oracle.fun, self.oracle.grad, self.dot
        last = [0.0]

        def trial(L):
            gamma = min(gamma_max, slope / (L * dd))
            last[0] = gamma
            x_new = x + gamma * d
            return x_new, fun(x_new), f, gamma * slope - 0.5 * L * gamma * gamma * dd

        def curvature(x_new, L):
            gamma = last[0]
            g_new = grad(x_new)
            # written with dot() for sparse gradients
            if gamma * (dot(g_new, d) - dot(g, d)) <= L * gamma * gamma * dd:
                return g_new
            return None

        res = adaptive_L(trial, curvature, L, self.max_doublings)
        if res.ok or res.failure is None:
            return res._replace(step=last[0])
        return StepResult(0.0, x, f, g, res.L, res.n_trials, False, res.failure)


class ExactStep:
    """The exact line search on [0, gamma_max]: a user ``line_search(x, d,
    gamma_max) -> gamma`` or, by default, :class:`ExactQuadraticStep`."""

    def __init__(self, oracle, line_search=None, has_hessp: bool = False):
        self.oracle, self.line_search = oracle, line_search
        self.quadratic = ExactQuadraticStep(oracle, has_hessp)

    def __call__(self, x, f, g, d, slope, gamma_max, k, L) -> StepResult:
        dd = float(d @ d)
        if dd == 0.0 or slope <= 0.0:
            return _no_move(x, f, g, d, slope, L)
        if self.line_search is not None:
            gamma = float(self.line_search(x, d, gamma_max))
            if not (0.0 <= gamma <= gamma_max * (1 + 1e-12)) or math.isnan(gamma):
                raise ValueError(f"`line_search` returned gamma = {gamma!r}; expected a "
                                 f"number in [0, gamma_max = {gamma_max}].")
            gamma = min(gamma, gamma_max)
        else:
            gamma = self.quadratic.gamma(x, f, d, slope, gamma_max)
        x_new = x + gamma * d
        return StepResult(gamma, x_new, self.oracle.fun(x_new), None, math.nan, 1)
