"""tools/lecture.py keeps each .ipynb in step with its edited .py, and never corrupts one."""

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("notebook_tools", ROOT / "tools" / "lecture.py")
tools = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tools)

SOURCE = """# %% [markdown]
# # A title

# %%
x = 1 + 1
x

# %% tags=["remove-cell"]
assert x == 2
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "01-demo.py").write_text(SOURCE)
    return tmp_path


def test_sync_creates_the_notebook_with_the_cells_and_tags_of_the_source(folder):
    tools.sync(folder)
    notebook = nbformat.read(folder / "01-demo.ipynb", as_version=4)
    assert [cell.cell_type for cell in notebook.cells] == ["markdown", "code", "code"]
    assert notebook.cells[2].metadata["tags"] == ["remove-cell"]
    assert tools.out_of_sync(folder) == []


def test_syncing_keeps_the_notebooks_widget_state(folder):
    tools.sync(folder)
    path = folder / "01-demo.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nbformat.write(notebook, path)
    (folder / "src" / "01-demo.py").write_text(SOURCE.replace("1 + 1", "1 + 2"))
    tools.sync(folder)
    assert "widgets" in nbformat.read(path, as_version=4).metadata


def test_an_edited_source_is_reported_until_synced_and_outputs_of_unchanged_cells_survive(folder):
    tools.sync(folder)
    path = folder / "01-demo.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[1].outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)
    ]
    nbformat.write(notebook, path)
    source = folder / "src" / "01-demo.py"
    source.write_text(SOURCE.replace("# # A title", "# # A better title"))
    assert tools.out_of_sync(folder) == ["01-demo.ipynb differs from src/01-demo.py"]
    tools.sync(folder)
    synced = nbformat.read(path, as_version=4)
    assert synced.cells[0].source == "# A better title"
    assert synced.cells[1].outputs[0]["data"]["text/plain"] == "2"
    assert tools.out_of_sync(folder) == []


def test_missing_and_orphaned_notebooks_are_reported(folder):
    assert tools.out_of_sync(folder) == ["01-demo.ipynb is missing"]
    tools.sync(folder)
    (folder / "02-orphan.ipynb").write_text((folder / "01-demo.ipynb").read_text())
    assert tools.out_of_sync(folder) == ["02-orphan.ipynb has no src/02-orphan.py"]


def test_a_failed_write_leaves_the_old_notebook_whole(folder, monkeypatch):
    tools.sync(folder)
    path = folder / "01-demo.ipynb"
    before = path.read_text()
    (folder / "src" / "01-demo.py").write_text(SOURCE.replace("1 + 1", "2 + 2"))

    real_fdopen = tools.os.fdopen

    def disk_full(*args, **kwargs):  # the temporary file opens, then writing to it fails
        file = real_fdopen(*args, **kwargs)
        file.close()
        raise OSError("disk full")

    monkeypatch.setattr(tools.os, "fdopen", disk_full)
    with pytest.raises(OSError, match="disk full"):
        tools.update_notebook(folder / "src" / "01-demo.py", path)
    assert path.read_text() == before
    assert [p.name for p in folder.iterdir() if p.suffix == ".tmp"] == []


def test_the_committed_notebooks_match_their_sources():
    if not list((ROOT / "notebooks" / "src").glob("*.py")):
        pytest.skip("no notebooks yet")
    assert tools.out_of_sync() == [], "run `make sync` after editing notebooks/src/*.py"


def test_the_committed_notebooks_are_valid_and_carry_outputs():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert any(cell.outputs for cell in code_cells), f"{path.name} has no stored outputs"
        errors = [o for cell in code_cells for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{path.name} stores an error output"
        assert json.loads(path.read_text())["metadata"]["kernelspec"]["name"] == "python3"
