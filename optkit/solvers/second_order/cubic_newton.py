r"""Cubic-regularized Newton method (Nesterov & Polyak 2006)."""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.sparse.linalg import LinearOperator

from ..._core.options import option
from ..._core.registry import register
from ._common import AdaptiveMOptions, dense_matrix, nonfinite_phrase
from ._cubic import CubicFamily, StateRng
from ._subproblem import eig_of, solve_cubic_cholesky, solve_cubic_eig, solve_cubic_krylov

__all__ = ["CubicNewton", "CubicNewtonOptions"]

#: with subproblem="auto", dimensions above this use the Krylov solver
AUTO_DENSE_MAX_DIM = 2000
#: with subproblem="auto", dimensions below this use the eigen route (a
#: decomposition is then as cheap as a few Cholesky factorizations, and exact)
AUTO_CHOLESKY_MIN_DIM = 50


class _NonFiniteProduct(ArithmeticError):
    """A Hessian-vector product with NaN or inf entries (status 3)."""


@dataclasses.dataclass(frozen=True)
class CubicNewtonOptions(AdaptiveMOptions):
    """Options of :class:`CubicNewton` (``method="cubic-newton"``)."""

    M: float = option(None, "Cubic regularization parameter (an estimate of the Lipschitz "
                      "constant of the Hessian). Required when adaptive=False; the first "
                      "trial when adaptive=True (default 1.0).", low=0.0, low_inclusive=False)
    adaptive: bool = option(True, "Double M until f(x+h) <= f(x) + m_M(h), then halve it "
                            "for the next iteration (Nesterov-Polyak Sec. 5).", kind=bool)
    M_update: str = option("estimate", "After an accepted step with M, the first trial of the "
                           "next: 'halve' (max(M/2, M_min), Nesterov-Polyak) or 'estimate' "
                           "(max(M_min, M/16, min(M/2, M_hat)), M_hat the smallest M whose "
                           "value test the accepted step passes: faster when M is far too "
                           "large).", kind=str,
                           choices=("estimate", "halve"))
    subproblem: str = option("auto", "'eigen': dense eigendecomposition of the Hessian, then a "
                             "secular-equation solve per trial of M (exact, hard case "
                             "included); 'cholesky': Newton's method on the secular equation "
                             "with a Cholesky factorization of H + sI per root iteration "
                             "(hard case detected and solved in closed form); 'krylov': "
                             "Lanczos on Hessian-vector products (matrix-free); 'auto': "
                             f"eigen when d < {AUTO_CHOLESKY_MIN_DIM} or the second-order "
                             f"certificate is asked for, cholesky for a dense or sparse "
                             f"Hessian with d <= {AUTO_DENSE_MAX_DIM}, krylov otherwise.",
                             kind=str, choices=("auto", "eigen", "cholesky", "krylov"))
    krylov_tol: float = option(1e-8, "Relative residual ||(A + sI)h + g|| / ||g|| at which "
                               "the Lanczos solver stops.", low=0.0, low_inclusive=False)
    krylov_maxiter: int = option(200, "Maximum Krylov dimension per subproblem.", kind=int,
                                 low=1)
    krylov_hard_case_check: int = option(
        20, "Krylov route: Lanczos steps from a random vector, once per iteration, that "
        "estimate the smallest eigenvalue of the Hessian off the Krylov space of the "
        "gradient; when it shows A + sI indefinite (the hard case, e.g. an iterate on a "
        "saddle's invariant subspace), the step is recomputed over both spaces. 0: no "
        "check (cheaper, may stall at saddles).", kind=int, low=0)
    certificate: str = option("grad", "What the driver compares with tol: 'grad' (||g||) or "
                              "'second-order' (max(||g||, -lambda_min(H(x))), which needs "
                              "the Hessian's eigendecomposition at every iterate, one more at "
                              "the last; only with the eigen route). With 'second-order' a run "
                              "started at a strict saddle moves away from it.",
                              kind=str, choices=("grad", "second-order"))

    def check(self):
        if self.certificate == "second-order" and self.subproblem in ("krylov", "cholesky"):
            raise ValueError("Option `certificate`='second-order' needs the eigen route; "
                             "use subproblem='eigen' or 'auto'.")
        super().check()


