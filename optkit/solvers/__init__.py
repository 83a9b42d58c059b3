"""Solvers, one subpackage per family, one module per algorithm.

Importing this package registers every method: each subpackage is imported,
and its modules register their solvers. A new family's subpackage is found
without editing this file.
"""

import importlib
import pkgutil

for _info in pkgutil.iter_modules(__path__):
    if _info.ispkg and not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")
del _info
