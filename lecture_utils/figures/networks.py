"""Figures that look inside the networks: layer outputs, kernels, receptive fields, shifts."""

from collections.abc import Mapping, Sequence

import matplotlib.ticker as mtick
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import nn

from .. import analysis
from ..kernels import apply_kernels
from .style import IMAGE_CMAP, image_grid, new_figure, note_stand_in, show_kernels, to_numpy

MAX_KERNELS = 8  # of a larger set (the ConvNet's 100), the kernels with the largest weights


def plot_layer_features(
    model: nn.Module,
    image: torch.Tensor,
    layers: Sequence[int] = (0, 1, 3, 4),
    channels: Sequence[int] = (0, 1, 2),
) -> Figure:
    """Feature maps of one image after chosen layers of `model.pipeline`, one column each; each
    panel names its layer and channel, as channel 0 of two layers are different features."""
    outputs = analysis.layer_outputs(model, image)
    fig, axes = image_grid(len(channels), len(layers), 2.5 * len(layers), 2.5 * len(channels))
    for col, layer in enumerate(layers):
        name = type(model.pipeline[layer]).__name__
        axes[0, col].set_title(f"Layer {layer}: {name}\n{len(outputs[layer])} channels")
        for row, channel in enumerate(channels):
            axes[row, col].imshow(to_numpy(outputs[layer][channel]), cmap=IMAGE_CMAP)
            axes[row, col].set_xlabel(f"layer {layer}, channel {channel}", fontsize=8)
    return note_stand_in(fig)


def plot_kernel_comparison(
    image: torch.Tensor,
    named_kernel_sets: Mapping[str, torch.Tensor],
    *,
    labels: Mapping[str, Sequence[str]] | None = None,
) -> Figure:
    """Each set of kernels, (K, k, k) or a Conv2d weight (K, 1, k, k), in a row above the grey
    feature maps they make of `image`; of a large set, the MAX_KERNELS with the largest weights."""
    image = image.reshape(1, 1, *image.shape[-2:]).detach().float().cpu()
    sets = {
        name: kernels.detach().float().cpu().reshape(-1, *kernels.shape[-2:])
        for name, kernels in named_kernel_sets.items()
    }
    cols = max(min(len(kernels), MAX_KERNELS) for kernels in sets.values())
    rows = 1 + 2 * len(sets)
    fig, axes = image_grid(rows, cols, max(5.0, 1.4 * cols + 1.2), 1.45 * rows)
    axes[0, 0].imshow(to_numpy(image[0, 0]), cmap=IMAGE_CMAP, interpolation="nearest")
    axes[0, 0].set_title("Input image")
    for row, (name, kernels) in enumerate(sets.items()):
        kernel_axes, map_axes = axes[1 + 2 * row], axes[2 + 2 * row]
        shown, what = list(range(len(kernels))), "kernels"
        if len(kernels) > MAX_KERNELS:
            shown = kernels.flatten(1).norm(dim=1).argsort(descending=True)[:MAX_KERNELS].tolist()
            what = f"{MAX_KERNELS} of {len(kernels)}, largest weights"
        names = (labels or {}).get(name) or [f"#{index}" for index in range(len(kernels))]
        show_kernels(fig, kernel_axes, to_numpy(kernels[shown]), [names[i] for i in shown])
        for ax, feature_map in zip(map_axes, apply_kernels(image, kernels[shown])[0], strict=False):
            ax.imshow(to_numpy(feature_map), cmap=IMAGE_CMAP, interpolation="nearest")
        kernel_axes[0].set_ylabel(f"{name}\n({what})", fontsize=8)
        map_axes[0].set_ylabel("feature maps", fontsize=8)
    for ax in axes.flat:
        ax.set_frame_on(bool(ax.get_images()))  # hide the panels a shorter row leaves empty
    return note_stand_in(fig)


