r"""Soft-Impute (Mazumder-Hastie-Tibshirani) with a matrix-free randomized SVD."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ...problems.lowrank import Factors
from ._common import LowRankOptions, LowRankSolver, LowRankState, relative_change

__all__ = ["SoftImpute", "SoftImputeOptions"]


@dataclasses.dataclass(frozen=True)
class SoftImputeOptions(LowRankOptions):
    """Options of :class:`SoftImpute` (``method="soft-impute"``)."""

    lam: float = option(
        None, "Nuclear-norm weight lambda (absolute); None: lam_rel times the estimate of "
        "||P_Omega(M)/p||_2.", low=0.0, allow_none=True)
    lam_rel: float = option(1e-4, "lambda relative to ||P_Omega(M)/p||_2 when lam is None.",
                            low=0.0)
    oversample: int = option(
        0, "Extra columns of the randomized SVD beyond the rank (0: the iterate keeps "
        "the rank; more columns let tiny-lambda runs overfit the samples).",
                             kind=int, low=0)
    power_iter: int = option(
        1, "Subspace-iteration passes per iteration (warm-started from the previous "
        "right singular vectors).", kind=int, low=0)


@dataclasses.dataclass(kw_only=True)
class SoftImputeState(LowRankState):
    """Soft-Impute state: ``x = (U diag(d), V)`` with ``V`` orthonormal."""

    singular_values: np.ndarray
    lam: float


@register
class SoftImpute(LowRankSolver):
    r"""Soft-Impute: proximal gradient on nuclear-norm penalized matrix completion.

    It solves :math:`\min_Z \tfrac12\|P_\Omega(Z - M)\|_F^2 + \lambda\|Z\|_*` by

    .. math::

        Z_{t+1} = \mathcal S_\lambda\big(P_\Omega(M) + P_\Omega^\perp(Z_t)\big)
                = \mathcal S_\lambda\big(\underbrace{P_\Omega(M - Z_t)}_{\text{sparse}}
                  + \underbrace{Z_t}_{\text{low rank}}\big),

    :math:`\mathcal S_\lambda` the soft-thresholding of the singular values.
    The SVD is a randomized truncated one (rank ``rank + oversample``) of the
    sparse-plus-low-rank matrix, matrix-free: with :math:`Z_t = AB^T`
    (:math:`B` orthonormal), :math:`(S + AB^T)F = SF + A(B^TF)` and likewise
    for the transpose, warm-started at :math:`B` (subspace iteration, as the
    authors' "warm starts"): :math:`O(|\Omega| k + (m+n)k^2)` an iteration and
    no ``m x n`` array. Iterate :math:`(U\operatorname{diag}(d), V)`;
    certificate: relative change of :math:`Z`; value: the penalized objective
    (unnormalized). Result fields: ``singular_values``, ``lam``.

    References
    ----------
    R. Mazumder, T. Hastie, R. Tibshirani, "Spectral regularization algorithms
    for learning large incomplete matrices", JMLR 11, 2010.
    N. Halko, P.-G. Martinsson, J. A. Tropp, "Finding structure with
    randomness", SIAM Review 53(2), 2011.

    Examples
    --------
    >>> import optkit
    >>> from optkit.problems.lowrank import LowRankProblem
    >>> from optkit.problems.synthetic import matrix_completion
    >>> rows, cols, vals, M = matrix_completion(60, 50, 2, p=0.6, seed=0)
    >>> prob = LowRankProblem.completion(rows, cols, vals, (60, 50), 2, truth=M)
    >>> res = optkit.minimize(prob, method="soft-impute", tol=1e-12,
    ...                       options={"lam_rel": 1e-10})
    >>> bool(res.rel_error < 1e-8)
    True
    """

    name = "soft-impute"
    aliases = ("softimpute",)
    Options = SoftImputeOptions
    summary = "Soft-Impute with a matrix-free randomized SVD of sparse + low rank"
    reference = "Mazumder, Hastie, Tibshirani, JMLR 2010"
    completion_only = True

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        o = self.options
        m, n = oracle.shape
        width = min(oracle.k + o.oversample, min(m, n))
        if o.lam is None:
            lam = o.lam_rel * oracle.spectral_norm(iters=10, seed=o.seed)
        else:
            lam = o.lam
        if x0[0].shape[0] == 0:
            rng = np.random.default_rng(o.seed)
            B = np.linalg.qr(rng.standard_normal((n, width)))[0]
            A = np.zeros((m, width))
        else:
            U0, V0 = x0
            # the start's SVD, padded to the working width
            Qu, Ru = np.linalg.qr(U0)
            Qv, Rv = np.linalg.qr(V0)
            W, d, Xt = np.linalg.svd(Ru @ Rv.T)
            A = np.zeros((m, width))
            B = np.linalg.qr(np.random.default_rng(o.seed).standard_normal((n, width)))[0]
            c = min(width, d.size)
            A[:, :c] = (Qu @ W[:, :c]) * d[:c]
            B[:, :c] = Qv @ Xt.T[:, :c]
            B = np.linalg.qr(B)[0] if c < width else B
        d = np.linalg.norm(A, axis=0)
        x = Factors(A, B)
        return SoftImputeState(x=x, fun=self._value(A, B, d, lam), rel_change=1.0,
                               rel_error=self._error(x), singular_values=d, lam=lam,
                               advanced=0)

    def _value(self, A, B, d, lam):
        r = self.oracle.residual(A, B) / self.oracle.scale
        return 0.5 * float(r @ r) + lam * float(np.sum(d))

    def step(self, state, budget):
        o = self.oracle
        A, B = state.x
        vals = o.problem.vals
        w = vals - o.sampled(A, B)              # S = P_Omega(M - Z), row order
        Y = o.sparse_times(w, B) + A            # (S + A B^T) B, B orthonormal
        for _ in range(self.options.power_iter):
            Q = np.linalg.qr(Y)[0]
            Z = np.linalg.qr(o.sparse_times(w, Q, transpose=True) + B @ (A.T @ Q))[0]
            Y = o.sparse_times(w, Z) + A @ (B.T @ Z)
        Q = np.linalg.qr(Y)[0]
        Bt = o.sparse_times(w, Q, transpose=True) + B @ (A.T @ Q)   # (S + AB^T)^T Q
        W, d, Xt = np.linalg.svd(Bt, full_matrices=False)           # Bt = W diag(d) Xt
        d = np.maximum(d - state.lam, 0.0)
        A_new = (Q @ Xt.T) * d
        B_new = W
        x = Factors(A_new, B_new)
        return SoftImputeState(x=x, fun=self._value(A_new, B_new, d, state.lam),
                               rel_change=relative_change(A_new, B_new, A, B),
                               rel_error=self._error(x), singular_values=d, lam=state.lam)

    def result_fields(self, state):
        out = super().result_fields(state)
        out.update(singular_values=state.singular_values, lam=state.lam)
        return out
