"""Source selection (LECTURE_DATA / source=), auto's fallback, the CSV path, `make data`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from data_helpers import closed_port_url, refuse_writes, serve_splits, small_split

from lecture_utils.data import (
    DataError,
    data_source,
    download,
    load_sign_mnist,
    sign_mnist_csv,
    source_note,
)
from lecture_utils.data.__main__ import main
from lecture_utils.data.synthetic import SYNTHETIC_VERSION, generate, split_seed

STAND_IN = f"synthetic-v{SYNTHETIC_VERSION}-seed0"


def test_nothing_loaded_yet(cache):
    assert data_source() is None and source_note() == ""


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_the_stand_in_is_named_and_cached(monkeypatch, cache, generated, capsys, how):
    if how == "environment":
        monkeypatch.setenv("LECTURE_DATA", "synthetic")
    kwargs = {"source": "synthetic"} if how == "argument" else {}
    x, y = load_sign_mnist("train", **kwargs)
    assert x.dtype == torch.float32 and x.shape == (48, 1, 28, 28)
    assert y.dtype == torch.int64 and y.shape == (48,)
    assert x.min() >= 0.0 and x.max() <= 1.0 and x.max() > 0.5
    assert capsys.readouterr() == ("", "")  # loads are quiet: the notebook's banner tells
    info = data_source()
    assert info.is_synthetic and not info.is_real and not info.fell_back
    assert info.name == "the synthetic stand-in"
    assert info.fingerprint == STAND_IN and info.location == ""
    assert source_note() == "Synthetic stand-in data, not real Sign Language MNIST photographs"
    x2, y2 = load_sign_mnist("train", **kwargs)
    assert generated == ["train"]  # the second load came from the cache
    assert torch.equal(x, x2) and torch.equal(y, y2)
    images, labels = generate(48, split_seed(0, "train"))
    np.testing.assert_array_equal((x[:, 0] * 255).round().byte().numpy(), images)
    np.testing.assert_array_equal(y.numpy(), labels)


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
    assert len(attempts) == 1  # no second wait for the network in this process
    assert data_source().fingerprint == STAND_IN
    assert data_source().fallback_reason == info.fallback_reason


def test_the_stand_in_chosen_on_purpose_is_not_a_fallback(cache, generated):
    load_sign_mnist("train", source="synthetic")
    assert not data_source().fell_back and data_source().fallback_reason == ""


def test_the_fallback_messages_name_no_path_of_this_machine(
    monkeypatch, cache, generated, tmp_path, capsys
):
    home = tmp_path / "home" / "student"
    (home / "cache-file").parent.mkdir(parents=True)
    (home / "cache-file").write_text("a file where the cache folder should be")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("LECTURE_CACHE", str(home / "cache-file"))
    load_sign_mnist("train")
    out, reason = capsys.readouterr().out, data_source().fallback_reason
    assert "Not keeping a binary copy" in out and "~/cache-file" in out
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
def served(monkeypatch, cache, server):
    """The local server with both splits, pinned as the real data's, and the URL set."""
    serve_splits(monkeypatch, server, {"train": 16, "test": 6}, seed=2)
    monkeypatch.setenv("LECTURE_DATA_URL", server.url("ok"))
    return server


def test_auto_uses_real_data_when_it_can(monkeypatch, served):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_sign_mnist("train")
    info = data_source()
    assert info.is_real and info.name == "Sign Language MNIST" and not info.fell_back
    assert len(served.requests) == 2  # auto fetched the other split too
    monkeypatch.setenv("LECTURE_DATA_URL", closed_port_url())  # offline from now on
    x, _ = load_sign_mnist("test")
    assert len(x) == 6 and data_source().is_real
    assert data_source().fingerprint == info.fingerprint and not data_source().fell_back


def test_auto_never_mixes_real_and_synthetic_splits(monkeypatch, served, generated):
    load_sign_mnist("train", source="real")  # only train is cached
    monkeypatch.setenv("LECTURE_DATA_URL", closed_port_url())
    x, _ = load_sign_mnist("train")
    assert "sign_mnist_test.csv" in data_source().fallback_reason
    assert data_source().is_synthetic and len(x) == 48


def test_make_data_fills_the_cache(served, cache, capsys):
    assert main() == 0
    out = capsys.readouterr().out
    assert "Done: the cache holds Sign Language MNIST for both splits." in out
    assert f"cache folder: {cache}" in out
    for split, n in (("train", 16), ("test", 6)):
        where = f"{cache / f'sign_mnist_{split}.csv'} (verified download)"
        assert f"Sign Language MNIST {split}: {n} images from {where}" in out
    assert {p.name for p in cache.glob("*.npz")} == {"sign_mnist_train.npz", "sign_mnist_test.npz"}


def test_make_data_says_when_only_the_stand_in_could_be_had_and_why(cache, generated, capsys):
    assert main() == 0
    out = capsys.readouterr().out
    assert "Could not get the real data: Could not download" in out
    assert "could not connect" in out and out.count("Could not get the real") == 1
    assert f"Sign Language MNIST train: 48 images from {STAND_IN} (synthetic stand-in)" in out
    assert f"Sign Language MNIST test: 48 images from {STAND_IN} (synthetic stand-in)" in out
    assert "Done: the cache holds the synthetic stand-in for both splits." in out


def test_make_data_fails_clearly_when_real_data_cannot_be_had(monkeypatch, cache, capsys):
    monkeypatch.setenv("LECTURE_DATA", "real")
    assert main() == 1
    err = capsys.readouterr().err
    assert "Could not prepare the data: Could not download" in err
    assert "LECTURE_DATA=synthetic" in err


def test_make_data_runs_as_a_module(cache):
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


def _same_tensors(path, split: str, source) -> None:
    table = pd.read_csv(path)  # what notebook 01 does
    X = torch.tensor(table.drop(columns="label").to_numpy(), dtype=torch.float32) / 255
    X2, y2 = load_sign_mnist(split, source=source)
    assert torch.equal(X.reshape(-1, 1, 28, 28), X2)
    assert torch.equal(torch.tensor(table["label"].to_numpy()), y2)


def test_the_stand_in_csv_is_written_once_and_reads_as_the_loaded_tensors(cache, generated, capsys):
    path = sign_mnist_csv("test", source="synthetic")
    assert path == cache / f"{STAND_IN}-test.csv"
    assert path.read_text().startswith("label,pixel1,pixel2,")
    assert capsys.readouterr() == ("", "")
    assert data_source().is_synthetic
    _same_tensors(path, "test", "synthetic")
    written = path.stat().st_mtime_ns
    assert sign_mnist_csv("test", source="synthetic") == path
    assert path.stat().st_mtime_ns == written  # not written again
    assert generated == ["test"]


def test_the_stand_in_csv_in_a_read_only_cache_is_a_clear_error(monkeypatch, cache, generated):
    cache.mkdir()
    refuse_writes(monkeypatch, cache)
    with pytest.raises(DataError, match="The cache folder .* cannot be used"):
        sign_mnist_csv("train", source="synthetic")


def test_the_real_csv_is_the_verified_download(served, cache):
    path = sign_mnist_csv("train", source="real")
    assert path == cache / "sign_mnist_train.csv"
    assert data_source().is_real and data_source().location == str(path)
    _same_tensors(path, "train", "real")
    path.unlink()  # the binary copy stays; the CSV comes again
    assert sign_mnist_csv("train", source="real") == path and path.is_file()
    assert len(served.requests) == 2
    assert small_split("train", n=16, seed=2)[1].tolist() == load_sign_mnist("train")[1].tolist()
