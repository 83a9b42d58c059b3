"""Problem protocols, adapters (LIBSVM, CUTEst) and generators.

Submodules: :mod:`~optkit.problems.glm` (logistic, softmax, least squares),
:mod:`~optkit.problems.libsvm` (data sets), :mod:`~optkit.problems.cutest`
(CUTEst problems), :mod:`~optkit.problems.synthetic` (seeded instances),
:mod:`~optkit.problems.geometry` (sets, penalties and mirror maps: one protocol).
"""

from . import cutest, glm, libsvm, synthetic
from .base import Problem, SmoothProblem
from .constrained import ConstrainedProblem, EqualityConstrainedProblem
from .glm import LeastSquares, LogisticRegression, SoftmaxRegression
from .composite import CompositeProblem, ElasticNet, L1LogisticRegression, Lasso
from .ot import OTProblem
from . import geometry, sets
from .geometry import Geometry, ConvexSet, EntropySimplex, BoxEntropy, EuclideanSpace, ProductSet
from .lmo import LMOProblem
from .fractional import FractionalProblem

__all__ = ["Problem", "SmoothProblem", "EqualityConstrainedProblem", "ConstrainedProblem",
           "LogisticRegression", "SoftmaxRegression", "LeastSquares",
           "CompositeProblem", "Lasso", "ElasticNet", "L1LogisticRegression", "OTProblem",
           "LMOProblem", "FractionalProblem", "sets", "geometry", "Geometry", "ConvexSet",
           "EntropySimplex", "BoxEntropy", "EuclideanSpace", "ProductSet",
           "glm", "libsvm", "cutest", "synthetic"]
