"""Train a classifier with mini-batch SGD and measure it, as in the lecture, on any device.

`train` keeps the lecture's loop (zero the gradients, score a batch, compute the loss,
back-propagate, step) and adds what teaching live needs: a progress bar, a clean stop on
Ctrl-C or Jupyter's Stop button, and a clear error when the loss blows up.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .alphabet import N_CLASSES
from .device import model_device
from .speed import keep_freed_memory

keep_freed_memory()

Data = tuple[torch.Tensor, torch.Tensor]


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite: the learning rate is usually too large."""


@dataclass(frozen=True)
class Evaluation:
    """How well a model scores a data set."""

    accuracy: float  # fraction of images classified correctly
    loss: float  # mean cross-entropy per image
    confusion: torch.Tensor  # (26, 26) int64 counts; row = true letter, column = predicted


@dataclass
class History:
    """Per-epoch losses and accuracies, each from a full `evaluate` pass after the epoch."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    interrupted: bool = False

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


def _memory_format(model: nn.Module) -> torch.memory_format:
    """Channels-last for models that max-pool on a CPU: pooling then runs about 10x faster."""
    pools = any(isinstance(layer, nn.MaxPool2d) for layer in model.modules())
    if pools and model_device(model).type == "cpu":
        return torch.channels_last
    return torch.contiguous_format


def evaluate(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, batch_size: int = 1024
) -> Evaluation:
    """Score every image once, in order, without gradients; the model's train/eval mode is kept."""
    if len(X) == 0 or len(X) != len(y):
        raise ValueError(f"need as many labels as images, and at least one; got {len(X)}, {len(y)}")
    device = model_device(model)
    model.to(memory_format=_memory_format(model))
    was_training = model.training
    model.eval()
    total_loss = 0.0  # a Python float: Apple's MPS has no float64 tensors
    confusion = torch.zeros(N_CLASSES * N_CLASSES, dtype=torch.int64, device=device)
    try:
        with torch.inference_mode():
            for start in range(0, len(X), batch_size):
                X_batch = X[start : start + batch_size].to(device)
                y_batch = y[start : start + batch_size].to(device)
                scores = model(X_batch)
                total_loss += F.cross_entropy(scores, y_batch, reduction="sum").item()
                predicted = scores.argmax(dim=1)
                # Each (true, predicted) pair is one cell of the flattened 26x26 matrix.
                confusion += torch.bincount(
                    y_batch * N_CLASSES + predicted, minlength=N_CLASSES * N_CLASSES
                )
    finally:
        model.train(was_training)
    confusion = confusion.reshape(N_CLASSES, N_CLASSES).cpu()
    return Evaluation(
        accuracy=confusion.diagonal().sum().item() / len(X),
        loss=total_loss / len(X),
        confusion=confusion,
    )


class _StopRequest:
    """Turns the first Ctrl-C (or Jupyter's Stop button) into a request to stop after this batch."""

    def __init__(self) -> None:
        self.requested = False

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested:  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        self.requested = True

    @contextlib.contextmanager
    def installed(self) -> Iterator[_StopRequest]:
        if threading.current_thread() is not threading.main_thread():
            yield self  # signals only reach the main thread; Ctrl-C then raises as usual
            return
        previous = signal.signal(signal.SIGINT, self._handle)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


def _progress_bar(total: int, description: str, enabled: bool | None) -> tqdm:
    """A widget in Jupyter, a text bar in a terminal, nothing when `enabled` is False."""
    return tqdm(total=total, desc=description, disable=enabled is False, leave=True)


