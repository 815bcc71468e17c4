"""A claim prints its verdict; the test run fails a notebook cell once, naming all of the
claims in it that do not hold."""

import os
import re
import subprocess
import sys

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from lecture_utils import claims
from lecture_utils.claims import ClaimFailed, check_claim


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


@pytest.mark.parametrize("value", [None, "", "0"])
def test_without_lecture_check_claims_set_to_1_a_failed_claim_never_raises(
    value, monkeypatch, capsys
):
    if value is None:
        monkeypatch.delenv("LECTURE_CHECK_CLAIMS", raising=False)
    else:
        monkeypatch.setenv("LECTURE_CHECK_CLAIMS", value)
    check_claim("one is more than two", False, "1 vs 2")
    assert capsys.readouterr().out == "✗ Not so on this data: one is more than two (1 vs 2)\n"


@pytest.mark.parametrize("value", ["true", "yes", "2", " 1"])
def test_a_nonsense_lecture_check_claims_is_an_error_that_names_it_and_the_values_it_takes(
    value, monkeypatch
):
    monkeypatch.setenv("LECTURE_CHECK_CLAIMS", value)
    with pytest.raises(ValueError, match=r"LECTURE_CHECK_CLAIMS is .*set it to 1 .*or to 0"):
        check_claim("two is more than one", True, "2 > 1")


@pytest.fixture
def shell(monkeypatch, tmp_path):
    """An IPython shell as a notebook kernel runs it, with claims checked."""
    monkeypatch.setenv("LECTURE_CHECK_CLAIMS", "1")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path))
    monkeypatch.setattr(claims, "_failed_in_cell", None, raising=False)
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    claims._watch_cells()
    shell.run_cell("from lecture_utils import check_claim")
    yield shell
    InteractiveShell.clear_instance()


def test_a_cell_reports_every_failed_claim_in_one_error_at_its_end(shell, capsys):
    result = shell.run_cell(
        "check_claim('one is more than two', 1 > 2, '1 vs 2')\n"
        "check_claim('two is more than one', 2 > 1, '2 > 1')\n"
        "check_claim('three is more than four', 3 > 4, '3 vs 4')\n"
        "ran_to_the_end = True\n"
        "'the value the cell shows'\n"
    )
    out = capsys.readouterr().out
    error = result.error_in_exec
    assert isinstance(error, ClaimFailed)
    assert str(error) == (
        "2 claims of this cell do not hold:\n"
        "✗ Not so on this data: one is more than two (1 vs 2)\n"
        "✗ Not so on this data: three is more than four (3 vs 4)"
    )
    assert "✗ Not so on this data: one is more than two (1 vs 2)" in out
    assert "✓ two is more than one (2 > 1)" in out
    assert shell.user_ns["ran_to_the_end"] is True


def test_a_cell_whose_last_statement_is_not_an_expression_still_reports_its_claims(shell):
    result = shell.run_cell("for n in (1, 2):\n    check_claim(f'{n} is negative', n < 0, f'{n}')")
    assert isinstance(result.error_in_exec, ClaimFailed)
    assert "1 is negative" in str(result.error_in_exec)
    assert "2 is negative" in str(result.error_in_exec)


def test_a_cell_whose_claims_hold_shows_its_value_as_before(shell):
    result = shell.run_cell("check_claim('two is more than one', 2 > 1, '2 > 1')\n6 * 7")
    assert result.success and result.result == 42
    assert shell.run_cell("answer = 6 * 7").result is None
    assert shell.run_cell("# only a comment").success


def test_the_next_cell_starts_without_the_failed_claims_of_the_one_before(shell):
    assert not shell.run_cell("check_claim('one is more than two', 1 > 2, '1 vs 2')").success
    assert shell.run_cell("check_claim('two is more than one', 2 > 1, '2 > 1')").success


def test_the_test_run_fails_each_notebook_cell_with_a_failed_claim_naming_all_of_them(tmp_path):
    """Run a notebook of broken claims the way `make test` runs the lecture's notebooks."""
    cells = [
        "from lecture_utils import check_claim",
        "check_claim('one is more than two', 1 > 2, '1 vs 2')",
        "check_claim('a first broken claim', False, 'evidence one')\n"
        "check_claim('a second broken claim', False, 'evidence two')\n"
        "'the value the cell shows'",
        "check_claim('two is more than one', 2 > 1, '2 > 1')",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = tmp_path / "broken-claims.ipynb"
    nbformat.write(notebook, path)
    env = {**os.environ, "LECTURE_CHECK_CLAIMS": "1"}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax"]
    run = subprocess.run(
        [*command, "--nbval-current-env", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    out = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout)  # without the traceback's colours
    assert "2 failed, 2 passed" in out
    assert "ClaimFailed: ✗ Not so on this data: one is more than two (1 vs 2)" in out
    assert (
        "ClaimFailed: 2 claims of this cell do not hold:\n"
        "✗ Not so on this data: a first broken claim (evidence one)\n"
        "✗ Not so on this data: a second broken claim (evidence two)"
    ) in out
