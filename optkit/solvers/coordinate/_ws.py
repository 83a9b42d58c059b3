"""What the working-set methods share: the outer loop over working sets.

A working-set method alternates a subproblem on a few coordinates (the
working set) with one pass over the other coordinates that measures the
certificate at the new point and picks the next working set. Its model
(:class:`~optkit.solvers.coordinate.ws_lasso.EnetWSModel`,
:class:`~optkit.solvers.coordinate._logistic_ws.LogisticWSModel`) offers

* ``new_run()`` -- the run record at the start (a small object with ``copy()``:
  the screening mask, adaptive sizes and tolerances that the run changes);
* ``init_aux(x)`` -- residual or margins at x;
* ``dual_pass(x, aux, run)`` -> ``(certificate, F(x), work)``;
* ``next_ws(x, cert_prev, cert, run)`` -> the next working set;
* ``solve_ws(x, aux, ws, cert, stop_tol, run)`` -> work (x, aux in place),

called through the counted :class:`~optkit.solvers.coordinate.bcd.CoordinateOracle`.
The run record and the working set live in the State (copied once per
outer iteration, which costs far less than its pass over the data), so the
driver's rollback returns exactly the state of a run stopped one step
earlier.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._core.solver import State
from ._datafit import coordinate_form
from .bcd import CoordinateSolver, support_history

__all__ = ["WorkingSetState", "WorkingSetSolver"]


@dataclasses.dataclass(kw_only=True)
class WorkingSetState(State):
    aux: np.ndarray             # residual Xw - y (least squares) or margins Xw
    k: int                      # outer iterations
    cert: float
    nnz: int
    active_at: int              # iteration at which the support last changed
    gap: float                  # the certificate (duality gap or prox-grad norm)
    ws: np.ndarray              # working set of the next outer iteration
    run: object                 # the model's run record (screening, sizes, tolerances)


class WorkingSetSolver(CoordinateSolver):
    """Base of the working-set methods: one driver step is one outer iteration.

    Subclasses implement :meth:`build_model` and :meth:`result_fields`.
    """

    trace_fields = ("nnz", "active_at")
    #: the ``coordinate_form`` loss the method solves, its model class, what it
    #: needs and where other problems go (for the refusal message)
    form_loss: str = ""
    Model: type = None
    needs: str = ""
    elsewhere: str = ""

    def build_model(self, problem, x0):
        form = coordinate_form(problem.smooth)
        if getattr(form, "loss", None) != self.form_loss:
            raise ValueError(
                f"Method {self.name!r} needs {self.needs}; got a "
                f"{type(problem.smooth).__name__} smooth part. {self.elsewhere}")
        pen = list(problem.penalty.arrays(x0.size))
        return self.Model(problem, problem.smooth, pen, self.options)

    def init(self, oracle, x0, tol):
        problem, x0 = self.start(oracle, x0)
        # the driver's tolerance sizes the last inner solves (init-time constant)
        self.stop_tol = tol
        model = oracle.attach(self.build_model(problem, x0))
        x = x0.copy()
        r = oracle.init_aux(x)
        return self._finish(x, r, model.new_run(), k=0, prev=None)

    def _finish(self, x, r, run, *, k, prev):
        """Certificate pass at x (screening, next working set) and the state."""
        oracle = self.oracle
        gap, fun = oracle.ws_dual_pass(x, r, run)
        ws = oracle.model.next_ws(x, np.inf if prev is None else prev.gap, gap, run)
        nnz, active_at, _ = support_history(x, k, prev, signs=False)
        return WorkingSetState(x=x, fun=fun, jac=None, aux=r, k=k, cert=gap, nnz=nnz,
                               active_at=active_at, gap=gap, ws=ws, run=run)

    def step(self, state, budget):
        x = state.x.copy()
        r = state.aux.copy()
        run = state.run.copy()
        self.oracle.ws_solve(x, r, state.ws, state.gap, self.stop_tol, run)
        return self._finish(x, r, run, k=state.k + 1, prev=state)

    def certificate(self, state):
        return state.cert

    def stall_window(self):
        # the certificate of a stopped inner solver stops decreasing at its rounding
        # floor; without this rule a tol below it would run to maxiter
        return 10
