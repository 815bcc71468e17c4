"""Measurements the lecture notes skip: layer outputs, receptive fields, weight counts, shifts,
each computed from a real model's `pipeline`, so the numbers in the notebooks follow the code."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torchsummary import summary as _torchsummary

from .data.dataset import IMAGE_SIZE
from .training import evaluate

# (dx, dy): pixels to the right and down (negative: left or up); a plain int n means (n, 0).
Shift = int | tuple[int, int]


def summary(model: nn.Module, input_size: tuple[int, ...] = (1, IMAGE_SIZE, IMAGE_SIZE)) -> None:
    """Print torchsummary's table of layers, output shapes and parameter counts (of a CPU copy)."""
    _torchsummary(copy.deepcopy(model).cpu().float(), input_size, device="cpu")


def layer_outputs(model: nn.Module, image: torch.Tensor) -> list[torch.Tensor]:
    """Run one image (1, 28, 28) through `model.pipeline`, keeping every layer's output."""
    parameter = next(model.parameters())
    X = image.reshape(1, 1, *image.shape[-2:]).to(parameter.device, parameter.dtype)
    outputs = []
    with torch.no_grad():
        for layer in model.pipeline:
            X = layer(X)
            outputs.append(X[0])
    return outputs


def parameter_count(model: nn.Module) -> int:
    """How many numbers training adjusts in `model` (weights and biases)."""
    return sum(parameter.numel() for parameter in model.parameters())


@dataclass(frozen=True)
class ReceptiveField:
    """Which input pixels one output unit of a layer depends on."""

    layer: int  # index in `model.pipeline`
    name: str  # the layer's class, e.g. "Conv2d"
    size: int  # side of the square of input pixels that one unit sees
    jump: int  # input pixels between the windows of neighbouring units (the product of strides)
    start: int  # input row (and column) where the window of unit (0, 0) starts; < 0 with padding
    output_size: int  # side of the layer's output map


def _side(layer: nn.Module, what: str) -> int:
    """A square layer's kernel_size, stride, padding or dilation (Conv2d keeps them as pairs)."""
    value = getattr(layer, what, 1)
    (side,) = {value} if isinstance(value, int) else set(value)  # a ValueError if not square
    return side


def receptive_fields(model: nn.Module, image_size: int = IMAGE_SIZE) -> list[ReceptiveField]:
    """The receptive field after each layer of `model.pipeline` up to Flatten: a k x k window
    adds (k - 1) x jump pixels to it and its stride multiplies the jump; a ReLU changes neither."""
    size, jump, start = 1, 1, 0
    X = torch.zeros(1, 1, image_size, image_size, device=next(model.parameters()).device)
    fields = []
    with torch.no_grad():
        for index, layer in enumerate(model.pipeline):
            X = layer(X)
            if X.dim() != 4:
                break
            if isinstance(layer, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d):
                start -= _side(layer, "padding") * jump
                size += (_side(layer, "kernel_size") - 1) * _side(layer, "dilation") * jump
                jump *= _side(layer, "stride")
            name = type(layer).__name__
            fields.append(ReceptiveField(index, name, size, jump, start, X.shape[-1]))
    return fields


@dataclass(frozen=True)
class DenseEquivalent:
    """A convolution's parameters against a dense layer with the same input and output."""

    inputs: int  # input values (1 x 28 x 28 = 784 for an image)
    outputs: int  # output values (4 x 24 x 24 = 2,304 for SmallConvNet's convolution)
    conv_parameters: int  # the convolution's weights and biases
    dense_parameters: int  # inputs x outputs weights plus one bias per output


def dense_equivalent(conv: nn.Conv2d) -> DenseEquivalent:
    """Count the parameters of `conv` and of a dense layer with the same input and output sizes."""
    image = torch.zeros(1, conv.in_channels, IMAGE_SIZE, IMAGE_SIZE).to(conv.weight)
    with torch.no_grad():
        inputs, outputs = image.numel(), conv(image).numel()
    return DenseEquivalent(inputs, outputs, parameter_count(conv), inputs * outputs + outputs)


def shift_images(X: torch.Tensor, dx: int, dy: int) -> torch.Tensor:
    """Move images (N, C, H, W) dx pixels right and dy down; uncovered pixels are 0, none wrap."""
    height, width = X.shape[-2:]
    dx, dy = max(-width, min(dx, width)), max(-height, min(dy, height))
    return F.pad(X, (dx, -dx, dy, -dy))  # pads one side and cuts as much off the other


def accuracy_under_shifts(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, shifts: Iterable[Shift]
) -> dict[Shift, float]:
    """The model's accuracy on `X` shifted by each of `shifts`, keyed by the shifts as given."""
    return {
        shift: evaluate(model, shift_images(X, *as_dx_dy(shift)), y).accuracy for shift in shifts
    }


def as_dx_dy(shift: Shift) -> tuple[int, int]:
    """A shift as (dx, dy): a plain number of pixels n is n to the right, (n, 0)."""
    return (shift, 0) if isinstance(shift, int) else (int(shift[0]), int(shift[1]))
