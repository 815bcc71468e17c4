"""The stored notebooks say which data they show once, in the banner, without warnings or URLs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
STORED = sorted(NOTEBOOKS.glob("*.ipynb"))
LIVE = sorted((NOTEBOOKS / "live").glob("*.ipynb"))
BANNER_START = "**Data: "  # what lecture_utils.data.show_data_source displays
LOAD_NOTICE = re.compile(r"Sign Language MNIST (train|test): [\d,]+ images from")


def _outputs(path: Path) -> list[dict]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [out for cell in cells if cell["cell_type"] == "code" for out in cell["outputs"]]


def _texts(output: dict) -> list[str]:
    """Every text an output shows: printed streams, error tracebacks and text-like data."""
    parts = [output.get("text", ""), *output.get("traceback", [])]
    for kind, value in output.get("data", {}).items():
        if kind.startswith("text/"):
            parts.append(value)
    return ["".join(part) if isinstance(part, list) else part for part in parts]


def _banners(path: Path) -> list[str]:
    return [
        text
        for output in _outputs(path)
        for text in _texts(output)
        if text.startswith(BANNER_START)
    ]


def test_every_source_has_a_stored_notebook_and_a_live_copy_to_check():
    sources = sorted(p.stem for p in (NOTEBOOKS / "src").glob("*.py"))
    assert sources and [p.stem for p in STORED] == sources == [p.stem for p in LIVE]


@pytest.mark.parametrize("path", STORED, ids=lambda p: p.stem)
def test_each_stored_notebook_shows_exactly_one_data_banner(path):
    assert len(_banners(path)) == 1, f"{path.name}: {_banners(path)}"


@pytest.mark.parametrize("path", STORED + LIVE, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_stored_output_shows_a_warning_a_url_or_a_load_notice(path):
    for output in _outputs(path):
        for text in _texts(output):
            assert "WARNING" not in text, f"{path.name}: {text[:300]}"
            assert "http" not in text, f"{path.name}: {text[:300]}"
            # what `make data` prints for each split; notebooks do not
            assert not LOAD_NOTICE.search(text), f"{path.name}: {text[:300]}"


@pytest.mark.parametrize("path", LIVE, ids=lambda p: p.stem)
def test_a_live_copy_shows_at_most_one_data_banner(path):
    assert len(_banners(path)) <= 1
