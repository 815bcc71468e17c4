"""The lecture's data: Sign Language MNIST (verified download), your own files, or a stand-in.

Bottom up: dataset, cache, csv_format, synthetic, download, sources; __main__ is `make data`."""

from .cache import DataError, atomic_path, cache_dir
from .sources import data_source, load_sign_mnist, show_data_source, sign_mnist_csv, source_note
