"""Exercises with checked answers: each check accepts the answer in any reasonable form and meets
a likely mistake with a hint that never gives the answer away (see `notebooks/solutions/`)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .analysis import parameter_count, receptive_fields


class _Unanswered(Exception):
    """The answer cell still holds its placeholder."""


class _Wrong(Exception):
    """The answer cannot be right; the message is the hint."""


def _number(value: object, what: str = "your answer", whole: bool = True) -> float:
    """`value` as a number: a Python, NumPy or torch number, or a tensor or array holding one."""
    try:
        values = torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        raise _Wrong(f"{what} should be a number, without quotes") from None
    if values.numel() != 1:
        raise _Wrong(f"{what} holds {values.numel()} numbers; give one")
    if whole and not values.item().is_integer():
        raise _Wrong(f"{what} should be a whole number, not {values.item()}")
    return values.item()


def _call(function: object, args: tuple, when: str) -> object:
    """Call the student's function; a result of None (an empty body) means not answered yet."""
    if not callable(function):
        raise _Wrong("give your function itself (its name, without brackets)")
    try:
        result = function(*args)
    except Exception as error:  # the student's code may fail in any way: say how, don't crash
        hint = f"your function raised an error {when}: {type(error).__name__}: {error}"
        if "Bool" in str(error):  # e.g. the mean of a comparison's True/False values
            hint += ". Turn True/False into numbers with .float() before averaging"
        raise _Wrong(hint) from None
    if result is None:
        raise _Unanswered("your function returns nothing yet")
    return result


def _parameters_64x64_colour(answer: object) -> str | None:
    """02-parameters: notebook 02's logistic regression for 64 x 64 colour images."""
    colour, grey, small = 3 * 64 * 64, 64 * 64, 28 * 28
    got, expected = _number(answer), parameter_count(nn.Linear(colour, 26, device="meta"))
    mistakes = {
        colour * 26: "these are the weights alone: each letter also has a bias",
        grey * 26 + 26: "a colour pixel holds three values (red, green, blue), not one",
        small * 26 + 26: "that is our model for 28 x 28 grey images; these are 64 x 64 colour",
    }
    otherwise = "count one weight per (input value, letter) pair, plus the biases"
    return None if got == expected else mistakes.get(got, otherwise)


def _accuracy(answer: object) -> str | None:
    """02-accuracy: accuracy(scores, labels) on batches; the first is square, for the wrong axis."""
    generator = torch.Generator().manual_seed(1)
    for size, right in ((26, 10), (20, 5), (40, 24)):
        scores = torch.randn(size, 26, generator=generator)
        predicted = scores.argmax(dim=1)
        other = (predicted + torch.randint(1, 26, (size,), generator=generator)) % 26
        labels = torch.where(torch.randperm(size, generator=generator) < right, predicted, other)
        when = f"when called with a batch of {size} images (scores {tuple(scores.shape)})"
        result = _call(answer, (scores.clone(), labels.clone()), when)
        got = _number(result, f"your result for a batch of {size} images", whole=False)
        if abs(got - right / size) <= 1e-4:
            continue
        if abs(got - right) <= 1e-4:
            return "this looks like a count of correct images; divide by the batch size"
        if abs(got - 100 * right / size) <= 1e-4:
            return "this looks like a percentage; give a share between 0 and 1"
        if size == 26:  # a square batch: rows and columns can be mixed up
            wrong_axis = (scores.argmax(dim=0) == labels).float().mean().item()
            if abs(got - wrong_axis) <= 1e-4:
                return (
                    "this looks like an accuracy over the wrong axis: each row of scores is one "
                    "image, so take the largest score of each row (dim=1)"
                )
        return (
            f"on a batch of {size} images your function gave {got:.3f}, which is not the share "
            "of images whose highest score sits at the true label"
        )
    return None


