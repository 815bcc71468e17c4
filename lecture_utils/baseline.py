"""The logistic-regression baseline of notebook 02, retrained where a later notebook compares with it.

Each notebook runs on its own, so the hidden cells of 04 and 05 that check "better than the
baseline" on whatever data is in use train it again here (a few seconds on a CPU).
"""

from __future__ import annotations

import torch

from .models import LogisticRegression
from .training import Data, evaluate, train


def baseline_accuracy(train_data: Data, val_data: Data, *, device: torch.device) -> float:
    """Validation accuracy of logistic regression after notebook 02's 30 epochs at lr 0.001."""
    torch.manual_seed(0)
    model = LogisticRegression().to(device)
    train(model, train_data, val_data, epochs=30, lr=0.001, seed=0, progress=False)
    return evaluate(model, *val_data).accuracy
