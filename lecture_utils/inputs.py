"""Check what `train` and `evaluate` are given, before any batch, and say what was expected:
unchecked, a mismatch fails mid-epoch in torch's words, or never (a model with 24 outputs)."""

import math
from numbers import Integral, Real

import torch
from torch import nn

from .data.dataset import IMAGE_SIZE, N_CLASSES
from .device import model_device

Data = tuple[torch.Tensor, torch.Tensor]
WHOLE = (lambda value: isinstance(value, Integral) and value >= 1, "a whole number of at least 1")
# Each numeric setting: the test its value must pass, and the rule that the error states.
RULES = {
    "epochs": WHOLE,
    "batch_size": WHOLE,
    "lr": (lambda value: math.isfinite(value) and value > 0, "a finite number above 0, e.g. 0.01"),
    "momentum": (lambda value: 0 <= value < 1, "at least 0 and below 1, such as 0.9"),
}


def checked_inputs(model: object, data: dict[str, object], **settings: object) -> list[Data]:
    """Each pair (images, labels) of `data`, checked and on the model's device, after checking
    the model and `settings` (those of `RULES`, and the functions train_epoch and evaluate)."""
    if not isinstance(model, nn.Module):
        made = " (create one first, e.g. LogisticRegression())" if isinstance(model, type) else ""
        raise TypeError(f"model should be a torch model (an nn.Module); got {model!r}{made}.")
    if next(model.parameters(), None) is None:
        raise ValueError(
            f"the model {type(model).__name__} has no parameters (weights) to train or to "
            f"score with: give it a layer that learns, e.g. nn.Linear(784, {N_CLASSES})."
        )
    for name, value in settings.items():
        if name in RULES:
            test, rule = RULES[name]
            if isinstance(value, bool) or not isinstance(value, Real) or not test(value):
                raise ValueError(f"{name} must be {rule}; got {value!r}.")
        elif not callable(value):
            raise TypeError(f"{name} must be a function, e.g. the lesson's {name}; got {value!r}.")
    pairs = [_checked_pair(pair, what) for what, pair in data.items()]
    _check_scores(model, pairs[0][0])
    device = model_device(model)
    return [(X.to(device), y.to(device)) for X, y in pairs]


def _tensor(value: object, what: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        kind = f"{type(value).__module__.split('.')[0]}.{type(value).__qualname__}"
        fix = " Convert it with torch.from_numpy(...)." if kind.startswith("numpy.") else ""
        raise TypeError(f"{what} should be a torch tensor, but it is a {kind}.{fix}")
    return value


def _checked_pair(data: object, what: str) -> Data:
    """Float32 images (N, 1, 28, 28) and as many int64 letter numbers, else the fix."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{what} should be a pair (images, labels), e.g. (X_train, y_train).")
    images, labels = f"the images of {what}", f"the labels of {what}"
    X, y = _tensor(data[0], images), _tensor(data[1], labels)
    if X.shape[1:] != (1, IMAGE_SIZE, IMAGE_SIZE):
        axis = " Add the channel axis with X.unsqueeze(1)." if X.dim() == 3 else ""
        raise ValueError(
            f"{images} have shape {tuple(X.shape)}; expected (N, 1, {IMAGE_SIZE}, {IMAGE_SIZE}), "
            f"one grey channel per image.{axis}"
        )
    if X.dtype != torch.float32:
        fix = "X.float()" if X.dtype.is_floating_point else "X.float() / 255"
        raise TypeError(f"{images} are {X.dtype}; the models expect torch.float32. Use {fix}.")
    if y.dim() != 1:
        raise ValueError(f"{labels} have shape {tuple(y.shape)}; expected one per image (N,).")
    if y.dtype != torch.int64:
        raise TypeError(f"{labels} are {y.dtype}; cross-entropy expects torch.int64. Use y.long().")
    if len(y) and not 0 <= int(y.min()) <= int(y.max()) < N_CLASSES:
        low, high = int(y.min()), int(y.max())
        raise ValueError(f"{labels} run from {low} to {high}; expected 0 to {N_CLASSES - 1} (A-Z).")
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(
            f"{what} has {len(X)} images and {len(y)} labels; it needs as many labels as images, "
            f"at least one."
        )
    return X, y


def _check_scores(model: nn.Module, images: torch.Tensor) -> None:
    """The model must give one row of 26 scores per image: tried on the first image."""
    was_training = model.training
    try:
        with torch.no_grad():
            scores = model.eval()(images[:1])
    finally:
        model.train(was_training)
    if not isinstance(scores, torch.Tensor):
        kind = type(scores).__name__
        raise TypeError(f"the model returns a {kind}, not a tensor of scores, one row per image.")
    if scores.shape != (1, N_CLASSES):
        raise ValueError(
            f"the model gives scores of shape {tuple(scores.shape)} for one image; expected "
            f"(1, {N_CLASSES}), a score for each of the {N_CLASSES} letters (A-Z): make its last "
            f"layer output {N_CLASSES}."
        )
