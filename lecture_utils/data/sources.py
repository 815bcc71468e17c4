"""Choose where Sign Language MNIST comes from, load it, and remember which source was used.

``LECTURE_DATA`` (or the ``source`` argument) selects: ``auto`` (cache, else download, else the
synthetic stand-in, said once), ``real`` (cache or download, else DataError), ``synthetic``, or
a folder holding ``sign_mnist_train.csv`` and ``sign_mnist_test.csv``.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import torch

from . import download
from .cache import (
    RELATIVE_RULE,
    Arrays,
    DataError,
    atomic_path,
    cache_dir,
    cached_arrays,
    file_lock,
    shown,
    user_path,
)
from .csv_format import HEADER, pixels_to_tensors, read_sign_mnist_csv, write_sign_mnist_csv
from .synthetic import SYNTHETIC_VERSION, synthetic_sign_mnist

SOURCE_ENV = "LECTURE_DATA"
CHOICES = ("auto", "real", "synthetic")
SPLITS = ("train", "test")
SYNTHETIC_SEED = 0
STAND_IN = f"synthetic-v{SYNTHETIC_VERSION}-seed{SYNTHETIC_SEED}"  # names its cache files
SYNTHETIC_NOTE = "Synthetic stand-in data, not real Sign Language MNIST photographs"

_LABELS = {
    "download": "downloaded and verified",
    "cache": "cache",
    "local": "local files",
    "synthetic": "synthetic stand-in",
}


@dataclass(frozen=True)
class DataSource:
    """Where one load came from; ``fingerprint`` names the exact data (e.g. to key checkpoints)."""

    kind: str  # "download", "cache", "local" or "synthetic"
    split: str
    n_images: int
    fingerprint: str  # the same for both splits of one source
    location: str = ""  # the file or folder read, or "" for the stand-in

    @property
    def label(self) -> str:
        """Human words for the kind, e.g. "downloaded and verified" or "synthetic stand-in"."""
        return _LABELS[self.kind]

    @property
    def is_synthetic(self) -> bool:
        """True for the stand-in, whose images are not real photographs."""
        return self.kind == "synthetic"

    def describe(self) -> str:
        """The one line printed on every load."""
        location = shown(self.location)  # no user's name in stored outputs
        where = {
            "download": f"a verified download, now cached in {location}",
            "cache": f"the cache (verified download) at {location}",
            "local": f"local files (validated, not checksum-verified) in {location}",
            "synthetic": (
                "the SYNTHETIC STAND-IN: rendered letters, not real photographs of hands "
                f"({self.fingerprint})"
            ),
        }[self.kind]
        return f"Sign Language MNIST {self.split}: {self.n_images:,} images from {where}"


_latest: DataSource | None = None
_auto_fallbacks: set[tuple[str, str]] = set()  # (cache, URL) where auto chose the stand-in


def load_sign_mnist(
    split: str, *, source: str | os.PathLike[str] | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Load one split as float32 images (N, 1, 28, 28) in [0, 1] and int64 labels (N,).

    ``source`` overrides ``$LECTURE_DATA``; the line printed says which source was used.
    """
    images, labels = load_arrays(split, source=source)
    return pixels_to_tensors(images, labels)


def sign_mnist_csv(split: str, *, source: str | os.PathLike[str] | None = None) -> Path:
    """The path of a CSV file holding one split, whatever the source (``pd.read_csv`` reads it).

    Real data: the verified download; a local folder: its file; the stand-in: a copy written
    into the cache once (or into a temporary folder, said, if the cache cannot be written).
    """
    arrays, info = _load(split, source)
    if info.is_synthetic:
        path = _stand_in_csv(split, arrays)
    elif info.kind == "local":
        path = Path(info.location) / download.FILE_NAMES[split]
    else:
        path = download.real_csv(split)
        info = replace(info, location=str(path))
    _record(info)
    return path


def sign_mnist_table(split: str) -> pd.DataFrame:
    """One split as its CSV file's table: a `label` column, then `pixel1` ... `pixel784`."""
    images, labels = load_arrays(split)
    table = pd.DataFrame(images.reshape(len(images), -1), columns=list(HEADER[1:]))
    table.insert(0, "label", labels)
    return table


def data_source() -> DataSource | None:
    """The source of the latest load in this process, or None before the first one."""
    return _latest


def source_note() -> str:
    """A sentence for plots and reports when the latest load was synthetic, else ""."""
    return SYNTHETIC_NOTE if _latest is not None and _latest.is_synthetic else ""


def load_arrays(split: str, *, source: str | os.PathLike[str] | None = None) -> Arrays:
    """Load one split as uint8 images and int64 labels, print its source and remember it."""
    arrays, info = _load(split, source)
    _record(info)
    return arrays


def _record(info: DataSource) -> None:
    global _latest
    _latest = info
    print(info.describe())


def _load(split: str, source: str | os.PathLike[str] | None) -> tuple[Arrays, DataSource]:
    if split not in SPLITS:
        raise DataError(f"split must be 'train' or 'test', not {split!r}")
    choice = resolve_source(source)
    if choice == "synthetic":
        return _synthetic(split)
    if choice == "real":
        return _real(split)
    if choice == "auto":
        return _auto(split)
    return _local(split, Path(choice))


