"""Regenerate everything derived from the notebook sources, and run the lecture.

    python tools/lecture.py sync            # make sync: badges, each .ipynb, the live copies
    python tools/lecture.py run [01 03 ...] # make lecture: sync, execute in place, a summary

People edit `notebooks/src/NN-slug.py`; `sync` writes their badges and install cells
(colab.py), each `.ipynb` from its `.py` (never back, as `jupytext --sync` may; outputs of
unchanged cells stay) and the live copies (make_live.py). `run` executes each notebook in a
fresh kernel and writes it back, widget ids numbered so that a rerun changes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

import jupytext
import nbformat
from jupytext.combine import combine_inputs_with_outputs

sys.path.insert(0, str(Path(__file__).resolve().parent))
import colab  # noqa: E402
import make_live  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FORMAT = "py:percent"
CELL_TIMEOUT_S = 900
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def pairs(folder: Path = ROOT / "notebooks") -> list[tuple[Path, Path]]:
    """(source .py, .ipynb) for every lecture notebook in `folder`, in lecture order."""
    return [(py, folder / f"{py.stem}.ipynb") for py in sorted((folder / "src").glob("*.py"))]


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    """A notebook as the .ipynb text this project stores (validated first)."""
    nbformat.validate(notebook)
    return jupytext.writes(notebook, fmt="ipynb").rstrip("\n") + "\n"


def update_notebook(py: Path, ipynb: Path, check: bool = False) -> bool:
    """Bring one .ipynb in line with its .py (with `check`, write nothing); True if it differed."""
    notebook = jupytext.read(py, fmt=FORMAT)
    if ipynb.exists():
        old = jupytext.read(ipynb)
        notebook = combine_inputs_with_outputs(notebook, old, fmt=FORMAT)
        kernelspec = notebook.metadata.get("kernelspec")
        notebook.metadata = nbformat.from_dict(dict(old.metadata))
        if kernelspec:
            notebook.metadata["kernelspec"] = kernelspec
    text = notebook_text(notebook)
    if ipynb.exists() and ipynb.read_text("utf-8") == text:
        return False
    if not check:
        colab.write_text(ipynb, text)
    return True


def sync(folder: Path, check: bool = False) -> list[str]:
    """Update each .ipynb in `folder` from its src/*.py; the names of those that differed."""
    return [ipynb.name for py, ipynb in pairs(folder) if update_notebook(py, ipynb, check)]


def regenerate(root: Path = ROOT) -> int:
    """Everything derived from the sources: badges and install cells, .ipynb, live copies."""
    notebooks = root / "notebooks"
    try:
        changed = colab.update(root)
        changed += [f"notebooks/{name}" for name in sync(notebooks)]
        live = make_live.update(notebooks / "src", notebooks / "live")
        changed += [path.relative_to(root).as_posix() for path in live]
    except (colab.ColabError, make_live.MarkerError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in changed:
        print(f"updated {path}")
    return 0


def stable_widget_ids(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with its random widget model ids renumbered by first appearance."""
    state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    order = [
        out.data[WIDGET_VIEW]["model_id"]
        for cell in notebook.cells
        for out in cell.get("outputs", [])
        if WIDGET_VIEW in out.get("data", {})
    ]
    refs = re.compile(r"IPY_MODEL_([0-9a-f]{32})")
    for model in order:  # grows while it is walked: the models each model refers to
        text = json.dumps(state.get(model, {}), sort_keys=True)
        order += [ref for ref in refs.findall(text) if ref not in order]
    order += sorted(set(state) - set(order), key=lambda m: refs.sub("", json.dumps(state[m])))
    mapping = {old: uuid.UUID(int=i + 1).hex for i, old in enumerate(dict.fromkeys(order))}
    text = re.sub(r"[0-9a-f]{32}", lambda m: mapping.get(m[0], m[0]), json.dumps(notebook))
    return nbformat.from_dict(json.loads(text))


def peak_memory_mib(pid: int) -> float | None:
    """A process's peak resident memory, where Linux's /proc tells it."""
    status = Path(f"/proc/{pid}/status")
    lines = status.read_text().splitlines() if status.exists() else []
    return next((int(ln.split()[1]) / 1024 for ln in lines if ln.startswith("VmHWM")), None)


def execute(ipynb: Path, env: dict | None = None) -> tuple[nbformat.NotebookNode, float | None]:
    """Run a notebook top to bottom in a fresh kernel (environment `env`); it and its peak MiB."""
    from nbclient import NotebookClient  # imported here: syncing needs no kernel
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    notebook = nbformat.read(ipynb, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(ipynb.parent)}},
        store_widget_state=True,  # so that saved pages can draw the widgets
        record_timing=False,  # no timestamps in the stored notebooks
    )
    with client.setup_kernel(env=env or dict(os.environ)):
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        client.set_widgets_metadata()
        peak = peak_memory_mib(client.km.provisioner.process.pid)
    # One output per run of printed text: how prints split into messages depends on timing.
    CoalesceStreamsPreprocessor().preprocess(notebook, {})
    return stable_widget_ids(notebook), peak


HEADER = ("notebook", "seconds", "peak MiB", "data", "model trained", "threads", "val. accuracy")


def summary_rows(name: str, seconds: float, peak: float | None, runs: list[dict]) -> list[tuple]:
    """One notebook's rows in the summary: one per training run in its run log (at least one)."""
    data = [r["data"] for r in runs if "data" in r] or [os.environ.get("LECTURE_DATA", "auto")]
    first = (name, f"{seconds:.1f}", f"{peak:.0f}" if peak else "n/a", str(data[-1]))
    trained = [r for r in runs if "model" in r] or [{"model": "-"}]
    return [
        (*(first if i == 0 else [""] * 4), str(r["model"]), str(r.get("threads", "")))
        + (f"{r['val_accuracy']:.1%}" if "val_accuracy" in r else "",)
        for i, r in enumerate(trained)
    ]


def run(selected: list[str], root: Path = ROOT) -> int:
    """Sync, execute the selected notebooks (all when empty) in place, print a summary table."""
    from lecture_utils.runlog import ENV_VAR, read_runs

    start, rows = time.perf_counter(), [HEADER]
    if regenerate(root):
        return 1
    with tempfile.TemporaryDirectory(prefix="lecture-runs-") as logs:
        for _, ipynb in pairs(root / "notebooks"):
            if selected and not ipynb.name.startswith(tuple(selected)):
                continue
            print(f"running notebooks/{ipynb.name} ...", flush=True)
            log, began = Path(logs) / f"{ipynb.stem}.jsonl", time.perf_counter()
            try:
                notebook, peak = execute(ipynb, {**os.environ, ENV_VAR: str(log)})
            except Exception as error:  # the stored notebook stays as it was
                print(f"FAILED, left unchanged: notebooks/{ipynb.name}\n{error}", file=sys.stderr)
                return 1
            colab.write_text(ipynb, notebook_text(notebook))
            rows += summary_rows(ipynb.stem, time.perf_counter() - began, peak, read_runs(log))
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    print("\n" + "\n".join("  ".join(map(str.ljust, row, widths)).rstrip() for row in rows))
    print(f"\nwhole lecture: {time.perf_counter() - start:.0f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["sync", "run"])
    parser.add_argument("notebooks", nargs="*", help="prefixes such as 01 05 (run only)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return regenerate(args.root) if args.command == "sync" else run(args.notebooks, args.root)


if __name__ == "__main__":
    sys.exit(main())
