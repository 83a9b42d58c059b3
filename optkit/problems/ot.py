r"""Entropic optimal transport problems (the ``"ot"`` family)."""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from .base import Problem

__all__ = ["OTProblem", "Potentials"]

#: relative tolerance on |sum(a) - sum(b)| before the masses count as different
MASS_RTOL = 1e-8


def _refuse_complex(x, name: str):
    if np.iscomplexobj(x):
        raise TypeError(f"`{name}` must hold real numbers, got complex values; pass its "
                        "real part explicitly if that is what you mean.")


def _input_eps(x) -> float:
    """Machine epsilon of the input's floating dtype (float64's for anything else)."""
    dtype = getattr(x, "dtype", None)
    if dtype is not None and np.dtype(dtype).kind == "f" and np.dtype(dtype).itemsize < 8:
        return float(np.finfo(dtype).eps)
    return float(np.finfo(float).eps)


def mass_rtol(a_in, b_in, n: int, m: int) -> float:
    r"""Relative tolerance on ``|sum(a) - sum(b)|`` for histograms given in their dtype.

    A histogram normalized in a precision with unit roundoff :math:`u` by
    ``x / x.sum()`` has total mass :math:`1 + \delta`, with
    :math:`|\delta| \le (1 + \lceil\log_2 n\rceil)\,u` up to second order
    (NumPy's pairwise sum has error :math:`\lceil\log_2 n\rceil u \sum|x_i|`,
    the division adds :math:`u` per entry).  With :math:`u = \varepsilon/2`
    the tolerance is :data:`MASS_RTOL` plus twice this bound (a safety factor
    for the second-order terms) for each of ``a`` and ``b`` given in a
    precision below float64; for float64 input it stays :data:`MASS_RTOL`.
    """
    tol = MASS_RTOL
    for x, k in ((a_in, n), (b_in, m)):
        eps = _input_eps(x)
        if eps > np.finfo(float).eps:
            tol += 2 * (1 + math.ceil(math.log2(max(k, 1)))) * eps / 2
    return tol


def _histogram(x, name: str, size: int, size_name: str) -> np.ndarray:
    _refuse_complex(x, name)
    arr = np.asarray(x, dtype=float)
    if arr.size == 0:
        return np.full(size, 1.0 / size)
    if arr.ndim != 1:
        if arr.ndim == 2 and 1 in arr.shape:
            arr = arr.reshape(-1)
        else:
            raise ValueError(f"`{name}` must be a 1-D histogram; got shape {arr.shape}.")
    if arr.size != size:
        raise ValueError(
            f"Shape mismatch: `{name}` has {arr.size} entries but `M` has {size} "
            f"{size_name} (M.shape[{0 if size_name == 'rows' else 1}]).")
    if np.isnan(arr).any():
        raise ValueError(f"`{name}` contains NaN entries.")
    if not np.isfinite(arr).all():
        raise ValueError(f"`{name}` contains infinite entries.")
    if (arr < 0).any():
        i = int(np.argmin(arr))
        raise ValueError(f"`{name}` has negative entries (e.g. {name}[{i}] = {arr[i]!r}); "
                         "histograms must be nonnegative.")
    if not arr.sum() > 0:
        raise ValueError(f"`{name}` has zero total mass.")
    return arr


class Potentials(NamedTuple):
    """The iterate of the OT methods: dual potentials on the support of (a, b).

    A structured iterate (:mod:`optkit._core.iterate`): results keep the flat
    ``res.x = [f, g]`` and add ``res.f`` and ``res.g``.
    """

    f: np.ndarray
    g: np.ndarray


