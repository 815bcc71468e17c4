"""Shared test set-up: figures render off-screen, and CUDA tests skip on machines without a GPU."""

import matplotlib
import pytest
import torch

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
