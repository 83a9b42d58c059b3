"""Convergence experiments: run methods side by side, plot their curves."""

from .compare import best_fun, compare, plot
from .peers import run_scipy

__all__ = ["compare", "plot", "best_fun", "run_scipy"]
