"""Keep trained models (weights and results) in the data cache, so a later notebook can reuse them.

A checkpoint's name is a hash of everything that decides its weights: the architecture
(`repr(model)`, the same for the class a notebook defines and the package's copy), the exact
data (the data source's fingerprint) and the training settings. Change any of them and the old
file is simply not found, so a stale model is never loaded.

Three promises, each tested: a stopped training is never saved; a cache that cannot be written
(a full disk, no permission) loses the checkpoint, not the lecture; and a file is loaded all or
nothing, with `weights_only=True`, so a bad file leaves the model as it was and cannot run code.
Notebooks use `results.saved_model` to load; this module's `load_checkpoint` is its plumbing.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import warnings
from pathlib import Path

import torch
from torch import nn

from .data import DataError, atomic_path, cache_dir, data_source
from .data.cache import file_lock, shown
from .training import History

ZIP_MAGIC = b"PK\x03\x04"  # how every file torch.save writes begins


class DamagedCheckpoint(Exception):
    """A saved model that cannot be used; the message says what is wrong with the file."""


def checkpoint_path(model: nn.Module, settings: dict) -> Path:
    """Where `model`, trained on the latest loaded data with `settings`, is kept."""
    source = data_source()
    if source is None:
        raise RuntimeError("load the data (load_sign_mnist) before asking for a checkpoint")
    shapes = {name: list(p.shape) for name, p in model.state_dict().items()}
    key = json.dumps([repr(model), shapes, source.fingerprint, settings], sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / "checkpoints" / f"{type(model).__name__}-{digest}.pt"


def save_trained(model: nn.Module, settings: dict, history: History, **results: float) -> None:
    """Save weights and `results` (val_accuracy at least) atomically, for later notebooks.

    A stopped training (`history.interrupted`) is not saved. A cache that cannot be written
    loses the checkpoint, not the lecture: the notebook says so and goes on. Temporary files
    left by a writer that was killed are deleted first (under the cache's lock).
    """
    name = type(model).__name__
    if "val_accuracy" not in results:
        raise TypeError("save_trained needs val_accuracy=..., the accuracy later notebooks show")
    if history.interrupted:
        print(
            f"Training was stopped, so this {name} is not saved as the trained one: "
            "later notebooks will train their own."
        )
        return
    results = {key: float(value) for key, value in results.items()}
    state = {key: t.detach().cpu().contiguous() for key, t in model.state_dict().items()}
    folder = "the cache folder"
    try:
        path = checkpoint_path(model, settings)
        folder = shown(path.parent)
        with file_lock(path), atomic_path(path) as tmp:
            _write({"state": state, "results": results}, tmp)
    except (OSError, DataError) as error:
        print(
            f"Could not save the trained {name} in {folder} ({_why(error)}), so later "
            "notebooks will train their own; to keep it, free some disk space or point "
            "LECTURE_CACHE at a folder you can write to."
        )
        return
    print(f"Saved the trained {name} for later notebooks.")


def _write(saved: dict, path: Path) -> None:
    try:
        torch.save(saved, path)
    except RuntimeError as error:  # torch's writer on a full disk: "[enforce fail at ...]"
        raise OSError("the file could not be written whole; the disk may be full") from error


def _why(error: Exception) -> str:
    # The cache's own checks raise DataError from the OSError that says why, if any.
    cause = error.__context__ if isinstance(error, DataError) else error
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror.lower()
    return str(error)


def load_checkpoint(model: nn.Module, settings: dict) -> dict | None:
    """Copy the weights saved by `save_trained` into `model` and return their results.

    None when there is no such file. A file that cannot be used raises DamagedCheckpoint, whose
    message names the model, the folder and the problem, and then `model` is untouched: the
    whole file is checked before any weight is copied.
    """
    try:
        path = checkpoint_path(model, settings)
    except DataError:  # no cache folder at all, so nothing saved in one
        return None
    try:
        with warnings.catch_warnings():  # torch warns about odd files; the message says enough
            warnings.simplefilter("ignore")
            saved = torch.load(path, map_location="cpu", weights_only=True)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except Exception as error:  # torch.load of arbitrary bytes can raise almost any error
        problem = _unreadable(path, error)
    else:
        problem = _problem(saved, model)
    if problem is not None:
        name, folder = type(model).__name__, shown(path.parent)
        raise DamagedCheckpoint(f"The saved {name} in {folder} cannot be used ({problem})")
    model.load_state_dict(saved["state"])
    return dict(saved["results"])


def _unreadable(path: Path, error: Exception) -> str:
    """What is wrong with a file torch.load refused, in words (never torch's own advice)."""
    if isinstance(error, OSError):
        return f"it cannot be read: {(error.strerror or type(error).__name__).lower()}"
    with path.open("rb") as file:
        start = file.read(len(ZIP_MAGIC))
    if not start:
        return "it is empty"
    if start != ZIP_MAGIC:
        return "it is not a file that PyTorch saved"
    if isinstance(error, pickle.UnpicklingError):
        return "it holds Python objects besides weights, which are never loaded, for safety"
    return "it is cut short or damaged"


def _problem(saved: object, model: nn.Module) -> str | None:
    """What makes a loaded file unfit for `model`, or None when every part fits."""
    if not isinstance(saved, dict) or not isinstance(saved.get("state"), dict):
        return "it holds no weights"
    results = saved.get("results")
    if not isinstance(results, dict):
        return "it has no results"
    accuracy = results.get("val_accuracy")
    if not (isinstance(accuracy, float) and 0.0 <= accuracy <= 1.0):
        return "its results have no validation accuracy between 0 and 1"
    state, expected = saved["state"], model.state_dict()
    for key in state:
        if key not in expected:
            return f"it holds a tensor {key!r} that a {type(model).__name__} does not have"
    for key, tensor in expected.items():
        found = state.get(key)
        if not isinstance(found, torch.Tensor):
            return f"it lacks the tensor {key!r}"
        if found.shape != tensor.shape:
            return f"its tensor {key!r} has shape {tuple(found.shape)}, not {tuple(tensor.shape)}"
        if found.dtype != tensor.dtype:
            return f"its tensor {key!r} holds {found.dtype}, not {tensor.dtype}"
    return None
