"""Solvers, one subpackage per family, one module per algorithm.

Importing this package registers every method.
"""

from . import first_order  # noqa: F401
from . import second_order  # noqa: F401
from . import coordinate  # noqa: F401
from . import ot  # noqa: F401
from . import frank_wolfe  # noqa: F401
