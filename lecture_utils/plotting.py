"""The lecture's figures. Each function returns its matplotlib Figure and never calls `plt.show()`.

Figures are made without pyplot, so a notebook shows each exactly once (as the cell's value)
and a long session does not pile up open figures. Tensors may live on any device; figures
that show data say so when the images are the synthetic stand-in, not real photographs.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.ticker as mtick
import numpy as np
import torch
from matplotlib.figure import Figure

from .alphabet import ALPHABET, N_CLASSES
from .kernels import KERNEL_NAMES
from .training import History

TRAIN_COLOR, VAL_COLOR = "black", "firebrick"


def _display_figures_as_png() -> None:
    """Let a notebook show a returned Figure as a PNG, although pyplot is never imported."""
    from IPython import get_ipython
    from IPython.core.pylabtools import select_figure_formats

    shell = get_ipython()
    if shell is not None:
        select_figure_formats(shell, {"png"})


_display_figures_as_png()


def _subplots(rows: int = 1, cols: int = 1, *, figsize: tuple[float, float], squeeze: bool = True):
    """A new Figure outside pyplot's list of open figures, with a grid of axes."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(rows, cols, squeeze=squeeze)


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """A NumPy copy for matplotlib, from a tensor on any device."""
    return tensor.detach().cpu().numpy()


def mark_data_source(fig: Figure) -> Figure:
    """Write a footnote on figures drawn from the synthetic stand-in, so no one mistakes it for real."""
    from .data import source_note

    note = source_note()
    if note:
        fig.text(0.5, 0.0, note, ha="center", va="bottom", fontsize=8, color=VAL_COLOR)
        fig.subplots_adjust(bottom=max(fig.subplotpars.bottom, 0.08))
    return fig


def show_images(
    X: torch.Tensor, y: torch.Tensor, rows: int = 5, cols: int = 5, *, channel: int = 0
) -> Figure:
    """A grid of the first rows*cols images, each titled with its letter."""
    fig, axes = _subplots(rows, cols, figsize=(1.6 * cols, 1.8 * rows), squeeze=False)
    images, labels = to_numpy(X[: rows * cols, channel]), to_numpy(y[: rows * cols])
    for ax, image, label in zip(axes.flat, images, labels, strict=False):
        ax.imshow(image, cmap="Greys_r", vmin=0, vmax=1)
        ax.set_title(ALPHABET[label])
    for ax in axes.flat:
        ax.axis("off")
    fig.tight_layout()
    return mark_data_source(fig)


def plot_letter_frequencies(y: torch.Tensor) -> Figure:
    """How often each letter occurs, in percent; J and Z show as zero."""
    counts = np.bincount(to_numpy(y), minlength=N_CLASSES)
    shares = counts / counts.sum()
    fig, ax = _subplots(figsize=(7, 2.6))
    ax.scatter(range(N_CLASSES), shares, edgecolor="steelblue", facecolor="lightsteelblue")
    ax.set_xticks(range(N_CLASSES), list(ALPHABET))
    ax.set(xlabel="Letter", ylabel="Share of images", ylim=(0, max(0.06, 1.15 * shares.max())))
    ax.yaxis.set_major_formatter(mtick.PercentFormatter(xmax=1, decimals=1))
    ax.set_title("Letter frequencies")
    fig.tight_layout()
    return mark_data_source(fig)


