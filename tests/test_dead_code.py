"""`make test` runs vulture: a function nothing calls fails the run, unless the whitelist says why.

vulture reads its paths and confidence from pyproject.toml ([tool.vulture]); the names that
only a framework uses are listed in tools/vulture_whitelist.py, each with its reason.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WHITELIST = ROOT / "tools" / "vulture_whitelist.py"
SCANNED = ["lecture_utils", "tools", "bench", "notebooks/src"]


def vulture(folder: Path) -> subprocess.CompletedProcess:
    """vulture run as `make test` runs it (configured by pyproject.toml), in `folder`."""
    return subprocess.run(
        [sys.executable, "-m", "vulture"], cwd=folder, capture_output=True, text=True
    )


def test_make_test_runs_vulture_after_the_linters_and_before_the_tests():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    tools = re.findall(r"\$\(BIN\)/([\w-]+)", recipe)
    assert tools[:4] == ["ruff", "ruff", "zizmor", "vulture"] and "pytest" in tools[4:]


@pytest.mark.parametrize("folder", SCANNED)
def test_a_function_nothing_calls_fails_the_run(tmp_path, folder):
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for name in SCANNED:
        (tmp_path / name).mkdir(parents=True)
    shutil.copy(WHITELIST, tmp_path / "tools" / WHITELIST.name)
    code = tmp_path / folder / "new.py"
    code.write_text("def helper() -> int:\n    return 1\n", encoding="utf-8")
    run = vulture(tmp_path)
    assert run.returncode != 0 and "unused function 'helper'" in run.stdout, run.stdout
    code.write_text(code.read_text(encoding="utf-8") + "\nprint(helper())\n", encoding="utf-8")
    assert vulture(tmp_path).returncode == 0


def test_every_whitelist_entry_says_why():
    text = WHITELIST.read_text(encoding="utf-8")
    body = ast.parse(text).body
    entries = [node for node in body if isinstance(node, ast.Expr)][1:]  # after the docstring
    lines = text.splitlines()
    silent = [lines[e.lineno - 1] for e in entries if not re.search(r"#\s*\w", lines[e.lineno - 1])]
    assert entries and not silent, f"say in a comment who uses each of: {silent}"
