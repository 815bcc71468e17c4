"""Benchmark the data layer: CSV parse, binary copy read, cache to tensors, stand-in generation
and the stand-in's CSV file (written once per cache by ``sign_mnist_csv``); then a folder of your
own data at scale (``LECTURE_DATA=folder`` with 200,000 training rows): the load cold (parsed
into a binary copy) and warm (from the copy), with the peak memory of each against the CSV's size.

Run: ``.venv/bin/python bench/bench_data.py [--rows N] [--scale-only]``. Works offline: the CSV
files are written from the synthetic stand-in into a temporary folder, and the cache points there.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from lecture_utils.data import dataset, load_sign_mnist
from lecture_utils.data.cache import cached_arrays
from lecture_utils.data.csv_format import read_sign_mnist_csv, write_sign_mnist_csv
from lecture_utils.data.download import git_blob_id
from lecture_utils.data.synthetic import synthetic_sign_mnist


def median_time(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def write_full_csv(path: Path, images: np.ndarray, labels: np.ndarray) -> None:
    """Write a real-format CSV, as ``sign_mnist_csv`` does for the stand-in."""
    with path.open("wb") as f:
        write_sign_mnist_csv(f, images, labels)


# One load in a fresh process: seconds, and its peak resident memory above the resident memory
# before the load (what the load itself needed, not the imports). On Linux the peak is reset
# after the imports (clear_refs) and read from /proc; elsewhere ru_maxrss (KiB on Linux, bytes
# on macOS) is the process's peak so far.
CHILD = """
import resource, sys, time
from lecture_utils.data import load_sign_mnist

def status(field):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith(field + ":"))

def peak():
    try:
        return status("VmHWM")
    except OSError:
        unit = 1 if sys.platform == "darwin" else 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit

try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak to the present
    before = status("VmRSS")
except OSError:
    before = peak()
start = time.perf_counter()
x, y = load_sign_mnist("train", source=sys.argv[1])
seconds = time.perf_counter() - start
print(seconds, peak() - before, peak(), len(y))
"""


def own_folder_at_scale(rows: int) -> None:
    """Load a folder of ``rows`` training rows cold and warm, each in a fresh process."""
    images, labels = synthetic_sign_mnist("train")
    test_images, test_labels = synthetic_sign_mnist("test")
    with tempfile.TemporaryDirectory() as tmp:
        folder, cache = Path(tmp) / "own", Path(tmp) / "cache"
        folder.mkdir()
        start = time.perf_counter()
        write_full_csv(
            folder / "sign_mnist_train.csv",
            np.resize(images, (rows, 28, 28)),
            np.resize(labels, rows),
        )
        write_full_csv(folder / "sign_mnist_test.csv", test_images, test_labels)
        size = (folder / "sign_mnist_train.csv").stat().st_size
        print(
            f"\nOwn data folder: {rows:,} training rows, CSV {size / 1e6:.0f} MB "
            f"(written in {time.perf_counter() - start:.1f} s)"
        )
        env = {**os.environ, "LECTURE_CACHE": str(cache), "PYTHONWARNINGS": "ignore"}
        for label in ("cold (parse, write the binary copy)", "warm (from the binary copy)"):
            result = subprocess.run(
                [sys.executable, "-c", CHILD, str(folder)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            seconds, grew, peak, n = (float(v) for v in result.stdout.split()[-4:])
            assert n == rows, result.stdout
            print(
                f"load_sign_mnist {label:<36}: {seconds:6.1f} s, peak memory +{grew / 1e6:,.0f} MB"
                f" = {grew / size:.2f}x the CSV (target <= 3x; process peak {peak / 1e6:,.0f} MB)"
            )


def main() -> None:
    """Print the timings (median of a few repeats), then the own-folder load at scale."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the own-data CSV")
    parser.add_argument("--scale-only", action="store_true", help="only the own-data folder")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, torch {torch.__version__}, {os.cpu_count()} CPUs")
    if not args.scale_only:
        full_size()
    own_folder_at_scale(args.rows)


def full_size() -> None:
    """The real data's size: parse, binary cache, tensors, stand-in generation and CSV."""
    generation = median_time(
        lambda: (synthetic_sign_mnist("train"), synthetic_sign_mnist("test")), 3
    )
    images, labels = synthetic_sign_mnist("train")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = folder / "sign_mnist_train.csv"
        write_csv = median_time(lambda: write_full_csv(csv_path, images, labels), 1)
        size_mb = csv_path.stat().st_size / 1e6

        parse = median_time(lambda: read_sign_mnist_csv(csv_path), 3)
        pandas_only = median_time(lambda: pd.read_csv(csv_path), 3)

        # The whole load_sign_mnist path from a warm cache (real-data route, no network).
        os.environ["LECTURE_CACHE"] = str(folder)
        os.environ["LECTURE_DATA_URL"] = "http://127.0.0.1:9/unreachable"
        dataset.BLOB_IDS = {"train": git_blob_id(csv_path), "test": "unused"}
        arrays = read_sign_mnist_csv(csv_path)
        cached_arrays("sign_mnist_train.npz", dataset.BLOB_IDS["train"], lambda: arrays)
        cache_read = median_time(
            lambda: cached_arrays("sign_mnist_train.npz", dataset.BLOB_IDS["train"], None), 7
        )
        with contextlib.redirect_stdout(io.StringIO()):
            x, _ = load_sign_mnist("train", source="real")
            to_tensors = median_time(lambda: load_sign_mnist("train", source="real"), 7)

    print(f"CSV size: {size_mb:.1f} MB, {len(labels):,} rows; tensors {tuple(x.shape)} {x.dtype}")
    print(f"parse + validate CSV            : {parse * 1000:8.1f} ms")
    print(
        f"  ... pd.read_csv alone         : {pandas_only * 1000:8.1f} ms  "
        f"(parse + validate: {parse / pandas_only:.2f}x its time)"
    )
    print(
        f"read the binary copy (.npz)     : {cache_read * 1000:8.1f} ms  "
        f"({parse / cache_read:.0f}x faster than the parse; target >= 20x)"
    )
    print(f"load_sign_mnist from cache      : {to_tensors * 1000:8.1f} ms  (float32 tensors)")
    print(f"stand-in generation, both splits: {generation * 1000:8.1f} ms  (target < 10 s)")
    print(f"stand-in train CSV written once : {write_csv * 1000:8.1f} ms  (sign_mnist_csv)")


if __name__ == "__main__":
    main()
