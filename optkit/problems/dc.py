r"""DC programs and differences of submodular set functions.

Two families live here.

``"dc"`` -- :class:`DCProblem`, a difference of two convex functions

.. math:: \min_{x \in \mathbb{R}^d} \varphi(x) = g(x) - h(x),

with ``g`` convex and given as an optkit problem (a
:class:`~optkit.problems.SmoothProblem`, a
:class:`~optkit.problems.CompositeProblem` whose penalty has a prox, or a
cvxpy expression of one variable) and ``h`` convex with a subgradient oracle
(:class:`ConvexFunction`, :func:`L2Norm`, :func:`CappedL1Excess`). The DC
algorithm (Pham Dinh Tao & Le Thi Hoai An 1997) linearizes ``h`` at
``x_k`` and solves the convex problem :math:`\min_x g(x) - \langle y_k,
x\rangle`; the counted oracle of :mod:`optkit.solvers.dc` solves it with the
optkit method of ``g``'s family (or cvxpy).

``"ds"`` -- :class:`DSProblem`, a difference of submodular set functions

.. math:: \min_{X \subseteq V} F(X) - G(X), \qquad |V| = n,

with ``F`` and ``G`` normalized submodular, given as oracles on index sets.
Its DC form (El Halabi, Orfanides & Hoheisel, ICML 2023) is
:math:`\min_{x \in [0,1]^n} f_L(x) - g_L(x)` with the Lovász extensions
(:func:`lovasz_extension`); a subgradient of :math:`g_L` is the greedy vector
(:func:`greedy_vector`) and the convex subproblem is submodular minimization
of ``F`` minus a modular function, solved exactly by enumeration
(:func:`minimize_enumeration`, ``n <= 20``) or by the Fujishige-Wolfe
minimum-norm-point algorithm (:func:`min_norm_point`).

Ready-made problems: :func:`sparse_regression` (least squares with the
:math:`\ell_1 - \ell_2` or capped-:math:`\ell_1` penalty) and
:func:`feature_selection` (empirical mutual information of a subset of
binary features with the label, minus a modular or a concave cost).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._data import check_matrix, check_targets
from .base import Problem, SmoothProblem
from .composite import CompositeProblem, L1

__all__ = ["ConvexFunction", "L2Norm", "CappedL1Excess", "DCProblem", "sparse_regression",
           "DSProblem", "lovasz_extension", "greedy_vector", "minimize_enumeration",
           "min_norm_point", "ENUMERATION_LIMIT", "EmpiricalEntropy", "feature_selection"]

#: largest ground set the exact enumeration accepts (2^20 sets)
ENUMERATION_LIMIT = 20


def _positive(value, name, *, strict=True):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not math.isfinite(value) or (value <= 0 if strict else value < 0):
        bound = "> 0" if strict else ">= 0"
        raise ValueError(f"`{name}` must be a finite real number {bound}, got {value!r}.")
    return float(value)


# ---------------------------------------------------------------------------
# continuous DC programs
# ---------------------------------------------------------------------------

class ConvexFunction:
    r"""A convex function with a subgradient oracle: the ``h`` of a DC program.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> float``.
    subgradient : callable
        ``subgradient(x) -> ndarray (d,)``, an element of :math:`\partial h(x)`.
    name : str, optional

    Examples
    --------
    >>> import numpy as np
    >>> h = ConvexFunction(lambda x: float(np.abs(x).max()),
    ...                    lambda x: np.eye(x.size)[np.argmax(np.abs(x))] * np.sign(x).max())
    >>> h.fun(np.array([1.0, -3.0]))
    3.0
    """

    def __init__(self, fun, subgradient, *, name=None):
        if not callable(fun):
            raise TypeError(f"`fun` must be callable, got {type(fun).__name__}.")
        if not callable(subgradient):
            raise TypeError("`subgradient` must be callable (x -> an element of the "
                            f"subdifferential), got {type(subgradient).__name__}.")
        self._fun, self._sub = fun, subgradient
        self.name = name or getattr(fun, "__name__", "h")

    def fun(self, x) -> float:
        """h(x)."""
        return self._fun(x)

    def subgradient(self, x) -> np.ndarray:
        """An element of the subdifferential of h at x."""
        return self._sub(x)

    def __repr__(self):
        return f"<ConvexFunction {self.name!r}>"


def L2Norm(alpha=1.0):
    r""":math:`h(x) = \alpha \|x\|_2`, subgradient :math:`\alpha x / \|x\|_2` (0 at 0).

    With ``g = f + alpha ||x||_1`` this is the :math:`\ell_1 - \ell_2` penalty
    of Yin, Lou, He & Xin (2015).
    """
    alpha = _positive(alpha, "alpha", strict=False)

    def fun(x):
        return alpha * float(np.linalg.norm(x))

    def sub(x):
        nrm = float(np.linalg.norm(x))
        return np.zeros_like(x, dtype=float) if nrm == 0 else (alpha / nrm) * x

    return ConvexFunction(fun, sub, name=f"{alpha:g}*||x||_2")


def CappedL1Excess(alpha, theta):
    r""":math:`h(x) = \alpha \sum_i \max(|x_i| - \theta, 0)`, subgradient
    :math:`\alpha\,\operatorname{sign}(x_i)\,[|x_i| > \theta]`.

    :math:`\alpha\|x\|_1 - h(x) = \alpha \sum_i \min(|x_i|, \theta)` is the
    capped-:math:`\ell_1` penalty (Zhang 2010).
    """
    alpha = _positive(alpha, "alpha", strict=False)
    theta = _positive(theta, "theta")

    def fun(x):
        return alpha * float(np.maximum(np.abs(x) - theta, 0.0).sum())

    def sub(x):
        return alpha * np.sign(x) * (np.abs(x) > theta)

    return ConvexFunction(fun, sub, name=f"{alpha:g}*sum(|x|-{theta:g})_+")


def _is_cvxpy_expression(obj) -> bool:
    try:
        import cvxpy as cp
    except ImportError:                      # pragma: no cover - cvxpy is a dependency
        return False
    return isinstance(obj, cp.Expression)


class DCProblem(Problem):
    r"""Difference of convex functions :math:`\min_x \varphi(x) = g(x) - h(x)`.

    .. math::

        \varphi(x) = g(x) - h(x), \qquad
        x_{k+1} \in \operatorname*{argmin}_x\; g(x) - \langle y_k, x\rangle,
        \quad y_k \in \partial h(x_k)\ \text{(DCA)}.

    Parameters
    ----------
    g : SmoothProblem, CompositeProblem or cvxpy.Expression
        The convex part. A smooth problem's subproblem is solved by ``fgm``,
        a composite one (smooth part plus a penalty with a prox) by ``bcd``
        (compiled kernels when the smooth part is least squares or a
        quadratic), a cvxpy expression (of the single variable ``variable``)
        by cvxpy. ``g - <y, x>`` must be bounded below for the ``y`` that
        occur (true when ``g`` is coercive faster than linearly, e.g. least
        squares plus an l1 term).
    h : ConvexFunction or object with ``fun(x)`` and ``subgradient(x)``
        The concave part's convex function.
    variable : cvxpy.Variable, optional
        The variable of a cvxpy ``g`` (default: its only variable).
    x0 : array_like, optional
        Default start (default: ``g``'s, else zeros).
    lipschitz : float or array_like, optional
        Coordinate Lipschitz constants of the smooth part of a composite
        ``g`` whose smooth part has no known structure (passed to ``bcd``).
    name : str, optional

    Attributes
    ----------
    kind : {"smooth", "composite", "cvxpy"}
        How ``g`` is given.
    dim : int

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.dc import sparse_regression
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((30, 10)); b = A[:, 0] - 2 * A[:, 3]
    >>> prob = sparse_regression(A, b, 0.05, penalty="l1-l2")
    >>> res = optkit.minimize(prob, method="dca", tol=1e-8)
    >>> res.success, sorted(np.flatnonzero(np.abs(res.x) > 1e-6).tolist())
    (True, [0, 3])
    """

    family = "dc"
    default_method = "dca"
    oracle_names = ("fun", "subgradient")

    def __init__(self, g, h, *, variable=None, x0=None, lipschitz=None, name=None):
        if h is None or not callable(getattr(h, "subgradient", None)):
            raise TypeError(
                "`h` must provide a subgradient oracle `h.subgradient(x)` (an element of "
                "the subdifferential of the convex h); wrap callables as "
                f"ConvexFunction(fun, subgradient). Got {type(h).__name__}.")
        if not callable(getattr(h, "fun", None)):
            raise TypeError(f"`h` must provide `h.fun(x)`, got {type(h).__name__}.")
        self.variable = None
        if isinstance(g, CompositeProblem):
            kind = "composite"
            if not g.provides("prox"):
                raise TypeError("`g`: the penalty of a CompositeProblem must have a prox.")
        elif isinstance(g, SmoothProblem):
            kind = "smooth"
        elif _is_cvxpy_expression(g):
            kind = "cvxpy"
            variables = g.variables()
            if variable is None:
                if len(variables) != 1:
                    raise ValueError("`variable` is required: the cvxpy expression `g` has "
                                     f"{len(variables)} variables.")
                variable = variables[0]
            if not any(v.id == variable.id for v in variables):
                raise ValueError("`variable` is not a variable of the cvxpy expression `g`.")
            if len(variable.shape) != 1:
                raise ValueError(f"`variable` must be a vector, got shape {variable.shape}.")
            if not g.is_convex() or g.shape not in ((), (1,)):
                raise ValueError("`g` must be a convex scalar cvxpy expression (DCP).")
            self.variable = variable
        else:
            raise TypeError("`g` must be a SmoothProblem, a CompositeProblem (smooth part plus "
                            "a penalty with a prox) or a cvxpy expression, got "
                            f"{type(g).__name__}.")
        self.kind = kind
        self.g, self.h = g, h
        if x0 is None and kind != "cvxpy":
            x0 = g.x0
        if kind == "cvxpy":
            dim = int(self.variable.shape[0])
        elif x0 is not None:
            dim = int(np.asarray(x0).size)
        else:
            dim = getattr(g, "dim", None) or getattr(getattr(g, "smooth", None), "dim", None)
            if dim is None:
                raise ValueError("`x0` is required: the dimension of `g` is unknown.")
        if x0 is None:
            x0 = np.zeros(dim)
        x0 = np.asarray(x0, dtype=float)
        if x0.shape != (dim,):
            raise ValueError(f"`x0` must have shape ({dim},), got {x0.shape}.")
        self.dim = dim
        if lipschitz is not None:
            lc = np.asarray(lipschitz, dtype=float)
            if not np.all(np.isfinite(lc)) or np.any(lc <= 0):
                raise ValueError("`lipschitz` must be finite and > 0.")
        self.lipschitz = lipschitz
        gname = getattr(g, "name", None) or ("cvxpy" if kind == "cvxpy" else "g")
        super().__init__(x0=x0, name=name or f"({gname}) - ({getattr(h, 'name', 'h')})")

    def provides(self, oracle: str) -> bool:
        return oracle in self.oracle_names

    def as_start(self, x0):
        from .._core.validate import as_x0
        x0 = as_x0(x0)
        if x0.shape != (self.dim,):
            raise ValueError(f"`x0` must have shape ({self.dim},), got {x0.shape}.")
        return x0

    def g_value(self, x) -> float:
        """g(x) (uncounted; solvers go through their oracle)."""
        if self.kind == "cvxpy":
            self.variable.value = np.asarray(x, dtype=float)
            return float(self.g.value)
        return float(self.g.fun(x))

    def fun(self, x) -> float:
        r""":math:`\varphi(x) = g(x) - h(x)`."""
        return self.g_value(x) - float(self.h.fun(x))


def sparse_regression(X, y, alpha, *, penalty="l1-l2", theta=None, name=None):
    r"""Least squares with a nonconvex sparsity penalty, as a :class:`DCProblem`.

    .. math::

        \min_w \frac{1}{2n}\|Xw - y\|_2^2 + \alpha\|w\|_1 - h(w), \qquad
        h(w) = \alpha\|w\|_2 \;(\text{"l1-l2"}) \quad\text{or}\quad
        h(w) = \alpha\sum_i (|w_i| - \theta)_+ \;(\text{"capped-l1"}).

    ``g`` is :class:`~optkit.problems.composite.Lasso` (its subproblems run
    ``bcd``'s compiled kernels).

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
    alpha : float
        Penalty weight, > 0.
    penalty : {"l1-l2", "capped-l1"}
    theta : float, optional
        Cap of "capped-l1" (> 0, required there).
    name : str, optional

    Returns
    -------
    DCProblem
    """
    from .composite import Lasso

    alpha = _positive(alpha, "alpha")
    if penalty == "l1-l2":
        if theta is not None:
            raise ValueError("`theta` is only for penalty='capped-l1'.")
        h = L2Norm(alpha)
    elif penalty == "capped-l1":
        if theta is None:
            raise ValueError("`theta` (the cap, > 0) is required for penalty='capped-l1'.")
        h = CappedL1Excess(alpha, theta)
    else:
        raise ValueError(f"`penalty` must be 'l1-l2' or 'capped-l1', got {penalty!r}.")
    g = Lasso(X, y, alpha)
    d = g.X.shape[1]
    return DCProblem(g, h, x0=np.zeros(d),
                     name=name or f"{penalty} regression(n={g.X.shape[0]}, d={d}, "
                                  f"alpha={alpha:g})")


# ---------------------------------------------------------------------------
# set functions: Lovász extension, greedy vectors, exact minimization
# ---------------------------------------------------------------------------

def greedy_vector(chain_values, order):
    r"""The greedy vertex of the base polytope for ``order``.

    .. math:: s_{\sigma(i)} = F(S_i) - F(S_{i-1}), \qquad S_i = \{\sigma(1), \dots, \sigma(i)\}.

    Parameters
    ----------
    chain_values : array_like, shape (n + 1,)
        ``F(S_0), ..., F(S_n)`` along the chain of ``order`` (``F(S_0) = 0``).
    order : array_like of int, shape (n,)
        A permutation of ``0..n-1``.

    Returns
    -------
    ndarray (n,)
        For submodular ``F`` a vertex of the base polytope and a subgradient
        of the Lovász extension at every ``x`` sorted decreasingly by ``order``
        (Edmonds' greedy algorithm).
    """
    chain_values = np.asarray(chain_values, dtype=float)
    order = np.asarray(order)
    s = np.empty(order.size)
    s[order] = np.diff(chain_values)
    return s


def lovasz_extension(set_fn, x):
    r"""The Lovász extension :math:`f_L(x) = \sum_i x_{\sigma(i)}\,[F(S_i) - F(S_{i-1})]`.

    ``sigma`` sorts ``x`` decreasingly (ties by index); ``set_fn`` takes an
    index array. Equals ``F`` on indicator vectors; convex iff ``F`` is
    submodular.

    Parameters
    ----------
    set_fn : callable
        ``set_fn(indices) -> float`` with ``set_fn([]) == 0``.
    x : array_like, shape (n,)

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> lovasz_extension(lambda S: min(len(S), 1), np.array([0.2, 0.7]))   # max(x)
    0.7
    """
    x = np.asarray(x, dtype=float)
    order = np.argsort(-x, kind="stable")
    chain = [0.0] + [float(set_fn(np.sort(order[:i + 1]))) for i in range(x.size)]
    return float(greedy_vector(chain, order) @ x)


def _subset_masks(n):
    """All 2^n subsets as a boolean matrix (row r = the bits of r)."""
    codes = np.arange(1 << n, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n)) & 1).astype(bool)


def minimize_enumeration(values, weights, prefer=None):
    r""":math:`\min_S \; F(S) - w(S)` over all subsets by enumeration.

    Parameters
    ----------
    values : ndarray, shape (2^n,)
        ``F`` on every subset, subset ``r`` being the bits of ``r``.
    weights : ndarray, shape (n,)
        The modular term ``w``.
    prefer : ndarray of bool, optional
        A set returned when it attains the minimum up to rounding (keeps a
        DCA iterate fixed at its own minimizer: no cycling between ties).

    Returns
    -------
    mask : ndarray of bool (n,)
    value : float
    """
    weights = np.asarray(weights, dtype=float)
    n = weights.size
    masks = _subset_masks(n)
    obj = np.asarray(values, dtype=float) - masks @ weights
    best = int(np.argmin(obj))
    if prefer is not None:
        code = int(np.asarray(prefer, dtype=np.int64) @ (1 << np.arange(n, dtype=np.int64)))
        scale = 1e-12 * max(1.0, float(np.abs(obj).max()))
        if obj[code] <= obj[best] + scale:
            best = code
    return masks[best].copy(), float(obj[best])


def min_norm_point(vertex, n, *, tol=1e-10, maxiter=10_000, start=None):
    r"""Wolfe's minimum-norm-point algorithm on a base polytope (Fujishige-Wolfe SFM).

    Finds :math:`x^\star = \operatorname{argmin}\{\|x\| : x \in B(F)\}`; the
    minimizers of the submodular ``F`` are level sets :math:`\{i : x^\star_i < t\}`
    for :math:`t \le 0` (Fujishige 1980). Major cycles add the vertex
    :math:`q = \operatorname{argmin}_{q \in B(F)} \langle x, q\rangle` (greedy on
    increasing ``x``) until Wolfe's gap :math:`\|x\|^2 - \langle x, q\rangle`
    is <= ``tol`` times :math:`\max_q \|q\|^2`; minor cycles move to the affine
    minimizer of the corral, dropping vertices with zero weight (Wolfe 1976).

    Parameters
    ----------
    vertex : callable
        ``vertex(order) -> (q, chain)``: the greedy vertex for ``order`` and
        ``F`` on its chain (``chain[i] = F(S_i)``, length n + 1).
    n : int
    tol : float
        Relative tolerance on Wolfe's gap.
    maxiter : int
        Cap on major cycles.
    start : array_like of int, optional
        Order of the first vertex (a warm start, e.g. the order a DCA
        subgradient came from); default ``0..n-1``.

    Returns
    -------
    x : ndarray (n,)
        The (approximate) minimum-norm point.
    best : tuple (order, chain)
        The chain (from the greedy vertex at the final ``x``) whose prefix
        sets contain the minimizer; the caller picks the best prefix.
    iterations : int
        Major cycles done.
    """
    order = np.arange(n) if start is None else np.asarray(start, dtype=np.int64)
    q, chain = vertex(order)
    corral = [q]
    lam = np.array([1.0])
    x = q.copy()
    scale = float(q @ q) or 1.0
    it = 0
    last = (order, chain)
    while it < maxiter:
        it += 1
        order = np.argsort(x, kind="stable")
        q, chain = vertex(order)
        last = (order, chain)
        scale = max(scale, float(q @ q))
        if float(x @ x) - float(x @ q) <= tol * scale:
            break
        if any(np.array_equal(q, c) for c in corral):
            break                            # no progress possible in floating point
        corral.append(q)
        lam = np.append(lam, 0.0)
        for _ in range(len(corral) + 1):     # minor cycles
            S = np.array(corral)             # (k, n)
            k = S.shape[0]
            M = np.zeros((k + 1, k + 1))
            M[:k, :k] = S @ S.T
            M[:k, k] = M[k, :k] = 1.0
            rhs = np.zeros(k + 1)
            rhs[k] = 1.0
            alpha = np.linalg.lstsq(M, rhs, rcond=None)[0][:k]
            if np.all(alpha > 1e-12):
                lam = alpha
                x = alpha @ S
                break
            neg = alpha <= 1e-12
            ratios = lam[neg] / np.maximum(lam[neg] - alpha[neg], 1e-300)
            theta = min(1.0, float(ratios.min()))
            lam = theta * alpha + (1 - theta) * lam
            keep = lam > 1e-12
            keep[np.argmax(lam)] = True
            corral = [c for c, kp in zip(corral, keep) if kp]
            lam = lam[keep]
            lam = lam / lam.sum()
            x = lam @ np.array(corral)
    return x, last, it


class DSProblem(Problem):
    r"""Difference of submodular set functions :math:`\min_{X \subseteq V} F(X) - G(X)`.

    .. math::

        \min_{X \subseteq \{0,\dots,n-1\}} \varphi(X) = F(X) - G(X)
        \;=\; \min_{x \in [0,1]^n} f_L(x) - g_L(x),

    with ``F`` and ``G`` normalized (``F(empty) = G(empty) = 0``) submodular
    (El Halabi, Orfanides & Hoheisel, ICML 2023; every set function is a
    difference of submodular functions).

    Parameters
    ----------
    F, G : callable
        ``F(indices) -> float`` on a sorted int array of element indices.
        The counted oracle caches every value per run (the methods evaluate
        the same sets many times) and checks finiteness and normalization.
    n : int
        Size of the ground set.
    F_chain, G_chain : callable, optional
        ``F_chain(order) -> ndarray (len(order) + 1,)``: the values on the
        chain ``S_0 = {}, S_1 = {order[0]}, ...`` in one call, when cheaper
        than separate calls (entropies, incremental sums). Counted as one
        evaluation per set of the chain.
    x0 : array_like of {0, 1}, optional
        Default start (indicator vector; default the empty set).
    name : str, optional

    Notes
    -----
    Iterates are indicator vectors (float 0/1 arrays); ``res.x`` is the
    indicator of the returned set and ``res.selected`` its indices.
    Submodularity is not checked (it would cost exponentially many calls);
    :meth:`check_submodular` tests it on random pairs.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from optkit.problems.dc import DSProblem
    >>> w = np.array([3.0, 1.0, 2.0, 0.5])
    >>> F = lambda S: float(np.sqrt(w[S].sum()) * 2)          # concave of modular
    >>> G = lambda S: float(w[S].sum())                       # modular
    >>> res = optkit.minimize(DSProblem(F, G, 4), method="ds-cdca")
    >>> res.selected.tolist(), round(res.fun, 6)
    ([0, 1, 2, 3], -1.40098)
    """

    family = "ds"
    default_method = "ds-cdca"
    oracle_names = ("F", "G")

    def __init__(self, F, G, n, *, F_chain=None, G_chain=None, x0=None, name=None):
        for arg, fn in (("F", F), ("G", G)):
            if not callable(fn):
                raise TypeError(f"`{arg}` must be callable (index array -> float), got "
                                f"{type(fn).__name__}.")
        for arg, fn in (("F_chain", F_chain), ("G_chain", G_chain)):
            if fn is not None and not callable(fn):
                raise TypeError(f"`{arg}` must be callable or None, got {type(fn).__name__}.")
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"`n` (the size of the ground set) must be an integer >= 1, "
                             f"got {n!r}.")
        self.F, self.G, self.n = F, G, int(n)
        self.F_chain, self.G_chain = F_chain, G_chain
        x0 = np.zeros(self.n) if x0 is None else self._indicator(x0, "x0")
        super().__init__(x0=x0, name=name or f"DS(n={self.n})")

    def _indicator(self, x, arg):
        x = np.asarray(x, dtype=float)
        if x.shape != (self.n,):
            raise ValueError(f"`{arg}` must be an indicator vector of shape ({self.n},), "
                             f"got shape {x.shape}.")
        if not np.all((x == 0) | (x == 1)):
            raise ValueError(f"`{arg}` must be an indicator vector (entries 0 or 1).")
        return x

    def provides(self, oracle: str) -> bool:
        return oracle in self.oracle_names

    def as_start(self, x0):
        return self._indicator(x0, "x0").copy()

    def value(self, mask) -> float:
        r""":math:`\varphi(X) = F(X) - G(X)` for a mask or indicator (uncounted)."""
        idx = np.flatnonzero(np.asarray(mask))
        return float(self.F(idx)) - float(self.G(idx))

    fun = value

    def check_submodular(self, trials=200, seed=0, atol=1e-10):
        r"""Test :math:`F(A) + F(B) \ge F(A \cup B) + F(A \cap B)` (and for ``G``)
        on ``trials`` random pairs; returns the list of violations found."""
        rng = np.random.default_rng(seed)
        bad = []
        for name, fn in (("F", self.F), ("G", self.G)):
            for _ in range(trials):
                a, b = rng.random(self.n) < 0.5, rng.random(self.n) < 0.5
                val = [float(fn(np.flatnonzero(m))) for m in (a, b, a | b, a & b)]
                if val[0] + val[1] < val[2] + val[3] - atol:
                    bad.append((name, np.flatnonzero(a), np.flatnonzero(b)))
        return bad


# ---------------------------------------------------------------------------
# feature selection by mutual information
# ---------------------------------------------------------------------------

class EmpiricalEntropy:
    r"""Entropy (nats) of the empirical joint distribution of discrete columns.

    :math:`H(S) = -\sum_v p_S(v) \log p_S(v)`, ``p_S`` the frequencies of the
    distinct rows of ``Z[:, S]``. The entropy of any joint distribution is
    normalized, monotone and submodular in ``S``; with ``extra`` (labels)
    appended, :math:`H(S \cup \{Y\}) - H(Y) = H(X_S \mid Y)` is submodular too.

    Parameters
    ----------
    Z : ndarray of int, shape (m, n)
        Discrete data (e.g. binary features).
    extra : ndarray of int, shape (m,), optional
        A column always conditioned on (the label): the value is then
        :math:`H(X_S \mid Y)`.

    Notes
    -----
    Rows are refined incrementally along a chain: the partition of the
    samples by their values on :math:`S_{i-1}` is split by column
    :math:`\sigma(i)` (a counting pass over integer codes), so a whole chain
    costs ``n`` passes over ``m`` labels, not ``n`` passes over ``m x |S|``.
    """

    def __init__(self, Z, extra=None):
        Z = np.asarray(Z)
        if Z.ndim != 2:
            raise ValueError(f"`Z` must be a 2-D array, got shape {Z.shape}.")
        self.Z = np.ascontiguousarray(Z.astype(np.int64))
        self.m = Z.shape[0]
        if extra is None:
            self.base = np.zeros(self.m, dtype=np.int64)
            self.h0 = 0.0
        else:
            self.base = np.unique(np.asarray(extra), return_inverse=True)[1].astype(np.int64)
            self.h0 = self._entropy(self.base)

    def _entropy(self, labels):
        counts = np.bincount(labels)
        p = counts[counts > 0] / self.m
        return float(-(p * np.log(p)).sum())

    def _refine(self, labels, col):
        z = self.Z[:, col]
        base = int(z.max()) + 1
        code = labels * base + z
        size = (int(labels.max()) + 1) * base
        if size > 4 * self.m:                  # sparse codes: sort them
            return np.unique(code, return_inverse=True)[1].astype(np.int64)
        # dense codes: relabel by a counting pass (O(m), no sort)
        present = np.bincount(code, minlength=size) > 0
        return (np.cumsum(present) - 1)[code]

    def __call__(self, S) -> float:
        labels = self.base
        for col in np.asarray(S, dtype=np.int64):
            labels = self._refine(labels, col)
        return self._entropy(labels) - self.h0

    def chain(self, order) -> np.ndarray:
        """Values on ``{}, {order[0]}, {order[0], order[1]}, ...``."""
        out = np.empty(len(order) + 1)
        out[0] = 0.0
        labels = self.base
        for i, col in enumerate(np.asarray(order, dtype=np.int64)):
            labels = self._refine(labels, col)
            out[i + 1] = self._entropy(labels) - self.h0
            if labels.max() == self.m - 1:        # all rows distinct: H stays constant
                out[i + 2:] = out[i + 1]
                break
        return out


def feature_selection(X, y, *, n_features=None, cost="modular", alpha=0.01, weights=None,
                      name=None):
    r"""Feature selection by mutual information minus a cost, as a :class:`DSProblem`.

    .. math::

        \min_{S} \; c(S) - I(X_S; Y), \qquad
        I(X_S; Y) = H(X_S) - H(X_S \mid Y),

    so :math:`F(S) = c(S) + H(X_S \mid Y)` and :math:`G(S) = H(X_S)`, both
    submodular (entropies of the empirical distribution of the binarized
    features, :class:`EmpiricalEntropy`). ``cost="modular"``:
    :math:`c(S) = \alpha \sum_{i \in S} w_i`; ``cost="sqrt"`` (submodular, a
    concave function of a modular one): :math:`c(S) = \alpha \sqrt{n\, w(S)}`.

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix, shape (m, d)
        Features; a two-valued column becomes ``X[:, j] > min`` (LIBSVM binary
        features stay as they are), others ``X[:, j] > median``.
    y : array_like, shape (m,)
        Labels (any discrete values).
    n_features : int, optional
        Keep the ``n_features`` columns with the largest empirical
        variance of the binarized feature (default: all non-constant ones).
    cost : {"modular", "sqrt"}
    alpha : float
        Cost weight, >= 0.
    weights : array_like, optional
        Per-feature costs ``w`` (default ones).
    name : str, optional

    Returns
    -------
    DSProblem
        With attributes ``columns`` (the kept columns of ``X``) and
        ``mutual_information(S)``.
    """
    X = check_matrix(X, "X")
    y = check_targets(y, "y", X.shape[0], "X")
    alpha = _positive(alpha, "alpha", strict=False)
    Xd = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    lo, hi, med = Xd.min(axis=0), Xd.max(axis=0), np.median(Xd, axis=0)
    two_valued = np.array([np.unique(col).size <= 2 for col in Xd.T])
    # binary columns keep their two values; others are split at the median
    B = np.where(two_valued, Xd > lo, Xd > med).astype(np.int64)
    var = B.mean(axis=0) * (1 - B.mean(axis=0))
    cols = np.flatnonzero(var > 0)
    if n_features is not None:
        if isinstance(n_features, bool) or not isinstance(n_features, numbers.Integral) \
                or n_features < 1:
            raise ValueError(f"`n_features` must be an integer >= 1, got {n_features!r}.")
        if n_features > cols.size:
            raise ValueError(f"`n_features`={n_features} exceeds the {cols.size} "
                             "non-constant features of `X`.")
        cols = cols[np.argsort(-var[cols], kind="stable")[:n_features]]
        cols.sort()
    n = cols.size
    B = B[:, cols]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"`weights` must be {n} finite numbers >= 0.")
    if cost == "modular":
        def c_chain(order):
            return alpha * np.concatenate([[0.0], np.cumsum(w[order])])
    elif cost == "sqrt":
        def c_chain(order):
            return alpha * np.sqrt(n * np.concatenate([[0.0], np.cumsum(w[order])]))
    else:
        raise ValueError(f"`cost` must be 'modular' or 'sqrt', got {cost!r}.")
    H = EmpiricalEntropy(B)
    Hy = EmpiricalEntropy(B, extra=y)

    def F(S):
        return float(c_chain(np.asarray(S, dtype=np.int64))[-1]) + Hy(S)

    def F_chain(order):
        return c_chain(np.asarray(order, dtype=np.int64)) + Hy.chain(order)

    prob = DSProblem(F, H, n, F_chain=F_chain, G_chain=H.chain,
                     name=name or f"feature selection(n={n}, cost={cost}, alpha={alpha:g})")
    prob.columns = cols
    prob.mutual_information = lambda S: H(S) - Hy(S)
    return prob
