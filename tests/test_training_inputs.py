"""`train` and `evaluate` check their inputs up front and say what was expected."""

import numpy as np
import pytest
import torch

from lecture_utils.models import LogisticRegression
from lecture_utils.training import evaluate, train


def _data(n: int = 8, labels: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    X = torch.rand(n, 1, 28, 28, generator=generator)
    return X, torch.randint(0, 26, (n if labels is None else labels,), generator=generator)


X, y = _data()
BAD_TRAINING_DATA = {
    "more images than labels": ((X, y[:5]), ValueError, r"8 images but 5 labels"),
    "more labels than images": ((X[:5], y), ValueError, r"5 images but 8 labels"),
    "no channel axis": ((X[:, 0], y), ValueError, r"\(8, 28, 28\).*X\.unsqueeze\(1\)"),
    "float64 images": ((X.double(), y), TypeError, r"torch\.float64.*float32.*X\.float\(\)"),
    "uint8 images": (((X * 255).to(torch.uint8), y), TypeError, r"X\.float\(\) / 255"),
    "float labels": ((X, y.float()), TypeError, r"torch\.float32.*int64.*y\.long\(\)"),
    "int32 labels": ((X, y.int()), TypeError, r"torch\.int32.*y\.long\(\)"),
    "labels out of range": ((X, y + 26), ValueError, r"expected letter numbers 0 to 25"),
    "NumPy images": ((X.numpy(), y), TypeError, r"numpy\.ndarray.*torch\.from_numpy"),
    "NumPy labels": ((X, np.asarray(y)), TypeError, r"numpy\.ndarray.*torch\.from_numpy"),
    "not a pair": (X, TypeError, r"pair \(images, labels\)"),
    "empty": ((X[:0], y[:0]), ValueError, r"no images"),
}


@pytest.mark.parametrize("case", BAD_TRAINING_DATA, ids=list(BAD_TRAINING_DATA))
def test_bad_training_data_is_refused_before_any_batch_with_what_was_expected(case):
    data, error, message = BAD_TRAINING_DATA[case]
    model = LogisticRegression()
    calls = []
    model.register_forward_hook(lambda *args: calls.append(1))
    with pytest.raises(error, match=message):
        train(model, data, _data(), epochs=1, lr=0.01, progress=False)
    assert calls == []  # nothing was trained or scored


def test_bad_validation_data_is_refused_before_training():
    model = LogisticRegression()
    calls = []
    model.register_forward_hook(lambda *args: calls.append(1))
    with pytest.raises(ValueError, match=r"val_data has 8 images but 5 labels"):
        train(model, _data(), (X, y[:5]), epochs=1, lr=0.01, progress=False)
    assert calls == []


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"epochs": 0}, r"epochs must be a whole number of at least 1; got 0"),
        ({"batch_size": 0}, r"batch_size must be .* at least 1; got 0"),
        ({"batch_size": 2.5}, r"batch_size must be a whole number"),
        ({"momentum": 1.5}, r"momentum must be at least 0 and below 1"),
    ],
)
def test_bad_settings_are_refused_with_the_rule(settings, message):
    with pytest.raises(ValueError, match=message):
        train(LogisticRegression(), _data(), _data(), **{"epochs": 1, "lr": 0.01, **settings})


def test_evaluate_refuses_a_batch_size_of_zero_and_bad_data():
    with pytest.raises(ValueError, match=r"batch_size must be a whole number of at least 1"):
        evaluate(LogisticRegression(), X, y, batch_size=0)
    with pytest.raises(TypeError, match=r"torch\.from_numpy"):
        evaluate(LogisticRegression(), X.numpy(), y)
