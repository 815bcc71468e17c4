"""Does the lecture fit the hour on a laptop CPU, and do the default thread counts hold up?

    python bench/bench_lecture.py                  # the training cells, then the whole lecture
    python bench/bench_lecture.py --cells          # the training cells only
    python bench/bench_lecture.py --against REV    # also the thread policy of git revision REV
    python bench/bench_lecture.py --busy           # also the whole lecture with one core busy
    python bench/bench_lecture.py --cells --quick  # a smoke run on 256 images

Part 1 trains the notebooks' models with their settings (02: LogisticRegression with
`BASELINE_SETTINGS`; 04 and 05: SmallConvNet and ConvNet with `CNN_SETTINGS`) on the data that
`LECTURE_DATA` selects (the synthetic stand-in unless set), each run in a fresh Python process.
With the machine idle it times the defaults (`LECTURE_THREADS` unset) and 1 and 2 fixed threads;
with one core kept busy by a plain Python loop (a laptop that is also projecting), the defaults
and 1 thread. It prints each cell's seconds against the 60 s a live cell may take, and whether
the defaults stay within 1.25x of the better fixed count. `--against REV` also times the defaults
of REV's `lecture_utils` (unpacked with `git archive` into a temporary folder: the checkout is
not touched) on the same data and settings, and whether this tree is no slower (5% for noise).

Part 2 copies the repository's files (as a fresh clone would have them, outputs included) into
a temporary folder and runs `python tools/lecture.py run` there twice: first cold, with an
empty data cache (the stand-in is generated, or the data downloaded, as on a student's first
run, in the caller's `LECTURE_DATA` mode, auto by default; installing packages is not
counted), then warm, with the cache the first run filled. Both totals are compared with 3
minutes. With `--busy`, the warm lecture runs again while one core is busy: under the defaults,
then with torch's default thread count fixed (`LECTURE_THREADS`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CELL_BUDGET_S = 60
LECTURE_BUDGET_S = 180
TOLERANCE = 1.25  # the defaults may take this many times the better fixed count
NO_SLOWER = 1.05  # this tree against REV: equal within noise
CELLS = {  # notebook: model, settings
    "02": ("LogisticRegression", "BASELINE_SETTINGS"),
    "04": ("SmallConvNet", "CNN_SETTINGS"),
    "05": ("ConvNet", "CNN_SETTINGS"),
}


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


@contextlib.contextmanager
def one_core_busy() -> Iterator[None]:
    """Keep one core busy with a plain Python loop inside the block."""
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        busy.kill()
        busy.wait()


def worker(tree: str, data_file: str, notebook: str) -> dict:
    """Train one notebook's model with `tree`'s lecture_utils, in this fresh process."""
    sys.path.insert(0, tree)
    import torch

    import lecture_utils
    from lecture_utils import models, settings
    from lecture_utils.runlog import read_runs
    from lecture_utils.training import train

    X_train, y_train, X_val, y_val = torch.load(data_file)
    name, setting = CELLS[notebook]
    torch.manual_seed(0)
    model = getattr(models, name)()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LECTURE_RUN_LOG"] = log = str(Path(tmp) / "runs.jsonl")
        start = time.perf_counter()
        history = train(
            model, (X_train, y_train), (X_val, y_val), progress=False, **getattr(settings, setting)
        )
        seconds = time.perf_counter() - start
        threads = read_runs(log)[-1]["threads"]
    return {
        "seconds": seconds,
        "threads": threads,
        "val_accuracy": history.val_accuracy[-1],
        "package": str(Path(lecture_utils.__file__).parent),
    }


def run_cell(tree: Path, data_file: Path, notebook: str, threads: str | None) -> dict:
    """`worker` in a fresh process; `threads` sets `LECTURE_THREADS`, None leaves it unset."""
    env = {k: v for k, v in os.environ.items() if k not in ("LECTURE_THREADS", "LECTURE_RUN_LOG")}
    env.update({} if threads is None else {"LECTURE_THREADS": threads})
    command = [sys.executable, __file__, "--worker", str(tree), str(data_file), notebook]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"notebook {notebook}'s training failed in {tree}:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(result["package"]) == tree / "lecture_utils", result["package"]
    return result


def save_lecture_data(path: Path, images: int | None) -> str:
    """The lecture's training and validation sets (the first `images`, if given) in `path`."""
    import torch

    from lecture_utils.data import load_sign_mnist

    (X_train, y_train), (X_val, y_val) = load_sign_mnist("train"), load_sign_mnist("test")
    if images:
        X_train, y_train, X_val, y_val = (
            X_train[:images],
            y_train[:images],
            X_val[:images],
            y_val[:images],
        )
    torch.save((X_train, y_train, X_val, y_val), path)
    return f"{len(X_train):,} + {len(X_val):,} images"


def best_run(tree: Path, data_file: Path, notebook: str, threads: str | None, repeats: int) -> dict:
    """The fastest of `repeats` runs of `run_cell`."""
    runs = [run_cell(tree, data_file, notebook, threads) for _ in range(repeats)]
    return min(runs, key=lambda run: run["seconds"])


