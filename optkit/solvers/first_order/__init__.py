"""First-order methods for smooth problems: GM and FGM."""

from .fast_gradient import FastGradientMethod, FastGradientOptions
from .gradient import GradientMethod, GradientMethodOptions

__all__ = ["GradientMethod", "GradientMethodOptions", "FastGradientMethod",
           "FastGradientOptions"]
