"""Look at the executed notebooks the way a student's browser shows them.

    python tools/browser_check.py                  # every notebooks/*.ipynb
    python tools/browser_check.py notebooks/03-manual-kernels.ipynb --out test-artifacts/pages

Each notebook is rendered to standalone HTML with nbconvert (in this one process), with its
stored widget state embedded and the widget JavaScript taken from the local npm packages
(`npm ci` puts @jupyter-widgets/html-manager and requirejs in node_modules/; no CDN is needed).
One headless Chromium then opens every page (driven over `--remote-debugging-pipe`, so no
port and no extra Python package), waits for the widgets to render, and saves a full-page
screenshot and the rendered DOM under test-artifacts/browser/. The checks: the page shows the
notebook's title and each of its figures (decoded PNG images), no error output, and for every
cell with a widget both the rendered widget and the static figure beside it.

`tools/install_browser.sh` installs Chromium and the npm packages where they are missing;
tests/test_browser.py runs this check under pytest and skips, saying why, without them.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import copy
import fcntl
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

if TYPE_CHECKING:
    from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-artifacts" / "browser"
NODE_MODULES = ROOT / "node_modules"
WIDGET_JS = Path("@jupyter-widgets/html-manager/dist/embed-amd.js")
REQUIRE_JS = Path("requirejs/require.js")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "chrome")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
]
WIDTH, HEIGHT = 1200, 900  # the viewport; screenshots cover the whole page
MAX_SCREENSHOT_HEIGHT = 16000
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
STDERR_MIME = "application/vnd.jupyter.stderr"
FIGURE_REPR = re.compile(r"<Figure size \d+x\d+ with \d+ Axes>")
WIDGET_CLASSES = ("jupyter-widgets", "lm-Widget", "widget-")
# Tags that hide cells on the course site (Quarto honours them); the check sees what it shows.
REMOVE_CELL, REMOVE_INPUT, REMOVE_OUTPUT = "remove-cell", "remove-input", "remove-output"


class BrowserCheckError(RuntimeError):
    """Chromium or the widget JavaScript is missing, or the browser misbehaved."""


# --- requirements -----------------------------------------------------------------------------


def find_chromium() -> str | None:
    """$CHROMIUM, else the first Chromium or Chrome on PATH."""
    if os.environ.get("CHROMIUM"):
        return shutil.which(os.environ["CHROMIUM"]) or None
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def missing_requirements(node_modules: Path = NODE_MODULES) -> list[str]:
    """Why the check cannot run here (empty when it can), each with the fix."""
    missing = []
    if find_chromium() is None:
        missing.append(
            "no Chromium found (tried $CHROMIUM, " + ", ".join(CHROMIUM_NAMES) + "); "
            "install it with tools/install_browser.sh"
        )
    for relative in (WIDGET_JS, REQUIRE_JS):
        if not (node_modules / relative).is_file():
            missing.append(
                f"no {node_modules.name}/{relative} (the widget JavaScript); "
                "run `npm ci` or tools/install_browser.sh"
            )
    return missing


# --- what the student sees, and what the page must show ---------------------------------------


def student_view(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as the site shows it: cells tagged remove-cell/-output/-input hidden."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if REMOVE_CELL in tags:
            continue
        if REMOVE_OUTPUT in tags and cell.cell_type == "code":
            cell.outputs = []
        if REMOVE_INPUT in tags:
            cell.setdefault("transient", {})["remove_source"] = True
        cells.append(cell)
    nb.cells = cells
    return nb


def notebook_title(nb: nbformat.NotebookNode) -> str:
    """The `# ` heading that opens the first Markdown cell, or ''."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            return first[2:].strip() if first.startswith("# ") else ""
    return ""


def png_outputs(cell: nbformat.NotebookNode) -> int:
    return sum("image/png" in out.get("data", {}) for out in cell.get("outputs", []))


def has_widget(cell: nbformat.NotebookNode) -> bool:
    return any(WIDGET_MIME in out.get("data", {}) for out in cell.get("outputs", []))


# --- rendering with nbconvert -----------------------------------------------------------------


def make_exporter(node_modules: Path = NODE_MODULES) -> HTMLExporter:
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.widget_renderer_url = (node_modules / WIDGET_JS).resolve().as_uri()
    config.HTMLExporter.require_js_url = (node_modules / REQUIRE_JS).resolve().as_uri()
    return HTMLExporter(config=config)


def render_html(notebooks: list[Path], out: Path, node_modules: Path = NODE_MODULES) -> list[Path]:
    """Standalone HTML for each notebook (student view), written to `out`/<stem>.html."""
    out.mkdir(parents=True, exist_ok=True)
    exporter = make_exporter(node_modules)
    pages = []
    for path in notebooks:
        nb = student_view(nbformat.read(path, as_version=4))
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        page = out / f"{path.stem}.html"
        page.write_text(body, encoding="utf-8")
        pages.append(page)
    return pages


# --- Chromium over the DevTools pipe ----------------------------------------------------------


