"""Figures that look inside the networks: kernels, feature maps, receptive fields, shifts.

Like `plotting`, each function returns a matplotlib Figure made without pyplot, and figures
drawn from the synthetic stand-in say so in a footnote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.ticker as mtick
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import nn

from .analysis import (
    DenseEquivalent,
    Shift,
    as_dx_dy,
    layer_outputs,
    receptive_fields,
    shift_images,
)
from .kernels import apply_kernels
from .plotting import TRAIN_COLOR, VAL_COLOR, _figure, _subplots, mark_data_source, to_numpy


def _no_ticks(axes: np.ndarray) -> None:
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])


def plot_layer_features(
    model: nn.Module,
    image: torch.Tensor,
    layers: Sequence[int] = (0, 1, 3, 4),
    channels: Sequence[int] = (0, 1, 2),
) -> Figure:
    """Feature maps of one image after the chosen layers of `model.pipeline` (columns).

    Each panel names its own layer and channel: channel 0 of one convolution and channel 0 of
    the next are different features, so the rows are not labelled as if they were the same.
    """
    outputs = layer_outputs(model, image)
    fig, axes = _subplots(
        len(channels), len(layers), figsize=(2.5 * len(layers), 2.5 * len(channels)), squeeze=False
    )
    for col, layer in enumerate(layers):
        output = outputs[layer]
        name = type(model.pipeline[layer]).__name__
        axes[0, col].set_title(f"Layer {layer}: {name}\n{output.shape[0]} channels")
        for row, channel in enumerate(channels):
            axes[row, col].imshow(to_numpy(output[channel]), cmap="viridis")
            axes[row, col].set_xlabel(f"layer {layer}, channel {channel}", fontsize=8)
    _no_ticks(axes)
    fig.tight_layout()
    return mark_data_source(fig)


def _kernel_stack(kernels: torch.Tensor) -> torch.Tensor:
    """Kernels as (K, k, k): accepts a Conv2d weight (K, 1, k, k) with one input channel."""
    if kernels.dim() == 4 and kernels.shape[1] == 1:
        kernels = kernels[:, 0]
    if kernels.dim() != 3:
        raise ValueError(
            f"kernels must be (K, k, k) or a one-channel Conv2d weight (K, 1, k, k); got {tuple(kernels.shape)}"
        )
    return kernels.detach()


def strongest_kernels(kernels: torch.Tensor, count: int) -> list[int]:
    """Indices of the `count` kernels with the largest weights (Euclidean norm), largest first."""
    norms = _kernel_stack(kernels).flatten(1).norm(dim=1)
    return norms.argsort(descending=True)[:count].tolist()


def _show_signed(ax, values: np.ndarray) -> None:
    """Red for positive, blue for negative, white for zero, scaled to this array's largest value."""
    limit = max(float(np.abs(values).max()), 1e-12)
    ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")


