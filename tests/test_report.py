from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import lecture_utils.data
from lecture_utils.data import DataSource
from lecture_utils.report import (
    FELL_BACK,
    data_name,
    on_real_data,
    show_data_source,
)
from lecture_utils.runlog import read_runs


def _banner(monkeypatch, source, tmp_path):
    InteractiveShell.instance()
    monkeypatch.setattr(lecture_utils.data, "data_source", lambda: source)
    monkeypatch.setenv("LECTURE_RUN_LOG", str(tmp_path / "runs.jsonl"))
    with capture_output() as captured:
        show_data_source()
    return captured.outputs[0].data["text/markdown"], read_runs(tmp_path / "runs.jsonl")


def test_the_data_banner_names_the_synthetic_stand_in_and_how_it_was_made(monkeypatch, tmp_path):
    text, runs = _banner(monkeypatch, DataSource("synthetic", "train", 5, "s"), tmp_path)
    assert "synthetic stand-in" in text and "LECTURE_DATA=real" in text
    assert "rank in the same order" in text
    assert runs == [{"data": "synthetic stand-in"}]
    assert data_name() == "the synthetic stand-in"


def test_the_banner_says_when_auto_mode_fell_back_in_the_same_words_whatever_the_error(
    monkeypatch, tmp_path
):
    texts = set()
    for reason in ("Could not download https://x.org/a.csv: could not connect", "Timeout: 20 s"):
        source = DataSource("synthetic", "train", 5, "s", fallback_reason=reason)
        text, runs = _banner(monkeypatch, source, tmp_path)
        texts.add(text)
        assert runs[-1] == {"data": "synthetic stand-in (fell back)"}
    (text,) = texts
    assert "synthetic stand-in** (the real data could not be downloaded here;" in text
    assert "http" not in text and "WARNING" not in text and "lecture notes" not in text
    chosen, _ = _banner(monkeypatch, DataSource("synthetic", "train", 5, "s"), tmp_path)
    assert "could not be downloaded" not in chosen
    assert chosen.replace("**", "") == text.replace("**", "").replace(FELL_BACK, "")


def test_the_data_banner_for_real_data(monkeypatch, tmp_path):
    text, runs = _banner(monkeypatch, DataSource("cache", "train", 5, "r"), tmp_path)
    assert "Sign Language MNIST" in text and "stand-in" not in text
    assert runs == [{"data": "real (cache)"}]
    assert data_name() == "Sign Language MNIST"


def test_own_files_are_not_taken_for_the_real_data_whose_claims_they_would_fail(
    monkeypatch, tmp_path
):
    text, runs = _banner(monkeypatch, DataSource("local", "train", 5, "f", "/x"), tmp_path)
    assert "your own files" in text and "Sign Language MNIST**" not in text
    assert runs == [{"data": "local files"}]
    assert data_name() == "your own data files" and not on_real_data()
    for kind in ("download", "cache"):
        monkeypatch.setattr(
            lecture_utils.data, "data_source", lambda k=kind: DataSource(k, "t", 5, "r")
        )
        assert on_real_data()


def test_runs_are_logged_only_where_make_lecture_asks_for_it(monkeypatch, tmp_path):
    from lecture_utils.runlog import log_run

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
