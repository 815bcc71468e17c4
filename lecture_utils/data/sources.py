"""Which data the lecture runs on: choose the source, load it, remember it, and say it once.

``LECTURE_DATA`` (or ``source=``): auto (real, else the stand-in), real, synthetic or a folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from IPython.display import Markdown, display

from ..environment import data_choice
from ..runlog import log_run
from . import cache, dataset, download
from .cache import Arrays, DataError
from .csv_format import read_sign_mnist_csv, write_sign_mnist_csv
from .synthetic import SYNTHETIC_VERSION, synthetic_sign_mnist

Source = str | os.PathLike[str] | None  # a LECTURE_DATA value; None reads the variable
STAND_IN = f"synthetic-v{SYNTHETIC_VERSION}-seed0"  # the stand-in's fingerprint and file names
SYNTHETIC_NOTE = "Synthetic stand-in data, not real Sign Language MNIST photographs"
SYNTHETIC_BANNER = (
    "**Data: the synthetic stand-in**{fell_back}, not real Sign Language MNIST. Its images are "
    "rendered letters, not photographs of hands, made so that the lecture's three models rank "
    "in the same order as on the real data; pictures and accuracies below differ from what the "
    "real data gives. With internet access, `LECTURE_DATA=real make lecture` regenerates every "
    "output from the real data."
)
REAL_BANNER = "**Data: Sign Language MNIST** (verified download)."
OWN_FILES_BANNER = (
    "**Data: your own files** (the folder `LECTURE_DATA` names), not checked against Sign "
    "Language MNIST: the claims that hold only on the real data are not checked here."
)
# Said when auto mode fell back, whatever went wrong, so that stored notebooks stay the same.
FELL_BACK = " (the real data could not be downloaded here; `make data` says why)"
KINDS = {  # kind: (words for where it came from, how results name the data, the banner)
    "real": ("verified download", "Sign Language MNIST", REAL_BANNER),
    "local": ("your own files", "your own data files", OWN_FILES_BANNER),
    "synthetic": ("synthetic stand-in", "the synthetic stand-in", SYNTHETIC_BANNER),
}


@dataclass(frozen=True)
class DataSource:
    """Where one load came from; ``fingerprint`` names the exact data (e.g. to key checkpoints)."""

    kind: str  # "real" (the verified download), "local" (your own files) or "synthetic"
    fingerprint: str  # the same for both splits of one source
    location: str = ""  # the file read, or "" for the stand-in
    fallback_reason: str = ""  # why auto mode could not get the real data, if it fell back

    @property
    def is_real(self) -> bool:
        """The verified real data; your own files may hold anything, so not them."""
        return self.kind == "real"

    @property
    def is_synthetic(self) -> bool:
        """The stand-in, whose images are rendered letters, not photographs."""
        return self.kind == "synthetic"

    @property
    def fell_back(self) -> bool:
        """Auto mode wanted the real data and took the stand-in instead."""
        return bool(self.fallback_reason)

    @property
    def name(self) -> str:
        """How results name their data: "Sign Language MNIST", the stand-in, or your own files."""
        return KINDS[self.kind][1]


# Caches: the latest load's source, and why auto mode fell back ("" while it has not).
_latest: DataSource | None = None
_fallback = ""


def load_sign_mnist(split: str, *, source: Source = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Load one split as float32 images (N, 1, 28, 28) in [0, 1] and int64 labels (N,), from
    ``source`` (else ``$LECTURE_DATA``); ``data_source()`` then says which source was used."""
    (images, labels), _ = _load(split, source)
    return torch.tensor(images).unsqueeze(1).float().div_(255), torch.tensor(labels)


def sign_mnist_csv(split: str, *, source: Source = None) -> Path:
    """A CSV file of one split for ``pd.read_csv``: the verified download, your own file, or
    the stand-in written into the cache once."""
    arrays, info = _load(split, source)
    if not info.is_synthetic:
        return download.real_csv(split) if info.is_real else Path(info.location)
    path = cache.cache_dir() / f"{STAND_IN}-{split}.csv"
    if not path.is_file():
        with cache.file_lock(path):
            if not path.is_file():  # else another process wrote it meanwhile
                with cache.atomic_path(path) as tmp, tmp.open("wb") as f:
                    write_sign_mnist_csv(f, *arrays)
    return path


def data_source() -> DataSource | None:
    """The source of the latest load in this process, or None before the first one."""
    return _latest


