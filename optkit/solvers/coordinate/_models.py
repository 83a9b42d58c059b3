"""Coordinate access to a composite problem: what the BCD kernels need.

Three models, chosen by :func:`build_model`:

* :class:`QuadModel` -- ``f = x'Qx/2 - c'x + const`` with a dense Q
  (:class:`~optkit.problems.synthetic.QuadraticProblem`, or least squares
  through its Gram matrix); the gradient is maintained incrementally.
* :class:`GLMModel` -- ``f = mean_i loss(z_i)``, ``z = Xw`` maintained
  (least squares, logistic regression), dense or CSC columns.
* :class:`OracleModel` -- any smooth problem, through the counted ``grad``
  (and ``hess``) oracles; one Python-level update at a time.
"""

from __future__ import annotations

import weakref

import numpy as np
import scipy.sparse as sp

from ...kernels.cd_scalar import LOSS_LOGISTIC, LOSS_SQUARED, Penalty, min_norm_subgrad
from ...kernels.columns import Columns, GLMData, csc_colsq
from ...kernels.glm_blocks import FixedBlocks, glm_bcd_fixed, glm_block_lipschitz
from ...kernels.glm_coordinate import glm_block_cd, glm_cd
from ...kernels.quadratic_bcd import QuadBlocks, _block_prox_cd, quad_bcd
from ._datafit import QuadForm, coordinate_form

RULES = ("cyclic", "random", "lipschitz-sampling", "gs", "gs-s", "gs-r", "gs-q", "gsl", "gsd",
         "gsq")
GREEDY = {"gs": 1, "gs-s": 1, "gs-r": 2, "gs-q": 3, "gsl": 3, "gsd": 4, "gsq": 5}
BLOCKS = ("coordinates", "contiguous", "partition", "variable", "forest")
UPDATES = ("lipschitz", "diagonal", "matrix", "newton")
UPDATE_CODE = {"lipschitz": 0, "diagonal": 1, "matrix": 2, "newton": 2}


def _colsq(X):
    if sp.issparse(X):
        return np.asarray(X.multiply(X).sum(axis=0)).ravel()
    return np.einsum("ij,ij->j", X, X)


def _pen_value(x, l1, l2):
    return float(l1 @ np.abs(x)) + 0.5 * float(l2 @ (x * x))


def prox_grad_map(x, g, l1, l2, lo, hi):
    """``x - prox_g(x - grad)`` (unit step), the composite optimality residual."""
    v = x - g
    z = np.sign(v) * np.maximum(np.abs(v) - l1, 0.0) / (1.0 + l2)
    np.clip(z, lo, hi, out=z)
    return x - z


def check_partition(partition, d):
    """A list of int arrays covering 0..d-1 exactly once, or a ValueError."""
    if isinstance(partition, np.ndarray) and partition.ndim == 1 and partition.size == d \
            and partition.dtype.kind in "iu":
        labels = partition
        partition = [np.flatnonzero(labels == v) for v in np.unique(labels)]
    try:
        blocks = [np.asarray(b, dtype=np.int64).ravel() for b in partition]
    except (TypeError, ValueError):
        raise ValueError("Option `partition` must be a list of integer index arrays "
                         "(or an array of block labels of length d).") from None
    if not blocks or any(b.size == 0 for b in blocks):
        raise ValueError("Option `partition` must not contain empty blocks.")
    allidx = np.concatenate(blocks)
    if allidx.min() < 0 or allidx.max() >= d:
        raise ValueError(f"Option `partition` has indices outside 0..{d - 1}.")
    counts = np.bincount(allidx, minlength=d)
    if np.any(counts != 1):
        missing = np.flatnonzero(counts == 0)[:5].tolist()
        repeated = np.flatnonzero(counts > 1)[:5].tolist()
        raise ValueError(
            "Option `partition` must cover every coordinate exactly once; "
            f"missing {missing}, repeated {repeated} (first few shown).")
    return blocks


