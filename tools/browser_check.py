"""Open the executed notebooks the way a student's browser shows them (tests/test_browser.py).

nbconvert writes each notebook as standalone HTML the way the site shows it (remove-* tags
honoured), with its widget state and the widget JavaScript from build/widget-js/, not a CDN.
Headless Chromium, driven by Selenium and chromedriver, opens every page, waits for the
widgets, keeps a screenshot in test-artifacts/browser/, and reports what it drew: the title,
figures, widgets, JavaScript errors. tools/install_browser.sh installs what this needs; what
needs no browser (stderr, figures stored as text, widget state) is in tests/test_site.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from importlib.util import find_spec
from pathlib import Path

import nbformat
from colab import title

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-artifacts" / "browser"
WIDGET_JS = ROOT / "build" / "widget-js"
EMBED, REQUIRE = "html-manager/embed-amd.js", "require.js"
BROWSERS = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage")
WIDTH, HEIGHT, MAX_HEIGHT = 1200, 900, 16000
HIDDEN = {"remove-cell", "remove-output"}  # cells whose outputs the site does not show
PAGE_STATE = """return {
  h1: Array.from(document.querySelectorAll('h1')).map(h => h.textContent.replace('¶', '').trim()),
  views: document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]').length,
  rendered: Array.from(document.querySelectorAll('.widget-subarea')).filter(
    e => e.children.length).length,
  pngs: Array.from(document.images).filter(
    i => i.src.startsWith('data:image/png') && i.complete && i.naturalWidth > 0).length,
  height: document.documentElement.scrollHeight,
};"""


def find_programs() -> tuple[str | None, str | None]:
    """The browser ($CHROMIUM, else on PATH) and its driver ($CHROMEDRIVER, else on PATH)."""
    browser = os.environ.get("CHROMIUM") or next(filter(shutil.which, BROWSERS), None)
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    return browser and shutil.which(browser), driver


def missing_requirements(js: Path = WIDGET_JS) -> list[str]:
    """Why the check cannot run here (empty when it can), each with its fix."""
    missing = (
        [] if find_spec("selenium") else ["no selenium (pip install -r requirements/test.txt)"]
    )
    browser, driver = find_programs()
    if browser is None:
        missing.append("no Chromium ($CHROMIUM, " + ", ".join(BROWSERS) + ")")
    if driver is None:
        missing.append("no chromedriver ($CHROMEDRIVER or on PATH)")
    missing += [
        f"no {js / f} (the widget JavaScript)" for f in (EMBED, REQUIRE) if not (js / f).is_file()
    ]
    return missing + ["run tools/install_browser.sh"] if missing else []


def render_html(notebooks: list[Path], out: Path, js: Path = WIDGET_JS) -> list[Path]:
    """Standalone HTML of each notebook as the site shows it, written to `out`/<stem>.html."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.widget_renderer_url = (js / EMBED).resolve().as_uri()
    config.HTMLExporter.require_js_url = (js / REQUIRE).resolve().as_uri()
    config.TagRemovePreprocessor.update(
        enabled=True,
        remove_cell_tags={"remove-cell"},
        remove_all_outputs_tags={"remove-output"},
        remove_input_tags={"remove-input"},
    )
    exporter = HTMLExporter(config=config)
    out.mkdir(parents=True, exist_ok=True)
    for path in notebooks:
        html = exporter.from_filename(str(path))[0]
        (out / f"{path.stem}.html").write_text(html, encoding="utf-8")
    return [out / f"{path.stem}.html" for path in notebooks]


def widgets_drawn(driver) -> bool:
    """Whether every widget view on the page is drawn (WebDriverWait polls it)."""
    state = driver.execute_script(PAGE_STATE)
    return state["rendered"] >= state["views"]


def open_pages(pages: list[Path], out: Path, widget_timeout: float = 10) -> list[dict]:
    """Open each page in one headless Chromium, waiting up to `widget_timeout` s for widgets.

    For each page: h1 (headings), pngs (decoded PNG images), views and rendered (widgets),
    errors (uncaught JavaScript errors), screenshot (path).
    """
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    browser, driver_path = find_programs()
    options = webdriver.ChromeOptions()
    options.binary_location = browser or ""
    for flag in (*FLAGS, f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    seen = []
    try:
        for page in pages:
            driver.set_window_size(WIDTH, HEIGHT)
            driver.get(page.resolve().as_uri())
            with contextlib.suppress(TimeoutException):  # undrawn widgets are reported below
                WebDriverWait(driver, widget_timeout, poll_frequency=0.1).until(widgets_drawn)
            state = driver.execute_script(PAGE_STATE)
            driver.set_window_size(WIDTH, min(state["height"], MAX_HEIGHT))  # the whole page
            state["screenshot"] = out / f"{page.stem}.png"
            driver.save_screenshot(str(state["screenshot"]))
            log = [entry["message"] for entry in driver.get_log("browser")]
            (out / f"{page.stem}.console.txt").write_text("\n".join(log) + "\n", encoding="utf-8")
            seen.append({**state, "errors": [line for line in log if "Uncaught" in line]})
    finally:
        driver.quit()
    return seen


def problems(notebook: Path, page: dict) -> list[str]:
    """What is wrong with the page a student sees for `notebook` (empty when all is well)."""
    nb = nbformat.read(notebook, as_version=4)
    found = []
    heading = title(next((c.source for c in nb.cells if c.cell_type == "markdown"), ""))
    plain = heading.replace("*", "").replace("`", "")
    if not heading or not any(plain in shown for shown in page["h1"]):
        found.append(f"title {heading!r} not shown (h1 on the page: {page['h1']})")
    shown_cells = [c for c in nb.cells if not HIDDEN & set(c.metadata.get("tags", []))]
    stored = sum(
        "image/png" in o.get("data", {}) for c in shown_cells for o in c.get("outputs", [])
    )
    if page["pngs"] < stored:
        found.append(f"{page['pngs']} figures drawn (decoded PNG images), {stored} stored")
    if page["rendered"] < page["views"]:
        found.append(f"{page['rendered']} of {page['views']} widget views drawn")
    return found + [f"JavaScript error: {error[:300]}" for error in page["errors"]]


def check(notebooks: list[Path], out: Path = OUT) -> dict[Path, list[str]]:
    """Render, open and check every notebook; {notebook: problems}."""
    if missing := missing_requirements():
        raise RuntimeError("the browser check cannot run here: " + "; ".join(missing))
    pages = open_pages(render_html(notebooks, out), out)
    return {nb: problems(nb, page) for nb, page in zip(notebooks, pages, strict=True)}
