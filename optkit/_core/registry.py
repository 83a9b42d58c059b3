"""Method registry: names and aliases -> solver classes, by problem family."""

from __future__ import annotations

import difflib

from .solver import Solver

__all__ = ["register", "get_solver", "methods", "method_info", "show_options", "methods_table",
           "DEFAULT_METHOD"]

_SOLVERS: dict[str, type[Solver]] = {}
_ALIASES: dict[str, str] = {}

#: The method ``minimize`` uses when ``method=None``, per problem family.
DEFAULT_METHOD = {
    "smooth": "fgm",
    "ot": "sinkhorn-log",
    "composite": "bcd",
    "lmo": "fw",
    "fractional": "fractional-cd",
}


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
    families = {cls.family for cls in _SOLVERS.values()}
    if family is not None and family not in families:
        raise ValueError(
            f"Unknown problem family {family!r} for argument `family`; "
            f"families with methods: {', '.join(sorted(families))}.")
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
