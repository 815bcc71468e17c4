"""Sign Language MNIST's CSV files (``label,pixel1,...,pixel784``): read, check, write, to tensors.

pandas reads the file in chunks of CHUNK_ROWS rows (a valid full-size file in about a second,
with a progress bar for files over PROGRESS_BYTES) and each chunk is checked as it comes. Only
when a chunk breaks a rule does a slow, line-by-line diagnostic pass run, over that chunk alone,
to name the exact line, column and rule broken: a bad value at the end of a large file is
reported as soon as the parse reaches it.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from .cache import DataError

VALID_LABELS = tuple(i for i in range(25) if i != 9)  # J (9) and Z (25) need motion
N_PIXELS = 28 * 28
HEADER = ("label", *(f"pixel{i}" for i in range(1, N_PIXELS + 1)))
CHUNK_ROWS = 1024  # rows parsed and checked at a time (about 2.5 MB of text)
PROGRESS_BYTES = 100 * 2**20  # larger files show a progress bar while they are parsed

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NOT_TEXT = {  # first bytes of files that are not CSV text, and how to fix each
    b"\x1f\x8b": "holds gzip-compressed data; decompress it: `mv {0} {0}.gz && gunzip {0}.gz`",
    b"PK\x03\x04": "is a zip archive; unzip it and use the CSV file inside instead",
}


def read_sign_mnist_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a Sign Language MNIST CSV into uint8 images (N, 28, 28) and int64 labels (N,).

    Raises DataError naming the file, the line (header = line 1), the column and the rule.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    _check_header(path)
    images, labels = [], []
    size = path.stat().st_size
    with (
        path.open("rb") as f,
        tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=f"Reading {path.name}",
            disable=size <= PROGRESS_BYTES,
        ) as bar,
    ):
        for values in _chunks(f):
            if values is None or not _values_ok(values):
                _diagnose(path, skip_rows=sum(map(len, labels)))  # raises with line and column
                raise DataError(f"{path}: could not be parsed as a Sign Language MNIST CSV")
            labels.append(values[:, 0].copy())  # a view would keep the whole chunk alive
            images.append(values[:, 1:].astype(np.uint8))
            bar.update(f.tell() - bar.n)
    if not labels:
        _diagnose(path)  # raises: no data rows
    return np.concatenate(images).reshape(-1, 28, 28), np.concatenate(labels)


def write_sign_mnist_csv(f: BinaryIO, images: np.ndarray, labels: np.ndarray) -> None:
    """Write images and labels in the real files' format (what ``pd.read_csv`` reads back)."""
    words = [str(v) for v in range(256)]
    f.write((",".join(HEADER) + "\n").encode())
    rows = np.column_stack([labels, images.reshape(len(images), -1)])
    for start in range(0, len(rows), 4096):  # a few MB of text at a time
        lines = (",".join([words[v] for v in row]) for row in rows[start : start + 4096].tolist())
        f.write(("\n".join(lines) + "\n").encode())


def _check_header(path: Path) -> None:
    """Require a text file whose first line is exactly ``label,pixel1,...,pixel784``."""
    with path.open("rb") as f:
        start = f.read(4)
    for magic, problem in _NOT_TEXT.items():
        if start.startswith(magic):
            raise DataError(f"{path}: not a CSV text file: it {problem.format(path.name)}")
    # utf-8-sig: spreadsheet programs start "CSV UTF-8" files with a byte-order mark
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        first = f.readline()
    if not first.strip():
        raise DataError(
            f"{path}: line 1: empty file or header; expected 'label,pixel1,...,pixel784'"
        )
    names = next(csv.reader([first]))
    if len(names) == 1:
        for sep, word in ((";", "semicolons"), ("\t", "tabs")):
            if sep in first:
                raise DataError(
                    f"{path}: line 1: the fields are separated by {word}, not commas; save the "
                    "file as comma-separated values (header 'label,pixel1,...,pixel784')"
                )
    for i, (found, expected) in enumerate(zip(names, HEADER, strict=False), start=1):
        if found != expected:
            raise DataError(
                f"{path}: line 1, column {i}: header must be 'label,pixel1,...,pixel784'; "
                f"expected {expected!r} here, found {_clip(found)}"
            )
    if len(names) != len(HEADER):
        raise DataError(
            f"{path}: line 1: header has {len(names)} columns, expected {len(HEADER)} "
            "('label,pixel1,...,pixel784')"
        )