def make_blocks(opts, d):
    """Fixed blocks as (bptr, bidx) arrays, from the options."""
    if opts.blocks in ("coordinates", "forest"):     # forest: coordinates in the kernel
        blocks = [np.array([i]) for i in range(d)]
    elif opts.blocks == "contiguous":
        k = opts.block_size or 1
        blocks = [np.arange(s, min(s + k, d)) for s in range(0, d, k)]
    elif opts.blocks == "partition":
        if opts.partition is None:
            raise ValueError("Option `partition` is required with blocks='partition'.")
        blocks = check_partition(opts.partition, d)
    else:
        return None
    bptr = np.zeros(len(blocks) + 1, dtype=np.int64)
    bptr[1:] = np.cumsum([b.size for b in blocks])
    bidx = np.concatenate(blocks).astype(np.int64)
    return bptr, bidx


class QuadModel:
    """f(x) = x'Qx/2 - c'x + const, gradient g = Qx - c maintained."""

    kind = "quad"

    def __init__(self, Q, c, const, pen, opts, *, ls=None):
        self.Q = np.ascontiguousarray(Q, dtype=float)
        self.c = np.asarray(c, dtype=float)
        self.const = float(const)
        self.l1, self.l2, self.lo, self.hi = pen
        self.composite = bool(np.any(self.l1) or np.any(self.l2) or np.any(self.lo > -np.inf)
                              or np.any(self.hi < np.inf))
        self.ls = ls        # (X, y, n) when built from least squares (duality gap)
        self.d = d = self.c.size
        self.opts = opts
        self.tau = 0
        fixed = make_blocks(opts, d)
        if fixed is None:        # variable blocks
            self.tau = int(opts.block_size or min(d, 10))
            self.bptr = np.array([0, 1], dtype=np.int64)
            self.bidx = np.zeros(1, dtype=np.int64)
            self.nblocks = 1
            self.Lb = np.ones(1)
            self.Dfix = np.ones(d)
            self.Hinv = np.zeros(1)
            self.hoff = np.zeros(1, dtype=np.int64)
        else:
            self.bptr, self.bidx = fixed
            nb = self.bptr.size - 1
            self.nblocks = nb
            self.Lb = np.empty(nb)
            self.Dfix = np.empty(d)
            need_inv = opts.update in ("matrix", "newton") or opts.rule == "gsq"
            sizes = np.diff(self.bptr)
            self.hoff = np.zeros(nb, dtype=np.int64)
            self.hoff[1:] = np.cumsum(sizes[:-1] ** 2)
            self.Hinv = np.zeros(int((sizes ** 2).sum()) if need_inv else 1)
            for b in range(nb):
                idx = self.bidx[self.bptr[b]:self.bptr[b + 1]]
                H = self.Q[np.ix_(idx, idx)]
                self.Lb[b] = H[0, 0] if idx.size == 1 else float(np.linalg.eigvalsh(H)[-1])
                self.Dfix[idx] = np.abs(H).sum(axis=1)
                if need_inv:
                    Hr = H + 1e-12 * np.diag(np.diag(H))
                    self.Hinv[self.hoff[b]:self.hoff[b] + idx.size ** 2] = \
                        np.linalg.inv(Hr).ravel()
        # a zero diagonal entry of a PSD Q means a zero row: f ignores x_i, any L is valid
        self.Lb[self.Lb <= 0] = 1.0
        self.Dfix[self.Dfix <= 0] = 1.0
        self.Lc = np.diag(self.Q).copy()
        self.Lc[self.Lc <= 0] = 1.0

    def init_aux(self, x):
        return self.Q @ x - self.c

    def block_lipschitz(self):
        return self.Lb

    def run(self, x, g, order, n, rule_code, update_code):
        return quad_bcd(self.Q, g, x, QuadBlocks(self.bptr, self.bidx, self.Lb, self.Dfix,
                                                 self.Hinv, self.hoff, self.tau),
                        order, n, rule_code, update_code,
                        Penalty(self.l1, self.l2, self.lo, self.hi), self.composite)

    def grad(self, x, g):
        return g

    def fun(self, x, g):
        return 0.5 * float(x @ (g - self.c)) + self.const + _pen_value(x, self.l1, self.l2)

    def residual(self, x, g):
        """Xw - y for least squares (for the duality gap)."""
        X, y = self.ls[0], self.ls[1]
        return np.asarray(X @ x) - y


