"""Shared test set-up: figures render off-screen, CUDA tests skip on machines without a GPU,
and fixtures for the data: an empty cache, a small stand-in, a local server, the footnote."""

import matplotlib
import pytest
import torch
from data_helpers import isolate, small_stand_in

import lecture_utils.data

matplotlib.use("Agg")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU; none on this machine")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def server():
    """A local HTTP server (tests/data_helpers.py) that serves, or mangles, small CSV files."""
    from data_helpers import CsvServer

    srv = CsvServer()
    yield srv
    srv.close()


SYNTHETIC_NOTE = "Synthetic stand-in data, not real Sign Language MNIST photographs"


@pytest.fixture
def real_data(monkeypatch):
    """Figures drawn as if the real data were loaded: no footnote."""
    monkeypatch.setattr(lecture_utils.data, "source_note", lambda: "")


@pytest.fixture
def synthetic_data(monkeypatch):
    """Figures drawn as if the stand-in were loaded: the footnote says so."""
    monkeypatch.setattr(lecture_utils.data, "source_note", lambda: SYNTHETIC_NOTE)


@pytest.fixture
def cache(monkeypatch, tmp_path):
    """An empty data cache of the test's own, with nothing downloaded (`isolate`)."""
    return isolate(monkeypatch, tmp_path)


@pytest.fixture
def generated(monkeypatch):
    """Make the stand-in small (48 images a split) and count how often it is generated."""
    return small_stand_in(monkeypatch)
