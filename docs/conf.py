"""Sphinx configuration of the optkit documentation.

Build (needs the ``docs`` extra: ``pip install -e ".[docs]"``)::

    sphinx-build -b html docs /tmp/optkit-docs-html

Autosummary writes its stubs to ``docs/generated/`` and sphinx-gallery its
pages to ``docs/auto_examples/``; both are git-ignored (``make clean`` in
``docs/`` removes them). Without network access, set
``OPTKIT_DOCS_OFFLINE=1`` to skip the intersphinx inventories (otherwise
each unreachable inventory is one warning).
"""

from __future__ import annotations

import dataclasses
import enum
import os
import re
import sys

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

import optkit
from optkit._core.options import Options, _describe_accepted
from optkit._core.registry import get_solver, methods
from optkit._core.solver import Solver

# -- project ------------------------------------------------------------------
project = "optkit"
author = "optkit developers"
copyright = "optkit developers"
release = optkit.__version__
version = ".".join(release.split(".")[:2])

# -- general ------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
default_role = "autolink"       # `name` links to the API when it can
pygments_style = "sphinx"

# -- autodoc / autosummary ----------------------------------------------------
autosummary_generate = True     # write stubs for every :toctree: entry to generated/
autosummary_imported_members = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"      # numpydoc sections carry the types

# -- numpydoc -----------------------------------------------------------------
numpydoc_show_class_members = False   # the class template lists members itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True

# -- intersphinx --------------------------------------------------------------
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "scipy": ("https://docs.scipy.org/doc/scipy", None),
}
intersphinx_timeout = 10
if os.environ.get("OPTKIT_DOCS_OFFLINE"):
    intersphinx_mapping = {}

# -- notebooks ----------------------------------------------------------------
# docs/notebooks/*.py (jupytext percent format, Markdown cells) are rewritten
# into sphinx-gallery scripts in _notebooks_gallery/ (git-ignored) and executed
# as a second gallery, at the small sizes unless OPTKIT_NOTEBOOK_SMALL=0.
_DOCS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_DOCS, "_ext"))
from optkit_notebooks import build_gallery_sources  # noqa: E402
from pathlib import Path  # noqa: E402

build_gallery_sources(Path(_DOCS, "notebooks"), Path(_DOCS, "_notebooks_gallery"))
os.environ.setdefault("OPTKIT_NOTEBOOK_SMALL", "1")
exclude_patterns += ["notebooks", "_notebooks_gallery", "_ext"]

# -- sphinx-gallery -----------------------------------------------------------
sphinx_gallery_conf = {
    # the scripts (run as tests too) and the notebooks
    "examples_dirs": ["examples", "_notebooks_gallery"],
    "gallery_dirs": ["auto_examples", "auto_notebooks"],   # generated, git-ignored
    "filename_pattern": r"/plot_|/_notebooks_gallery/",   # execute plot_*.py and every notebook
    "ignore_pattern": r"__init__\.py",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "reference_url": {"optkit": None},    # link names in examples to the API pages
    "doc_module": ("optkit",),
    "backreferences_dir": "generated/backreferences",   # for the minigalleries
    "write_computation_times": False,     # no sg_execution_times.rst in the source tree
    "matplotlib_animations": False,
    "show_memory": False,
}

# examples must not pop up windows during the build
os.environ.setdefault("MPLBACKEND", "Agg")

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"optkit {release}"
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False


# -- optkit-specific docstring additions --------------------------------------
def _options_section(cls) -> list[str]:
    """A numpydoc ``Parameters`` section built from an Options dataclass.

    The fields of an ``Options`` dataclass are documented in their
    ``option(...)`` metadata (the same text ``optkit.show_options`` prints),
    not in the docstring, so the API page adds them here.
    """
    lines = ["", "Parameters", "----------"]
    for f in dataclasses.fields(cls):
        meta = f.metadata
        if "doc" not in meta:
            continue
        lines.append(f"{f.name} : {_describe_accepted(meta)}, default {f.default!r}")
        # option texts are plain text (show_options prints them): |x| is a norm,
        # not a reST substitution
        lines.append("    " + meta["doc"].replace("|", "\\|"))
    return lines if len(lines) > 3 else []


