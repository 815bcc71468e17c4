"""The real data: the pinned CSV files, downloaded once, verified by git blob id, kept in the cache.

A server silent for STALL_S seconds ends a download; 5xx, truncated or dropped ones are retried."""

from __future__ import annotations

import hashlib
import http.client
import time
import urllib.error
import urllib.request
from pathlib import Path

from tqdm.auto import tqdm

from ..environment import data_url
from . import dataset
from .cache import DataError, atomic_path, cache_dir, file_lock

STALL_S = 20.0  # seconds without a byte before a download is given up
TRIES = 3  # tries for the failures that a later try may not repeat
BACKOFF_S = 0.5  # wait before the second try; doubled before each further one
ADVICE = "Retry later, set LECTURE_DATA_URL to a mirror, or work offline: LECTURE_DATA=synthetic."


class _Failed(Exception):
    """One try failed; its args: why, in words, and whether a later try may go better."""


def file_url(split: str) -> str:
    """The URL of one split's CSV file: from ``$LECTURE_DATA_URL``, else the pinned copy."""
    try:
        base = data_url() or dataset.PINNED_URL
    except ValueError as exc:
        raise DataError(str(exc)) from None
    return f"{base.rstrip('/')}/{dataset.FILE_NAMES[split]}"


def git_blob_id(path: Path) -> str:
    """The git blob id of a file: sha1 of ``b"blob <size>\\0"`` followed by its bytes."""
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def real_csv(split: str) -> Path:
    """The verified CSV file of one split in the cache, downloaded first where it is missing."""
    path, blob_id = cache_dir() / dataset.FILE_NAMES[split], dataset.BLOB_IDS[split]
    if not (path.is_file() and git_blob_id(path) == blob_id):  # missing, or damaged
        with file_lock(path):
            if not (path.is_file() and git_blob_id(path) == blob_id):  # else another got it
                download(file_url(split), path, blob_id)
    return path


def download(url: str, dest: Path, blob_id: str) -> None:
    """Download ``url`` to ``dest`` if and only if its bytes have the git blob id ``blob_id``."""
    for attempt in range(1, TRIES + 1):
        try:
            return _download_once(url, dest, blob_id)
        except _Failed as exc:
            why, again = exc.args
            if not again or attempt == TRIES:
                tried = f" (tried {attempt} times)" if attempt > 1 else ""
                raise DataError(f"Could not download {url}: {why}{tried}. {ADVICE}") from None
            time.sleep(BACKOFF_S * 2 ** (attempt - 1))


def _download_once(url: str, dest: Path, blob_id: str) -> None:
    """One try: stream the body to a temporary file, check it, move it into place."""
    with atomic_path(dest, suffix=".part") as tmp:
        try:
            with urllib.request.urlopen(url, timeout=STALL_S) as response, tmp.open("wb") as f:
                with tqdm(total=response.length, unit="B", unit_scale=True, desc=dest.name) as bar:
                    while chunk := response.read1(1 << 16):
                        bar.update(f.write(chunk))
                if response.length:  # bytes that the Content-Length promised and did not come
                    why = f"the body was truncated: received {bar.n:,} of {bar.total:,} bytes"
                    raise _Failed(why, True)
        except (OSError, http.client.HTTPException) as exc:
            raise _Failed(*_why(exc, tmp.stat().st_size)) from None
        if (got := git_blob_id(tmp)) != blob_id:
            why = f"its checksum does not match (git blob id {got}, expected {blob_id}): the server"
            raise _Failed(f"{why} sent other bytes than the pinned file", False)


def _why(exc: Exception, received: int) -> tuple[str, bool]:
    """Why a try failed, in words, and whether a later try may go better."""
    cause = getattr(exc, "reason", exc)  # a URLError wraps the error it met
    if isinstance(exc, urllib.error.HTTPError):
        exc.close()
        again = exc.code >= 500 or exc.code in (408, 429)
        return f"the server answered HTTP {exc.code} {exc.reason}", again
    if isinstance(cause, TimeoutError):
        after = f" after {received:,} bytes" if received else ""
        return f"the server sent nothing for {STALL_S:g} s{after} (timed out)", False
    if isinstance(exc, urllib.error.URLError):  # e.g. connection refused, no such host
        return f"could not connect ({getattr(cause, 'strerror', None) or cause})", False
    name = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return f"the download broke off after {received:,} bytes ({name})", True
