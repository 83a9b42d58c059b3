"""Block coordinate descent methods for composite problems f + sum_i g_i(x_i)."""

from .bcd import BCDOptions, BlockCoordinateDescent
from .cyclic_vr_bcd import CyclicVRBCD, CyclicVRBCDOptions
from .a_coder import ACODER, ACODEROptions
from .fractional_cd import FractionalCD, FractionalCDOptions
from .ws_lasso import WorkingSetLasso, WSLassoOptions
from .prox_newton_ws import ProxNewtonWS, ProxNewtonWSOptions

__all__ = ["BlockCoordinateDescent", "BCDOptions", "CyclicVRBCD", "CyclicVRBCDOptions",
           "ACODER", "ACODEROptions", "FractionalCD", "FractionalCDOptions",
           "WorkingSetLasso", "WSLassoOptions", "ProxNewtonWS", "ProxNewtonWSOptions"]
