import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from lecture_utils.data import pixels_to_tensors, table_to_tensors
from lecture_utils.data.csv_format import HEADER


def _table(pixels: np.ndarray, labels: list[int]) -> pd.DataFrame:
    table = pd.DataFrame(pixels, columns=list(HEADER[1:]))
    table.insert(0, "label", labels)
    return table


def test_rows_become_one_channel_28x28_images_scaled_to_0_1():
    pixels = (np.arange(2 * 784) % 256).astype(np.uint8).reshape(2, 784)
    X, y = table_to_tensors(_table(pixels, [0, 24]))
    assert X.shape == (2, 1, 28, 28) and X.dtype == torch.float32 and y.dtype == torch.int64
    assert X[1, 0, 0, 0] == pixels[1, 0] / 255  # row 0, column 0 is pixel1
    assert X[0, 0, 1, 0] == pixels[0, 28] / 255  # row 1 starts at pixel29
    assert y.tolist() == [0, 24]


@pytest.mark.parametrize("read_only", [False, True], ids=["writable", "read-only"])
def test_the_labels_tensor_owns_its_memory(read_only):
    pixels = np.zeros((2, 784), dtype=np.uint8)
    labels = np.array([4, 5], dtype=np.int64)  # already int64: a plain wrap would share it
    if read_only:  # as np.load and pandas (copy-on-write) hand arrays over
        pixels.setflags(write=False)
        labels.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns (once per process) on read-only arrays
        X, y = pixels_to_tensors(pixels, labels)
    assert not np.shares_memory(y.numpy(), labels)
    y[0] = 7  # training code may change y; the caller's array stays as it was
    assert labels.tolist() == [4, 5] and X.shape == (2, 1, 28, 28)
