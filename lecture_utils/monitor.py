"""What `train` does after each batch, out of the lesson's sight.

`Monitor` is the `after_batch` callback that `train` hands to `train_epoch`. It keeps the
progress bar, records the running training loss and accuracy over each tenth of an epoch,
stops after the current batch on Ctrl-C (or Jupyter's Stop button), and raises
`TrainingDiverged` when the loss becomes NaN or explodes.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
from collections.abc import Iterator
from typing import Protocol

import torch
from tqdm.auto import tqdm

from .alphabet import N_CLASSES

FLUSH_EVERY = 50  # batches between looks at the results (a GPU then waits for them)
EXPLOSION_FACTOR = 100  # a tenth's mean loss this many times the first batch's: diverged
# The bar once training ends: no elapsed time or rate, so a re-run stores the same widget.
FINAL_BAR_FORMAT = "{l_bar}{bar}| {n_fmt}/{total_fmt}{postfix}"


class TrainingDiverged(FloatingPointError):
    """The loss became NaN, infinite or huge: the learning rate is usually too large."""


class StopTraining(Exception):
    """Raised after a batch when a stop was requested: `train` ends the epoch there."""


class RunningCurve(Protocol):
    running_epochs: list[float]
    running_loss: list[float]
    running_accuracy: list[float]


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


def tenth_ends(batches: int) -> list[int]:
    """The batch numbers (from 1) that end each tenth of an epoch of `batches` batches."""
    return sorted({math.ceil(k * batches / 10) for k in range(1, 11)})


class Monitor:
    """The `after_batch(loss, scores, labels)` callback of `train`; use it as a context manager."""

    def __init__(
        self,
        name: str,
        *,
        epochs: int,
        batches: int,
        lr: float,
        progress: bool | None,
        curve: RunningCurve,
    ) -> None:
        self.batches, self.lr, self.curve = batches, lr, curve
        self.ends = set(tenth_ends(batches))
        self.bar = tqdm(total=epochs * batches, desc=name, disable=progress is False, leave=True)
        self.stop = _StopRequest()
        self._stack = contextlib.ExitStack()
        self.first_loss: float | None = None
        self.epoch = 0

    def __enter__(self) -> Monitor:
        self._stack.enter_context(self.stop.installed())
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
        self.bar.bar_format = FINAL_BAR_FORMAT
        self.bar.close()

    def start_epoch(self, epoch: int) -> None:
        self.epoch, self.done = epoch, 0
        self._losses: list[torch.Tensor] = []  # the batches since the last look at them
        self._scores: list[torch.Tensor] = []
        self._labels: list[torch.Tensor] = []
        # Loss sum, batches, correct predictions and images: since the epoch began, in this tenth.
        self._epoch: list[float] = [0.0, 0, 0, 0]
        self._window: list[float] = [0.0, 0, 0, 0]

    def __call__(self, loss: torch.Tensor, scores: torch.Tensor, labels: torch.Tensor) -> None:
        self._losses.append(loss.detach())
        self._scores.append(scores.detach())
        self._labels.append(labels)
        self.done += 1
        self.bar.update()
        last = self.done == self.batches
        if self.done % FLUSH_EVERY == 0 or self.done in self.ends or self.stop.requested:
            self._flush()
            if self.done in self.ends or self.stop.requested:
                self._record_point()
        if self.stop.requested and not last:
            raise StopTraining

    def _flush(self) -> None:
        """Add the pending batches to the sums, check the loss, and update the bar."""
        losses = torch.stack(self._losses).float().cpu()
        labels = torch.cat(self._labels)
        correct = int((torch.cat(self._scores).argmax(dim=1) == labels).sum())
        images = len(labels)
        first = self.done - len(losses) + 1
        for pending in (self._losses, self._scores, self._labels):
            pending.clear()
        self._check(losses, first)
        values = (float(losses.sum()), len(losses), correct, images)
        self._epoch = [total + value for total, value in zip(self._epoch, values, strict=True)]
        self._window = [total + value for total, value in zip(self._window, values, strict=True)]
        loss = self._epoch[0] / self._epoch[1]
        accuracy = self._epoch[2] / self._epoch[3]
        postfix = {"epoch": self.epoch, "loss": f"{loss:.3f}", "acc": f"{accuracy:.1%}"}
        self.bar.set_postfix(postfix, refresh=False)

    def _record_point(self) -> None:
        loss_sum, batches, correct, images = self._window
        if batches:
            self.curve.running_epochs.append(self.epoch - 1 + self.done / self.batches)
            self.curve.running_loss.append(loss_sum / batches)
            self.curve.running_accuracy.append(correct / images)
        self._window = [0.0, 0, 0, 0]

    def _check(self, losses: torch.Tensor, first: int) -> None:
        """Raise `TrainingDiverged` for a NaN or infinite loss, or a window mean that exploded."""
        if self.first_loss is None:
            self.first_loss = float(losses[0])
        bad = (~torch.isfinite(losses)).nonzero()
        if len(bad):
            value = losses[int(bad[0, 0])].item()
            where = f"epoch {self.epoch}, batch {first + int(bad[0, 0])}"
            raise TrainingDiverged(f"The loss became {value} in {where}. {self._advice()}")
        limit = EXPLOSION_FACTOR * max(self.first_loss, math.log(N_CLASSES))
        mean = float(losses.mean())
        if mean > limit:
            raise TrainingDiverged(
                f"The loss exploded: it averaged {mean:.3g} over batches {first}-{self.done} "
                f"of epoch {self.epoch}, over {EXPLOSION_FACTOR} times its starting value "
                f"({self.first_loss:.3g}). {self._advice()}"
            )

    def _advice(self) -> str:
        return (
            f"The learning rate (lr={self.lr:g}) is probably too large: try a smaller one, e.g. "
            f"lr={self.lr / 10:g}, and recreate the model, whose weights are now unusable."
        )
