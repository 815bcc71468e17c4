"""Download the pinned Sign Language MNIST CSV files and verify them by their git blob ids.

Each file streams into a temporary file in the cache folder (with a progress bar), is checked
against the git blob id of the commit the lecture notes pinned, and only then is moved into
place. Every failure becomes a DataError that says what happened and what to do about it.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from tqdm.auto import tqdm

from .cache import atomic_path
from .errors import DataError

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

TIMEOUT_S = 30.0  # for connecting and for each read: a stalled server fails instead of hanging
TRIES = 3  # timeouts, connection errors, truncated bodies and 5xx answers are retried
BACKOFF_S = 0.5  # wait before the second try; doubled before each further one

ADVICE = (
    "To fix it: try again later, set LECTURE_DATA_URL to a mirror that serves the same files, "
    "or set LECTURE_DATA=synthetic to work offline with the synthetic stand-in."
)


class _Retryable(Exception):
    """A failure that a later try may not repeat (timeout, dropped connection, 5xx)."""


def base_url() -> str:
    """The base URL: ``$LECTURE_DATA_URL`` if set, else the copy pinned by the lecture notes."""
    return os.environ.get(URL_ENV, "").strip() or DEFAULT_BASE_URL


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


def download(
    url: str,
    dest: Path,
    *,
    expected_blob_id: str,
    timeout: float | None = None,
    tries: int | None = None,
    backoff_s: float | None = None,
) -> None:
    """Download ``url`` to ``dest`` if and only if its bytes match ``expected_blob_id``."""
    timeout = TIMEOUT_S if timeout is None else timeout
    tries = TRIES if tries is None else tries
    backoff_s = BACKOFF_S if backoff_s is None else backoff_s
    dest.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, tries + 1):
        try:
            _download_once(url, dest, expected_blob_id, timeout)
            return
        except _Retryable as exc:
            if attempt == tries:
                tried = f" (tried {tries} times)" if tries > 1 else ""
                raise DataError(f"Could not download {url}: {exc}{tried}. {ADVICE}") from None
            time.sleep(backoff_s * 2 ** (attempt - 1))


def _download_once(url: str, dest: Path, expected_blob_id: str, timeout: float) -> None:
    """One try: stream to a temporary file, check it, move it into place."""
    request = urllib.request.Request(url, headers={"User-Agent": "lecture-utils"})
    with atomic_path(dest, suffix=".part") as tmp:
        try:
            response = urllib.request.urlopen(request, timeout=timeout)
        except urllib.error.HTTPError as exc:
            exc.close()
            answer = f"the server answered HTTP {exc.code} {exc.reason}"
            if exc.code >= 500 or exc.code in (408, 429):
                raise _Retryable(answer) from None
            raise DataError(f"Could not download {url}: {answer}. {ADVICE}") from None
        except urllib.error.URLError as exc:
            raise _Retryable(f"could not connect ({exc.reason})") from None
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise _Retryable(_describe(exc, timeout)) from None
        with response:
            blob_id = _stream(response, tmp, url, timeout)
        if blob_id != expected_blob_id:
            raise DataError(
                f"Could not use the download from {url}: its checksum does not match "
                f"(git blob id {blob_id}, expected {expected_blob_id}), so the server sent "
                f"other bytes than the pinned file (a changed, corrupted or wrong copy). {ADVICE}"
            )


def _stream(response: http.client.HTTPResponse, tmp: Path, url: str, timeout: float) -> str:
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
            while chunk := response.read(1 << 16):
                if received == 0 and chunk.lstrip()[:1] == b"<":
                    raise DataError(_html_message(url, "the body starts with '<'"))
                out.write(chunk)
                if digest is not None:
                    digest.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    except (TimeoutError, OSError, http.client.HTTPException) as exc:
        raise _Retryable(
            f"the download broke off after {received:,} bytes: {_describe(exc, timeout)}"
        ) from None
    if expected is not None and received != expected:
        raise _Retryable(f"the body was truncated: received {received:,} of {expected:,} bytes")
    return digest.hexdigest() if digest is not None else git_blob_id(tmp)


def _html_message(url: str, evidence: str) -> str:
    return (
        f"Could not download {url}: the server sent an HTML page instead of the CSV file "
        f"({evidence}); the URL may be wrong, or a proxy or login page answered. {ADVICE}"
    )


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"the server did not answer within {timeout:g} s (timed out)"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
