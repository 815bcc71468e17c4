"""Source selection (LECTURE_DATA / source=) and how each load reports where it came from."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from data_helpers import (
    CsvServer,
    closed_port_url,
    refuse_writes,
    small_split,
    small_stand_in,
    write_csv,
)

from lecture_utils.data import (
    SYNTHETIC_VERSION,
    DataError,
    data_source,
    download,
    load_sign_mnist,
    sign_mnist_csv,
    source_note,
    sources,
    table_to_tensors,
)
from lecture_utils.data.__main__ import main
from lecture_utils.data.download import git_blob_id
from lecture_utils.data.synthetic import generate, split_seed

STAND_IN = f"synthetic-v{SYNTHETIC_VERSION}-seed0"


@pytest.fixture
def local_folder(tmp_path):
    folder = tmp_path / "my copy"
    folder.mkdir()
    for split, n in (("train", 20), ("test", 8)):
        write_csv(folder / f"sign_mnist_{split}.csv", *small_split(split, n=n, seed=5))
    return folder


def _check_tensors(x, y, n):
    assert x.dtype == torch.float32 and x.shape == (n, 1, 28, 28)
    assert y.dtype == torch.int64 and y.shape == (n,)
    assert x.min() >= 0.0 and x.max() <= 1.0 and x.max() > 0.5


def test_nothing_loaded_yet(cache):
    assert data_source() is None and source_note() == ""


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_synthetic_source_is_named_and_cached(monkeypatch, cache, generated, capsys, how):
    if how == "environment":
        monkeypatch.setenv("LECTURE_DATA", "synthetic")
    kwargs = {"source": "synthetic"} if how == "argument" else {}
    x, y = load_sign_mnist("train", **kwargs)
    _check_tensors(x, y, 48)
    assert capsys.readouterr() == ("", "")  # loads are quiet: the notebook's banner tells
    info = data_source()
    assert (
        info.describe()
        == "Sign Language MNIST train: 48 images from the SYNTHETIC STAND-IN: "
        + (f"rendered letters, not real photographs of hands ({STAND_IN})")
    )
    assert not info.fell_back
    assert info.kind == "synthetic" and info.is_synthetic and info.label == "synthetic stand-in"
    assert info.fingerprint == STAND_IN and info.split == "train" and info.n_images == 48
    assert source_note() == "Synthetic stand-in data, not real Sign Language MNIST photographs"
    assert (cache / f"{STAND_IN}-train.npz").is_file()
    x2, y2 = load_sign_mnist("train", **kwargs)
    assert generated == ["train"]  # the second load came from the cache
    assert torch.equal(x, x2) and torch.equal(y, y2)
    images, labels = generate(48, split_seed(0, "train"))
    np.testing.assert_array_equal((x[:, 0] * 255).round().byte().numpy(), images)
    np.testing.assert_array_equal(y.numpy(), labels)


def test_local_folder_is_validated_and_labelled(monkeypatch, cache, local_folder, capsys):
    monkeypatch.setenv("LECTURE_DATA", str(local_folder))
    x, y = load_sign_mnist("test")
    _check_tensors(x, y, 8)
    assert capsys.readouterr() == ("", "")
    info = data_source()
    assert info.describe().endswith(
        f"8 images from local files (validated, not checksum-verified) in {local_folder}"
    )
    assert info.kind == "local" and info.label == "local files" and not info.is_synthetic
    assert source_note() == ""
    ids = [git_blob_id(local_folder / f"sign_mnist_{s}.csv") for s in ("train", "test")]
    assert info.fingerprint == f"sign-mnist-{ids[0][:10]}-{ids[1][:10]}"
    load_sign_mnist("train")
    assert data_source().fingerprint == info.fingerprint  # one name for both splits


def test_local_folder_missing_file_and_bad_file(local_folder, cache):
    (local_folder / "sign_mnist_test.csv").unlink()
    with pytest.raises(DataError, match="sign_mnist_test.csv: file not found"):
        load_sign_mnist("train", source=local_folder)
    (local_folder / "sign_mnist_test.csv").write_text("label,pixel1\n3,4\n")
    with pytest.raises(DataError, match="sign_mnist_test.csv: line 1: header has 2 columns"):
        load_sign_mnist("test", source=local_folder)
    assert data_source() is None


def _counting_downloads(monkeypatch) -> list:
    attempts = []
    real_download = download.download
    monkeypatch.setattr(
        download, "download", lambda *a, **k: attempts.append(a) or real_download(*a, **k)
    )
    return attempts


def test_auto_falls_back_quietly_keeping_the_reason_and_stays_synthetic(
    monkeypatch, cache, generated, capsys
):
    attempts = _counting_downloads(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would show in the notebook, with a file path
        x, _ = load_sign_mnist("train")
        assert capsys.readouterr() == ("", "")  # the notebook's one banner says it fell back
        info = data_source()
        assert info.is_synthetic and info.fell_back and source_note() != "" and len(x) == 48
        assert "could not connect" in info.fallback_reason  # for `make data` to print
        assert len(attempts) == 1
        load_sign_mnist("test")
    assert capsys.readouterr() == ("", "")
    assert len(attempts) == 1  # no second wait for the network
    assert data_source().fingerprint == STAND_IN and data_source().split == "test"
    assert data_source().fallback_reason == info.fallback_reason


def test_the_stand_in_chosen_on_purpose_is_not_a_fallback(cache, generated):
    load_sign_mnist("train", source="synthetic")
    assert not data_source().fell_back and data_source().fallback_reason == ""


def test_the_fallback_messages_name_no_path_of_this_machine(monkeypatch, tmp_path, capsys):
    home = tmp_path / "home" / "student"
    (home / "cache-file").parent.mkdir(parents=True)
    (home / "cache-file").write_text("a file where the cache folder should be")
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    monkeypatch.setenv("LECTURE_CACHE", str(home / "cache-file"))
    monkeypatch.setattr(sources, "_auto_fallbacks", {})
    small_stand_in(monkeypatch)
    load_sign_mnist("train")
    out, reason = capsys.readouterr().out, data_source().fallback_reason
    assert "Not caching the synthetic stand-in" in out and "~/cache-file" in out
    assert "~/cache-file" in reason
    assert str(tmp_path) not in out + reason


def test_auto_falls_back_at_once_when_nothing_answers(monkeypatch, cache, generated):
    opened = []
    real_urlopen = urllib.request.urlopen
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda *a, **k: opened.append(a) or real_urlopen(*a, **k)
    )
    monkeypatch.setattr(download, "TRIES", 3)  # as shipped
    monkeypatch.setattr(download, "BACKOFF_S", 0.5)
    start = time.perf_counter()
    load_sign_mnist("train")
    assert data_source().is_synthetic
    assert len(opened) == 1  # a refused connection (or no DNS) is not tried again
    assert time.perf_counter() - start < 5


def test_real_without_network_is_an_error(monkeypatch, cache):
    monkeypatch.setenv("LECTURE_DATA", "real")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback, so no warning either
        with pytest.raises(DataError, match="could not connect"):
            load_sign_mnist("train")
    assert data_source() is None


@pytest.mark.parametrize("value", ["bogus", "REALLY", "/no/such/folder"])
def test_unknown_choice_lists_the_valid_ones(value, cache):
    with pytest.raises(DataError, match="use one of auto, real, synthetic, or the path"):
        load_sign_mnist("train", source=value)


def test_unknown_split_is_refused(cache):
    with pytest.raises(DataError, match="'train' or 'test'"):
        load_sign_mnist("validation", source="synthetic")


@pytest.fixture
def served(monkeypatch, tmp_path):
    """A local server with both splits, their ids in BLOB_IDS and the URL set."""
    srv = CsvServer()
    ids = {}
    for split, n in (("train", 16), ("test", 6)):
        path = write_csv(tmp_path / f"{split}.csv", *small_split(split, n=n, seed=2))
        srv.files[download.FILE_NAMES[split]] = path.read_bytes()
        ids[split] = git_blob_id(path)
    monkeypatch.setattr(download, "BLOB_IDS", ids)
    yield srv
    srv.close()


def test_auto_uses_real_data_when_it_can(monkeypatch, cache, served):
    monkeypatch.setenv("LECTURE_DATA_URL", served.url("ok"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_sign_mnist("train")
    info = data_source()
    assert info.kind == "download" and info.label == "downloaded and verified"
    ids = download.BLOB_IDS
    assert info.fingerprint == f"sign-mnist-{ids['train'][:10]}-{ids['test'][:10]}"
    assert len(served.requests) == 2  # auto fetched the other split too
    monkeypatch.setenv("LECTURE_DATA_URL", closed_port_url())  # offline from now on
    x, _ = load_sign_mnist("test")
    assert len(x) == 6 and data_source().kind == "cache" and data_source().label == "cache"
    assert data_source().fingerprint == info.fingerprint and not data_source().fell_back
    assert "6 images from the cache (verified download)" in data_source().describe()


def test_auto_never_mixes_real_and_synthetic_splits(monkeypatch, cache, served, generated):
    monkeypatch.setenv("LECTURE_DATA_URL", served.url("ok"))
    load_sign_mnist("train", source="real")  # only train is cached
    monkeypatch.setenv("LECTURE_DATA_URL", closed_port_url())
    x, _ = load_sign_mnist("train")
    assert "sign_mnist_test.csv" in data_source().fallback_reason
    assert data_source().is_synthetic and len(x) == 48


def test_main_fills_the_cache(monkeypatch, cache, served, capsys):
    monkeypatch.setenv("LECTURE_DATA_URL", served.url("ok"))
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "Done: both splits are ready." in out and f"cache folder: {cache}" in out
    assert {p.name for p in cache.glob("*.npz")} == {"sign_mnist_train.npz", "sign_mnist_test.npz"}


def test_main_says_when_only_the_stand_in_could_be_had_and_why(cache, generated, capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "Could not get the real Sign Language MNIST data: Could not download" in out
    assert "could not connect" in out and out.count("Could not get the real") == 1
    assert "Sign Language MNIST train: 48 images from the SYNTHETIC STAND-IN" in out
    assert "Sign Language MNIST test: 48 images from the SYNTHETIC STAND-IN" in out
    assert "the cache now holds the SYNTHETIC STAND-IN only" in out


def test_main_says_where_each_split_came_from(cache, local_folder, capsys):
    assert main(["--source", str(local_folder)]) == 0
    out = capsys.readouterr().out
    assert "Sign Language MNIST train: 20 images from local files" in out
    assert "Sign Language MNIST test: 8 images from local files" in out


def test_main_fails_clearly_when_real_data_cannot_be_had(monkeypatch, cache, capsys):
    monkeypatch.setenv("LECTURE_DATA", "real")
    assert main([]) == 1
    err = capsys.readouterr().err
    assert "Could not prepare the data: Could not download" in err
    assert "LECTURE_DATA=synthetic" in err


def test_main_runs_as_a_module(cache):
    env = {**os.environ, "LECTURE_DATA": "bogus"}
    result = subprocess.run(
        [sys.executable, "-m", "lecture_utils.data"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "LECTURE_DATA='bogus' is not valid: use one of auto, real, synthetic" in result.stderr


def test_a_failed_download_spares_other_processes_the_wait_until_make_data(
    monkeypatch, cache, generated, capsys
):
    attempts = _counting_downloads(monkeypatch)
    load_sign_mnist("train")
    first = data_source().fallback_reason
    assert "could not connect" in first
    assert len(attempts) == 1
    monkeypatch.setattr(sources, "_auto_fallbacks", {})  # as in a new notebook kernel
    load_sign_mnist("train")
    assert data_source().fallback_reason == first and data_source().fell_back
    assert len(attempts) == 1  # no new wait for the network
    assert main([]) == 0  # `make data` tries again at once
    assert len(attempts) == 2
    assert "could not connect" in capsys.readouterr().out


def test_a_failure_is_forgotten_after_ten_minutes(monkeypatch, cache, generated):
    assert download.OFFLINE_MEMORY_S == 600
    attempts = _counting_downloads(monkeypatch)
    load_sign_mnist("train")
    assert len(attempts) == 1
    (marker,) = cache.glob("download-failed-*.txt")
    long_ago = time.time() - 601
    os.utime(marker, (long_ago, long_ago))
    monkeypatch.setattr(sources, "_auto_fallbacks", {})  # a new notebook kernel
    load_sign_mnist("train")
    assert len(attempts) == 2


def _same_tensors(path: Path, split: str, source) -> None:
    X, y = table_to_tensors(pd.read_csv(path))  # what notebook 01 does
    X2, y2 = load_sign_mnist(split, source=source)
    assert torch.equal(X, X2) and torch.equal(y, y2)


def test_the_stand_in_csv_is_written_once_and_reads_as_the_loaded_tensors(cache, generated, capsys):
    path = sign_mnist_csv("test", source="synthetic")
    assert path == cache / f"{STAND_IN}-test.csv"
    assert path.read_text().startswith("label,pixel1,pixel2,")
    assert capsys.readouterr() == ("", "")
    assert data_source().is_synthetic and data_source().split == "test"
    _same_tensors(path, "test", "synthetic")
    written = path.stat().st_mtime_ns
    assert sign_mnist_csv("test", source="synthetic") == path
    assert path.stat().st_mtime_ns == written  # not written again
    assert generated == ["test"]
    assert sorted(p.name for p in cache.iterdir() if p.suffix != ".lock") == [
        f"{STAND_IN}-test.csv",
        f"{STAND_IN}-test.npz",
    ]


def test_the_stand_in_csv_goes_to_a_temporary_folder_if_the_cache_is_unusable(
    monkeypatch, cache, generated, capsys
):
    cache.mkdir()
    refuse_writes(monkeypatch, cache)
    path = sign_mnist_csv("train", source="synthetic")
    assert "into a temporary folder instead: The cache folder" in capsys.readouterr().out
    assert path.parent != cache and path.is_file()
    _same_tensors(path, "train", "synthetic")


def test_the_real_csv_is_the_verified_download(monkeypatch, cache, served):
    monkeypatch.setenv("LECTURE_DATA_URL", served.url("ok"))
    path = sign_mnist_csv("train", source="real")
    assert path == cache / "sign_mnist_train.csv"
    assert git_blob_id(path) == download.BLOB_IDS["train"]
    assert f"from a verified download, now cached in {path}" in data_source().describe()
    assert data_source().location == str(path)
    _same_tensors(path, "train", "real")
    (cache / "sign_mnist_train.csv").unlink()  # the binary copy stays; the CSV comes again
    assert sign_mnist_csv("train", source="real") == path and path.is_file()
    assert len(served.requests) == 2


def test_the_local_csv_is_the_file_in_the_folder(cache, local_folder):
    path = sign_mnist_csv("train", source=local_folder)
    assert path == local_folder / "sign_mnist_train.csv"
    assert data_source().kind == "local"
    _same_tensors(path, "train", local_folder)


@pytest.mark.parametrize("start", ["root", "notebooks"])
def test_a_relative_data_folder_means_the_same_in_root_and_notebooks(
    monkeypatch, tmp_path, cache, local_folder, start
):
    root = tmp_path / "course"
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "lecture-utils"\n')
    monkeypatch.chdir(root if start == "root" else root / "notebooks")
    monkeypatch.setenv("LECTURE_DATA", "../my copy")  # local_folder, seen from the root
    x, _ = load_sign_mnist("test")
    assert len(x) == 8 and data_source().location == str(local_folder)


def test_an_invalid_relative_folder_states_the_rule(monkeypatch, tmp_path, cache):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match="A relative path is taken from the repository root"):
        load_sign_mnist("train", source="no-such-folder")
