r"""Polynomial preconditioners: the metric part that GM and FGM plug in.

A preconditioner is a symmetric positive definite matrix :math:`P = p(B)`,
a polynomial of a *curvature matrix* :math:`B` (the Gram matrix of the data,
:math:`B = \frac1n A^\top A + \mu I` for GLMs, the Hessian for a quadratic),
together with a *scale* :math:`s` such that :math:`P B \preceq s I`. The
metric it defines is

.. math::

    G = s P^{-1} \succeq B, \qquad G^{-1} g = P g / s ,

so a method that is smooth relative to :math:`B` is smooth relative to
:math:`G`, and the gradient step :math:`x - G^{-1}\nabla f(x)/L` costs one
gradient plus ``deg p`` products with :math:`B` (each a product with
:math:`A` and one with :math:`A^\top`; :math:`B` is never formed).

Three preconditioners:

* :class:`SymmetricPolynomialPreconditioner` (Doikov & Rodomanov 2023): the
  matrix gradient of the elementary symmetric polynomial
  :math:`\sigma_\tau` of the eigenvalues, built from the power traces
  :math:`\operatorname{tr} B^j` by Newton's identities; it needs no spectrum
  bounds and cuts the top :math:`\tau - 1` eigenvalues out of the condition
  number.
* :class:`ChebyshevPreconditioner`: the degree-:math:`(\tau-1)` polynomial
  :math:`p` with :math:`1 - \lambda p(\lambda)` the scaled Chebyshev
  polynomial on :math:`[\lambda_{\min}, \lambda_{\max}]` (bounds given or
  estimated by Lanczos).
* :class:`IdentityPreconditioner`: :math:`P = I, s = 1`; GM and FGM run with
  it, so the preconditioned methods are the same code.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator

from ..._core.oracle import CountedSmoothOracle

__all__ = [
    "MAX_TAU", "CurvatureOperator", "curvature_operator", "power_traces",
    "elementary_symmetric", "newton_error_bounds", "lanczos", "Preconditioner",
    "IdentityPreconditioner", "SymmetricPolynomialPreconditioner",
    "ChebyshevPreconditioner", "PreconditionedOracle", "IDENTITY",
]

#: Largest accepted degree + 1 of the polynomial preconditioners.
MAX_TAU = 8
#: Above this dimension the power traces are estimated (Hutchinson) by default.
EXACT_TRACE_MAX_DIM = 2000

_EPS = np.finfo(float).eps

TAU_LIMIT_MESSAGE = (
    "`tau` must be an integer in [1, {max}]: the preconditioner is built from "
    "sigma_1(B), ..., sigma_tau(B), which for the unit-trace B decay like 1/tau! "
    "and underflow towards the rounding error, and Newton's identities compute them by "
    "alternating sums whose cancellation grows with tau (unstable beyond about 8)")


def check_tau(tau, name: str = "tau") -> int:
    """``tau`` as an int in ``[1, MAX_TAU]`` or a ValueError explaining the limit."""
    if isinstance(tau, bool) or not isinstance(tau, numbers.Integral):
        if not (isinstance(tau, float) and tau.is_integer()):
            raise TypeError(f"Option `{name}` must be an integer, got {tau!r}.")
    tau = int(tau)
    if not 1 <= tau <= MAX_TAU:
        raise ValueError("Option " + TAU_LIMIT_MESSAGE.format(max=MAX_TAU).replace(
            "`tau`", f"`{name}`") + f"; got {tau}.")
    return tau


# ---------------------------------------------------------------------------
# the curvature matrix B
# ---------------------------------------------------------------------------
class CurvatureOperator:
    """The curvature matrix :math:`B` as products, counted.

    Parameters
    ----------
    matvec : callable
        ``v -> B v`` for ``v`` of shape ``(dim,)``.
    dim : int
    dense : callable, optional
        ``() -> ndarray (dim, dim)``: B formed explicitly (for exact traces
        on small problems); default: ``dim`` products with the unit vectors.
    description : str

    Attributes
    ----------
    nmatvec : int
        Products with B made so far (one product with B is one product with
        the data matrix and one with its transpose).
    """

    def __init__(self, matvec, dim: int, dense=None, description: str = "B"):
        self._matvec = matvec
        self.dim = int(dim)
        self._dense = dense
        self.description = description
        self.nmatvec = 0

    def __matmul__(self, v):
        return self.matvec(v)

    def matvec(self, v) -> np.ndarray:
        """``B v`` (counted)."""
        self.nmatvec += 1
        return np.asarray(self._matvec(v), dtype=float).reshape(self.dim)

    def dense(self) -> np.ndarray:
        """B as a dense symmetric ndarray."""
        if self._dense is not None:
            M = np.array(self._dense(), dtype=float)
        else:
            M = np.column_stack([self.matvec(e) for e in np.eye(self.dim)])
        return 0.5 * (M + M.T)


def _linear_model_operator(problem, dim):
    """B = X~^T X~ / n + mu J for the GLM objectives (X~ = [X, 1] with an intercept)."""
    X = problem.X
    n, p = X.shape
    intercept = bool(getattr(problem, "fit_intercept", False))
    if dim != p + int(intercept):
        raise ValueError(
            f"The problem's data matrix has {p} columns but x has {dim} entries: the "
            "preconditioner needs B = X^T X / n for x of the same length (multi-output "
            "models such as SoftmaxRegression are not supported); supply "
            "options={'matrix': B} with a (dim, dim) matrix or LinearOperator.")
    mu = float(getattr(problem, "mu", 0.0) or 0.0)
    XT = X.T
    inv_n = 1.0 / n

    def matvec(v):
        z = X @ v[:p]
        if intercept:
            z = z + v[p]
        out = np.empty(dim)
        out[:p] = XT @ z
        if intercept:
            out[p] = z.sum()
        out *= inv_n
        if mu:
            out[:p] += mu * v[:p]
        return out

    def dense():
        M = np.empty((dim, dim))
        G = (XT @ X).toarray() if sp.issparse(X) else XT @ X
        M[:p, :p] = G
        if intercept:
            s = np.asarray(X.sum(axis=0)).ravel()
            M[:p, p] = s
            M[p, :p] = s
            M[p, p] = n
        M *= inv_n
        M[np.arange(p), np.arange(p)] += mu
        return M

    return CurvatureOperator(matvec, dim, dense, f"X^T X / n + mu I ({n} x {p} data)")


def _matrix_operator(M, dim, name="matrix"):
    if isinstance(M, LinearOperator) or (hasattr(M, "shape") and hasattr(M, "dot")
                                         and not isinstance(M, np.ndarray) and not sp.issparse(M)):
        if tuple(M.shape) != (dim, dim):
            raise ValueError(f"Option `{name}` must have shape ({dim}, {dim}), got {M.shape}.")
        return CurvatureOperator(lambda v: M @ v, dim, None, f"user {type(M).__name__}")
    if sp.issparse(M):
        M = sp.csr_matrix(M, dtype=float)
        if M.shape != (dim, dim):
            raise ValueError(f"Option `{name}` must have shape ({dim}, {dim}), got {M.shape}.")
        return CurvatureOperator(lambda v: M @ v, dim, M.toarray, "user sparse matrix")
    try:
        M = np.asarray(M, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"Option `{name}` must be None, 'data', 'hessian', an ndarray, a "
                        f"sparse matrix or a LinearOperator; got {type(M).__name__}.") from None
    if M.shape != (dim, dim):
        raise ValueError(f"Option `{name}` must have shape ({dim}, {dim}) (B = A^T A, "
                         f"not the data matrix A), got {M.shape}.")
    if not np.all(np.isfinite(M)):
        raise ValueError(f"Option `{name}` contains NaN or inf entries.")
    return CurvatureOperator(lambda v: M @ v, dim, lambda: M, "user matrix")


def _data_operator(problem, dim):
    """The B of a problem that carries its data, or None."""
    if getattr(problem, "X", None) is not None and hasattr(problem, "n_samples"):
        return _linear_model_operator(problem, dim)
    A = getattr(problem, "A", None)
    if isinstance(A, np.ndarray) and A.shape == (dim, dim) and problem.provides("hess"):
        return CurvatureOperator(lambda v: A @ v, dim, lambda: A, "the quadratic's matrix A")
    return None


def curvature_operator(problem, dim: int, matrix=None, oracle=None, x0=None):
    """The curvature matrix B of ``problem`` as a :class:`CurvatureOperator`.

    Parameters
    ----------
    problem : Problem
    dim : int
    matrix : None, "data", "hessian", ndarray, sparse matrix or LinearOperator
        ``None`` (auto): the problem's data (``X`` of a GLM objective: B =
        X^T X / n + mu I; ``A`` of a quadratic), else the Hessian at ``x0``.
        ``"data"``: the problem's data or an error. ``"hessian"``: the
        Hessian at ``x0`` through ``oracle.hessp``. A matrix: B itself.
    oracle : CountedSmoothOracle, optional
        For ``"hessian"`` (products counted in ``nhvp`` too).
    x0 : ndarray, optional
    """
    if isinstance(matrix, str):
        if matrix not in ("data", "hessian"):
            raise ValueError(f"Option `matrix` must be None, 'data', 'hessian' or a matrix; "
                             f"got {matrix!r}.")
    elif matrix is not None:
        return _matrix_operator(matrix, dim)
    if matrix in (None, "data"):
        op = _data_operator(problem, dim)
        if op is not None:
            return op
        if matrix == "data" or oracle is None or not problem.provides("hessp"):
            raise ValueError(
                f"The polynomial preconditioner needs the curvature matrix B, and the problem "
                f"({type(problem).__name__}) carries no data matrix: use a problem with its data "
                "(optkit.problems.LeastSquares / LogisticRegression, whose B is X^T X / n + mu I, "
                "or a synthetic QuadraticProblem), or supply options={'matrix': B} "
                "(a (dim, dim) ndarray, sparse matrix or LinearOperator), or "
                "options={'matrix': 'hessian'} with a problem that provides `hessp`.")
    if not problem.provides("hessp"):
        raise ValueError("Option matrix='hessian' needs a problem that provides `hessp` "
                         "(pass `hessp=` or `hess=` to minimize).")
    xh = np.array(x0, dtype=float, copy=True)
    return CurvatureOperator(lambda v: oracle.hessp(xh, v), dim, None,
                             "the Hessian at x0")


# ---------------------------------------------------------------------------
# traces, Newton's identities, Lanczos
# ---------------------------------------------------------------------------
def power_traces(B, k: int, *, method: str = "exact", n_probes: int = 30, seed=0):
    r"""Power traces :math:`p_j = \operatorname{tr}(B^j)`, ``j = 1..k``.

    Parameters
    ----------
    B : ndarray (d, d) or CurvatureOperator
        ``method="exact"`` needs a dense ndarray.
    k : int
    method : {"exact", "hutchinson"}
        ``"exact"``: :math:`p_{2m} = \|B^m\|_F^2`,
        :math:`p_{2m+1} = \langle B^m, B^{m+1}\rangle_F` from
        :math:`\lceil k/2 \rceil` dense products. ``"hutchinson"``: the mean
        of :math:`z^\top B^j z` over ``n_probes`` Rademacher vectors ``z``
        (:math:`\lceil k/2 \rceil` products per probe, each counted).
    n_probes : int
    seed : int or Generator

    Returns
    -------
    p : ndarray (k,)
    rel_err : ndarray (k,)
        Relative error estimate of each trace (rounding for ``"exact"``,
        standard error of the mean for ``"hutchinson"``).
    """
    k = int(k)
    if method == "exact":
        M = np.asarray(B, dtype=float)
        d = M.shape[0]
        powers = [np.eye(d), M]
        while len(powers) - 1 < (k + 1) // 2:
            powers.append(powers[-1] @ M)
        p = np.empty(k)
        for j in range(1, k + 1):
            m = j // 2
            p[j - 1] = np.vdot(powers[m], powers[j - m])
        return p, np.full(k, 16 * d * _EPS)
    if method != "hutchinson":
        raise ValueError(f"`method` must be 'exact' or 'hutchinson', got {method!r}.")
    rng = np.random.default_rng(seed)
    d = B.dim
    half = (k + 1) // 2
    samples = np.empty((n_probes, k))
    for i in range(n_probes):
        z = rng.choice((-1.0, 1.0), size=d)
        vs = [z]
        for _ in range(half):
            vs.append(B.matvec(vs[-1]))
        for j in range(1, k + 1):
            m = j // 2
            samples[i, j - 1] = vs[m] @ vs[j - m]
    p = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / math.sqrt(n_probes) if n_probes > 1 else np.abs(p)
    return p, se / np.abs(p)


def elementary_symmetric(p):
    r"""Elementary symmetric polynomials from power sums (Newton's identities).

    .. math:: j\,\sigma_j = \sum_{i=1}^{j} (-1)^{i-1} \sigma_{j-i}\, p_i,
       \qquad \sigma_0 = 1.

    Parameters
    ----------
    p : array_like (k,)
        Power sums :math:`p_1, \dots, p_k`.

    Returns
    -------
    ndarray (k + 1,)
        :math:`\sigma_0, \dots, \sigma_k`.
    """
    p = np.asarray(p, dtype=float)
    k = p.size
    s = np.zeros(k + 1)
    s[0] = 1.0
    for j in range(1, k + 1):
        acc = 0.0
        for i in range(1, j + 1):
            acc += (-1) ** (i - 1) * s[j - i] * p[i - 1]
        s[j] = acc / j
    return s


def newton_error_bounds(p, s, rel_err):
    """First-order bounds on the absolute errors of ``s`` = Newton(p).

    ``E_j = (1/j) sum_i p_i (E_{j-i} + |s_{j-i}| (rel_err_i + j eps))``.
    """
    k = len(p)
    E = np.zeros(k + 1)
    for j in range(1, k + 1):
        acc = 0.0
        for i in range(1, j + 1):
            acc += abs(p[i - 1]) * (E[j - i] + abs(s[j - i]) * (rel_err[i - 1] + j * _EPS))
        E[j] = acc / j
    return E


def lanczos(matvec, v0, k: int, *, reorthogonalize: bool = True):
    r"""k steps of Lanczos with full reorthogonalization.

    Returns ``V`` (d, m) with orthonormal columns spanning the Krylov space
    :math:`\mathcal K_m(B, v_0)`, the tridiagonal ``T = V^T B V`` (m, m), and
    ``beta`` (the residual norm :math:`\beta_m`, for Ritz-value bounds); ``m
    <= k`` is smaller when the space is invariant (breakdown). Makes ``m``
    products with B.
    """
    d = v0.size
    k = min(int(k), d)
    V = np.zeros((d, k))
    alpha = np.zeros(k)
    betas = np.zeros(k)
    nrm = float(np.linalg.norm(v0))
    if nrm == 0.0:
        return V[:, :0], np.zeros((0, 0)), 0.0
    V[:, 0] = v0 / nrm
    m = k
    beta = 0.0
    for j in range(k):
        w = matvec(V[:, j])
        alpha[j] = V[:, j] @ w
        w = w - alpha[j] * V[:, j]
        if j > 0:
            w -= betas[j - 1] * V[:, j - 1]
        if reorthogonalize:
            for _ in range(2):
                w -= V[:, :j + 1] @ (V[:, :j + 1].T @ w)
        beta = float(np.linalg.norm(w))
        if j + 1 == k:
            break
        if beta <= 1e-12 * max(abs(alpha[: j + 1]).max(), 1e-300):
            m = j + 1
            beta = 0.0
            break
        betas[j] = beta
        V[:, j + 1] = w / beta
    T = np.diag(alpha[:m]) + np.diag(betas[:m - 1], 1) + np.diag(betas[:m - 1], -1)
    return V[:, :m], T, beta


def spectrum_bounds(B, *, k: int = 30, seed=0):
    """Lanczos estimates ``(lower, upper)`` of the extreme eigenvalues of B.

    ``upper`` is the largest Ritz value plus its residual bound, inflated by
    1%, so that in practice it bounds :math:`\\lambda_{\\max}` (the
    Chebyshev preconditioner needs an upper bound); ``lower`` is the smallest
    Ritz value (an over-estimate of :math:`\\lambda_{\\min}`, which is safe:
    the polynomial stays positive below it).
    """
    rng = np.random.default_rng(seed)
    V, T, beta = lanczos(B.matvec, rng.standard_normal(B.dim), k)
    theta, S = np.linalg.eigh(T)
    upper = (theta[-1] + abs(beta * S[-1, -1])) * 1.01
    lower = max(theta[0], 1e-12 * upper)
    return float(lower), float(upper)


# ---------------------------------------------------------------------------
# preconditioners
# ---------------------------------------------------------------------------
class Preconditioner:
    r"""A metric :math:`G = s P^{-1}` for the gradient methods.

    Subclasses implement :meth:`setup` (called once with the curvature
    operator) and :meth:`apply` (``v -> P v``), and set :attr:`scale`
    (:math:`s` with :math:`P B \preceq s I`). A user object with ``apply``
    and ``scale`` (and optionally ``setup(B)``) works too.
    """

    scale: float = 1.0
    is_identity = False
    name = "preconditioner"

    def setup(self, B: CurvatureOperator) -> None:
        """Precompute what :meth:`apply` needs from the curvature operator."""
        self.B = B

    def apply(self, v) -> np.ndarray:
        """``P v``."""
        raise NotImplementedError

    def direction(self, g) -> np.ndarray:
        r""":math:`G^{-1} g = P g / s`."""
        return self.apply(g) / self.scale

    def step_sqnorm(self, d, gw: float, t: float) -> float:
        r""":math:`\|d\|_G^2` for a step :math:`d = -t\, G^{-1} g` with
        :math:`gw = \langle g, G^{-1} g\rangle`: :math:`t^2\, gw`."""
        return t * t * gw


class IdentityPreconditioner(Preconditioner):
    """:math:`P = I`, :math:`s = 1`: the Euclidean metric of GM and FGM."""

    scale = 1.0
    is_identity = True
    name = "identity"

    def setup(self, B=None):
        pass

    def apply(self, v):
        return v

    def direction(self, g):
        return g

    def step_sqnorm(self, d, gw, t):
        return float(d @ d)


#: The shared identity metric (stateless).
IDENTITY = IdentityPreconditioner()


class SymmetricPolynomialPreconditioner(Preconditioner):
    r"""Doikov & Rodomanov's symmetric-polynomial preconditioner of degree tau - 1.

    With :math:`\tilde B = B / \operatorname{tr} B` (unit trace; the method
    is scale-invariant) and :math:`\sigma_j` the elementary symmetric
    polynomials of its eigenvalues,

    .. math::

        P_\tau = \sum_{i=0}^{\tau-1} (-1)^i \sigma_{\tau-1-i}(\tilde B)\, \tilde B^i,
        \qquad P_\tau \succ 0, \qquad P_\tau \tilde B \preceq \sigma_\tau(\tilde B) I ,

    so :math:`s = \sigma_\tau` and the condition number in the metric is at
    most :math:`\kappa_\tau = \sum_{i \ge \tau} \lambda_i / \lambda_d`.

    Parameters
    ----------
    tau : int in [1, 8]
    traces : {"auto", "exact", "hutchinson"}
        How :math:`\operatorname{tr}\tilde B^j` are computed: ``"exact"`` from
        the dense B (dim <= 2000 for ``"auto"``), ``"hutchinson"`` by random
        probes (products with B, counted).
    n_probes : int
    seed : int

    Attributes
    ----------
    traces_ : ndarray (tau,)
        Power traces of B (unscaled).
    sigma_ : ndarray (tau + 1,)
        :math:`\sigma_0..\sigma_\tau` of the unit-trace :math:`\tilde B`.
    coef_ : ndarray (tau,)
        Coefficients of :math:`P_\tau` in powers of :math:`\tilde B`.
    """

    name = "symmetric"

    def __init__(self, tau: int = 3, *, traces: str = "auto", n_probes: int = 30, seed=0):
        self.tau = check_tau(tau)
        if traces not in ("auto", "exact", "hutchinson"):
            raise ValueError(f"`traces` must be 'auto', 'exact' or 'hutchinson', got {traces!r}.")
        self.traces = traces
        self.n_probes = int(n_probes)
        self.seed = seed

    def setup(self, B):
        self.B = B
        tau = self.tau
        method = self.traces
        if method == "auto":
            method = "exact" if B.dim <= EXACT_TRACE_MAX_DIM else "hutchinson"
        self.trace_method_ = method
        if tau > B.dim:
            raise ValueError(f"Option `tau` ({tau}) must not exceed the dimension {B.dim}: "
                             "sigma_tau(B) = 0 for tau > dim.")
        if method == "exact":
            p, rel = power_traces(B.dense(), tau, method="exact")
        else:
            p, rel = power_traces(B, tau, method="hutchinson", n_probes=self.n_probes,
                                  seed=self.seed)
        if not p[0] > 0:
            raise ValueError("The curvature matrix B has trace <= 0: it must be positive "
                             "semidefinite and nonzero.")
        self.traces_ = p
        t = p[0]
        pt = p / t ** np.arange(1, tau + 1)          # traces of B / tr B
        s = elementary_symmetric(pt)
        err = newton_error_bounds(pt, s, rel)
        bad = [j for j in range(1, tau + 1) if not s[j] > 10 * err[j]]
        if bad:
            j = bad[0]
            raise ValueError(
                f"Option `tau` = {tau} is above the safe maximum for this matrix: "
                f"sigma_{j}(B/tr B) = {s[j]:.3g} is not above its error bound {err[j]:.2g} "
                f"(Newton's identities cancel; with {method} traces the relative trace error "
                f"is up to {rel.max():.1g}). B may have rank < tau; use tau <= {j - 1}"
                + (", traces='exact' or more n_probes." if method == "hutchinson" else "."))
        self.sigma_ = s
        self.trace_scale_ = t
        # P = sum_i (-1)^i s_{tau-1-i} Bt^i
        self.coef_ = np.array([(-1) ** i * s[tau - 1 - i] for i in range(tau)])
        self.scale = float(s[tau])

    def apply(self, v):
        """``P_tau v`` by Horner's rule: tau - 1 products with B."""
        c = self.coef_
        inv_t = 1.0 / self.trace_scale_
        w = c[-1] * v
        for i in range(self.tau - 2, -1, -1):
            w = self.B.matvec(w) * inv_t + c[i] * v
        return w


class ChebyshevPreconditioner(Preconditioner):
    r"""Chebyshev polynomial preconditioner of degree tau - 1 on [lower, upper].

    :math:`p` is the polynomial of degree :math:`\tau - 1` for which
    :math:`1 - \lambda p(\lambda) = T_\tau\bigl(\tfrac{u + l - 2\lambda}{u - l}\bigr)
    / T_\tau\bigl(\tfrac{u + l}{u - l}\bigr)`, the best uniform approximation
    of :math:`1/\lambda` in this sense; on :math:`[l, u]`,
    :math:`1 - \epsilon \le \lambda p(\lambda) \le 1 + \epsilon` with
    :math:`\epsilon = 1/T_\tau(\tfrac{u+l}{u-l})`, so :math:`s = 1 + \epsilon`.
    :math:`P g` is evaluated by the Chebyshev three-term recurrence
    (:math:`\tau - 1` products with B).

    Parameters
    ----------
    tau : int in [1, 8]
    bounds : (lower, upper), optional
        Bounds on the spectrum of B, ``0 < lower < upper``; default: Lanczos
        estimates (:func:`spectrum_bounds`, 30 products).
    seed : int
    """

    name = "chebyshev"

    def __init__(self, tau: int = 3, *, bounds=None, seed=0):
        self.tau = check_tau(tau)
        self.bounds = check_bounds(bounds)
        self.seed = seed

    def setup(self, B):
        self.B = B
        lo, hi = self.bounds if self.bounds is not None else spectrum_bounds(B, seed=self.seed)
        self.bounds_ = (lo, hi)
        theta, delta = 0.5 * (hi + lo), 0.5 * (hi - lo)
        self._theta, self._delta = theta, delta
        s1 = theta / delta
        self._sigma1 = s1
        eps = 1.0 / math.cosh(self.tau * math.acosh(s1)) if s1 < 1e300 else 0.0
        self.scale = 1.0 + eps

    def apply(self, v):
        """``p(B) v``: tau steps of Chebyshev iteration for ``B z = v`` from 0."""
        theta, delta, s1 = self._theta, self._delta, self._sigma1
        r = v
        dvec = v / theta
        z = dvec
        rho = 1.0 / s1
        for _ in range(self.tau - 1):
            r = r - self.B.matvec(dvec)
            rho_new = 1.0 / (2.0 * s1 - rho)
            dvec = (rho_new * rho) * dvec + (2.0 * rho_new / delta) * r
            rho = rho_new
            z = z + dvec
        return z


def check_bounds(bounds, name: str = "bounds"):
    """``None`` or a pair of floats ``0 < lower < upper``."""
    if bounds is None:
        return None
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise TypeError(f"Option `{name}` must be a pair (lower, upper) of numbers, "
                        f"got {bounds!r}.") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"Option `{name}` must be finite, got {bounds!r}.")
    if lo >= hi:
        raise ValueError(f"Option `{name}`: the lower spectrum bound ({lo:g}) must be smaller "
                         f"than the upper bound ({hi:g}).")
    if lo <= 0:
        raise ValueError(f"Option `{name}`: the lower spectrum bound must be > 0, got {lo:g} "
                         "(the Chebyshev polynomial on [0, upper] vanishes inside).")
    return lo, hi


