"""read_sign_mnist_csv: valid files round-trip; every broken rule names file, line, column, rule."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pandas as pd
import pytest
from data_helpers import csv_bytes, small_split, write_csv

from lecture_utils.data import DataError
from lecture_utils.data.csv_format import HEADER, read_sign_mnist_csv, write_sign_mnist_csv

HEADER_LINE = ",".join(HEADER)


def _row(label: int = 3, pixel: int = 7) -> list[str]:
    return [str(label)] + [str(pixel)] * 784


def _lines(*rows: list[str]) -> str:
    return "\n".join([HEADER_LINE, *(",".join(r) for r in rows)]) + "\n"


def _with(index: int, value: str, label: int = 3) -> list[str]:
    row = _row(label)
    row[index] = value
    return row


def test_valid_file_round_trips(tmp_path):
    images, labels = small_split("train", n=40)
    path = write_csv(tmp_path / "ok.csv", images, labels)
    got_images, got_labels = read_sign_mnist_csv(path)
    assert got_images.dtype == np.uint8 and got_images.shape == (40, 28, 28)
    assert got_labels.dtype == np.int64 and got_labels.shape == (40,)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


def test_windows_line_endings_are_accepted(tmp_path):
    images, labels = small_split("train", n=5)
    path = tmp_path / "crlf.csv"
    path.write_bytes(csv_bytes(images, labels, newline="\r\n"))
    np.testing.assert_array_equal(read_sign_mnist_csv(path)[0], images)


def test_pixel_positions_map_row_major(tmp_path):
    row = _row(label=0, pixel=0)
    row[1 + 28 * 2 + 5] = "200"  # pixel at row 2, column 5
    path = tmp_path / "one.csv"
    path.write_text(_lines(row))
    images, labels = read_sign_mnist_csv(path)
    assert images[0, 2, 5] == 200 and images.sum() == 200 and labels.tolist() == [0]


MALFORMED = {
    "empty file": ("", ["line 1, column 1", "expected 'label' here, found ''"]),
    "wrong first header": (
        _lines(_row()).replace("label,", "lable,", 1),
        ["line 1, column 1", "expected 'label'", "found 'lable'"],
    ),
    "misnamed pixel column": (
        _lines(_row()).replace("pixel5,", "pixel05,", 1),
        ["line 1, column 6", "expected 'pixel5'", "found 'pixel05'"],
    ),
    "header too short": (
        _lines().replace(",pixel784", ""),
        ["line 1", "784 columns, expected 785"],
    ),
    "no data rows": (HEADER_LINE + "\n", ["no data rows", "at least one"]),
    "row too short": (
        _lines(_row(), _row()[:-1]),
        ["line 3", "784 values, expected 785"],
    ),
    "row too long": (_lines(_row() + ["1"]), ["line 2", "786 values, expected 785"]),
    "missing pixel": (_lines(_row(), _with(7, "")), ["line 3, column 'pixel7'", "missing value"]),
    "missing label": (_lines(_with(0, "")), ["line 2, column 'label'", "missing value"]),
    "text value": (
        _lines(_with(12, "abc")),
        ["line 2, column 'pixel12'", "'abc' is not an integer"],
    ),
    "fractional value": (
        _lines(_row(), _row(), _with(300, "1.5")),
        ["line 4, column 'pixel300'", "'1.5' is not an integer"],
    ),
    "pixel above 255": (
        _lines(_with(784, "256")),
        ["line 2, column 'pixel784'", "pixel value 256 is out of range", "0..255"],
    ),
    "negative pixel": (_lines(_with(1, "-1")), ["line 2, column 'pixel1'", "pixel value -1"]),
    "label J": (_lines(_row(label=9)), ["line 2, column 'label'", "label 9 is out", "without 9"]),
    "label 25": (_lines(_row(), _row(label=25)), ["line 3, column 'label'", "label 25", "0..24"]),
    "negative label": (
        _lines(_row(label=-2)),
        ["line 2, column 'label'", "label -2 is out of range"],
    ),
    "error after a blank line": (
        _lines(_row()) + "\n" + ",".join(_with(2, "x")) + "\n",
        ["line 4, column 'pixel2'", "'x' is not an integer"],
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_csv_names_file_line_column_and_rule(tmp_path, case):
    text, fragments = MALFORMED[case]
    path = tmp_path / "broken_sign_mnist.csv"
    path.write_text(text)
    with pytest.raises(DataError) as info:
        read_sign_mnist_csv(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    for fragment in fragments:
        assert fragment in message, message


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="nowhere.csv: file not found"):
        read_sign_mnist_csv(tmp_path / "nowhere.csv")


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


def test_a_byte_order_mark_is_accepted(tmp_path):
    images, labels = small_split("train", n=5)
    path = tmp_path / "excel.csv"  # what spreadsheet programs write for "CSV UTF-8"
    path.write_bytes(b"\xef\xbb\xbf" + csv_bytes(images, labels))
    got_images, got_labels = read_sign_mnist_csv(path)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


def test_a_byte_order_mark_does_not_hide_later_errors(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _lines(_row(), _with(5, "x")).encode())
    with pytest.raises(DataError, match="line 3, column 'pixel5': 'x' is not an integer"):
        read_sign_mnist_csv(path)


@pytest.mark.parametrize("rows_after", [1, 100], ids=["short file", "beyond csv's field limit"])
def test_an_unbalanced_quote_names_file_line_and_column(tmp_path, rows_after):
    path = tmp_path / "quote.csv"
    path.write_text(_lines(_row(), _row(), _with(3, '"7'), *[_row()] * rows_after))
    with pytest.raises(DataError) as info:
        read_sign_mnist_csv(path)
    assert str(info.value) == f"""{path}: line 4, column 'pixel3': '"7' is not an integer"""


@pytest.mark.parametrize("pack", [gzip.compress, lambda data: _zipped(data)], ids=["gzip", "zip"])
def test_a_compressed_file_named_csv_is_refused_by_its_header_in_a_short_message(tmp_path, pack):
    path = tmp_path / "sign_mnist_train.csv"
    path.write_bytes(pack(csv_bytes(*small_split("train", n=3))))
    with pytest.raises(DataError) as info:
        read_sign_mnist_csv(path)
    message = str(info.value)
    assert message.startswith(f"{path}: line 1, column 1: header must be"), message
    assert message.isprintable() and len(message) < 300, message  # no binary garbage


def _zipped(data: bytes) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("sign_mnist_train.csv", data)
    return buffer.getvalue()


@pytest.mark.parametrize(("sep", "word"), [(";", "semicolons"), ("\t", "tabs")])
def test_another_separator_is_named_without_quoting_the_header(tmp_path, sep, word):
    path = tmp_path / "european.csv"
    path.write_text(_lines(_row()).replace(",", sep))
    with pytest.raises(DataError) as info:
        read_sign_mnist_csv(path)
    message = str(info.value)
    assert f"separated by {word}, not commas" in message, message
    assert len(message) < 300, message  # the 7 KB header line is not in it


def test_a_long_wrong_field_is_shortened_in_the_message(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(_lines(_with(2, "x" * 5000)))
    with pytest.raises(DataError, match="'pixel2'") as info:
        read_sign_mnist_csv(path)
    assert len(str(info.value)) < 300


def test_written_files_read_back_with_pandas_and_with_the_checker(tmp_path):
    images, labels = small_split("test", n=30)
    path = tmp_path / "out.csv"
    with path.open("wb") as f:
        write_sign_mnist_csv(f, images, labels)
    assert path.read_bytes() == csv_bytes(images, labels)  # the real files' exact format
    table = pd.read_csv(path)
    assert list(table.columns) == list(HEADER)
    np.testing.assert_array_equal(table.to_numpy()[:, 0], labels)
    np.testing.assert_array_equal(read_sign_mnist_csv(path)[0], images)


def test_a_large_file_with_a_bad_value_at_its_end_names_that_line(tmp_path):
    images, labels = small_split("train", n=3000, seed=3)
    lines = csv_bytes(images, labels).decode().splitlines()
    lines[-1] = lines[-1].rsplit(",", 1)[0] + ",256"
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="line 3001, column 'pixel784': pixel value 256 is out"):
        read_sign_mnist_csv(path)


def test_the_parse_needs_less_memory_than_an_int64_table_of_the_file(tmp_path):
    """Own data files may be large: the parse must not hold the file as int64 (8x the images)."""
    import tracemalloc

    path = write_csv(tmp_path / "t.csv", *small_split("train", n=3000, seed=3))
    tracemalloc.start()
    try:
        images, _ = read_sign_mnist_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * images.nbytes
