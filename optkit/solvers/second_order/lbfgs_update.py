r"""A limited-memory BFGS Hessian approximation with scipy's update-strategy interface."""

from __future__ import annotations

import copy

import numpy as np
import scipy.linalg
from scipy.optimize import HessianUpdateStrategy

__all__ = ["LBFGSUpdate"]


class LBFGSUpdate(HessianUpdateStrategy):
    r"""Limited-memory BFGS approximation of the Hessian (compact form).

    Keeps the last ``memory`` pairs :math:`s_i = x_{i+1} - x_i`,
    :math:`y_i = \nabla f(x_{i+1}) - \nabla f(x_i)` with
    :math:`\langle s_i, y_i\rangle > 0` and represents the BFGS matrix built
    from :math:`\sigma I` by those pairs in the compact form of Byrd,
    Nocedal and Schnabel (1994):

    .. math::

        B = \sigma I - W N^{-1} W^\top, \quad W = [\sigma S,\; Y], \quad
        N = \begin{pmatrix} \sigma S^\top S & L \\ L^\top & -D \end{pmatrix},

    with :math:`L` the strictly lower triangle and :math:`D` the diagonal of
    :math:`S^\top Y`. Products cost ``O(d k)`` and shifted solves
    :math:`(B + \lambda I)^{-1} v` cost ``O(d k + k^3)`` through the Woodbury
    identity (:meth:`solve_shifted`), so ``grad-reg-newton`` with this
    curvature never forms a ``d x d`` matrix. It implements scipy's
    :class:`~scipy.optimize.HessianUpdateStrategy` interface (``initialize``,
    ``update``, ``dot``, ``get_matrix``) for the direct Hessian
    (``approx_type="hess"``).

    Parameters
    ----------
    memory : int, default 10
        Number of pairs kept (>= 1).
    init_scale : float or "auto", default "auto"
        :math:`\sigma`; ``"auto"`` uses :math:`\langle y, y\rangle / \langle s, y\rangle`
        of the newest pair (1 before the first pair).

    References
    ----------
    R. H. Byrd, J. Nocedal, R. B. Schnabel, "Representations of quasi-Newton
    matrices and their use in limited memory methods", Math. Program.
    63:129-156, 1994.

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.solvers.second_order import LBFGSUpdate
    >>> B = LBFGSUpdate(memory=5); B.initialize(3, "hess")
    >>> B.update(np.array([1.0, 0, 0]), np.array([2.0, 0, 0]))
    >>> np.allclose(B.dot(np.array([1.0, 0, 0])), [2.0, 0, 0])
    True
    """

    def __init__(self, memory: int = 10, init_scale="auto"):
        if isinstance(memory, bool) or not isinstance(memory, (int, np.integer)) or memory < 1:
            raise ValueError(f"`memory` must be an integer >= 1, got {memory!r}.")
        if not (init_scale == "auto" or (isinstance(init_scale, (int, float))
                                         and not isinstance(init_scale, bool)
                                         and init_scale > 0)):
            raise ValueError(f"`init_scale` must be 'auto' or a number > 0, got {init_scale!r}.")
        self.memory = int(memory)
        self.init_scale = init_scale
        self.n = None
        self._S = []
        self._Y = []
        self._sigma = 1.0 if init_scale == "auto" else float(init_scale)
        self._cache = None

    def initialize(self, n, approx_type):
        if approx_type != "hess":
            raise ValueError("LBFGSUpdate approximates the Hessian only "
                             f"(approx_type='hess'), got {approx_type!r}.")
        self.n = int(n)
        self._S, self._Y = [], []
        self._sigma = 1.0 if self.init_scale == "auto" else float(self.init_scale)
        self._cache = None

    @property
    def n_pairs(self) -> int:
        return len(self._S)

    def copy(self) -> "LBFGSUpdate":
        """An independent copy for the next state (the stored pairs are never
        modified in place, so only the lists are copied)."""
        new = copy.copy(self)
        new._S, new._Y = list(self._S), list(self._Y)
        return new

    def update(self, delta_x, delta_grad):
        s = np.asarray(delta_x, dtype=float).copy()
        y = np.asarray(delta_grad, dtype=float).copy()
        sy = float(s @ y)
        if not np.isfinite(sy) or sy <= 1e-10 * float(np.linalg.norm(s) * np.linalg.norm(y)):
            return                   # skip pairs without positive curvature (keeps B > 0)
        self._S.append(s)
        self._Y.append(y)
        if len(self._S) > self.memory:
            self._S.pop(0)
            self._Y.pop(0)
        if self.init_scale == "auto":
            self._sigma = float(y @ y) / sy
        self._cache = None

    def _compact(self):
        if self._cache is None:
            S = np.array(self._S).T
            Y = np.array(self._Y).T
            sigma = self._sigma
            SY = S.T @ Y
            L = np.tril(SY, -1)
            N = np.block([[sigma * (S.T @ S), L], [L.T, -np.diag(np.diag(SY))]])
            W = np.hstack([sigma * S, Y])
            self._cache = (W, N)
        return self._cache

    def dot(self, p):
        p = np.asarray(p, dtype=float)
        if not self._S:
            return self._sigma * p
        W, N = self._compact()
        return self._sigma * p - W @ np.linalg.solve(N, W.T @ p)

    def get_matrix(self):
        B = self._sigma * np.eye(self.n)
        if self._S:
            W, N = self._compact()
            B -= W @ np.linalg.solve(N, W.T)
        return B

    def solve_shifted(self, v, shift):
        r"""``(B + shift I)^{-1} v`` by the Woodbury identity (``shift > -sigma``)."""
        v = np.asarray(v, dtype=float)
        c = self._sigma + shift
        if not self._S:
            return v / c
        W, N = self._compact()
        K = N - (W.T @ W) / c
        return v / c + W @ scipy.linalg.solve(K, W.T @ v) / (c * c)
