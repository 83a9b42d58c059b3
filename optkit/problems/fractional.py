r"""Fractional problems: a composite numerator over a positive denominator.

.. math::

    \min_{x \in \mathbb{R}^d} F(x) = \frac{f(x) + h(x)}{g(x)},
    \qquad h(x) = \sum_i h_i(x_i), \qquad g(x) > 0,

with ``f`` smooth (coordinate-wise Lipschitz gradient), ``h`` a separable
penalty of :mod:`optkit.problems.composite` (:func:`~optkit.problems.composite.L1`,
:func:`~optkit.problems.composite.Box`, their sums, ...) and ``g`` a
:class:`QuadraticDenominator`:

.. math:: g(x) = D(x)^s, \qquad D(x) = \tfrac12 x^\top B x + w^\top x + \beta,
          \qquad s \in \{1, \tfrac12\},

which covers affine denominators (:func:`Affine`), concave quadratics, and
norms :math:`\sqrt{\|Gx - c\|_2^2 + \beta}` (:func:`Norm2`, convex). Along a
coordinate, ``D`` is a quadratic in the step, which makes the one-dimensional
fractional subproblem of :class:`~optkit.solvers.coordinate.fractional_cd.FractionalCD`
solvable exactly (G. Yuan, ICML 2023, arXiv:2201.12691).
"""

from __future__ import annotations

import numbers

import numpy as np

from .base import Problem, SmoothProblem
from .composite import SeparablePenalty

__all__ = ["QuadraticDenominator", "Affine", "Norm2", "FractionalProblem"]


def _real(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value):
        raise ValueError(f"`{name}` must be a finite real number, got {value!r}.")
    return float(value)


