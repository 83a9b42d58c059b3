r"""Exact augmented Lagrangian with randomized iterative sketching
(AdaSketch-Newton, ``exact-al-sketch``)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..._core.options import option
from ..._core.registry import register
from ._common import ALOptions, ExactALBase
from ._linear import SKETCHES

__all__ = ["ExactALSketch", "ExactALSketchOptions"]


@dataclasses.dataclass(frozen=True)
class ExactALSketchOptions(ALOptions):
    """Options of :class:`ExactALSketch` (``method="exact-al-sketch"``)."""

    sketch: str = option("block", "Sketch of the KKT system: 'kaczmarz' (one row, P(i) "
                         "~ ||K_i||^2), 'block' (row blocks of a random partition), "
                         "'gaussian' or 'count' (column sketches).", kind=str,
                         choices=SKETCHES)
    block_size: int = option(None, "Sketch size q (rows per block, columns of a Gaussian "
                             "or count sketch); None: 1 for Kaczmarz, ceil(sqrt(n + m)) "
                             "otherwise.", kind=int, low=1, allow_none=True)
    theta: float = option(0.5, "Accuracy constant: ||K Delta + grad L|| <= theta_k "
                          "||grad L|| with theta_k = theta * min(1, ||grad L||)^sharpen.",
                          low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    sharpen: float = option(0.5, "Exponent of the sharpening sequence theta_k (0: fixed "
                            "accuracy, linear local rate; > 0: superlinear).", low=0.0)
    max_sketch_epochs: int = option(500, "Cap on sketch steps per Newton system, in epochs "
                                    "of ceil((n + m) / q) steps; reaching it without the "
                                    "accuracy condition and without descent stops the run.",
                                    kind=int, low=1)
    seed: int = option(0, "Seed of the sketches (the generator state lives in the run "
                       "state).", kind=int, low=0)


@register
class ExactALSketch(ExactALBase):
    r"""AdaSketch-Newton: Newton-KKT steps by randomized sketching to an adaptive accuracy.

    The steps are globalized by the differentiable exact augmented Lagrangian.

    The KKT system :math:`K_k \Delta = b_k = -(\nabla_x L_k, c_k)` (as in
    ``exact-al``) is solved by sketch-and-project from
    :math:`\Delta^0 = 0`,

    .. math::
        \Delta^{j+1} = \Delta^j - K_k S_j (S_j^T K_k^2 S_j)^{\dagger}
        S_j^T (K_k \Delta^j - b_k),

    with :math:`S_j` a random row of the identity (randomized Kaczmarz,
    rows drawn with probability :math:`\propto \|K_{i:}\|^2`), a block of
    rows of a random partition (block Kaczmarz), a Gaussian matrix or a
    count sketch (:math:`q` columns), until the adaptive accuracy condition

    .. math::
        \|K_k\Delta^j - b_k\| \le \theta_k \|\nabla L_k\|, \qquad
        \theta_k = \theta \min(1, \|\nabla L_k\|)^{\sigma}

    (the sharpening sequence :math:`\theta_k \to 0` for :math:`\sigma > 0`).
    If the direction fails the descent test of the merit
    :math:`\mathcal L_{\mu,\nu} = L + \frac{\mu}{2}\|c\|^2 +
    \frac{\nu}{2}\|\nabla_x L\|^2`,
    :math:`\nabla\mathcal L_{\mu,\nu}^T\Delta \le -\eta\|\nabla L_k\|\|\Delta\|`,
    for every admissible :math:`\mu \le \mu_{\max}`, the accuracy is tightened
    (:math:`\theta_k \leftarrow \theta_k/10`, sketching continues from the
    current :math:`\Delta`), and if the sketch steps reach their cap, the
    Hessian block is regularized as in ``exact-al``. The step size comes from
    the Armijo search on :math:`\mathcal L_{\mu,\nu}`.

    Notes
    -----
    A Kaczmarz step costs O(nnz of one row of K) (Numba kernel,
    :mod:`optkit.kernels.sketch`); a block step O(q nnz(K_B) + q^3); a
    Gaussian step O(q nnz(K) + (n+m) q^2). Kaczmarz and block sketches check
    the residual once per epoch (one product with K). On the matrix-free
    path (Hessian-vector and Jacobian-vector products only) rows and
    sketches are applied through products; K is never formed. The counts
    ``nsketch`` (sketch steps) and the flop estimate ``flops`` are in the
    result. The seed of the sketches is an option; the generator state is
    part of the run state.

    References
    ----------
    I. Hong, S. Na, M. W. Mahoney, M. Kolar, "Constrained Optimization via
    Exact Augmented Lagrangian and Randomized Iterative Sketching", ICML 2023,
    arXiv:2305.18379.
    S. Na, M. Anitescu, M. Kolar, "An adaptive stochastic sequential
    quadratic programming with differentiable exact augmented Lagrangians",
    Math. Program. 199, 2023.
    R. M. Gower, P. Richtarik, "Randomized iterative methods for linear
    systems", SIAM J. Matrix Anal. Appl. 36(4), 2015.
    T. Strohmer, R. Vershynin, "A randomized Kaczmarz algorithm with
    exponential convergence", J. Fourier Anal. Appl. 15, 2009.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from scipy.optimize import LinearConstraint
    >>> res = optkit.minimize(lambda x: x @ x, np.zeros(3), jac=lambda x: 2 * x,
    ...                       hess=lambda x: 2 * np.eye(3),
    ...                       constraints=LinearConstraint(np.ones((1, 3)), 1, 1),
    ...                       method="exact-al-sketch")
    >>> res.success, np.allclose(res.x, 1 / 3, atol=1e-8)
    (True, True)
    """

    name = "exact-al-sketch"
    aliases = ("adasketch-newton",)
    summary = ("Exact augmented Lagrangian line search on Newton-KKT steps solved by "
               "randomized sketching to an adaptive accuracy")
    reference = "Hong, Na, Mahoney, Kolar (ICML 2023), arXiv:2305.18379"
    Options = ExactALSketchOptions
    inexact = True

    def initial_rng_state(self):
        return np.random.default_rng(self.options.seed).bit_generator.state

    def make_rng(self, state):
        rng = np.random.default_rng(0)
        rng.bit_generator.state = state.rng_state
        return rng

    def accuracy(self, state):
        o = self.options
        return o.theta * min(1.0, state.kkt) ** o.sharpen

    def _q(self, N):
        q = self.options.block_size
        if q is None:
            q = 1 if self.options.sketch == "kaczmarz" else math.ceil(math.sqrt(N))
        return max(1, min(int(q), N))

    def newton_solve(self, system, b, tol_abs, start, rng):
        N = system.N
        q = self._q(N)
        cap = self.options.max_sketch_epochs * math.ceil(N / q)
        return self.oracle.sketch_solve(system, b, tol_abs, start, rng,
                                        kind=self.options.sketch, q=q, cap=cap)
