"""What the optimal-transport methods share: the counted OT oracle (the only
place the kernels are called and the only writer of the counts), the state,
options and the base solver."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._core import iterate
from ..._core.options import Options, option
from ..._core.oracle import Oracle
from ..._core.solver import Solver, State
from ...kernels import sinkhorn as K
from ...problems.ot import Potentials

__all__ = ["OTOracle", "OTState", "OTOptions", "OTSolver", "Potentials", "cuda_available"]


def cuda_available() -> bool:
    """Whether numba.cuda sees a GPU (or runs on its simulator)."""
    try:
        from numba import cuda

        return bool(cuda.is_available())
    except Exception:                        # pragma: no cover - numba without cuda support
        return False


def _require_device(device: str):
    if device == "cuda" and not cuda_available():
        raise RuntimeError(
            "device='cuda' was requested but numba.cuda finds no usable GPU "
            "(no CUDA driver or device). Use device='cpu', or set "
            "NUMBA_ENABLE_CUDASIM=1 to run the kernels on Numba's CUDA simulator.")


class OTOracle(Oracle):
    """Counted front of an :class:`~optkit.problems.ot.OTProblem`.

    Holds the problem restricted to the support of ``(a, b)`` and calls the
    compiled kernels (CPU, or CUDA with ``device="cuda"``).

    Attributes
    ----------
    nfev : int
        Evaluations of the dual objective (SNS line search trials, the
        entropic dual of Mirror Sinkhorn).
    njev : int
        Evaluations of the dual gradient, i.e. of both marginals of a plan
        (certificate checks, Newton steps).
    nhev : int
        Sparsified Hessians assembled (SNS).
    nhvp : int
        Hessian-vector products (SNS conjugate gradients).
    nsweep : int
        Passes over the ``n x m`` cost matrix (a Sinkhorn iteration is 2),
        the unit of work of every method.
    """

    count_names = ("nfev", "njev", "nhev", "nhvp", "nsweep")

    def __init__(self, problem, device: str = "cpu", parallel=None):
        _require_device(device)
        super().__init__()
        self.problem = problem
        self.device = device
        self.a, self.b, self.M = problem.reduced()
        self.reg = problem.reg
        self.log_a, self.log_b = np.log(self.a), np.log(self.b)
        self.n, self.m = self.M.shape
        self.nc = K.nchunks(self.n)
        #: small problems run the serial kernels (a parallel region costs more)
        if parallel is None:
            parallel = self.n * self.m >= K.SERIAL_BELOW
        self.serial = not parallel or self.nc == 1
        self._gpu = None
        self._gibbs = None          # K = exp(-M/reg) of the scaling form, built on demand
        if device == "cuda":
            from ...kernels import sinkhorn_cuda

            self._gpu = sinkhorn_cuda.DeviceOT(self.M, self.a, self.b)

    # -- log-domain sweeps -----------------------------------------------------
    def col_update(self, f, g, reg=None):
        """New g: exact maximization of the dual in g (one sweep)."""
        reg = self.reg if reg is None else reg
        self.nsweep += 1
        if self._gpu is not None:
            return self._gpu.col_update(f, g, reg)
        g_out = np.empty(self.m)
        if self.serial:
            K.log_col_update_serial(self.M, f, g, self.log_b, reg, g_out)
        else:
            K.log_col_update(self.M, f, g, self.log_b, reg, g_out, self.nc)
        return g_out

    def row_update(self, f, g, check: bool, reg=None):
        """New f (one sweep); with ``check`` also the column sums and the
        transport cost of the new plan (counted as a gradient evaluation)."""
        reg = self.reg if reg is None else reg
        self.nsweep += 1
        if check:
            self.njev += 1
        if self._gpu is not None:
            return self._gpu.row_update(f, g, reg, check)
        f_out = np.empty(self.n)
        if self.serial:
            colsum, cost, _ = K.log_row_update_serial(self.M, f, g, self.log_a, self.a, reg,
                                                      f_out, check)
        else:
            colsum, cost, _ = K.log_row_update(self.M, f, g, self.log_a, self.a, reg, f_out,
                                               check, self.nc)
        return f_out, colsum, cost

    def plan_sums(self, f, g, out=None, reg=None):
        """``(rowsum, colsum, cost)`` of the plan of ``(f, g)``; writes the plan
        to ``out`` when given (one sweep, counted as a gradient evaluation)."""
        reg = self.reg if reg is None else reg
        self.nsweep += 1
        self.njev += 1
        if self._gpu is not None:
            return self._gpu.plan_sums(f, g, reg, out)
        write = out is not None
        buf = out if write else np.empty((0, 0))
        if self.serial:
            return K.plan_sums_serial(self.M, f, g, reg, buf, write)
        return K.plan_sums(self.M, f, g, reg, buf, write, self.nc)

    def plan(self, f, g):
        """The plan of ``(f, g)`` (a new n x m array; not counted: output only)."""
        if self._gpu is not None:
            P = np.empty((self.n, self.m))
            self._gpu.plan_sums(f, g, self.reg, P)
            return P
        P = np.empty((self.n, self.m))
        if self.serial:
            K.plan_sums_serial(self.M, f, g, self.reg, P, True)
        else:
            K.plan_sums(self.M, f, g, self.reg, P, True, self.nc)
        return P

    def outer_plan(self, phi, psi):
        """``(P, rowsum, colsum, cost)`` of ``P = exp(phi_i + psi_j)`` (a new
        n x m array, in NumPy: no kernel sweep), counted as a gradient
        evaluation (Mirror Sinkhorn's start ``a b^T``)."""
        self.njev += 1
        P = np.exp(phi[:, None] + psi[None, :])
        return P, P.sum(1), P.sum(0), float(np.sum(self.M * P))

    def entropic_dual(self, f, g, reg=None):
        """The entropic dual ``<a,f> + <b,g> - reg sum_ij exp((f_i+g_j-M_ij)/reg)``
        (one compiled pass, counted as a function evaluation, not a sweep)."""
        reg = self.reg if reg is None else reg
        self.nfev += 1
        return float(self.a @ f + self.b @ g) - reg * float(K.dual_value(self.M, f, g, reg))

    def c_transform_dual(self, g):
        """``<a,f~> + <b,g~>`` with ``f~ = min_j (M_ij - g_j)``, ``g~ = min_i (M_ij -
        f~_i)``: dual feasible potentials of the unregularized problem, so the value
        is a lower bound on OT(a, b). NumPy; not counted (it has never been)."""
        f = np.min(self.M - g[None, :], axis=1)
        g = np.min(self.M - f[:, None], axis=0)
        return float(self.a @ f + self.b @ g)

    # -- scaling form (method 'sinkhorn') -----------------------------------------
    def gibbs(self):
        """Build the Gibbs kernel ``K = exp(-M/reg)`` used by the scaling-form
        mat-vecs (once; one n x m array besides M)."""
        if self._gibbs is None:
            self._gibbs = np.exp(-self.M / self.reg)

    def kernel_matvec(self, v):
        """``K v`` (one sweep)."""
        self.nsweep += 1
        return self._gibbs @ v

    def kernel_rmatvec(self, u, check: bool = False):
        """``K^T u`` (one sweep); with ``check`` it gives the column sums of the
        plan for the certificate, counted as a gradient evaluation."""
        self.nsweep += 1
        if check:
            self.njev += 1
        return self._gibbs.T @ u

    def scaled_cost(self, u, v):
        """``<M, diag(u) K diag(v)>`` (one sweep)."""
        self.nsweep += 1
        return (K.scaled_cost_serial if self.serial else K.scaled_cost)(self._gibbs, self.M, u, v)

    def scaling_plan(self, u, v):
        """The plan ``diag(u) K diag(v)`` (output only, not counted).

        The kernel's buffer is handed over and the plan written into it (no
        second n x m array); the oracle's last use of K, so a later mat-vec
        would rebuild it."""
        self.gibbs()
        P, self._gibbs = self._gibbs, None
        P *= u[:, None]
        P *= v[None, :]
        return P

    # -- Newton systems (SNS) -------------------------------------------------------
    def line_trial(self, f, g, out):
        """Plan sums of a line-search trial ``(f, g)``, the plan written to
        ``out``: a dual evaluation (``nfev``) whose sweep also gives the
        gradient (``njev``, ``nsweep``), see :meth:`plan_sums`."""
        self.nfev += 1
        return self.plan_sums(f, g, out=out)

    def hessian_block(self, P, dense_above: float, topk: int | None = None,
                      threshold: float = 0.0):
        """The plan block of the sparsified Hessian, counted in ``nhev``.

        CSR arrays ``(indptr, indices, data)`` of ``P`` sparsified (the ``topk``
        largest entries of each row, or the entries ``>= threshold * max(P)``
        and each row's largest), or ``P`` itself when the kept fraction would
        exceed ``dense_above`` (CSR would then cost more memory than the dense
        plan)."""
        self.nhev += 1
        size = self.n * self.m
        if topk is not None:
            if topk * self.n > dense_above * size:
                return P
            return K.sparsify_topk(P, topk)
        threshold = threshold * float(P.max())
        if np.count_nonzero(P >= threshold) > dense_above * size:
            return P
        return K.sparsify_threshold(P, threshold)

    def hessp(self, S, r, c, x, out):
        """``out = [[diag r, S], [S^T, diag c]] x`` (one Hessian-vector product,
        ``nhvp``) for ``S`` from :meth:`hessian_block` (dense or CSR)."""
        self.nhvp += 1
        if isinstance(S, np.ndarray):
            n = self.n
            out[:n] = r * x[:n] + S @ x[n:]
            out[n:] = S.T @ x[:n] + c * x[n:]
        elif self.serial:
            K.csr_block_matvec_serial(*S, r, c, x, out)
        else:
            K.csr_block_matvec(*S, r, c, x, out, self.nc)
        return out

    # -- objective values from marginals -----------------------------------------
    def values(self, f, g, rowsum, colsum):
        """``(primal, dual, marginal error)`` of the plan of (f, g) from its
        marginals: primal = <f,P1> + <g,P^T1> - reg sum P (the regularized
        objective of that plan), dual = <a,f> + <b,g> - reg sum P."""
        with np.errstate(all="ignore"):      # an overflowing trial gives inf/nan values
            mass = float(colsum.sum())
            primal = float(f @ rowsum + g @ colsum) - self.reg * mass
            dual = float(self.a @ f + self.b @ g) - self.reg * mass
            err = float(np.abs(rowsum - self.a).sum() + np.abs(colsum - self.b).sum())
        return primal, dual, err


@dataclasses.dataclass(kw_only=True)
class OTState(State):
    """State of the OT methods: ``x = Potentials(f, g)``."""

    marginal_err: float
    dual_obj: float
    transport_cost: float


@dataclasses.dataclass(frozen=True)
class OTOptions(Options):
    """Options every OT method accepts."""

    check_every: int = option(
        10, "Iterations between marginal-error checks; one step of the driver runs this "
        "many iterations (a compiled block), so the trace has one row per check.",
        kind=int, low=1)
    device: str = option("cpu", "Where the n x m sweeps run: 'cpu' (Numba) or 'cuda' "
                         "(numba.cuda; needs a GPU or NUMBA_ENABLE_CUDASIM=1).",
                         kind=str, choices=("cpu", "cuda"))
    parallel: bool = option(
        None, "CPU kernels: True runs the multithreaded (prange) sweeps, False the "
        "single-threaded ones; None chooses by size (parallel from 2**17 entries of M). "
        "On an oversubscribed machine the serial kernels can be much faster.",
        kind=bool, allow_none=True)


class OTSolver(Solver):
    """Base of the OT methods: family, oracle, certificate, result fields."""

    family = "ot"
    requires = ()
    Options = OTOptions
    trace_fields = ("marginal_err", "dual_obj", "transport_cost")
    default_tol = 1e-9
    default_maxiter = 100_000
    certificate_name = "marginal_err"

    def make_oracle(self, problem, dim):
        # dim = n + m: OTProblem.as_start has checked the potentials' lengths
        return OTOracle(problem, self.options.device, self.options.parallel)

    def block_size(self, state) -> int:
        return self.options.check_every

    def _checked_state(self, f, g, colsum, cost, advanced=1, cls=OTState, **extra):
        """State after a row update (its row sums are a), from the fused check."""
        o = self.oracle
        primal, dual, err = o.values(f, g, o.a, colsum)
        return cls(x=Potentials(f, g), fun=primal, marginal_err=err, dual_obj=dual,
                   transport_cost=float(cost), advanced=advanced, **extra)

    def _state_from_sums(self, f, g, rowsum, colsum, cost, advanced=1, cls=OTState, **extra):
        o = self.oracle
        primal, dual, err = o.values(f, g, rowsum, colsum)
        return cls(x=Potentials(f, g), fun=primal, marginal_err=err, dual_obj=dual,
                   transport_cost=float(cost), advanced=advanced, **extra)

    def certificate(self, state):
        return state.marginal_err

    def result_fields(self, state):
        P = self.oracle.plan(*state.x) if iterate.all_finite(state.x) else None
        problem = self.oracle.problem
        return {"plan": None if P is None else problem.full_plan(P),
                "marginal_err": state.marginal_err, "dual_obj": state.dual_obj,
                "transport_cost": state.transport_cost}