def resolve_source(source: str | os.PathLike[str] | None = None) -> str:
    """Return "auto", "real", "synthetic" or a folder path from ``source`` or ``$LECTURE_DATA``."""
    value = os.fspath(source) if source is not None else os.environ.get(SOURCE_ENV, "")
    value = value.strip() or "auto"
    if value.lower() in CHOICES:
        return value.lower()
    folder = user_path(value)
    if folder.is_dir():
        return str(folder)
    raise DataError(
        f"{SOURCE_ENV}={value!r} is not valid: use one of {', '.join(CHOICES)}, or the path of "
        f"an existing folder holding sign_mnist_train.csv and sign_mnist_test.csv. "
        f"{RELATIVE_RULE}: here that is {folder}."
    )


def _real_fingerprint(train_blob: str, test_blob: str) -> str:
    """One name for a pair of CSV files; the same bytes give the same name, whatever the source."""
    return f"sign-mnist-{train_blob[:10]}-{test_blob[:10]}"


def _real(split: str) -> tuple[Arrays, DataSource]:
    arrays, downloaded = download.real_arrays(split)
    fingerprint = _real_fingerprint(download.BLOB_IDS["train"], download.BLOB_IDS["test"])
    csv = cache_dir() / download.FILE_NAMES[split]
    kind, where = ("download", csv) if downloaded else ("cache", csv.with_suffix(".npz"))
    return arrays, DataSource(kind, split, len(arrays[1]), fingerprint, str(where))


def _synthetic(split: str) -> tuple[Arrays, DataSource]:
    path = cache_dir() / f"{STAND_IN}-{split}.npz"

    def build() -> Arrays:
        return synthetic_sign_mnist(split, seed=SYNTHETIC_SEED)

    try:
        arrays = cached_arrays(path, STAND_IN, build)
    except (DataError, OSError) as exc:  # an unusable cache folder should not stop the stand-in
        print(f"Not caching the synthetic stand-in: {shown(exc)}")
        arrays = build()
    return arrays, DataSource("synthetic", split, len(arrays[1]), STAND_IN)


def _stand_in_csv(split: str, arrays: Arrays) -> Path:
    """The stand-in as a CSV file, written once into the cache (else into a temporary folder)."""
    name = f"{STAND_IN}-{split}.csv"
    try:
        return _write_once(cache_dir() / name, arrays)
    except (DataError, OSError) as exc:
        print(f"Writing the stand-in's CSV file into a temporary folder instead: {shown(exc)}")
    return _write_once(_temporary_folder() / name, arrays)


def _write_once(path: Path, arrays: Arrays) -> Path:
    if not path.is_file():
        with file_lock(path):
            if not path.is_file():  # another process may have written it meanwhile
                with atomic_path(path) as tmp, tmp.open("wb") as f:
                    write_sign_mnist_csv(f, *arrays)
    return path


@functools.cache
def _temporary_folder() -> Path:
    """A folder of this process's own, deleted when it ends."""
    folder = Path(tempfile.mkdtemp(prefix="lecture-cnn-asl-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _auto(split: str) -> tuple[Arrays, DataSource]:
    """Real data when both splits can be had, else the stand-in for this and later loads.

    Checking the other split too keeps a session from training on real images and testing on
    synthetic ones (or the reverse) when the network drops between two loads. The message
    comes once per process and names no path of this machine: notebooks store it.
    """
    key = (str(cache_dir()), download.base_url())
    if key in _auto_fallbacks:
        return _synthetic(split)
    # A failure remembered from another process is told in the same words as a new one, so
    # that a notebook's stored output does not depend on when it last ran.
    reason = download.recent_failure()
    if reason is None:
        try:
            result = _real(split)
            download.real_arrays(SPLITS[1 - SPLITS.index(split)])
            return result
        except (DataError, OSError) as exc:
            reason = str(exc)
            download.remember_failure(reason)
    _auto_fallbacks.add(key)
    print(
        f"WARNING: Could not get the real Sign Language MNIST data: {shown(reason)}\n"
        "USING THE SYNTHETIC STAND-IN instead: rendered letters, not photographs of hands, so "
        "pictures and accuracies will differ from the lecture notes. To get the real data, "
        "connect to the internet and run `python -m lecture_utils.data` (or `make data`), set "
        "LECTURE_DATA_URL to a mirror, or set LECTURE_DATA to a folder holding "
        "sign_mnist_train.csv and sign_mnist_test.csv. Set LECTURE_DATA=synthetic to choose "
        "the stand-in without this message."
    )
    return _synthetic(split)


def _local(split: str, folder: Path) -> tuple[Arrays, DataSource]:
    paths = {name: folder / download.FILE_NAMES[name] for name in SPLITS}
    for path in paths.values():
        if not path.is_file():
            raise DataError(
                f"{path}: file not found (LECTURE_DATA={folder} must hold "
                "sign_mnist_train.csv and sign_mnist_test.csv)"
            )
    arrays = read_sign_mnist_csv(paths[split])
    fingerprint = _real_fingerprint(*(download.blob_id_memo(paths[name]) for name in SPLITS))
    return arrays, DataSource("local", split, len(arrays[1]), fingerprint, str(folder))
