r"""Ready bilevel problems on data: data hyper-cleaning and L2-hyperparameter
optimization of logistic regression.

* :class:`HyperCleaning` -- the lower level trains a multinomial logistic
  (softmax) classifier ``W`` on a training set whose labels are partly
  corrupted, each example weighted by :math:`\sigma(x_i)`; the upper level is
  the loss of ``W`` on a small *clean* validation set. Learning ``x`` down-
  weights the corrupted examples (Franceschi et al. 2017; the experiment of
  F2SA, Kwon et al. 2023). Builders: :func:`hyper_cleaning_digits`
  (scikit-learn's bundled digits) and :func:`hyper_cleaning_libsvm`.
* :class:`L2HyperOpt` -- the lower level is ridge-regularized logistic
  regression with weights :math:`e^{x}` (one, or one per feature); the upper
  level is the validation loss. Builder: :func:`l2_hyperopt_libsvm`.

Both are finite sums with samplers (``"upper"``: validation examples,
``"lower"``: training examples), so every bilevel method runs deterministic or
stochastic (``batch_size``). Data may be dense or scipy.sparse.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from ._data import check_matrix
from .bilevel import BilevelProblem

__all__ = ["HyperCleaning", "hyper_cleaning_digits", "hyper_cleaning_libsvm", "corrupt_labels",
           "L2HyperOpt", "l2_hyperopt_libsvm"]


def _sigmoid(t):
    return 0.5 * (1.0 + np.tanh(0.5 * t))      # no overflow warnings for large |t|


def _with_intercept(X):
    ones = np.ones((X.shape[0], 1))
    return sp.hstack([X, ones], format="csr") if sp.issparse(X) else np.hstack([X, ones])


def _sq_norm_bound(X):
    """lambda_max(X^T X) (exactly for small widths, by a few power steps otherwise)."""
    if X.shape[1] <= 600:
        G = X.T @ X
        G = G.toarray() if sp.issparse(G) else G
        return float(np.linalg.eigvalsh(G)[-1])
    from scipy.sparse.linalg import svds
    return float(svds(X, k=1, return_singular_vectors=False)[0] ** 2) * (1 + 1e-6)


def corrupt_labels(y, fraction, n_classes, seed=0):
    """Replace a ``fraction`` of the labels by a uniformly drawn *different* class.

    Parameters
    ----------
    y : ndarray of int, labels 0..n_classes-1
    fraction : float in [0, 1)
    n_classes : int
    seed : int

    Returns
    -------
    noisy : ndarray of int
    corrupted : ndarray of bool
        Which examples were corrupted (their label is now wrong).
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"`fraction` (the corruption rate) must be in [0, 1); got {fraction!r}.")
    rng = np.random.default_rng(seed)
    y = np.asarray(y).astype(int)
    corrupted = np.zeros(y.size, dtype=bool)
    corrupted[rng.choice(y.size, size=int(round(fraction * y.size)), replace=False)] = True
    noisy = y.copy()
    shift = rng.integers(1, n_classes, size=int(corrupted.sum()))
    noisy[corrupted] = (y[corrupted] + shift) % n_classes
    return noisy, corrupted


