"""Equality-constrained optimization: Newton-KKT steps globalized by the
differentiable exact augmented Lagrangian, with exact solves (``exact-al``) or
randomized iterative sketching (``exact-al-sketch``). Problems:
:class:`optkit.problems.EqualityConstrainedProblem`, CUTEst equality problems
(:mod:`optkit.problems.cutest`), scipy constraint objects through
``optkit.minimize(..., constraints=...)``."""

from .exact_al import ExactAL, ExactALOptions
from .exact_al_sketch import ExactALSketch, ExactALSketchOptions

__all__ = ["ExactAL", "ExactALOptions", "ExactALSketch", "ExactALSketchOptions"]
