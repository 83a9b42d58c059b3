"""The front door: ``optkit.minimize`` and the adapter for scipy's ``minimize``."""

from __future__ import annotations

from ._core import driver
from ._core.options import split_options
from ._core.registry import family_problem, get_solver, methods
from ._core.result import OptimizeResult
from ._core.validate import check_callable, check_tol
from .problems.base import Problem, SmoothProblem

__all__ = ["minimize", "scipy_method"]

_FD = ("2-point", "3-point")

# how to tell a user which argument supplies a missing oracle
_SUPPLY_HINT = {
    "grad": "pass `jac=` (a callable, or True when fun returns (f, g))",
    "hess": "pass `hess=` (a callable returning an ndarray, sparse matrix or LinearOperator)",
    "hessp": "pass `hessp=` or `hess=`",
    "separable_penalty": "the compiled coordinate methods need a SeparablePenalty (L1, "
                         "L2Squared, ElasticNetPenalty, Box, NonNegative), not a general "
                         "prox penalty",
}


def minimize(fun_or_problem, x0=None, method=None, *, args=(), jac=None, hess=None,
             hessp=None, constraints=None, tol=None, callback=None,
             options=None) -> OptimizeResult:
    r"""Minimize a function or an optkit problem with a registered method.

    Called like :func:`scipy.optimize.minimize` with callables, or with a
    problem object (``LogisticRegression(...)``, a CUTEst problem,
    ``OTProblem``...), which is dispatched to the methods of its family.

    Parameters
    ----------
    fun_or_problem : callable or Problem
        ``fun(x, *args) -> float``, or a problem object.
    x0 : array_like, shape (d,), optional
        Starting point; required for callables, defaults to ``problem.x0``.
    method : str, optional
        A name from :func:`optkit.methods` (aliases and any case accepted).
        None picks the family's default (``"fgm"`` for smooth problems).
    args : tuple
        Extra arguments passed to ``fun``, ``jac``, ``hess`` and ``hessp``.
    jac : callable, bool, {"2-point", "3-point"} or None
        Gradient, scipy semantics: a callable ``jac(x, *args)``; True when
        ``fun`` returns ``(f, g)``; None or a string for finite differences
        (each evaluation counted in ``nfev``).
    hess : callable, optional
        ``hess(x, *args)`` returning an ndarray, sparse matrix or LinearOperator.
    hessp : callable, optional
        ``hessp(x, p, *args)``, the Hessian times ``p``.
    constraints : constraint or list of constraints, optional
        scipy's constraint objects (``NonlinearConstraint``,
        ``LinearConstraint``, ``{'type': 'eq', ...}`` dicts), with callables
        only. They reach the ``from_callables`` of the method's family as
        ``options["constraints"]``; only families whose problem class sets
        ``accepts_constraints = True`` take them.
    tol : float, optional
        Stop when the method's certificate (see ``result.certificate``) is
        <= tol; None uses the method's default.
    callback : callable, optional
        ``callback(intermediate_result)`` (an OptimizeResult) or the legacy
        ``callback(xk)``; raise ``StopIteration`` to stop (status 4).
    options : dict, optional
        Method options (:func:`optkit.show_options`) and the options every
        method accepts: ``maxiter``, ``maxtime`` (seconds), ``progress``,
        ``record_every``, ``trace``. Callables plus a method of another
        family become that family's problem through its
        ``from_callables``: for Frank-Wolfe methods ``options["lmo"]`` is
        the feasible set (a set of :mod:`optkit.problems.sets` or a callable
        ``lmo(g) -> vertex``).

    Returns
    -------
    OptimizeResult
        ``x, fun, jac, success, status, message, nit, nfev, njev, nhev,
        nhvp, time, method, certificate, trace`` and method extras.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from scipy.optimize import rosen, rosen_der
    >>> res = optkit.minimize(rosen, [-1.2, 1.0], jac=rosen_der, method="fgm",
    ...                       tol=1e-8, options={"maxiter": 50000})
    >>> res.success, np.allclose(res.x, [1, 1], atol=1e-6)
    (True, True)
    """
    problem = _as_problem(fun_or_problem, args=args, jac=jac, hess=hess, hessp=hessp)
    solver_cls = None if method is None else get_solver(method)
    if constraints is not None and not _no_constraints(constraints):
        solver_cls = _constrained_solver(fun_or_problem, solver_cls)
        options = {**(options or {}), "constraints": constraints}
    if solver_cls is not None and solver_cls.family != problem.family \
            and not isinstance(fun_or_problem, Problem):
        # callables describe a smooth problem; the method's family says what they mean
        problem, options = family_problem(solver_cls.family).from_callables(
            problem, options, solver_cls.name)
    if x0 is None:
        if problem.x0 is None:
            raise ValueError("`x0` is required: the problem has no default starting point.")
        x0 = problem.x0
    x0 = problem.as_start(x0)

    if solver_cls is None:
        if problem.default_method is None:
            raise ValueError(f"`method` is required for {problem.family!r} problems.")
        solver_cls = get_solver(problem.default_method)
    if solver_cls.family != problem.family:
        raise ValueError(
            f"Method {solver_cls.name!r} solves {solver_cls.family!r} problems; "
            f"the problem given is a {problem.family!r} problem ({type(problem).__name__}).")
    driver_options, method_options = split_options(options, solver_cls.Options, solver_cls.name)
    _check_fit(solver_cls, problem, method_options)
    tol = solver_cls.default_tol if tol is None else check_tol(tol)
    return driver.run(solver_cls(method_options), problem, x0, tol=tol,
                      driver_options=driver_options, callback=callback)