def _public_path(obj) -> str:
    """The shortest importable dotted path of ``obj`` (the one the API pages use)."""
    parts = obj.__module__.split(".")
    for i in range(1, len(parts) + 1):
        module = sys.modules.get(".".join(parts[:i]))
        if module is not None and getattr(module, obj.__name__, None) is obj:
            return f"{module.__name__}.{obj.__name__}"
    return f"{obj.__module__}.{obj.__qualname__}"


def _solver_section(cls) -> list[str]:
    """Registry facts of a Solver class: name, aliases, family, needs, options."""
    aliases = ", ".join(f'``"{a}"``' for a in cls.aliases) or "none"
    needs = ", ".join(f"``{r}``" for r in cls.requires)
    opts = cls.Options
    return [
        "",
        ".. rubric:: Registry",
        "",
        f'* method name: ``"{cls.name}"`` (aliases: {aliases})',
        f"* problem family: ``{cls.family}``; oracles needed: {needs}",
        f"* options: :class:`~{_public_path(opts)}` "
        f'(``optkit.show_options("{cls.name}")``)',
        f"* certificate: ``{cls.certificate_name}``; default ``tol={cls.default_tol:g}``, "
        f"``maxiter={cls.default_maxiter}``",
    ]


def _enum_section(cls) -> list[str]:
    """An ``Attributes`` section listing the members of an enum (and their messages)."""
    messages = optkit.STATUS_MESSAGES if cls is optkit.Status else {}
    lines = ["", "Attributes", "----------"]
    for member in cls:
        lines.append(f"{member.name} : {member.value!r}")
        if member in messages:
            lines.append(f"    {messages[member]}")
    return lines


_TYPE_LINE = re.compile(r"^(\*{0,2}\w+(?:, \w+)* : )(.+)$")


def _escape_type_names(lines):
    """In numpydoc ``name : type`` lines, ``rank_`` is a shape, not a reST link target."""
    for i, line in enumerate(lines):
        m = _TYPE_LINE.match(line)
        if m:
            lines[i] = m.group(1) + re.sub(r"(?<=\w)_(?=[\s,)\]]|$)", r"\\_", m.group(2))


def _add_optkit_sections(app, what, name, obj, options, lines):
    _escape_type_names(lines)
    if what != "class" or not isinstance(obj, type):
        return
    if issubclass(obj, enum.Enum) and not any(line.strip() == "Attributes" for line in lines):
        lines.extend(_enum_section(obj))
    if issubclass(obj, Options) and obj is not Options and dataclasses.is_dataclass(obj):
        if not any(line.strip() == "Parameters" for line in lines):
            lines.extend(_options_section(obj))
    elif issubclass(obj, Solver) and obj is not Solver and obj.name:
        # after the extended summary, before the first numpydoc section
        at = next((i for i in range(len(lines) - 1)
                   if lines[i].strip() and set(lines[i + 1].strip()) == {"-"}
                   and len(lines[i + 1].strip()) == len(lines[i].strip())), len(lines))
        lines[at:at] = _solver_section(obj) + [""]


def _skip_solver_internals(app, what, name, obj, skip, options):
    # a solver's ``Options`` attribute is its options class, documented on its own page
    if what == "class" and name == "Options" and isinstance(obj, type):
        return True
    return None


class MethodsTable(SphinxDirective):
    """``.. optkit-methods-table::``: the registered methods, from the registry."""

    has_content = False

    def run(self):
        rows = [".. list-table::", "   :header-rows: 1", "   :widths: 12 10 48 30", "",
                "   * - method", "     - family", "     - what it is", "     - reference"]
        for name in methods():
            cls = get_solver(name)
            rows += [f"   * - ``{name}`` (:class:`~{_public_path(cls)}`)",
                     f"     - {cls.family}", f"     - {cls.summary}",
                     f"     - {cls.reference}"]
        container = nodes.container()
        nested_parse_with_titles(self.state, StringList(rows, source="optkit-methods-table"),
                                 container)
        return container.children


def setup(app):
    # before numpydoc (priority 500), so that it formats the added Parameters
    app.connect("autodoc-process-docstring", _add_optkit_sections, priority=400)
    app.connect("autodoc-skip-member", _skip_solver_internals)
    app.add_directive("optkit-methods-table", MethodsTable)
    app.setup_extension("optkit_userguide")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
