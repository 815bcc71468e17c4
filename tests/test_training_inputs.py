"""`train` and `evaluate` check their inputs up front and say what was expected."""

import numpy as np
import pytest
import torch
from torch import nn

from lecture_utils.models import LogisticRegression
from lecture_utils.training import evaluate, train


def _data(n: int = 8, labels: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    X = torch.rand(n, 1, 28, 28, generator=generator)
    return X, torch.randint(0, 26, (n if labels is None else labels,), generator=generator)


X, y = _data()
BAD_TRAINING_DATA = {
    "more images than labels": ((X, y[:5]), ValueError, r"8 images and 5 labels"),
    "more labels than images": ((X[:5], y), ValueError, r"5 images and 8 labels"),
    "no channel axis": ((X[:, 0], y), ValueError, r"\(8, 28, 28\).*X\.unsqueeze\(1\)"),
    "float64 images": ((X.double(), y), TypeError, r"torch\.float64.*float32.*X\.float\(\)"),
    "uint8 images": (((X * 255).to(torch.uint8), y), TypeError, r"X\.float\(\) / 255"),
    "float labels": ((X, y.float()), TypeError, r"torch\.float32.*int64.*y\.long\(\)"),
    "int32 labels": ((X, y.int()), TypeError, r"torch\.int32.*y\.long\(\)"),
    "labels out of range": ((X, y + 26), ValueError, r"expected 0 to 25 \(A-Z\)"),
    "NumPy images": ((X.numpy(), y), TypeError, r"numpy\.ndarray.*torch\.from_numpy"),
    "NumPy labels": ((X, np.asarray(y)), TypeError, r"numpy\.ndarray.*torch\.from_numpy"),
    "not a pair": (X, TypeError, r"pair \(images, labels\)"),
    "empty": ((X[:0], y[:0]), ValueError, r"0 images .* at least one"),
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
    with pytest.raises(ValueError, match=r"val_data has 8 images and 5 labels"):
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
    with pytest.raises(ValueError, match=r"the data has 8 images and 5 labels"):
        evaluate(LogisticRegression(), X, y[:5])


class _NoParameters(nn.Module):
    def forward(self, x):
        return torch.zeros(len(x), 26)


class _Linear(nn.Module):
    """A linear model whose output `shape(n)` gives for n images; records its training batches."""

    def __init__(self, outputs: int = 26, shape=None) -> None:
        super().__init__()
        self.layer = nn.Linear(784, outputs)
        self.shape, self.batches = shape, 0

    def forward(self, x):
        self.batches += self.training
        scores = self.layer(x.flatten(1))
        return scores if self.shape is None else scores.view(self.shape(len(x)))


class _Pair(_Linear):
    def forward(self, x):
        return super().forward(x), None


BAD_MODELS = {
    "no parameters": (_NoParameters, ValueError, r"no parameters .* nn\.Linear\(784, 26\)"),
    "10 outputs": (
        lambda: _Linear(10),
        ValueError,
        r"^the model gives scores of shape \(1, 10\) for one image; expected \(1, 26\), a "
        r"score for each of the 26 letters \(A-Z\): make its last layer output 26\.$",
    ),
    "24 outputs": (lambda: _Linear(24), ValueError, r"shape \(1, 24\) for one image"),
    "scores in a grid": (
        lambda: _Linear(shape=lambda n: (n, 2, 13)),
        ValueError,
        r"shape \(1, 2, 13\) for one image; expected \(1, 26\)",
    ),
    "a pair of outputs": (_Pair, TypeError, r"returns a tuple, not a tensor of scores"),
}


@pytest.mark.parametrize("case", BAD_MODELS, ids=list(BAD_MODELS))
def test_a_model_that_cannot_score_26_letters_is_refused_in_words_before_any_batch(case):
    make, error, message = BAD_MODELS[case]
    model = make()
    with pytest.raises(error, match=message):
        train(model, _data(), _data(), epochs=1, lr=0.01, progress=False)
    assert getattr(model, "batches", 0) == 0
    with pytest.raises(error, match=message):
        evaluate(model, *_data())


def test_the_model_class_instead_of_a_model_is_refused_with_the_fix():
    with pytest.raises(TypeError, match=r"create one first, e\.g\. LogisticRegression\(\)"):
        train(LogisticRegression, _data(), _data(), epochs=1, lr=0.01, progress=False)
    with pytest.raises(TypeError, match=r"should be a torch model"):
        evaluate("LogisticRegression", *_data())


@pytest.mark.parametrize("function", ["train_epoch", "evaluate"])
def test_a_train_epoch_or_evaluate_that_is_not_a_function_is_refused(function):
    model = _Linear()
    with pytest.raises(
        TypeError, match=rf"^{function} must be a function, e.g. the lesson's {function}"
    ):
        train(model, _data(), _data(), epochs=1, lr=0.01, progress=False, **{function: "x"})
    assert model.batches == 0


def test_numpy_numbers_are_taken_as_the_numbers_they_are():
    history = train(
        LogisticRegression(),
        _data(),
        _data(),
        epochs=np.int64(2),
        lr=np.float32(0.01),
        momentum=np.float64(0.5),
        batch_size=np.int32(4),
        seed=np.int64(1),
        progress=False,
    )
    assert len(history) == 2
    assert evaluate(LogisticRegression(), X, y, batch_size=np.int64(3)).confusion.sum() == 8


@pytest.mark.parametrize(
    ("settings", "message"),
    [({"epochs": True}, r"epochs must be a whole number"), ({"lr": True}, r"lr must be")],
)
def test_a_true_or_false_is_not_taken_as_a_number(settings, message):
    with pytest.raises(ValueError, match=message):
        train(LogisticRegression(), _data(), _data(), **{"epochs": 1, "lr": 0.01, **settings})


def test_a_lecture_threads_too_large_is_refused_before_any_batch(monkeypatch):
    monkeypatch.setenv("LECTURE_THREADS", "1000")
    model = _Linear()
    with pytest.raises(ValueError, match=r"LECTURE_THREADS=1000 asks for more threads"):
        train(model, _data(), _data(), epochs=1, lr=0.01)
    assert model.batches == 0
    with pytest.raises(ValueError, match=r"LECTURE_THREADS=1000"):
        evaluate(model, X, y)