def _as_problem(fun_or_problem, *, args, jac, hess, hessp) -> Problem:
    if isinstance(fun_or_problem, Problem):
        given = [n for n, v in (("jac", jac), ("hess", hess), ("hessp", hessp)) if v is not None]
        if given or args:
            raise TypeError(
                f"`{(given or ['args'])[0]}` is only for callables; a problem object "
                "carries its own oracles.")
        return fun_or_problem
    check_callable(fun_or_problem, "fun")
    if not isinstance(args, tuple):
        args = (args,)

    def bind(f):
        return f if not args else (lambda x, *rest: f(x, *rest, *args))

    fun = bind(fun_or_problem)
    kwargs = {}
    if jac is True:
        kwargs["fun_and_grad"] = fun
        fun = None
    elif callable(jac):
        kwargs["grad"] = bind(jac)
    elif jac is None or jac is False:
        kwargs["grad"] = "2-point"
    elif isinstance(jac, str) and jac in _FD:
        kwargs["grad"] = jac
    else:
        raise ValueError(
            f"`jac` must be a callable, True, None, '2-point' or '3-point'; got {jac!r}.")
    if hess is not None:
        kwargs["hess"] = bind(check_callable(hess, "hess"))
    if hessp is not None:
        kwargs["hessp"] = bind(check_callable(hessp, "hessp"))
    return SmoothProblem(fun, **kwargs)


def _no_constraints(constraints) -> bool:
    return isinstance(constraints, (list, tuple)) and len(constraints) == 0


def _accepts_constraints(solver_cls) -> bool:
    return getattr(family_problem(solver_cls.family), "accepts_constraints", False)


def _constrained_solver(fun_or_problem, solver_cls):
    """The solver class for a call with ``constraints=``: callables, and a
    method whose family's problem class accepts constraints."""
    if isinstance(fun_or_problem, Problem):
        raise TypeError("`constraints` is only for callables; a problem object carries its "
                        "own constraints.")
    if solver_cls is not None and _accepts_constraints(solver_cls):
        return solver_cls
    # the list of methods that take constraints is only needed for the message
    takers = ", ".join(name for name in methods() if _accepts_constraints(get_solver(name)))
    if solver_cls is None:
        raise ValueError("`method` is required with `constraints`; methods that accept "
                         f"constraints: {takers or 'none'}.")
    raise ValueError(f"Method {solver_cls.name!r} does not handle `constraints`; methods "
                     f"that do: {takers or 'none'}.")


def _check_fit(solver_cls, problem: Problem, method_options=None) -> None:
    """The oracles the method needs with these options
    (``solver_cls.requirements(method_options)``; None: the defaults)."""
    needs = solver_cls.requirements(method_options)
    for need in needs:
        if problem.provides(need):
            continue
        if need == "grad" and getattr(problem, "finite_difference", None):
            continue
        hint = _SUPPLY_HINT.get(need, "")
        raise ValueError(
            f"Method {solver_cls.name!r} needs `{need}`, which the problem does not "
            f"provide" + (f": {hint}." if hint else "."))


def scipy_method(name: str):
    """An optkit method as a custom method for :func:`scipy.optimize.minimize`.

    Parameters
    ----------
    name : str
        An optkit method accepting smooth problems.

    Returns
    -------
    callable
        ``method(fun, x0, args, jac, hess, hessp, bounds, constraints,
        callback, **options)``, scipy's custom-method contract; ``tol`` and
        the options given to scipy reach optkit unchanged.

    Examples
    --------
    >>> import numpy as np, optkit
    >>> from scipy.optimize import minimize, rosen, rosen_der
    >>> res = minimize(rosen, [-1.2, 1.0], jac=rosen_der, tol=1e-8,
    ...                method=optkit.scipy_method("fgm"), options={"maxiter": 50000})
    >>> np.allclose(res.x, [1, 1], atol=1e-6)
    True
    """
    solver_cls = get_solver(name)
    if solver_cls.family != "smooth":
        raise ValueError(
            f"Method {solver_cls.name!r} solves {solver_cls.family!r} problems; scipy's "
            "minimize can only use methods for smooth problems.")

    def optkit_method(fun, x0, args=(), jac=None, hess=None, hessp=None, bounds=None,
                      constraints=(), callback=None, **options):
        if bounds is not None:
            raise ValueError(f"optkit method {solver_cls.name!r} does not handle `bounds`.")
        if constraints:
            raise ValueError(
                f"optkit method {solver_cls.name!r} does not handle `constraints`.")
        tol = options.pop("tol", None)
        return minimize(fun, x0, solver_cls.name, args=args, jac=jac, hess=hess,
                        hessp=hessp, tol=tol, callback=callback, options=options)

    optkit_method.__name__ = f"optkit_{solver_cls.name.replace('-', '_')}"
    optkit_method.__doc__ = f"optkit method {solver_cls.name!r} for scipy.optimize.minimize."
    return optkit_method
