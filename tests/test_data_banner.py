"""The one banner a notebook shows about its data, and its line in `make lecture`'s table."""

import pytest
from data_helpers import serve_splits, small_split, write_csv
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from lecture_utils.data import load_sign_mnist, show_data_source
from lecture_utils.data.sources import FELL_BACK, SYNTHETIC_BANNER
from lecture_utils.runlog import log_run, read_runs


def _banner(monkeypatch, tmp_path) -> tuple[str, list[dict]]:
    InteractiveShell.instance()
    log = tmp_path / "runs.jsonl"
    log.unlink(missing_ok=True)
    monkeypatch.setenv("LECTURE_RUN_LOG", str(log))
    with capture_output() as captured:
        show_data_source()
    return captured.outputs[0].data["text/markdown"], read_runs(log)


def test_before_a_load_the_banner_asks_for_one(cache):
    with pytest.raises(RuntimeError, match="load the data"):
        show_data_source()


def test_the_banner_names_the_synthetic_stand_in_and_how_it_was_made(
    monkeypatch, cache, generated, tmp_path
):
    load_sign_mnist("train", source="synthetic")
    text, runs = _banner(monkeypatch, tmp_path)
    assert text.startswith("**Data: the synthetic stand-in**, not real Sign Language MNIST.")
    assert "rank in the same order" in text and "LECTURE_DATA=real" in text
    assert runs == [{"data": "synthetic stand-in"}]


@pytest.mark.parametrize("url", ["not-a-url", "closed port"])
def test_the_banner_says_when_auto_mode_fell_back_in_the_same_words_whatever_the_error(
    monkeypatch, cache, generated, tmp_path, url
):
    if url != "closed port":  # else `cache` points the URL at a port where nothing listens
        monkeypatch.setenv("LECTURE_DATA_URL", url)
    load_sign_mnist("train")
    text, runs = _banner(monkeypatch, tmp_path)
    assert runs == [{"data": "synthetic stand-in (fell back)"}]
    assert "synthetic stand-in** (the real data could not be downloaded here;" in text
    assert "http" not in text and "WARNING" not in text
    assert text.replace(FELL_BACK, "") == SYNTHETIC_BANNER.format(fell_back="")


def test_the_banner_for_real_data(monkeypatch, cache, server, tmp_path):
    serve_splits(monkeypatch, server, {"train": 5, "test": 5})
    monkeypatch.setenv("LECTURE_DATA_URL", server.url("ok"))
    load_sign_mnist("train")
    text, runs = _banner(monkeypatch, tmp_path)
    assert text == "**Data: Sign Language MNIST** (verified download)."
    assert runs == [{"data": "verified download"}]


def test_own_files_are_not_taken_for_the_real_data_whose_claims_they_would_fail(
    monkeypatch, cache, tmp_path
):
    for split in ("train", "test"):
        write_csv(tmp_path / f"sign_mnist_{split}.csv", *small_split(split, n=5))
    load_sign_mnist("train", source=tmp_path)
    text, runs = _banner(monkeypatch, tmp_path)
    assert text.startswith("**Data: your own files** (the folder `LECTURE_DATA` names)")
    assert "Sign Language MNIST**" not in text
    assert runs == [{"data": "your own files"}]


def test_runs_are_logged_only_where_make_lecture_asks_for_it(monkeypatch, tmp_path):
    monkeypatch.delenv("LECTURE_RUN_LOG", raising=False)
    log_run(model="ConvNet")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv("LECTURE_RUN_LOG", str(tmp_path / "log"))
    log_run(model="ConvNet", val_accuracy=0.5)
    log_run(model="SmallConvNet")
    assert read_runs(tmp_path / "log") == [
        {"model": "ConvNet", "val_accuracy": 0.5},
        {"model": "SmallConvNet"},
    ]
