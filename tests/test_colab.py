"""Colab badges and install cells (tools/colab.py): generated from `_quarto.yml`, never drifting."""

from __future__ import annotations

import io
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

REPO = colab.Repo("acme", "cnn-course", "fall-2026")
BADGE = (
    "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
    "(https://colab.research.google.com/github/acme/cnn-course/blob/fall-2026/notebooks/01-demo.ipynb)"
)
HEADER = """\
# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---
"""
SOURCE = (
    HEADER
    + """
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
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the site configuration with one paired notebook that has stored outputs."""
    for name in ("_quarto.yml", "index.qmd", "jupytext.toml"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, tmp_path / name)
    colab.set_repo(REPO.url, REPO.ref, tmp_path)
    src = tmp_path / "notebooks" / "src"
    src.mkdir(parents=True)
    (src / "01-demo.py").write_text(SOURCE, encoding="utf-8")
    import jupytext

    nb = jupytext.read(src / "01-demo.py", fmt="py:percent")
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="3.14159\n")]
    nb.cells[2].execution_count = 1
    nbformat.write(nb, tmp_path / "notebooks" / "01-demo.ipynb")
    return tmp_path


def regenerate(root: Path) -> str:
    out = io.StringIO()
    assert colab.run(root, out=out) == 0
    return out.getvalue()


def check(root: Path, capsys) -> tuple[int, str]:
    status = colab.run(root, check=True, out=io.StringIO())
    return status, capsys.readouterr().err


def test_repo_url_parsing():
    assert colab.parse_repo_url("https://github.com/acme/cnn-course.git/") == ("acme", "cnn-course")
    with pytest.raises(colab.ColabError):
        colab.parse_repo_url("https://gitlab.com/acme/cnn-course")
    assert REPO.requirement == "lecture-utils @ git+https://github.com/acme/cnn-course@fall-2026"


def test_set_repo_rewrites_only_the_two_values(project: Path):
    text = (project / "_quarto.yml").read_text(encoding="utf-8")
    assert "repo-url: https://github.com/acme/cnn-course\n" in text
    assert "repo-branch: fall-2026\n" in text
    original = (ROOT / "_quarto.yml").read_text(encoding="utf-8").splitlines()
    changed = [a for a, b in zip(original, text.splitlines(), strict=True) if a != b]
    assert len(changed) == 2  # comments and layout kept
    assert colab.read_repo(project) == REPO


def test_generator_inserts_badge_and_install_cell(project: Path):
    regenerate(project)
    text = (project / "notebooks" / "src" / "01-demo.py").read_text(encoding="utf-8")
    assert text.startswith(HEADER)
    assert f"# # 01. Demo\n#\n# {BADGE}\n#\n# What you will learn.\n" in text
    install = '# %% tags=["colab-install"]\n' + colab.install_source(REPO) + "\n\n# %%\nimport math"
    assert install in text  # before the first code cell, after the Markdown cells
    assert text.index("## Setting up") < text.index("colab-install")
    assert text.endswith('# %% tags=["remove-cell"]\nassert math.pi > 3\n')

    nb = nbformat.read(project / "notebooks" / "01-demo.ipynb", as_version=4)
    assert nb.cells[0].source.splitlines()[2] == BADGE
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].source == colab.install_source(REPO)
    assert code[0].metadata["tags"] == ["colab-install"]
    assert code[1].outputs[0]["text"] == "3.14159\n"  # stored outputs are kept
    assert code[2].metadata["tags"] == ["remove-cell"]


