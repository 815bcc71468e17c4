"""bench/rerun_check.py reports every stored line that a second lecture run changed."""

import importlib.util
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("rerun_check", ROOT / "bench" / "rerun_check.py")
rerun_check = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(rerun_check)


def write(root: Path, name: str, text: str, png: str = "iVBORw0KGgo" * 40) -> None:
    cell = nbformat.v4.new_code_cell("train()", outputs=[])
    cell.id = "train"
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=text),
        nbformat.v4.new_output("display_data", {"image/png": png}),
    ]
    path = root / "notebooks" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)


def test_identical_runs_report_nothing(tmp_path):
    write(tmp_path, "01-a.ipynb", "accuracy 54.0%\n")
    write(tmp_path, "live/01-a.ipynb", "")
    snap = rerun_check.snapshot(tmp_path)
    assert list(snap) == ["notebooks/01-a.ipynb", "notebooks/live/01-a.ipynb"]
    assert rerun_check.changed_lines(snap, rerun_check.snapshot(tmp_path)) == []


def test_changed_lines_are_reported_with_their_file_and_long_lines_cut(tmp_path):
    write(tmp_path, "01-a.ipynb", "accuracy 54.0%\n")
    write(tmp_path, "02-b.ipynb", "loss 1.0\n")
    first = rerun_check.snapshot(tmp_path)
    write(tmp_path, "01-a.ipynb", "accuracy 54.0%\n", png="AAAA" * 100)
    write(tmp_path, "02-b.ipynb", "loss 1.0 (12.3 it/s)\n")
    report = rerun_check.changed_lines(first, rerun_check.snapshot(tmp_path))
    assert "--- first run: notebooks/01-a.ipynb" in report
    assert "--- first run: notebooks/02-b.ipynb" in report
    assert '-      "loss 1.0\\n"' in report and '+      "loss 1.0 (12.3 it/s)\\n"' in report
    changed = [line for line in report if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert len(changed) == 4  # one line each way in each notebook
    assert all(len(line) <= rerun_check.SHOWN + 4 for line in report)


def test_added_and_removed_notebooks_count_as_changes(tmp_path):
    write(tmp_path, "01-a.ipynb", "x\n")
    first = rerun_check.snapshot(tmp_path)
    (tmp_path / "notebooks" / "01-a.ipynb").unlink()
    write(tmp_path, "03-c.ipynb", "y\n")
    report = rerun_check.changed_lines(first, rerun_check.snapshot(tmp_path))
    assert "--- first run: notebooks/01-a.ipynb" in report
    assert "+++ second run: notebooks/03-c.ipynb" in report


def test_a_failed_lecture_run_fails_the_check_without_comparing(monkeypatch, capsys):
    runs = []
    monkeypatch.setattr(rerun_check, "run_lecture", lambda selected: runs.append(selected))
    assert rerun_check.main(["06"]) == 1
    assert runs == [["06"]]  # no second run after a failed first one
    assert "a lecture run failed" in capsys.readouterr().err
