r"""Global minimizers of the cubic model and of shifted quadratic models.

The cubic model of Nesterov and Polyak (2006),

.. math::

    m_M(h) = \langle g, h\rangle + \tfrac12\langle A h, h\rangle + \tfrac{M}{6}\|h\|^3 ,

has a global minimizer :math:`h^*` characterised by (Nesterov & Polyak 2006,
Thm. 10): with :math:`r = \|h^*\|` and shift :math:`s = Mr/2`,

.. math::

    (A + s I) h^* = -g, \qquad A + s I \succeq 0 .

:func:`solve_cubic_eig` finds it from an eigendecomposition of ``A`` (computed
once, reusable for many ``g`` and ``M``: the lazy-Hessian methods do exactly
that); :func:`solve_cubic_krylov` works matrix-free through Hessian-vector
products (Lanczos, as in the ARC methods of Cartis, Gould and Toint, 2011).

Root finding works in the shift :math:`s`. On :math:`(s_{\rm low}, \infty)`,
:math:`s_{\rm low} = \max(0, -\lambda_{\min})`, the function

.. math::

    \psi(s) = \frac{1}{\|h(s)\|} - \frac{M}{2s}, \qquad
    h(s) = -(A + sI)^{-1} g ,

is increasing and concave, so Newton's method from a point where
:math:`\psi < 0` climbs monotonically to the root; a bracket kept from
explicit bounds on the root makes every step safe (bisection otherwise).
The hard case (``g`` orthogonal to the eigenspace of :math:`\lambda_{\min} <
0`, including ``g = 0`` at a strict saddle) is detected explicitly and solved
in closed form, moving along the eigenvector of :math:`\lambda_{\min}`.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import scipy.linalg

__all__ = ["Eig", "CubicStep", "eig_of", "solve_cubic_eig", "solve_shifted_eig",
           "solve_cubic_krylov", "cubic_model"]

_EPS = np.finfo(float).eps
#: |g_i| <= this * ||g|| on the eigenspace of lambda_min counts as zero (hard case)
HARD_CASE_RTOL = 1e-12
_MAX_ROOT_ITERS = 100


@dataclasses.dataclass(frozen=True)
class Eig:
    """An eigendecomposition ``A = Q diag(lam) Q^T`` (eigenvalues ascending)."""

    lam: np.ndarray
    Q: np.ndarray

    @property
    def lambda_min(self) -> float:
        return float(self.lam[0])


def eig_of(A: np.ndarray) -> Eig:
    """Eigendecomposition of a dense symmetric matrix (LAPACK ``syevd``)."""
    lam, Q = scipy.linalg.eigh(A, check_finite=False, driver="evd")
    return Eig(lam, Q)


@dataclasses.dataclass(frozen=True)
class CubicStep:
    """A global minimizer of the cubic model.

    Attributes
    ----------
    h : ndarray
        The step.
    r : float
        Its norm.
    shift : float
        ``M r / 2``, the shift making ``A + shift I`` PSD with ``(A + shift I) h = -g``.
    model : float
        ``m_M(h)`` (<= 0).
    hard_case : bool
        Whether the closed-form hard-case solution was used.
    iterations : int
        Root-finding iterations (Lanczos iterations for the Krylov solver).
    """

    h: np.ndarray
    r: float
    shift: float
    model: float
    hard_case: bool
    iterations: int
    ritz_min: float = math.nan


def cubic_model(g, A_h, h, M) -> float:
    """``<g,h> + <Ah,h>/2 + M ||h||^3 / 6`` given ``A_h = A @ h``."""
    r = float(np.linalg.norm(h))
    return float(g @ h + 0.5 * (A_h @ h) + M * r ** 3 / 6.0)


def _root_bounds(lam_lo, lam_hi, tau, gnorm):
    """Shifts between which the root lies: s (lam + s) = tau ||g|| at lam_lo / lam_hi."""
    def positive_root(lam):
        # root of s^2 + lam s - tau ||g|| = 0, computed without cancellation
        c = tau * gnorm
        disc = math.sqrt(lam * lam + 4.0 * c)
        return (disc - lam) / 2.0 if lam <= 0 else 2.0 * c / (disc + lam)
    return positive_root(lam_hi), positive_root(lam_lo)


def _secular_root(lam, gh2, tau, s_low, s_lo, s_hi, s0=None):
    """Root of psi(s) = 1/||h(s)|| - tau/s on (s_low, inf); returns (s, iterations)."""
    lo, hi = max(s_lo, s_low), s_hi
    if hi <= lo:
        return hi, 0
    s = s0 if (s0 is not None and lo < s0 < hi) else None
    if s is None:
        # psi(lo) <= 0: Newton on the concave psi climbs monotonically from there
        s = lo if lo > s_low else 0.5 * (lo + hi)
    for it in range(1, _MAX_ROOT_ITERS + 1):
        d = lam + s
        if np.any(d <= 0):          # numerically at the pole: move right
            lo = s
            s = 0.5 * (lo + hi)
            continue
        w = gh2 / (d * d)
        n2 = float(w.sum())
        hn = math.sqrt(n2)
        psi = 1.0 / hn - tau / s
        if psi < 0:
            lo = s
        elif psi > 0:
            hi = s
        else:
            return s, it
        dpsi = float((w / d).sum()) / (hn * n2) + tau / (s * s)
        s_new = s - psi / dpsi
        if not (lo < s_new < hi):
            s_new = 0.5 * (lo + hi)
        if abs(s_new - s) <= 4 * _EPS * s or hi - lo <= 4 * _EPS * hi:
            return s_new, it
        s = s_new
    return s, _MAX_ROOT_ITERS


def solve_cubic_eig(eig: Eig, g: np.ndarray, M: float, *, s0: float | None = None,
                    g_hat: np.ndarray | None = None) -> CubicStep:
    r"""Global minimizer of the cubic model from an eigendecomposition of ``A``.

    Parameters
    ----------
    eig : Eig
        ``A = Q diag(lam) Q^T``.
    g : ndarray, shape (d,)
        Linear term.
    M : float
        Cubic regularization parameter (> 0).
    s0 : float, optional
        A starting shift (e.g. the previous one); only used when inside the bracket.
    g_hat : ndarray, optional
        ``Q^T g`` when the caller has it.

    Returns
    -------
    CubicStep

    Notes
    -----
    Cost: ``O(d^2)`` for ``Q^T g`` and ``Q (.)`` plus ``O(d)`` per root-finding
    iteration.
    """
    lam, Q = eig.lam, eig.Q
    tau = 0.5 * M
    gh = Q.T @ g if g_hat is None else g_hat
    gh2 = gh * gh
    gnorm = float(math.sqrt(gh2.sum()))
    lam_min = float(lam[0])
    s_low = max(0.0, -lam_min)
    scale = max(1.0, float(np.abs(lam).max()))
    cluster = lam <= lam_min + 1e3 * _EPS * scale
    hard_case = False
    if lam_min < 0 and float(np.sqrt(gh2[cluster].sum())) <= HARD_CASE_RTOL * gnorm:
        # candidate hard case: g (numerically) orthogonal to the bottom eigenspace
        rest = ~cluster
        d_rest = lam[rest] + s_low
        y = np.zeros_like(gh)
        y[rest] = -gh[rest] / d_rest
        ynorm = float(np.linalg.norm(y))
        r_low = s_low / tau
        if ynorm <= r_low:
            hard_case = True
            t = math.sqrt(max(r_low * r_low - ynorm * ynorm, 0.0))
            y[np.flatnonzero(cluster)[0]] = t
            s, iters = s_low, 0
    if not hard_case:
        if gnorm == 0.0:             # g = 0 and A PSD: h = 0 is the global minimizer
            h = np.zeros_like(g)
            return CubicStep(h=h, r=0.0, shift=0.0, model=0.0, hard_case=False, iterations=0)
        s_lo, s_hi = _root_bounds(lam_min, float(lam[-1]), tau, gnorm)
        s, iters = _secular_root(lam, gh2, tau, s_low, s_lo, s_hi, s0)
        y = -gh / (lam + s)
    h = Q @ y
    r = float(np.linalg.norm(y))
    model = float(gh @ y + 0.5 * ((lam * y) @ y) + M * r ** 3 / 6.0)
    return CubicStep(h=h, r=r, shift=s, model=model, hard_case=hard_case, iterations=iters)


def solve_shifted_eig(eig: Eig, g: np.ndarray, shift: float, g_hat=None) -> np.ndarray:
    """``-(A + shift I)^{-1} g`` from the eigendecomposition (``O(d^2)``)."""
    gh = eig.Q.T @ g if g_hat is None else g_hat
    return eig.Q @ (-gh / (eig.lam + shift))


# ---------------------------------------------------------------------------
# Krylov (Lanczos) solver
# ---------------------------------------------------------------------------
def _lanczos_min_eig(hessp, d, rng, maxiter):
    """Smallest eigenpair estimate of A from a random start (for g = 0)."""
    v = rng.standard_normal(d)
    v /= np.linalg.norm(v)
    V = np.zeros((d, maxiter))
    alpha, beta = [], []
    b = 0.0
    v_prev = np.zeros(d)
    k = 0
    for k in range(maxiter):
        V[:, k] = v
        w = hessp(v) - b * v_prev
        a = float(w @ v)
        w -= a * v
        w -= V[:, :k + 1] @ (V[:, :k + 1].T @ w)
        alpha.append(a)
        b = float(np.linalg.norm(w))
        if b <= 1e-12 * max(1.0, abs(a)):
            break
        beta.append(b)
        v_prev, v = v, w / b
    m = len(alpha)
    T_lam, T_vec = scipy.linalg.eigh_tridiagonal(np.array(alpha), np.array(beta[:m - 1]))
    return float(T_lam[0]), V[:, :m] @ T_vec[:, 0], m


def solve_cubic_krylov(hessp, g: np.ndarray, M: float, *, tol: float = 1e-8,
                       maxiter: int = 200, rng=None) -> CubicStep:
    r"""Cubic model minimizer in growing Krylov subspaces (Lanczos, matrix-free).

    Builds an orthonormal basis of :math:`\mathcal K_k(A, g)` with full
    reorthogonalization, minimizes the model restricted to it (a tridiagonal
    problem solved by :func:`solve_cubic_eig`), and stops when the residual of
    the full optimality condition, :math:`\|(A + sI)h + g\| = \beta_k |e_k^\top y|`,
    is at most ``tol * ||g||``.

    Parameters
    ----------
    hessp : callable
        ``hessp(v) -> A v``.
    g : ndarray
        Linear term.
    M : float
        Cubic parameter.
    tol : float
        Relative residual tolerance.
    maxiter : int
        Maximum Krylov dimension.
    rng : numpy Generator, optional
        Used only when ``g = 0`` (a random start finds negative curvature).

    Notes
    -----
    Cost per Lanczos iteration: one Hessian-vector product and ``O(d k)`` for
    the reorthogonalization. In the hard case with ``g != 0`` the Krylov
    space of ``g`` cannot see the missing eigenvector; the returned step is
    then the minimizer over the subspace (as for GLTR/ARC).
    """
    d = g.size
    maxiter = max(1, min(maxiter, d))
    gnorm = float(np.linalg.norm(g))
    if gnorm == 0.0:
        rng = np.random.default_rng(0) if rng is None else rng
        lam_min, q, k = _lanczos_min_eig(hessp, d, rng, maxiter)
        if lam_min >= 0:
            return CubicStep(h=np.zeros(d), r=0.0, shift=0.0, model=0.0, hard_case=False,
                             iterations=k, ritz_min=lam_min)
        q = q / np.linalg.norm(q)
        r = -2.0 * lam_min / M
        h = r * q
        return CubicStep(h=h, r=r, shift=-lam_min, model=float(lam_min * r * r / 2 + M * r ** 3 / 6),
                         hard_case=True, iterations=k, ritz_min=lam_min)
    V = np.zeros((d, maxiter))
    alpha, beta = [], []
    v = g / gnorm
    v_prev = np.zeros(d)
    b = 0.0
    step = None
    for k in range(maxiter):
        V[:, k] = v
        w = hessp(v) - b * v_prev
        a = float(w @ v)
        w -= a * v
        w -= V[:, :k + 1] @ (V[:, :k + 1].T @ w)    # full reorthogonalization
        alpha.append(a)
        b = float(np.linalg.norm(w))
        m = k + 1
        T_lam, T_vec = scipy.linalg.eigh_tridiagonal(np.array(alpha), np.array(beta))
        e1 = np.zeros(m)
        e1[0] = gnorm
        sub = solve_cubic_eig(Eig(T_lam, T_vec), e1, M, g_hat=T_vec[0] * gnorm)
        residual = b * abs(float(sub.h[-1]))
        if residual <= tol * gnorm or b <= 1e-14 * max(1.0, abs(a)) or m == maxiter:
            h = V[:, :m] @ sub.h
            step = CubicStep(h=h, r=float(np.linalg.norm(h)), shift=sub.shift, model=sub.model,
                             hard_case=sub.hard_case, iterations=m, ritz_min=float(T_lam[0]))
            break
        beta.append(b)
        v_prev, v = v, w / b
    return step
