"""Benchmark the data layer: CSV parse, binary cache read, cache to tensors, stand-in generation.

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
    """Write a real-format CSV (header, then label and 784 pixels per line)."""
    rows = np.column_stack([labels, images.reshape(len(images), -1)]).astype(np.int64)
    with path.open("w") as f:
        f.write(",".join(csv_format.HEADER) + "\n")
        np.savetxt(f, rows, fmt="%d", delimiter=",")


def main() -> None:
    """Print the four timings (median of a few repeats) and the parse/cache ratio."""
    print(
        f"python {sys.version.split()[0]}, torch {torch.__version__}, "
        f"{os.cpu_count()} CPUs, CSV engine: {csv_format._engine()}"
    )
    generation = median_time(
        lambda: (synthetic_sign_mnist("train"), synthetic_sign_mnist("test")), 3
    )
    images, labels = synthetic_sign_mnist("train")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = folder / "sign_mnist_train.csv"
        write_full_csv(csv_path, images, labels)
        size_mb = csv_path.stat().st_size / 1e6

        parse = median_time(lambda: read_sign_mnist_csv(csv_path), 3)
        chosen = csv_format._engine
        by_engine = {}
        for engine in ("c", "pyarrow"):
            csv_format._engine = lambda engine=engine: engine
            by_engine[engine] = median_time(lambda: read_sign_mnist_csv(csv_path), 3)
        csv_format._engine = chosen

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
    print(f"parse + validate CSV            : {parse * 1000:8.1f} ms  (engine chosen here)")
    for engine, seconds in by_engine.items():
        print(f"  ... forcing the {engine:7s} engine : {seconds * 1000:8.1f} ms")
    print(
        f"read binary cache (.npz)        : {cache_read * 1000:8.1f} ms  "
        f"({parse / cache_read:.0f}x faster than the parse; target >= 20x)"
    )
    print(f"load_sign_mnist from cache      : {to_tensors * 1000:8.1f} ms  (float32 tensors)")
    print(f"stand-in generation, both splits: {generation * 1000:8.1f} ms  (target < 10 s)")


if __name__ == "__main__":
    main()
