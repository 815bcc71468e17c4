"""The lecture's figures. Each function returns its matplotlib Figure and never calls `plt.show()`.

Figures are made without pyplot, so a notebook shows each exactly once (as the cell's value)
and a long session does not pile up open figures. Tensors may live on any device; figures
that show data say so when the images are the synthetic stand-in, not real photographs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib.ticker as mtick
import numpy as np
import torch
from matplotlib.figure import Figure

from .alphabet import ALPHABET, N_CLASSES
from .kernels import KERNEL_NAMES

if TYPE_CHECKING:  # only for the annotation: importing training here would be a side effect
    from .training import History

IMAGE_CMAP, KERNEL_CMAP = "gray", "RdBu_r"  # images and feature maps; kernels, around zero
NOTE_COLOR = "firebrick"
# Training and validation look the same in every figure. Validation is drawn on top, dashed,
# with open squares, so a training curve close to it still shows through.
TRAIN_STYLE = {"color": "C0", "linestyle": "-", "marker": "o", "markersize": 4, "label": "training"}
VAL_STYLE = {"color": "C1", "linestyle": "--", "marker": "s", "markersize": 6.5, "zorder": 3}
VAL_STYLE |= {"markerfacecolor": "none", "markeredgewidth": 1.5, "label": "validation"}
RUNNING_LABEL = "running (training batches, per tenth of the epoch)"
_png_shells: set[int] = set()


def _display_figures_as_png() -> None:
    """Let the running notebook show a returned Figure as a PNG, although pyplot is never imported.

    Called when a figure is made (not at import), once per IPython shell; outside IPython it
    does nothing.
    """
    from IPython import get_ipython
    from IPython.core.pylabtools import select_figure_formats

    shell = get_ipython()
    if shell is not None and id(shell) not in _png_shells:
        select_figure_formats(shell, {"png"})
        _png_shells.add(id(shell))


def _figure(figsize: tuple[float, float]) -> Figure:
    """A new Figure outside pyplot's list of open figures, which a notebook shows as a PNG."""
    _display_figures_as_png()
    return Figure(figsize=figsize, layout="constrained")  # room for titles and colour bars


def _subplots(rows: int = 1, cols: int = 1, *, figsize: tuple[float, float], squeeze: bool = True):
    """A new Figure (see `_figure`) with a grid of axes."""
    fig = _figure(figsize)
    return fig, fig.subplots(rows, cols, squeeze=squeeze)


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """A NumPy copy for matplotlib, from a tensor on any device."""
    return tensor.detach().cpu().numpy()


def mark_data_source(fig: Figure) -> Figure:
    """Write a footnote on figures drawn from the synthetic stand-in, so no one mistakes it for real."""
    from .data import source_note

    note = source_note()
    if note:
        fig.text(0.5, 0.01, note, ha="center", va="bottom", fontsize=8, color=NOTE_COLOR)
        bottom = 0.2 / fig.get_figheight()  # keep the note's line free of axes
        fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))
    return fig


def show_kernel(ax, kernel: np.ndarray, limit: float):
    """A kernel as a small image: red positive, blue negative, white zero, +-`limit` darkest."""
    return ax.imshow(kernel, cmap=KERNEL_CMAP, vmin=-limit, vmax=limit, interpolation="nearest")


def show_images(
    X: torch.Tensor, y: torch.Tensor, rows: int = 5, cols: int = 5, *, channel: int = 0
) -> Figure:
    """A grid of the first rows*cols images, each titled with its letter."""
    fig, axes = _subplots(rows, cols, figsize=(1.6 * cols, 1.8 * rows), squeeze=False)
    images, labels = to_numpy(X[: rows * cols, channel]), to_numpy(y[: rows * cols])
    for ax, image, label in zip(axes.flat, images, labels, strict=False):
        ax.imshow(image, cmap=IMAGE_CMAP, vmin=0, vmax=1)
        ax.set_title(ALPHABET[label])
    for ax in axes.flat:
        ax.axis("off")
    return mark_data_source(fig)


