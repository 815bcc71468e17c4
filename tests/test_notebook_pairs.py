"""tools/lecture.py: each .ipynb follows its edited .py, and `make lecture` writes back results."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import lecture as tools  # noqa: E402

SOURCE = """# %% [markdown]
# # 01. A title

# %%
x = 1 + 1
x

# %% tags=["remove-cell"]
assert x == 2
"""
RUN_SOURCE = """# %% [markdown]
# # 01. Runs

# %% tags=["colab-install"]
import sys

# %%
import ipywidgets
from lecture_utils.runlog import log_run

display(ipywidgets.VBox([ipywidgets.IntSlider(3), ipywidgets.Button(description="Stop")]))
log_run(data="stand-in")
log_run(model="Tiny", threads=1, seconds=0.1, val_accuracy=0.625, epochs=1)
print("ran", 6 * 7)

# %%
import time

print("printed", flush=True)
time.sleep(0.3)  # the kernel sends the two lines as two messages
print("in two parts")
"""
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "01-demo.py").write_text(SOURCE)
    return tmp_path


@pytest.fixture
def project(tmp_path):
    """A repository-shaped folder with one short notebook source."""
    for name in ("_quarto.yml", "index.qmd"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "notebooks" / "src").mkdir(parents=True)
    (tmp_path / "notebooks" / "src" / "01-runs.py").write_text(RUN_SOURCE)
    return tmp_path


def test_sync_creates_the_notebook_with_the_cells_and_tags_of_the_source(folder):
    assert tools.sync(folder) == ["01-demo.ipynb"]
    notebook = nbformat.read(folder / "01-demo.ipynb", as_version=4)
    assert [cell.cell_type for cell in notebook.cells] == ["markdown", "code", "code"]
    assert notebook.cells[2].metadata["tags"] == ["remove-cell"]
    assert tools.sync(folder, check=True) == [] and tools.sync(folder) == []


def test_syncing_keeps_the_notebooks_widget_state(folder):
    tools.sync(folder)
    path = folder / "01-demo.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata["widgets"] = {tools.WIDGET_STATE: {"state": {}}}
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
    source.write_text(SOURCE.replace("# # 01. A title", "# # 01. A better title"))
    assert tools.sync(folder, check=True) == ["01-demo.ipynb"]
    tools.sync(folder)
    synced = nbformat.read(path, as_version=4)
    assert synced.cells[0].source == "# 01. A better title"
    assert synced.cells[1].outputs[0]["data"]["text/plain"] == "2"
    assert tools.sync(folder, check=True) == []


def test_a_missing_notebook_is_reported_and_checking_writes_nothing(folder):
    assert tools.sync(folder, check=True) == ["01-demo.ipynb"]
    assert not (folder / "01-demo.ipynb").exists()


def test_a_failed_write_leaves_the_old_notebook_whole(folder, monkeypatch):
    tools.sync(folder)
    path = folder / "01-demo.ipynb"
    before = path.read_text()
    (folder / "src" / "01-demo.py").write_text(SOURCE.replace("1 + 1", "2 + 2"))

    def disk_full(self, data):  # half the bytes reach the temporary file, then the disk is full
        with open(self, "wb") as file:
            file.write(data[: len(data) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    with pytest.raises(OSError, match="disk full"):
        tools.update_notebook(folder / "src" / "01-demo.py", path)
    assert path.read_text() == before
    assert sorted(p.name for p in folder.iterdir()) == ["01-demo.ipynb", "src"]


def widget_notebook(ids: list[str]) -> nbformat.NotebookNode:
    """A notebook as nbclient stores it: a VBox (ids[0]) holding a slider (ids[1])."""
    view = {WIDGET_VIEW: {"model_id": ids[0], "version_major": 2, "version_minor": 0}}
    cell = nbformat.v4.new_code_cell("w", outputs=[nbformat.v4.new_output("display_data", view)])
    cell.id = "widget"
    state = {
        ids[1]: {"model_name": "IntSliderModel", "state": {"value": 3}},
        ids[0]: {"model_name": "VBoxModel", "state": {"children": [f"IPY_MODEL_{ids[1]}"]}},
        ids[2]: {"model_name": "LayoutModel", "state": {}},  # referred to by no one
    }
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["widgets"] = {tools.WIDGET_STATE: {"state": state, "version_major": 2}}
    return nb


def test_widget_ids_are_numbered_by_first_appearance():
    first = tools.stable_widget_ids(widget_notebook(["a" * 32, "b" * 32, "c" * 32]))
    second = tools.stable_widget_ids(widget_notebook(["f" * 32, "0" * 31 + "7", "9" * 32]))
    assert nbformat.writes(first) == nbformat.writes(second)
    state = first.metadata["widgets"][tools.WIDGET_STATE]["state"]
    vbox, slider = "0" * 31 + "1", "0" * 31 + "2"
    assert first.cells[0].outputs[0].data[WIDGET_VIEW]["model_id"] == vbox
    assert state[vbox]["state"]["children"] == [f"IPY_MODEL_{slider}"]
    assert state[slider]["model_name"] == "IntSliderModel" and len(state) == 3


NUMBER_FROM_STDIN = """
import sys
sys.path.insert(0, sys.argv[1])
import lecture, nbformat
notebook = nbformat.reads(sys.stdin.read(), as_version=4)
print(lecture.notebook_text(lecture.stable_widget_ids(notebook)))
"""


def test_widget_ids_do_not_depend_on_the_hash_seed():
    # Six boxes that no output shows, alike but for the layout each refers to: their numbers
    # must not follow the order of a set, which changes with PYTHONHASHSEED.
    nb = widget_notebook(["a" * 32, "b" * 32, "c" * 32])
    state = nb.metadata["widgets"][tools.WIDGET_STATE]["state"]
    for i in range(6):
        box, layout = f"{i:02x}" * 16, f"{i + 16:02x}" * 16
        state[box] = {"model_name": "VBoxModel", "state": {"layout": f"IPY_MODEL_{layout}"}}
        state[layout] = {"model_name": "LayoutModel", "state": {"width": f"{i}px"}}
    texts = [
        subprocess.run(
            [sys.executable, "-c", NUMBER_FROM_STDIN, str(ROOT / "tools")],
            input=nbformat.writes(nb),
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert texts[0] == texts[1]


def test_run_executes_writes_back_and_reports_the_training_runs(project, capsys):
    assert tools.run([], root=project) == 0
    path = project / "notebooks" / "01-runs.ipynb"
    notebook = nbformat.read(path, as_version=4)
    outputs = [o for c in notebook.cells for o in c.get("outputs", [])]
    assert any(o.get("text") == "ran 42\n" for o in outputs)  # the executed notebook is stored
    assert any(o.get("text") == "printed\nin two parts\n" for o in outputs)  # one output
    text = path.read_text()
    assert '"model_id": "00000000000000000000000000000001"' in text
    assert "IPY_MODEL_00000000000000000000000000000002" in text
    assert "execution" not in json.dumps([c.metadata for c in notebook.cells])  # no timestamps
    table = capsys.readouterr().out
    row = next(line for line in table.splitlines() if line.startswith("01-runs "))
    assert row.split()[3:] == ["stand-in", "Tiny", "1", "62.5%"]
    assert "whole lecture:" in table

    tools.run([], root=project)
    assert path.read_text() == text  # a second run changes nothing


def test_a_failing_notebook_is_left_unchanged_and_the_others_still_run_and_are_tabled(
    project, capsys
):
    failing = project / "notebooks" / "src" / "00-fails.py"
    failing.write_text("# %% [markdown]\n# # 00. Fails\n\n# %%\nprint('before')\n")
    tools.regenerate(project)
    path = project / "notebooks" / "00-fails.ipynb"
    failing.write_text(failing.read_text() + "\n# %%\n1 / 0\n")
    tools.regenerate(project)
    before = path.read_text()
    assert tools.run([], root=project) == 1
    assert path.read_text() == before
    assert "ran 42" in (project / "notebooks" / "01-runs.ipynb").read_text()  # ran after it
    out, err = capsys.readouterr()
    assert "FAILED, left unchanged: notebooks/00-fails.ipynb" in err
    table = [line for line in out.splitlines() if line.startswith(("notebook ", "0"))]
    assert table[1].startswith("00-fails ") and table[1].split()[4:] == ["FAILED", "(below)"]
    assert table[2].startswith("01-runs ") and table[2].split()[4:] == ["Tiny", "1", "62.5%"]
    assert (
        "00-fails FAILED (its stored notebook is unchanged): ZeroDivisionError: division by zero"
        in out
    )


def test_a_notebook_that_trains_twice_shows_its_own_columns_once():
    runs = [
        {"data": "stand-in"},
        {"model": "LogisticRegression", "threads": 1, "val_accuracy": 0.5},
        {"model": "SmallConvNet", "threads": 2, "val_accuracy": 0.75},
    ]
    first, second = tools.summary_rows("04-conv", 12.34, 500.0, runs)
    assert first == ("04-conv", "12.3", "500", "stand-in", "LogisticRegression", "1", "50.0%")
    assert second == ("", "", "", "", "SmallConvNet", "2", "75.0%")


def test_the_committed_notebooks_match_their_sources():
    notebooks = ROOT / "notebooks"
    assert tools.sync(notebooks, check=True) == [], "run `make sync`"
    orphans = {p.stem for p in notebooks.glob("*.ipynb")} - {
        p.stem for p in notebooks.glob("src/*.py")
    }
    assert not orphans, f"notebooks without a notebooks/src/*.py: {sorted(orphans)}"


def test_the_committed_notebooks_are_valid_and_carry_outputs():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert any(cell.outputs for cell in code_cells), f"{path.name} has no stored outputs"
        errors = [o for cell in code_cells for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{path.name} stores an error output"
        assert json.loads(path.read_text())["metadata"]["kernelspec"]["name"] == "python3"
