"""Exercises with checked answers: a student fills in a cell, and `check_exercise` says if it holds.

The checks compute the right answer from the lecture's own layers rather than storing it, accept
it in any reasonable form (a whole-number float, a NumPy or torch scalar, a list or a
`torch.Size` for a shape), and answer a wrong one with a hint about the likely mistake that never
gives the right answer away. The worked solutions live outside the notebooks, in
`notebooks/solutions/`. An unanswered exercise is reported as such and never raises, so the
notebooks run top to bottom as handed out.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

Check = Callable[[object], "str | None"]  # the hint for a wrong answer, None for a right one


class _Unanswered(Exception):
    """The answer cell still holds its placeholder."""


class _Wrong(Exception):
    """The answer cannot be right; the message says why, in words about the answer."""


def _number(value: object, what: str = "your answer") -> float:
    """`value` as a float: a Python, NumPy or torch number, or a tensor or array holding one."""
    if isinstance(value, str):
        raise _Wrong(f"{what} is text; write the number itself, without quotes")
    try:
        values = torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        raise _Wrong(f"{what} should be a number") from None
    if values.numel() != 1:
        raise _Wrong(f"{what} holds {values.numel()} numbers; give one")
    return values.item()


def _whole_number(value: object, what: str = "your answer") -> int:
    number = _number(value, what)
    if not number.is_integer():
        raise _Wrong(f"{what} should be a whole number, not {number}")
    return int(number)


def _three_numbers(value: object) -> tuple[int, ...]:
    """A shape given as a tuple, list, torch.Size, array or tensor of whole numbers."""
    if hasattr(value, "tolist"):  # a tensor or an array
        value = value.tolist()
    if not isinstance(value, tuple | list) or len(value) != 3:
        raise _Wrong("give three numbers: (channels, height, width)")
    return tuple(_whole_number(item, "each of the three numbers") for item in value)


def _call(function: object, args: tuple, when: str) -> object:
    """Call the student's function; None (an empty body) means not answered yet."""
    if not callable(function):
        raise _Wrong("give your function itself (its name, without brackets)")
    try:
        result = function(*args)
    except Exception as error:  # the student's code may fail in any way: say how, don't crash
        hint = f"your function raised an error {when}: {type(error).__name__}: {error}"
        if "Bool" in str(error):
            hint += ". A comparison gives True/False values: use .float() before averaging"
        raise _Wrong(hint) from None
    if result is None:
        raise _Unanswered("your function returns nothing yet")
    return result


# 02-parameters: the logistic regression of notebook 02 for 64 x 64 colour images.


def _linear(inputs: int, outputs: int, bias: bool = True) -> int:
    return sum(p.numel() for p in nn.Linear(inputs, outputs, bias=bias).parameters())


def _parameters_64x64_colour(answer: object) -> str | None:
    colour, grey, small = 3 * 64 * 64, 64 * 64, 28 * 28
    got = _whole_number(answer)
    if got == _linear(colour, 26):
        return None
    mistakes = {
        _linear(colour, 26, bias=False): "these are the weights alone: each letter also has a bias",
        _linear(grey, 26): "a colour pixel holds three values (red, green, blue), not one",
        _linear(grey, 26, bias=False): "a colour pixel holds three values, and each letter a bias",
        _linear(3 * small, 26): "that is the count for 28 x 28 images; these are 64 x 64",
        _linear(small, 26): "that is our model for 28 x 28 grey images; these are 64 x 64 colour",
        _linear(colour, 24): "the model keeps one output per letter, 26 of them",
        colour: "that is the number of input values; each one is connected to every letter",
        _linear(colour, 26, bias=False) + colour: "there is one bias per letter, not per input",
    }
    return mistakes.get(got, "count one weight per (input value, letter) pair, plus the biases")


# 02-accuracy: accuracy(scores, labels) on batches whose accuracies differ and lie in (0, 1).


