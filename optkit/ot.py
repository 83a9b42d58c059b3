r"""POT-compatible front door of the optimal-transport family.

``optkit.ot.sinkhorn`` and ``optkit.ot.sinkhorn2`` take POT's positional
arguments and return what POT's ``ot.sinkhorn`` / ``ot.sinkhorn2`` return
(the plan or the cost, and with ``log=True`` a log dict), and accept POT's
keyword names ``numItermax`` and ``stopThr``, so replacing ``ot.sinkhorn``
by ``optkit.ot.sinkhorn`` in a script just works. Underneath is the same
solver as ``optkit.minimize(OTProblem(a, b, M, reg), method=...)``.

Differences from POT, on purpose:

* the log has the same keys for every method: ``niter``, ``err``,
  ``log_u``, ``log_v``, ``u``, ``v``, ``status``, ``message``, ``result``
  (the full :class:`~optkit.OptimizeResult`);
* the stopping test is the marginal violation
  :math:`\|P\mathbf 1 - a\|_1 + \|P^T\mathbf 1 - b\|_1 \le` ``tol`` (POT
  uses the 2-norm of the column marginal error only);
* ``a`` and ``b`` of different total mass are an error unless
  ``normalize=True`` is passed;
* a single target histogram ``b`` (POT also accepts several columns).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ._core.registry import get_solver
from .minimize import minimize
from .problems.ot import OTProblem

__all__ = ["sinkhorn", "sinkhorn2", "auto_method"]

_POT_NAMES = {"sinkhorn_knopp": "sinkhorn", "sinkhorn_stabilized": "sinkhorn-log",
              "sinkhorn_epsilon_scaling": "sinkhorn-eps-scaling"}


def auto_method(reg, M, tol=1e-9) -> str:
    r"""The method ``method="auto"`` picks for ``(reg, M, tol)``.

    The rule (``r = max(M) / reg``, ``n = number of entries of M``):

    * ``r <= 200`` (the Gibbs kernel :math:`e^{-M/\varepsilon}` has no
      underflowing entry beyond ``e^{-200}``, u and v stay in range):
      ``"sinkhorn"``, the scaling form (two BLAS mat-vecs per iteration,
      no exponential) — fastest when it is safe;
    * otherwise, when ``tol < 1e-6`` (high accuracy, where Sinkhorn's linear
      rate, which degrades with r, costs thousands of sweeps): ``"sns"``
      (Sinkhorn-Newton-Sparse);
    * otherwise ``"sinkhorn-log"``.

    Parameters
    ----------
    reg : float
        Entropic regularization.
    M : ndarray
        Cost matrix.
    tol : float
        Required marginal violation.

    Returns
    -------
    str
        A method name.
    """
    ratio = float(np.max(M)) / float(reg)
    if ratio <= 200.0:
        return "sinkhorn"
    if tol < 1e-6:
        return "sns"
    return "sinkhorn-log"


def _solve(a, b, M, reg, method, maxiter, tol, verbose, log, warn, warmstart, device,
           kwargs, caller):
    if "numItermax" in kwargs:
        maxiter = kwargs.pop("numItermax")
    if "stopThr" in kwargs:
        tol = kwargs.pop("stopThr")
    normalize = kwargs.pop("normalize", False)
    b_arr = np.asarray(b, dtype=float)
    if b_arr.ndim == 2 and b_arr.shape[1] > 1:
        raise ValueError(
            f"`b` has shape {b_arr.shape}: optkit.ot.{caller} takes a single target "
            "histogram (POT's several-target form is not supported); loop over columns.")
    problem = OTProblem(a, b, M, reg, normalize=normalize)
    if not isinstance(method, str):
        raise TypeError(f"`method` must be a string, got {type(method).__name__}.")
    name = _POT_NAMES.get(method.lower(), method)
    if name == "auto":
        name = auto_method(problem.reg, problem.M, tol)
    solver = get_solver(name)
    if solver.family != "ot":
        raise ValueError(f"`method` {method!r} is not an optimal-transport method; "
                         f"choose one of {', '.join(_ot_methods())}.")
    if isinstance(maxiter, bool) or not isinstance(maxiter, numbers.Integral) or maxiter < 0:
        raise ValueError(f"`maxiter` (numItermax) must be a nonnegative integer, got {maxiter!r}.")
    x0 = None
    if warmstart is not None:
        try:
            log_u, log_v = warmstart
        except (TypeError, ValueError):
            raise ValueError("`warmstart` must be a pair (log_u, log_v) of dual potentials "
                             "(logarithms of the scalings u, v), as POT takes.") from None
        f, g = problem.support_potentials(np.asarray(log_u, dtype=float) * problem.reg,
                                          np.asarray(log_v, dtype=float) * problem.reg)
        n, m = problem.shape_support
        if f.shape != (n,) or g.shape != (m,):
            raise ValueError(f"`warmstart` potentials must have shapes ({problem.shape[0]},) "
                             f"and ({problem.shape[1]},); got {np.shape(log_u)} and "
                             f"{np.shape(log_v)}.")
        if not (np.all(np.isfinite(f)) and np.all(np.isfinite(g))):
            raise ValueError("`warmstart` potentials must be finite on the support of a, b.")
        x0 = (f, g)
    options = {"maxiter": int(maxiter), "device": device, **kwargs}
    res = minimize(problem, x0, solver.name, tol=tol, options=options)
    if verbose:
        err = res.trace["certificate"]
        nit = res.trace["nit"]
        print(f"{'It.':>5s}|{'Err':>12s}\n" + "-" * 19)
        for k, e in zip(nit, err):
            print(f"{int(k):5d}|{e:8e}|")
    if warn and res.status != 0:
        warnings.warn(f"optkit.ot.{caller} ({solver.name}) did not converge: {res.message}",
                      UserWarning, stacklevel=3)
    return problem, res


def _ot_methods():
    from ._core.registry import methods

    return methods("ot")


def _log(problem, res):
    f, g = problem.full_potentials(res.f, res.g)
    with np.errstate(divide="ignore"):
        log_u, log_v = f / problem.reg, g / problem.reg
    return {"niter": int(res.nit), "err": [float(e) for e in res.trace["certificate"]],
            "log_u": log_u, "log_v": log_v, "u": np.exp(log_u), "v": np.exp(log_v),
            "status": int(res.status), "message": res.message, "result": res}


def sinkhorn(a, b, M, reg, method="sinkhorn", maxiter=1000, tol=1e-9, verbose=False,
             log=False, warn=True, warmstart=None, device="cpu", **kwargs):
    r"""Entropic OT plan, called like POT's ``ot.sinkhorn``.

    .. math::

        P^\star = \arg\min_{P \ge 0,\; P\mathbf 1 = a,\; P^T\mathbf 1 = b}
        \langle M, P\rangle + \varepsilon \sum_{ij} P_{ij}(\log P_{ij} - 1)

    Parameters
    ----------
    a : array_like, shape (n,)
        Source histogram (empty: uniform).
    b : array_like, shape (m,)
        Target histogram (empty: uniform), same mass as ``a``.
    M : array_like, shape (n, m)
        Nonnegative cost matrix.
    reg : float
        Entropic regularization :math:`\varepsilon > 0`.
    method : str, default "sinkhorn"
        Any method of ``optkit.methods("ot")`` (``"sinkhorn"``,
        ``"sinkhorn-log"``, ``"sinkhorn-eps-scaling"``, ``"sns"``,
        ``"mirror-sinkhorn"``), POT's names (``"sinkhorn_log"``,
        ``"sinkhorn_stabilized"``, ``"sinkhorn_epsilon_scaling"``), or
        ``"auto"`` (see :func:`auto_method`).
    maxiter : int, default 1000
        Maximum number of iterations (POT: ``numItermax``).
    tol : float, default 1e-9
        Stop when :math:`\|P\mathbf 1 - a\|_1 + \|P^T\mathbf 1 - b\|_1 \le`
        ``tol`` (POT: ``stopThr``).
    verbose : bool, default False
        Print the marginal error at each check.
    log : bool, default False
        Also return the log dict.
    warn : bool, default True
        Warn (``UserWarning``) when the method did not converge.
    warmstart : tuple (log_u, log_v), optional
        Initial dual potentials in POT's units (logarithms of the scalings).
    device : {"cpu", "cuda"}
        Where the sweeps run.
    **kwargs
        ``numItermax``, ``stopThr`` (POT's names), ``normalize=True`` (divide
        a and b by their sums), and method options (``check_every``, ...; see
        :func:`optkit.show_options`).

    Returns
    -------
    plan : ndarray, shape (n, m)
    log : dict
        Only with ``log=True``: ``niter``, ``err`` (marginal error at each
        check), ``log_u``, ``log_v``, ``u``, ``v`` (the plan is
        ``diag(u) exp(-M/reg) diag(v)``), ``status`` (0 converged, see
        :class:`optkit.Status`), ``message``, ``result``.

    Examples
    --------
    >>> import numpy as np
    >>> import optkit.ot
    >>> M = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> P = optkit.ot.sinkhorn([0.5, 0.5], [0.5, 0.5], M, 1.0)
    >>> np.round(P, 4)
    array([[0.3655, 0.1345],
           [0.1345, 0.3655]])
    """
    problem, res = _solve(a, b, M, reg, method, maxiter, tol, verbose, log, warn, warmstart,
                          device, kwargs, "sinkhorn")
    if log:
        return res.plan, _log(problem, res)
    return res.plan


def sinkhorn2(a, b, M, reg, method="sinkhorn", maxiter=1000, tol=1e-9, verbose=False,
              log=False, warn=True, warmstart=None, device="cpu", **kwargs):
    r"""Entropic OT cost :math:`\langle M, P^\star\rangle`, called like POT's ``ot.sinkhorn2``.

    The plan :math:`P^\star` is that of :func:`sinkhorn`; as POT does, the
    value returned is its transport cost without the entropic term.

    Parameters
    ----------
    a, b : array_like
        Histograms (empty: uniform).
    M : array_like, shape (n, m)
        Nonnegative cost matrix.
    reg : float
        Entropic regularization.
    method : str, default "sinkhorn"
        See :func:`sinkhorn`.
    maxiter : int, default 1000
        POT: ``numItermax``.
    tol : float, default 1e-9
        POT: ``stopThr``.
    verbose : bool, default False
        Print the marginal error at each check.
    log : bool, default False
        Also return the log dict (keys of :func:`sinkhorn`).
    warn : bool, default True
        Warn when the method did not converge.
    warmstart : tuple (log_u, log_v), optional
        Initial dual potentials.
    device : {"cpu", "cuda"}
        Where the sweeps run.
    **kwargs
        As :func:`sinkhorn`.

    Returns
    -------
    cost : float
    log : dict
        Only with ``log=True``.

    Examples
    --------
    >>> import numpy as np
    >>> import optkit.ot
    >>> M = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> round(float(optkit.ot.sinkhorn2([0.5, 0.5], [0.5, 0.5], M, 1.0)), 4)
    0.2689
    """
    problem, res = _solve(a, b, M, reg, method, maxiter, tol, verbose, log, warn, warmstart,
                          device, kwargs, "sinkhorn2")
    cost = float(res.transport_cost) if math.isfinite(res.transport_cost) else float(
        np.sum(problem.M * res.plan))
    if log:
        return cost, _log(problem, res)
    return cost
