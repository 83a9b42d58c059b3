"""Working-set proximal Newton (newGLMNET-type) model for L1 / elastic-net logistic regression.

The model of ``method="prox-newton-ws"``
(:mod:`~optkit.solvers.coordinate.prox_newton_ws`), for a
:class:`~optkit.problems.glm.LogisticRegression` smooth part. Same interface
as :class:`~optkit.solvers.coordinate.ws_lasso.EnetWSModel` (see
:mod:`~optkit.solvers.coordinate._ws`): one driver step is one outer
(Newton) iteration.

Outer iteration at ``w`` (Yuan, Ho & Lin 2012; Friedman, Hastie & Tibshirani
2010): with ``z = Xw`` maintained, the weights :math:`D_{ii} =
\\sigma_i(1 - \\sigma_i)/n`, the gradient :math:`\\nabla L = X^\\top \\ell'(z)/n`
and the working set (the support, the unpenalized coordinates and the
coordinates whose optimality condition is violated by more than ``-M/n``,
``M`` the previous certificate: newGLMNET's shrinking), cyclic coordinate
descent minimizes

.. math::

    q(d) = \\nabla L^\\top d + \\tfrac12 d^\\top (X^\\top D X + \\nu I) d
           + \\sum_j g_j(w_j + d_j)

over the working set (``Xd`` kept up to date, ``O(nnz of a column)`` per
coordinate; coordinates stuck at 0 are shrunk, as in newGLMNET's inner
level) until its largest scaled step is ``<= inner_tol * M`` (the factor is
divided by 4 each time one sweep was enough, as newGLMNET does with its
inner tolerance); then an Armijo line search on ``F`` along ``d`` (``O(n)``
per trial from ``z`` and ``Xd``). The certificate is the prox-gradient
mapping norm :math:`\\|w - \\operatorname{prox}_g(w - \\nabla L(w))\\|_\\infty`
(bcd's default), computed with the full gradient at the start of each outer
iteration.

Ski rental [D]: when the model is not solved after as many sweeps as forming
the working set's Hessian :math:`X_{ws}^\\top D X_{ws}` would cost (or the
previous model needed more), the Hessian is formed (compiled, from the CSR
rows or the dense columns) and the model is solved through it (``O(|ws|)``
per coordinate update) to a tolerance that shrinks with the certificate
(``inner_tol * M * min(1, M / M_0)``, not below ``stop_tol / 100``), the
sweeps alternated with Newton steps on the model restricted to its current
support and signs (one Cholesky solve, the step cut where a sign would
change): superlinear outer convergence at the cost of ``O(nnz + sum_i
k_i^2)`` per iteration, ``k_i`` the working-set entries of row ``i``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from ...kernels.columns import cols_axpy
from ...kernels import prox_newton as PN
from . import _models as M

NU = 1e-12            # ridge of the Newton model (newGLMNET's nu)
SIGMA = 0.01          # Armijo constant
BETA = 0.5            # backtracking factor
MAX_TRIALS = 40
SUPPORT_NEWTON_MAX = 500    # largest working set for Newton steps on the support


@dataclasses.dataclass
class LogisticRun:
    """What a proximal Newton run changes (kept in the State).

    Attributes
    ----------
    inner_factor : float
        Inner tolerance factor (divided by 4 when one sweep solved the model,
        by 10 on a stall).
    last_sweeps : int
        Sweeps the last model needed (ski rental: more than the build cost
        sends the next model straight to the Hessian).
    gap0 : float or None
        The first certificate (scales the Hessian-path tolerance).
    force_all : bool
        Use every coordinate in the next working set (after a stall).
    stalls : int
        Consecutive outer iterations without descent.
    """

    inner_factor: float
    last_sweeps: int = 0
    gap0: float | None = None
    force_all: bool = False
    stalls: int = 0

    def copy(self):
        return dataclasses.replace(self)


class LogisticWSModel:
    """Logistic loss + separable L1 / elastic-net (/ box) penalty: proximal Newton steps.

    Parameters
    ----------
    problem : CompositeProblem
        For the per-problem cache of the CSC layout.
    smooth : LogisticRegression
        The smooth part (its ``mu`` joins the l2 weights; not on the intercept).
    pen : list of 4 ndarrays
        ``(l1, l2, lo, hi)`` of the penalty, length ``dim``.
    opts : ProxNewtonWSOptions
        ``inner_tol`` (initial inner tolerance factor), ``max_inner_sweeps``,
        ``gram_max_dim``, ``support_newton``.

    Notes
    -----
    The model holds the data, constants and the derivatives at the last point
    it measured (``dl, D, g``; recomputed when asked about another point);
    what the run changes is a :class:`LogisticRun` in the State.
    """

    kind = "logistic-ws"

    def __init__(self, problem, smooth, pen, opts):
        X = smooth.X
        n, p = X.shape
        intercept = bool(smooth.fit_intercept)
        if intercept:
            X = sp.hstack([X, np.ones((n, 1))], format="csc") if sp.issparse(X) \
                else np.hstack([X, np.ones((n, 1))])
        self.n = n
        self.inv_n = 1.0 / n
        self.dense = not sp.issparse(X)
        if self.dense:
            self.Xd, self.data, self.indices, self.indptr = M.dense_layout(X)
        else:
            if intercept:
                Xc = sp.csc_matrix(X, dtype=float)
                Xc.sort_indices()
            else:
                Xc = M.cached_csc(problem, X)
            self.Xd = np.zeros((1, 1), order="F")
            self.data, self.indices, self.indptr = Xc.data, Xc.indices, Xc.indptr
            self.Xc = Xc
            self._Xr = X             # rows, for the Hessian (CSR, sorted on first use)
            self.colnnz = np.diff(self.indptr)
        self.y = np.ascontiguousarray(smooth.y, dtype=float)
        self.l1, l2, self.lo, self.hi = pen
        mu = np.full(l2.size, float(smooth.mu))
        if intercept:
            mu[-1] = 0.0
        self.l2 = np.ascontiguousarray(l2 + mu)
        self.d = d = self.l1.size
        self.always = (self.l1 <= 0)             # unpenalized by l1: always in the working set
        self.inner_tol = float(opts.inner_tol)
        self.max_sweeps = int(opts.max_inner_sweeps)
        self.gram_max = int(opts.gram_max_dim)
        self.pos = np.full(d, -1, dtype=np.int64)
        # Newton steps on the model's support (Hessian path): off with support_newton=None
        self.support_newton = bool(np.all(self.lo == -np.inf) and np.all(self.hi == np.inf)) \
            and bool(opts.support_newton)
        self.allcols = np.arange(d, dtype=np.int64)
        self.dl = np.empty(n)
        self.D = np.empty(n)
        self.g = np.zeros(d)
        self.h = np.zeros(d)
        self._at = None             # the point of the cached dl, D, g

    def new_run(self):
        """The run record at the start."""
        return LogisticRun(inner_factor=self.inner_tol)

    def _args(self):
        return (self.Xd, self.data, self.indices, self.indptr, self.dense)

    def init_aux(self, x):
        """Margins-free linear predictor ``z = Xw`` (with the intercept column)."""
        if not np.any(x):
            return np.zeros(self.n)
        if self.dense:
            z = self.Xd @ x
        else:
            z = self.Xc @ x
        return np.ascontiguousarray(z, dtype=float)

    def dual_pass(self, x, z, run):
        """Derivatives at ``x``; returns (prox-gradient certificate, F(x), work)."""
        fun, work = PN.pn_point(*self._args(), z, self.y, self.inv_n, x, self.l1, self.l2,
                                self.lo, self.hi, self.dl, self.D, self.g, True)
        self._at = x.copy()
        cert = PN.prox_grad_norm(x, self.g, self.l1, self.l2, self.lo, self.hi)
        if run.gap0 is None:
            run.gap0 = max(cert, 1e-300)
        return cert, fun, work

    def next_ws(self, x, gap_prev, gap, run):
        """Support, unpenalized coordinates and (near-)violators of |g_j| <= l1_j."""
        if run.force_all or not np.isfinite(gap_prev):
            run.force_all = False
            return self.allcols
        keep = (x != 0) | self.always | (np.abs(self.g) > self.l1 - gap_prev * self.inv_n)
        return np.flatnonzero(keep)

    def solve_ws(self, x, z, ws, gap, stop_tol, run):
        """One proximal Newton step on ``ws``: updates ``x`` and ``z`` in place; the work.

        ``stop_tol`` (the driver's tolerance, when known) bounds how accurately the
        model is solved through the Hessian: no tighter than ``stop_tol / 100``.
        """
        work = 0
        if self._at is None or not np.array_equal(self._at, x):
            # derivatives of another point: recompute them (gap0 is set already)
            _, _, work = self.dual_pass(x, z, run)
        m = ws.size
        if m == 0:
            return work
        u = x.copy()
        xd = np.zeros(self.n)
        tol = run.inner_factor * gap
        # ski rental: coordinate sweeps through the columns of X (2 nnz(X_ws) each) until
        # they have cost about as much as forming the working set's Hessian X_ws'DX_ws, then
        # sweeps through that matrix (O(|ws|) per update)
        use_gram = m <= self.gram_max
        k = self.max_sweeps
        if use_gram:
            if self.dense:
                epoch = 2.0 * self.n * m
                build = 0.5 * self.n * m * m
            else:
                nnz = float(self.colnnz[ws].sum()) + 1.0
                epoch = 2.0 * nnz
                # a pass over all rows + the products (sum_i k_i^2 >= nnz^2 / n, k_i the
                # row's entries in ws; doubled for uneven rows)
                build = self.data.size + 2.0 * nnz * nnz / self.n
            k = int(min(max(np.ceil(build / epoch), 1), self.max_sweeps))
            if run.last_sweeps > k:
                k = 0                               # the last model needed more: go direct
        sweeps = 0
        t = -1.0
        if k > 0:
            w, sweeps, _, t, _, done = PN.pn_xstep(
                *self._args(), ws, x, u, xd, self.D, self.g, self.h, self.l1, self.l2,
                self.lo, self.hi, NU, tol, k, not use_gram, z, self.y, self.inv_n, SIGMA,
                BETA, MAX_TRIALS)
            work += w
            if not done:
                t = -1.0
        if t < 0.0:                                 # through the Hessian
            H, w = self._hessian(ws)
            work += w
            # the Hessian makes accurate models cheap: a tolerance shrinking with the
            # certificate (superlinear outer convergence), sweeps alternated with Newton
            # steps on the support (signs fixed)
            tol = tol * min(1.0, gap / run.gap0)
            if stop_tol is not None:
                tol = max(tol, 0.01 * stop_tol)
            Hd = H @ (u[ws] - x[ws])
            newton_ok = self.support_newton and m <= SUPPORT_NEWTON_MAX
            while sweeps < self.max_sweeps:
                chunk = min(self.max_sweeps - sweeps, 5 if newton_ok else self.max_sweeps)
                w, s2, viol = PN.pn_gram_cd(H, ws, x, u, self.g, self.l1, self.l2, self.lo,
                                            self.hi, NU, tol, chunk, Hd)
                sweeps += s2
                work += w
                if viol <= tol or not newton_ok:
                    break
                work += self._support_newton(H, ws, x, u, Hd)
            xd[:] = 0.0
            work += cols_axpy(ws, u[ws] - x[ws], *self._args(), xd)
            t, trials, _ = PN.pn_delta_ls(z, xd, self.y, self.inv_n, x, u, ws, self.g,
                                          self.l1, self.l2, SIGMA, BETA, MAX_TRIALS)
            work += trials * self.n
        run.last_sweeps = sweeps
        if sweeps == 1:
            run.inner_factor *= 0.25
        if t == 0.0:
            # no descent from the model (rounding level): tighten the inner solve, use all
            run.stalls += 1
            run.inner_factor *= 0.1
            run.force_all = True
        else:
            run.stalls = 0
            self._at = None
        return work

    def _hessian(self, ws):
        """``X_ws' diag(D) X_ws`` (m x m) and its work."""
        if self.dense:
            H = np.empty((ws.size, ws.size))
            return H, PN.dense_weighted_gram(self.Xd, self.D, ws, H)
        pos = self.pos
        pos[ws] = np.arange(ws.size)
        H = np.empty((ws.size, ws.size))
        R = self._Xr
        if R.format != "csr" or R.dtype != np.float64 or not R.has_sorted_indices:
            # the kernel fills the upper triangle: sorted rows
            R = self._Xr = sp.csr_matrix(R, dtype=float).sorted_indices()
        work = PN.csr_weighted_gram(R.data, R.indices, R.indptr, self.D, pos, H)
        pos[ws] = -1
        return H, work

    def _support_newton(self, H, ws, x, u, Hd):
        """Minimize the model over the support of ``u[ws]`` with its signs fixed.

        The quadratic restricted to the current orthant face is minimized by
        one linear solve; the step goes from ``u`` towards that minimizer and
        stops where a coordinate first changes sign (set to 0 exactly): the
        model decreases along the segment (convex on the face). Updates ``u``
        and ``Hd``; returns the work.
        """
        uw = u[ws]
        S = uw != 0.0
        if not S.any():
            return 0
        xw = x[ws]
        sgn = np.sign(uw[S])
        l1, l2 = self.l1[ws], self.l2[ws]
        HS = H[np.ix_(S, S)]
        rhs = -(self.g[ws][S] + H[S] @ np.where(S, 0.0, -xw) + l1[S] * sgn + l2[S] * xw[S])
        A = np.ascontiguousarray(HS + np.diag(l2[S] + NU))
        dS = np.empty(rhs.size)
        if not PN.chol_solve(A, rhs, dS):
            return 0
        target = xw[S] + dS
        if not np.all(np.isfinite(target)):
            return 0
        cur = uw[S]
        flip = np.sign(target) != sgn
        t = 1.0
        hit = -1
        if flip.any():
            ratios = cur[flip] / (cur[flip] - target[flip])     # in (0, 1]
            a = int(np.argmin(ratios))
            t = float(ratios[a])
            hit = np.flatnonzero(flip)[a]
        new = cur + t * (target - cur)
        if hit >= 0:
            new[hit] = 0.0
        uw_new = uw.copy()
        uw_new[S] = new
        u[ws] = uw_new
        Hd[:] = H @ (uw_new - xw)
        k = int(S.sum())
        return k * k * k // 3 + ws.size * ws.size