def plot_letter_frequencies(y: torch.Tensor) -> Figure:
    """How often each letter occurs, in percent; J and Z show as zero."""
    counts = np.bincount(to_numpy(y), minlength=N_CLASSES)
    shares = counts / counts.sum()
    fig, ax = _subplots(figsize=(7, 2.6))
    dots = {"edgecolor": "steelblue", "facecolor": "lightsteelblue", "zorder": 3}
    ax.scatter(range(N_CLASSES), shares, **dots, clip_on=False)  # J and Z, at 0, drawn whole
    ax.set_xticks(range(N_CLASSES), list(ALPHABET))
    ax.set(xlabel="Letter", ylabel="Share of images", ylim=(0, max(0.06, 1.15 * shares.max())))
    ax.yaxis.set_major_formatter(mtick.PercentFormatter(xmax=1, decimals=1))
    ax.set_title("Letter frequencies")
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
    for (row, col), count in np.ndenumerate(confusion):
        color = "white" if count > confusion.max() / 2 else "black"
        ax.text(col, row, int(count), ha="center", va="center", color=color, size=5.5)
    return mark_data_source(fig)


def plot_history(history: History) -> Figure:
    """Loss and accuracy on the training and validation sets, from the evaluation after each
    epoch; each panel has a legend.

    A run of one epoch (or one stopped before the end of its second) also shows the running
    curve: a thin grey line, one point per tenth of the epoch, each point the mean loss or
    accuracy of the training batches of that tenth, scored while the weights were still
    changing. The evaluation after the epoch then appears as a filled circle (training) and an
    open square (validation); it scores every image with the final weights.
    """
    one_epoch = len(history) <= 1
    epochs = list(range(1, len(history) + 1))
    fig, axes = _subplots(1, 2, figsize=(9, 3.5))
    panels = zip(axes, ("loss", "accuracy"), ("Cross-entropy loss", "Accuracy"), strict=True)
    for ax, metric, name in panels:
        if one_epoch and history.running_epochs:
            running = getattr(history, f"running_{metric}")
            ax.plot(history.running_epochs, running, color="grey", lw=1, label=RUNNING_LABEL)
        for style, values in ((TRAIN_STYLE, f"train_{metric}"), (VAL_STYLE, f"val_{metric}")):
            # Unclipped, so a point at 0% or 100% shows whole (an empty line must stay clipped).
            ax.plot(epochs, getattr(history, values), **style, clip_on=not epochs)
        ax.set(title=name, xlabel="Epoch", ylabel=name)
        ax.set_xlim(0, max([1, *epochs, *history.running_epochs]) + (0.05 if one_epoch else 0.5))
        if not one_epoch:
            ax.xaxis.set_major_locator(mtick.MaxNLocator(integer=True))
        ax.legend(fontsize=8, loc="best")
    axes[0].set_ylim(bottom=0)
    axes[1].set_ylim(0, 1.04)  # room above 100% so that no point is cut in half
    axes[1].set_yticks(np.linspace(0, 1, 6))
    axes[1].yaxis.set_major_formatter(mtick.PercentFormatter(xmax=1))
    return mark_data_source(fig)


def _records(rows: Sequence[Mapping[str, object]] | object) -> list[Mapping[str, object]]:
    """Rows as a list of dicts, from a list of dicts or a pandas DataFrame (whose index may
    hold the model names)."""
    if hasattr(rows, "to_dict"):
        return (rows.reset_index() if rows.index.name else rows).to_dict("records")
    return list(rows)


def _known(value: object) -> float | None:
    """A number, or None for a missing one (None or NaN: a model not trained on this data)."""
    return None if value is None or value != value else float(value)


