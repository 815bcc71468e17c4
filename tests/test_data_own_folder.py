"""Own data folders (LECTURE_DATA=folder): validated, parsed once into a binary copy, labelled."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from data_helpers import refuse_writes, small_split, write_csv

from lecture_utils.data import DataError, data_source, load_sign_mnist, sign_mnist_csv, sources
from lecture_utils.data.download import git_blob_id


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "my copy"
    folder.mkdir()
    for split, n in (("train", 20), ("test", 8)):
        write_csv(folder / f"sign_mnist_{split}.csv", *small_split(split, n=n, seed=5))
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


def test_own_data_is_validated_labelled_and_not_taken_for_the_real_data(
    monkeypatch, cache, folder, capsys
):
    monkeypatch.setenv("LECTURE_DATA", str(folder))
    x, y = load_sign_mnist("test")
    assert x.dtype == torch.float32 and x.shape == (8, 1, 28, 28) and y.dtype == torch.int64
    assert capsys.readouterr() == ("", "")
    info = data_source()
    assert not info.is_real and not info.is_synthetic
    assert info.name == "your own data files"
    assert info.location == str(folder / "sign_mnist_test.csv")
    ids = [git_blob_id(folder / f"sign_mnist_{s}.csv") for s in ("train", "test")]
    assert info.fingerprint == f"sign-mnist-{ids[0][:10]}-{ids[1][:10]}"
    load_sign_mnist("train")
    assert data_source().fingerprint == info.fingerprint  # one name for both splits


def test_own_data_is_parsed_once_into_a_binary_copy(cache, folder, parses):
    x, y = load_sign_mnist("train", source=folder)
    x2, y2 = load_sign_mnist("train", source=folder)
    assert parses == ["sign_mnist_train.csv"]  # the second load read the binary copy
    assert torch.equal(x, x2) and torch.equal(y, y2) and len(x) == 20
    images, labels = small_split("train", n=20, seed=5)
    np.testing.assert_array_equal((x2[:, 0] * 255).round().byte().numpy(), images)
    np.testing.assert_array_equal(y2.numpy(), labels)


def test_a_changed_csv_file_is_parsed_again_quietly(cache, folder, parses, capsys):
    load_sign_mnist("test", source=folder)
    images, labels = small_split("test", n=12, seed=9)
    write_csv(folder / "sign_mnist_test.csv", images, labels)
    x, y = load_sign_mnist("test", source=folder)
    assert parses == ["sign_mnist_test.csv"] * 2
    assert capsys.readouterr() == ("", "")
    assert len(x) == 12 and y.tolist() == labels.tolist()


def test_own_data_loads_without_a_usable_cache_saying_so(
    monkeypatch, cache, folder, parses, capsys
):
    cache.mkdir()
    refuse_writes(monkeypatch, cache)
    x, _ = load_sign_mnist("test", source=folder)
    assert len(x) == 8
    assert "Not keeping a binary copy of own-data/" in capsys.readouterr().out


def test_a_missing_or_bad_file_is_named(folder, cache):
    (folder / "sign_mnist_test.csv").unlink()
    with pytest.raises(DataError, match="sign_mnist_test.csv: file not found"):
        load_sign_mnist("train", source=folder)
    (folder / "sign_mnist_test.csv").write_text("label,pixel1\n3,4\n")
    with pytest.raises(DataError, match="sign_mnist_test.csv: line 1: header has 2 columns"):
        load_sign_mnist("test", source=folder)
    assert data_source() is None


def test_a_bad_value_names_file_line_and_column_and_nothing_is_kept(cache, folder):
    csv = folder / "sign_mnist_train.csv"
    lines = csv.read_text().splitlines()
    lines[5] = "9" + lines[5][lines[5].index(",") :]
    csv.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="sign_mnist_train.csv: line 6, column 'label': label 9"):
        load_sign_mnist("train", source=folder)
    assert not list((cache / "own-data").glob("*.npz"))  # nothing half-built kept
    assert not [p for p in (cache / "own-data").iterdir() if p.name.startswith(".")]


def test_the_csv_is_the_file_in_the_folder(cache, folder):
    path = sign_mnist_csv("train", source=folder)
    assert path == folder / "sign_mnist_train.csv"
    assert not data_source().is_real and data_source().location == str(path)


@pytest.mark.parametrize("start", ["", "notebooks"])
def test_a_relative_data_folder_means_the_same_in_root_and_notebooks(
    monkeypatch, cache, folder, start
):
    root = Path(__file__).resolve().parents[1]  # the repository
    monkeypatch.chdir(root / start)
    monkeypatch.setenv("LECTURE_DATA", os.path.relpath(folder, root))  # seen from the root
    x, _ = load_sign_mnist("test")
    assert len(x) == 8 and data_source().location == str(folder / "sign_mnist_test.csv")


def test_an_invalid_relative_folder_states_the_rule(monkeypatch, tmp_path, cache):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match="A relative path is taken from the root of the lect"):
        load_sign_mnist("train", source="no-such-folder")
