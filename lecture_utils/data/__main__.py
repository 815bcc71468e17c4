"""``python -m lecture_utils.data`` (``make data``): fill the cache ahead of class, saying where
each split came from (and why auto mode fell back); exit status 1 if the data cannot be had."""

import sys

from .cache import DataError, cache_dir, shown, writable_folder
from .dataset import SPLITS
from .sources import KINDS, data_source, load_sign_mnist, resolve_source


def main() -> int:
    """Load both splits once so that later loads come from the cache; say what happened."""
    try:
        print(f"Data source: {resolve_source()}; cache folder: {writable_folder(cache_dir())}")
        for split in SPLITS:
            n, source = len(load_sign_mnist(split)[1]), data_source()
            where = f"{shown(source.location) or source.fingerprint} ({KINDS[source.kind][0]})"
            print(f"Sign Language MNIST {split}: {n:,} images from {where}")
    except DataError as exc:
        print(f"Could not prepare the data: {exc}", file=sys.stderr)
        return 1
    if data_source().fell_back:
        print(f"Could not get the real data: {data_source().fallback_reason}")
    print(f"Done: the cache holds {data_source().name} for both splits.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