class OTProblem(Problem):
    r"""Entropic optimal transport between two histograms.

    .. math::

        \min_{P \ge 0,\; P\mathbf 1 = a,\; P^T\mathbf 1 = b}
        \langle M, P\rangle + \varepsilon \sum_{ij} P_{ij}(\log P_{ij} - 1),

    with :math:`\varepsilon` = ``reg``. Its dual, over potentials
    :math:`f \in \mathbb{R}^n, g \in \mathbb{R}^m` (cost units), is the
    concave maximization

    .. math::

        \max_{f, g}\; D(f, g) = \langle a, f\rangle + \langle b, g\rangle
        - \varepsilon \sum_{ij} e^{(f_i + g_j - M_{ij})/\varepsilon},

    and the optimal plan is :math:`P_{ij} = e^{(f_i + g_j - M_{ij})/\varepsilon}`.
    Methods of the ``"ot"`` family iterate on :class:`Potentials` ``(f, g)``;
    their results give ``res.f``, ``res.g`` and the flat ``res.x = [f, g]``. A
    start ``x0`` is either form (see :meth:`as_start`).

    Parameters
    ----------
    a : array_like, shape (n,)
        Source histogram, nonnegative; empty means uniform ``1/n`` (POT's
        convention).
    b : array_like, shape (m,)
        Target histogram, nonnegative, same total mass as ``a``; empty means
        uniform.
    M : array_like, shape (n, m)
        Cost matrix, finite and nonnegative (a constant shift does not change
        the plan: pass ``M - M.min()``). Kept without a copy when it is a
        C-contiguous float64 array.
    reg : float
        Entropic regularization :math:`\varepsilon > 0`.
    normalize : bool, default False
        Divide ``a`` and ``b`` by their sums (allows different total masses);
        without it, different masses are an error.
    name : str, optional

    Attributes
    ----------
    a, b, M, reg
        The validated data (full size).
    rows, cols : ndarray of int or None
        Indices of the positive entries of ``a`` and ``b`` when some are zero
        (the solvers work on that support; zero-mass rows and columns of the
        plan are zero, and their potentials are :math:`-\infty`); None when
        all are positive.
    x0 : ndarray
        Zero potentials, of length (number of positive entries of a) +
        (those of b).

    Raises
    ------
    ValueError
        NaN, infinite or negative entries, empty ``M``, shapes that do not
        match, different total masses (without ``normalize``), ``reg <= 0``.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.ot import OTProblem
    >>> M = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> res = optkit.minimize(OTProblem([0.5, 0.5], [0.5, 0.5], M, reg=0.1),
    ...                       method="sinkhorn-log", tol=1e-12)
    >>> np.round(res.plan, 6)
    array([[4.99977e-01, 2.30000e-05],
           [2.30000e-05, 4.99977e-01]])
    """

    family = "ot"
    default_method = "sinkhorn-log"
    oracle_names = ("plan", "dual")

    def __init__(self, a, b, M, reg, *, normalize: bool = False, name=None):
        super().__init__(name=name or "ot")
        _refuse_complex(M, "M")
        try:
            M = np.asarray(M, dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"`M` must be an array of real numbers: {exc}") from None
        if M.ndim != 2:
            raise ValueError(f"`M` must be a 2-D cost matrix; got shape {M.shape}.")
        if M.size == 0:
            raise ValueError(f"`M` must not be empty; got shape {M.shape}.")
        if np.isnan(M).any():
            raise ValueError("`M` contains NaN entries.")
        if not np.isfinite(M).all():
            raise ValueError("`M` contains infinite entries.")
        mmin = float(M.min())
        if mmin < 0:
            raise ValueError(
                f"`M` has negative entries (min {mmin!r}); costs must be nonnegative. "
                "A constant shift does not change the optimal plan: pass M - M.min().")
        n, m = M.shape
        a_in, b_in = a, b
        a = _histogram(a, "a", n, "rows")
        b = _histogram(b, "b", m, "columns")
        sa, sb = float(a.sum()), float(b.sum())
        if normalize:
            a, b = a / sa, b / sb
        elif abs(sa - sb) > mass_rtol(a_in, b_in, n, m) * max(sa, sb):
            raise ValueError(
                f"`a` and `b` must have the same total mass: sum(a) = {sa!r}, "
                f"sum(b) = {sb!r}. Pass normalize=True to divide each by its sum.")
        if isinstance(reg, bool) or not isinstance(reg, numbers.Real):
            raise TypeError(f"`reg` must be a positive real number, got {reg!r}.")
        reg = float(reg)
        if not (reg > 0 and math.isfinite(reg)):
            raise ValueError(f"`reg` must be a positive finite number, got {reg!r}.")

        self.a, self.b, self.reg = a, b, reg
        self.M = np.ascontiguousarray(M)
        self.rows = None if (a > 0).all() else np.flatnonzero(a > 0)
        self.cols = None if (b > 0).all() else np.flatnonzero(b > 0)
        self.x0 = np.zeros(self.shape_support[0] + self.shape_support[1])

    # -- the problem on the support of (a, b) ----------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """``(n, m)``, the shape of ``M``."""
        return self.M.shape

    @property
    def shape_support(self) -> tuple[int, int]:
        """Shape of the problem restricted to the positive entries of a and b."""
        n, m = self.M.shape
        return (n if self.rows is None else self.rows.size,
                m if self.cols is None else self.cols.size)

    def reduced(self):
        """``(a, b, M)`` restricted to the positive entries of ``a`` and ``b``
        (the arrays themselves when all entries are positive)."""
        a, b, M = self.a, self.b, self.M
        if self.rows is not None:
            a, M = a[self.rows], M[self.rows]
        if self.cols is not None:
            b, M = b[self.cols], M[:, self.cols]
        return a, b, np.ascontiguousarray(M)

    def full_plan(self, P):
        """Embed a plan on the support into the full ``(n, m)`` shape."""
        if self.rows is None and self.cols is None:
            return P
        full = np.zeros(self.M.shape)
        rows = slice(None) if self.rows is None else self.rows
        cols = slice(None) if self.cols is None else self.cols
        full[np.ix_(np.arange(self.M.shape[0])[rows], np.arange(self.M.shape[1])[cols])] = P
        return full

    def full_potentials(self, f, g):
        """Embed potentials on the support into length n and m (-inf off it)."""
        n, m = self.M.shape
        if self.rows is not None:
            full = np.full(n, -np.inf)
            full[self.rows] = f
            f = full
        if self.cols is not None:
            full = np.full(m, -np.inf)
            full[self.cols] = g
            g = full
        return f, g

    def support_potentials(self, f, g):
        """Restrict full-length potentials (a warm start) to the support."""
        f = np.asarray(f, dtype=float).reshape(-1)
        g = np.asarray(g, dtype=float).reshape(-1)
        if self.rows is not None and f.size == self.M.shape[0]:
            f = f[self.rows]
        if self.cols is not None and g.size == self.M.shape[1]:
            g = g[self.cols]
        return f, g

    def as_start(self, x0) -> Potentials:
        """``x0`` as starting potentials on the support: a flat vector ``[f, g]``
        of length n + m, or a pair ``(f, g)`` of lengths n and m (fresh copies).

        Raises
        ------
        ValueError
            A wrong length, or NaN/inf entries.
        """
        from .._core.validate import as_x0

        n, m = self.shape_support
        if isinstance(x0, tuple) and len(x0) == 2:
            f, g = as_x0(x0[0], "x0[0] (the potential f)"), as_x0(x0[1], "x0[1] (the potential g)")
            if f.size != n or g.size != m:
                raise ValueError(
                    f"`x0` as a pair (f, g) must have lengths ({n}, {m}) = (n, m) on the "
                    f"support of (a, b); got ({f.size}, {g.size}).")
            return Potentials(f, g)
        x = as_x0(x0)
        if x.size != n + m:
            raise ValueError(
                f"`x0` (the potentials f, g) must have length {n + m} = n + m on the "
                f"support of (a, b); got {x.size}.")
        # two views of the fresh copy: no second copy of the start
        return Potentials(x[:n], x[n:])

    # -- oracles in NumPy (for users and tests; solvers use the kernels) -------
    def provides(self, oracle: str) -> bool:
        return oracle in self.oracle_names

    def plan(self, f, g):
        """The plan :math:`e^{(f_i + g_j - M_{ij})/\\varepsilon}` on the support."""
        _, _, M = self.reduced()
        return np.exp((np.asarray(f)[:, None] + np.asarray(g)[None, :] - M) / self.reg)

    def dual(self, f, g):
        """The dual objective :math:`D(f, g)` (to maximize) on the support."""
        a, b, _ = self.reduced()
        return float(a @ f + b @ g - self.reg * self.plan(f, g).sum())

    def primal(self, P):
        r"""The regularized objective :math:`\langle M,P\rangle + \varepsilon
        \sum P(\log P - 1)` of a plan on the support (``0 log 0 = 0``)."""
        _, _, M = self.reduced()
        P = np.asarray(P, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ent = np.where(P > 0, P * (np.log(P) - 1.0), 0.0)
        return float(np.sum(M * P) + self.reg * ent.sum())

    def marginal_error(self, P):
        r""":math:`\|P\mathbf 1 - a\|_1 + \|P^T\mathbf 1 - b\|_1` on the support."""
        a, b, _ = self.reduced()
        return float(np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum())

    def __repr__(self) -> str:
        n, m = self.M.shape
        return f"<OTProblem {n}x{m} reg={self.reg:g}>"
