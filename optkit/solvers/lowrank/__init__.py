"""Low-rank recovery: matrix completion (robust AltMin, ALS, Soft-Impute) and
matrix sensing (ScaledGD(lambda), factored GD, the l1 subgradient method).
Problems: :class:`optkit.problems.lowrank.LowRankProblem`; the scikit-learn
style imputer is :class:`optkit.lowrank.MatrixCompleter`."""

from .als import ALS, ALSOptions
from .altmin import AltMin, AltMinOptions
from .gd import LowRankGD, LowRankGDOptions
from .scaled_gd import ScaledGD, ScaledGDOptions
from .soft_impute import SoftImpute, SoftImputeOptions
from .subgradient import LowRankSubgradient, LowRankSubgradientOptions

__all__ = ["AltMin", "AltMinOptions", "ALS", "ALSOptions", "SoftImpute", "SoftImputeOptions",
           "ScaledGD", "ScaledGDOptions", "LowRankGD", "LowRankGDOptions",
           "LowRankSubgradient", "LowRankSubgradientOptions"]
