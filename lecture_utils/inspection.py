"""A model's layers at a glance: torchsummary's table of output shapes and parameter counts."""

from __future__ import annotations

import contextlib
import copy
import io

from torch import nn
from torchsummary import summary as _torchsummary


def summary_text(model: nn.Module, input_size: tuple[int, ...] = (1, 28, 28)) -> str:
    """torchsummary's table of layers, output shapes and parameter counts, as a string.

    torchsummary only knows the devices "cpu" and "cuda", so it runs on a CPU copy of the
    model: the table is the same wherever the model lives.
    """
    cpu_copy = copy.deepcopy(model).cpu().float()
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        _torchsummary(cpu_copy, input_size, device="cpu")
    return buffer.getvalue()


def summary(model: nn.Module, input_size: tuple[int, ...] = (1, 28, 28)) -> None:
    """Print torchsummary's table for one input of `input_size` (channels, height, width)."""
    print(summary_text(model, input_size), end="")
