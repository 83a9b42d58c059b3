"""What the low-rank methods share: the counted oracle (the only caller of the
compiled kernels and the only writer of the counts), the state, the options
and the base solver.

Every loss is written in *normalized measurements*: completion residuals are
divided by :math:`\\sqrt p` (:math:`p = |\\Omega|/(mn)`), so that the
measurement map :math:`P_\\Omega/\\sqrt p` is close to an isometry like a
Gaussian sensing operator, and one step-size convention serves both.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import scipy.linalg

from ..._core.options import Options, option
from ..._core.oracle import Oracle
from ..._core.solver import Solver, State
from ...kernels import lowrank as K
from ...problems.lowrank import Factors, LowRankProblem, SymmetricFactor, _factor_frobenius

__all__ = ["LowRankOracle", "LowRankState", "LowRankOptions", "LowRankSolver", "Factors",
           "SymmetricFactor", "relative_change", "FactoredGradientMixin", "GradState"]


class _Kernels:
    """The compiled kernels, parallel or their single-threaded twins."""

    def __init__(self, serial):
        self.serial = serial

    def __getattr__(self, name):
        return getattr(K, name + "_serial" if self.serial else name)


class LowRankOracle(Oracle):
    """Counted front of a :class:`~optkit.problems.lowrank.LowRankProblem`.

    Attributes
    ----------
    nfev : int
        Residual evaluations :math:`\\mathcal A(UV^T) - y` (for completion:
        the sampled entries of :math:`UV^T`, one pass over :math:`\\Omega`).
    njev : int
        Gradient products :math:`(\\mathcal A^*(r)V, \\mathcal A^*(r)^TU)`
        (both counted once; symmetric: :math:`\\mathcal A^*(r)U`).
    nhev, nhvp : int
        Always 0 (no second-order oracle in this family).
    nls : int
        Least-squares sweeps: every row of one factor solved once (AltMin, ALS).
    nmatvec : int
        Products of a sparse matrix on :math:`\\Omega` with a factor
        (:math:`SF` or :math:`S^TF`: spectral initialization, the randomized
        SVD of soft-impute, norm estimates).
    """

    count_names = ("nfev", "njev", "nhev", "nhvp", "nls", "nmatvec")

    def __init__(self, problem: LowRankProblem):
        super().__init__()
        self.problem = problem
        self.kind = problem.kind
        self.shape = problem.shape
        self.k = problem.rank
        self.symmetric = problem.symmetric
        if self.kind == "completion":
            self.scale = 1.0 / math.sqrt(problem.p)
            self.nmeas = problem.nobs
            self.y_norm = float(np.linalg.norm(problem.vals)) * self.scale
        else:
            self.scale = 1.0
            self.op = problem.operator
            self.y = problem.y
            self.nmeas = problem.nobs
            self.y_norm = float(np.linalg.norm(self.y))
            if self.op.sparse:
                A = self.op.matrices
                self._sp = (A.indptr.astype(np.int64), A.indices.astype(np.int64), A.data)
        work = (self.nmeas * self.k if self.kind == "completion" else
                (self.op.matrices.nnz if self.op.sparse else self.op.matrices.size))
        #: small problems call the single-threaded kernels (see K.SERIAL_BELOW)
        self.serial = work < K.SERIAL_BELOW
        self.K = _Kernels(self.serial)

    # -- measurements ------------------------------------------------------------
    def _forward(self, U, V):
        """:math:`\\mathcal A(UV^T)` (normalized, sensing) or the sampled
        :math:`(UV^T)_\\Omega` (completion, raw), uncounted."""
        p = self.problem
        if self.kind == "completion":
            return self.K.sampled_product(p.ptr_r, p.idx_r, U, V, np.empty(p.nobs))
        if self.op.sparse:
            ptr, flat, a = self._sp
            return self.K.sparse_forward(ptr, flat, a, U, V, self.shape[1], np.empty(self.nmeas))
        X = U @ V.T
        return self.K.dense_forward(self.op.matrices, X.reshape(-1), np.empty(self.nmeas))

    def residual(self, U, V=None):
        """Normalized residual :math:`r = \\mathcal A(UV^T) - y` (``V = U`` when
        None); completion: :math:`((UV^T)_\\Omega - M_\\Omega)/\\sqrt p`."""
        self.nfev += 1
        V = U if V is None else V
        if self.kind == "completion":
            r = self._forward(U, V)
            r -= self.problem.vals
            r *= self.scale
            return r
        r = self._forward(U, V)
        r -= self.y
        return r

    def grads(self, r, U, V=None):
        """:math:`(\\mathcal A^*(r)V, \\mathcal A^*(r)^TU)` for the normalized
        residual ``r``; with ``V`` None (symmetric) only :math:`\\mathcal A^*(r)U`."""
        self.njev += 1
        m, n = self.shape
        k = U.shape[1]
        if self.kind == "completion":
            p = self.problem
            w = r * self.scale
            GU = self.K.csr_times(p.ptr_r, p.idx_r, w, V if V is not None else U, np.empty((m, k)))
            if V is None:
                return GU
            GV = self.K.csc_times(p.ptr_c, p.idx_c, p.perm_c, w, U, np.empty((n, k)))
            return GU, GV
        if self.op.sparse:
            ptr, flat, a = self._sp
            F = U if V is None else V
            GU = K.sparse_adjoint_times(ptr, flat, a, r, F, n, True, np.empty((m, k)))
            if V is None:
                return GU
            GV = K.sparse_adjoint_times(ptr, flat, a, r, U, n, False, np.empty((n, k)))
            return GU, GV
        Z = self.K.dense_adjoint(self.op.matrices, r, np.empty(m * n)).reshape(m, n)
        if V is None:
            return Z @ U
        return Z @ V, Z.T @ U

    # -- completion: sparse products and least squares ---------------------------
    def _need_completion(self, what):
        if self.kind != "completion":
            raise ValueError(f"{what} needs a completion problem.")

    def sparse_times(self, w, F, transpose=False, data=None):
        """:math:`SF` (or :math:`S^TF`) for :math:`S` with values ``w`` (row
        order) on the observed set of ``data`` (the problem by default)."""
        self.nmatvec += 1
        p = self.problem if data is None else data
        if transpose:
            return self.K.csc_times(p.ptr_c, p.idx_c, p.perm_c, w, F, np.empty((p.shape[1], F.shape[1])))
        return self.K.csr_times(p.ptr_r, p.idx_r, w, F, np.empty((p.shape[0], F.shape[1])))

    def sampled(self, U, V, data=None):
        """Raw sampled entries :math:`(UV^T)_\\Omega` in row order (one pass,
        counted as a residual evaluation)."""
        self.nfev += 1
        p = self.problem if data is None else data
        return self.K.sampled_product(p.ptr_r, p.idx_r, U, V, np.empty(p.nobs))

    def least_squares(self, F, side, *, solver="exact", X0=None, reg=0.0, sketch_rows=0,
                      sketch_nnz=2, seed=0, rtol=0.1, maxit=10, data=None):
        """One sweep of per-row least squares on the observed entries:
        ``side="rows"`` solves :math:`\\min_U \\|P_\\Omega(UF^T - M)\\|^2` (F = V),
        ``side="cols"`` :math:`\\min_V \\|P_\\Omega(FV^T - M)\\|^2` (F = U); plus
        ``reg`` times the squared norm. Returns ``(X, cg_iterations)`` (the
        latter 0 for ``solver="exact"``)."""
        self.nls += 1
        p = self.problem if data is None else data
        if side == "rows":
            ptr, idx, vals, nrow = p.ptr_r, p.idx_r, p.vals, p.shape[0]
        else:
            ptr, idx, vals, nrow = p.ptr_c, p.idx_c, p.vals_c, p.shape[1]
        k = F.shape[1]
        out = np.empty((nrow, k))
        if solver == "exact":
            self.K.ls_rows_exact(ptr, idx, vals, F, float(reg), out)
            return out, 0
        iters = np.empty(nrow, dtype=np.int64)
        self.K.ls_rows_sketched(ptr, idx, vals, F, X0, float(reg), int(sketch_rows),
                           int(sketch_nnz), int(seed), float(rtol), int(maxit), out, iters)
        return out, int(iters.sum())

    def spectral_norm(self, iters=30, seed=0):
        """An estimate of :math:`\\|\\mathcal A^*(y)\\|_2` (about :math:`\\sigma_1(M^\\star)`
        for a near-isometric map): power iteration on the sparse data matrix
        (completion, ``2 iters`` sparse products) or the spectral norm of the
        dense back-projection (sensing, one adjoint, counted as a product)."""
        m, n = self.shape
        if self.kind == "completion":
            p = self.problem
            w = p.vals / p.p
            v = np.random.default_rng(seed).standard_normal((n, 1))
            v /= np.linalg.norm(v)
            sigma = 0.0
            for _ in range(iters):
                self.nmatvec += 2
                u = self.K.csr_times(p.ptr_r, p.idx_r, w, v, np.empty((m, 1)))
                v = self.K.csc_times(p.ptr_c, p.idx_c, p.perm_c, w, u, np.empty((n, 1)))
                nv = float(np.linalg.norm(v))
                if nv == 0.0:
                    return 0.0
                sigma = math.sqrt(nv)
                v /= nv
            return sigma
        self.nmatvec += 1
        if self.op.sparse:
            Z = np.asarray(self.op.matrices.T @ self.y).reshape(m, n)
        else:
            Z = self.K.dense_adjoint(self.op.matrices, self.y, np.empty(m * n)).reshape(m, n)
        return float(np.linalg.norm(Z, 2))

    def gain(self, probes=3, seed=0):
        r"""The measurement map's gain :math:`\|\mathcal A(X)\|^2/\|X\|_F^2` on
        random rank-k matrices (averaged over ``probes``, each a counted
        residual evaluation); 1 for completion (normalized by construction).
        The preconditioned step of ScaledGD is divided by it, so a map scaled
        by c (e.g. symmetric :math:`A_i = (G_i + G_i^T)/\sqrt{2m}`, gain 2)
        gets the same effective step."""
        if self.kind == "completion":
            return 1.0
        rng = np.random.default_rng(seed + 104729)
        m, n = self.shape
        ratios = []
        for _ in range(probes):
            self.nfev += 1
            U = rng.standard_normal((m, self.k))
            V = U if self.symmetric else rng.standard_normal((n, self.k))
            z = self._forward(U, V)
            ratios.append(float(z @ z) / _factor_frobenius(U, V) ** 2)
        return float(np.mean(ratios))

    def relative_error(self, U, V=None):
        """Relative error to the problem's ground truth (NaN without one); not
        counted (it reads the truth, not the data)."""
        return self.problem.relative_error(U, V)


def relative_change(U1, V1, U0, V0) -> float:
    """:math:`\\|U_1V_1^T - U_0V_0^T\\|_F / \\|U_1V_1^T\\|_F` in factor form
    (1 when the new product is zero)."""
    new = _factor_frobenius(U1, V1)
    if new == 0.0:
        return 1.0
    return _factor_frobenius(np.hstack([U1, -U0]), np.hstack([V1, V0])) / new


@dataclasses.dataclass(kw_only=True)
class LowRankState(State):
    """State of the low-rank methods: ``x`` = :class:`Factors` or
    :class:`SymmetricFactor`; ``rel_change`` the certificate, ``rel_error``
    the error to the ground truth (NaN without one)."""

    rel_change: float
    rel_error: float


@dataclasses.dataclass(frozen=True)
class LowRankOptions(Options):
    """Options every low-rank method accepts."""

    seed: int = option(0, "Seed of the random initialization (and of the sketches).",
                       kind=int, low=0)


class LowRankSolver(Solver):
    """Base of the low-rank methods: family, oracle, certificate, result fields."""

    family = "lowrank"
    requires = ()
    Options = LowRankOptions
    trace_fields = ("rel_change",)
    default_tol = 1e-9
    default_maxiter = 5000
    certificate_name = "rel_change"
    #: methods that need observed entries (not a sensing operator)
    completion_only = False

    def make_oracle(self, problem, dim):
        if self.completion_only and problem.kind != "completion":
            raise ValueError(f"Method {self.name!r} solves matrix completion problems; "
                             f"the problem given is a {problem.kind} problem.")
        # a constant of the run, fixed before the driver builds the trace
        self.trace_fields = ("rel_change",) + (("rel_error",) if problem.truth is not None
                                               else ())
        return LowRankOracle(problem)

    def certificate(self, state):
        return state.rel_change

    def _error(self, x):
        return self.oracle.relative_error(*x)

    def result_fields(self, state):
        return {"rel_change": state.rel_change, "rel_error": state.rel_error}


# ---------------------------------------------------------------------------
# shared by the factored gradient methods
# ---------------------------------------------------------------------------
class FactoredGradientMixin:
    """Start, factorization choice and loss of the factored gradient methods
    (``scaled-gd``, ``lowrank-gd``, ``lowrank-subgradient``)."""

    def _factorization(self):
        choice = self.options.factorization
        sym = self.oracle.symmetric
        if choice == "auto":
            return "symmetric" if sym else "asymmetric"
        if choice == "symmetric" and not sym:
            raise ValueError("factorization='symmetric' needs a symmetric sensing problem "
                             "(symmetric measurement matrices, PSD target).")
        return choice

    def _small_start(self, x0, sigma):
        """The paper's small random start :math:`\\alpha G`, :math:`G_{ij} \\sim
        N(0, 1/n)`, with :math:`\\alpha` = ``init_scale`` times
        :math:`\\sqrt{\\hat\\sigma_1}`; or ``x0`` when given (a symmetric start
        for an asymmetric run gives ``F = G = U``)."""
        m, n = self.oracle.shape
        k = self.oracle.k
        sym = self._factorization() == "symmetric"
        if x0[0].shape[0] != 0:
            if sym:
                return SymmetricFactor(x0[0])
            if isinstance(x0, SymmetricFactor):
                return Factors(x0[0], x0[0].copy())
            return Factors(x0[0], x0[1])
        rng = np.random.default_rng([self.options.seed, 0x5CA1E])   # a stream of its own
        alpha = self.options.init_scale * math.sqrt(max(sigma, 1e-300))
        if sym:
            return SymmetricFactor(alpha * rng.standard_normal((n, k)) / math.sqrt(n))
        return Factors(alpha * rng.standard_normal((m, k)) / math.sqrt(m),
                       alpha * rng.standard_normal((n, k)) / math.sqrt(n))

    def _loss_l2(self, r, sym):
        return (0.25 if sym else 0.5) * float(r @ r)

    def _loss(self, r, sym):
        """The method's loss from the normalized residual (l2 by default)."""
        return self._loss_l2(r, sym)

    def _grad_state(self, x, previous, advanced=1, **extra):
        """State at ``x``: its residual (kept for the next step's gradient),
        loss, relative change from ``previous`` and error to the truth."""
        sym = isinstance(x, SymmetricFactor)
        U = x[0]
        V = U if sym else x[1]
        r = self.oracle.residual(U, V)
        if previous is None:
            change = 1.0
        else:
            change = relative_change(U, V, previous[0], previous[0] if sym else previous[1])
        return GradState(x=x, fun=self._loss(r, sym), rel_change=change,
                         rel_error=self.oracle.relative_error(U, V), residual=r,
                         advanced=advanced, **extra)


@dataclasses.dataclass(kw_only=True)
class GradState(LowRankState):
    """State of the factored gradient methods: the residual at ``x`` is kept so
    that a step needs one forward product, not two."""

    residual: np.ndarray
    t: int = 0


def cho_right_solve(G, P):
    """``G P^{-1}`` for the k x k SPD ``P`` (one Cholesky factorization)."""
    c = scipy.linalg.cho_factor(P, lower=True, check_finite=False)
    return scipy.linalg.cho_solve(c, G.T, check_finite=False).T
