"""`make lecture` (tools/lecture.py run) runs every notebook to the end on a few hundred rows.

A folder of one's own data may be small: a copy of the repository runs the whole lecture on
300 training and 100 test rows of the stand-in, written as CSV, with the claims printing
their verdicts (LECTURE_CHECK_CLAIMS unset) and the summary table listing every notebook.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from data_helpers import small_split, write_csv

ROOT = Path(__file__).resolve().parent.parent
NEEDED = ("pyproject.toml", "_quarto.yml", "index.qmd", "lecture_utils", "tools", "notebooks/src")
VERDICTS = ("✓ ", "✗ ")


def copy_repository(to: Path) -> Path:
    """What `tools/lecture.py run` needs, copied; the notebooks are made from their sources."""
    for name in NEEDED:
        source, target = ROOT / name, to / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    return to


def printed(cell: nbformat.NotebookNode) -> list[str]:
    return [line for out in cell.outputs for line in out.get("text", "").splitlines()]


@pytest.fixture(scope="module")
def small_lecture(tmp_path_factory):
    """A copy of the repository, a folder of 300/100 rows as CSV, and a way to run notebooks."""
    tmp_path = tmp_path_factory.mktemp("lecture")
    repo = copy_repository(tmp_path / "repo")
    data = tmp_path / "data"
    data.mkdir()
    train_images, train_labels = small_split("train", 300)
    assert len(set(train_labels.tolist())) == 24  # every letter, if only a few times
    write_csv(data / "sign_mnist_train.csv", train_images, train_labels)
    write_csv(data / "sign_mnist_test.csv", *small_split("test", 100))

    def run(*notebooks: str, cache: str) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "LECTURE_DATA": str(data),
            "LECTURE_THREADS": "1",
            "LECTURE_CACHE": str(tmp_path / cache),
            "PYTHONPATH": str(repo),  # the copy's lecture_utils, not an installed one
        }
        env.pop("LECTURE_CHECK_CLAIMS", None)  # claims print their verdicts and never raise
        return subprocess.run(
            [sys.executable, "tools/lecture.py", "run", *notebooks],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    return repo, run


def test_the_whole_lecture_runs_to_the_end_on_a_few_hundred_rows(small_lecture):
    repo, run = small_lecture
    result = run(cache="cache")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]

    stems = [py.stem for py in sorted((repo / "notebooks" / "src").glob("[0-9][0-9]-*.py"))]
    for stem in stems:
        notebook = nbformat.read(repo / "notebooks" / f"{stem}.ipynb", as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert all(cell.execution_count for cell in code), f"{stem} did not run to the end"
        for cell in code:
            assert not [o for o in cell.outputs if o.output_type == "error"], stem
            if "check_claim(" in cell.source:
                verdicts = [line for line in printed(cell) if line.startswith(VERDICTS)]
                assert verdicts, f"{stem}: a claim printed no verdict:\n{cell.source}"
    rows = [words[0] for line in result.stdout.splitlines() if (words := line.split())]
    assert [name for name in rows if name in stems] == stems, result.stdout  # a row each


def test_a_notebook_alone_in_a_fresh_runtime_trains_the_earlier_models_it_compares_with(
    small_lecture,
):
    repo, run = small_lecture
    result = run("06", cache="fresh-cache")  # as in a new Colab runtime: nothing saved yet
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    notebook = nbformat.read(repo / "notebooks" / "06-feature-inspection.ipynb", as_version=4)
    said = [line for cell in notebook.cells if cell.cell_type == "code" for line in printed(cell)]
    for name, notebook_number in (("ConvNet", "05"), ("LogisticRegression", "02")):
        assert any(
            line.startswith(f"No saved {name} from notebook {notebook_number}") for line in said
        ), said
        assert any(line.startswith(f"The {name} trained in ") for line in said), said
