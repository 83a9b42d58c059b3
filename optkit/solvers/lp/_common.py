"""What the LP methods share: the counted LP oracle (presolve scaling, the only
caller of the mat-vec kernels, the only writer of the counts), options and the
base solver."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import Options, option
from ..._core.oracle import Oracle
from ..._core.solver import Solver
from ...kernels import lp_matvec as K
from ...problems._scaling import pock_chambolle_scale, ruiz_equilibrate
from ...problems.lp import KKTError, LPIterate, combined_bound_norm

__all__ = ["LPOracle", "LPOptions", "LPSolver", "LPIterate", "cuda_available"]


def cuda_available() -> bool:
    """Whether numba.cuda sees a GPU (or runs on its simulator)."""
    try:
        from numba import cuda

        return bool(cuda.is_available())
    except Exception:                        # pragma: no cover - numba without cuda support
        return False


class LPOracle(Oracle):
    r"""Counted front of an :class:`~optkit.problems.lp.LPProblem`, on its rescaled data.

    At construction the constraint matrix is rescaled once (presolve, PDLP
    §4): ``ruiz_iters`` passes of Ruiz equilibration, then, unless
    ``pc_alpha`` is None, one Pock-Chambolle pass with that :math:`\alpha`:
    :math:`\tilde K = D_r K D_c`, :math:`\tilde c = D_c c`, row bounds
    :math:`D_r r^{lo,up}`, variable bounds :math:`D_c^{-1} l, D_c^{-1} u`. A
    point of the scaled LP maps back by :math:`x = D_c \tilde x`,
    :math:`y = D_r \tilde y` (objective values are unchanged).

    Attributes
    ----------
    nfev : int
        Evaluations of the KKT measures (a pass over the vectors, no mat-vec).
    njev, nhev, nhvp : int
        Always 0 (kept for the library-wide columns).
    nmatvec : int
        Products with :math:`K` or :math:`K^T` (an adaptive PDHG trial is 2).
    """

    count_names = ("nfev", "njev", "nhev", "nhvp", "nmatvec")

    def __init__(self, problem, ruiz_iters: int = 10, pc_alpha: float | None = 1.0,
                 device: str = "cpu"):
        if device == "cuda" and not cuda_available():
            raise RuntimeError(
                "device='cuda' was requested but numba.cuda finds no usable GPU "
                "(no CUDA driver or device). Use device='cpu', or set "
                "NUMBA_ENABLE_CUDASIM=1 to run the kernels on Numba's CUDA simulator.")
        super().__init__()
        self.problem = problem
        self.device = device
        A = problem.A
        ruiz = ruiz_equilibrate(A, max_iter=ruiz_iters)
        Ks, dr, dc = ruiz
        if pc_alpha is not None:
            pc = pock_chambolle_scale(Ks, pc_alpha)
            Ks, dr, dc = pc.matrix, dr * pc.row_scale, dc * pc.col_scale
        Ks = Ks.tocsr()
        Ks.sort_indices()
        KT = Ks.T.tocsr()
        KT.sort_indices()
        self.K, self.KT = Ks, KT
        self.row_scale, self.col_scale = dr, dc
        self.m, self.n = Ks.shape
        self.c = problem.c * dc
        self.rl, self.ru = problem.row_lower * dr, problem.row_upper * dr
        self.lo, self.up = problem.lower / dc, problem.upper / dc
        self.offset = problem.offset
        self.q_norm, self.c_norm = combined_bound_norm(self.rl, self.ru), float(
            np.linalg.norm(self.c))
        self.orig_q_norm, self.orig_c_norm = problem.bound_norms()
        self.max_abs = float(np.abs(Ks.data).max()) if Ks.nnz else 1.0
        self._csr = (Ks.indptr.astype(np.int64), Ks.indices.astype(np.int64), Ks.data)
        self._csr_t = (KT.indptr.astype(np.int64), KT.indices.astype(np.int64), KT.data)
        self._gpu = None
        if device == "cuda":
            from ...kernels import lp_cuda

            self._gpu = lp_cuda.DeviceLP(*self._csr, *self._csr_t, self.m, self.n)

    # -- scaling -------------------------------------------------------------------
    def to_scaled(self, x, y):
        """An original-space point in the scaled LP (x clipped to its bounds)."""
        return np.clip(x / self.col_scale, self.lo, self.up), y / self.row_scale

    def to_original(self, x, y):
        """A scaled-LP point in the original space."""
        return x * self.col_scale, y * self.row_scale

    # -- products --------------------------------------------------------------------
    def matvec(self, x):
        """``K~ x`` (one mat-vec)."""
        self.nmatvec += 1
        if self._gpu is not None:
            return self._gpu.matvec(x)
        out = np.empty(self.m)
        K.csr_matvec(*self._csr, x, out)
        return out

    def rmatvec(self, y):
        """``K~^T y`` (one mat-vec)."""
        self.nmatvec += 1
        if self._gpu is not None:
            return self._gpu.rmatvec(y)
        out = np.empty(self.n)
        K.csr_matvec(*self._csr_t, y, out)
        return out

    def pdhg_block(self, x, y, Kx, KTy, xs, ys, Kxs, KTys, eta, omega, k0, block):
        """``block`` adaptive PDHG iterations in place on the given arrays (see
        :func:`optkit.kernels.lp_matvec.pdhg_adaptive_block`); returns
        ``(eta, weight, trials)`` and counts two mat-vecs per trial."""
        if self._gpu is not None:
            eta, weight, trials = self._gpu.pdhg_block(
                self.c, self.rl, self.ru, self.lo, self.up, x, y, Kx, KTy, xs, ys, Kxs, KTys,
                eta, omega, k0, block)
        else:
            eta, weight, trials = K.pdhg_adaptive_block(
                *self._csr, *self._csr_t, self.c, self.rl, self.ru, self.lo, self.up,
                x, y, Kx, KTy, xs, ys, Kxs, KTys, eta, omega, k0, block,
                np.empty(self.n), np.empty(self.m), np.empty(self.m), np.empty(self.n))
        self.nmatvec += 2 * trials
        return eta, weight, trials

    # -- measures ---------------------------------------------------------------------
    def kkt_scaled(self, x, y, Kx, KTy) -> KKTError:
        """KKT measures of a point of the scaled LP (products given)."""
        self.nfev += 1
        return _kkt(K.kkt_terms(self.c, x, y, Kx, KTy, self.rl, self.ru, self.lo, self.up),
                    self.offset, self.q_norm, self.c_norm)

    def normalized_gap(self, x, y, Kx, KTy, radius, omega) -> float:
        """PDLP's normalized duality gap of a scaled-LP point within ``radius``
        (see :func:`~optkit.kernels.lp_matvec.normalized_duality_gap`)."""
        self.nfev += 1
        return float(K.normalized_duality_gap(self.c, self.rl, self.ru, self.lo, self.up, x, y,
                                              Kx, KTy, radius, omega))

    def kkt_original(self, x, y, Kx, KTy) -> tuple[KKTError, LPIterate]:
        """KKT measures, in the original LP, of a scaled-LP point (products of
        the scaled point given: ``K x = D_r^{-1} K~ x~``, ``K^T y = D_c^{-1} K~^T y~``)."""
        self.nfev += 1
        p = self.problem
        xo, yo = self.to_original(x, y)
        terms = K.kkt_terms(p.c, xo, yo, Kx / self.row_scale, KTy / self.col_scale,
                            p.row_lower, p.row_upper, p.lower, p.upper)
        kkt = _kkt(terms, p.offset, self.orig_q_norm, self.orig_c_norm)
        return kkt, LPIterate(xo, yo)

    def infeasibility(self, dx, dy, Kdx, KTdy):
        """Certificate qualities of the iterate difference ``(dx, dy)`` (scaled
        space, with its products), in the original LP.

        Returns ``(primal_infeasibility, dual_infeasibility)``: the relative
        violation of the dual ray ``dy`` as a Farkas certificate of primal
        infeasibility (``max residual / ray objective``, ``inf`` when the ray
        objective is not positive), and of the primal ray ``dx`` as a
        certificate of dual infeasibility (``max violation / -c^T dx``).
        """
        self.nfev += 1
        p = self.problem
        dxo, dyo = self.to_original(dx, dy)
        Kdxo, KTdyo = Kdx / self.row_scale, KTdy / self.col_scale
        # dual ray: y with  inf_{r in [rl,ru]} y^T r + inf_{x in [l,u]} (-K^T y)^T x > 0
        ray = np.abs(dyo).max(initial=0.0)
        primal_inf = math.inf
        if ray > 0:
            v1, bad1, _ = K.bounded_value(dyo, p.row_lower, p.row_upper, 1.0 / ray)
            v2, bad2, _ = K.bounded_value(KTdyo, p.lower, p.upper, -1.0 / ray)
            obj = v1 + v2
            if obj > 0:
                primal_inf = max(bad1, bad2) / obj
        # primal ray: c^T x < 0, K x in the recession cone of the rows, x of the box
        ray = np.abs(dxo).max(initial=0.0)
        dual_inf = math.inf
        if ray > 0:
            d = dxo / ray
            Kd = Kdxo / ray
            ctd = float(p.c @ d)
            if ctd < 0:
                viol = max(K.recession_violation(Kd, p.row_lower, p.row_upper),
                           K.recession_violation(d, p.lower, p.upper))
                dual_inf = viol / -ctd
        return primal_inf, dual_inf


def _kkt(terms, offset, q_norm, c_norm) -> KKTError:
    """KKTError from :func:`~optkit.kernels.lp_matvec.kkt_terms`'s one-pass sums
    (the formula of :func:`optkit.problems.lp.kkt_measures`)."""
    ctx, pres2, dres2, dval = terms
    pobj, dobj = ctx + offset, dval + offset
    pres, dres = math.sqrt(pres2), math.sqrt(dres2)
    gap = abs(pobj - dobj)
    rel = max(pres / (1.0 + q_norm), dres / (1.0 + c_norm), gap / (1.0 + abs(pobj) + abs(dobj)))
    return KKTError(pobj, dobj, pres, dres, gap, rel)


@dataclasses.dataclass(frozen=True)
class LPOptions(Options):
    """Options every LP method accepts."""

    check_every: int = option(
        64, "Iterations between evaluations of the restart and termination criteria "
        "(PDLP: 64); one step of the driver runs this many iterations (a compiled block), "
        "so the trace has one row per check.", kind=int, low=1)
    ruiz_iters: int = option(10, "Passes of Ruiz equilibration in the presolve rescaling "
                             "(PDLP: 10; 0 skips it).", kind=int, low=0)
    pc_alpha: float = option(1.0, "Pock-Chambolle alpha of the rescaling after Ruiz "
                             "(PDLP: 1); None skips it.", kind=float, low=0.0, high=2.0,
                             allow_none=True)
    infeasibility_tol: float = option(
        1e-8, "Relative violation below which an iterate difference is accepted as an "
        "infeasibility certificate (a dual ray: primal infeasible; a primal ray: dual "
        "infeasible, i.e. unbounded or infeasible); 0 turns detection off.",
        kind=float, low=0.0)
    device: str = option("cpu", "Where the mat-vecs run: 'cpu' (Numba) or 'cuda' "
                         "(numba.cuda; needs a GPU or NUMBA_ENABLE_CUDASIM=1).",
                         kind=str, choices=("cpu", "cuda"))


class LPSolver(Solver):
    """Base of the LP methods: family, oracle, certificate (relative KKT error)."""

    family = "lp"
    requires = ()
    Options = LPOptions
    default_tol = 1e-8
    default_maxiter = 1_000_000
    certificate_name = "rel_kkt"

    def make_oracle(self, problem, dim):
        o = self.options
        return LPOracle(problem, o.ruiz_iters, o.pc_alpha, o.device)

    def block_size(self, state) -> int:
        return self.options.check_every

    def certificate(self, state):
        return state.rel_kkt