class Browser:
    """One headless Chromium, driven with DevTools Protocol messages over fds 3 and 4."""

    def __init__(self, chromium: str, log: Path) -> None:
        self.profile = tempfile.mkdtemp(prefix="browser-check-profile-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def child_fds():  # in the child, before exec: the pipe ends become fds 3 and 4
            read_end = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self._log = open(log, "wb")  # noqa: SIM115 (closed in close())
        self.process = subprocess.Popen(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}"]
            + [f"--window-size={WIDTH},{HEIGHT}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            close_fds=False,  # fds 3 and 4 must survive; Python's own fds are not inheritable
            preexec_fn=child_fds,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._messages: queue.Queue = queue.Queue()
        self._pending: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._from_browser, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for message in messages:
                self._messages.put(json.loads(message))
        self._messages.put(None)  # the browser went away

    def _receive(self, deadline: float) -> dict:
        try:
            message = self._messages.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise BrowserCheckError("Chromium did not answer in time") from None
        if message is None:
            raise BrowserCheckError("Chromium exited; see its log beside the screenshots")
        return message

    def send(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float = 30.0,
    ) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserCheckError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._pending.append(reply)

    def wait_event(self, method: str, session: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self._pending):
                if event.get("method") == method and event.get("sessionId") == session:
                    del self._pending[i]
                    return
            self._pending.append(self._receive(deadline))

    def events(self, session: str) -> list[dict]:
        """Take the events received so far for `session`."""
        while True:
            try:
                message = self._messages.get_nowait()
            except queue.Empty:
                break
            if message is not None:
                self._pending.append(message)
        mine = [e for e in self._pending if e.get("sessionId") == session]
        self._pending = [e for e in self._pending if e.get("sessionId") != session]
        return mine

    def evaluate(self, expression: str, session: str) -> object:
        result = self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session
        )
        if "exceptionDetails" in result:
            raise BrowserCheckError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                with contextlib.suppress(BrowserCheckError):
                    self.send("Browser.close", timeout=5)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            os.close(self._to_browser)
            self._log.close()
            shutil.rmtree(self.profile, ignore_errors=True)


PAGE_STATE = """JSON.stringify({
  scripts: document.querySelectorAll('script[type="WIDGET_MIME"]').length,
  subareas: Array.from(document.querySelectorAll('.widget-subarea')).map(e => e.children.length),
  pngs: Array.from(document.images).filter(
    i => i.src.startsWith('data:image/png') && i.complete && i.naturalWidth > 0).length,
  width: document.documentElement.scrollWidth,
  height: document.documentElement.scrollHeight,
})""".replace("WIDGET_MIME", WIDGET_MIME)


@dataclass
class Page:
    """What Chromium showed for one HTML page."""

    html: Path
    dom: str
    screenshot: Path
    loaded_pngs: int  # data:image/png images that the browser decoded
    widget_views: int  # widget-view scripts in the page
    rendered_widgets: int  # of those, how many the widget manager rendered
    js_errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


def visit(browser: Browser, html: Path, out: Path, widget_timeout: float = 15) -> Page:
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    try:
        for domain in ("Page", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
            session,
        )
        browser.send("Page.navigate", {"url": html.resolve().as_uri()}, session)
        browser.wait_event("Page.loadEventFired", session, timeout=60)
        deadline = time.monotonic() + widget_timeout
        while True:  # wait until every widget view has been rendered (or give up)
            state = json.loads(browser.evaluate(PAGE_STATE, session))
            rendered = sum(1 for n in state["subareas"] if n > 0)
            if rendered >= state["scripts"] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        time.sleep(0.2)  # let the last layout settle before the picture
        state = json.loads(browser.evaluate(PAGE_STATE, session))
        height = min(state["height"], MAX_SCREENSHOT_HEIGHT)
        shot = browser.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": state["width"], "height": height, "scale": 1},
            },
            session,
            timeout=60,
        )
        screenshot = out / f"{html.stem}.png"
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        dom = browser.evaluate("document.documentElement.outerHTML", session)
        (out / f"{html.stem}.dom.html").write_text(dom, encoding="utf-8")
        js_errors, console = [], []
        for event in browser.events(session):
            params = event.get("params", {})
            if event.get("method") == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                described = details.get("exception", {}).get("description", "")
                js_errors.append(described or details.get("text", "exception"))
            elif event.get("method") == "Runtime.consoleAPICalled":
                text = " ".join(
                    str(a.get("value", a.get("description", ""))) for a in params["args"]
                )
                console.append(f"console.{params.get('type')}: {text}")
            elif event.get("method") == "Log.entryAdded":
                entry = params.get("entry", {})
                console.append(f"{entry.get('level')}: {entry.get('text')} {entry.get('url', '')}")
        (out / f"{html.stem}.console.txt").write_text(
            "\n".join(js_errors + console) + "\n", encoding="utf-8"
        )
        return Page(
            html,
            dom,
            screenshot,
            loaded_pngs=state["pngs"],
            widget_views=state["scripts"],
            rendered_widgets=sum(1 for n in state["subareas"] if n > 0),
            js_errors=js_errors,
            console=console,
        )
    finally:
        browser.send("Target.closeTarget", {"targetId": target})


