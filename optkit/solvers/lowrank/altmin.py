r"""Robust alternating minimization for matrix completion (Gu-Song-Yin-Zhang)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ...problems.lowrank import Factors, LowRankProblem
from ._common import LowRankOptions, LowRankSolver, LowRankState, relative_change

__all__ = ["AltMin", "AltMinOptions", "spectral_start"]


def spectral_start(oracle, k, *, data=None, power=4, oversample=5, clip_mu=None, seed=0):
    r"""Spectral initialization of matrix completion with row clipping.

    The top-``k`` left singular vectors :math:`U_0` of :math:`\frac1p
    P_\Omega(M)` by a randomized subspace iteration (``power`` passes, ``k +
    oversample`` columns, sparse products only), then every row with
    :math:`\|U_{0,i}\| > 2\mu\sqrt{k/m}` (:math:`\mu` = ``clip_mu``) scaled
    down to that norm and :math:`U_0` re-orthonormalized (QR), which keeps it
    incoherent. Returns ``(U0, V0)`` with :math:`V_0 = \frac1p P_\Omega(M)^T
    U_0`, so that :math:`U_0V_0^T` is the projected spectral estimate.
    """
    p = oracle.problem if data is None else data
    m, n = p.shape
    w = p.vals / p.p
    rng = np.random.default_rng(seed)
    width = min(k + oversample, min(m, n))
    Y = oracle.sparse_times(w, rng.standard_normal((n, width)), data=p)
    Q = np.linalg.qr(Y)[0]
    for _ in range(power):
        Z = np.linalg.qr(oracle.sparse_times(w, Q, transpose=True, data=p))[0]
        Q = np.linalg.qr(oracle.sparse_times(w, Z, data=p))[0]
    B = oracle.sparse_times(w, Q, transpose=True, data=p)        # n x width: (Q^T W)^T
    Ub, _, _ = np.linalg.svd(B.T, full_matrices=False)
    U0 = Q @ Ub[:, :k]
    if clip_mu is not None:
        bound = 2.0 * clip_mu * math.sqrt(k / m)
        norms = np.linalg.norm(U0, axis=1)
        big = norms > bound
        if big.any():
            U0[big] *= (bound / norms[big])[:, None]
            U0 = np.linalg.qr(U0)[0]
    V0 = oracle.sparse_times(w, U0, transpose=True, data=p)
    return U0, V0


@dataclasses.dataclass(frozen=True)
class AltMinOptions(LowRankOptions):
    """Options of :class:`AltMin` (``method="altmin"``)."""

    solver: str = option(
        "sketched", "Per-row least squares: 'sketched' (sketch-preconditioned conjugate "
        "gradients, O(|Omega_j| k + k^3) a row) or 'exact' (normal equations, "
        "O(|Omega_j| k^2 + k^3)).", kind=str, choices=("sketched", "exact"))
    sketch_factor: float = option(
        2.0, "Sketch size s = ceil(sketch_factor * k) rows; rows with at most s entries "
        "are solved exactly.", low=1.0)
    sketch_nnz: int = option(2, "Nonzeros per entry of the sparse sign embedding.",
                             kind=int, low=1)
    inner_rtol: float = option(
        0.05, "CG stops when the preconditioned residual has shrunk by this factor "
        "from its warm start (a moderate per-step regression error, as the analysis "
        "allows).", low=0.0, high=1.0, low_inclusive=False)
    inner_maxiter: int = option(10, "Most CG iterations a row per half-step.", kind=int,
                                low=1)
    clip_mu: float = option(
        None, "Incoherence bound mu of the clipping: rows of the spectral start with "
        "norm above 2 mu sqrt(k/m) are scaled down to it before the QR; None: no "
        "clipping.", low=0.0, low_inclusive=False, allow_none=True)
    init_power: int = option(4, "Subspace-iteration passes of the spectral start.",
                             kind=int, low=0)
    splits: int = option(
        0, "Sample splitting: 0 reuses all of Omega at every half-step (practical); S >= "
        "3 partitions Omega at random into S parts, the start uses part 0 and half-step "
        "t part 1 + (t mod (S-1)) (the theory's independent samples, cycled).", kind=int,
        low=0)


@dataclasses.dataclass(kw_only=True)
class AltMinState(LowRankState):
    """AltMin state: ``x = (U, V)`` after a U-update (``V`` orthonormal)."""

    half_steps: int = 0
    cg_iterations: int = 0


@register
class AltMin(LowRankSolver):
    r"""Robust alternating minimization (AltMin) for matrix completion, nearly linear time.

    From a clipped spectral start :math:`U_0` (:func:`spectral_start`), each
    iteration solves the two least-squares half-steps

    .. math::

        V_{t+1} &\approx \arg\min_V \|P_\Omega(\hat U_t V^T - M)\|_F^2,
        \quad \hat U_t = \operatorname{orth}(U_t), \\
        U_{t+1} &\approx \arg\min_U \|P_\Omega(U \hat V_{t+1}^T - M)\|_F^2,
        \quad \hat V_{t+1} = \operatorname{orth}(V_{t+1}),

    which decouple into one :math:`|\Omega_j| \times k` regression per column
    (row). With ``solver="sketched"`` each regression is solved approximately
    by conjugate gradients on the normal equations, preconditioned by
    :math:`R^TR = (SA_j)^T(SA_j)` for a sparse sign sketch :math:`S` with
    :math:`s = \lceil \text{sketch\_factor}\cdot k\rceil` rows, warm-started at
    the previous solution expressed in the new basis (:math:`V_t R_U^T` where
    :math:`U_t = \hat U_t R_U`): :math:`O(|\Omega_j| k)` a CG iteration and
    :math:`O(sk^2 + k^3)` for the preconditioner, instead of the
    :math:`O(|\Omega_j| k^2)` of the normal equations (``solver="exact"``). The
    iterate is :math:`(U_{t+1}, \hat V_{t+1})`, so :math:`UV^T` is the current
    estimate (the last factor un-normalized, as the paper outputs it).

    The certificate is the relative change of :math:`UV^T`; the value is
    :math:`\frac1{2p}\|P_\Omega(UV^T - M)\|_F^2`. Result fields:
    ``cg_iterations`` (total CG iterations), ``half_steps``,
    ``sample_splitting`` (the number of parts, 0 = Omega reused).

    Notes
    -----
    The paper's guarantee assumes sample splitting (independent
    :math:`\Omega_t`); practical runs reuse :math:`\Omega` (``splits=0``, the
    default), which needs fewer samples. The sketch is hashed from the seed,
    the row and the entry, so a run is deterministic and keeps no generator
    state. Rows (columns) without entries get zero factor rows.

    References
    ----------
    Y. Gu, Z. Song, J. Yin, L. Zhang, "Low Rank Matrix Completion via Robust
    Alternating Minimization in Nearly Linear Time", ICLR 2024,
    arXiv:2302.11068.
    P. Jain, P. Netrapalli, S. Sanghavi, "Low-rank matrix completion using
    alternating minimization", STOC 2013.

    Examples
    --------
    >>> import optkit
    >>> from optkit.problems.lowrank import LowRankProblem
    >>> from optkit.problems.synthetic import matrix_completion
    >>> rows, cols, vals, M = matrix_completion(80, 60, 3, p=0.4, seed=1)
    >>> prob = LowRankProblem.completion(rows, cols, vals, (80, 60), 3, truth=M)
    >>> res = optkit.minimize(prob, method="altmin", tol=1e-12)
    >>> bool(res.rel_error < 1e-9), res.U.shape, res.V.shape
    (True, (80, 3), (60, 3))
    """

    name = "altmin"
    aliases = ("robust-altmin",)
    Options = AltMinOptions
    summary = "Robust alternating minimization with sketch-preconditioned row solves"
    reference = "Gu, Song, Yin, Zhang, ICLR 2024"
    completion_only = True

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        o = self.options
        prob = oracle.problem
        k = oracle.k
        self._parts = None
        if o.splits:
            if o.splits < 3:
                raise ValueError(f"`splits` must be 0 or >= 3, got {o.splits}.")
            self._parts = self._split(prob, o.splits, o.seed)
        if x0[0].shape[0] == 0:
            data0 = None if self._parts is None else self._parts[0]
            U, V = spectral_start(oracle, k, data=data0, power=o.init_power,
                                  clip_mu=o.clip_mu, seed=o.seed)
        else:
            U, V = x0
        x = Factors(U, V)
        return AltMinState(x=x, fun=self._value(U, V), rel_change=1.0,
                           rel_error=self._error(x), advanced=0)

    @staticmethod
    def _split(prob, parts, seed):
        rows, cols, vals = prob.entries()
        label = np.random.default_rng(seed + 7919).integers(0, parts, rows.size)
        out = []
        for s in range(parts):
            sel = label == s
            if not sel.any():
                raise ValueError(f"`splits={parts}` leaves part {s} without entries; use "
                                 "fewer parts.")
            out.append(LowRankProblem.completion(rows[sel], cols[sel], vals[sel], prob.shape,
                                                 prob.rank))
        return out

    def _value(self, U, V):
        r = self.oracle.residual(U, V)
        return 0.5 * float(r @ r)

    def _half_step(self, F, X0, side, half, k):
        o = self.options
        data = None
        if self._parts is not None:
            data = self._parts[1 + half % (len(self._parts) - 1)]
        s = int(math.ceil(o.sketch_factor * k))
        return self.oracle.least_squares(
            F, side, solver=o.solver, X0=X0, sketch_rows=s, sketch_nnz=o.sketch_nnz,
            seed=o.seed * 1_000_003 + half, rtol=o.inner_rtol, maxit=o.inner_maxiter,
            data=data)

    def step(self, state, budget):
        U, V = state.x
        k = U.shape[1]
        Qu, Ru = np.linalg.qr(U)
        V_new, it1 = self._half_step(Qu, V @ Ru.T, "cols", state.half_steps, k)
        Qv, Rv = np.linalg.qr(V_new)
        U_new, it2 = self._half_step(Qv, Qu @ Rv.T, "rows", state.half_steps + 1, k)
        x = Factors(U_new, Qv)
        return AltMinState(x=x, fun=self._value(U_new, Qv),
                           rel_change=relative_change(U_new, Qv, U, V),
                           rel_error=self._error(x), half_steps=state.half_steps + 2,
                           cg_iterations=state.cg_iterations + it1 + it2)

    def result_fields(self, state):
        out = super().result_fields(state)
        out.update(cg_iterations=state.cg_iterations, half_steps=state.half_steps,
                   sample_splitting=self.options.splits)
        return out
