"""What students see: each executed notebook, rendered to HTML and opened in headless Chromium.

Needs selenium, Chromium, chromedriver and the widget JavaScript (tools/install_browser.sh);
without them these tests are skipped with the reason, except in CI (CI=true), where that is a
failure. Screenshots and browser consoles are kept in test-artifacts/browser/.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import browser_check  # noqa: E402

MISSING = browser_check.missing_requirements()
NOTEBOOKS = [
    ROOT / "notebooks" / f"{py.stem}.ipynb"
    for py in sorted((ROOT / "notebooks" / "src").glob("[0-9][0-9]-*.py"))
]  # the list follows the sources
SAMPLE = [
    "# 99. Sample page\n\nA figure; a widget and its figure.",
    """\
import io

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from IPython.display import Image, display


def show(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    display(Image(data=buffer.getvalue(), format="png"))""",
    "fig, ax = plt.subplots(figsize=(4, 3))\nax.plot([0, 1, 2], [0, 1, 4])\nshow(fig)",
    """\
display(widgets.IntSlider(value=3, min=0, max=10, description="Kernel"))
fig, ax = plt.subplots(figsize=(4, 3))
ax.bar(range(3), [3, 1, 2], color="tab:orange")
show(fig)""",
]
THROWS = "<script>throw new Error('broken page script')</script>"


def require_browser() -> None:
    if MISSING:
        reason = "browser check: " + "; ".join(MISSING)
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must run this check)")
        pytest.skip(reason)


def executed(sources: list[str], tags: dict[int, list[str]] | None = None) -> nbformat.NotebookNode:
    """A small notebook like the lecture's, executed with its widget state stored."""
    from nbclient import NotebookClient

    cells = [nbformat.v4.new_markdown_cell(sources[0])]
    cells += [
        nbformat.v4.new_code_cell(s, metadata={"tags": (tags or {}).get(i, [])})
        for i, s in enumerate(sources[1:], 1)
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    NotebookClient(nb, kernel_name="python3", store_widget_state=True, timeout=120).execute()
    return nb


def test_missing_requirements_name_their_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    for name in ("CHROMIUM", "CHROMEDRIVER"):
        monkeypatch.delenv(name, raising=False)
    missing = browser_check.missing_requirements(tmp_path / "js")
    assert any("Chromium" in m for m in missing) and any("chromedriver" in m for m in missing)
    assert any("widget JavaScript" in m for m in missing)
    assert missing[-1] == "run tools/install_browser.sh"


@pytest.fixture(scope="module")
def sample_pages(tmp_path_factory):
    """Sample notebooks opened in one Chromium: fine, with a failing script, without widget JS."""
    require_browser()
    folder = tmp_path_factory.mktemp("notebooks")
    paths = {"good": folder / "99-good.ipynb", "throws": folder / "98-throws.ipynb"}
    hidden = "print('hidden' + '-cell-output')"
    good = executed([*SAMPLE, hidden], {4: ["remove-cell"]})
    nbformat.write(good, paths["good"])
    script = nbformat.v4.new_output("display_data", {"text/html": THROWS, "text/plain": "<HTML>"})
    good.cells.append(nbformat.v4.new_code_cell("display(HTML(...))", outputs=[script]))
    nbformat.write(good, paths["throws"])
    out = browser_check.OUT / "self-test"
    html = browser_check.render_html([paths["good"], paths["throws"]], out)
    no_js = browser_check.render_html([paths["good"]], folder / "no-js", folder / "missing-js")
    pages = browser_check.open_pages([*html, *no_js], out, widget_timeout=3)
    return paths, html[0], dict(zip(["good", "throws", "no-js"], pages, strict=True))


def test_sample_page_shows_title_figures_and_widget(sample_pages):
    paths, html, pages = sample_pages
    page = pages["good"]
    assert browser_check.problems(paths["good"], page) == []
    assert page["pngs"] == 2 and page["rendered"] == page["views"] == 1
    assert page["screenshot"].stat().st_size > 10_000
    assert "hidden-cell-output" not in html.read_text(encoding="utf-8")  # remove-cell is hidden


def test_javascript_errors_on_the_page_are_caught(sample_pages):
    paths, _, pages = sample_pages
    found = browser_check.problems(paths["throws"], pages["throws"])
    assert any("JavaScript error" in p and "broken page script" in p for p in found), found


def test_widgets_without_their_javascript_are_caught(sample_pages):
    paths, _, pages = sample_pages
    found = browser_check.problems(paths["good"], pages["no-js"])
    assert "0 of 1 widget views drawn" in found, found


@pytest.fixture(scope="module")
def lecture_pages():
    require_browser()
    return browser_check.check(NOTEBOOKS)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lecture_page_shows_what_the_notebook_holds(notebook, lecture_pages):
    found = lecture_pages[notebook]
    shot = browser_check.OUT / f"{notebook.stem}.png"
    assert not found, f"{notebook.name} (screenshot: {shot}):\n  " + "\n  ".join(found)
