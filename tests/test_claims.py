"""A claim prints its verdict; in the test run the first claim that does not hold raises,
naming it, and so fails its notebook cell under nbval."""

import os
import re
import subprocess
import sys

import nbformat
import pytest

from lecture_utils.claims import ClaimFailed, check_claim


def test_a_claim_that_holds_prints_a_tick_and_never_raises(monkeypatch, capsys):
    monkeypatch.setenv("LECTURE_CHECK_CLAIMS", "1")
    check_claim("two is more than one", 2 > 1, "2 > 1")
    assert capsys.readouterr().out == "✓ two is more than one (2 > 1)\n"


def test_a_failed_claim_raises_in_the_test_run_naming_the_claim_and_its_evidence(monkeypatch):
    monkeypatch.setenv("LECTURE_CHECK_CLAIMS", "1")
    with pytest.raises(ClaimFailed) as failed:
        check_claim("one is more than two", 1 > 2, "1 vs 2")
    assert str(failed.value) == "✗ Not so on this data: one is more than two (1 vs 2)"


@pytest.mark.parametrize("value", [None, "", "0"])
def test_outside_the_test_run_a_failed_claim_is_printed_for_students_and_never_raises(
    value, monkeypatch, capsys
):
    if value is None:
        monkeypatch.delenv("LECTURE_CHECK_CLAIMS", raising=False)
    else:
        monkeypatch.setenv("LECTURE_CHECK_CLAIMS", value)
    check_claim("one is more than two", False, "1 vs 2")
    assert capsys.readouterr().out == "✗ Not so on this data: one is more than two (1 vs 2)\n"


@pytest.mark.parametrize("value", ["true", "yes", "2"])
def test_a_nonsense_lecture_check_claims_is_an_error_that_names_it_and_the_values_it_takes(
    value, monkeypatch
):
    monkeypatch.setenv("LECTURE_CHECK_CLAIMS", value)
    with pytest.raises(ValueError, match=r"LECTURE_CHECK_CLAIMS is .*set it to 1 .*or to 0"):
        check_claim("two is more than one", True, "2 > 1")


def test_the_test_run_fails_each_notebook_cell_with_a_claim_that_does_not_hold(tmp_path):
    """Run a notebook of broken claims the way `make test` runs the lecture's notebooks."""
    cells = [
        "from lecture_utils import check_claim",
        "check_claim('one is more than two', 1 > 2, '1 vs 2')",
        "check_claim('a first broken claim', False, 'evidence one')\n"
        "check_claim('a second broken claim', False, 'evidence two')",
        "check_claim('two is more than one', 2 > 1, '2 > 1')",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = tmp_path / "broken-claims.ipynb"
    nbformat.write(notebook, path)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax"]
    run = subprocess.run(
        [*command, "--nbval-current-env", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "LECTURE_CHECK_CLAIMS": "1"},
        cwd=tmp_path,
        timeout=300,
    )
    out = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout)  # without the traceback's colours
    assert "2 failed, 2 passed" in out
    assert "ClaimFailed: ✗ Not so on this data: one is more than two (1 vs 2)" in out
    assert "ClaimFailed: ✗ Not so on this data: a first broken claim (evidence one)" in out
