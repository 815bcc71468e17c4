"""Mini-batches by slicing in-memory tensors (the lesson's `train_epoch`) against a DataLoader.

Notebook 02 shows `DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)`, then slices
the shuffled tensors instead. Both give every image once per epoch, in a new random order, 32
at a time; the DataLoader fetches the 32 images one by one and stacks them (collation). This
script measures, in one run and on data of the real training set's size: producing one
epoch's batches alone, and one epoch of the baseline's training (logistic regression, SGD).
Run on a quiet machine: `python bench/bench_batching.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from lecture_utils.models import LogisticRegression
from lecture_utils.settings import BASELINE_SETTINGS
from lecture_utils.training import train_epoch

IMAGES = 27_455  # the real training split's size
REPEATS = 5
BATCH_SIZE = BASELINE_SETTINGS["batch_size"]
Runner = Callable[[torch.Tensor, torch.Tensor], int]


def sliced_batches(X: torch.Tensor, y: torch.Tensor) -> int:
    """The lesson's way: one shuffle of the whole tensors, then consecutive slices."""
    order = torch.randperm(len(X))
    X, y = X[order], y[order]
    count = 0
    for start in range(0, len(X), BATCH_SIZE):
        images, _labels = X[start : start + BATCH_SIZE], y[start : start + BATCH_SIZE]
        count += len(images)
    return count


def loader_batches(X: torch.Tensor, y: torch.Tensor) -> int:
    count = 0
    for images, _labels in DataLoader(TensorDataset(X, y), batch_size=BATCH_SIZE, shuffle=True):
        count += len(images)
    return count


def sgd(model: torch.nn.Module) -> torch.optim.Optimizer:
    settings = BASELINE_SETTINGS
    return torch.optim.SGD(model.parameters(), lr=settings["lr"], momentum=settings["momentum"])


def sliced_epoch(X: torch.Tensor, y: torch.Tensor) -> int:
    model = LogisticRegression()
    train_epoch(model, X, y, sgd(model), BATCH_SIZE)
    return len(X)


def loader_epoch(X: torch.Tensor, y: torch.Tensor) -> int:
    """The same steps as `train_epoch`, with the batches from a DataLoader."""
    model = LogisticRegression()
    optimizer = sgd(model)
    model.train()
    for images, labels in DataLoader(TensorDataset(X, y), batch_size=BATCH_SIZE, shuffle=True):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
    return len(X)


def best_seconds(slow: Runner, fast: Runner, X: torch.Tensor, y: torch.Tensor) -> list[float]:
    """The best time of each of `slow` and `fast`, run in turns so that both see the same load."""
    times: list[list[float]] = [[], []]
    for _ in range(REPEATS):
        for run, kept in zip((slow, fast), times, strict=True):
            start = time.perf_counter()
            assert run(X, y) == len(X)
            kept.append(time.perf_counter() - start)
    return [min(kept) for kept in times]


def main() -> None:
    torch.set_num_threads(1)  # the lecture trains the small models on one thread
    torch.manual_seed(0)
    X, y = torch.rand(IMAGES, 1, 28, 28), torch.randint(0, 26, (IMAGES,))
    print(f"{IMAGES:,} images, batches of {BATCH_SIZE}, one torch thread, best of {REPEATS}")
    print(f"{'one epoch of':30} {'DataLoader':>10} {'slicing':>10} {'ratio':>7}")
    cases = {
        "batches only": (loader_batches, sliced_batches),
        "logistic-regression training": (loader_epoch, sliced_epoch),
    }
    for name, (loader, sliced) in cases.items():
        slow, fast = best_seconds(loader, sliced, X, y)
        print(f"{name:30} {slow:8.3f} s {fast:8.3f} s {slow / fast:6.1f}x")


if __name__ == "__main__":
    main()
