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
from .plotting import (
    IMAGE_CMAP,
    _figure,
    _subplots,
    mark_data_source,
    show_kernel,
    to_numpy,
)


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
        len(channels),
        len(layers),
        figsize=(max(5.0, 2.5 * len(layers)), 2.5 * len(channels)),
        squeeze=False,
    )
    for col, layer in enumerate(layers):
        output = outputs[layer]
        name = type(model.pipeline[layer]).__name__
        axes[0, col].set_title(f"Layer {layer}: {name}\n{output.shape[0]} channels")
        for row, channel in enumerate(channels):
            axes[row, col].imshow(to_numpy(output[channel]), cmap=IMAGE_CMAP)
            axes[row, col].set_xlabel(f"layer {layer}, channel {channel}", fontsize=8)
    _no_ticks(axes)
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


def plot_kernel_comparison(
    image: torch.Tensor,
    named_kernel_sets: Mapping[str, torch.Tensor],
    *,
    labels: Mapping[str, Sequence[str]] | None = None,
    max_kernels: int = 8,
) -> Figure:
    """Each set of kernels in one row and, below it, the feature maps they make of `image`.

    A set with more than `max_kernels` kernels (the ConvNet's 100) shows the ones with the
    largest weights. Kernels are red where positive, blue where negative and white at zero,
    with one colour bar per row of kernels; feature maps are grey (white highest) and computed
    without the layers' biases, which only shift a map's values.
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
        figsize=(max(5.0, 1.4 * cols + 1.2), 1.45 * (1 + 2 * len(sets))),
        squeeze=False,
    )
    axes[0, 0].imshow(to_numpy(image[0, 0]), cmap=IMAGE_CMAP, interpolation="nearest")
    axes[0, 0].set_title("Input image")
    for ax in axes[0, 1:]:
        ax.axis("off")
    for row, (name, kernels) in enumerate(sets.items(), start=1):
        kernel_axes, map_axes = axes[2 * row - 1], axes[2 * row]
        chosen = strongest_kernels(kernels, max_kernels) if len(kernels) > max_kernels else None
        indices = chosen or list(range(len(kernels)))
        maps = to_numpy(apply_kernels(image, kernels[indices])[0])
        names = labels.get(name) or [f"#{index}" for index in range(len(kernels))]
        limit = kernels[indices].abs().max().item()
        for col, index in enumerate(indices):
            shown = show_kernel(kernel_axes[col], to_numpy(kernels[index]), limit)
            kernel_axes[col].set_title(names[index], fontsize=8)
            map_axes[col].imshow(maps[col], cmap=IMAGE_CMAP, interpolation="nearest")
        for ax in (*kernel_axes[len(indices) :], *map_axes[len(indices) :]):
            ax.axis("off")
        fig.colorbar(shown, ax=kernel_axes, label="weight")
        what = f"{len(indices)} of {len(kernels)}, largest weights" if chosen else "kernels"
        kernel_axes[0].set_ylabel(f"{name}\n({what})", fontsize=8)
        map_axes[0].set_ylabel("feature maps", fontsize=8)
    _no_ticks(axes)
    return mark_data_source(fig)


def plot_receptive_fields(
    model: nn.Module, image: torch.Tensor, layers: Sequence[int] | None = None
) -> Figure:
    """The input square that one output unit sees after each of `layers` of `model.pipeline`
    (by default each pooling layer, or each convolution when there is no pooling), on `image`.

    In each panel the red square is the field of the top-left unit and each yellow dot the
    centre of one unit's field (one dot per unit of that layer's output map); a legend above
    the panels says so. Pixels outside every unit's field never reach the next stage.
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
    width = max(6.0, 2.6 * len(stages) + 0.4)  # room for the legend and the footnote
    fig, axes = _subplots(1, len(stages), figsize=(width, 3.9), squeeze=False)
    pixels = to_numpy(image.reshape(image.shape[-2:]).float())
    side = pixels.shape[-1]
    for ax, field in zip(axes.flat, stages, strict=True):
        ax.imshow(pixels, cmap=IMAGE_CMAP, interpolation="nearest")
        corner = (field.start - 0.5, field.start - 0.5)
        box = Rectangle(
            corner, field.size, field.size, fill=False, edgecolor="red", linewidth=2, clip_on=False
        )
        ax.add_patch(box)
        centres = field.start + (field.size - 1) / 2 + field.jump * np.arange(field.output_size)
        grid_x, grid_y = np.meshgrid(centres, centres)
        dot = {"color": "gold", "markeredgecolor": "black", "markeredgewidth": 0.4}
        size = 4 if field.output_size <= 12 else 2.5
        (dots,) = ax.plot(grid_x.ravel(), grid_y.ravel(), "o", markersize=size, **dot)
        end = min(field.start + field.jump * (field.output_size - 1) + field.size, side)
        covered = end - max(field.start, 0)
        ax.set_title(
            f"After layer {field.layer} ({field.name})\n"
            f"{field.output_size}x{field.output_size} units, each sees {field.size}x{field.size}",
            fontsize=8,
        )
        ax.set_xlabel(f"together they see {covered}x{covered} of {side}x{side}", fontsize=8)
        ax.set(xlim=(-0.5, side - 0.5), ylim=(side - 0.5, -0.5))
    _no_ticks(axes)
    fig.legend(
        [box, dots],
        ["receptive field of the top-left unit", "centre of one unit's field (one dot per unit)"],
        loc="outside upper center",
        ncols=2,
        fontsize=8,
    )
    return mark_data_source(fig)


def plot_dense_equivalent(counts: DenseEquivalent) -> Figure:
    """Parameters of a convolution against a dense layer with the same input and output sizes."""
    fig, ax = _subplots(figsize=(6, 2.2))
    names = [
        f"Dense layer\n{counts.inputs:,} x {counts.outputs:,} (+ biases)",
        "Convolution\n(shared kernels + biases)",
    ]
    values = [counts.dense_parameters, counts.conv_parameters]
    bars = ax.barh(names, values, color=["firebrick", "steelblue"])
    ax.set_xscale("log")
    ax.set_xlim(1, counts.dense_parameters * 40)
    ax.bar_label(bars, labels=[f"{value:,}" for value in values], padding=3)
    ratio = counts.dense_parameters / counts.conv_parameters
    ax.set(xlabel="Parameters (log scale)", title=f"Same output, {ratio:,.0f}x fewer parameters")
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
    for i, (name, scores) in enumerate(accuracies.items()):  # colours other than C0/C1, which
        style = {"marker": "o^sDv"[i % 5], "color": f"C{(i + 2) % 10}"}  # mean training/validation
        ax.plot(x, [scores[key] for key in keys], **style, label=name, clip_on=False)
    ax.set_xticks(x, ticks)
    ax.set(xlabel=xlabel, ylabel="Validation accuracy", ylim=(0, 1.04))
    ax.yaxis.set_major_formatter(mtick.PercentFormatter(xmax=1))
    ax.legend(fontsize=8)
    if example is not None:
        image = example.reshape(1, 1, *example.shape[-2:]).float().cpu()
        for col, (dx, dy) in enumerate(shifts):
            thumb = fig.add_subplot(grid[0, col])
            thumb.imshow(to_numpy(shift_images(image, dx, dy)[0, 0]), cmap=IMAGE_CMAP, vmin=0)
            thumb.set_title(ticks[col], fontsize=8)
            thumb.axis("off")
    return mark_data_source(fig)
