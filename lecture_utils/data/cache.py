"""The cache folder, its binary (.npz) files, atomic writes and a per-file lock.

Every write goes to a temporary file in the same folder and is moved into place with
``os.replace``, so a reader never sees half a file. A lock file around "build and write" keeps
two processes (nbval runs notebooks in parallel) from doing the same download at once.
"""

from __future__ import annotations

import os
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

CACHE_ENV = "LECTURE_CACHE"
APP_FOLDER = "lecture-cnn-asl"
NPZ_FORMAT = 1  # bump when the layout of the .npz files changes

Arrays = tuple[np.ndarray, np.ndarray]


def cache_dir() -> Path:
    """The cache folder: ``$LECTURE_CACHE``, else a subfolder of the user's cache folder."""
    override = os.environ.get(CACHE_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return _user_cache_root() / APP_FOLDER


def _user_cache_root() -> Path:
    """The platform's per-user cache folder (what platformdirs would say), never the repository."""
    home = Path.home()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "").strip()
        return Path(local) if local else home / "AppData" / "Local"
    if sys.platform == "darwin":
        return home / "Library" / "Caches"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".cache"


class CacheMiss(Exception):
    """A binary cache file that is missing, corrupt or stale; the message says which."""


@contextmanager
def atomic_path(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place on success, delete it on error."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a cache folder may be shared
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_npz(path: Path, images: np.ndarray, labels: np.ndarray, source_id: str) -> None:
    """Write images and labels with the id of what they were built from, atomically."""
    with atomic_path(path) as tmp, tmp.open("wb") as f:
        np.savez(
            f,
            images=images,
            labels=labels,
            source_id=np.array(source_id),
            format=np.array(NPZ_FORMAT),
        )
        f.flush()
        os.fsync(f.fileno())


def read_npz(path: Path, source_id: str) -> Arrays:
    """Read a binary cache file, raising CacheMiss unless it is whole and built from ``source_id``."""
    if not path.is_file():
        raise CacheMiss("missing")
    try:
        with np.load(path, allow_pickle=False) as data:
            fields = {key: data[key] for key in ("images", "labels", "source_id", "format")}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise CacheMiss(f"corrupt: {exc}") from None
    if int(fields["format"]) != NPZ_FORMAT or str(fields["source_id"]) != source_id:
        raise CacheMiss("stale: built from other data or by another version")
    images, labels = fields["images"], fields["labels"]
    if not (
        images.dtype == np.uint8
        and images.ndim == 3
        and images.shape[1:] == (28, 28)
        and labels.dtype == np.int64
        and labels.shape == (len(images),)
        and len(images) > 0
    ):
        raise CacheMiss("corrupt: unexpected shapes or dtypes")
    return images, labels


def cached_arrays(path: Path, source_id: str, build: Callable[[], Arrays]) -> tuple[Arrays, bool]:
    """Return (arrays, True) from a valid cache file, else build them, cache them, (arrays, False).

    Building happens under a lock, so that concurrent processes build once and never clash.
    """
    try:
        return read_npz(path, source_id), True
    except CacheMiss:
        pass  # checked again under the lock: another process may be building it right now
    path.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(path):
        try:
            return read_npz(path, source_id), True
        except CacheMiss as miss:
            if str(miss) != "missing":
                print(f"The binary cache {path} is unusable ({miss}); rebuilding it.")
        arrays = build()
        write_npz(path, *arrays, source_id=source_id)
    return arrays, False


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` (flock on POSIX, msvcrt on Windows)."""
    lock_path = path.with_name(path.name + ".lock")
    with lock_path.open("a+b") as f:
        if _lock(f):
            try:
                yield
            finally:
                _unlock(f)
        else:  # no locking primitive: atomic replaces still keep every file whole
            yield


def _lock(f) -> bool:
    try:
        import fcntl
    except ImportError:
        pass
    else:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        return True
    try:
        import msvcrt
    except ImportError:
        return False
    f.seek(0)
    while True:
        try:
            msvcrt.locking(f.fileno(), msvcrt.LK_LOCK, 1)  # itself retries for about 10 s
            return True
        except OSError:
            continue


def _unlock(f) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt

        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
