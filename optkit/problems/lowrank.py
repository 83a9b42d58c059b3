r"""Low-rank recovery problems (the ``"lowrank"`` family): matrix completion
from observed entries and matrix sensing from linear measurements.

Completion stores the observed set :math:`\Omega` only (by rows and by
columns, :math:`O(|\Omega| + m + n)` memory); no method forms an ``m x n``
array. Iterates are factors: :class:`Factors` ``(U, V)`` with
:math:`X = UV^T`, or, for a symmetric (PSD) sensing problem,
:class:`SymmetricFactor` ``(U,)`` with :math:`X = UU^T` (the right factor is
tied to the left one).
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from ._data import check_sparse_structure as _check_sparse_structure, check_real as _check_real

from .base import Problem

__all__ = ["LowRankProblem", "Factors", "SymmetricFactor", "SensingOperator"]

#: the ``x0`` a LowRankProblem defaults to: each method's own initialization
AUTO_START = "auto"


class Factors(NamedTuple):
    """Iterate ``(U, V)`` of the low-rank methods: :math:`X = UV^T`, ``U`` of
    shape (m, k), ``V`` of shape (n, k). Results give ``res.U``, ``res.V`` and
    the flat ``res.x = [vec U, vec V]`` (row-major)."""

    U: np.ndarray
    V: np.ndarray


class SymmetricFactor(NamedTuple):
    """Iterate ``(U,)`` of a symmetric problem: :math:`X = UU^T` (``V`` tied to
    ``U``); ``res.U`` and ``res.x = vec U``."""

    U: np.ndarray


def _int_arg(value, name, low=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer, got {value!r}.")
    value = int(value)
    if value < low:
        raise ValueError(f"`{name}` must be >= {low}, got {value}.")
    return value


def _finite_vector(x, name, size=None):
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must hold real numbers, got dtype {arr.dtype}.")
    arr = np.asarray(arr, dtype=np.float64).reshape(-1) if arr.ndim <= 1 else arr
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D, got shape {arr.shape}.")
    if size is not None and arr.size != size:
        raise ValueError(f"`{name}` must have {size} entries, got {arr.size}.")
    if np.isnan(arr).any():
        raise ValueError(f"`{name}` contains NaN values (first at index "
                         f"{int(np.flatnonzero(np.isnan(arr))[0])}).")
    if not np.isfinite(arr).all():
        raise ValueError(f"`{name}` contains infinite values.")
    return arr


def _index_vector(x, name, bound, bound_name):
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and arr.size and np.all(arr == np.round(arr)) \
                and np.isfinite(arr).all():
            arr = arr.astype(np.int64)
        elif arr.size:
            raise TypeError(f"`{name}` must be integer indices, got dtype {arr.dtype}.")
    arr = np.asarray(arr, dtype=np.int64).reshape(-1) if arr.ndim <= 1 else arr
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D, got shape {arr.shape}.")
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= bound:
            bad = lo if lo < 0 else hi
            raise ValueError(f"`{name}` has an index out of range: {bad} not in "
                             f"[0, {bound}) ({bound_name} = {bound}).")
    return arr


def _check_rank(rank, m, n):
    rank = _int_arg(rank, "rank")
    if rank > min(m, n):
        raise ValueError(f"`rank` must be <= min(m, n) = {min(m, n)} for a matrix of "
                         f"shape ({m}, {n}); got {rank}.")
    return rank


def _check_shape(shape):
    try:
        m, n = shape
    except (TypeError, ValueError):
        raise ValueError(f"`shape` must be a pair (m, n), got {shape!r}.") from None
    return _int_arg(m, "shape[0]"), _int_arg(n, "shape[1]")


# ---------------------------------------------------------------------------
# sensing operators
# ---------------------------------------------------------------------------
class SensingOperator:
    r"""Linear measurements :math:`\mathcal A(X)_i = \langle A_i, X\rangle`,
    :math:`i = 1..m`, with the :math:`A_i` dense, sparse or symmetric.

    Parameters
    ----------
    matrices : ndarray (m, n1 * n2) or scipy.sparse matrix
        Each row is one :math:`A_i` flattened row-major. Dense rows run the
        dense kernels; a sparse matrix (converted to CSR) the factored sparse
        kernels, which never form an ``n1 x n2`` matrix.
    shape : tuple (n1, n2)
    symmetric : bool, optional
        Whether every :math:`A_i` is symmetric (``n1 == n2``); checked, and
        detected when None (dense only; a sparse operator must say so).

    Attributes
    ----------
    kind : {"gaussian", "sparse", "symmetric"}
        ``"symmetric"`` for dense symmetric matrices.

    Notes
    -----
    :meth:`forward` and :meth:`adjoint` are the NumPy definitions (for users
    and tests); solvers call the compiled kernels through their oracle.
    """

    def __init__(self, matrices, shape, symmetric=None):
        n1, n2 = _check_shape(shape)
        self.shape = (n1, n2)
        if sp.issparse(matrices):
            _check_real(matrices, "matrices")
            A = sp.csr_matrix(_check_sparse_structure(matrices, "matrices"), dtype=np.float64)
            A.sum_duplicates()
            A.sort_indices()
            if not np.isfinite(A.data).all():
                raise ValueError("`matrices` (the sensing operator) contains NaN or inf.")
            self.sparse = True
        else:
            A = np.asarray(matrices)
            if A.dtype.kind not in "biuf":
                raise TypeError(f"`matrices` must hold real numbers, got dtype {A.dtype}.")
            A = np.ascontiguousarray(A, dtype=np.float64)
            if A.ndim != 2:
                raise ValueError(f"`matrices` must be 2-D (m, n1*n2), got shape {A.shape}.")
            if not np.isfinite(A).all():
                raise ValueError("`matrices` (the sensing operator) contains NaN or inf.")
            self.sparse = False
        if A.shape[1] != n1 * n2:
            raise ValueError(f"`matrices` must have n1*n2 = {n1 * n2} columns for shape "
                             f"{self.shape}, got {A.shape[1]}.")
        if A.shape[0] == 0:
            raise ValueError("`matrices` must hold at least one measurement.")
        self.matrices = A
        self.m = A.shape[0]
        if symmetric is None:
            symmetric = (not self.sparse and n1 == n2 and self._is_symmetric())
        elif symmetric:
            if n1 != n2:
                raise ValueError(f"`symmetric=True` needs a square shape, got {self.shape}.")
            if not self._is_symmetric():
                raise ValueError("`symmetric=True` but the measurement matrices are not "
                                 "symmetric (symmetrize them: (A_i + A_i^T)/2).")
        self.symmetric = bool(symmetric)
        self.kind = "sparse" if self.sparse else ("symmetric" if self.symmetric else "gaussian")

    def _is_symmetric(self) -> bool:
        n = self.shape[0]
        if self.sparse:
            for i in range(self.m):
                row = self.matrices.getrow(i).toarray().reshape(n, n)
                if not np.allclose(row, row.T, rtol=1e-12, atol=0):
                    return False
            return True
        A = self.matrices.reshape(self.m, n, n)
        return bool(np.allclose(A, np.transpose(A, (0, 2, 1)), rtol=1e-12, atol=0))

    @classmethod
    def from_any(cls, operator, shape=None):
        """A SensingOperator from itself, an object with ``matrices`` and
        ``shape`` (e.g. :class:`optkit.problems.synthetic.GaussianSensingOperator`),
        or a matrix (dense or sparse, ``(m, n1*n2)``) with ``shape``."""
        if isinstance(operator, cls):
            return operator
        if hasattr(operator, "matrices") and hasattr(operator, "shape"):
            return cls(operator.matrices, operator.shape)
        if shape is None:
            raise TypeError("`operator` must be a SensingOperator, an object with "
                            "`matrices` and `shape`, or a matrix together with `shape`; "
                            f"got {type(operator).__name__}.")
        return cls(operator, shape)

    @classmethod
    def gaussian(cls, m, shape, seed=None):
        r"""Dense Gaussian :math:`A_i` with i.i.d. :math:`N(0, 1/m)` entries
        (:math:`\mathbb E\|\mathcal A(X)\|^2 = \|X\|_F^2`)."""
        m = _int_arg(m, "m")
        n1, n2 = _check_shape(shape)
        rng = np.random.default_rng(seed)
        return cls(rng.standard_normal((m, n1 * n2)) / math.sqrt(m), (n1, n2), False)

    @classmethod
    def symmetric_gaussian(cls, m, n, seed=None):
        r"""Dense symmetric :math:`A_i = (G_i + G_i^T)/(2\sqrt m)`, ``G_i`` standard
        Gaussian (a GOE-type design, :math:`\mathbb E\|\mathcal A(X)\|^2 =
        \|X\|_F^2` for symmetric X)."""
        m, n = _int_arg(m, "m"), _int_arg(n, "n")
        rng = np.random.default_rng(seed)
        G = rng.standard_normal((m, n, n))
        G = (G + np.transpose(G, (0, 2, 1))) / (2.0 * math.sqrt(m))
        return cls(G.reshape(m, n * n), (n, n), True)

    @classmethod
    def sparse_gaussian(cls, m, shape, density=0.1, seed=None):
        r"""Sparse :math:`A_i`: each entry nonzero with probability ``density``,
        then :math:`N(0, 1/(m\,\text{density}))` (same second moment as
        :meth:`gaussian`)."""
        m = _int_arg(m, "m")
        n1, n2 = _check_shape(shape)
        if not (isinstance(density, numbers.Real) and 0 < density <= 1):
            raise ValueError(f"`density` must lie in (0, 1], got {density!r}.")
        rng = np.random.default_rng(seed)
        A = sp.random(m, n1 * n2, density=float(density), format="csr", random_state=rng,
                      data_rvs=lambda size: rng.standard_normal(size))
        A.data /= math.sqrt(m * density)
        return cls(A, (n1, n2), False)

    def forward(self, X) -> np.ndarray:
        r""":math:`\mathcal A(X)` (NumPy reference), shape (m,)."""
        X = np.asarray(X, dtype=float)
        if X.shape != self.shape:
            raise ValueError(f"`X` must have shape {self.shape}, got {X.shape}.")
        return np.asarray(self.matrices @ X.reshape(-1)).reshape(-1)

    def adjoint(self, z) -> np.ndarray:
        r""":math:`\mathcal A^*(z) = \sum_i z_i A_i` (NumPy reference)."""
        z = np.asarray(z, dtype=float)
        if z.shape != (self.m,):
            raise ValueError(f"`z` must have shape ({self.m},), got {z.shape}.")
        return np.asarray(self.matrices.T @ z).reshape(self.shape)

    def __repr__(self):
        return f"<SensingOperator kind={self.kind} m={self.m} shape={self.shape}>"


# ---------------------------------------------------------------------------
# the problem
# ---------------------------------------------------------------------------
def _factor_frobenius(A, B):
    """``||A B^T||_F`` without forming the product: QR of both factors, then
    the small product of the triangular parts (stable when A B^T is a small
    difference of larger terms, unlike the Gram-matrix trace formula)."""
    if A.shape[1] == 0:
        return 0.0
    ra = np.linalg.qr(A, mode="r")
    rb = np.linalg.qr(B, mode="r")
    return float(np.linalg.norm(ra @ rb.T))


class LowRankProblem(Problem):
    r"""Recover a low-rank matrix :math:`X \in \mathbb R^{m \times n}` from
    observed entries (completion) or linear measurements (sensing).

    .. math::

        \text{completion:}\quad \min_{U, V}\; \tfrac{1}{2p}
            \|P_\Omega(UV^T - M)\|_F^2, \qquad
        \text{sensing:}\quad \min_{U, V}\; \tfrac12 \|\mathcal A(UV^T) - y\|^2,

    with :math:`U \in \mathbb R^{m \times k}`, :math:`V \in \mathbb R^{n\times k}`,
    :math:`p = |\Omega|/(mn)` (so that :math:`P_\Omega/\sqrt p` is close to an
    isometry and the gradient methods' step sizes do not depend on the
    sampling rate), and, for a symmetric sensing problem, :math:`X = UU^T` and
    the loss :math:`\tfrac14\|\mathcal A(UU^T) - y\|^2`. Methods may minimize
    another loss on the same data (the :math:`\ell_1` loss of
    ``lowrank-subgradient``, the nuclear-norm penalty of ``soft-impute``).

    Build problems with :meth:`completion`, :meth:`from_dense`,
    :meth:`from_sparse` or :meth:`sensing`.

    Attributes
    ----------
    kind : {"completion", "sensing"}
    shape : tuple (m, n)
    rank : int
        The factor width ``k`` the methods use (over-parameterized when larger
        than the true rank).
    symmetric : bool
        Iterates are :class:`SymmetricFactor` (sensing with symmetric
        :math:`A_i`, PSD target).
    nobs : int
        :math:`|\Omega|` (completion) or the number of measurements.
    empty_rows, empty_cols : int
        Completion: rows / columns without an observed entry. They are
        allowed: their factor rows stay at zero (the minimum-norm
        least-squares solution), so the completed matrix is 0 there.
    x0 : str
        ``"auto"``: each method's own initialization (spectral for ``altmin``,
        small random for the gradient methods); pass ``x0`` to
        :func:`optkit.minimize` to start elsewhere (see :meth:`as_start`).
    truth
        Ground truth or None; when given, every method records the relative
        error :math:`\|UV^T - M^\star\|_F / \|M^\star\|_F` as the trace column
        and result field ``rel_error``.

    Examples
    --------
    >>> import optkit
    >>> from optkit.problems.lowrank import LowRankProblem
    >>> from optkit.problems.synthetic import matrix_completion
    >>> rows, cols, vals, M = matrix_completion(60, 50, 2, p=0.5, seed=0)
    >>> prob = LowRankProblem.completion(rows, cols, vals, (60, 50), rank=2, truth=M)
    >>> res = optkit.minimize(prob, method="altmin", tol=1e-10)
    >>> bool(res.rel_error < 1e-8)
    True
    """

    family = "lowrank"
    default_method = "altmin"
    oracle_names = ()

    def __init__(self, *, kind, shape, rank, symmetric=False, truth=None, name=None):
        super().__init__(name=name or f"lowrank-{kind}")
        self.kind = kind
        self.shape = shape
        self.rank = rank
        self.symmetric = bool(symmetric)
        self.x0 = AUTO_START
        self.truth = None if truth is None else self._check_truth(truth)
        self._truth_norm = None if self.truth is None else self._truth_frobenius()

    # -- constructors ---------------------------------------------------------
    @classmethod
    def completion(cls, rows, cols, vals, shape, rank, *, truth=None, duplicates="error",
                   name=None):
        r"""Matrix completion from the entries :math:`M_{ij}`,
        :math:`(i, j) \in \Omega`.

        Parameters
        ----------
        rows, cols : array_like of int, shape (N,)
            Positions of the observed entries.
        vals : array_like of float, shape (N,)
            Their values (finite).
        shape : tuple (m, n)
        rank : int
            Factor width ``k <= min(m, n)``.
        truth : ndarray (m, n) or tuple (U*, V*), optional
            Ground truth (dense, or factors with :math:`M^\star = U^\star
            V^{\star T}`, which never forms the dense matrix): enables the
            ``rel_error`` trace column.
        duplicates : {"error", "sum", "mean"}
            The rule for an entry given more than once: refused (default),
            values summed, or averaged.
        name : str, optional

        Raises
        ------
        ValueError
            Indices out of range, NaN or infinite values, mismatched lengths,
            duplicate entries (with ``duplicates="error"``), no observed
            entry, ``rank > min(m, n)``.

        Notes
        -----
        Memory :math:`O(|\Omega| + m + n)`: the entries sorted by rows (CSR)
        and by columns (CSC, with the permutation between the two orders).
        """
        m, n = _check_shape(shape)
        rank = _check_rank(rank, m, n)
        rows = _index_vector(rows, "rows", m, "shape[0]")
        cols = _index_vector(cols, "cols", n, "shape[1]")
        vals = _finite_vector(vals, "vals")
        if not (rows.size == cols.size == vals.size):
            raise ValueError(f"`rows`, `cols` and `vals` must have the same length; got "
                             f"{rows.size}, {cols.size}, {vals.size}.")
        if rows.size == 0:
            raise ValueError("No observed entry: `rows`, `cols` and `vals` are empty.")
        if duplicates not in ("error", "sum", "mean"):
            raise ValueError(f"`duplicates` must be 'error', 'sum' or 'mean', got "
                             f"{duplicates!r}.")
        self = cls(kind="completion", shape=(m, n), rank=rank, truth=truth, name=name)
        self._store_entries(rows, cols, vals, duplicates)
        return self

    @classmethod
    def from_dense(cls, X, rank, *, truth=None, name=None):
        """Completion from a dense array whose NaN entries are the missing ones
        (the observed entries must be finite; infinite values are refused)."""
        X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise TypeError(f"`X` must be a real numeric array, got dtype {X.dtype}.")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"`X` must be 2-D, got shape {X.shape}.")
        observed = ~np.isnan(X)
        if np.isinf(X).any():
            raise ValueError("`X` contains infinite values (missing entries must be NaN).")
        if not observed.any():
            raise ValueError("`X` has no observed entry (every value is NaN).")
        rows, cols = np.nonzero(observed)
        return cls.completion(rows, cols, X[rows, cols], X.shape, rank, truth=truth, name=name)

    @classmethod
    def from_sparse(cls, S, rank, *, truth=None, name=None):
        """Completion from a scipy.sparse matrix (any format): its *stored*
        entries are the observed ones (explicit zeros included); duplicate
        entries of a COO matrix are summed (scipy's own convention)."""
        if not sp.issparse(S):
            raise TypeError(f"`S` must be a scipy.sparse matrix, got {type(S).__name__}.")
        _check_real(S, "S")
        coo = sp.coo_matrix(_check_sparse_structure(S, "S"))
        if coo.dtype.kind not in "biuf":
            raise TypeError(f"`S` must hold real numbers, got dtype {coo.dtype}.")
        return cls.completion(coo.row, coo.col, coo.data, coo.shape, rank, truth=truth,
                              duplicates="sum", name=name)

    @classmethod
    def sensing(cls, operator, y, rank, *, truth=None, symmetric=None, shape=None, name=None):
        r"""Matrix sensing from :math:`y = \mathcal A(M^\star)` (+ noise).

        Parameters
        ----------
        operator : SensingOperator, an object with ``matrices`` and ``shape``
            (such as :func:`optkit.problems.synthetic.matrix_sensing`'s), or a
            dense/sparse ``(m, n1*n2)`` matrix together with ``shape``.
        y : array_like (m,)
        rank : int
        truth : ndarray or (U*, V*) or (U*,) for symmetric, optional
        symmetric : bool, optional
            Symmetric problem (iterate :class:`SymmetricFactor`, target
            :math:`UU^T`); default: whether the operator is symmetric.
        """
        op = SensingOperator.from_any(operator, shape)
        y = _finite_vector(y, "y", op.m)
        n1, n2 = op.shape
        rank = _check_rank(rank, n1, n2)
        if symmetric is None:
            symmetric = op.symmetric
        if symmetric and not op.symmetric:
            raise ValueError("`symmetric=True` needs symmetric measurement matrices A_i.")
        if isinstance(truth, tuple) and len(truth) == 1:
            truth = (truth[0], truth[0])
        self = cls(kind="sensing", shape=(n1, n2), rank=rank, symmetric=symmetric,
                   truth=truth, name=name)
        self.operator = op
        self.y = y
        self.nobs = op.m
        return self

    # -- storage ----------------------------------------------------------------
    def _store_entries(self, rows, cols, vals, duplicates):
        m, n = self.shape
        key = rows * np.int64(n) + cols
        order = np.argsort(key, kind="stable")
        key = key[order]
        vals = vals[order]
        del order
        dup = np.flatnonzero(key[1:] == key[:-1])
        if dup.size:
            if duplicates == "error":
                e = int(key[dup[0]])
                raise ValueError(
                    f"Duplicate entries: ({e // n}, {e % n}) is given more than once "
                    f"({dup.size} duplicates). Pass duplicates='sum' or 'mean'.")
            first = np.ones(key.size, dtype=bool)
            first[dup + 1] = False
            starts = np.flatnonzero(first)
            summed = np.add.reduceat(vals, starts)
            if duplicates == "mean":
                summed /= np.diff(np.append(starts, key.size))
            key, vals = key[starts], summed
        rows = key // n
        cols = key - rows * n
        del key
        counts_r = np.bincount(rows, minlength=m)
        counts_c = np.bincount(cols, minlength=n)
        self.ptr_r = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(counts_r, out=self.ptr_r[1:])
        self.idx_r = cols
        self.vals = vals
        # column order: stable sort of the (row-sorted) entries by column
        perm = np.argsort(cols, kind="stable")
        self.ptr_c = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts_c, out=self.ptr_c[1:])
        self.idx_c = rows[perm]
        self.perm_c = perm
        self.vals_c = vals[perm]
        self.nobs = int(vals.size)
        self.empty_rows = int(np.count_nonzero(counts_r == 0))
        self.empty_cols = int(np.count_nonzero(counts_c == 0))
        self.p = self.nobs / (m * n)

    def entries(self):
        """``(rows, cols, vals)`` of the observed entries in row-major order
        (completion problems)."""
        self._need("completion", "entries")
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.ptr_r))
        return rows, self.idx_r, self.vals

    def _need(self, kind, what):
        if self.kind != kind:
            raise ValueError(f"`{what}` is defined for {kind} problems; this one is "
                             f"a {self.kind} problem.")

    # -- ground truth -------------------------------------------------------------
    def _check_truth(self, truth):
        m, n = self.shape
        if isinstance(truth, tuple):
            if len(truth) != 2:
                raise ValueError("`truth` as factors must be a pair (U*, V*).")
            U = np.asarray(truth[0], dtype=float)
            V = np.asarray(truth[1], dtype=float)
            if U.ndim != 2 or V.ndim != 2 or U.shape[0] != m or V.shape[0] != n \
                    or U.shape[1] != V.shape[1]:
                raise ValueError(f"`truth` factors must have shapes ({m}, r) and ({n}, r); "
                                 f"got {U.shape} and {V.shape}.")
            if not (np.isfinite(U).all() and np.isfinite(V).all()):
                raise ValueError("`truth` contains NaN or infinite values.")
            return ("factors", U, V)
        M = np.asarray(truth, dtype=float)
        if M.shape != (m, n):
            raise ValueError(f"`truth` must have shape ({m}, {n}), got {M.shape}.")
        if not np.isfinite(M).all():
            raise ValueError("`truth` contains NaN or infinite values.")
        return ("dense", M)

    def _truth_frobenius(self):
        if self.truth[0] == "factors":
            return _factor_frobenius(self.truth[1], self.truth[2])
        return float(np.linalg.norm(self.truth[1]))

    def relative_error(self, U, V=None) -> float:
        r""":math:`\|UV^T - M^\star\|_F / \|M^\star\|_F` (``V = U`` when omitted),
        computed without an ``m x n`` array for factor truths (QR of the
        stacked factors) and in row blocks for a dense truth; NaN without a
        truth."""
        if self.truth is None:
            return float("nan")
        V = U if V is None else V
        denom = self._truth_norm if self._truth_norm > 0 else 1.0
        if self.truth[0] == "factors":
            _, Us, Vs = self.truth
            return _factor_frobenius(np.hstack([U, -Us]), np.hstack([V, Vs])) / denom
        M = self.truth[1]
        total = 0.0
        block = max(1, 2 ** 20 // max(1, M.shape[1]))
        for lo in range(0, M.shape[0], block):
            D = U[lo:lo + block] @ V.T - M[lo:lo + block]
            total += float(np.sum(D * D))
        return math.sqrt(total) / denom

    # -- starts ----------------------------------------------------------------------
    def empty_start(self):
        """The ``"auto"`` start: factors with zero rows, read by every method as
        'use your own initialization'."""
        k = self.rank
        if self.symmetric:
            return SymmetricFactor(np.empty((0, k)))
        return Factors(np.empty((0, k)), np.empty((0, k)))

    def as_start(self, x0):
        """``x0`` as a starting iterate (fresh copies).

        Accepted: ``"auto"`` (or None, or a 0-d string array ``"auto"``): the
        method's own initialization; a
        :class:`Factors`/pair ``(U, V)`` of shapes (m, k), (n, k); for a
        symmetric problem ``U`` or ``(U,)`` of shape (n, k); or a flat vector
        ``[vec U, vec V]`` (row-major) of length (m + n) k (n k when
        symmetric).

        Raises
        ------
        ValueError
            Wrong shapes or lengths, NaN or infinite entries.
        """
        from .._core.validate import as_x0

        if x0 is None or (isinstance(x0, str) and x0 == AUTO_START):
            return self.empty_start()
        if isinstance(x0, np.ndarray) and x0.dtype.kind == "U":
            if x0.ndim == 0 and str(x0) == AUTO_START:
                return self.empty_start()
            raise ValueError(f"`x0` as a string must be 'auto', got {x0!r}.")
        if isinstance(x0, str):
            raise ValueError(f"`x0` as a string must be 'auto', got {x0!r}.")
        m, n = self.shape
        k = self.rank
        if isinstance(x0, tuple):
            parts = [np.array(a, dtype=float, copy=True) for a in x0]
            for a, nm in zip(parts, ("x0[0] (U)", "x0[1] (V)")):
                if not np.isfinite(a).all():
                    raise ValueError(f"`{nm}` contains NaN or infinite entries.")
            if self.symmetric:
                if len(parts) != 1 or parts[0].shape != (n, k):
                    raise ValueError(f"`x0` of a symmetric problem must be (U,) with U of "
                                     f"shape ({n}, {k}).")
                return SymmetricFactor(parts[0])
            if len(parts) != 2 or parts[0].shape != (m, k) or parts[1].shape != (n, k):
                got = tuple(a.shape for a in parts)
                raise ValueError(f"`x0` as factors must be (U, V) of shapes ({m}, {k}) and "
                                 f"({n}, {k}); got {got}.")
            return Factors(parts[0], parts[1])
        arr = np.asarray(x0)
        if self.symmetric and arr.ndim == 2:
            if arr.shape != (n, k):
                raise ValueError(f"`x0` must have shape ({n}, {k}), got {arr.shape}.")
            U = as_x0(arr.reshape(-1)).reshape(n, k)
            return SymmetricFactor(U)
        x = as_x0(x0)
        size = n * k if self.symmetric else (m + n) * k
        if x.size != size:
            what = "n k" if self.symmetric else "(m + n) k"
            raise ValueError(f"`x0` (flat factors) must have length {size} = {what}; "
                             f"got {x.size}.")
        if self.symmetric:
            return SymmetricFactor(x.reshape(n, k))
        return Factors(x[:m * k].reshape(m, k), x[m * k:].reshape(n, k))

    # -- user-facing evaluations (NumPy) ---------------------------------------------
    def predict(self, U, V, rows, cols):
        """Entries ``(U V^T)[rows, cols]`` without forming the product."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        return np.einsum("ij,ij->i", U[rows], V[cols])

    def __repr__(self):
        m, n = self.shape
        extra = f" |Omega|={self.nobs}" if self.kind == "completion" else \
            f" m={self.nobs} operator={self.operator.kind}"
        return f"<LowRankProblem {self.kind} {m}x{n} rank={self.rank}{extra}>"
