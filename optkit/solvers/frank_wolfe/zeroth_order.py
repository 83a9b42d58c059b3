r"""Zeroth-order (stochastic) Frank-Wolfe with KWSA, RDSA and I-RDSA gradient estimates."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.options import Options
from ..._core.registry import register
from ..._core.solver import State
from ._common import LMOOracle, dot, prepare_x0
from .fw import _FWBase

__all__ = ["ZerothOrderFrankWolfe", "ZerothOrderFWOptions", "ZOState"]


@dataclasses.dataclass(frozen=True)
class ZerothOrderFWOptions(Options):
    """Options of :class:`ZerothOrderFrankWolfe` (``method="zo-fw"``)."""

    estimator: str = option("i-rdsa", "Gradient estimate: 'kwsa' (coordinate differences, "
                            "d+1 queries), 'rdsa' (one Gaussian direction, 2 queries), "
                            "'i-rdsa' (m directions, m+1 queries).", kind=str,
                            choices=("kwsa", "rdsa", "i-rdsa"))
    m: int = option(10, "Number of directions of the I-RDSA estimate.", kind=int, low=1)
    seed: int = option(0, "Seed of the random directions and of the samples "
                       "(numpy.random.default_rng).", kind=int)
    smoothing: float = option(1.0, "Multiplier of the paper's smoothing radius c_t "
                              "(scale it with the size of x).", low=0.0, low_inclusive=False)
    window: int = option(20, "The certificate is the largest surrogate gap of the last "
                         "`window` iterations (a single surrogate gap can be small by "
                         "chance); before `window` iterations it is the largest float.",
                         kind=int, low=1)
    project_x0: bool = option(False, "Project an x0 outside the set onto it (when the set "
                              "offers a projection) instead of raising an error.", kind=bool)
    feasibility_tol: float = option(1e-9, "Tolerance of the check that x0 lies in the set.",
                                    low=0.0)


@dataclasses.dataclass(kw_only=True)
class ZOState(State):
    gap: float              # surrogate FW gap <d_t, x_t - s_t>
    recent: tuple = ()      # the surrogate gaps of the last `window` iterations
    d: np.ndarray           # the averaged gradient estimate d_t
    s: np.ndarray           # LMO(d_t)
    t: int = 0
    rho: float = math.nan
    c: float = math.nan
    rng: object = None      # bit-generator state of the directions and samples after x_t


#: the certificate before `window` iterations: no evidence yet (finite, so the
#: driver's non-finite guard does not fire)
_NO_EVIDENCE = float(np.finfo(float).max)


def schedules(estimator: str, t: int, dim: int, m: int):
    """``(gamma_t, rho_t, c_t)`` of Sahu, Zaheer & Kar (2019), convex case."""
    tt = t + 8.0
    gamma = 2.0 / tt
    if estimator == "kwsa":
        rho = 4.0 / tt ** (2 / 3)
        c = 2.0 / (math.sqrt(dim) * tt ** (1 / 3))
    elif estimator == "rdsa":
        rho = 4.0 / (dim ** (1 / 3) * tt ** (2 / 3))
        c = 2.0 / (math.sqrt(dim) * tt ** (1 / 3))
    else:
        rho = 4.0 / ((1.0 + dim / m) ** (1 / 3) * tt ** (2 / 3))
        c = 2.0 * math.sqrt(m) / (dim ** 1.5 * tt ** (1 / 3))
    return gamma, min(1.0, rho), c


def _restore(bit_state) -> np.random.Generator:
    """A Generator continuing the stream a state recorded (the state's own
    value is left as it is: rollback and reruns draw the same numbers)."""
    bits = np.random.PCG64(0)
    bits.state = bit_state
    return np.random.Generator(bits)


@register
class ZerothOrderFrankWolfe(_FWBase):
    r"""Zeroth-order stochastic Frank-Wolfe (ZO-FW) with KWSA, RDSA or I-RDSA estimates.

    For :math:`f(x) = \mathbb{E}_y F(x; y)` known only through values, with
    one sample :math:`y_t` shared by all queries of an iteration:

    .. math::

        g_t^{\rm RDSA} = \frac{F(x_t + c_t z_t; y_t) - F(x_t; y_t)}{c_t} z_t,
        \quad z_t \sim \mathcal N(0, I_d)

        d_t = (1 - \rho_t) d_{t-1} + \rho_t g_t, \qquad
        s_t = \operatorname{LMO}(d_t), \qquad
        x_{t+1} = (1 - \gamma_t) x_t + \gamma_t s_t ,

    KWSA uses the d coordinate differences, I-RDSA the average of m RDSA
    terms. Schedules (convex case): :math:`\gamma_t = 2/(t+8)`,
    :math:`\rho_t = 4/(t+8)^{2/3}` (KWSA), :math:`4/(d^{1/3}(t+8)^{2/3})`
    (RDSA), :math:`4/((1 + d/m)^{1/3}(t+8)^{2/3})` (I-RDSA);
    :math:`c_t = 2/(d^{1/2}(t+8)^{1/3})` (KWSA, RDSA),
    :math:`2\sqrt m/(d^{3/2}(t+8)^{1/3})` (I-RDSA).

    Certificate: the largest surrogate gap :math:`\langle d_t, x_t -
    s_t\rangle` of the last ``window`` iterations (an estimate: it bounds
    :math:`f - f^*` only as far as :math:`d_t` approximates the gradient;
    before ``window`` iterations it is the largest float). Zeroth-order
    runs are usually given a budget (``maxiter``) rather than a tolerance.

    Notes
    -----
    Function queries per iteration (``nfev``): d + 1 (KWSA), 2 (RDSA),
    m + 1 (I-RDSA); one LMO call. Rates: :math:`E f(x_T) - f^* =
    O(d^{1/3}/T^{1/3})` for RDSA, :math:`O((d/m)^{1/3}/T^{1/3})` for I-RDSA,
    :math:`O(1/T^{1/3})` for KWSA. Seeded: the same ``seed`` gives the same
    run. KWSA's forward differences are biased by about
    :math:`c_t |\partial_{ii} f|/2` per coordinate and the paper's
    :math:`c_t` decays only like :math:`t^{-1/3}`: on deterministic problems
    scale it down with ``smoothing``. Stochastic objectives: ``LMOProblem(fun, lmo=..., sample=...)``
    with ``fun(x, y)``; the reported ``fun`` is then the noisy value
    :math:`F(x_t; y_t)`.

    References
    ----------
    A. K. Sahu, M. Zaheer, S. Kar, "Towards gradient free and projection free
    stochastic optimization", AISTATS 2019, arXiv:1810.03233.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems import LMOProblem
    >>> from optkit.problems.sets import L1Ball
    >>> c = np.array([0.3, -0.2, 0.1])
    >>> prob = LMOProblem(lambda x: 0.5 * (x - c) @ (x - c), lmo=L1Ball(n=3))
    >>> res = optkit.minimize(prob, method="zo-fw", options={"maxiter": 3000})
    >>> bool(np.linalg.norm(res.x - c) < 0.05), res.nfev == 11 * 3001
    (True, True)
    """

    name = "zo-fw"
    aliases = ("zeroth-order-fw", "zofw")
    requires = ("fun", "lmo")
    Options = ZerothOrderFWOptions
    trace_fields = ("rho", "c")
    default_tol = 1e-4
    default_maxiter = 10_000
    certificate_name = "surrogate_fw_gap"
    summary = "Zeroth-order stochastic Frank-Wolfe with KWSA / RDSA / I-RDSA estimates"
    reference = "Sahu, Zaheer & Kar, AISTATS 2019"

    def make_oracle(self, problem, dim):
        return LMOOracle(problem, dim)

    def _estimate(self, x, f0, y, c, rng):
        opts, oracle, dim = self.options, self.oracle, x.size
        if opts.estimator == "kwsa":
            g = np.empty(dim)
            xt = x.copy()
            for i in range(dim):
                xt[i] = x[i] + c
                g[i] = (oracle.fun_sample(xt, y) - f0) / c
                xt[i] = x[i]
            return g
        m = 1 if opts.estimator == "rdsa" else opts.m
        g = np.zeros(dim)
        for _ in range(m):
            z = rng.standard_normal(dim)
            g += (oracle.fun_sample(x + c * z, y) - f0) / c * z
        return g / m

    def _point(self, x, d_prev, t, rng):
        """Sample, estimate, average and call the LMO at x (iteration t), drawing
        from ``rng`` (a fresh Generator, restored from the previous state)."""
        oracle, dim = self.oracle, x.size
        _, rho, c = schedules(self.options.estimator, t, dim, self.options.m)
        c *= self.options.smoothing
        y = oracle.sample(rng)
        f0 = oracle.fun_sample(x, y)
        g = self._estimate(x, f0, y, c, rng)
        d = (1.0 - rho) * d_prev + rho * g
        s = oracle.lmo(d)
        gap = dot(d, x) - dot(d, s)
        return ZOState(x=x, fun=f0, gap=gap, d=d, s=s, t=t, rho=rho, c=c,
                       rng=rng.bit_generator.state)

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        x0 = prepare_x0(oracle, x0, self.options.project_x0, self.options.feasibility_tol)
        rng = np.random.default_rng(self.options.seed)
        state = self._point(x0, np.zeros(x0.size), 0, rng)
        state.recent = (state.gap,)
        return state

    def step(self, state, budget):
        gamma, _, _ = schedules(self.options.estimator, state.t, state.x.size, self.options.m)
        x_new = state.x + gamma * (state.s - state.x)
        new = self._point(x_new, state.d, state.t + 1, _restore(state.rng))
        new.recent = (state.recent + (new.gap,))[-self.options.window:]
        return new

    def certificate(self, state):
        if len(state.recent) < self.options.window:
            return _NO_EVIDENCE
        return max(state.recent)

    def result_fields(self, state):
        return {"gap": state.gap}
