"""Every exercise has a check, every solution passes it, and the notebooks hold no solution."""

import re
from pathlib import Path

import pytest
from lesson_cells import code_cells

from lecture_utils.exercises import CHECKS, check_exercise

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "notebooks/solutions").glob("*.md"))
CALL = re.compile(r'check_exercise\("([\w-]+)"')


def _blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text("utf-8"), re.DOTALL)


def _exercises_in_notebooks() -> dict[str, str]:
    """Exercise name -> the notebook cell that checks it, for notebooks 01-06."""
    cells = {}
    for stem in ("01", "02", "03", "04", "05", "06"):
        for cell in code_cells(stem):
            for name in CALL.findall(cell):
                cells[name] = cell
    return cells


def test_notebooks_02_to_06_each_have_an_exercise_and_every_exercise_a_check():
    names = _exercises_in_notebooks()
    assert {name[:2] for name in names} == {"02", "03", "04", "05", "06"}
    assert set(names) == set(CHECKS)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_solution_passes_its_check(path, capsys):
    blocks = _blocks(path)
    assert blocks
    for block in blocks:
        results = []
        namespace = {
            "check_exercise": lambda name, answer, results=results: results.append(
                check_exercise(name, answer)
            )
        }
        exec(block, namespace)
        assert results and all(result is True for result in results), capsys.readouterr().out


def test_every_exercise_has_a_solution_page():
    solved = {name for path in SOLUTIONS for block in _blocks(path) for name in CALL.findall(block)}
    assert solved == set(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_notebooks_hand_out_exercises_unanswered(name, capsys):
    """The cells a student gets run without error and say 'not answered yet'."""
    results = []
    namespace = {"check_exercise": lambda n, answer: results.append(check_exercise(n, answer))}
    exec(_exercises_in_notebooks()[name], namespace)
    assert results and all(result is None for result in results)
    assert "not answered yet" in capsys.readouterr().out


def test_a_wrong_answer_gets_a_hint_not_an_exception(capsys):
    assert check_exercise("04-shape", (8, 28, 28)) is False
    assert check_exercise("02-accuracy", lambda scores, labels: 1 / 0) is False
    out = capsys.readouterr().out
    assert "not yet. Hint" in out and "ZeroDivisionError" in out


def test_an_unknown_exercise_name_is_an_error_that_lists_the_known_ones():
    with pytest.raises(KeyError, match="02-accuracy"):
        check_exercise("02-nonexistent", 1)
