"""Sign Language MNIST for the lecture: verified download and cache, local copies, a stand-in.

``load_sign_mnist("train")`` returns tensors ready for a model, quietly; ``sign_mnist_csv("train")``
gives a CSV file of the same data for pandas; ``data_source()`` says where the latest load came
from (and, in auto mode, whether it fell back to the stand-in), and ``source_note()`` gives
plots their footnote.

Modules, bottom up: ``cache`` (folders, atomic writes, lock, binary copies, DataError),
``csv_format`` (read, check and write the CSV files; rows to tensors), ``synthetic`` (the
offline stand-in), ``download`` (the pinned real files) and ``sources`` (which of them to use).
"""

from .cache import DataError, atomic_path, cache_dir
from .csv_format import VALID_LABELS, pixels_to_tensors, read_sign_mnist_csv, table_to_tensors
from .sources import (
    DataSource,
    data_source,
    load_sign_mnist,
    sign_mnist_csv,
    source_note,
)
from .synthetic import SYNTHETIC_VERSION, synthetic_sign_mnist

__all__ = [
    "SYNTHETIC_VERSION",
    "VALID_LABELS",
    "DataError",
    "DataSource",
    "atomic_path",
    "cache_dir",
    "data_source",
    "load_sign_mnist",
    "pixels_to_tensors",
    "read_sign_mnist_csv",
    "sign_mnist_csv",
    "source_note",
    "synthetic_sign_mnist",
    "table_to_tensors",
]
