"""What all figures share: a Figure outside pyplot, colours, the stand-in footnote."""

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

from .. import data

IMAGE_CMAP, KERNEL_CMAP = "gray", "RdBu_r"  # images and feature maps; kernels, around zero


def new_figure(width: float, height: float) -> Figure:
    """A Figure outside pyplot: a notebook shows it once and a long session keeps none open."""
    return Figure(figsize=(width, height), layout="constrained")


def image_grid(rows: int, cols: int, width: float, height: float) -> tuple[Figure, np.ndarray]:
    """A new figure with a (rows, cols) array of axes for images, without ticks."""
    fig = new_figure(width, height)
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat:
        ax.set(xticks=[], yticks=[])
    return fig, axes


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """A NumPy copy for matplotlib, from a tensor on any device."""
    return tensor.detach().cpu().numpy()


def show_kernels(fig: Figure, axes: Sequence, kernels: np.ndarray, names: Sequence[str]) -> None:
    """Kernels (K, k, k) in a row of axes, red positive and blue negative, with one colour bar
    symmetric around zero."""
    limit = np.abs(kernels).max()
    for ax, kernel, name in zip(axes, kernels, names, strict=False):
        shown = ax.imshow(kernel, cmap=KERNEL_CMAP, vmin=-limit, vmax=limit)
        ax.set_title(name, fontsize=9)
    fig.colorbar(shown, ax=axes, label="weight", shrink=0.85)


def note_stand_in(fig: Figure) -> Figure:
    """Footnote a figure drawn from the synthetic stand-in, so no one takes it for real."""
    if note := data.source_note():
        fig.text(0.5, 0.01, note, ha="center", va="bottom", fontsize=8, color="firebrick")
        bottom = 0.2 / fig.get_figheight()  # keep the note's line free of axes
        fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))
    return fig
