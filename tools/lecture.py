"""Keep the paired notebooks in sync and run the lecture.

    python tools/lecture.py sync            # update every .ipynb from its .py (keeps outputs)
    python tools/lecture.py check           # exit 1 if a pair differs (CI)
    python tools/lecture.py run [01 03 ...] # sync, execute in place, print a summary table

The percent-format `.py` in notebooks/src/ is the source that people edit. Syncing always goes
from `.py` to `.ipynb` (never `jupytext --sync`, which can let a stale, freshly executed
`.ipynb` overwrite an edited `.py`). Notebooks are written atomically, and a notebook whose
execution fails is left as it was.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
from jupytext.combine import combine_inputs_with_outputs

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "src"
FORMAT = "py:percent"
CELL_TIMEOUT_S = 900


def pairs(folder: Path = NOTEBOOKS) -> list[tuple[Path, Path]]:
    """(source .py, notebook .ipynb) for every lecture notebook, in lecture order."""
    return [(py, folder / f"{py.stem}.ipynb") for py in sorted((folder / "src").glob("*.py"))]


def write_atomically(path: Path, text: str) -> None:
    """Write a file so that readers see either the old file or the complete new one."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def notebook_from_source(py: Path, ipynb: Path) -> nbformat.NotebookNode:
    """The notebook that the .py describes, keeping what the .py does not carry.

    Outputs of cells whose code is unchanged stay, and so does the notebook's own metadata
    (for example the widget state that lets a saved page draw its widgets), except the
    kernelspec, which the .py holds.
    """
    notebook = jupytext.read(py, fmt=FORMAT)
    if ipynb.exists():
        old = jupytext.read(ipynb)
        notebook = combine_inputs_with_outputs(notebook, old, fmt=FORMAT)
        metadata = nbformat.from_dict(dict(old.metadata))
        if "kernelspec" in notebook.metadata:
            metadata["kernelspec"] = notebook.metadata["kernelspec"]
        notebook.metadata = metadata
    return notebook


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    """A notebook as the .ipynb text this project stores (validated first)."""
    nbformat.validate(notebook)
    return jupytext.writes(notebook, fmt="ipynb").rstrip("\n") + "\n"


def update_notebook(py: Path, ipynb: Path) -> bool:
    """Bring one .ipynb in line with its .py; True if the file changed."""
    text = notebook_text(notebook_from_source(py, ipynb))
    if ipynb.exists() and ipynb.read_text("utf-8") == text:
        return False
    write_atomically(ipynb, text)
    return True


def sync(folder: Path = NOTEBOOKS) -> None:
    """Update every .ipynb from its .py, writing only those that change."""
    for py, ipynb in pairs(folder):
        if update_notebook(py, ipynb):
            print(f"updated {ipynb.name} from src/{py.name}")


def _content(notebook: nbformat.NotebookNode) -> list[tuple[str, str, list[str]]]:
    """What a pair must agree on: each cell's type, source and tags."""
    return [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in notebook.cells]


def out_of_sync(folder: Path = NOTEBOOKS) -> list[str]:
    """Pairs whose .ipynb does not hold exactly the code and text of its .py."""
    problems = []
    for py, ipynb in pairs(folder):
        if not ipynb.exists():
            problems.append(f"{ipynb.name} is missing")
        elif _content(jupytext.read(ipynb)) != _content(jupytext.read(py, fmt=FORMAT)):
            problems.append(f"{ipynb.name} differs from src/{py.name}")
    orphans = {p.stem for p in folder.glob("*.ipynb")} - {py.stem for py, _ in pairs(folder)}
    problems += [f"{stem}.ipynb has no src/{stem}.py" for stem in sorted(orphans)]
    return problems


def _peak_memory_mib(pid: int) -> float | None:
    """A process's peak resident memory (Linux), or None where /proc is not available."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def execute(ipynb: Path) -> tuple[nbformat.NotebookNode, float, float | None]:
    """Run a notebook top to bottom in a fresh kernel; return it, its seconds and peak MiB."""
    from nbclient import NotebookClient  # imported here: syncing and checking need no kernel

    notebook = nbformat.read(ipynb, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # timestamps of an earlier run
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(ipynb.parent)}},
        store_widget_state=True,
        record_timing=False,  # no timestamps in the stored notebooks: reruns change nothing
    )
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        client.set_widgets_metadata()  # so that saved pages can render the widgets
        peak = _peak_memory_mib(client.km.provisioner.process.pid)
    return notebook, time.perf_counter() - start, peak


def run(selected: list[str]) -> int:
    from lecture_utils.report import format_table, results_in

    start = time.perf_counter()
    sync()
    rows = []
    for _, ipynb in pairs():
        if selected and not any(ipynb.stem.startswith(prefix) for prefix in selected):
            continue
        print(f"running {ipynb.relative_to(ROOT)} ...", flush=True)
        try:
            notebook, seconds, peak = execute(ipynb)
        except Exception as error:  # the stored notebook stays as it was
            print(
                f"FAILED: {ipynb.relative_to(ROOT)} was left unchanged.\n{error}", file=sys.stderr
            )
            return 1
        write_atomically(ipynb, notebook_text(notebook))
        results = results_in(notebook)
        data = next((r["data"] for r in results if "data" in r), "")
        accuracies = ", ".join(
            f"{r['model']} {r['val_accuracy']:.1%}" for r in results if "model" in r
        )
        memory = f"{peak:.0f}" if peak is not None else "n/a"
        rows.append((ipynb.stem, f"{seconds:.1f}", memory, data, accuracies or "-"))
    header = ("notebook", "seconds", "peak MiB", "data", "validation accuracy")
    print()
    print(format_table(rows, header))
    print(f"\nwhole lecture: {time.perf_counter() - start:.0f} s")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["sync", "check", "run"])
    parser.add_argument("notebooks", nargs="*", help="prefixes such as 01 05 (run only)")
    args = parser.parse_args()
    if args.command == "sync":
        sync()
    elif args.command == "check":
        problems = out_of_sync()
        for problem in problems:
            print(problem)
        if problems:
            print("Run `make sync` (python tools/lecture.py sync) after editing a .py.")
            return 1
        print(f"{len(pairs())} notebook pairs in sync")
    else:
        return run(args.notebooks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
