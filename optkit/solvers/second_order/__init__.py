"""Second-order methods for smooth problems: cubic-regularized Newton, lazy-Hessian
cubic and gradient-regularized Newton, gradient-regularized Newton with
approximate Hessians (exact, Gauss-Newton, Fisher, fixed, quasi-Newton)."""

from .cubic_newton import CubicNewton, CubicNewtonOptions
from .grad_reg_newton import GradRegNewton, GradRegNewtonOptions
from .lazy_cubic_newton import LazyCubicNewton, LazyCubicNewtonOptions
from .lazy_reg_newton import LazyRegNewton, LazyRegNewtonOptions
from .lbfgs_update import LBFGSUpdate

__all__ = ["CubicNewton", "CubicNewtonOptions", "LazyCubicNewton", "LazyCubicNewtonOptions",
           "LazyRegNewton", "LazyRegNewtonOptions", "GradRegNewton", "GradRegNewtonOptions",
           "LBFGSUpdate"]
