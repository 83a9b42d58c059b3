"""First-order methods for smooth problems: GM and FGM, and their
polynomial-preconditioned versions (pgm, pfgm, krylov-gm)."""

from .fast_gradient import FastGradientMethod, FastGradientOptions
from .gradient import GradientMethod, GradientMethodOptions
from .krylov_gm import KrylovGradientMethod, KrylovGradientOptions
from .preconditioned import (PreconditionedFastGradientMethod, PreconditionedFastGradientOptions,
                             PreconditionedGradientMethod, PreconditionedGradientOptions)
from .preconditioners import (ChebyshevPreconditioner, IdentityPreconditioner, Preconditioner,
                              SymmetricPolynomialPreconditioner)

__all__ = ["GradientMethod", "GradientMethodOptions", "FastGradientMethod",
           "FastGradientOptions", "PreconditionedGradientMethod",
           "PreconditionedGradientOptions", "PreconditionedFastGradientMethod",
           "PreconditionedFastGradientOptions", "KrylovGradientMethod", "KrylovGradientOptions",
           "Preconditioner", "SymmetricPolynomialPreconditioner", "ChebyshevPreconditioner",
           "IdentityPreconditioner"]