class QuadraticDenominator:
    r"""Denominator :math:`g(x) = D(x)^s` with :math:`D(x) = \tfrac12 x^\top B x + w^\top x + \beta`.

    Parameters
    ----------
    B : array_like, shape (d, d), optional
        Symmetric matrix; None means ``B = 0`` (an affine ``D``).
    w : array_like, shape (d,), optional
        Linear term (None: zero; then ``B`` fixes the dimension).
    beta : float, default 0
        Constant term.
    sqrt : bool, default False
        ``s = 1/2`` (``g = sqrt(D)``) when True, else ``s = 1``.

    Notes
    -----
    With ``s = 1`` every diagonal entry of ``B`` must be <= 0: a ratio of two
    convex quadratics along a coordinate may reach its infimum only at
    infinity, and the coordinate subproblem would have no minimizer; use
    ``sqrt=True`` (a norm, :func:`Norm2`) for convex denominators.
    :attr:`curvature` is ``"affine"``, ``"concave"``, ``"convex"`` or
    ``"neither"`` (the convergence theory of the paper distinguishes convex and
    concave ``g``).

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems.fractional import QuadraticDenominator
    >>> g = QuadraticDenominator(-np.eye(2), beta=2.0)        # 2 - |x|^2 / 2
    >>> g.curvature, float(g.value(np.array([1.0, 1.0])))
    ('concave', 1.0)
    """

    def __init__(self, B=None, w=None, beta=0.0, *, sqrt=False, curvature=None):
        if B is None and w is None:
            raise ValueError("`B` or `w` is needed to fix the dimension of the denominator.")
        if B is not None:
            B = np.asarray(B, dtype=float)
            if B.ndim != 2 or B.shape[0] != B.shape[1] or B.shape[0] == 0:
                raise ValueError(f"`B` must be a square non-empty matrix, got shape {B.shape}.")
            if not np.all(np.isfinite(B)):
                raise ValueError("`B` must be finite.")
            if not np.allclose(B, B.T, rtol=1e-12, atol=1e-14 * max(1.0, np.abs(B).max())):
                raise ValueError("`B` must be symmetric.")
            B = 0.5 * (B + B.T)
            if not np.any(B):
                B = None
        d = B.shape[0] if B is not None else np.asarray(w).size
        if w is None:
            w = np.zeros(d)
        w = np.asarray(w, dtype=float)
        if w.shape != (d,):
            raise ValueError(f"`w` must have shape ({d},), got {w.shape}.")
        if not np.all(np.isfinite(w)):
            raise ValueError("`w` must be finite.")
        self.B, self.w, self.beta = B, w, _real(beta, "beta")
        self.sqrt = bool(sqrt)
        self.dim = d
        if not self.sqrt and B is not None and np.any(np.diag(B) > 0):
            raise ValueError(
                "`B` must have a nonpositive diagonal when sqrt=False (a ratio of convex "
                "quadratics along a coordinate can have its infimum at infinity); use "
                "sqrt=True (e.g. Norm2) for a convex denominator.")
        self.curvature = curvature or self._curvature()

    def _curvature(self):
        B = self.B
        if B is None:
            return "concave" if self.sqrt else "affine"
        ev = np.linalg.eigvalsh(B)
        tol = 1e-12 * max(1.0, np.abs(ev).max())
        if ev[-1] <= tol:
            return "concave"
        if ev[0] >= -tol and self.sqrt:
            # sqrt(D) is convex when D = ||Gx - c||^2 + beta' with beta' >= 0
            z, *_ = np.linalg.lstsq(B, -self.w, rcond=None)
            if np.allclose(B @ z, -self.w, atol=1e-10 * max(1.0, np.abs(self.w).max())) \
                    and self.quad(z) >= -1e-12:
                return "convex"
        return "neither"

    @property
    def diag(self):
        """Diagonal of ``B`` (zeros for an affine D)."""
        return np.zeros(self.dim) if self.B is None else np.ascontiguousarray(np.diag(self.B))

    def quad(self, x) -> float:
        """D(x)."""
        x = np.asarray(x, dtype=float)
        val = float(self.w @ x) + self.beta
        if self.B is not None:
            val += 0.5 * float(x @ (self.B @ x))
        return val

    def lin(self, x):
        """Gradient of D: ``B x + w``."""
        x = np.asarray(x, dtype=float)
        return self.w.copy() if self.B is None else self.B @ x + self.w

    def value(self, x) -> float:
        """g(x) (``nan`` where D(x) < 0 with ``sqrt=True``)."""
        D = self.quad(x)
        if self.sqrt:
            return float(np.sqrt(D)) if D >= 0 else np.nan
        return D

    def grad(self, x):
        """Gradient of g at x (where D(x) > 0)."""
        gD = self.lin(x)
        if self.sqrt:
            return gD / (2.0 * np.sqrt(self.quad(x)))
        return gD

    def __repr__(self):
        kind = "sqrt(quadratic)" if self.sqrt else ("affine" if self.B is None else "quadratic")
        return f"<QuadraticDenominator {kind}, {self.curvature}, d={self.dim}>"


def Affine(w, beta=0.0):
    r"""Affine denominator :math:`g(x) = w^\top x + \beta` (convex and concave)."""
    return QuadraticDenominator(None, w, beta)


def Norm2(G=None, c=None, beta=0.0, *, dim=None):
    r"""Norm denominator :math:`g(x) = \sqrt{\|Gx - c\|_2^2 + \beta}` (convex), ``beta >= 0``.

    ``G`` None is the identity of size ``dim`` (then ``c`` must be None).
    """
    beta = _real(beta, "beta")
    if beta < 0:
        raise ValueError(f"`beta` must be >= 0 for a norm denominator, got {beta!r}.")
    if G is None:
        if dim is None or isinstance(dim, bool) or not isinstance(dim, numbers.Integral) \
                or dim < 1:
            raise ValueError("`dim` (a positive integer) is required when `G` is None.")
        if c is not None:
            raise ValueError("`c` needs `G`.")
        return QuadraticDenominator(2.0 * np.eye(dim), None, beta, sqrt=True,
                                    curvature="convex")
    G = np.asarray(G, dtype=float)
    if G.ndim != 2 or G.size == 0 or not np.all(np.isfinite(G)):
        raise ValueError(f"`G` must be a finite non-empty 2-D array, got shape {G.shape}.")
    c = np.zeros(G.shape[0]) if c is None else np.asarray(c, dtype=float)
    if c.shape != (G.shape[0],) or not np.all(np.isfinite(c)):
        raise ValueError(f"`c` must be a finite array of shape ({G.shape[0]},).")
    return QuadraticDenominator(2.0 * G.T @ G, -2.0 * G.T @ c, float(c @ c) + beta, sqrt=True,
                                curvature="convex")


