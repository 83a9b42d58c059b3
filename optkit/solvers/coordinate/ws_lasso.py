r"""Working sets with gap-safe screening for least squares + L1 / elastic net
(Celer: Massias, Gramfort & Salmon, ICML 2018; Ndiaye et al., JMLR 2017)."""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from ..._core.options import Options, option
from ..._core.registry import register
from ...kernels.columns import Columns, cols_axpy, csc_colsq_dots, sparse_gram_cols
from ...kernels.enet_screening import enet_dual_pass, enet_ws_stats, enet_zero_screened
from ...kernels.enet_ws import WSControl, enet_gram_solve, enet_ws_solve
from . import _models as M
from ._ws import WorkingSetSolver

__all__ = ["WorkingSetLasso", "WSLassoOptions", "EnetWSModel", "EnetRun"]


@dataclasses.dataclass
class EnetRun:
    """What a working-set Lasso run changes (kept in the State).

    Attributes
    ----------
    active : ndarray of int8
        1 for the coordinates not screened (gap-safe screening only removes).
    nact : int
        Number of unscreened coordinates.
    ws_size : int
        Size of the last working set (0 before the first).
    rent : float
        Residual-epoch work since the last Gram build (the ski-rental account).
    """

    active: np.ndarray
    nact: int
    ws_size: int
    rent: float

    def copy(self):
        return EnetRun(active=self.active.copy(), nact=self.nact, ws_size=self.ws_size,
                       rent=self.rent)


