"""The options of the adaptive Lipschitz estimate shared by GM, FGM and their
preconditioned variants (the search itself is
:func:`optkit.solvers._linesearch.adaptive_L`: double ``L`` until the
quadratic upper model holds, start the next iteration from ``L / 2``;
Nesterov, "Gradient methods for minimizing composite functions", Math.
Program. 140, 2013)."""

from __future__ import annotations

import dataclasses

from ..._core.options import Options, option


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
