"""Entropic optimal transport: Sinkhorn (scaling, log-domain, epsilon-scaling),
Sinkhorn-Newton-Sparse and Mirror Sinkhorn. Problems:
:class:`optkit.problems.ot.OTProblem`; the POT-compatible front door is
:mod:`optkit.ot`."""

from .eps_scaling import SinkhornEpsScaling, SinkhornEpsScalingOptions
from .mirror_sinkhorn import MirrorSinkhorn, MirrorSinkhornOptions
from .sinkhorn import Sinkhorn, SinkhornOptions
from .sinkhorn_log import SinkhornLog, SinkhornLogOptions
from .sns import SinkhornNewtonSparse, SNSOptions

__all__ = ["Sinkhorn", "SinkhornOptions", "SinkhornLog", "SinkhornLogOptions",
           "SinkhornEpsScaling", "SinkhornEpsScalingOptions", "SinkhornNewtonSparse",
           "SNSOptions", "MirrorSinkhorn", "MirrorSinkhornOptions"]
