"""Interactive explorers: slide a kernel over an image, or look at any channel inside a model.

Displayed in a notebook, an explorer shows its controls and, below them, a PNG of its current
state. The PNG is there even without a widget front end (nbval, nbconvert, the course site),
so a headless run always stores a picture; with a front end, moving a control redraws the same
figure and replaces the PNG in place. Tests drive the controls from Python, for example
`explorer.kernel.value = "Horizontal"`, and read what is shown (`explorer.feature_map`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import ipywidgets as widgets
import numpy as np
import torch
from IPython.display import DisplayHandle, display
from matplotlib.artist import Artist
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure

from .alphabet import ALPHABET
from .analysis import layer_outputs
from .kernels import KERNEL_NAMES, apply_kernels, line_kernels
from .plotting import IMAGE_CMAP, KERNEL_CMAP, mark_data_source, to_numpy
from .quick_png import QuickPNG

CUSTOM = "Custom"


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run torch on one CPU thread for the one-image work of a redraw, then restore the count.

    With another process busy, two threads wait for each other: measured on a 2-core machine,
    one image through the ConvNet took 213 ms with 2 threads and 1.6 ms with 1.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _show(ax, image, data: np.ndarray, limit: float | None = None) -> None:
    """Put new data into an AxesImage, rescaling its extent to the new shape and its colours
    to -limit..limit or, without a limit, to the data's lowest..highest value."""
    height, width = data.shape
    image.set_data(data)
    image.set_clim(*((data.min(), data.max()) if limit is None else (-limit, limit)))
    image.set_extent((-0.5, width - 0.5, height - 0.5, -0.5))
    ax.set(xlim=(-0.5, width - 0.5), ylim=(height - 0.5, -0.5))


def _imshow(ax, shape: tuple[int, int], cmap: str):
    """An empty picture to fill later; nearest-neighbour pixels are exact and quick to draw."""
    return ax.imshow(np.zeros(shape), cmap=cmap, interpolation="nearest")


def _scale_bar(fig: Figure, ax, cmap: str) -> list:
    """A colour bar beside `ax` with two texts to hold its highest and lowest value.

    A real colour bar would rebuild itself on every redraw (half the time of one), so the bar
    is fixed and `_draw` writes the values into these texts (top first).
    """
    bar = fig.colorbar(ScalarMappable(cmap=cmap), ax=ax, ticks=[])
    return [
        bar.ax.text(2.0, y, "", transform=bar.ax.transAxes, va=va, fontsize=9)
        for y, va in ((1.0, "top"), (0.0, "bottom"))
    ]


def _image_slider(images: torch.Tensor, start: int) -> widgets.IntSlider:
    """A slider over the images' indices, set to `start` (the image the page talks about)."""
    if not 0 <= start < len(images):
        raise ValueError(f"start must be an index of the {len(images)} images; got {start}")
    return widgets.IntSlider(value=start, min=0, max=len(images) - 1, description="Image")


class _Explorer:
    """Controls above one figure; `_draw` updates the figure, and a displayed PNG follows it."""

    controls: widgets.Box
    fig: Figure
    renderer: QuickPNG

    def __init__(self, images: torch.Tensor, labels: torch.Tensor | None) -> None:
        self.images, self.labels = images, labels
        self.handle: DisplayHandle | None = None
        self._paused = False

    def _image_title(self, index: int) -> str:
        """'Image 3' or, with labels, 'Image 3: letter K'."""
        if self.labels is None:
            return f"Image {index}"
        return f"Image {index}: letter {ALPHABET[int(self.labels[index])]}"

    @contextmanager
    def _hold(self) -> Iterator[None]:
        """Change several controls at once with a single redraw afterwards."""
        self._paused = True
        try:
            yield
        finally:
            self._paused = False

    def _refresh(self, change: object = None) -> None:
        """Redraw after a control changed and, once displayed, replace the shown PNG."""
        if self._paused:
            return
        with _one_thread():
            self._draw()
        if self.handle is not None:
            self.handle.update(self.renderer.png())

    def _draw(self) -> None:
        raise NotImplementedError

    def _finish_figure(self, changing: Sequence[Artist]) -> None:
        """Hide the ticks, draw the starting state, label synthetic data as such, and prepare
        fast redraws of the `changing` artists (images, titles, colour bars)."""
        for ax in self.axes:
            ax.set_xticks([])
            ax.set_yticks([])
        self._draw()
        mark_data_source(self.fig)
        frames = [spine for ax in self.axes for spine in ax.spines.values()]  # above the images
        titles = [ax.title for ax in self.axes]
        self.renderer = QuickPNG(self.fig, [*changing, *frames, *titles])

    def _ipython_display_(self) -> None:
        """Show the controls, then a PNG of the figure that `_refresh` keeps up to date."""
        display(self.controls)
        self.handle = display(self.renderer.png(), display_id=True)


