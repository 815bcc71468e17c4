"""The thread policy: measured while training, fixed by LECTURE_THREADS, never left behind."""

import subprocess
import sys

import pytest
import torch

from lecture_utils import threads
from lecture_utils.models import ConvNet, LogisticRegression, SmallConvNet
from lecture_utils.threads import ThreadPolicy, multiply_adds, requested_threads
from lecture_utils.training import evaluate, train


def _data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    return torch.rand(n, 1, 28, 28, generator=generator), torch.randint(0, 26, (n,))


def _threads_seen_in_training(model: torch.nn.Module) -> list[int]:
    seen = []
    model.register_forward_hook(
        lambda module, args, out: seen.append(torch.get_num_threads()) if module.training else None
    )
    return seen


def test_lecture_threads_fixes_the_count_for_every_batch_and_the_callers_count_returns(
    monkeypatch,
):
    monkeypatch.setenv("LECTURE_THREADS", "1")
    caller = torch.get_num_threads()
    model = LogisticRegression()
    seen = _threads_seen_in_training(model)
    train(model, _data(320), _data(8), epochs=1, lr=0.01, progress=False)
    assert set(seen) == {1} and len(seen) == 10
    assert torch.get_num_threads() == caller


@pytest.mark.parametrize("value", ["0", "two", "-1", "1.5"])
def test_a_lecture_threads_that_is_not_a_count_is_refused_with_the_fix(monkeypatch, value):
    monkeypatch.setenv("LECTURE_THREADS", value)
    with pytest.raises(ValueError, match=r"LECTURE_THREADS=.*whole number such as 1 or 2"):
        requested_threads()


def test_a_lecture_threads_above_the_available_cores_is_refused_with_the_number(monkeypatch):
    monkeypatch.setattr(threads, "available_cores", lambda: 2)
    monkeypatch.setenv("LECTURE_THREADS", "1000")
    with pytest.raises(ValueError) as error:
        requested_threads()
    assert str(error.value) == (
        "LECTURE_THREADS=1000 asks for more threads than the 2 cores this process may use; "
        "set it to at most 2, or unset it."
    )
    monkeypatch.setenv("LECTURE_THREADS", "2")
    assert requested_threads() == 2


def test_lecture_threads_2_means_two_threads_for_every_batch_without_measuring(monkeypatch):
    """Even for the ConvNet, whose batches the policy would otherwise time with 1 thread."""
    monkeypatch.setattr(threads, "available_cores", lambda: 4)
    monkeypatch.setenv("LECTURE_THREADS", "2")
    caller = torch.get_num_threads()
    set_to = []
    set_num_threads = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: set_to.append(n) or set_num_threads(n))
    set_num_threads(3)  # the caller's count, different from both candidates
    try:
        model = ConvNet()
        seen = []  # the thread count of each batch (not of the one-image check before them)
        model.register_forward_hook(
            lambda _, args, __: seen.append(torch.get_num_threads()) if len(args[0]) > 1 else None
        )
        train(model, _data(32), _data(16), epochs=1, lr=0.01, batch_size=8, progress=False)
        evaluate(model, *_data(32), batch_size=8)
    finally:
        set_num_threads(caller)
    assert len(seen) == 4 + 2 + 4 and set(seen) == {2}  # training, its evaluations, evaluate
    assert set(set_to) == {2, 3}  # set to 2, and back to the caller's 3: nothing else tried


def test_the_available_cores_are_those_this_process_may_run_on(monkeypatch):
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 3}, raising=False)
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 16)
    assert threads.available_cores() == 2


def test_unset_or_empty_lecture_threads_lets_the_policy_measure(monkeypatch):
    monkeypatch.setenv("LECTURE_THREADS", "")
    assert requested_threads() is None
    monkeypatch.delenv("LECTURE_THREADS")
    assert requested_threads() is None


class _FakeClock:
    """Batches take `cost[threads]` seconds: the policy must find the cheaper count."""

    def __init__(self, cost: dict[int, float]) -> None:
        self.cost, self.now = cost, 0.0

    def batch(self, policy: ThreadPolicy) -> None:
        self.now += self.cost[torch.get_num_threads()]
        policy.after_batch()


@pytest.fixture
def policy_clock(monkeypatch):
    """Two cores, no LECTURE_THREADS, torch on 2 threads, and time read from a fake clock;
    the caller's thread count comes back afterwards."""
    monkeypatch.delenv("LECTURE_THREADS", raising=False)
    monkeypatch.setattr(threads, "available_cores", lambda: 2)
    monkeypatch.setattr(threads, "_latest", None)  # no measurement from an earlier test
    caller = torch.get_num_threads()
    torch.set_num_threads(2)

    def make(cost: dict[int, float]) -> _FakeClock:
        clock = _FakeClock(cost)
        monkeypatch.setattr(threads.time, "perf_counter", lambda: clock.now)
        return clock

    yield make
    torch.set_num_threads(caller)


