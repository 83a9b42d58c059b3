r"""Linear programs (the ``"lp"`` family), in :func:`scipy.optimize.linprog`'s conventions."""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from ._data import check_sparse_structure as _check_sparse_structure, check_real as _check_real

from .base import Problem

__all__ = ["LPProblem", "LPIterate", "KKTError"]


class LPIterate(NamedTuple):
    """The iterate of the LP methods: primal ``x`` and dual ``y`` (one per row).

    A structured iterate (:mod:`optkit._core.iterate`): results give ``res.x``
    and ``res.y``. ``y_i > 0`` prices the row's lower bound and ``y_i < 0`` its
    upper bound, so for :func:`~scipy.optimize.linprog`'s rows ``y`` equals
    ``[res.eqlin.marginals, res.ineqlin.marginals]``.
    """

    x: np.ndarray
    y: np.ndarray


class KKTError(NamedTuple):
    """The KKT measures of a primal-dual pair (see :meth:`LPProblem.kkt`)."""

    primal_obj: float
    dual_obj: float
    primal_res: float
    dual_res: float
    gap: float
    relative: float


def _vector(v, name, size, size_text, *, allow=""):
    """``v`` as a float vector of length ``size``; ``allow`` lists the infinities
    ('+', '-') it may hold."""
    arr = np.asarray(v)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must be a real numeric array, got dtype {arr.dtype}.")
    arr = np.asarray(arr, dtype=np.float64).reshape(-1) if arr.ndim == 2 and 1 in arr.shape \
        else np.asarray(arr, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D, got shape {arr.shape}.")
    if arr.shape[0] != size:
        raise ValueError(f"`{name}` has {arr.shape[0]} entries but {size_text} is {size}.")
    if np.isnan(arr).any():
        raise ValueError(f"`{name}` contains NaN values.")
    if "+" not in allow and (arr == np.inf).any():
        raise ValueError(f"`{name}` contains +inf values.")
    if "-" not in allow and (arr == -np.inf).any():
        raise ValueError(f"`{name}` contains -inf values.")
    return arr


def _matrix(A, name, n):
    if sp.issparse(A):
        if A.dtype.kind not in "biuf":
            raise TypeError(f"`{name}` must hold real numbers, got dtype {A.dtype}.")
        A = _check_sparse_structure(A, name)
        A = sp.csr_matrix(A, dtype=np.float64)
        A.sum_duplicates()
        if not np.isfinite(A.data).all():
            raise ValueError(f"`{name}` contains NaN or infinite values.")
    else:
        A = np.asarray(A)
        if A.dtype.kind not in "biuf":
            raise TypeError(f"`{name}` must be a real numeric array, got dtype {A.dtype}.")
        if A.ndim == 1 and A.size == n:
            A = A.reshape(1, n)
        if A.ndim != 2:
            raise ValueError(f"`{name}` must be 2-D (rows, {n}), got shape {A.shape}.")
        A = np.asarray(A, dtype=np.float64)
        if not np.isfinite(A).all():
            raise ValueError(f"`{name}` contains NaN or infinite values.")
        A = sp.csr_matrix(A)
    if A.shape[1] != n:
        raise ValueError(f"`{name}` has {A.shape[1]} columns but `c` has {n} entries.")
    return A


def _bounds(bounds, n):
    """linprog's ``bounds``: None, one (lo, hi) pair, or n pairs; None = unbounded."""
    if bounds is None:
        return np.zeros(n), np.full(n, np.inf)

    def pair(b, where):
        if b is None:
            return -np.inf, np.inf
        try:
            lo, hi = b
        except (TypeError, ValueError):
            raise ValueError(f"`bounds`{where} must be a (min, max) pair, got {b!r}.") from None
        out = []
        for v, default, side in ((lo, -np.inf, "min"), (hi, np.inf, "max")):
            if v is None:
                out.append(default)
                continue
            if not isinstance(v, numbers.Real):
                raise TypeError(f"`bounds`{where} {side} must be a number or None, got {v!r}.")
            if math.isnan(v):
                raise ValueError(f"`bounds`{where} {side} is NaN.")
            out.append(float(v))
        return out

    arr = bounds
    if isinstance(bounds, np.ndarray) and bounds.ndim == 2:
        arr = [tuple(r) for r in bounds]
    if isinstance(arr, tuple) and len(arr) == 2 and all(
            v is None or isinstance(v, numbers.Real) for v in arr):
        lo, hi = pair(arr, "")
        lower, upper = np.full(n, lo), np.full(n, hi)
    else:
        arr = list(arr)
        if len(arr) == 1:
            arr = arr * n
        if len(arr) != n:
            raise ValueError(f"`bounds` has {len(arr)} pairs but `c` has {n} entries.")
        lower, upper = np.empty(n), np.empty(n)
        for j, b in enumerate(arr):
            lower[j], upper[j] = pair(b, f"[{j}]")
    return lower, upper


def _check_order(lower, upper, name):
    bad = np.nonzero(lower > upper)[0]
    if bad.size:
        j = int(bad[0])
        raise ValueError(f"Infeasible {name}: lower > upper at index {j} "
                         f"({float(lower[j])!r} > {float(upper[j])!r}).")
    bad = np.nonzero((lower == np.inf) | (upper == -np.inf))[0]
    if bad.size:
        j = int(bad[0])
        raise ValueError(f"Infeasible {name} at index {j}: [{float(lower[j])!r}, {float(upper[j])!r}] is empty.")


class LPProblem(Problem):
    r"""A linear program in :func:`scipy.optimize.linprog`'s conventions.

    .. math::

        \min_x\; c^T x + c_0 \quad\text{s.t.}\quad A_{eq} x = b_{eq},\quad
        A_{ub} x \le b_{ub},\quad l \le x \le u.

    Internally it is held in the two-sided row form
    :math:`r^{lo} \le A x \le r^{up}` (rows ``[A_eq; A_ub]``,
    :math:`r^{lo} = [b_{eq}; -\infty]`, :math:`r^{up} = [b_{eq}; b_{ub}]`),
    which :meth:`from_rows` and :meth:`from_mps` fill directly (ranged rows
    stay one row). Methods of the ``"lp"`` family iterate on
    :class:`LPIterate` ``(x, y)``: ``res.x`` is the primal solution and
    ``res.y`` the row duals (``linprog``'s marginals).

    Parameters
    ----------
    c : array_like, shape (n,)
        Objective coefficients.
    A_eq, A_ub : array_like or scipy.sparse matrix, shape (m_eq, n), (m_ub, n), optional
        Equality and upper-bound constraint matrices.
    b_eq, b_ub : array_like, shape (m_eq,), (m_ub,), optional
        Their right-hand sides (``b_ub`` may hold ``+inf``: a vacuous row).
    bounds : None, (min, max) or sequence of n (min, max) pairs, optional
        Variable bounds as in ``linprog`` (default ``(0, None)``: ``x >= 0``;
        ``None`` means unbounded on that side).
    offset : float, default 0
        Objective constant :math:`c_0`.
    name : str, optional

    Raises
    ------
    ValueError
        On inconsistent shapes, NaN or infinite data, infeasible bounds
        (``min > max``, naming the index), or no constraint row at all.
    """

    family = "lp"
    default_method = "pdhg-lp"

    def __init__(self, c, A_eq=None, b_eq=None, A_ub=None, b_ub=None, bounds=None, *,
                 offset=0.0, name=None):
        c = np.asarray(c)
        if c.dtype.kind not in "biuf":
            raise TypeError(f"`c` must be a real numeric array, got dtype {c.dtype}.")
        if c.ndim != 1 or c.size == 0:
            raise ValueError(f"`c` must be a non-empty 1-D array, got shape {c.shape}.")
        c = _vector(c, "c", c.size, "its length")
        n = c.size
        blocks, lo_parts, up_parts = [], [], []
        n_eq = 0
        for A, b, aname, bname, eq in ((A_eq, b_eq, "A_eq", "b_eq", True),
                                       (A_ub, b_ub, "A_ub", "b_ub", False)):
            if A is None and b is None:
                continue
            if A is None or b is None:
                given, missing = (aname, bname) if b is None else (bname, aname)
                raise ValueError(f"`{given}` is given without `{missing}`.")
            A = _matrix(A, aname, n)
            if A.shape[0] == 0:
                continue
            b = _vector(b, bname, A.shape[0], f"the number of rows of `{aname}`",
                        allow="" if eq else "+")
            blocks.append(A)
            n_eq += A.shape[0] if eq else 0
            lo_parts.append(b if eq else np.full(A.shape[0], -np.inf))
            up_parts.append(b)
        if not blocks:
            raise ValueError("The LP has no constraints: give `A_eq`/`b_eq` or `A_ub`/`b_ub` "
                             "with at least one row.")
        lower, upper = _bounds(bounds, n)
        _check_order(lower, upper, "`bounds`")
        self._init(c, sp.vstack(blocks, format="csr"), np.concatenate(lo_parts),
                   np.concatenate(up_parts), lower, upper, offset, name, n_eq=n_eq)

    def _init(self, c, A, row_lower, row_upper, lower, upper, offset, name, n_eq=0,
              sense=1):
        if not (isinstance(offset, numbers.Real) and math.isfinite(offset)):
            raise ValueError(f"`offset` must be a finite number, got {offset!r}.")
        super().__init__(name=name or "LP")
        A = A.tocsr()
        A.sort_indices()
        self.c, self.A = c, A
        self.row_lower, self.row_upper = row_lower, row_upper
        self.lower, self.upper = lower, upper
        self.offset = float(offset)
        self.n_eq = int(n_eq)
        #: +1: the file's objective was minimized; -1: it was a maximization
        #: (``c`` and ``offset`` are negated so the LP is still a minimization)
        self.sense = int(sense)
        # default start: x = 0 clipped to the bounds, y = 0 (flat [x, y])
        self.x0 = np.concatenate([np.clip(np.zeros(c.size), lower, upper),
                                  np.zeros(A.shape[0])])

    @classmethod
    def from_rows(cls, c, A, row_lower, row_upper, lower, upper, *, offset=0.0, name=None,
                  sense=1):
        r"""An LP in the two-sided row form
        :math:`\min c^T x + c_0` s.t. :math:`r^{lo} \le Ax \le r^{up}`, :math:`l \le x \le u`.

        Parameters
        ----------
        c : array_like, shape (n,)
        A : array_like or scipy.sparse matrix, shape (m, n)
        row_lower, row_upper : array_like, shape (m,)
            Row bounds (``-inf`` / ``inf`` allowed).
        lower, upper : array_like, shape (n,)
            Variable bounds (``-inf`` / ``inf`` allowed).
        offset : float, default 0
        name : str, optional
        sense : {1, -1}, default 1
            Recorded only (-1: ``c`` and ``offset`` already negate a maximization).

        Returns
        -------
        LPProblem
        """
        c = np.asarray(c)
        if c.dtype.kind not in "biuf" or c.ndim != 1 or c.size == 0:
            raise ValueError("`c` must be a non-empty 1-D real array.")
        n = c.size
        c = _vector(c, "c", n, "its length")
        A = _matrix(A, "A", n)
        m = A.shape[0]
        if m == 0:
            raise ValueError("The LP has no constraints: `A` has no rows.")
        rl = _vector(row_lower, "row_lower", m, "the number of rows of `A`", allow="-")
        ru = _vector(row_upper, "row_upper", m, "the number of rows of `A`", allow="+")
        _check_order(rl, ru, "row bounds (`row_lower` > `row_upper`)")
        lo = _vector(lower, "lower", n, "the length of `c`", allow="-")
        up = _vector(upper, "upper", n, "the length of `c`", allow="+")
        _check_order(lo, up, "variable bounds (`lower` > `upper`)")
        self = cls.__new__(cls)
        self._init(c, A, rl, ru, lo, up, offset, name, n_eq=0, sense=sense)
        return self

    @classmethod
    def from_mps(cls, path, format="auto"):
        """Read an LP from an MPS file (free or fixed, plain or gzip).

        Integer markers are ignored (the LP relaxation is read); a maximization
        (``OBJSENSE MAX``) is stored as the minimization of ``-c`` with
        ``sense = -1``, so ``-res.fun`` is the maximum. See
        :mod:`optkit.problems.mps` for the format and conventions.

        Parameters
        ----------
        path : str or os.PathLike
        format : {"auto", "free", "fixed"}, default "auto"

        Returns
        -------
        LPProblem

        Raises
        ------
        optkit.problems.mps.MPSError
            Malformed file (the message names the file and line).
        ValueError
            Infeasible bounds in the file (``lower > upper``).
        """
        from .mps import read_mps

        model = read_mps(path, format=format)
        import os

        name = model.name.split()[0] if model.name.split() else os.path.basename(str(path))
        try:
            return cls.from_rows(model.sense * model.c, model.A, model.row_lower,
                                 model.row_upper, model.col_lower, model.col_upper,
                                 offset=model.sense * model.offset, name=name,
                                 sense=model.sense)
        except ValueError as exc:
            raise ValueError(f"{model.path}: {exc}") from None

    # -- sizes and conversions --------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """``(m, n)``: rows and variables."""
        return self.A.shape

    def to_linprog(self) -> dict:
        """Keyword arguments of :func:`scipy.optimize.linprog` for this LP
        (ranged rows become two ``A_ub`` rows; the offset is not included).

        Returns
        -------
        dict
            ``c, A_eq, b_eq, A_ub, b_ub, bounds``.
        """
        rl, ru = self.row_lower, self.row_upper
        eq = rl == ru
        up = ~eq & np.isfinite(ru)
        lo = ~eq & np.isfinite(rl)
        A = self.A
        A_ub = sp.vstack([A[up], -A[lo]], format="csr")
        b_ub = np.concatenate([ru[up], -rl[lo]])
        out = dict(c=self.c, bounds=np.column_stack([self.lower, self.upper]))
        if eq.any():
            out.update(A_eq=A[eq], b_eq=rl[eq])
        if A_ub.shape[0]:
            out.update(A_ub=A_ub, b_ub=b_ub)
        return out

    def as_start(self, x0) -> LPIterate:
        """``x0`` as an :class:`LPIterate`: None (zeros, clipped to the bounds),
        an ``(x, y)`` pair, the flat ``[x, y]`` (length n + m) or ``x`` alone
        (length n, with ``y = 0``).

        Parameters
        ----------
        x0 : None, LPIterate, (x, y) or ndarray

        Returns
        -------
        LPIterate
        """
        m, n = self.shape
        if x0 is None:
            return LPIterate(np.clip(np.zeros(n), self.lower, self.upper), np.zeros(m))
        if isinstance(x0, tuple):
            if len(x0) != 2:
                raise ValueError(f"`x0` as a tuple must be (x, y), got {len(x0)} parts.")
            x = _vector(x0[0], "x0.x", n, "the number of variables")
            y = _vector(x0[1], "x0.y", m, "the number of rows")
            return LPIterate(x.copy(), y.copy())
        flat = np.asarray(x0)
        if flat.dtype.kind not in "biuf":
            raise TypeError(f"`x0` must be a real numeric array, got dtype {flat.dtype}.")
        flat = np.asarray(flat, dtype=np.float64).reshape(-1)
        if flat.size == n + m:
            x, y = flat[:n], flat[n:]
        elif flat.size == n:
            x, y = flat, np.zeros(m)
        else:
            raise ValueError(f"`x0` has {flat.size} entries; expected n = {n} (x) or "
                             f"n + m = {n + m} (x and y).")
        if not np.isfinite(flat).all():
            raise ValueError("`x0` contains NaN or infinite values.")
        return LPIterate(np.array(x, dtype=float), np.array(y, dtype=float))

    def provides(self, oracle: str) -> bool:
        return False

    # -- optimality measures ---------------------------------------------------------
    def bound_norms(self) -> tuple[float, float]:
        """``(||q||_2, ||c||_2)``: the norms the relative KKT error divides by;
        ``q_i`` is the larger finite bound of row i in absolute value (0 if none).

        Returns
        -------
        tuple of float
        """
        return combined_bound_norm(self.row_lower, self.row_upper), float(np.linalg.norm(self.c))

    def kkt(self, x, y) -> KKTError:
        r"""KKT measures of ``(x, y)`` and the relative KKT error.

        With reduced costs :math:`\lambda = c - A^T y`,

        .. math::

            p &= c^T x + c_0,\qquad
            d = c_0 + \sum_i (y_i^+ r^{lo}_i - y_i^- r^{up}_i)
                + \sum_j (\lambda_j^+ l_j - \lambda_j^- u_j), \\
            \epsilon_{rel} &= \max\Bigl(\frac{\|Ax - \Pi_{[r^{lo}, r^{up}]}(Ax)\|_2 + \|x - \Pi_{[l,u]}x\|_2}{1 + \|q\|_2},\;
              \frac{\|\lambda_{\text{dual-infeasible}}\|_2}{1 + \|c\|_2},\;
              \frac{|p - d|}{1 + |p| + |d|}\Bigr),

        where the dual sum keeps the terms with finite bounds and the parts
        of :math:`y, \lambda` that meet an infinite bound form the dual
        residual (PDLP's optimality criteria with
        :math:`\epsilon_{abs} = \epsilon_{rel}`).

        Parameters
        ----------
        x : ndarray, shape (n,)
        y : ndarray, shape (m,)

        Returns
        -------
        KKTError
        """
        m, n = self.shape
        x = _vector(x, "x", n, "the number of variables", allow="")
        y = _vector(y, "y", m, "the number of rows", allow="")
        Ax = self.A @ x
        ATy = self.A.T @ y
        qn, cn = self.bound_norms()
        return kkt_measures(self.c, self.offset, x, y, Ax, ATy, self.row_lower,
                            self.row_upper, self.lower, self.upper, qn, cn)

    def __repr__(self) -> str:
        m, n = self.shape
        return f"<LPProblem {self.name!r}: {m} rows, {n} columns, {self.A.nnz} nonzeros>"


def combined_bound_norm(lo, up) -> float:
    """``||q||_2`` with ``q_i`` the larger finite one of ``|lo_i|, |up_i|`` (0 if none)."""
    q = np.maximum(np.where(np.isfinite(lo), np.abs(lo), 0.0),
                   np.where(np.isfinite(up), np.abs(up), 0.0))
    return float(np.linalg.norm(q))


def bounded_dot(v, lo, up):
    r"""``(sum_i v_i^+ lo_i - v_i^- up_i over finite bounds, ||infinite-bound part||_2^2)``:
    the value :math:`\inf_{lo \le s \le up} v^T s` split into its finite part
    and the squared norm of the components of v that would make it
    :math:`-\infty` (positive against ``lo = -inf``, negative against ``up = inf``)."""
    pos = np.maximum(v, 0.0)
    neg = np.maximum(-v, 0.0)
    flo = np.isfinite(lo)
    fup = np.isfinite(up)
    value = float(pos[flo] @ lo[flo]) - float(neg[fup] @ up[fup])
    bad = np.where(flo, 0.0, pos) + np.where(fup, 0.0, neg)
    return value, float(bad @ bad)


def kkt_measures(c, offset, x, y, Ax, ATy, rl, ru, lo, up, q_norm, c_norm) -> KKTError:
    """The :class:`KKTError` of ``(x, y)`` given the products ``Ax`` and ``A^T y``
    (shared by :meth:`LPProblem.kkt` and the solvers, which have the products)."""
    pres_rows = Ax - np.clip(Ax, rl, ru)
    pres_cols = x - np.clip(x, lo, up)
    primal_res = math.sqrt(float(pres_rows @ pres_rows) + float(pres_cols @ pres_cols))
    lam = c - ATy
    row_val, row_bad = bounded_dot(y, rl, ru)
    col_val, col_bad = bounded_dot(lam, lo, up)
    dual_res = math.sqrt(row_bad + col_bad)
    pobj = float(c @ x) + offset
    dobj = offset + row_val + col_val
    gap = abs(pobj - dobj)
    rel = max(primal_res / (1.0 + q_norm), dual_res / (1.0 + c_norm),
              gap / (1.0 + abs(pobj) + abs(dobj)))
    return KKTError(pobj, dobj, primal_res, dual_res, gap, rel)
