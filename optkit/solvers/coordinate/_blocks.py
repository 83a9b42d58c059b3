"""Block access shared by the cyclic coordinate methods (cyclic-vr-bcd, a-coder).

:class:`BlockOracle` is their counted oracle: block and full gradients of
the smooth part (GLM margins, quadratic rows, or the ``grad`` oracle), the
penalty's prox per block, mini-batch rows and the compiled sweeps, each
counting the matrix entries it reads in ``nwork``. :func:`fixed_blocks` and
:func:`block_lipschitz` give the contiguous blocks and their constants.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ...kernels import cyclic_coordinate as KC
from . import _models as M
from ._datafit import LOSS_CODES, QuadForm, coordinate_form
from .bcd import CoordinateOracle

__all__ = ["BlockOracle", "fixed_blocks", "block_lipschitz"]


class BlockOracle(CoordinateOracle):
    r"""Counted block-gradient access to the smooth part of a composite problem.

    The oracle of the cyclic coordinate methods (``cyclic-vr-bcd``,
    ``a-coder``): :meth:`setup` (called by the solver's ``init``, which knows
    x0 and the options) builds the block access; every method that reads the
    data matrix adds the entries it read to ``nwork``, and the compiled sweeps
    (:meth:`vr_sweep`, :meth:`acoder_sweep`) are called here.

    Three kinds:

    * ``"glm"`` -- :class:`~optkit.problems.glm.LeastSquares` and
      :class:`~optkit.problems.glm.LogisticRegression`:
      :math:`f(w) = \frac1n\sum_i \ell(\langle x_i, w\rangle; y_i)` (the ridge
      :math:`\mu` is moved into the penalty), a finite sum of ``n`` samples;
      ``z = Xw`` is kept up to date (O(n |b|) per block update).
    * ``"quad"`` -- :class:`~optkit.problems.synthetic.QuadraticProblem`
      :math:`\frac12 x^\top A x - b^\top x`: block gradients are rows of A.
    * ``"oracle"`` -- any other smooth problem, through the counted ``grad``
      oracle (one full gradient per block gradient).

    Only the ``"glm"`` kind is a finite sum (``n_samples > 1``); the others
    count as a single sample.
    """

    def setup(self, x0, *, lipschitz=None):
        """Choose the kind from the smooth part and build its data (init-time)."""
        problem = self.composite
        smooth = problem.smooth
        d = x0.size
        self.d = d
        l1, l2, lo, hi = problem.penalty.arrays(d)
        self.kind = "oracle"
        self.n_samples = 1
        form = coordinate_form(smooth) if lipschitz is None else None
        if form is not None and getattr(form, "loss", None) in LOSS_CODES:
            X = form.X
            n = X.shape[0]
            mu = np.full(d, float(form.mu))
            self.loss, y = LOSS_CODES[form.loss], np.asarray(form.y, dtype=float)
            if self.loss == 1:
                if form.fit_intercept:
                    X = sp.hstack([X, np.ones((n, 1))], format="csr") if sp.issparse(X) \
                        else np.hstack([X, np.ones((n, 1))])
                    mu[-1] = 0.0
            self.kind = "glm"
            self.X = sp.csc_matrix(X, dtype=float) if sp.issparse(X) \
                else np.asfortranarray(X, dtype=float)
            self.Xr = self.X.tocsr() if sp.issparse(X) else np.ascontiguousarray(self.X)
            self.y = y
            self.n = self.n_samples = n
            l2 = l2 + mu
            colsq = M._colsq(self.X) / n
            self.Lc = colsq * (1.0 if self.loss == 0 else 0.25)
        elif isinstance(form, QuadForm):
            self.kind = "quad"
            self.Q = np.ascontiguousarray(form.Q, dtype=float)
            self.c = np.asarray(form.c, dtype=float)
            self.Lc = np.diag(self.Q).copy()
        else:
            self.Lc = np.asarray(M.coordinate_lipschitz(smooth, self, x0, lipschitz),
                                 dtype=float)
        self.Lc = np.where(self.Lc > 0, self.Lc, 1.0)
        self.l1, self.l2, self.lo, self.hi = l1, l2, lo, hi
        self.kargs = self._kernel_args()
        return self

    def _kernel_args(self):
        """``(kind, Xd, data, indices, indptr, dense, y, loss, inv_n, Q, c)`` of the
        compiled sweeps (:mod:`optkit.kernels.cyclic_coordinate`); None for "oracle"."""
        Xd = np.zeros((1, 1), order="F")
        data, indices, indptr = np.zeros(1), np.zeros(1, dtype=np.int32), \
            np.zeros(2, dtype=np.int32)
        Q, c = np.zeros((1, 1)), np.zeros(1)
        if self.kind == "glm":
            if sp.issparse(self.X):
                self.X.sort_indices()
                data, indices, indptr = self.X.data, self.X.indices, self.X.indptr
                dense = False
            else:
                Xd, dense = self.X, True
            return (0, Xd, data, indices, indptr, dense, self.y, self.loss, 1.0 / self.n, Q, c)
        if self.kind == "quad":
            return (1, Xd, data, indices, indptr, True, np.zeros(1), 0, 1.0, self.Q, self.c)
        return None

    # -- aux: z = Xw (minus y for least squares) --------------------------------
    def init_aux(self, x, *, count=True):
        """Margins (residual) at x for the GLM kind, None otherwise; ``count=False``
        leaves the pass out of ``nwork`` (cyclic-vr-bcd's start, as before)."""
        if self.kind != "glm":
            return None
        z = np.asarray(self.X @ x, dtype=float)
        if count:
            self.nwork += self.X.nnz if sp.issparse(self.X) else self.X.size
        return z - self.y if self.loss == 0 else z

    def dloss(self, z, y):
        if self.loss == 0:
            return z
        m = y * z
        return -y * np.exp(-np.logaddexp(0.0, m))        # -y sigmoid(-m)

    def _cols(self, idx):
        return self.X[:, idx]

    def block_grad(self, x, aux, idx):
        """Partial gradient of the data term on block ``idx`` at (x, aux)."""
        if self.kind == "glm":
            cols = self._cols(idx)
            self.nwork += cols.nnz if sp.issparse(cols) else cols.size
            return np.asarray(cols.T @ self.dloss(aux, self.y)).ravel() / self.n
        if self.kind == "quad":
            return self.Q[idx] @ x - self.c[idx]
        return np.asarray(super().grad(x), dtype=float)[idx]

    def apply(self, x, aux, idx, delta):
        """x[idx] += delta, keeping aux up to date (in place)."""
        x[idx] += delta
        if self.kind == "glm" and np.any(delta):
            cols = self._cols(idx)
            aux += np.asarray(cols @ delta).ravel()
            self.nwork += cols.nnz if sp.issparse(cols) else cols.size

    def block_full_grad(self, x, aux):
        """Full gradient of the data term (the ridge is in the penalty)."""
        if self.kind == "glm":
            self.nwork += self.X.nnz if sp.issparse(self.X) else self.X.size
            return np.asarray(self.X.T @ self.dloss(aux, self.y)).ravel() / self.n
        if self.kind == "quad":
            return self.Q @ x - self.c
        return np.asarray(super().grad(x), dtype=float)

    def composite_fun(self, x, aux):
        """F(x) = f(x) + g(x) (penalty without the box indicator)."""
        pen = M._pen_value(x, self.l1, self.l2)
        if self.kind == "glm":
            if self.loss == 0:
                return 0.5 * float(aux @ aux) / self.n + pen
            m = self.y * aux
            return float(np.sum(np.logaddexp(0.0, -m))) / self.n + pen
        if self.kind == "quad":
            return 0.5 * float(x @ (self.Q @ x)) - float(self.c @ x) + pen
        return float(super().fun(x)) + pen

    def prox(self, v, step, idx):
        """Prox of the penalty on block ``idx`` with (per-coordinate) step."""
        l1, l2 = self.l1[idx], self.l2[idx]
        z = np.sign(v) * np.maximum(np.abs(v) - step * l1, 0.0) / (1.0 + step * l2)
        return np.clip(z, self.lo[idx], self.hi[idx])

    def prox_grad_map(self, x, grad):
        """``x - prox_g(x - grad f(x))``, grad of the data term (ridge added here)."""
        return M.prox_grad_map(x, grad, self.l1, self.l2, self.lo, self.hi)

    # -- mini-batches (glm only) -------------------------------------------------
    def batch_rows(self, rows):
        """Rows ``rows`` of X (dense or CSR) and their targets."""
        return self.Xr[rows], self.y[rows]

    def batch_margins(self, rows, x, dprev):
        """Margins (residuals) of the batch ``rows`` at x and at ``x - dprev``."""
        XB, yB = self.batch_rows(rows)
        zc = np.asarray(XB @ x, dtype=float).ravel()   # batch margins (the full ones
        if self.loss == 0:                             # are not kept in estimator epochs)
            zc = zc - yB                               # residuals for least squares
        zp = zc - np.asarray(XB @ dprev).ravel()       # margins at x_{k-1}
        self.nwork += 2 * (XB.nnz if sp.issparse(XB) else XB.size)
        return zc, zp

    def batch_block_grad(self, XB, yB, zB, idx):
        """Block gradient of the mean loss over a batch, at batch margins ``zB``."""
        cols = XB[:, idx]
        self.nwork += cols.nnz if sp.issparse(cols) else cols.size
        return np.asarray(cols.T @ self.dloss(zB, yB)).ravel() / XB.shape[0]

    # -- compiled sweeps (glm, quad) ---------------------------------------------
    def vr_sweep(self, *args):
        """:func:`~optkit.kernels.cyclic_coordinate.vr_sweep` on this data (in place)."""
        self.nwork += int(KC.vr_sweep(*self.kargs, *args))

    def acoder_sweep(self, *args):
        """:func:`~optkit.kernels.cyclic_coordinate.acoder_sweep` on this data (in place)."""
        self.nwork += int(KC.acoder_sweep(*self.kargs, *args))


def fixed_blocks(block_size, d):
    """Contiguous blocks of ``block_size`` coordinates, as a list of index arrays."""
    k = block_size or 1
    return [np.arange(s, min(s + k, d)) for s in range(0, d, k)]


def block_lipschitz(access, blocks):
    """Per-block constants L_b (sum of coordinate constants: a safe bound); ``access``
    a set-up :class:`BlockOracle`."""
    return np.array([float(access.Lc[b].sum()) if b.size > 1 else float(access.Lc[b[0]])
                     for b in blocks])
