"""PNGs of a figure in which only a few artists change, fast enough to follow a slider.

The parts that never change are drawn once and kept as a background; each later PNG
redraws only the changing artists over it. For the explorers a full draw plus PNG took
0.12-0.16 s; see bench/bench_explorers.py for the comparison.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import PIL.Image
from IPython.display import Image
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class QuickPNG:
    """`png()` draws `fig`: in full the first time, then only its `changing` artists.

    List the changing artists in drawing order (an image before the frame around it), and
    change nothing else: a change elsewhere would not show. The first draw fixes the layout.
    """

    def __init__(self, fig: Figure, changing: Sequence[Artist]) -> None:
        self.fig, self.changing = fig, list(changing)
        self.canvas = FigureCanvasAgg(fig)
        for artist in self.changing:
            artist.set_animated(True)  # left out of the background, drawn on each PNG
        self.background = None

    def png(self) -> Image:
        """The figure as it is now, as a PNG that IPython displays."""
        if self.background is None:
            self.canvas.draw()
            self.fig.set_layout_engine("none")  # later draws keep this layout, as the PNGs do
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self.background)
        for artist in self.changing:
            self.fig.draw_artist(artist)
        buffer = io.BytesIO()
        pixels = np.asarray(self.canvas.buffer_rgba())[..., :3]  # the figure is opaque
        PIL.Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
        return Image(data=buffer.getvalue(), format="png")
