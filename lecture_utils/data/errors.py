"""The one exception the data layer raises for bad input, bad downloads and unusable sources."""

from __future__ import annotations


class DataError(ValueError):
    """Raised when Sign Language MNIST data cannot be read, fetched or trusted; the message says why."""


class SyntheticDataWarning(UserWarning):
    """Warned when a load falls back to the synthetic stand-in instead of the real photographs."""
