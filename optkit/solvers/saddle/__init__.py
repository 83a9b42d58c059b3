"""Saddle-point family: mirror descent, mirror prox, PDHG (Chambolle-Pock) and adaptive
PDHG for :math:`\\min_x \\max_y \\phi(x, y)`. Problems:
:class:`optkit.problems.saddle.SaddleProblem` (matrix games, bilinear problems with
prox-capable terms, smooth convex-concave functions, the assignment LP)."""

from .adaptive_pdhg import AdaptivePDHG, AdaptivePDHGOptions
from .mirror_descent import MirrorDescent, MirrorDescentOptions
from .mirror_prox import MirrorProx, MirrorProxOptions
from .pdhg import PDHG, PDHGOptions

__all__ = ["MirrorDescent", "MirrorDescentOptions", "MirrorProx", "MirrorProxOptions",
           "PDHG", "PDHGOptions", "AdaptivePDHG", "AdaptivePDHGOptions"]