def unpacked_package(revision: str, folder: Path) -> Path:
    """`lecture_utils` as git revision `revision` has it, unpacked under `folder`."""
    command = ["git", "archive", revision, "lecture_utils"]
    archive = subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def time_training_cells(against: str | None, repeats: int, images: int | None) -> None:
    """Time each notebook's training idle and with one core busy; print the table and verdicts."""
    with tempfile.TemporaryDirectory() as tmp:
        data_file = Path(tmp) / "data.pt"
        sizes = save_lecture_data(data_file, images)
        old = unpacked_package(against, Path(tmp)) if against else None
        variants = {"defaults": (ROOT, None), "THREADS=1": (ROOT, "1"), "THREADS=2": (ROOT, "2")}
        variants.update({against: (old, None)} if against else {})
        data = os.environ["LECTURE_DATA"]
        print(f"\nTraining cells, seconds, best of {repeats}; {sizes}, LECTURE_DATA={data}")
        print(
            f"  {'condition':<10}{'cell':<5}{'model':<20}" + "".join(f"{v:>11}" for v in variants)
        )
        verdicts = []
        for condition in ("idle", "one core busy"):
            busy = condition != "idle"
            with one_core_busy() if busy else contextlib.nullcontext():
                for notebook, (model, _) in CELLS.items():
                    best = {
                        label: best_run(tree, data_file, notebook, threads, repeats)
                        for label, (tree, threads) in variants.items()
                        if not (busy and label == "THREADS=2")  # busy: the defaults against 1
                    }
                    seconds = {label: run["seconds"] for label, run in best.items()}
                    row = "".join(
                        f"{seconds[v]:>11.2f}" if v in seconds else f"{'-':>11}" for v in variants
                    )
                    chosen = best["defaults"]["threads"]
                    print(
                        f"  {condition[:9]:<10}{notebook:<5}{model:<20}{row}   ({chosen} thr.)",
                        flush=True,
                    )
                    where = f"  {condition}, {notebook}:"
                    fixed = min(seconds[v] for v in ("THREADS=1", "THREADS=2") if v in seconds)
                    ratio = seconds["defaults"] / fixed
                    verdicts.append(
                        f"{where} defaults / better fixed count {ratio:.2f}x <= {TOLERANCE}x "
                        f"{_verdict(ratio <= TOLERANCE)}"
                    )
                    if against:
                        ratio = seconds["defaults"] / seconds[against]
                        verdicts.append(
                            f"{where} this tree / {against} {ratio:.2f}x <= {NO_SLOWER}x "
                            f"{_verdict(ratio <= NO_SLOWER)}"
                        )
                    if not busy:
                        ok = seconds["defaults"] <= CELL_BUDGET_S
                        verdicts.append(
                            f"{where} defaults {seconds['defaults']:.1f} s <= {CELL_BUDGET_S} s "
                            f"{_verdict(ok)}"
                        )
        print("\n".join(verdicts))


def copy_of_repository(target: Path) -> None:
    """The files a fresh clone has (tracked, plus new files git does not ignore)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def run_lecture(copy: Path, cache: Path, label: str, threads: str | None = None) -> float:
    """Run `tools/lecture.py run` in `copy` with `cache` as the data cache; return seconds.
    `threads` sets `LECTURE_THREADS`; None leaves the caller's setting."""
    # PYTHONPATH: the copy's own lecture_utils, also in its kernels, not the installed one.
    env = {**os.environ, "LECTURE_CACHE": str(cache), "PYTHONPATH": str(copy)}
    if threads is not None:
        env["LECTURE_THREADS"] = threads
    print(f"\n{label}: python tools/lecture.py run (in a copy of the repository)", flush=True)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "tools/lecture.py", "run"], cwd=copy, env=env)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{label} lecture run failed (exit {done.returncode})")
    return seconds


def time_busy_lecture(copy: Path, cache: Path) -> dict[str, float]:
    """The warm lecture with one core kept busy, under the policy and with torch's default."""
    import torch

    default = str(torch.get_num_threads())
    with one_core_busy():
        policy = run_lecture(copy, cache, "One core busy, thread policy", threads="")  # unset
        fixed = run_lecture(copy, cache, f"One core busy, LECTURE_THREADS={default}", default)
    return {"busy, policy": policy, f"busy, {default} thr.": fixed}


def time_lecture(busy: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        copy, cache = Path(tmp) / "repo", Path(tmp) / "cache"
        copy.mkdir()
        cache.mkdir()
        copy_of_repository(copy)
        times = {"cold": run_lecture(copy, cache, "Cold (empty data cache)")}
        times["warm"] = run_lecture(copy, cache, "Warm (the cache of the cold run)")
        busy_times = time_busy_lecture(copy, cache) if busy else {}
        times.update(busy_times)
    print("\nThe whole lecture, every notebook in a fresh kernel:")
    for label, seconds in times.items():
        verdict = _verdict(seconds <= LECTURE_BUDGET_S)
        print(f"  {label:<14}{seconds:7.1f} s   <= {LECTURE_BUDGET_S} s {verdict}")
    if busy_times:
        defaults, fixed = busy_times.values()
        print(f"  one core busy, torch's default threads / the defaults: {fixed / defaults:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cells", action="store_true", help="time the training cells only")
    parser.add_argument("--against", metavar="REV", help="also time REV's thread policy")
    parser.add_argument("--busy", action="store_true", help="also time the lecture, one core busy")
    parser.add_argument(
        "--repeats", type=int, default=1, help="runs of each cell (the best counts)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 256 images, cells only")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    sys.path.insert(0, str(ROOT))
    data = os.environ.get("LECTURE_DATA")
    os.environ["LECTURE_DATA"] = data or "synthetic"
    time_training_cells(args.against, args.repeats, 256 if args.quick else None)
    if not (args.cells or args.quick):
        if data is None:
            del os.environ["LECTURE_DATA"]
        print(f"\nLECTURE_DATA={data or '(unset: auto)'} for the lecture runs")
        time_lecture(args.busy)


if __name__ == "__main__":
    main()
