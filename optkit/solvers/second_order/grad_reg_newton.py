r"""Gradient-regularized Newton with approximate Hessians (Semenov, Jaggi & Doikov 2025)."""

from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.optimize import HessianUpdateStrategy

from ..._core.options import Options, option
from ..._core.registry import register
from ..._core.oracle import CountedSmoothOracle
from ..._core.solver import Solver, State
from .._linesearch import doubling_search
from ._common import dense_matrix, nonfinite_phrase, regularized_step_accepted
from ._subproblem import Eig
from .lbfgs_update import LBFGSUpdate

__all__ = ["GradRegNewton", "GradRegNewtonOptions"]

_CURVATURE_NAMES = ("hessian", "gauss-newton", "fisher")
_PROBLEM_METHOD = {"gauss-newton": "gauss_newton", "fisher": "fisher"}


def _is_matrix(c) -> bool:
    return isinstance(c, np.ndarray) or sp.issparse(c)


@dataclasses.dataclass(frozen=True)
class GradRegNewtonOptions(Options):
    """Options of :class:`GradRegNewton` (``method="grad-reg-newton"``)."""

    curvature: object = option(
        "hessian", "The Hessian approximation H_k: 'hessian' (exact, from `hess`), "
        "'gauss-newton' or 'fisher' (the problem's gauss_newton(x) / fisher(x) methods), "
        "a fixed symmetric PSD matrix (ndarray or sparse, e.g. X^T X / 4n for logistic "
        "regression; eigendecomposed once), or a scipy.optimize.HessianUpdateStrategy "
        "instance (BFGS(), SR1(), or optkit's LBFGSUpdate(memory)), which is copied and "
        "updated with every accepted step.", kind=object)
    B: object = option(None, "The metric: None (identity), a 1-D array of positive diagonal "
                       "entries, or a symmetric positive definite (d, d) ndarray; the "
                       "regularizer is lambda B and the test uses the dual norm "
                       "<s, B^{-1} s>^{1/2}.", kind=object)
    gamma0: float = option(1.0, "First trial of gamma, the radius the regularization "
                           "lambda = ||g||_* / gamma stands for.", low=0.0, low_inclusive=False)
    max_trials: int = option(40, "Cap on the halvings of gamma in one iteration; reaching it "
                             "stops the run with status 5.", kind=int, low=1)
    symmetrize: bool = option(False, "Use the symmetric part (H + H^T)/2 of a non-symmetric "
                              "curvature matrix instead of raising ValueError.", kind=bool)

    def check(self):
        c = self.curvature
        if isinstance(c, str):
            if c not in _CURVATURE_NAMES:
                raise ValueError(f"Option `curvature` must be one of {_CURVATURE_NAMES}, a "
                                 f"matrix or a HessianUpdateStrategy; got {c!r}.")
        elif _is_matrix(c):
            if c.ndim != 2 or c.shape[0] != c.shape[1]:
                raise ValueError(f"Option `curvature` must be a square matrix; got shape "
                                 f"{c.shape}.")
        elif not isinstance(c, HessianUpdateStrategy):
            raise TypeError(
                f"Option `curvature` must be one of {_CURVATURE_NAMES}, an ndarray or sparse "
                f"matrix, or a scipy.optimize.HessianUpdateStrategy instance; got an object "
                f"of type {type(c).__name__}.")
        B = self.B
        if B is not None:
            if not isinstance(B, np.ndarray) or B.ndim not in (1, 2):
                raise TypeError(f"Option `B` must be None, a 1-D array or a 2-D ndarray; "
                                f"got {type(B).__name__}.")
            if not np.isfinite(B).all():
                raise ValueError("Option `B` contains non-finite values.")
            if B.ndim == 1 and not np.all(B > 0):
                raise ValueError("Option `B` (diagonal) must have positive entries.")
            if isinstance(c, LBFGSUpdate):
                raise ValueError("Option `B` is not supported with an LBFGSUpdate curvature "
                                 "(its shifted solves assume B = I).")


@dataclasses.dataclass(kw_only=True)
class GradRegState(State):
    grad_norm: float          # Euclidean norm of the gradient (the certificate)
    gamma: float              # gamma the last step was taken with
    gamma_next: float
    lam: float
    n_factorizations: int
    trials: int = 0
    strategy: object = None   # the quasi-Newton matrix (a HessianUpdateStrategy), when used


class CurvatureOracle(CountedSmoothOracle):
    """The counted oracle plus the problem's approximate Hessians
    (``gauss_newton(x)``, ``fisher(x)``): every call of the problem goes
    through an oracle. These calls have no counter (``n_factorizations``
    counts the decompositions)."""

    def approx_hessian(self, name: str, x):
        """``problem.<name>(x)``."""
        return getattr(self.problem, name)(x)


def _copy_strategy(strategy):
    """An independent copy of a quasi-Newton matrix for the next state."""
    return strategy.copy() if isinstance(strategy, LBFGSUpdate) else copy.deepcopy(strategy)