def _clip(text: str, limit: int = 40) -> str:
    """``repr(text)``, shortened: a message shows what was found, not a whole line."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"


def _chunks(f: BinaryIO) -> Iterator[np.ndarray | None]:
    """The file's rows as int64 arrays (n, 785); then None if a chunk is not all integers."""
    try:
        # index_col=False: else pandas takes a surplus first field as the row index.
        reader = pd.read_csv(f, index_col=False, chunksize=CHUNK_ROWS)
    except Exception:  # any parser complaint: let the diagnostic pass explain it
        yield None
        return
    with reader:
        while True:
            try:
                with warnings.catch_warnings():
                    # e.g. a row with a surplus field: pandas warns and drops data; we diagnose
                    warnings.simplefilter("error", pd.errors.ParserWarning)
                    frame = next(reader)
            except StopIteration:
                return
            except Exception:
                yield None
                return
            if frame.shape[1] != len(HEADER) or any(t.kind not in "iu" for t in frame.dtypes):
                yield None
                return
            yield frame.to_numpy(dtype=np.int64)


def _values_ok(values: np.ndarray) -> bool:
    """Check the value ranges of a parsed array, all at once."""
    pixels = values[:, 1:]
    return bool(pixels.min() >= 0 and pixels.max() <= 255) and bool(
        np.isin(values[:, 0], VALID_LABELS).all()
    )


def _diagnose(path: Path, skip_rows: int = 0) -> None:
    """Walk the file line by line and raise a DataError at the first broken rule.

    The first ``skip_rows`` rows, already found valid, are skipped unchecked (each of them is
    one line: a row over several lines is never valid).
    """
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        f.readline()  # the header was checked already
        skipped_lines, rows = 1, 0
        while rows < skip_rows and (text := f.readline()):
            skipped_lines += 1
            rows += bool(text.strip("\r\n"))  # blank lines are no rows, for pandas neither
        reader = csv.reader(f)
        while True:
            start = skipped_lines + reader.line_num + 1  # where the next row begins
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error:  # a field longer than csv's limit: an open quote ate the file
                row = None
            line = skipped_lines + reader.line_num
            if row is None or line != start:  # one row over several lines: an open quote
                raise DataError(
                    f'{path}: line {start}: a double quote (") opens a field that runs on '
                    "into the lines below; remove it or add its closing partner"
                )
            if not row:
                continue  # blank lines are skipped, as pandas does
            rows += 1
            _check_row(path, line, row)
    if rows == 0:
        raise DataError(f"{path}: no data rows after the header (at least one image is needed)")


def _check_row(path: Path, line: int, row: list[str]) -> None:
    """Raise a DataError if one row breaks a rule; plain valid rows pass at C speed."""
    if len(row) != len(HEADER):
        raise DataError(
            f"{path}: line {line}: {len(row)} values, expected {len(HEADER)} "
            "(a label and 784 pixels)"
        )
    if all(map(str.isdigit, row)) and "".join(row).isascii():
        numbers = list(map(int, row))
        if numbers[0] in VALID_LABELS and max(numbers[1:]) <= 255:
            return
    for column, text in zip(HEADER, row, strict=True):
        _check_value(path, line, column, text)


def _check_value(path: Path, line: int, column: str, text: str) -> None:
    """Raise a DataError if one field breaks a rule."""
    where = f"{path}: line {line}, column {column!r}"
    value = text.strip()
    if not value:
        raise DataError(f"{where}: missing value (every field must hold an integer)")
    if not _INTEGER.fullmatch(value):
        raise DataError(f"{where}: {_clip(text)} is not an integer")
    number = int(value)
    if column == "label":
        if number == 9:
            raise DataError(
                f"{where}: label 9 (J) is not allowed: J and Z need motion, so labels are "
                "0..24 without 9"
            )
        if number not in VALID_LABELS:
            raise DataError(f"{where}: label {number} is out of range (labels are 0..24 without 9)")
    elif not 0 <= number <= 255:
        raise DataError(f"{where}: pixel value {number} is out of range (pixels are 0..255)")


def pixels_to_tensors(pixels: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows of 784 grey levels (0-255) -> float images (N, 1, 28, 28) in [0, 1], and int64 labels."""
    X = torch.from_numpy(np.array(pixels, dtype=np.uint8))  # a copy that torch may own
    X = X.reshape(-1, 1, 28, 28)  # (image, channel, row, column)
    X = X.to(torch.float32).div_(255)  # grey levels 0..255 -> 0..1, in place: one float copy
    y = torch.from_numpy(np.array(labels, dtype=np.int64))
    return X, y


def table_to_tensors(table: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor]:
    """Turn the table into a stack of images and a vector of labels, ready for a model."""
    pixels = table.drop(columns="label").to_numpy(dtype=np.uint8)
    return pixels_to_tensors(pixels, table["label"].to_numpy())
