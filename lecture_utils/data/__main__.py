"""Fill the cache ahead of class: ``python -m lecture_utils.data`` (what ``make data`` runs).

Honours ``LECTURE_DATA`` (default auto: real data where reachable, else the stand-in, saying
why). Prints where each split came from. Exits with status 1 when the requested data could not
be had or cached.
"""

from __future__ import annotations

import argparse
import sys

from .cache import DataError, cache_dir, writable_folder
from .sources import SPLITS, data_source, load_arrays, resolve_source, try_network_again


def main(argv: list[str] | None = None) -> int:
    """Load both splits once so that later loads come from the cache; report what happened."""
    parser = argparse.ArgumentParser(prog="python -m lecture_utils.data", description=__doc__)
    parser.add_argument(
        "--source", help="auto, real, synthetic or a folder (default: $LECTURE_DATA)"
    )
    args = parser.parse_args(argv)
    try:
        choice = resolve_source(args.source)
        print(f"Data source: {choice}; cache folder: {cache_dir()}")
        writable_folder(cache_dir())  # filling the cache is the point: say at once if it cannot
        try_network_again()  # even if it failed a minute ago
        kinds = set()
        for split in SPLITS:
            load_arrays(split, source=args.source)
            info = data_source()
            if info.fell_back and not kinds:
                print(f"Could not get the real Sign Language MNIST data: {info.fallback_reason}")
            print(info.describe())
            kinds.add(info.kind)
    except DataError as exc:
        print(f"Could not prepare the data: {exc}", file=sys.stderr)
        return 1
    if "synthetic" in kinds and choice != "synthetic":
        print("The real data could not be had; the cache now holds the SYNTHETIC STAND-IN only.")
    else:
        print(
            "Done: both splits are ready"
            + (" (synthetic stand-in)." if "synthetic" in kinds else ".")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