def _strided_convolution(answer: object) -> str | None:
    """03-stride: convolve_with_stride(image, kernel, stride), compared with F.conv2d."""
    generator = torch.Generator().manual_seed(2)
    for rows, cols, stride in ((10, 11, 2), (13, 10, 3)):
        image = torch.randn(rows, cols, generator=generator)
        kernel = torch.randn(3, 3, generator=generator)
        case = f"a {rows} x {cols} image, a 3 x 3 kernel and stride {stride}"
        got = _call(answer, (image.clone(), kernel.clone(), stride), f"for {case}")
        try:
            got = torch.as_tensor(got, dtype=torch.float32)
        except (TypeError, ValueError, RuntimeError):
            got = torch.zeros(())
        if got.dim() != 2:
            return "your function should return the output: a grid of numbers, rows x columns"
        expected = F.conv2d(image[None, None], kernel[None, None], stride=stride)[0, 0]
        if got.shape != expected.shape:
            return (
                f"for {case} your output has shape {tuple(got.shape)}; count the positions of "
                "the kernel's top-left corner: 0, stride, 2 x stride, ... while the kernel fits"
            )
        if not torch.allclose(got, expected, atol=1e-4):
            return (
                f"the shape is right but the values differ from F.conv2d for {case}: output (i, j) "
                "is the patch starting at row i x stride, column j x stride, times the kernel"
            )
    return None


def _conv_output_shape(answer: object) -> str | None:
    """04-shape: the output shape of nn.Conv2d(1, 8, 3) for one 1 x 28 x 28 image."""
    if hasattr(answer, "tolist"):  # a tensor or an array
        answer = answer.tolist()
    if isinstance(answer, tuple | list) and len(answer) == 4:
        return "give the shape of one image's output, without the batch axis"
    if not isinstance(answer, tuple | list) or len(answer) != 3:
        return "give three numbers: (channels, height, width)"
    got = tuple(_number(item, "each of the three numbers") for item in answer)
    c, n, _ = expected = tuple(nn.Conv2d(1, 8, 3)(torch.zeros(1, 1, 28, 28)).shape[1:])
    mistakes = {  # c channels of n x n
        (n, n, c): "PyTorch puts the channels first: (channels, height, width)",
        (c, 28, 28): "that would need padding: without it the kernel must fit inside the image",
        (c, n - 1, n - 1): "count the kernel's positions: a 3-pixel kernel fits twice in 4",
    }
    otherwise = "one output channel per kernel; as many rows and columns as kernel positions"
    return None if got == expected else mistakes.get(got, otherwise)


def _conv_parameters(answer: object) -> str | None:
    """04-parameters: the weights and biases of nn.Conv2d(1, 8, 3)."""
    got, expected = _number(answer), parameter_count(nn.Conv2d(1, 8, 3, device="meta"))
    mistakes = {
        8 * 3 * 3: "these are the weights alone: each kernel also has a bias",
        3 * 3 + 1: "that is one kernel with its bias; the layer has eight kernels",
        8 * 26 * 26: "these are the output values; a kernel's weights are shared by all positions",
    }
    otherwise = "count one kernel's weights and its bias, times the kernels"
    return None if got == expected else mistakes.get(got, otherwise)


def _two_stage_model(answer: object) -> str | None:
    """05-two-stages: make_model() builds a network from 1 x 28 x 28 to 16 x 5 x 5."""
    model = answer if isinstance(answer, nn.Module) else _call(answer, (), "building the model")
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
        return f"an image comes out as {tuple(output.shape[1:])}: work out each layer's output size"
    return None


def _receptive_field(answer: object) -> str | None:
    """06-receptive-field: the field of the last layer of Conv 3, MaxPool 2, 3 x Conv 3."""
    network = nn.Module()
    convs = [nn.Conv2d(1, 1, 3) for _ in range(3)]
    network.pipeline = nn.Sequential(nn.Conv2d(1, 1, 3), nn.MaxPool2d(2, 2), *convs)
    got, expected = _number(answer), receptive_fields(network)[-1].size
    mistakes = {
        9: "the pool counts too: it widens the field, and doubles the step for later layers",
        10: "after the stride-2 pool a step spans 2 pixels: later 3 x 3 layers add twice as much",
        18: "the pool doubles the step, not the field: it adds (2 - 1) pixels to the field",
    }
    otherwise = "start at 1 pixel; each layer adds (kernel size - 1) x the step of its input"
    return None if got == expected else mistakes.get(got, otherwise)


CHECKS: dict[str, Callable[[object], str | None]] = {
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
