"""What `train` does after each batch, out of the lesson's sight: the progress bar, the running
curve (a point per tenth of an epoch), a stop after the batch on Ctrl-C, and NaN/inf checks."""

from __future__ import annotations

import math
import signal
import threading
from typing import TYPE_CHECKING

import torch
from tqdm.auto import tqdm

if TYPE_CHECKING:
    from .training import History

# The bar once training ends: no elapsed time or rate, so a re-run stores the same widget.
FINAL_BAR_FORMAT = "{l_bar}{bar}| {n_fmt}/{total_fmt}{postfix}"


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite: the learning rate is usually too large."""


class StopTraining(Exception):
    """Raised after a batch when a stop was requested: `train` ends the epoch there."""


class Monitor:
    """The `after_batch(loss, scores, labels)` callback of `train`; as a context manager around
    the epochs it turns the first Ctrl-C into a stop after the batch, and closes the bar."""

    def __init__(
        self, name: str, epochs: int, batches: int, lr: float, history: History, show: bool
    ) -> None:
        self.batches, self.lr, self.history = batches, lr, history
        self.tenth_ends = {math.ceil(k * batches / 10) for k in range(1, 11)}
        self.bar = tqdm(total=epochs * batches, desc=name, disable=not show, leave=True)
        self.stop_requested, self._handler = False, None

    def __enter__(self) -> Monitor:
        if threading.current_thread() is threading.main_thread():  # signals reach no other
            self._handler = signal.signal(signal.SIGINT, self._on_ctrl_c)
        return self

    def __exit__(self, *_: object) -> None:
        if self._handler is not None:
            signal.signal(signal.SIGINT, self._handler)
        self.bar.bar_format = FINAL_BAR_FORMAT
        self.bar.close()

    def _on_ctrl_c(self, _signum: int, _frame: object) -> None:
        if self.stop_requested:  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        self.stop_requested = True

    def start_epoch(self, epoch: int) -> None:
        self.epoch, self.done, self._pending = epoch, 0, []
        self._sums = [0.0, 0, 0, 0]  # since the epoch began: loss sum, batches, correct, images

    def __call__(self, loss: torch.Tensor, scores: torch.Tensor, labels: torch.Tensor) -> None:
        self._pending.append((loss.detach(), scores.detach(), labels))
        self.done += 1
        self.bar.update()
        if self.done in self.tenth_ends or self.stop_requested:
            self._end_tenth()  # looks at the results only here: a GPU need not wait each batch
        if self.stop_requested and self.done < self.batches:
            raise StopTraining

    def _end_tenth(self) -> None:
        """Check the tenth's losses, add its point to the running curve, and update the bar."""
        losses, scores, labels = zip(*self._pending, strict=True)
        self._pending.clear()
        losses, labels = torch.stack(losses).float().cpu(), torch.cat(labels)
        if not torch.isfinite(losses).all():
            bad = int((~torch.isfinite(losses)).nonzero()[0, 0])
            raise TrainingDiverged(
                f"The loss became {losses[bad]:g} in epoch {self.epoch}, batch "
                f"{self.done - len(losses) + 1 + bad}. The learning rate (lr={self.lr:g}) is "
                f"probably too large: try a smaller one, e.g. lr={self.lr / 10:g}, and recreate "
                f"the model, whose weights are now unusable."
            )
        correct = int((torch.cat(scores).argmax(dim=1) == labels).sum())
        self.history.running_epochs.append(self.epoch - 1 + self.done / self.batches)
        self.history.running_loss.append(float(losses.mean()))
        self.history.running_accuracy.append(correct / len(labels))
        tenth = (float(losses.sum()), len(losses), correct, len(labels))
        self._sums = [total + value for total, value in zip(self._sums, tenth, strict=True)]
        loss, batches, correct, images = self._sums
        postfix = {"epoch": self.epoch, "loss": f"{loss / batches:.3f}"}
        self.bar.set_postfix({**postfix, "acc": f"{correct / images:.1%}"}, refresh=False)
