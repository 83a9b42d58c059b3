r"""The Newton-KKT system of the equality-constrained methods and its solvers.

.. math::
    K \Delta = b, \qquad K = \begin{bmatrix} B & J^T \\ J & 0 \end{bmatrix},
    \qquad B = \nabla^2_{xx} L(x, \lambda) + \delta I,

assembled as one sparse matrix when the Hessian and the Jacobian are matrices,
else applied matrix-free (Hessian-vector and Jacobian-vector products only).

Solvers:

* :func:`exact_solve`: sparse LU (SuperLU) of the assembled ``K``; MINRES on
  the matrix-free operator;
* :func:`sketch_solve`: sketch-and-project
  :math:`\Delta \leftarrow \Delta - K S (S^T K^2 S)^{\dagger} S^T (K\Delta - b)`
  with row sketches (randomized Kaczmarz, :math:`S = e_i` with
  :math:`P(i) \propto \|K_{i:}\|^2`; block Kaczmarz, :math:`S = I_{:,B}` for
  the blocks of a random partition of the rows) or dense/sparse column
  sketches (Gaussian :math:`S \in \mathbb{R}^{N \times q}`; count sketch, one
  random :math:`\pm 1` per row of :math:`S`), stopped at an absolute residual
  tolerance or a step cap.

Both report an estimate of the floating-point operations they spent (the
counts are documented next to each formula) so that the benchmark can
compare the two methods in flops, as the paper does.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ...kernels import sketch as K_sketch

__all__ = ["KKTSystem", "SolveOutcome", "exact_solve", "sketch_solve", "lu_flops"]

SKETCHES = ("kaczmarz", "block", "gaussian", "count")


def _is_operator(a) -> bool:
    return isinstance(a, spla.LinearOperator)


class KKTSystem:
    """The KKT matrix of one iteration, assembled or matrix-free.

    Parameters
    ----------
    H : ndarray, sparse matrix or None
        Lagrangian Hessian; None for the matrix-free path (``hvp`` is used).
    hvp : callable or None
        ``hvp(v)``: Lagrangian Hessian times v (matrix-free path).
    J : ndarray, sparse matrix or LinearOperator
        Constraint Jacobian (m, n).
    delta : float
        Regularization added to the Hessian block.
    """

    def __init__(self, H, hvp, J, delta: float, n: int, m: int):
        self.n, self.m, self.N = n, m, n + m
        self.delta = float(delta)
        self.J = J
        self.hvp = hvp
        self.K = None
        if H is not None and not _is_operator(H) and not _is_operator(J):
            Hs = sp.csr_matrix(H)
            if self.delta:
                Hs = Hs + self.delta * sp.identity(n, format="csr")
            Js = sp.csr_matrix(J)
            self.K = sp.bmat([[Hs, Js.T], [Js, None]], format="csr")
            self.K.sort_indices()
            self.nnz = int(self.K.nnz)
            # small systems: rows read from a dense copy (sparse row slicing costs
            # more than the arithmetic of a block step)
            self._dense = self.K.toarray() if self.N <= 2000 else None
        else:
            self.H = H
            self.nnz = None          # unknown: operator applications are not counted in flops

    @property
    def assembled(self) -> bool:
        return self.K is not None

    def matvec(self, v) -> np.ndarray:
        """``K v``."""
        if self.K is not None:
            return self.K @ v
        n = self.n
        vx, vl = v[:n], v[n:]
        top = np.asarray(self.hvp(vx), dtype=float).ravel() + self.delta * vx
        top = top + np.ravel(self.J.T @ vl)
        return np.concatenate([top, np.ravel(self.J @ vx)])

    def matmat(self, S) -> np.ndarray:
        """``K S`` for a dense (N, q) or sparse S."""
        if self.K is not None:
            out = self.K @ S
            return out.toarray() if sp.issparse(out) else np.asarray(out)
        S = S.toarray() if sp.issparse(S) else S
        return np.column_stack([self.matvec(S[:, j]) for j in range(S.shape[1])])

    def rows(self, B):
        """Rows ``B`` of K (sparse for the assembled matrix; dense from
        columns ``K e_i`` on the matrix-free path, K being symmetric)."""
        if self.K is not None:
            return self.K[B] if self._dense is None else self._dense[B]
        E = np.zeros((self.N, len(B)))
        E[B, np.arange(len(B))] = 1.0
        return self.matmat(E).T

    def operator(self) -> spla.LinearOperator:
        return spla.LinearOperator((self.N, self.N), matvec=self.matvec, dtype=float)

    def matvec_flops(self) -> float:
        return 2.0 * self.nnz if self.nnz is not None else 0.0


class SolveOutcome(NamedTuple):
    """Result of one linear solve."""

    delta: np.ndarray | None    # the step (None: no usable step)
    residual: float             # ||K delta - b||
    steps: int                  # sketch steps (0 for exact solves)
    flops: float
    capped: bool = False        # the step cap was reached before the tolerance
    singular: bool = False      # the factorization found K singular


def lu_flops(lu) -> float:
    """Flops of a sparse LU factorization from its factors: column j of L with
    l_j off-diagonal entries and row j of U with u_j gives l_j divisions and
    2 l_j u_j multiply-adds."""
    L, U = lu.L.tocsc(), lu.U.tocsr()
    lj = np.diff(L.indptr) - 1
    uj = np.diff(U.indptr) - 1
    return float(np.sum(lj + 2.0 * lj * uj))


def exact_solve(system: KKTSystem, b: np.ndarray, rtol: float = 1e-12) -> SolveOutcome:
    """Sparse LU of the assembled K, or MINRES (to ``rtol``) matrix-free."""
    if system.assembled:
        try:
            lu = spla.splu(system.K.tocsc())
        except RuntimeError:          # "Factor is exactly singular"
            return SolveOutcome(None, math.inf, 0, 0.0, singular=True)
        d = lu.solve(b)
        flops = lu_flops(lu) + 2.0 * (lu.L.nnz + lu.U.nnz)
        if not np.all(np.isfinite(d)):
            return SolveOutcome(None, math.inf, 0, flops, singular=True)
        res = float(np.linalg.norm(system.K @ d - b))
        flops += system.matvec_flops()
        if res > 1e-6 * max(1.0, float(np.linalg.norm(b))):
            # numerically singular: SuperLU returned a step that does not solve K d = b
            return SolveOutcome(None, res, 0, flops, singular=True)
        return SolveOutcome(d, res, 0, flops)
    its = [0]

    def count(_):
        its[0] += 1

    d, info = spla.minres(system.operator(), b, rtol=rtol, maxiter=20 * system.N,
                          callback=count)
    res = float(np.linalg.norm(system.matvec(d) - b))
    flops = its[0] * 9.0 * system.N       # vector work of one MINRES iteration
    if not np.all(np.isfinite(d)):
        return SolveOutcome(None, math.inf, 0, flops, singular=True)
    return SolveOutcome(d, res, 0, flops, capped=info > 0)


def sketch_solve(system: KKTSystem, b: np.ndarray, tol: float, start, rng, *,
                 kind: str, q: int, cap: int) -> SolveOutcome:
    """Sketch-and-project iterations from ``start`` (None: zero) until
    ``||K delta - b|| <= tol`` or ``cap`` steps.

    Row sketches (``kaczmarz``, ``block``) do not track the residual; it is
    checked once per epoch (``ceil(N / q)`` steps, one matrix-vector
    product). Column sketches (``gaussian``, ``count``) update it exactly at
    every step. Flops per step: Kaczmarz 4 nnz(row); block 2 nnz(K_B)(q + 2)
    + q^3; Gaussian 2 nnz(K) (q + 1) + 2 N q^2 + q^3 + 4 N q; count sketch
    2 nnz(K) * 2 + 2 N q^2 + q^3 + 4 N q (nnz(K) unknown matrix-free: the
    operator applications are then not counted).
    """
    N = system.N
    x = np.zeros(N) if start is None else np.array(start, dtype=float, copy=True)
    flops = 0.0
    steps = 0
    if kind == "kaczmarz" and not system.assembled:
        kind, q = "block", 1
    if kind in ("kaczmarz", "block"):
        epoch = max(1, math.ceil(N / q))
        resid = b - system.matvec(x) if start is not None else b.copy()
        r = float(np.linalg.norm(resid))
        flops += system.matvec_flops() if start is not None else 0.0
        if kind == "kaczmarz":
            Kc = system.K
            norms = K_sketch.row_norms2_csr(Kc.indptr, Kc.data)
            cum = np.cumsum(norms)
            total = cum[-1]
            if total == 0.0:
                return SolveOutcome(None, r, 0, flops, singular=True)
        while r > tol and steps < cap:
            nb = min(epoch, cap - steps)
            if kind == "kaczmarz":
                rows = np.searchsorted(cum, rng.random(nb) * total, side="right")
                rows = np.minimum(rows, N - 1).astype(np.int64)
                flops += K_sketch.kaczmarz_csr(Kc.indptr, Kc.indices, Kc.data, norms, b, x, rows)
            else:
                perm = rng.permutation(N)
                for j in range(nb):
                    B = np.sort(perm[j * q:(j + 1) * q])     # nonempty: j < ceil(N / q)
                    KB = system.rows(B)
                    rB = (KB @ x) - b[B]
                    G = KB @ KB.T
                    G = G.toarray() if sp.issparse(G) else np.asarray(G)
                    y = np.linalg.lstsq(G, rB, rcond=None)[0]
                    x -= np.ravel(KB.T @ y)
                    nnzB = KB.nnz if sp.issparse(KB) else np.count_nonzero(KB)
                    flops += 2.0 * nnzB * (len(B) + 2) + len(B) ** 3
            steps += nb
            resid = b - system.matvec(x)
            r = float(np.linalg.norm(resid))
            flops += system.matvec_flops()
            if not math.isfinite(r):
                return SolveOutcome(None, r, steps, flops, singular=True)
        return SolveOutcome(x, r, steps, flops, capped=r > tol)
    # column sketches: residual rho = K x - b updated exactly
    rho = system.matvec(x) - b if start is not None else -b.copy()
    if start is not None:
        flops += system.matvec_flops()
    r = float(np.linalg.norm(rho))
    nnzK = system.nnz or 0
    while r > tol and steps < cap:
        if kind == "gaussian":
            S = rng.standard_normal((N, q))
            KS = system.matmat(S)
            StR = S.T @ rho
            flops += 2.0 * nnzK * q + 2.0 * N * q
        else:
            cols = rng.integers(0, q, size=N)
            signs = rng.choice(np.array([-1.0, 1.0]), size=N)
            S = sp.csr_matrix((signs, (np.arange(N), cols)), shape=(N, q))
            KS = system.matmat(S)
            StR = np.bincount(cols, weights=signs * rho, minlength=q)
            flops += 2.0 * nnzK + N
        G = KS.T @ KS
        y = np.linalg.lstsq(G, StR, rcond=None)[0]
        w = KS @ y
        x -= w
        rho = rho - system.matvec(w)
        flops += 2.0 * N * q * q + q ** 3 + 2.0 * N * q + system.matvec_flops()
        steps += 1
        r = float(np.linalg.norm(rho))
        if not math.isfinite(r):
            return SolveOutcome(None, r, steps, flops, singular=True)
    return SolveOutcome(x, r, steps, flops, capped=r > tol)
