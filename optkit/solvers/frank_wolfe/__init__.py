"""Frank-Wolfe (conditional gradient) family: problems over a set known by its LMO.

Methods: ``fw`` (vanilla), ``fw-away`` (away steps), ``fw-pairwise``,
``fw-lazy`` (lazified LMO), ``zo-fw`` (zeroth-order, KWSA / RDSA / I-RDSA).
Sets: :mod:`optkit.problems.sets`; problems: :class:`optkit.problems.LMOProblem`.
"""

from .away import AwayStepFrankWolfe
from .fw import FrankWolfe
from .lazy import LazyFrankWolfe
from .pairwise import PairwiseFrankWolfe
from .zeroth_order import ZerothOrderFrankWolfe

__all__ = ["FrankWolfe", "AwayStepFrankWolfe", "PairwiseFrankWolfe", "LazyFrankWolfe",
           "ZerothOrderFrankWolfe"]
