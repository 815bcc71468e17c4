"""The course site's configuration and the CI workflows, checked without Quarto.

Quarto cannot be installed everywhere (`make site` says how where it is missing), so these
tests check what can be checked from the files: `_quarto.yml` parses, lists every notebook in
order and nothing else, never executes code; each notebook has a title and captions and alt
text on its figures; the workflows parse and call the README's commands.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import colab  # noqa: E402

CONFIG = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WORKFLOWS = ROOT / ".github" / "workflows"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PLACEHOLDER_REASON = "no notebooks/*.ipynb yet"


def workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(data: dict) -> list[dict]:
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


def run_lines(data: dict) -> list[str]:
    return [line.strip() for step in steps(data) for line in step.get("run", "").splitlines()]


def uses(data: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in steps(data) if "uses" in step]


def all_env(data: dict) -> dict:
    env = dict(data.get("env", {}))
    for job in data["jobs"].values():
        env.update(job.get("env", {}))
        for step in job.get("steps", []):
            env.update(step.get("env", {}))
    return env


# --- _quarto.yml ------------------------------------------------------------------------------


def test_site_project_renders_to_site_folder():
    assert CONFIG["project"]["type"] == "website"
    assert CONFIG["project"]["output-dir"] == "_site"
    assert (ROOT / "index.qmd").is_file()


def test_code_is_never_executed():
    execute = CONFIG["execute"]
    assert execute["enabled"] is False
    assert execute["freeze"] in (True, "auto")


def test_render_list_is_explicit_and_holds_only_pages():
    render = CONFIG["project"]["render"]
    assert render[0] == "index.qmd"
    for entry in render:
        assert not entry.endswith(".py"), entry
        assert not entry.startswith(("notebooks/live", "notebooks/src")), entry
        assert "*" not in entry, f"{entry}: list pages one by one"
        assert entry == "index.qmd" or re.fullmatch(r"notebooks/\d\d-[a-z0-9-]+\.ipynb", entry)


def test_sidebar_lists_the_rendered_notebooks_in_order():
    pages = [p for p in CONFIG["project"]["render"] if p.endswith(".ipynb")]
    assert colab.chapters(ROOT) == pages == sorted(pages)
    assert len(pages) == 6


def test_every_listed_chapter_exists():
    missing = [p for p in CONFIG["project"]["render"] if not (ROOT / p).is_file()]
    assert not missing, f"listed in _quarto.yml but missing: {missing}"


def test_every_notebook_is_listed():
    listed = set(CONFIG["project"]["render"])
    unlisted = [p.relative_to(ROOT).as_posix() for p in NOTEBOOKS]
    unlisted = [p for p in unlisted if p not in listed]
    assert not unlisted, f"add to project.render and the sidebar in _quarto.yml: {unlisted}"


def test_repository_is_configured_once():
    repo = colab.read_repo(ROOT)
    text = (ROOT / "_quarto.yml").read_text(encoding="utf-8")
    assert text.count("repo-url:") == 1 and text.count("repo-branch:") == 1
    assert repo.url == CONFIG["website"]["repo-url"].rstrip("/")
    assert "source" in CONFIG["website"]["repo-actions"]


# --- the notebooks as pages -------------------------------------------------------------------


@pytest.mark.skipif(not NOTEBOOKS, reason=PLACEHOLDER_REASON)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_has_a_title(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells and nb.cells[0].cell_type == "markdown"
    assert re.match(r"# \d\d\. \S", nb.cells[0].source), "first line must be '# NN. Title'"


@pytest.mark.skipif(not NOTEBOOKS, reason=PLACEHOLDER_REASON)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_figure_has_caption_and_alt_text(path):
    nb = nbformat.read(path, as_version=4)
    missing = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if not any("image/png" in out.get("data", {}) for out in cell.outputs):
            continue
        options = [line for line in cell.source.splitlines() if line.startswith("#|")]
        for option in ("fig-cap", "fig-alt"):
            if not any(re.match(rf"#\|\s*{option}:\s*\S", line) for line in options):
                missing.append(f"cell {index}: no '#| {option}:'")
    assert not missing, "\n".join(missing)


# --- workflows --------------------------------------------------------------------------------


def test_test_workflow_runs_make_test_on_every_push_and_pull_request():
    data = workflow("test.yml")
    assert "push" in data["on"] and "pull_request" in data["on"]
    assert data["on"]["push"] is None or "branches" not in data["on"]["push"]
    lines = run_lines(data)
    assert "make test" in lines
    install = lines.index("tools/install_browser.sh")
    assert install < lines.index("make test"), "install Chromium and npm packages first"


def test_test_workflow_takes_torch_from_the_cpu_index():
    env = all_env(workflow("test.yml"))
    indexes = [env.get("PIP_EXTRA_INDEX_URL", ""), env.get("PIP_INDEX_URL", "")]
    assert any(TORCH_CPU_INDEX in value for value in indexes)


def test_test_workflow_caches_pip_and_the_data_cache():
    data = workflow("test.yml")
    env = all_env(data)
    assert env.get("LECTURE_CACHE")
    caches = [s for s in steps(data) if s.get("uses", "").startswith("actions/cache@")]
    assert caches
    paths = "\n".join(str(s["with"]["path"]) for s in caches)
    assert "~/.cache/pip" in paths
    assert "env.LECTURE_CACHE" in paths or env["LECTURE_CACHE"] in paths


def test_site_workflow_renders_and_publishes_from_main():
    data = workflow("site.yml")
    assert data["on"]["push"]["branches"] == ["main"]
    assert "pull_request" not in data["on"]
    assert data["permissions"]["pages"] == "write"
    assert data["permissions"]["id-token"] == "write"
    used = uses(data)
    for action in (
        "quarto-dev/quarto-actions/setup",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ):
        assert action in used, action
    assert used.index("quarto-dev/quarto-actions/setup") < used.index(
        "actions/upload-pages-artifact"
    )
    assert "make site" in run_lines(data)
    upload = next(s for s in steps(data) if s.get("uses", "").startswith("actions/upload-pages"))
    assert upload["with"]["path"].rstrip("/") == CONFIG["project"]["output-dir"]


def test_site_workflow_refuses_the_placeholder_repository():
    assert "python tools/colab.py --check --require-repo" in run_lines(workflow("site.yml"))


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, flags=re.MULTILINE))


def test_workflows_call_only_existing_make_targets():
    targets = make_targets()
    for name in ("test.yml", "site.yml"):
        for line in run_lines(workflow(name)):
            for target in re.findall(r"\bmake\s+([\w-]+)", line):
                assert target in targets, f"{name} runs `make {target}`, which the Makefile lacks"


def test_ci_entry_point_installs_the_browser_check_before_testing():
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines()]
    assert "tools/install_browser.sh" in lines and "make test" in lines
    assert lines.index("tools/install_browser.sh") < lines.index("make test")


README_COMMANDS = (
    "make test",
    "make site",
    "LECTURE_DATA=real make lecture",
    "python tools/colab.py --set-repo",
)


@pytest.mark.skipif(not (ROOT / "README.md").exists(), reason="no README.md yet")
@pytest.mark.parametrize("command", README_COMMANDS)
def test_readme_gives_the_commands_the_workflows_and_maintainers_use(command):
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")
