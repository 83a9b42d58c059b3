"""Sphinx directives of the user guide, generated from the registry.

``.. optkit-family:: FAMILY [FAMILY ...]``
    For every registered method of the given problem families: its name,
    summary, reference, oracles needed, certificate and defaults, and a table
    of its options built from the fields of its ``Options`` dataclass (the
    text ``optkit.show_options`` prints). Nothing is written by hand, so the
    tables follow the code.

``.. optkit-benchmarks:: ../../benchmarks``
    For every benchmark script of the folder (not ``_*.py``): its first
    docstring line, a download link and the rest of its docstring (what it
    runs, against which peers, and how), read from the scripts themselves.
"""

from __future__ import annotations

import dataclasses
import sys

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

from optkit._core.options import DriverOptions, _describe_accepted
from optkit._core.registry import get_solver, methods

#: the options every method accepts (documented once, on the "choosing" page)
_DRIVER_FIELDS = {f.name for f in dataclasses.fields(DriverOptions)}


def _public_path(obj) -> str:
    """The shortest importable dotted path of ``obj`` (the one the API pages use)."""
    parts = obj.__module__.split(".")
    for i in range(1, len(parts) + 1):
        module = sys.modules.get(".".join(parts[:i]))
        if module is not None and getattr(module, obj.__name__, None) is obj:
            return f"{module.__name__}.{obj.__name__}"
    return f"{obj.__module__}.{obj.__qualname__}"


def _cell(text: str) -> str:
    """One-line table cell text (list-table cells are single paragraphs here)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _default(value) -> str:
    if callable(value) and not isinstance(value, type):
        return "``<callable>``"
    text = repr(value)
    return f"``{text}``" if len(text) < 40 else "see description"


def options_rows(cls) -> list[str]:
    """reST list-table rows of the method options of a Solver class."""
    rows = [".. list-table::", "   :header-rows: 1", "   :widths: 18 22 15 45", "",
            "   * - option", "     - accepted", "     - default", "     - meaning"]
    count = 0
    for f in dataclasses.fields(cls.Options):
        meta = f.metadata
        if "doc" not in meta or f.name in _DRIVER_FIELDS:
            continue
        count += 1
        rows += [f"   * - ``{f.name}``", f"     - {_cell(_describe_accepted(meta))}",
                 f"     - {_default(f.default)}", f"     - {_cell(meta['doc'])}"]
    return rows if count else ["This method has no options besides the common ones."]


def family_rst(families) -> list[str]:
    out = []
    for name in methods():
        cls = get_solver(name)
        if cls.family not in families:
            continue
        needs = ", ".join(f"``{r}``" for r in cls.requires) or "none"
        out += [f'.. rubric:: ``"{name}"``', "",
                f"{cls.summary}. *{cls.reference}*", "",
                f"Class :class:`~{_public_path(cls)}`; oracles needed: {needs}; "
                f"certificate ``{cls.certificate_name}``; default ``tol={cls.default_tol:g}``, "
                f"``maxiter={cls.default_maxiter}``.", ""]
        out += options_rows(cls) + [""]
    if not out:
        raise ValueError(f"no registered method of family {families}")
    return out


class FamilyDirective(SphinxDirective):
    required_arguments = 1
    optional_arguments = 10
    has_content = False

    def run(self):
        try:
            rows = family_rst(set(self.arguments))
        except ValueError as exc:
            raise self.error(str(exc)) from None
        container = nodes.container()
        nested_parse_with_titles(self.state, StringList(rows, source="optkit-family"), container)
        return container.children


def setup(app):
    app.add_directive("optkit-family", FamilyDirective)
    _setup_benchmarks(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# -- the benchmarks ---------------------------------------------------------------
def benchmark_rst(folder) -> list[str]:
    """For every ``benchmarks/*.py`` (not ``_*.py``): title, download link, docstring."""
    import ast
    from pathlib import Path

    out = []
    for path in sorted(Path(folder).glob("*.py")):
        if path.name.startswith("_"):
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if not doc:
            raise ValueError(f"{path} has no docstring to describe it")
        first, _, rest = doc.partition("\n")
        title = f"``{path.name}``"
        out += [title, "~" * len(title), "", _cell(first), "",
                f":download:`benchmarks/{path.name} <../../benchmarks/{path.name}>` "
                f"(run it with ``python benchmarks/{path.name} --help`` for its options)", ""]
        if rest.strip():
            out += [".. code-block:: text", ""]
            out += ["   " + line if line.strip() else "" for line in rest.strip("\n").splitlines()]
            out.append("")
    return out


class BenchmarksDirective(SphinxDirective):
    """``.. optkit-benchmarks:: PATH``: every benchmark script of a folder (relative to the page)."""

    required_arguments = 1
    has_content = False

    def run(self):
        from pathlib import Path

        folder = (Path(self.env.doc2path(self.env.docname)).parent / self.arguments[0]).resolve()
        for path in folder.glob("*.py"):
            self.env.note_dependency(str(path))
        try:
            rows = benchmark_rst(folder)
        except ValueError as exc:
            raise self.error(str(exc)) from None
        container = nodes.container()
        nested_parse_with_titles(self.state, StringList(rows, source="optkit-benchmarks"),
                                 container)
        return container.children


class DriverOptionsDirective(SphinxDirective):
    """``.. optkit-driver-options::``: the options every method accepts (DriverOptions)."""

    has_content = False

    def run(self):
        rows = [".. list-table::", "   :header-rows: 1", "   :widths: 18 22 15 45", "",
                "   * - option", "     - accepted", "     - default", "     - meaning"]
        for f in dataclasses.fields(DriverOptions):
            if "doc" in f.metadata:
                rows += [f"   * - ``{f.name}``",
                         f"     - {_cell(_describe_accepted(f.metadata))}",
                         f"     - {_default(f.default)}", f"     - {_cell(f.metadata['doc'])}"]
        container = nodes.container()
        nested_parse_with_titles(self.state, StringList(rows, source="optkit-driver-options"),
                                 container)
        return container.children


def _setup_benchmarks(app):
    app.add_directive("optkit-driver-options", DriverOptionsDirective)
    app.add_directive("optkit-benchmarks", BenchmarksDirective)