def plot_kernel_comparison(
    image: torch.Tensor,
    named_kernel_sets: Mapping[str, torch.Tensor],
    *,
    labels: Mapping[str, Sequence[str]] | None = None,
    max_kernels: int = 8,
) -> Figure:
    """Each set of kernels in one row and, below it, the feature maps they make of `image`.

    A set with more than `max_kernels` kernels (the ConvNet's 100) shows the ones with the
    largest weights. Kernels are red where positive and blue where negative; feature maps
    are computed without the layers' biases, which only shift a map's values.
    """
    labels = labels or {}
    image = image.reshape(1, 1, *image.shape[-2:]).detach().float().cpu()
    sets = {
        name: _kernel_stack(kernels).float().cpu() for name, kernels in named_kernel_sets.items()
    }
    cols = max(min(len(kernels), max_kernels) for kernels in sets.values())
    fig, axes = _subplots(
        1 + 2 * len(sets),
        cols,
        figsize=(1.4 * cols + 0.6, 1.45 * (1 + 2 * len(sets))),
        squeeze=False,
    )
    axes[0, 0].imshow(to_numpy(image[0, 0]), cmap="Greys_r", interpolation="nearest")
    axes[0, 0].set_title("Input image")
    for ax in axes[0, 1:]:
        ax.axis("off")
    for row, (name, kernels) in enumerate(sets.items(), start=1):
        kernel_axes, map_axes = axes[2 * row - 1], axes[2 * row]
        chosen = strongest_kernels(kernels, max_kernels) if len(kernels) > max_kernels else None
        indices = chosen or list(range(len(kernels)))
        maps = to_numpy(apply_kernels(image, kernels[indices])[0])
        names = labels.get(name) or [f"#{index}" for index in range(len(kernels))]
        for col, index in enumerate(indices):
            _show_signed(kernel_axes[col], to_numpy(kernels[index]))
            kernel_axes[col].set_title(names[index], fontsize=8)
            map_axes[col].imshow(maps[col], cmap="viridis", interpolation="nearest")
        for ax in (*kernel_axes[len(indices) :], *map_axes[len(indices) :]):
            ax.axis("off")
        shown = f"{len(indices)} of {len(kernels)}, largest weights" if chosen else "kernels"
        kernel_axes[0].set_ylabel(f"{name}\n({shown})", fontsize=8)
        map_axes[0].set_ylabel("feature maps", fontsize=8)
    _no_ticks(axes)
    fig.tight_layout()
    return mark_data_source(fig)


