"""Sign Language MNIST for the lecture: verified download and cache, local copies, a stand-in.

``load_sign_mnist("train")`` returns tensors ready for a model and prints where they came from;
``data_source()`` and ``source_note()`` let plots and notebooks say so too.
"""

from .cache import cache_dir
from .csv_format import VALID_LABELS, read_sign_mnist_csv
from .errors import DataError, SyntheticDataWarning
from .sources import DataSource, data_source, load_sign_mnist, source_note
from .synthetic import SYNTHETIC_VERSION, synthetic_sign_mnist
from .tables import pixels_to_tensors, sign_mnist_table, table_to_tensors

__all__ = [
    "SYNTHETIC_VERSION",
    "VALID_LABELS",
    "DataError",
    "DataSource",
    "SyntheticDataWarning",
    "cache_dir",
    "data_source",
    "load_sign_mnist",
    "pixels_to_tensors",
    "read_sign_mnist_csv",
    "sign_mnist_table",
    "source_note",
    "synthetic_sign_mnist",
    "table_to_tensors",
]
