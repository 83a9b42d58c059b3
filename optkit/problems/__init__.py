"""Problem protocols, adapters (LIBSVM, CUTEst) and generators.

Submodules: :mod:`~optkit.problems.glm` (logistic, softmax, least squares),
:mod:`~optkit.problems.libsvm` (data sets), :mod:`~optkit.problems.cutest`
(CUTEst problems), :mod:`~optkit.problems.synthetic` (seeded instances),
:mod:`~optkit.problems.geometry` (sets, penalties and mirror maps: one protocol),
and one module per family: :mod:`~optkit.problems.saddle`, :mod:`~optkit.problems.lp`
(with the MPS reader :mod:`~optkit.problems.mps`), :mod:`~optkit.problems.constrained`,
:mod:`~optkit.problems.bilevel`, :mod:`~optkit.problems.dc`, :mod:`~optkit.problems.lowrank`.
"""

from . import cutest, glm, libsvm, synthetic
from .base import Problem, SmoothProblem
from .constrained import ConstrainedProblem, EqualityConstrainedProblem, KKTPoint
from .glm import LeastSquares, LogisticRegression, SoftmaxRegression
from .composite import CompositeProblem, ElasticNet, L1LogisticRegression, Lasso
from .ot import OTProblem
from . import geometry, sets
from .geometry import Geometry, ConvexSet, EntropySimplex, BoxEntropy, EuclideanSpace, ProductSet
from .lmo import LMOProblem
from .fractional import FractionalProblem
from . import bilevel, bilevel_data, dc, lowrank, lp, mps, saddle
from .saddle import SaddleProblem, SaddlePoint, LinearOnBox
from .lp import LPProblem, LPIterate, KKTError
from .mps import read_mps, MPSModel, MPSError
from .bilevel import BilevelProblem, BilevelIterate, QuadraticBilevel, quadratic_bilevel
from .bilevel_data import HyperCleaning, L2HyperOpt
from .dc import DCProblem, DSProblem
from .lowrank import LowRankProblem, Factors, SymmetricFactor, SensingOperator

__all__ = ["Problem", "SmoothProblem", "EqualityConstrainedProblem", "ConstrainedProblem", "KKTPoint",
           "LogisticRegression", "SoftmaxRegression", "LeastSquares",
           "CompositeProblem", "Lasso", "ElasticNet", "L1LogisticRegression", "OTProblem",
           "LMOProblem", "FractionalProblem", "sets", "geometry", "Geometry", "ConvexSet",
           "EntropySimplex", "BoxEntropy", "EuclideanSpace", "ProductSet",
           "SaddleProblem", "SaddlePoint", "LinearOnBox", "LPProblem", "LPIterate", "KKTError",
           "read_mps", "MPSModel", "MPSError", "BilevelProblem", "BilevelIterate",
           "QuadraticBilevel", "quadratic_bilevel", "HyperCleaning", "L2HyperOpt",
           "DCProblem", "DSProblem", "LowRankProblem", "Factors", "SymmetricFactor",
           "SensingOperator",
           "glm", "libsvm", "cutest", "synthetic", "saddle", "lp", "mps", "bilevel",
           "bilevel_data", "dc", "lowrank"]
