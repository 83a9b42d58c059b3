"""The teaching notebooks of docs/notebooks run to the end at their small sizes.

Each notebook is a jupytext percent-format script; it is executed in a fresh
interpreter with ``OPTKIT_NOTEBOOK_SMALL=1`` and the Agg backend (no window),
so a failing cell fails the test with the notebook's traceback. The
conversion of the notebooks into sphinx-gallery pages (docs/_ext) is checked
too, without building the docs.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
NOTEBOOKS = sorted((DOCS / "notebooks").glob("*.py"))


def test_notebooks_found():
    assert len(NOTEBOOKS) >= 5, NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    env = dict(os.environ, OPTKIT_NOTEBOOK_SMALL="1", MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{path.name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"


def _converter():
    spec = importlib.util.spec_from_file_location("optkit_notebooks",
                                                  DOCS / "_ext" / "optkit_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_converts_to_gallery_script(path):
    conv = _converter()
    script = conv.notebook_to_gallery(path.read_text(encoding="utf-8"))
    compile(script, path.name, "exec")             # still valid Python
    title = script.split("\n")[1]
    assert title.strip() and script.split("\n")[2] == "=" * len(title)
    assert "$" not in script.split('"""')[1]       # all math translated in the docstring
    cells = conv.split_cells(path.read_text(encoding="utf-8"))
    assert sum(kind == "code" for kind, _ in cells) >= 2
    assert any("Exercises" in src for kind, src in cells if kind == "markdown")


def test_markdown_translation():
    conv = _converter()
    rst = conv.markdown_to_rst("# T\n\nA $x^2$ and `code $y$`, [site](https://a.b).\n\n"
                               "$$f(x) = 1$$\nafter")
    assert rst.startswith("T\n=\n")
    assert ":math:`x^2`" in rst and "``code $y$``" in rst and "`site <https://a.b>`__" in rst
    assert ".. math::\n\n   f(x) = 1\n" in rst
    with pytest.raises(ValueError, match="Markdown cell"):
        conv.notebook_to_gallery("# %%\nx = 1\n")
