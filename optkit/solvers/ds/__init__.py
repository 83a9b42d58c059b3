"""Difference-of-submodular minimization: DCA (SubSup-type) and complete DCA on the
Lovász extensions. Problems: :class:`optkit.problems.dc.DSProblem`."""

from .ds_cdca import DSCDCA, DSCDCAOptions
from .ds_dca import DSDCA, DSDCAOptions

__all__ = ["DSDCA", "DSDCAOptions", "DSCDCA", "DSCDCAOptions"]
