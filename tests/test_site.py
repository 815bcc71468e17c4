"""The course site and the commands, checked from the files (Quarto is not needed here).

`_quarto.yml` renders exactly the notebooks and solution pages, in the sidebar's order; each
notebook shows what a page needs (title, captions and alt texts as folded YAML in lines of at
most 100 characters, figures as images, no stderr, widgets that can be drawn); the Makefile,
`make help`, README, CONTRIBUTING, CI and the workflows name the same commands and existing
files.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
NOTEBOOKS = [
    ROOT / "notebooks" / f"{py.stem}.ipynb"
    for py in sorted((ROOT / "notebooks" / "src").glob("[0-9][0-9]-*.py"))
]  # the list follows the sources
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("*.md"))
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PAGE = re.compile(r"notebooks/\d\d-[a-z0-9-]+\.ipynb|notebooks/solutions/\d\d-[a-z0-9-]+\.md")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
HIDDEN = {"remove-cell", "remove-output"}
FIGURE_OPTIONS = ("fig-cap", "fig-alt")  # Quarto cell options, folded YAML (CONTRIBUTING)


def sidebar_pages(items: list) -> list[str]:
    pages = []
    for item in items:
        if isinstance(item, str):
            pages.append(item)
        elif isinstance(item, dict):
            pages += [item["href"]] if "href" in item else []
            pages += sidebar_pages(item.get("contents", []))
    return pages


def shown_outputs(nb: nbformat.NotebookNode) -> list[tuple[int, dict]]:
    """(cell index, output) for each output the site shows (remove-* tags honoured)."""
    return [
        (i, out)
        for i, cell in enumerate(nb.cells)
        if not HIDDEN & set(cell.metadata.get("tags", []))
        for out in cell.get("outputs", [])
    ]


# --- _quarto.yml ------------------------------------------------------------------------------


def test_render_list_holds_only_the_pages_one_by_one():
    render = CONFIG["project"]["render"]
    assert render[0] == "index.qmd"
    wrong = [p for p in render[1:] if not PAGE.fullmatch(p)]
    assert not wrong, f"only notebooks and solution pages, listed one by one, not {wrong}"


def test_sidebar_lists_the_rendered_pages_in_the_same_order():
    pages = sidebar_pages(CONFIG["website"]["sidebar"]["contents"])
    assert pages == CONFIG["project"]["render"]


def test_every_listed_page_exists():
    missing = [p for p in CONFIG["project"]["render"] if not (ROOT / p).is_file()]
    assert not missing, f"listed in _quarto.yml but missing: {missing}"


def test_every_notebook_and_solution_is_listed():
    listed = set(CONFIG["project"]["render"])
    unlisted = [p.relative_to(ROOT).as_posix() for p in [*NOTEBOOKS, *SOLUTIONS]]
    unlisted = [p for p in unlisted if p not in listed]
    assert not unlisted, f"not in _quarto.yml (run `make sync`): {unlisted}"


# --- the notebooks as pages -------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_has_a_title(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells and nb.cells[0].cell_type == "markdown"
    assert re.match(r"# \d\d\. \S", nb.cells[0].source), "first line must be '# NN. Title'"


def cell_options(source: str) -> tuple[list[str], dict]:
    """A code cell's `#|` option lines, and what they say read as YAML (as Quarto reads them)."""
    lines = list(itertools.takewhile(lambda line: line.startswith("#|"), source.splitlines()))
    text = "\n".join(line.removeprefix("#|").removeprefix(" ") for line in lines)
    return lines, yaml.safe_load(text) or {}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_figure_has_caption_and_alt_text(path):
    nb = nbformat.read(path, as_version=4)
    missing = []
    for index, cell in enumerate(nb.cells):
        if not any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
            continue
        _, options = cell_options(cell.source)
        for option in FIGURE_OPTIONS:
            if not isinstance(options.get(option), str) or not options[option].strip():
                missing.append(f"cell {index}: no '#| {option}:' text")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_figure_options_are_folded_yaml_in_short_lines(path):
    nb = nbformat.read(path, as_version=4)
    wrong = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        try:
            lines, options = cell_options(cell.source)
        except yaml.YAMLError as error:
            wrong.append(f"cell {index}: its '#|' lines are not YAML: {error}")
            continue
        wrong += [
            f"cell {index}: over 100 characters: {ln[:60]}..." for ln in lines if len(ln) > 100
        ]
        for option in FIGURE_OPTIONS:
            if option in options and f"#| {option}: >-" not in lines:
                wrong.append(f"cell {index}: write '#| {option}: >-', then '#|   text' lines")
            elif option in options and "\n" in options[option]:
                wrong.append(f"cell {index}: {option} must be one paragraph (no blank '#|' line)")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_page_shows_no_stderr_and_no_figure_stored_only_as_text(path):
    nb = nbformat.read(path, as_version=4)
    found = []
    for index, out in shown_outputs(nb):
        if out.get("name") == "stderr" and out.get("text", "").strip():
            found.append(f"cell {index}: stderr on the page: {out['text'][:200]!r}")
        text = out.get("data", {}).get("text/plain", "")
        if re.search(r"<Figure size \d+x\d+ with \d+ Axes>", text) and not any(
            "image/png" in o.get("data", {}) for o in nb.cells[index].outputs
        ):
            found.append(f"cell {index}: a figure stored only as text (not the inline backend?)")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_widget_on_the_page_has_its_state_stored(path):
    nb = nbformat.read(path, as_version=4)
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    views = [
        (i, o["data"][WIDGET_VIEW]["model_id"])
        for i, o in shown_outputs(nb)
        if WIDGET_VIEW in o.get("data", {})
    ]
    lost = [index for index, model in views if model not in state]
    assert not lost, f"cells {lost}: widget state not stored (nbclient's store_widget_state)"


