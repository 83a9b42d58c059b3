"""Bilevel optimization: F2SA, the penalty method, BO-REP, sl-BAMM and the
implicit-differentiation baseline AID-CG. Problems:
:class:`optkit.problems.bilevel.BilevelProblem` and the ready problems of
:mod:`optkit.problems.bilevel` / :mod:`optkit.problems.bilevel_data`."""

from .aid_cg import AIDCG, AIDCGOptions
from .bo_rep import BOREP, BOREPOptions
from .f2sa import F2SA, F2SAOptions
from .penalty import BilevelPenalty, BilevelPenaltyOptions
from .sl_bamm import SLBAMM, SLBAMMOptions

__all__ = ["F2SA", "F2SAOptions", "BilevelPenalty", "BilevelPenaltyOptions", "BOREP",
           "BOREPOptions", "SLBAMM", "SLBAMMOptions", "AIDCG", "AIDCGOptions"]