class GLMModel:
    """f(w) = mean loss(z) with z = Xw maintained; ridge folded into the penalty."""

    kind = "glm"

    def __init__(self, X, y, loss, pen, opts, *, intercept=False, problem=None):
        n = X.shape[0]
        if intercept:
            problem = None                      # the cache holds X without the ones column
            X = sp.hstack([X, np.ones((n, 1))]) if sp.issparse(X) \
                else np.hstack([X, np.ones((n, 1))])
        self.dense = not sp.issparse(X)
        if self.dense:
            self.Xd, self.data, self.indices, self.indptr = dense_layout(X)
            self._XT = self.Xd.T
        else:
            if problem is not None:
                Xc = cached_csc(problem, X)
            else:
                Xc = sp.csc_matrix(X, dtype=float)
                Xc.sort_indices()
            self.Xd = np.zeros((1, 1), order="F")
            self.data, self.indices, self.indptr = Xc.data, Xc.indices, Xc.indptr
            self._XT = None
            self.Xc = Xc
        self.X = X if self.dense else self.Xc
        self.y = np.asarray(y, dtype=float)
        self.loss = loss
        self.n = n
        self.inv_n = 1.0 / n
        self.l1, self.l2, self.lo, self.hi = pen
        self.d = d = self.l1.size
        colsq = cached_colsq(problem, self.X) if problem is not None else _colsq(self.X)
        Lc = colsq / n * (1.0 if loss == 0 else 0.25)
        Lc[Lc <= 0] = 1.0
        self.Lc = Lc
        self.Lc_total = Lc + self.l2       # coordinate Lipschitz incl. the ridge
        self.opts = opts
        self.nblocks = d
        self.buf = np.empty(d)
        self.fixed = opts.blocks in ("contiguous", "partition")
        if self.fixed:
            self.bptr, self.bidx = make_blocks(opts, d)
            self.nblocks = self.bptr.size - 1
            Lb = glm_block_lipschitz(self.bptr, self.bidx, *self._args(), n)
            Lb *= 1.0 if loss == 0 else 0.25
            Lb[Lb <= 0] = 1.0
            self.Lb = Lb

    @property
    def XT(self):
        """X' as CSR (sparse) or a transposed view (dense), built on first use."""
        if self._XT is None:
            self._XT = self.Xc.T.tocsr()
        return self._XT

    def init_aux(self, x):
        if not np.any(x):
            z = np.zeros(self.n)
            return z - self.y if self.loss == 0 else z
        z = np.asarray(self.X @ x, dtype=float)
        if self.loss == 0:
            z = z - self.y
        return z

    def _args(self):
        return (self.Xd, self.data, self.indices, self.indptr, self.dense)

    def run(self, x, z, order, n, rule_code, newton, update_code=0):
        if self.fixed:
            return glm_bcd_fixed(GLMData(Columns(*self._args()), self.y, self.loss, self.inv_n),
                                 Penalty(self.l1, self.l2, self.lo, self.hi),
                                 FixedBlocks(self.bptr, self.bidx, self.Lb, self.Lc), z, x, order,
                                 n, rule_code, update_code, self.buf)
        return glm_cd(GLMData(Columns(*self._args()), self.y, self.loss, self.inv_n),
                      Penalty(self.l1, self.l2, self.lo, self.hi), z, x, order, n, rule_code,
                      self.Lc, 0.0, newton, self.buf)

    def run_block(self, x, z, block, newton, tol, max_sweeps):
        return glm_block_cd(GLMData(Columns(*self._args()), self.y, self.loss, self.inv_n),
                            Penalty(self.l1, self.l2, self.lo, self.hi), z, x, block, self.Lc,
                            0.0, newton, tol, max_sweeps)

    def dloss(self, z):
        if self.loss == 0:
            return z
        m = self.y * z
        s = np.where(m >= 0, np.exp(-np.abs(m)) / (1 + np.exp(-np.abs(m))),
                     1.0 / (1.0 + np.exp(-np.abs(m))))
        return -self.y * s

    def grad(self, x, z):
        return np.asarray(self.XT @ self.dloss(z)) * self.inv_n

    def fun(self, x, z):
        if self.loss == 0:
            data = 0.5 * float(z @ z)
        else:
            m = self.y * z
            data = float(np.sum(np.maximum(-m, 0.0) + np.log1p(np.exp(-np.abs(m)))))
        return data * self.inv_n + _pen_value(x, self.l1, self.l2)

    def residual(self, x, z):
        return z


