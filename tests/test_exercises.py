"""Every exercise has a check that accepts the right answer in any reasonable form and answers
plausible wrong ones with a hint that does not give the answer away; every solution passes it,
and the notebooks hold no solution."""

import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from lesson_cells import SOURCES, code_cells
from torch import nn

from lecture_utils.exercises import CHECKS, check_exercise

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "notebooks/solutions").glob("*.md"))
CALL = re.compile(r'check_exercise\("([\w-]+)"')


def _blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text("utf-8"), re.DOTALL)


def _exercises_in_notebooks() -> dict[str, str]:
    """Exercise name -> the notebook cell that checks it, for every notebook."""
    cells = {}
    for stem in sorted(path.name[:2] for path in SOURCES.glob("*.py")):
        for cell in code_cells(stem):
            for name in CALL.findall(cell):
                cells[name] = cell
    return cells


def test_every_exercise_a_notebook_names_has_a_check_and_every_check_is_named_by_a_notebook():
    assert set(_exercises_in_notebooks()) == set(CHECKS)


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


def test_an_unknown_exercise_name_is_an_error_that_lists_the_known_ones():
    with pytest.raises(KeyError, match="02-accuracy"):
        check_exercise("02-nonexistent", 1)


def _hint(name, answer, capsys):
    """The hint `check_exercise` prints for a wrong answer (and asserts that it is wrong)."""
    assert check_exercise(name, answer) is False
    out = capsys.readouterr().out
    assert out.startswith(f"Exercise {name}: not yet. Hint: ")
    return out.removeprefix(f"Exercise {name}: not yet. Hint: ").strip()


def _numbers_in(text):
    """Every number written in `text` (with or without thousands separators), with the
    largest difference that still rounds to it: ("0.385", 0.0005), ("319,514", 0.5)."""
    found = re.findall(r"\d{1,3}(?:[,\u202f' ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", text)
    numbers = [re.sub(r"[,\u202f' ]", "", number) for number in found]
    return [(float(number), 0.5 * 10.0 ** -len(number.partition(".")[2])) for number in numbers]


# What each check must not reveal: its expected value (for 02-accuracy, the share of each test
# batch, 10 of 26, 5 of 20 and 24 of 40, also as a percentage), or for 03-stride the shapes of
# its outputs. 05-two-stages is left out: its question states the expected output.
SECRET_NUMBERS = {
    "02-parameters": [319_514],
    "02-accuracy": [10 / 26, 0.25, 0.6, 1000 / 26, 25, 60],
    "04-shape": [26],
    "04-parameters": [80],
    "06-receptive-field": [16],
}
SECRET_TEXT = {"03-stride": ["(4, 5)", "4 x 5", "(4, 3)", "4 x 3", "4 rows", "5 columns"]}


def _gives_away(name, hint):
    numbers = _numbers_in(hint)
    return any(
        abs(number - secret) < precision and (secret > 1 or precision < 0.5)  # "0 and 1" is fine
        for secret in SECRET_NUMBERS.get(name, [])
        for number, precision in numbers
    ) or any(text in hint for text in SECRET_TEXT.get(name, []))


def test_the_give_away_test_finds_expected_values_in_any_notation():
    assert _gives_away("02-parameters", "the answer is 319,514")
    assert _gives_away("02-parameters", "the answer is 319514.")
    assert _gives_away("02-accuracy", "expected 0.385 on a test batch")
    assert _gives_away("02-accuracy", "expected 60.0%")
    assert _gives_away("04-shape", "eight maps of 26 x 26")
    assert _gives_away("03-stride", "should give (4, 5)")
    assert _gives_away("02-accuracy", "expected 0.38")
    assert not _gives_away("02-parameters", "a whole number, not 319514.5")
    assert not _gives_away("06-receptive-field", "a 3 x 3 kernel and a 2 x 2 pool")


def _accuracy(scores, labels):
    return (scores.argmax(dim=1) == labels).float().mean()


def _conv(image, kernel, stride=1):
    return F.conv2d(image[None, None], kernel[None, None], stride=stride)[0, 0]


def _loop_without_stride(image, kernel, stride):
    rows, cols = image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1
    output = torch.zeros(rows, cols)
    for i in range(rows):
        for j in range(cols):
            output[i, j] = (image[i : i + kernel.shape[0], j : j + kernel.shape[1]] * kernel).sum()
    return output


def _stride_but_patches_not_moved(image, kernel, stride):
    output = _conv(image, kernel, stride)
    k = kernel.shape[0]
    for i in range(output.shape[0]):
        for j in range(output.shape[1]):
            output[i, j] = (image[i : i + k, j : j + k] * kernel).sum()
    return output


def _rows_without_kernel_fit(image, kernel, stride):
    rows, cols = image.shape[0] // stride, image.shape[1] // stride
    output = torch.zeros(rows, cols)
    for i in range(rows):
        for j in range(cols):
            patch = image[i * stride : i * stride + 3, j * stride : j * stride + 3]
            output[i, j] = (patch * kernel).sum()
    return output


