"""Does the lecture fit the hour on a laptop CPU? Times the training cells and the whole lecture.

    python bench/bench_lecture.py            # training cells, then the lecture cold and warm
    python bench/bench_lecture.py --cells    # training cells only
    python bench/bench_lecture.py --against REV   # also REV's lecture, warm, in the same run
    python bench/bench_lecture.py --busy     # also warm with one core busy: policy against 2 threads

Part 1 trains each model of the notebooks with the lecture's settings (`lecture_utils.settings`)
on the data that `LECTURE_DATA` selects (the synthetic stand-in unless set), under the thread
policy (or `LECTURE_THREADS`), and compares each with the 60 s that a live cell may take.

Part 2 copies the repository's files (as a fresh clone would have them, outputs included) into
a temporary folder and runs `python tools/lecture.py run` there twice: first cold, with an
empty data cache (the stand-in is generated, or the data downloaded, as on a student's first
run, in the caller's `LECTURE_DATA` mode, auto by default; installing packages is not
counted), then warm, with the cache the first run filled.
The repository's own notebooks are left alone. Both totals are compared with 3 minutes.
With `--busy`, the warm lecture runs again while a plain Python loop keeps one core busy (a
laptop that is also projecting, or in a video call): under the thread policy, then with
torch's default thread count fixed (`LECTURE_THREADS`), as the lecture ran before the policy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CELL_BUDGET_S = 60
LECTURE_BUDGET_S = 180


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def time_training_cells() -> None:
    """Train each of the lecture's models with its notebook's settings; print a table."""
    import torch

    from lecture_utils import models
    from lecture_utils.data import load_sign_mnist
    from lecture_utils.runlog import read_runs
    from lecture_utils.settings import BASELINE_SETTINGS, CNN_SETTINGS
    from lecture_utils.training import train

    cells = [
        ("02", "LogisticRegression", BASELINE_SETTINGS),
        ("04", "SmallConvNet", CNN_SETTINGS),
        ("05", "ConvNet", CNN_SETTINGS),
    ]
    train_data, val_data = load_sign_mnist("train"), load_sign_mnist("test")
    print(f"  {'notebook':<10}{'model':<20}{'epochs':>7}{'seconds':>9}{'threads':>9}{'val acc':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LECTURE_RUN_LOG"] = log = str(Path(tmp) / "runs.jsonl")
        for notebook, name, settings in cells:
            torch.manual_seed(0)
            train(getattr(models, name)(), train_data, val_data, progress=False, **settings)
            run = read_runs(log)[-1]
            print(
                f"  {notebook:<10}{name:<20}{run['epochs']:>7}{run['seconds']:>9.1f}"
                f"{run['threads']:>9}{run['val_accuracy']:>9.1%}   "
                f"<= {CELL_BUDGET_S} s {_verdict(run['seconds'] <= CELL_BUDGET_S)}",
                flush=True,
            )
        del os.environ["LECTURE_RUN_LOG"]


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
    from bench_training import one_core_busy

    default = str(torch.get_num_threads())
    with one_core_busy():
        policy = run_lecture(copy, cache, "One core busy, thread policy", threads="")  # unset
        fixed = run_lecture(copy, cache, f"One core busy, LECTURE_THREADS={default}", default)
    return {"busy, policy": policy, f"busy, {default} thr.": fixed}


def time_lecture(against: str | None, busy: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        copy, cache = Path(tmp) / "repo", Path(tmp) / "cache"
        copy.mkdir()
        cache.mkdir()
        copy_of_repository(copy)
        times = {"cold": run_lecture(copy, cache, "Cold (empty data cache)")}
        times["warm"] = run_lecture(copy, cache, "Warm (the cache of the cold run)")
        busy_times = time_busy_lecture(copy, cache) if busy else {}
        times.update(busy_times)
        if against:
            old = Path(tmp) / "old"
            old.mkdir()
            archive = subprocess.run(["git", "archive", against], cwd=ROOT, capture_output=True)
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
            times[f"{against}, warm"] = run_lecture(old, Path(tmp) / "old-cache", "Warm-up")
            times[f"{against}, warm"] = run_lecture(old, Path(tmp) / "old-cache", against)
    print("\nThe whole lecture, six notebooks in fresh kernels:")
    for label, seconds in times.items():
        verdict = _verdict(seconds <= LECTURE_BUDGET_S)
        print(f"  {label:<14}{seconds:7.1f} s   <= {LECTURE_BUDGET_S} s {verdict}")
    if against:
        print(f"  warm, {against} / this tree: {times[f'{against}, warm'] / times['warm']:.2f}x")
    if busy_times:
        policy, fixed = busy_times.values()
        print(f"  one core busy, torch's default threads / the policy: {fixed / policy:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cells", action="store_true", help="time the training cells only")
    parser.add_argument("--against", metavar="REV", help="also time this git revision's lecture")
    parser.add_argument("--busy", action="store_true", help="also time it with one core busy")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    threads = os.environ.get("LECTURE_THREADS") or "(unset: the policy chooses)"
    print(f"LECTURE_THREADS={threads}")
    data = os.environ.get("LECTURE_DATA")
    os.environ["LECTURE_DATA"] = data or "synthetic"
    print(f"\nTraining cells at the lecture's settings, LECTURE_DATA={os.environ['LECTURE_DATA']}:")
    time_training_cells()
    if not args.cells:
        if data is None:
            del os.environ["LECTURE_DATA"]
        print(f"\nLECTURE_DATA={data or '(unset: auto)'} for the lecture runs")
        time_lecture(args.against, args.busy)


if __name__ == "__main__":
    main()
