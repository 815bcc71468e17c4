"""The lesson's figures: images, letter frequencies, training curves, confusion, kernels."""

from collections.abc import Sequence

import matplotlib.ticker as mtick
import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure

from ..data.dataset import ALPHABET, N_CLASSES
from ..kernels import KERNEL_NAMES
from ..training import History
from .style import IMAGE_CMAP, image_grid, new_figure, note_stand_in, show_kernels, to_numpy

# Validation is drawn on top, dashed with open squares, so a close training curve shows through.
TRAIN_STYLE = {"color": "C0", "linestyle": "-", "marker": "o", "markersize": 4, "label": "training"}
VAL_STYLE = {"color": "C1", "linestyle": "--", "marker": "s", "markersize": 6.5, "zorder": 3}
VAL_STYLE |= {"markerfacecolor": "none", "markeredgewidth": 1.5, "label": "validation"}
RUNNING_LABEL = "running (training batches, per tenth of the epoch)"


def show_image(image: torch.Tensor, *, title: str | None = None) -> Figure:
    """One greyscale image, large."""
    fig, axes = image_grid(1, 1, 4.5, 4.5)  # wide enough for the footnote
    axes[0, 0].imshow(to_numpy(image).reshape(image.shape[-2:]), cmap=IMAGE_CMAP)
    axes[0, 0].set(title=title or "", frame_on=False)
    return note_stand_in(fig)


def show_images(X: torch.Tensor, y: torch.Tensor, rows: int = 5, cols: int = 5) -> Figure:
    """A grid of the first rows*cols images, each titled with its letter."""
    fig, axes = image_grid(rows, cols, 1.6 * cols, 1.8 * rows)
    for ax in axes.flat:
        ax.set_axis_off()
    images, labels = to_numpy(X[: rows * cols, 0]), to_numpy(y[: rows * cols])
    for ax, image, label in zip(axes.flat, images, labels, strict=False):
        ax.imshow(image, cmap=IMAGE_CMAP, vmin=0, vmax=1)
        ax.set_title(ALPHABET[label])
    return note_stand_in(fig)


def plot_letter_frequencies(y: torch.Tensor) -> Figure:
    """How often each letter occurs, in percent; J and Z show as zero."""
    shares = np.bincount(to_numpy(y), minlength=N_CLASSES) / len(y)
    ax = new_figure(7, 2.6).subplots()
    dots = {"edgecolor": "steelblue", "facecolor": "lightsteelblue", "zorder": 3}
    ax.scatter(range(N_CLASSES), shares, **dots, clip_on=False)  # J and Z, at 0, drawn whole
    ax.set_xticks(range(N_CLASSES), list(ALPHABET))
    ax.set(xlabel="Letter", ylabel="Share of images", ylim=(0, max(0.06, 1.15 * shares.max())))
    ax.yaxis.set_major_formatter(mtick.PercentFormatter(xmax=1, decimals=1))
    ax.set_title("Letter frequencies")
    return note_stand_in(ax.figure)


def plot_confusion(confusion: torch.Tensor, *, title: str) -> Figure:
    """The confusion matrix, a count per cell: rows are true letters, columns predictions."""
    confusion = to_numpy(confusion)
    ax = new_figure(7, 7).subplots()
    ax.imshow(confusion, cmap="Blues")
    ax.set_xticks(range(N_CLASSES), list(ALPHABET), rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(N_CLASSES), list(ALPHABET))
    ax.set(xlabel="Predicted letter", ylabel="True letter", title=title)
    for (row, col), count in np.ndenumerate(confusion):
        color = "white" if count > confusion.max() / 2 else "black"
        ax.text(col, row, count, ha="center", va="center", color=color, size=5.5)
    return note_stand_in(ax.figure)


def plot_history(history: History) -> Figure:
    """Loss and accuracy of training and validation after each epoch, with legends; a run of one
    epoch (or stopped in it) also shows the running curve, a point per tenth of the epoch."""
    one_epoch = len(history) <= 1
    epochs = list(range(1, len(history) + 1))
    axes = new_figure(9, 3.5).subplots(1, 2)
    panels = {"loss": "Cross-entropy loss", "accuracy": "Accuracy"}
    for ax, (metric, name) in zip(axes, panels.items(), strict=True):
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
        ax.legend(fontsize=8)
    axes[0].set_ylim(bottom=0)
    axes[1].set(ylim=(0, 1.04), yticks=np.linspace(0, 1, 6))  # room to show 100% points whole
    axes[1].yaxis.set_major_formatter(mtick.PercentFormatter(xmax=1))
    return note_stand_in(axes[0].figure)


def plot_model_comparison(table: pd.DataFrame) -> Figure:
    """Parameters and validation accuracy of each run of `results_table()`, one bar each; a run
    with no accuracy on this data reads "not trained"."""
    table = table.iloc[::-1]  # bars run bottom to top: the first row on top
    names, parameters = [str(name) for name in table.index], table["parameters"].tolist()
    accuracies = table["val_accuracy"].astype(float).to_numpy()  # None becomes NaN
    param_ax, acc_ax = new_figure(9, 0.6 * len(table) + 1.6).subplots(1, 2)
    bars = param_ax.barh(names, parameters, color="0.6")
    param_ax.bar_label(bars, labels=[f"{n:,}" for n in parameters], padding=3)
    param_ax.set(title="Parameters", xlabel="Number of weights and biases")
    param_ax.set_xlim(0, max(parameters) * 1.3)
    param_ax.xaxis.set_major_formatter(mtick.StrMethodFormatter("{x:,.0f}"))
    bars = acc_ax.barh(names, np.nan_to_num(accuracies), color=VAL_STYLE["color"])
    labels = ["not trained" if np.isnan(a) else f"{a:.1%}" for a in accuracies]
    acc_ax.bar_label(bars, labels=labels, padding=3)
    acc_ax.set(title="Validation accuracy", xlim=(0, 1.15), xticks=np.linspace(0, 1, 6), yticks=[])
    acc_ax.set_xlabel("Share of validation images classified correctly")
    acc_ax.xaxis.set_major_formatter(mtick.PercentFormatter(xmax=1))
    return note_stand_in(acc_ax.figure)


def plot_kernels(kernels: torch.Tensor, names: Sequence[str] = KERNEL_NAMES) -> Figure:
    """Each kernel as a small image, with one colour bar symmetric around zero."""
    fig, axes = image_grid(1, len(kernels), 2 * len(kernels) + 0.8, 2.3)
    show_kernels(fig, axes[0], to_numpy(kernels), names)
    return fig


def plot_feature_maps(images: torch.Tensor, feature_maps: torch.Tensor) -> Figure:
    """Originals in the top row and below each its feature maps, in grey, each map scaled on its
    own (white its highest value, black its lowest)."""
    images, feature_maps = to_numpy(images), to_numpy(feature_maps)
    n_images, n_rows = len(images), 1 + feature_maps.shape[1]
    fig, axes = image_grid(n_rows, n_images, 1.6 * n_images, 1.6 * n_rows)
    for col in range(n_images):
        for row, picture in enumerate([images[col, 0], *feature_maps[col]]):
            axes[row, col].imshow(picture, cmap=IMAGE_CMAP)
    for ax, name in zip(axes[:, 0], ["Original", *KERNEL_NAMES], strict=True):
        ax.set_ylabel(name)
    return note_stand_in(fig)
