"""The CLI (`optkit --version / methods / demo`) and the README's promises."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

import optkit
from optkit._core.registry import methods_table
from optkit.cli import main

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"optkit {optkit.__version__}"


def test_methods_lists_every_method(capsys):
    assert main(["methods"]) == 0
    out = capsys.readouterr().out
    for name in optkit.methods():
        assert re.search(rf"^{re.escape(name)}\s", out, re.M)


def test_methods_unknown_family_is_a_clear_error(capsys):
    assert main(["methods", "--family", "smoth"]) == 2
    assert "Unknown problem family 'smoth'" in capsys.readouterr().err


def test_demo_writes_png_and_table(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-m", "optkit.cli", "demo", "--out", str(tmp_path)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    png = tmp_path / "convergence.png"
    assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in optkit.methods("smooth") + ["scipy:L-BFGS-B"]:
        row = [line for line in proc.stdout.splitlines() if line.startswith(name + " ")]
        assert row, f"{name} missing from the demo table"
        status = int(row[0].split()[1])
        assert status == 0, row[0]


def test_readme_methods_table_lists_every_registered_method():
    text = README.read_text()
    block = text.split("<!-- methods-table:start -->")[1].split("<!-- methods-table:end -->")[0]
    assert block.strip() == methods_table().strip(), (
        "README's methods table is stale: paste optkit._core.registry.methods_table()")
    for name in optkit.methods():
        assert f"| `{name}` |" in block


def test_readme_states_the_two_setup_commands():
    text = README.read_text()
    assert "pip install . && optkit demo" in text
    assert 'pip install ".[test]" && pytest' in text
