import os
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

from lecture_utils.claims import ClaimFailed, check_claim

ROOT = Path(__file__).resolve().parent.parent


def test_a_claim_that_holds_prints_a_tick_and_never_raises(monkeypatch, capsys):
    monkeypatch.setenv("LECTURE_CHECK_CLAIMS", "1")
    check_claim("two is more than one", 2 > 1, "2 > 1")
    assert capsys.readouterr().out == "✓ two is more than one (2 > 1)\n"


def test_a_failed_claim_is_printed_for_students_but_raises_only_in_the_test_run(
    monkeypatch, capsys
):
    monkeypatch.delenv("LECTURE_CHECK_CLAIMS", raising=False)
    check_claim("one is more than two", 1 > 2, "1 vs 2")
    assert "Not so on this data: one is more than two (1 vs 2)" in capsys.readouterr().out
    monkeypatch.setenv("LECTURE_CHECK_CLAIMS", "1")
    with pytest.raises(ClaimFailed, match="one is more than two.*1 vs 2"):
        check_claim("one is more than two", 1 > 2, "1 vs 2")


def test_a_deliberately_broken_claim_fails_the_notebook_run_and_names_the_claim(tmp_path):
    """Break 01's 5% claim in a copy of the notebook and run it the way `make test` does."""
    source = (ROOT / "notebooks/src/01-data.py").read_text("utf-8")
    assert "share < 0.05" in source
    notebook = jupytext.reads(source.replace("share < 0.05", "share < 0.0"), fmt="py:percent")
    path = tmp_path / "01-broken.ipynb"
    jupytext.write(notebook, path)
    env = {**os.environ, "LECTURE_CHECK_CLAIMS": "1", "LECTURE_DATA": "synthetic"}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-current-env",
            "-p",
            "no:cacheprovider",
            str(path),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert run.returncode != 0
    assert "ClaimFailed" in run.stdout
    assert "no letter makes up 5% of the images or more" in run.stdout
