"""Linear programming: restarted PDHG (PDLP). Problems:
:class:`optkit.problems.lp.LPProblem` (linprog conventions, MPS files)."""

from .pdhg_lp import PDHGLP, PDHGLPOptions

__all__ = ["PDHGLP", "PDHGLPOptions"]