_CACHES = weakref.WeakKeyDictionary()


def coord_cache(problem):
    """Per-problem cache of data layouts (CSC copy, column norms, X'y, Gram matrix).

    Kept in a module-level ``WeakKeyDictionary`` keyed by the problem object (problems
    hash by identity), not on the user's object: repeated solves of the same problem
    (several tolerances, warm starts) pay the conversions once, and the entry
    goes with the problem.
    """
    cache = _CACHES.get(problem)
    if cache is None:
        cache = _CACHES[problem] = {}
    return cache


def cached_csc(problem, X):
    """X as a float64 CSC matrix: X itself if it is one, else a copy cached for the problem."""
    if sp.issparse(X) and X.format == "csc" and X.dtype == np.float64:
        return X
    cache = coord_cache(problem)
    Xc = cache.get("csc")
    if Xc is None or Xc.shape != X.shape:
        Xc = sp.csc_matrix(X, dtype=float)
        cache["csc"] = Xc
    return Xc


def dense_layout(X):
    """``(Xd, data, indices, indptr)`` of the kernels for a dense X: Fortran-order
    columns and placeholder CSC arrays (the kernels take both, ``dense`` selects)."""
    return (np.asfortranarray(X, dtype=float), np.zeros(1), np.zeros(1, dtype=np.int32),
            np.zeros(2, dtype=np.int32))


def data_matrix(smooth):
    """The smooth part's X in the layout coordinate methods read: dense, or CSC."""
    return smooth.csc() if smooth.is_sparse else smooth.X


def cached_colsq(problem, X):
    """Squared column norms of X (cached on the problem)."""
    cache = coord_cache(problem)
    v = cache.get("colsq")
    if v is None or v.size != X.shape[1]:
        if sp.issparse(X) and X.format == "csc":
            v = csc_colsq(X.data, X.indptr)
        else:
            v = _colsq(X)
        cache["colsq"] = v
    return v


