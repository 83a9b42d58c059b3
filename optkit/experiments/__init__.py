"""Convergence experiments: run methods side by side, plot their curves;
benchmark them on problem sets with performance and data profiles."""

from .compare import best_fun, compare, plot
from .peers import run_scipy
from .profiles import (Profile, data_profile, performance_profile, plot_data_profile,
                       plot_performance_profile)
from .suite import SuiteTable, run_suite, select_problems

__all__ = ["compare", "plot", "best_fun", "run_scipy",
           "run_suite", "SuiteTable", "select_problems",
           "performance_profile", "data_profile", "plot_performance_profile",
           "plot_data_profile", "Profile"]