class KernelExplorer(_Explorer):
    """Pick an image and a 5x5 kernel (a preset or your own values) and see its feature map.

    The kernel is red where positive, blue where negative and white at zero, with a colour bar
    from minus to plus its largest absolute value; the image and the feature map are grey.
    """

    def __init__(
        self, images: torch.Tensor, labels: torch.Tensor | None = None, *, start: int = 0
    ) -> None:
        super().__init__(images, labels)
        self.presets = dict(zip(KERNEL_NAMES, line_kernels(), strict=True))
        self.image = _image_slider(images, start)
        self.kernel = widgets.Dropdown(options=[*KERNEL_NAMES, CUSTOM], description="Kernel")
        self.custom = [
            [widgets.FloatText(layout=widgets.Layout(width="4.5em")) for _ in range(5)]
            for _ in range(5)
        ]
        grid = widgets.VBox([widgets.HBox(row) for row in self.custom])
        self.controls = widgets.VBox(
            [widgets.HBox([self.image, self.kernel]), widgets.Label("Custom 5x5 kernel:"), grid]
        )
        self._fill_custom(self.presets[KERNEL_NAMES[0]])

        self.fig = Figure(figsize=(9.5, 3.3), layout="constrained")
        self.axes = self.fig.subplots(1, 3)
        self.image_plot = _imshow(self.axes[0], (28, 28), IMAGE_CMAP)
        self.kernel_plot = _imshow(self.axes[1], (5, 5), KERNEL_CMAP)
        self.map_plot = _imshow(self.axes[2], (24, 24), IMAGE_CMAP)
        self.scale_labels = _scale_bar(self.fig, self.axes[1], KERNEL_CMAP)
        changing = [self.image_plot, self.kernel_plot, self.map_plot, *self.scale_labels]
        self._finish_figure(changing)

        self.image.observe(self._refresh, "value")
        self.kernel.observe(self._on_kernel, "value")
        for cell in (cell for row in self.custom for cell in row):
            cell.observe(self._on_custom, "value")

    def current_kernel(self) -> torch.Tensor:
        """The selected kernel as a (5, 5) tensor: a preset, or the values in the custom grid."""
        if self.kernel.value != CUSTOM:
            return self.presets[self.kernel.value]
        return torch.tensor([[cell.value for cell in row] for row in self.custom])

    def _fill_custom(self, kernel: torch.Tensor) -> None:
        """Copy a kernel into the custom grid, as the starting point for your own values."""
        with self._hold():
            for row, values in zip(self.custom, kernel.tolist(), strict=True):
                for cell, value in zip(row, values, strict=True):
                    cell.value = value

    def _on_kernel(self, change: dict) -> None:
        """A preset also fills the custom grid, so "Custom" starts from the last preset seen."""
        if change["new"] != CUSTOM:
            self._fill_custom(self.presets[change["new"]])
        self._refresh()

    def _on_custom(self, change: dict) -> None:
        """Typing into the grid switches to the custom kernel."""
        if self._paused:
            return
        if self.kernel.value == CUSTOM:
            self._refresh()
        else:
            self.kernel.value = CUSTOM  # `_on_kernel` redraws

    def _draw(self) -> None:
        """Show the image, the kernel and their feature map."""
        index, kernel = self.image.value, self.current_kernel()
        image = self.images[index : index + 1]
        self.feature_map = apply_kernels(image, kernel)[0, 0]
        _show(self.axes[0], self.image_plot, to_numpy(image[0, 0]))
        limit = kernel.abs().max().item()
        _show(self.axes[1], self.kernel_plot, to_numpy(kernel), limit)
        for label, value in zip(self.scale_labels, (limit, -limit), strict=True):
            label.set_text(f"{value:.3g}")
        _show(self.axes[2], self.map_plot, to_numpy(self.feature_map))
        self.axes[0].set_title(self._image_title(index))
        self.axes[1].set_title(f"Kernel: {self.kernel.value}")
        self.axes[2].set_title("Feature map")


