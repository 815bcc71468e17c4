"""The site's page lists in `_quarto.yml` (tools/pages.py, written by `make sync`) follow the files."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import pages  # noqa: E402


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The repository's `_quarto.yml`, two notebook sources and one solution page."""
    shutil.copy(ROOT / "_quarto.yml", tmp_path / "_quarto.yml")
    for folder, name in (("src", "01-a.py"), ("src", "02-b.py"), ("solutions", "02-b.md")):
        (tmp_path / "notebooks" / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / "notebooks" / folder / name).write_text("# %%\n", encoding="utf-8")
    return tmp_path


def test_the_site_renders_and_lists_one_page_per_source_and_solution(project: Path):
    assert pages.update(project, check=True) == ["_quarto.yml"]
    assert pages.update(project) == ["_quarto.yml"]
    config = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))
    notebooks = ["notebooks/01-a.ipynb", "notebooks/02-b.ipynb"]
    solution = "notebooks/solutions/02-b.md"
    assert config["project"]["render"] == ["index.qmd", *notebooks, solution]
    _, lecture, solutions = config["website"]["sidebar"]["contents"]
    assert lecture["contents"] == notebooks and solutions["contents"] == [solution]
    assert pages.update(project) == []


def test_only_the_lines_between_the_markers_change(project: Path):
    before = (project / "_quarto.yml").read_text(encoding="utf-8").splitlines()
    pages.update(project)
    after = (project / "_quarto.yml").read_text(encoding="utf-8").splitlines()
    assert [ln for ln in before if "- notebooks/" not in ln] == [
        ln for ln in after if "- notebooks/" not in ln
    ]


def test_a_missing_marker_is_named_and_nothing_is_written(project: Path):
    config = project / "_quarto.yml"
    text = config.read_text(encoding="utf-8").replace("# END solutions\n", "")
    config.write_text(text, encoding="utf-8")
    with pytest.raises(pages.PagesError, match="'# END solutions' once each"):
        pages.update(project)
    assert config.read_text(encoding="utf-8") == text


def test_the_committed_configuration_lists_every_notebook_and_solution():
    assert pages.update(ROOT, check=True) == [], "run `make sync`"