def source_note() -> str:
    """A footnote for figures when the latest load was the stand-in, else ""."""
    return SYNTHETIC_NOTE if _latest is not None and _latest.is_synthetic else ""


def show_data_source() -> None:
    """Say in one line of the notebook which data its outputs are computed on; log it too."""
    if (source := data_source()) is None:
        raise RuntimeError("load the data (load_sign_mnist) first")
    fell_back = FELL_BACK if source.fell_back else ""
    display(Markdown(KINDS[source.kind][2].format(fell_back=fell_back)))
    log_run(data=KINDS[source.kind][0] + (" (fell back)" if fell_back else ""))


def resolve_source(source: Source = None) -> str:
    """The choice of ``source``, else ``$LECTURE_DATA``: auto, real, synthetic or a folder."""
    value = data_choice() if source is None else os.fspath(source).strip()
    if value.lower() in ("", "auto", "real", "synthetic"):
        return value.lower() or "auto"
    if (folder := cache.user_path(value, "LECTURE_DATA")).is_dir():
        return str(folder)
    raise DataError(
        f"LECTURE_DATA={value!r} is not valid: use one of auto, real, synthetic, or the path of "
        f"a folder holding both CSV files. {cache.RELATIVE_RULE}: here that is {folder}."
    )


def _load(split: str, source: Source) -> tuple[Arrays, DataSource]:
    """Load one split from the chosen source and remember where it came from."""
    global _latest
    if split not in dataset.SPLITS:
        raise DataError(f"split must be 'train' or 'test', not {split!r}")
    choice = resolve_source(source)
    load = {"auto": _auto, "real": _real, "synthetic": _stand_in}.get(choice)
    arrays, _latest = load(split) if load else _local(split, Path(choice))
    return arrays, _latest


def _auto(split: str) -> tuple[Arrays, DataSource]:
    """The real data if both splits can be had (never real and synthetic), else the stand-in."""
    global _fallback
    try:
        if not _fallback:
            result = _real(split)
            _real(dataset.SPLITS[1 - dataset.SPLITS.index(split)])
            return result
    except Exception as exc:  # whatever went wrong, the lecture goes on
        reason = str(exc) if isinstance(exc, DataError) else f"{type(exc).__name__}: {exc}"
        _fallback = cache.shown(reason)
    return _stand_in(split, _fallback)


def _real(split: str) -> tuple[Arrays, DataSource]:
    """The verified real data, from its binary copy, else from its CSV (downloaded if missing)."""
    csv = cache.cache_dir() / dataset.FILE_NAMES[split]
    blob_id, fingerprint = dataset.BLOB_IDS[split], _fingerprint(dataset.BLOB_IDS)
    arrays = cache.cached_arrays(
        csv.with_suffix(".npz").name, blob_id, lambda: read_sign_mnist_csv(download.real_csv(split))
    )
    return arrays, DataSource("real", fingerprint, str(csv))


def _stand_in(split: str, fallback_reason: str = "") -> tuple[Arrays, DataSource]:
    """The stand-in from its binary copy, else generated (and kept where the cache allows)."""
    name, build = f"{STAND_IN}-{split}.npz", lambda: synthetic_sign_mnist(split)
    arrays = cache.cached_arrays(name, STAND_IN, build, optional=True)
    return arrays, DataSource("synthetic", STAND_IN, "", fallback_reason)


def _local(split: str, folder: Path) -> tuple[Arrays, DataSource]:
    """Your own CSV files, checked and parsed once into a binary copy named by their content."""
    paths = {name: folder / file for name, file in dataset.FILE_NAMES.items()}
    if missing := [path for path in paths.values() if not path.is_file()]:
        raise DataError(f"{missing[0]}: file not found (LECTURE_DATA needs both CSV files there)")
    ids = {name: download.git_blob_id(path) for name, path in paths.items()}
    csv, name = paths[split], f"own-data/{ids[split]}.npz"
    arrays = cache.cached_arrays(name, ids[split], lambda: read_sign_mnist_csv(csv), optional=True)
    return arrays, DataSource("local", _fingerprint(ids), str(csv))


def _fingerprint(blob_ids: dict[str, str]) -> str:
    """One name for a pair of CSV files: the same bytes give the same name, whatever the source."""
    return f"sign-mnist-{blob_ids['train'][:10]}-{blob_ids['test'][:10]}"