@register
class CubicNewton(CubicFamily):
    r"""Cubic-regularized Newton method (CRN).

    .. math::

        x_{k+1} = x_k + \operatorname*{argmin}_h \Big\{ \langle g_k, h\rangle
        + \tfrac12 \langle \nabla^2 f(x_k) h, h\rangle + \tfrac{M_k}{6}\|h\|^3 \Big\},

    the *global* minimizer of the cubic model (found even when the Hessian is
    indefinite, hard case included; at a strict saddle, ``g = 0``, the step
    follows the eigenvector of the most negative eigenvalue). With
    ``adaptive=False``, :math:`M_k = M`; with ``adaptive=True`` (default),
    :math:`M_k` is the first of :math:`M'_k, 2M'_k, 4M'_k,\dots` for which
    :math:`f(x_{k+1}) \le f(x_k) + m_{M_k}(h_k)`, where
    :math:`M'_k = \max(M_{k-1}/2, M_{\min})` (``M_update='halve'``,
    Nesterov-Polyak) or :math:`\max(M_{\min}, M_{k-1}/16, \min(M_{k-1}/2,
    \hat M_{k-1}))` (``'estimate'``, default), :math:`\hat M_{k-1}` the
    smallest M whose value test the last step passes.

    Certificate: :math:`\|\nabla f(x_k)\|`. The result also holds the
    second-order measure :math:`\max\{\sqrt{2\|g\|/M}, -2\lambda_{\min}/M\}`
    (``second_order_measure``) built from the last Hessian's
    :math:`\lambda_{\min}`.

    Notes
    -----
    Cost per iteration (eigen route): one Hessian, one ``O(d^3)``
    eigendecomposition, ``O(d^2)`` per trial of M plus one function value
    (trials average about two). Cholesky route: a few ``O(d^3/3)``
    Cholesky factorizations per trial of M (Newton on the secular equation,
    warm-started from the previous shift), cheaper than the eigen route
    unless many trials are needed. Krylov route: one Lanczos run per
    iteration, extended on demand by the trials of M, each Lanczos step one
    Hessian-vector product and ``O(dk)`` reorthogonalization, plus
    ``krylov_hard_case_check`` products for the hard-case check. The trace records ``M``, ``lambda_min`` and
    ``n_factorizations`` (eigendecompositions, Cholesky factorizations, or
    Lanczos runs).
    ``subproblem='auto'`` picks: the Krylov route without a dense or sparse
    ``hess`` (or for d > 2000, or when ``hess`` returns a LinearOperator);
    the eigen route for d < 50 (a decomposition then costs about as much as
    a few Cholesky factorizations, and it is exact) or with
    ``certificate='second-order'`` (which needs lambda_min); the Cholesky
    route otherwise, about 5 factorizations per trial of M against one
    roughly 25 times costlier eigendecomposition. Hard cases fall back to
    one eigendecomposition inside the Cholesky route.
    Global rates: :math:`O(\varepsilon^{-3/2})` iterations to
    :math:`\|\nabla f\| \le \varepsilon` on nonconvex f with Lipschitz
    Hessian, with :math:`\lambda_{\min} \ge -O(\sqrt{L\varepsilon})`; local
    quadratic convergence at nondegenerate minimizers.

    References
    ----------
    Yu. Nesterov, B. T. Polyak, "Cubic regularization of Newton method and its
    global performance", Math. Program. 108(1):177-205, 2006.
    C. Cartis, N. I. M. Gould, Ph. L. Toint, "Adaptive cubic regularisation
    methods for unconstrained optimization. Part I", Math. Program.
    127:245-295, 2011 (Lanczos subproblem solver).

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from scipy.optimize import rosen, rosen_der, rosen_hess
    >>> res = optkit.minimize(rosen, np.array([-1.2, 1.0]), method="cubic-newton",
    ...                       jac=rosen_der, hess=rosen_hess, tol=1e-10)
    >>> res.success, np.allclose(res.x, [1.0, 1.0])
    (True, True)
    """

    name = "cubic-newton"
    aliases = ("crn", "cubic-regularized-newton")
    requires = ("fun", "grad", "hessp")
    Options = CubicNewtonOptions
    summary = ("Cubic-regularized Newton, exact global subproblem (eigen, Cholesky or "
               "Lanczos), adaptive M")
    reference = "Nesterov & Polyak, Math. Program. 2006"

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        opts = self.options
        route = opts.subproblem
        has_hess = oracle.problem.provides("hess")
        if route in ("eigen", "cholesky") and not has_hess:
            raise ValueError(f"Option `subproblem`={route!r} needs `hess`; pass hess= or use "
                             "subproblem='krylov' (Hessian-vector products only).")
        if route == "auto":
            if not has_hess or x0.size > AUTO_DENSE_MAX_DIM:
                route = "krylov"
            elif x0.size < AUTO_CHOLESKY_MIN_DIM or opts.certificate == "second-order":
                route = "eigen"
            else:
                route = "cholesky"
        if opts.certificate == "second-order" and route != "eigen":
            raise ValueError("Option `certificate`='second-order' needs a dense Hessian "
                             "(`hess`) and the eigen route.")
        state = dataclasses.replace(self._initial_state(oracle, x0), route=route,
                                    rng=StateRng.initial(0))
        if opts.certificate == "second-order" and np.isfinite(state.grad_norm):
            state = self._with_current(state, state.n_factorizations)
        return state

    def _with_current(self, state, n_fact):
        """Attach (H, eig) at state.x, and lambda_min there (second-order certificate)."""
        raw = self.oracle.hess(state.x)
        H = dense_matrix(raw, state.x.size, symmetrize=self.options.symmetrize)
        if H is None:
            return self._nonfinite(state, n_fact + 1, nonfinite_phrase("Hessian", raw))
        eig = eig_of(H)
        return dataclasses.replace(state, current=(H, eig), lambda_min=eig.lambda_min,
                                   n_factorizations=n_fact + 1)

    def _cholesky_step(self, state, H):
        g = state.jac
        shifts = [state.shift]
        steps = []
        rng = StateRng(state.rng)

        def solve(M):
            sub = solve_cubic_cholesky(H, g, M, s0=shifts[-1], rng=rng)
            shifts.append(sub.shift)      # the root grows with M: a left start for the next
            steps.append(sub)
            return sub

        new = self._cubic_step(state, solve, lambda h: H @ h, state.n_factorizations, np.nan,
                               rng)
        if steps:
            new = dataclasses.replace(
                new, n_factorizations=state.n_factorizations
                + sum(sub.factorizations for sub in steps), shift=steps[-1].shift)
        return new

    def certificate(self, state):
        if self.options.certificate == "second-order":
            lam = state.lambda_min
            return max(state.grad_norm, -lam if lam == lam else 0.0)
        return state.grad_norm

    def step(self, state, budget):
        oracle, opts = self.oracle, self.options
        x, g = state.x, state.jac
        n_fact = state.n_factorizations + 1
        if state.current is not None:
            H, eig = state.current
            g_hat = eig.Q.T @ g
            new = self._cubic_step(
                state, lambda M: solve_cubic_eig(eig, g, M, g_hat=g_hat), lambda h: H @ h,
                state.n_factorizations, eig.lambda_min)
            if new.failure is not None or not np.isfinite(new.grad_norm):
                return new
            return self._with_current(new, new.n_factorizations)
        route = state.route
        if route in ("eigen", "cholesky"):
            H = oracle.hess(x)
            if opts.subproblem == "auto" and isinstance(H, LinearOperator):
                # a LinearOperator Hessian: go matrix-free for the rest of the run
                return self.step(dataclasses.replace(state, route="krylov"), budget)
            raw, H = H, dense_matrix(H, x.size, symmetrize=opts.symmetrize)
            if H is None:
                return self._nonfinite(state, n_fact, nonfinite_phrase("Hessian", raw))
            if route == "cholesky":
                return self._cholesky_step(state, H)
            eig = eig_of(H)
            g_hat = eig.Q.T @ g
            return self._cubic_step(
                state, lambda M: solve_cubic_eig(eig, g, M, g_hat=g_hat), lambda h: H @ h,
                n_fact, eig.lambda_min)

        def hv(v):
            out = oracle.hessp(x, v)
            if not np.isfinite(out).all():
                raise _NonFiniteProduct(nonfinite_phrase("Hessian-vector product", out))
            return out

        ritz = []
        cache = {}                        # one Lanczos basis for all trials of M
        rng = StateRng(state.rng)

        def solve(M):
            sub = solve_cubic_krylov(hv, g, M, tol=opts.krylov_tol,
                                     maxiter=opts.krylov_maxiter, rng=rng,
                                     hard_case_check=opts.krylov_hard_case_check,
                                     cache=cache)
            ritz.append(sub)
            return sub

        try:
            new = self._cubic_step(state, solve, hv, n_fact, np.nan, rng)
        except _NonFiniteProduct as exc:
            return self._nonfinite(state, state.n_factorizations + 1, str(exc))
        if ritz:
            # the smallest Ritz value: an upper bound on lambda_min; one Lanczos run
            # per iteration (the trials of M reuse its basis)
            new = dataclasses.replace(new, lambda_min=min(s.ritz_min for s in ritz),
                                      n_factorizations=state.n_factorizations + 1)
        return new
