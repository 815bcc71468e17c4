"""The live copies (tools/make_live.py, written by `make sync`) blank the marked code only."""

import asyncio
import os
import sys
from pathlib import Path
from unittest import mock

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import make_live  # noqa: E402

SOURCES = sorted((ROOT / "notebooks" / "src").glob("[0-9][0-9]-*.py"))
LIVE = sorted((ROOT / "notebooks" / "live").glob("[0-9][0-9]-*.ipynb"))
NO_SOURCES = "no notebooks/src/NN-slug.py in this checkout yet: nothing to compare"
BADGE = (
    "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
    "(https://colab.research.google.com/github/owner/repo/blob/main/notebooks/{}.ipynb)"
)

PADDING = "   "  # spaces around a marker line are allowed
DEMO = f"""# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03. Demo
#
# {BADGE.format("03-demo")}
#
# What you will learn.
#
# *Reading the code:* a pair of `# ---` lines marks code
# typed live in class.
#
# Where this sits.

# %%
import math

# ---
x = math.pi
# ---

# %% tags=["remove-cell"]
#| fig-cap: "A figure"
#| fig-alt: "Alt text"
def area(r):
    # keep this comment
      #---{PADDING}
    return x * r**2
    #---
y = 2

# %% [markdown]
# A #--- in Markdown is prose, not a marker.

# %%
#---
#---
print("after an empty region")
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    return path


def _is_marker(line: str) -> bool:
    return line.strip() in ("#---", "# ---")


def _outside_regions(source: str) -> list[str]:
    """The lines of a source cell outside its `#---` regions."""
    lines, inside = [], False
    for line in source.splitlines():
        if _is_marker(line):
            inside = not inside
        elif not inside:
            lines.append(line)
    return lines


def _regions(source: str) -> int:
    return sum(_is_marker(line) for line in source.splitlines()) // 2


def _placeholders(source: str) -> list[str]:
    return [line for line in source.splitlines() if line.strip() == make_live.PLACEHOLDER]


def _assert_blanked(original: nbformat.NotebookNode, live: nbformat.NotebookNode, name: str):
    """Every marked region is one placeholder; everything else matches, cell by cell."""
    assert len(live.cells) == len(original.cells)
    for index, (before, after) in enumerate(zip(original.cells, live.cells, strict=True)):
        assert after.cell_type == before.cell_type
        assert after.metadata == before.metadata
        if after.cell_type == "code":
            assert after.outputs == [] and after.execution_count is None
            assert len(_placeholders(after.source)) == _regions(before.source)
            kept = [
                line
                for line in after.source.splitlines()
                if line not in _placeholders(after.source)
            ]
            assert kept == _outside_regions(before.source)
            assert not any(_is_marker(line) for line in after.source.splitlines())
        elif index == 0:
            assert "Live-coding version" in after.source
            assert "*Reading the code:*" not in after.source
            assert f"notebooks/{name}.ipynb)" not in after.source
        else:
            assert after.source == before.source


def test_marked_regions_are_blanked_and_nothing_else_changes(tmp_path):
    script = _write(tmp_path / "src", "03-demo", DEMO)
    assert make_live.update(tmp_path / "src", tmp_path / "live") == [
        tmp_path / "live/03-demo.ipynb"
    ]
    live = nbformat.read(tmp_path / "live" / "03-demo.ipynb", as_version=4)
    original = jupytext.read(script)
    _assert_blanked(original, live, "03-demo")

    title, first, second, _, third = (cell.source for cell in live.cells)
    note = make_live.NOTE.format(name="03-demo")
    live_badge = BADGE.format("live/03-demo")
    assert (
        title == f"# 03. Demo\n\n{live_badge}\n\nWhat you will learn.\n\n{note}\n\nWhere this sits."
    )
    assert first == f"import math\n\n{make_live.PLACEHOLDER}"
    assert second.splitlines()[-2:] == [f"      {make_live.PLACEHOLDER}", "y = 2"]
    assert second.startswith('#| fig-cap: "A figure"\n#| fig-alt: "Alt text"\n')
    assert third == f'{make_live.PLACEHOLDER}\nprint("after an empty region")'
    assert live.cells[2].metadata == {"tags": ["remove-cell"]}
    assert "jupytext" not in live.metadata


def test_without_a_reading_note_the_live_note_follows_the_badge():
    markdown = f"# 03. Demo\n\n{BADGE.format('03-demo')}\n\nWhat you will learn."
    note = make_live.NOTE.format(name="03-demo")
    expected = f"# 03. Demo\n\n{BADGE.format('live/03-demo')}\n\n{note}\n\nWhat you will learn."
    assert make_live.live_title(markdown, "03-demo") == expected
    assert (
        make_live.live_title("# 03. Demo\n\nText.", "03-demo") == f"# 03. Demo\n\n{note}\n\nText."
    )


def test_only_a_line_that_is_exactly_the_marker_marks_live_code():
    headings = "# --- data loading ---\nx = 1\n#--- setup\ny = 2\n# ----\nz = 3\n"
    assert make_live.blank_regions(headings) == headings
    marked = "# --- data loading ---\n  # ---  \nx = 1\n#---\n"
    assert make_live.blank_regions(marked) == f"# --- data loading ---\n  {make_live.PLACEHOLDER}\n"


def test_outputs_and_execution_counts_are_cleared():
    cell = nbformat.v4.new_code_cell("print(1)", execution_count=3)
    cell.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb = nbformat.v4.new_notebook(cells=[cell])
    live = nbformat.reads(make_live.live_text(nb, "01-x"), as_version=4)
    assert live.cells[0].outputs == [] and live.cells[0].execution_count is None
    assert nb.cells[0].execution_count == 3  # the input is left alone


def test_unbalanced_markers_name_file_and_cell_and_write_nothing(tmp_path):
    _write(tmp_path / "src", "01-fine", DEMO)
    broken = _write(tmp_path / "src", "02-broken", "# %%\nx = 1\n\n# %%\n#---\ny = 2\n")
    with pytest.raises(make_live.MarkerError) as error:
        make_live.update(tmp_path / "src", tmp_path / "live")
    message = str(error.value)
    assert f"src/{broken.name}, cell 2 ('#---')" in message and "odd number" in message
    assert not (tmp_path / "live").exists()


def test_output_is_deterministic_and_rewrites_nothing_unchanged(tmp_path):
    _write(tmp_path / "src", "03-demo", DEMO)
    for out in ("a", "b"):
        make_live.update(tmp_path / "src", tmp_path / out)
    first = (tmp_path / "a" / "03-demo.ipynb").read_bytes()
    assert first == (tmp_path / "b" / "03-demo.ipynb").read_bytes()
    assert make_live.update(tmp_path / "src", tmp_path / "a") == []
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["03-demo.ipynb"]  # no temp files


def test_check_reports_stale_missing_and_orphaned_notebooks(tmp_path):
    src, out = tmp_path / "src", tmp_path / "live"
    _write(src, "03-demo", DEMO)
    assert make_live.update(src, out, check=True) == [out / "03-demo.ipynb"]  # missing
    assert not out.exists()
    make_live.update(src, out)
    assert make_live.update(src, out, check=True) == []

    _write(src, "03-demo", DEMO.replace("x = math.pi", "x = math.tau"))
    assert make_live.update(src, out, check=True) == []  # marked code never reaches the copy
    _write(src, "03-demo", DEMO.replace("import math", "import cmath as math"))
    (out / "09-gone.ipynb").write_text("{}", encoding="utf-8")
    before = (out / "03-demo.ipynb").read_bytes()
    stale = [out / "03-demo.ipynb", out / "09-gone.ipynb"]
    assert make_live.update(src, out, check=True) == stale
    assert (out / "03-demo.ipynb").read_bytes() == before  # checking writes nothing

    assert make_live.update(src, out) == stale
    assert sorted(p.name for p in out.iterdir()) == ["03-demo.ipynb"]
    assert make_live.update(src, out, check=True) == []


@pytest.mark.skipif(not SOURCES, reason=NO_SOURCES)
def test_committed_live_notebooks_are_fresh_and_blanked():
    src, out = ROOT / "notebooks" / "src", ROOT / "notebooks" / "live"
    assert make_live.update(src, out, check=True) == [], "run `make sync`"
    for script in SOURCES:
        live = nbformat.read(out / f"{script.stem}.ipynb", as_version=4)
        _assert_blanked(jupytext.read(script), live, script.stem)


@pytest.fixture(scope="module")
def live_runs() -> dict[str, BaseException | None]:
    """Each live notebook run up to its first blank on the stand-in, all kernels at once."""

    async def run(path: Path) -> BaseException | None:
        nb = nbformat.read(path, as_version=4)
        blanks = [
            i for i, c in enumerate(nb.cells) if c.cell_type == "code" and _placeholders(c.source)
        ]
        nb.cells = nb.cells[: blanks[0]] if blanks else nb.cells
        client = NotebookClient(
            nb,
            kernel_name="python3",
            timeout=600,
            resources={"metadata": {"path": str(path.parent)}},
        )
        try:
            await client.async_execute()
        except Exception as error:  # reported by the test of that notebook
            return error
        return None

    async def run_all() -> list[BaseException | None]:
        return await asyncio.gather(*(run(path) for path in LIVE))

    with mock.patch.dict(os.environ, {"LECTURE_DATA": "synthetic"}):
        return dict(zip([p.stem for p in LIVE], asyncio.run(run_all()), strict=True))


@pytest.mark.skipif(not SOURCES, reason=NO_SOURCES)
@pytest.mark.parametrize("script", SOURCES or [None], ids=lambda p: getattr(p, "stem", "none"))
def test_live_notebook_runs_up_to_its_first_blank(script, live_runs):
    assert script.stem in live_runs, f"notebooks/live/{script.stem}.ipynb is missing: make sync"
    error = live_runs[script.stem]
    assert error is None, (
        f"notebooks/live/{script.stem}.ipynb fails before its first blank:\n{error}"
    )
