"""Every `LECTURE_*` environment variable, read and checked in one place, when it is needed.

A value that cannot be meant raises a ValueError naming the variable and what to set instead;
an unset or empty variable gives the default.
"""

from __future__ import annotations

import os
import urllib.parse


def _read(name: str) -> str:
    return os.environ.get(name, "").strip()


def data_choice() -> str:
    """`LECTURE_DATA`: "auto" (default), "real", "synthetic" or a folder, as written."""
    value = _read("LECTURE_DATA")
    return value.lower() if value.lower() in ("", "auto", "real", "synthetic") else value


def data_url() -> str | None:
    """`LECTURE_DATA_URL`: a mirror of the real data's folder, or None for the pinned copy."""
    value = _read("LECTURE_DATA_URL")
    if not value:
        return None
    try:
        parts = urllib.parse.urlsplit(value)
        valid = parts.scheme in ("https", "http") and bool(parts.hostname) and " " not in value
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        valid = False
    if not valid:
        raise ValueError(
            f"LECTURE_DATA_URL={value!r} is not a web address: give the full address of the "
            "folder that serves sign_mnist_train.csv and sign_mnist_test.csv, starting with "
            "https://, e.g. https://example.org/sign-language-mnist (or unset it to use the "
            "lecture's pinned copy)"
        )
    return value


def cache_setting() -> str:
    """`LECTURE_CACHE`: the cache folder as written, or "" for the user's cache folder."""
    return _read("LECTURE_CACHE")


def thread_count(cores: int) -> int | None:
    """`LECTURE_THREADS`: a fixed torch thread count (1 to `cores`), or None to let `speed` pick."""
    text = _read("LECTURE_THREADS")
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(
            f"LECTURE_THREADS={text!r} is not a thread count: set it to a whole number such as "
            "1 or 2, or unset it to let the lecture pick."
        )
    if int(text) > cores:
        raise ValueError(
            f"LECTURE_THREADS={text} asks for more threads than the {cores} cores this process "
            f"may use; set it to at most {cores}, or unset it."
        )
    return int(text)


def device_request() -> str | None:
    """`LECTURE_DEVICE`: "cpu", "cuda", "cuda:N" or "mps", or None to pick the fastest."""
    value = _read("LECTURE_DEVICE").lower()
    if not value:
        return None
    kind, colon, index = value.partition(":")
    if kind not in ("cpu", "cuda", "mps") or (colon and not (kind == "cuda" and index.isdigit())):
        raise ValueError(
            f"LECTURE_DEVICE={value!r} is not a device name: use cpu, cuda, cuda:N or mps, or "
            "unset it to pick the fastest device here."
        )
    return value


def checking_claims() -> bool:
    """`LECTURE_CHECK_CLAIMS=1` (the test run): a claim that does not hold raises."""
    value = _read("LECTURE_CHECK_CLAIMS")
    if value not in ("", "0", "1"):
        raise ValueError(
            f"LECTURE_CHECK_CLAIMS is {value!r}: set it to 1 to check the lecture's claims, "
            "or to 0 (or leave it unset) not to"
        )
    return value == "1"


def run_log() -> str | None:
    """`LECTURE_RUN_LOG`: the file `make lecture` collects its table from, or None."""
    return _read("LECTURE_RUN_LOG") or None


def more_training() -> bool:
    """`LECTURE_MORE_TRAINING=1`: notebook 05 also runs its optional 15-epoch training."""
    return _read("LECTURE_MORE_TRAINING") == "1"
