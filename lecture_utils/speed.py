"""Settings that make small-batch training on a laptop CPU several times faster.

They are applied when training or evaluation starts (`prepare_model`), never at import:
* glibc hands large freed buffers back to the operating system after every batch, and asking
  for them again costs small models a factor of 2-3 (measured on a 2-core machine, see bench/);
  raising glibc's mmap and trim thresholds keeps that memory in the process instead. This
  setting is process-wide and stays on once made.
* Models that max-pool run on a CPU in the channels-last layout, where pooling is about 10x
  faster; the model's weights are converted in place, the inputs follow them.
* `LeanSGD` is torch's SGD update, bit for bit, without the generality around it (hooks,
  profiler records, Python loops over parameters) that costs a small model a fifth of its
  time per batch.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
from collections.abc import Iterable

import torch
from torch import nn

from .device import model_device

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_KEEP_BYTES = 256 * 1024 * 1024

_tuned = False


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed buffers below 256 MiB for reuse; returns whether it applied."""
    global _tuned
    if _tuned:
        return True
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    _tuned = bool(mallopt(_M_MMAP_THRESHOLD, _KEEP_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, 2 * _KEEP_BYTES)
    )
    return _tuned


def fast_memory_format(model: nn.Module) -> torch.memory_format:
    """Channels-last for models that max-pool on a CPU, the usual layout otherwise."""
    pools = any(isinstance(layer, nn.MaxPool2d) for layer in model.modules())
    if pools and model_device(model).type == "cpu":
        return torch.channels_last
    return torch.contiguous_format


def prepare_model(model: nn.Module) -> None:
    """Apply both settings above for `model`; cheap to call again."""
    keep_freed_memory()
    model.to(memory_format=fast_memory_format(model))


class LeanSGD:
    """The update of `torch.optim.SGD(params, lr, momentum)` (no weight decay, dampening or
    Nesterov), bit for bit, without the machinery around torch's optimizers (step hooks,
    profiler records, per-parameter Python loops) that costs a small model a fifth of its time.
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float, momentum: float = 0.0) -> None:
        self.params = list(params)
        self.lr, self.momentum = lr, momentum
        self.buffers: list[torch.Tensor | None] = [None] * len(self.params)  # one per parameter
        # Multiplying by a tensor of the weights' dtype skips the conversion of a Python number
        # at every call (twice as fast for small tensors) and rounds the same way.
        kinds = {(p.dtype, p.device) for p in self.params}
        self._factor: float | torch.Tensor = momentum
        if len(kinds) == 1:
            dtype, device = kinds.pop()
            self._factor = torch.tensor(momentum, dtype=dtype, device=device)

    def step(self) -> None:
        grads = [p.grad for p in self.params]
        ready = all(g is not None for g in grads)  # (`None in grads` would compare tensors: slow)
        with torch.no_grad():
            if ready and self.momentum == 0:
                torch._foreach_add_(self.params, grads, alpha=-self.lr)
            elif ready and all(b is not None for b in self.buffers):
                torch._foreach_mul_(self.buffers, self._factor)  # buffer = momentum * buffer
                torch._foreach_add_(self.buffers, grads)  # ... + gradient
                torch._foreach_add_(self.params, self.buffers, alpha=-self.lr)
            else:  # the first step, or a parameter without a gradient
                self._careful_step(grads)

    def _careful_step(self, grads: list[torch.Tensor | None]) -> None:
        for i, (param, grad) in enumerate(zip(self.params, grads, strict=True)):
            if grad is None:
                continue
            change = grad
            if self.momentum != 0:
                buffer = self.buffers[i]
                if buffer is None:  # a parameter's first gradient: buffer = gradient
                    change = self.buffers[i] = torch.clone(grad).detach()
                else:
                    change = buffer.mul_(self.momentum).add_(grad)
            param.add_(change, alpha=-self.lr)

    def zero_grad(self) -> None:
        for param in self.params:
            param.grad = None
