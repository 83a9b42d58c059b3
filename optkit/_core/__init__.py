"""Machinery every solver shares: results, oracles, options, driver, registry.

No algorithm lives here.
"""

from .options import DriverOptions, Options, option
from .registry import get_solver, method_info, methods, register, show_options
from .result import STATUS_MESSAGES, OptimizeResult, Status, Trace
from .solver import Solver, State

__all__ = ["DriverOptions", "Options", "option", "get_solver", "method_info", "methods",
           "register", "show_options", "STATUS_MESSAGES", "OptimizeResult", "Status",
           "Trace", "Solver", "State"]
