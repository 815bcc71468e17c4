"""Benchmark the data layer: CSV parse, binary cache read, cache to tensors, stand-in generation
and the stand-in's CSV file (written once per cache by ``sign_mnist_csv``).

Run: ``.venv/bin/python bench/bench_data.py``. Works offline: the full-size CSV is written from
the synthetic stand-in into a temporary folder, and the cache points there.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from lecture_utils.data import csv_format, download, load_sign_mnist, read_sign_mnist_csv
from lecture_utils.data.cache import read_npz, write_npz
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
        csv_format.write_sign_mnist_csv(f, images, labels)


def main() -> None:
    """Print the four timings (median of a few repeats) and the parse/cache ratio."""
    print(f"python {sys.version.split()[0]}, torch {torch.__version__}, {os.cpu_count()} CPUs")
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

        npz_path = folder / "sign_mnist_train.npz"
        blob_id = download.git_blob_id(csv_path)
        write_npz(npz_path, *read_sign_mnist_csv(csv_path), source_id=blob_id)
        cache_read = median_time(lambda: read_npz(npz_path, blob_id), 7)

        # The whole load_sign_mnist path from a warm cache (real-data route, no network).
        os.environ["LECTURE_CACHE"] = str(folder)
        os.environ["LECTURE_DATA_URL"] = "http://127.0.0.1:9/unreachable"
        download.BLOB_IDS = {"train": blob_id, "test": "unused"}
        with contextlib.redirect_stdout(io.StringIO()):
            x, _ = load_sign_mnist("train", source="real")
            to_tensors = median_time(lambda: load_sign_mnist("train", source="real"), 7)

    print(f"CSV size: {size_mb:.1f} MB, {len(labels):,} rows; tensors {tuple(x.shape)} {x.dtype}")
    print(f"parse + validate CSV            : {parse * 1000:8.1f} ms")
    print(
        f"  ... pd.read_csv alone         : {pandas_only * 1000:8.1f} ms  "
        f"(validation adds {parse / pandas_only:.2f}x)"
    )
    print(
        f"read binary cache (.npz)        : {cache_read * 1000:8.1f} ms  "
        f"({parse / cache_read:.0f}x faster than the parse; target >= 20x)"
    )
    print(f"load_sign_mnist from cache      : {to_tensors * 1000:8.1f} ms  (float32 tensors)")
    print(f"stand-in generation, both splits: {generation * 1000:8.1f} ms  (target < 10 s)")
    print(f"stand-in train CSV written once : {write_csv * 1000:8.1f} ms  (sign_mnist_csv)")


if __name__ == "__main__":
    main()
