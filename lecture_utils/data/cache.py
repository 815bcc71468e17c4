"""Files on disk: where the cache lives, writes that are never half done, a lock, binary copies.

Every write goes to a temporary file in the same folder and is moved into place with
``os.replace``, so a reader never sees half a file. A lock file around "build and write" keeps
two processes (nbval runs notebooks in parallel) from doing the same work at once; whoever holds
it also deletes what a killed writer left behind. ``DataError`` lives here, at the bottom of the
package, because every other module raises it.
"""

from __future__ import annotations

import os
import re
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
RELATIVE_RULE = (
    "A relative path is taken from the repository root (the folder at or above the working "
    "directory that holds this project's pyproject.toml), else from the working directory"
)

Arrays = tuple[np.ndarray, np.ndarray]


class DataError(ValueError):
    """Sign Language MNIST data could not be read, fetched, cached or trusted; the message says why."""


def cache_dir() -> Path:
    """The cache folder: ``$LECTURE_CACHE``, else a subfolder of the user's cache folder.

    Raises DataError when ``$LECTURE_CACHE`` is unset and there is no home folder to hold it.
    """
    override = os.environ.get(CACHE_ENV, "").strip()
    if override:
        return user_path(override, CACHE_ENV)
    return _user_cache_root() / APP_FOLDER


def user_path(value: str, variable: str) -> Path:
    """A path from the environment variable ``variable``, the same for every command.

    Notebook kernels start in ``notebooks/`` and ``make`` in the repository root, so
    "relative to the working directory" would give the same setting two meanings (see
    RELATIVE_RULE).
    """
    try:
        path = Path(value).expanduser() if value.startswith("~") else Path(value)
    except RuntimeError:  # no home folder, or no user of that name
        raise DataError(
            f"{variable}={value!r}: there is no home folder for '~' to stand for here; "
            "give the folder's full path instead"
        ) from None
    if path.is_absolute():
        return path
    return Path(os.path.normpath(project_root() / path))


def project_root() -> Path:
    """The nearest folder at or above the working directory holding this project's pyproject.toml."""
    here = Path.cwd()
    for folder in (here, *here.parents):
        try:
            text = (folder / "pyproject.toml").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if re.search(r'^name\s*=\s*"lecture-utils"', text, flags=re.MULTILINE):
            return folder
    return here


def _user_cache_root() -> Path:
    """The platform's per-user cache folder (what platformdirs would say), never the repository."""
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "").strip()
        return Path(local) if local else _home() / "AppData" / "Local"
    if sys.platform == "darwin":
        return _home() / "Library" / "Caches"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return Path(xdg) if xdg and Path(xdg).is_absolute() else _home() / ".cache"


def _home() -> Path:
    """The user's home folder; a DataError saying what to set where there is none."""
    try:
        return Path.home()
    except (RuntimeError, KeyError):  # e.g. a container user without a passwd entry or HOME
        raise DataError(
            f"There is no home folder to keep the data cache in: set {CACHE_ENV} to a writable "
            "folder (its full path)"
        ) from None


def shown(text: Path | str) -> str:
    """A path or message as outputs show it: the home folder as ``~`` (notebooks store outputs)."""
    try:
        home = str(Path.home())
    except (RuntimeError, KeyError):
        return str(text)
    return str(text).replace(home, "~") if home != "/" else str(text)


def writable_folder(folder: Path) -> Path:
    """``folder``, created if missing, once a file could be made there; else a DataError."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            why = "it, or a folder above it, is a file, not a folder"
        elif isinstance(exc, PermissionError):
            why = "no permission to write there"
        else:
            why = exc.strerror or type(exc).__name__
        try:
            default = f", or unset it to use {_user_cache_root() / APP_FOLDER}"
        except DataError:  # no home folder: there is no default to offer
            default = ""
        raise DataError(
            f"The cache folder {folder} cannot be used: {why}. Set {CACHE_ENV} to a folder you "
            f"can write to{default}. {RELATIVE_RULE}."
        ) from None
    return folder


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


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` while ``path`` is built and written.

    POSIX uses ``fcntl.flock``, Windows ``msvcrt.locking``. Where neither exists the block runs
    unlocked: atomic replaces still keep every file whole, two processes may just both build.
    The holder deletes temporary files left beside ``path`` by a killed writer (only a lock
    holder writes them, so none of them can be in use).
    """
    writable_folder(path.parent)
    lock_path = path.with_name(path.name + ".lock")
    with lock_path.open("a+b") as f:
        locked = _lock(f)
        try:
            if locked:
                for orphan in path.parent.glob(f".{path.name}.*"):
                    orphan.unlink(missing_ok=True)
            yield
        finally:
            if locked:
                _unlock(f)


def _lock(f) -> bool:
    try:
        import fcntl  # imported here: Windows has no fcntl, and tests collect there too
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


class CacheMiss(Exception):
    """A binary cache file that is missing, corrupt or stale; the message says which."""


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


def cached_arrays(path: Path, source_id: str, build: Callable[[], Arrays]) -> Arrays:
    """The arrays from a valid cache file, else built, cached and returned.

    Building happens under the lock, so that concurrent processes build once and never clash.
    Raises DataError if the cache folder cannot be written; when only the copy cannot be
    written (e.g. a full disk), the arrays built are returned all the same, built once.
    """
    try:
        return read_npz(path, source_id)
    except CacheMiss:
        pass  # checked again under the lock: another process may be building it right now
    with file_lock(path):
        try:
            return read_npz(path, source_id)
        except CacheMiss as miss:
            if str(miss).startswith("corrupt"):  # stale copies are expected: data changes
                print(f"The binary cache {path} is unusable ({miss}); rebuilding it.")
        arrays = build()
        try:
            write_npz(path, *arrays, source_id=source_id)
        except OSError as exc:  # e.g. a full disk: what was built is kept, just not on disk
            print(f"Not keeping a binary copy in {shown(path)} ({exc.strerror or exc}).")
    return arrays
