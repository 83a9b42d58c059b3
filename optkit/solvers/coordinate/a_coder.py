r"""A-CODER: accelerated cyclic coordinate dual averaging with extrapolation
(Lin, Song & Diakonikolas, 2023)."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._core.options import Options, option
from ..._core.registry import register
from ..._core.solver import State
from .bcd import CoordinateSolver
from .cyclic_vr_bcd import BlockAccess, block_lipschitz, fixed_blocks

__all__ = ["ACODER", "ACODEROptions"]


@dataclasses.dataclass(frozen=True)
class ACODEROptions(Options):
    """Options of :class:`ACODER` (``method="a-coder"``)."""

    block_size: int = option(1, "Coordinates per block (contiguous blocks).", kind=int, low=1)
    cyclic_lipschitz: float = option(None, "Lipschitz constant L of the gradient in the norm "
                                     "sum_j L_j ||x^j||^2 (>= 1). None: the largest "
                                     "eigenvalue of the block-scaled Hessian (quadratics, "
                                     "least squares, logistic at its bound; the Hessian at "
                                     "x0 otherwise, or the number of blocks without one).",
                                     low=0.0, low_inclusive=False)
    step: float = option(1.0, "Weight growth: a_k^2 = step * A_k / L (smaller is safer).",
                         low=0.0, low_inclusive=False)
    restart: str = option("adaptive", "'adaptive': restart the estimate sequence (A = 0, "
                          "anchor = x_k) at the end of an epoch when F increased over it or the "
                          "certificate fell below `restart_ratio` times its value at the last "
                          "restart; 'function': only on an increase of F; 'none': the plain "
                          "O(1/k^2) scheme.", kind=str, choices=("adaptive", "function", "none"))
    restart_ratio: float = option(0.1, "Certificate reduction that triggers an adaptive "
                                  "restart.", low=0.0, high=1.0, low_inclusive=False,
                                  high_inclusive=False)
    updates_per_step: int = option(None, "Block updates per driver step (None: one epoch). "
                                   "nit counts block updates.", kind=int, low=1)
    lipschitz: object = option(None, "Coordinate Lipschitz constants (float or array of "
                               "length d) for problems without known structure.",
                               kind=object)


@dataclasses.dataclass(kw_only=True)
class ACODERState(State):
    aux: np.ndarray | None
    pos: int                # next block of the current epoch
    epoch: int              # epochs started
    k: int                  # block updates so far
    A_prev: float           # A_{k-1}
    a_prev: float           # a_{k-1}
    a: float                # a_k (current epoch)
    z: np.ndarray           # sum_i a_i q_i
    xhat: np.ndarray        # anchor of the dual averaging
    xprev: np.ndarray       # x_{k-1}
    gprev: np.ndarray       # grad f(x_{k-1})
    pprev: np.ndarray       # partial gradients of epoch k-1
    pcur: np.ndarray        # partial gradients of epoch k (blocks < pos)
    Fprev: float            # F(x_{k-1})
    cert0: float            # certificate at the last restart
    cert: float
    nnz: int
    restarts: int
    grad: np.ndarray


@register
class ACODER(CoordinateSolver):
    r"""Accelerated cyclic coordinate dual averaging with extrapolation (A-CODER).

    For :math:`F(x) = f(x) + \sum_j g_j(x^j)` with f convex and block
    Lipschitz constants :math:`L_j`, weights :math:`a_k` with
    :math:`A_k = A_{k-1} + a_k` and :math:`a_k^2 = s A_k / L`, epoch k sweeps the
    blocks :math:`j = 1, \dots, m` in order:

    .. math::

        p_k^j &= \nabla_j f(x_k^1, \dots, x_k^{j-1}, x_{k-1}^j, \dots, x_{k-1}^m),\\
        q_k^j &= p_k^j + \frac{a_{k-1}}{a_k}\bigl(\nabla_j f(x_{k-1}) - p_{k-1}^j\bigr),\\
        v_k^j &= \operatorname*{arg\,min}_u \Bigl\{\Bigl\langle \sum_{i \le k} a_i q_i^j,
                 u\Bigr\rangle + A_k g_j(u) + \frac{L_j}{2}\|u - x_0^j\|^2\Bigr\}
               = \operatorname{prox}_{(A_k/L_j) g_j}\Bigl(x_0^j -
                 \tfrac{1}{L_j}\textstyle\sum_{i \le k} a_i q_i^j\Bigr),\\
        x_k^j &= \frac{A_{k-1} x_{k-1}^j + a_k v_k^j}{A_k},

    i.e. dual averaging on extrapolated partial gradients (the extrapolation
    cancels the error of using partially updated points), coupled as in
    Nesterov's estimate sequences: :math:`F(x_k) - F^* = O(L\|x_0 - x^*\|^2/k^2)`
    in the norm :math:`\sum_j L_j\|x^j\|^2`. L (``cyclic_lipschitz``) is
    the Lipschitz constant of :math:`\nabla f` in that norm.

    Certificate: :math:`\|x - \operatorname{prox}_g(x - \nabla f(x))\|_\infty`
    (as ``bcd``).

    Notes
    -----
    One *iteration* is one block update; a driver step runs an epoch
    (``updates_per_step``), respecting the driver's ``max_advance``. The
    full gradient at :math:`x_{k-1}` (needed by the extrapolation) is the one
    the certificate computes at the end of each epoch, so an epoch costs
    about two passes over the data. ``restart="adaptive"`` (default; a design
    choice, not in the paper) restarts the estimate sequence at
    :math:`x_k` whenever the objective increases over an epoch
    (O'Donoghue & Candes) or the certificate has fallen by the factor
    ``restart_ratio`` since the last restart, which gives linear
    convergence under quadratic growth without knowing the modulus. The default
    ``step = 1`` (:math:`a_k^2 = A_k / L`) is our choice; the paper's
    constants are in its Theorem 1. Python-level loop over blocks (no
    compiled kernel yet).

    References
    ----------
    C. Y. Lin, C. Song, J. Diakonikolas, "Accelerated Cyclic Coordinate Dual
    Averaging with Extrapolation for Composite Convex Optimization",
    ICML 2023, arXiv:2303.16279.
    B. O'Donoghue, E. Candes, "Adaptive restart for accelerated gradient
    schemes", Found. Comput. Math. 15, 2015.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.glm import Lasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 20)); y = X[:, :3] @ [1.0, -2.0, 3.0]
    >>> res = optkit.minimize(Lasso(X, y, alpha=0.1), method="a-coder", tol=1e-10)
    >>> res.success, int(np.count_nonzero(res.x))
    (True, 3)
    """

    name = "a-coder"
    aliases = ("acoder", "accelerated-cyclic-coordinate")
    Options = ACODEROptions
    trace_fields = ("nnz", "epoch", "restarts")
    summary = "Accelerated cyclic coordinate dual averaging with extrapolation"
    reference = "Lin, Song & Diakonikolas, ICML 2023"

    def init(self, oracle, x0):
        self.oracle = oracle
        opts = self.options
        problem = oracle.composite
        x0 = self.feasible_start(problem, x0)
        self.acc = acc = BlockAccess(problem, oracle, x0, lipschitz=opts.lipschitz)
        d = x0.size
        self.blocks = fixed_blocks(opts.block_size, d)
        self.nblocks = len(self.blocks)
        self.Lb = block_lipschitz(acc, self.blocks)
        self.L = opts.cyclic_lipschitz or self._cyclic_lipschitz(problem, x0)
        self.per_step = opts.updates_per_step or self.nblocks
        x = x0.copy()
        aux = acc.init_aux(x)
        zeros = np.zeros(d)
        st = self._finish(x, aux, pos=0, epoch=0, k=0, A_prev=0.0, a_prev=0.0, a=0.0,
                          z=zeros, xhat=x0.copy(), xprev=x0.copy(), gprev=zeros,
                          pprev=zeros, pcur=zeros.copy(), Fprev=np.inf, restarts=0, cert0=np.inf)
        st.gprev = st.grad
        st.Fprev = st.fun
        st.cert0 = st.cert
        return st

    def _cyclic_lipschitz(self, problem, x0):
        """Largest eigenvalue of D^-1/2 H D^-1/2 (D: block constants per coordinate)."""
        acc = self.acc
        w = np.empty(acc.d)
        for b, idx in enumerate(self.blocks):
            w[idx] = self.Lb[b]
        s = 1.0 / np.sqrt(w)
        if acc.kind == "glm":
            X = acc.X
            c = (1.0 if acc.loss == 0 else 0.25) / acc.n
            def hv(u):
                return c * np.asarray(X.T @ np.asarray(X @ u).ravel()).ravel()
        elif acc.kind == "quad":
            def hv(u):
                return acc.Q @ u
        elif problem.smooth.provides("hess"):
            H = self.oracle.hess(x0)
            H = np.asarray(H.toarray() if hasattr(H, "toarray") else H, dtype=float)
            if H.shape != (acc.d, acc.d):
                return float(self.nblocks)
            Hs = s[:, None] * H * s[None, :]
            return max(float(np.linalg.eigvalsh(0.5 * (Hs + Hs.T))[-1]), 1e-12)
        else:
            return float(self.nblocks)
        if acc.d <= 200 and acc.kind == "quad":
            Hs = s[:, None] * acc.Q * s[None, :]
            return max(float(np.linalg.eigvalsh(0.5 * (Hs + Hs.T))[-1]), 1e-12)
        u = np.random.default_rng(0).standard_normal(acc.d)
        lam = 1.0
        for _ in range(100):
            u /= np.linalg.norm(u)
            hu = s * hv(s * u)
            lam_new = float(u @ hu)
            u = hu
            if abs(lam_new - lam) <= 1e-6 * lam_new:
                lam = lam_new
                break
            lam = lam_new
        acc.work = 0
        return max(1.02 * lam, 1e-12)       # power iteration underestimates

    def _finish(self, x, aux, **kw):
        acc = self.acc
        grad = acc.grad(x, aux)
        cert = float(np.max(np.abs(acc.prox_grad_map(x, grad)), initial=0.0))
        self.oracle.nwork += acc.work
        acc.work = 0
        return ACODERState(x=x, fun=acc.fun(x, aux), jac=None, aux=aux, cert=cert,
                           nnz=int(np.count_nonzero(x)), grad=grad, **kw)

    def step(self, state):
        acc, opts = self.acc, self.options
        n = self.per_step
        if self.max_advance is not None:
            n = min(n, self.max_advance)
        x = state.x.copy()
        aux = None if state.aux is None else state.aux.copy()
        z, xhat, pcur = state.z.copy(), state.xhat, state.pcur.copy()
        xprev, gprev, pprev = state.xprev, state.gprev, state.pprev
        A_prev, a_prev, a = state.A_prev, state.a_prev, state.a
        pos, epoch = state.pos, state.epoch
        c = opts.step / self.L
        for _ in range(n):
            if pos == 0:                                 # a new epoch k
                epoch += 1
                a = 0.5 * (c + np.sqrt(c * c + 4.0 * c * A_prev))
            A = A_prev + a
            idx = self.blocks[pos]
            p = acc.block_grad(x, aux, idx)
            q = p
            if a_prev > 0:
                q = p + (a_prev / a) * (gprev[idx] - pprev[idx])
            z[idx] += a * q
            Lj = self.Lb[pos]
            v = acc.prox(xhat[idx] - z[idx] / Lj, A / Lj, idx)
            xnew = (A_prev * xprev[idx] + a * v) / A
            acc.apply(x, aux, idx, xnew - x[idx])
            pcur[idx] = p
            pos = (pos + 1) % self.nblocks
            if pos == 0 and _ < n - 1:
                # epoch end inside this step: full gradient at x_k for the next epoch
                st = self._epoch_end(x, aux, A, a, z, xhat, pcur, state)
                (A_prev, a_prev, z, xhat, xprev, gprev, pprev, pcur, restarts, Fprev,
                 cert0) = st
                state = dataclasses.replace(state, Fprev=Fprev, restarts=restarts,
                                            cert0=cert0)
        new = self._finish(x, aux, pos=pos, epoch=epoch, k=state.k + n, A_prev=A_prev,
                           a_prev=a_prev, a=a, z=z, xhat=xhat, xprev=xprev, gprev=gprev,
                           pprev=pprev, pcur=pcur, Fprev=state.Fprev,
                           restarts=state.restarts, cert0=state.cert0)
        if pos == 0:
            self._close_epoch(new, A_prev + a, a)
        new.advanced = n
        return new

    def _restart(self, F, Fprev, cert, cert0):
        rule = self.options.restart
        if rule == "none":
            return False
        if rule == "function":
            return F > Fprev
        return cert <= self.options.restart_ratio * cert0

    def _epoch_end(self, x, aux, A, a, z, xhat, pcur, state):
        """Bookkeeping at the end of an epoch inside a step (returns the new carry)."""
        acc = self.acc
        g = acc.grad(x, aux)
        F = acc.fun(x, aux)
        cert = float(np.max(np.abs(acc.prox_grad_map(x, g)), initial=0.0))
        if self._restart(F, state.Fprev, cert, state.cert0):
            return (0.0, 0.0, np.zeros_like(z), x.copy(), x.copy(), g, pcur.copy(),
                    np.zeros_like(pcur), state.restarts + 1, F, cert)
        return (A, a, z, xhat, x.copy(), g, pcur.copy(), np.zeros_like(pcur), state.restarts,
                F, state.cert0)

    def _close_epoch(self, st, A, a):
        """Epoch end at the end of a step: reuse the certificate's gradient."""
        if self._restart(st.fun, st.Fprev, st.cert, st.cert0):
            st.A_prev, st.a_prev = 0.0, 0.0
            st.z = np.zeros_like(st.z)
            st.xhat = st.x.copy()
            st.restarts += 1
            st.cert0 = st.cert
        else:
            st.A_prev, st.a_prev = A, a
        st.xprev = st.x.copy()
        st.gprev = st.grad
        st.pprev = st.pcur
        st.pcur = np.zeros_like(st.pcur)
        st.Fprev = st.fun

    def certificate(self, state):
        return state.cert

    def result_fields(self, state):
        return {"nnz": state.nnz, "epoch": state.epoch, "restarts": state.restarts}
