"""Train a classifier with mini-batch SGD and measure it: notebook 02's `train_epoch` and `evaluate`
(`lesson_*`), wrapped with input checks, a progress bar, Stop and speed settings."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from .inputs import Data, checked_inputs
from .monitor import Monitor, StopTraining
from .runlog import log_run
from .speed import keep_freed_memory, pick_threads, torch_threads, use_fast_layout


@dataclass(frozen=True)
class Evaluation:
    """How well a model scores a data set."""

    accuracy: float  # fraction of images classified correctly
    loss: float  # mean cross-entropy per image
    confusion: torch.Tensor  # (26, 26) int64 counts; row = true letter, column = predicted


@dataclass
class History:
    """Per epoch, the losses and accuracies of full `evaluate` passes; per tenth of an epoch, the
    training batches' running curve. `interrupted`: Stop ended training early (partly trained)."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    interrupted: bool = False
    running_epochs: list[float] = field(default_factory=list)  # where each tenth ends: 1.0, ...
    running_loss: list[float] = field(default_factory=list)
    running_accuracy: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.train_loss)

    def to_frame(self) -> pd.DataFrame:
        """The history as a table with one row per epoch (numbered from 1)."""
        columns = ["train_loss", "val_loss", "train_accuracy", "val_accuracy"]
        frame = pd.DataFrame({name: getattr(self, name) for name in columns})
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="epoch")
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


# ... to here. Kept as `lesson_*` too: the public `evaluate` and `train`'s arguments hide them.
lesson_train_epoch, lesson_evaluate = train_epoch, evaluate


def evaluate(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, batch_size: int = 1024
) -> Evaluation:
    """The lesson's `evaluate` after checking its inputs, on `speed`'s thread count; the model's
    train/eval mode comes back after."""
    ((X, y),) = checked_inputs(model, {"the data": (X, y)}, batch_size=batch_size)
    use_fast_layout(model)
    was_training = model.training
    try:
        with torch_threads(pick_threads(model, X, int(batch_size))):
            return lesson_evaluate(model, X, y, int(batch_size))
    finally:
        model.train(was_training)


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
    """Fit `model` with `torch.optim.SGD`, `train_epoch` then `evaluate` of both sets per epoch
    (the lesson's by default). `seed` fixes the batch order; Ctrl-C (Stop) ends after the batch."""
    train_epoch = lesson_train_epoch if train_epoch is None else train_epoch
    evaluate = lesson_evaluate if evaluate is None else evaluate
    data = {"train_data": train_data, "val_data": val_data}
    settings = {"lr": lr, "momentum": momentum, "epochs": epochs, "batch_size": batch_size}
    (X_train, y_train), (X_val, y_val) = checked_inputs(
        model, data, **settings, train_epoch=train_epoch, evaluate=evaluate
    )
    epochs, batch_size = int(epochs), int(batch_size)
    use_fast_layout(model)  # before the optimizer sees the weights
    keep_freed_memory()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    threads = pick_threads(model, X_train, batch_size, y_train)
    scoring_threads = pick_threads(model, X_val, 1024)  # the lesson's evaluation batches
    batches = -(-len(X_train) // batch_size)
    history = History()
    name, started = type(model).__name__, time.perf_counter()
    monitor = Monitor(name, epochs, batches, lr, history, show=progress is not False)
    # `seed` seeds the batch order, on torch's CPU generator; the caller's comes back after.
    own_generator = torch.random.fork_rng(devices=[], enabled=seed is not None)
    with torch_threads(threads), own_generator, monitor:
        if seed is not None:
            torch.default_generator.manual_seed(int(seed))
        for epoch in range(1, epochs + 1):
            monitor.start_epoch(epoch)
            try:
                train_epoch(model, X_train, y_train, optimizer, batch_size, monitor)
            except StopTraining:
                pass
            else:  # the epoch ran to its end (a stop during its last batch still counts it)
                with torch_threads(scoring_threads):
                    on_train = evaluate(model, X_train, y_train)
                    on_val = evaluate(model, X_val, y_val)
                history.train_loss.append(on_train.loss)
                history.val_loss.append(on_val.loss)
                history.train_accuracy.append(on_train.accuracy)
                history.val_accuracy.append(on_val.accuracy)
            if monitor.stop_requested and len(history) < epochs:
                history.interrupted = True
                print(
                    f"Stopped in epoch {epoch} after batch {monitor.done} of {batches}: the "
                    f"model is only partly trained ({len(history)} of {epochs} epochs "
                    f"finished) and keeps what it learned so far."
                )
                break
    model.train()
    if progress is not False and not history.interrupted:  # read where no progress bar shows
        done = len(history)
        print(
            f"{name}: trained for {done} epoch{'s' if done != 1 else ''}; validation "
            f"accuracy {history.val_accuracy[-1]:.1%}, loss {history.val_loss[-1]:.4f}."
        )
    accuracy = history.val_accuracy[-1] if history.val_accuracy else None
    seconds = round(time.perf_counter() - started, 3)
    log_run(
        model=name, threads=threads, seconds=seconds, val_accuracy=accuracy, epochs=len(history)
    )
    return history
