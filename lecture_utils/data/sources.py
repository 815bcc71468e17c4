"""Choose where Sign Language MNIST comes from, load it, and remember which source was used.

``LECTURE_DATA`` (or the ``source`` argument) selects: ``auto`` (cache, else download, else the
synthetic stand-in with a loud warning), ``real`` (cache or download, else DataError),
``synthetic``, or a folder holding ``sign_mnist_train.csv`` and ``sign_mnist_test.csv``.
"""

from __future__ import annotations

import hashlib
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

from . import download
from .cache import Arrays, cache_dir, cached_arrays
from .csv_format import read_sign_mnist_csv
from .errors import DataError, SyntheticDataWarning
from .real import real_arrays
from .synthetic import SYNTHETIC_VERSION, synthetic_sign_mnist
from .tables import pixels_to_tensors

SOURCE_ENV = "LECTURE_DATA"
CHOICES = ("auto", "real", "synthetic")
SPLITS = ("train", "test")
SYNTHETIC_SEED = 0
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
        location = self.location.replace(str(Path.home()), "~", 1)  # no user's path in outputs
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


# After a failed download, auto mode stops trying for a while, also in other processes: in a
# lecture hall without network, each notebook would otherwise wait for the timeouts again.
OFFLINE_MEMORY_S = 600

_latest: DataSource | None = None
_auto_fallbacks: set[tuple[str, str]] = set()  # (cache, URL) where auto chose the stand-in


