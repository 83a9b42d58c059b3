"""Method options as frozen, self-documenting, self-validating dataclasses.

Every method declares an ``Options`` dataclass whose fields are made with
:func:`option`: a default, a one-line doc and the accepted values. From that
one declaration come validation (``ValueError`` naming the option and the
accepted range), the unknown-key warning (listing valid keys) and
:func:`optkit.show_options`.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import textwrap
import warnings

import numpy as np
from scipy.optimize import OptimizeWarning

__all__ = ["option", "Options", "DriverOptions", "split_options"]


def option(default, doc: str, *, kind=float, low=None, high=None,
           low_inclusive: bool = True, high_inclusive: bool = True,
           choices=None, allow_none: bool = False):
    """Declare one documented option field.

    Parameters
    ----------
    default
        Default value.
    doc : str
        One-line description, shown by :func:`optkit.show_options`.
    kind : type or tuple of types
        Accepted type(s): ``float``, ``int``, ``bool``, ``str``, ``object``
        (anything) or ``callable``. ``float`` accepts any real number.
    low, high : float, optional
        Bounds for numeric values.
    low_inclusive, high_inclusive : bool
        Whether the bounds are attainable.
    choices : sequence of str, optional
        Accepted strings.
    allow_none : bool
        Whether ``None`` is accepted.
    """
    meta = dict(doc=doc, kind=kind, low=low, high=high, low_inclusive=low_inclusive,
                high_inclusive=high_inclusive, choices=tuple(choices) if choices else None,
                allow_none=allow_none or default is None)
    return dataclasses.field(default=default, metadata=meta)


def _kinds(kind) -> tuple:
    return kind if isinstance(kind, tuple) else (kind,)


def _describe_accepted(meta) -> str:
    parts = []
    for k in _kinds(meta["kind"]):
        if k is str and meta["choices"]:
            parts.append("one of " + ", ".join(repr(c) for c in meta["choices"]))
        elif k in (float, int):
            name = "a real number" if k is float else "an integer"
            lo, hi = meta["low"], meta["high"]
            if lo is not None and hi is not None:
                lb = "[" if meta["low_inclusive"] else "("
                rb = "]" if meta["high_inclusive"] else ")"
                name += f" in {lb}{lo}, {hi}{rb}"
            elif lo is not None:
                name += (" >= " if meta["low_inclusive"] else " > ") + str(lo)
            elif hi is not None:
                name += (" <= " if meta["high_inclusive"] else " < ") + str(hi)
            parts.append(name)
        elif k is bool:
            parts.append("True or False")
        elif k is callable:
            parts.append("a callable")
        elif k is object:
            parts.append("any value")
        else:
            parts.append(f"an instance of {getattr(k, '__name__', k)}")
    if meta["allow_none"]:
        parts.append("None")
    return " or ".join(parts)


def _check_value(name: str, value, meta):
    """Return the (possibly converted) value or raise a clear error."""
    if value is None and meta["allow_none"]:
        return None
    for k in _kinds(meta["kind"]):
        if k is object:
            return value
        if k is callable and callable(value):
            return value
        if k is bool and isinstance(value, (bool, np.bool_)):
            return bool(value)
        if k is str and isinstance(value, str):
            if meta["choices"] and value not in meta["choices"]:
                raise ValueError(
                    f"Option `{name}` must be {_describe_accepted(meta)}; got {value!r}.")
            return value
        if k in (float, int) and isinstance(value, numbers.Real) and not isinstance(value, bool):
            if k is int and not isinstance(value, numbers.Integral):
                if not (isinstance(value, float) and value.is_integer()):
                    continue
            v = int(value) if k is int else float(value)
            if k is float and math.isnan(v):
                raise ValueError(f"Option `{name}` must be {_describe_accepted(meta)}; got nan.")
            lo, hi = meta["low"], meta["high"]
            if lo is not None and (v < lo or (v == lo and not meta["low_inclusive"])):
                raise ValueError(f"Option `{name}` must be {_describe_accepted(meta)}; got {value!r}.")
            if hi is not None and (v > hi or (v == hi and not meta["high_inclusive"])):
                raise ValueError(f"Option `{name}` must be {_describe_accepted(meta)}; got {value!r}.")
            return v
        if k not in (float, int, bool, str, callable, object) and isinstance(value, k):
            return value
    raise TypeError(
        f"Option `{name}` must be {_describe_accepted(meta)}; got {value!r} "
        f"of type {type(value).__name__}.")


_NO_DEFAULT = object()


@dataclasses.dataclass(frozen=True)
class Options:
    """Base class of every method's options (a frozen dataclass)."""

    def __post_init__(self):
        for name, default, meta in type(self)._checked_fields():
            value = getattr(self, name)
            if value is default:        # defaults are checked (and kept as is) once per class
                continue
            object.__setattr__(self, name, _check_value(name, value, meta))
        self.check()

    @classmethod
    def _checked_fields(cls):
        """``(name, default, metadata)`` of the declared options, cached per class.

        The first call checks every default (an invalid default is a bug in the
        class); a default that the check converts (an int for a float option) is
        listed as ``(name, <no default>, metadata)`` so that it is converted on use.
        """
        cached = cls.__dict__.get("_fields_cache")
        if cached is None:
            out = []
            for f in dataclasses.fields(cls):
                if "doc" not in f.metadata:
                    continue
                kept = _check_value(f.name, f.default, f.metadata) is f.default
                out.append((f.name, f.default if kept else _NO_DEFAULT, f.metadata))
            cached = cls._fields_cache = tuple(out)
        return cached

    def check(self) -> None:
        """Cross-field checks; override in subclasses (raise ValueError)."""

    @classmethod
    def names(cls) -> tuple[str, ...]:
        cached = cls.__dict__.get("_names_cache")
        if cached is None:
            cached = cls._names_cache = tuple(f.name for f in dataclasses.fields(cls))
        return cached

    @classmethod
    def describe(cls, title: str | None = None) -> str:
        """A readable table of the options: name, default, accepted values, doc."""
        lines = []
        if title:
            lines += [title, "-" * len(title)]
        for f in dataclasses.fields(cls):
            meta = f.metadata
            lines.append(f"{f.name} : {_describe_accepted(meta)}, default {f.default!r}")
            lines += textwrap.wrap(meta.get("doc", ""), width=76,
                                   initial_indent="    ", subsequent_indent="    ")
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class DriverOptions(Options):
    """Options every method accepts: the driver's stopping rules and recording."""

    maxiter: int = option(None, "Maximum number of iterations (None: the method's default).",
                          kind=int, low=0)
    maxtime: float = option(math.inf, "Maximum wall time of the iterations in seconds.",
                            kind=float, low=0.0, low_inclusive=False)
    progress: bool = option(False, "Show a tqdm progress bar with iteration, f and certificate.",
                            kind=bool)
    record_every: int = option(1, "Record one trace row every this many iterations "
                               "(the first and last are always recorded).", kind=int, low=1)
    trace: bool = option(True, "Record the per-iteration trace at all.", kind=bool)


def split_options(options: dict | None, method_options_cls, method_name: str):
    """Split a user ``options`` dict into driver and method options.

    Unknown keys warn with :class:`scipy.optimize.OptimizeWarning` listing the
    valid ones (scipy's behaviour), and are ignored.

    Returns
    -------
    driver : DriverOptions
    method : instance of ``method_options_cls``
    """
    options = {} if options is None else options
    if not isinstance(options, dict):
        raise TypeError(f"`options` must be a dict, got {type(options).__name__}.")
    driver_keys = set(DriverOptions.names())
    method_keys = set(method_options_cls.names())
    unknown = sorted(k for k in options if k not in driver_keys | method_keys)
    if unknown:
        valid = ", ".join(sorted(method_keys)) or "(none)"
        common = ", ".join(sorted(driver_keys))
        warnings.warn(
            f"Unknown option(s) {', '.join(map(repr, unknown))} for method "
            f"{method_name!r}, ignored. Valid method options: {valid}; "
            f"options every method accepts: {common}.",
            OptimizeWarning, stacklevel=4)
    driver = DriverOptions(**{k: v for k, v in options.items() if k in driver_keys})
    method = method_options_cls(**{k: v for k, v in options.items() if k in method_keys})
    return driver, method
