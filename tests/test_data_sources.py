"""Source selection (LECTURE_DATA / source=) and how each load reports where it came from."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from data_helpers import CsvServer, closed_port_url, isolate, small_split, write_csv

from lecture_utils.data import (
    SYNTHETIC_VERSION,
    DataError,
    SyntheticDataWarning,
    data_source,
    download,
    load_sign_mnist,
    source_note,
    sources,
)
from lecture_utils.data.__main__ import main
from lecture_utils.data.download import git_blob_id
from lecture_utils.data.synthetic import generate, split_seed

STAND_IN = f"synthetic-v{SYNTHETIC_VERSION}-seed0"


@pytest.fixture
def cache(monkeypatch, tmp_path):
    return isolate(monkeypatch, tmp_path)


@pytest.fixture
def generated(monkeypatch):
    """Make the stand-in small (48 images a split) and count how often it is generated."""
    calls = []

    def small(split, *, seed=0):
        calls.append(split)
        return generate(48, split_seed(seed, split))

    monkeypatch.setattr(sources, "synthetic_sign_mnist", small)
    return calls


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
    out = capsys.readouterr().out
    assert "Sign Language MNIST train: 48 images from the SYNTHETIC STAND-IN" in out
    info = data_source()
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
    assert f"8 images from local files (validated, not checksum-verified) in {local_folder}" in (
        capsys.readouterr().out
    )
    info = data_source()
    assert info.kind == "local" and info.label == "local files" and not info.is_synthetic
    assert source_note() == ""
    ids = [git_blob_id(local_folder / f"sign_mnist_{s}.csv") for s in ("train", "test")]
    assert info.fingerprint == f"sign-mnist-{ids[0][:10]}-{ids[1][:10]}"
    load_sign_mnist("train")
    assert data_source().fingerprint == info.fingerprint  # one name for both splits
    assert not cache.exists()  # a local copy is read in place


def test_local_folder_missing_file_and_bad_file(local_folder, cache):
    (local_folder / "sign_mnist_test.csv").unlink()
    with pytest.raises(DataError, match="sign_mnist_test.csv: file not found"):
        load_sign_mnist("train", source=local_folder)
    (local_folder / "sign_mnist_test.csv").write_text("label,pixel1\n3,4\n")
    with pytest.raises(DataError, match="sign_mnist_test.csv: line 1: header has 2 columns"):
        load_sign_mnist("test", source=local_folder)
    assert data_source() is None


def test_auto_falls_back_loudly_and_stays_synthetic(monkeypatch, cache, generated, capsys):
    attempts = []
    real_download = download.download
    monkeypatch.setattr(
        download, "download", lambda *a, **k: attempts.append(a) or real_download(*a, **k)
    )
    with pytest.warns(SyntheticDataWarning, match="could not connect") as caught:
        x, _ = load_sign_mnist("train")
    assert "LECTURE_DATA=synthetic" in str(caught[0].message)
    assert "make data" in str(caught[0].message)
    out = capsys.readouterr().out
    assert "WARNING: Could not get the real Sign Language MNIST data" in out
    assert "48 images from the SYNTHETIC STAND-IN" in out
    assert data_source().is_synthetic and source_note() != ""
    assert len(attempts) == 1
    with pytest.warns(SyntheticDataWarning, match="an earlier load in this session"):
        load_sign_mnist("test")
    assert len(attempts) == 1  # no second wait for the network
    assert data_source().fingerprint == STAND_IN and data_source().split == "test"


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


def test_auto_uses_real_data_when_it_can(monkeypatch, cache, served, capsys):
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
    capsys.readouterr()
    x, _ = load_sign_mnist("test")
    assert len(x) == 6 and data_source().kind == "cache" and data_source().label == "cache"
    assert data_source().fingerprint == info.fingerprint
    assert "6 images from the cache (verified download)" in capsys.readouterr().out


def test_auto_never_mixes_real_and_synthetic_splits(monkeypatch, cache, served, generated):
    monkeypatch.setenv("LECTURE_DATA_URL", served.url("ok"))
    load_sign_mnist("train", source="real")  # only train is cached
    monkeypatch.setenv("LECTURE_DATA_URL", closed_port_url())
    with pytest.warns(SyntheticDataWarning, match="sign_mnist_test.csv"):
        x, _ = load_sign_mnist("train")
    assert data_source().is_synthetic and len(x) == 48


def test_main_fills_the_cache(monkeypatch, cache, served, capsys):
    monkeypatch.setenv("LECTURE_DATA_URL", served.url("ok"))
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "Done: both splits are ready." in out and f"cache folder: {cache}" in out
    assert {p.name for p in cache.glob("*.npz")} == {"sign_mnist_train.npz", "sign_mnist_test.npz"}


def test_main_says_when_only_the_stand_in_could_be_had(cache, generated, capsys):
    with pytest.warns(SyntheticDataWarning):
        assert main([]) == 0
    assert "the cache now holds the SYNTHETIC STAND-IN only" in capsys.readouterr().out


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
    monkeypatch, cache, generated
):
    attempts = []
    real_download = download.download
    monkeypatch.setattr(
        download, "download", lambda *a, **k: attempts.append(a) or real_download(*a, **k)
    )
    with pytest.warns(SyntheticDataWarning, match="could not connect"):
        load_sign_mnist("train")
    assert len(attempts) == 1
    monkeypatch.setattr(sources, "_auto_fallbacks", set())  # as in a new notebook kernel
    with pytest.warns(SyntheticDataWarning, match="less than 10 minutes ago failed.*make data"):
        load_sign_mnist("train")
    assert len(attempts) == 1  # no new wait for the network
    sources.forget_download_failure()  # what `make data` does first
    monkeypatch.setattr(sources, "_auto_fallbacks", set())
    with pytest.warns(SyntheticDataWarning, match="could not connect"):
        load_sign_mnist("train")
    assert len(attempts) == 2
