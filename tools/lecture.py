"""Regenerate everything derived from the notebook sources, and run the lecture.

    python tools/lecture.py sync            # make sync: badges, each .ipynb, the live copies
    python tools/lecture.py run [01 03 ...] # make lecture: sync, execute in place, a summary
    python tools/lecture.py sync --set-repo https://github.com/ORG/REPO --ref main  # then commit

People edit `notebooks/src/NN-slug.py`; `sync` writes their badges and install cells and
index.qmd's table of notebooks (colab.py), index.qmd's teaching plan (plan.py), the page lists
of `_quarto.yml` (pages.py), each `.ipynb` from its `.py` (never back, as `jupytext --sync`
may; outputs of unchanged cells stay) and the live copies (make_live.py); it executes nothing.
A new notebook needs only its source and `make sync`.
`run` executes each notebook in a fresh kernel and writes it back, widget ids numbered so that
a rerun changes nothing. `--set-repo` first rewrites the repository and ref in `_quarto.yml`,
the one place where they are set. Imports go one way (tests/test_tools.py): lecture.py uses
pages.py and plan.py, plan.py uses make_live.py, and each of them uses colab.py.
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
import pages  # noqa: E402
import plan  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FORMAT = "py:percent"
CELL_TIMEOUT_S = 900
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
RUN_LOG = "LECTURE_RUN_LOG"  # the file `train` logs to (lecture_utils.environment.run_log)


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
    """Everything derived from the sources: badges, install cells, index.qmd's tables, the
    site's page lists, each .ipynb and the live copies; 1 (with the error said) if one fails."""
    notebooks = root / "notebooks"
    try:
        changed = colab.update(root)
        changed += plan.update(root)
        changed += pages.update(root)
        changed += [f"notebooks/{name}" for name in sync(notebooks)]
        live = make_live.update(notebooks / "src", notebooks / "live")
        changed += [path.relative_to(root).as_posix() for path in live]
    except (colab.ColabError, pages.PagesError, make_live.MarkerError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in changed:
        print(f"updated {path}")
    for problem in plan.problems(plan.typed(root)):
        print(f"the teaching plan does not fit: {problem}")
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
    # Models no output shows, by content; equal ones keep their stored order (never set order,
    # which changes with PYTHONHASHSEED).
    rest = [model for model in state if model not in order]
    order += sorted(rest, key=lambda m: refs.sub("", json.dumps(state[m], sort_keys=True)))
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
ERROR_SHOWN = 100  # characters of a failed notebook's error, under the table


def summary_rows(
    name: str, seconds: float, peak: float | None, runs: list[dict], failed: bool = False
) -> list[tuple]:
    """One notebook's rows in the summary: one per training run in its run log (at least one),
    the per-notebook columns in the first only; a failed notebook's one row says FAILED."""
    from lecture_utils.environment import data_choice  # imported here: syncing needs no torch

    data = [r["data"] for r in runs if "data" in r] or [data_choice() or "auto"]
    first = (name, f"{seconds:.1f}", f"{peak:.0f}" if peak else "n/a", str(data[-1]))
    if failed:
        return [(*first, "FAILED (below)", "", "")]
    trained = [r for r in runs if "model" in r] or [{"model": "-"}]
    return [
        (*(first if i == 0 else [""] * 4), str(r["model"]), str(r.get("threads", "")))
        + (f"{r['val_accuracy']:.1%}" if "val_accuracy" in r else "",)
        for i, r in enumerate(trained)
    ]


def one_line(error: BaseException) -> str:
    """A notebook's error in one line: the exception raised in its cell, clipped."""
    name, value = getattr(error, "ename", None), getattr(error, "evalue", None)
    text = f"{name}: {value}" if name else f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= ERROR_SHOWN else text[: ERROR_SHOWN - 3] + "..."


def run(selected: list[str], root: Path = ROOT) -> int:
    """Sync, execute the selected notebooks (all when empty) in place, print a summary table.

    A notebook that fails is left as it was stored and the others still run; the table marks
    it, its error follows in one line, and the exit status is 1."""
    from lecture_utils.runlog import read_runs

    start, rows, failed = time.perf_counter(), [HEADER], {}
    if regenerate(root):
        return 1
    with tempfile.TemporaryDirectory(prefix="lecture-runs-") as logs:
        for _, ipynb in pairs(root / "notebooks"):
            if selected and not ipynb.name.startswith(tuple(selected)):
                continue
            print(f"running notebooks/{ipynb.name} ...", flush=True)
            log, began = Path(logs) / f"{ipynb.stem}.jsonl", time.perf_counter()
            peak = None
            try:
                notebook, peak = execute(ipynb, {**os.environ, RUN_LOG: str(log)})
            except Exception as error:  # the stored notebook stays as it was
                failed[ipynb.stem] = one_line(error)
                print(f"FAILED, left unchanged: notebooks/{ipynb.name}\n{error}", file=sys.stderr)
            else:
                colab.write_text(ipynb, notebook_text(notebook))
            seconds = time.perf_counter() - began
            rows += summary_rows(ipynb.stem, seconds, peak, read_runs(log), ipynb.stem in failed)
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    print("\n" + "\n".join("  ".join(map(str.ljust, row, widths)).rstrip() for row in rows))
    for name, error in failed.items():
        print(f"{name} FAILED (its stored notebook is unchanged): {error}")
    print(f"\nwhole lecture: {time.perf_counter() - start:.0f} s")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["sync", "run"])
    parser.add_argument("notebooks", nargs="*", help="prefixes such as 01 05 (run only)")
    parser.add_argument("--set-repo", metavar="URL", help="sync: https://github.com/OWNER/REPO")
    parser.add_argument("--ref", help="with --set-repo: the branch or tag students use")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if bool(args.set_repo) != bool(args.ref) or (args.set_repo and args.command != "sync"):
        parser.error("give both --set-repo URL and --ref REF, with the command sync")
    if args.set_repo:
        try:
            repo = colab.set_repo(args.set_repo, args.ref, args.root)
        except colab.ColabError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"{colab.CONFIG}: repo-url {repo.url}, repo-branch {repo.ref}")
    return regenerate(args.root) if args.command == "sync" else run(args.notebooks, args.root)


if __name__ == "__main__":
    sys.exit(main())