class FractionalProblem(Problem):
    r"""Fractional minimization :math:`\min_x (f(x) + h(x)) / g(x)`.

    .. math::

        \min_{x} F(x) = \frac{f(x) + \sum_i h_i(x_i)}{g(x)}, \qquad
        g(x) = \Bigl(\tfrac12 x^\top B x + w^\top x + \beta\Bigr)^{s} > 0.

    Parameters
    ----------
    numerator : SmoothProblem
        The smooth part ``f`` (convex in the paper's setting).
        :class:`~optkit.problems.synthetic.QuadraticProblem` and
        :class:`~optkit.problems.glm.LeastSquares` are used through their
        matrices (exact coordinate models, compiled sweeps); any other smooth
        problem through its counted ``fun`` and ``grad`` with ``lipschitz``.
    denominator : QuadraticDenominator
        ``g`` (:func:`Affine`, :func:`Norm2`, or a concave quadratic).
    penalty : SeparablePenalty, optional
        ``h`` (None: zero).
    lipschitz : float or array_like, optional
        Coordinate Lipschitz constants of ``grad f`` (required for a generic
        ``numerator``; ignored for quadratics, whose constants are exact).
    x0 : array_like, optional
        Default start (else zeros or ``1/sqrt(d)``, the first inside the domain).
    name : str, optional

    Notes
    -----
    The problem is well posed when ``f + h > 0`` wherever ``g`` vanishes
    (e.g. ``f(0) > 0`` for ``g = ||x||``): ``F`` then tends to ``+inf`` at the
    boundary of the domain ``g > 0``. :meth:`fun` is ``inf`` outside it.

    Examples
    --------
    Sparse recovery over the Euclidean norm:

    >>> import numpy as np, optkit
    >>> from optkit.problems.glm import LeastSquares
    >>> from optkit.problems.composite import L1
    >>> from optkit.problems.fractional import FractionalProblem, Norm2
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((20, 8)); b = A[:, 0] - 2 * A[:, 1]
    >>> prob = FractionalProblem(LeastSquares(A, b), Norm2(dim=8), L1(0.1))
    >>> res = optkit.minimize(prob, method="fractional-cd", tol=1e-9)
    >>> res.success, bool(res.fun <= prob.fun(prob.x0))
    (True, True)
    """

    family = "fractional"
    default_method = "fractional-cd"
    oracle_names = ("fun", "grad")

    def __init__(self, numerator, denominator, penalty=None, *, lipschitz=None, x0=None,
                 name=None):
        if not isinstance(numerator, SmoothProblem):
            raise TypeError("`numerator` must be a SmoothProblem (e.g. "
                            "optkit.problems.glm.LeastSquares), got "
                            f"{type(numerator).__name__}.")
        if not isinstance(denominator, QuadraticDenominator):
            raise TypeError("`denominator` must be a QuadraticDenominator (Affine, Norm2, ...), "
                            f"got {type(denominator).__name__}.")
        if penalty is None:
            penalty = SeparablePenalty(name="zero")
        if not isinstance(penalty, SeparablePenalty):
            raise TypeError("`penalty` must be a SeparablePenalty (L1, Box, ...), got "
                            f"{type(penalty).__name__}.")
        d = denominator.dim
        ndim = getattr(numerator, "dim", None) or getattr(numerator, "d", None)
        if isinstance(ndim, numbers.Integral) and ndim != d:
            raise ValueError(f"`numerator` has dimension {ndim} but `denominator` has {d}.")
        penalty.arrays(d)           # checks the lengths of per-coordinate weights
        self.quadratic = self._quadratic_form(numerator)
        if lipschitz is not None:
            lc = np.asarray(lipschitz, dtype=float)
            if lc.ndim == 0:
                lc = np.full(d, float(lc))
            if lc.shape != (d,) or not np.all(np.isfinite(lc)) or np.any(lc < 0):
                raise ValueError(f"`lipschitz` must be a finite number >= 0 or an array of "
                                 f"shape ({d},) of them.")
            lipschitz = lc
        elif self.quadratic is None:
            raise ValueError("`lipschitz` (coordinate Lipschitz constants of grad f) is "
                             "required when `numerator` is not a QuadraticProblem or "
                             "LeastSquares.")
        self.numerator = self.smooth = numerator
        self.denominator = denominator
        self.penalty = penalty
        self.lipschitz = lipschitz if self.quadratic is None else np.diag(self.quadratic[0]).copy()
        self.dim = d
        if x0 is None:
            x0 = numerator.x0 if numerator.x0 is not None and \
                np.asarray(numerator.x0).shape == (d,) else None
            for cand in ([] if x0 is None else [x0]) + [np.zeros(d), np.full(d, d ** -0.5)]:
                cand = np.clip(np.asarray(cand, dtype=float), penalty.lower, penalty.upper)
                if self.in_domain(cand):
                    x0 = cand
                    break
            else:
                x0 = None
        else:
            x0 = np.asarray(x0, dtype=float)
            if x0.shape != (d,):
                raise ValueError(f"`x0` must have shape ({d},), got {x0.shape}.")
        super().__init__(x0=x0, name=name or f"({numerator.name} + {penalty.name}) / "
                         f"{'sqrt-' if denominator.sqrt else ''}quadratic")

    @staticmethod
    def _quadratic_form(smooth):
        """``(Q, c, k)`` with ``f = x'Qx/2 - c'x + k`` for quadratic numerators, else None."""
        from .glm import LeastSquares
        from .synthetic import QuadraticProblem

        if isinstance(smooth, QuadraticProblem):
            return np.ascontiguousarray(smooth.A), smooth.b.astype(float), 0.0
        if isinstance(smooth, LeastSquares):
            X, y, n = smooth.X, smooth.b, smooth.n_samples
            G = X.T @ X
            G = G.toarray() if hasattr(G, "toarray") else np.asarray(G)
            Q = G / n + smooth.mu * np.eye(G.shape[0])
            c = np.asarray(X.T @ y).ravel() / n
            return np.ascontiguousarray(Q), c, 0.5 * float(y @ y) / n
        return None

    def provides(self, oracle: str) -> bool:
        return oracle in self.oracle_names and self.numerator.provides(oracle)

    def in_domain(self, x) -> bool:
        """Whether g(x) > 0 and h(x) < inf."""
        return self.denominator.quad(x) > 0 and self.penalty.value(x) < np.inf

    def numerator_value(self, x) -> float:
        """f(x) + h(x)."""
        return float(self.numerator.fun(x)) + self.penalty.value(x)

    def fun(self, x) -> float:
        """F(x); ``inf`` outside the domain."""
        x = np.asarray(x, dtype=float)
        if not self.in_domain(x):
            return np.inf
        return self.numerator_value(x) / self.denominator.value(x)

    def grad(self, x):
        """Gradient of the smooth part f of the numerator."""
        return self.numerator.grad(x)

    def critical_residual(self, x) -> float:
        r""":math:`\|x - \operatorname{prox}_h(x - \nabla f(x) + F(x)\nabla g(x))\|_\infty`.

        Zero exactly at critical points,
        :math:`0 \in \nabla f(x) + \partial h(x) - F(x)\nabla g(x)`
        (the stationarity of Dinkelbach's parametric problem at its root).
        """
        x = np.asarray(x, dtype=float)
        F = self.fun(x)
        v = x - (np.asarray(self.numerator.grad(x)) - F * self.denominator.grad(x))
        return float(np.max(np.abs(x - self.penalty.prox(v, 1.0))))
