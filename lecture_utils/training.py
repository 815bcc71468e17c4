"""Train a classifier with mini-batch SGD and measure it, as in the lecture, on any device.

`train_epoch` is the lecture's loop and `evaluate` its measurement, short enough to read in a
notebook cell. `train` runs `train_epoch` once per epoch and adds what teaching live needs
(a progress bar, a running curve, a clean stop on Ctrl-C or Jupyter's Stop button, a clear
error when the loss blows up) and what makes a laptop CPU fast (see `speed` and `threads`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from .alphabet import N_CLASSES
from .inputs import check_rates, check_whole, checked_data
from .monitor import Monitor, StopTraining, TrainingDiverged
from .runlog import log_run
from .speed import LeanSGD, prepare_model
from .threads import ThreadPolicy

__all__ = [
    "Data",
    "Evaluation",
    "History",
    "TrainingDiverged",
    "evaluate",
    "evaluation_mode",
    "train",
    "train_epoch",
]

Data = tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class Evaluation:
    """How well a model scores a data set."""

    accuracy: float  # fraction of images classified correctly
    loss: float  # mean cross-entropy per image
    confusion: torch.Tensor  # (26, 26) int64 counts; row = true letter, column = predicted


@dataclass
class History:
    """Per-epoch losses and accuracies (each from a full `evaluate` pass after the epoch),
    and the running training loss and accuracy over each tenth of every epoch."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    interrupted: bool = False
    # One point per tenth of an epoch: where it ends (1.0 = end of epoch 1), and the mean loss
    # and the accuracy of the training batches within that tenth, while the weights changed.
    running_epochs: list[float] = field(default_factory=list)
    running_loss: list[float] = field(default_factory=list)
    running_accuracy: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.train_loss)

    def record(self, on_train: Evaluation, on_val: Evaluation) -> None:
        self.train_loss.append(on_train.loss)
        self.val_loss.append(on_val.loss)
        self.train_accuracy.append(on_train.accuracy)
        self.val_accuracy.append(on_val.accuracy)

    def to_frame(self) -> pd.DataFrame:
        """The history as a table with one row per epoch (numbered from 1)."""
        columns = ["train_loss", "val_loss", "train_accuracy", "val_accuracy"]
        frame = pd.DataFrame({name: getattr(self, name) for name in columns})
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="epoch")
        return frame

    def running_frame(self) -> pd.DataFrame:
        """The running curve as a table indexed by epoch (fractions: 0.1 is a tenth of epoch 1)."""
        frame = pd.DataFrame({"loss": self.running_loss, "accuracy": self.running_accuracy})
        frame.index = pd.Index(self.running_epochs, name="epoch")
        return frame


def train_epoch(model, X, y, optimizer, batch_size=32, after_batch=None):
    """Train `model` for one epoch: one step of `optimizer` per shuffled mini-batch of (X, y)."""
    model.train()
    order = torch.randperm(len(X))  # a new random order of the images every epoch
    X, y = X[order], y[order]
    for start in range(0, len(X), batch_size):
        images, labels = X[start : start + batch_size], y[start : start + batch_size]

        optimizer.zero_grad()  # forget the previous batch's gradients
        scores = model(images)  # one row of 26 scores per image
        loss = F.cross_entropy(scores, labels)  # mean loss over the batch
        loss.backward()  # the gradient of the loss for every weight
        optimizer.step()  # move every weight a small step against its gradient

        if after_batch is not None:  # e.g. update a progress bar
            after_batch(loss, scores, labels)


def evaluate(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, batch_size: int = 1024
) -> Evaluation:
    """Score every image once, without gradients: accuracy, mean loss and confusion matrix."""
    check_whole(batch_size=batch_size)
    X, y = checked_data(model, (X, y), "the data")
    total_loss = 0.0
    confusion = torch.zeros(N_CLASSES, N_CLASSES, dtype=torch.int64)
    with evaluation_mode(model):
        for start in range(0, len(X), batch_size):
            images, labels = X[start : start + batch_size], y[start : start + batch_size]
            scores = model(images)
            total_loss += F.cross_entropy(scores, labels, reduction="sum").item()
            predicted = scores.argmax(dim=1)
            # Each (true, predicted) pair counts in one cell of the 26x26 matrix.
            pairs = labels * N_CLASSES + predicted
            confusion += torch.bincount(pairs, minlength=N_CLASSES**2).view_as(confusion).cpu()
    return Evaluation(
        accuracy=confusion.diagonal().sum().item() / len(X),
        loss=total_loss / len(X),
        confusion=confusion,
    )