# --- commands: Makefile, make help, README, CONTRIBUTING, CI ----------------------------------


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, flags=re.MULTILINE))


def help_targets() -> list[str]:
    """The commands `make help` prints (read from the Makefile: Windows may have no make)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return re.findall(r'^\t@echo "make ([\w-]+)', text, flags=re.MULTILINE)


def readme_table_targets() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^\| `make ([\w-]+)", readme, flags=re.MULTILINE)


def test_make_help_and_the_readme_table_list_the_same_commands():
    assert help_targets() == readme_table_targets()
    assert set(help_targets()) <= make_targets()


@pytest.mark.parametrize(
    "name",
    [
        "README.md",
        "CONTRIBUTING.md",
        ".ci/run",
        *(f".github/workflows/{w.name}" for w in WORKFLOWS),
    ],
)
def test_documents_and_ci_name_only_existing_make_targets_and_tools(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    called = re.findall(r"(?:`|^\s*(?:run:\s*)?|=\S*\s)make ([a-z][\w-]*)", text, flags=re.M)
    unknown = set(called) - make_targets()
    assert not unknown, f"{name} names make targets that the Makefile lacks: {unknown}"
    missing = [p for p in re.findall(r"\b(tools/[\w.-]+)", text) if not (ROOT / p).exists()]
    assert not missing, f"{name} names missing files: {missing}"


def ci_scripts() -> dict[str, list[str]]:
    """The commands of .ci/run and of each workflow job, in order, by name."""
    scripts = {".ci/run": (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()}
    for path in WORKFLOWS:
        for name, job in yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"].items():
            steps = job.get("steps", [])
            scripts[f"{path.name}:{name}"] = [
                ln for s in steps for ln in s.get("run", "").splitlines()
            ]
    return {name: [line.strip() for line in lines] for name, lines in scripts.items()}


def test_ci_installs_the_browser_check_before_make_test():
    # In CI (CI=true) a missing browser fails tests/test_browser.py instead of skipping it.
    for name, lines in ci_scripts().items():
        for i, line in enumerate(lines):
            if re.search(r"\bmake test\b", line):
                assert "tools/install_browser.sh" in lines[:i], f"{name}: {line}"


def test_site_workflow_publishes_the_folder_quarto_renders_to():
    site = yaml.safe_load((ROOT / ".github" / "workflows" / "site.yml").read_text(encoding="utf-8"))
    steps = [step for job in site["jobs"].values() for step in job.get("steps", [])]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"].rstrip("/") == CONFIG["project"]["output-dir"]