def plot_kernel_grid(kernels: torch.Tensor, *, cols: int = 10, title: str | None = None) -> Figure:
    """All kernels of a layer in a grid (red positive, blue negative), numbered by channel."""
    kernels = to_numpy(_kernel_stack(kernels).float())
    rows = -(-len(kernels) // cols)
    fig, axes = _subplots(rows, cols, figsize=(0.9 * cols, 0.95 * rows + 0.4), squeeze=False)
    for index, ax in enumerate(axes.flat):
        if index < len(kernels):
            _show_signed(ax, kernels[index])
            ax.set_title(str(index), fontsize=7, pad=2)
        else:
            ax.axis("off")
    _no_ticks(axes)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return mark_data_source(fig)  # learned kernels come from the data


def plot_receptive_fields(
    model: nn.Module, image: torch.Tensor, layers: Sequence[int] | None = None
) -> Figure:
    """The input square that one output unit sees after each of `layers` of `model.pipeline`
    (by default each pooling layer, or each convolution when there is no pooling), on `image`.

    The box is the field of output unit (0, 0); dots mark where the other units' fields
    start. Pixels outside every unit's field never reach the next stage.
    """
    fields = receptive_fields(model, image.shape[-1])
    if layers is None:
        pools = [f for f in fields if f.name.endswith("Pool2d")]
        stages = pools or [f for f in fields if f.name == "Conv2d"]
    else:
        by_layer = {f.layer: f for f in fields}
        unknown = [layer for layer in layers if layer not in by_layer]
        if unknown:
            raise ValueError(
                f"layers {unknown} have no (C, H, W) output; choose from {list(by_layer)}"
            )
        stages = [by_layer[layer] for layer in layers]
    fig, axes = _subplots(1, len(stages), figsize=(2.6 * len(stages), 3.5), squeeze=False)
    pixels = to_numpy(image.reshape(image.shape[-2:]).float())
    for ax, field in zip(axes.flat, stages, strict=True):
        ax.imshow(pixels, cmap="Greys_r", interpolation="nearest")
        corner = (field.start - 0.5, field.start - 0.5)
        ax.add_patch(
            Rectangle(corner, field.size, field.size, fill=False, edgecolor=VAL_COLOR, linewidth=2)
        )
        starts = field.start + field.jump * np.arange(field.output_size)
        grid_x, grid_y = np.meshgrid(starts, starts)
        dot = 3 if field.output_size <= 12 else 1.5
        ax.plot(grid_x.ravel(), grid_y.ravel(), ".", color="gold", markersize=dot, alpha=0.8)
        side = pixels.shape[-1]
        end = min(field.start + field.jump * (field.output_size - 1) + field.size, side)
        covered = end - max(field.start, 0)
        ax.set_title(
            f"After layer {field.layer} ({field.name})\n"
            f"{field.output_size}x{field.output_size} units, each sees {field.size}x{field.size}",
            fontsize=8,
        )
        ax.set_xlabel(f"together they see {covered}x{covered} of {side}x{side}", fontsize=8)
        ax.set(xlim=(-0.5, pixels.shape[1] - 0.5), ylim=(pixels.shape[0] - 0.5, -0.5))
    _no_ticks(axes)
    fig.tight_layout()
    return mark_data_source(fig)


def plot_dense_equivalent(counts: DenseEquivalent) -> Figure:
    """Parameters of a convolution against a dense layer with the same input and output sizes."""
    fig, ax = _subplots(figsize=(6, 2.2))
    names = [
        f"Dense layer\n{counts.inputs:,} x {counts.outputs:,} (+ biases)",
        "Convolution\n(shared kernels + biases)",
    ]
    values = [counts.dense_parameters, counts.conv_parameters]
    bars = ax.barh(names, values, color=[VAL_COLOR, "steelblue"])
    ax.set_xscale("log")
    ax.set_xlim(1, counts.dense_parameters * 40)
    ax.bar_label(bars, labels=[f"{value:,}" for value in values], padding=3)
    ratio = counts.dense_parameters / counts.conv_parameters
    ax.set(xlabel="Parameters (log scale)", title=f"Same output, {ratio:,.0f}x fewer parameters")
    fig.tight_layout()
    return fig


def _shift_axis(shifts: Sequence[tuple[int, int]]) -> tuple[list[float], list[str], str]:
    """x positions, tick labels and axis label: plain pixels when all shifts share one direction."""
    if all(dy == 0 for _, dy in shifts):
        return (
            [dx for dx, _ in shifts],
            [str(dx) for dx, _ in shifts],
            "Shift to the right (pixels)",
        )
    if all(dx == 0 for dx, _ in shifts):
        return [dy for _, dy in shifts], [str(dy) for _, dy in shifts], "Shift down (pixels)"
    labels = [f"({dx}, {dy})" for dx, dy in shifts]
    return list(range(len(shifts))), labels, "Shift (right, down) in pixels"


def plot_shift_robustness(
    accuracies: Mapping[str, Mapping[Shift, float]], *, example: torch.Tensor | None = None
) -> Figure:
    """Accuracy of each model on images shifted by a few pixels (zero fill, no wrap-around).

    `accuracies` maps a model's name to `accuracy_under_shifts`'s result; `example`, an image
    (1, 28, 28), adds a row that shows it under each shift.
    """
    keys = list(next(iter(accuracies.values())))
    shifts = [as_dx_dy(key) for key in keys]
    x, ticks, xlabel = _shift_axis(shifts)
    rows = 2 if example is not None else 1
    fig = _figure((max(6.0, 0.9 * len(shifts)), 3.2 + 1.4 * (rows - 1)))
    grid = fig.add_gridspec(rows, len(shifts), height_ratios=[1, 2.5][-rows:])
    ax = fig.add_subplot(grid[-1, :])
    colors = [TRAIN_COLOR, VAL_COLOR, "steelblue", "darkorange"]
    for (name, scores), color in zip(accuracies.items(), colors * 4, strict=False):
        ax.plot(x, [scores[key] for key in keys], marker="o", color=color, label=name)
    ax.set_xticks(x, ticks)
    ax.set(xlabel=xlabel, ylabel="Validation accuracy", ylim=(0, 1.04))
    ax.yaxis.set_major_formatter(mtick.PercentFormatter(xmax=1))
    ax.legend(fontsize=8)
    if example is not None:
        image = example.reshape(1, 1, *example.shape[-2:]).float().cpu()
        for col, (dx, dy) in enumerate(shifts):
            thumb = fig.add_subplot(grid[0, col])
            thumb.imshow(to_numpy(shift_images(image, dx, dy)[0, 0]), cmap="Greys_r", vmin=0)
            thumb.set_title(ticks[col], fontsize=8)
            thumb.axis("off")
    fig.tight_layout()
    return mark_data_source(fig)
