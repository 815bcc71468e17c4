"""Pick the device the lecture trains on: CUDA, else Apple MPS, else CPU."""

from __future__ import annotations

import os

import torch

ENV_VAR = "LECTURE_DEVICE"
VALID_DEVICES = ("cpu", "cuda", "mps")


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def _available(kind: str) -> bool:
    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        return _mps_available()
    return kind == "cpu"


def default_device() -> torch.device:
    """Return the fastest available device; `LECTURE_DEVICE` (cpu, cuda, cuda:N, mps) overrides it."""
    requested = os.environ.get(ENV_VAR, "").strip().lower()
    if not requested:
        for kind in ("cuda", "mps"):
            if _available(kind):
                return torch.device(kind)
        return torch.device("cpu")

    available = [kind for kind in VALID_DEVICES if _available(kind)]
    kind, colon, index = requested.partition(":")
    if kind not in VALID_DEVICES or (colon and not (kind == "cuda" and index.isdigit())):
        raise ValueError(
            f"{ENV_VAR}={requested!r} is not a device name. Valid values: "
            f"{', '.join(VALID_DEVICES)} (or cuda:N). Available here: {', '.join(available)}."
        )
    if not _available(kind):
        raise ValueError(
            f"{ENV_VAR}={requested!r} asks for a device this machine does not have. "
            f"Available here: {', '.join(available)}. Unset {ENV_VAR} to pick one automatically."
        )
    if index and int(index) >= torch.cuda.device_count():
        raise ValueError(
            f"{ENV_VAR}={requested!r}: this machine has {torch.cuda.device_count()} CUDA "
            f"device(s), numbered from 0."
        )
    return torch.device(requested)


def model_device(model: torch.nn.Module) -> torch.device:
    """The device holding a model's parameters (CPU for a model without any)."""
    for parameter in model.parameters():
        return parameter.device
    return torch.device("cpu")
