"""Environment variables of the data layer: nonsense refused by name, and life without a home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from data_helpers import small_split, write_csv

from lecture_utils.data import DataError, cache_dir, data_source, download, load_sign_mnist
from lecture_utils.data.__main__ import main

BAD_URLS = [
    "not-a-url",
    "example.org/sign-language-mnist",
    "ftp://example.org/sign-language-mnist",
    "https://",
    "https://example.org:port/data",
    "https://exa mple.org/data",
]


@pytest.mark.parametrize("value", BAD_URLS)
def test_a_url_that_is_not_a_web_address_is_refused_by_name(monkeypatch, cache, value):
    monkeypatch.setenv("LECTURE_DATA_URL", value)
    with pytest.raises(DataError) as info:
        load_sign_mnist("train", source="real")
    message = str(info.value)
    assert message.startswith(f"LECTURE_DATA_URL={value!r} is not a web address")
    assert "starting with https://, e.g. https://example.org/" in message


@pytest.mark.parametrize("value", ["https://example.org/data", "http://127.0.0.1:8000/x/"])
def test_a_web_address_is_taken_as_given(monkeypatch, value):
    monkeypatch.setenv("LECTURE_DATA_URL", f"  {value}  ")
    assert download.file_url("test") == value.rstrip("/") + "/sign_mnist_test.csv"


@pytest.mark.parametrize("value", BAD_URLS[:2])
def test_auto_falls_back_on_a_bad_url_and_make_data_says_why(
    monkeypatch, cache, generated, capsys, value
):
    monkeypatch.setenv("LECTURE_DATA_URL", value)
    x, _ = load_sign_mnist("train")
    assert len(x) == 48 and data_source().fell_back
    assert "is not a web address" in data_source().fallback_reason
    assert capsys.readouterr() == ("", "")
    assert main() == 0
    assert f"LECTURE_DATA_URL={value!r} is not a web address" in capsys.readouterr().out


class Surprise(Exception):
    """An error no one planned for on the way to the real data."""


def _surprise(split):
    raise Surprise("the proxy said something odd")


def test_auto_falls_back_whatever_the_download_error(monkeypatch, cache, generated):
    monkeypatch.setattr(download, "real_csv", _surprise)
    x, _ = load_sign_mnist("test")
    assert len(x) == 48 and data_source().is_synthetic
    assert data_source().fallback_reason == "Surprise: the proxy said something odd"


def test_real_mode_does_not_hide_an_unplanned_error(monkeypatch, cache):
    monkeypatch.setattr(download, "real_csv", _surprise)
    with pytest.raises(Surprise):
        load_sign_mnist("test", source="real")


@pytest.fixture
def homeless(monkeypatch):
    """No home folder, as for a container user without a passwd entry and without HOME."""

    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)  # else it names the cache folder
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)  # what it does without a home
    with pytest.raises(RuntimeError):  # the simulation holds
        Path.home()


def test_without_a_home_folder_loading_works_when_lecture_cache_is_set(
    monkeypatch, cache, homeless, generated, tmp_path
):
    folder = tmp_path / "own"
    folder.mkdir()
    for split in ("train", "test"):
        write_csv(folder / f"sign_mnist_{split}.csv", *small_split(split, n=5))
    assert len(load_sign_mnist("train")[0]) == 48  # auto: falls back, offline
    assert len(load_sign_mnist("test", source="synthetic")[0]) == 48
    assert len(load_sign_mnist("test", source=folder)[0]) == 5
    assert generated == ["train", "test"]
    assert len(list(cache.glob("synthetic-*.npz"))) == 2  # both kept in the cache
    assert len(list((cache / "own-data").glob("*.npz"))) == 1


def test_without_a_home_folder_or_lecture_cache_the_error_says_what_to_set(
    monkeypatch, cache, homeless, generated, capsys
):
    monkeypatch.delenv("LECTURE_CACHE")
    with pytest.raises(DataError, match="set LECTURE_CACHE to a full path"):
        cache_dir()
    with pytest.raises(DataError, match="set LECTURE_CACHE to a full path"):
        load_sign_mnist("train", source="real")
    assert len(load_sign_mnist("train")[0]) == 48  # auto: the lecture goes on
    assert "set LECTURE_CACHE to a full path" in capsys.readouterr().out
    assert main() == 1
    assert "set LECTURE_CACHE to a full path" in capsys.readouterr().err


@pytest.mark.parametrize("variable", ["LECTURE_CACHE", "LECTURE_DATA"])
def test_a_tilde_without_a_home_folder_is_refused_by_name(
    monkeypatch, tmp_path, cache, homeless, variable
):
    monkeypatch.chdir(tmp_path)  # were "~" taken as a folder's name, it would be made here
    monkeypatch.setenv(variable, "~/lecture")
    message = f"no home folder here for the '~' in '~/lecture': set {variable} to a full path"
    with pytest.raises(DataError, match=message):
        load_sign_mnist("train", source="real" if variable == "LECTURE_CACHE" else None)


def test_an_empty_variable_means_unset(monkeypatch, cache, generated):
    monkeypatch.setenv("LECTURE_DATA_URL", "  ")
    assert download.file_url("train") == f"{download.dataset.PINNED_URL}/sign_mnist_train.csv"
    monkeypatch.setenv("LECTURE_DATA", " ")
    load_sign_mnist("train")  # auto: offline here, so the stand-in
    assert data_source().fell_back
