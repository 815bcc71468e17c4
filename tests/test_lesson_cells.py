"""The code a student reads in the notebooks is the code the package runs."""

import ast
import dis
import inspect
import json
import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from lesson_cells import MARKER, ROOT, SOURCES, cell_defining, code_cells
from torch import nn

import lecture_utils.models
import lecture_utils.training


@pytest.mark.parametrize(
    ("stem", "name"),
    [("02", "LogisticRegression"), ("04", "SmallConvNet"), ("05", "ConvNet")],
)
def test_a_model_defined_in_a_notebook_is_the_packages_model(stem, name):
    namespace = {"torch": torch, "nn": nn}
    exec(cell_defining(stem, name), namespace)
    ours, theirs = namespace[name](), getattr(lecture_utils.models, name)()
    assert repr(ours) == repr(theirs)  # same layers in the same order, same sizes
    shapes = [tuple(p.shape) for p in ours.parameters()]
    assert shapes == [tuple(p.shape) for p in theirs.parameters()]
    x = torch.zeros(2, 1, 28, 28)
    assert ours(x).shape == theirs(x).shape == (2, 26)


@pytest.mark.parametrize("name", ["train_epoch", "evaluate"])
def test_the_loop_shown_in_02_is_a_copy_of_the_packages(name):
    shown = cell_defining("02", name)
    assert shown == inspect.getsource(getattr(lecture_utils.training, f"lesson_{name}"))


@pytest.mark.parametrize("name", ["train_epoch", "evaluate"])
def test_the_lessons_code_is_plain_pytorch_without_the_packages_internals(name):
    function = getattr(lecture_utils.training, f"lesson_{name}")
    names = {op.argval for op in dis.get_instructions(function) if op.opname == "LOAD_GLOBAL"}
    assert names <= {"torch", "F", "Evaluation", "len", "next", "range"}
    (cell,) = [source for source in code_cells("02") if re.search(rf"^def {name}\b", source, re.M)]
    assert "lecture_utils" not in cell  # nothing imported from the package's insides


def test_the_lessons_evaluate_shows_the_idioms_its_prose_names():
    source = inspect.getsource(lecture_utils.training.lesson_evaluate)
    for idiom in ("model.eval()", "with torch.no_grad():", "for start in range(", ".to(device)"):
        assert idiom in source


def test_the_loop_shown_in_02_fits_in_twenty_lines():
    assert len(cell_defining("02", "train_epoch").splitlines()) <= 20


def test_03_slides_a_kernel_by_hand_and_compares_with_conv2d():
    namespace = {"torch": torch}
    exec(cell_defining("03", "convolve"), namespace)
    source = cell_defining("03", "convolve")
    assert "conv2d" not in source and source.count("for ") == 2
    torch.manual_seed(0)
    image, kernel = torch.randn(28, 28), torch.randn(5, 5)
    expected = F.conv2d(image[None, None], kernel[None, None])[0, 0]
    assert torch.allclose(namespace["convolve"](image, kernel), expected, atol=1e-5)
    assert any("F.conv2d" in cell and "check_claim" in cell for cell in code_cells("03"))


def _scaffolding(source: str) -> list[str]:
    found = [
        marker for marker in ("NBVAL_", "#| include: false", "record_result") if marker in source
    ]
    try:
        tree = ast.parse(
            "\n".join(line for line in source.splitlines() if not line.startswith(("%", "!")))
        )
    except SyntaxError:
        return found
    return found + ["assert"] * any(isinstance(node, ast.Assert) for node in ast.walk(tree))


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "notebooks").glob("*.ipynb"))
    + sorted((ROOT / "notebooks/live").glob("*.ipynb")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_students_see_no_test_scaffolding(path: Path):
    cells = json.loads(path.read_text("utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        assert not _scaffolding("".join(cell["source"])), "".join(cell["source"])[:200]
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", "")) + "".join(
                output.get("data", {}).get("text/plain", "")
            )
            assert not text.startswith("result:")


def test_the_scaffolding_finder_finds_what_it_looks_for():
    assert _scaffolding("x = 1\nassert x == 1") == ["assert"]
    assert _scaffolding("# NBVAL_CHECK_OUTPUT\nx") == ["NBVAL_"]
    assert _scaffolding("x = 1  # assert nothing") == []


def test_live_coding_blanks_at_least_sixty_lines_of_lesson_code():
    blanked = 0
    for path in sorted(SOURCES.glob("*.py")):
        for cell in code_cells(
            path.stem[:2]
        ):  # code cells only: the jupytext header's "# ---" is no marker
            inside = False
            for line in cell.splitlines():
                if MARKER.match(line):
                    inside = not inside
                elif inside and line.strip():
                    blanked += 1
    assert blanked >= 60


@pytest.mark.parametrize("path", sorted(SOURCES.glob("*.py")), ids=lambda p: p.stem)
def test_each_notebook_imports_from_lecture_utils_in_at_most_two_statements(path):
    tree = ast.parse(path.read_text("utf-8"))
    imports = [
        node
        for node in ast.walk(tree)
        if (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lecture_utils"))
        or (
            isinstance(node, ast.Import)
            and any(alias.name.startswith("lecture_utils") for alias in node.names)
        )
    ]
    assert 1 <= len(imports) <= 2


def test_the_lectures_settings_are_written_down_only_in_settings_py():
    """No notebook, bench or module restates an epoch count, learning rate or momentum."""
    from lecture_utils import settings

    values = {
        (name, value)
        for table in (
            settings.BASELINE_SETTINGS,
            settings.CNN_SETTINGS,
            settings.LONGER_CNN_SETTINGS,
        )
        for name, value in table.items()
        if name in ("epochs", "lr", "momentum") and value not in (0, 0.0, 1)
    }
    pattern = "|".join(
        rf"\b{name}\s*=\s*{value}\b|\"{name}\":\s*{value}\b" for name, value in sorted(values)
    )
    places = [
        *SOURCES.glob("*.py"),
        *(ROOT / "bench").glob("*.py"),
        *(ROOT / "lecture_utils").rglob("*.py"),
    ]
    found = [
        f"{path.relative_to(ROOT)}: {match[0]}"
        for path in places
        if path.name != "settings.py"
        for match in re.finditer(pattern, path.read_text("utf-8"))
    ]
    assert found == []
    assert re.search(pattern, (ROOT / "lecture_utils/settings.py").read_text("utf-8"))