def load_sign_mnist(
    split: str, *, source: str | os.PathLike[str] | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Load one split as float32 images (N, 1, 28, 28) in [0, 1] and int64 labels (N,).

    ``source`` overrides ``$LECTURE_DATA``; the line printed says which source was used.
    """
    (images, labels), _ = load_arrays(split, source=source)
    return pixels_to_tensors(images, labels)


def data_source() -> DataSource | None:
    """The source of the latest load in this process, or None before the first one."""
    return _latest


def source_note() -> str:
    """A sentence for plots and reports when the latest load was synthetic, else ""."""
    return SYNTHETIC_NOTE if _latest is not None and _latest.is_synthetic else ""


def load_arrays(
    split: str, *, source: str | os.PathLike[str] | None = None
) -> tuple[Arrays, DataSource]:
    """Load one split as uint8 images and int64 labels, print its source and remember it."""
    global _latest
    if split not in SPLITS:
        raise DataError(f"split must be 'train' or 'test', not {split!r}")
    choice = resolve_source(source)
    if choice == "synthetic":
        arrays, info = _synthetic(split)
    elif choice == "real":
        arrays, info = _real(split)
    elif choice == "auto":
        arrays, info = _auto(split)
    else:
        arrays, info = _local(split, Path(choice))
    _latest = info
    print(info.describe())
    return arrays, info


def resolve_source(source: str | os.PathLike[str] | None = None) -> str:
    """Return "auto", "real", "synthetic" or a folder path from ``source`` or ``$LECTURE_DATA``."""
    value = os.fspath(source) if source is not None else os.environ.get(SOURCE_ENV, "")
    value = value.strip() or "auto"
    if value.lower() in CHOICES:
        return value.lower()
    if Path(value).expanduser().is_dir():
        return str(Path(value).expanduser())
    raise DataError(
        f"{SOURCE_ENV}={value!r} is not valid: use one of {', '.join(CHOICES)}, or the path of "
        "an existing folder holding sign_mnist_train.csv and sign_mnist_test.csv"
    )


def _real_fingerprint(train_blob: str, test_blob: str) -> str:
    """One name for a pair of CSV files; the same bytes give the same name, whatever the source."""
    return f"sign-mnist-{train_blob[:10]}-{test_blob[:10]}"


def _real(split: str) -> tuple[Arrays, DataSource]:
    arrays, how, path = real_arrays(split)
    fingerprint = _real_fingerprint(download.BLOB_IDS["train"], download.BLOB_IDS["test"])
    return arrays, DataSource(how, split, len(arrays[1]), fingerprint, str(path))


def _synthetic(split: str) -> tuple[Arrays, DataSource]:
    name = f"synthetic-v{SYNTHETIC_VERSION}-seed{SYNTHETIC_SEED}"
    path = cache_dir() / f"{name}-{split}.npz"
    try:
        arrays, _ = cached_arrays(
            path, name, lambda: synthetic_sign_mnist(split, seed=SYNTHETIC_SEED)
        )
    except OSError as exc:  # an unwritable cache folder should not stop the stand-in
        print(f"Could not cache the synthetic stand-in in {path.parent} ({exc}).")
        arrays = synthetic_sign_mnist(split, seed=SYNTHETIC_SEED)
    return arrays, DataSource("synthetic", split, len(arrays[1]), name)


def _offline_marker() -> Path:
    """The file that remembers a failed download from the current URL into this cache."""
    digest = hashlib.sha1(download.base_url().encode()).hexdigest()[:12]
    return cache_dir() / f"download-failed-{digest}.txt"


def recent_download_failure() -> str | None:
    """Why the last download failed, if that was less than OFFLINE_MEMORY_S ago, else None."""
    marker = _offline_marker()
    try:
        if time.time() - marker.stat().st_mtime < OFFLINE_MEMORY_S:
            return marker.read_text(encoding="utf-8")
    except OSError:
        pass
    return None


def _remember_download_failure(reason: str) -> None:
    try:
        _offline_marker().parent.mkdir(parents=True, exist_ok=True)
        _offline_marker().write_text(reason, encoding="utf-8")
    except OSError:
        pass  # an unwritable cache only means that later processes try again


def forget_download_failure() -> None:
    """Let the next auto load try to download again at once (what `make data` wants)."""
    _offline_marker().unlink(missing_ok=True)


def _auto(split: str) -> tuple[Arrays, DataSource]:
    """Real data when both splits can be had, else the stand-in for this and later loads.

    Checking the other split too keeps a session from training on real images and testing on
    synthetic ones (or the reverse) when the network drops between two loads.
    """
    key = (str(cache_dir()), download.base_url())
    recent = recent_download_failure()
    if key in _auto_fallbacks:
        reason = "an earlier load in this session could not get the real data"
    elif recent is not None:
        _auto_fallbacks.add(key)
        minutes = OFFLINE_MEMORY_S // 60
        reason = (
            f"a download less than {minutes} minutes ago failed, so this load did not try "
            f"again ({recent}). `make data` tries again at once"
        )
    else:
        try:
            result = _real(split)
            other = SPLITS[1 - SPLITS.index(split)]
            real_arrays(other)
            return result
        except (DataError, OSError) as exc:
            _auto_fallbacks.add(key)
            reason = str(exc)
            _remember_download_failure(reason)
    message = (
        f"Could not get the real Sign Language MNIST data: {reason}\n"
        "USING THE SYNTHETIC STAND-IN instead: rendered letters, not photographs of hands, so "
        "pictures and accuracies will differ from the lecture notes. To get the real data, "
        "connect to the internet and run `python -m lecture_utils.data` (or `make data`), set "
        "LECTURE_DATA_URL to a mirror, or set LECTURE_DATA to a folder holding "
        "sign_mnist_train.csv and sign_mnist_test.csv. Set LECTURE_DATA=synthetic to choose "
        "the stand-in without this warning."
    )
    warnings.warn(message, SyntheticDataWarning, stacklevel=4)
    print(f"WARNING: {message}")
    return _synthetic(split)


_blob_memo: dict[tuple[str, int, int], str] = {}


def _blob_id_memo(path: Path) -> str:
    """git_blob_id, remembered while the file's size and modification time stay the same."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _blob_memo:
        _blob_memo[key] = download.git_blob_id(path)
    return _blob_memo[key]


def _local(split: str, folder: Path) -> tuple[Arrays, DataSource]:
    paths = {name: folder / download.FILE_NAMES[name] for name in SPLITS}
    for path in paths.values():
        if not path.is_file():
            raise DataError(
                f"{path}: file not found (LECTURE_DATA={folder} must hold "
                "sign_mnist_train.csv and sign_mnist_test.csv)"
            )
    arrays = read_sign_mnist_csv(paths[split])
    fingerprint = _real_fingerprint(*(_blob_id_memo(paths[name]) for name in SPLITS))
    return arrays, DataSource("local", split, len(arrays[1]), fingerprint, str(folder))