class HyperCleaning(BilevelProblem):
    r"""Data hyper-cleaning with a multinomial logistic classifier.

    .. math::

        g(x, W) &= \frac1n\sum_{i=1}^n \sigma(x_i)\,\ell(W; a_i, \tilde b_i)
                 + \frac\mu2\|W\|^2, \qquad
        f(x, W) = \frac1{m}\sum_{j=1}^{m} \ell(W; a'_j, b'_j),

    :math:`\ell` the softmax cross-entropy, :math:`\tilde b` the noisy
    training labels, :math:`(a', b')` the clean validation set. ``x`` has one
    entry per training example, ``y = W.ravel()`` (``W`` of shape
    (n_features [+ 1 intercept], n_classes)).

    Parameters
    ----------
    X_train, labels_train : training data and (noisy) labels 0..K-1
    X_val, labels_val : clean validation data and labels
    mu : float, default 1e-3
        Ridge weight of the lower level (makes it mu-strongly convex).
    n_classes : int, optional
        Default: 1 + the largest label.
    fit_intercept : bool, default True
    corrupted : ndarray of bool, optional
        Which training labels are corrupted (for :meth:`cleaning_scores`).
    X_test, labels_test : optional test set (for :meth:`accuracy`).
    name : str, optional

    Notes
    -----
    The entries of :math:`\nabla F` are :math:`O(1/n)`: x steps of order
    ``n / 10`` are typical, and the methods' default ``tol`` (on the norm of
    the hypergradient estimate) can be met early; run with ``tol=1e-300``
    and ``maxiter`` / ``maxtime``. The exact hypergradient
    (:meth:`~optkit.problems.bilevel.BilevelProblem.exact_hypergradient`, a
    lower solve and a dense solve in ``dim_y``) is available but not the
    certificate (``certificate="exact"`` makes it one).
    """

    _overridden = ("upper", "lower", "upper_grad", "lower_grad", "lower_hvp", "lower_cross",
                   "lower_solve")

    def __init__(self, X_train, labels_train, X_val, labels_val, *, mu=1e-3, n_classes=None,
                 fit_intercept=True, corrupted=None, X_test=None, labels_test=None, name=None):
        Xt = check_matrix(X_train, "X_train")
        Xv = check_matrix(X_val, "X_val")
        if Xv.shape[1] != Xt.shape[1]:
            raise ValueError(f"Shape mismatch: `X_val` has {Xv.shape[1]} features, `X_train` "
                             f"{Xt.shape[1]}.")
        bt = self._labels(labels_train, "labels_train", Xt.shape[0])
        bv = self._labels(labels_val, "labels_val", Xv.shape[0])
        K = int(max(bt.max(), bv.max()) + 1) if n_classes is None else int(n_classes)
        if K < 2 or bt.max() >= K or bv.max() >= K:
            raise ValueError(f"`n_classes` must be >= 2 and exceed every label; got {K}.")
        if isinstance(mu, bool) or not isinstance(mu, numbers.Real) or not mu > 0:
            raise ValueError(f"`mu` must be a positive number (the lower level's ridge); "
                             f"got {mu!r}.")
        self.fit_intercept = bool(fit_intercept)
        if self.fit_intercept:
            Xt, Xv = _with_intercept(Xt), _with_intercept(Xv)
        self.Xt, self.Xv, self.bt, self.bv = Xt, Xv, bt, bv
        self.K, self.mu = K, float(mu)
        self.n, self.m = Xt.shape[0], Xv.shape[0]
        self.p = Xt.shape[1]
        self.Yt = np.eye(K)[bt]
        self.Yv = np.eye(K)[bv]
        lower_L = 0.5 * _sq_norm_bound(Xt) / self.n + self.mu
        upper_L = 0.5 * _sq_norm_bound(Xv) / self.m
        super().__init__(dim_x=self.n, dim_y=self.p * K, lower_mu=self.mu, lower_L=lower_L,
                         upper_L=upper_L, samplers={"upper": self.m, "lower": self.n},
                         name=name or "hyper-cleaning")
        self.corrupted = None if corrupted is None else np.asarray(corrupted, dtype=bool)
        if self.corrupted is not None and self.corrupted.shape != (self.n,):
            raise ValueError(f"`corrupted` must have one entry per training example "
                             f"({self.n}); got shape {self.corrupted.shape}.")
        self.X_test, self.labels_test = None, None
        if X_test is not None:
            Xs = check_matrix(X_test, "X_test")
            self.X_test = _with_intercept(Xs) if self.fit_intercept else Xs
            self.labels_test = self._labels(labels_test, "labels_test", Xs.shape[0])

    @staticmethod
    def _labels(b, name, n):
        b = np.asarray(b)
        if b.shape != (n,):
            raise ValueError(f"Shape mismatch: `{name}` must have one label per row ({n}); "
                             f"got shape {b.shape}.")
        if not np.all(np.equal(np.mod(b, 1), 0)) or b.min() < 0:
            raise ValueError(f"`{name}` must hold integer class labels 0..K-1.")
        return b.astype(int)

    # -- pieces ----------------------------------------------------------------------
    def _W(self, y):
        return np.asarray(y, dtype=float).reshape(self.p, self.K)

    @staticmethod
    def _softmax_parts(X, W, Y):
        Z = X @ W
        zmax = Z.max(axis=1, keepdims=True)
        E = np.exp(Z - zmax)
        S = E.sum(axis=1, keepdims=True)
        P = E / S
        ce = (np.log(S) + zmax).ravel() - (Z * Y).sum(axis=1)
        return P, ce

    def _train(self, idx):
        if idx is None:
            return self.Xt, self.Yt, None
        return self.Xt[idx], self.Yt[idx], idx

    def _val(self, idx):
        if idx is None:
            return self.Xv, self.Yv
        return self.Xv[idx], self.Yv[idx]

    # -- oracles ---------------------------------------------------------------------------
    def upper(self, x, y, idx=None):
        X, Y = self._val(idx)
        _, ce = self._softmax_parts(X, self._W(y), Y)
        return float(ce.mean())

    def upper_grad(self, x, y, idx=None):
        X, Y = self._val(idx)
        P, _ = self._softmax_parts(X, self._W(y), Y)
        gW = X.T @ (P - Y) / X.shape[0]
        return np.zeros(self.n), np.asarray(gW).ravel()

    def lower(self, x, y, idx=None):
        X, Y, rows = self._train(idx)
        W = self._W(y)
        _, ce = self._softmax_parts(X, W, Y)
        s = _sigmoid(x if rows is None else x[rows])
        return float((s * ce).mean() + 0.5 * self.mu * (W * W).sum())

    def lower_grad(self, x, y, idx=None):
        X, Y, rows = self._train(idx)
        W = self._W(y)
        P, ce = self._softmax_parts(X, W, Y)
        xs = x if rows is None else x[rows]
        s = _sigmoid(xs)
        b = X.shape[0]
        gW = X.T @ (s[:, None] * (P - Y)) / b + self.mu * W
        gx = np.zeros(self.n)
        vals = s * (1.0 - s) * ce / b
        if rows is None:
            gx = vals
        else:
            np.add.at(gx, rows, vals)
        return gx, np.asarray(gW).ravel()

    def lower_hvp(self, x, y, v, idx=None):
        X, Y, rows = self._train(idx)
        W, V = self._W(y), self._W(v)
        P, _ = self._softmax_parts(X, W, Y)
        s = _sigmoid(x if rows is None else x[rows])
        U = X @ V
        R = P * U - P * (P * U).sum(axis=1, keepdims=True)
        out = X.T @ (s[:, None] * R) / X.shape[0] + self.mu * V
        return np.asarray(out).ravel()

    def lower_cross(self, x, y, v, idx=None):
        X, Y, rows = self._train(idx)
        W, V = self._W(y), self._W(v)
        P, _ = self._softmax_parts(X, W, Y)
        xs = x if rows is None else x[rows]
        s = _sigmoid(xs)
        vals = s * (1.0 - s) * ((P - Y) * (X @ V)).sum(axis=1) / X.shape[0]
        if rows is None:
            return vals
        out = np.zeros(self.n)
        np.add.at(out, rows, vals)
        return out

    def lower_solve(self, x, y0=None, gtol=1e-8, polish=True):
        """The lower solution W*(x) (flattened): L-BFGS to ``gtol``, then (``polish``)
        Newton steps."""
        from scipy.optimize import minimize

        def fg(w):
            return self.lower(x, w), self.lower_grad(x, w)[1]

        w0 = np.zeros(self.dim_y) if y0 is None else y0
        res = minimize(fg, w0, jac=True, method="L-BFGS-B",
                       options={"gtol": gtol, "ftol": 0.0, "maxiter": 20000, "maxcor": 30})
        return self.newton_polish(x, res.x) if polish else res.x

    # -- evaluation ---------------------------------------------------------------------
    def weights(self, x):
        """The example weights sigma(x)."""
        return _sigmoid(np.asarray(x, dtype=float))

    def accuracy(self, y, which="test"):
        """Classification accuracy of ``W = y`` on the test ("test") or validation set."""
        if which == "test":
            if self.X_test is None:
                raise ValueError("this problem has no test set (pass X_test, labels_test).")
            X, b = self.X_test, self.labels_test
        else:
            X, b = self.Xv, self.bv
        return float(np.mean(np.argmax(X @ self._W(y), axis=1) == b))

    def test_loss(self, y):
        """Cross-entropy of ``W = y`` on the test set."""
        if self.X_test is None:
            raise ValueError("this problem has no test set (pass X_test, labels_test).")
        Y = np.eye(self.K)[self.labels_test]
        return float(self._softmax_parts(self.X_test, self._W(y), Y)[1].mean())

    def cleaning_scores(self, x, threshold=0.5):
        """``(precision, recall)`` of flagging example i as corrupted when
        sigma(x_i) < threshold, against the known corrupted set."""
        if self.corrupted is None:
            raise ValueError("this problem does not know which labels are corrupted.")
        flagged = self.weights(x) < threshold
        hit = np.sum(flagged & self.corrupted)
        precision = float(hit / flagged.sum()) if flagged.any() else 0.0
        recall = float(hit / self.corrupted.sum()) if self.corrupted.any() else 1.0
        return precision, recall


