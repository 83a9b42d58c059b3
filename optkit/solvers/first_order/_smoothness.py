"""The adaptive estimate of the Lipschitz constant shared by GM and FGM.

Both methods accept a trial point when the quadratic upper model built with
the current estimate ``L`` holds there (the "descent lemma" test), double
``L`` otherwise, and start the next iteration from ``L / 2``
(Nesterov, "Gradient methods for minimizing composite functions",
Math. Program. 140, 2013).

Near a minimizer the decrease the model predicts falls below the rounding
error of f, and the value test fails for every L: the estimate would grow
without bound and the method stall, or pass by chance with a too small L.
There the test uses the gradients instead, which stay accurate: for L-smooth f,
``<g(x+) - g(y), x+ - y> <= L ||x+ - y||^2`` (on quadratics both tests are
the same condition, curvature along the step <= L).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._core.options import Options, option

_EPS = np.finfo(float).eps
#: a predicted decrease below this many ulps of |f| is treated as rounding noise
_NOISE_ULPS = 1e3


def upper_model_holds(f_trial: float, f_model: float, f_ref: float) -> bool:
    """``f_trial <= f_model`` up to a few ulps of ``|f_ref|``."""
    return f_trial <= f_model + 8 * _EPS * abs(f_ref)


def value_test_unreliable(predicted_decrease: float, f_ref: float) -> bool:
    """Whether the value test is below the rounding error of f."""
    return predicted_decrease <= _NOISE_ULPS * _EPS * abs(f_ref)


def curvature_holds(g_trial, g_ref, step, L: float, sqnorm: float | None = None) -> bool:
    """``<g_trial - g_ref, step> <= L ||step||^2``: the gradient form of the test.

    ``sqnorm`` is ``||step||^2`` in the method's metric (default: Euclidean).
    """
    if sqnorm is None:
        sqnorm = float(step @ step)
    return float((g_trial - g_ref) @ step) <= L * sqnorm


def backtracking_failure(max_backtracks: int, L: float) -> str:
    return (f"The adaptive search for the Lipschitz constant failed: the upper model "
            f"did not hold after {max_backtracks} doublings (L = {L:.3g}). The function "
            f"may be non-smooth or non-finite near the iterate; raise `max_backtracks` "
            f"or check the gradient.")


@dataclasses.dataclass(frozen=True)
class LipschitzSearchOptions(Options):
    """The options of the L estimate, shared by GM and FGM."""

    L: float = option(None, "Lipschitz constant of the gradient (step 1/L). Required for "
                      "step='constant'; the initial estimate for step='adaptive' "
                      "(default 1.0).", low=0.0, low_inclusive=False)
    step: str = option("adaptive", "'constant': use the given L; 'adaptive': double L "
                       "until the quadratic upper model holds, start the next iteration "
                       "from L/2.", kind=str, choices=("adaptive", "constant"))
    max_backtracks: int = option(60, "Cap on the doublings of L in one iteration; "
                                 "reaching it stops the run with status 5.", kind=int, low=1)

    def check(self):
        super().check()
        if self.step == "constant" and self.L is None:
            raise ValueError("Option `L` is required when step='constant' "
                             "(the step is 1/L); give L or use step='adaptive'.")

    @property
    def initial_L(self) -> float:
        return 1.0 if self.L is None else self.L