def plot_receptive_fields(model: nn.Module, image: torch.Tensor) -> Figure:
    """On `image`, after each pooling layer of `model.pipeline`: a red square, the input the
    top-left unit sees, and a yellow dot at the centre of each unit's field, with a legend."""
    fields = analysis.receptive_fields(model, image.shape[-1])
    fields = [field for field in fields if field.name.endswith("Pool2d")]
    width = max(6.0, 2.6 * len(fields) + 0.4)  # room for the legend and the footnote
    fig, axes = image_grid(1, len(fields), width, 3.9)
    pixels = to_numpy(image.reshape(image.shape[-2:]).float())
    side = len(pixels)
    for ax, field in zip(axes[0], fields, strict=True):
        start, size, units = field.start, field.size, field.output_size
        ax.imshow(pixels, cmap=IMAGE_CMAP, interpolation="nearest")
        box = Rectangle((start - 0.5,) * 2, size, size, fill=False, ec="red", lw=2, clip_on=False)
        ax.add_patch(box)
        centres = start + (size - 1) / 2 + field.jump * np.arange(units)
        x, y = np.meshgrid(centres, centres)
        dot = {"color": "gold", "ms": 4 if units <= 12 else 2.5, "mec": "black", "mew": 0.4}
        (dots,) = ax.plot(x.ravel(), y.ravel(), "o", **dot)
        seen = min(start + field.jump * (units - 1) + size, side) - max(start, 0)
        title = f"{units}x{units} units, each sees {size}x{size}"
        ax.set_title(f"After layer {field.layer} ({field.name})\n{title}", fontsize=8)
        ax.set_xlabel(f"together they see {seen}x{seen} of {side}x{side}", fontsize=8)
        ax.set(xlim=(-0.5, side - 0.5), ylim=(side - 0.5, -0.5))
    texts = [
        "receptive field of the top-left unit",
        "centre of one unit's field (one dot per unit)",
    ]
    fig.legend([box, dots], texts, loc="outside upper center", ncols=2, fontsize=8)
    return note_stand_in(fig)


def plot_dense_equivalent(counts: analysis.DenseEquivalent) -> Figure:
    """Parameters of a convolution against a dense layer with the same input and output sizes."""
    ax = new_figure(6, 2.2).subplots()
    dense = f"Dense layer\n{counts.inputs:,} x {counts.outputs:,} (+ biases)"
    values = [counts.dense_parameters, counts.conv_parameters]
    names = [dense, "Convolution\n(shared kernels + biases)"]
    bars = ax.barh(names, values, color=["firebrick", "steelblue"])
    ax.bar_label(bars, labels=[f"{value:,}" for value in values], padding=3)
    ax.set(xscale="log", xlim=(1, values[0] * 40), xlabel="Parameters (log scale)")
    ax.set_title(f"Same output, {values[0] / values[1]:,.0f}x fewer parameters")
    return ax.figure


def plot_shift_robustness(accuracies: Mapping[str, dict], *, example: torch.Tensor) -> Figure:
    """Accuracy of each model (`accuracy_under_shifts`'s result, by name) on images shifted
    right, below a row that shows `example` under each shift."""
    shifts = list(next(iter(accuracies.values())))
    fig = new_figure(max(6.0, 0.9 * len(shifts)), 4.6)
    grid = fig.add_gridspec(2, len(shifts), height_ratios=[1, 2.5])
    ax = fig.add_subplot(grid[1, :])
    for i, (name, scores) in enumerate(accuracies.items()):  # C0 and C1 are training/validation
        style = {"marker": "o^sDv"[i % 5], "color": f"C{(i + 2) % 10}", "clip_on": False}
        ax.plot(shifts, [scores[shift] for shift in shifts], **style, label=name)
    ax.set_xticks(shifts, [str(shift) for shift in shifts])  # "-4", as the thumbnails' titles
    ax.set(xlabel="Shift to the right (pixels)", ylabel="Validation accuracy", ylim=(0, 1.04))
    ax.yaxis.set_major_formatter(mtick.PercentFormatter(xmax=1))
    ax.legend(fontsize=8)
    example = example.reshape(1, 1, *example.shape[-2:]).cpu()
    for col, shift in enumerate(shifts):
        thumb = fig.add_subplot(grid[0, col])
        shifted = analysis.shift_images(example, shift, 0)[0, 0]
        thumb.imshow(to_numpy(shifted), cmap=IMAGE_CMAP, vmin=0)
        thumb.set_title(str(shift), fontsize=8)
        thumb.set_axis_off()
    return note_stand_in(fig)
