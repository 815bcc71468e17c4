"""Measurements the lecture notes skip: layer outputs, receptive fields, weight counts, shifts.

Each function computes from a real model (its `pipeline` of layers), so the numbers in the
notebooks follow the code; `network_plots` draws them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

from .training import evaluate

# (dx, dy): pixels to the right and down (negative: left or up); a plain int n means (n, 0).
Shift = int | tuple[int, int]


def _as_batch(model: nn.Module, image: torch.Tensor) -> torch.Tensor:
    """One image (1, H, W) or (H, W) as a batch of one, on the model's device and dtype."""
    parameter = next(model.parameters())
    return image.reshape(1, 1, *image.shape[-2:]).to(parameter.device, parameter.dtype)


def layer_outputs(model: nn.Module, image: torch.Tensor) -> list[torch.Tensor]:
    """Run one image (1, 28, 28) through `model.pipeline`, keeping every layer's output."""
    X = _as_batch(model, image)
    outputs = []
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for layer in model.pipeline:
                X = layer(X)
                outputs.append(X[0])
    finally:
        model.train(was_training)
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

    def window(self, row: int = 0, col: int = 0) -> tuple[slice, slice]:
        """The input rows and columns seen by output unit (row, col), cut to the image."""
        top, left = self.start + row * self.jump, self.start + col * self.jump
        return (
            slice(max(top, 0), top + self.size),
            slice(max(left, 0), left + self.size),
        )


def _square(value: int | tuple[int, ...], what: str, layer: nn.Module) -> int:
    """A layer's kernel size, stride, padding or dilation as one number (square layers only)."""
    values = (value,) * 2 if isinstance(value, int) else tuple(value)
    if len(set(values)) != 1 or not isinstance(values[0], int):
        raise ValueError(f"{layer} has a non-square or non-integer {what} {value}: not supported")
    return values[0]


def receptive_fields(model: nn.Module, image_size: int = 28) -> list[ReceptiveField]:
    """The receptive field after each layer of `model.pipeline` that keeps a (C, H, W) map.

    Each convolution or pooling window of k x k adds (k - 1) x jump pixels to the field, and
    its stride multiplies the jump; layers such as ReLU change neither. Stops at the first
    layer whose output is no longer a map (Flatten).
    """
    size, jump, start = 1, 1, 0
    X = torch.zeros(1, 1, image_size, image_size, device=next(model.parameters()).device)
    fields = []
    with torch.no_grad():
        for index, layer in enumerate(model.pipeline):
            X = layer(X)
            if X.dim() != 4:
                break
            if isinstance(layer, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d):
                kernel = _square(layer.kernel_size, "kernel size", layer)
                stride = _square(layer.stride, "stride", layer)
                padding = _square(layer.padding, "padding", layer)
                dilation = _square(getattr(layer, "dilation", 1), "dilation", layer)
                start -= padding * jump
                size += (kernel - 1) * dilation * jump
                jump *= stride
            elif X.shape[-1] != (fields[-1].output_size if fields else image_size):
                raise ValueError(f"cannot follow the receptive field through {layer}")
            fields.append(
                ReceptiveField(index, type(layer).__name__, size, jump, start, X.shape[-1])
            )
    return fields


def measured_receptive_field(
    model: nn.Module, layer: int, row: int = 0, col: int = 0, image_size: int = 28
) -> torch.Tensor:
    """The input pixels that output unit (row, col) of `layer` depends on, found by backprop.

    A copy of the model gets all weights and biases set to 1 (so every value stays positive
    and ReLU passes everything) and average instead of max pooling (which would pass the
    gradient to one pixel per window only): then no path cancels or is cut off, and a pixel's
    gradient is non-zero exactly when the unit depends on it. Returns an (image_size,
    image_size) boolean mask.
    """
    probe = copy.deepcopy(model).cpu().float()
    for index, part in enumerate(probe.pipeline):
        if isinstance(part, nn.MaxPool2d):
            options = {"stride": part.stride, "padding": part.padding}
            probe.pipeline[index] = nn.AvgPool2d(part.kernel_size, **options)
    with torch.no_grad():
        for parameter in probe.parameters():
            parameter.fill_(1.0)
    X = torch.ones(1, 1, image_size, image_size, requires_grad=True)
    probe.pipeline[: layer + 1](X)[0, 0, row, col].backward()
    return X.grad[0, 0] != 0


@dataclass(frozen=True)
class DenseEquivalent:
    """A convolution's parameters against a dense layer that maps the same input to the same output."""

    inputs: int  # input values (1 x 28 x 28 = 784 for an image)
    outputs: int  # output values (4 x 24 x 24 = 2,304 for SmallConvNet's convolution)
    conv_parameters: int  # the convolution's weights and biases
    dense_parameters: int  # inputs x outputs weights plus one bias per output


def dense_equivalent(
    conv: nn.Conv2d, input_shape: tuple[int, int, int] = (1, 28, 28)
) -> DenseEquivalent:
    """Count the parameters of `conv` and of a dense layer with the same input and output sizes."""
    weight = conv.weight
    with torch.no_grad():
        output = conv(torch.zeros(1, *input_shape, device=weight.device, dtype=weight.dtype))
    inputs, outputs = int(torch.Size(input_shape).numel()), output[0].numel()
    dense = nn.Linear(inputs, outputs, device="meta")  # counts without allocating the weights
    return DenseEquivalent(inputs, outputs, parameter_count(conv), parameter_count(dense))


def shift_images(X: torch.Tensor, dx: int, dy: int) -> torch.Tensor:
    """Move images (N, C, H, W) dx pixels right and dy pixels down; uncovered pixels become 0.

    Nothing wraps around: what leaves one edge is gone, and the other edge fills with black.
    """
    height, width = X.shape[-2:]
    shifted = torch.zeros_like(X)
    if abs(dx) >= width or abs(dy) >= height:
        return shifted
    rows_to = slice(max(dy, 0), height + min(dy, 0))
    rows_from = slice(max(-dy, 0), height + min(-dy, 0))
    cols_to = slice(max(dx, 0), width + min(dx, 0))
    cols_from = slice(max(-dx, 0), width + min(-dx, 0))
    shifted[..., rows_to, cols_to] = X[..., rows_from, cols_from]
    return shifted


def accuracy_under_shifts(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, shifts: Iterable[Shift]
) -> dict[Shift, float]:
    """The model's accuracy on `X` shifted by each of `shifts` (see `shift_images`), keyed by
    the shifts as given: `[0, 1, 2]` shift right; `[(0, 2), (-1, 1)]` also move down or left."""
    return {
        shift: evaluate(model, shift_images(X, *as_dx_dy(shift)), y).accuracy for shift in shifts
    }


def as_dx_dy(shift: Shift) -> tuple[int, int]:
    """A shift as (dx, dy): a plain number of pixels n is n to the right, (n, 0)."""
    return (shift, 0) if isinstance(shift, int) else (int(shift[0]), int(shift[1]))
