r"""Sinkhorn-Newton-Sparse (SNS): Sinkhorn warm-up, then sparse Newton on the dual."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ...kernels import sinkhorn as K
from ._common import OTOptions, OTSolver, OTState

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


@dataclasses.dataclass(kw_only=True)
class SNSState(OTState):
    phase: int = 0            # 0 Sinkhorn warm-up, 1 Newton
    step_size: float = 0.0    # accepted line-search step (Newton phase)
    cg_iters: int = 0
    nnz: int = 0              # entries of the sparsified plan block
    row_marg: np.ndarray | None = None
    col_marg: np.ndarray | None = None


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
        self._P = None               # the n x m buffer holding the plan of _P_of
        self._P_of = None
        self._warm = 0
        self._switch_at = self.options.switch_tol
        f, g = self._split(x0)
        f, g = f.copy(), g.copy()
        rowsum, colsum, cost = oracle.plan_sums(f, g)
        phase = 1 if self.options.warmup_maxiter == 0 else 0
        return self._state_from_sums(f, g, rowsum, colsum, cost, advanced=0, cls=SNSState,
                                     phase=phase, row_marg=rowsum, col_marg=colsum)

    # -- phase I ------------------------------------------------------------------
    def _sinkhorn_block(self, state, block):
        o = self.oracle
        f, g = self._split(state.x)
        for it in range(block):
            g = o.col_update(f, g)
            f, colsum, cost = o.row_update(f, g, check=it == block - 1)
        return self._checked_state(f, g, colsum, cost, advanced=block, cls=SNSState,
                                   phase=0, row_marg=o.a, col_marg=colsum)

    def step(self, state, budget):
        opts = self.options
        if state.phase == 0:
            block = budget
            block = max(1, min(block, opts.warmup_maxiter - self._warm))
            new = self._sinkhorn_block(state, block)
            self._warm += block
            ratio = (new.marginal_err / state.marginal_err) ** (1.0 / block) \
                if state.marginal_err > 0 else 0.0
            err = new.marginal_err
            if (err <= self._switch_at or self._warm >= opts.warmup_maxiter
                    or (self._warm >= opts.warmup_miniter and ratio > opts.stall_ratio
                        and err <= opts.stall_tol)):
                new.phase = 1
            return new
        new = self._newton(state)
        if new.phase == 1 and new.step_size < opts.min_step and self._warm < opts.warmup_maxiter:
            # the Newton model is poor here: more Sinkhorn first
            new.phase = 0
            self._switch_at = min(self._switch_at, new.marginal_err / 10.0)
        return new

    def result_fields(self, state):
        if self._P is not None and self._P_of is state.x:
            # the buffer holds this plan: hand it over instead of a second n x m array
            P, self._P, self._P_of = self._P, None, None
            o = self.oracle
            return {"plan": o.problem.full_plan(P), "marginal_err": state.marginal_err,
                    "dual_obj": state.dual_obj, "transport_cost": state.transport_cost}
        return super().result_fields(state)

    # -- phase II -----------------------------------------------------------------
    def _plan(self, state):
        """The dense plan of ``state`` (from the buffer when it holds it)."""
        o = self.oracle
        if self._P is None:
            self._P = np.empty((o.n, o.m))
        if self._P_of is not state.x:
            f, g = self._split(state.x)
            o.plan_sums(f, g, out=self._P)
            self._P_of = state.x
        return self._P

    def _sparse(self, P):
        """The plan block of the Newton matrix: CSR arrays, or ``P`` itself when
        the kept fraction would exceed ``dense_above`` (CSR would then cost more
        memory than the dense plan)."""
        opts = self.options
        o = self.oracle
        o.nhev += 1
        size = o.n * o.m
        if opts.sparsify == "topk":
            k = max(opts.min_per_row, math.ceil(opts.density * o.m))
            if k * o.n > opts.dense_above * size:
                return P
            return K.sparsify_topk(P, k)
        threshold = opts.threshold * float(P.max())
        if np.count_nonzero(P >= threshold) > opts.dense_above * size:
            return P
        return K.sparsify_threshold(P, threshold)

    def _cg(self, S, r, c, rhs):
        """Jacobi-preconditioned CG on [[diag r, S], [S^T, diag c]] d = rhs."""
        opts, o = self.options, self.oracle
        dense = isinstance(S, np.ndarray)
        if not dense:
            indptr, indices, data = S
        n = o.n
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
            if dense:
                Ap[:n] = r * p[:n] + S @ p[n:]
                Ap[n:] = S.T @ p[:n] + c * p[n:]
            elif o.serial:
                K.csr_block_matvec_serial(indptr, indices, data, r, c, p, Ap)
            else:
                K.csr_block_matvec(indptr, indices, data, r, c, p, Ap, o.nc)
            o.nhvp += 1
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
        f, g = self._split(state.x)
        P = self._plan(state)
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
                o.nfev += 1
                rowsum, colsum, cost = o.plan_sums(fn, gn, out=self._P)
                self._P_of = None
                primal, dual, err = o.values(fn, gn, rowsum, colsum)
                gain = opts.armijo * alpha * slope
                if math.isfinite(dual) and (
                        dual >= D0 + gain
                        or (gain <= 1e-13 * (1.0 + abs(D0)) and err < err0)):
                    x = np.concatenate([fn, gn])
                    self._P_of = x
                    return SNSState(x=x, fun=primal, marginal_err=err, dual_obj=dual,
                                    transport_cost=float(cost), phase=1, step_size=alpha,
                                    cg_iters=cg_iters, nnz=nnz, row_marg=rowsum,
                                    col_marg=colsum)
                alpha *= 0.5
        # no ascent step found: one Sinkhorn iteration instead
        new = self._sinkhorn_block(state, 1)
        new.phase, new.cg_iters, new.nnz = 1, cg_iters, nnz
        return new
