"""How many CPU threads torch uses while `train` or `evaluate` runs: measured, or `LECTURE_THREADS`.

Torch's threads wait for each other after every operation, so on a laptop whose other core is
busy (a browser, a video call) two threads can make a small model 3-15x slower than one. The
policy therefore gives small batches (under ten million multiply-adds, such as a training batch
of logistic regression or SmallConvNet) one thread: more threads barely help them even on an
idle machine. For bigger batches on a CPU (the ConvNet's training, every model's evaluation) it
times a few real batches with each candidate count (1 and the caller's count), keeps the faster,
and measures again after a few seconds, since the load changes; training and evaluation share
that latest measurement. `LECTURE_THREADS=N` fixes the count instead, measuring nothing (N at most
the cores this process may use): use it where results must repeat bit for bit, because
convolutions round differently with 1 and 2 threads.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter

import torch

from .device import model_device

ENV_VAR = "LECTURE_THREADS"
TRIAL_BATCHES = 5  # timed batches per candidate (the first after a switch is not timed)
RETRIAL_SECONDS = 10.0  # how long a choice stands before it is measured again
GIVE_UP = 1.5  # a candidate whose batch takes this many times the best median is dropped at once
SMALL_BATCH = 10_000_000  # multiply-adds per batch below which one thread is as fast as more

# The latest trial's winner, its candidates and when it was measured: a policy that starts
# within RETRIAL_SECONDS (the evaluations after an epoch, the next cell) takes it as it is.
_latest: tuple[int, tuple[int, ...], float] | None = None
_running: list[ThreadPolicy] = []  # the policies in force, outermost first


def requested_threads() -> int | None:
    """The thread count that `LECTURE_THREADS` asks for, or None when it is unset or empty;
    a ValueError naming the variable when it is not a count or exceeds the cores available."""
    text = os.environ.get(ENV_VAR, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(
            f"{ENV_VAR}={text!r} is not a thread count: set it to a whole number such as 1 or 2, "
            f"or unset it to let the lecture measure which count is faster."
        )
    cores = available_cores()
    if int(text) > cores:
        raise ValueError(
            f"{ENV_VAR}={text} asks for more threads than the {cores} cores this process may "
            f"use; set it to at most {cores}, or unset it."
        )
    return int(text)


def multiply_adds(model: torch.nn.Module, example: torch.Tensor) -> int:
    """Multiply-adds of the convolutions and linear layers to score one image like `example`."""
    total = 0

    def count(layer: torch.nn.Module, args: tuple, out: torch.Tensor) -> None:
        nonlocal total
        if isinstance(layer, torch.nn.Conv2d):
            per_output = (
                layer.in_channels // layer.groups * layer.kernel_size[0] * layer.kernel_size[1]
            )
            total += out.numel() * per_output
        elif isinstance(layer, torch.nn.Linear):
            total += out.numel() * layer.in_features

    hooks = [layer.register_forward_hook(count) for layer in model.modules()]
    was_training = model.training
    try:
        with torch.no_grad():
            model.eval()(example[:1])
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    return total


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows
        return os.cpu_count() or 1


class ThreadPolicy:
    """Sets torch's thread count while a model trains or is evaluated; restores the caller's after.

    With `example` (one input image) and `batch_size`, small batches get one thread without
    measuring; without, every count is measured. A trial times `trial_batches` batches per
    candidate. Call `start_epoch()` before an epoch's first batch and `after_batch()` after
    every batch; `threads` is the count that ran the most batches.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        example: torch.Tensor | None = None,
        *,
        batch_size: int = 1,
        trial_batches: int = TRIAL_BATCHES,
    ) -> None:
        self.caller = torch.get_num_threads()
        users = _running[0].caller if _running else self.caller  # not a count set by a policy
        self.trial_batches = trial_batches
        fixed = requested_threads()
        if fixed is not None:
            self.candidates = [fixed]
        elif model_device(model).type != "cpu":
            self.candidates = [users]  # the CPU only feeds the GPU
        elif example is not None and multiply_adds(model, example) * batch_size < SMALL_BATCH:
            self.candidates = [1]
        else:
            self.candidates = sorted({1, max(1, min(users, available_cores()))})
        self.batches: Counter[int] = Counter()
        self._times: dict[int, list[float]] = {}
        self._trying: list[int] = []
        self._choice = self.candidates[-1]
        self._retrial_at = 0.0
        self._last: float | None = None

    @property
    def threads(self) -> int:
        return self.batches.most_common(1)[0][0] if self.batches else self._choice

    def __enter__(self) -> ThreadPolicy:
        _running.append(self)
        if _latest is not None and _latest[1] == tuple(self.candidates):
            choice, _, when = _latest
            if time.perf_counter() < when + RETRIAL_SECONDS:  # measured moments ago: reuse it
                self._choice, self._retrial_at = choice, when + RETRIAL_SECONDS
                torch.set_num_threads(choice)
                return self
        self._start_trial()
        return self

    def __exit__(self, *exc: object) -> None:
        _running.remove(self)
        torch.set_num_threads(self.caller)

    def start_epoch(self) -> None:
        """Forget the clock: the time since the last batch includes the evaluations."""
        self._last = None

    def after_batch(self) -> None:
        now = time.perf_counter()
        count = torch.get_num_threads()
        self.batches[count] += 1
        last, self._last = self._last, now
        if self._trying:
            times = self._times[count]
            if last is not None:
                times.append(now - last)
            if len(times) >= self.trial_batches or self._hopeless(times):
                self._next_candidate(now)
        elif len(self.candidates) > 1 and now >= self._retrial_at:
            self._start_trial()

    def _start_trial(self) -> None:
        self._trying = list(self.candidates) if len(self.candidates) > 1 else []
        self._times = {count: [] for count in self.candidates}
        torch.set_num_threads(self._trying[0] if self._trying else self._choice)
        self._last = None

    def _hopeless(self, times: list[float]) -> bool:
        """A candidate already far slower than one measured before it needs no more batches."""
        medians = [
            statistics.median(other)
            for other in self._times.values()
            if other is not times and other
        ]
        return bool(times and medians) and times[-1] > GIVE_UP * min(medians)

    def _next_candidate(self, now: float) -> None:
        self._trying.pop(0)
        if self._trying:
            torch.set_num_threads(self._trying[0])
            self._last = None
            return
        global _latest
        medians = {count: statistics.median(t) for count, t in self._times.items() if t}
        self._choice = min(medians, key=medians.get)
        torch.set_num_threads(self._choice)
        self._retrial_at = now + RETRIAL_SECONDS
        _latest = (self._choice, tuple(self.candidates), now)
