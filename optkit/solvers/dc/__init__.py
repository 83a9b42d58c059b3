"""Continuous DC programming: DCA and boosted DCA. Problems:
:class:`optkit.problems.dc.DCProblem`; set-function (difference of submodular)
methods are in :mod:`optkit.solvers.ds`."""

from .boosted_dca import BoostedDCA, BoostedDCAOptions
from .dca import DCA, DCAOptions

__all__ = ["DCA", "DCAOptions", "BoostedDCA", "BoostedDCAOptions"]