def make_preconditioner(spec, tau: int, *, traces="auto", n_probes=30, seed=0, bounds=None):
    """A :class:`Preconditioner` from an option value (a name or an object)."""
    if isinstance(spec, str):
        if spec == "symmetric":
            return SymmetricPolynomialPreconditioner(tau, traces=traces, n_probes=n_probes,
                                                     seed=seed)
        if spec == "chebyshev":
            return ChebyshevPreconditioner(tau, bounds=bounds, seed=seed)
        if spec == "identity":
            return IdentityPreconditioner()
        raise ValueError(f"Option `preconditioner` must be 'symmetric', 'chebyshev', "
                         f"'identity' or an object with `apply` and `scale`; got {spec!r}.")
    if isinstance(spec, Preconditioner):
        return spec
    if not (callable(getattr(spec, "apply", None)) and hasattr(spec, "scale")):
        raise TypeError("Option `preconditioner` must be 'symmetric', 'chebyshev', 'identity' "
                        "or an object with an `apply(v)` method and a `scale` attribute; got "
                        f"{type(spec).__name__}.")
    return _UserPreconditioner(spec)


class _UserPreconditioner(Preconditioner):
    """Adapter for a duck-typed user object with ``apply`` and ``scale``."""

    name = "user"

    def __init__(self, obj):
        self.obj = obj

    def setup(self, B):
        self.B = B
        if callable(getattr(self.obj, "setup", None)):
            self.obj.setup(B)
        scale = float(self.obj.scale)
        if not (scale > 0 and math.isfinite(scale)):
            raise ValueError(f"The preconditioner's `scale` must be a positive finite number, "
                             f"got {scale!r}.")
        self.scale = scale

    def apply(self, v):
        return np.asarray(self.obj.apply(v), dtype=float)


class PreconditionedOracle(CountedSmoothOracle):
    """The counted oracle plus ``nmatvec``: products with the curvature matrix B."""

    count_names = CountedSmoothOracle.count_names + ("nmatvec",)

    def __init__(self, problem, dim):
        super().__init__(problem, dim)
        self.curvature = None

    @property
    def nmatvec(self) -> int:
        return 0 if self.curvature is None else self.curvature.nmatvec
