"""Read the code cells of the notebooks' percent-format sources, for tests about the lesson."""

from __future__ import annotations

import re
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "notebooks" / "src"
MARKER = re.compile(r"^\s*#\s?---\s*$", re.MULTILINE)


def code_cells(stem: str) -> list[str]:
    """The source of every code cell of notebooks/src/<stem>*.py, in order."""
    (path,) = SOURCES.glob(f"{stem}*.py")
    notebook = jupytext.read(path, fmt="py:percent")
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def cell_defining(stem: str, name: str) -> str:
    """The code of the cell that defines `name` (a def or class), from that line on, without
    live-coding markers."""
    pattern = re.compile(rf"^(def|class) {name}\b", re.MULTILINE)
    (cell,) = [source for source in code_cells(stem) if pattern.search(source)]
    definition = cell[pattern.search(cell).start() :]
    return MARKER.sub("", definition).strip("\n") + "\n"
