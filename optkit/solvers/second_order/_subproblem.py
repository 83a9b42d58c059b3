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
that); :func:`solve_cubic_cholesky` from Cholesky factorizations of
``A + sI`` (Newton on the secular equation, a few factorizations per solve,
cheaper than one eigendecomposition when ``A`` changes every step);
:func:`solve_cubic_krylov` works matrix-free through Hessian-vector
products (Lanczos, as in the ARC methods of Cartis, Gould and Toint, 2011),
with a check for the hard case that a Krylov space of ``g`` cannot see.

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
import scipy.linalg.lapack

__all__ = ["Eig", "CubicStep", "eig_of", "solve_cubic_eig", "solve_cubic_cholesky",
           "solve_shifted_eig", "solve_cubic_krylov", "cubic_model"]

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
    ritz_min : float
        Krylov solver: the smallest Ritz value of ``A`` seen (>= lambda_min(A)).
    factorizations : int
        Cholesky solver: the factorizations it computed (failed attempts and
        the eigendecomposition of the hard case included).
    """

    h: np.ndarray
    r: float
    shift: float
    model: float
    hard_case: bool
    iterations: int
    ritz_min: float = math.nan
    factorizations: int = 0


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
        # near the pole -lambda_min, ||y|| is too sensitive to s for the root in
        # floating point: set the bottom component so that ||y|| = s / tau exactly
        # when that changes the residual (lam_0 + s) y_0 + g_0 negligibly
        r_s = s / tau
        yn2 = float(y @ y)
        if abs(math.sqrt(yn2) - r_s) > 1e-13 * r_s:
            rest = yn2 - y[0] * y[0]
            if r_s * r_s > rest:
                y0 = math.copysign(math.sqrt(r_s * r_s - rest), y[0])
                if abs((lam[0] + s) * (y0 - y[0])) <= 1e-13 * max(gnorm, scale * r_s):
                    y[0] = y0
    h = Q @ y
    r = float(np.linalg.norm(y))
    model = float(gh @ y + 0.5 * ((lam * y) @ y) + M * r ** 3 / 6.0)
    return CubicStep(h=h, r=r, shift=s, model=model, hard_case=hard_case, iterations=iters)


def solve_shifted_eig(eig: Eig, g: np.ndarray, shift: float, g_hat=None) -> np.ndarray:
    """``-(A + shift I)^{-1} g`` from the eigendecomposition (``O(d^2)``)."""
    gh = eig.Q.T @ g if g_hat is None else g_hat
    return eig.Q @ (-gh / (eig.lam + shift))


# ---------------------------------------------------------------------------
# Cholesky solver
# ---------------------------------------------------------------------------
#: relative accuracy of the secular root: |s - M ||h(s)|| / 2| <= this * s
CHOL_ROOT_RTOL = 1e-13
#: a bracket [lo, hi] on the shift this narrow (relative), with psi(hi) > 0,
#: means the root sits on the pole -lambda_min: the (near-)hard case
CHOL_HARD_CASE_RTOL = 1e-9
#: Cholesky factorizations after which the solver hands over to the eigen route
CHOL_MAX_FACTORIZATIONS = 15
#: inverse iterations (O(d^2) each) per Rayleigh-quotient bound on lambda_min
_INVERSE_ITERATIONS = 4


def _gershgorin(A):
    """(lower bound on lambda_min, upper bound on lambda_max, min diagonal entry)."""
    diag = np.diag(A)
    radius = np.abs(A).sum(axis=1) - np.abs(diag)
    return float((diag - radius).min()), float((diag + radius).max()), float(diag.min())


def _cholesky(A, s):
    """``(L, None)``: lower Cholesky factor of ``A + s I``; or ``(None, bound)`` when
    it is not positive definite, ``bound`` a shift with ``bound <= -lambda_min(A)``.

    On failure at pivot ``k`` the vector ``z = (-B_{k-1}^{-1} b, 1, 0, ...)``
    built from the factor of the leading block makes ``z^T (A + sI) z`` the
    (non-positive) pivot, and ``lambda_min(A) <= z^T A z / z^T z`` holds for
    any z (Moré & Sorensen 1983).
    """
    B = A + s * np.eye(A.shape[0])
    L, info = scipy.linalg.lapack.dpotrf(B, lower=1, clean=0, overwrite_a=1)
    if info == 0:
        return L, None
    k = int(info)
    if k < 1:
        return None, s
    z = np.zeros(k)
    z[-1] = 1.0
    if k > 1:
        Lk = np.tril(L[:k - 1, :k - 1])
        if np.all(np.diag(Lk) > 0):
            b = A[:k - 1, k - 1]
            z[:-1] = -scipy.linalg.cho_solve((Lk, True), b, check_finite=False)
    Ak = A[:k, :k]
    rq = float(z @ (Ak @ z)) / float(z @ z)
    return None, max(s, -rq) if math.isfinite(rq) else s


def _inside(lo, hi):
    """A trial shift in (lo, hi): geometric mean when the bracket spans decades."""
    return max(math.sqrt(lo * hi), lo + 0.01 * (hi - lo))


def solve_cubic_cholesky(A: np.ndarray, g: np.ndarray, M: float, *,
                         s0: float | None = None, rng=None) -> CubicStep:
    r"""Global minimizer of the cubic model by Cholesky factorizations of ``A + sI``.

    Newton's method on the secular equation
    :math:`\psi(s) = 1/\|h(s)\| - M/(2s) = 0`, :math:`h(s) = -(A + sI)^{-1} g`,
    one Cholesky factorization :math:`A + sI = LL^\top` per iteration
    (Nesterov & Polyak 2006, Sec. 5; Conn, Gould & Toint 2000, Sec. 7.3 for
    the trust-region analogue). With :math:`w = L^{-1} h`,

    .. math::

        \psi'(s) = \frac{\|w\|^2}{\|h\|^3} + \frac{M}{2s^2} .

    :math:`\psi` is increasing and concave on :math:`(s_{\rm low}, \infty)`,
    :math:`s_{\rm low} = \max(0, -\lambda_{\min}(A))`, so Newton steps from a
    point with :math:`\psi < 0` climb monotonically to the root. A bracket
    ``[lo, hi]`` on the root is kept from Gershgorin bounds on the spectrum,
    from the shifts where the factorization fails (they are at most
    :math:`s_{\rm low}`), and from Rayleigh quotients of two inverse
    iterations of a random vector with the factor at hand (Moré & Sorensen
    1983); a Newton step leaving it is replaced by a point inside.

    The hard case (``g`` orthogonal to the eigenspace of :math:`\lambda_{\min}
    < 0`, so that :math:`\psi > 0` on the whole interval, ``g = 0`` at a
    strict saddle included) shows as a bracket collapsing onto
    :math:`s_{\rm low}` with :math:`\psi(hi) > 0`, or as ``g = 0`` with
    ``A`` not positive definite. It is then solved exactly from one
    eigendecomposition (:func:`solve_cubic_eig`), as is a run exceeding
    :data:`CHOL_MAX_FACTORIZATIONS` (never seen on non-hard problems).

    Parameters
    ----------
    A : ndarray, shape (d, d)
        Symmetric matrix.
    g : ndarray, shape (d,)
        Linear term.
    M : float
        Cubic regularization parameter (> 0).
    s0 : float, optional
        A starting shift, e.g. the shift of the previous trial of M (the root
        grows with M, so it is then left of the new root: monotone Newton).
    rng : numpy Generator, optional
        For the random vector of the Rayleigh-quotient bounds (seed 0 by default).

    Returns
    -------
    CubicStep
        ``factorizations`` holds the number of Cholesky attempts (plus one for
        the eigendecomposition of the hard case).

    Notes
    -----
    Cost: ``O(d^3 / 3)`` per factorization, typically 3-8 per solve from a
    cold start and 1-4 from the previous trial's shift; ``O(d^2)`` for the
    rest. Compared with the eigen route (one ``O(9 d^3)``-ish symmetric
    eigendecomposition, then ``O(d^2)`` per trial of M) it wins when few
    trials of M are needed per Hessian.
    """
    d = g.size
    tau = 0.5 * M
    gnorm = float(np.linalg.norm(g))
    lam_lo, lam_hi, dmin = _gershgorin(A)
    scale = max(1.0, abs(lam_lo), abs(lam_hi))
    nfact = 0

    def from_eig():
        sub = solve_cubic_eig(eig_of(A), g, M)
        return dataclasses.replace(sub, factorizations=nfact + 1)

    if gnorm == 0.0:
        nfact += 1
        if dmin >= 0 and _cholesky(A, 0.0) is not None:
            return CubicStep(h=np.zeros(d), r=0.0, shift=0.0, model=0.0, hard_case=False,
                             iterations=0, factorizations=nfact)
        return from_eig()                 # h = 0 only if A is PSD; else escape direction
    s_lo, s_hi = _root_bounds(lam_lo, lam_hi, tau, gnorm)
    lo = max(s_lo, -dmin, 0.0)            # s_low >= -min A_ii: the root is right of it
    hi = max(s_hi, lo)
    if not hi > lo:
        hi = lo * (1 + 1e-12) + 1e-300
    s = s0 if (s0 is not None and lo < s0 < hi) else (lo if lo > 0 else _inside(lo, hi))
    if not s > 0:
        s = _inside(lo, hi)
    rng = np.random.default_rng(0) if rng is None else rng
    u = None
    pole = None
    psi_hi_positive = False
    for it in range(1, CHOL_MAX_FACTORIZATIONS + 1):
        L, bound = _cholesky(A, s)
        nfact += 1
        s_cur = s
        if L is None:                     # s <= s_low
            lo = max(lo, bound)
            if not lo < hi:
                hi = lo + max(4 * _EPS * lo, 1e-300)
            s = _inside(lo, hi)
            continue
        h = -scipy.linalg.cho_solve((L, True), g, check_finite=False)
        hn = float(np.linalg.norm(h))
        if abs(s - tau * hn) <= CHOL_ROOT_RTOL * s or hn == 0.0:
            return _cubic_result(A, g, M, h, s, it, nfact)
        psi = 1.0 / hn - tau / s
        w = scipy.linalg.solve_triangular(L, h, lower=True, check_finite=False)
        ww = float(w @ w)
        # Newton zeros of psi (concave, increasing) and of phi(s) = ||h(s)|| - s/tau
        # (convex, decreasing): from either side of the root both are <= the root
        t_psi = s - psi / (ww / hn ** 3 + tau / (s * s))
        t_phi = s + (hn - s / tau) / (ww / hn + 1.0 / tau)
        if psi < 0:
            lo = max(lo, s)
        else:
            hi, psi_hi_positive = s, True
        if psi >= 0 and t_psi <= lo:
            # Newton overshoots the bracket: a pole -lambda_min is near. Rayleigh
            # quotients of inverse iterates (from h, which leans to the bottom
            # eigenvectors near the pole, and from a random vector, which sees
            # them in the hard case) bound it: lambda_min <= rq
            if u is None:
                u = rng.standard_normal(d)
            best = None
            for z in (h, u):
                for _ in range(_INVERSE_ITERATIONS):
                    z = scipy.linalg.cho_solve((L, True), z / np.linalg.norm(z),
                                               check_finite=False)
                z = z / np.linalg.norm(z)
                Az = A @ z
                rq = float(z @ Az)
                lo = max(lo, -rq)
                if best is None or rq < best[0]:
                    best = (rq, z, Az)
            rq, z, Az = best
            # Moré-Sorensen step: h + t z with ||h + t z|| = s / tau has the shift s
            # exactly and the residual |t| ||(A + sI) z||, small when s is near the pole
            r_s = s / tau
            hz = float(h @ z)
            t = math.sqrt(max(hz * hz + r_s * r_s - hn * hn, 0.0))
            t = -hz + t if float(g @ z) <= 0 else -hz - t     # the root with <g, t z> <= 0
            res = abs(t) * float(np.linalg.norm(Az + s * z))
            if res <= CHOL_ROOT_RTOL * max(gnorm, s * r_s):
                return _cubic_result(A, g, M, h + t * z, s, it, nfact)
            eig_res = float(np.linalg.norm(Az - rq * z))
            if rq < 0 and t_psi < lo and eig_res <= 1e-9 * scale:
                # Newton overshoots the pole and z is an eigenvector of lambda_min
                # to working accuracy: try the hard case in closed form
                nfact += 1
                step = _hard_case_deflated(A, g, M, rq, z, scale)
                if step is not None:
                    return dataclasses.replace(step, iterations=it, factorizations=nfact)
            if rq < 0 and eig_res <= 1e-6 * scale:
                pole = -rq
        newton = max(t_psi, t_phi)
        if newton < hi:
            lo = max(lo, newton)
        if psi_hi_positive and hi - lo <= CHOL_HARD_CASE_RTOL * hi:
            return from_eig()             # the root is on the pole: (near-)hard case
        if hi - lo <= 4 * _EPS * hi:
            return _cubic_result(A, g, M, h, s, it, nfact)
        if lo <= newton < hi:
            s = newton
        else:
            s = _inside(lo, hi)
            if pole is not None and psi >= 0 and s > pole:
                # near the pole: the root of the model c^2/(s-pole)^2 + b^2 = (s/tau)^2
                # fitted to ||h(s)||^2 and its derivative -2||w||^2 at s
                s_rat = _pole_model_root(pole, s_cur, hn * hn, ww, tau)
                if lo < s_rat < hi:
                    s = s_rat
    return from_eig()


def _hard_case_deflated(A, g, M, lam1, q, scale):
    """The hard-case step from an eigenpair ``(lam1 < 0, q)`` of lambda_min, or None.

    ``y = -(A - lam1 I)^+ g`` from one Cholesky factorization of the deflated
    ``A - lam1 I + scale q q^T`` (positive definite when lam1 is simple); the
    hard case holds when ``||y|| <= r_low = -2 lam1 / M``, and then
    ``h = y + t q`` with ``||h|| = r_low``. None when not the hard case, when
    the factorization fails (a multiple lambda_min) or the residual is large.
    """
    tau = 0.5 * M
    s = -lam1
    g_perp = g - float(q @ g) * q
    L, _ = _cholesky(A + scale * np.outer(q, q), s)
    if L is None:
        return None
    y = -scipy.linalg.cho_solve((L, True), g_perp, check_finite=False)
    y -= float(q @ y) * q
    r_low = s / tau
    yn = float(np.linalg.norm(y))
    if yn > r_low:
        return None
    t = math.sqrt(r_low * r_low - yn * yn)
    if float(g @ q) > 0:
        t = -t
    h = y + t * q
    res = float(np.linalg.norm(A @ h + s * h + g))
    if res > CHOL_ROOT_RTOL * 10 * max(float(np.linalg.norm(g)), scale * r_low):
        return None
    return dataclasses.replace(_cubic_result(A, g, M, h, s, 0, 0), hard_case=True)


def _pole_model_root(a, s, hn2, ww, tau):
    """Root on (a, inf) of c^2/(x-a)^2 + b^2 = (x/tau)^2, with c^2, b^2 fitted at s."""
    e = s - a
    c2 = ww * e ** 3
    b2 = max(hn2 - ww * e, 0.0)
    lo, hi = a, max(s, a + 1.0)
    while c2 / (hi - a) ** 2 + b2 > (hi / tau) ** 2:
        hi = a + 2 * (hi - a)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if c2 / (mid - a) ** 2 + b2 > (mid / tau) ** 2:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _cubic_result(A, g, M, h, s, iterations, nfact) -> CubicStep:
    r = float(np.linalg.norm(h))
    model = float(g @ h + 0.5 * (h @ (A @ h)) + M * r ** 3 / 6.0)
    return CubicStep(h=h, r=r, shift=s, model=model, hard_case=False, iterations=iterations,
                     factorizations=nfact)


# ---------------------------------------------------------------------------
# Krylov (Lanczos) solver
# ---------------------------------------------------------------------------
def _lanczos(hessp, v, maxiter, against=None):
    """Lanczos with full reorthogonalization from ``v`` (unit), orthogonal to the
    columns of ``against``. Returns ``(V, AV, alpha, beta)``, ``AV = A V``."""
    d = v.size
    V = np.zeros((d, maxiter))
    AV = np.zeros((d, maxiter))
    alpha, beta = [], []
    b = 0.0
    v_prev = np.zeros(d)
    m = 0
    for k in range(maxiter):
        V[:, k] = v
        Av = hessp(v)
        AV[:, k] = Av
        w = Av - b * v_prev
        a = float(w @ v)
        w -= a * v
        w -= V[:, :k + 1] @ (V[:, :k + 1].T @ w)
        if against is not None:
            w -= against @ (against.T @ w)
        alpha.append(a)
        m = k + 1
        b = float(np.linalg.norm(w))
        if b <= 1e-12 * max(1.0, abs(a)) or m == maxiter:
            break
        beta.append(b)
        v_prev, v = v, w / b
    return V[:, :m], AV[:, :m], np.array(alpha), np.array(beta[:m - 1])


def _random_unit(rng, d, against=None):
    v = rng.standard_normal(d)
    if against is not None:
        v -= against @ (against.T @ v)
        v -= against @ (against.T @ v)
    return v / np.linalg.norm(v)


def _lanczos_min_eig(hessp, d, rng, maxiter):
    """Smallest eigenpair estimate of A from a random start (for g = 0)."""
    V, _, alpha, beta = _lanczos(hessp, _random_unit(rng, d), maxiter)
    T_lam, T_vec = scipy.linalg.eigh_tridiagonal(alpha, beta)
    return float(T_lam[0]), V @ T_vec[:, 0], V.shape[1]


def solve_cubic_krylov(hessp, g: np.ndarray, M: float, *, tol: float = 1e-8,
                       maxiter: int = 200, rng=None, hard_case_check: int = 0,
                       cache: dict | None = None) -> CubicStep:
    r"""Cubic model minimizer in growing Krylov subspaces (Lanczos, matrix-free).

    Builds an orthonormal basis of :math:`\mathcal K_k(A, g)` with full
    reorthogonalization, minimizes the model restricted to it (a tridiagonal
    problem solved by :func:`solve_cubic_eig`), and stops when the residual of
    the full optimality condition, :math:`\|(A + sI)h + g\| = \beta_k |e_k^\top y|`,
    is at most ``tol * ||g||``.

    The hard case with ``g != 0`` (``g`` orthogonal, or nearly, to the
    eigenvectors of :math:`\lambda_{\min}(A) < 0`) is invisible from
    :math:`\mathcal K_k(A, g)`: its minimizer then has a shift ``s`` with
    :math:`A + sI` indefinite, and an iteration started there never leaves
    the invariant subspace (a saddle). With ``hard_case_check = p > 0``, ``p``
    Lanczos steps from a random vector orthogonal to the basis estimate the
    smallest eigenvalue of ``A`` off the Krylov space (Ritz value
    :math:`\theta \ge \lambda_{\min}`); if :math:`\theta < -s`, the
    subspace is augmented with those vectors and the model minimized over
    the union (a dense ``k x k`` projected problem, hard case solved in
    closed form by :func:`solve_cubic_eig`), the step flagged ``hard_case``.
    A perturbed-start idea of the same kind (random vectors make the hard
    case a probability-zero event) is analysed by Carmon & Duchi (2018).

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
        For the random start vectors (``g = 0``, hard-case check).
    hard_case_check : int
        Lanczos steps of the hard-case check (0: no check).
    cache : dict, optional
        Reused across calls with the same ``A`` and ``g`` (e.g. the trials of
        M of one iteration): the Krylov basis and the check's vectors are
        computed once.

    Notes
    -----
    Cost per Lanczos iteration: one Hessian-vector product and ``O(d k)`` for
    the reorthogonalization; the check adds ``p`` products once per ``A``.

    References
    ----------
    C. Cartis, N. I. M. Gould, Ph. L. Toint, Math. Program. 127:245-295, 2011.
    Y. Carmon, J. C. Duchi, "Analysis of Krylov subspace solutions of
    regularized nonconvex quadratic problems", NeurIPS 2018.
    """
    d = g.size
    maxiter = max(1, min(maxiter, d))
    rng = np.random.default_rng(0) if rng is None else rng
    cache = {} if cache is None else cache
    gnorm = float(np.linalg.norm(g))
    if gnorm == 0.0:
        if "min_eig" not in cache:
            cache["min_eig"] = _lanczos_min_eig(hessp, d, rng, maxiter)
        lam_min, q, k = cache["min_eig"]
        if lam_min >= 0:
            return CubicStep(h=np.zeros(d), r=0.0, shift=0.0, model=0.0, hard_case=False,
                             iterations=k, ritz_min=lam_min)
        q = q / np.linalg.norm(q)
        r = -2.0 * lam_min / M
        h = r * q
        return CubicStep(h=h, r=r, shift=-lam_min, model=float(lam_min * r * r / 2 + M * r ** 3 / 6),
                         hard_case=True, iterations=k, ritz_min=lam_min)
    if "krylov" not in cache:
        cache["krylov"] = _LanczosProcess(hessp, g / gnorm, maxiter)
    proc = cache["krylov"]
    # the smallest Krylov dimension whose subspace minimizer meets the residual test
    m = 0
    while True:
        m += 1
        if m > proc.size:
            proc.extend()
        if m > proc.size:            # invariant subspace or maxiter: use what there is
            m = proc.size
        alpha, beta = proc.tridiagonal(m)
        T_lam, T_vec = scipy.linalg.eigh_tridiagonal(alpha, beta)
        e1 = np.zeros(m)
        e1[0] = gnorm
        sub = solve_cubic_eig(Eig(T_lam, T_vec), e1, M, g_hat=T_vec[0] * gnorm)
        if (proc.next_beta(m) * abs(float(sub.h[-1])) <= tol * gnorm or m == proc.size
                and proc.done):
            break
    V = proc.V(m)
    h = V @ sub.h
    step = CubicStep(h=h, r=float(np.linalg.norm(h)), shift=sub.shift, model=sub.model,
                     hard_case=sub.hard_case, iterations=m, ritz_min=float(T_lam[0]))
    if hard_case_check <= 0 or proc.size >= d:
        return step                    # no check, or the Krylov space is the whole space
    if "check" not in cache:
        Vk = proc.V(proc.size)
        chk = _LanczosProcess(hessp, _random_unit(rng, d, Vk), d - proc.size, against=Vk)
        for _ in range(hard_case_check):
            chk.extend()
        cache["check"] = chk
    chk = cache["check"]
    theta = float(scipy.linalg.eigh_tridiagonal(*chk.tridiagonal(chk.size),
                                                eigvals_only=True)[0])
    step = dataclasses.replace(step, ritz_min=min(step.ritz_min, theta))
    if theta >= -step.shift - 1e-10 * max(1.0, abs(theta)):
        return step
    # hard case: minimize the model over span(V, W), A V and A W stored; W is
    # extended until the residual of the full optimality condition meets tol
    k = proc.size
    while True:
        B, R = np.linalg.qr(np.hstack([proc.V(k), chk.V(chk.size)]))
        AB = scipy.linalg.solve_triangular(R, np.hstack([proc.AV(k), chk.AV(chk.size)]).T,
                                           trans="T", check_finite=False).T
        T = B.T @ AB
        eig = eig_of(0.5 * (T + T.T))
        sub = solve_cubic_eig(eig, B.T @ g, M)
        h = B @ sub.h
        res = float(np.linalg.norm(AB @ sub.h + sub.shift * h + g))
        if res <= tol * gnorm or chk.done:
            break
        for _ in range(max(hard_case_check, 1)):
            chk.extend()
    return CubicStep(h=h, r=float(np.linalg.norm(h)), shift=sub.shift, model=sub.model,
                     hard_case=True, iterations=B.shape[1], ritz_min=float(eig.lam[0]))


class _LanczosProcess:
    """Lanczos on ``A`` from a unit vector, extended one step at a time on demand."""

    def __init__(self, hessp, v, maxiter, against=None):
        self.hessp, self.maxiter, self.against = hessp, maxiter, against
        d = v.size
        self._V = np.zeros((d, maxiter))
        self._AV = np.zeros((d, maxiter))
        self.alpha, self.beta = [], []
        self._next = v
        self._prev = np.zeros(d)
        self.size = 0
        self.done = False

    def extend(self):
        if self.done:
            return
        k = self.size
        v = self._next
        self._V[:, k] = v
        Av = self.hessp(v)
        self._AV[:, k] = Av
        b_prev = self.beta[-1] if self.beta else 0.0
        w = Av - b_prev * self._prev
        a = float(w @ v)
        w -= a * v
        V = self._V[:, :k + 1]
        w -= V @ (V.T @ w)                 # full reorthogonalization
        if self.against is not None:
            w -= self.against @ (self.against.T @ w)
        self.alpha.append(a)
        self.size = k + 1
        b = float(np.linalg.norm(w))
        self.beta.append(b)
        if b <= 1e-14 * max(1.0, abs(a)) or self.size >= self.maxiter:
            self.done = True
        else:
            self._prev, self._next = v, w / b

    def tridiagonal(self, m):
        return np.array(self.alpha[:m]), np.array(self.beta[:m - 1])

    def next_beta(self, m):
        """beta_m: the coupling of the m-dimensional space to the next vector."""
        return self.beta[m - 1]

    def V(self, m):
        return self._V[:, :m]

    def AV(self, m):
        return self._AV[:, :m]
