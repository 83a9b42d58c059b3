"""The adaptive estimate of the Lipschitz constant shared by GM and FGM.

Both methods accept a trial point when the quadratic upper model built with
the current estimate ``L`` holds there (the "descent lemma" test), double
``L`` otherwise, and start the next iteration from ``L / 2``
(Nesterov, "Gradient methods for minimizing composite functions",
Math. Program. 140, 2013).
"""

from __future__ import annotations

import numpy as np

_EPS = np.finfo(float).eps


def upper_model_holds(f_trial: float, f_model: float, f_ref: float) -> bool:
    """``f_trial <= f_model`` up to rounding in the objective values.

    ``f_model`` is the upper model's value at the trial point. Near a
    minimizer the predicted decrease falls below the rounding error of f, and
    an exact test would double L forever; a slack of a few ulps of
    ``|f_ref|`` keeps the test meaningful.
    """
    return f_trial <= f_model + 8 * _EPS * abs(f_ref)


def backtracking_failure(max_backtracks: int, L: float) -> str:
    return (f"The adaptive search for the Lipschitz constant failed: the upper model "
            f"did not hold after {max_backtracks} doublings (L = {L:.3g}). The function "
            f"may be non-smooth or non-finite near the iterate; raise `max_backtracks` "
            f"or check the gradient.")
