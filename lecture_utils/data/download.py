"""The real data: the pinned CSV files, downloaded once, verified by git blob id, kept in the cache.

Cache layout per split: ``sign_mnist_<split>.csv`` (the verified download), ``.npz`` (its
parsed arrays, tagged with the CSV's blob id) and ``.lock`` files. A corrupt or stale ``.npz``
is rebuilt from the CSV; a CSV that no longer matches its blob id is downloaded again. Every
failure becomes a DataError that says what happened and what to do about it.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from tqdm.auto import tqdm

from .cache import Arrays, DataError, atomic_path, cache_dir, cached_arrays, file_lock
from .csv_format import read_sign_mnist_csv

URL_ENV = "LECTURE_DATA_URL"
DEFAULT_BASE_URL = (
    "https://raw.githubusercontent.com/PhilChodrow/ml-notes/"
    "c9c85efec8bc4fcdce1ab7863cd058cbc3c27a37/data/sign-language-mnist"
)
FILE_NAMES = MappingProxyType({"train": "sign_mnist_train.csv", "test": "sign_mnist_test.csv"})
PINNED_BLOB_IDS = MappingProxyType(
    {
        "train": "ac853c483879f6dc2d529d876f54a4d1c3c024b8",
        "test": "92d57ca6970e5e6dd8f09937798902fbb7ce4746",
    }
)
# The ids every load checks against. Only tests replace this (with the ids of their own files).
BLOB_IDS: Mapping[str, str] = PINNED_BLOB_IDS

# A server that sends nothing for this long (to connect, answer or go on) ends the download,
# without another try: in a lecture hall a stalled mirror must not freeze the first cell.
STALL_S = 20.0
TRIES = 3  # 5xx answers, truncated bodies and dropped connections are tried again
BACKOFF_S = 0.5  # wait before the second try; doubled before each further one
# After a failed download, auto mode stops trying for a while, also in other processes: in a
# lecture hall without network, each notebook would otherwise wait for the network again.
OFFLINE_MEMORY_S = 600

ADVICE = (
    "To fix it: try again later, set LECTURE_DATA_URL to a mirror that serves the same files, "
    "or set LECTURE_DATA=synthetic to work offline with the synthetic stand-in."
)


class _Retryable(Exception):
    """A failure that a later try may not repeat (5xx answer, truncated body, dropped line)."""


def base_url() -> str:
    """The base URL: ``$LECTURE_DATA_URL`` if set, else the copy pinned by the lecture notes.

    Raises DataError when ``$LECTURE_DATA_URL`` is not an http(s) address with a host.
    """
    value = os.environ.get(URL_ENV, "").strip()
    if not value:
        return DEFAULT_BASE_URL
    try:
        parts = urllib.parse.urlsplit(value)
        valid = parts.scheme in ("https", "http") and bool(parts.hostname) and " " not in value
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        valid = False
    if not valid:
        raise DataError(
            f"{URL_ENV}={value!r} is not a web address: give the full address of the folder "
            "that serves sign_mnist_train.csv and sign_mnist_test.csv, starting with https://, "
            "e.g. https://example.org/sign-language-mnist (or unset it to use the lecture's "
            "pinned copy)"
        )
    return value


def file_url(split: str) -> str:
    """The URL of one split's CSV file."""
    return f"{base_url().rstrip('/')}/{FILE_NAMES[split]}"


def git_blob_id(path: Path) -> str:
    """The git blob id of a file: sha1 of ``b"blob <size>\\0"`` followed by its bytes."""
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


_blob_memo: dict[tuple[str, int, int], str] = {}


