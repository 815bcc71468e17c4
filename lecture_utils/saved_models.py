"""The lecture's trained models, kept in the cache for later notebooks: named by what decides
their weights (architecture, data, settings), loaded all or nothing, trained in sight if missing."""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from pathlib import Path

import pandas as pd
import torch
from torch import nn

from .analysis import parameter_count
from .data import DataError, atomic_path, cache_dir, data_source
from .data.cache import file_lock, shown
from .models import ConvNet, LogisticRegression, SmallConvNet
from .settings import BASELINE_SETTINGS, CNN_SETTINGS, SEED
from .training import Data, History, evaluate, train

# The lecture's saved runs (model, settings, notebook), in order; a model's own run comes first.
RUNS = (
    (LogisticRegression, BASELINE_SETTINGS, "02"),
    (LogisticRegression, CNN_SETTINGS, "04"),  # the fair comparison with SmallConvNet
    (SmallConvNet, CNN_SETTINGS, "04"),
    (ConvNet, CNN_SETTINGS, "05"),
)


def checkpoint_path(model: nn.Module, settings: dict) -> Path:
    """Where `model`, trained on the latest loaded data with `settings`, is kept."""
    source = data_source()
    if source is None:
        raise RuntimeError("load the data (load_sign_mnist) before asking for a saved model")
    key = json.dumps([repr(model), source.fingerprint, settings], sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / "checkpoints" / f"{type(model).__name__}-{digest}.pt"


def save_trained(
    model: nn.Module, settings: dict, history: History, *, val_accuracy: float
) -> None:
    """Save the weights and validation accuracy for later notebooks unless training was stopped;
    a cache that cannot be written costs the checkpoint, not the lecture."""
    name = type(model).__name__
    if history.interrupted:
        print(
            f"Training was stopped, so this {name} is not saved as the trained one: "
            "later notebooks will train their own."
        )
        return
    state = {key: tensor.detach().cpu() for key, tensor in model.state_dict().items()}
    saved = {"state": state, "val_accuracy": float(val_accuracy)}
    folder = "the cache folder"
    try:
        path = checkpoint_path(model, settings)
        folder = shown(path.parent)
        with file_lock(path), atomic_path(path) as tmp:
            try:
                torch.save(saved, tmp)
            except RuntimeError as error:  # torch's writer on a full disk: "[enforce fail at"
                raise OSError("the file was cut short; the disk may be full") from error
    except (OSError, DataError) as error:  # the cache's DataError wraps the OSError that says why
        cause = error.__context__ if isinstance(error, DataError) else error
        why = cause.strerror.lower() if getattr(cause, "strerror", None) else error
        print(
            f"Could not save the trained {name} in {folder} ({why}), so later "
            "notebooks will train their own; to keep it, free some disk space or point "
            "LECTURE_CACHE at a folder you can write to."
        )
        return
    print(f"Saved the trained {name} for later notebooks.")


def _read(path: Path, model: nn.Module) -> dict:
    """The checkpoint in `path` if it fits `model`; else a ValueError that says what is wrong."""
    with path.open("rb") as file:
        if not file.read(1):
            raise ValueError("it is empty")
    try:
        with warnings.catch_warnings():  # torch warns about odd files; the message says enough
            warnings.simplefilter("ignore")
            saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # torch.load of a damaged file can raise almost any error
        raise ValueError("it is damaged or not a file that PyTorch saved") from None
    try:
        accuracy = saved["val_accuracy"]
        layout = {key: (tensor.shape, tensor.dtype) for key, tensor in saved["state"].items()}
    except (TypeError, KeyError, AttributeError):
        layout = accuracy = None
    expected = {key: (tensor.shape, tensor.dtype) for key, tensor in model.state_dict().items()}
    if layout != expected or not isinstance(accuracy, float) or not 0 <= accuracy <= 1:
        raise ValueError(f"it does not fit this {type(model).__name__}")
    return saved


def saved_model(
    name: str, device: torch.device, data: tuple[Data, Data] | None, settings: dict | None = None
) -> tuple[nn.Module, float] | None:
    """The lecture's model `name` as its notebook saved it (`settings`: another saved run), and its
    validation accuracy; if not saved for this data, trained now on `data`, or without it None."""
    model_class, settings, notebook = _run(name, settings)
    torch.manual_seed(SEED)
    model = model_class().to(device)
    problem = f"No saved {name} from notebook {notebook} for this data"
    training = "training it now"
    try:
        path = checkpoint_path(model, settings)
        saved = _read(path, model)
        model.load_state_dict(saved["state"])  # all or nothing: `_read` checked every tensor
        return model, saved["val_accuracy"]
    except (OSError, DataError):  # not saved, or not readable: as good as not saved
        pass
    except ValueError as damage:
        problem = f"The saved {name} in {shown(path.parent)} cannot be used ({damage})"
        training = "ignoring it and training a new one"
    if data is None:
        print(f"{problem}: run notebook {notebook} to save it and compare with it here.")
        return None
    shown_settings = ", ".join(f"{key}={value}" for key, value in settings.items())
    print(f"{problem}: {training} with notebook {notebook}'s settings ({shown_settings}).")
    started = time.perf_counter()
    history = train(model, *data, **settings)
    accuracy = evaluate(model, *data[1]).accuracy
    done = "was stopped after" if history.interrupted else "trained in"
    seconds = time.perf_counter() - started
    print(f"The {name} {done} {seconds:.1f} s (validation accuracy {accuracy:.1%}).")
    save_trained(model, settings, history, val_accuracy=accuracy)  # unless it was stopped
    return model, accuracy


def _run(name: str, settings: dict | None) -> tuple[type[nn.Module], dict, str]:
    """The saved run of model `name` with `settings` (None: its own notebook's)."""
    for model_class, run_settings, notebook in RUNS:
        if model_class.__name__ == name and settings in (None, run_settings):
            return model_class, run_settings, notebook
    known = "; ".join(f"{run[0].__name__} (notebook {run[2]})" for run in RUNS)
    raise ValueError(f"no saved {name} with settings {settings}; the saved runs: {known}")


def results_table(device: torch.device) -> pd.DataFrame:
    """Parameters, settings and validation accuracy of each saved run on the data in use (None,
    with a printed sentence that says why, for a run not saved for it)."""
    rows = {}
    for model_class, settings, notebook in RUNS:
        saved = saved_model(model_class.__name__, device, None, settings)
        rows[f"{model_class.__name__} ({notebook})"] = {
            "notebook": notebook,
            "parameters": parameter_count(model_class()),
            **{key: settings[key] for key in ("epochs", "lr", "momentum")},
            "val_accuracy": None if saved is None else round(saved[1], 3),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("model")