def _split(n, sizes, seed):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    out, start = [], 0
    for s in sizes:
        out.append(perm[start:start + s])
        start += s
    out.append(perm[start:])
    return out


def hyper_cleaning_digits(corruption=0.3, *, n_train=800, n_val=300, mu=1e-3, seed=0):
    """Hyper-cleaning on scikit-learn's bundled digits (8x8 images, 10 classes).

    Pixels are scaled to [0, 1]; the examples are split at random into
    ``n_train`` training (labels corrupted at rate ``corruption``, see
    :func:`corrupt_labels`), ``n_val`` clean validation and the rest test.

    Parameters
    ----------
    corruption : float, default 0.3
    n_train, n_val : int
    mu : float, default 1e-3
    seed : int, default 0

    Returns
    -------
    HyperCleaning
    """
    from sklearn.datasets import load_digits

    X, b = load_digits(return_X_y=True)
    X = X / 16.0
    tr, va, te = _split(X.shape[0], (n_train, n_val), seed)
    noisy, corrupted = corrupt_labels(b[tr], corruption, 10, seed=seed + 1)
    return HyperCleaning(X[tr], noisy, X[va], b[va], mu=mu, n_classes=10, corrupted=corrupted,
                         X_test=X[te], labels_test=b[te],
                         name=f"hyper-cleaning digits p={corruption:g}")


