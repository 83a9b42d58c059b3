"""Problem protocols, adapters (LIBSVM, CUTEst) and generators."""

from .base import Problem, SmoothProblem

__all__ = ["Problem", "SmoothProblem"]
