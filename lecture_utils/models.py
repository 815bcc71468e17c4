"""The lecture's three image classifiers, from a linear baseline to a pooled ConvNet.

Each model keeps its layers in `self.pipeline` (an `nn.Sequential`), so a notebook can walk
through them one layer at a time to look at what each layer computes.
"""

from __future__ import annotations

import torch
from torch import nn

from .data.dataset import N_CLASSES


class LogisticRegression(nn.Module):
    """Multiclass logistic regression on raw pixels: it ignores where a pixel sits."""

    def __init__(self) -> None:
        super().__init__()
        self.pipeline = nn.Sequential(
            nn.Flatten(),  # (1, 28, 28) image -> 784 pixel values in a row
            nn.Linear(28 * 28, N_CLASSES),  # one score per letter; the loss applies softmax
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pipeline(x)


class SmallConvNet(nn.Module):
    """One learnable convolution (4 kernels of 5x5), a ReLU, then a linear read-out."""

    def __init__(self) -> None:
        super().__init__()
        self.pipeline = nn.Sequential(
            nn.Conv2d(1, 4, 5),  # 1 grey channel in, 4 learned 5x5 kernels -> 4 x 24 x 24
            nn.ReLU(),
            nn.Flatten(),  # 4 * 24 * 24 = 2,304 features
            nn.Linear(4 * 24 * 24, N_CLASSES),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pipeline(x)


class ConvNet(nn.Module):
    """Three convolution + max-pool + ReLU stages that shrink 28x28 down to 1x1, then a linear layer."""

    def __init__(self) -> None:
        super().__init__()
        self.pipeline = nn.Sequential(
            nn.Conv2d(1, 100, 5),  # -> 100 x 24 x 24
            nn.MaxPool2d(2, 2),  # -> 100 x 12 x 12
            nn.ReLU(),
            nn.Conv2d(100, 50, 3),  # -> 50 x 10 x 10
            nn.MaxPool2d(2, 2),  # -> 50 x 5 x 5
            nn.ReLU(),
            nn.Conv2d(50, 50, 3),  # -> 50 x 3 x 3
            nn.MaxPool2d(2, 2),  # -> 50 x 1 x 1
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(50, N_CLASSES),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pipeline(x)