def _accuracy_batches() -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(scores, labels) of three batches: 10 of 26, 5 of 20 and 24 of 40 images right.

    The first is square (26 images, 26 letters), so that an accuracy taken over the wrong axis
    runs on it, and is recognised, instead of raising.
    """
    generator = torch.Generator().manual_seed(1)
    batches = []
    for size, right in ((26, 10), (20, 5), (40, 24)):
        scores = torch.randn(size, 26, generator=generator)
        predicted = scores.argmax(dim=1)
        other = (predicted + torch.randint(1, 26, (size,), generator=generator)) % 26
        is_right = torch.randperm(size, generator=generator) < right
        batches.append((scores, torch.where(is_right, predicted, other)))
    return batches


def _result(answer: object, scores: torch.Tensor, labels: torch.Tensor) -> float:
    when = f"when called with a batch of {len(labels)} images (scores {tuple(scores.shape)})"
    result = _call(answer, (scores.clone(), labels.clone()), when)
    return _number(result, f"your function's result for a batch of {len(labels)} images")


def _accuracy(answer: object) -> str | None:
    batches = _accuracy_batches()
    for scores, labels in batches:  # stop at the first batch with a wrong result
        got = _result(answer, scores, labels)
        right = (scores.argmax(dim=1) == labels).sum().item()
        size = len(labels)
        if abs(got - right / size) > 1e-4:
            break
    else:
        return None

    def near(value: float) -> bool:  # the result on that batch is `value`
        return abs(got - value) <= 1e-4

    try:
        constant = len({round(_result(answer, *batch), 4) for batch in batches}) == 1
    except (_Wrong, _Unanswered):
        constant = False
    wrong_axis = (scores.argmax(dim=0) == labels).float().mean().item() if size == 26 else None
    if constant:
        return (
            "your function gives one value for batches whose accuracies differ; "
            "compute it from the scores and labels"
        )
    if near(right):
        return "this looks like a count of correct images; divide by the batch size"
    if near(100 * right / size):
        return "this looks like a percentage; give a share between 0 and 1"
    if near(right / 26):
        return "this looks like a count divided by the 26 letters; divide by the batch size"
    if near(1 - right / size):
        return "this looks like the share of wrong answers; count the right ones"
    if wrong_axis is not None and near(wrong_axis):
        return (
            "this looks like an accuracy over the wrong axis: each row of scores is one image, "
            "so take the largest score of each row (dim=1)"
        )
    if not 0 <= got <= 1:
        return f"an accuracy is a share between 0 and 1; your function gave {got:g}"
    return (
        f"on a batch of {size} images your function gave {got:.3f}, which is not the share "
        "of images whose highest score sits at the true label"
    )


# 03-stride: convolve_with_stride(image, kernel, stride), compared with F.conv2d.


def _conv(image: torch.Tensor, kernel: torch.Tensor, stride: int) -> torch.Tensor:
    return F.conv2d(image[None, None], kernel[None, None], stride=stride)[0, 0]


def _strided_convolution(answer: object) -> str | None:
    generator = torch.Generator().manual_seed(2)
    for rows, cols, k, stride in ((10, 11, 3, 2), (13, 10, 3, 3)):
        image = torch.randn(rows, cols, generator=generator)
        kernel = torch.randn(k, k, generator=generator)
        case = f"a {rows} x {cols} image, a {k} x {k} kernel and stride {stride}"
        got = _call(answer, (image.clone(), kernel.clone(), stride), f"for {case}")
        try:
            got = torch.as_tensor(got, dtype=torch.float32)
        except (TypeError, ValueError, RuntimeError):
            return "your function should return the output: a grid of numbers, rows x columns"
        expected = _conv(image, kernel, stride)
        if got.shape == expected.shape and torch.allclose(got, expected, atol=1e-4):
            continue
        for other in range(1, 5):
            output = _conv(image, kernel, other)
            if (
                other != stride
                and got.shape == output.shape
                and torch.allclose(got, output, atol=1e-4)
            ):
                return f"for {case} your output is that of stride {other}: use the stride given"
        if got.shape == expected.shape[::-1] and torch.allclose(got.T, expected, atol=1e-4):
            return "rows and columns are swapped: output row i should come from the image's rows"
        if got.dim() != 2:
            return "your function should return the output: a grid of numbers, rows x columns"
        if got.shape != expected.shape:
            return (
                f"for {case} your output has shape {tuple(got.shape)}; count the positions of "
                "the kernel's top-left corner: 0, stride, 2 x stride, ... while the kernel fits"
            )
        if torch.allclose(got, _conv(image, kernel.flip(0, 1), stride), atol=1e-4):
            return "you flipped the kernel; F.conv2d uses it as it is"
        return (
            f"the shape is right but the values differ from F.conv2d for {case}: output (i, j) "
            "is the patch starting at row i x stride, column j x stride, times the kernel"
        )
    return None


# 04-shape and 04-parameters: one nn.Conv2d(1, 8, 3) applied to a 1 x 28 x 28 image.


def _conv_output_shape(answer: object) -> str | None:
    if isinstance(answer, tuple | list | torch.Size) and len(answer) == 4:
        return "give the shape of one image's output, without the batch axis"
    got = _three_numbers(answer)
    channels, size, _ = expected = tuple(nn.Conv2d(1, 8, 3)(torch.zeros(1, 1, 28, 28)).shape[1:])
    if got == expected:
        return None
    mistakes = {
        (size, size, channels): "PyTorch puts the channels first: (channels, height, width)",
        (channels, 28, 28): "that would need padding; without it the kernel must fit wholly "
        "inside the image, so the output is smaller than the image",
        (channels, size - 1, size - 1): "count the positions where the kernel fits: a kernel "
        "3 pixels wide fits twice in 4 pixels",
        (channels, size - 2, size - 2): "that is the output of a 5 x 5 kernel; these are 3 x 3",
        (1, size, size): "each of the eight kernels gives its own output channel",
        (3, size, size): "the output channels are the kernels, Conv2d's second argument; "
        "the third is the kernel size",
    }
    if got in mistakes:
        return mistakes[got]
    if got[0] == channels:
        return "the channels are right; count the positions where a 3 x 3 kernel fits in 28 pixels"
    if got[1:] == expected[1:]:
        return "height and width are right; the output has one channel per kernel"
    return "one output channel per kernel; as many rows and columns as positions of the kernel"


def _conv_parameters(answer: object) -> str | None:
    got = _whole_number(answer)
    if got == sum(p.numel() for p in nn.Conv2d(1, 8, 3).parameters()):
        return None
    outputs = nn.Conv2d(1, 8, 3)(torch.zeros(1, 1, 28, 28)).numel()
    mistakes = {
        8 * 3 * 3: "these are the weights alone: each kernel also has a bias",
        8 * 3 * 3 + 1: "each kernel has its own bias, not one for the whole layer",
        8 * 5 * 5 + 8: "Conv2d(1, 8, 3) has 3 x 3 kernels: its last argument is the kernel size",
        8 * 5 * 5: "Conv2d(1, 8, 3) has 3 x 3 kernels: its last argument is the kernel size",
        4 * 5 * 5 + 4: "that is SmallConvNet's convolution; this one is Conv2d(1, 8, 3)",
        3 * 3 + 1: "that is one kernel with its bias; the layer has eight kernels",
        3 * 3: "that is one kernel's weights; the layer has eight kernels, each with a bias",
        8 * 3 + 8: "a 3 x 3 kernel has nine weights, not three",
        outputs: "that is the number of output values; a kernel's weights are shared by all "
        "positions, so the count does not depend on the image size",
    }
    return mistakes.get(got, "count one kernel's weights and its bias, times the kernels")


# 05-two-stages: make_model() builds a network from 1 x 28 x 28 to 16 x 5 x 5.


def _two_stage_model(answer: object) -> str | None:
    if isinstance(answer, nn.Module):
        model = answer
    else:
        model = _call(answer, (), "while building the model")
    if not isinstance(model, nn.Module):
        return "make_model should return the model it builds, e.g. an nn.Sequential"
    kinds = {type(layer) for layer in model.modules()}
    if nn.Conv2d not in kinds or nn.MaxPool2d not in kinds:
        return "use at least one Conv2d and one MaxPool2d"
    try:
        with torch.no_grad():
            output = model(torch.rand(2, 1, 28, 28))
    except Exception as error:  # the student's model may fail in any way: say how
        return f"your model raised an error on two 1 x 28 x 28 images: {error}"
    if not isinstance(output, torch.Tensor) or output.dim() != 4:
        return "the output should be feature maps (channels, height, width): no Flatten or Linear"
    if tuple(output.shape[1:]) != (16, 5, 5):
        return (
            f"one 1 x 28 x 28 image comes out as {tuple(output.shape[1:])}, not 16 maps of "
            "5 x 5: work out the size after each layer"
        )
    return None


# 06-receptive-field: the receptive field of a small network's last layer.


def _side(size: int | tuple[int, ...]) -> int:
    return size if isinstance(size, int) else size[0]


def _receptive_field(answer: object) -> str | None:
    got = _whole_number(answer)
    convs = [nn.Conv2d(1, 1, 3) for _ in range(3)]
    layers = (nn.Conv2d(1, 1, 3), nn.MaxPool2d(2, 2), *convs)
    size, jump = 1, 1
    for layer in layers:  # each adds (kernel size - 1) x jump; its stride multiplies the jump
        kernel, stride = _side(layer.kernel_size), _side(layer.stride)
        size, jump = size + (kernel - 1) * jump, jump * stride
    if got == size:
        return None
    mistakes = {
        9: "the pool counts too: it widens the field, and doubles the step for later layers",
        10: "after the stride-2 pool one step spans two image pixels, so each later 3 x 3 "
        "convolution adds twice as much",
        12: "that is the field after the first four layers: the last convolution adds to it too",
        15: "the pool itself adds (2 - 1) pixels before it doubles the step",
        18: "the pool doubles the step, not the field: it adds (2 - 1) pixels to the field",
        23: "a 3 x 3 layer adds 2 pixels times the step, not 3",
    }
    return mistakes.get(
        got, "start at 1 pixel; each layer adds (kernel size - 1) x the step of its input"
    )


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
        with torch.random.fork_rng(devices=[]):  # checking leaves the notebook's random state
            hint = CHECKS[name](answer)
    except _Unanswered as unanswered:
        detail = f" ({unanswered})" if str(unanswered) else ""
        print(f"Exercise {name}: not answered yet{detail}.")
        return None
    except _Wrong as wrong:
        hint = str(wrong)
    except Exception as error:  # an answer of a kind no check foresaw: say so, don't crash
        hint = f"this answer could not be checked ({error}); see the exercise for what it asks"
    print(f"Exercise {name}: " + ("correct!" if hint is None else f"not yet. Hint: {hint}"))
    return hint is None
