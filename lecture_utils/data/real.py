"""The real data from the cache, else downloaded and verified; then kept as a binary cache.

Layout of the cache folder, per split: ``sign_mnist_<split>.csv`` (the verified download),
``sign_mnist_<split>.npz`` (its parsed arrays, tagged with the CSV's blob id) and a
``.lock`` file. A corrupt or stale ``.npz`` is rebuilt from the CSV; a CSV that no longer
matches its blob id is downloaded again.
"""

from __future__ import annotations

from pathlib import Path

from . import download
from .cache import Arrays, cache_dir, cached_arrays
from .csv_format import read_sign_mnist_csv


def real_arrays(split: str) -> tuple[Arrays, str, Path]:
    """Return (arrays, how, path) with how "cache" or "download" and path the file used."""
    folder = cache_dir()
    csv_path = folder / download.FILE_NAMES[split]
    npz_path = csv_path.with_suffix(".npz")
    blob_id = download.BLOB_IDS[split]
    downloaded = []

    def build() -> Arrays:
        if csv_path.is_file() and download.git_blob_id(csv_path) != blob_id:
            print(f"The cached {csv_path} does not match its pinned checksum; downloading again.")
            csv_path.unlink()
        if not csv_path.is_file():
            download.download(download.file_url(split), csv_path, expected_blob_id=blob_id)
            downloaded.append(True)
        return read_sign_mnist_csv(csv_path)

    arrays, _ = cached_arrays(npz_path, blob_id, build)
    if downloaded:
        return arrays, "download", csv_path
    return arrays, "cache", npz_path
