"""Make training fast on a laptop CPU: torch's thread count, the memory layout, glibc's allocator
(measured by `bench/bench_training.py --allocator` and `bench/bench_lecture.py`)."""

import contextlib
import copy
import ctypes
import functools
import os
import platform
import statistics
import timeit
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .device import model_device
from .environment import thread_count

SMALL_BATCH = 10_000_000  # multiply-adds per batch below which one thread is as fast as more
TRIAL_STEPS = 3  # timed steps per thread count, after one to warm up
TRIAL_IMAGES = 256  # at most this many images per timed step

# A cache: the thread count the latest training trial found faster, which evaluations reuse.
_trial_choice: int | None = None


@contextlib.contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run torch on `count` CPU threads inside the block; the caller's count comes back after."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def multiply_adds(model: nn.Module, example: torch.Tensor) -> int:
    """Multiply-adds (half the FLOP torch counts) to score one image like `example`."""
    twin = copy.deepcopy(model).eval()  # a copy: the model's mode and statistics stay as they are
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        twin(example[:1])
    return counter.get_total_flops() // 2


def pick_threads(
    model: nn.Module, images: torch.Tensor, batch_size: int, labels: torch.Tensor | None = None
) -> int:
    """Torch's thread count for batches of `batch_size`: `LECTURE_THREADS` when set; the caller's
    off the CPU; one for batches under `SMALL_BATCH` multiply-adds; else the faster of one and all
    cores over a few training steps (`labels` given) or, to evaluate, the latest trial's choice
    (a few scoring passes where there was none)."""
    global _trial_choice
    affinity = getattr(os, "sched_getaffinity", None)  # the cores this process may use
    cores = len(affinity(0)) if affinity else os.cpu_count() or 1
    fixed = thread_count(cores)
    if fixed is not None:
        return fixed
    if model_device(model).type != "cpu":
        return torch.get_num_threads()  # the CPU only feeds the accelerator
    if multiply_adds(model, images) * batch_size < SMALL_BATCH:
        return 1
    if labels is None and _trial_choice is not None:
        return _trial_choice
    trial = copy.deepcopy(model).train(labels is not None)  # its gradients must not reach model
    images = images[: min(batch_size, TRIAL_IMAGES)]

    def step() -> None:
        if labels is None:
            with torch.no_grad():
                trial(images)
            return
        trial.zero_grad()
        F.cross_entropy(trial(images), labels[: len(images)]).backward()

    seconds = {}
    for count in {1, max(1, min(torch.get_num_threads(), cores))}:
        with torch_threads(count):
            times = timeit.repeat(step, number=1, repeat=TRIAL_STEPS + 1)[1:]
        seconds[count] = statistics.median(times)
    _trial_choice = min(seconds, key=seconds.__getitem__)
    return _trial_choice


def use_fast_layout(model: nn.Module) -> None:
    """Convert a model that max-pools on a CPU to channels-last, in place; its inputs follow."""
    pools = any(isinstance(layer, nn.MaxPool2d) for layer in model.modules())
    if pools and model_device(model).type == "cpu":
        model.to(memory_format=torch.channels_last)


@functools.cache  # once per process: the setting then holds for the whole process
def keep_freed_memory() -> bool:
    """Ask glibc to keep freed buffers below 256 MiB for reuse; say so once; whether it did."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    mallopt = ctypes.CDLL("libc.so.6").mallopt
    # -3: M_MMAP_THRESHOLD, -1: M_TRIM_THRESHOLD (glibc's malloc.h); mallopt returns 1 if done.
    if not (mallopt(-3, 256 * 2**20) and mallopt(-1, 512 * 2**20)):
        return False
    print("Keeping freed memory for reuse in this process (glibc): evaluation runs faster here.")
    return True