class ActivationExplorer(_Explorer):
    """Pick an image, a layer of `model.pipeline` and a channel, and see that activation."""

    def __init__(
        self,
        model: torch.nn.Module,
        images: torch.Tensor,
        labels: torch.Tensor | None = None,
        *,
        start: int = 0,
    ) -> None:
        super().__init__(images, labels)
        self.model = model
        self.image = _image_slider(images, start)
        self.outputs = layer_outputs(model, images[start])
        maps = [i for i, output in enumerate(self.outputs) if output.dim() == 3]
        if not maps:
            raise ValueError("model.pipeline has no layer whose output is a (C, H, W) map")
        names = [f"Layer {i}: {type(model.pipeline[i]).__name__}" for i in maps]
        self.layer = widgets.Dropdown(
            options=list(zip(names, maps, strict=True)), description="Layer"
        )
        self.channel = widgets.IntSlider(
            value=0, min=0, max=self.outputs[maps[0]].shape[0] - 1, description="Channel"
        )
        self.controls = widgets.HBox([self.image, self.layer, self.channel])

        self.fig = Figure(figsize=(6.5, 3.3), layout="constrained")
        self.axes = self.fig.subplots(1, 2)
        self.image_plot = _imshow(self.axes[0], (28, 28), IMAGE_CMAP)
        self.activation_plot = _imshow(self.axes[1], (1, 1), IMAGE_CMAP)
        self.scale_labels = _scale_bar(self.fig, self.axes[1], IMAGE_CMAP)
        self._finish_figure([self.image_plot, self.activation_plot, *self.scale_labels])

        self.image.observe(self._on_image, "value")
        self.layer.observe(self._on_layer, "value")
        self.channel.observe(self._refresh, "value")

    def _on_image(self, change: dict) -> None:
        """A new image: run it through the model once and keep every layer's output."""
        with _one_thread():
            self.outputs = layer_outputs(self.model, self.images[change["new"]])
        self._refresh()

    def _on_layer(self, change: dict) -> None:
        """A new layer: the channel slider's range follows its number of channels."""
        with self._hold():
            self.channel.max = self.outputs[change["new"]].shape[0] - 1
        self._refresh()

    def _draw(self) -> None:
        """Show the image and the chosen channel of the chosen layer's output."""
        index, layer, channel = self.image.value, self.layer.value, self.channel.value
        self.activation = self.outputs[layer][channel]
        _show(self.axes[0], self.image_plot, to_numpy(self.images[index, 0]))
        values = to_numpy(self.activation)
        _show(self.axes[1], self.activation_plot, values)
        for label, value in zip(self.scale_labels, (values.max(), values.min()), strict=True):
            label.set_text(f"{value:.3g}")
        self.axes[0].set_title(self._image_title(index))
        self.axes[1].set_title(f"{self.layer.label}, channel {channel}")


# The names the notebooks use: `kernel_explorer(images, labels, start=0)` explores 5x5 kernels
# over `images` (N, 1, H, W); `activation_explorer(model, images, labels, start=0)` explores
# `model`'s feature maps. Leave either last in a cell to show it.
kernel_explorer = KernelExplorer
activation_explorer = ActivationExplorer
