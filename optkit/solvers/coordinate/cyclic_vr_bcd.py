r"""Cyclic proximal block coordinate descent with a SPIDER/SARAH-type
variance-reduced gradient estimator (Cai, Song, Wright & Diakonikolas, 2023).

Its counted oracle, :class:`~optkit.solvers.coordinate._blocks.BlockOracle`,
is shared with :mod:`~optkit.solvers.coordinate.a_coder`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from ..._core.options import Options, option
from ..._core.registry import register
from ..._core.solver import State
from ._blocks import BlockOracle, block_lipschitz, fixed_blocks
from ._rng import RandomStream
from .bcd import CoordinateSolver

__all__ = ["CyclicVRBCD", "CyclicVRBCDOptions"]

# placeholders for the unused arguments of the compiled sweeps
_DUM_F = np.zeros((1, 1), order="F")
_DUM_1 = np.zeros(1)
_DUM_I = np.zeros(1, dtype=np.int32)
_DUM_P = np.zeros(2, dtype=np.int32)


@dataclasses.dataclass(frozen=True)
class CyclicVRBCDOptions(Options):
    """Options of :class:`CyclicVRBCD` (``method="cyclic-vr-bcd"``)."""

    block_size: int = option(1, "Coordinates per block (contiguous blocks).", kind=int, low=1)
    batch_size: int = option(None, "Samples per mini-batch of the recursive estimator. None: "
                             "max(ceil(sqrt(n)), d) (at most n). A batch >= n uses exact "
                             "block gradients.",
                             kind=int, low=1)
    epoch_length: int = option(None, "Full-gradient period q: every q-th epoch uses exact "
                               "block gradients, the others the recursive estimator. None: "
                               "ceil(sqrt(n)).", kind=int, low=1)
    step: float = option(0.5, "Step multiplier: block b moves with step step / L_b.",
                         low=0.0, high=2.0, low_inclusive=False, high_inclusive=False)
    updates_per_step: int = option(None, "Block updates per driver step (None: one epoch). "
                                   "nit counts block updates.", kind=int, low=1)
    lipschitz: object = option(None, "Coordinate Lipschitz constants (float or array of "
                               "length d) for problems without known structure.",
                               kind=object)
    seed: int = option(None, "Seed of the mini-batch sampling.", kind=int)


@dataclasses.dataclass(kw_only=True)
class VRState(State):
    aux: np.ndarray | None      # z = Xw at the current (partially updated) point
    pos: int                    # next block in the epoch
    epoch: int                  # epochs started so far
    k: int                      # block updates so far
    v: np.ndarray               # estimator (block j: current epoch if j < pos)
    dprev: np.ndarray           # block steps of the previous epoch
    dcur: np.ndarray            # block steps of the current epoch
    rows: np.ndarray | None     # the current epoch's batch (None: exact gradients)
    zc: np.ndarray | None       # batch margins at the current partial point
    zp: np.ndarray | None       # batch margins at the previous epoch's partial point
    cert: float
    nnz: int
    passes: float               # data passes of the method (without the certificate)
    rng: dict | None = None     # state of the mini-batch generator


@register
class CyclicVRBCD(CoordinateSolver):
    r"""Cyclic proximal block coordinate descent with variance reduction.

    For :math:`F(x) = f(x) + \sum_j g_j(x^j)` with
    :math:`f = \frac1n\sum_{i=1}^n f_i` (blocks :math:`x^1, \dots, x^m`),
    epoch :math:`k` updates the blocks in cyclic order at the partially
    updated points :math:`x_{k,j} = (x_{k+1}^1, \dots, x_{k+1}^{j-1},
    x_k^j, \dots, x_k^m)`:

    .. math::

        v_k^j &= \begin{cases} \nabla_j f(x_{k,j}) & k \equiv 0 \pmod q,\\
              v_{k-1}^j + \frac{1}{|B_k|}\sum_{i \in B_k}
              \bigl(\nabla_j f_i(x_{k,j}) - \nabla_j f_i(x_{k-1,j})\bigr)
              & \text{otherwise,}\end{cases}\\
        x_{k+1}^j &= \operatorname{prox}_{\eta_j g_j}\bigl(x_k^j - \eta_j v_k^j\bigr),
        \qquad \eta_j = \text{step} / L_j,

    a SPIDER/SARAH recursive estimator with a mini-batch :math:`B_k` drawn
    once per epoch (uniformly, without replacement) and an exact pass every
    ``q = epoch_length`` epochs. With ``batch_size >= n``, or a smooth part
    that is not a finite sum (see below), :math:`v_k^j` is the exact
    partial gradient: plain proximal cyclic coordinate descent.

    Defaults (our choices, see Notes): ``step = 0.5``, batch
    :math:`\max(\lceil\sqrt n\rceil, d)`, period :math:`q = \lceil\sqrt n\rceil`.

    Certificate: :math:`\|x - \operatorname{prox}_g(x - \nabla f(x))\|_\infty`,
    as for ``bcd`` (computed with an exact gradient after each step).

    Notes
    -----
    Finite sums: :class:`~optkit.problems.glm.LeastSquares` and
    :class:`~optkit.problems.glm.LogisticRegression` smooth parts (as in
    :class:`~optkit.problems.composite.Lasso`, ``L1LogisticRegression``), where
    :math:`f_i` is the loss of sample i. An estimator epoch only touches the
    batch (its margins at :math:`x_{k,j}` and :math:`x_{k-1,j}` are kept up
    to date; the full margins ``z = Xw`` are refreshed before the next exact
    epoch), so it costs :math:`O(|B| d)`; an exact epoch costs O(nnz(X)). The
    result field / trace column ``passes`` counts the method's data passes
    (matrix entries read / nnz(X), without the certificate's gradient): the
    full-gradient equivalents of the paper's complexity bounds. Any other
    smooth part is treated as a single sample (exact block gradients through
    the ``grad`` oracle or the quadratic's rows). One *iteration* is one block
    update; a driver step runs an epoch (``updates_per_step``), and the
    driver's smaller budget near ``maxiter`` is respected. The certificate needs a full
    gradient after every step; raise ``updates_per_step`` (e.g. ``q`` epochs)
    to amortize it when n is large.

    The sweeps of least squares / logistic regression (dense or CSC X) and
    quadratics run in the compiled kernel
    :func:`optkit.kernels.cyclic_coordinate.vr_sweep`; other smooth parts use
    a NumPy loop over blocks.

    Constants: only the paper's abstract and introduction were available to
    us (not its algorithm statement), so the estimator above follows the
    recursive (SARAH/SPIDER) scheme the abstract names, and the constants
    are ours. The batch :math:`\sqrt n` with steps :math:`1/L_j` diverged in
    our tests on standardized Lasso data with d > sqrt(n) (the error of the
    recursive estimator grows like :math:`d / |B|`); hence the default batch
    of at least d samples and the halved step.

    References
    ----------
    X. Cai, C. Song, S. J. Wright, J. Diakonikolas, "Cyclic Block Coordinate
    Descent With Variance Reduction for Composite Nonconvex Optimization",
    ICML 2023, arXiv:2212.05088.
    L. M. Nguyen, J. Liu, K. Scheinberg, M. Takac, "SARAH: a novel method for
    machine learning problems using stochastic recursive gradient", ICML 2017.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.composite import Lasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 10)); y = X[:, :3] @ [1.0, -2.0, 3.0]
    >>> res = optkit.minimize(Lasso(X, y, alpha=0.1), method="cyclic-vr-bcd",
    ...                       options={"seed": 0}, tol=1e-10)
    >>> res.success, int(np.count_nonzero(res.x))
    (True, 3)
    """

    name = "cyclic-vr-bcd"
    aliases = ("vr-bcd", "cyclic-vr-cd")
    Options = CyclicVRBCDOptions
    trace_fields = ("nnz", "epoch", "passes")
    summary = "Cyclic proximal BCD with a SPIDER/SARAH variance-reduced estimator"
    reference = "Cai, Song, Wright & Diakonikolas, ICML 2023"

    def make_oracle(self, problem, dim):
        return BlockOracle(problem, dim)

    def init(self, oracle, x0, tol):
        opts = self.options
        problem, x0 = self.start(oracle, x0)
        self.acc = acc = oracle.setup(x0, lipschitz=opts.lipschitz)
        d = x0.size
        self.blocks = fixed_blocks(opts.block_size, d)
        self.nblocks = len(self.blocks)
        self.eta = [opts.step / L for L in block_lipschitz(acc, self.blocks)]
        self.eta_arr = np.asarray(self.eta, dtype=float)
        self.bs = opts.block_size
        n = acc.n_samples
        root = int(np.ceil(np.sqrt(n)))
        self.batch = min(opts.batch_size or max(root, d), n)
        self.q = opts.epoch_length or root
        self.exact = self.batch >= n          # not a finite sum, or full batches
        self.stream = RandomStream(opts.seed)
        self.per_step = opts.updates_per_step or self.nblocks
        x = x0.copy()
        aux = acc.init_aux(x, count=False)
        zeros = np.zeros(d)
        if acc.kind == "glm":
            self.unit = float(max(acc.X.nnz if sp.issparse(acc.X) else acc.X.size, 1))
        elif acc.kind == "quad":
            self.unit = float(max(d * d, 1))
        else:
            self.unit = 1.0             # one grad call (a full pass) per block gradient
        return self._finish(x, aux, pos=0, epoch=0, k=0, v=zeros, dprev=zeros.copy(),
                            dcur=zeros.copy(), rows=None, zc=None, zp=None, passes=0.0,
                            rng=self.stream.initial())

    def _finish(self, x, aux, **kw):
        acc = self.acc
        grad = acc.block_full_grad(x, aux)
        cert = float(np.max(np.abs(acc.prox_grad_map(x, grad)), initial=0.0))
        return VRState(x=x, fun=acc.composite_fun(x, aux), jac=None, aux=aux, cert=cert,
                       nnz=int(np.count_nonzero(x)), **kw)

    def _start_epoch(self, x, aux, epoch, dprev, rng):
        """Batch and margins for a new epoch (None when exact), and the generator state."""
        if self.exact or epoch % self.q == 0:
            return None, None, None, rng
        acc = self.acc
        rows, rng = self.stream.choice(rng, acc.n_samples, size=self.batch, replace=False)
        rows = np.sort(rows)
        zc, zp = acc.batch_margins(rows, x, dprev)
        return rows, zc, zp, rng

    def block_size(self, state):
        return self.per_step

    def step(self, state, budget):
        n = budget
        if self.acc.kargs is None:
            return self._step_python(state, n)
        return self._step_kernel(state, n)

    def _batch_kernel_args(self, rows, zc, zp):
        """Batch arguments of :func:`~optkit.kernels.cyclic_coordinate.vr_sweep`."""
        if rows is None:
            return (True, _DUM_F, _DUM_1, _DUM_I, _DUM_P, True, _DUM_1, _DUM_1, _DUM_1, 1.0)
        XB, yB = self.acc.batch_rows(rows)
        if sp.issparse(XB):
            Bc = XB.tocsc()
            Bc.sort_indices()
            return (False, _DUM_F, Bc.data, Bc.indices.astype(np.int32),
                    Bc.indptr.astype(np.int32), False, yB, zc, zp, 1.0 / rows.size)
        return (False, np.asfortranarray(XB), _DUM_1, _DUM_I, _DUM_P, True, yB, zc, zp,
                1.0 / rows.size)

    def _step_kernel(self, state, n):
        """Compiled sweeps (GLM, quadratic); same iterates as :meth:`_step_python`."""
        acc = self.acc
        x = state.x.copy()
        aux = np.zeros(1) if state.aux is None else state.aux.copy()
        v, dprev, dcur = state.v.copy(), state.dprev.copy(), state.dcur.copy()
        pos, epoch = state.pos, state.epoch
        rows = state.rows
        zc = None if state.zc is None else state.zc.copy()
        zp = None if state.zp is None else state.zp.copy()
        bargs = self._batch_kernel_args(rows, zc, zp) if pos != 0 else None
        stale = rows is not None and pos != 0       # aux is not kept in estimator epochs
        rng = state.rng
        work0 = acc.nwork
        done = 0
        while done < n:
            if pos == 0:
                epoch += 1
                dprev, dcur = dcur, np.zeros_like(dcur)
                rows, zc, zp, rng = self._start_epoch(x, aux, epoch - 1, dprev, rng)
                bargs = self._batch_kernel_args(rows, zc, zp)
                if rows is None and stale:
                    aux = acc.init_aux(x)
                    stale = False
                stale = stale or rows is not None
            m = min(n - done, self.nblocks - pos)
            acc.vr_sweep(*bargs, x, aux, v, dprev, dcur, self.eta_arr, self.bs, acc.l1, acc.l2,
                         acc.lo, acc.hi, pos, m)
            pos = (pos + m) % self.nblocks
            done += m
        passes = state.passes + (acc.nwork - work0) / self.unit
        if stale:
            aux = acc.init_aux(x)
        new = self._finish(x, None if state.aux is None else aux, pos=pos, epoch=epoch,
                           k=state.k + n, v=v, dprev=dprev, dcur=dcur, rows=rows, zc=zc,
                           zp=zp, passes=passes, rng=rng)
        new.advanced = n
        return new

    def _step_python(self, state, n):
        """NumPy loop over blocks (generic smooth parts; the reference of the kernels)."""
        acc = self.acc
        x = state.x.copy()
        aux = None if state.aux is None else state.aux.copy()
        v, dprev, dcur = state.v.copy(), state.dprev.copy(), state.dcur.copy()
        pos, epoch = state.pos, state.epoch
        rows = state.rows
        zc = None if state.zc is None else state.zc.copy()
        zp = None if state.zp is None else state.zp.copy()
        XB = yB = None
        if rows is not None:
            XB, yB = acc.batch_rows(rows)
        stale = rows is not None and pos != 0
        rng = state.rng
        work0 = acc.nwork
        for _ in range(n):
            if pos == 0:
                epoch += 1
                dprev, dcur = dcur, np.zeros_like(dcur)
                rows, zc, zp, rng = self._start_epoch(x, aux, epoch - 1, dprev, rng)
                XB = yB = None
                if rows is not None:
                    XB, yB = acc.batch_rows(rows)
                elif stale:
                    aux = acc.init_aux(x)
                    stale = False
                stale = stale or rows is not None
            idx = self.blocks[pos]
            if rows is None:
                v[idx] = acc.block_grad(x, aux, idx)
            else:
                v[idx] = v[idx] + acc.batch_block_grad(XB, yB, zc, idx) \
                    - acc.batch_block_grad(XB, yB, zp, idx)
            eta = self.eta[pos]
            xb = x[idx]
            delta = acc.prox(xb - eta * v[idx], eta, idx) - xb
            if rows is None:
                acc.apply(x, aux, idx, delta)
            else:
                x[idx] += delta                 # aux is left stale in estimator epochs
            dcur[idx] = delta
            if rows is not None:
                cols = XB[:, idx]
                if np.any(delta):
                    zc += np.asarray(cols @ delta).ravel()
                if np.any(dprev[idx]):
                    zp += np.asarray(cols @ dprev[idx]).ravel()
            pos = (pos + 1) % self.nblocks
        passes = state.passes + ((acc.nwork - work0) / self.unit if acc.kind != "oracle" else n)
        if stale and aux is not None:
            aux = acc.init_aux(x)
        new = self._finish(x, aux, pos=pos, epoch=epoch, k=state.k + n, v=v, dprev=dprev,
                           dcur=dcur, rows=rows, zc=zc, zp=zp, passes=passes, rng=rng)
        new.advanced = n
        return new

    def certificate(self, state):
        return state.cert

    def result_fields(self, state):
        return {"nnz": state.nnz, "epoch": state.epoch, "passes": state.passes}
