"""Write the live-coding notebooks: the lecture with the code typed in class left blank.

In class the instructor types some of the code live while students follow in a copy where
that code is missing. The source notebooks mark such code between two lines that read exactly
`#---` inside a code cell (a comment, so the full notebooks still run; `ruff format` rewrites
it as `# ---`, and both spellings count). For each paired script
`notebooks/src/NN-slug.py` this writes `notebooks/live/NN-slug.ipynb`: outputs cleared, each
marked region replaced by one placeholder comment, a note in the title cell, and the Colab
badge pointing at the live copy. The live notebooks are committed because Colab opens
notebooks straight from the repository; never edit them by hand, run `make live` instead.
Output is deterministic, so `--check` (used by the tests) can tell a stale copy from a fresh one.

Usage: python tools/make_live.py [--check] [--src notebooks/src] [--out notebooks/live]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import jupytext
import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lecture import write_atomically  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^\s*#\s?---\s*$")  # `#---`, or `# ---` as ruff format writes it
PLACEHOLDER = "# live coding: we write this part together in class"
NOTE = (
    "> **Live-coding version.** Where a cell says `# live coding`, we write the code together "
    "in class. The complete notebook is `notebooks/{name}.ipynb`."
)


class MarkerError(ValueError):
    """A code cell whose `#---` lines do not pair up."""


def blank_regions(source: str) -> str:
    """Replace each region between two `#---` lines (markers included) by the placeholder."""
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
        raise MarkerError("an odd number of '#---' lines: a blanked region is not closed")
    return "".join(kept)


def add_live_note(source: str, name: str) -> str:
    """Point the Colab badge at the live copy and add the note below the title line."""
    source = re.sub(
        r"(colab\.research\.google\.com/github/\S*?/notebooks/)" + re.escape(f"{name}.ipynb"),
        rf"\g<1>live/{name}.ipynb",
        source,
    )
    lines = source.splitlines()
    title = next((i for i, line in enumerate(lines) if line.startswith("# ")), -1)
    lines[title + 1 : title + 1] = ["", NOTE.format(name=name)]
    return "\n".join(lines).lstrip("\n")


def live_notebook(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The live version of one notebook; `name` is its file stem, e.g. '03-kernels'."""
    nb = nbformat.from_dict(nb)  # a deep copy
    nb.metadata.pop("jupytext", None)  # the live copy is not paired with any script
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:03d}"  # jupytext draws random ids; these keep output stable
        if cell.cell_type == "code":
            try:
                cell.source = blank_regions(cell.source)
            except MarkerError as error:
                first_line = cell.source.splitlines()[0] if cell.source else ""
                raise MarkerError(f"cell {index + 1} ({first_line!r}): {error}") from None
            cell.outputs, cell.execution_count = [], None
    title = next((cell for cell in nb.cells if cell.cell_type == "markdown"), None)
    if title is not None:
        title.source = add_live_note(title.source, name)
    return nb


def render(script: Path) -> str:
    """The live notebook's file contents for one paired percent script."""
    try:
        nb = live_notebook(jupytext.read(script), script.stem)
    except MarkerError as error:
        raise MarkerError(f"{script}: {error}") from None
    return nbformat.writes(nb) + "\n"


def expected_files(src: Path, out: Path) -> dict[Path, str]:
    """Every live notebook that `src` yields, rendered in memory (raises before any write)."""
    scripts = sorted(src.glob("[0-9][0-9]-*.py"))
    return {out / f"{script.stem}.ipynb": render(script) for script in scripts}


def stale_files(expected: dict[Path, str], out: Path) -> list[Path]:
    """Live notebooks that are missing, differ from `expected`, or have no source any more."""
    stale = [
        path
        for path, text in expected.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    orphans = [path for path in sorted(out.glob("*.ipynb")) if path not in expected]
    return stale + orphans


def _shown(path: Path) -> str:
    """A path as messages show it: relative to the repository when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=ROOT / "notebooks" / "src")
    parser.add_argument("--out", type=Path, default=ROOT / "notebooks" / "live")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when a live notebook is stale"
    )
    args = parser.parse_args(argv)
    try:
        expected = expected_files(args.src, args.out)
    except MarkerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    stale = stale_files(expected, args.out)
    if args.check:
        for path in stale:
            print(f"stale: {_shown(path)}", file=sys.stderr)
        if stale:
            print("run `make live` to regenerate the live notebooks", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        if path in expected:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, expected[path])
            print(f"wrote {_shown(path)}")
        else:
            path.unlink()
            print(f"removed {_shown(path)} (no source notebook)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