def blob_id_memo(path: Path) -> str:
    """git_blob_id, remembered while the file's size and modification time stay the same."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _blob_memo:
        _blob_memo[key] = git_blob_id(path)
    return _blob_memo[key]


def real_csv(split: str) -> Path:
    """The verified CSV file of one split in the cache, downloaded first where it is missing."""
    path = cache_dir() / FILE_NAMES[split]
    blob_id = BLOB_IDS[split]
    if path.is_file() and blob_id_memo(path) == blob_id:
        return path
    with file_lock(path):
        if path.is_file() and blob_id_memo(path) != blob_id:
            print(f"The cached {path} does not match its pinned checksum; downloading again.")
            path.unlink()
        if not path.is_file():
            download(file_url(split), path, expected_blob_id=blob_id)
    return path


def real_arrays(split: str) -> tuple[Arrays, bool]:
    """The arrays of one split from the binary cache, else from the CSV; True if downloaded now."""
    npz = cache_dir() / FILE_NAMES[split].replace(".csv", ".npz")
    csv, downloaded = cache_dir() / FILE_NAMES[split], []

    def build() -> Arrays:
        downloaded.append(not (csv.is_file() and blob_id_memo(csv) == BLOB_IDS[split]))
        return read_sign_mnist_csv(real_csv(split))

    arrays = cached_arrays(npz, BLOB_IDS[split], build)
    return arrays, any(downloaded)


def download(
    url: str,
    dest: Path,
    *,
    expected_blob_id: str,
    stall_s: float | None = None,
    tries: int | None = None,
    backoff_s: float | None = None,
) -> None:
    """Download ``url`` to ``dest`` if and only if its bytes match ``expected_blob_id``."""
    stall_s = STALL_S if stall_s is None else stall_s
    tries = TRIES if tries is None else tries
    backoff_s = BACKOFF_S if backoff_s is None else backoff_s
    dest.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, tries + 1):
        try:
            _download_once(url, dest, expected_blob_id, stall_s)
            return
        except _Retryable as exc:
            if attempt == tries:
                tried = f" (tried {tries} times)" if tries > 1 else ""
                raise DataError(f"Could not download {url}: {exc}{tried}. {ADVICE}") from None
            time.sleep(backoff_s * 2 ** (attempt - 1))


def _download_once(url: str, dest: Path, expected_blob_id: str, stall_s: float) -> None:
    """One try: stream to a temporary file, check it, move it into place."""
    request = urllib.request.Request(url, headers={"User-Agent": "lecture-utils"})
    with atomic_path(dest, suffix=".part") as tmp, _Watchdog(url, stall_s) as watchdog:
        try:
            response = urllib.request.urlopen(request, timeout=stall_s)
        except urllib.error.HTTPError as exc:
            exc.close()
            answer = f"the server answered HTTP {exc.code} {exc.reason}"
            if exc.code >= 500 or exc.code in (408, 429):
                raise _Retryable(answer) from None
            raise DataError(f"Could not download {url}: {answer}. {ADVICE}") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise DataError(_stalled(url, 0, stall_s)) from None
            # Refused, no DNS, no route: that fails at once and again at once, so no retry.
            why = exc.reason
            if isinstance(why, ConnectionRefusedError):
                why = "the connection was refused: no server answers at that address and port"
            message = f"Could not download {url}: could not connect ({why}). {ADVICE}"
            raise DataError(message) from None
        except TimeoutError:
            raise DataError(_stalled(url, 0, stall_s)) from None
        except (OSError, http.client.HTTPException) as exc:  # e.g. dropped before answering
            raise _Retryable(_describe(exc)) from None
        with response:
            blob_id = _stream(response, tmp, url, stall_s, watchdog)
        if blob_id != expected_blob_id:
            raise DataError(
                f"Could not use the download from {url}: its checksum does not match "
                f"(git blob id {blob_id}, expected {expected_blob_id}), so the server sent "
                f"other bytes than the pinned file (a changed, corrupted or wrong copy). {ADVICE}"
            )


def _stream(response, tmp: Path, url: str, stall_s: float, watchdog: _Watchdog) -> str:
    """Copy the body to ``tmp`` with a progress bar and return its git blob id."""
    content_type = response.headers.get("Content-Type", "")
    if "html" in content_type.lower():
        raise DataError(_html_message(url, f"Content-Type {content_type!r}"))
    length_header = response.headers.get("Content-Length", "")
    expected = int(length_header) if length_header.isdigit() else None
    digest = hashlib.sha1(f"blob {expected}\0".encode()) if expected is not None else None
    received = 0
    name = url.rsplit("/", 1)[-1]
    try:
        with (
            tmp.open("wb") as out,
            tqdm(total=expected, unit="B", unit_scale=True, unit_divisor=1024, desc=name) as bar,
        ):
            while chunk := response.read1(1 << 16):
                if received == 0 and chunk.lstrip()[:1] == b"<":
                    raise DataError(_html_message(url, "the body starts with '<'"))
                watchdog.progress()
                out.write(chunk)
                if digest is not None:
                    digest.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    except TimeoutError:
        raise DataError(_stalled(url, received, stall_s)) from None
    except (OSError, http.client.HTTPException) as exc:
        broke_off = f"the download broke off after {received:,} bytes: {_describe(exc)}"
        raise _Retryable(broke_off) from None
    if expected is not None and received != expected:
        raise _Retryable(f"the body was truncated: received {received:,} of {expected:,} bytes")
    return digest.hexdigest() if digest is not None else git_blob_id(tmp)


def _stalled(url: str, received: int, stall_s: float) -> str:
    after = f" after {received:,} bytes" if received else ""
    return (
        f"Could not download {url}: the server sent nothing for {stall_s:g} s{after} "
        f"(timed out), so this try was given up. {ADVICE}"
    )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _html_message(url: str, evidence: str) -> str:
    return (
        f"Could not download {url}: the server sent an HTML page instead of the CSV file "
        f"({evidence}); the URL may be wrong, or a proxy or login page answered. {ADVICE}"
    )


class _Watchdog:
    """Say so while a server is silent; the socket's timeout (``stall_s``) then ends the try."""

    def __init__(self, url: str, stall_s: float) -> None:
        self.url, self.stall_s = url, stall_s
        self.last = time.monotonic()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def progress(self) -> None:
        self.last = time.monotonic()

    def _watch(self) -> None:
        patience = self.stall_s / 4  # say something after a quarter of the allowed silence
        said_at = None
        while not self._done.wait(patience / 4):
            if self.last != said_at and time.monotonic() - self.last >= patience:
                said_at = self.last
                name = self.url.rsplit("/", 1)[-1]  # no URL: a notebook may store this line
                print(
                    f"Waiting for {name}: no data for {patience:g} s; giving up after "
                    f"{self.stall_s:g} s without progress."
                )


def recent_failure() -> str | None:
    """Why the last download from this URL into this cache failed, if under OFFLINE_MEMORY_S ago."""
    try:
        marker = _failure_marker()
        if time.time() - marker.stat().st_mtime < OFFLINE_MEMORY_S:
            return marker.read_text(encoding="utf-8")
    except (OSError, DataError):
        pass
    return None


def remember_failure(reason: str) -> None:
    """Let auto loads in the next OFFLINE_MEMORY_S seconds go straight to the stand-in."""
    with contextlib.suppress(OSError, DataError):  # no usable cache: later loads just try again
        _failure_marker().write_text(reason, encoding="utf-8")


def forget_failure() -> None:
    """Let the next auto load try to download again at once (what `make data` wants)."""
    with contextlib.suppress(OSError, DataError):
        _failure_marker().unlink(missing_ok=True)


def _failure_marker() -> Path:
    digest = hashlib.sha1(base_url().encode()).hexdigest()[:12]
    return cache_dir() / f"download-failed-{digest}.txt"
