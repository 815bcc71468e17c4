"""What students see: each executed notebook, rendered to HTML, opened in headless Chromium.

Needs Chromium and the widget JavaScript in node_modules/ (tools/install_browser.sh installs
both); without them every test here is skipped with the reason. Screenshots, the rendered DOM
and the browser console of every page are kept in test-artifacts/browser/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import browser_check  # noqa: E402

MISSING = browser_check.missing_requirements()
NOTEBOOKS = browser_check.executed_notebooks()
ARTIFACTS = browser_check.OUT

needs_browser = pytest.mark.skipif(
    bool(MISSING), reason="browser check skipped: " + "; ".join(MISSING)
)

SAMPLE_SETUP = """\
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
    display(Image(data=buffer.getvalue(), format="png"))"""

SAMPLE_FIGURE = """\
#| fig-cap: "A rising line"
#| fig-alt: "A line rising from left to right"
fig, ax = plt.subplots(figsize=(4, 3))
ax.plot([0, 1, 2], [0, 1, 4])
show(fig)"""

SAMPLE_WIDGET = """\
#| fig-cap: "A slider and its figure"
#| fig-alt: "A slider above an orange bar chart"
slider = widgets.IntSlider(value=3, min=0, max=10, description="Kernel")
display(slider)
fig, ax = plt.subplots(figsize=(4, 3))
ax.bar(range(3), [3, 1, 2], color="tab:orange")
show(fig)"""


def executed_sample() -> nbformat.NotebookNode:
    """A small notebook like the lecture's, executed with its widget state stored."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "# 99. Sample page\n\nA figure; a widget and its figure."
            ),
            nbformat.v4.new_code_cell(SAMPLE_SETUP),
            nbformat.v4.new_code_cell(SAMPLE_FIGURE),
            nbformat.v4.new_code_cell(SAMPLE_WIDGET),
            nbformat.v4.new_code_cell(
                "print('hidden' + '-cell-output')", metadata={"tags": ["remove-cell"]}
            ),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    NotebookClient(nb, kernel_name="python3", store_widget_state=True, timeout=120).execute()
    return nb


def test_missing_requirements_are_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CHROMIUM", raising=False)
    missing = browser_check.missing_requirements(tmp_path / "node_modules")
    assert any("Chromium" in reason for reason in missing)
    assert any("npm ci" in reason for reason in missing)


def test_student_view_hides_tagged_cells():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 01. Title"),
            nbformat.v4.new_code_cell("assert True", metadata={"tags": ["remove-cell"]}),
            nbformat.v4.new_code_cell(
                "x",
                metadata={"tags": ["remove-output"]},
                outputs=[
                    nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})
                ],
            ),
        ]
    )
    view = browser_check.student_view(nb)
    assert len(view.cells) == 2 and view.cells[1].outputs == []
    assert browser_check.notebook_title(view) == "01. Title"
    assert len(nb.cells) == 3  # the notebook itself is untouched


@pytest.fixture(scope="module")
def sample_pages(tmp_path_factory):
    """The sample rendered three ways and opened in one Chromium: fine, broken, no widget JS."""
    if MISSING:
        pytest.skip("browser check skipped: " + "; ".join(MISSING))
    folder = tmp_path_factory.mktemp("notebooks")
    good = executed_sample()
    broken = nbformat.from_dict(good)
    broken.cells.append(
        nbformat.v4.new_code_cell(
            "1 / 0",
            outputs=[
                nbformat.v4.new_output(
                    "error",
                    ename="ZeroDivisionError",
                    evalue="division by zero",
                    traceback=["Traceback (most recent call last)", "ZeroDivisionError"],
                )
            ],
        )
    )
    broken.cells.append(
        nbformat.v4.new_code_cell(
            "import warnings; warnings.warn('pixels are read-only')",
            outputs=[
                nbformat.v4.new_output(
                    "stream", name="stderr", text="<cell>:1: UserWarning: pixels are read-only\n"
                )
            ],
        )
    )
    paths = {"good": folder / "99-sample.ipynb", "broken": folder / "98-broken.ipynb"}
    nbformat.write(good, paths["good"])
    nbformat.write(broken, paths["broken"])
    out = ARTIFACTS / "self-test"
    out.mkdir(parents=True, exist_ok=True)
    html = browser_check.render_html([paths["good"], paths["broken"]], out)
    no_js_dir = tmp_path_factory.mktemp("no-js")
    no_js = browser_check.render_html([paths["good"]], no_js_dir, tmp_path_factory.mktemp("nm"))[0]
    no_js = no_js.rename(out / "97-no-widget-js.html")
    pages = browser_check.open_pages([*html, no_js], out, widget_timeout=3)
    return paths, dict(zip(["good", "broken", "no-js"], pages, strict=True))


def test_sample_page_shows_title_figures_and_widget(sample_pages):
    paths, pages = sample_pages
    page = pages["good"]
    assert browser_check.problems(paths["good"], page) == []
    assert page.loaded_pngs == 2 and page.rendered_widgets == page.widget_views == 1
    assert page.screenshot.stat().st_size > 10_000
    assert "widget-slider" in page.dom
    assert "hidden-cell-output" not in page.dom  # the remove-cell cell is hidden, as on the site


def test_sample_errors_are_caught(sample_pages):
    paths, pages = sample_pages
    found = browser_check.problems(paths["broken"], pages["broken"])
    assert any("stored error output ZeroDivisionError" in p for p in found)
    assert any("stderr output on the page" in p and "ZeroDivisionError" in p for p in found)
    assert any("stderr output on the page" in p and "UserWarning" in p for p in found)


def test_widgets_without_their_javascript_are_caught(sample_pages):
    paths, pages = sample_pages
    found = browser_check.problems(paths["good"], pages["no-js"])
    assert any("widget" in p for p in found), found


@pytest.fixture(scope="module")
def lecture_pages():
    if MISSING:
        pytest.skip("browser check skipped: " + "; ".join(MISSING))
    return browser_check.check(NOTEBOOKS, ARTIFACTS)


@needs_browser
@pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks/*.ipynb yet")
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lecture_page_shows_what_the_notebook_holds(notebook, lecture_pages):
    found = lecture_pages[notebook]
    shot = ARTIFACTS / f"{notebook.stem}.png"
    assert not found, f"{notebook.name} (screenshot: {shot}):\n  " + "\n  ".join(found)
