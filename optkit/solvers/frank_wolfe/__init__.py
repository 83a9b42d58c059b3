"""Frank-Wolfe (conditional gradient) family: problems over a set known by its LMO.

Methods: ``fw`` (vanilla), ``fw-away`` (away steps), ``fw-pairwise``,
``fw-lazy`` (lazified LMO), ``zo-fw`` (zeroth-order, KWSA / RDSA / I-RDSA).
Sets: :mod:`optkit.problems.sets`; problems: :class:`optkit.problems.LMOProblem`.
"""

from .away import AwayStepFrankWolfe, AwayStepOptions
from .fw import FrankWolfe, FrankWolfeOptions
from .lazy import LazyFrankWolfe, LazyFrankWolfeOptions
from .pairwise import PairwiseFrankWolfe, PairwiseOptions
from .zeroth_order import ZerothOrderFrankWolfe, ZerothOrderFWOptions

__all__ = ["FrankWolfe", "FrankWolfeOptions", "AwayStepFrankWolfe", "AwayStepOptions",
           "PairwiseFrankWolfe", "PairwiseOptions", "LazyFrankWolfe", "LazyFrankWolfeOptions",
           "ZerothOrderFrankWolfe", "ZerothOrderFWOptions"]
