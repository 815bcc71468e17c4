"""Exercises with checked answers: a student fills in a cell, and `check_exercise` says if it holds.

The checks compute the right answer from the lecture's own code rather than storing it; the
worked solutions live outside the notebooks, in `notebooks/solutions/`. An unanswered exercise
is reported as such and never raises, so the notebooks run top to bottom as handed out.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

Check = Callable[[object], tuple[bool, str]]


def _accuracy(answer: object) -> tuple[bool, str]:
    torch.manual_seed(1)
    scores, labels = torch.randn(50, 26), torch.randint(0, 26, (50,))
    expected = (scores.argmax(dim=1) == labels).float().mean().item()
    got = answer(scores, labels)
    if got is None:
        raise _Unanswered
    return abs(float(got) - expected) < 1e-6, f"expected {expected:.3f} on a test batch, got {got}"


def _parameters_64x64_colour(answer: object) -> tuple[bool, str]:
    expected = sum(p.numel() for p in nn.Linear(3 * 64 * 64, 26).parameters())
    return answer == expected, "count one weight per input value and letter, plus the biases"


def _strided_convolution(answer: object) -> tuple[bool, str]:
    torch.manual_seed(2)
    image, kernel = torch.randn(9, 11), torch.randn(3, 3)
    got = answer(image, kernel, 2)
    if got is None:
        raise _Unanswered
    expected = F.conv2d(image[None, None], kernel[None, None], stride=2)[0, 0]
    if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
        shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
        return (
            False,
            f"a 9 x 11 image, 3 x 3 kernel, stride 2 give {tuple(expected.shape)}; got {shape}",
        )
    return torch.allclose(got, expected, atol=1e-5), "values differ from F.conv2d(..., stride=2)"


def _conv_output_shape(answer: object) -> tuple[bool, str]:
    expected = tuple(nn.Conv2d(1, 8, 3)(torch.zeros(1, 1, 28, 28)).shape[1:])
    return tuple(answer) == expected, "(channels, height, width) of one image's output"


def _conv_parameters(answer: object) -> tuple[bool, str]:
    expected = sum(p.numel() for p in nn.Conv2d(1, 8, 3).parameters())
    return answer == expected, "eight 3 x 3 kernels, each with a bias"


def _two_stage_model(answer: object) -> tuple[bool, str]:
    model = answer()
    if model is None:
        raise _Unanswered
    kinds = {type(layer) for layer in model.modules()}
    if not {nn.Conv2d, nn.MaxPool2d} <= kinds:
        return False, "use at least one Conv2d and one MaxPool2d"
    shape = tuple(model(torch.zeros(1, 1, 28, 28)).shape[1:])
    return shape == (16, 5, 5), f"one 1 x 28 x 28 image should come out as (16, 5, 5); got {shape}"


def _receptive_field(answer: object) -> tuple[bool, str]:
    # Conv 5x5 -> 5 pixels; 2x2 pool -> 6; a 3x3 conv on a grid twice as coarse -> 6 + 2*2.
    return answer == 10, "add (kernel size - 1) x (the stride so far) for each layer"


class _Unanswered(Exception):
    """The answer cell still holds its placeholder."""


CHECKS: dict[str, Check] = {
    "02-accuracy": _accuracy,
    "02-parameters": _parameters_64x64_colour,
    "03-stride": _strided_convolution,
    "04-shape": _conv_output_shape,
    "04-parameters": _conv_parameters,
    "05-two-stages": _two_stage_model,
    "06-receptive-field": _receptive_field,
}


def check_exercise(name: str, answer: object) -> bool | None:
    """Print whether `answer` solves exercise `name`: True, False, or None if not answered yet."""
    if name not in CHECKS:
        raise KeyError(f"no exercise called {name!r}; known: {', '.join(CHECKS)}")
    try:
        if answer is None:
            raise _Unanswered
        correct, hint = CHECKS[name](answer)
    except _Unanswered:
        print(f"Exercise {name}: not answered yet.")
        return None
    except Exception as error:  # a student's code may fail in any way: say how, don't crash
        correct, hint = False, f"your answer raised {type(error).__name__}: {error}"
    print(f"Exercise {name}: " + ("correct!" if correct else f"not yet. Hint: {hint}"))
    return correct
