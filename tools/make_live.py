"""The live-coding notebooks: the lecture with the code typed in class left blank.

The sources mark code that the instructor types live between two `# ---` lines in a code
cell (comments: the full notebooks still run). For each `notebooks/src/NN-slug.py`, `make
sync` writes `notebooks/live/NN-slug.ipynb`: outputs cleared, each marked region one
placeholder line, the title cell's `*Reading the code:*` paragraph replaced by a note on the
live version, the Colab badge pointing at the copy. Committed (Colab opens them from the
repository), deterministic, never edited by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
from colab import BADGE_LINE, TITLE, write_text

MARKER = re.compile(r"^\s*#\s?---\s*$")
PLACEHOLDER = "# live coding: we write this part together in class"
READING_NOTE = "*Reading the code:*"
NOTE = (
    "> **Live-coding version.** The cells that say `# live coding` are empty on purpose: we write "
    "that code together in class. The complete notebook is `notebooks/{name}.ipynb`."
)


class MarkerError(ValueError):
    """A code cell whose `# ---` lines do not pair up."""


def blank_regions(source: str) -> str:
    """Replace each region between two `# ---` lines (markers included) by the placeholder."""
    kept, opening = [], None
    for line in source.splitlines(keepends=True):
        if not MARKER.match(line):
            if opening is None:
                kept.append(line)
        elif opening is None:
            opening = line
        else:  # the placeholder takes the opening line's indentation, the closing line's end
            indent = opening[: len(opening) - len(opening.lstrip())]
            kept.append(indent + PLACEHOLDER + line[len(line.rstrip("\r\n")) :])
            opening = None
    if opening is not None:
        raise MarkerError("an odd number of '# ---' lines: a blanked region is not closed")
    return "".join(kept)


def typed_lines(notebook: nbformat.NotebookNode) -> int:
    """How many lines an instructor types in class: the non-blank, non-comment lines between
    `# ---` lines in the code cells (what the live copy blanks)."""
    count = 0
    for cell in notebook.cells:
        inside = False
        for line in cell.source.splitlines() if cell.cell_type == "code" else []:
            if MARKER.match(line):
                inside = not inside
            elif inside and line.strip() and not line.lstrip().startswith("#"):
                count += 1
    return count


def live_title(markdown: str, name: str) -> str:
    """The title cell with the live note in place of the paragraph about the markers."""
    paragraphs = re.split(r"\n\s*\n", markdown.strip("\n"))
    note = NOTE.format(name=name)
    at = next((i for i, p in enumerate(paragraphs) if p.startswith(READING_NOTE)), None)
    if at is not None:
        paragraphs[at] = note
    else:  # after the title and its badge
        at = next((i + 1 for i, p in enumerate(paragraphs) if BADGE_LINE.match("# " + p)), None)
        at = at or next((i + 1 for i, p in enumerate(paragraphs) if TITLE.match(p)), 0)
        paragraphs.insert(at, note)
    text = "\n\n".join(paragraphs)  # the badge opens the live copy
    return text.replace(f"/notebooks/{name}.ipynb)", f"/notebooks/live/{name}.ipynb)")


def live_text(nb: nbformat.NotebookNode, name: str) -> str:
    """The live version of one notebook, as file text; `name` is its stem, e.g. '03-kernels'."""
    nb = nbformat.from_dict(nb)  # a deep copy
    nb.metadata.pop("jupytext", None)  # the live copy is not paired with any script
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index:03d}"  # jupytext draws random ids; these keep output stable
        if cell.cell_type == "code":
            try:
                cell.source = blank_regions(cell.source)
            except MarkerError as error:
                first_line = cell.source.splitlines()[0] if cell.source else ""
                raise MarkerError(
                    f"src/{name}.py, cell {index + 1} ({first_line!r}): {error}"
                ) from None
            cell.update(outputs=[], execution_count=None)
    title = next((cell for cell in nb.cells if cell.cell_type == "markdown"), None)
    if title is not None:
        title.source = live_title(title.source, name)
    return nbformat.writes(nb) + "\n"


def update(src: Path, out: Path, check: bool = False) -> list[Path]:
    """Write the live notebooks that are missing or stale, remove orphans; those paths.

    Every source is rendered before anything is written; with `check`, nothing is.
    """
    scripts = sorted(src.glob("[0-9][0-9]-*.py"))
    wanted = {out / f"{py.stem}.ipynb": live_text(jupytext.read(py), py.stem) for py in scripts}
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text("utf-8") != text]
    orphans = [p for p in sorted(out.glob("*.ipynb")) if p not in wanted]
    if not check:
        out.mkdir(parents=True, exist_ok=True)
        for path in stale:
            write_text(path, wanted[path])
        for path in orphans:
            path.unlink()
    return stale + orphans
