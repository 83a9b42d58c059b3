"""optkit: classical and recent numerical optimization algorithms behind one
scipy-like ``minimize`` interface.

>>> import optkit
>>> from scipy.optimize import rosen, rosen_der
>>> res = optkit.minimize(rosen, [-1.2, 1.0], jac=rosen_der, method="fgm", tol=1e-8)
>>> res.success
True
"""

__version__ = "0.1.0"

from . import solvers as _solvers  # noqa: E402,F401  (registers the methods)
from ._core.registry import method_info, methods, show_options  # noqa: E402
from ._core.result import STATUS_MESSAGES, OptimizeResult, Status, Trace  # noqa: E402
from .minimize import minimize, scipy_method  # noqa: E402
from . import ot  # noqa: E402,F401  (POT-style front door: optkit.ot.sinkhorn)
from .problems.base import Problem, SmoothProblem  # noqa: E402

__all__ = ["__version__", "minimize", "scipy_method", "methods", "method_info",
           "show_options", "OptimizeResult", "Status", "STATUS_MESSAGES", "Trace",
           "Problem", "SmoothProblem"]
