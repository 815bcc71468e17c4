"""Own data folders (LECTURE_DATA=folder) at scale: a binary copy, progress, errors found fast."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from data_helpers import csv_bytes, refuse_writes, small_split, write_csv

from lecture_utils.data import DataError, csv_format, data_source, load_sign_mnist, sources

N_ROWS = 3000  # a few chunks of csv_format.CHUNK_ROWS rows


@pytest.fixture(scope="module")
def many():
    """Three thousand stand-in images and labels (generated once for this file)."""
    return small_split("train", n=N_ROWS, seed=3)


@pytest.fixture
def folder(tmp_path, many):
    folder = tmp_path / "own"
    folder.mkdir()
    write_csv(folder / "sign_mnist_train.csv", *many)
    write_csv(folder / "sign_mnist_test.csv", *small_split("test", n=30, seed=3))
    return folder


@pytest.fixture
def parses(monkeypatch):
    """Record each CSV file the sources module parses."""
    parsed = []
    real = sources.read_sign_mnist_csv
    monkeypatch.setattr(
        sources, "read_sign_mnist_csv", lambda path: parsed.append(path.name) or real(path)
    )
    return parsed


def test_own_data_is_parsed_once_into_a_binary_copy_in_the_cache(cache, folder, many, parses):
    x, y = load_sign_mnist("train", source=folder)
    assert parses == ["sign_mnist_train.csv"]
    (copy,) = (cache / "own-data").glob("sign_mnist_train-*.npz")
    x2, y2 = load_sign_mnist("train", source=folder)
    assert parses == ["sign_mnist_train.csv"]  # the second load read the binary copy
    assert torch.equal(x, x2) and torch.equal(y, y2) and len(x) == N_ROWS
    np.testing.assert_array_equal((x2[:, 0] * 255).round().byte().numpy(), many[0])
    assert data_source().kind == "local" and data_source().location == str(folder)


def test_a_changed_csv_file_is_parsed_again_quietly(cache, folder, parses, capsys):
    load_sign_mnist("test", source=folder)
    images, labels = small_split("test", n=12, seed=9)
    write_csv(folder / "sign_mnist_test.csv", images, labels)
    x, y = load_sign_mnist("test", source=folder)
    assert parses == ["sign_mnist_test.csv"] * 2
    assert capsys.readouterr() == ("", "")
    assert len(x) == 12 and y.tolist() == labels.tolist()
    assert len(list((cache / "own-data").glob("sign_mnist_test-*.npz"))) == 1  # replaced


def test_two_folders_keep_two_copies(cache, folder, tmp_path, parses):
    other = tmp_path / "other"
    other.mkdir()
    for split in ("train", "test"):
        write_csv(other / f"sign_mnist_{split}.csv", *small_split(split, n=7, seed=4))
    assert len(load_sign_mnist("test", source=folder)[0]) == 30
    assert len(load_sign_mnist("test", source=other)[0]) == 7
    assert len(load_sign_mnist("test", source=folder)[0]) == 30
    assert parses == ["sign_mnist_test.csv"] * 2


def test_own_data_loads_without_a_usable_cache_saying_so(
    monkeypatch, cache, folder, parses, capsys
):
    cache.mkdir()
    refuse_writes(monkeypatch, cache)
    x, _ = load_sign_mnist("test", source=folder)
    assert len(x) == 30
    assert "Not keeping a binary copy of sign_mnist_test.csv" in capsys.readouterr().out


def test_a_large_file_shows_progress_while_parsed_a_small_one_nothing(monkeypatch, folder, capsys):
    csv = folder / "sign_mnist_train.csv"
    csv_format.read_sign_mnist_csv(csv)
    assert capsys.readouterr() == ("", "")
    monkeypatch.setattr(csv_format, "PROGRESS_BYTES", csv.stat().st_size - 1)
    csv_format.read_sign_mnist_csv(csv)
    err = capsys.readouterr().err
    assert "Reading sign_mnist_train.csv" in err and "100%" in err


def test_the_progress_threshold_is_a_file_that_takes_seconds():
    assert csv_format.PROGRESS_BYTES == 100 * 2**20  # the real train file (83 MB) shows none


def _with_bad_value(many, row: int, column: int, value: str, blank_lines: int = 0) -> bytes:
    lines = csv_bytes(*many).decode().splitlines()
    fields = lines[1 + row].split(",")
    fields[column] = value
    lines[1 + row] = ",".join(fields)
    lines[1:1] = [""] * blank_lines  # blank lines after the header: pandas skips them
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("blank_lines", [0, 3])
def test_a_bad_value_late_in_a_large_file_is_found_without_checking_every_row(
    monkeypatch, tmp_path, many, blank_lines
):
    checked = []  # the line of each row the diagnostic pass checks
    real_check = csv_format._check_row
    monkeypatch.setattr(csv_format, "_check_row", lambda *a: checked.append(a[1]) or real_check(*a))
    path = tmp_path / "late.csv"
    path.write_bytes(_with_bad_value(many, N_ROWS - 1, 400, "256", blank_lines))
    line = N_ROWS + 1 + blank_lines  # the header is line 1
    with pytest.raises(DataError) as info:
        csv_format.read_sign_mnist_csv(path)
    assert str(info.value).startswith(f"{path}: line {line}, column 'pixel400'")
    assert "pixel value 256 is out of range" in str(info.value)
    # Only the failing chunk is checked row by row, not the rows before it.
    assert len(checked) <= csv_format.CHUNK_ROWS and min(checked) > line - csv_format.CHUNK_ROWS


def test_a_bad_value_in_a_middle_chunk_names_its_line(tmp_path, many):
    path = tmp_path / "middle.csv"
    path.write_bytes(_with_bad_value(many, 1500, 0, "x7", blank_lines=2))
    with pytest.raises(DataError, match=f"line {1500 + 2 + 2}, column 'label': 'x7' is not an"):
        csv_format.read_sign_mnist_csv(path)


def test_a_bad_value_in_an_own_folder_names_file_line_and_column(cache, folder, many):
    csv = folder / "sign_mnist_train.csv"
    csv.write_bytes(_with_bad_value(many, N_ROWS - 2, 0, "9"))
    with pytest.raises(DataError, match=f"sign_mnist_train.csv: line {N_ROWS}, column 'label'"):
        load_sign_mnist("train", source=folder)
    assert not list((cache / "own-data").glob("*.npz"))  # nothing half-built kept
    assert not [p for p in (cache / "own-data").iterdir() if p.name.startswith(".")]


def test_the_parse_holds_the_images_and_a_chunk_not_the_whole_table(monkeypatch, tmp_path, many):
    """Memory grows with the uint8 images, not with an int64 table of the file (8x larger)."""
    import tracemalloc

    monkeypatch.setattr(csv_format, "CHUNK_ROWS", 100)  # the chunk, small against the file
    path = write_csv(tmp_path / "t.csv", *many)
    tracemalloc.start()
    try:
        images, _ = csv_format.read_sign_mnist_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * images.nbytes < os.path.getsize(path)