@contextlib.contextmanager
def evaluation_mode(model: nn.Module) -> Iterator[None]:
    """Eval mode and no autograd inside, on the thread count that scores batches fastest
    (`threads`); the model's train/eval mode and the caller's thread count come back after."""
    prepare_model(model)
    threads = ThreadPolicy(model, trial_batches=1)  # evaluation batches are big: measure
    was_training = model.training
    model.eval()
    timer = model.register_forward_hook(lambda *_: threads.after_batch())
    try:
        with threads, torch.inference_mode():
            yield
    finally:
        timer.remove()
        model.train(was_training)


@contextlib.contextmanager
def _shuffling_seed(seed: int | None) -> Iterator[None]:
    """Seed the batch order (torch's CPU generator) and restore the caller's generator after."""
    if seed is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        yield


def train(
    model: nn.Module,
    train_data: Data,
    val_data: Data,
    *,
    epochs: int,
    lr: float,
    momentum: float = 0.0,
    batch_size: int = 32,
    seed: int | None = None,
    progress: bool | None = None,
) -> History:
    """Fit `model` with SGD, one `train_epoch` per epoch; after each, evaluate both data sets.

    `seed` fixes the order of the batches (seed the model's initial weights yourself, before
    creating it). Press Ctrl-C (or Stop in Jupyter) to stop after the current batch: the
    model keeps what it learned and the history of the finished epochs is returned.
    Training sets the process's allocator and the model's memory layout for speed (`speed`),
    and picks torch's thread count while it runs (`threads`, `LECTURE_THREADS`).
    """
    check_whole(epochs=epochs, batch_size=batch_size)
    check_rates(lr, momentum)
    X_train, y_train = checked_data(model, train_data, "train_data")
    X_val, y_val = checked_data(model, val_data, "val_data")
    prepare_model(model)  # before the optimizer sees the weights
    optimizer = LeanSGD(model.parameters(), lr=lr, momentum=momentum)  # torch's SGD, leaner
    batches = -(-len(X_train) // batch_size)
    history = History()
    started = time.perf_counter()
    monitor = Monitor(
        type(model).__name__,
        epochs=epochs,
        batches=batches,
        lr=lr,
        progress=progress,
        curve=history,
    )
    with (
        ThreadPolicy(model, X_train[:1], batch_size=batch_size) as threads,
        _shuffling_seed(seed),
        monitor,
    ):
        after_batch = _both(threads.after_batch, monitor)
        for epoch in range(1, epochs + 1):
            threads.start_epoch()
            monitor.start_epoch(epoch)
            try:
                train_epoch(model, X_train, y_train, optimizer, batch_size, after_batch)
            except StopTraining:
                pass
            else:  # the epoch ran to its end (a stop during its last batch still counts it)
                history.record(evaluate(model, X_train, y_train), evaluate(model, X_val, y_val))
            if monitor.stop.requested:
                history.interrupted = True
                print(
                    f"Stopped in epoch {epoch} after batch {monitor.done} of {batches}: the "
                    f"model keeps its training so far; the history holds {len(history)} "
                    f"finished epoch(s)."
                )
                break
    log_run(
        model=type(model).__name__,
        threads=threads.threads,
        seconds=round(time.perf_counter() - started, 3),
        val_accuracy=history.val_accuracy[-1] if history.val_accuracy else None,
        epochs=len(history),
    )
    return history


def _both(timer: Callable[[], None], monitor: Monitor) -> Callable[..., None]:
    def after_batch(loss: torch.Tensor, scores: torch.Tensor, labels: torch.Tensor) -> None:
        timer()
        monitor(loss, scores, labels)

    return after_batch