def test_generator_is_idempotent(project: Path, capsys):
    regenerate(project)
    files = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    assert regenerate(project) == ""
    assert files == {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    assert check(project, capsys)[0] == 0


def test_check_names_drifted_notebooks_and_regeneration_fixes_them(project: Path, capsys):
    status, err = check(project, capsys)
    assert status == 1 and "notebooks/src/01-demo.py" in err and "notebooks/01-demo.ipynb" in err
    regenerate(project)
    src = project / "notebooks" / "src" / "01-demo.py"
    src.write_text(src.read_text(encoding="utf-8").replace("fall-2026", "main"), encoding="utf-8")
    status, err = check(project, capsys)
    assert status == 1 and "notebooks/src/01-demo.py" in err
    assert "notebooks/01-demo.ipynb" not in err  # the .ipynb still agrees
    regenerate(project)
    assert "blob/fall-2026/" in src.read_text(encoding="utf-8")
    assert check(project, capsys)[0] == 0


def test_set_repo_command_regenerates_everything(project: Path, capsys):
    regenerate(project)
    args = ["--set-repo", "https://github.com/other/lecture", "--ref", "v2", "--root", str(project)]
    assert colab.main(args) == 0
    capsys.readouterr()
    text = (project / "notebooks" / "src" / "01-demo.py").read_text(encoding="utf-8")
    assert "colab.research.google.com/github/other/lecture/blob/v2/notebooks/01-demo.ipynb" in text
    assert "git+https://github.com/other/lecture@v2" in text
    assert "acme" not in text
    index = (project / "index.qmd").read_text(encoding="utf-8")
    assert "github/other/lecture/blob/v2/notebooks/live/01-data.ipynb" in index
    assert check(project, capsys)[0] == 0


def test_old_install_cell_is_replaced_and_moved_first(project: Path):
    src = project / "notebooks" / "src" / "01-demo.py"
    old = (
        '# %% tags=["remove-input"]\nimport sys\n\nif "google.colab" in sys.modules:\n'
        '    %pip install --quiet "lecture-utils @ git+https://github.com/x/y@old"\n\n'
    )
    text = src.read_text(encoding="utf-8")
    text = text.replace('# %% tags=["remove-cell"]', old + '# %% tags=["remove-cell"]')
    src.write_text(text, encoding="utf-8")
    regenerate(project)
    text = src.read_text(encoding="utf-8")
    assert text.count("google.colab") == 1 and "x/y@old" not in text
    assert '# %% tags=["colab-install", "remove-input"]' in text  # other tags are kept
    assert text.index("colab-install") < text.index("import math")


def test_bad_notebook_is_reported_and_left_alone(project: Path, capsys):
    src = project / "notebooks" / "src" / "01-demo.py"
    bad = HEADER + "\n# %%\nprint('no title cell')\n"
    src.write_text(bad, encoding="utf-8")
    before = (project / "notebooks" / "01-demo.ipynb").read_bytes()
    assert colab.run(project, out=io.StringIO()) == 1
    assert "first cell must be Markdown" in capsys.readouterr().err
    assert src.read_text(encoding="utf-8") == bad
    assert (project / "notebooks" / "01-demo.ipynb").read_bytes() == before


def test_live_notebooks_are_checked_not_written(project: Path, capsys):
    regenerate(project)
    live = project / "notebooks" / "live"
    live.mkdir()
    nb = nbformat.read(project / "notebooks" / "01-demo.ipynb", as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("# 01. Demo\n", "# 01. Demo\n\n> Live.\n")
    nbformat.write(nb, live / "01-demo.ipynb")  # badge still points at the full notebook
    before = (live / "01-demo.ipynb").read_bytes()
    status, err = check(project, capsys)
    assert status == 1 and "notebooks/live/01-demo.ipynb" in err and "make live" in err
    assert colab.run(project, out=io.StringIO()) == 1
    assert (live / "01-demo.ipynb").read_bytes() == before
    nb.cells[0].source = nb.cells[0].source.replace("/notebooks/01-demo", "/notebooks/live/01-demo")
    nbformat.write(nb, live / "01-demo.ipynb")
    assert "> Live." in nb.cells[0].source.split(BADGE.split("](")[0])[0]
    assert check(project, capsys)[0] == 0


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
    assert not any("torch" in part for part in command)  # Colab keeps its own torch


def test_install_cell_is_formatted_as_ruff_leaves_it():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff not installed")
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


SOURCES = sorted((ROOT / "notebooks" / "src").glob("*.py"))


@pytest.mark.skipif(not SOURCES, reason="notebooks/src has no .py files yet")
def test_every_notebook_agrees_with_the_configuration(capsys):
    status = colab.run(ROOT, check=True, out=io.StringIO())
    assert status == 0, capsys.readouterr().err


@pytest.mark.skipif(not SOURCES, reason="notebooks/src has no .py files yet")
@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_badge_points_at_the_notebook_itself(source):
    repo = colab.read_repo(ROOT)
    text = source.read_text(encoding="utf-8")
    assert f"# {repo.badge(f'notebooks/{source.stem}.ipynb')}\n" in text
    assert colab.install_source(repo) in text