def plot_confusion(confusion: torch.Tensor, *, title: str | None = None) -> Figure:
    """The 26x26 confusion matrix, one count per cell; rows are true letters, columns predictions."""
    confusion = to_numpy(confusion)
    accuracy = confusion.diagonal().sum() / max(confusion.sum(), 1)
    fig, ax = _subplots(figsize=(7, 7))
    ax.imshow(confusion, cmap="Blues")
    ticks = range(N_CLASSES)
    ax.set_xticks(ticks, list(ALPHABET), rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(ticks, list(ALPHABET))
    ax.set(xlabel="Predicted letter", ylabel="True letter")
    ax.set_title(title or f"Confusion matrix (accuracy {accuracy:.1%})")
    ax.grid(False)
    threshold = confusion.max() / 2
    for row in range(N_CLASSES):
        for col in range(N_CLASSES):
            count = int(confusion[row, col])
            color = "white" if count > threshold else "black"
            ax.text(col, row, count, ha="center", va="center", color=color, size=5.5)
    fig.tight_layout()
    return mark_data_source(fig)


def plot_history(history: History) -> Figure:
    """Loss and accuracy per epoch, training in black and validation in red."""
    fig, (loss_ax, acc_ax) = _subplots(1, 2, figsize=(9, 3.5))
    epochs = range(1, len(history) + 1)
    marker = "o" if len(history) < 3 else None  # a single epoch would be an invisible line
    for ax, metric, name in (
        (loss_ax, "loss", "Cross-entropy loss"),
        (acc_ax, "accuracy", "Accuracy"),
    ):
        ax.plot(
            epochs,
            getattr(history, f"train_{metric}"),
            color=TRAIN_COLOR,
            marker=marker,
            label="Training",
        )
        ax.plot(
            epochs,
            getattr(history, f"val_{metric}"),
            color=VAL_COLOR,
            marker=marker,
            label="Validation",
        )
        ax.set(title=name, xlabel="Epoch", ylabel=name)
        ax.set_xlim(0.5, len(history) + 0.5)
        ax.xaxis.set_major_locator(mtick.MaxNLocator(integer=True, min_n_ticks=1))
    loss_ax.set_ylim(bottom=0)
    acc_ax.set_ylim(0, 1)
    acc_ax.yaxis.set_major_formatter(mtick.PercentFormatter(xmax=1))
    acc_ax.legend()
    fig.tight_layout()
    return mark_data_source(fig)


def plot_kernels(kernels: torch.Tensor, names: Sequence[str] = KERNEL_NAMES) -> Figure:
    """Each kernel as a small image (bright = positive weight)."""
    kernels = to_numpy(kernels)
    fig, axes = _subplots(1, len(kernels), figsize=(2 * len(kernels), 2.3), squeeze=False)
    for ax, kernel, name in zip(axes.flat, kernels, names, strict=True):
        ax.imshow(kernel, cmap="viridis", vmin=-1.5, vmax=4)
        ax.set_title(name)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_feature_maps(
    images: torch.Tensor, feature_maps: torch.Tensor, names: Sequence[str] = KERNEL_NAMES
) -> Figure:
    """Originals in the top row and, below, each kernel's feature map of the same image."""
    images, feature_maps = to_numpy(images), to_numpy(feature_maps)
    n_images, n_maps = len(images), feature_maps.shape[1]
    fig, axes = _subplots(
        1 + n_maps, n_images, figsize=(1.6 * n_images, 1.6 * (1 + n_maps)), squeeze=False
    )
    for col in range(n_images):
        axes[0, col].imshow(images[col, 0], cmap="Greys_r")
        for row in range(n_maps):
            axes[row + 1, col].imshow(feature_maps[col, row], cmap="viridis")
    for row, name in enumerate(["Original", *names]):
        axes[row, 0].set_ylabel(name)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return mark_data_source(fig)


def layer_outputs(model: torch.nn.Module, image: torch.Tensor) -> list[torch.Tensor]:
    """Run one image (1, 28, 28) through `model.pipeline`, keeping every layer's output."""
    parameter = next(model.parameters())
    X = image.reshape(1, *image.shape[-3:]).to(parameter.device, parameter.dtype)
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


def plot_layer_features(
    model: torch.nn.Module,
    image: torch.Tensor,
    layers: Sequence[int] = (0, 1, 3, 4),
    channels: Sequence[int] = (0, 1, 2),
) -> Figure:
    """Feature maps of one image after the chosen layers of `model.pipeline` (columns) for a few channels (rows)."""
    outputs = layer_outputs(model, image)
    fig, axes = _subplots(
        len(channels), len(layers), figsize=(2.5 * len(layers), 2.4 * len(channels)), squeeze=False
    )
    for col, layer in enumerate(layers):
        name = type(model.pipeline[layer]).__name__
        axes[0, col].set_title(f"Layer {layer}: {name}")
        for row, channel in enumerate(channels):
            axes[row, col].imshow(to_numpy(outputs[layer][channel]), cmap="viridis")
    for row, channel in enumerate(channels):
        axes[row, 0].set_ylabel(f"Channel {channel}")
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return mark_data_source(fig)


def show_image(image: torch.Tensor, *, title: str | None = None) -> Figure:
    """One greyscale image, large."""
    fig, ax = _subplots(figsize=(3, 3))
    ax.imshow(to_numpy(image).reshape(image.shape[-2:]), cmap="Greys_r")
    ax.axis("off")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return mark_data_source(fig)
