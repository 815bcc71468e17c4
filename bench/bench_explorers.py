"""Time one redraw of each explorer (a control changes, a new PNG is made) against the old way.

The baseline, measured in the same run, is what the explorers did before: torch's one-image
work on all its threads, then the whole figure drawn and saved with `bbox_inches="tight"`.
Run on a quiet machine: `python bench/bench_explorers.py`.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable

import torch

from lecture_utils.figures import activation_explorer, explorers, kernel_explorer
from lecture_utils.models import ConvNet

REPEATS = 20


def full_png(fig) -> bytes:
    """The old way: a complete draw, twice (for the tight bounding box), then the PNG."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def seconds_per_redraw(
    explorer, change: Callable[[int], None], render: Callable[[], object]
) -> float:
    """Median time of `change(i)` (which runs the explorer's own `_draw`) plus one PNG."""
    times = []
    for i in range(REPEATS):
        start = time.perf_counter()
        change(i)
        render()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main() -> None:
    torch.manual_seed(0)
    images, labels = torch.rand(50, 1, 28, 28), torch.arange(50) % 24
    kernels = kernel_explorer(images, labels)
    activations = activation_explorer(ConvNet(), images, labels)
    cases = {
        "kernel explorer, image slider": (
            kernels,
            lambda i: setattr(kernels.image, "value", i + 1),
        ),
        "activation explorer, image slider": (
            activations,
            lambda i: setattr(activations.image, "value", i + 1),
        ),
        "activation explorer, channel slider": (
            activations,
            lambda i: setattr(activations.channel, "value", i + 1),
        ),
    }
    print(f"torch threads: {torch.get_num_threads()}; median of {REPEATS} redraws")
    print(f"{'case':38} {'old way':>10} {'explorer':>10} {'ratio':>7}")
    one_thread = explorers.torch_threads
    for name, (explorer, change) in cases.items():
        explorers.torch_threads = lambda count: contextlib.nullcontext()  # torch's own threads
        try:
            baseline = seconds_per_redraw(explorer, change, lambda e=explorer: full_png(e.fig))
        finally:
            explorers.torch_threads = one_thread
        fast = seconds_per_redraw(explorer, change, explorer.png)
        print(f"{name:38} {baseline * 1000:7.1f} ms {fast * 1000:7.1f} ms {baseline / fast:6.1f}x")


if __name__ == "__main__":
    main()