class _RunningScore:
    """Loss and accuracy over the batches of one epoch so far, for the progress bar.

    A batch only hands over its results; the arithmetic (and, on a GPU, the wait for it) runs
    every few dozen batches in `summary`, which keeps small models fast. `summary` also
    raises, naming the batch, if a loss became NaN or infinite.
    """

    def __init__(self, epoch: int, lr: float, labels: torch.Tensor) -> None:
        self.epoch, self.lr, self.labels = epoch, lr, labels
        self.losses: list[torch.Tensor] = []
        self.predictions: list[torch.Tensor] = []
        self.batches = self.images = self.correct = 0
        self.loss_sum = 0.0

    def add(self, loss: torch.Tensor, scores: torch.Tensor) -> None:
        self.losses.append(loss.detach())
        self.predictions.append(scores.detach().argmax(dim=1))

    def summary(self) -> dict[str, object]:
        losses = torch.stack(self.losses)
        bad = (~torch.isfinite(losses)).nonzero()
        if len(bad):
            batch = self.batches + int(bad[0, 0]) + 1
            raise TrainingDiverged(
                f"The loss became {losses[bad[0, 0]].item()} in epoch {self.epoch}, batch {batch}. "
                f"The learning rate (lr={self.lr}) is probably too large: try a smaller one, e.g. "
                f"lr={self.lr / 10:g}, and recreate the model, whose weights are now unusable."
            )
        predictions = torch.cat(self.predictions)
        labels = self.labels[self.images : self.images + len(predictions)]
        self.correct += int((predictions == labels).sum())
        self.loss_sum += float(losses.sum())
        self.batches += len(losses)
        self.images += len(predictions)
        self.losses.clear()
        self.predictions.clear()
        loss, accuracy = self.loss_sum / self.batches, self.correct / self.images
        return {"epoch": self.epoch, "loss": f"{loss:.3f}", "acc": f"{accuracy:.1%}"}


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
    """Fit `model` with SGD on shuffled mini-batches; after each epoch, evaluate both data sets.

    `seed` fixes the order of the batches (seed the model's initial weights yourself, before
    creating it). Press Ctrl-C (or Stop in Jupyter) to stop after the current batch: the
    model keeps what it learned and the history of the finished epochs is returned.
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be at least 1; got {epochs}, {batch_size}")
    device = model_device(model)
    model.to(memory_format=_memory_format(model))  # the convolutions follow the weights' layout
    X_train, y_train = (tensor.to(device) for tensor in train_data)
    X_val, y_val = (tensor.to(device) for tensor in val_data)
    n = len(X_train)
    batches_per_epoch = -(-n // batch_size)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    shuffler = torch.Generator()
    if seed is None:
        shuffler.seed()
    else:
        shuffler.manual_seed(seed)
    history = History()
    stop = _StopRequest()
    bar = _progress_bar(epochs * batches_per_epoch, type(model).__name__, progress)

    with stop.installed(), bar:
        for epoch in range(1, epochs + 1):
            model.train()
            order = torch.randperm(n, generator=shuffler).to(device)
            X_epoch, y_epoch = X_train[order], y_train[order]  # shuffled; batches are slices
            running = _RunningScore(epoch, lr, labels=y_epoch)
            for batch in range(batches_per_epoch):
                rows = slice(batch * batch_size, (batch + 1) * batch_size)
                X, y = X_epoch[rows], y_epoch[rows]

                optimizer.zero_grad()
                scores = model(X)
                loss = F.cross_entropy(scores, y)
                loss.backward()
                optimizer.step()

                running.add(loss, scores)
                bar.update()
                done = batch + 1
                if done % 50 == 0 or done == batches_per_epoch or stop.requested:
                    bar.set_postfix(running.summary(), refresh=False)
                if stop.requested and done < batches_per_epoch:
                    break
            else:  # the epoch ran to its end (a stop during its last batch still counts it)
                history.record(evaluate(model, X_train, y_train), evaluate(model, X_val, y_val))
            if stop.requested:
                history.interrupted = True
                print(
                    f"Stopped in epoch {epoch} after batch {done} of {batches_per_epoch}: the "
                    f"model keeps its training so far; the history holds {len(history)} "
                    f"finished epoch(s)."
                )
                break
    return history
