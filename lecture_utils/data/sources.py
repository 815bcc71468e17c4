"""Choose where Sign Language MNIST comes from, load it, and remember which source was used.

``LECTURE_DATA`` (or the ``source`` argument) selects: ``auto`` (cache, else download, else the
synthetic stand-in), ``real`` (cache or download, else DataError), ``synthetic``, or a folder
holding ``sign_mnist_train.csv`` and ``sign_mnist_test.csv`` (parsed once into a binary copy in
the cache). Loads print nothing: ``data_source()`` says what was loaded, and notebooks show it
once, in the banner of ``lecture_utils.report.show_data_source``.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from . import download
from .cache import (
    CACHE_ENV,
    RELATIVE_RULE,
    Arrays,
    CacheMiss,
    DataError,
    atomic_path,
    cache_dir,
    cached_arrays,
    file_lock,
    read_npz,
    shown,
    user_path,
    writable_folder,
)
from .csv_format import pixels_to_tensors, read_sign_mnist_csv, write_sign_mnist_csv
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
    fallback_reason: str = ""  # why auto mode could not get the real data, if it fell back

    @property
    def fell_back(self) -> bool:
        """True when auto mode wanted the real data and took the stand-in instead."""
        return bool(self.fallback_reason)

    @property
    def label(self) -> str:
        """Human words for the kind, e.g. "downloaded and verified" or "synthetic stand-in"."""
        return _LABELS[self.kind]

    @property
    def is_synthetic(self) -> bool:
        """True for the stand-in, whose images are not real photographs."""
        return self.kind == "synthetic"

    @property
    def is_real(self) -> bool:
        """True for Sign Language MNIST itself (downloaded or cached, checksums verified); a
        folder of your own files may hold anything, so the lecture's real-data claims skip it."""
        return self.kind in ("download", "cache")

    @property
    def name(self) -> str:
        """How results name their data: the stand-in, Sign Language MNIST, or your own files."""
        if self.is_synthetic:
            return "the synthetic stand-in"
        return "Sign Language MNIST" if self.is_real else "your own data files"

    def describe(self) -> str:
        """One line for people: the split, its size and where it came from."""
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
_auto_fallbacks: dict[tuple[str, str], str] = {}  # (cache, URL) where auto fell back: why
_unsaved_stand_ins: dict[str, Arrays] = {}  # the stand-in where the cache could not keep it


def load_sign_mnist(
    split: str, *, source: str | os.PathLike[str] | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Load one split as float32 images (N, 1, 28, 28) in [0, 1] and int64 labels (N,).

    ``source`` overrides ``$LECTURE_DATA``; ``data_source()`` then says which source was used.
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


def data_source() -> DataSource | None:
    """The source of the latest load in this process, or None before the first one."""
    return _latest


def source_note() -> str:
    """A sentence for plots and reports when the latest load was synthetic, else ""."""
    return SYNTHETIC_NOTE if _latest is not None and _latest.is_synthetic else ""


def load_arrays(split: str, *, source: str | os.PathLike[str] | None = None) -> Arrays:
    """Load one split as uint8 images and int64 labels, and remember its source."""
    arrays, info = _load(split, source)
    _record(info)
    return arrays


def _record(info: DataSource) -> None:
    global _latest
    _latest = info


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
    folder = user_path(value, SOURCE_ENV)
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
    """The stand-in from the cache, else generated (once per process where it cannot be kept)."""

    def build() -> Arrays:
        return synthetic_sign_mnist(split, seed=SYNTHETIC_SEED)

    arrays = _unsaved_stand_ins.get(split)
    if arrays is None:
        try:
            arrays = cached_arrays(cache_dir() / f"{STAND_IN}-{split}.npz", STAND_IN, build)
        except (DataError, OSError) as exc:  # an unusable cache must not stop the stand-in
            print(f"Not caching the synthetic stand-in: {shown(exc)}")
            arrays = _unsaved_stand_ins[split] = build()
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
    synthetic ones (or the reverse) when the network drops between two loads. Whatever goes
    wrong on the way to the real data (no network, a bad LECTURE_DATA_URL, an unusable cache),
    the lecture goes on with the stand-in; the DataSource keeps the reason (``make data``
    prints it), and notebooks show only that they fell back, in words that never change.
    """
    key = (os.environ.get(CACHE_ENV, "").strip(), os.environ.get(download.URL_ENV, "").strip())
    if key not in _auto_fallbacks:
        try:
            reason = download.recent_failure()  # another process failed a moment ago
            if reason is None:
                result = _real(split)
                download.real_arrays(SPLITS[1 - SPLITS.index(split)])
                return result
        except Exception as exc:  # any failure on the way to the real data falls back
            reason = str(exc) if isinstance(exc, DataError) else f"{type(exc).__name__}: {exc}"
            download.remember_failure(reason)
        _auto_fallbacks[key] = shown(reason)
    arrays, info = _synthetic(split)
    return arrays, replace(info, fallback_reason=_auto_fallbacks[key])


def try_network_again() -> None:
    """Let the next auto load try to download at once, as if no download had failed."""
    _auto_fallbacks.clear()
    download.forget_failure()


def _local(split: str, folder: Path) -> tuple[Arrays, DataSource]:
    paths = {name: folder / download.FILE_NAMES[name] for name in SPLITS}
    for path in paths.values():
        if not path.is_file():
            raise DataError(
                f"{path}: file not found (LECTURE_DATA={folder} must hold "
                "sign_mnist_train.csv and sign_mnist_test.csv)"
            )
    blob_ids = {name: download.blob_id_memo(paths[name]) for name in SPLITS}
    arrays = _own_arrays(paths[split], blob_ids[split])
    fingerprint = _real_fingerprint(blob_ids["train"], blob_ids["test"])
    return arrays, DataSource("local", split, len(arrays[1]), fingerprint, str(folder))


def _own_arrays(csv: Path, blob_id: str) -> Arrays:
    """Your own CSV file, parsed once into a binary copy in the cache like the real data's.

    The copy is kept per file (one per folder and split) and tagged with the file's git blob
    id, so any change to the file is parsed again. Without a usable cache the file is parsed
    on every load, saying so.
    """
    where = hashlib.sha1(str(csv.resolve()).encode()).hexdigest()[:12]
    try:
        npz = cache_dir() / "own-data" / f"{csv.stem}-{where}.npz"
        with contextlib.suppress(CacheMiss):
            return read_npz(npz, blob_id)
        writable_folder(npz.parent)
    except DataError as exc:  # e.g. a read-only cache folder, or no home folder to hold one
        print(f"Not keeping a binary copy of {csv.name}: {shown(exc)}")
        return read_sign_mnist_csv(csv)
    return cached_arrays(npz, blob_id, lambda: read_sign_mnist_csv(csv))