class OracleModel:
    """Any smooth problem, through the counted oracles (Python-level updates)."""

    kind = "oracle"

    def __init__(self, oracle, smooth, pen, opts, Lc):
        self.oracle = oracle
        self.smooth = smooth
        self.l1, self.l2, self.lo, self.hi = pen
        self.d = d = self.l1.size
        self.opts = opts
        self.Lc = np.asarray(Lc, dtype=float)
        fixed = make_blocks(opts, d)
        if fixed is None:
            raise ValueError("blocks='variable' needs a least-squares, logistic or quadratic "
                             "smooth part; use blocks='coordinates', 'contiguous' or "
                             "'partition' for other problems.")
        self.bptr, self.bidx = fixed
        self.nblocks = self.bptr.size - 1
        self.blocks = [self.bidx[self.bptr[b]:self.bptr[b + 1]] for b in range(self.nblocks)]
        self.Lb = np.array([self.Lc[b].sum() for b in self.blocks])
        self.needs_hess = opts.update in ("matrix", "newton") or opts.rule == "gsq"

    def init_aux(self, x):
        return None

    def _hblock(self, x, idx):
        H = self.oracle.hess(x)
        if isinstance(H, np.ndarray):
            return H[np.ix_(idx, idx)]
        if sp.issparse(H):
            return H[idx][:, idx].toarray()
        E = np.zeros((self.d, idx.size))
        E[idx, np.arange(idx.size)] = 1.0
        return np.asarray(H @ E)[idx]

    def _score(self, rule, g, x, b):
        idx = self.blocks[b]
        l1, l2, lo, hi = self.l1[idx], self.l2[idx], self.lo[idx], self.hi[idx]
        if rule == 1:
            s = np.array([min_norm_subgrad(g[i], x[i], self.l1[i], self.l2[i], self.lo[i],
                                             self.hi[i]) for i in idx])
            return float(s @ s)
        if rule == 5 and not np.any(l1) and not np.any(l2) and np.all(np.isinf(lo)) \
                and np.all(np.isinf(hi)):
            H = self._hblock(x, idx)
            return float(g[idx] @ np.linalg.solve(H, g[idx]))
        L = self.Lb[b] if rule in (2, 3) else self.Lc[idx] * idx.size
        v = x[idx] - g[idx] / L
        z = np.clip(np.sign(v) * np.maximum(np.abs(v) - l1 / L, 0) / (1 + l2 / L), lo, hi)
        dlt = z - x[idx]
        if rule == 2:
            return float(dlt @ dlt)
        xb = x[idx]
        model = float(g[idx] @ dlt) + 0.5 * float(np.sum(L * dlt * dlt)) \
            + float(l1 @ (np.abs(z) - np.abs(xb))) + 0.5 * float(l2 @ (dlt * (z + xb)))
        return -2.0 * model

    def run(self, x, _aux, order, n, rule_code, update_code, newton=False):
        oracle = self.oracle
        for t in range(n):
            g = oracle.grad(x)
            if rule_code == 0:
                b = int(order[t])
            else:
                b = int(np.argmax([self._score(rule_code, g, x, bb)
                                   for bb in range(self.nblocks)]))
            idx = self.blocks[b]
            l1, l2, lo, hi = self.l1[idx], self.l2[idx], self.lo[idx], self.hi[idx]
            if update_code == 2:
                H = self._hblock(x, idx)
                H = H + 1e-12 * np.diag(np.abs(np.diag(H)))
                dlt = np.empty(idx.size)
                _block_prox_cd(np.ascontiguousarray(H), g[idx].copy(), x[idx].copy(),
                                 np.arange(idx.size), l1, l2, lo, hi, dlt)
                if newton:
                    f0 = oracle.fun(x) + _pen_value(x[idx], l1, l2)
                    xi = x[idx]
                    base = float(g[idx] @ dlt) + _pen_value(xi + dlt, l1, l2) \
                        - _pen_value(xi, l1, l2)
                    step = 1.0
                    for _ in range(40):
                        xt = x.copy()
                        xt[idx] = xi + step * dlt
                        ft = oracle.fun(xt) + _pen_value(xt[idx], l1, l2)
                        if ft <= f0 + 1e-4 * step * base:
                            break
                        step *= 0.5
                    dlt = step * dlt
            else:
                h = self.Lb[b] if update_code == 0 else self.Lc[idx] * idx.size
                v = x[idx] - g[idx] / h
                z = np.clip(np.sign(v) * np.maximum(np.abs(v) - l1 / h, 0) / (1 + l2 / h),
                            lo, hi)
                dlt = z - x[idx]
            x[idx] += dlt
        return 0

    def grad(self, x, _aux):
        return self.oracle.grad(x)

    def fun(self, x, _aux):
        return self.oracle.fun(x) + _pen_value(x, self.l1, self.l2)


def check_lipschitz(given, d):
    """The option ``lipschitz`` as a float array of length ``d``, after checks.

    A step ``1/L_j`` with ``L_j`` zero, negative, NaN or infinite would divide by
    zero, ascend or stall, so such values are refused here, naming the option.

    Parameters
    ----------
    given : float or array_like
        A positive finite scalar (every coordinate) or an array of length ``d``.
    d : int
        The number of coordinates.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(d,)``.
    """
    if isinstance(given, (str, bytes)) or sp.issparse(given):
        raise TypeError(f"option `lipschitz` must be a positive float or an array of {d} "
                        f"positive floats, got {type(given).__name__}.")
    try:
        arr = np.asarray(given)
    except Exception:
        arr = None
    if arr is None or arr.dtype.kind not in "biuf":
        kind = "complex" if arr is not None and arr.dtype.kind == "c" else type(given).__name__
        raise TypeError(f"option `lipschitz` must be a positive float or an array of {d} "
                        f"positive floats, got {kind}.")
    arr = arr.astype(float)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != d):
        raise ValueError(f"option `lipschitz` must be a scalar or have length {d} (one per "
                         f"coordinate), got shape {arr.shape}.")
    if not (np.isfinite(arr).all() and (arr > 0).all()):
        raise ValueError("option `lipschitz` must be finite and > 0 (the steps are 1/L_j), "
                         f"got {np.array2string(arr, threshold=6)}.")
    return np.broadcast_to(arr, (d,)).copy()


