"""Registries: method names and aliases -> solver classes; families -> problem classes.

Both fill themselves: a solver module decorates its class with :func:`register`,
and a problem class that declares ``family`` in its own body is recorded by
:class:`optkit.problems.Problem` through :func:`register_family`. Nothing here
names a method or a family.
"""

from __future__ import annotations

import difflib

from .solver import Solver

__all__ = ["register", "get_solver", "methods", "method_info", "show_options", "methods_table",
           "register_family", "family_problem", "families"]

_SOLVERS: dict[str, type[Solver]] = {}
_ALIASES: dict[str, str] = {}
_FAMILIES: dict[str, type] = {}


def register_family(problem_cls: type) -> None:
    """Record ``problem_cls`` as the problem class of its ``family``.

    Called by ``Problem.__init_subclass__`` for every class that declares
    ``family`` in its own body; the first class of a family is kept (a
    subclass that re-declares the same family, e.g. a CUTEst adapter, does
    not replace it). The class supplies ``default_method`` and
    ``from_callables``, which :func:`optkit.minimize` uses.
    """
    _FAMILIES.setdefault(problem_cls.family, problem_cls)


def family_problem(family: str) -> type:
    """The problem class of ``family`` (raises ValueError for an unknown family)."""
    try:
        return _FAMILIES[family]
    except KeyError:
        raise ValueError(
            f"No problem class declares family {family!r}; known families: "
            f"{', '.join(sorted(_FAMILIES))}.") from None


def families(with_methods: bool = True) -> list[str]:
    """The problem families, sorted: those with registered methods (default),
    or every family a problem class declares."""
    if with_methods:
        return sorted({cls.family for cls in _SOLVERS.values()})
    return sorted(_FAMILIES)


def _normalize(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(" ", "-")


def register(cls: type[Solver]) -> type[Solver]:
    """Class decorator adding a solver to the registry under its name and aliases."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no `name`.")
    for key in (cls.name, *cls.aliases):
        key = _normalize(key)
        owner = _ALIASES.get(key)
        if owner is not None and owner != cls.name:
            raise ValueError(f"Method name {key!r} is already taken by {owner!r}.")
        _ALIASES[key] = cls.name
    _SOLVERS[cls.name] = cls
    return cls


def get_solver(method: str) -> type[Solver]:
    """The solver class for a method name or alias (case-insensitive).

    Raises
    ------
    ValueError
        For an unknown name, with the closest known names.
    """
    if not isinstance(method, str):
        raise TypeError(f"`method` must be a string, got {type(method).__name__}.")
    key = _normalize(method)
    if key in _ALIASES:
        return _SOLVERS[_ALIASES[key]]
    close = difflib.get_close_matches(key, list(_ALIASES), n=3, cutoff=0.5)
    hint = (" Did you mean " + " or ".join(repr(_ALIASES[c]) for c in close) + "?") if close else ""
    raise ValueError(
        f"Unknown method {method!r} for argument `method`.{hint} "
        f"Known methods: {', '.join(sorted(_SOLVERS))}.")


def methods(family: str | None = None) -> list[str]:
    """Names of the registered methods, optionally only those of one family.

    Parameters
    ----------
    family : str, optional
        A problem family (``"smooth"``, ...); None lists all methods.

    Examples
    --------
    >>> import optkit
    >>> "fgm" in optkit.methods("smooth")
    True

    Returns
    -------
    list of str
        Canonical method names, sorted.
    """
    known = families()
    if family is not None and family not in known:
        raise ValueError(
            f"Unknown problem family {family!r} for argument `family`; "
            f"families with methods: {', '.join(known)}.")
    return sorted(name for name, cls in _SOLVERS.items()
                  if family is None or cls.family == family)


def method_info(method: str) -> dict:
    """Describe one method: name, aliases, family, needs, summary and paper.

    Parameters
    ----------
    method : str
        Method name or alias.

    Returns
    -------
    dict
        Keys ``name, aliases, family, requires, summary, reference,
        certificate``.
    """
    cls = get_solver(method)
    return dict(name=cls.name, aliases=cls.aliases, family=cls.family,
                requires=cls.requires, summary=cls.summary,
                reference=cls.reference, certificate=cls.certificate_name)


def show_options(method: str, disp: bool = True) -> str | None:
    """Print (or return) the documented options of a method.

    Parameters
    ----------
    method : str
        Method name or alias.
    disp : bool, default True
        Print the text; when False return it instead (scipy's convention).

    Returns
    -------
    str or None
        The text when ``disp`` is False.
    """
    from .options import DriverOptions

    cls = get_solver(method)
    header = f"{cls.name}: {cls.summary}".rstrip(": ")
    text = "\n\n".join([
        header,
        cls.Options.describe("Method options") or "Method options\n--------------\n(none)",
        DriverOptions.describe("Options every method accepts"),
    ])
    if disp:
        print(text)
        return None
    return text


def methods_table(family: str | None = None) -> str:
    """The registered methods as a Markdown table (name, family, summary, paper).

    The README's table is this output; a test keeps the two in step.
    """
    lines = ["| method | family | what it is | reference |", "|---|---|---|---|"]
    for name in methods(family):
        cls = _SOLVERS[name]
        lines.append(f"| `{name}` | {cls.family} | {cls.summary} | {cls.reference} |")
    return "\n".join(lines)