def open_pages(pages: list[Path], out: Path, widget_timeout: float = 10) -> list[Page]:
    """Open each page in one headless Chromium; screenshots and DOMs go to `out`.

    On each page, wait up to `widget_timeout` seconds for its widgets to render.
    """
    chromium = find_chromium()
    if chromium is None:
        raise BrowserCheckError("no Chromium found; install it with tools/install_browser.sh")
    browser = Browser(chromium, out / "chromium.log")
    try:
        return [visit(browser, page, out, widget_timeout) for page in pages]
    finally:
        browser.close()


# --- the checks -------------------------------------------------------------------------------


def _classes(element) -> str:
    return " ".join(element.get("class", []))


def problems(notebook: Path, page: Page) -> list[str]:
    """What is wrong with the page a student sees for `notebook` (empty when all is well)."""
    from bs4 import BeautifulSoup

    nb = student_view(nbformat.read(notebook, as_version=4))
    soup = BeautifulSoup(page.dom, "html.parser")
    found = []

    title = notebook_title(nb)
    headings = [h.get_text(" ", strip=True).replace("¶", "").strip() for h in soup.find_all("h1")]
    plain = title.replace("*", "").replace("`", "").replace("_", " ").strip()
    if not title:
        found.append("the notebook has no '# ' title line in its first Markdown cell")
    elif not any(plain in h.replace("_", " ") for h in headings):
        found.append(f"title {title!r} not shown (h1 on the page: {headings})")

    expected = sum(png_outputs(cell) for cell in nb.cells)
    if page.loaded_pngs < expected:
        found.append(
            f"{page.loaded_pngs} figures shown (decoded PNG images), {expected} stored in the notebook"
        )

    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/plain", "")
            figure = FIGURE_REPR.search(text if isinstance(text, str) else "".join(text))
            if figure and not png_outputs(cell):
                found.append(
                    f"cell {index}: a figure stored only as text ({figure.group()}), no image: "
                    "was the notebook executed with the inline matplotlib backend?"
                )
            if out.get("output_type") == "error":
                found.append(f"cell {index}: stored error output {out.get('ename')}")
    # Anything on stderr (a traceback, but also a warning) is something students should not see.
    for element in soup.find_all(attrs={"data-mime-type": STDERR_MIME}):
        text = element.get_text(" ", strip=True)
        if text:
            found.append(f"stderr output on the page: {text[:200]!r}")

    widget_cells = [(i, cell) for i, cell in enumerate(nb.cells) if has_widget(cell)]
    if widget_cells and not nb.metadata.get("widgets", {}).get(WIDGET_STATE_MIME, {}).get("state"):
        found.append(
            f"cells {[i for i, _ in widget_cells]} show widgets, but the notebook stores no widget "
            "state, so no browser can draw them (execute with nbclient's store_widget_state=True)"
        )
    if widget_cells and page.rendered_widgets < page.widget_views:
        found.append(
            f"{page.rendered_widgets} of {page.widget_views} widget views rendered "
            "(is the widget state stored in the notebook's metadata?)"
        )
    for index, cell in widget_cells:
        element = soup.find(id=f"cell-id={cell.get('id')}") if cell.get("id") else None
        if element is None:
            found.append(f"cell {index} (widget): not found on the page")
            continue
        widgets = [
            e for e in element.find_all(True) if any(c in _classes(e) for c in WIDGET_CLASSES)
        ]
        if not widgets:
            found.append(f"cell {index}: its widget was not rendered (no widget markup)")
        figures = element.find_all("img", src=lambda s: bool(s) and s.startswith("data:image/png"))
        if png_outputs(cell) and not figures:
            found.append(f"cell {index}: the static figure beside the widget is missing")

    found += [f"JavaScript error: {error[:300]}" for error in page.js_errors]
    return found


def executed_notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "notebooks").glob("*.ipynb"))


def check(notebooks: list[Path], out: Path = OUT) -> dict[Path, list[str]]:
    """Render, open and check every notebook; {notebook: problems}."""
    out.mkdir(parents=True, exist_ok=True)
    html = render_html(notebooks, out)
    pages = open_pages(html, out)
    return {nb: problems(nb, page) for nb, page in zip(notebooks, pages, strict=True)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    missing = missing_requirements()
    if missing:
        print("browser check skipped: " + "; ".join(missing), file=sys.stderr)
        return 2
    notebooks = args.notebooks or executed_notebooks()
    if not notebooks:
        print("browser check: no notebooks to check", file=sys.stderr)
        return 2
    start = time.monotonic()
    results = check(notebooks, args.out)
    for notebook, found in results.items():
        print(f"{'FAIL' if found else 'ok  '} {notebook}")
        for problem in found:
            print(f"     {problem}")
    print(f"{len(results)} pages in {time.monotonic() - start:.1f} s; screenshots in {args.out}")
    return 1 if any(results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