def coordinate_lipschitz(smooth, oracle, x0, given=None):
    """Per-coordinate Lipschitz constants of the gradient of ``smooth``."""
    d = x0.size
    if given is not None:
        return check_lipschitz(given, d)
    form = coordinate_form(smooth)
    if isinstance(form, QuadForm):
        return np.diag(form.Q).copy()
    if form is not None:                    # a GLM: curvature ||X_j||^2 / n + mu
        colsq = _colsq(data_matrix(smooth)) / form.n_samples
        L = colsq * form.curvature          # 1 or 1/4: exact scalings
        if form.n_classes > 1:
            return np.repeat(L, form.n_classes) + form.mu
        L = L + form.mu
        return np.append(L, form.curvature) if form.fit_intercept else L
    if smooth.provides("hess"):
        H = oracle.hess(x0)
        diag = np.diag(H) if isinstance(H, np.ndarray) else \
            np.asarray(H.diagonal() if sp.issparse(H) else [(H @ e)[i] for i, e in
                                                            enumerate(np.eye(d))])
        return np.maximum(np.abs(np.asarray(diag, dtype=float)), 1e-300)
    if hasattr(smooth, "lipschitz"):
        return np.full(d, float(smooth.lipschitz()))
    raise ValueError(
        "bcd needs coordinate Lipschitz constants: give option `lipschitz` (a float or an "
        "array of length d), or a smooth problem with `hess` or a `lipschitz()` method.")


def build_model(problem, oracle, x0, opts):
    """The model for ``problem`` under the options (see the module docstring)."""
    smooth = problem.smooth
    form = coordinate_form(smooth) if opts.lipschitz is None else None
    loss = None if form is None or isinstance(form, QuadForm) else form.loss
    d = x0.size
    pen = list(problem.penalty.arrays(d))
    greedy_coords = opts.rule in GREEDY and opts.blocks == "coordinates"
    fixed_blocks = opts.blocks in ("contiguous", "partition", "forest")
    if isinstance(form, QuadForm):
        return QuadModel(form.Q, form.c, 0.0, pen, opts)
    if loss == "squared":
        use_gram = opts.gram
        if use_gram == "auto":
            use_gram = (greedy_coords or fixed_blocks) and d <= opts.gram_max_dim
        if use_gram:
            X, y, n = form.X, form.y, form.n_samples
            cache = coord_cache(problem)
            G = cache.get("gram")
            if G is None:
                G = X.T @ X
                G = cache["gram"] = G.toarray() if sp.issparse(G) else np.asarray(G)
            Q = G / n + form.mu * np.eye(d)
            c = np.asarray(X.T @ y).ravel() / n
            return QuadModel(Q, c, 0.5 * float(y @ y) / n, pen, opts, ls=(X, y, n, form.mu))
        if opts.blocks in ("coordinates", "variable", "contiguous", "partition"):
            pen[1] = pen[1] + form.mu
            return GLMModel(data_matrix(smooth), form.y, LOSS_SQUARED, pen, opts, problem=problem)
    if loss == "logistic" \
            and opts.blocks in ("coordinates", "variable", "contiguous", "partition"):
        mu = np.full(d, form.mu)
        if form.fit_intercept:
            mu[-1] = 0.0
        pen[1] = pen[1] + mu
        return GLMModel(data_matrix(smooth), form.y, LOSS_LOGISTIC, pen, opts,
                        intercept=form.fit_intercept,
                        problem=problem)
    if opts.blocks == "forest":
        raise ValueError("blocks='forest' (message passing) needs a quadratic smooth part "
                         "(QuadraticProblem or LeastSquares).")
    if (opts.update in ("matrix", "newton") or opts.rule == "gsq") \
            and not smooth.provides("hess"):
        raise ValueError(
            f"rule={opts.rule!r} / update={opts.update!r} need block Hessians, but the smooth "
            f"part ({type(smooth).__name__}) provides no `hess`; use rule 'gs', 'gsl' or "
            "'gsd' with update 'lipschitz' or 'diagonal', or give `hess`.")
    Lc = coordinate_lipschitz(smooth, oracle, x0, opts.lipschitz)
    return OracleModel(oracle, smooth, pen, opts, Lc)
