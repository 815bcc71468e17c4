"""Helpers for the lecture "Convolutional Neural Networks and Image Classification".

The notebooks import these so that each cell stays short: data loading (`data`), the three
models (`models`), training and evaluation (`training`), hand-made kernels (`kernels`),
figures (`plotting`) and interactive explorers (`widgets`).
"""

from .alphabet import ALPHABET
from .inspection import show_source, summary

__all__ = ["ALPHABET", "show_source", "summary"]
__version__ = "0.1.0"
