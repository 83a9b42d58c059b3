r"""Sinkhorn-Newton-Sparse (SNS): Sinkhorn warm-up, then sparse Newton on the dual."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ._common import OTOptions, OTSolver, OTState, Potentials

__all__ = ["SinkhornNewtonSparse", "SNSOptions"]


@dataclasses.dataclass(frozen=True)
class SNSOptions(OTOptions):
    """Options of :class:`SinkhornNewtonSparse` (``method="sns"``)."""

    warmup_maxiter: int = option(
        1000, "Most Sinkhorn iterations of the warm-up phase (the paper's N_1).",
        kind=int, low=0)
    switch_tol: float = option(
        1e-3, "Leave the warm-up when the marginal error is <= this.",
        kind=float, low=0.0)
    stall_ratio: float = option(
        0.9, "Leave the warm-up when Sinkhorn stalls: the marginal error shrinks by less "
        "than this factor per iteration (measured at each check) while it is below "
        "`stall_tol`.", kind=float, low=0.0, high=1.0)
    stall_tol: float = option(
        0.1, "The stall test applies only below this marginal error.", kind=float, low=0.0)
    min_step: float = option(
        0.25, "A Newton step accepted with a shorter line-search step sends the method "
        "back to Sinkhorn iterations until the marginal error has dropped tenfold.",
        kind=float, low=0.0, high=1.0)
    warmup_miniter: int = option(
        10, "Sinkhorn iterations before the stall test may end the warm-up.", kind=int, low=0)
    sparsify: str = option(
        "threshold", "How the Hessian's plan block is sparsified: 'topk' keeps the largest "
        "entries of each row, 'threshold' the entries >= threshold * max(P).",
        kind=str, choices=("topk", "threshold"))
    density: float = option(
        0.01, "'topk': fraction of each row kept (at least `min_per_row` entries).",
        kind=float, low=0.0, high=1.0, low_inclusive=False)
    min_per_row: int = option(5, "'topk': fewest entries kept per row.", kind=int, low=1)
    threshold: float = option(
        1e-6, "'threshold': keep the plan entries >= threshold * max(P) (and each row's "
        "largest).", kind=float, low=0.0)
    dense_above: float = option(
        0.25, "Use the dense plan in the Newton system (exact Hessian, BLAS mat-vecs, no "
        "extra memory) when the sparsified block would keep more than this fraction of "
        "the entries.", kind=float, low=0.0, high=1.0)
    cg_tol: float = option(
        1e-10, "Relative residual at which conjugate gradients stop.",
        kind=float, low=0.0, low_inclusive=False)
    cg_maxiter: int = option(200, "Most conjugate-gradient iterations per Newton step.",
                             kind=int, low=1)
    armijo: float = option(1e-4, "Sufficient-increase constant of the line search.",
                           kind=float, low=0.0, high=0.5, low_inclusive=False)
    max_halvings: int = option(30, "Most step halvings of the line search.", kind=int, low=0)


class PlanBuffer:
    """The one ``n x m`` buffer that holds a dense plan during the Newton phase.

    States share it by reference (no copy per step); ``holds`` is the iterate
    (the ``Potentials`` object itself) whose plan the buffer holds now, or
    None. A line-search trial overwrites the buffer and resets ``holds``, so
    a state whose plan was overwritten (e.g. the one the driver returns after
    a rollback) sees that and has its plan recomputed.
    """

    __slots__ = ("array", "holds")

    def __init__(self, shape):
        self.array = np.empty(shape)
        self.holds = None

    def plan_of(self, x):
        """The plan of ``x`` if the buffer holds it, else None."""
        return self.array if self.holds is x else None


@dataclasses.dataclass(kw_only=True)
class SNSState(OTState):
    phase: int = 0            # 0 Sinkhorn warm-up, 1 Newton
    step_size: float = 0.0    # accepted line-search step (Newton phase)
    cg_iters: int = 0
    nnz: int = 0              # entries of the sparsified plan block
    row_marg: np.ndarray | None = None
    col_marg: np.ndarray | None = None
    warm: int = 0             # Sinkhorn iterations of the warm-up phase so far
    switch_at: float = 0.0    # marginal error that ends the warm-up (lowered on poor steps)
    plan_buffer: PlanBuffer | None = None   # allocated by the first Newton step


@register
class SinkhornNewtonSparse(OTSolver):
    r"""Sinkhorn-Newton-Sparse (SNS): sparse-Hessian Newton on the entropic OT dual.

    Newton's method with a sparsified Hessian, after a Sinkhorn warm start.

    The dual :math:`D(f,g) = \langle a,f\rangle + \langle b,g\rangle -
    \varepsilon\sum_{ij}P_{ij}`, :math:`P_{ij} = e^{(f_i+g_j-M_{ij})/\varepsilon}`,
    is concave with

    .. math::

        \nabla D = \begin{pmatrix} a - P\mathbf 1 \\ b - P^T\mathbf 1\end{pmatrix},
        \qquad
        -\nabla^2 D = \frac1\varepsilon \begin{pmatrix}\mathrm{diag}(P\mathbf 1) & P
        \\ P^T & \mathrm{diag}(P^T\mathbf 1)\end{pmatrix}.

    Phase I runs log-domain Sinkhorn iterations. Phase II takes Newton steps

    .. math::

        z_{k+1} = z_k + \alpha_k \Delta_k, \qquad
        \frac1\varepsilon \begin{pmatrix}\mathrm{diag}(P\mathbf 1) & \tilde P
        \\ \tilde P^T & \mathrm{diag}(P^T\mathbf 1)\end{pmatrix} \Delta_k = \nabla D(z_k),

    where :math:`\tilde P` keeps the entries of P above ``threshold *
    max(P)`` (default; or the largest entries of each row, ``sparsify="topk"``) and the diagonal stays exact (so the matrix stays
    diagonally dominant, positive semidefinite); the system is solved by
    Jacobi-preconditioned conjugate gradients with sparse mat-vecs, and
    :math:`\alpha_k` by Armijo backtracking on D. Certificate: the marginal
    violation :math:`\|P\mathbf 1 - a\|_1 + \|P^T\mathbf 1 - b\|_1`.

    Switching rule (Phase I to II): the marginal error is below
    ``switch_tol``, or Sinkhorn stalls (the error shrinks by less than
    ``stall_ratio`` per iteration, after ``warmup_miniter`` iterations), or
    ``warmup_maxiter`` iterations are done (the paper's fixed :math:`N_1`).
    A Newton step whose line search fails falls back to one Sinkhorn iteration.

    Notes
    -----
    When the sparsified block would keep more than ``dense_above`` of the
    entries (large ``reg``: the plan is not sparse), the dense P itself is
    used (exact Newton, BLAS mat-vecs): CSR would take more memory than P.
    Per Newton step: one sweep forming P (written into one ``n x m``
    buffer, the plan), the sparsification (a selection per row), CG
    iterations of cost O(nnz + n + m), and one sweep per line-search trial
    (the accepted trial's sweep gives the next P and marginals). Near the
    solution D changes below its rounding error; there a step is accepted
    when it decreases the marginal error, so machine-precision marginals are
    reachable. Iterations count Sinkhorn iterations and Newton steps alike.

    References
    ----------
    X. Tang, M. Shavlovsky, H. Rahmanian, E. Tardini, K. K. Thekumparampil,
    T. Xiao, L. Ying, "Accelerating Sinkhorn algorithm with sparse Newton
    iterations", ICLR 2024, arXiv:2401.12253.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.ot import OTProblem
    >>> from optkit.problems.synthetic import ot_point_clouds
    >>> a, b, M = ot_point_clouds(60, 50, seed=0)
    >>> res = optkit.minimize(OTProblem(a, b, M, reg=1e-2), method="sns", tol=1e-12)
    >>> res.success, res.marginal_err <= 1e-12
    (True, True)
    """

    name = "sns"
    aliases = ("sinkhorn-newton-sparse",)
    Options = SNSOptions
    trace_fields = ("marginal_err", "dual_obj", "transport_cost", "phase", "step_size",
                    "cg_iters", "nnz")
    summary = "Sinkhorn-Newton-Sparse: Sinkhorn warm-up, sparse-Hessian Newton + CG on the dual"
    reference = "Tang et al., ICLR 2024 (arXiv:2401.12253)"

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        f, g = x0                  # the driver's own arrays, never mutated
        rowsum, colsum, cost = oracle.plan_sums(f, g)
        phase = 1 if self.options.warmup_maxiter == 0 else 0
        return self._state_from_sums(f, g, rowsum, colsum, cost, advanced=0, cls=SNSState,
                                     phase=phase, row_marg=rowsum, col_marg=colsum, warm=0,
                                     switch_at=self.options.switch_tol)

    # -- phase I ------------------------------------------------------------------
    def _sinkhorn_block(self, state, block, **extra):
        o = self.oracle
        f, g = state.x
        for it in range(block):
            g = o.col_update(f, g)
            f, colsum, cost = o.row_update(f, g, check=it == block - 1)
        fields = dict(phase=0, warm=state.warm, switch_at=state.switch_at,
                      plan_buffer=state.plan_buffer)
        fields.update(extra)
        return self._checked_state(f, g, colsum, cost, advanced=block, cls=SNSState,
                                   row_marg=o.a, col_marg=colsum, **fields)

    def block_size(self, state) -> int:
        # warm-up: a compiled block, at most up to warmup_maxiter; Newton: one step
        if state.phase == 0:
            return max(1, min(self.options.check_every,
                              self.options.warmup_maxiter - state.warm))
        return 1

    def step(self, state, budget):
        opts = self.options
        if state.phase == 0:
            block = budget
            warm = state.warm + block
            new = self._sinkhorn_block(state, block, warm=warm)
            ratio = (new.marginal_err / state.marginal_err) ** (1.0 / block) \
                if state.marginal_err > 0 else 0.0
            err = new.marginal_err
            if (err <= state.switch_at or warm >= opts.warmup_maxiter
                    or (warm >= opts.warmup_miniter and ratio > opts.stall_ratio
                        and err <= opts.stall_tol)):
                new.phase = 1
            return new
        new = self._newton(state)
        if new.phase == 1 and new.step_size < opts.min_step and new.warm < opts.warmup_maxiter:
            # the Newton model is poor here: more Sinkhorn first
            new.phase = 0
            new.switch_at = min(state.switch_at, new.marginal_err / 10.0)
        return new

    def result_fields(self, state):
        P = None if state.plan_buffer is None else state.plan_buffer.plan_of(state.x)
        if P is not None:
            # the buffer holds this plan: hand it over instead of a second n x m array
            o = self.oracle
            return {"plan": o.problem.full_plan(P), "marginal_err": state.marginal_err,
                    "dual_obj": state.dual_obj, "transport_cost": state.transport_cost}
        return super().result_fields(state)

    # -- phase II -----------------------------------------------------------------
    def _plan(self, state):
        """``(buffer, P)``: the dense plan of ``state`` in the plan buffer
        (computed into it, one sweep, unless it holds it already)."""
        o = self.oracle
        buf = state.plan_buffer
        if buf is None:
            buf = PlanBuffer((o.n, o.m))
        P = buf.plan_of(state.x)
        if P is None:
            P = buf.array
            o.plan_sums(*state.x, out=P)
            buf.holds = state.x
        return buf, P

    def _sparse(self, P):
        """The plan block of the Newton matrix (see ``OTOracle.hessian_block``)."""
        opts = self.options
        if opts.sparsify == "topk":
            k = max(opts.min_per_row, math.ceil(opts.density * self.oracle.m))
            return self.oracle.hessian_block(P, opts.dense_above, topk=k)
        return self.oracle.hessian_block(P, opts.dense_above, threshold=opts.threshold)

    def _cg(self, S, r, c, rhs):
        """Jacobi-preconditioned CG on [[diag r, S], [S^T, diag c]] d = rhs."""
        opts, o = self.options, self.oracle
        diag = np.concatenate([r, c])
        dinv = 1.0 / np.maximum(diag, 1e-300)
        d = np.zeros_like(rhs)
        res = rhs.copy()
        z = dinv * res
        p = z.copy()
        rz = res @ z
        stop = opts.cg_tol * math.sqrt(rhs @ rhs)
        Ap = np.empty_like(rhs)
        it = 0
        while it < opts.cg_maxiter and math.sqrt(res @ res) > stop:
            o.hessp(S, r, c, p, Ap)
            it += 1
            pAp = p @ Ap
            if not pAp > 0:
                break
            alpha = rz / pAp
            d += alpha * p
            res -= alpha * Ap
            z = dinv * res
            rz_new = res @ z
            p = z + (rz_new / rz) * p
            rz = rz_new
        return d, it

    def _newton(self, state):
        o, opts = self.oracle, self.options
        reg = o.reg
        f, g = state.x
        buf, P = self._plan(state)
        r, c = state.row_marg, state.col_marg
        G = np.concatenate([o.a - r, o.b - c])
        S = self._sparse(P)
        nnz = S.size if isinstance(S, np.ndarray) else int(S[0][-1])
        d, cg_iters = self._cg(S, r, c, G)
        # remove the component along the null direction (1, -1) of the exact Hessian
        v = np.concatenate([np.ones(o.n), -np.ones(o.m)])
        d -= (d @ v) / (o.n + o.m) * v
        delta = reg * d
        slope = float(G @ delta)
        D0, err0 = state.dual_obj, state.marginal_err
        if slope > 0 and np.all(np.isfinite(delta)):
            alpha = 1.0
            for _ in range(opts.max_halvings + 1):
                fn, gn = f + alpha * delta[:o.n], g + alpha * delta[o.n:]
                buf.holds = None              # the trial overwrites the plan of state.x
                rowsum, colsum, cost = o.line_trial(fn, gn, out=buf.array)
                primal, dual, err = o.values(fn, gn, rowsum, colsum)
                gain = opts.armijo * alpha * slope
                if math.isfinite(dual) and (
                        dual >= D0 + gain
                        or (gain <= 1e-13 * (1.0 + abs(D0)) and err < err0)):
                    x = Potentials(fn, gn)
                    buf.holds = x
                    return SNSState(x=x, fun=primal, marginal_err=err, dual_obj=dual,
                                    transport_cost=float(cost), phase=1, step_size=alpha,
                                    cg_iters=cg_iters, nnz=nnz, row_marg=rowsum,
                                    col_marg=colsum, warm=state.warm,
                                    switch_at=state.switch_at, plan_buffer=buf)
                alpha *= 0.5
        # no ascent step found: one Sinkhorn iteration instead
        return self._sinkhorn_block(state, 1, phase=1, cg_iters=cg_iters, nnz=nnz,
                                    plan_buffer=buf)
