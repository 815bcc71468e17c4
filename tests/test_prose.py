"""The prose states no number that the code does not pin: on other data it would be wrong.

A number with a thousands separator in a Markdown cell (a count of images, of parameters)
must be printed by a cell whose output nbval compares (`nbval-check-output`), so a change of
model or data that moves it fails the test run; numbers that depend on the data belong in
printed outputs or a claim's evidence instead. Students have no "lecture notes" to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted(
    (Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]-*.ipynb")
)
BIG_NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")


def _checked_output_text() -> str:
    """Everything printed by the cells whose outputs nbval compares, in every notebook."""
    texts = []
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if "nbval-check-output" in cell.get("metadata", {}).get("tags", []):
                for output in cell.get("outputs", []):
                    texts.append(output.get("text", ""))
                    texts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_large_number_in_the_prose_is_printed_by_a_checked_cell(path):
    pinned = _checked_output_text()
    markdown = [
        c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"
    ]
    unpinned = {n for text in markdown for n in BIG_NUMBER.findall(text) if n not in pinned}
    assert not unpinned, f"{path.name}: the prose states {sorted(unpinned)}; print it in a cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_the_prose_points_students_at_nothing_they_do_not_have(path):
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    assert "lecture notes" not in text.lower(), path.name
