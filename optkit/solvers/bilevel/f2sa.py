r"""F2SA: the fully first-order stochastic approximation method for bilevel problems."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ._common import (BilevelIterate, BilevelOptions, BilevelSolver, BilevelState,
                      first_nonfinite, schedule_warning)

__all__ = ["F2SA", "F2SAOptions", "F2SAState", "REGIME_RATES"]

#: exponents (a, b, c) of the schedules alpha_k ~ k^-a, lambda_k ~ k^b, gamma_k ~ k^-c per
#: noise regime; derived from the rates of the paper's abstract (see the F2SA docstring)
REGIME_RATES = {
    "deterministic": (1 / 3, 1 / 3, 0.0),
    "upper-noise": (3 / 5, 1 / 5, 2 / 5),
    "stochastic": (5 / 7, 1 / 7, 4 / 7),
}


@dataclasses.dataclass(frozen=True)
class F2SAOptions(BilevelOptions):
    """Options of :class:`F2SA` (``method="f2sa"``)."""

    lam0: float = option(10.0, "Initial multiplier lambda_0 of the penalty Lagrangian.",
                         kind=float, low=0.0, low_inclusive=False)
    k0: float = option(1.0, "Offset k0 of the polynomial schedules (k~ = k + k0).",
                       kind=float, low=0.0, low_inclusive=False)
    regime: str = option("auto", "Noise regime that sets the default exponents (a, b, c): "
                         "'deterministic' (1/3, 1/3, 0), 'upper-noise' (3/5, 1/5, 2/5), "
                         "'stochastic' (5/7, 1/7, 4/7); 'auto': from batch_size and the "
                         "problem's samplers.", kind=str,
                         choices=("auto", "deterministic", "upper-noise", "stochastic"))
    y_rate: float = option(None, "Exponent a of the y step alpha_k = alpha0 (k~/k0)^-a "
                           "(None: the regime's).", kind=float, low=0.0)
    lam_rate: float = option(None, "Exponent b of lambda_k = lam0 (k~/k0)^b (None: the "
                             "regime's).", kind=float, low=0.0)
    z_rate: float = option(None, "Exponent c of the z step gamma_k = gamma0 (k~/k0)^-c "
                           "(None: the regime's).", kind=float, low=0.0)
    alpha0: float = option(None, "y step at k = 0 (None: 1/(upper_L + lam0 lower_L)).",
                           kind=float, low=0.0, low_inclusive=False)
    gamma0: float = option(None, "z step at k = 0 (None: 1/lower_L).", kind=float, low=0.0,
                           low_inclusive=False)
    x_step: float = option(0.1, "x step at k = 0; it decays as alpha_k (xi_k = xi alpha_k "
                           "with xi = x_step / alpha0).", kind=float, low=0.0,
                           low_inclusive=False)
    inner_steps: int = option(1, "Inner steps T >= 1 on (y, z) per x step (T = 1: single "
                              "loop).", kind=int, low=1)
    momentum: bool = option(False, "Momentum-assisted (STORM) estimate of the x direction.",
                            kind=bool)
    momentum_eta: float = option(0.5, "STORM weight eta in m_k = h_k + (1 - eta)(m_{k-1} - "
                                 "h~_{k-1}).", kind=float, low=0.0, high=1.0,
                                 low_inclusive=False)


@dataclasses.dataclass(kw_only=True)
class F2SAState(BilevelState):
    lam: float                         # lambda_k used by the next step
    m: np.ndarray | None = None        # STORM estimate of the x direction (momentum)
    prev: tuple | None = None          # (x_{k-1}, y_k, z_k, lambda_{k-1}) for STORM


@register
class F2SA(BilevelSolver):
    r"""F2SA (Kwon, Kwon, Wright, Nowak 2023): gradients only, no Hessians.

    Minimizes the penalty Lagrangian
    :math:`\mathcal L_\lambda(x, y, z) = f(x, y) + \lambda [g(x, y) - g(x, z)]`
    with a slowly growing multiplier: for fixed x, ``z`` tracks
    :math:`y^*(x) = \operatorname{argmin} g(x, \cdot)` and ``y`` tracks
    :math:`y^*_\lambda(x) = \operatorname{argmin} f + \lambda g`, and
    :math:`\nabla_x \mathcal L_\lambda` approximates :math:`\nabla F(x)` with
    an :math:`O(1/\lambda)` bias. Iteration k (``T = inner_steps`` inner
    steps, stochastic gradients when ``batch_size`` is set):

    .. math::

        z &\leftarrow z - \gamma_k \nabla_y g(x_k, z;\phi), \qquad
        y \leftarrow y - \alpha_k [\nabla_y f(x_k, y;\zeta) + \lambda_k \nabla_y g(x_k, y;\phi')]
        \quad (T \text{ times}), \\
        h_k &= \nabla_x f(x_k, y_{k+1};\zeta) + \lambda_k [\nabla_x g(x_k, y_{k+1};\phi)
              - \nabla_x g(x_k, z_{k+1};\phi)], \qquad
        x_{k+1} = x_k - \xi\alpha_k h_k, \\
        \lambda_k &= \lambda_0 (\tilde k/k_0)^{b},\quad
        \alpha_k = \alpha_0 (\tilde k/k_0)^{-a},\quad
        \gamma_k = \gamma_0 (\tilde k/k_0)^{-c},\quad \tilde k = k + k_0,

    with the same minibatch :math:`\phi` in the paired terms of :math:`h_k`
    (the variance of a difference). With ``momentum=True`` the x step uses the
    STORM estimate :math:`m_k = h_k + (1-\eta)(m_{k-1} - \tilde h_{k-1})`,
    :math:`\tilde h_{k-1}` the direction at the previous point
    :math:`(x_{k-1}, y_k, z_k, \lambda_{k-1})` on the *current* samples (in the
    deterministic case :math:`m_k = h_k`).

    Certificate: :math:`\|\nabla F(x_k)\|` when the problem computes it
    cheaply, else :math:`\|h_k\|` (``certificate`` option).

    Notes
    -----
    Cost per iteration: ``3 T + 3`` gradient calls (twice the x-gradients with
    momentum), no second-order products.

    Schedules. The paper's abstract states the iteration complexities
    :math:`\epsilon^{-7/2}` (noise in both levels), :math:`\epsilon^{-5/2}`
    (noise in the upper level only) and :math:`\epsilon^{-3/2}`
    (deterministic) for an :math:`\epsilon`-stationary point
    (:math:`\mathbb E\|\nabla F\|^2 \le \epsilon`) [verified]. The exponents of
    the polynomial schedules are *not* verified against the paper's theorem
    (its text was not reachable from here): the defaults (``regime``) are
    the exponents consistent with those rates under the method's structure
    (bias :math:`O(1/\lambda_k)`, x steps :math:`\xi\alpha_k`,
    :math:`\alpha_k\lambda_k \asymp \gamma_k`): :math:`(a, b, c) = (5/7, 1/7,
    4/7)`, :math:`(3/5, 1/5, 2/5)` and :math:`(1/3, 1/3, 0)`. The project's
    algorithm notes recall :math:`(5/7, 2/7, 4/7)` for the fully stochastic
    case; pass ``lam_rate=2/7`` for that. Conditions, warned about when
    violated: :math:`b \ge 0` (nondecreasing :math:`\lambda_k`), :math:`a \ge
    b` (:math:`\alpha_k\lambda_k` nonincreasing), and, when the problem
    declares its constants, :math:`\alpha_0(\ell_f + \lambda_0 \ell_g) \le 1`
    and :math:`\gamma_0 \ell_g \le 1` (the y step sees curvature
    :math:`\approx\lambda\ell_g`). The default steps meet them.

    References
    ----------
    J. Kwon, D. Kwon, S. Wright, R. Nowak, "A fully first-order method for
    stochastic bilevel optimization", ICML 2023, arXiv:2301.10945.

    Examples
    --------
    >>> import optkit
    >>> from optkit.problems.bilevel import quadratic_bilevel
    >>> p = quadratic_bilevel(2, 3, cond=3.0, seed=1)
    >>> res = optkit.minimize(p, p.x0, method="f2sa", tol=1e-3,
    ...                       options={"maxiter": 20000, "lam0": 20.0, "x_step": 0.3})
    >>> res.success and bool(abs(res.x - p.x_star).max() < 1e-2)
    True
    """

    name = "f2sa"
    aliases = ("fully-first-order",)
    Options = F2SAOptions
    trace_fields = ("upper", "lower", "hypergrad_est", "lam")
    summary = ("F2SA: fully first-order penalty-Lagrangian method (lambda, step schedules, "
               "inner steps, optional STORM momentum)")
    reference = "Kwon, Kwon, Wright, Nowak, ICML 2023"

    # -- schedules -----------------------------------------------------------------------
    def _rates(self, problem):
        o = self.options
        regime = o.regime
        if regime == "auto":
            if o.batch_size is None:
                regime = "deterministic"
            elif problem.is_sampled("lower"):
                regime = "stochastic"
            elif problem.is_sampled("upper"):
                regime = "upper-noise"
            else:
                regime = "deterministic"
        a, b, c = REGIME_RATES[regime]
        a = a if o.y_rate is None else o.y_rate
        b = b if o.lam_rate is None else o.lam_rate
        c = c if o.z_rate is None else o.z_rate
        return regime, a, b, c

    def schedule(self, k):
        """``(lambda_k, alpha_k, gamma_k, xi_k)`` of iteration k (after ``init``)."""
        t = (k + self.options.k0) / self.options.k0
        alpha = self._alpha0 * t ** (-self._a)
        return (self.options.lam0 * t ** self._b, alpha, self._gamma0 * t ** (-self._c),
                self._xi * alpha)

    def _check_conditions(self, problem):
        o = self.options
        if self._a < self._b:
            schedule_warning(self.name, "a >= b (alpha_k lambda_k nonincreasing)",
                             f"a = y_rate = {self._a:.4g} < b = lam_rate = {self._b:.4g}: the "
                             "y step alpha_k (l_f + lambda_k l_g) eventually exceeds 1")
        lf = problem.upper_L or 0.0
        lg = problem.lower_L
        if lg:
            if self._alpha0 * (lf + o.lam0 * lg) > 1.0 + 1e-12:
                schedule_warning(self.name, "alpha_0 (l_f + lambda_0 l_g) <= 1",
                                 f"alpha0 = {self._alpha0:.4g}, lambda_0 = {o.lam0:.4g}, "
                                 f"l_g = {lg:.4g}, l_f = {lf:.4g}")
            if self._gamma0 * lg > 1.0 + 1e-12:
                schedule_warning(self.name, "gamma_0 l_g <= 1",
                                 f"gamma0 = {self._gamma0:.4g}, l_g = {lg:.4g}")

    # -- the method ----------------------------------------------------------------------
    def init(self, oracle, x0, tol):
        start = self._start(oracle, x0)
        problem = oracle.problem
        o = self.options
        self._regime, self._a, self._b, self._c = self._rates(problem)
        lf = problem.upper_L or 0.0
        self._alpha0 = (o.alpha0 if o.alpha0 is not None
                        else 1.0 / (lf + o.lam0 * self._lower_L("alpha0")))
        self._gamma0 = o.gamma0 if o.gamma0 is not None else 1.0 / self._lower_L("gamma0")
        self._xi = o.x_step / self._alpha0
        self._check_conditions(problem)
        x, y, z = start
        lam = o.lam0
        h, rng = self._direction(x, y, z, lam, self._rng0)
        f, g, est, cert = self._measure(x, y, h, start=True)
        return F2SAState(x=start, fun=f, upper=f, lower=g, hypergrad_est=est, cert=cert,
                         rng=rng, k=0, lam=lam)

    def _direction(self, x, y, z, lam, rng, idx=None):
        """h = grad_x f(x,y) + lam (grad_x g(x,y) - grad_x g(x,z)), paired lower samples;
        ``idx`` = (upper, lower) minibatches to reuse, else drawn from ``rng``."""
        o = self.oracle
        if idx is None:
            iu, rng = o.sample("upper", rng, self._batch())
            il, rng = o.sample("lower", rng, self._batch())
        else:
            iu, il = idx
        fx, _ = o.upper_grad(x, y, iu)
        gxy, _ = o.lower_grad(x, y, il)
        gxz, _ = o.lower_grad(x, z, il)
        h = fx + lam * (gxy - gxz)
        return h, rng

    def step(self, state, budget):
        o = self.oracle
        opts = self.options
        x, y, z = state.x
        k = state.k
        lam, alpha, gamma, xi = self.schedule(k)
        rng = state.rng
        batch = self._batch()
        for _ in range(opts.inner_steps):
            il, rng = o.sample("lower", rng, batch)
            z = z - gamma * o.lower_grad(x, z, il)[1]
            iu, rng = o.sample("upper", rng, batch)
            il, rng = o.sample("lower", rng, batch)
            y = y - alpha * (o.upper_grad(x, y, iu)[1] + lam * o.lower_grad(x, y, il)[1])
        iu, rng = o.sample("upper", rng, batch)
        il, rng = o.sample("lower", rng, batch)
        h, _ = self._direction(x, y, z, lam, rng, idx=(iu, il))
        m, prev = None, None
        d = h
        if opts.momentum:
            if state.m is not None:
                px, py, pz, plam = state.prev
                h_prev, _ = self._direction(px, py, pz, plam, rng, idx=(iu, il))
                d = h + (1.0 - opts.momentum_eta) * (state.m - h_prev)
            m, prev = d, (x, y, z, lam)
        x_new = x - xi * d
        bad = first_nonfinite(z=z, y=y, x_direction=d)
        if bad is not None:
            return dataclasses.replace(state, x=BilevelIterate(x_new, y, z), nonfinite=bad)
        f, g, est, cert = self._measure(x_new, y, d)
        lam_next = self.schedule(k + 1)[0]
        return F2SAState(x=BilevelIterate(x_new, y, z), fun=f, upper=f, lower=g,
                         hypergrad_est=est, cert=cert, rng=rng, k=k + 1, lam=lam_next,
                         m=m, prev=prev)

    def result_fields(self, state):
        return {**super().result_fields(state), "lam": state.lam}
