"""Save a trained model in the data cache and load it again, so a later notebook can skip training.

A checkpoint's file name is a hash of everything that decides its weights: the model's source
code, the exact data (the data source's fingerprint) and the training settings. Change any of
them and the old file is simply not found, so a stale model is never loaded.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import pickle
from pathlib import Path

import torch
from torch import nn

from .data import cache_dir, data_source
from .data.cache import atomic_path
from .device import model_device


def checkpoint_path(model: nn.Module, **settings: object) -> Path:
    """Where `model`, trained on the latest loaded data with these settings, is kept."""
    source = data_source()
    if source is None:
        raise RuntimeError("load the data (load_sign_mnist) before asking for a checkpoint")
    definition = inspect.getsource(type(model))
    key = json.dumps([definition, source.fingerprint, settings], sort_keys=True, default=str)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / "checkpoints" / f"{type(model).__name__}-{digest}.pt"


def save_checkpoint(model: nn.Module, path: Path) -> None:
    """Write the model's weights atomically: readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()
    }
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(model: nn.Module, path: Path) -> bool:
    """Load weights saved by `save_checkpoint` into `model`; False when there is no usable file."""
    try:
        state = torch.load(path, map_location=model_device(model), weights_only=True)
        model.load_state_dict(state)
    except FileNotFoundError:
        return False
    except (RuntimeError, OSError, EOFError, KeyError, pickle.UnpicklingError) as error:
        # A damaged file, or weights of another model: train again rather than fail.
        print(f"Ignoring the unusable checkpoint {path.name}: {error}")
        return False
    return True
