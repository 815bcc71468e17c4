"""Explorers: controls above a figure that follows them, shown as a PNG a headless run stores."""

import io
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import PIL.Image
import torch
from IPython.display import Image, display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable

from ..analysis import layer_outputs
from ..data.dataset import ALPHABET
from ..kernels import KERNEL_NAMES, apply_kernels, line_kernels
from ..speed import torch_threads
from .style import IMAGE_CMAP, KERNEL_CMAP, image_grid, note_stand_in, to_numpy

CUSTOM = "Custom"


class _Explorer:
    """An image slider (more in subclasses) above panels that `_draw` fills. A redraw paints the
    changing artists over a background drawn once: several times faster (bench_explorers.py)."""

    def __init__(self, images, labels, start: int, cmaps: Sequence[str], width: float) -> None:
        self.images, self.labels, self.handle, self.paused = images, labels, None, False
        self.image = widgets.IntSlider(value=start, max=len(images) - 1, description="Image")
        self.fig, axes = image_grid(1, len(cmaps), width, 3.3)
        self.axes = list(axes[0])
        self.plots = [
            ax.imshow([[0]], cmap=cmap, interpolation="nearest")  # exact and quick to draw
            for ax, cmap in zip(self.axes, cmaps, strict=True)
        ]
        # A fixed colour bar with texts at its ends: a real one rebuilt itself on every redraw.
        bar = self.fig.colorbar(ScalarMappable(cmap=cmaps[1]), ax=self.axes[1], ticks=[])
        self.scale_labels = [
            bar.ax.text(2.0, y, "", transform=bar.ax.transAxes, va=va, fontsize=9)
            for y, va in ((1.0, "top"), (0.0, "bottom"))
        ]
        note_stand_in(self.fig)
        frames = [spine for ax in self.axes for spine in ax.spines.values()]  # over the pictures
        self.changing = [*self.plots, *self.scale_labels, *frames, *(ax.title for ax in self.axes)]
        for artist in self.changing:
            artist.set_animated(True)  # left out of the background, drawn on each PNG
        self.canvas, self.background = FigureCanvasAgg(self.fig), None

    def png(self) -> Image:
        """The figure as it is now, as a PNG: drawn whole the first time, then what changes."""
        if self.background is None:
            self.canvas.draw()
            self.fig.set_layout_engine("none")  # later draws keep this layout
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self.background)
        for artist in self.changing:
            self.fig.draw_artist(artist)
        buffer = io.BytesIO()
        pixels = np.asarray(self.canvas.buffer_rgba())[..., :3]  # the figure is opaque
        PIL.Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
        return Image(data=buffer.getvalue(), format="png")

    def _show(self, index: int, *panels: tuple[str, torch.Tensor, float | None]) -> None:
        """Show image `index` and each further panel's (title, values, limit), coloured over
        -limit..limit or else the values' range, which the colour bar gives for panel 2."""
        letter = ALPHABET[int(self.labels[index])]
        panels = ((f"Image {index}: letter {letter}", self.images[index, 0], None), *panels)
        for ax, plot, (title, values, limit) in zip(self.axes, self.plots, panels, strict=True):
            values = to_numpy(values)
            high, low = (values.max(), values.min()) if limit is None else (limit, -limit)
            height, width = values.shape
            plot.set_data(values)
            plot.set_clim(low, high)
            plot.set_extent((-0.5, width - 0.5, height - 0.5, -0.5))
            ax.set(title=title, xlim=(-0.5, width - 0.5), ylim=(height - 0.5, -0.5))
        self.scale_labels[0].set_text(f"{self.plots[1].get_clim()[1]:.3g}")
        self.scale_labels[1].set_text(f"{self.plots[1].get_clim()[0]:.3g}")

    def _refresh(self, change: object = None) -> None:
        """Redraw after a control changed (unless paused) and replace the PNG once shown."""
        if self.paused:
            return
        with torch_threads(1):  # one image's work: far quicker on one thread when a core is busy
            self._draw()
        if self.handle is not None:
            self.handle.update(self.png())

    def _ipython_display_(self) -> None:
        """Show the controls, then a PNG of the figure that `_refresh` keeps up to date."""
        display(self.controls)
        self.handle = display(self.png(), display_id=True)


