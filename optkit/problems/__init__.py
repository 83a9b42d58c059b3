"""Problem protocols, adapters (LIBSVM, CUTEst) and generators.

Submodules: :mod:`~optkit.problems.glm` (logistic, softmax, least squares),
:mod:`~optkit.problems.libsvm` (data sets), :mod:`~optkit.problems.cutest`
(CUTEst problems), :mod:`~optkit.problems.synthetic` (seeded instances).
"""

from . import cutest, glm, libsvm, synthetic
from .base import Problem, SmoothProblem
from .constrained import ConstrainedProblem, EqualityConstrainedProblem
from .glm import LeastSquares, LogisticRegression, SoftmaxRegression

__all__ = ["Problem", "SmoothProblem", "EqualityConstrainedProblem", "ConstrainedProblem",
           "LogisticRegression", "SoftmaxRegression", "LeastSquares",
           "glm", "libsvm", "cutest", "synthetic"]
