r"""Seeded generators of synthetic test instances.

Every generator takes ``seed`` (``None``, an int, a
:class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator`),
turned into a generator by :func:`numpy.random.default_rng`: the same seed
gives the same instance, and passing a ``Generator`` draws from it.

* Quadratics with a prescribed spectrum: :func:`quadratic`
  (:class:`QuadraticProblem`), :func:`least_squares_spectrum`.
* Sparse regression (Lasso instances): :func:`sparse_regression`.
* Optimal transport: :func:`ot_point_clouds`, :func:`ot_histograms_1d`.
* Low-rank recovery: :func:`low_rank_matrix`, :func:`matrix_completion`,
  :func:`matrix_sensing` (:class:`GaussianSensingOperator`).

Invalid arguments raise ``ValueError`` / ``TypeError`` naming the argument.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from .base import SmoothProblem

__all__ = [
    "QuadraticProblem",
    "quadratic",
    "least_squares_spectrum",
    "sparse_regression",
    "label_propagation",
    "ot_point_clouds",
    "ot_histograms_1d",
    "low_rank_matrix",
    "matrix_completion",
    "matrix_sensing",
    "GaussianSensingOperator",
    "MatrixCompletionInstance",
    "MatrixSensingInstance",
]

_SPECTRUM_KINDS = ("uniform", "log", "clustered", "outliers")


# ---------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------
def _int_arg(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer, got {value!r}.")
    value = int(value)
    if value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}, got {value}.")
    return value


def _real_arg(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {value!r}.")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"`{name}` must not be NaN.")
    return value


def _positive(value, name: str, allow_inf: bool = False) -> float:
    value = _real_arg(value, name)
    if not value > 0 or (math.isinf(value) and not allow_inf):
        raise ValueError(f"`{name}` must be a positive finite number, got {value}.")
    return value


def _kappa_arg(kappa, name: str = "kappa") -> float:
    kappa = _real_arg(kappa, name)
    if not (kappa >= 1.0 and math.isfinite(kappa)):
        raise ValueError(f"`{name}` (a condition number) must be finite and >= 1, got {kappa}.")
    return kappa


def _rng(seed) -> np.random.Generator:
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"`seed` must be None, an int, a SeedSequence or a numpy Generator: {err}"
        ) from None


def _orthonormal(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """n x k matrix with orthonormal columns, Haar-distributed (QR with sign fix)."""
    Q, R = np.linalg.qr(rng.standard_normal((n, k)))
    signs = np.sign(np.diag(R))
    signs[signs == 0] = 1.0
    return Q * signs


# ---------------------------------------------------------------------------
# quadratics
# ---------------------------------------------------------------------------
class QuadraticProblem(SmoothProblem):
    r"""Strongly convex quadratic :math:`f(x) = \tfrac12 x^T A x - b^T x`.

    .. math:: \nabla f(x) = A x - b, \qquad \nabla^2 f(x) = A, \qquad
       x^\star = A^{-1} b, \qquad f^\star = -\tfrac12 b^T x^\star.

    Parameters
    ----------
    A : array_like, shape (d, d)
        Symmetric positive definite matrix.
    b : array_like, shape (d,)
        Linear term.
    eigenvalues, eigenvectors : ndarray, optional
        The decomposition :math:`A = Q \operatorname{diag}(\lambda) Q^T`
        (ascending eigenvalues) when known; otherwise computed with
        :func:`numpy.linalg.eigh`.
    x0 : array_like, optional
        Starting point, default zeros.
    name : str, optional

    Attributes
    ----------
    A, b : ndarray
    eigenvalues : ndarray (d,)
        The spectrum, ascending.
    eigenvectors : ndarray (d, d)
        Orthogonal Q with ``A = Q @ diag(eigenvalues) @ Q.T``.
    x_star : ndarray (d,)
    f_star : float
    d : int

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems.synthetic import QuadraticProblem
    >>> p = QuadraticProblem(np.diag([1.0, 4.0]), np.array([1.0, 2.0]))
    >>> p.x_star, p.f_star, p.lipschitz(), p.strong_convexity()
    (array([1. , 0.5]), -1.0, 4.0, 1.0)
    """

    def __init__(self, A, b, *, eigenvalues=None, eigenvectors=None, x0=None, name=None):
        A = np.asarray(A, dtype=float)
        if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
            raise ValueError(f"`A` must be a square non-empty matrix, got shape {A.shape}.")
        d = A.shape[0]
        b = np.asarray(b, dtype=float)
        if b.shape != (d,):
            raise ValueError(f"`b` must have shape ({d},), got {b.shape}.")
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(b))):
            raise ValueError("`A` and `b` must be finite.")
        if not np.allclose(A, A.T, rtol=1e-12, atol=1e-14 * max(1.0, np.abs(A).max())):
            raise ValueError("`A` must be symmetric.")
        if eigenvalues is None or eigenvectors is None:
            eigenvalues, eigenvectors = np.linalg.eigh(A)
        lam = np.asarray(eigenvalues, dtype=float)
        Q = np.asarray(eigenvectors, dtype=float)
        if lam.shape != (d,) or Q.shape != (d, d):
            raise ValueError("`eigenvalues`/`eigenvectors` do not match the shape of `A`.")
        order = np.argsort(lam)
        lam, Q = lam[order], Q[:, order]
        if lam[0] <= 0:
            raise ValueError(
                f"`A` must be positive definite; its smallest eigenvalue is {lam[0]:.3g}."
            )
        self.A = A
        self.b = b
        self.d = d
        self.eigenvalues = lam
        self.eigenvectors = Q
        x_star = Q @ ((Q.T @ b) / lam)
        self.x_star = x_star
        super().__init__(x0=np.zeros(d) if x0 is None else x0,
                         f_star=-0.5 * float(b @ x_star),
                         name=name or f"quadratic(d={d})")

    @property
    def spectrum(self) -> np.ndarray:
        """The eigenvalues of A, ascending (alias of ``eigenvalues``)."""
        return self.eigenvalues

    @property
    def condition_number(self) -> float:
        r""":math:`\kappa = \lambda_{\max} / \lambda_{\min}`."""
        return float(self.eigenvalues[-1] / self.eigenvalues[0])

    def lipschitz(self) -> float:
        r"""Lipschitz constant of the gradient, :math:`\lambda_{\max}(A)`."""
        return float(self.eigenvalues[-1])

    def strong_convexity(self) -> float:
        r"""Strong convexity modulus, :math:`\lambda_{\min}(A)`."""
        return float(self.eigenvalues[0])

    def fun(self, x):
        """f(x) = x^T A x / 2 - b^T x."""
        x = np.asarray(x, dtype=float)
        return float(0.5 * x @ (self.A @ x) - self.b @ x)

    def grad(self, x):
        """A x - b, shape (d,)."""
        return self.A @ np.asarray(x, dtype=float) - self.b

    def fun_and_grad(self, x):
        """``(f(x), A x - b)`` with one product ``A x``."""
        x = np.asarray(x, dtype=float)
        Ax = self.A @ x
        return float(0.5 * x @ Ax - self.b @ x), Ax - self.b

    def hess(self, x):
        """The constant Hessian A (ndarray (d, d))."""
        return self.A

    def hessp(self, x, v):
        """A v."""
        return self.A @ np.asarray(v, dtype=float)


def _spectrum(d, kind, kappa, mu, n_outliers, n_clusters, rng):
    L = kappa * mu
    if d == 1:
        return np.array([mu])
    if kind == "uniform":
        return np.linspace(mu, L, d)
    if kind == "log":
        return np.geomspace(mu, L, d)
    if kind == "clustered":
        centers = np.geomspace(mu, L, n_clusters)
        # relative half-width of each cluster: 1% of the gap to its neighbours
        width = 0.01 * (kappa ** (1.0 / max(n_clusters - 1, 1)) - 1.0) if kappa > 1 else 0.0
        labels = np.arange(d) % n_clusters
        lam = centers[labels] * (1.0 + width * rng.uniform(-1.0, 1.0, d))
        lam = np.clip(lam, mu, L)
        lam[0], lam[n_clusters - 1] = mu, L     # the extreme clusters reach mu and L
        return np.sort(lam)
    # outliers: a flat bulk in [mu, 2 mu] (capped at L) and k outliers up to L
    k = n_outliers
    bulk_top = min(2.0 * mu, L)
    bulk = np.linspace(mu, bulk_top, d - k)
    if k == 1:
        outliers = np.array([L])
    else:
        outliers = np.geomspace(max(bulk_top, math.sqrt(bulk_top * L)), L, k)
    return np.sort(np.concatenate([bulk, outliers]))


def quadratic(
    d: int,
    *,
    spectrum=None,
    kappa: float | None = None,
    mu: float = 1.0,
    kind: str = "uniform",
    n_outliers: int | None = None,
    n_clusters: int | None = None,
    seed=None,
) -> QuadraticProblem:
    r"""Random quadratic with a prescribed spectrum.

    .. math:: f(x) = \tfrac12 x^T A x - b^T x, \qquad
       A = Q \operatorname{diag}(\lambda) Q^T,

    with :math:`Q` Haar-random orthogonal and :math:`b \sim N(0, I_d)`.

    Parameters
    ----------
    d : int
        Dimension, >= 1.
    spectrum : array_like, shape (d,), optional
        Explicit positive eigenvalues (any order). Overrides ``kind``,
        ``kappa`` and ``mu``.
    kappa : float, optional
        Condition number :math:`\lambda_{\max}/\lambda_{\min}` >= 1. Default
        100 (1 when ``d == 1``).
    mu : float, default 1.0
        Smallest eigenvalue (strong convexity); the largest is ``kappa * mu``.
    kind : {"uniform", "log", "clustered", "outliers"}
        * ``"uniform"``: evenly spaced in :math:`[\mu, \kappa\mu]`;
        * ``"log"``: log-spaced in :math:`[\mu, \kappa\mu]`;
        * ``"clustered"``: ``n_clusters`` tight clusters (relative width 1% of
          the gap between clusters) around log-spaced centres, the extreme
          clusters containing :math:`\mu` and :math:`\kappa\mu`;
        * ``"outliers"``: a flat bulk of ``d - n_outliers`` eigenvalues evenly
          spaced in :math:`[\mu, 2\mu]` and ``n_outliers`` outliers log-spaced
          in :math:`[\sqrt{2\mu \cdot \kappa\mu}, \kappa\mu]` — the regime
          where polynomial preconditioning pays.
    n_outliers : int, optional
        Number of outliers for ``kind="outliers"``, in ``[1, d - 1]``.
        Default ``min(5, d - 1)``.
    n_clusters : int, optional
        Number of clusters for ``kind="clustered"``, in ``[2, d]``. Default
        ``min(3, d)``.
    seed : None, int, SeedSequence or Generator
        Randomness (Q and b).

    Returns
    -------
    QuadraticProblem
        With ``x_star``, ``f_star``, ``eigenvalues`` (ascending),
        ``lipschitz()`` and ``strong_convexity()``.

    Examples
    --------
    >>> from optkit.problems.synthetic import quadratic
    >>> p = quadratic(50, kappa=1e3, kind="outliers", n_outliers=3, seed=0)
    >>> round(p.condition_number), p.eigenvalues[-4:-3] <= 2.0
    (1000, array([ True]))
    """
    d = _int_arg(d, "d")
    rng = _rng(seed)
    if spectrum is not None:
        lam = np.sort(np.asarray(spectrum, dtype=float).ravel())
        if lam.shape != (d,):
            raise ValueError(f"`spectrum` must have {d} entries (= `d`), got {lam.size}.")
        if not (np.all(np.isfinite(lam)) and lam[0] > 0):
            raise ValueError("`spectrum` must contain finite positive eigenvalues.")
        kind_name = "spectrum"
    else:
        if kind not in _SPECTRUM_KINDS:
            raise ValueError(f"`kind` must be one of {_SPECTRUM_KINDS}, got {kind!r}.")
        mu = _positive(mu, "mu")
        kappa = (1.0 if d == 1 else 100.0) if kappa is None else _kappa_arg(kappa)
        if d == 1 and kappa != 1.0:
            raise ValueError(f"`kappa` must be 1 when `d` is 1, got {kappa}.")
        if not math.isfinite(kappa * mu):
            raise ValueError("`kappa * mu` overflows.")
        if kind == "outliers" and d > 1:
            n_outliers = min(5, d - 1) if n_outliers is None else _int_arg(n_outliers, "n_outliers")
            if n_outliers > d - 1:
                raise ValueError(f"`n_outliers` must be <= d - 1 = {d - 1}, got {n_outliers}.")
        if kind == "clustered" and d > 1:
            n_clusters = (min(3, d) if n_clusters is None
                          else _int_arg(n_clusters, "n_clusters", minimum=2))
            if n_clusters > d:
                raise ValueError(f"`n_clusters` must be <= d = {d}, got {n_clusters}.")
        lam = _spectrum(d, kind, kappa, mu, n_outliers, n_clusters, rng)
        kind_name = kind
    Q = _orthonormal(rng, d, d)
    A = (Q * lam) @ Q.T
    A = 0.5 * (A + A.T)
    b = rng.standard_normal(d)
    return QuadraticProblem(A, b, eigenvalues=lam, eigenvectors=Q,
                            name=f"quadratic({kind_name}, d={d})")


def least_squares_spectrum(n: int, d: int, singular_values, seed=None):
    r"""Least-squares data :math:`(A, b)` with prescribed singular values.

    .. math:: A = U \operatorname{diag}(\sigma) V^T \in \mathbb{R}^{n \times d},
       \qquad b \sim N(0, I_n),

    with :math:`U` (n x k) and :math:`V` (d x k) Haar-random with orthonormal
    columns, :math:`k = \min(n, d)`. The problem
    :math:`\min_x \tfrac12\|Ax - b\|^2` then has Hessian :math:`A^TA` with
    eigenvalues :math:`\sigma_i^2` (and zeros when :math:`n < d`).

    Parameters
    ----------
    n, d : int
        Numbers of rows and columns.
    singular_values : array_like, shape (min(n, d),)
        Nonnegative singular values (any order).
    seed : None, int, SeedSequence or Generator

    Returns
    -------
    A : ndarray (n, d)
    b : ndarray (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems.synthetic import least_squares_spectrum
    >>> A, b = least_squares_spectrum(20, 3, [3.0, 2.0, 1.0], seed=0)
    >>> np.round(np.linalg.svd(A, compute_uv=False), 12)
    array([3., 2., 1.])
    """
    n = _int_arg(n, "n")
    d = _int_arg(d, "d")
    k = min(n, d)
    s = np.asarray(singular_values, dtype=float).ravel()
    if s.shape != (k,):
        raise ValueError(f"`singular_values` must have min(n, d) = {k} entries, got {s.size}.")
    if not (np.all(np.isfinite(s)) and np.all(s >= 0)):
        raise ValueError("`singular_values` must be finite and nonnegative.")
    rng = _rng(seed)
    U = _orthonormal(rng, n, k)
    V = _orthonormal(rng, d, k)
    A = (U * s) @ V.T
    b = rng.standard_normal(n)
    return A, b


def sparse_regression(
    n: int,
    d: int,
    k: int,
    *,
    snr: float = 10.0,
    correlation: float = 0.0,
    seed=None,
):
    r"""Sparse linear regression (Lasso) instance with a planted support.

    .. math:: y = X w^\star + \sigma \varepsilon, \qquad
       X_{i\cdot} \sim N(0, \Sigma), \ \Sigma_{jl} = \rho^{|j - l|}, \qquad
       \varepsilon \sim N(0, I_n),

    where :math:`w^\star` has ``k`` nonzeros at random positions, with random
    signs and magnitudes uniform in [1, 2], and :math:`\sigma` is set so that
    :math:`\mathrm{SNR} = w^{\star T}\Sigma w^\star / \sigma^2`.

    Parameters
    ----------
    n, d : int
        Samples and features.
    k : int
        Support size, ``1 <= k <= d``.
    snr : float, default 10
        Signal-to-noise ratio, > 0; ``np.inf`` for noiseless data.
    correlation : float, default 0
        :math:`\rho \in (-1, 1)`, the AR(1) correlation between neighbouring
        features.
    seed : None, int, SeedSequence or Generator

    Returns
    -------
    X : ndarray (n, d)
    y : ndarray (n,)
    w_true : ndarray (d,)
        The planted coefficients (exactly ``k`` nonzeros).

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems.synthetic import sparse_regression
    >>> X, y, w = sparse_regression(100, 40, 5, seed=0)
    >>> X.shape, y.shape, int(np.count_nonzero(w))
    ((100, 40), (100,), 5)
    """
    n = _int_arg(n, "n")
    d = _int_arg(d, "d")
    k = _int_arg(k, "k")
    if k > d:
        raise ValueError(f"`k` must be <= d = {d}, got {k}.")
    snr = _positive(snr, "snr", allow_inf=True)
    rho = _real_arg(correlation, "correlation")
    if not -1.0 < rho < 1.0:
        raise ValueError(f"`correlation` must lie in (-1, 1), got {rho}.")
    rng = _rng(seed)
    Z = rng.standard_normal((n, d))
    X = np.empty((n, d))
    X[:, 0] = Z[:, 0]
    scale = math.sqrt(1.0 - rho * rho)
    for j in range(1, d):
        X[:, j] = rho * X[:, j - 1] + scale * Z[:, j]
    support = np.sort(rng.choice(d, size=k, replace=False))
    w = np.zeros(d)
    w[support] = rng.choice([-1.0, 1.0], size=k) * rng.uniform(1.0, 2.0, size=k)
    # w^T Sigma w with Sigma_jl = rho^|j-l|, over the support only
    gaps = np.abs(support[:, None] - support[None, :])
    signal = float(w[support] @ (rho ** gaps) @ w[support])
    noise = rng.standard_normal(n)
    sigma = 0.0 if math.isinf(snr) else math.sqrt(signal / snr)
    y = X @ w + sigma * noise
    return X, y, w


# ---------------------------------------------------------------------------
# optimal transport
# ---------------------------------------------------------------------------
def label_propagation(m: int = 50, labelled: float = 0.1, *, seed=None):
    r"""Label propagation on an ``m x m`` lattice, as least squares.

    .. math:: \min_x \tfrac12 \sum_{(i,j) \in E} (x_i - x_j)^2
       + \tfrac12 \sum_i c_i (x_i - y_i)^2,

    E the lattice edges; a fraction ``labelled`` of the nodes carry a label
    :math:`y_i = \pm 1` with :math:`c_i = 1`, the others :math:`y_i = 0`,
    :math:`c_i = 10^{-2}` (the sparse quadratic of Nutini, Laradji & Schmidt,
    2022, section 5, whose dependency graph is the lattice). Written as
    :class:`~optkit.problems.glm.LeastSquares`
    :math:`\frac{1}{2N}\|Ax - b\|^2` with :math:`A = \sqrt N\,[B;
    \operatorname{diag}(\sqrt c)]` (B the edge incidence matrix, N its rows).

    Returns
    -------
    problem : LeastSquares
    x_star : ndarray, the minimizer (sparse direct solve of the normal equations)
    """
    import scipy.sparse.linalg as spla

    from .glm import LeastSquares

    m = _int_arg(m, "m", 2)
    labelled = _real_arg(labelled, "labelled")
    if not 0.0 <= labelled <= 1.0:
        raise ValueError(f"`labelled` must be in [0, 1], got {labelled}.")
    rng = _rng(seed)
    d = m * m
    idx = np.arange(d).reshape(m, m)
    edges = np.vstack([np.c_[idx[:-1].ravel(), idx[1:].ravel()],
                       np.c_[idx[:, :-1].ravel(), idx[:, 1:].ravel()]])
    E = edges.shape[0]
    B = sp.csr_matrix((np.r_[np.ones(E), -np.ones(E)],
                       (np.r_[np.arange(E), np.arange(E)], np.r_[edges[:, 0], edges[:, 1]])),
                      shape=(E, d))
    is_labelled = rng.random(d) < labelled
    c = np.where(is_labelled, 1.0, 1e-2)
    y = np.where(is_labelled, rng.choice([-1.0, 1.0], d), 0.0)
    N = E + d
    A = sp.vstack([B, sp.diags(np.sqrt(c))]).tocsr() * np.sqrt(N)
    b = np.r_[np.zeros(E), np.sqrt(c) * y] * np.sqrt(N)
    x_star = spla.spsolve((B.T @ B + sp.diags(c)).tocsc(), c * y)
    return LeastSquares(A, b, name=f"label-propagation({m}x{m})"), x_star


def _histogram(rng, size, weights, arg):
    if weights == "uniform":
        return np.full(size, 1.0 / size)
    if weights == "random":
        h = rng.dirichlet(np.ones(size))
        return h / h.sum()
    raise ValueError(f"`{arg}` must be 'uniform' or 'random', got {weights!r}.")


def ot_point_clouds(
    n: int,
    m: int,
    dim: int = 2,
    *,
    weights: str = "uniform",
    shift: float = 0.0,
    same_support: bool = False,
    return_points: bool = False,
    seed=None,
):
    r"""Discrete OT between two Gaussian point clouds.

    Points :math:`x_i \sim N(0, I_{dim})` (i < n) and
    :math:`y_j \sim N(\mathrm{shift}\cdot\mathbf 1, I_{dim})` (j < m), cost

    .. math:: M_{ij} = \|x_i - y_j\|^2 / \max_{kl} \|x_k - y_l\|^2 \in [0, 1].

    Parameters
    ----------
    n, m : int
        Numbers of source and target points.
    dim : int, default 2
        Ambient dimension.
    weights : {"uniform", "random"}
        Histograms: uniform (``1/n``), or random Dirichlet(1) weights
        (positive, summing to 1).
    shift : float, default 0
        Translation of the target cloud along :math:`(1, \ldots, 1)`.
    same_support : bool, default False
        Use the source points as target points (needs ``n == m``; ``shift``
        must be 0). Then ``M`` is symmetric with a zero diagonal.
    return_points : bool, default False
        Also return the points ``X`` (n, dim) and ``Y`` (m, dim).
    seed : None, int, SeedSequence or Generator

    Returns
    -------
    a : ndarray (n,)
        Source histogram (sums to 1).
    b : ndarray (m,)
        Target histogram (sums to 1).
    M : ndarray (n, m)
        Normalized squared-Euclidean cost, nonnegative.
    X, Y : ndarray
        Only with ``return_points=True``.

    Examples
    --------
    >>> from optkit.problems.synthetic import ot_point_clouds
    >>> a, b, M = ot_point_clouds(50, 40, seed=0)
    >>> a.shape, b.shape, M.shape, float(M.max())
    ((50,), (40,), (50, 40), 1.0)
    """
    n = _int_arg(n, "n")
    m = _int_arg(m, "m")
    dim = _int_arg(dim, "dim")
    shift = _real_arg(shift, "shift")
    if same_support:
        if n != m:
            raise ValueError(f"`same_support=True` needs n == m, got n={n}, m={m}.")
        if shift != 0.0:
            raise ValueError("`shift` must be 0 with `same_support=True`.")
    rng = _rng(seed)
    X = rng.standard_normal((n, dim))
    Y = X.copy() if same_support else rng.standard_normal((m, dim)) + shift
    a = _histogram(rng, n, weights, "weights")
    b = _histogram(rng, m, weights, "weights")
    M = (np.sum(X * X, axis=1)[:, None] + np.sum(Y * Y, axis=1)[None, :]
         - 2.0 * X @ Y.T)
    np.maximum(M, 0.0, out=M)
    if same_support:
        np.fill_diagonal(M, 0.0)
        M = 0.5 * (M + M.T)
    top = M.max()
    if top > 0:
        M /= top
    if return_points:
        return a, b, M, X, Y
    return a, b, M


def ot_histograms_1d(n: int, *, n_components: int = 2, normalize: bool = True, seed=None):
    r"""OT between two Gaussian-mixture histograms on a 1-D grid.

    On the grid :math:`0, 1, \ldots, n-1`, each histogram is a mixture of
    ``n_components`` Gaussians with random means in :math:`[0.1n, 0.9n]`,
    standard deviations in :math:`[n/20, n/8]` and Dirichlet weights,
    evaluated on the grid and normalized to sum 1. The cost is

    .. math:: M_{ij} = (i - j)^2 \quad (\text{divided by } (n-1)^2
       \text{ when } \texttt{normalize}).

    Parameters
    ----------
    n : int
        Grid size, >= 2.
    n_components : int, default 2
        Gaussians per mixture.
    normalize : bool, default True
        Scale the cost to ``max(M) = 1``.
    seed : None, int, SeedSequence or Generator

    Returns
    -------
    a, b : ndarray (n,)
        Positive histograms summing to 1.
    M : ndarray (n, n)
        Symmetric cost with zero diagonal.

    Examples
    --------
    >>> from optkit.problems.synthetic import ot_histograms_1d
    >>> a, b, M = ot_histograms_1d(100, seed=0)
    >>> round(float(a.sum()), 12), float(M[0, 99])
    (1.0, 1.0)
    """
    n = _int_arg(n, "n", minimum=2)
    n_components = _int_arg(n_components, "n_components")
    rng = _rng(seed)
    grid = np.arange(n, dtype=float)

    def mixture():
        means = rng.uniform(0.1 * n, 0.9 * n, n_components)
        stds = rng.uniform(n / 20.0, n / 8.0, n_components)
        w = rng.dirichlet(np.ones(n_components))
        h = np.zeros(n)
        for mean, std, wk in zip(means, stds, w):
            h += wk * np.exp(-0.5 * ((grid - mean) / std) ** 2) / std
        h = np.maximum(h, np.finfo(float).tiny)
        return h / h.sum()

    a = mixture()
    b = mixture()
    M = (grid[:, None] - grid[None, :]) ** 2
    if normalize:
        M /= (n - 1) ** 2
    return a, b, M


# ---------------------------------------------------------------------------
# low-rank matrices
# ---------------------------------------------------------------------------
def _low_rank_args(n1, n2, r, kappa):
    n1 = _int_arg(n1, "n1")
    n2 = _int_arg(n2, "n2")
    r = _int_arg(r, "r")
    if r > min(n1, n2):
        raise ValueError(f"`r` must be <= min(n1, n2) = {min(n1, n2)}, got {r}.")
    kappa = _kappa_arg(kappa)
    if r == 1 and kappa != 1.0:
        raise ValueError(f"`kappa` must be 1 when `r` is 1 (one singular value), got {kappa}.")
    return n1, n2, r, kappa


def _singular_values(r, kappa, spacing):
    if spacing == "linear":
        return np.linspace(1.0, 1.0 / kappa, r)
    if spacing == "log":
        return np.geomspace(1.0, 1.0 / kappa, r)
    raise ValueError(f"`spacing` must be 'linear' or 'log', got {spacing!r}.")


def low_rank_matrix(
    n1: int,
    n2: int,
    r: int,
    kappa: float = 1.0,
    seed=None,
    *,
    spacing: str = "linear",
    symmetric: bool = False,
):
    r"""Random rank-r matrix with condition number kappa.

    .. math:: M^\star = U \operatorname{diag}(S) V^T, \qquad
       S_1 = 1 \ge \cdots \ge S_r = 1/\kappa,

    with :math:`U` (n1 x r), :math:`V` (n2 x r) Haar-random orthonormal
    columns (:math:`V = U` when ``symmetric``, giving a PSD matrix).

    Parameters
    ----------
    n1, n2 : int
        Shape of the matrix.
    r : int
        Rank, ``1 <= r <= min(n1, n2)``.
    kappa : float, default 1
        :math:`\sigma_1/\sigma_r \ge 1` (must be 1 when ``r == 1``).
    seed : None, int, SeedSequence or Generator
    spacing : {"linear", "log"}
        Singular values evenly or log-spaced between 1 and 1/kappa.
    symmetric : bool, default False
        PSD :math:`U S U^T` (needs ``n1 == n2``).

    Returns
    -------
    M_star : ndarray (n1, n2)
    U : ndarray (n1, r)
    S : ndarray (r,)
        Singular values, descending.
    V : ndarray (n2, r)

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems.synthetic import low_rank_matrix
    >>> M, U, S, V = low_rank_matrix(30, 20, 3, kappa=10.0, seed=0)
    >>> s = np.linalg.svd(M, compute_uv=False)
    >>> round(float(s[0] / s[2]), 8), int(np.sum(s > 1e-10))
    (10.0, 3)
    """
    n1, n2, r, kappa = _low_rank_args(n1, n2, r, kappa)
    if symmetric and n1 != n2:
        raise ValueError(f"`symmetric=True` needs n1 == n2, got n1={n1}, n2={n2}.")
    rng = _rng(seed)
    S = _singular_values(r, kappa, spacing)
    U = _orthonormal(rng, n1, r)
    V = U.copy() if symmetric else _orthonormal(rng, n2, r)
    M = (U * S) @ V.T
    if symmetric:
        M = 0.5 * (M + M.T)
    return M, U, S, V


class MatrixCompletionInstance(NamedTuple):
    """Observed entries of a low-rank matrix (see :func:`matrix_completion`)."""

    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    M_star: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """Shape (n1, n2) of the matrix."""
        return self.M_star.shape

    @property
    def mask(self) -> np.ndarray:
        """Boolean (n1, n2) array, True at the observed entries."""
        out = np.zeros(self.M_star.shape, dtype=bool)
        out[self.rows, self.cols] = True
        return out


def matrix_completion(
    n1: int,
    n2: int,
    r: int,
    kappa: float = 1.0,
    p: float = 0.5,
    seed=None,
    *,
    noise: float = 0.0,
    spacing: str = "linear",
) -> MatrixCompletionInstance:
    r"""Matrix completion instance: Bernoulli(p) samples of a rank-r matrix.

    Each entry of :math:`M^\star` (from :func:`low_rank_matrix`) is observed
    independently with probability ``p``:
    ``vals = M_star[rows, cols] + noise * N(0, 1)``.

    Parameters
    ----------
    n1, n2, r, kappa
        As in :func:`low_rank_matrix`.
    p : float, default 0.5
        Sampling probability in (0, 1].
    seed : None, int, SeedSequence or Generator
    noise : float, default 0
        Standard deviation of additive Gaussian noise (>= 0).
    spacing : {"linear", "log"}
        Spacing of the singular values.

    Returns
    -------
    MatrixCompletionInstance
        Named tuple ``(rows, cols, vals, M_star)``; rows and cols are int
        arrays (row-major order); ``.mask`` and ``.shape`` are available.

    Examples
    --------
    >>> from optkit.problems.synthetic import matrix_completion
    >>> inst = matrix_completion(100, 80, 4, kappa=5.0, p=0.3, seed=0)
    >>> rows, cols, vals, M_star = inst
    >>> bool(abs(rows.size / (100 * 80) - 0.3) < 0.03)
    True
    """
    n1, n2, r, kappa = _low_rank_args(n1, n2, r, kappa)
    p = _real_arg(p, "p")
    if not 0.0 < p <= 1.0:
        raise ValueError(f"`p` (a sampling probability) must lie in (0, 1], got {p}.")
    noise = _real_arg(noise, "noise")
    if noise < 0 or math.isinf(noise):
        raise ValueError(f"`noise` must be finite and >= 0, got {noise}.")
    rng = _rng(seed)
    M, _, _, _ = low_rank_matrix(n1, n2, r, kappa, rng, spacing=spacing)
    mask = rng.random((n1, n2)) < p
    rows, cols = np.nonzero(mask)
    vals = M[rows, cols]
    if noise > 0:
        vals = vals + noise * rng.standard_normal(vals.size)
    return MatrixCompletionInstance(rows.astype(np.intp), cols.astype(np.intp), vals, M)


class GaussianSensingOperator:
    r"""Linear measurements :math:`\mathcal A(X)_i = \langle A_i, X\rangle`.

    Parameters
    ----------
    matrices : ndarray (m, n1 * n2)
        The measurement matrices :math:`A_i`, flattened row-major.
    shape : tuple (n1, n2)

    Attributes
    ----------
    matrices : ndarray (m, n1 * n2)
    shape : tuple
        ``(n1, n2)``.
    m : int

    Notes
    -----
    ``forward(X) = matrices @ X.ravel()`` and ``adjoint(y) =
    (matrices.T @ y).reshape(shape)``, so
    :math:`\langle \mathcal A(X), y\rangle = \langle X, \mathcal A^*(y)\rangle`.
    """

    def __init__(self, matrices, shape):
        self.matrices = np.asarray(matrices, dtype=float)
        self.shape = (int(shape[0]), int(shape[1]))
        if self.matrices.ndim != 2 or self.matrices.shape[1] != self.shape[0] * self.shape[1]:
            raise ValueError(
                f"`matrices` must have shape (m, {self.shape[0] * self.shape[1]}), "
                f"got {self.matrices.shape}."
            )
        self.m = self.matrices.shape[0]

    def forward(self, X) -> np.ndarray:
        """:math:`\\mathcal A(X)`, shape (m,), for X of shape (n1, n2)."""
        X = np.asarray(X, dtype=float)
        if X.shape != self.shape:
            raise ValueError(f"`X` must have shape {self.shape}, got {X.shape}.")
        return self.matrices @ X.ravel()

    def adjoint(self, y) -> np.ndarray:
        """:math:`\\mathcal A^*(y) = \\sum_i y_i A_i`, shape (n1, n2)."""
        y = np.asarray(y, dtype=float)
        if y.shape != (self.m,):
            raise ValueError(f"`y` must have shape ({self.m},), got {y.shape}.")
        return (self.matrices.T @ y).reshape(self.shape)

    __call__ = forward

    def __repr__(self) -> str:
        return f"<GaussianSensingOperator m={self.m} shape={self.shape}>"


class MatrixSensingInstance(NamedTuple):
    """A matrix sensing instance (see :func:`matrix_sensing`)."""

    operator: GaussianSensingOperator
    y: np.ndarray
    M_star: np.ndarray


def matrix_sensing(
    n1: int,
    n2: int,
    r: int,
    kappa: float = 1.0,
    m: int | None = None,
    seed=None,
    symmetric: bool = False,
    *,
    noise: float = 0.0,
    spacing: str = "linear",
) -> MatrixSensingInstance:
    r"""Matrix sensing instance with a Gaussian measurement operator.

    .. math:: y_i = \langle A_i, M^\star \rangle + \text{noise}\cdot
       \varepsilon_i, \qquad i = 1, \ldots, m,

    with i.i.d. :math:`N(0, 1/m)` entries in each :math:`A_i` (so that
    :math:`\mathbb E\,\|\mathcal A(X)\|^2 = \|X\|_F^2`). With
    ``symmetric=True`` (``n1 == n2``), :math:`M^\star` is PSD and each
    :math:`A_i = (G_i + G_i^T)/\sqrt{2m}` is symmetric.

    Parameters
    ----------
    n1, n2, r, kappa
        As in :func:`low_rank_matrix`.
    m : int, optional
        Number of measurements; default ``5 * r * (n1 + n2)``.
    seed : None, int, SeedSequence or Generator
    symmetric : bool, default False
    noise : float, default 0
        Standard deviation of additive Gaussian noise (>= 0).
    spacing : {"linear", "log"}

    Returns
    -------
    MatrixSensingInstance
        Named tuple ``(operator, y, M_star)``; ``operator.forward(X)``,
        ``operator.adjoint(y)`` and ``operator.matrices`` (m, n1 * n2).

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems.synthetic import matrix_sensing
    >>> op, y, M_star = matrix_sensing(10, 8, 2, kappa=2.0, m=200, seed=0)
    >>> np.allclose(op.forward(M_star), y)
    True
    """
    n1, n2, r, kappa = _low_rank_args(n1, n2, r, kappa)
    if symmetric and n1 != n2:
        raise ValueError(f"`symmetric=True` needs n1 == n2, got n1={n1}, n2={n2}.")
    m = 5 * r * (n1 + n2) if m is None else _int_arg(m, "m")
    noise = _real_arg(noise, "noise")
    if noise < 0 or math.isinf(noise):
        raise ValueError(f"`noise` must be finite and >= 0, got {noise}.")
    rng = _rng(seed)
    M, _, _, _ = low_rank_matrix(n1, n2, r, kappa, rng, spacing=spacing, symmetric=symmetric)
    G = rng.standard_normal((m, n1, n2))
    if symmetric:
        G = (G + np.transpose(G, (0, 2, 1))) / math.sqrt(2.0)
    op = GaussianSensingOperator(G.reshape(m, n1 * n2) / math.sqrt(m), (n1, n2))
    y = op.forward(M)
    if noise > 0:
        y = y + noise * rng.standard_normal(m)
    return MatrixSensingInstance(op, y, M)


# ---------------------------------------------------------------------------
# equality-constrained instances (methods of the "equality-constrained" family)
# ---------------------------------------------------------------------------
from .constrained import EqualityConstrainedProblem  # noqa: E402  (kept with its users)

__all__ += ["ConstrainedLogistic", "constrained_logistic", "PoissonControl",
            "poisson_control"]


class ConstrainedLogistic(EqualityConstrainedProblem):
    r"""Logistic regression under linear equality constraints.

    .. math:: \min_x \frac1N \sum_{i=1}^N \log(1 + e^{-y_i a_i^T x})
              + \frac{\text{reg}}{2}\|x\|^2 \quad \text{s.t.} \quad Cx = d,

    the constrained-logistic experiment of Hong, Na, Mahoney and Kolar
    (ICML 2023) with random constraints. Made by :func:`constrained_logistic`.
    Oracles: ``fun, grad, fun_and_grad, hess`` (dense d x d), ``hessp``,
    ``cons, jac, cons_and_jac`` (``jac`` is the dense m x d matrix C);
    ``linear = True``.
    """

    linear = True

    def __init__(self, X, y, C, d, reg=0.0, name="constrained-logistic"):
        super().__init__(x0=np.zeros(X.shape[1]), name=name)
        self.X = X
        self.y = np.asarray(y, dtype=float)
        self.C = np.asarray(C, dtype=float)
        self.d = np.asarray(d, dtype=float)
        self.reg = float(reg)
        self.N = X.shape[0]

    def _margins(self, x):
        return self.y * np.asarray(self.X @ x).ravel()

    def fun(self, x):
        z = self._margins(x)
        return float(np.mean(np.logaddexp(0.0, -z)) + 0.5 * self.reg * (x @ x))

    def grad(self, x):
        z = self._margins(x)
        w = -self.y * _sigmoid(-z) / self.N
        return np.asarray(self.X.T @ w).ravel() + self.reg * x

    def fun_and_grad(self, x):
        z = self._margins(x)
        f = float(np.mean(np.logaddexp(0.0, -z)) + 0.5 * self.reg * (x @ x))
        w = -self.y * _sigmoid(-z) / self.N
        return f, np.asarray(self.X.T @ w).ravel() + self.reg * x

    def _weights(self, x):
        s = _sigmoid(self._margins(x))
        return s * (1.0 - s) / self.N

    def hess(self, x):
        w = self._weights(x)
        Xw = self.X.multiply(w[:, None]) if sp.issparse(self.X) else self.X * w[:, None]
        H = np.asarray((self.X.T @ Xw).toarray() if sp.issparse(Xw) else self.X.T @ Xw)
        return H + self.reg * np.eye(self.X.shape[1])

    def hessp(self, x, v):
        w = self._weights(x)
        return np.asarray(self.X.T @ (w * np.asarray(self.X @ v).ravel())).ravel() + self.reg * v

    def cons(self, x):
        return self.C @ x - self.d

    def jac(self, x):
        return self.C

    def cons_and_jac(self, x):
        return self.C @ x - self.d, self.C


def _sigmoid(t):
    return 0.5 * (1.0 + np.tanh(0.5 * t))


def constrained_logistic(X, y, n_constraints: int = 10, *, reg: float = 0.0, seed=None):
    """Logistic regression on ``(X, y)`` under random linear equalities ``C x = d``.

    Returns a :class:`ConstrainedLogistic` with ``n_constraints`` rows.

    ``C`` has i.i.d. N(0, 1) entries and ``d = C z`` for ``z ~ N(0, I/d)``, so
    the constraints are consistent (full row rank almost surely when
    ``n_constraints <= d``).

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix, shape (N, d)
        Features (e.g. a LIBSVM set from :func:`optkit.problems.libsvm.load`).
    y : array_like, shape (N,)
        Labels in {-1, +1}.
    n_constraints : int
        Number m of equality constraints, ``1 <= m <= d``.
    reg : float
        Ridge weight (>= 0).
    seed : None, int, SeedSequence or Generator

    Returns
    -------
    ConstrainedLogistic

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems.synthetic import constrained_logistic
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 6)); y = np.sign(rng.standard_normal(50))
    >>> p = constrained_logistic(X, y, 2, seed=1)
    >>> p.C.shape, p.family
    ((2, 6), 'equality-constrained')
    """
    if not sp.issparse(X):
        X = np.asarray(X, dtype=float)
    if getattr(X, "ndim", 2) != 2:
        raise ValueError(f"`X` must be a 2-D array, got shape {X.shape}.")
    y = np.asarray(y, dtype=float).ravel()
    if y.size != X.shape[0]:
        raise ValueError(f"`y` has {y.size} entries; `X` has {X.shape[0]} rows.")
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError("`y` must hold labels in {-1, +1}.")
    dim = X.shape[1]
    m = _int_arg(n_constraints, "n_constraints")
    if m > dim:
        raise ValueError(f"`n_constraints` must be <= the number of features {dim}, got {m}.")
    reg = _real_arg(reg, "reg")
    if reg < 0:
        raise ValueError(f"`reg` must be >= 0, got {reg}.")
    rng = _rng(seed)
    C = rng.standard_normal((m, dim))
    d = C @ (rng.standard_normal(dim) / math.sqrt(dim))
    return ConstrainedLogistic(X, y, C, d, reg=reg)


class PoissonControl(EqualityConstrainedProblem):
    r"""Distributed control of the Poisson equation on the unit square.

    Unknowns: the state :math:`y` and the control :math:`u` on the
    :math:`N \times N` interior grid (:math:`h = 1/(N+1)`, :math:`n = 2N^2`,
    :math:`m = N^2`):

    .. math:: \min_{y,u} \frac{1}{2}\|y - y_d\|^2 + \frac{\alpha}{2}\|u\|^2
              \quad\text{s.t.}\quad A y - h^2 u = 0,

    :math:`A` the 5-point stencil of :math:`-h^2\Delta` with homogeneous
    Dirichlet conditions (the equation :math:`-\Delta y = u` multiplied by
    :math:`h^2`), :math:`y_d(s,t) = \sin(2\pi s)\sin(\pi t)` (the discrete
    :math:`L^2` objective divided by :math:`h^2`, which keeps the KKT matrix
    better scaled). A convex QP:
    one exact Newton step solves it. Made by :func:`poisson_control`.

    With ``matrix_free`` the problem gives only ``hessp`` and a
    :class:`~scipy.sparse.linalg.LinearOperator` Jacobian (methods then never
    form the KKT matrix); otherwise ``hess`` and ``jac`` are sparse CSR.
    """

    linear = True

    def __init__(self, N, alpha, matrix_free=False):
        super().__init__(name=f"poisson-control-{N}")
        self.N_grid = N
        self.alpha = float(alpha)
        self.h = 1.0 / (N + 1)
        t = np.arange(1, N + 1) * self.h
        S, T = np.meshgrid(t, t, indexing="ij")
        self.y_d = (np.sin(2 * np.pi * S) * np.sin(np.pi * T)).ravel()
        one = sp.identity(N, format="csr")
        tri = sp.diags([-np.ones(N - 1), 2 * np.ones(N), -np.ones(N - 1)], [-1, 0, 1],
                       format="csr")
        self.A = (sp.kron(tri, one) + sp.kron(one, tri)).tocsr()
        self.n_state = N * N
        h2 = self.h ** 2
        self._J = sp.hstack([self.A, -h2 * sp.identity(N * N)], format="csr")
        self._hdiag = np.concatenate([np.ones(N * N), np.full(N * N, self.alpha)])
        self.matrix_free = bool(matrix_free)
        self.x0 = np.zeros(2 * N * N)
        if self.matrix_free:
            self.hess = None           # only products: the matrix-free path
            J = self._J
            self._op = sp.linalg.aslinearoperator(J)

    def provides(self, oracle, _seen=frozenset()):
        if self.matrix_free and oracle in ("hess", "lagrangian_hess", "cons_hess"):
            return False
        return super().provides(oracle, _seen)

    def _split(self, x):
        k = self.n_state
        return x[:k], x[k:]

    def fun(self, x):
        y, u = self._split(x)
        e = y - self.y_d
        return float(0.5 * (e @ e + self.alpha * (u @ u)))

    def grad(self, x):
        y, u = self._split(x)
        return np.concatenate([y - self.y_d, self.alpha * u])

    def hess(self, x):
        return sp.diags(self._hdiag, format="csr")

    def hessp(self, x, v):
        return self._hdiag * np.asarray(v)

    def cons(self, x):
        return self._J @ x

    def jac(self, x):
        return self._op if self.matrix_free else self._J

    def kkt_matrix(self):
        """The KKT matrix ``[[H, J^T], [J, 0]]`` (sparse CSR; for reference solves)."""
        H = sp.diags(self._hdiag, format="csr")
        return sp.bmat([[H, self._J.T], [self._J, None]], format="csr")

    def kkt_rhs(self):
        """Right-hand side of the KKT system whose solution is the optimum."""
        q = np.concatenate([-self.y_d, np.zeros(self.n_state)])
        return np.concatenate([-q, np.zeros(self.n_state)])


def poisson_control(N: int = 32, *, alpha: float = 1e-2, matrix_free: bool = False):
    """The Poisson distributed-control problem on an ``N x N`` grid.

    A :class:`PoissonControl`; n = 2 N^2 unknowns, m = N^2 constraints.

    Parameters
    ----------
    N : int
        Interior grid points per side (>= 2).
    alpha : float
        Control cost (> 0).
    matrix_free : bool
        Give only Hessian-vector products and a LinearOperator Jacobian.

    Returns
    -------
    PoissonControl

    Examples
    --------
    >>> from optkit.problems.synthetic import poisson_control
    >>> p = poisson_control(8)
    >>> p.x0.size, p.cons(p.x0).size
    (128, 64)
    """
    N = _int_arg(N, "N", minimum=2)
    alpha = _positive(alpha, "alpha")
    return PoissonControl(N, alpha, matrix_free=matrix_free)
