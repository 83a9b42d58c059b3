r"""A-CODER: accelerated cyclic coordinate dual averaging with extrapolation
(Lin, Song & Diakonikolas, 2023)."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._core.options import Options, option
from ..._core.registry import register
from ..._core.solver import State
from ._blocks import BlockOracle, block_lipschitz, fixed_blocks
from .bcd import CoordinateSolver

__all__ = ["ACODER", "ACODEROptions", "acoder_weight"]


def acoder_weight(A_prev, L, gamma, step):
    r"""The largest :math:`a` with :math:`a^2 \le s (1 + \gamma A_{k-1})(A_{k-1} + a) / L`."""
    r = step * (1.0 + gamma * A_prev) / L
    return 0.5 * (r + np.sqrt(r * r + 4.0 * r * A_prev))


@dataclasses.dataclass(frozen=True)
class ACODEROptions(Options):
    """Options of :class:`ACODER` (``method="a-coder"``)."""

    block_size: int = option(1, "Coordinates per block (contiguous blocks).", kind=int, low=1)
    scaling: str = option("none", "Norm of the dual-averaging prox term: 'none' (Euclidean, "
                          "as in the paper), 'blocks' (sum_j L_j ||x^j||^2 with the block "
                          "Lipschitz constants L_j: the paper's method after the change of "
                          "variables x^j -> sqrt(L_j) x^j, a diagonal preconditioner).",
                          kind=str, choices=("none", "blocks"))
    cyclic_lipschitz: float = option(None, "Lipschitz constant L of the gradient in the "
                                     "norm of `scaling`. None: the largest eigenvalue of the "
                                     "(scaled) Hessian (quadratics, least squares, logistic "
                                     "at its bound; the Hessian at x0 otherwise, or the sum "
                                     "of the coordinate constants without one).",
                                     low=0.0, low_inclusive=False)
    step: float = option(0.4, "Weight growth: a_k is the largest a with a^2 <= step (1 + "
                         "gamma A_{k-1}) (A_{k-1} + a) / L (0.4 as in the authors' code).",
                         low=0.0, low_inclusive=False)
    strong_convexity: float = option(None, "gamma, the strong convexity modulus of the "
                                     "penalty g in the norm of `scaling`. None: from the "
                                     "penalty's l2 weights (and the model's ridge); 0 "
                                     "ignores it.", low=0.0)
    restart: str = option("adaptive", "'adaptive' (our design, not in the paper): restart "
                          "the estimate sequence (A = 0, anchor = v = y_k) at the end of an "
                          "epoch when the epoch's move goes uphill, <G(y_k), y_k - y_{k-1}> > "
                          "0 with G the prox-gradient map, or the certificate fell below "
                          "`restart_ratio` times its value at the last restart; 'function': "
                          "when F(y_k) > F(y_{k-1}); 'none': the paper's scheme.", kind=str,
                          choices=("adaptive", "function", "none"))
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
    aux: np.ndarray | None  # margins of y = x (GLM) or None
    pos: int                # updates done in the current epoch
    epoch: int              # epochs started
    k: int                  # block updates so far
    A_prev: float           # A_{k-1}
    a_prev: float           # a_{k-1}
    a: float                # a_k (current epoch)
    v: np.ndarray           # dual averaging point v_k (blocks updated so far: epoch k)
    anchor: np.ndarray      # x_0 of the estimate sequence (the last restart point)
    zsum: np.ndarray        # z_k = sum_i a_i q_i
    xk: np.ndarray          # coupling point x_k of the current epoch
    zxk: np.ndarray | None  # its margins (GLM)
    yprev: np.ndarray       # y_{k-1}
    w: np.ndarray           # mixed point: x_k on blocks not updated yet, y_k on the others
    zw: np.ndarray | None   # its margins (GLM)
    gprev: np.ndarray       # grad f(x_{k-1})
    pprev: np.ndarray       # partial gradients p_{k-1}
    pcur: np.ndarray        # partial gradients p_k (blocks updated so far)
    Fprev: float            # F(y_{k-1})
    cert0: float            # certificate at the last restart
    cert: float
    nnz: int
    restarts: int


@register
class ACODER(CoordinateSolver):
    r"""Accelerated cyclic coordinate dual averaging with extrapolation (A-CODER).

    For :math:`F(x) = f(x) + \sum_{j=1}^m g_j(x^j)` with f convex and L-smooth
    (L in the paper's Mahalanobis sense; here ``cyclic_lipschitz``) and g
    :math:`\gamma`-strongly convex (:math:`\gamma \ge 0`), epoch
    :math:`k \ge 1` takes the largest :math:`a_k` with
    :math:`a_k^2 \le s(1 + \gamma A_{k-1}) A_k / L`, :math:`A_k = A_{k-1} + a_k`,
    sets the coupling point :math:`x_k = (A_{k-1} y_{k-1} + a_k v_{k-1}) / A_k`
    and sweeps the blocks **from the last to the first**, :math:`j = m, \dots, 1`:

    .. math::

        p_k^j &= \nabla_j f(x_k^1, \dots, x_k^j, y_k^{j+1}, \dots, y_k^m),\\
        q_k^j &= p_k^j + \frac{a_{k-1}}{a_k}\bigl(\nabla_j f(x_{k-1}) - p_{k-1}^j\bigr),
        \qquad z_k^j = z_{k-1}^j + a_k q_k^j,\\
        v_k^j &= \operatorname*{arg\,min}_u \Bigl\{\langle z_k^j, u\rangle + A_k g_j(u)
                 + \tfrac{\lambda_j}{2}\|u - x_0^j\|^2\Bigr\}
               = \operatorname{prox}_{(A_k/\lambda_j) g_j}\bigl(x_0^j - z_k^j/\lambda_j\bigr),\\
        y_k^j &= \frac{A_{k-1} y_{k-1}^j + a_k v_k^j}{A_k},

    from :math:`y_0 = v_0 = x_0`, :math:`a_0 = A_0 = 0`, :math:`z_0 = 0`;
    :math:`\lambda_j = 1` (``scaling="none"``, the paper) or the block
    Lipschitz constant :math:`L_j` (``scaling="blocks"``). The extrapolation
    term cancels the error of the partially updated points; the output is
    :math:`y_k`, with :math:`F(y_k) - F^* = O(L\|x_0 - x^*\|^2/k^2)`
    (linear when :math:`\gamma > 0`).

    Certificate: :math:`\|y - \operatorname{prox}_g(y - \nabla f(y))\|_\infty`
    (as ``bcd``).

    Notes
    -----
    One *iteration* is one block update; a driver step runs an epoch
    (``updates_per_step``), or the driver's smaller budget near ``maxiter``. An epoch
    costs about five passes over the data (GLM): the margins of :math:`x_k`,
    the block sweep (a dot and an axpy per column), the full gradient at
    :math:`x_{k-1}` for the extrapolation and the one at :math:`y_k` for the
    certificate. The sweeps of least squares / logistic (dense or sparse X)
    and quadratics run in a compiled kernel
    (:func:`optkit.kernels.cyclic_coordinate.acoder_sweep`); other smooth
    problems use one ``grad`` call per block.

    Constants: ``step = 0.4`` is the authors' published code (the largest
    :math:`a_k` of their line 4); the paper text was not available to us.
    The default L is the largest eigenvalue of the (scaled) Hessian bound, the
    Euclidean constant (the paper's Mahalanobis constant can be larger; the
    authors tuned L by a grid). ``restart="adaptive"`` (default; our design,
    not in the paper) restarts the estimate sequence at :math:`y_k` whenever
    the epoch's move goes uphill, :math:`\langle G(y_k), y_k - y_{k-1}\rangle > 0`
    with G the prox-gradient map (the gradient scheme of O'Donoghue & Candes;
    comparing values of F instead, ``restart="function"``, restarts on
    rounding noise near the solution), or the certificate has fallen by the
    factor ``restart_ratio`` since the last restart, which gives linear
    convergence under quadratic growth without knowing the modulus;
    ``restart="none"`` is the paper's method.

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
    >>> from optkit.problems.composite import Lasso
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

    def make_oracle(self, problem, dim):
        return BlockOracle(problem, dim)

    def init(self, oracle, x0, tol):
        opts = self.options
        problem, x0 = self.start(oracle, x0)
        self.acc = acc = oracle.setup(x0, lipschitz=opts.lipschitz)
        d = x0.size
        self.bs = opts.block_size
        self.blocks = fixed_blocks(opts.block_size, d)
        self.nblocks = len(self.blocks)
        if opts.scaling == "blocks":
            self.Lb = block_lipschitz(acc, self.blocks)
        else:
            self.Lb = np.ones(self.nblocks)
        self.scale = np.empty(d)                      # lambda_j per coordinate
        for b, idx in enumerate(self.blocks):
            self.scale[idx] = self.Lb[b]
        self.L = opts.cyclic_lipschitz or self._cyclic_lipschitz(problem, x0)
        if opts.strong_convexity is not None:
            self.gamma = float(opts.strong_convexity)
        else:
            self.gamma = float(np.min(acc.l2 / self.scale)) if d else 0.0
        self.per_step = opts.updates_per_step or self.nblocks
        x = x0.copy()
        aux = acc.init_aux(x)
        zeros = np.zeros(d)
        F, cert, _ = self._measure(x, aux)
        return ACODERState(
            x=x, fun=F, jac=None, aux=aux, pos=0, epoch=0, k=0, A_prev=0.0, a_prev=0.0, a=0.0,
            v=x.copy(), anchor=x.copy(), zsum=zeros, xk=x.copy(),
            zxk=None if aux is None else aux.copy(), yprev=x.copy(), w=x.copy(),
            zw=None if aux is None else aux.copy(), gprev=zeros.copy(), pprev=zeros.copy(),
            pcur=zeros.copy(), Fprev=F, cert0=cert, cert=cert,
            nnz=int(np.count_nonzero(x)), restarts=0)

    def _cyclic_lipschitz(self, problem, x0):
        """Largest eigenvalue of S^-1/2 H S^-1/2 (S: the scaling per coordinate)."""
        acc = self.acc
        s = 1.0 / np.sqrt(self.scale)
        if acc.kind == "glm":
            X = acc.X
            c = (1.0 if acc.loss == 0 else 0.25) / acc.n

            def hv(u):
                return c * np.asarray(X.T @ np.asarray(X @ u).ravel()).ravel()
        elif acc.kind == "quad":
            if acc.d <= 200:
                Hs = s[:, None] * acc.Q * s[None, :]
                return max(float(np.linalg.eigvalsh(0.5 * (Hs + Hs.T))[-1]), 1e-12)

            def hv(u):
                return acc.Q @ u
        elif problem.smooth.provides("hess"):
            H = self.oracle.hess(x0)
            H = np.asarray(H.toarray() if hasattr(H, "toarray") else H, dtype=float)
            if H.shape != (acc.d, acc.d):
                return float(np.sum(acc.Lc / self.scale))
            Hs = s[:, None] * H * s[None, :]
            return max(float(np.linalg.eigvalsh(0.5 * (Hs + Hs.T))[-1]), 1e-12)
        else:
            return float(np.sum(acc.Lc / self.scale))   # trace bound >= lambda_max
        d = acc.d
        if d <= 2:
            H = np.column_stack([s * hv(s * e) for e in np.eye(d)])
            return max(float(np.linalg.eigvalsh(0.5 * (H + H.T))[-1]), 1e-12)
        from scipy.sparse.linalg import LinearOperator, eigsh

        op = LinearOperator((d, d), matvec=lambda u: s * hv(s * np.ravel(u)), dtype=float)
        lam = eigsh(op, k=1, which="LA", tol=1e-6, v0=np.ones(d),
                    return_eigenvectors=False)[0]
        return max(1.001 * float(lam), 1e-12)     # Lanczos: a lower estimate

    # -- helpers -------------------------------------------------------------------
    def _margins(self, x):
        """Margins (residual) of x for the GLM kind, None otherwise."""
        return self.acc.init_aux(x) if self.acc.kind == "glm" else None

    def _measure(self, y, zy):
        """(F(y), certificate at y, prox-gradient map y - prox_g(y - grad f(y)))."""
        acc = self.acc
        G = acc.prox_grad_map(y, acc.block_full_grad(y, zy))
        cert = float(np.max(np.abs(G), initial=0.0))
        return acc.composite_fun(y, zy), cert, G

    def _start_epoch(self, s):
        """a_k, A_k, the coupling point x_k and grad f(x_{k-1}) (dict ``s`` in place)."""
        acc = self.acc
        s["a"] = a = acoder_weight(s["A_prev"], self.L, self.gamma, self.options.step)
        A = s["A_prev"] + a
        if s["a_prev"] > 0.0:       # extrapolation needs grad f(x_{k-1})
            s["gprev"] = np.asarray(acc.block_full_grad(s["xk"], s["zxk"]), dtype=float)
        xk = (s["A_prev"] * s["y"] + a * s["v"]) / A
        s["xk"] = xk
        s["zxk"] = self._margins(xk)
        s["w"] = xk.copy()
        s["zw"] = None if s["zxk"] is None else s["zxk"].copy()
        s["pprev"] = s["pcur"]
        s["pcur"] = np.zeros_like(s["pcur"])
        s["yprev"] = s["y"].copy()
        s["epoch"] += 1

    def _sweep(self, s, pos, n):
        acc = self.acc
        args = (s["w"], s["zw"], s["v"], s["y"], s["anchor"], s["zsum"], s["pcur"],
                s["pprev"], s["gprev"], self.Lb, self.bs, acc.l1, acc.l2, acc.lo, acc.hi,
                s["A_prev"], s["a_prev"], s["a"], pos, n)
        if acc.kargs is not None:
            if args[1] is None:
                args = (args[0], np.zeros(1)) + args[2:]
            acc.acoder_sweep(*args)
            return
        # NumPy loop (generic smooth parts: one grad call per block)
        A_prev, a_prev, a = s["A_prev"], s["a_prev"], s["a"]
        A = A_prev + a
        w, zw, y, v, zsum = s["w"], s["zw"], s["y"], s["v"], s["zsum"]
        for t in range(n):
            b = self.nblocks - 1 - (pos + t)
            idx = self.blocks[b]
            p = acc.block_grad(w, zw, idx)
            s["pcur"][idx] = p
            q = p + (a_prev / a) * (s["gprev"][idx] - s["pprev"][idx]) if a_prev > 0 else p
            zsum[idx] += a * q
            Lj = self.Lb[b]
            v[idx] = acc.prox(s["anchor"][idx] - zsum[idx] / Lj, A / Lj, idx)
            y[idx] = (A_prev * y[idx] + a * v[idx]) / A
            acc.apply(w, zw, idx, y[idx] - w[idx])
            w[idx] = y[idx]

    def _end_epoch(self, s, F, cert, G):
        """Restart test and the shift A_{k-1} <- A_k (dict ``s`` in place)."""
        if self._restart(F, s["Fprev"], cert, s["cert0"], G, s["y"] - s["yprev"]):
            s["A_prev"] = s["a_prev"] = 0.0
            s["anchor"] = s["y"].copy()
            s["v"] = s["y"].copy()
            s["zsum"] = np.zeros_like(s["zsum"])
            s["restarts"] += 1
            s["cert0"] = cert
        else:
            s["A_prev"] = s["A_prev"] + s["a"]
            s["a_prev"] = s["a"]
        s["Fprev"] = F

    def _restart(self, F, Fprev, cert, cert0, G, dy):
        rule = self.options.restart
        if rule == "none":
            return False
        if rule == "function":
            return F > Fprev
        return float(G @ dy) > 0.0 or cert <= self.options.restart_ratio * cert0

    def block_size(self, state):
        return self.per_step

    def step(self, state, budget):
        n = budget

        def cp(a):
            return None if a is None else a.copy()

        s = dict(y=state.x.copy(), v=state.v.copy(), anchor=state.anchor.copy(),
                 zsum=state.zsum.copy(), xk=state.xk, zxk=state.zxk, w=state.w.copy(),
                 zw=cp(state.zw), gprev=state.gprev, pprev=state.pprev,
                 pcur=state.pcur.copy(), A_prev=state.A_prev, a_prev=state.a_prev,
                 a=state.a, yprev=state.yprev, epoch=state.epoch, Fprev=state.Fprev,
                 cert0=state.cert0, restarts=state.restarts)
        pos, done = state.pos, 0
        measured = None
        while done < n:
            if pos == 0:
                self._start_epoch(s)
            m = min(n - done, self.nblocks - pos)
            self._sweep(s, pos, m)
            pos += m
            done += m
            if pos == self.nblocks:          # epoch end: y_k = w, margins zw
                pos = 0
                measured = self._measure(s["y"], s["zw"])
                self._end_epoch(s, *measured)
                if done < n:
                    measured = None
        if pos == 0 and measured is not None:
            F, cert = measured[0], measured[1]
            aux = s["zw"]
        else:
            aux = s["zw"] if pos == 0 else self._margins(s["y"])
            F, cert, _ = self._measure(s["y"], aux)
        y = s.pop("y")
        new = ACODERState(x=y, fun=F, jac=None, aux=aux, pos=pos, k=state.k + n,
                          cert=cert, nnz=int(np.count_nonzero(y)), **s)
        new.advanced = n
        return new

    def certificate(self, state):
        return state.cert

    def result_fields(self, state):
        return {"nnz": state.nnz, "epoch": state.epoch, "restarts": state.restarts}
