"""What a coordinate method may read of a smooth part: its coordinate form.

The coordinate models ask the smooth part for its form instead of testing
its class (skglm's datafit idea): a problem with a ``coordinate_form()``
method returns a :class:`~optkit.problems.glm.GLMForm` (loss code, data,
targets, ridge, curvature bound of the loss); a quadratic
``x'Ax/2 - b'x`` has a :class:`QuadForm`. :func:`coordinate_form` is the one
place that maps a problem to its form; it returns None for a smooth part
with no structure the kernels know (then only the counted ``grad``/``hess``
oracles are used).

:class:`~optkit.problems.synthetic.QuadraticProblem` has no
``coordinate_form`` method of its own (its module is not the coordinate
family's); its form comes from the adapter table below.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["QuadForm", "coordinate_form", "LOSS_CODES"]

#: kernel loss codes of the GLM losses the compiled coordinate kernels implement
LOSS_CODES = {"squared": 0, "logistic": 1}


class QuadForm(NamedTuple):
    """``f(x) = x'Qx/2 - c'x``: a dense Q and c."""

    Q: np.ndarray
    c: np.ndarray


def _quadratic_problem(smooth):
    return QuadForm(smooth.A, smooth.b)


def _adapters():
    from ...problems.synthetic import QuadraticProblem

    return ((QuadraticProblem, _quadratic_problem),)


def coordinate_form(smooth):
    """The coordinate form of ``smooth``: a ``GLMForm``, a :class:`QuadForm` or None."""
    get = getattr(smooth, "coordinate_form", None)
    if callable(get):
        return get()
    for cls, adapt in _adapters():
        if isinstance(smooth, cls):
            return adapt(smooth)
    return None