def _two_stages(*layers):
    return lambda: nn.Sequential(*layers)


WRONG = {
    "02-parameters": [
        (3 * 64 * 64 * 26, "each letter also has a bias"),
        (64 * 64 * 26 + 26, "a colour pixel holds three values"),
        (28 * 28 * 26 + 26, "28 x 28 grey images"),
        (1000, "count one weight per (input value, letter) pair"),
        (319_514.5, "a whole number"),
        ("319514", "without quotes"),
        ([3 * 64 * 64, 26], "holds 2 numbers"),
    ],
    "02-accuracy": [
        (
            lambda scores, labels: (scores.argmax(dim=1) == labels).sum(),
            "this looks like a count of correct images; divide by the batch size",
        ),
        (
            lambda scores, labels: _accuracy(scores, labels) * 100,
            "this looks like a percentage; give a share between 0 and 1",
        ),
        (
            lambda scores, labels: (scores.argmax(dim=0) == labels).float().mean(),
            "this looks like an accuracy over the wrong axis",
        ),
        (lambda scores, labels: (scores.argmax(dim=1) == labels).float(), "holds 26 numbers"),
        (
            lambda scores, labels: (scores.argmax(dim=1) == labels).mean(),
            ".float() before averaging",
        ),
        (lambda scores, labels: _accuracy(scores, labels) * 3, "which is not the share"),
        (lambda scores, labels: _accuracy(scores, labels) + 0.1, "which is not the share"),
        (lambda scores, labels: 0.5, "which is not the share"),
        (lambda scores, labels: 1 / 0, "raised an error when called with a batch of 26 images"),
        (0.5, "give your function itself"),
    ],
    "03-stride": [
        (_loop_without_stride, "has shape (8, 9); count the positions"),
        (lambda image, kernel, stride: _conv(image, kernel, 2), "stride 3 your output has shape"),
        (lambda image, kernel, stride: _conv(image, kernel, stride).T, "has shape (5, 4)"),
        (
            lambda image, kernel, stride: _conv(image, kernel.flip(0, 1), stride),
            "the shape is right but the values differ",
        ),
        (_stride_but_patches_not_moved, "the shape is right but the values differ"),
        (
            lambda image, kernel, stride: _conv(image, kernel, stride)[:-1, :-1],
            "count the positions",
        ),
        (_rows_without_kernel_fit, "raised an error for a 10 x 11 image"),
        (lambda image, kernel, stride: _conv(image, kernel, stride).sum(), "a grid of numbers"),
        (lambda image, kernel, stride: "done", "a grid of numbers"),
    ],
    "04-shape": [
        ((26, 26, 8), "channels first"),
        ((8, 26), "give three numbers: (channels, height, width)"),
        ((8, 28, 28), "that would need padding"),
        ((8, 25, 25), "count the kernel's positions"),
        ((1, 8, 26, 26), "without the batch axis"),
        ((8, 27, 27), "one output channel per kernel"),
        ((2, 2, 2), "one output channel per kernel"),
        (8 * 26 * 26, "give three numbers: (channels, height, width)"),
        ("(8, 26, 26)", "give three numbers"),
        ((8, 26.5, 26), "a whole number"),
    ],
    "04-parameters": [
        (72, "each kernel also has a bias"),
        (10, "the layer has eight kernels"),
        (8 * 26 * 26, "these are the output values"),
        (100, "count one kernel's weights and its bias"),
        (72.5, "a whole number"),
    ],
    "05-two-stages": [
        (_two_stages(nn.Conv2d(1, 16, 24)), "use at least one Conv2d and one MaxPool2d"),
        (_two_stages(nn.MaxPool2d(2), nn.Flatten()), "use at least one Conv2d and one MaxPool2d"),
        (_two_stages(nn.Conv2d(1, 16, 5), nn.MaxPool2d(2)), "comes out as (16, 12, 12)"),
        (
            _two_stages(nn.Conv2d(1, 8, 5), nn.MaxPool2d(2), nn.Conv2d(8, 8, 3), nn.MaxPool2d(2)),
            "comes out as (8, 5, 5)",
        ),
        (
            _two_stages(nn.Conv2d(1, 8, 5), nn.MaxPool2d(2), nn.Conv2d(4, 16, 3), nn.MaxPool2d(2)),
            "your model raised an error on two 1 x 28 x 28 images",
        ),
        (
            _two_stages(
                nn.Conv2d(1, 8, 5),
                nn.MaxPool2d(2),
                nn.Conv2d(8, 16, 3),
                nn.MaxPool2d(2),
                nn.Flatten(),
            ),
            "no Flatten or Linear",
        ),
        (lambda: nn.Conv2d(1, 16), "raised an error building the model"),
        (lambda: nn.Sequential, "should return the model it builds"),
    ],
    "06-receptive-field": [
        (9, "the pool counts too"),
        (10, "later 3 x 3 layers add twice as much"),
        (18, "the pool doubles the step, not the field"),
        (6, "each layer adds (kernel size - 1) x the step of its input"),
        (16.5, "a whole number"),
        ("16", "without quotes"),
        ((16, 16), "holds 2 numbers; give one"),
    ],
}


