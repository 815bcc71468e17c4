"""Check what `train` and `evaluate` are given, before any work, and say what was expected.

Without these checks a mismatch surfaces as a raw torch error in the middle of an epoch (more
images than labels), only after a whole epoch (more labels than images), or never (a model
with 24 outputs trains on letters 24 and 25 without complaint until a batch holds one).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import torch
from torch import nn

from .alphabet import N_CLASSES
from .device import model_device

IMAGE_SHAPE = (1, 28, 28)


def _tensor(value: object, what: str) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value
    kind = type(value).__module__.split(".")[0] + "." + type(value).__qualname__
    fix = " Convert it with torch.from_numpy(...)." if kind.startswith("numpy.") else ""
    raise TypeError(f"{what} should be a torch tensor, but it is a {kind}.{fix}")


def checked_images(X: object, what: str = "the images") -> torch.Tensor:
    """`X` if it holds float32 images of shape (N, 1, 28, 28); else a TypeError/ValueError."""
    X = _tensor(X, what)
    shape = tuple(X.shape)
    if len(shape) == 3 and shape[1:] == IMAGE_SHAPE[1:]:
        raise ValueError(
            f"{what} have shape {shape}, without the channel axis; expected (N, 1, 28, 28). "
            f"Add the axis with X.unsqueeze(1)."
        )
    if len(shape) != 4 or shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"{what} have shape {shape}; expected (N, 1, 28, 28) grey images.")
    if X.dtype != torch.float32:
        fix = "X.float() / 255" if not X.dtype.is_floating_point else "X.float()"
        raise TypeError(
            f"{what} are {X.dtype}; the models expect torch.float32. Convert them with {fix}."
        )
    return X


def checked_labels(y: object, what: str = "the labels") -> torch.Tensor:
    """`y` if it holds int64 letter numbers 0-25 of shape (N,); else a TypeError/ValueError."""
    y = _tensor(y, what)
    if y.dim() != 1:
        raise ValueError(f"{what} have shape {tuple(y.shape)}; expected one number per image (N,).")
    if y.dtype != torch.int64:
        raise TypeError(
            f"{what} are {y.dtype}; cross-entropy expects torch.int64 class numbers. "
            f"Convert them with y.long()."
        )
    if len(y) and (int(y.min()) < 0 or int(y.max()) >= N_CLASSES):
        raise ValueError(
            f"{what} run from {int(y.min())} to {int(y.max())}; expected letter numbers "
            f"0 to {N_CLASSES - 1}."
        )
    return y


def checked_data(model: nn.Module, data: object, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The pair (images, labels) of `data`, checked and moved to the model's device."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{what} should be a pair (images, labels), e.g. (X_train, y_train).")
    X = checked_images(data[0], f"the images of {what}")
    y = checked_labels(data[1], f"the labels of {what}")
    if len(X) != len(y):
        raise ValueError(
            f"{what} has {len(X)} images but {len(y)} labels; it needs as many labels as images."
        )
    if len(X) == 0:
        raise ValueError(
            f"{what} holds no images; it needs as many labels as images, at least one."
        )
    device = model_device(model)
    return X.to(device), y.to(device)


def check_model(model: object) -> None:
    """A torch model (an instance, not its class) that has parameters."""
    if not isinstance(model, nn.Module):
        made = " (create one first, e.g. LogisticRegression())" if isinstance(model, type) else ""
        raise TypeError(f"model should be a torch model (an nn.Module); got {model!r}{made}.")
    if next(model.parameters(), None) is None:
        raise ValueError(
            f"the model {type(model).__name__} has no parameters (weights) to train or to "
            f"score with: give it a layer that learns, e.g. nn.Linear(784, {N_CLASSES})."
        )


def check_scores(model: nn.Module, images: torch.Tensor) -> None:
    """The model must give one row of 26 scores per image: tried on the first image."""
    was_training = model.training
    try:
        with torch.no_grad():
            scores = model.eval()(images[:1])
    finally:
        model.train(was_training)
    if not isinstance(scores, torch.Tensor):
        raise TypeError(
            f"the model returns a {type(scores).__name__}, not a tensor of scores: its forward "
            f"should return one row of {N_CLASSES} scores per image."
        )
    if scores.dim() == 2 and len(scores) == 1 and scores.shape[1] != N_CLASSES:
        raise ValueError(
            f"the model gives {scores.shape[1]} scores per image; the lecture's data has "
            f"{N_CLASSES} letters (A-Z): make its last layer output {N_CLASSES}."
        )
    if tuple(scores.shape) != (1, N_CLASSES):
        raise ValueError(
            f"the model turns one image into an output of shape {tuple(scores.shape)}; "
            f"expected (1, {N_CLASSES}), one row of {N_CLASSES} scores per image."
        )


def check_callable(**functions: object) -> None:
    """Each value must be a function (train_epoch, evaluate)."""
    for name, function in functions.items():
        if not callable(function):
            raise TypeError(
                f"{name} should be a function, such as the lesson's {name}; got {function!r}."
            )


def check_whole(**values: object) -> None:
    """Each value must be a whole number of at least 1 (epochs, batch sizes)."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be a whole number of at least 1; got {value!r}.")


def check_rates(lr: float, momentum: float) -> None:
    """A finite positive learning rate and a momentum in [0, 1)."""
    if isinstance(lr, bool) or not isinstance(lr, Real) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a finite number above 0, such as 0.01; got {lr!r}.")
    if isinstance(momentum, bool) or not isinstance(momentum, Real) or not 0 <= momentum < 1:
        raise ValueError(f"momentum must be at least 0 and below 1, such as 0.9; got {momentum!r}.")