@pytest.mark.parametrize(("cost", "best"), [({1: 1.0, 2: 3.0}, 1), ({1: 2.0, 2: 1.0}, 2)])
def test_the_policy_keeps_the_faster_count_and_measures_again_later(policy_clock, cost, best):
    clock = policy_clock(cost)
    with ThreadPolicy(ConvNet(), torch.zeros(1, 1, 28, 28), batch_size=32) as policy:
        assert policy.candidates == [1, 2]
        for _ in range(2 * (threads.TRIAL_BATCHES + 1)):
            clock.batch(policy)
        assert torch.get_num_threads() == best
        for _ in range(int(threads.RETRIAL_SECONDS) + 1):
            clock.batch(policy)
        assert torch.get_num_threads() == 1  # a new trial starts with one thread
        for _ in range(100):
            clock.batch(policy)
        assert policy.threads == best and torch.get_num_threads() == best
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize(
    "cost", [{1: 1.0, 2: 9.0}, {1: 9.0, 2: 1.0}], ids=["one is faster", "two are faster"]
)
def test_a_far_slower_candidate_is_dropped_after_one_timed_batch(policy_clock, cost):
    clock = policy_clock(cost)
    with ThreadPolicy(ConvNet(), torch.zeros(1, 1, 28, 28), batch_size=32) as policy:
        for _ in range(threads.TRIAL_BATCHES + 1 + 2):  # the first count, then two of the other
            clock.batch(policy)
        assert torch.get_num_threads() == min(cost, key=cost.get)
        assert policy.batches[max(cost, key=cost.get)] <= threads.TRIAL_BATCHES + 1


def test_a_policy_started_soon_after_a_trial_takes_its_result_without_measuring(policy_clock):
    clock = policy_clock({1: 3.0, 2: 1.0})
    with ThreadPolicy(ConvNet(), torch.zeros(1, 1, 28, 28), batch_size=32) as policy:
        for _ in range(2 * (threads.TRIAL_BATCHES + 1)):
            clock.batch(policy)
    assert torch.get_num_threads() == 2
    clock.now += threads.RETRIAL_SECONDS / 2
    with ThreadPolicy(ConvNet(), torch.zeros(1, 1, 28, 28), batch_size=32) as again:
        clock.batch(again)
        assert again.batches == {2: 1}  # a trial would have started on one thread
    clock.now += threads.RETRIAL_SECONDS
    with ThreadPolicy(ConvNet(), torch.zeros(1, 1, 28, 28), batch_size=32) as later:
        clock.batch(later)
        assert later.batches == {1: 1}  # too old: measured again, from one thread


@pytest.mark.parametrize(("cost", "best"), [({1: 1.0, 2: 3.0}, 1), ({1: 3.0, 2: 1.0}, 2)])
def test_evaluation_measures_each_count_on_one_batch_then_keeps_the_faster(
    policy_clock, cost, best
):
    clock = policy_clock(cost)
    model = LogisticRegression()  # one thread for its training batches, but measured here
    counts = []

    def tick(module, args, out):
        if len(args[0]) == 1:
            return  # the check that the model gives 26 scores, before any batch
        counts.append(torch.get_num_threads())
        clock.now += cost[torch.get_num_threads()]

    model.register_forward_hook(tick)  # runs before evaluation's own hook: it sees the cost
    evaluate(model, *_data(10 * 64), batch_size=64)
    assert counts[:4] == [1, 1, 2, 2]  # each count: one batch to settle, one timed
    assert counts[4:] == [best] * 6
    assert torch.get_num_threads() == 2  # the caller's count is back


def test_an_evaluation_inside_training_may_use_the_callers_threads_again(policy_clock):
    image = torch.zeros(1, 1, 28, 28)
    with ThreadPolicy(LogisticRegression(), image, batch_size=32) as training_batches:
        assert training_batches.candidates == [1] and torch.get_num_threads() == 1
        with ThreadPolicy(LogisticRegression()) as evaluation_batches:
            assert evaluation_batches.candidates == [1, 2]
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2


def test_multiply_adds_counts_convolutions_and_linear_layers():
    image = torch.zeros(1, 1, 28, 28)
    assert multiply_adds(LogisticRegression(), image) == 784 * 26
    assert multiply_adds(SmallConvNet(), image) == 4 * 24 * 24 * 25 + 2304 * 26
    assert multiply_adds(ConvNet(), image) == (
        100 * 24 * 24 * 25 + 50 * 10 * 10 * 900 + 50 * 3 * 3 * 450 + 50 * 26
    )


@pytest.mark.parametrize("model_class", [LogisticRegression, SmallConvNet])
def test_small_models_train_on_one_thread_without_measuring(monkeypatch, model_class):
    monkeypatch.delenv("LECTURE_THREADS", raising=False)
    model = model_class()
    seen = _threads_seen_in_training(model)
    train(model, _data(320), _data(8), epochs=1, lr=0.01, progress=False)
    assert set(seen) == {1}


def test_importing_the_package_tunes_nothing():
    code = (
        "import torch; before = torch.get_num_threads()\n"
        "import lecture_utils.plotting, lecture_utils.training, lecture_utils.speed as speed\n"
        "assert not speed._tuned, 'the allocator was tuned at import'\n"
        "assert torch.get_num_threads() == before, 'threads changed at import'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_training_tunes_the_allocator_when_it_starts():
    """For the whole process, and for good: `speed.keep_freed_memory` is process-wide."""
    code = (
        "import torch, lecture_utils.speed as speed, lecture_utils.training as training\n"
        "from lecture_utils.models import LogisticRegression\n"
        "X, y = torch.rand(4, 1, 28, 28), torch.zeros(4, dtype=torch.int64)\n"
        "training.train(LogisticRegression(), (X, y), (X, y), epochs=1, lr=0.1, progress=False)\n"
        "import platform\n"
        "assert speed._tuned or platform.libc_ver()[0] != 'glibc'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
