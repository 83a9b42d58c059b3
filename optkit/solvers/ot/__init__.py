"""Entropic optimal transport: Sinkhorn (scaling, log-domain, epsilon-scaling) and
Sinkhorn-Newton-Sparse. Problems: :class:`optkit.problems.ot.OTProblem`; the
POT-compatible front door is :mod:`optkit.ot`."""

from . import eps_scaling, mirror_sinkhorn, sinkhorn, sinkhorn_log, sns

__all__ = ["eps_scaling", "mirror_sinkhorn", "sinkhorn", "sinkhorn_log", "sns"]
