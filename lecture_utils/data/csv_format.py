"""The data set's CSV files (``label,pixel1,...,pixel784``): read and check them, write them.

pandas parses a valid file fast; a slow pass names the line, column and rule of a broken one."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from .cache import Arrays, DataError
from .dataset import IMAGE_SIZE, VALID_LABELS

HEADER = ("label", *(f"pixel{i}" for i in range(1, IMAGE_SIZE**2 + 1)))
HEADER_RULE = f"'label,pixel1,...,{HEADER[-1]}'"
LABEL_RULE = f"labels are 0..{max(VALID_LABELS)} without 9: J and Z are signed with a movement"


def read_sign_mnist_csv(path: str | Path) -> Arrays:
    """Read a CSV file into uint8 images (N, 28, 28) and int64 labels (N,); a DataError names
    the file, the line (header = line 1), the column and the rule broken."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    _check_header(path)
    try:
        with warnings.catch_warnings(), path.open("rb") as f:
            warnings.simplefilter("error", pd.errors.ParserWarning)  # e.g. a surplus field
            # int16 holds every valid value in a quarter of int64's memory; index_col=False
            # keeps pandas from taking a surplus first field as the row index
            values = pd.read_csv(f, index_col=False, dtype=np.int16).to_numpy()
    except Exception:  # any parser complaint: the slow pass below explains it
        values = np.empty((0, 0), dtype=np.int16)
    pixels, labels = values[:, 1:], values[:, :1]
    whole = values.shape[1:] == (len(HEADER),) and len(values) > 0
    if whole and pixels.min() >= 0 and pixels.max() <= 255 and np.isin(labels, VALID_LABELS).all():
        images = pixels.astype(np.uint8).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
        return images, labels[:, 0].astype(np.int64)
    _diagnose(path)  # raises, naming line and column
    raise DataError(f"{path}: could not be parsed as a Sign Language MNIST CSV")


def write_sign_mnist_csv(f: BinaryIO, images: np.ndarray, labels: np.ndarray) -> None:
    """Write images and labels in the real files' format (what ``pd.read_csv`` reads back)."""
    rows = np.column_stack([labels, images.reshape(len(images), -1)])
    np.savetxt(f, rows, fmt="%d", delimiter=",", header=",".join(HEADER), comments="")


def _check_header(path: Path) -> None:
    """Require a first line that is exactly ``label,pixel1,...,pixel784``."""
    # utf-8-sig: spreadsheet programs start "CSV UTF-8" files with a byte-order mark
    with path.open(encoding="utf-8-sig", errors="replace") as f:
        first = f.readline().rstrip("\r\n")
    names = first.split(",")
    word = "semicolons" if ";" in first else "tabs" if "\t" in first else ""
    if len(names) == 1 and word:
        raise DataError(
            f"{path}: line 1: the fields are separated by {word}, not commas; save the "
            f"file as comma-separated values (header {HEADER_RULE})"
        )
    for i, (found, expected) in enumerate(zip(names, HEADER, strict=False), start=1):
        if found != expected:  # also a compressed file's first bytes
            raise DataError(
                f"{path}: line 1, column {i}: header must be {HEADER_RULE}; "
                f"expected {expected!r} here, found {_clip(found)}"
            )
    if len(names) != len(HEADER):
        raise DataError(f"{path}: line 1: header has {len(names)} columns, expected {len(HEADER)}")


def _clip(text: str, limit: int = 40) -> str:
    """``repr(text)``, shortened: a message shows what was found, not a whole line."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"


def _diagnose(path: Path) -> None:
    """Walk the file line by line and raise a DataError at the first broken rule."""
    rows = 0
    with path.open(encoding="utf-8-sig", errors="replace") as f:
        f.readline()  # the header was checked already
        for line, text in enumerate(f, start=2):
            if text.strip():  # blank lines are skipped, as pandas does
                rows += 1
                _check_row(path, line, text.rstrip("\r\n").split(","))
    if rows == 0:
        raise DataError(f"{path}: no data rows after the header (at least one image is needed)")


def _check_row(path: Path, line: int, row: list[str]) -> None:
    """Raise a DataError if one row breaks a rule; plain valid rows pass quickly."""
    if len(row) != len(HEADER):
        raise DataError(f"{path}: line {line}: {len(row)} values, expected {len(HEADER)}")
    plain = all(map(str.isdigit, row)) and "".join(row).isascii()
    if plain and int(row[0]) in VALID_LABELS and max(map(int, row[1:])) <= 255:
        return
    for column, text in zip(HEADER, row, strict=True):
        where = f"{path}: line {line}, column {column!r}"
        if not re.fullmatch(r"\s*[+-]?[0-9]+\s*", text):
            why = f"{_clip(text)} is not an integer" if text.strip() else "missing value"
            raise DataError(f"{where}: {why}")
        if column == "label" and int(text) not in VALID_LABELS:
            raise DataError(f"{where}: label {int(text)} is out of range ({LABEL_RULE})")
        if column != "label" and not 0 <= int(text) <= 255:
            raise DataError(f"{where}: pixel value {int(text)} is out of range (pixels are 0..255)")
