"""Keep trained models (weights and results) in the data cache, so a later notebook can reuse them.

A checkpoint's name is a hash of everything that decides its weights: the architecture
(`repr(model)`, the same for the class a notebook defines and the package's copy), the exact
data (the data source's fingerprint) and the training settings. Change any of them and the old
file is simply not found, so a stale model is never loaded.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

import torch
from torch import nn

from .data import DataError, atomic_path, cache_dir, data_source
from .device import model_device


def checkpoint_path(model: nn.Module, settings: dict) -> Path:
    """Where `model`, trained on the latest loaded data with `settings`, is kept."""
    source = data_source()
    if source is None:
        raise RuntimeError("load the data (load_sign_mnist) before asking for a checkpoint")
    shapes = {name: list(p.shape) for name, p in model.state_dict().items()}
    key = json.dumps([repr(model), shapes, source.fingerprint, settings], sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / "checkpoints" / f"{type(model).__name__}-{digest}.pt"


def save_trained(model: nn.Module, settings: dict, **results: float) -> None:
    """Save weights and `results` (e.g. val_accuracy) atomically, for later notebooks to load.

    An unusable cache folder loses the checkpoint, not the lecture: the notebook says so and
    goes on.
    """
    state = {name: t.detach().cpu().contiguous() for name, t in model.state_dict().items()}
    try:
        path = checkpoint_path(model, settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            torch.save({"state": state, "results": results}, tmp)
    except (OSError, DataError) as error:
        print(
            f"Could not save the trained {type(model).__name__} ({error}). Later notebooks will "
            "train it again. Point LECTURE_CACHE at a writable folder to keep it."
        )
        return
    print(f"Saved the trained {type(model).__name__} for later notebooks.")


def load_trained(model: nn.Module, settings: dict) -> dict | None:
    """Load weights saved by `save_trained` into `model` and return their results, or None."""
    try:
        path = checkpoint_path(model, settings)
        saved = torch.load(path, map_location=model_device(model), weights_only=True)
        model.load_state_dict(saved["state"])
    except (FileNotFoundError, NotADirectoryError, DataError):
        return None
    except (RuntimeError, OSError, EOFError, KeyError, TypeError, pickle.UnpicklingError) as error:
        # A damaged file, or weights of another model: train again rather than fail.
        print(f"Ignoring an unusable saved {type(model).__name__}: {error}")
        return None
    return dict(saved["results"])
