"""Train a classifier with mini-batch SGD and measure it, as in the lecture, on any device.

`lesson_train_epoch` and `lesson_evaluate` are the lesson's `train_epoch` and `evaluate`, word
for word as notebook 02 shows them (`tests/test_lesson_cells.py` keeps them identical): no
checks and nothing of the package inside. `train` and the public `evaluate` wrap them with
what the lesson leaves out: checks of what they are given, before any batch (`inputs`); a
progress bar, a running curve, a clean stop on Ctrl-C or Jupyter's Stop button and a clear
error when the loss blows up (`monitor`); torch's thread count (`threads`, `LECTURE_THREADS`)
and the model's memory layout (`speed`) while they run.
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

from .inputs import (
    check_callable,
    check_model,
    check_rates,
    check_scores,
    check_whole,
    checked_data,
)
from .monitor import Monitor, StopTraining, TrainingDiverged
from .runlog import log_run
from .speed import prepare_model
from .threads import ThreadPolicy

__all__ = [
    "Data",
    "Evaluation",
    "History",
    "TrainingDiverged",
    "evaluate",
    "lesson_evaluate",
    "lesson_train_epoch",
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
    and the running training loss and accuracy over each tenth of every epoch.

    `interrupted` is True when Stop (Ctrl-C) ended training early: the model is then only
    partly trained, and the history holds the epochs that finished, possibly none."""

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


# The lesson's code, word for word as in notebook 02's cells, from here ...
def evaluate(model, X, y, batch_size=1024):
    """Score every image once, without gradients: accuracy, mean loss and confusion matrix."""
    device = next(model.parameters()).device  # each batch goes where the model's weights are
    model.eval()  # evaluation mode: layers such as dropout stop acting as in training
    total_loss = 0.0
    confusion = torch.zeros(26, 26, dtype=torch.int64)  # row: true letter, column: predicted
    with torch.no_grad():  # no training step follows: skip the gradients (faster, less memory)
        for start in range(0, len(X), batch_size):
            images = X[start : start + batch_size].to(device)
            labels = y[start : start + batch_size].to(device)
            scores = model(images)
            # Summed, not averaged: the last batch may be smaller than the others.
            total_loss += F.cross_entropy(scores, labels, reduction="sum").item()
            predicted = scores.argmax(dim=1)
            # Each (true, predicted) pair is one of 26 * 26 cells: count them all at once.
            cells = labels * 26 + predicted
            confusion += torch.bincount(cells, minlength=26 * 26).view(26, 26).cpu()
    return Evaluation(
        accuracy=confusion.diagonal().sum().item() / len(X),
        loss=total_loss / len(X),
        confusion=confusion,
    )


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


# ... to here. Also under these names: the public `evaluate` below wraps the lesson's, and
# `train`'s arguments of the same names hide both inside it.
lesson_train_epoch, lesson_evaluate = train_epoch, evaluate


def evaluate(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, batch_size: int = 1024
) -> Evaluation:
    """Score every image once, without gradients: accuracy, mean loss and confusion matrix.

    The lesson's `evaluate`, after checking the model and the data (a clear error before any
    batch), on the fastest thread count; the model's train/eval mode comes back after."""
    check_model(model)
    check_whole(batch_size=batch_size)
    X, y = checked_data(model, (X, y), "the data")
    check_scores(model, X)
    with _evaluating(model):
        return lesson_evaluate(model, X, y, int(batch_size))


@contextlib.contextmanager
def _evaluating(model: nn.Module) -> Iterator[None]:
    """The thread count that scores batches fastest (`threads`), the fast memory layout
    (`speed`), and the model's train/eval mode and the caller's thread count back after."""
    prepare_model(model)
    threads = ThreadPolicy(model, trial_batches=1)  # evaluation batches are big: measure
    was_training = model.training
    timer = model.register_forward_hook(lambda *_: threads.after_batch())
    try:
        with threads:
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
        torch.default_generator.manual_seed(int(seed))
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
    train_epoch: Callable[..., None] | None = None,
    evaluate: Callable[..., Evaluation] | None = None,
) -> History:
    """Fit `model` with `torch.optim.SGD`, one `train_epoch` per epoch; after each epoch,
    `evaluate` both data sets. Both default to the lesson's (notebook 02 passes its own).

    `seed` fixes the order of the batches (seed the model's initial weights yourself, before
    creating it). Press Ctrl-C (or Stop in Jupyter) to stop after the current batch: the model
    keeps what it learned, only partly trained, and the history of the finished epochs comes
    back with `interrupted` set. Training puts the model in the fast memory layout, tunes the
    process's allocator (`speed`), and picks torch's thread count while it runs (`threads`,
    `LECTURE_THREADS`). The model is in training mode afterwards.
    """
    train_epoch = lesson_train_epoch if train_epoch is None else train_epoch
    evaluate = lesson_evaluate if evaluate is None else evaluate
    check_model(model)
    check_callable(train_epoch=train_epoch, evaluate=evaluate)
    check_whole(epochs=epochs, batch_size=batch_size)
    epochs, batch_size = int(epochs), int(batch_size)
    check_rates(lr, momentum)
    X_train, y_train = checked_data(model, train_data, "train_data")
    X_val, y_val = checked_data(model, val_data, "val_data")
    check_scores(model, X_train)
    prepare_model(model)  # before the optimizer sees the weights
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    batches = -(-len(X_train) // batch_size)
    threads = ThreadPolicy(model, X_train[:1], batch_size=batch_size)  # reads LECTURE_THREADS
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

    def evaluated(X: torch.Tensor, y: torch.Tensor) -> Evaluation:
        with _evaluating(model):
            return evaluate(model, X, y)

    with threads, _shuffling_seed(seed), monitor:
        after_batch = _both(threads.after_batch, monitor)
        for epoch in range(1, epochs + 1):
            threads.start_epoch()
            monitor.start_epoch(epoch)
            try:
                train_epoch(model, X_train, y_train, optimizer, batch_size, after_batch)
            except StopTraining:
                pass
            else:  # the epoch ran to its end (a stop during its last batch still counts it)
                history.record(evaluated(X_train, y_train), evaluated(X_val, y_val))
            if monitor.stop.requested and len(history) < epochs:
                history.interrupted = True
                print(
                    f"Stopped in epoch {epoch} after batch {monitor.done} of {batches}: the "
                    f"model is only partly trained ({len(history)} of {epochs} epochs "
                    f"finished) and keeps what it learned so far."
                )
                break
    if progress is not False and not history.interrupted:  # read where no progress bar shows
        done = len(history)
        print(
            f"{type(model).__name__}: trained for {done} epoch{'s' if done != 1 else ''}; "
            f"validation accuracy {history.val_accuracy[-1]:.1%}, loss {history.val_loss[-1]:.4f}."
        )
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
