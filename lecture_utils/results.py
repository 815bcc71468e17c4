"""The models that the lecture's notebooks train and save, for comparisons in later ones.

Each notebook runs on its own, so a comparison with another notebook's model reads that
model's checkpoint. When it is missing (say, a fresh Colab runtime) and the data is at hand,
the model is trained there and then, in plain sight, with its own notebook's settings.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import pandas as pd
import torch
from torch import nn

from .checkpoints import DamagedCheckpoint, load_checkpoint, save_trained
from .models import ConvNet, LogisticRegression, SmallConvNet
from .settings import BASELINE_SETTINGS, CNN_SETTINGS, SEED
from .training import Data, evaluate, train


class Run(NamedTuple):
    """One model a notebook trains and saves, with the settings it uses."""

    name: str
    model_class: type[nn.Module]
    settings: dict
    notebook: str


# The lecture's saved runs, in the order of the lecture; a model's own run comes first.
LECTURE_RUNS = (
    Run("LogisticRegression", LogisticRegression, BASELINE_SETTINGS, "02"),
    Run("LogisticRegression", LogisticRegression, CNN_SETTINGS, "04"),  # the fair comparison
    Run("SmallConvNet", SmallConvNet, CNN_SETTINGS, "04"),
    Run("ConvNet", ConvNet, CNN_SETTINGS, "05"),
)


def saved_model(
    name: str,
    device: torch.device,
    data: tuple[Data, Data] | None,
    settings: dict | None = None,
) -> tuple[nn.Module, float] | None:
    """The lecture's model `name` as its notebook saved it, and its validation accuracy.

    `settings`: None for the model's own notebook's settings, or those of another saved run
    (LogisticRegression with CNN_SETTINGS is notebook 04's fair comparison). When it is not
    saved for this data and `data` = (train_data, val_data) is given, it is trained now, with a
    progress bar, and saved; without `data` the notebook says which notebook to run, and the
    result is None. A training stopped with Stop returns the model as it is, unsaved.
    """
    run = _run(name, settings)
    torch.manual_seed(SEED)
    model = run.model_class().to(device)
    try:
        results = load_checkpoint(model, run.settings)
    except DamagedCheckpoint as damage:
        problem, training = str(damage), "ignoring it and training a new one"
    else:
        if results is not None:
            return model, results["val_accuracy"]
        problem = f"No saved {name} from notebook {run.notebook} for this data"
        training = "training it now"
    if data is None:
        print(f"{problem}: run notebook {run.notebook} to save it and compare with it here.")
        return None
    shown_settings = ", ".join(f"{key}={value}" for key, value in run.settings.items())
    print(f"{problem}: {training} with notebook {run.notebook}'s settings ({shown_settings}).")
    started = time.perf_counter()
    history = train(model, *data, **run.settings)
    accuracy = evaluate(model, *data[1]).accuracy
    seconds = time.perf_counter() - started
    if history.interrupted:
        print(
            f"Training was stopped, so this {name} is not saved, and what follows uses it as it "
            f"is, after {seconds:.1f} s (validation accuracy {accuracy:.1%})."
        )
        return model, accuracy
    print(f"The {name} trained in {seconds:.1f} s (validation accuracy {accuracy:.1%}).")
    save_trained(model, run.settings, history, val_accuracy=accuracy)
    return model, accuracy


def _run(name: str, settings: dict | None) -> Run:
    for run in LECTURE_RUNS:
        if run.name == name and settings in (None, run.settings):
            return run
    known = "; ".join(f"{run.name} (notebook {run.notebook})" for run in LECTURE_RUNS)
    raise ValueError(
        f"The lecture saves no {name} trained with {settings}. Its saved runs: {known}; "
        "pass settings=None for a model's own notebook's settings."
    )


def results_table(device: torch.device) -> pd.DataFrame:
    """Parameters, settings and validation accuracy of each of the lecture's saved runs, on the
    data in use (val_accuracy None where a run is not saved for it)."""
    rows = []
    for run in LECTURE_RUNS:
        torch.manual_seed(SEED)
        model = run.model_class().to(device)
        try:
            results = load_checkpoint(model, run.settings)
        except DamagedCheckpoint as damage:
            print(f"{damage}: run notebook {run.notebook} again to save a new one.")
            results = None
        rows.append(
            {
                "model": f"{run.name} ({run.notebook})",
                "notebook": run.notebook,
                "parameters": sum(p.numel() for p in model.parameters()),
                "epochs": run.settings["epochs"],
                "lr": run.settings["lr"],
                "momentum": run.settings["momentum"],
                "val_accuracy": None if results is None else round(results["val_accuracy"], 3),
            }
        )
    return pd.DataFrame(rows).set_index("model")
