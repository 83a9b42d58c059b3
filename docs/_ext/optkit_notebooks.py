"""Turn the jupytext percent-format notebooks into sphinx-gallery scripts.

The notebooks in ``docs/notebooks/`` are written for Jupyter (``jupytext``
percent format, Markdown cells with ``$...$`` math). sphinx-gallery executes
plain scripts whose text blocks are reStructuredText, so at build time each
notebook is rewritten into ``docs/_notebooks_gallery/`` (git-ignored):

* the jupytext header is dropped;
* the first Markdown cell becomes the module docstring (the page title);
* the other Markdown cells become ``# %%`` comment blocks;
* Markdown is translated to reST: ``#``/``##``/``###`` headings, ``$$...$$``
  display math, ``$...$`` inline math, backquoted code and links. Lists,
  emphasis and paragraphs are written the same way in both.

Only the subset of Markdown the notebooks use is translated; anything else is
passed through, and ``sphinx-build -W`` reports what reST does not accept.
"""

from __future__ import annotations

import re
from pathlib import Path

_HEADINGS = {1: "=", 2: "-", 3: "~", 4: "^"}
_CELL = re.compile(r"^# %%(.*)$")


def split_cells(text: str) -> list[tuple[str, str]]:
    """``[(kind, source)]`` with kind ``"markdown"`` or ``"code"``; the header is skipped."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "# ---":       # jupytext YAML header
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "# ---")
        lines = lines[end + 1:]
    cells: list[tuple[str, list[str]]] = []
    for line in lines:
        m = _CELL.match(line)
        if m:
            cells.append(("markdown" if "[markdown]" in m.group(1) else "code", []))
        elif cells:
            cells[-1][1].append(line)
        elif line.strip():
            cells.append(("code", [line]))
    out = []
    for kind, body in cells:
        if kind == "markdown":
            body = [re.sub(r"^# ?", "", line) for line in body]
        src = "\n".join(body).strip("\n")
        if src.strip():
            out.append((kind, src))
    return out


def _inline(line: str) -> str:
    """Inline Markdown -> reST on one line (code spans first, so $ inside them stays)."""
    parts = re.split(r"(`[^`]+`)", line)
    for i, part in enumerate(parts):
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            parts[i] = f"``{part[1:-1]}``"
            continue
        part = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"`\1 <\2>`__", part)
        part = re.sub(r"(?<!\$)\$([^$]+?)\$(?!\$)", r":math:`\1`", part)
        parts[i] = part
    return "".join(parts)


def markdown_to_rst(md: str) -> str:
    """Translate the Markdown subset of the notebooks to reStructuredText."""
    out: list[str] = []
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = re.match(r"^(#{1,4})\s+(.*)$", line)
        if heading:
            title = _inline(heading.group(2).strip())
            out += [title, _HEADINGS[len(heading.group(1))] * len(title), ""]
            i += 1
            continue
        if line.strip().startswith("$$"):
            body = line.strip()[2:]
            while not body.rstrip().endswith("$$"):   # display math over several lines
                i += 1
                body += " " + lines[i].strip()
            body = body.rstrip()[:-2].strip()
            if out and out[-1].strip():
                out.append("")
            out += [".. math::", "", "   " + body, ""]
            i += 1
            continue
        out.append(_inline(line))
        i += 1
    return "\n".join(out).strip() + "\n"


def notebook_to_gallery(text: str) -> str:
    """The sphinx-gallery script of one percent-format notebook."""
    cells = split_cells(text)
    if not cells or cells[0][0] != "markdown":
        raise ValueError("a notebook must start with a Markdown cell holding its title")
    doc = markdown_to_rst(cells[0][1])
    if '"""' in doc:
        raise ValueError('the first Markdown cell must not contain """')
    chunks = [f'r"""\n{doc}"""\n']
    for kind, src in cells[1:]:
        if kind == "markdown":
            rst = markdown_to_rst(src)
            chunks.append("# %%\n" + "\n".join(("# " + l).rstrip() for l in rst.splitlines()) + "\n")
        else:
            # a blank line keeps a leading comment in the code block (sphinx-gallery
            # would otherwise read comment lines right after "# %%" as text)
            lead = "\n" if src.lstrip().startswith("#") else ""
            chunks.append("# %%\n" + lead + src + "\n")
    return "\n".join(chunks)


README = """\
Notebooks
=========

Lessons, one per family of methods: the math in a few lines, the methods called
through :func:`optkit.minimize`, a plot that shows the paper's point, and two
exercises. Each is a `jupytext <https://jupytext.readthedocs.io>`__ percent-format
script in ``docs/notebooks/`` of the repository: open it in Jupyter with jupytext
installed, or run it with ``python``. Set ``OPTKIT_NOTEBOOK_SMALL=1`` for smaller
sizes (the pages here are built that way).
"""


def build_gallery_sources(src: Path, dst: Path) -> list[Path]:
    """Write ``dst/<name>.py`` for every ``src/*.py`` notebook and ``dst/README.txt``.

    Files in ``dst`` that no longer have a notebook are removed; unchanged
    files are not rewritten (sphinx-gallery then skips re-running them).
    """
    dst.mkdir(parents=True, exist_ok=True)
    wanted = {}
    for nb in sorted(src.glob("*.py")):
        wanted[nb.name] = notebook_to_gallery(nb.read_text(encoding="utf-8"))
    wanted["README.txt"] = README
    for old in dst.iterdir():
        if old.is_file() and old.name not in wanted:
            old.unlink()
    written = []
    for name, text in wanted.items():
        path = dst / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