class KernelExplorer(_Explorer):
    """Pick an image and a 5x5 kernel (a preset or your own values) and see its feature map."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, *, start: int = 0) -> None:
        super().__init__(images, labels, start, (IMAGE_CMAP, KERNEL_CMAP, IMAGE_CMAP), 9.5)
        self.presets = dict(zip(KERNEL_NAMES, line_kernels(), strict=True))
        self.kernel = widgets.Dropdown(options=[*KERNEL_NAMES, CUSTOM], description="Kernel")
        self.cells = [widgets.FloatText(layout=widgets.Layout(width="4.5em")) for _ in range(25)]
        grid = [widgets.HBox(self.cells[row : row + 5]) for row in range(0, 25, 5)]
        label = widgets.Label("Custom 5x5 kernel:")
        self.controls = widgets.VBox([widgets.HBox([self.image, self.kernel]), label, *grid])
        self._on_kernel()  # fills the custom grid from the first preset and draws
        self.image.observe(self._refresh, "value")
        self.kernel.observe(self._on_kernel, "value")
        for cell in self.cells:
            cell.observe(self._on_custom, "value")

    def current_kernel(self) -> torch.Tensor:
        """The kernel in the grid, which a preset fills, as a (5, 5) tensor."""
        return torch.tensor([cell.value for cell in self.cells]).reshape(5, 5)

    def _on_kernel(self, change: object = None) -> None:
        """A preset also fills the custom grid (paused: this is not typing), then redraw."""
        if self.kernel.value != CUSTOM:
            self.paused = True
            values = self.presets[self.kernel.value].flatten().tolist()
            for cell, value in zip(self.cells, values, strict=True):
                cell.value = value
            self.paused = False
        self._refresh()

    def _on_custom(self, change: dict) -> None:
        """Typing into the grid selects the custom kernel (and `_on_kernel` redraws)."""
        if self.paused or self.kernel.value == CUSTOM:
            self._refresh()  # which does nothing while paused
        else:
            self.kernel.value = CUSTOM

    def _draw(self) -> None:
        """Show the image, the kernel and their feature map."""
        index, kernel = self.image.value, self.current_kernel()
        self.feature_map = apply_kernels(self.images[index : index + 1], kernel)[0, 0]
        shown = (f"Kernel: {self.kernel.value}", kernel, kernel.abs().max().item())
        self._show(index, shown, ("Feature map", self.feature_map, None))


class ActivationExplorer(_Explorer):
    """Pick an image, a layer of `model.pipeline` and a channel, and see that activation."""

    def __init__(
        self, model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, *, start: int = 0
    ) -> None:
        super().__init__(images, labels, start, (IMAGE_CMAP, IMAGE_CMAP), 6.5)
        self.model = model
        outputs = layer_outputs(model, images[start])
        self.channels = {i: len(out) for i, out in enumerate(outputs) if out.dim() == 3}
        layers = [(f"Layer {i}: {type(model.pipeline[i]).__name__}", i) for i in self.channels]
        self.layer = widgets.Dropdown(options=layers, description="Layer")
        self.channel = widgets.IntSlider(max=self.channels[0] - 1, description="Channel")
        self.controls = widgets.HBox([self.image, self.layer, self.channel])
        self._draw()
        self.image.observe(self._refresh, "value")
        self.layer.observe(self._on_layer, "value")
        self.channel.observe(self._refresh, "value")

    def _on_layer(self, change: dict) -> None:
        """A new layer: the channel slider's range follows its number of channels."""
        self.paused = True  # a channel beyond the new range moves down: one redraw, not two
        self.channel.max = self.channels[change["new"]] - 1
        self.paused = False
        self._refresh()

    def _draw(self) -> None:
        """Show the image and the chosen channel of the chosen layer's output."""
        index, layer, channel = self.image.value, self.layer.value, self.channel.value
        self.activation = layer_outputs(self.model, self.images[index])[layer][channel]
        self._show(index, (f"{self.layer.label}, channel {channel}", self.activation, None))