@register
class GradRegNewton(Solver):
    r"""Gradient-regularized Newton method with approximate Hessians.

    Algorithm 1 of Semenov, Jaggi & Doikov (adaptive search on the
    gradient-normalized smoothness):

    .. math::

        x_{k+1} = x_k - \big(H_k + \lambda_k B\big)^{-1} \nabla f(x_k), \qquad
        \lambda_k = \frac{\|\nabla f(x_k)\|_*}{\gamma_k},

    where :math:`H_k \succeq 0` is any curvature model (exact Hessian,
    Gauss-Newton, empirical Fisher, a fixed bound such as
    :math:`X^\top X / 4n` for logistic regression, or a quasi-Newton matrix)
    and :math:`\|s\|_* = \langle s, B^{-1}s\rangle^{1/2}`. The trial is
    accepted when

    .. math::

        f(x_k) - f(x_{k+1}) \ge \frac{\|\nabla f(x_{k+1})\|_*^2}{8\lambda_k};

    then :math:`\gamma_{k+1} = 2\gamma_k`, otherwise :math:`\gamma_k` is halved
    and the step recomputed. A shift that leaves :math:`H_k + \lambda_k B`
    not positive definite counts as a rejection.

    Certificate: :math:`\|\nabla f(x_k)\|_2`.

    Notes
    -----
    Cost per iteration: one curvature matrix (``hessian``: one ``hess``
    call) and its generalized eigendecomposition (``O(d^3)``; none for a fixed
    matrix after the first, none for ``LBFGSUpdate``, whose shifted solves cost
    ``O(dk + k^3)``), and one function value and gradient per trial of gamma
    (about two on average). Near the solution the decrease falls below the
    rounding error of f, and the test is replaced by its gradient form
    :math:`\langle \nabla f(x_{k+1}), x_k - x_{k+1}\rangle \ge
    \|\nabla f(x_{k+1})\|_*^2 / (4\lambda_k)`. The counts of ``gauss_newton`` /
    ``fisher`` calls are not in ``nhev`` (the counted oracle has no such
    entries); ``n_factorizations`` in the trace counts the decompositions.
    Rates (paper): universal global rates for Hölder-continuous Hessians,
    quasi-self-concordant and generalized self-concordant f; a global linear
    rate for logistic regression with the fixed curvature :math:`X^\top X/4n`.

    References
    ----------
    A. Semenov, M. Jaggi, N. Doikov, "Gradient-normalized smoothness for
    optimization with approximate Hessians", ICLR 2026, arXiv:2506.13710
    (Alg. 1).
    N. Doikov, K. Mishchenko, Yu. Nesterov, "Super-universal regularized Newton
    method", SIAM J. Optim. 34(1), 2024, arXiv:2208.05888 (the gradient test).

    Examples
    --------
    >>> import numpy as np, optkit
    >>> A = np.diag([1.0, 10.0]); b = np.array([1.0, 1.0])
    >>> res = optkit.minimize(lambda x: 0.5 * x @ A @ x - b @ x, np.zeros(2),
    ...                       method="grad-reg-newton", jac=lambda x: A @ x - b,
    ...                       hess=lambda x: A, tol=1e-10,
    ...                       options={"curvature": 20 * np.eye(2)})
    >>> res.success, np.allclose(res.x, [1.0, 0.1])
    (True, True)
    """

    name = "grad-reg-newton"
    aliases = ("gradient-regularized-newton",)
    requires = ("fun", "grad", "hess")
    Options = GradRegNewtonOptions
    trace_fields = ("gamma", "lam", "n_factorizations")
    summary = ("Gradient-regularized Newton with approximate Hessians (exact, Gauss-Newton, "
               "Fisher, fixed, quasi-Newton), adaptive gamma")
    reference = "Semenov, Jaggi & Doikov, ICLR 2026, arXiv:2506.13710"

    @classmethod
    def requirements(cls, options=None):
        """``hess`` only with ``curvature='hessian'`` (the default)."""
        curvature = "hessian" if options is None else options.curvature
        if isinstance(curvature, str) and curvature == "hessian":
            return cls.requires
        return ("fun", "grad")

    def make_oracle(self, problem, dim):
        return CurvatureOracle(problem, dim)

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        opts = self.options
        d = x0.size
        c = opts.curvature
        self._fixed = None
        strategy = None
        B = opts.B
        if B is not None and B.shape not in ((d,), (d, d)):
            raise ValueError(f"Option `B` has shape {B.shape}; expected ({d},) or ({d}, {d}).")
        if B is not None and B.ndim == 2:
            B = dense_matrix(B, d, symmetrize=opts.symmetrize, what="B")
            try:
                self._B_chol = scipy.linalg.cho_factor(B)
            except np.linalg.LinAlgError:
                raise ValueError("Option `B` must be positive definite.") from None
        self._B = B
        n_fact = 0
        if isinstance(c, str) and c in _PROBLEM_METHOD:
            if not hasattr(oracle.problem, _PROBLEM_METHOD[c]):
                raise ValueError(f"Option `curvature`={c!r} needs a problem with a "
                                 f"`{_PROBLEM_METHOD[c]}(x)` method (e.g. optkit.problems.glm "
                                 f"models); {type(oracle.problem).__name__} has none.")
        elif _is_matrix(c):
            if c.shape != (d, d):
                raise ValueError(f"Option `curvature` has shape {c.shape}; expected ({d}, {d}).")
            H = dense_matrix(c, d, symmetrize=opts.symmetrize, what="curvature")
            if H is None:
                raise ValueError("Option `curvature` contains non-finite values.")
            self._fixed = self._decompose(H)
            n_fact = 1
        elif isinstance(c, HessianUpdateStrategy):
            strategy = copy.deepcopy(c)
            strategy.initialize(d, "hess")
        f, g = oracle.fun_and_grad(x0)
        return GradRegState(x=x0, fun=f, jac=g, grad_norm=float(np.linalg.norm(g)),
                            gamma=opts.gamma0, gamma_next=opts.gamma0, lam=math.nan,
                            n_factorizations=n_fact, strategy=strategy)

    # -- pieces --------------------------------------------------------------
    def _decompose(self, H) -> Eig:
        """(lam, V) with H V = B V diag(lam), V^T B V = I (B = I: plain eigh)."""
        B = self._B
        if B is None:
            lam, V = scipy.linalg.eigh(H, check_finite=False, driver="evd")
        elif B.ndim == 1:
            r = 1.0 / np.sqrt(B)
            lam, W = scipy.linalg.eigh(r[:, None] * H * r[None, :], check_finite=False,
                                       driver="evd")
            V = r[:, None] * W
        else:
            lam, V = scipy.linalg.eigh(H, B, check_finite=False)
        return Eig(lam, V)

    def _dual_norm(self, s) -> float:
        B = self._B
        if B is None:
            return float(np.linalg.norm(s))
        if B.ndim == 1:
            return float(math.sqrt(s @ (s / B)))
        return float(math.sqrt(s @ scipy.linalg.cho_solve(self._B_chol, s)))

    def _curvature_eig(self, x, strategy):
        """The decomposition of H_k (a phrase when not finite) and the factorization count."""
        c = self.options.curvature
        if self._fixed is not None:
            return self._fixed, 0
        if strategy is not None:
            H = strategy.get_matrix()
            what, name = "curvature", "quasi-Newton matrix"
        elif c == "hessian":
            H = self.oracle.hess(x)
            what, name = "hess", "Hessian"
        else:
            approx = getattr(self.oracle, "approx_hessian", None)
            H = (approx(_PROBLEM_METHOD[c], x) if approx is not None
                 else CurvatureOracle.approx_hessian(self.oracle, _PROBLEM_METHOD[c], x))
            what = _PROBLEM_METHOD[c]
            name = f"{c} matrix"
        raw, H = H, dense_matrix(H, x.size, symmetrize=self.options.symmetrize, what=what)
        if H is None:
            return nonfinite_phrase(name, raw), 1
        return self._decompose(H), 1

    # -- iteration -----------------------------------------------------------
    def step(self, state, budget):
        oracle, opts = self.oracle, self.options
        x, f, g = state.x, state.fun, state.jac
        n_fact = state.n_factorizations
        strategy = state.strategy
        lbfgs = isinstance(strategy, LBFGSUpdate)
        if lbfgs:
            eig = None
        else:
            eig, k = self._curvature_eig(x, strategy)
            n_fact += k
            if isinstance(eig, str):
                return dataclasses.replace(state, nonfinite=eig, n_factorizations=n_fact)
            g_hat = eig.Q.T @ g
        g_dual = self._dual_norm(g)

        def trial(gamma):
            lam = g_dual / gamma
            if lbfgs:
                if strategy._sigma + lam > 0:
                    step = -strategy.solve_shifted(g, lam)
                else:
                    step = None
            else:
                denom = eig.lam + lam
                step = eig.Q @ (-g_hat / denom) if np.all(denom > 0) else None
            if step is None:       # H + lam B not positive definite: a rejection
                return False, None
            x_new = x + step
            ok, _ = regularized_step_accepted(oracle, x_new, f, self._dual_norm, step, lam)
            return ok, (lam, step, x_new)

        ok, gamma, last, trial = doubling_search(trial, state.gamma_next, opts.max_trials, 0.5)
        if not ok:
            return dataclasses.replace(state, failure=(
                f"The adaptive search on gamma failed: no step passed the decrease test "
                f"after {opts.max_trials} halvings (gamma = {gamma:.3g}). The curvature "
                f"model may be far from PSD or f non-smooth; raise `max_trials`."))
        lam, step, x_new = last
        f_new, g_new = oracle.fun_and_grad(x_new)
        if strategy is not None and np.isfinite(g_new).all():
            # the previous state keeps its matrix: update a copy
            strategy = _copy_strategy(strategy)
            strategy.update(step, g_new - g)
        return GradRegState(x=x_new, fun=f_new, jac=g_new, grad_norm=float(np.linalg.norm(g_new)),
                            gamma=gamma, gamma_next=2.0 * gamma, lam=lam,
                            n_factorizations=n_fact, trials=trial, strategy=strategy)

    def certificate(self, state):
        return state.grad_norm

    def result_fields(self, state):
        return {"gamma": state.gamma, "n_factorizations": state.n_factorizations}