def hyper_cleaning_libsvm(name="mushrooms", corruption=0.3, *, n_train=2000, n_val=500,
                          n_test=2000, mu=1e-3, seed=0, data_dir=None):
    """Hyper-cleaning on a LIBSVM binary set (labels -1/+1 become classes 0/1).

    Parameters
    ----------
    name : str, default "mushrooms"
        A set of :func:`optkit.problems.libsvm.load`.
    corruption : float
    n_train, n_val, n_test : int
        Sizes of the random splits (capped by the set's size).
    mu : float
    seed : int
    data_dir : path, optional
        Passed to the loader (default: ``$OPTKIT_DATA_DIR``).

    Returns
    -------
    HyperCleaning
    """
    from . import libsvm

    X, b = libsvm.load(name, data_dir=data_dir)
    b = (b > 0).astype(int)
    n = X.shape[0]
    n_train = min(n_train, n // 2)
    n_val = min(n_val, (n - n_train) // 2)
    tr, va, te = _split(n, (n_train, n_val), seed)
    te = te[:n_test]
    noisy, corrupted = corrupt_labels(b[tr], corruption, 2, seed=seed + 1)
    return HyperCleaning(X[tr], noisy, X[va], b[va], mu=mu, n_classes=2, corrupted=corrupted,
                         X_test=X[te], labels_test=b[te],
                         name=f"hyper-cleaning {name} p={corruption:g}")


# ---------------------------------------------------------------------------------------
def _log1pexp(t):
    return np.logaddexp(0.0, t)


class L2HyperOpt(BilevelProblem):
    r"""L2-hyperparameter optimization of binary logistic regression.

    .. math::

        g(x, w) = \frac1n\sum_{i} \log(1 + e^{-b_i a_i^\top w})
                  + \frac12\sum_j e^{x_j} w_j^2, \qquad
        f(x, w) = \frac1m\sum_{j} \log(1 + e^{-b'_j a'^\top_j w}),

    with one regularization weight :math:`e^{x}` for all features
    (``per_feature=False``, ``dim_x = 1``) or one per feature. scikit-learn's
    ``LogisticRegression(C=...)`` (no intercept) minimizes the same lower
    objective for :math:`e^{x} = 1/(C n)`.

    Parameters
    ----------
    X_train, b_train : training data, labels in {-1, +1} (or {0, 1})
    X_val, b_val : validation data and labels
    per_feature : bool, default False
    log_reg_max : float, default 2.0
        The default step sizes use ``lower_L`` computed for
        :math:`x \le` ``log_reg_max``.
    name : str, optional
    """

    _overridden = ("upper", "lower", "upper_grad", "lower_grad", "lower_hvp", "lower_cross",
                   "lower_solve")

    def __init__(self, X_train, b_train, X_val, b_val, *, per_feature=False, log_reg_max=2.0,
                 name=None):
        At = check_matrix(X_train, "X_train")
        Av = check_matrix(X_val, "X_val")
        if Av.shape[1] != At.shape[1]:
            raise ValueError(f"Shape mismatch: `X_val` has {Av.shape[1]} features, `X_train` "
                             f"{At.shape[1]}.")
        self.At, self.Av = At, Av
        self.bt = self._pm(b_train, "b_train", At.shape[0])
        self.bv = self._pm(b_val, "b_val", Av.shape[0])
        self.n, self.m = At.shape[0], Av.shape[0]
        d = At.shape[1]
        self.per_feature = bool(per_feature)
        lower_L = 0.25 * _sq_norm_bound(At) / self.n + float(np.exp(log_reg_max))
        upper_L = 0.25 * _sq_norm_bound(Av) / self.m
        super().__init__(dim_x=d if self.per_feature else 1, dim_y=d, lower_mu=None,
                         lower_L=lower_L, upper_L=upper_L,
                         samplers={"upper": self.m, "lower": self.n},
                         name=name or "l2-hyperopt")

    @staticmethod
    def _pm(b, name, n):
        b = np.asarray(b, dtype=float)
        if b.shape != (n,):
            raise ValueError(f"Shape mismatch: `{name}` must have one label per row ({n}); "
                             f"got shape {b.shape}.")
        vals = set(np.unique(b).tolist())
        if vals <= {0.0, 1.0}:
            b = 2 * b - 1
        elif not vals <= {-1.0, 1.0}:
            raise ValueError(f"`{name}` must hold labels in {{-1, +1}} or {{0, 1}}.")
        return b

    def _reg(self, x):
        return np.exp(x) if self.per_feature else np.full(self.dim_y, np.exp(x[0]))

    def _rows(self, A, b, idx):
        return (A, b) if idx is None else (A[idx], b[idx])

    @staticmethod
    def _loss_parts(A, b, w):
        t = b * (A @ w)
        return _log1pexp(-t), _sigmoid(-t)          # loss, -dloss/dt

    def upper(self, x, y, idx=None):
        A, b = self._rows(self.Av, self.bv, idx)
        return float(self._loss_parts(A, b, y)[0].mean())

    def upper_grad(self, x, y, idx=None):
        A, b = self._rows(self.Av, self.bv, idx)
        _, s = self._loss_parts(A, b, y)
        return np.zeros(self.dim_x), np.asarray(A.T @ (-b * s)).ravel() / A.shape[0]

    def lower(self, x, y, idx=None):
        A, b = self._rows(self.At, self.bt, idx)
        return float(self._loss_parts(A, b, y)[0].mean() + 0.5 * (self._reg(x) * y * y).sum())

    def lower_grad(self, x, y, idx=None):
        A, b = self._rows(self.At, self.bt, idx)
        _, s = self._loss_parts(A, b, y)
        r = self._reg(x)
        gw = np.asarray(A.T @ (-b * s)).ravel() / A.shape[0] + r * y
        gx = 0.5 * r * y * y
        return (gx if self.per_feature else np.array([gx.sum()])), gw

    def lower_hvp(self, x, y, v, idx=None):
        A, b = self._rows(self.At, self.bt, idx)
        _, s = self._loss_parts(A, b, y)
        D = s * (1.0 - s)
        return np.asarray(A.T @ (D * (A @ v))).ravel() / A.shape[0] + self._reg(x) * v

    def lower_cross(self, x, y, v, idx=None):
        c = self._reg(x) * y * v
        return c if self.per_feature else np.array([c.sum()])

    def lower_solve(self, x, y0=None, gtol=1e-8, polish=True):
        """The lower solution w*(x): L-BFGS to ``gtol``, then (``polish``) Newton steps."""
        from scipy.optimize import minimize

        res = minimize(lambda w: (self.lower(x, w), self.lower_grad(x, w)[1]),
                       np.zeros(self.dim_y) if y0 is None else y0, jac=True,
                       method="L-BFGS-B",
                       options={"gtol": gtol, "ftol": 0.0, "maxiter": 20000, "maxcor": 30})
        return self.newton_polish(x, res.x) if polish else res.x

    def accuracy(self, y, X, b):
        """Accuracy of ``sign(X w)`` against labels ``b`` (+-1 or 0/1)."""
        b = self._pm(b, "b", X.shape[0])
        return float(np.mean(np.sign(X @ y) == b))


def l2_hyperopt_libsvm(name="a1a", *, per_feature=False, n_train=None, val_fraction=0.3,
                       seed=0, data_dir=None):
    """:class:`L2HyperOpt` on a LIBSVM binary set, split at random into train and
    validation (``val_fraction``).

    Parameters
    ----------
    name : str, default "a1a"
    per_feature : bool, default False
    n_train : int, optional
        Cap on the training examples (None: all but the validation part).
    val_fraction : float, default 0.3
    seed : int
    data_dir : path, optional

    Returns
    -------
    L2HyperOpt
    """
    from . import libsvm

    X, b = libsvm.load(name, data_dir=data_dir)
    n = X.shape[0]
    n_val = int(round(val_fraction * n))
    va, tr = _split(n, (n_val,), seed)
    if n_train is not None:
        tr = tr[:n_train]
    return L2HyperOpt(X[tr], b[tr], X[va], b[va], per_feature=per_feature,
                      name=f"l2-hyperopt {name}")