def _solution_model():
    return nn.Sequential(
        nn.Conv2d(1, 8, 5), nn.MaxPool2d(2, 2), nn.ReLU(), nn.Conv2d(8, 16, 3), nn.MaxPool2d(2, 2)
    )


RIGHT = {
    "02-parameters": [
        3 * 64 * 64 * 26 + 26,
        319_514.0,
        np.int64(319_514),
        np.float32(319_514),
        torch.tensor(319_514),
        sum(p.numel() for p in nn.Linear(3 * 64 * 64, 26).parameters()),
    ],
    "02-accuracy": [
        _accuracy,
        lambda scores, labels: _accuracy(scores, labels).item(),
        lambda scores, labels: (scores.argmax(dim=1) == labels).sum() / len(labels),
        lambda scores, labels: (scores.argmax(1) == labels).sum().item() / labels.shape[0],
        lambda scores, labels: np.float64(_accuracy(scores, labels).numpy()),
        lambda scores, labels: (scores.argmax(dim=-1) == labels).double().mean(),
    ],
    "03-stride": [
        lambda image, kernel, stride: _conv(image, kernel, stride),
        lambda image, kernel, stride: _conv(image, kernel)[::stride, ::stride],
        lambda image, kernel, stride: _conv(image, kernel, stride).tolist(),
        lambda image, kernel, stride: _conv(image, kernel, stride).double().numpy(),
    ],
    "04-shape": [
        (8, 26, 26),
        [8, 26, 26],
        (8.0, 26.0, 26.0),
        torch.Size([8, 26, 26]),
        nn.Conv2d(1, 8, 3)(torch.zeros(1, 1, 28, 28)).shape[1:],
        np.array([8, 26, 26]),
        torch.tensor([8, 26, 26]),
        (np.int64(8), 26, 26),
    ],
    "04-parameters": [80, 80.0, np.int64(80), torch.tensor(80), torch.tensor([80.0])],
    "05-two-stages": [
        _solution_model,
        _solution_model(),
        _two_stages(nn.Conv2d(1, 16, 3), nn.MaxPool2d(5)),
        _two_stages(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(5), nn.AvgPool2d(1, 1)),
    ],
    "06-receptive-field": [16, 16.0, np.int64(16), np.float64(16), torch.tensor(16)],
}

WRONG_CASES = [
    pytest.param(name, answer, fragment, id=f"{name}-{index}")
    for name, cases in WRONG.items()
    for index, (answer, fragment) in enumerate(cases)
]
RIGHT_CASES = [
    pytest.param(name, answer, id=f"{name}-{index}")
    for name, answers in RIGHT.items()
    for index, answer in enumerate(answers)
]


def test_every_exercise_has_right_and_wrong_answers_listed():
    assert set(WRONG) == set(RIGHT) == set(CHECKS)


@pytest.mark.parametrize(("name", "answer", "fragment"), WRONG_CASES)
def test_a_plausible_wrong_answer_gets_a_hint_about_it_that_keeps_the_answer_secret(
    name, answer, fragment, capsys
):
    hint = _hint(name, answer, capsys)
    assert fragment in hint
    assert not _gives_away(name, hint), hint
    if "raised an error" not in hint:  # the student's own error may name Python's types
        assert not re.search(r"Error|object|iterable|NoneType|'(int|float|str)'", hint), hint


@pytest.mark.parametrize(("name", "answer"), RIGHT_CASES)
def test_the_right_answer_is_accepted_in_any_reasonable_form(name, answer, capsys):
    assert check_exercise(name, answer) is True, capsys.readouterr().out
    assert capsys.readouterr().out == f"Exercise {name}: correct!\n"


def test_the_accuracy_batches_differ_and_lie_strictly_between_0_and_1(capsys):
    calls = []

    def recording(scores, labels):
        calls.append(_accuracy(scores, labels).item())
        return _accuracy(scores, labels)

    assert check_exercise("02-accuracy", recording) is True
    assert len(calls) >= 3 and len(set(calls)) == len(calls)
    assert all(0 < accuracy < 1 for accuracy in calls)


def test_a_function_with_an_empty_body_is_not_answered_yet(capsys):
    def accuracy(scores, labels):
        """Fraction of rows of `scores` whose largest entry sits at the true label."""
        ...  # your code here

    assert check_exercise("02-accuracy", accuracy) is None
    assert "not answered yet" in capsys.readouterr().out


def test_checking_an_answer_leaves_the_random_state_of_the_notebook_alone(capsys):
    answers = {name: answers[0] for name, answers in RIGHT.items()}
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    for name, answer in answers.items():
        check_exercise(name, answer)
    assert torch.equal(torch.rand(3), expected)
