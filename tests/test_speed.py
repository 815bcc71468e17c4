"""Torch's thread count while training and evaluating, the memory layout, and the allocator."""

import subprocess
import sys
import time

import pytest
import torch
from torch import nn

from lecture_utils import speed
from lecture_utils.models import ConvNet, LogisticRegression, SmallConvNet
from lecture_utils.speed import multiply_adds
from lecture_utils.training import evaluate, train


def _data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    return torch.rand(n, 1, 28, 28, generator=generator), torch.randint(0, 26, (n,))


def _threads_seen(model: nn.Module, training: bool = True) -> list[int]:
    """The thread count of each batch (not of the one-image checks) in training or evaluation."""
    seen = []

    def hook(module, args, out):  # on `model`, not the copies that `train` times
        if module is model and module.training == training and len(args[0]) > 1:
            seen.append(torch.get_num_threads())

    model.register_forward_hook(hook)
    return seen


@pytest.fixture
def two_cores(monkeypatch):
    """Two cores, torch on both, no LECTURE_THREADS; the caller's thread count comes back."""
    monkeypatch.delenv("LECTURE_THREADS", raising=False)
    monkeypatch.setattr(speed.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    caller = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(caller)


class _Slow(nn.Module):
    """A big convolution whose training batches take `cost[threads]` seconds more."""

    def __init__(self, cost: dict[int, float]) -> None:
        super().__init__()
        self.pipeline = nn.Sequential(nn.Conv2d(1, 64, 5), nn.Flatten(), nn.Linear(64 * 576, 26))
        self.cost = cost

    def forward(self, x):
        if self.training:
            time.sleep(self.cost[torch.get_num_threads()])
        return self.pipeline(x)


def test_lecture_threads_fixes_the_count_for_every_batch_and_the_callers_count_returns(
    monkeypatch,
):
    monkeypatch.setenv("LECTURE_THREADS", "1")
    caller = torch.get_num_threads()
    model = ConvNet()
    seen = _threads_seen(model)
    train(model, _data(64), _data(8), epochs=1, lr=0.01, progress=False)
    assert seen == [1, 1]
    assert torch.get_num_threads() == caller


def test_lecture_threads_2_holds_for_training_its_evaluations_and_evaluate(monkeypatch):
    """Even for logistic regression, which otherwise trains on one thread."""
    monkeypatch.setattr(speed.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setenv("LECTURE_THREADS", "2")
    model = LogisticRegression()
    training, scoring = _threads_seen(model), _threads_seen(model, training=False)
    train(model, _data(64), _data(16), epochs=1, lr=0.01, batch_size=8, progress=False)
    evaluate(model, *_data(32), batch_size=8)
    assert training == [2] * 8 and scoring == [2] * (1 + 1 + 4)  # train set, val set, 4 batches


def test_lecture_threads_may_ask_only_for_the_cores_this_process_may_use(monkeypatch):
    monkeypatch.setattr(speed.os, "sched_getaffinity", lambda pid: {0, 3}, raising=False)
    monkeypatch.setattr(speed.os, "cpu_count", lambda: 16)
    monkeypatch.setenv("LECTURE_THREADS", "3")
    with pytest.raises(ValueError, match=r"more threads than the 2 cores .* at most 2"):
        train(LogisticRegression(), _data(8), _data(8), epochs=1, lr=0.01, progress=False)


@pytest.mark.parametrize("model_class", [LogisticRegression, SmallConvNet])
def test_small_models_train_on_one_thread(two_cores, model_class):
    model = model_class()
    seen = _threads_seen(model)
    train(model, _data(320), _data(8), epochs=1, lr=0.01, progress=False)
    assert set(seen) == {1} and torch.get_num_threads() == 2


@pytest.mark.parametrize(
    ("cost", "best"), [({1: 0.0, 2: 0.1}, 1), ({1: 0.1, 2: 0.0}, 2)], ids=["one", "two"]
)
def test_a_big_model_trains_and_is_evaluated_on_the_count_a_short_trial_found_faster(
    two_cores, cost, best
):
    model = _Slow(cost)
    seen, scoring = _threads_seen(model), _threads_seen(model, training=False)
    train(model, _data(64), _data(8), epochs=1, lr=0.01, progress=False)
    assert seen == [best, best] and set(scoring) == {best}  # and the evaluations in between
    later = _threads_seen(model, training=False)
    evaluate(model, *_data(64), batch_size=32)
    assert later == [best, best] and torch.get_num_threads() == 2


class _SlowScoring(nn.Module):
    """Small enough to train on one thread untimed; scoring a batch takes `cost[threads]` more."""

    def __init__(self, cost: dict[int, float]) -> None:
        super().__init__()
        self.pipeline = nn.Sequential(nn.Flatten(), nn.Linear(784, 52), nn.Linear(52, 26))
        self.cost = cost

    def forward(self, x):
        if not self.training:
            time.sleep(self.cost[torch.get_num_threads()])
        return self.pipeline(x)


def test_a_model_trained_on_one_thread_is_scored_on_the_count_a_short_trial_found_faster(
    two_cores, monkeypatch
):
    monkeypatch.setattr(speed, "_trial_choice", None)  # no earlier trial to reuse
    model = _SlowScoring({1: 0.05, 2: 0.0})
    seen, scoring = _threads_seen(model), _threads_seen(model, training=False)
    train(model, _data(64), _data(8), epochs=1, lr=0.01, progress=False)
    assert set(seen) == {1} and set(scoring) == {2}


def test_multiply_adds_counts_convolutions_and_linear_layers():
    image = torch.zeros(1, 1, 28, 28)
    assert multiply_adds(LogisticRegression(), image) == 784 * 26
    assert multiply_adds(SmallConvNet(), image) == 4 * 24 * 24 * 25 + 2304 * 26
    assert multiply_adds(ConvNet(), image) == (
        100 * 24 * 24 * 25 + 50 * 10 * 10 * 900 + 50 * 3 * 3 * 450 + 50 * 26
    )


@pytest.mark.parametrize(
    ("model_class", "layout"),
    [
        (LogisticRegression, torch.contiguous_format),
        (SmallConvNet, torch.contiguous_format),
        (ConvNet, torch.channels_last),
    ],
)
def test_models_that_pool_run_channels_last_on_a_cpu(model_class, layout):
    model = model_class().eval()
    train(model, _data(8), _data(4), epochs=1, lr=0.01, progress=False)
    weights = [p for p in model.parameters() if p.dim() == 4]
    assert all(p.is_contiguous(memory_format=layout) for p in weights)


IMPORT_THEN_TRAIN = """
import torch
before = torch.get_num_threads()
import lecture_utils, lecture_utils.training as training
assert torch.get_num_threads() == before, "threads changed at import"
print("imported")
from lecture_utils.models import LogisticRegression
X, y = torch.rand(4, 1, 28, 28), torch.zeros(4, dtype=torch.int64)
for _ in range(2):
    training.train(LogisticRegression(), (X, y), (X, y), epochs=1, lr=0.1, progress=False)
"""


def test_the_first_training_keeps_freed_memory_for_reuse_and_says_so_once():
    """glibc's setting is process-wide: made when training first starts, never at import."""
    import platform

    out = subprocess.run(
        [sys.executable, "-c", IMPORT_THEN_TRAIN], capture_output=True, text=True, check=True
    ).stdout
    said = "Keeping freed memory for reuse in this process (glibc): evaluation runs faster here.\n"
    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert out == "imported\n" + said * glibc
