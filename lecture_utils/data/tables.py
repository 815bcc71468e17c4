"""The data set as the lecture first shows it: a table with one row of 784 pixels per image."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .csv_format import HEADER


def sign_mnist_table(split: str) -> pd.DataFrame:
    """One split as its CSV file's table: a `label` column, then `pixel1` ... `pixel784`."""
    from .sources import load_arrays  # sources converts with pixels_to_tensors, defined here

    (images, labels), _ = load_arrays(split)
    table = pd.DataFrame(images.reshape(len(images), -1), columns=list(HEADER[1:]))
    table.insert(0, "label", labels)
    return table


def pixels_to_tensors(pixels: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows of 784 grey levels (0-255) -> float images (N, 1, 28, 28) in [0, 1], and int64 labels."""
    X = torch.from_numpy(np.array(pixels, dtype=np.uint8))  # a copy that torch may own
    X = X.reshape(-1, 1, 28, 28)  # (image, channel, row, column)
    X = X.to(torch.float32) / 255  # grey levels 0..255 -> 0..1
    y = torch.from_numpy(np.array(labels, dtype=np.int64))
    return X, y


def table_to_tensors(table: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor]:
    """Turn the table into a stack of images and a vector of labels, ready for a model."""
    pixels = table.drop(columns="label").to_numpy(dtype=np.uint8)
    return pixels_to_tensors(pixels, table["label"].to_numpy())