def plot_model_comparison(rows: Sequence[Mapping[str, object]]) -> Figure:
    """Parameters and validation accuracy of each model, one bar per model.

    `rows`: dicts (or a DataFrame) with "model", "parameters" and "val_accuracy" (a fraction,
    or None for a model not trained on this data: drawn as "not trained").
    """
    records = _records(rows)
    missing = [key for key in ("model", "parameters", "val_accuracy") if key not in records[0]]
    if missing:
        raise KeyError(
            f"each row needs 'model', 'parameters' and 'val_accuracy'; missing {missing}"
        )
    names = [str(row["model"]) for row in records][::-1]  # first row on top
    parameters = [int(row["parameters"]) for row in records][::-1]
    accuracies = [_known(row["val_accuracy"]) for row in records][::-1]
    fig, (param_ax, acc_ax) = _subplots(1, 2, figsize=(9, 0.6 * len(names) + 1.6))
    param_ax.barh(names, parameters, color="0.6")
    param_ax.set_xlim(0, max(parameters) * 1.3)
    param_ax.xaxis.set_major_formatter(mtick.StrMethodFormatter("{x:,.0f}"))
    param_ax.set(title="Parameters", xlabel="Number of weights and biases")
    param_ax.bar_label(param_ax.containers[0], labels=[f"{n:,}" for n in parameters], padding=3)
    acc_ax.barh(names, [a or 0.0 for a in accuracies], color=VAL_STYLE["color"])
    acc_ax.set_xlim(0, 1.15)
    acc_ax.set_xticks(np.linspace(0, 1, 6))
    acc_ax.xaxis.set_major_formatter(mtick.PercentFormatter(xmax=1))
    acc_ax.set(
        title="Validation accuracy", xlabel="Share of validation images classified correctly"
    )
    acc_ax.bar_label(
        acc_ax.containers[0],
        labels=["not trained" if a is None else f"{a:.1%}" for a in accuracies],
        padding=3,
    )
    acc_ax.set_yticks([])
    return mark_data_source(fig)


def plot_kernels(kernels: torch.Tensor, names: Sequence[str] = KERNEL_NAMES) -> Figure:
    """Each kernel as a small image (red positive, blue negative, white zero), with one colour
    bar for all of them, symmetric around zero."""
    kernels = to_numpy(kernels)
    limit = np.abs(kernels).max()  # one scale for all, from -limit to +limit
    fig, axes = _subplots(1, len(kernels), figsize=(2 * len(kernels) + 0.8, 2.3), squeeze=False)
    for ax, kernel, name in zip(axes.flat, kernels, names, strict=True):
        image = show_kernel(ax, kernel, limit)
        ax.set(title=name, xticks=[], yticks=[])
    fig.colorbar(image, ax=axes, label="weight", shrink=0.85)
    return fig


def plot_feature_maps(
    images: torch.Tensor, feature_maps: torch.Tensor, names: Sequence[str] = KERNEL_NAMES
) -> Figure:
    """Originals in the top row and, below, each kernel's feature map of the same image, in grey
    (each map scaled on its own: white is its highest value, black its lowest)."""
    images, feature_maps = to_numpy(images), to_numpy(feature_maps)
    n_images, n_maps = len(images), feature_maps.shape[1]
    fig, axes = _subplots(
        1 + n_maps, n_images, figsize=(1.6 * n_images, 1.6 * (1 + n_maps)), squeeze=False
    )
    for col in range(n_images):
        axes[0, col].imshow(images[col, 0], cmap=IMAGE_CMAP)
        for row in range(n_maps):
            axes[row + 1, col].imshow(feature_maps[col, row], cmap=IMAGE_CMAP)
    for row, name in enumerate(["Original", *names]):
        axes[row, 0].set_ylabel(name)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    return mark_data_source(fig)


def show_image(image: torch.Tensor, *, title: str | None = None) -> Figure:
    """One greyscale image, large."""
    fig, ax = _subplots(figsize=(4.5, 4.5))  # wide enough for the footnote
    ax.imshow(to_numpy(image).reshape(image.shape[-2:]), cmap=IMAGE_CMAP)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return mark_data_source(fig)
