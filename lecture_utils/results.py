"""Find the models that earlier notebooks trained and saved, for comparisons in later ones.

Each notebook runs on its own, so a comparison with another notebook's model reads that
model's checkpoint. When it is missing (say, a fresh Colab runtime), the notebook says so;
only the test run trains it again, so that every claim is still checked.
"""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from .checkpoints import load_trained, save_trained
from .claims import checking_claims
from .models import ConvNet, LogisticRegression, SmallConvNet
from .settings import BASELINE_SETTINGS, CNN_SETTINGS, SEED
from .training import Data, evaluate, train

# Which notebook trains which model, with which settings.
LECTURE_MODELS = {
    "LogisticRegression": (LogisticRegression, BASELINE_SETTINGS, "02"),
    "SmallConvNet": (SmallConvNet, CNN_SETTINGS, "04"),
    "ConvNet": (ConvNet, CNN_SETTINGS, "05"),
}


def saved_model(
    name: str, device: torch.device, data: tuple[Data, Data] | None = None
) -> tuple[nn.Module, float] | None:
    """The lecture's model `name` as its notebook saved it, and its validation accuracy.

    Missing: None, with a note saying which notebook to run; in the test run, with `data`
    given as (train_data, val_data), the model is trained again with its notebook's settings.
    """
    model_class, settings, notebook = LECTURE_MODELS[name]
    torch.manual_seed(SEED)
    model = model_class().to(device)
    results = load_trained(model, settings)
    if results is not None:
        return model, results["val_accuracy"]
    if data is None or not checking_claims():
        print(f"No saved {name} for this data yet: run notebook {notebook} first to compare.")
        return None
    train(model, *data, **settings, progress=False)
    accuracy = evaluate(model, *data[1]).accuracy
    save_trained(model, settings, val_accuracy=accuracy)
    return model, accuracy


def results_table(device: torch.device) -> pd.DataFrame:
    """Parameters, settings and validation accuracy of each lecture model saved for this data."""
    rows = []
    for name, (model_class, settings, notebook) in LECTURE_MODELS.items():
        torch.manual_seed(SEED)
        model = model_class().to(device)
        results = load_trained(model, settings)
        rows.append(
            {
                "model": name,
                "notebook": notebook,
                "parameters": sum(p.numel() for p in model.parameters()),
                "epochs": settings["epochs"],
                "lr": settings["lr"],
                "momentum": settings["momentum"],
                "val_accuracy": None if results is None else round(results["val_accuracy"], 3),
            }
        )
    return pd.DataFrame(rows).set_index("model")
