r"""What the difference-of-submodular methods share: the counted set-function
oracle (cache, checks, greedy subgradients, submodular minimization of ``F``
minus a modular function, single-element moves), the state, the options and
the base solver.

Iterates are sets ``X`` (indicator vectors). With ``y`` the greedy vector of
``G`` for an order that lists ``X`` first, :math:`y(S) \le G(S)` for every
``S`` (``y`` lies in the base polytope of the submodular ``G``) with equality
on the chain of the order, ``X`` included. Hence
:math:`\varphi(S) \le F(S) - y(S)` everywhere with equality at ``X``, and
minimizing ``F - y`` (submodular minimization) can only decrease
:math:`\varphi`.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import Options, option
from ..._core.oracle import Oracle
from ..._core.solver import Solver, State
from ...problems.dc import (ENUMERATION_LIMIT, DSProblem, greedy_vector, min_norm_point,
                            minimize_enumeration)

__all__ = ["DSOracle", "DSState", "DSOptions", "DSSolver"]

_NORMALIZED_ATOL = 1e-9


class DSOracle(Oracle):
    r"""Counted, caching front of a :class:`~optkit.problems.dc.DSProblem`.

    Attributes
    ----------
    nfev : int
        Set-function evaluations that reached user code, ``nF + nG``.
    njev : int
        Greedy subgradients of :math:`g_L` computed.
    nhev, nhvp : int
        Always 0 (no second-order oracle).
    nF, nG : int
        Evaluations of ``F`` and of ``G`` (each set once per run: values are
        cached; a chain call counts one per new set of the chain).
    nsfm : int
        Submodular minimizations of ``F`` minus a modular function.
    nsfm_iter : int
        Major cycles of the minimum-norm-point algorithm, summed (0 for
        enumeration).
    """

    count_names = ("nfev", "njev", "nhev", "nhvp", "nF", "nG", "nsfm", "nsfm_iter")

    def __init__(self, problem: DSProblem, n: int, sfm=None, sfm_tol=1e-10,
                 sfm_maxiter=10_000):
        super().__init__()
        self.problem = problem
        self.n = n
        if sfm is None:
            if n > ENUMERATION_LIMIT:
                raise ValueError(
                    f"The ground set has n={n} elements, more than the exact-enumeration "
                    f"limit {ENUMERATION_LIMIT}: choose the submodular minimizer with option "
                    "`sfm`='min-norm' (Fujishige-Wolfe minimum-norm point, to `sfm_tol`).")
            sfm = "enumerate"
        if sfm == "enumerate" and n > ENUMERATION_LIMIT:
            raise ValueError(f"`sfm`='enumerate' needs n <= {ENUMERATION_LIMIT} (2^n sets); "
                             f"the ground set has n={n}: use `sfm`='min-norm'.")
        self.sfm_method, self.sfm_tol, self.sfm_maxiter = sfm, sfm_tol, sfm_maxiter
        self._cache = {"F": {}, "G": {}}
        self._table = None
        self._fns = {"F": problem.F, "G": problem.G}
        self._chains = {"F": problem.F_chain, "G": problem.G_chain}
        empty = np.zeros(n, dtype=bool)
        for which in ("F", "G"):
            v = self.value(which, empty)
            if abs(v) > _NORMALIZED_ATOL:
                raise ValueError(f"`{which}` must be normalized: {which}(empty set) = {v!r}, "
                                 "not 0 (subtract the constant).")

    @property
    def nfev(self):
        return self.nF + self.nG

    # -- set-function values ---------------------------------------------------
    def _check(self, which, v, idx):
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise TypeError(f"`{which}` must return a float; it returned "
                            f"{type(v).__name__} for the set {idx.tolist()}.") from None
        if not math.isfinite(v):
            raise ValueError(f"`{which}` returned {v} for the set {idx.tolist()}: set "
                             "functions must be finite.")
        return v

    def value(self, which, mask) -> float:
        """``F`` or ``G`` on the set ``mask`` (cached)."""
        mask = np.asarray(mask, dtype=bool)
        key = mask.tobytes()
        cache = self._cache[which]
        v = cache.get(key)
        if v is None:
            idx = np.flatnonzero(mask)
            setattr(self, "n" + which, getattr(self, "n" + which) + 1)
            v = cache[key] = self._check(which, self._fns[which](idx), idx)
        return v

    def chain(self, which, order) -> np.ndarray:
        """Values on the chain ``{}, {order[0]}, ...`` of ``order`` (cached)."""
        n = self.n
        cache = self._cache[which]
        mask = np.zeros(n, dtype=bool)
        keys = [mask.tobytes()]
        for i in order:
            mask[i] = True
            keys.append(mask.tobytes())
        vals = [cache.get(k) for k in keys]
        missing = [i for i, v in enumerate(vals) if v is None]
        if missing:
            chain_fn = self._chains[which]
            if chain_fn is not None and len(missing) > 1:
                full = np.asarray(chain_fn(np.asarray(order)), dtype=float)
                if full.shape != (len(order) + 1,):
                    raise ValueError(f"`{which}_chain` returned shape {full.shape}; expected "
                                     f"({len(order) + 1},).")
                for i in missing:
                    idx = np.sort(np.asarray(order[:i]))
                    vals[i] = cache[keys[i]] = self._check(which, full[i], idx)
                setattr(self, "n" + which, getattr(self, "n" + which) + len(missing))
            else:
                for i in missing:
                    m = np.zeros(n, dtype=bool)
                    m[np.asarray(order[:i], dtype=np.int64)] = True
                    vals[i] = self.value(which, m)
        return np.array(vals, dtype=float)

    def phi(self, mask) -> float:
        r""":math:`\varphi(X) = F(X) - G(X)`."""
        return self.value("F", mask) - self.value("G", mask)

    # -- greedy subgradients -------------------------------------------------
    def subgradient(self, order) -> np.ndarray:
        """The greedy vector of ``G`` for ``order`` (a subgradient of its Lovász extension
        at every point sorted decreasingly by ``order``)."""
        self.njev += 1
        return greedy_vector(self.chain("G", order), order)

    # -- submodular minimization of F - y --------------------------------------
    def minimize_modular(self, y, prefer, start=None):
        r"""A minimizer of :math:`F(S) - y(S)` and its value; ``prefer`` (a mask) is
        returned when it attains the minimum (no cycling between ties); ``start``:
        the first order of the min-norm-point solve (warm start)."""
        self.nsfm += 1
        n = self.n
        if self.sfm_method == "enumerate":
            if self._table is None:
                from ...problems.dc import _subset_masks
                self._table = np.array([self.value("F", m) for m in _subset_masks(n)])
            return minimize_enumeration(self._table, y, prefer)

        def vertex(order):
            chain = self.chain("F", order) - np.concatenate([[0.0], np.cumsum(y[order])])
            return greedy_vector(chain, order), chain

        x, (order, chain), it = min_norm_point(vertex, n, tol=self.sfm_tol,
                                               maxiter=self.sfm_maxiter, start=start)
        self.nsfm_iter += it
        # the minimizers are level sets of the min-norm point: scan the prefixes of
        # the order sorting it (their values are on the chain already computed)
        i = int(np.argmin(chain))
        mask = np.zeros(n, dtype=bool)
        mask[order[:i]] = True
        val = float(chain[i])
        pv = self.value("F", prefer) - float(y[prefer].sum())
        if pv <= val + 1e-12 * max(1.0, abs(val)):
            return np.asarray(prefer, dtype=bool).copy(), pv
        return mask, val

    # -- single-element moves ----------------------------------------------------
    def move_gains(self, mask, phi_x) -> np.ndarray:
        r""":math:`\varphi(X) - \varphi(X \triangle \{i\})` for every element i."""
        gains = np.empty(self.n)
        for i in range(self.n):
            m = mask.copy()
            m[i] = not m[i]
            gains[i] = phi_x - self.phi(m)
        return gains

    def best_move(self, mask, phi_x):
        r"""``(gain, i)``: the largest :math:`\varphi(X) - \varphi(X \triangle \{i\})`
        over the ``n`` single additions and removals, and its element."""
        gains = self.move_gains(mask, phi_x)
        i = int(np.argmax(gains))
        return float(gains[i]), i


def boundary_order(mask, moved=None):
    """The greedy order listing ``X`` first (index order) and then the rest; with
    ``moved`` = i, element i sits at the boundary: last of ``X`` if i is in ``X``,
    first of the rest otherwise (the chain then contains ``X`` and ``X`` with i
    flipped)."""
    inside = np.flatnonzero(mask)
    outside = np.flatnonzero(~mask)
    if moved is not None:
        if mask[moved]:
            inside = np.concatenate([inside[inside != moved], [moved]])
        else:
            outside = np.concatenate([[moved], outside[outside != moved]])
    return np.concatenate([inside, outside]).astype(np.int64)


@dataclasses.dataclass(frozen=True)
class DSOptions(Options):
    """Options shared by the difference-of-submodular methods."""

    sfm: str = option(None, "Submodular minimizer of F - y: 'enumerate' (exact, all 2^n sets, "
                      "n <= 20) or 'min-norm' (Fujishige-Wolfe); None: 'enumerate' when "
                      "n <= 20, else an error asking for a choice.", kind=str,
                      choices=("enumerate", "min-norm"))
    sfm_tol: float = option(1e-10, "Relative tolerance on Wolfe's gap (sfm='min-norm').",
                            low=0.0, low_inclusive=False)
    sfm_maxiter: int = option(10_000, "Cap on the major cycles of one min-norm-point solve.",
                              kind=int, low=1)


@dataclasses.dataclass(kw_only=True)
class DSState(State):
    subgradient: np.ndarray      # y_k, the greedy vector of G used from X_k
    next_x: np.ndarray           # the method's next set from X_k
    next_fun: float
    decrease: float              # phi(X_k) - phi(next set) >= 0
    best_move: float             # largest single-element improvement at X_k (<= 0: 1-opt)
    best_move_element: int


class DSSolver(Solver):
    """Base of the difference-of-submodular methods (family ``"ds"``)."""

    family = "ds"
    requires = ("F", "G")
    Options = DSOptions
    trace_fields = ("decrease", "best_move")
    default_tol = 1e-12
    default_maxiter = 1000

    def make_oracle(self, problem, dim):
        o = self.options
        return DSOracle(problem, dim, o.sfm, o.sfm_tol, o.sfm_maxiter)

    def init(self, oracle, x0, tol):
        self.oracle = oracle
        mask = np.asarray(x0) > 0.5
        return self._state(mask, oracle.phi(mask))

    def _next(self, mask, phi_x):
        """``(y, next mask, phi(next))``: the method's move from ``mask``."""
        raise NotImplementedError

    def _state(self, mask, phi_x):
        oracle = self.oracle
        y, nxt, f_next = self._next(mask, phi_x)
        scale = 1e-12 * max(1.0, abs(phi_x))
        if not f_next < phi_x - scale:        # no strict decrease: a fixed point
            nxt, f_next = mask.copy(), phi_x
        gain, arg = oracle.best_move(mask, phi_x)
        return DSState(x=mask.astype(float), fun=phi_x, subgradient=y, next_x=nxt,
                       next_fun=f_next, decrease=phi_x - f_next, best_move=gain,
                       best_move_element=arg)

    def step(self, state, budget):
        return self._state(state.next_x.copy(), state.next_fun)

    def certificate(self, state):
        return state.decrease

    def result_fields(self, state):
        return {"selected": np.flatnonzero(state.x > 0.5), "subgradient": state.subgradient.copy(),
                "best_move": state.best_move, "best_move_element": state.best_move_element}
