"""Colab badges, install cells and the index table (tools/colab.py) follow `_quarto.yml`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import colab  # noqa: E402
import lecture  # noqa: E402

REPO = colab.Repo("acme", "cnn-course", "fall-2026")
PAGE = "notebooks/01-demo.ipynb"
BADGE = (
    "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
    "(https://colab.research.google.com/github/acme/cnn-course/blob/fall-2026/notebooks/01-demo.ipynb)"
)
SOURCE = """\
# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01. Demo
#
# What you will learn.

# %% [markdown]
# ## Setting up

# %%
import math

print(math.pi)

# %% tags=["remove-cell"]
assert math.pi > 3
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the site configuration and index with one notebook source and its outputs."""
    for name in ("_quarto.yml", "index.qmd"):
        shutil.copy(ROOT / name, tmp_path / name)
    src = tmp_path / "notebooks" / "src"
    src.mkdir(parents=True)
    (src / "01-demo.py").write_text(SOURCE, encoding="utf-8")
    import jupytext

    nb = jupytext.read(src / "01-demo.py", fmt="py:percent")
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="3.14159\n")]
    nb.cells[2].execution_count = 1
    nbformat.write(nb, tmp_path / "notebooks" / "01-demo.ipynb")
    return tmp_path


def test_repo_url_parsing():
    assert colab.parse_repo("https://github.com/acme/cnn-course.git/", " fall-2026") == REPO
    with pytest.raises(colab.ColabError, match="OWNER/REPO"):
        colab.parse_repo("https://gitlab.com/acme/cnn-course", "main")
    assert REPO.requirement == "lecture-utils @ git+https://github.com/acme/cnn-course@fall-2026"


def test_set_repo_rewrites_only_the_two_values(project: Path):
    colab.set_repo(REPO.url, REPO.ref, project)
    text = (project / "_quarto.yml").read_text(encoding="utf-8")
    original = (ROOT / "_quarto.yml").read_text(encoding="utf-8").splitlines()
    changed = [b for a, b in zip(original, text.splitlines(), strict=True) if a != b]
    assert changed == ["  repo-url: https://github.com/acme/cnn-course", "  repo-branch: fall-2026"]
    assert colab.read_repo(project) == REPO
    with pytest.raises(colab.ColabError, match="branch or tag"):
        colab.set_repo(REPO.url, "two words", project)


def test_set_repo_refuses_a_configuration_with_two_repo_url_keys(project: Path):
    config = project / "_quarto.yml"
    text = config.read_text(encoding="utf-8").replace(
        "  repo-branch:", "  repo-url: https://github.com/other/copy\n  repo-branch:", 1
    )
    config.write_text(text, encoding="utf-8")
    with pytest.raises(colab.ColabError, match="exactly one `repo-url:`"):
        colab.set_repo(REPO.url, REPO.ref, project)
    assert config.read_text(encoding="utf-8") == text


def test_badge_goes_under_the_title_and_install_cell_before_the_first_code():
    install = '# %% tags=["colab-install"]\n' + colab.install_source(REPO) + "\n\n"
    expected = SOURCE.replace("# # 01. Demo\n", f"# # 01. Demo\n#\n# {BADGE}\n", 1)
    expected = expected.replace("# %%\nimport math", install + "# %%\nimport math", 1)
    assert colab.fix_source(SOURCE, PAGE, REPO) == expected  # and nothing else changes


def test_fixing_again_moves_only_the_badge_and_install_lines():
    first = colab.fix_source(SOURCE, PAGE, REPO)
    assert colab.fix_source(first, PAGE, REPO) == first
    other = colab.Repo("other", "lecture", "v2")
    second = colab.fix_source(first, PAGE, other)
    changed = [b for a, b in zip(first.split("\n"), second.split("\n"), strict=True) if a != b]
    assert changed == [f"# {other.badge(PAGE)}", f'    requirement = "{other.requirement}"']


def test_install_cell_at_the_end_of_a_source_keeps_one_final_newline():
    text = SOURCE + '\n# %% tags=["colab-install"]\nold = 1\n'
    fixed = colab.fix_source(text, PAGE, REPO)
    assert fixed.endswith(colab.install_source(REPO) + "\n") and "old = 1" not in fixed


def test_source_without_a_title_is_refused_and_nothing_is_written(project: Path):
    src = project / "notebooks" / "src" / "01-demo.py"
    src.write_text(SOURCE.replace("# # 01. Demo", "# Demo"), encoding="utf-8")
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    with pytest.raises(colab.ColabError, match="NN. Title"):
        colab.update(project)
    assert before == {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}


def test_check_names_drifted_files_and_update_fixes_them(project: Path):
    colab.set_repo(REPO.url, REPO.ref, project)
    assert colab.update(project, check=True) == ["notebooks/src/01-demo.py", "index.qmd"]
    assert colab.update(project) == ["notebooks/src/01-demo.py", "index.qmd"]
    assert colab.update(project, check=True) == []
    index = (project / "index.qmd").read_text(encoding="utf-8")
    assert f"| [01. Demo]({PAGE}) |" in index and "blob/fall-2026/notebooks/live/01-demo" in index


def test_set_repo_command_regenerates_every_derived_file(project: Path, capsys):
    args = ["--set-repo", "https://github.com/other/lecture", "--ref", "v2", "--root", str(project)]
    assert lecture.main(["sync", *args]) == 0
    new = "colab.research.google.com/github/other/lecture/blob/v2/notebooks/"
    nb = nbformat.read(project / PAGE, as_version=4)
    live = nbformat.read(project / "notebooks" / "live" / "01-demo.ipynb", as_version=4)
    assert f"{new}01-demo.ipynb" in (project / "notebooks/src/01-demo.py").read_text("utf-8")
    assert f"{new}01-demo.ipynb" in nb.cells[0].source
    assert nb.cells[3].outputs[0]["text"] == "3.14159\n"  # stored outputs are kept
    assert f"{new}live/01-demo.ipynb" in live.cells[0].source
    assert f"{new}live/01-demo.ipynb" in (project / "index.qmd").read_text("utf-8")
    assert colab.main(["--check", "--root", str(project)]) == 0


def test_check_fails_on_drift_and_on_the_placeholder_when_required(project: Path, capsys):
    colab.set_repo("https://github.com/YOUR-ORG/YOUR-REPO", "main", project)
    assert colab.main(["--check", "--root", str(project)]) == 1
    assert "notebooks/src/01-demo.py disagrees" in capsys.readouterr().err
    colab.update(project)
    assert colab.main(["--check", "--root", str(project)]) == 0
    assert colab.main(["--check", "--require-repo", "--root", str(project)]) == 1
    assert "placeholder" in capsys.readouterr().err


def run_install_cell(monkeypatch, in_colab: bool) -> list:
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append((a, k)))
    if in_colab:
        monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(colab.install_source(REPO), "<install cell>", "exec"), {})
    return calls


def test_install_cell_does_nothing_outside_colab(monkeypatch):
    assert run_install_cell(monkeypatch, in_colab=False) == []


def test_install_cell_installs_the_helpers_quietly_in_colab(monkeypatch):
    calls = run_install_cell(monkeypatch, in_colab=True)
    assert len(calls) == 1
    (command,), options = calls[0]
    assert command == [sys.executable, "-m", "pip", "install", "--quiet", REPO.requirement]
    assert options == {"check": True}


def test_install_cell_is_formatted_as_ruff_leaves_it():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))  # ruff.exe on Windows
    if ruff is None:
        pytest.skip("ruff not installed beside this Python")
    source = colab.install_source(REPO) + "\n"
    for command in (["format", "--diff"], ["check", "--quiet"]):
        result = subprocess.run(
            [ruff, *command, "--stdin-filename", "cell.py", "-"],
            input=source,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_every_source_and_the_index_agree_with_the_configuration():
    assert colab.update(ROOT, check=True) == [], "run `make sync`"
