"""A seventh notebook needs only its source and `make sync`: every list of notebooks follows.

The test copies the repository (the files git tracks or would track, as they are in the
working tree), adds `notebooks/src/07-extra.py`, runs `python tools/lecture.py sync` (what
`make sync` runs, which executes no notebook) and then, in the copy, the tests that list the
notebooks; they must pass with no other edit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
STEM = "07-extra"
SOURCE = """# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07. One notebook more
#
# **What you will learn.** That adding a notebook takes its source and `make sync`.
#
# **Where this sits.** After the sixth notebook, as homework.
#
# *Reading the code:* a pair of `# ---` lines marks code that the instructor types live in
# class; the live-coding version of this notebook leaves it blank.

# %%
from lecture_utils import check_claim

# %%
# ---
answer = 6 * 7
# ---
check_claim("Six sevens make 42.", answer == 42, f"6 x 7 = {answer}")
"""
# The tests that list the notebooks, less those that start kernels and those that ask for the
# outputs only `make lecture` stores (sync executes nothing; tests/test_data_stored_outputs.py
# is all such).
LISTING_TESTS = [
    "tests/test_site.py",
    "tests/test_pages.py",
    "tests/test_colab.py",
    "tests/test_live.py",
    "tests/test_plan.py",
    "tests/test_notebook_pairs.py",
    "tests/test_tools.py",
    "tests/test_prose.py",
    "tests/test_lesson_cells.py",
    "tests/test_exercises.py",
]
NEEDS_RUNS = (
    "not test_live_notebook_runs_up_to_its_first_blank"
    " and not test_run_executes_writes_back_and_reports_the_training_runs"
    " and not test_a_failing_notebook_is_left_unchanged_and_the_others_still_run_and_are_tabled"
    " and not test_the_committed_notebooks_are_valid_and_carry_outputs"
)


def working_tree_files(root: Path) -> list[str]:
    """The files git tracks or would track (not ignored), as far as they exist on disk."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("needs git and a git checkout to know which files the repository holds")
    return [name for name in dict.fromkeys(listing.split("\0")) if (root / name).is_file()]


@pytest.fixture(scope="module")
def synced_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository with a seventh notebook source, after `make sync`'s command."""
    copy = tmp_path_factory.mktemp("repository")
    for name in working_tree_files(ROOT):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    (copy / "notebooks" / "src" / f"{STEM}.py").write_text(SOURCE, encoding="utf-8")
    sync = subprocess.run(
        [sys.executable, "tools/lecture.py", "sync"], cwd=copy, capture_output=True, text=True
    )
    assert sync.returncode == 0, sync.stdout + sync.stderr
    return copy


def test_sync_writes_the_notebook_unexecuted_its_live_copy_badge_and_install_cell(synced_copy):
    notebook = json.loads((synced_copy / "notebooks" / f"{STEM}.ipynb").read_text("utf-8"))
    assert not [cell for cell in notebook["cells"] if cell.get("outputs")]  # sync runs nothing
    assert (synced_copy / "notebooks" / "live" / f"{STEM}.ipynb").is_file()
    source = (synced_copy / "notebooks" / "src" / f"{STEM}.py").read_text(encoding="utf-8")
    assert f"blob/main/notebooks/{STEM}.ipynb)" in source and '"colab-install"' in source


def test_the_site_and_the_index_list_the_new_notebook(synced_copy: Path):
    page = f"notebooks/{STEM}.ipynb"
    config = yaml.safe_load((synced_copy / "_quarto.yml").read_text(encoding="utf-8"))
    assert page in config["project"]["render"]
    lecture = config["website"]["sidebar"]["contents"][1]["contents"]
    assert lecture[-1] == page
    index = (synced_copy / "index.qmd").read_text(encoding="utf-8")
    assert f"| [07. One notebook more]({page}) |" in index  # the table of notebooks
    assert f"| after class | [07 extra]({page}) |" in index  # the teaching plan


def test_the_tests_that_list_notebooks_pass_with_no_other_edit(synced_copy: Path):
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-k", NEEDS_RUNS]
        + LISTING_TESTS,
        cwd=synced_copy,
        env={**os.environ, "PYTHONPATH": str(synced_copy)},  # the copy's package, not ours
        capture_output=True,
        text=True,
    )
    failed = [line for line in run.stdout.splitlines() if "FAILED" in line or "ERROR" in line]
    assert run.returncode == 0, "\n".join(failed) + run.stdout[-4000:] + run.stderr[-2000:]
    assert f"[{STEM}] PASSED" in run.stdout  # the per-notebook tests took the new one