class EnetWSModel:
    """Least squares + L1/elastic net: working sets with gap-safe screening.

    Everything is scaled by n (``P_n = n P``). Each solver step runs the
    inner cyclic CD on the current working set, then one pass over the
    unscreened columns (gap at the new point, screening, next working set).

    The model holds the data, its constants and caches (the working set's
    Gram matrix, sparse Gram columns) plus scratch vectors (``c = X'R``,
    priorities) that every pass rewrites; what a run changes (screening mask,
    working-set size, ski-rental account) is an :class:`EnetRun` in the State.
    """

    kind = "enet-ws"

    def __init__(self, problem, smooth, pen, opts):
        X = M.data_matrix(smooth)
        n = smooth.n_samples
        self.n = n
        self.dense = not sp.issparse(X)
        self.y = np.ascontiguousarray(smooth.b, dtype=float)
        cache = M.coord_cache(problem)
        if self.dense:
            self.Xd, self.data, self.indices, self.indptr = M.dense_layout(X)
            if "xty" not in cache:
                cache["xty"] = self.Xd.T @ self.y
            colsq = M.cached_colsq(problem, self.Xd)
        else:
            Xc = M.cached_csc(problem, X)
            self.Xd = np.zeros((1, 1), order="F")
            self.data, self.indices, self.indptr = Xc.data, Xc.indices, Xc.indptr
            if "xty" not in cache or "colsq" not in cache:   # one pass for both
                cache["colsq"], cache["xty"] = csc_colsq_dots(Xc.data, Xc.indices,
                                                                Xc.indptr, self.y)
            colsq = cache["colsq"]
        self.xty = cache["xty"]
        self.smooth = smooth
        self.l1, self.l2, self.lo, self.hi = pen
        self.l2 = self.l2 + smooth.mu
        if problem.penalty.has_box or np.any((self.l1 <= 0) & (self.l2 <= 0)):
            raise ValueError(
                "Method 'ws-lasso' needs least squares with an L1 or elastic-net "
                "penalty (every coordinate with an l1 or l2 weight > 0, no box); use "
                "method='bcd'.")
        self.lam = self.l1 * n
        self.mu = self.l2 * n
        self.d = d = self.lam.size
        self.colsq = np.ascontiguousarray(colsq, dtype=float)
        self.colnorm = np.sqrt(colsq)
        self.screen = opts.screening == "gap-safe"
        self.c = np.zeros(d)
        self.prio = np.zeros(d)
        self.p0 = int(opts.working_set_size or min(max(d // 50, 10), 100))
        self.inner_tol = float(opts.inner_tol)
        self.anderson = int(opts.anderson)
        self.gram_max = int(opts.gram_max_dim)
        self._gram_ws = None
        # sparse: Gram columns X'X_j computed so far, column slot[j] of _gstore (d x cap)
        self._gstore = np.empty((d, 0), order="F")
        self._slot = np.full(d, -1, dtype=np.int64)
        self._have_col = np.zeros(d, dtype=bool)
        self.nblocks = 1

    def new_run(self):
        """The run record at the start: nothing screened, no working set yet."""
        return EnetRun(active=np.ones(self.d, dtype=np.int8), nact=self.d, ws_size=0,
                       rent=0.0)

    def _args(self):
        return (self.Xd, self.data, self.indices, self.indptr, self.dense)

    def init_aux(self, x):
        r = np.asarray(self.Xd @ x if self.dense else
                       (sp.csc_matrix((self.data, self.indices, self.indptr),
                                      shape=(self.n, self.d)) @ x), dtype=float) - self.y \
            if np.any(x) else -self.y.copy()
        return np.ascontiguousarray(r)

    def dual_pass(self, x, r, run):
        """Gap (per sample) at x, screening (``run.active``, in place), priorities;
        returns (gap, fun, work)."""
        have_c = False
        work = 0
        if not np.any(x):
            self.c[:] = self.xty                # X'R with R = y
            have_c = True
        elif self.dense and 4 * run.nact > self.d:
            np.matmul(self.Xd.T, -r, out=self.c)      # BLAS for mostly unscreened columns
            have_c = True
            work = self.n * self.d
        gap_n, primal_n, _, w = enet_dual_pass(
            Columns(*self._args()), self.y, r, x, self.lam, self.mu, self.colnorm, run.active,
            self.screen, self.c, self.prio, have_c)
        return gap_n / self.n, primal_n / self.n, work + w

    def next_ws(self, x, gap_prev, gap, run):
        """The next working set (``run.nact``, ``run.ws_size`` updated in place)."""
        nnz, nviol, nact = enet_ws_stats(x, self.c, self.lam, run.active)
        run.nact = nact
        size = max(self.p0, 2 * nnz)
        if run.ws_size == 0 and nnz == 0:
            # first working set from w = 0: the KKT violators are the coordinates that
            # would move; a few of them (at least one) rather than p0 heavy columns
            size = min(self.p0, max(nviol, 1))
        if run.ws_size and gap > 0.1 * gap_prev:
            size = max(size, 2 * run.ws_size)   # too little progress: grow
        # room for the KKT violators (zero coordinates with |X_j'R| > lam_j), growing
        # at most 4x per iteration
        size = max(size, min(nnz + nviol, 4 * max(run.ws_size, self.p0)))
        size = min(size, nact)
        run.ws_size = size
        if size >= nact:
            return np.flatnonzero(run.active).astype(np.int64)
        ws = np.argpartition(self.prio, size - 1)[:size]
        ws.sort()
        return ws.astype(np.int64, copy=False)

    def solve_ws(self, x, r, ws, gap, stop_tol, run):
        """Inner CD on ``ws`` (x, r and ``run.rent`` in place); the work."""
        # screened coordinates that are still nonzero: set them to their optimal value 0
        work = enet_zero_screened(run.active, x, r, *self._args())
        tol = self.inner_tol * gap
        if stop_tol is not None and ws.size == run.nact:
            # the working set is every unscreened coordinate: its gap is the full gap
            tol = min(tol, 0.9 * stop_tol)
        tol_n = tol * self.n
        m = ws.size
        # ski rental: residual epochs until they have cost (over the whole solve) about as
        # much as forming the working set's Gram matrix, then epochs through the Gram
        # matrix (O(|ws|) per update; sparse Gram columns are cached across working sets)
        if self.dense:
            epoch = self.n * m
            build = self.n * m * m / 8.0        # BLAS product, ~8x faster per entry
        else:
            nz = self.indptr[ws + 1] - self.indptr[ws]
            epoch = max(int(nz.sum()), 1)
            todo = ~self._have_col[ws]
            # new Gram columns: their nnz times the mean row length, ~3x the cost of an
            # epoch's entry (scattered writes; measured on a9a and w1a)
            build = 3.0 * int(nz[todo].sum()) * self.data.size / self.n + m * m
            if not self.smooth.has_row_copy:    # the CSR copy of a CSC input: ~2 passes
                build += 2.0 * self.data.size
        k = int(min(max(np.ceil((build - run.rent) / epoch), 1), 1000))
        use_gram = m <= self.gram_max and (self.dense or m * self.d <= 50_000_000)
        w, _, g = enet_ws_solve(Columns(*self._args()), self.y, r, x, self.lam, self.mu,
                                self.colsq, ws,
                                WSControl(tol_n, min(5, k), k if use_gram else 100_000,
                                          self.anderson), self.c)
        work += w
        run.rent += w
        if g <= tol_n or not use_gram:
            return work
        run.rent = 0.0
        G = self._gram(ws)
        q = -self.c[ws]                 # X_ws'r, computed by the last check of enet_ws_solve
        w_old = x[ws]
        w, _, _ = enet_gram_solve(G, ws, x, q, self.xty[ws], r, self.y, self.lam, self.mu,
                                  WSControl(tol_n, 10, 1_000_000, self.anderson), self.c)
        work += cols_axpy(ws, x[ws] - w_old, *self._args(), r)
        return work + w + int(build)

    def _gram(self, ws):
        """X_ws'X_ws (reused while the working set does not change)."""
        if self._gram_ws is not None and np.array_equal(self._gram_ws[0], ws):
            return self._gram_ws[1]
        if self.dense:
            Xw = self.Xd[:, ws]
            G = np.ascontiguousarray(Xw.T @ Xw, dtype=float)
        else:
            new = ws[~self._have_col[ws]]
            if new.size:
                used = int(self._have_col.sum())
                if (used + new.size) * self.d > 50_000_000:     # bound the cache (400 MB)
                    self._have_col[:] = False
                    self._slot[:] = -1
                    new, used = ws, 0
                if used + new.size > self._gstore.shape[1]:
                    cap = max(2 * self._gstore.shape[1], used + new.size, 16)
                    store = np.empty((self.d, min(cap, self.d)), order="F")
                    store[:, :used] = self._gstore[:, :used]
                    self._gstore = store
                R = self.smooth.X           # CSR rows: Gram column j = sum_i x_ij X_i
                sparse_gram_cols(new, self.data, self.indices, self.indptr, R.data,
                                 R.indices, R.indptr, self._gstore[:, used:used + new.size])
                self._slot[new] = np.arange(used, used + new.size)
                self._have_col[new] = True
            G = np.ascontiguousarray(self._gstore[np.ix_(ws, self._slot[ws])])
        self._gram_ws = (ws.copy(), G)
        return G


@dataclasses.dataclass(frozen=True)
class WSLassoOptions(Options):
    """Options of :class:`WorkingSetLasso` (``method="ws-lasso"``)."""

    working_set_size: int = option(None, "Size of the first working sets (p0; the working set "
                                   "has max(p0, 2 nnz(x)) coordinates, doubled when the gap "
                                   "drops < 10x). None: min(max(d // 50, 10), 100).",
                                   kind=int, low=1)
    inner_tol: float = option(0.1, "The working-set subproblem is solved to a duality gap "
                              "<= inner_tol * (current gap).", low=0.0, low_inclusive=False)
    anderson: int = option(5, "Anderson extrapolation of the inner coordinate descent every "
                           "`anderson` epochs, kept when it lowers the objective (Bertrand & "
                           "Massias 2021); 0 turns it off.", kind=int, low=0)
    screening: str = option("gap-safe", "'gap-safe' discards coordinates proven zero at the "
                            "optimum by the gap-safe sphere test (Fercoq, Gramfort & Salmon "
                            "2015; Ndiaye et al. 2017); 'none' keeps them all.", kind=str,
                            choices=("gap-safe", "none"))
    gram_max_dim: int = option(4000, "Largest working set solved through its Gram matrix "
                               "X_ws'X_ws (once the residual epochs have cost as much as "
                               "forming it).", kind=int, low=1)


@register
class WorkingSetLasso(WorkingSetSolver):
    r"""Working-set coordinate descent for the Lasso and the elastic net.

    For :math:`P(w) = \frac{1}{2n}\|Xw - y\|^2 + \sum_j \lambda_j |w_j|
    + \frac{\mu_j}{2} w_j^2` (:class:`~optkit.problems.composite.Lasso`,
    :class:`~optkit.problems.composite.ElasticNet`, or least squares with an
    L1 / elastic-net penalty), each iteration

    1. solves :math:`P` restricted to the working set :math:`W` by compiled
       cyclic coordinate descent,

       .. math::

           w_j \leftarrow \frac{S_{\lambda_j}\bigl(w_j \|X_j\|^2 / n - X_j^\top (Xw - y) / n\bigr)}
                          {\|X_j\|^2 / n + \mu_j}, \quad j \in W,

       (:math:`S_\lambda` soft thresholding) with Anderson extrapolation, to a duality gap
       :math:`\le` ``inner_tol`` times the current gap (through
       :math:`X_W^\top X_W` once the residual epochs have cost as much as
       forming it);
    2. makes one pass over the unscreened columns at the new point: the
       rescaled residual :math:`\theta = R / \max(1, \|X^\top R / \lambda\|_\infty)`
       gives the duality gap (the certificate); the gap-safe sphere test
       :math:`|X_j^\top\theta| + \|X_j\| \sqrt{2\,\mathrm{gap}} < \lambda_j`
       discards :math:`j` for good (:math:`w^\star_j = 0`);
    3. takes as next working set the support plus the coordinates whose dual
       constraints are closest to active, :math:`(\lambda_j - |X_j^\top\theta|)
       / \|X_j\|` smallest (size :math:`\max(p_0, 2\,\mathrm{nnz}(w))`,
       doubled when the gap fell less than 10x).

    Certificate: the duality gap (per sample), also ``result.gap``;
    ``result.n_screened`` counts the coordinates screened out. The driver
    stops with status 5 when neither F nor the gap decreased for 10 steps
    (the gap floor of the inner solver in floating point).

    References
    ----------
    M. Massias, A. Gramfort, J. Salmon, "Celer: a fast solver for the Lasso
    with dual extrapolation", ICML 2018.
    E. Ndiaye, O. Fercoq, A. Gramfort, J. Salmon, "Gap safe screening rules for
    sparsity enforcing penalties", JMLR 18(128), 2017.
    O. Fercoq, A. Gramfort, J. Salmon, "Mind the duality gap: safer rules for
    the Lasso", ICML 2015.
    Q. Bertrand, M. Massias, "Anderson acceleration of coordinate descent",
    AISTATS 2021.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.composite import Lasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 200)); y = X[:, :3] @ [1.0, -2.0, 3.0]
    >>> res = optkit.minimize(Lasso(X, y, alpha=0.1), method="ws-lasso", tol=1e-10)
    >>> res.success, bool(res.gap <= 1e-10)
    (True, True)
    """

    name = "ws-lasso"
    aliases = ("celer", "working-set-lasso")
    Options = WSLassoOptions
    working_set_loss = "least_squares"    # the loss this working-set method is for
    summary = "Working-set CD with gap-safe screening and Anderson (Lasso, elastic net)"
    reference = "Massias, Gramfort & Salmon, ICML 2018; Ndiaye et al., JMLR 2017"
    certificate_name = "duality_gap"

    form_loss = "squared"
    Model = EnetWSModel
    needs = ("a least-squares smooth part with an L1 or elastic-net penalty "
             "(Lasso, ElasticNet)")
    elsewhere = ("For L1 logistic regression use method='prox-newton-ws'; for other "
                 "problems method='bcd'.")

    def result_fields(self, state):
        return {"nnz": state.nnz, "active_set_identified_at": state.active_at,
                "gap": state.gap,
                "n_screened": int(self.oracle.model.d - state.run.nact)}
