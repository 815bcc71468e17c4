"""The device to train on: CUDA, else Apple's MPS, else the CPU, unless `LECTURE_DEVICE` names one."""

import torch

from .environment import device_request


def default_device() -> torch.device:
    """The fastest available device, or the one `LECTURE_DEVICE` (cpu, cuda, cuda:N, mps) names."""
    mps = getattr(torch.backends, "mps", None)
    has = {"cuda": torch.cuda.is_available(), "mps": bool(mps and mps.is_available()), "cpu": True}
    available = [kind for kind, present in has.items() if present]
    requested = device_request() or available[0]
    if not has[requested.partition(":")[0]]:
        raise ValueError(
            f"LECTURE_DEVICE={requested!r} asks for a device this machine does not have. "
            f"Available here: {', '.join(available)}. Unset LECTURE_DEVICE to pick one."
        )
    return torch.device(requested)


def model_device(model: torch.nn.Module) -> torch.device:
    """The device holding a model's parameters (the CPU for a model without any)."""
    return next(model.parameters(), torch.empty(0)).device
