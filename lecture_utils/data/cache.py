"""The cache folder: where it is, writes that are never half done, a lock, binary copies.

A lock keeps two processes (nbval runs notebooks in parallel) from doing one job twice."""

from __future__ import annotations

import os
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..environment import cache_setting

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

REPOSITORY = Path(__file__).resolve().parents[2]  # where lecture_utils is checked out
RELATIVE_RULE = (
    "A relative path is taken from the root of the lecture's repository when the working "
    "directory is inside it, else from the working directory"
)
Arrays = tuple[np.ndarray, np.ndarray]  # uint8 images (N, 28, 28) and int64 labels (N,)


class DataError(ValueError):
    """The data could not be read, fetched, cached or trusted; the message says why."""


def cache_dir() -> Path:
    """``$LECTURE_CACHE``, else the lecture's folder in the user's cache folder."""
    linux = os.environ.get("XDG_CACHE_HOME", "").strip() or "~/.cache"  # the XDG convention
    caches = {"win32": "~/AppData/Local", "darwin": "~/Library/Caches"}.get(sys.platform, linux)
    return user_path(cache_setting() or f"{caches}/lecture-cnn-asl", "LECTURE_CACHE")


def user_path(value: str, variable: str) -> Path:
    """A folder named by an environment variable, the same from the repository and notebooks/."""
    try:
        path = Path(value).expanduser()
    except RuntimeError:  # e.g. a container user without HOME
        why = f"There is no home folder here for the '~' in {value!r}"
        raise DataError(f"{why}: set {variable} to a full path instead") from None
    here = Path.cwd()
    base = REPOSITORY if REPOSITORY in (here, *here.parents) else here
    return Path(os.path.normpath(base / path))


def shown(text: object) -> str:
    """A path or message as outputs show it: the home folder as ``~`` (notebooks store outputs)."""
    home = os.path.expanduser("~")
    return str(text).replace(home, "~") if home not in ("~", "/") else str(text)


def writable_folder(folder: Path) -> Path:
    """``folder``, created if missing, once a file could be made there; else a DataError."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as exc:
        is_file = isinstance(exc, (FileExistsError, NotADirectoryError))
        why = "it, or a folder above it, is a file, not a folder" if is_file else exc.strerror
        raise DataError(
            f"The cache folder {folder} cannot be used: {why}. Set LECTURE_CACHE to a folder "
            f"you can write to. {RELATIVE_RULE}."
        ) from None
    return folder


@contextmanager
def atomic_path(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place on success, delete it on error."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    os.chmod(name, 0o644)  # mkstemp makes it private; a cache folder may be shared
    try:
        yield Path(name)
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold ``<path>.lock`` while ``path`` is built (Windows, without fcntl, does not lock; the
    writes stay atomic), and clear what a killed writer left."""
    writable_folder(path.parent)
    with path.with_name(path.name + ".lock").open("a+b") as lock:
        if fcntl is not None:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # released when the file closes
            for orphan in path.parent.glob(f".{path.name}.*"):  # only lock holders write these
                orphan.unlink(missing_ok=True)
        yield


def cached_arrays(
    name: str, key: str, build: Callable[[], Arrays], optional: bool = False
) -> Arrays:
    """The arrays of the binary copy ``name`` if built from ``key``, else built and kept; where
    the cache cannot be used, ``optional`` ones are built without a copy, saying so."""
    try:
        path = cache_dir() / name
        if (arrays := _read_npz(path, key)) is not None:
            return arrays
        writable_folder(path.parent)
    except DataError as exc:
        if not optional:
            raise
        print(f"Not keeping a binary copy of {name}: {shown(exc)}")
        return build()
    with file_lock(path):
        if (arrays := _read_npz(path, key)) is not None:
            return arrays  # another process built it meanwhile
        arrays = build()
        try:
            with atomic_path(path) as tmp, tmp.open("wb") as f:
                np.savez(f, images=arrays[0], labels=arrays[1], key=np.array(key))
        except OSError as exc:  # e.g. a full disk: what was built is used, just not kept
            print(f"Not keeping a binary copy in {shown(path)} ({exc.strerror or exc}).")
    return arrays


def _read_npz(path: Path, key: str) -> Arrays | None:
    """The arrays of a whole binary copy built from ``key``; None if missing or unusable."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            if str(npz["key"]) != key:
                return None  # stale: built from other data
            return npz["images"], npz["labels"]
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        return None  # missing, or damaged (e.g. by a full disk): built again
